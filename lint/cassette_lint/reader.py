"""Reading, the step after discovery: one file's bytes, bounded by ``--max-file-size``.

Nothing here parses: a file that cannot be read becomes a problem (``Y012``/``Y013``) for the pipeline.
A gzip'd file (:mod:`cassette_lint.compression`) is read as the bytes it holds: decompressed in memory,
``--max-file-size`` bounding the decompressed size too (``Y013``; a damaged stream is ``Y017``).
"""

from __future__ import annotations

import os
import stat
from time import time as _time

from . import compression
from .findings import Problem
from .source import Pos

#: problem codes this step emits (documented in :mod:`cassette_lint.rules.loading`)
UNREADABLE = "Y012"
FILE_TOO_LARGE = "Y013"


def _too_large(size: int, limit: int) -> tuple[None, Problem, str]:
    return None, Problem(Pos(1, 1), f"file is {size:,} bytes, above --max-file-size "
                         f"{limit:,}: not checked"), FILE_TOO_LARGE


def read_file(path: str, max_size: int, stat_out: list | None = None) -> tuple[bytes | None, Problem | None, str | None]:
    """The file's bytes (decompressed when it is gzip'd), or the problem (and its code) that stops it
    being read.

    Opened non-blocking and checked with ``fstat`` on the open descriptor (no race with a rename): a
    FIFO, socket or device named ``*.yaml`` is reported instead of hanging or reading forever, and a
    file that grows past ``max_file_size`` while being read is reported too.  ``stat_out``, when
    given, receives that ``fstat`` (taken before reading: never newer than the bytes).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        if os.path.isdir(path):  # (where a directory cannot be opened at all)
            return None, Problem(Pos(1, 1), "is a directory, not a file"), UNREADABLE
        return None, Problem(Pos(1, 1), f"cannot read file: {e.strerror or e}"), UNREADABLE
    try:
        st = os.fstat(fd)
        if stat_out is not None:
            stat_out.append(st)
        if stat.S_ISDIR(st.st_mode):
            return None, Problem(Pos(1, 1), "is a directory, not a file"), UNREADABLE
        if not stat.S_ISREG(st.st_mode):
            return None, Problem(Pos(1, 1), "not a regular file (a FIFO, socket or device): "
                                 "not read"), UNREADABLE
        limit = max_size
        if st.st_size > limit:
            return _too_large(st.st_size, limit)
        data = _read(fd, min(limit, st.st_size) + 1)  # the size of the file, and one byte to see growth
        if len(data) > st.st_size and len(data) <= limit:  # it grew while we read it
            data += _read(fd, limit + 1 - len(data))
        if len(data) > limit:
            return _too_large(len(data), limit)
        if compression.is_gzip(data):
            return compression.decompress(data, limit)
        return data, None, None
    except OSError as e:
        return None, Problem(Pos(1, 1), f"cannot read file: {e.strerror or e}"), UNREADABLE
    finally:
        os.close(fd)


#: a file modified less than this many seconds before it was read may change again within the
#: same timestamp tick: its size and times do not prove its bytes unchanged (the cache hashes it again)
RACY_SECONDS = 2.0


def stat_signature(st: os.stat_result, now: float | None = None) -> bytes | None:
    """What shows a file unchanged without reading it (size, times, inode, device), or
    None when it was modified so recently that a write within the same timestamp tick could go unseen."""
    if st.st_mtime > (_time() if now is None else now) - RACY_SECONDS:
        return None
    return stat_bytes(st)


def stat_bytes(st: os.stat_result) -> bytes:
    """The file's size, modification and change times, inode and device, written out (~0.4 us; packing
    them with ``int.to_bytes`` took ~3)."""
    return b"%d %d %d %d %d" % (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def content_hash(data: bytes) -> bytes:
    """The cache's key of a file's bytes: SHA-256, 16 bytes.  Python's own SHA-256 (~0.3 GB/s, imported
    in ~0.1 ms) until a few MB have been hashed, then OpenSSL's (~1.2 GB/s, but ``hashlib`` costs
    ~3 ms to import): a re-run that hashes one changed file pays for no import it does not need.
    Both give the same digest."""
    global _hashed
    if _fast is not None:
        return _fast(data).digest()[:16]
    _hashed += len(data)
    if _hashed > FAST_AFTER:
        fast_hash()
        return _fast(data).digest()[:16]
    return (_small or _builtin_sha256())(data).digest()[:16]


#: bytes hashed before :func:`content_hash` imports OpenSSL's SHA-256
FAST_AFTER = 1 << 20
_hashed = 0
_fast = None
_small = None


def fast_hash() -> None:
    """Hash with OpenSSL's SHA-256 from now on (a run about to check many files calls it before its
    workers fork, for them all to inherit the import)."""
    global _fast
    if _fast is None:
        from hashlib import sha256 as _fast


def _builtin_sha256():
    global _small
    try:
        from _sha256 import sha256 as _small  # Python <= 3.11
    except ImportError:
        try:
            from _sha2 import sha256 as _small  # Python 3.12+
        except ImportError:  # (a build without it)
            from hashlib import sha256 as _small
    return _small


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

