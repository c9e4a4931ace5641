"""Compressed cassettes: gzip'd files, decompressed in memory and checked as the text inside.

A cassette is gzip'd when its bytes start with the gzip magic (``1f 8b``, never the start of YAML or
JSON text: ``0x1f`` is a control character neither allows), whatever its name: ``x.yaml.gz`` as
LangChain's ``langchain_tests.conftest.CustomPersister`` and other gzip persisters write it, and also a
gzip'd file named ``x.yaml``. The directory walk finds ``*.gz`` over any suffix it walks
(:func:`inner_name`: ``x.yaml.gz`` → ``x.yaml``; ``.httprr.gz`` as well once ``.httprr`` is walked).

Bounded: decompression is incremental (``zlib.decompressobj`` with ``max_length``), so at most
``limit + 1`` bytes of output ever exist; a stream that expands beyond the limit (``--max-file-size``,
which applies to the decompressed size as to a plain file's) is reported and not read further. A
truncated or corrupt stream (bad magic, bad deflate data, wrong CRC or length) is a problem at 1:1
naming what is wrong, never an exception.

``--fix`` writes the fixed text back gzip'd (:func:`recompress`) with the original header kept byte for
byte: the file name, modification time, flags, extra field and comment the recorder wrote.
"""

from __future__ import annotations

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs a start-up ~4 ms)

if TYPE_CHECKING:
    from .findings import Problem

# zlib and struct are imported where a gzip'd file is met: most runs never meet one (start-up cost)

GZIP_MAGIC = b"\x1f\x8b"
#: the suffix of a compressed file; what it wraps is named by the rest (``x.yaml.gz`` → ``x.yaml``)
GZIP_SUFFIX = ".gz"
#: problem codes (documented in :mod:`cassette_lint.rules.loading`)
FILE_TOO_LARGE = "Y013"
INVALID_COMPRESSION = "Y017"
#: compressed bytes handed to zlib at a time, and the most output it may return at once
_CHUNK = 1 << 16
_PIECE = 1 << 20

_FTEXT, _FHCRC, _FEXTRA, _FNAME, _FCOMMENT = 1, 2, 4, 8, 16


def is_compressed_name(path: str) -> bool:
    return path.lower().endswith(GZIP_SUFFIX)


def inner_name(path: str) -> str:
    """The name of what a compressed file holds (``x.yaml.gz`` → ``x.yaml``); other names unchanged."""
    return path[: -len(GZIP_SUFFIX)] if is_compressed_name(path) else path


def is_gzip(data: bytes) -> bool:
    return data[:2] == GZIP_MAGIC


class Header:
    """A parsed gzip member header (RFC 1952 §2.3): kept verbatim for writing back."""

    __slots__ = ("raw", "name", "mtime")

    def __init__(self, raw: bytes, name: bytes | None, mtime: int):
        #: the header's bytes as written (magic … optional header CRC)
        self.raw = raw
        #: the original file name (FNAME, latin-1 bytes), None when absent
        self.name = name
        self.mtime = mtime


class GzipError(ValueError):
    """A gzip stream that cannot be read; the message names what is wrong."""


def parse_header(data: bytes, start: int = 0) -> Header:
    """The header of the gzip member at ``start`` in ``data`` (raises :class:`GzipError`)."""
    import struct

    if len(data) - start < 10:
        raise GzipError("gzip header is truncated")
    if data[start:start + 2] != GZIP_MAGIC:
        raise GzipError("not a gzip file (no gzip magic bytes 1f 8b)")
    method, flags = data[start + 2], data[start + 3]
    mtime = struct.unpack("<I", data[start + 4:start + 8])[0]
    if method != 8:
        raise GzipError(f"unknown gzip compression method {method} (only deflate, 8, exists)")
    if flags & 0xE0:
        raise GzipError("gzip header has reserved flag bits set")
    i = start + 10
    name = None
    try:
        if flags & _FEXTRA:
            (n,) = struct.unpack("<H", data[i:i + 2])
            i += 2 + n
        if flags & _FNAME:
            end = data.index(b"\0", i)
            name, i = data[i:end], end + 1
        if flags & _FCOMMENT:
            i = data.index(b"\0", i) + 1
        if flags & _FHCRC:
            i += 2
    except (ValueError, struct.error):
        raise GzipError("gzip header is truncated") from None
    if i > len(data):
        raise GzipError("gzip header is truncated")
    return Header(data[start:i], name, mtime)


def decompress(data: bytes, limit: int) -> tuple[bytes | None, "Problem | None", str | None]:
    """The decompressed bytes of the gzip stream ``data`` (every member, as ``gzip.decompress``), or the
    problem and its code: more than ``limit`` bytes of output (``Y013``), a damaged stream (``Y017``).

    Never holds more than ``limit + 1`` bytes of output (grown at most 1 MiB at a time) nor feeds zlib
    more than 64 KiB at a time.
    """
    import struct
    import zlib

    from .findings import Problem
    from .source import Pos

    out = bytearray()
    pos, members = 0, 0
    while True:
        try:
            hdr = parse_header(data, pos)
        except GzipError as e:
            if members and not data[pos:].strip(b"\0"):
                break  # trailing zero padding after the last member (gzip(1) accepts it)
            return None, _bad(f"{e}" + (f" (member {members + 1})" if members else "")), INVALID_COMPRESSION
        d = zlib.decompressobj(-zlib.MAX_WBITS)
        i = pos + len(hdr.raw)
        crc = 0
        start = len(out)
        try:
            while not d.eof:
                if d.unconsumed_tail:
                    chunk = d.unconsumed_tail
                elif i < len(data):
                    chunk = data[i:i + _CHUNK]
                    i += len(chunk)
                else:
                    return None, _bad(f"gzip stream is truncated: it ends after {len(out):,} decompressed "
                                      "bytes, before the end of its compressed data"), INVALID_COMPRESSION
                piece = d.decompress(chunk, min(limit + 1 - len(out), _PIECE))
                out += piece
                crc = zlib.crc32(piece, crc)
                if len(out) > limit:
                    return None, Problem(Pos(1, 1), (
                        f"gzip stream expands to more than --max-file-size {limit:,} bytes (from "
                        f"{len(data):,} compressed bytes: a decompression bomb?): not checked")), FILE_TOO_LARGE
        except zlib.error as e:
            return None, _bad(f"gzip stream is corrupt: {e}"), INVALID_COMPRESSION
        # the deflate stream ended: what it did not use (in d.unused_data) starts with the trailer
        i -= len(d.unused_data)
        trailer = data[i:i + 8]
        if len(trailer) < 8:
            return None, _bad("gzip stream is truncated: its CRC and length trailer is missing"), INVALID_COMPRESSION
        want_crc, want_len = struct.unpack("<II", trailer)
        if want_crc != crc:
            return None, _bad("gzip stream is corrupt: CRC check failed"), INVALID_COMPRESSION
        if want_len != (len(out) - start) & 0xFFFFFFFF:
            return None, _bad("gzip stream is corrupt: length check failed"), INVALID_COMPRESSION
        pos = i + 8
        members += 1
        if pos >= len(data):
            break
    return bytes(out), None, None


def _bad(message: str):
    from .findings import Problem
    from .source import Pos

    return Problem(Pos(1, 1), message + ": not checked")


def recompress(text: bytes, original: bytes) -> bytes:
    """``text`` gzip'd as one member behind the header of ``original`` (kept byte for byte: name,
    mtime, flags, extra field, comment), at the level its XFL byte names (2: best, 4: fastest)."""
    import struct
    import zlib

    hdr = parse_header(original)
    xfl = hdr.raw[8]
    level = 9 if xfl == 2 else 1 if xfl == 4 else 6
    c = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = c.compress(text) + c.flush()
    return hdr.raw + body + struct.pack("<II", zlib.crc32(text), len(text) & 0xFFFFFFFF)
