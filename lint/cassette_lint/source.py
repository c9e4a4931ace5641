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
from array import array
from itertools import accumulate

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
        self._line_starts: array | None = None
        self._ascii = len(data) == len(text)

    @property
    def line_starts(self) -> array:
        """Character index at which each line starts (line breaks: LF, CRLF, CR as YAML counts them).

        An ``array`` of machine integers: a 200 MB stream has ~2M lines, whose starts as a list of
        ints held ~70 MB (a pointer and an int object each) instead of 16."""
        if self._line_starts is None:
            starts = array("q", (0,))
            add = starts.append
            text = self.text
            if "\r" not in text:
                find = text.find
                i = find("\n")
                while i != -1:
                    add(i + 1)
                    i = find("\n", i + 1)
            else:
                n = len(text)
                k = 0
                while k < n:
                    c = text[k]
                    if c == "\r":
                        k += 2 if k + 1 < n and text[k + 1] == "\n" else 1
                        add(k)
                        continue
                    if c == "\n":
                        add(k + 1)
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
#: per flow style, the characters that are not written as themselves: escapes, doubled quotes, breaks
_FLOW_SPECIAL = {'"': re.compile(r"[\\\r\n]"), "'": re.compile(r"['\r\n]"), "": re.compile(r"[\r\n]")}
_SURROGATE_PAIR = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}")


class ScalarLocator:
    """Maps character offsets of a parsed scalar value to file positions.

    ``start``/``end`` are the character indexes of the node's marks; ``style`` is the YAML style
    (``None``/``''`` plain, ``'`` single, ``"`` double, ``|`` literal, ``>`` folded).
    """

    __slots__ = ("source", "start", "end", "style", "indent", "_flow", "_lines")

    def __init__(self, source: Source, start: int, end: int, style: str | None, indent: int | None = None):
        self.source = source
        self.start = start
        self.end = end
        self.style = style or ""
        #: a block scalar's content indentation when its header states it (``|2``); else detected
        self.indent = indent
        #: flow scalars: (value offset, file index, length) of each run of characters written as
        #: themselves, and of each escape or folded line break (one value character each)
        self._flow: tuple[array, array, array] | None = None
        #: block scalars: (value offset, file index, length) of each content line — a block body of
        #: several MB is one line of the value per file line, so this is a few numbers per line where
        #: a per-character map held ~40 bytes per character (the largest part of peak memory)
        self._lines: tuple[array, array, array] | None = None

    def index_of(self, offset: int) -> int:
        """Character index in the file of value offset ``offset`` (clamped to the value)."""
        if self.style in ("|", ">"):
            return self._block_index(offset)
        if self._flow is None:
            self._flow = self._scan_flow()
        vstarts, fstarts, lens = self._flow
        if not vstarts:
            return self.start
        offset = min(max(offset, 0), vstarts[-1] + lens[-1] - 1)
        k = bisect.bisect_right(vstarts, offset) - 1
        return fstarts[k] + offset - vstarts[k]

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
    def _scan_block_lines(self) -> tuple[array, array, array]:
        """Block scalars: (value offset, file index, length) of each line after the header, its
        indentation removed (stated by the header, else set by the first line with text; lines with
        no text beyond it are empty); where each line starts in the value: :meth:`_value_starts`."""
        src = self.source
        text = src.text
        header_line, _ = src.line_col(self.start)
        starts = src.line_starts
        last_line = src.line_col(max(self.end - 1, self.start))[0]
        first, stop = header_line + 1, min(last_line + 1, len(starts))
        if first >= stop:
            return array("q"), array("q"), array("q")
        if text.find("\r", starts[first], self.end) != -1:
            return self._scan_block_lines_cr(first, stop)
        # only LF breaks: a line's length is the distance to the next line's start, less one (the
        # file's last line may have no break); list arithmetic instead of a slice per line (a
        # finding at the end of a 200 MB stream body maps through ~2M lines)
        ls = starts[first:stop]
        nexts = starts[first + 1:stop + 1]
        if len(nexts) < len(ls):
            nexts.append(len(text) + 1)
        widths = [b - a - 1 for a, b in zip(ls, nexts)]
        indent = self.indent
        for a, w in zip(ls, widths) if indent is None else ():
            k = a  # the first line with a non-space character sets the indentation
            while k < a + w and text[k] == " ":
                k += 1
            if k < a + w:
                indent = k - a
                break
        if indent is None:  # no text at all: every line is empty (its spaces are indentation)
            indent = max(widths)
        lens = array("q", [w - indent if w > indent else 0 for w in widths])
        fstarts = array("q", [a + (indent if w > indent else w) for a, w in zip(ls, widths)])
        del widths
        return self._value_starts(lens, fstarts), fstarts, lens

    def _scan_block_lines_cr(self, first: int, stop: int) -> tuple[array, array, array]:
        """:meth:`_scan_block_lines` where CR (or CRLF) line breaks occur: line by line."""
        src = self.source
        starts = src.line_starts
        lines = [src.line_text(ln) for ln in range(first, stop)]
        indent = self.indent
        if indent is None:  # the first line with a non-space character sets the indentation
            indent = next((len(t) - len(t.lstrip(" ")) for t in lines if t.strip(" ")),
                          max(len(t) for t in lines))
        fstarts = array("q", [starts[ln] + min(indent, len(t)) for ln, t in zip(range(first, stop), lines)])
        lens = array("q", [len(t) - indent if len(t) > indent else 0 for t in lines])
        return self._value_starts(lens, fstarts), fstarts, lens

    def _value_starts(self, lens: array, fstarts: array) -> array:
        """Offset in the value of each line: the lines before, each its content and its line break —
        one character (a literal's newline, a folded space), except where a folded scalar drops it:
        after a text line followed by empty lines and then another text line, neither more indented
        (YAML 1.2, 8.1.3: the empty lines' breaks stand for it)."""
        if not lens:
            return array("q")
        widths = [n + 1 for n in lens]
        if self.style == ">":
            text = self.source.text
            prev = -1  # the last text line seen, when it is not more indented
            for i, n in enumerate(lens):
                if not n:
                    continue
                normal = text[fstarts[i]] not in " \t"
                if prev >= 0 and normal and i > prev + 1:
                    widths[prev] -= 1
                prev = i if normal else -1
        out = array("q", (0,))
        out.extend(accumulate(widths[:-1]))
        return out

    def _scan_flow(self) -> tuple[array, array, array]:
        """Plain, single- and double-quoted scalars: escapes and line folding. Characters written as
        themselves are taken a run at a time (found by one search for the next special character):
        a quoted body of several MB maps through a few numbers per escape or line, not per character."""
        style = self.style
        text = self.source.text
        i, end = self.start, self.end
        if style in ("'", '"'):
            i += 1
            end -= 1
        special = _FLOW_SPECIAL[style if style in ("'", '"') else ""]
        vs, fs, ns = array("q"), array("q"), array("q")
        v = 0
        while i < end:
            m = special.search(text, i, end)
            j = m.start() if m else end
            if j > i:  # a run written as itself
                vs.append(v)
                fs.append(i)
                ns.append(j - i)
                v += j - i
                i = j
                if i >= end:
                    break
            c = text[i]
            if c == "\\" and style == '"' and i + 1 < end:
                e = text[i + 1]
                if e in "\r\n":  # escaped line break: joins the lines; each empty line after it is a newline
                    i += 3 if text[i + 1:i + 3] == "\r\n" else 2
                    while i < end and text[i] in " \t\r\n":
                        if text[i] == "\n" or (text[i] == "\r" and text[i + 1:i + 2] != "\n"):
                            vs.append(v)
                            fs.append(i)
                            ns.append(1)
                            v += 1
                        i += 1
                    continue
                vs.append(v)  # one character, at its backslash
                fs.append(i)
                ns.append(1)
                v += 1
                if e in _HEX_LEN:
                    # JSON's "\\ud83d\\ude00" is one character
                    i += 12 if e == "u" and _SURROGATE_PAIR.match(text, i, end) else 2 + _HEX_LEN[e]
                else:
                    i += 2
                continue
            if c in "\r\n":
                # line folding: the spaces before the break are not content; a single break becomes a
                # space, each further empty line a newline (all at the first break)
                while ns and text[fs[-1] + ns[-1] - 1] in " \t":
                    ns[-1] -= 1
                    v -= 1
                    if not ns[-1]:
                        vs.pop()
                        fs.pop()
                        ns.pop()
                j = i
                breaks = 0
                while j < end and text[j] in " \t\r\n":
                    if text[j] == "\n" or (text[j] == "\r" and (j + 1 >= end or text[j + 1] != "\n")):
                        breaks += 1
                    j += 1
                for _ in range(max(breaks - 1, 1)):
                    vs.append(v)
                    fs.append(i)
                    ns.append(1)
                    v += 1
                i = j
                continue
            # a quote doubled in a single-quoted scalar ('' is '), or a lone special character
            vs.append(v)
            fs.append(i)
            ns.append(1)
            v += 1
            i += 2 if c == "'" and style == "'" and i + 1 < end and text[i + 1] == "'" else 1
        return vs, fs, ns


class SpanLocator(ScalarLocator):
    """A value whose characters are runs of the file taken as written (an httprr body, de-chunked:
    each run a chunk's data): ``runs`` is (value offset, file index, length) of each run."""

    __slots__ = ()

    def __init__(self, source: Source, start: int, end: int, runs: list[tuple[int, int, int]]):
        ScalarLocator.__init__(self, source, start, end, "")
        self._flow = (array("q", [r[0] for r in runs]), array("q", [r[1] for r in runs]),
                      array("q", [r[2] for r in runs]))


class JoinedLocator(ScalarLocator):
    """A value joined from several scalars (an Azure test-proxy body stored as an array of lines):
    an offset maps through the scalar that holds it. ``parts`` is (value offset, locator) in order."""

    __slots__ = ("_starts", "_parts")

    def __init__(self, parts: list[tuple[int, ScalarLocator]]):
        first, last = parts[0][1], parts[-1][1]
        ScalarLocator.__init__(self, first.source, first.start, last.end, first.style)
        self._starts = [s for s, _ in parts]
        self._parts = [loc for _, loc in parts]

    def index_of(self, offset: int) -> int:
        k = max(bisect.bisect_right(self._starts, offset) - 1, 0)
        return self._parts[k].index_of(offset - self._starts[k])
