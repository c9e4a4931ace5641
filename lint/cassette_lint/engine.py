"""The pipeline for one file and for a run:

discover files → load (YAML with positions) → detect format → build the model → schema + rules →
findings.  Nothing here prints; reporters turn the :class:`RunResult` into output.
"""

from __future__ import annotations

import gc
import os
import stat
from functools import lru_cache
from typing import Iterable, Iterator

from . import formats, loader, rules
from .findings import Finding, Problem, Severity
from .records import Record, Value
from .rules import loading as L
from .source import Pos

YAML_SUFFIXES = (".yaml", ".yml")
#: walked directories also yield these (vcrpy's JSON serializer); one that is no cassette is skipped silently
JSON_SUFFIXES = (".json",)
#: directories never walked into
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".direnv", ".eggs",
})
#: peak memory reaches ~20x the file size for cassettes of many streamed interactions (~8x for one
#: long stream; benchmarks/hostile.py and bench.py --sizes), so 20 MiB bounds one worker near 450 MB;
#: real cassettes are rarely above a few MB
DEFAULT_MAX_FILE_SIZE = 20 * 1024 * 1024


# Options, FileResult, RunResult and Target are records (equal by fields; Target also hashable), not
# dataclasses, which cost every start-up ~1 ms of generated code each (see records.py).


class Options(Record):
    __slots__ = ("select", "ignore", "severity", "max_file_size", "cassette_format", "settings")

    def __init__(self, select: tuple[str, ...] = ("ALL",), ignore: tuple[str, ...] = (),
                 severity: dict[str, Severity] | None = None, max_file_size: int = DEFAULT_MAX_FILE_SIZE,
                 cassette_format: str | None = None, settings: dict[str, dict] | None = None):
        self.select = select
        self.ignore = ignore
        self.severity: dict[str, Severity] = {} if severity is None else severity
        self.max_file_size = max_file_size
        self.cassette_format = cassette_format
        #: per-family rule settings from the configuration: {"secrets": {"allowlist": [...]}, ...}
        self.settings: dict[str, dict] = {} if settings is None else settings

    def enabled(self, code: str) -> bool:
        if not rules.matches(code, self.select):
            return False
        if self.ignore and rules.matches(code, self.ignore):
            # a more specific select wins over a broader ignore (``--select E001 --ignore E``)
            return _specificity(code, self.select) > _specificity(code, self.ignore)
        return True

    def family_enabled(self, prefix: str) -> bool:
        """True when at least one rule whose code starts with ``prefix`` is enabled."""
        return _family_enabled(tuple(self.select), tuple(self.ignore), prefix, rules.registry_key())

    def active_rules(self, checks_only: bool = True) -> list:
        """The enabled rules (with a ``check`` of their own), in run order; computed once per selection."""
        return _active_rules(tuple(self.select), tuple(self.ignore), checks_only, rules.registry_key())


@lru_cache(maxsize=64)
def _active_rules(select: tuple, ignore: tuple, checks_only: bool, _registry: int) -> list:
    probe = Options(select=select, ignore=ignore)
    return [r for r in rules.all_rules() if (r.check is not None or not checks_only) and probe.enabled(r.code)]


@lru_cache(maxsize=256)
def _family_enabled(select: tuple, ignore: tuple, prefix: str, registry: int) -> bool:
    return any(r.code.startswith(prefix) for r in _active_rules(select, ignore, False, registry))


def _specificity(code: str, selectors: Iterable[str]) -> int:
    return max((0 if s == "ALL" else len(s) for s in selectors if s == "ALL" or code.startswith(s)), default=-1)


class FileResult(Record):
    __slots__ = ("path", "findings", "format", "skipped", "digest")

    def __init__(self, path: str, findings: list[Finding], format: str | None = None, skipped: str | None = None,
                 digest: str | None = None):
        self.path = path
        self.findings = findings
        self.format = format
        #: why the file was not checked as a cassette ("not-a-cassette" for silently skipped YAML)
        self.skipped = skipped
        #: sha256 of the bytes that were checked: ``--fix`` applies byte edits only to these same bytes
        self.digest = digest


class RunResult(Record):
    __slots__ = ("files",)

    def __init__(self, files: list[FileResult]):
        self.files = files

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.files for f in r.findings]

    @property
    def checked(self) -> list[FileResult]:
        return [r for r in self.files if r.skipped is None]


# -- discovery --------------------------------------------------------------------------------------


class Target(Value):
    """A file to check.  A value (equal and hashed by its fields): treat it as immutable."""

    __slots__ = ("path", "explicit", "error")

    def __init__(self, path: str, explicit: bool, error: str | None = None):
        self.path = path
        self.explicit = explicit
        #: why this path could not be listed (an unreadable directory met while walking): reported as Y012
        self.error = error


def discover(paths: Iterable[str], exclude=None) -> list[Target]:
    """Files to check: explicit files as given, directories walked for ``*.yaml``/``*.yml``/``*.json``.

    ``exclude(path) -> bool`` (the configuration's ``exclude``), when given, replaces the built-in
    ``SKIP_DIRS`` and also applies to explicit files (pre-commit passes files one by one).
    """
    out: list[Target] = []
    seen: set[str] = set()
    errors: list[OSError] = []
    for p in paths:
        if exclude is not None and exclude(p) and os.path.normpath(p) not in (".", os.curdir):
            continue
        if os.path.isdir(p):
            for t in _walk(p, exclude, errors):
                key = os.path.normpath(t)
                if key not in seen:
                    seen.add(key)
                    out.append(Target(t, False))
        else:
            key = os.path.normpath(p)
            if key not in seen:
                seen.add(key)
                out.append(Target(p, True))
    for e in errors:
        out.append(Target(str(e.filename), True, f"cannot list directory: {e.strerror or e}"))
    return out


def _walk(root: str, exclude=None, errors: list | None = None) -> Iterator[str]:
    def onerror(e: OSError) -> None:  # an unreadable directory: reported (Y012) by discover()
        if errors is not None:
            errors.append(e)

    skip = (lambda d, full: d in SKIP_DIRS) if exclude is None else (lambda d, full: exclude(full))
    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=False):
        if "pyvenv.cfg" in filenames and dirpath != root:  # a virtual environment (by any name)
            dirnames.clear()
            continue
        dirnames[:] = sorted(d for d in dirnames if not skip(d, os.path.join(dirpath, d)))
        for name in sorted(filenames):
            if name.endswith(YAML_SUFFIXES) or name.endswith(JSON_SUFFIXES):
                full = os.path.join(dirpath, name)
                if exclude is None or not exclude(full):
                    yield full


# -- one file ---------------------------------------------------------------------------------------


def _value_hash(value: str | None) -> str | None:
    if value is None:
        return None
    import hashlib

    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class _Collector:
    def __init__(self, path: str, options: Options):
        self.path = path
        self.options = options
        self.findings: list[Finding] = []
        self.format: str | None = None
        self.skipped: str | None = None
        #: False for UTF-16/32 files: fixes are UTF-8 byte edits and would corrupt them
        self.fixes = True
        #: the bytes that were checked, kept only until the result says whether a fix needs their digest
        self.data: bytes | None = None

    def add(self, rule: rules.Rule, p: Problem) -> None:
        if not self.options.enabled(rule.code):
            return
        self.findings.append(Finding(
            path=self.path, line=p.pos.line, column=p.pos.column, rule=rule.code, name=rule.name,
            severity=self.options.severity.get(rule.code, rule.severity), message=p.message,
            interaction=p.interaction, end_line=p.pos.end_line, end_column=p.pos.end_column,
            format=self.format, value_hash=_value_hash(p.value), fix=p.fix if self.fixes else None,
            secret=p.value if rule.family == "secrets" else None))

    def result(self) -> FileResult:
        for f in self.findings:
            f.format = self.format
        self.findings.sort(key=Finding.sort_key)
        # --fix re-checks a file whose bytes changed since they were checked (another process wrote
        # it): only files with a fix need the digest that tells
        digest = None
        if self.data is not None and any(f.fix is not None for f in self.findings):
            import hashlib

            digest = hashlib.sha256(self.data).hexdigest()
        self.data = None
        return FileResult(self.path, self.findings, self.format, self.skipped, digest)


def _too_large(size: int, options: Options) -> tuple[None, Problem, rules.Rule]:
    return None, Problem(Pos(1, 1), f"file is {size:,} bytes, above --max-file-size "
                         f"{options.max_file_size:,}: not checked"), L.FILE_TOO_LARGE


def read_file(path: str, options: Options) -> tuple[bytes | None, Problem | None, rules.Rule | None]:
    """The file's bytes, or the problem that stops it being read.

    Opened non-blocking and checked with ``fstat`` on the open descriptor (no race with a rename): a
    FIFO, socket or device named ``*.yaml`` is reported instead of hanging or reading forever, and a
    file that grows past ``max_file_size`` while being read is reported too.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        if os.path.isdir(path):  # (where a directory cannot be opened at all)
            return None, Problem(Pos(1, 1), "is a directory, not a file"), L.UNREADABLE
        return None, Problem(Pos(1, 1), f"cannot read file: {e.strerror or e}"), L.UNREADABLE
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            return None, Problem(Pos(1, 1), "is a directory, not a file"), L.UNREADABLE
        if not stat.S_ISREG(st.st_mode):
            return None, Problem(Pos(1, 1), "not a regular file (a FIFO, socket or device): "
                                 "not read"), L.UNREADABLE
        if st.st_size > options.max_file_size:
            return _too_large(st.st_size, options)
        limit = options.max_file_size
        data = _read(fd, min(limit, st.st_size) + 1)  # the size of the file, and one byte to see growth
        if len(data) > st.st_size and len(data) <= limit:  # it grew while we read it
            data += _read(fd, limit + 1 - len(data))
        if len(data) > limit:
            return _too_large(len(data), options)
        return data, None, None
    except OSError as e:
        return None, Problem(Pos(1, 1), f"cannot read file: {e.strerror or e}"), L.UNREADABLE
    finally:
        os.close(fd)


def _read(fd: int, n: int) -> bytes:
    """Up to ``n`` bytes from ``fd`` (fewer only at the end of the file); plain ``os.read`` calls, no
    buffered file object per file."""
    chunks = []
    while n > 0:
        b = os.read(fd, n)
        if not b:
            break
        chunks.append(b)
        n -= len(b)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def check_file(target: Target, options: Options) -> FileResult:
    """Run every enabled check on one file; never raises."""
    col = _Collector(target.path, options)
    # no collector passes while one file is checked: its model holds no reference cycles (tested),
    # and on a large streamed body (tens of thousands of events) the passes over the growing heap
    # cost ~8% (50 MB cassette, 4.3 -> 4.0 s); what a file leaves is freed by reference counts
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        _check(target, options, col)
    except Exception as e:  # a bug in the pipeline itself: report it, keep the run going
        col.add(L.INTERNAL_ERROR, Problem(Pos(1, 1), f"internal error while checking: {type(e).__name__}: {e}"
                                          f" ({_where(e)})"))
    finally:
        if paused:
            gc.enable()
    return col.result()


def _where(e: BaseException) -> str:
    import traceback

    tb = traceback.extract_tb(e.__traceback__)
    if not tb:
        return "?"
    f = tb[-1]
    return f"{os.path.basename(f.filename)}:{f.lineno}"


def _check(target: Target, options: Options, col: _Collector) -> None:
    if target.error is not None:
        col.add(L.UNREADABLE, Problem(Pos(1, 1), target.error))
        return
    data, problem, rule = read_file(target.path, options)
    if problem is not None:
        col.add(rule, problem)
        return
    col.data = data
    loaded = loader.load(target.path, data)
    col.fixes = loaded.source.encoding == "utf-8"
    doc = loaded.document
    if not target.explicit and loader.is_json(target.path) and not formats.json_may_be_cassette(data, doc):
        col.skipped = "not-a-cassette"  # package.json, tsconfig.json … next to the cassettes
        return
    for r, p in loaded.problems:
        col.add(r, p)
    if doc is None or not isinstance(doc.data, dict):
        if doc is not None and loader.old_vcrpy_layout(doc.data):
            col.format = "vcrpy"  # its pre-1.0 layout, which vcrpy refuses (Y005 says so)
        return
    adapter = formats.detect(doc.data, options.cassette_format)
    if adapter is None:
        if target.explicit:
            col.add(L.NOT_A_CASSETTE, Problem(Pos(1, 1), "not a known cassette format ("
                                              + ", ".join(formats.names()) + "): not checked"))
        else:
            col.skipped = "not-a-cassette"
            col.findings.clear()
        return
    col.format = adapter.FORMAT
    for path, tag in doc.tags.items():
        if tag not in adapter.ACCEPTED_TAGS:
            col.add(L.UNEXPECTED_TAG, Problem(doc.pos(path), f"value tagged {tag!r}: no cassette format uses this "
                                              "tag (read as its plain value, never constructed)"))
    if options.family_enabled("S"):
        from . import schema

        for r, p in schema.check(doc, adapter.SCHEMA):
            col.add(r, p)
    cassette = adapter.build(doc, target.path)
    for r in options.active_rules():
        try:
            problems = (r.check(cassette, options.settings.get(r.family, {})) if r.takes_settings
                        else r.check(cassette))
            for p in problems:
                col.add(r, p)
        except Exception as e:
            col.add(L.INTERNAL_ERROR, Problem(Pos(1, 1), f"rule {r.code} ({r.name}) failed: "
                                              f"{type(e).__name__}: {e} ({_where(e)})"))


#: below this many files a run stays in one process (starting workers costs more than it saves)
PARALLEL_MIN_FILES = 64


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _check_chunk(args: tuple[list[Target], Options]) -> list[FileResult]:
    targets, options = args
    return [check_file(t, options) for t in targets]


def _warm_up(options: Options) -> None:
    """Import and compile, in this process, what checking any file needs: rule modules, format
    adapters and the compiled schema predicates."""
    options.active_rules()
    mods = formats.adapters()
    if options.family_enabled("S"):
        from . import schema

        for mod in mods:
            schema.fast_validator(mod.SCHEMA)


def check_targets(targets: list[Target], options: Options, jobs: int = 1,
                  progress=None) -> list[FileResult]:
    """Check ``targets`` in order; with ``jobs`` > 1, in worker processes, merged in the same order.

    ``progress``, when given, is called with the number of files just finished.
    """
    if jobs <= 1 or len(targets) < PARALLEL_MIN_FILES:
        out = []
        for t in targets:
            out.append(check_file(t, options))
            if progress:
                progress(1)
        return out
    if CAN_FORK:
        return _check_forked(targets, options, jobs, progress)
    import multiprocessing

    # no fork (Windows): a pool of spawned workers, each importing everything itself; chunks of a
    # few files: few round trips, and a big file does not hold a whole slice hostage
    ctx = multiprocessing.get_context("spawn")
    size = max(1, min(16, len(targets) // (jobs * 8)))
    chunks = [(targets[i:i + size], options) for i in range(0, len(targets), size)]
    out: list[FileResult] = []
    with ctx.Pool(jobs) as pool:
        for results in pool.imap(_check_chunk, chunks):  # imap keeps the input order
            out.extend(results)
            if progress:
                progress(len(results))
    return out


#: workers are forked where the OS can (every Unix): they inherit the imported, warmed-up process
CAN_FORK = hasattr(os, "fork")
#: a forked worker reports to the parent (results, and progress) every this many files, or sooner
#: once this many seconds have passed: each report wakes the parent, which takes a core from the
#: workers (8 files a report cost the parent ~7 ms more CPU than 32 over 1,800 files)
_BATCH = 32
_BATCH_SECONDS = 0.1
#: at most this many claims are queued for the workers (4 bytes each: the queue is written at once,
#: before any worker reads, and must fit any pipe's buffer); more files are claimed several at a time
_MAX_CLAIMS = 1024


def _claims(n: int) -> tuple[int, bytes]:
    """(files per claim, the queue: the first index of every claim as 4 bytes)."""
    per = -(-n // _MAX_CLAIMS)
    return per, b"".join(i.to_bytes(4, "little") for i in range(0, n, per))


def _work(targets: list[Target], options: Options, per: int, queue: int, out: int) -> None:
    """A forked worker: claim files from the queue until it is empty (a pipe whose records another
    worker cannot split: each read takes one whole 4-byte record, and the pipe only ever holds whole
    ones); send ``[(index, result), ...]`` to the parent every few files, as ``length + pickle``."""
    import pickle
    from time import monotonic

    batch: list = []
    due = monotonic() + _BATCH_SECONDS
    while True:
        rec = os.read(queue, 4)
        if len(rec) < 4:
            break  # the queue is empty (every writer closed it: the parent did before forking)
        first = int.from_bytes(rec, "little")
        for i in range(first, min(first + per, len(targets))):
            batch.append((i, check_file(targets[i], options)))
            if len(batch) >= _BATCH or monotonic() >= due:
                _send(out, pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
                batch = []
                due = monotonic() + _BATCH_SECONDS
    if batch:
        _send(out, pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))


def _send(fd: int, payload: bytes) -> None:
    data = memoryview(len(payload).to_bytes(4, "little") + payload)
    while data:
        data = data[os.write(fd, data):]


def _take_batches(buf: bytearray) -> Iterator[list]:
    """The complete ``length + pickle`` messages at the start of ``buf``, decoded and removed from it."""
    import pickle

    while len(buf) >= 4:
        size = int.from_bytes(buf[:4], "little")
        if len(buf) < 4 + size:
            return
        batch = pickle.loads(buf[4:4 + size])
        del buf[:4 + size]
        yield batch


def _read_some(fd: int) -> bytes:
    """What the pipe holds now (b'' once the worker closed it, or died)."""
    try:
        return os.read(fd, 1 << 16)
    except OSError:
        return b""


def _fork_workers(targets: list[Target], options: Options, jobs: int) -> list[tuple[int, int]]:
    """Start ``jobs`` forked workers on ``targets``; ``[(pid, read end of its result pipe), ...]``.
    When a fork fails (a process limit), the workers already started are stopped and it raises."""
    import signal
    import sys

    per, queue = _claims(len(targets))
    q_read, q_write = os.pipe()
    try:  # <= 4 KB, one page: every pipe holds that much; never left waiting for a reader regardless
        os.set_blocking(q_write, False)
        if os.write(q_write, queue) != len(queue):
            raise OSError("the work queue does not fit in a pipe")
    except BaseException:
        os.close(q_read)
        raise
    finally:
        os.close(q_write)
    for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice by a child
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing can be written twice either
            pass
    workers = []
    try:
        for _ in range(jobs):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: work, then leave without running anything of the parent's
                code = 1
                try:
                    os.close(r)
                    for _, other in workers:
                        os.close(other)
                    _work(targets, options, per, q_read, w)
                    code = 0
                finally:
                    os._exit(code)
            os.close(w)
            workers.append((pid, r))
    except BaseException:
        for pid, r in workers:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(r)
        raise
    finally:
        os.close(q_read)
    return workers


def _check_forked(targets: list[Target], options: Options, jobs: int, progress) -> list[FileResult]:
    """Check ``targets`` in ``jobs`` forked workers: plain ``os.fork`` and pipes (``multiprocessing``
    cost every parallel run ~15 ms of imports and set-up before the first file)."""
    import selectors

    _warm_up(options)  # once here, inherited by every worker, instead of once per worker
    gc.freeze()  # what exists now is shared with the workers: keep their collector off those pages
    try:
        try:
            workers = _fork_workers(targets, options, min(jobs, len(targets)))
        except OSError:  # no process to spare: check them here
            return check_targets(targets, options, 1, progress)
        results: list[FileResult | None] = [None] * len(targets)
        pending = {r: bytearray() for _, r in workers}
        sel = selectors.DefaultSelector()
        for fd in pending:
            sel.register(fd, selectors.EVENT_READ)
        while pending:
            for key, _ in sel.select():
                fd = key.fd
                chunk = _read_some(fd)
                if not chunk:  # the worker is done, or died (mid-message even: that part is lost)
                    sel.unregister(fd)
                    os.close(fd)
                    del pending[fd]
                    continue
                pending[fd] += chunk
                for batch in _take_batches(pending[fd]):
                    for i, res in batch:
                        results[i] = res
                    if progress:
                        progress(len(batch))
        sel.close()
        for pid, _ in workers:
            os.waitpid(pid, 0)
    finally:
        gc.unfreeze()
    for i, res in enumerate(results):
        if res is None:  # its worker died (a crash in a C extension?) before reporting this file
            results[i] = _check_alone(targets[i], options)
            if progress:
                progress(1)
    return results  # type: ignore[return-value]


def _check_alone(target: Target, options: Options) -> FileResult:
    """Check one file in a process of its own; a crash becomes an X001 finding on that file."""
    try:
        ((pid, r),) = _fork_workers([target], options, 1)
    except OSError:  # no process to spare: check it here
        return check_file(target, options)
    data = bytearray()
    chunk = _read_some(r)
    while chunk:
        data += chunk
        chunk = _read_some(r)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    for batch in _take_batches(data):
        return batch[0][1]
    col = _Collector(target.path, options)
    how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
           else f"exit status {os.waitstatus_to_exitcode(status)}")
    col.add(L.INTERNAL_ERROR, Problem(Pos(1, 1), f"checking this file crashed the worker process ({how}); "
                                      "the other files were checked"))
    return col.result()


def run(paths: Iterable[str], options: Options, jobs: int = 1, progress=None) -> RunResult:
    return RunResult(check_targets(discover(paths), options, jobs, progress))
