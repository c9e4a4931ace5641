"""Source text of one file and the mapping from parsed values back to file positions.

The YAML parser reports where each node starts and ends (character index, line, column).  A body is
one scalar node but may span hundreds of lines (a ``|+`` block holding an SSE stream) or hold escapes
(a double-quoted JSON body).  :class:`ScalarLocator` maps a character offset *inside the parsed value*
back to the exact file line and column by re-scanning the scalar's source text the way YAML folded it.
It is computed lazily, only for values a finding points into, so clean files pay nothing for it.
"""

from __future__ import annotations

import bisect
import re

from .records import Value


class Pos(Value):
    """A 1-based position in a file; ``end_*`` are inclusive-exclusive like SARIF regions.

    A value: equal and hashed by its fields.  (A plain class, not a dataclass: creating a dataclass
    costs every start-up ~1 ms of generated code; this one's methods come from the cached .pyc.)
    Treat it as immutable.
    """

    __slots__ = ("line", "column", "end_line", "end_column")

    def __init__(self, line: int, column: int, end_line: int | None = None, end_column: int | None = None):
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column


class Source:
    """The bytes and text of one file, with fast index → line/column/byte conversions."""

    __slots__ = ("path", "data", "text", "_line_starts", "_ascii", "base", "encoding", "odd_breaks")

    def __init__(self, path: str, data: bytes, text: str):
        self.path = path
        self.data = data
        self.text = text
        #: bytes in :attr:`data` before the text (a UTF-8 byte-order mark: 3)
        self.base = 0
        #: how :attr:`data` encodes :attr:`text`; byte offsets (and so fixes) are exact only for UTF-8
        self.encoding = "utf-8"
        #: the text holds NEL/LS/PS, which libyaml counts as line breaks (YAML 1.1) but files, editors'
        #: line numbers, git and this class do not: parser marks' lines are then recomputed
        self.odd_breaks = False
        self._line_starts: list[int] | None = None
        self._ascii = len(data) == len(text)

    @property
    def line_starts(self) -> list[int]:
        """Character index at which each line starts (line breaks: LF, CRLF, CR as YAML counts them)."""
        if self._line_starts is None:
            starts = [0]
            text = self.text
            i = text.find("\n")
            if "\r" not in text:
                while i != -1:
                    starts.append(i + 1)
                    i = text.find("\n", i + 1)
            else:
                n = len(text)
                k = 0
                while k < n:
                    c = text[k]
                    if c == "\r":
                        k += 2 if k + 1 < n and text[k + 1] == "\n" else 1
                        starts.append(k)
                        continue
                    if c == "\n":
                        starts.append(k + 1)
                    k += 1
            self._line_starts = starts
        return self._line_starts

    def line_col(self, index: int) -> tuple[int, int]:
        """0-based line and column of a character index."""
        starts = self.line_starts
        line = bisect.bisect_right(starts, index) - 1
        return line, index - starts[line]

    def pos(self, index: int) -> Pos:
        line, col = self.line_col(index)
        return Pos(line + 1, col + 1)

    def byte_offset(self, index: int) -> int:
        """Byte offset in :attr:`data` of a character index in :attr:`text`."""
        if self._ascii:
            return index
        line, col = self.line_col(index)
        start = self.line_starts[line]
        # bytes of whole lines before, plus the encoded prefix of this line
        return self.base + len(self.text[:start].encode("utf-8", "surrogatepass")) + len(
            self.text[start : start + col].encode("utf-8", "surrogatepass")
        )

    def line_text(self, line0: int) -> str:
        starts = self.line_starts
        end = starts[line0 + 1] if line0 + 1 < len(starts) else len(self.text)
        return self.text[starts[line0] : end].rstrip("\r\n")


_HEX_LEN = {"x": 2, "u": 4, "U": 8}
_SURROGATE_PAIR = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}")


class ScalarLocator:
    """Maps character offsets of a parsed scalar value to file positions.

    ``start``/``end`` are the character indexes of the node's marks; ``style`` is the YAML style
    (``None``/``''`` plain, ``'`` single, ``"`` double, ``|`` literal, ``>`` folded).
    """

    __slots__ = ("source", "start", "end", "style", "_map", "_lines")

    def __init__(self, source: Source, start: int, end: int, style: str | None):
        self.source = source
        self.start = start
        self.end = end
        self.style = style or ""
        self._map: list[int] | None = None  # flow scalars: file index of every value character
        #: block scalars: (value offset, file index, length) of each content line — a block body of
        #: several MB is one line of the value per file line, so this is a few numbers per line where
        #: a per-character map held ~40 bytes per character (the largest part of peak memory)
        self._lines: tuple[list[int], list[int], list[int]] | None = None

    def index_of(self, offset: int) -> int:
        """Character index in the file of value offset ``offset`` (clamped to the value)."""
        if self.style in ("|", ">"):
            return self._block_index(offset)
        m = self._source_map()
        if not m:
            return self.start
        if offset < 0:
            offset = 0
        if offset >= len(m):
            return m[-1]
        return m[offset]

    def _block_index(self, offset: int) -> int:
        if self._lines is None:
            self._lines = self._scan_block_lines()
        vstarts, fstarts, lens = self._lines
        if not vstarts:
            return self.start
        if offset < 0:
            offset = 0
        k = bisect.bisect_right(vstarts, offset) - 1
        rel = offset - vstarts[k]
        if rel > lens[k]:  # past the value's last line break: clamp to it
            rel = lens[k]
        return fstarts[k] + rel  # rel == lens[k] is the line break, just after the content

    def pos(self, offset: int = 0, end_offset: int | None = None) -> Pos:
        a = self.source.pos(self.index_of(offset))
        if end_offset is None:
            return a
        b = self.source.pos(self.index_of(max(end_offset - 1, offset)) + 1)
        return Pos(a.line, a.column, b.line, b.column)

    def line_of(self, offset: int) -> int:
        return self.source.line_col(self.index_of(offset))[0] + 1

    def byte_range(self) -> tuple[int, int]:
        """Byte range of the whole scalar as written (quotes and block header included)."""
        return self.source.byte_offset(self.start), self.source.byte_offset(self.end)

    # -- scanning -------------------------------------------------------------------------------
    def _source_map(self) -> list[int]:
        if self._map is None:
            style = self.style
            if style in ("|", ">"):
                self._map = self._scan_block()
            else:
                self._map = self._scan_flow(style)
        return self._map

    def _scan_block_lines(self) -> tuple[list[int], list[int], list[int]]:
        """Block scalars: content lines after the header line, with their indentation removed; each
        line is its content plus one character for its line break (a folded scalar's space)."""
        src = self.source
        vstarts: list[int] = []
        fstarts: list[int] = []
        lens: list[int] = []
        header_line, _ = src.line_col(self.start)
        starts = src.line_starts
        indent = None
        last_line = src.line_col(max(self.end - 1, self.start))[0]
        v = 0
        for ln in range(header_line + 1, min(last_line + 1, len(starts))):
            line = src.line_text(ln)
            if indent is None:
                stripped = line.lstrip(" ")
                if stripped:
                    indent = len(line) - len(stripped)
            ind = indent or 0
            n = len(line) - ind if len(line) > ind else 0
            vstarts.append(v)
            fstarts.append(starts[ln] + min(ind, len(line)))
            lens.append(n)
            v += n + 1
        return vstarts, fstarts, lens

    def _scan_block(self) -> list[int]:
        """The per-character map of a block scalar (the reference :meth:`_scan_block_lines` agrees with)."""
        src = self.source
        out: list[int] = []
        header_line, _ = src.line_col(self.start)
        starts = src.line_starts
        indent = None
        last_line = src.line_col(max(self.end - 1, self.start))[0]
        for ln in range(header_line + 1, min(last_line + 1, len(starts))):
            line = src.line_text(ln)
            s = starts[ln]
            stripped = line.lstrip(" ")
            if indent is None and stripped:
                indent = len(line) - len(stripped)
            ind = indent or 0
            content_start = s + min(ind, len(line))
            content = line[ind:] if len(line) > ind else ""
            out.extend(range(content_start, content_start + len(content)))
            out.append(s + len(line))  # the line break (a folded scalar turns it into a space)
        return out

    def _scan_flow(self, style: str) -> list[int]:
        """Plain, single- and double-quoted scalars: escapes and line folding, char by char."""
        text = self.source.text
        i = self.start
        end = self.end
        out: list[int] = []
        if style in ("'", '"'):
            i += 1
            end -= 1
        while i < end:
            c = text[i]
            if style == '"' and c == "\\" and i + 1 < end:
                e = text[i + 1]
                if e in _HEX_LEN:
                    out.append(i)
                    if e == "u" and _SURROGATE_PAIR.match(text, i, end):
                        i += 12  # JSON's "\\ud83d\\ude00" is one character
                        continue
                    i += 2 + _HEX_LEN[e]
                    continue
                if e in "\r\n":  # escaped line break: joins lines, produces nothing
                    i += 2
                    while i < end and text[i] in " \t\r\n":
                        i += 1
                    continue
                out.append(i)
                i += 2
                continue
            if style == "'" and c == "'" and i + 1 < end and text[i + 1] == "'":
                out.append(i)
                i += 2
                continue
            if c in "\r\n":
                # line folding: trailing spaces were already emitted; a single break becomes a space,
                # each further empty line becomes a newline
                while out and text[out[-1]] in " \t":
                    out.pop()
                j = i
                breaks = 0
                while j < end and text[j] in " \t\r\n":
                    if text[j] == "\n" or (text[j] == "\r" and (j + 1 >= end or text[j + 1] != "\n")):
                        breaks += 1
                    j += 1
                out.extend([i] * max(breaks - 1, 1))
                i = j
                continue
            out.append(i)
            i += 1
        return out
