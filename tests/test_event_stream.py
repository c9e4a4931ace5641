"""Event-stream rules (E…): SSE framing of streamed bodies, reported at the line inside the body.

``stream_cassette`` builds a go-vcr v2 cassette whose response body is a ``|+`` block starting at
file line ``BODY`` (23), so the n-th line of the stream (0-based) is file line ``BODY + n``.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct

from conftest import BEDROCK_TOOL_EVENTS, at, aws_frame, base64_pos, bedrock_cassette, bedrock_chunk, binary_block, codes

BODY = 23
CHAT_URL = "https://api.openai.com/v1/chat/completions"


def _interaction(i: int, url: str, request: dict | None, body: str, content_type: str) -> str:
    req = json.dumps(request if request is not None else {"stream": True}, separators=(",", ":"))
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    block = "\n".join(("      " + ln) if ln else "" for ln in lines) + "\n"
    return (
        f"- id: {i}\n"
        "  request:\n"
        "    proto: HTTP/1.1\n"
        "    proto_major: 1\n"
        "    proto_minor: 1\n"
        "    content_length: -1\n"
        "    host: example.com\n"
        f"    body: '{req.replace(chr(39), chr(39) * 2)}'\n"
        "    headers:\n"
        "      Content-Type:\n"
        "      - application/json\n"
        f"    url: {url}\n"
        "    method: POST\n"
        "  response:\n"
        "    proto: HTTP/2.0\n"
        "    proto_major: 2\n"
        "    proto_minor: 0\n"
        "    content_length: -1\n"
        "    body: |+\n"
        f"{block}"
        "    headers:\n"
        "      Content-Type:\n"
        f"      - {content_type}\n"
        "    status: 200 OK\n"
        "    code: 200\n"
        "    duration: 1s\n"
    )


def stream_cassette(body: str, url: str = CHAT_URL, request: dict | None = None,
                    content_type: str = "text/event-stream", more: list[tuple] = ()) -> str:
    """A cassette with one streamed interaction (``more``: further (url, request, body) interactions)."""
    text = "---\nversion: 2\ninteractions:\n" + _interaction(0, url, request, body, content_type)
    for i, (u, r, b) in enumerate(more, 1):
        text += _interaction(i, u, r, b, "text/event-stream")
    return text


def mine(findings, prefixes="ETA"):
    return [f for f in findings if f.rule[0] in prefixes]


def chunk(delta=None, finish=None, **extra) -> str:
    d = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}]}
    d.update(extra)
    return "data: " + json.dumps(d, separators=(",", ":"))


GOOD_CHAT = "\n\n".join([chunk({"role": "assistant", "content": "Hi"}), chunk({}, "stop"), "data: [DONE]"]) + "\n\n"


def test_clean_chat_stream_with_openrouter_comments_is_silent(lint_text):
    body = ": OPENROUTER PROCESSING\n\n" + GOOD_CHAT
    assert mine(lint_text(stream_cassette(body), dedent=False)) == []


def test_data_not_json_points_at_the_column_of_the_json_error(lint_text):
    body = chunk({"content": "Hi"}) + "\n\n" + 'data: {"object":"chat.completion.chunk","choices":[}\n\n' + GOOD_CHAT
    f = lint_text(stream_cassette(body), dedent=False)
    # line 3 of the stream; the error is at the '}' (character 51 of the data, column 7 + 50)
    assert at(f, "E001") == [(BODY + 2, 7 + 51)]
    msg = [x.message for x in f if x.rule == "E001"][0]
    assert "Expecting value" in msg


def test_multi_line_data_error_is_on_the_second_data_line(lint_text):
    body = 'data: {"object":"chat.completion.chunk",\ndata: "choices":[,]}\n\n' + GOOD_CHAT
    f = lint_text(stream_cassette(body), dedent=False)
    assert [ln for ln, _ in at(f, "E001")] == [BODY + 1]


def test_done_sentinel_is_not_json_error_for_chat_but_is_for_anthropic(lint_text):
    assert at(lint_text(stream_cassette(GOOD_CHAT), dedent=False), "E001") == []
    body = ('event: message_start\ndata: {"type":"message_start","message":{}}\n\n'
            "data: [DONE]\n\n"
            'event: message_stop\ndata: {"type":"message_stop"}\n\n')
    f = lint_text(stream_cassette(body, url="https://api.anthropic.com/v1/messages"), dedent=False)
    assert at(f, "E001") == [(BODY + 3, 14)]  # at the "D" after "["


def test_two_data_lines_each_a_complete_object_run_together(lint_text):
    body = chunk({"content": "a"}) + "\n" + chunk({"content": "b"}) + "\n\n" + GOOD_CHAT
    f = lint_text(stream_cassette(body), dedent=False)
    assert at(f, "E002") == [(BODY + 1, 7)]
    assert at(f, "E001") == []  # one finding for one defect


def test_second_event_field_inside_one_event_runs_together(lint_text):
    body = ('event: message_start\ndata: {"type":"message_start","message":{}}\n'
            'event: message_stop\ndata: {"type":"message_stop"}\n\n')
    f = lint_text(stream_cassette(body, url="https://api.anthropic.com/v1/messages"), dedent=False)
    assert at(f, "E002") == [(BODY + 2, 7)]


def test_legit_multi_line_json_data_is_not_run_together(lint_text):
    body = 'data: {"object":"chat.completion.chunk",\ndata:  "choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    assert mine(lint_text(stream_cassette(body), dedent=False)) == []


def test_final_event_without_blank_line(lint_text):
    body = GOOD_CHAT[: -len("data: [DONE]\n\n")] + "data: [DONE]\n"
    f = lint_text(stream_cassette(body), dedent=False)
    assert at(f, "E003") == [(BODY + 4, 7)]
    e003 = [x for x in f if x.rule == "E003"][0]
    assert "drops it on replay" in e003.message
    # only [DONE] is lost, which openai-python's Stream does without (tests/test_consequences.py)
    assert str(e003.severity) == "warning"
    assert codes(mine(f)) == ["E003"]  # not also "missing [DONE]": one defect, one finding


def test_final_comment_without_blank_line_is_fine(lint_text):
    assert mine(lint_text(stream_cassette(GOOD_CHAT + ": keep-alive\n"), dedent=False)) == []


def test_unknown_field_is_named_with_a_suggestion(lint_text):
    body = chunk({"content": "Hi"}) + "\n\n" + 'dta: {"x":1}\n\n' + GOOD_CHAT
    f = lint_text(stream_cassette(body), dedent=False)
    assert at(f, "E004") == [(BODY + 2, 7)]
    msg = [x.message for x in f if x.rule == "E004"][0]
    assert "'dta'" in msg and "did you mean 'data'" in msg


def test_stream_detected_from_request_stream_true_without_content_type(lint_text):
    body = chunk({"content": "Hi"}) + "\n\n" + 'data: {"broken"\n\n' + GOOD_CHAT
    f = lint_text(stream_cassette(body, content_type="text/plain"), dedent=False)
    assert at(f, "E001") == [(BODY + 2, 7 + 6 + 9)]


def test_json_error_response_to_a_stream_request_is_not_a_stream(lint_text):
    text = stream_cassette('{"error": {"message": "bad"}}\n', content_type="application/json")
    assert mine(lint_text(text, dedent=False)) == []


def _bedrock(data: bytes) -> str:
    b64 = base64.b64encode(data).decode()
    text = stream_cassette("x\n", url="https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude/"
                           "invoke-with-response-stream", content_type="application/vnd.amazon.eventstream")
    return text.replace("    body: |+\n      x\n", f"    body: !!binary {b64}\n")


def test_bedrock_event_stream_is_not_sse_and_valid_frames_are_silent(lint_text):
    data = aws_frame(b'{"bytes":"e30="}') + aws_frame(b'{"bytes":"e30="}')
    assert mine(lint_text(_bedrock(data), dedent=False)) == []


def test_bedrock_truncated_and_corrupted_frames(lint_text):
    good = aws_frame(b'{"bytes":"e30="}')
    f = lint_text(_bedrock(good + good[:-3]), dedent=False)
    # the body is one line, ``body: !!binary <base64>``: the four characters that encode frame 1's
    # first byte start ``len(good) // 3 * 4`` characters into the base64
    assert at(f, "E005") == [(BODY - 1, 11 + len("!!binary ") + len(good) // 3 * 4)]
    assert "frame 1" in f[0].message and "truncated" in f[0].message
    bad = bytearray(good)
    bad[20] ^= 1
    f = lint_text(_bedrock(bytes(bad)), dedent=False)
    assert codes(mine(f)) == ["E005"] and "message CRC" in f[0].message


def test_a_broken_frame_is_reported_at_the_base64_line_that_encodes_it(lint_text):
    """go-vcr writes the binary body 60 base64 characters a line; the finding is on the line (and
    column) of the four characters that encode the broken frame's first byte, not at the body."""
    frames = [aws_frame(b'{"bytes":"' + base64.b64encode(b'{"type":"ping","n":%d}' % i) + b'"}') for i in range(9)]
    bad = bytearray(frames[6])
    bad[30] ^= 1
    data = b"".join(frames[:6]) + bytes(bad) + b"".join(frames[7:])
    text = _bedrock(b"").replace("!!binary \n", binary_block(data, "      "))
    f = mine(lint_text(text, dedent=False))
    assert codes(f) == ["E005"] and "frame 6" in f[0].message  # (frames are numbered from 0)
    off = len(b"".join(frames[:6]))
    assert f"at byte {off}" in f[0].message
    assert (f[0].line, f[0].column) == base64_pos(text, data, off)
    assert f[0].line > BODY + 3  # several lines into the block


def test_bedrock_frame_whose_headers_do_not_parse(lint_text):
    good = b"".join(bedrock_chunk(e) for e in BEDROCK_TOOL_EVENTS)
    bad = aws_frame(b"{}", {":event-type": "chunk"})
    bad = bad[:12] + b"\x30" + bad[13:]  # the header name now claims 48 bytes: more than there are
    data = good + _recrc(bad)
    f = mine(lint_text(bedrock_cassette(data), dedent=False))
    assert codes(f) == ["E005"] and "frame 7: its headers do not parse" in f[0].message
    assert (f[0].line, f[0].column) == base64_pos(bedrock_cassette(data), data, len(good))


def _recrc(frame: bytes) -> bytes:
    """``frame`` with its message CRC recomputed (an edit that keeps the checksums right)."""
    return frame[:-4] + struct.pack(">I", binascii.crc32(frame[:-4]))


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cassette_lint.streams import eventstream  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(BEDROCK_TOOL_EVENTS), max_size=5), st.integers(0, 400), st.integers(0, 255),
       st.binary(max_size=40), st.booleans())
def test_any_damage_to_bedrock_frames_is_read_without_an_exception(events, at_, byte, tail, recrc):
    """A changed byte (checksums recomputed or not), garbage after the frames: ``parse`` reports the
    first broken frame or none, ``events`` reads what it can; neither raises."""
    data = bytearray(b"".join(bedrock_chunk(e) for e in events) + tail)
    if data:
        data[at_ % len(data)] = byte
    if recrc and len(data) >= 16:
        data[-4:] = struct.pack(">I", binascii.crc32(bytes(data[:-4])))
    frames, problem = eventstream.parse(bytes(data))
    assert problem is None or (0 <= problem[0] < len(data) and problem[1].startswith("frame "))
    for ev in eventstream.events(frames):
        assert isinstance(ev.data, str) and 0 <= ev.offset < len(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40), st.binary(max_size=40))
def test_any_header_bytes_in_a_sound_frame_are_read_without_an_exception(raw, payload):
    prelude = struct.pack(">II", 16 + len(raw) + len(payload), len(raw))
    msg = prelude + struct.pack(">I", binascii.crc32(prelude)) + raw + payload
    data = msg + struct.pack(">I", binascii.crc32(msg))
    frames, problem = eventstream.parse(data)
    assert (len(frames), problem is None) in ((1, True), (0, False))
    assert len(eventstream.events(frames)) <= 1
