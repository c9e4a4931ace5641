"""The decoding layer under the secret scanner: every encoding a credential hides behind, undone
with positions mapped back to the file (and, for ``--fix``, edits mapped back to its bytes).

What is decoded, and where:

- **percent-encoding** of query strings, form bodies and URL passwords (:func:`unquote`,
  :func:`unquote_plus`);
- **JSON escapes** that can hide a token character (``\\u0073k-…``, ``\\/``) and the ``\\"`` of
  JSON-in-JSON (a JSON document inside a JSON string), so credential keys written
  ``{\\"api_key\\": \\"…\\"}`` are seen (:func:`json_escapes`: decoded text + offset map);
- **base64**: ``Authorization: Basic`` credentials (:func:`basic`), ``!!binary`` scalars anywhere
  (vcrpy writes a header value that was ``bytes`` as ``!!binary``; go-vcr and vcrpy write bodies that
  are not UTF-8 so), and base64 *segments* of a text that decode to text: a credential inside
  ``{"blob": "eyJhcGlfa2V5Ijo…"}`` or a ``data:…;base64,`` URI (:func:`base64_segments`);
- **gzip/deflate** bodies: the format adapters undo a declared ``Content-Encoding`` (``Body.text``,
  ``Body.decoded``); a compressed ``!!binary`` body they leave as bytes is inflated here (:func:`inflate`);
- **multipart/form-data** request bodies: their form fields, by name (:func:`multipart_fields`).

A decoded text is a *view* (:class:`ScalarView`, :class:`BinaryView`, :class:`Base64View`): it knows
the file position of any of its offsets (``pos``) and how to write a replacement of any of its
spans back into the file (``replace``: the edits of a safe fix, re-encoding every layer on the way
— a ``!!binary`` scalar is re-encoded in the same line layout, every other byte of the file stays).

Bounds (no decode bombs, no quadratic rescans): segments shorter than :data:`MIN_SEGMENT`
characters are not decoded; at most :data:`MAX_DECODED` bytes are decoded per text and
:data:`MAX_SEGMENT` per segment; a decoded segment is looked into again at most to depth
:data:`MAX_DEPTH`; every text is scanned for segments once, by one linear substring search
(:func:`_runs`).  Where segments are looked for is the scanner's choice: bodies, URLs and form
fields, not header values nor event streams (see ``rules/secrets.py``).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re

from .findings import Edit, Fix


class lazy:  # noqa: N801 - stands in for re.compile
    """A regex compiled on first use: the keyword pre-filter means most runs never need most token
    families (and most texts never need the placeholder, JSON-key or escape expressions); compiling
    them all cost ~10 ms of every start-up (the one-file pre-commit case)."""

    __slots__ = ("_args", "_rx")

    def __init__(self, pattern: str, flags: int = 0):
        self._args = (pattern, flags)
        self._rx = None

    def __getattr__(self, name: str):
        rx = self._rx
        if rx is None:
            rx = self._rx = re.compile(*self._args)
        return getattr(rx, name)

#: shortest base64 segment decoded (18 bytes: shorter than any credential worth finding inside)
MIN_SEGMENT = 24
#: the most base64 characters of one segment decoded
MAX_SEGMENT = 1 << 20
#: the most bytes decoded from the segments of one text
MAX_DECODED = 4 << 20
#: base64 inside base64 inside the file: looked into to this depth
MAX_DEPTH = 2
#: the most bytes a compressed binary body is inflated to (a gzip bomb stops there)
MAX_INFLATED = 16 << 20

_NON_SPACE = lazy(r"\S+")
#: JSON escapes that can hide a token character ([A-Za-z0-9_+/-]) and ``\\"`` (JSON-in-JSON)
_TOKEN_ESC = r"\\(?:u00(?:2[bBdDfF]|3[0-9]|4[1-9a-fA-F]|5[0-9aAfF]|6[1-9a-fA-F]|7[0-9aA])|/"
_HIDING_ESC = lazy(_TOKEN_ESC + ")")
_QUOTING_ESC = lazy(_TOKEN_ESC + '|")')


# -- percent-encoding ----------------------------------------------------------------------------

def unquote_plus(s: str) -> str:
    """``urllib.parse.unquote_plus``, imported only for a text it changes (one with ``%`` or ``+``):
    with ``ipaddress`` that import costs every start-up ~3 ms."""
    if "%" not in s and "+" not in s:
        return s
    from urllib.parse import unquote_plus as _unquote_plus

    return _unquote_plus(s)


def unquote(s: str) -> str:
    """Percent-decoding (``urllib.parse.unquote``), imported only for a text holding ``%``."""
    if "%" not in s:
        return s
    from urllib.parse import unquote as _unquote

    return _unquote(s)


# -- multipart/form-data ------------------------------------------------------------------------------

_BOUNDARY = lazy(r'(?i)boundary="?([^";]{1,200})"?')
_DISPOSITION_NAME = lazy(r'(?im)^content-disposition:[^\r\n]*?\bname="([^"]{0,200})"([^\r\n]*)$')
#: the most parts of one body read for field names
MAX_PARTS = 1000


def multipart_fields(text: str, content_type: str):
    """``(name, value start, value end)`` of the form fields (not files) of a ``multipart/form-data``
    body: each part's ``Content-Disposition: form-data; name="…"`` and the value after the part's
    blank line, up to the line break before the next boundary.  Offsets are in ``text``."""
    m = _BOUNDARY.search(content_type)
    if m is None:
        return
    delim = "--" + m.group(1)
    starts = []
    i = text.find(delim)
    while i != -1 and len(starts) <= MAX_PARTS:
        starts.append(i)
        i = text.find(delim, i + len(delim))
    for a, b in zip(starts, starts[1:]):
        part_end = b - 2 if text[b - 2:b] == "\r\n" else b - 1 if text[b - 1:b] == "\n" else b
        head_end = text.find("\r\n\r\n", a, part_end)
        sep = 4
        if head_end == -1:
            head_end, sep = text.find("\n\n", a, part_end), 2
        if head_end == -1:
            continue
        d = _DISPOSITION_NAME.search(text, a, head_end)
        if d is None or "filename" in d.group(2).lower():
            continue
        yield d.group(1), head_end + sep, max(part_end, head_end + sep)


# -- JSON escapes ---------------------------------------------------------------------------------

def json_escapes(text: str, quotes: bool = False):
    """``(decoded, to_raw)`` with the escapes that can hide a token character decoded (and ``\\"``
    with ``quotes``), ``to_raw(d)`` giving ``(raw offset, raw length)`` of decoded character ``d``;
    ``None`` when ``text`` holds no such escape."""
    parts: list[str] = []
    dec_at: list[int] = []  # decoded offset where each escape's output starts
    raw_at: list[int] = []  # raw offset of that escape
    raw_len: list[int] = []
    pos = 0
    dpos = 0
    for m in (_QUOTING_ESC if quotes else _HIDING_ESC).finditer(text):
        e = m.group()
        parts.append(text[pos:m.start()])
        dpos += m.start() - pos
        ch = e[1] if len(e) == 2 else chr(int(e[2:], 16))
        dec_at.append(dpos)
        raw_at.append(m.start())
        raw_len.append(len(e))
        parts.append(ch)
        dpos += 1
        pos = m.end()
    if not dec_at:
        return None
    parts.append(text[pos:])

    def to_raw(d: int) -> tuple[int, int]:
        i = bisect.bisect_right(dec_at, d) - 1
        if i < 0:
            return d, 1
        if d == dec_at[i]:
            return raw_at[i], raw_len[i]
        return raw_at[i] + raw_len[i] + (d - dec_at[i] - 1), 1

    return "".join(parts), to_raw


def has_hiding_escape(text: str) -> bool:
    return "\\" in text and _HIDING_ESC.search(text) is not None


# -- compression ----------------------------------------------------------------------------------

def inflate(data: bytes) -> bytes | None:
    """The inflated bytes of a gzip or zlib stream (at most :data:`MAX_INFLATED`: a bomb is cut
    there), ``None`` when ``data`` is neither.  The format adapters already undo a vcrpy body's
    declared ``Content-Encoding``; this reads a compressed ``!!binary`` body they left as bytes."""
    import zlib

    if data[:2] == b"\x1f\x8b":
        wbits = 31
    elif data[:1] == b"\x78" and int.from_bytes(data[:2], "big") % 31 == 0:
        wbits = 15
    else:
        return None
    d = zlib.decompressobj(wbits)
    try:
        return d.decompress(data, MAX_INFLATED)
    except zlib.error:
        return None


# -- base64 ---------------------------------------------------------------------------------------

def basic(b64: str) -> str | None:
    """The UTF-8 text of ``Authorization: Basic`` credentials, ``None`` when they are not base64 of it."""
    s = b64.strip()
    try:
        raw = base64.b64decode(s + "=" * (-len(s) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


_CONTROL = lazy(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _texty(data: bytes) -> bool:
    """Bytes that are UTF-8 text without control characters (white space allowed), as a
    credential-bearing payload is."""
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _CONTROL.search(s) is None


class Segment:
    """A base64 run ``[start, end)`` of a text and its decoded bytes."""

    __slots__ = ("start", "end", "data", "urlsafe", "padded")

    def __init__(self, start: int, end: int, data: bytes, urlsafe: bool, padded: bool):
        self.start = start
        self.end = end
        self.data = data
        self.urlsafe = urlsafe
        self.padded = padded

    def encode(self, data: bytes) -> str:
        out = (base64.urlsafe_b64encode if self.urlsafe else base64.b64encode)(data).decode("ascii")
        return out if self.padded else out.rstrip("=")


#: ``bytes.translate`` table: base64 characters (both alphabets) to ``a``, every other byte to a space
_RUN_TABLE = bytes(97 if chr(i) in "+/_-" or chr(i).isascii() and chr(i).isalnum() else 32 for i in range(256))
_RUN = b"a" * MIN_SEGMENT
#: the characters that start a base64 quad encoding an ASCII byte (its top six bits are below 32)
_FIRSTS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")


def _runs(text: str, ascii_start: bool = True) -> list[tuple[int, int]]:
    """``(start, end)`` of every run of base64 characters at least :data:`MIN_SEGMENT` long, ``=``
    padding included; with ``ascii_start``, only the runs whose first four quads can encode ASCII
    (each quad's first character below ``g``: hashes, ids and paths, most runs, are left out).
    Found on a translated copy (every character one byte, base64 characters ``a``, others a space)
    by substring search for ``a`` * MIN_SEGMENT: ~3 ms/MB where a regex that tries every position
    cost ~14 ms/MB.  The first occurrence after the previous run is a run's start."""
    t = text.encode("ascii", "replace").translate(_RUN_TABLE)
    n = len(t)
    out = []
    firsts = _FIRSTS
    i = t.find(_RUN)
    while i != -1:
        j = t.find(b" ", i + MIN_SEGMENT)
        if j == -1:
            j = n
        if not ascii_start or firsts.issuperset(text[i:i + 16:4]):
            e = j
            while e < n and e - j < 2 and text[e] == "=":
                e += 1
            out.append((i, e))
        i = t.find(_RUN, j)
    return out


def base64_segments(text: str, skip=()) -> list[Segment]:
    """The base64 runs of ``text`` (at least :data:`MIN_SEGMENT` characters) that decode to text,
    within the :data:`MAX_DECODED` budget; ``skip``: ``(start, end)`` spans already reported (a
    token's own characters look like base64).  A run whose first four quads cannot encode ASCII
    (each quad's first character is below ``g``) is not decoded: hashes, ids and paths are most
    runs, and a credential-bearing text (JSON, a config) starts with ASCII."""
    if len(text) < MIN_SEGMENT:
        return []
    out: list[Segment] = []
    budget = MAX_DECODED
    for a, b in _runs(text):
        if b - a > MAX_SEGMENT or any(s < b and a < e for s, e in skip):
            continue
        run = text[a:b]
        body = run.rstrip("=")
        urlsafe = "-" in body or "_" in body
        if urlsafe and ("+" in body or "/" in body):
            continue  # two alphabets: not one base64 text
        if len(body) % 4 == 1:
            continue
        n = len(body) * 3 // 4
        if n > budget:
            break
        try:
            data = (base64.urlsafe_b64decode if urlsafe else base64.b64decode)(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            continue
        budget -= n
        if _texty(data):
            out.append(Segment(a, b, data, urlsafe, len(run) != len(body)))
    return out


def quad_span(start: int, b0: int, b1: int, end: int) -> tuple[int, int]:
    """Characters of a base64 run starting at ``start`` (ending at ``end``) that encode bytes
    ``[b0, b1)``: from the quad holding the first byte to the one holding the last."""
    return start + b0 // 3 * 4, min(end, start + -(-b1 // 3) * 4)


# -- views: decoded text, mapped back --------------------------------------------------------------

class ScalarView:
    """A scalar's text as the model holds it (the root of the other views)."""

    __slots__ = ("doc", "path", "text", "msg")

    def __init__(self, doc, path: tuple, text: str, msg=None):
        self.doc = doc
        self.path = path
        self.text = text
        #: the message whose ``content_length`` counts this text (a body), else None
        self.msg = msg

    def pos(self, start: int, end: int):
        return self.doc.locator(self.path).pos(start, max(end, start + 1))

    def replace(self, start: int, end: int, new: str) -> list[Edit] | None:
        """The edits that write ``new`` over ``text[start:end]`` in the file, ``None`` when the span
        is not written contiguously as itself (an escape inside it)."""
        from .secrets import length_edit, locate

        old = self.text[start:end]
        _pos, span = locate(self.doc, self.path, start, end, old)
        if span is None:
            return None
        edits = [Edit(span[0], span[1], new.encode("utf-8", "surrogatepass"))]
        if self.msg is not None:
            le = length_edit(self.msg, len(new.encode("utf-8", "surrogatepass"))
                             - len(old.encode("utf-8", "surrogatepass")))
            if le is False:
                return None
            if le is not None:
                edits.append(le)
        return edits


class OpaqueView:
    """A decoded text whose offsets are not in the file (a decompressed body): every position is
    ``where`` and no edit can be written back."""

    __slots__ = ("text", "_pos")

    def __init__(self, text: str, pos):
        self.text = text
        self._pos = pos

    def pos(self, start: int, end: int):
        return self._pos

    def replace(self, start: int, end: int, new: str) -> None:
        return None


class BinaryView:
    """A ``!!binary`` scalar's bytes as text (latin-1: one character per byte, so offsets are bytes)."""

    __slots__ = ("doc", "path", "data", "text", "msg", "_chunks")

    def __init__(self, doc, path: tuple, data: bytes, msg=None):
        self.doc = doc
        self.path = path
        self.data = bytes(data)
        self.text = self.data.decode("latin-1")
        self.msg = msg
        self._chunks = None

    def _b64(self) -> tuple[str, list[tuple[int, int]]]:
        """The base64 as written (the loader never decodes the node) and its runs of characters."""
        if self._chunks is None:
            b64 = self.doc.node_at(self.path).value
            b64 = b64 if isinstance(b64, str) else ""
            self._chunks = (b64, [m.span() for m in _NON_SPACE.finditer(b64)])
        return self._chunks

    def _char(self, k: int) -> int:
        """Offset in the scalar's value of base64 character ``k`` (white space not counted)."""
        _b64, chunks = self._b64()
        seen = 0
        for a, b in chunks:
            if seen + b - a > k:
                return a + k - seen
            seen += b - a
        return chunks[-1][1] - 1 if chunks else 0

    def pos(self, start: int, end: int):
        a, b = quad_span(0, start, max(end, start + 1), 1 << 62)
        loc = self.doc.locator(self.path)
        return loc.pos(self._char(a), self._char(b - 1) + 1)

    def replace(self, start: int, end: int, new: str) -> list[Edit] | None:
        """Re-encode the bytes with ``new`` over ``[start, end)``, laid out as the scalar was (same
        line width, same line breaks and indentation); every byte outside the base64 stays."""
        b64, chunks = self._b64()
        if not chunks:
            return None
        data = self.data[:start] + new.encode("latin-1", "replace") + self.data[end:]
        enc = base64.b64encode(data).decode("ascii")
        loc = self.doc.locator(self.path)
        first = loc.index_of(chunks[0][0])
        last = loc.index_of(chunks[-1][1] - 1) + 1
        src = self.doc.source
        if len(chunks) > 1:
            width = chunks[0][1] - chunks[0][0]
            sep = src.text[loc.index_of(chunks[0][1] - 1) + 1:loc.index_of(chunks[1][0])]
            enc = sep.join(enc[i:i + width] for i in range(0, len(enc), width))
        edits = [Edit(src.byte_offset(first), src.byte_offset(last), enc.encode("ascii"))]
        if self.msg is not None:
            from .secrets import length_edit

            le = length_edit(self.msg, len(data) - len(self.data))
            if le is False:
                return None
            if le is not None:
                edits.append(le)
        return edits


class Base64View:
    """The decoded bytes of a base64 segment of another view's text (latin-1: offsets are bytes)."""

    __slots__ = ("parent", "seg", "text", "depth")

    def __init__(self, parent, seg: Segment, depth: int = 1):
        self.parent = parent
        self.seg = seg
        self.text = seg.data.decode("latin-1")
        self.depth = depth

    def pos(self, start: int, end: int):
        s = self.seg
        return self.parent.pos(*quad_span(s.start, start, max(end, start + 1), s.end))

    def replace(self, start: int, end: int, new: str) -> list[Edit] | None:
        s = self.seg
        data = s.data[:start] + new.encode("latin-1", "replace") + s.data[end:]
        return self.parent.replace(s.start, s.end, s.encode(data))


def fix_of(view, start: int, end: int, placeholder: str) -> Fix | None:
    """A safe fix writing ``placeholder`` over ``[start, end)`` of ``view``'s text, re-encoded."""
    edits = view.replace(start, end, placeholder)
    if not edits:
        return None
    return Fix(f"replace the secret with {placeholder}", tuple(edits), safe=True)
