"""Server-Sent Events, parsed exactly as the WHATWG HTML standard's "event stream interpretation".

- Lines end in CRLF, LF or CR.  A leading U+FEFF is skipped.
- An empty line dispatches the event being built; a line starting with ``:`` is a comment.
- Otherwise the field name runs to the first ``:`` (the whole line when there is none) and the value
  follows, with one leading space removed.
- ``data`` appends the value and a LF to the data buffer; ``event`` sets the type; ``id`` sets the
  last event id unless the value holds NUL; ``retry`` takes ASCII digits; other fields are ignored.
- On dispatch an empty data buffer dispatches nothing; one trailing LF is removed from the data.
- At end of stream an event without its terminating blank line is discarded.

The parser keeps every line's character offset in the body, so rules can point a finding at the
exact file line (:meth:`cassette_lint.model.Body.pos`).  It never raises.
"""

from __future__ import annotations

import json
import json.scanner
import re
from itertools import accumulate
from typing import Any

KNOWN_FIELDS = frozenset({"event", "data", "id", "retry"})


class Line:
    """One line of the stream: ``kind`` is ``blank``, ``comment`` or ``field``.

    Lines are built only on demand (:attr:`Stream.lines`, :attr:`Event.lines`): the parser itself keeps
    just what the rules read of every event, which is most of the cost of a long stream.
    """

    __slots__ = ("offset", "text", "kind", "field", "value", "value_offset")

    def __init__(self, offset: int, text: str, kind: str, field: str = "", value: str = "",
                 value_offset: int = 0):
        self.offset = offset  # character offset of the line's start in the body
        self.text = text
        self.kind = kind
        self.field = field
        self.value = value
        self.value_offset = value_offset  # character offset of the value's start in the body

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Line):
            return NotImplemented
        return all(getattr(self, a) == getattr(other, a) for a in Line.__slots__)

    def __repr__(self) -> str:
        return f"Line({self.offset}, {self.text!r}, {self.kind!r})"


class Event:
    """The fields between two blank lines.

    ``dispatched`` is false for the final block when no blank line ends it (a conforming client drops
    it) and for a block without any ``data`` line (nothing is dispatched for it).  ``data`` is the
    joined data buffer (``None`` when the event had no ``data`` line), ``data_offset`` the offset of
    its first character, ``n_data`` / ``n_event`` the number of ``data`` / ``event`` lines.
    """

    __slots__ = ("_text", "offset", "end", "type", "id", "data", "data_offset", "n_data", "n_event",
                 "terminated", "_parsed", "_lines")

    def __init__(self, text: str, offset: int, end: int, type: str | None, id: str | None,
                 data: str | None, data_offset: int, n_data: int, n_event: int, terminated: bool):
        self._text = text
        self.offset = offset  # the first line's start
        self.end = end  # the last line's end (before its line break)
        self.type = type  # the ``event:`` field, None when absent ("message")
        self.id = id
        self.data = data
        self.data_offset = data_offset
        self.n_data = n_data
        self.n_event = n_event
        self.terminated = terminated
        self._parsed: tuple | None = None
        self._lines: list[Line] | None = None

    @property
    def lines(self) -> list[Line]:
        if self._lines is None:
            self._lines = _lines(self._text, self.offset, self.end)
        return self._lines

    @property
    def data_lines(self) -> list[Line]:
        if not self.n_data:
            return []
        return [ln for ln in self.lines if ln.kind == "field" and ln.field == "data"]

    @property
    def dispatched(self) -> bool:
        return self.terminated and self.n_data > 0

    def json(self) -> tuple[Any, json.JSONDecodeError | None]:
        """The data parsed as JSON, cached on the event: ``(value, None)`` or ``(None, error)``."""
        parsed = self._parsed
        if parsed is None:
            parsed = self._parsed = parse_json(self.data) if self.data is not None else (None, None)
        return parsed

    def json_error(self) -> json.JSONDecodeError | None:
        """The error of parsing the data as JSON (None when it parses, or there is no data), without
        keeping the parsed value: kept for every chunk of a long stream, the values made the cost per
        MB grow with the file (a heap of millions of dicts); :meth:`json` parses again when asked."""
        parsed = self._parsed
        if parsed is not None:
            return parsed[1]
        if self.data is None:
            return None
        err = parse_json(self.data)[1]
        if err is not None:
            self._parsed = (None, err)
        return err

    def __repr__(self) -> str:
        return f"Event(offset={self.offset}, type={self.type!r}, data={self.data!r:.40})"


_scan_once = json.scanner.make_scanner(json.JSONDecoder())


def parse_json(text: str) -> tuple[Any, json.JSONDecodeError | None]:
    """``(json.loads(text), None)``, or ``(None, the error json.loads raises)``.

    Valid JSON without surrounding whitespace (every chunk of a stream) goes straight to the C
    scanner, which is what ``json.loads`` ends in after two Python calls and two regex matches (~45%
    faster per chunk); anything else takes ``json.loads`` itself, so values and errors are its own.
    """
    try:
        value, end = _scan_once(text, 0)
        if end == len(text):
            return value, None
    except (StopIteration, ValueError, RecursionError):
        pass
    try:
        return json.loads(text), None
    except json.JSONDecodeError as e:
        # cached by callers: drop the traceback, whose frames (f_back) would hold the callers' locals —
        # the whole cassette — in a reference cycle (files are checked with the collector paused)
        e.__context__ = None  # json's StopIteration, with frames of its own
        return None, e.with_traceback(None)
    except RecursionError:
        return None, json.JSONDecodeError("JSON nested too deeply", text, 0)


def json_errors(events, keep: bool = False):
    """``(event, error)`` for each event whose data is not one JSON document (events without data
    are skipped).  With ``keep`` every value is cached on its event (:meth:`Event.json`); without,
    only errors are (:meth:`Event.json_error`).  One tight loop for a whole stream: the per-event
    method calls cost about as much as validating a short chunk."""
    scan = _scan_once
    for ev in events:
        data = ev.data
        if data is None:
            continue
        if keep or ev._parsed is not None:
            err = ev.json()[1]
        else:
            try:
                if scan(data, 0)[1] == len(data):
                    continue
            except (StopIteration, ValueError, RecursionError):
                pass
            err = ev.json_error()
        if err is not None:
            yield ev, err


class Stream:
    """The events of a body; ``lines`` (every line, classified) is built on first use."""

    __slots__ = ("_text", "events", "ends_with_newline", "unknown_fields", "all_dispatched", "multi_line",
                 "_lines")

    def __init__(self, text: str, events: list[Event], ends_with_newline: bool, unknown_fields: bool,
                 all_dispatched: bool = False, multi_line: bool = True):
        self._text = text
        self.events = events
        #: True when every event is dispatched (the parser knows: no data-less event, last one ended)
        self.all_dispatched = all_dispatched
        #: True when the last line of the body ends with a line break
        self.ends_with_newline = ends_with_newline
        #: True when some line is a field other than ``event``, ``data``, ``id`` and ``retry``
        self.unknown_fields = unknown_fields
        #: False when no event has more than one ``data`` line or more than one ``event`` line (then
        #: rules looking for two events run together need not visit the events)
        self.multi_line = multi_line
        self._lines: list[Line] | None = None

    @property
    def lines(self) -> list[Line]:
        if self._lines is None:
            skip = 1 if self._text.startswith("\ufeff") else 0
            self._lines = _lines(self._text, skip, len(self._text))
        return self._lines

    @property
    def dispatched(self) -> list[Event]:
        """The events a client receives (every event, in the usual stream: then no copy is made)."""
        if self.all_dispatched:
            return self.events
        return [e for e in self.events if e.dispatched]


def _split_lines(text: str, base: int = 0) -> tuple[list[int], list[str]]:
    """(offsets, lines); line breaks CRLF, LF, CR as in the standard.  Offsets start at ``base``."""
    if "\r" not in text:
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()  # the text ends with a line break (or is empty): no line after it
        # each line starts one past the previous line's end (C-level accumulate: no Python per line)
        offsets = list(accumulate(map((1).__add__, map(len, lines)), initial=base))
        return offsets, lines
    offsets, lines = [], []
    i = 0
    n = len(text)
    start = 0
    while i < n:
        c = text[i]
        if c == "\n" or c == "\r":
            offsets.append(base + start)
            lines.append(text[start:i])
            i += 2 if c == "\r" and i + 1 < n and text[i + 1] == "\n" else 1
            start = i
            continue
        i += 1
    if start < n:
        offsets.append(base + start)
        lines.append(text[start:])
    return offsets, lines


def _field(raw: str, off: int) -> tuple[str, str, int]:
    """(name, value, value offset) of a field line: the name runs to the first ``:``, one space skipped."""
    colon = raw.find(":")
    if colon == -1:
        return raw, "", off + len(raw)
    vstart = colon + 1
    if vstart < len(raw) and raw[vstart] == " ":
        vstart += 1
    return raw[:colon], raw[vstart:], off + vstart


def _lines(text: str, start: int, end: int) -> list[Line]:
    """Every line of ``text[start:end]`` (which starts at a line start), classified."""
    out = []
    offsets, raws = _split_lines(text[start:end], start)
    for off, raw in zip(offsets, raws):
        if not raw:
            out.append(Line(off, raw, "blank"))
        elif raw[0] == ":":
            out.append(Line(off, raw, "comment", value=raw[1:], value_offset=off + 1))
        else:
            name, value, voff = _field(raw, off)
            out.append(Line(off, raw, "field", name, value, voff))
    return out


#: blank lines, then one event of an optional ``event`` line and one ``data`` line ended by a blank line
#: (only for text without CR: then every line ends in LF)
_SIMPLE_EVENT = re.compile(r"\n*((?:event: ?([^\n]*)\n)?data: ?([^\n]*)\n\n)")


def parse(text: str) -> Stream:
    """Parse an event-stream body.  Offsets are character offsets into ``text``.

    One pass over the lines keeps, per event, only what the rules read (type, id, joined data and its
    offset, line counts); the :class:`Line` objects are made on demand for the few events a finding
    points into.
    """
    events: list[Event] = []
    pos = 1 if text.startswith("\ufeff") else 0
    if "\r" not in text:
        # the common shape, one event at a time by one regex match: [event: T] data: D, blank line
        m = _SIMPLE_EVENT.match(text, pos)
        while m is not None:
            etype = m.group(2)
            events.append(Event(text, m.start(1), m.end(1) - 2, etype, None, m.group(3), m.start(3), 1,
                                0 if etype is None else 1, True))
            pos = m.end()
            m = _SIMPLE_EVENT.match(text, pos)
    # the rest (or all) line by line, as the standard reads it
    offsets, raws = _split_lines(text[pos:] if pos else text, pos)
    unknown = undispatched = multi = False
    start = -1  # the current event's first line (-1: no event open)
    end = 0
    etype = eid = data = None
    parts: list[str] | None = None  # data lines after the first
    doff = n_data = n_event = 0
    for off, raw in zip(offsets, raws):
        if not raw:
            if start >= 0:
                if parts is not None:
                    data = "\n".join(parts)
                if not n_data:
                    undispatched = True  # a block of comments or fields without data
                if n_data > 1 or n_event > 1:
                    multi = True
                events.append(Event(text, start, end, etype, eid, data, doff if n_data else start, n_data,
                                    n_event, True))
                start = -1
                etype = eid = data = parts = None
                doff = n_data = n_event = 0
            continue
        if start < 0:
            start = off
        end = off + len(raw)
        if raw[0] == ":":
            continue  # a comment
        if raw.startswith("data: "):
            name, value, voff = "data", raw[6:], off + 6
        else:
            name, value, voff = _field(raw, off)
        if name == "data":
            if n_data == 0:
                data, doff = value, voff
            elif parts is None:
                parts = [data, value]
            else:
                parts.append(value)
            n_data += 1
        elif name == "event":
            etype = value
            n_event += 1
        elif name == "id":
            if "\x00" not in value:
                eid = value
        elif name != "retry":
            unknown = True
    if start >= 0:  # not terminated: a conforming client discards it
        undispatched = True
        multi = multi or n_data > 1 or n_event > 1
        if parts is not None:
            data = "\n".join(parts)
        events.append(Event(text, start, end, etype, eid, data, doff if n_data else start, n_data, n_event,
                            False))
    ends = not text or text.endswith(("\n", "\r"))
    return Stream(text, events, ends, unknown, not undispatched, multi)


_FIELD_LINE = re.compile(r"^(?:data|event)(?::|$)", re.M)


def has_field_line(text: str | None) -> bool:
    """True when some line of ``text`` is a ``data`` or ``event`` field (where an event stream that
    does not open with one may still be found: after a comment, a blank line, an ``id:``)."""
    return bool(text) and _FIELD_LINE.search(text) is not None


def looks_like_sse(text: str | None) -> bool:
    """True when a body is plainly an event stream (starts with an SSE field or comment line)."""
    if not text:
        return False
    head = text.lstrip("\ufeff")[:64]
    return head.startswith(("data:", "event:", "id:", "retry:", ": ")) or head.startswith(":\n")
