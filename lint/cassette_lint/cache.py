"""The cache: each file's pipeline result, kept between runs, so a re-run checks only what changed.

A result is reused only when everything it was computed from is unchanged: the file's bytes (a
SHA-256 of them; a file whose size, times and inode are those recorded, not modified within
:data:`cassette_lint.reader.RACY_SECONDS` of being read, is taken as unchanged without reading it,
as git does), the tool (its version, the Python version and a checksum of the package's own
sources and schemas, or of the hashes the installer recorded of them: a development edit
invalidates too), the effective options for the file (a fingerprint of
:class:`~cassette_lint.options.Options`), the per-file context key
(:func:`cassette_lint.pipeline.context_key`: the profile the manifests nearest the file give a
cassette of its format, read once per directory and run), whether the file was named or found by walking, and
its path (as given and absolute: a renamed file is a new file).  The result is the pipeline's,
before per-file-ignores, inline suppressions and the baseline, which the command applies after:
changing those needs no re-check.  Secrets found are never written (only the hash the findings
already carry).

On disk: one file, ``results.bin`` in the cache directory, holding every entry (a header with the
format, the tool key and a checksum of the body, then a ``marshal`` body: plain tuples, no
objects).  It is written to a temporary file and renamed over the old one (``os.replace``), so a
reader sees the old or the new file, never a mix; a writer holds a lock (``flock``) while it reads
the current file, merges its entries into it and renames, so two runs sharing the cache lose no
entries (and where there is no lock, the last writer wins: entries may be lost, never corrupted).
Entries of files that are gone, and older entries of files that changed, are dropped at each
write: the file holds at most a few entries per checked file.  A cache that cannot be read
(corrupt, truncated, written by another version) is ignored and rewritten; one that cannot be
written (a read-only directory) leaves the run as it was: either way with a note, never a crash
and never a stale result.  Nothing here prints: the notes go to the caller.
"""

from __future__ import annotations

import gc
import marshal
import os
import sys
import time
import zlib

from . import reader
from .reader import content_hash, stat_bytes, stat_signature
from .findings import Edit, Finding, Fix, Severity

#: the directory's name when no ``--cache-dir``/``CASSETTE_LINT_CACHE_DIR`` says otherwise
DIR_NAME = ".cassette-lint-cache"
ENV = "CASSETTE_LINT_CACHE_DIR"
RESULTS = "results.bin"
LOCK = "lock"
#: the files this module writes in the cache directory (``clean`` removes only these)
OWN_FILES = (RESULTS, LOCK, ".gitignore", "CACHEDIR.TAG")
TMP_PREFIX = ".results-"
MAGIC = b"cassette-lint cache\n"
#: the entry layout; bumped when it changes
LAYOUT = 7
CACHEDIR_TAG = (b"Signature: 8a477f597d28d172789f06886806bc55\n"
                b"# This file is a cache directory tag created by cassette-lint.\n"
                b"# For information about cache directory tags see https://bford.info/cachedir/\n")


def location(cache_dir: str | None, root: str) -> str:
    """The cache directory: ``--cache-dir``, else ``$CASSETTE_LINT_CACHE_DIR``, else
    ``.cassette-lint-cache`` in the project root ``root``."""
    d = cache_dir or os.environ.get(ENV) or os.path.join(root, DIR_NAME)
    return os.path.abspath(d)


_TOOL_KEY: str | None = None


def tool_key() -> str:
    """The version, the Python version and a checksum (CRC-32 + Adler-32) of the package's sources
    and schemas (computed once per process): when the package was installed from a wheel, of the
    SHA-256 of each of its files that the installer recorded (one small file read: ~0.1 ms), else
    of the files themselves (a source checkout or an editable install: ~2-3 ms)."""
    global _TOOL_KEY
    if _TOOL_KEY is None:
        from . import __version__

        here = os.path.dirname(os.path.abspath(__file__))
        h = _Checksum()
        record = _installed_record(here, __version__)
        if record is not None:
            h.update(b"RECORD\0" + record)
        else:
            _checksum_sources(here, h)
        _TOOL_KEY = (f"{__version__} py{sys.version_info[0]}.{sys.version_info[1]} layout{LAYOUT} "
                     f"{h.hexdigest()}")
    return _TOOL_KEY


def _installed_record(here: str, version: str) -> bytes | None:
    """The lines of the installer's ``RECORD`` (path, SHA-256, size) that name the package's own files,
    when it was installed from a wheel (None for a checkout or an editable install, whose RECORD
    lists no source)."""
    path = os.path.join(os.path.dirname(here), f"cassette_lint-{version}.dist-info", "RECORD")
    try:
        with open(path, "rb") as fh:
            data = fh.read(1 << 20)
    except OSError:
        return None
    prefix = os.path.basename(here).encode("utf-8", "surrogateescape") + b"/"
    lines = [ln for ln in data.splitlines() if ln.startswith(prefix) and not ln.endswith(b",,")]
    if not any(ln.startswith(prefix + b"cache.py,") for ln in lines):
        return None
    return b"\n".join(sorted(lines))


def _checksum_sources(here: str, h: _Checksum) -> None:
    dirs = [here, os.path.join(os.path.dirname(os.path.dirname(here)), "schemas")]
    for top in dirs:
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".py", ".json")):
                    p = os.path.join(dirpath, name)
                    try:
                        with open(p, "rb") as fh:
                            data = fh.read()
                    except OSError:
                        continue
                    h.update(os.path.relpath(p, top).encode("utf-8", "surrogateescape") + b"\0")
                    h.update(len(data).to_bytes(8, "little") + data)


class _Checksum:
    """CRC-32, Adler-32 and length: 16 bytes that tell damage, truncation or an edit (of the cache
    file, of the package's sources, of the options) at ~2 GB/s, without importing ``hashlib`` (a
    warm run needs no cryptographic hash; the files' bytes are keyed by SHA-256)."""

    __slots__ = ("crc", "adler", "n")

    def __init__(self, data=b""):
        self.crc, self.adler, self.n = 0, 1, 0
        self.update(data)

    def update(self, data) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.adler = zlib.adler32(data, self.adler)
        self.n += len(data)

    def digest(self) -> bytes:
        return self.crc.to_bytes(4, "little") + self.adler.to_bytes(4, "little") + self.n.to_bytes(8, "little")

    def hexdigest(self) -> str:
        return self.digest().hex()


def options_key(options) -> str:
    """A stable fingerprint of the options a result depends on."""
    doc = (tuple(options.select), tuple(options.ignore),
           sorted((k, getattr(v, "value", v)) for k, v in options.severity.items()),
           options.max_file_size, options.cassette_format, _canonical(options.settings))
    return _Checksum(repr(doc).encode("utf-8", "surrogatepass")).hexdigest()


def _canonical(value):
    """``value`` (configuration data: TOML tables, arrays and scalars) with its tables' keys sorted,
    so that its ``repr`` does not depend on the order they were written in."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), _canonical(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_canonical(v) for v in value))
    return (type(value).__name__, value)


def _entry_key(cwd: str, path: str, explicit: bool) -> str:
    """An entry's key: the file (the directory the path is relative to, and the path as given, which
    the findings show) and whether it was named or walked."""
    return f"{cwd}\0{path}\0{'e' if explicit else 'w'}"


def _file_of(key: str) -> str:
    """The part of an entry's key that names the file."""
    return key.rpartition("\0")[0]


# -- entries: FileResult <-> plain tuples --------------------------------------------------------

def _dump_result(r) -> tuple:
    findings = tuple(
        (f.line, f.column, f.rule, f.name, f.severity.value, f.message, f.interaction, f.end_line, f.end_column,
         f.value_hash, None if f.fix is None else
         (f.fix.description, f.fix.safe, tuple((e.start, e.end, e.replacement) for e in f.fix.edits)))
        for f in r.findings)  # never the secret itself
    p = r.profile
    profile = None if p is None else (p.library, p.version, p.source, p.match_on, p.allow_repeats, p.serializer)
    return (r.format, r.skipped, r.digest, findings, profile, r.directives)


_SEVERITY = {s.value: s for s in Severity}


def _load_result(payload: tuple, path: str, result_cls):
    fmt, skipped, digest, findings, profile, directives = payload
    if profile is not None:
        from .replay import Profile

        profile = Profile(*profile)
    out = []
    for (line, column, rule, name, sev, message, interaction, end_line, end_column, value_hash, fix) in findings:
        if fix is not None:
            desc, safe, edits = fix
            fix = Fix(desc, tuple(Edit(s, e, rep) for s, e, rep in edits), safe)
        out.append(Finding(path, line, column, rule, name, _SEVERITY[sev], message, interaction, end_line,
                           end_column, fmt, value_hash, fix))
    return result_cls(path, out, fmt, skipped, digest, profile, directives=directives)


class Cache:
    """One run's view of the cache directory ``directory``; ``note(text)`` receives every note.

    With ``refresh``, nothing is looked up (every file is checked afresh: ``--fix`` and ``--diff``
    need each result's secrets and bytes) but every result is stored, replacing what was there."""

    def __init__(self, directory: str, note=None, refresh: bool = False):
        self.directory = directory
        self.refresh = refresh
        self.path = os.path.join(directory, RESULTS)
        self.note = note or (lambda text: None)
        #: entries read from disk: key -> (hash, stat signature, options key, context key, payload)
        self.entries: dict[str, tuple] = {}
        #: entries this run adds or refreshes
        self.changed: dict[str, tuple] = {}
        #: file (:func:`_file_of`) -> hash of the bytes this run saw: its older entries are dropped
        self.seen: dict[str, bytes] = {}
        self.hits = 0
        self.misses = 0
        self._pending: list = []
        self._context = None
        self._dirty = False
        #: the stat of the file :attr:`entries` were read from (unchanged at :meth:`save`: not read again)
        self._read_sig: bytes | None = None
        if not refresh:  # (a refresh reads the file only to merge into it, when it saves)
            self._load()

    # -- reading -----------------------------------------------------------------------------------

    def _read(self) -> dict | None:
        """The entries on disk ({} when there is no cache yet), None when the file is unusable (with
        a note)."""
        self._read_sig = None
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read()
                sig = stat_bytes(os.fstat(fh.fileno()))
        except FileNotFoundError:
            return {}
        except OSError as e:
            self.note(f"cannot read the cache {self.path} ({e.strerror or e}): ignored")
            return None
        why = self._problem(raw)
        if why is not None:
            self.note(f"the cache {self.path} {why}: ignored, rewritten after this run")
            return None
        try:
            entries = marshal.loads(memoryview(raw)[self._body_start(raw):])
            if not isinstance(entries, dict):
                raise ValueError("not a mapping")
        except Exception:  # any damage marshal reports (the checksum makes this unlikely)
            self.note(f"the cache {self.path} is damaged: ignored, rewritten after this run")
            return None
        self._read_sig = sig
        return entries

    @staticmethod
    def _header(key: str, body: bytes) -> bytes:
        k = key.encode("utf-8")
        return MAGIC + len(k).to_bytes(2, "little") + k + _Checksum(body).digest()

    @staticmethod
    def _body_start(raw: bytes) -> int:
        n = int.from_bytes(raw[len(MAGIC):len(MAGIC) + 2], "little")
        return len(MAGIC) + 2 + n + 16

    def _problem(self, raw: bytes) -> str | None:
        if not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + 2:
            return "is not a cassette-lint cache (damaged?)"
        start = self._body_start(raw)
        if len(raw) < start:
            return "is truncated"
        key = raw[len(MAGIC) + 2:start - 16]
        if key != tool_key().encode("utf-8"):
            return f"was written by another cassette-lint ({key.decode('utf-8', 'replace')[:60]})"
        if _Checksum(memoryview(raw)[start:]).digest() != raw[start - 16:start]:
            return "is truncated or damaged"
        return None

    def _load(self) -> None:
        entries = self._read()
        self.entries = entries or {}
        self._dirty = entries is None  # an unusable file is replaced even when no result changes

    # -- the run -------------------------------------------------------------------------------------

    def lookup(self, targets, options, context_key, result_cls) -> list:
        """The cached result of each target, None for each that must be checked (remembered, with
        its keys, for :meth:`store`).  ``context_key(path, format)``: what else decides the result
        of a file of that format (asked only for a file whose entry is there: its format is the
        entry's; a changed file is another format only when its bytes changed, a miss anyway)."""
        okey = options_key(options)
        contexts: dict = {}  # (directory, format) -> context: the same for a directory's files

        def context(path: str, fmt: str | None) -> str:
            where = (path.rpartition(os.sep)[0], fmt)
            got = contexts.get(where)
            if got is None:
                got = contexts[where] = context_key(path, fmt)
            return got

        self._context = context
        out = []
        pending = []
        now = time.time()
        cwd = os.getcwd()
        for t in targets:
            if t.error is not None:  # nothing to read: checked (reported) again, at no cost
                out.append(None)
                pending.append(None)
                continue
            k = _entry_key(cwd, t.path, t.explicit)
            ap = _file_of(k)
            res = None if self.refresh else self._hit(k, ap, t.path, okey, now, result_cls,
                                                      options.max_file_size)
            out.append(res)
            pending.append(None if res is not None else (k, ap, okey))
            if res is None:
                self.misses += 1
            else:
                self.hits += 1
        # one per target to check, in order (None for one that cannot be cached: a path in error)
        self._pending = [p for p, r in zip(pending, out) if r is None]
        return out

    def _hit(self, k: str, ap: str, path: str, okey: str, now: float, result_cls, max_size: int):
        e = self.entries.get(k)
        if e is None:
            return None
        try:
            digest, sig, e_okey, e_ctx, payload = e
            if e_okey != okey or e_ctx != self._context(path, payload[0]):
                return None
            try:
                st = os.stat(path)
            except OSError:
                return None
            if sig is None or sig != stat_bytes(st):
                # the bytes as the pipeline hashed them (a gzip'd file decompressed); non-blocking
                data = reader.read_file(path, max_size)[0]
                if data is None:
                    return None
                h = content_hash(data)
                self.seen[ap] = h
                if h != digest:
                    return None
                new_sig = stat_signature(st, now)
                if new_sig is not None:  # now trusted: no re-read next time
                    self.changed[k] = (digest, new_sig, okey, e_ctx, payload)
            else:
                self.seen[ap] = digest
            return _load_result(payload, path, result_cls)
        except Exception:  # an entry of the wrong shape (a damaged or foreign file): a miss
            self.entries.pop(k, None)
            self._dirty = True
            return None

    def store(self, results) -> None:
        """Record the results of the targets :meth:`lookup` returned None for, in the same order."""
        with _NoCollection():
            self._store(results)

    def _store(self, results) -> None:
        for p, r in zip(self._pending, results):
            if p is None or r is None or getattr(r, "source", None) is None:
                continue
            k, ap, okey = p
            digest, sig = r.source[:16], r.source[16:] or None
            self.seen[ap] = digest
            self.changed[k] = (digest, sig, okey, self._context(r.path, r.format), _dump_result(r))
        self._pending = []

    # -- writing -------------------------------------------------------------------------------------

    def save(self) -> bool:
        """Merge this run's entries into the file on disk; False (with a note) when it cannot be written."""
        if not self.changed and not self._dirty:
            return True
        try:
            _prepare(self.directory)
            with _Lock(os.path.join(self.directory, LOCK)), _NoCollection():
                current = self._unchanged_on_disk()
                if current is None:
                    current = self._read_quiet()
                current.update(self.changed)
                entries = self._pruned(current)
                body = marshal.dumps(entries)
                data = self._header(tool_key(), body) + body
                _write_atomic(self.path, data, self.directory)
        except OSError as e:
            self.note(f"cannot write the cache in {self.directory} ({e.strerror or e}): results not cached")
            return False
        self.changed = {}
        self._dirty = False
        return True

    def _unchanged_on_disk(self) -> dict | None:
        """:attr:`entries` when the file they were read from is still the one on disk (no other run
        replaced it since: it is renamed over, never written in place), else None."""
        if self._read_sig is None or self._dirty:
            return None
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return self.entries if stat_bytes(st) == self._read_sig else None

    def _read_quiet(self) -> dict:
        note, self.note = self.note, (lambda text: None)  # already noted when this run started
        try:
            return self._read() or {}
        finally:
            self.note = note

    def _pruned(self, entries: dict) -> dict:
        out = {}
        exists: dict[str, bool] = {}
        for k, e in entries.items():
            try:
                ap = _file_of(k)
                digest = e[0]
            except Exception:
                continue
            seen = self.seen.get(ap)
            if seen is not None:
                if seen != digest:  # the file changed since this entry was written
                    continue
            else:
                if ap not in exists:
                    exists[ap] = os.path.isfile(os.path.join(*ap.split("\0")))
                if not exists[ap]:  # the file is gone
                    continue
            out[k] = e
        return out


class _NoCollection:
    """The cyclic garbage collector paused while entries (plain tuples: no cycle) are made: otherwise
    their number triggers a full collection of a run's every object (~8 ms at the end of a cold run
    of 650 files, a cost of the cache alone)."""

    def __enter__(self):
        self.paused = gc.isenabled()
        if self.paused:
            gc.disable()

    def __exit__(self, *exc):
        if self.paused:
            gc.enable()


def _prepare(directory: str) -> None:
    """Create the cache directory with a ``.gitignore`` (``*``) and a ``CACHEDIR.TAG``."""
    os.makedirs(directory, exist_ok=True)
    for name, content in ((".gitignore", b"# Created by cassette-lint automatically.\n*\n"),
                          ("CACHEDIR.TAG", CACHEDIR_TAG)):
        p = os.path.join(directory, name)
        if not os.path.exists(p):
            _write_atomic(p, content, directory)


def _write_atomic(path: str, data: bytes, directory: str) -> None:
    """Write ``data`` to a new file beside ``path`` and rename it over ``path`` (readers see the old
    or the new file, whole)."""
    tmp = os.path.join(directory, f"{TMP_PREFIX}{os.getpid()}-{os.urandom(6).hex()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class _Lock:
    """An exclusive ``flock`` on ``path`` while the file is merged and renamed (nothing where there
    is no ``fcntl``, or when it cannot be had within a few seconds: the rename is atomic anyway)."""

    def __init__(self, path: str):
        self.path = path
        self.fd: int | None = None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:
            return self
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:
            return self
        deadline = time.monotonic() + 5.0
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except OSError:
                if time.monotonic() >= deadline:
                    return self
                time.sleep(0.01)

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)  # releases the lock
            self.fd = None


def clean(directory: str) -> list[str]:
    """Remove the cache in ``directory`` (only the files the cache writes, then the directory when
    it is left empty); the paths removed."""
    removed = []
    if not os.path.isdir(directory):
        return removed
    for name in sorted(os.listdir(directory)):
        if name in OWN_FILES or name.startswith(TMP_PREFIX):
            p = os.path.join(directory, name)
            try:
                os.unlink(p)
                removed.append(p)
            except OSError:
                pass
    try:
        os.rmdir(directory)
        removed.append(directory)
    except OSError:  # something else is in it (a directory the user named): left alone
        pass
    return removed
