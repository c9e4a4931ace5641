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
from dataclasses import dataclass, field
from typing import Any

KNOWN_FIELDS = frozenset({"event", "data", "id", "retry"})


@dataclass(slots=True)
class Line:
    """One line of the stream: ``kind`` is ``blank``, ``comment`` or ``field``."""

    offset: int  # character offset of the line's start in the body
    text: str
    kind: str
    field: str = ""
    value: str = ""
    value_offset: int = 0  # character offset of the value's start in the body


@dataclass(slots=True)
class Event:
    """The fields between two blank lines.

    ``dispatched`` is false for the final block when no blank line ends it (a conforming client drops
    it) and for a block without any ``data`` line (nothing is dispatched for it).
    """

    lines: list[Line] = field(default_factory=list)
    type: str | None = None  # the ``event:`` field, None when absent ("message")
    data_lines: list[Line] = field(default_factory=list)
    id: str | None = None
    terminated: bool = False
    _parsed: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def offset(self) -> int:
        return self.lines[0].offset if self.lines else 0

    @property
    def data(self) -> str | None:
        """The joined data buffer (``None`` when the event had no ``data`` line)."""
        dl = self.data_lines
        if not dl:
            return None
        if len(dl) == 1:
            return dl[0].value
        return "\n".join(ln.value for ln in dl)

    @property
    def dispatched(self) -> bool:
        return self.terminated and bool(self.data_lines)

    @property
    def data_offset(self) -> int:
        return self.data_lines[0].value_offset if self.data_lines else self.offset

    def json(self) -> tuple[Any, json.JSONDecodeError | None]:
        """The data parsed as JSON, cached on the event: ``(value, None)`` or ``(None, error)``."""
        if self._parsed is not None:
            return self._parsed
        data = self.data
        try:
            value, err = (json.loads(data), None) if data is not None else (None, None)
        except json.JSONDecodeError as e:
            # cached: drop the traceback, whose frames (f_back) would keep the callers' locals — the
            # whole cassette — alive through weak caches keyed by interaction (a leak per file)
            value, err = None, e.with_traceback(None)
            err.__context__ = None  # json's StopIteration, with frames of its own
        except RecursionError:
            value, err = None, json.JSONDecodeError("JSON nested too deeply", data or "", 0)
        self._parsed = (value, err)
        return value, err


@dataclass(slots=True)
class Stream:
    lines: list[Line]
    events: list[Event]
    #: True when the last line of the body ends with a line break
    ends_with_newline: bool = True

    @property
    def dispatched(self) -> list[Event]:
        return [e for e in self.events if e.dispatched]


def _split_lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) pairs; line breaks CRLF, LF, CR as in the standard."""
    if "\r" not in text:
        out = []
        pos = 0
        for part in text.split("\n"):
            out.append((pos, part))
            pos += len(part) + 1
        if out and out[-1][1] == "" and text.endswith("\n"):
            out.pop()
        return out
    out = []
    i = 0
    n = len(text)
    start = 0
    while i < n:
        c = text[i]
        if c == "\n" or c == "\r":
            out.append((start, text[start:i]))
            i += 2 if c == "\r" and i + 1 < n and text[i + 1] == "\n" else 1
            start = i
            continue
        i += 1
    if start < n:
        out.append((start, text[start:]))
    return out


def parse(text: str) -> Stream:
    """Parse an event-stream body.  Offsets are character offsets into ``text``."""
    lines: list[Line] = []
    events: list[Event] = []
    cur = Event()
    skip = 1 if text.startswith("\ufeff") else 0
    for off, raw in _split_lines(text[skip:] if skip else text):
        off += skip
        if not raw:
            ln = Line(off, raw, "blank")
            lines.append(ln)
            if cur.lines:
                cur.terminated = True
                events.append(cur)
                cur = Event()
            continue
        if raw[0] == ":":
            ln = Line(off, raw, "comment", value=raw[1:], value_offset=off + 1)
            lines.append(ln)
            cur.lines.append(ln)
            continue
        colon = raw.find(":")
        if colon == -1:
            name, value, voff = raw, "", off + len(raw)
        else:
            name = raw[:colon]
            vstart = colon + 1
            if vstart < len(raw) and raw[vstart] == " ":
                vstart += 1
            value, voff = raw[vstart:], off + vstart
        ln = Line(off, raw, "field", name, value, voff)
        lines.append(ln)
        cur.lines.append(ln)
        if name == "data":
            cur.data_lines.append(ln)
        elif name == "event":
            cur.type = value
        elif name == "id" and "\x00" not in value:
            cur.id = value
    if cur.lines:
        events.append(cur)  # not terminated: a conforming client discards it
    ends = not text or text.endswith(("\n", "\r"))
    return Stream(lines, events, ends)


def looks_like_sse(text: str | None) -> bool:
    """True when a body is plainly an event stream (starts with an SSE field or comment line)."""
    if not text:
        return False
    head = text.lstrip("\ufeff")[:64]
    return head.startswith(("data:", "event:", "id:", "retry:", ": ")) or head.startswith(":\n")
