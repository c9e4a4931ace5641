"""AWS event streams (``application/vnd.amazon.eventstream``): Bedrock's binary framing.

A stream is a run of frames: 4-byte total length, 4-byte headers length, CRC32 of those eight
bytes, the headers, the payload, CRC32 of everything before it (all big-endian). A header is a
one-byte name length, the name, a one-byte value type and the value. Bedrock's
``invoke-with-response-stream`` sends ``:message-type: event`` frames of ``:event-type: chunk``
whose payload is ``{"bytes": "<base64>"}``: the provider's own event, for Anthropic models one
Messages-API event (``message_start`` … ``message_stop``) as JSON; an error mid-stream is a
``:message-type: exception`` frame whose payload is ``{"message": …}``.

:func:`parse` reads the frames once (``E005`` reports the first broken one); :func:`events` turns
them into the events the stream and tool-call rules read, each placed at its frame's first byte.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct

from .sse import Event

#: header value types with a fixed length (bool true/false carry none); 6 (bytes) and 7 (string)
#: have a two-byte length first
_FIXED = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}
#: the longest headers and payload of a frame botocore reads (``_MAX_HEADERS_LENGTH``, ``_MAX_PAYLOAD_LENGTH``)
MAX_HEADERS = 128 * 1024
MAX_PAYLOAD = 24 * 1024 * 1024


class Frame:
    __slots__ = ("offset", "headers", "payload")

    def __init__(self, offset: int, headers: dict, payload: bytes):
        self.offset = offset  # of its first byte in the body
        self.headers = headers  # string-valued headers (``:message-type``, ``:event-type`` …)
        self.payload = payload


def _headers(raw: bytes) -> dict | None:
    """String headers of a frame; None when the headers do not parse: a length past their end, an
    unknown value type, a name or string value that is not UTF-8, a name given twice (botocore's
    ``EventStreamMessage`` parser raises on each: ``tests/test_provider_sdk_aws.py``)."""
    out = {}
    seen = set()
    i, n = 0, len(raw)
    try:
        while i < n:
            k = raw[i]
            name = raw[i + 1:i + 1 + k]
            i += 1 + k
            if i >= n or len(name) != k or name in seen:
                return None
            seen.add(name)
            t = raw[i]
            i += 1
            if t in (6, 7):
                if i + 2 > n:
                    return None
                (size,) = struct.unpack_from(">H", raw, i)
                value = raw[i + 2:i + 2 + size]
                i += 2 + size
                if len(value) != size:
                    return None
                if t == 7:
                    out[name.decode("utf-8")] = value.decode("utf-8")
                else:
                    name.decode("utf-8")
            elif t in _FIXED:
                i += _FIXED[t]
                if i > n:
                    return None
                name.decode("utf-8")
            else:
                return None
    except UnicodeDecodeError:
        return None
    return out


def parse(data: bytes) -> tuple[list[Frame], tuple[int, str] | None]:
    """The frames of ``data`` up to the first broken one, and ``(its byte offset, what is wrong)``
    (None when every frame is sound)."""
    frames: list[Frame] = []
    off, n, i = 0, len(data), 0
    while off < n:
        if n - off < 16:
            return frames, (off, f"frame {i}: {n - off} trailing bytes, a frame needs at least 16 (truncated)")
        total, hlen, pcrc = struct.unpack_from(">III", data, off)
        if binascii.crc32(data[off:off + 8]) != pcrc:
            return frames, (off, f"frame {i}: prelude CRC mismatch (corrupted frame or not an event stream)")
        if total < 16 or hlen > total - 16:
            return frames, (off, f"frame {i}: impossible lengths (total {total}, headers {hlen})")
        if hlen > MAX_HEADERS or total - 16 - hlen > MAX_PAYLOAD:
            return frames, (off, f"frame {i}: {hlen:,} bytes of headers and {total - 16 - hlen:,} of payload: more than "
                                 f"an AWS SDK reads ({MAX_HEADERS:,} and {MAX_PAYLOAD:,}: botocore raises)")
        if off + total > n:
            return frames, (off, f"frame {i}: declares {total} bytes but only {n - off} remain (truncated)")
        (mcrc,) = struct.unpack_from(">I", data, off + total - 4)
        if binascii.crc32(data[off:off + total - 4]) != mcrc:
            return frames, (off, f"frame {i}: message CRC mismatch (payload altered)")
        headers = _headers(data[off + 12:off + 12 + hlen])
        if headers is None:
            return frames, (off, f"frame {i}: its headers do not parse")
        frames.append(Frame(off, headers, data[off + 12 + hlen:off + total - 4]))
        off += total
        i += 1
    return frames, None


def events(frames: list[Frame]) -> list[Event]:
    """The provider events the frames (:func:`parse`) carry, in order, as dispatched SSE events would
    be: ``type`` is the event's own ``type`` (``"error"`` for an exception frame), ``data`` its JSON
    text, ``offset`` and ``data_offset`` the frame's first byte in the body. Frames after a broken one
    are not there (``E005`` reports it); frames whose payload does not decode are skipped."""
    out: list[Event] = []
    for f in frames:
        kind = f.headers.get(":message-type")
        if kind == "exception":
            text = f.payload.decode("utf-8", "replace")
            out.append(_event(text, f.offset, "error"))
            continue
        if kind != "event" or f.headers.get(":event-type") != "chunk":
            continue
        try:
            wrapper = json.loads(f.payload)
            text = base64.b64decode(wrapper["bytes"], validate=True).decode("utf-8")
        except (ValueError, KeyError, TypeError):
            continue
        try:
            v = json.loads(text)
        except ValueError:
            v = None
        out.append(_event(text, f.offset, v.get("type") if isinstance(v, dict) and isinstance(v.get("type"), str)
                          else None))
    return out


def _event(text: str, offset: int, type: str | None) -> Event:
    ev = Event(text, offset, offset, type, None, text, offset, 1, 0, True)
    ev._lines = []  # no SSE lines: a frame is not text (rules that read lines find none)
    return ev
