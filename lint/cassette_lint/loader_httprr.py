"""Load an httprr trace (``*.httprr``): length-framed raw HTTP, not YAML or JSON.

The format, as ``internal/httprr/rr.go`` of google/adk-go and tmc/langchaingo (from golang/oscar)
writes and reads it:

- ``create``: the header line ``httprr trace v1\\n``;
- ``writeLog``: per round trip ``fmt.Fprintf("%d %d\\n", len(reqWire), len(respWire))``, then exactly
  those bytes: the scrubbed request as ``http.Request.WriteProxy`` writes it (absolute URL, ``Host``,
  ``User-Agent``, ``Content-Length`` set to the scrubbed body's length, CRLF line ends), then the
  response as ``http.Response.Write`` writes it (``Transfer-Encoding: chunked`` bodies chunked);
- ``open``: ``strings.Cut`` at the first ``\\n`` must give exactly ``httprr trace v1``; then each
  record line is cut at ``\\n`` and at the first space, both fields ``strconv.Atoi``, and
  ``n1 > len(data) || n2 > len(data[n1:])`` is "corrupt httprr trace": one bad record makes the whole
  trace unreadable (``Open`` fails, every test using it fails).

A record whose lengths fit the file but do not frame the record (a response that does not start with
``HTTP/``, a request that is not a request line) is reported the same way, at that record's length
line: Go would read the wrong bytes as the response (``http.ReadResponse`` fails on replay) or fail at
a later record. Every other problem is left to the rules.

The result is a :class:`~cassette_lint.loader.Document` like the YAML and JSON loaders' (nodes with
marks, plain data), so positions, fixes and the model work unchanged; a body is mapped back to the
file run by run (:class:`~cassette_lint.source.SpanLocator`), de-chunked when it was chunked, so a
finding inside it points at the line of the file. :meth:`TraceDocument.reframe` rewrites a record's
length line for a fix that changes the record's size.
"""

from __future__ import annotations

import bisect
import re

from .findings import Edit, Fix, Problem
from .loader import Document, LoadResult
from .loader_json import JMapping, JScalar, JSequence, LazyMark
from .source import Pos, Source, SpanLocator

#: the code of the problem this step emits (its rule: :mod:`cassette_lint.rules.loading`)
CORRUPT_TRACE = "Y021"
HEADER = b"httprr trace v1\n"
#: what ``strconv.Atoi`` accepts (an optional sign, decimal digits)
_ATOI = re.compile(rb"[+-]?[0-9]+\Z")
_HEX = re.compile(rb"[0-9a-fA-F]{1,16}\Z")
_REQUEST_LINE = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP/\d")
SUFFIXES = (".httprr",)


def is_trace(path: str) -> bool:
    return path.lower().endswith(SUFFIXES)


class RawSource(Source):
    """A trace's bytes decoded as UTF-8 with undecodable bytes kept as escapes (a gzip'd body is
    raw bytes in the file): byte offsets count them as the one byte each they are."""

    __slots__ = ()

    @property
    def line_starts(self):
        """Lines end at LF only (a trace's CRLF is one break, a lone CR inside raw bytes is none):
        found with ``str.find``, not character by character."""
        if self._line_starts is None:
            from array import array

            starts = array("q", (0,))
            find, add = self.text.find, starts.append
            i = find("\n")
            while i != -1:
                add(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def byte_offset(self, index: int) -> int:
        if self._ascii:
            return index
        return self.base + len(self.text[:index].encode("utf-8", "surrogateescape"))


class _Chars:
    """Byte offset → character index of the decoded text, computed forward (each byte decoded once)."""

    def __init__(self, data: bytes, ascii_: bool):
        self.data = data
        self.ascii = ascii_
        self.b = 0
        self.c = 0

    def __call__(self, b: int) -> int:
        if self.ascii:
            return b
        if b < self.b:
            return len(self.data[:b].decode("utf-8", "surrogateescape"))
        self.c += len(self.data[self.b:b].decode("utf-8", "surrogateescape"))
        self.b = b
        return self.c


class Record:
    """Where one record is in the file (byte offsets): its length line and its two parts."""

    __slots__ = ("line_start", "line_end", "n1", "n2", "req_start", "chunked")

    def __init__(self, line_start: int, line_end: int, n1: int, n2: int):
        self.line_start = line_start
        self.line_end = line_end  # after the "\n"
        self.n1 = n1
        self.n2 = n2
        self.req_start = line_end
        #: byte ranges of chunked bodies (an edit there would need the chunk sizes rewritten)
        self.chunked: list[tuple[int, int]] = []


class TraceDocument(Document):
    """A loaded httprr trace: the Document every format has, plus where each record is."""

    def __init__(self, source: Source, root, data, records: list[Record]):
        self._root_node = root
        Document.__init__(self, source, root, data)
        self.records = records
        self._starts = [r.line_start for r in records]
        self.body_paths: list[tuple] = []

    @property
    def root(self):
        """The position nodes, built by a second pass over the bytes when first asked for."""
        if self._root_node is None:
            _, _, _, root, locators = _parse(self.source, self.source.data, True)
            self._root_node = root
            self.locators.update(locators)
        return self._root_node

    @root.setter
    def root(self, value) -> None:
        self._root_node = value

    def compose_locator(self, path: tuple):
        self.root  # noqa: B018 - builds the nodes and the body locators
        return self.locators[path]

    def reframe(self, fix: Fix) -> Fix | None:
        """``fix`` with each record it resizes given its new length line; None when an edit falls in a
        chunked body or a length line (no safe edit then)."""
        deltas: dict[int, list[int]] = {}
        for e in fix.edits:
            k = bisect.bisect_right(self._starts, e.start) - 1
            if k < 0:
                return None
            r = self.records[k]
            if e.start < r.line_end or any(a <= e.start < b for a, b in r.chunked):
                return None
            d = len(e.replacement) - (e.end - e.start)
            side = 0 if e.start < r.req_start + r.n1 else 1
            deltas.setdefault(k, [0, 0])[side] += d
        edits = list(fix.edits)
        for k, (d1, d2) in deltas.items():
            if d1 or d2:
                r = self.records[k]
                edits.append(Edit(r.line_start, r.line_end - 1, f"{r.n1 + d1} {r.n2 + d2}".encode()))
        return Fix(fix.description + " (and the record's length line)", tuple(edits), safe=fix.safe)


class _Builder:
    """Parses the records; with ``nodes`` also builds the position nodes and body locators (a second
    pass, made only when a position is first asked for)."""

    def __init__(self, source: Source, data: bytes, nodes: bool):
        self.source = source
        self.data = data
        self.nodes = nodes
        self.chars = _Chars(data, len(data) == len(source.text))
        self.locators: dict[tuple, SpanLocator] = {}
        self._recs: list = []

    def mark(self, b: int):
        return LazyMark(self.chars(b), self.source) if self.nodes else None

    def scalar(self, value, a: int, b: int, style=None):
        """A value written as itself from byte ``a`` to ``b`` (style None: no quotes, no escapes)."""
        return JScalar(value, self.mark(a), self.mark(b), style) if self.nodes else None

    def key(self, name: str, b: int):
        if not self.nodes:
            return None
        m = self.mark(b)
        return JScalar(name, m, m, '"')

    def message(self, a: int, end: int, path: tuple, request: bool, problems: list, rec: Record):
        """The node and data of one HTTP message in ``data[a:end]``."""
        d = self.data
        items: list = []
        out: dict = {}
        eol = d.find(b"\n", a, end)
        line_end = end if eol == -1 else eol
        first = d[a:line_end].rstrip(b"\r")
        parts = first.split(b" ", 2)
        names = ("method", "url", "proto") if request else ("proto", "code", "status")
        p = a
        for name, part in zip(names, parts):
            text = part.decode("utf-8", "surrogateescape")
            value = int(text) if name == "code" and text.isdigit() else text
            items.append((self.key(name, p), self.scalar(text, p, p + len(part))))
            out[name] = value
            p += len(part) + 1
        # headers, up to the empty line
        hdr_items, hdr_data = [], []
        i = line_end + 1
        body_start = end
        blank = False
        while i < end:
            j = d.find(b"\n", i, end)
            j = end if j == -1 else j
            line = d[i:j]
            content = line[:-1] if line.endswith(b"\r") else line
            if not content:
                body_start = min(j + 1, end)
                blank = True
                break
            colon = content.find(b":")
            if colon <= 0:
                problems.append((CORRUPT_TRACE, Problem(self.source.pos(self.chars(i)), (
                    f"record {len(self._recs)}: {'request' if request else 'response'} header line "
                    f"{content[:40].decode('utf-8', 'replace')!r} has no 'name:' (Go's http.Read"
                    f"{'Request' if request else 'Response'} refuses it)"))))
                i = j + 1
                continue
            name = content[:colon].decode("utf-8", "surrogateescape")
            va = colon + 1
            while va < len(content) and content[va:va + 1] in (b" ", b"\t"):
                va += 1
            vb = len(content)
            while vb > va and content[vb - 1:vb] in (b" ", b"\t"):
                vb -= 1
            value = content[va:vb].decode("utf-8", "surrogateescape")
            if self.nodes:
                hdr_items.append(JSequence([self.scalar(name, i, i + colon),
                                            self.scalar(value, i + va, i + vb)], self.mark(i), self.mark(j)))
            hdr_data.append([name, value])
            i = j + 1
        if not blank and not request:
            problems.append((CORRUPT_TRACE, Problem(self.source.pos(self.chars(a)), (
                f"record {len(self._recs)}: the response's headers end without the empty line before the "
                "body (Go's http.ReadResponse fails on replay: unexpected EOF)"))))
        if self.nodes:
            items.append((self.key("headers", line_end + 1), JSequence(hdr_items, self.mark(line_end + 1),
                                                                       self.mark(body_start))))
        out["headers"] = hdr_data
        # the body: de-chunked when chunked
        te = ",".join(v for n, v in hdr_data if n.lower() == "transfer-encoding").lower()
        runs: list[tuple[int, int]] = []  # byte ranges of the body's data in the file
        if "chunked" in te:
            runs = self.dechunk(body_start, end)
            if runs is None:
                problems.append((CORRUPT_TRACE, Problem(self.source.pos(self.chars(body_start)), (
                    f"record {len(self._recs)}: the {'request' if request else 'response'} declares "
                    "Transfer-Encoding: chunked but its body is not valid chunked encoding "
                    "(Go's reader fails on replay)"))))
                runs = [(body_start, end)]
            else:
                rec.chunked.append((body_start, end))
        elif body_start < end:
            runs = [(body_start, end)]
        raw = b"".join(d[x:y] for x, y in runs)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "surrogateescape")
        out["body"] = text
        out["body_bytes"] = raw
        if not self.nodes:
            return None, out
        bp = path + ("body",)
        vruns, v = [], 0
        for x, y in runs:
            seg = d[x:y].decode("utf-8", "surrogateescape")
            vruns.append((v, self.chars(x), len(seg)))
            v += len(seg)
        items.append((self.key("body", body_start), self.scalar(text, body_start, end)))
        self.locators[bp] = SpanLocator(self.source, self.chars(body_start), self.chars(end),
                                        vruns or [(0, self.chars(body_start), 0)])
        return JMapping(items, self.mark(a), self.mark(end)), out

    def dechunk(self, a: int, end: int):
        d = self.data
        runs = []
        i = a
        while i < end:
            j = d.find(b"\n", i, end)
            if j == -1:
                return None
            size_text = d[i:j].rstrip(b"\r").split(b";", 1)[0].strip()
            if not _HEX.match(size_text):
                return None
            n = int(size_text, 16)
            i = j + 1
            if n == 0:
                return runs  # trailers follow: not part of the body
            if i + n > end:
                return None
            runs.append((i, i + n))
            i += n
            if d[i:i + 2] == b"\r\n":
                i += 2
            elif d[i:i + 1] == b"\n":
                i += 1
            else:
                return None
        return None  # no last chunk


def load(path: str, data: bytes) -> LoadResult:
    """The trace in ``data`` as a :class:`TraceDocument`, or the problem that makes it unreadable."""
    text = data.decode("utf-8", "surrogateescape")
    source = RawSource(path, data, text)
    if not data.startswith(HEADER):
        first = data.split(b"\n", 1)[0][:40].decode("utf-8", "replace")
        return LoadResult(source, None, [(CORRUPT_TRACE, Problem(Pos(1, 1), (
            f"not an httprr trace: the first line is {first!r}, not 'httprr trace v1' (httprr's Open "
            "fails: \"not an httprr trace\")")))])
    got = _parse(source, data, False)
    if isinstance(got, LoadResult):
        return got
    records, rec_data, problems, _, _ = got
    doc = TraceDocument(source, None, {"httprr trace": "v1", "records": rec_data}, records)
    doc.body_paths = [("records", k, side, "body") for k in range(len(records)) for side in ("request", "response")]
    for bp in doc.body_paths:
        doc.locators[bp] = lambda bp=bp: doc.compose_locator(bp)
    return LoadResult(source, doc, problems)


def _parse(source: Source, data: bytes, nodes: bool):
    """(records, data, problems, root node, body locators), or the LoadResult of a broken framing."""
    b = _Builder(source, data, nodes)
    records: list[Record] = []
    rec_nodes, rec_data = [], []
    problems: list = []
    i = len(HEADER)
    n = len(data)
    while i < n:
        k = len(records)
        j = data.find(b"\n", i)
        line = data[i:j if j != -1 else n]
        f1, _, f2 = line.partition(b" ")
        ok = j != -1 and _ATOI.match(f1) is not None and _ATOI.match(f2) is not None
        n1 = int(f1) if ok else 0
        n2 = int(f2) if ok else 0
        rest = n - (j + 1) if j != -1 else 0
        if not ok or n1 < 0 or n2 < 0 or n1 > rest or n2 > rest - n1:
            pos = source.pos(b.chars(i))
            if not ok:
                why = f"its length line {line[:40].decode('utf-8', 'replace')!r} is not '<request bytes> <response bytes>'"
            else:
                why = (f"it declares {n1} request and {n2} response bytes but {rest} bytes follow")
            return LoadResult(source, None, [(CORRUPT_TRACE, Problem(pos, (
                f"record {k + 1}: {why}: httprr refuses the whole trace (\"corrupt httprr trace\")")))])
        rec = Record(i, j + 1, n1, n2)
        ra, rb, re_ = j + 1, j + 1 + n1, j + 1 + n1 + n2
        if not _REQUEST_LINE.match(data, ra, rb) or not data.startswith(b"HTTP/", rb):
            pos = source.pos(b.chars(i))
            seen = data[rb:rb + 12].decode("utf-8", "replace")
            return LoadResult(source, None, [(CORRUPT_TRACE, Problem(pos, (
                f"record {k + 1}: the lengths {n1} {n2} do not frame the record (the response would start "
                f"with {seen!r}, not 'HTTP/'): httprr reads the wrong bytes as the request and response, "
                "and replay fails")))])
        b._recs.append(rec)
        records.append(rec)
        rp = ("records", k)
        req_node, req_data = b.message(ra, rb, rp + ("request",), True, problems, rec)
        resp_node, resp_data = b.message(rb, re_, rp + ("response",), False, problems, rec)
        if nodes:
            rec_nodes.append(JMapping([
                (b.key("lengths", i), b.scalar(line.decode("ascii"), i, j)),
                (b.key("request", ra), req_node), (b.key("response", rb), resp_node)], b.mark(i), b.mark(re_)))
        rec_data.append({"lengths": line.decode("ascii"), "request": req_data, "response": resp_data})
        i = re_
    root = None
    if nodes:
        root = JMapping([(b.key("httprr trace", 0), b.scalar("v1", 13, 15)),
                         (b.key("records", len(HEADER)), JSequence(rec_nodes, b.mark(len(HEADER)), b.mark(n)))],
                        b.mark(0), b.mark(n))
    return records, rec_data, problems, root, b.locators
