"""Differential test: E005 (a broken AWS event-stream frame) against botocore's own parser of
``application/vnd.amazon.eventstream`` bodies (``botocore.eventstream.EventStreamBuffer``, what boto3's
Bedrock ``invoke_model_with_response_stream`` reads), on every AWS event-stream body of
``../shared/corpus`` and on mutated copies: bit flips, truncations, trailing bytes, and frames with both
CRCs right around headers that do not parse.

The claim: the linter finds a broken frame exactly when botocore raises or is left with bytes it
cannot make a message of (a truncated frame: botocore's buffer waits for more and the stream ends
without it), and on sound bodies both read the same frames (headers and payloads).
"""

from __future__ import annotations

import binascii
import random
import struct

import pytest

from cassette_lint.streams import dialects, eventstream
from conftest import at, base64_pos, bedrock_cassette, bedrock_chunk, lint_file, needs_shared, BEDROCK_TOOL_EVENTS
from test_provider_sdk_gemini import cassettes

botocore_eventstream = pytest.importorskip("botocore.eventstream", reason="the test extra installs botocore")


def botocore_reads(data: bytes):
    """``("ok", [(headers, payload)…])``, ``("fails", exception name)`` or ``("leftover", bytes)``."""
    buf = botocore_eventstream.EventStreamBuffer()
    buf.add_data(data)
    try:
        msgs = [({k: v for k, v in m.headers.items() if isinstance(v, str)}, m.payload) for m in buf]
    except Exception as e:  # (ChecksumMismatch, DuplicateHeader, struct.error, UnicodeDecodeError …)
        return ("fails", type(e).__name__)
    return ("leftover", len(buf._data)) if buf._data else ("ok", msgs)


def ours(data: bytes):
    frames, broken = eventstream.parse(data)
    return ("ok", [(f.headers, f.payload) for f in frames]) if broken is None else ("broken", broken[1])


def frame(headers: bytes, payload: bytes, hlen: int | None = None) -> bytes:
    """One frame with both CRCs right, whatever its headers hold."""
    hlen = len(headers) if hlen is None else hlen
    prelude = struct.pack(">II", 16 + len(headers) + len(payload), hlen)
    prelude += struct.pack(">I", binascii.crc32(prelude))
    body = prelude + headers + payload
    return body + struct.pack(">I", binascii.crc32(body))


def header(name: bytes, kind: int, value: bytes) -> bytes:
    size = struct.pack(">H", len(value)) if kind in (6, 7) else b""
    return bytes([len(name)]) + name + bytes([kind]) + size + value


EVENT = header(b":message-type", 7, b"event") + header(b":event-type", 7, b"chunk")

#: frames whose CRCs are right but whose headers botocore refuses (and E005 too)
CRAFTED = {
    "unknown value type": frame(EVENT + header(b"x", 10, b""), b"{}"),
    "name past the end": frame(EVENT + b"\x20ab", b"{}"),
    "fixed value cut short": frame(EVENT + b"\x01x\x04\x00\x00", b"{}"),
    "name given twice": frame(EVENT + header(b":event-type", 7, b"chunk"), b"{}"),
    "name not UTF-8": frame(EVENT + header(b"\xff\xfe", 7, b"a"), b"{}"),
    "string value not UTF-8": frame(EVENT + header(b"s", 7, b"\xff"), b"{}"),
    "headers longer than the frame": frame(EVENT, b"{}", hlen=len(EVENT) + 10),
}
#: frames botocore and E005 both read
SOUND = {
    "every value type": frame(EVENT + b"".join(header(bytes([97 + t]), t, v) for t, v in [
        (0, b""), (1, b""), (2, b"\x01"), (3, b"\x00\x01"), (4, b"\x00" * 4), (5, b"\x00" * 8), (6, b"\xff\x00"),
        (8, b"\x00" * 8), (9, b"\x00" * 16)]), b"{}"),
    "an empty frame": frame(b"", b""),
}
#: where botocore reads what the event-stream format does not allow, and why E005 still reports it
BOTOCORE_LENIENT = {
    "string value past the end": (
        frame(EVENT + b"\x01x\x07\x01\xf4ab", b"{}"),
        "botocore slices a header value past the end of the headers without checking its length (a "
        "500-byte string of 2 bytes is read as 'ab'); the format says a value lies within the headers, "
        "and decoders that read exactly (aws-sdk-go-v2's, the Java SDK's) fail"),
}


@pytest.fixture(scope="module")
def bodies():
    out = []
    for path, cassette in cassettes(needs_shared("corpus")):
        for it in cassette.http:
            if it.response is not None and it.response.body is not None and dialects.is_aws_event_stream(it):
                out.append((path, it.index, it.response.body.data))
    assert len(out) >= 5
    return out


def test_recorded_bodies_are_read_frame_for_frame_as_botocore_reads_them(bodies):
    for path, index, data in bodies:
        e005 = [f for f in lint_file(path) if f.rule == "E005" and f.interaction == index]
        assert ours(data) == botocore_reads(data) and botocore_reads(data)[0] == "ok" and e005 == [], (str(path), index)


def test_mutated_bodies_are_broken_for_the_linter_exactly_when_botocore_fails(bodies):
    rng = random.Random(17)
    disagree, seen = [], set()
    for path, index, data in bodies:
        for _ in range(40):
            b = bytearray(data)
            how = rng.choice(["flip", "truncate", "append"])
            if how == "flip":
                j = rng.randrange(len(b))
                b[j] ^= 1 << rng.randrange(8)
            elif how == "truncate":
                del b[rng.randrange(len(b)):]
            else:
                b += bytes(rng.randrange(1, 24))
            mine, theirs = ours(bytes(b)), botocore_reads(bytes(b))
            seen.add((how, theirs[0]))
            if (mine[0] == "ok") != (theirs[0] == "ok") or (mine[0] == "ok" and mine != theirs):
                disagree.append((str(path), index, how, mine, theirs))
    assert disagree == [], disagree[:5]
    assert {("flip", "fails"), ("truncate", "leftover"), ("append", "leftover")} <= seen, seen


@pytest.mark.parametrize("name", sorted(CRAFTED) + sorted(SOUND))
def test_frames_with_right_crcs_and_odd_headers(name):
    data = CRAFTED.get(name) or SOUND[name]
    body = bedrock_chunk(BEDROCK_TOOL_EVENTS[0]) + data
    mine, theirs = ours(body), botocore_reads(body)
    assert (mine[0] == "ok") == (theirs[0] == "ok") == (name in SOUND), (mine, theirs)
    if name in SOUND:
        assert mine == theirs


def test_botocore_leniency_is_known_and_e005_reports_it_at_the_frame(tmp_path):
    for name, (data, _why) in BOTOCORE_LENIENT.items():
        body = bedrock_chunk(BEDROCK_TOOL_EVENTS[0]) + data
        assert botocore_reads(body)[0] == "ok" and ours(body)[0] == "broken", name
        f = tmp_path / "c.yaml"
        text = bedrock_cassette(body)
        f.write_text(text, "utf-8")
        found = [x for x in lint_file(f) if x.rule == "E005"]
        assert at(found, "E005") == [base64_pos(text, body, len(bedrock_chunk(BEDROCK_TOOL_EVENTS[0])))]
        assert "frame 1: its headers do not parse" in found[0].message
