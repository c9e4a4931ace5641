"""Newline-delimited JSON streams (NDJSON, JSON Lines): one JSON value per line.

Ollama streams ``/api/chat`` and ``/api/generate`` this way (``application/x-ndjson``; some proxies
and recorders declare it ``application/json``), as do other APIs. A client reads the body line by
line and decodes each line on its own, so the body is parsed the same way here: every non-blank line
is a :class:`Record` with its offset in the body, whose position the rules report.

A record looks like an SSE event to the stream and tool-call rules: ``type`` (None), ``data`` (the
line), ``data_offset``/``offset`` and ``json()``.
"""

from __future__ import annotations

from typing import Any

from .sse import parse_json

#: media types that declare a newline-delimited JSON stream
MEDIA_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl",
                         "application/x-jsonlines", "application/jsonlines", "application/json-seq"})


class Record:
    """One line of the stream."""

    __slots__ = ("data", "offset", "_json")

    type = None  # (the SSE event name: an NDJSON record has none)

    def __init__(self, data: str, offset: int):
        self.data = data
        #: offset of the line's first character in the body
        self.offset = offset
        self._json: tuple[Any, Any] | None = None

    @property
    def data_offset(self) -> int:
        return self.offset

    def json(self) -> tuple[Any, Any]:
        """``(value, None)`` or ``(None, json.JSONDecodeError)``, parsed once."""
        if self._json is None:
            self._json = parse_json(self.data)
        return self._json

    def __repr__(self) -> str:
        return f"Record({self.offset}, {self.data[:40]!r})"


def parse(text: str) -> list[Record]:
    """The records of ``text``: every line that is not blank (``\\n``, ``\\r\\n`` and ``\\r`` end lines)."""
    out: list[Record] = []
    pos = 0
    n = len(text)
    while pos < n:
        end = text.find("\n", pos)
        if end == -1:
            end = n
        line = text[pos:end]
        if "\r" in line:  # CRLF, or lone CRs: split further
            sub = pos
            for part in line.split("\r"):
                if part.strip():
                    out.append(Record(part, sub))
                sub += len(part) + 1
        elif line.strip():
            out.append(Record(line, pos))
        pos = end + 1
    return out


def looks_like_ndjson(text: str) -> bool:
    """True when ``text`` holds at least two lines and its first two non-blank lines are each a JSON
    object: what a body declared ``application/json`` that is line-delimited JSON looks like (one
    JSON document fails on its second value with "Extra data")."""
    seen = 0
    pos = 0
    n = len(text)
    while pos < n and seen < 2:
        end = text.find("\n", pos)
        if end == -1:
            end = n
        line = text[pos:end].strip()
        pos = end + 1
        if not line:
            continue
        if not (line.startswith("{") and line.endswith("}")):
            return False
        v, err = parse_json(line)
        if err is not None or not isinstance(v, dict):
            return False
        seen += 1
    return seen == 2
