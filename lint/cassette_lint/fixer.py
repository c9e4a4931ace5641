"""Safe fixes: byte-range edits applied to the original bytes of a file.

A rule attaches a :class:`~cassette_lint.findings.Fix` (a set of :class:`~cassette_lint.findings.Edit`
byte ranges) to a finding.  ``--fix`` applies the *safe* ones: edits are sorted, a fix whose edits
overlap an edit already accepted is left for the next round, and the file is written atomically
(a temporary file in the same directory, fsync, ``os.replace``) with its permission bits kept.  The
YAML is never re-dumped, so every byte outside the edited ranges stays as it was.

A gzip'd cassette (:mod:`cassette_lint.compression`) is fixed in its decompressed text (the bytes that
were checked and that the edits' offsets count) and written back gzip'd behind its original header
(file name and mtime kept), atomically like any other file.

After a round the file is checked again; rounds repeat while they change something (at most
``MAX_ROUNDS``), so fixes that overlapped get their turn and a second ``--fix`` run is a no-op.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from typing import Iterable

from .findings import Edit, Finding, Fix

MAX_ROUNDS = 8


class FixError(Exception):
    """A fix that cannot be applied (edits outside the file, a write refused)."""


def safe_fixes(findings: Iterable[Finding]) -> list[Fix]:
    return [f.fix for f in findings if f.fix is not None and f.fix.safe and f.fix.edits]


def apply_fixes(data: bytes, fixes: Iterable[Fix]) -> tuple[bytes, list[Fix]]:
    """Apply every fix whose edits do not overlap an edit accepted before it.

    Returns (new bytes, applied fixes).  Identical fixes (two findings proposing the same edits)
    are applied once.  An edit outside ``data`` raises :class:`FixError`.
    """
    accepted: list[Edit] = []
    applied: list[Fix] = []
    seen: set[tuple[Edit, ...]] = set()
    n = len(data)
    for fx in fixes:
        edits = tuple(sorted(fx.edits, key=lambda e: (e.start, e.end)))
        if edits in seen:
            continue
        for e in edits:
            if not (0 <= e.start <= e.end <= n):
                raise FixError(f"fix {fx.description!r}: edit [{e.start}, {e.end}) outside the file ({n} bytes)")
        if _overlaps(edits) or any(_overlaps((a, b)) for a in edits for b in accepted):
            continue
        seen.add(edits)
        accepted.extend(edits)
        applied.append(fx)
    return apply_edits(data, accepted), applied


def _overlaps(edits) -> bool:
    """True when two edits touch the same bytes (or insert at the same point)."""
    es = sorted(edits, key=lambda e: (e.start, e.end))
    for a, b in zip(es, es[1:]):
        if b.start < a.end or (a.start == b.start):
            return True
    return False


def apply_edits(data: bytes, edits: Iterable[Edit]) -> bytes:
    """Apply non-overlapping edits to ``data`` (bytes outside the ranges are copied unchanged)."""
    es = sorted(edits, key=lambda e: (e.start, e.end))
    if _overlaps(es):
        raise FixError("overlapping edits")
    out, pos = [], 0
    for e in es:
        out.append(data[pos:e.start])
        out.append(e.replacement)
        pos = e.end
    out.append(data[pos:])
    return b"".join(out)


# -- writing ---------------------------------------------------------------------------------------

def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:
        return False


def write_target(path: str, roots) -> str:
    """The real file to write for ``path``: symlinks resolved, but never outside the ``roots`` trees."""
    real = os.path.realpath(path)
    roots = [roots] if isinstance(roots, str) else list(roots)
    if not any(_inside(real, os.path.realpath(r)) for r in roots):
        raise FixError(f"resolves to {real}, outside the checked tree: not written")
    if not os.path.isfile(real):
        raise FixError(f"{path}: not a regular file: not written")
    return real


def atomic_write(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, keeping its permission bits."""
    st = os.stat(path)
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename durable
        dfd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def mask_secrets(text: str, findings: Iterable[Finding]) -> str:
    """``text`` with every secret a finding reported replaced by its mask (``sk-p…(51 chars)``)."""
    values = sorted({f.secret for f in findings if f.secret}, key=len, reverse=True)
    if not values:
        return text
    from .secrets import mask

    for v in values:
        text = text.replace(v, mask(v))
    return text


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    a = old.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    b = new.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    lines = []
    for ln in difflib.unified_diff(a, b, f"a/{path}", f"b/{path}"):
        lines.append(ln if ln.endswith(("\n", "\r")) else ln + "\n\\ No newline at end of file\n")
    return "".join(lines).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# -- the --fix / --diff driver ----------------------------------------------------------------------

@dataclass
class Outcome:
    fixed: int = 0  # findings fixed
    files: list[str] = field(default_factory=list)  # files changed (or that would change)
    diff: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


#: the most a gzip'd cassette may expand to while it is fixed (it was checked under --max-file-size)
_MAX_FIX_SIZE = 1 << 31


def _read(path: str) -> tuple[bytes, bytes | None]:
    """(the bytes that are checked and edited, the file's own bytes when they are gzip'd, else None)."""
    from . import compression

    with open(path, "rb") as fh:
        raw = fh.read()
    if not compression.is_gzip(raw):
        return raw, None
    data, problem, _ = compression.decompress(raw, _MAX_FIX_SIZE)
    if problem is not None:
        raise FixError(problem.message)
    return data, raw


def _write(path: str, data: bytes, gzipped: bytes | None) -> None:
    if gzipped is not None:
        from . import compression

        data = compression.recompress(data, gzipped)
    atomic_write(path, data)


def _same_bytes(fr, data: bytes) -> bool:
    """True when ``fr`` (a FileResult) was computed from exactly ``data``."""
    digest = getattr(fr, "digest", None)
    return digest is None or digest == hashlib.sha256(data).hexdigest()


def fix_files(file_results: list, recheck, roots, write: bool) -> tuple[list, Outcome]:
    """Fix every file of ``file_results`` that has a safe fix.

    ``recheck(path) -> FileResult`` checks one file again (with the run's options and filters).
    Returns the file results after fixing (re-checked ones replaced) and what was done.  With
    ``write=False`` nothing is written: one round is computed in memory and returned as a diff.
    """
    out = Outcome()
    results = []
    for fr in file_results:
        fixes = safe_fixes(fr.findings)
        if not fixes:
            results.append(fr)
            continue
        try:
            real = write_target(fr.path, roots) if write else fr.path
            original, gzipped = _read(real)
            if not _same_bytes(fr, original):
                # changed since it was checked (another cassette-lint --fix got there first): the
                # edits' byte offsets are for other bytes; check it again and fix what is left
                fr = recheck(fr.path)
                fixes = safe_fixes(fr.findings)
                original, gzipped = _read(real)
                if not fixes:
                    results.append(fr)
                    continue
                if not _same_bytes(fr, original):
                    raise FixError("the file keeps changing while it is fixed: not written")
            if not write:
                new, applied = apply_fixes(original, fixes)
                if new != original:
                    out.files.append(fr.path)
                    out.fixed += len(applied)
                    # never show a secret, on either side or in context lines
                    out.diff.append(mask_secrets(unified_diff(fr.path, original, new), fr.findings))
                results.append(fr)
                continue
            current, cur_fixes, changed = original, fixes, False
            for _ in range(MAX_ROUNDS):
                new, applied = apply_fixes(current, cur_fixes)
                if new == current:
                    break
                _write(real, new, gzipped)
                changed = True
                out.fixed += len(applied)
                current = new
                fr = recheck(fr.path)
                if not _same_bytes(fr, current):
                    break  # another process replaced it meanwhile (a whole file): leave it to that one
                cur_fixes = safe_fixes(fr.findings)
                if not cur_fixes:
                    break
            if changed:
                out.files.append(fr.path)
            results.append(fr)
        except (OSError, FixError) as e:
            out.errors.append(f"{fr.path}: cannot fix: {e}")
            results.append(fr)
    return results, out
