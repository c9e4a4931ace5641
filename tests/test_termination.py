"""Stream-termination rules (T…): each dialect's start and end, at the line inside the body."""

from __future__ import annotations

import json

from conftest import BEDROCK_TOOL_EVENTS, at, aws_frame, base64_pos, bedrock_cassette, bedrock_chunk, codes
from test_event_stream import BODY, GOOD_CHAT, chunk, mine, stream_cassette

ANTHROPIC = "https://api.anthropic.com/v1/messages"
RESPONSES = "https://api.openai.com/v1/responses"
GEMINI = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"


def ev(type_: str, **payload) -> str:
    return f"event: {type_}\ndata: " + json.dumps({"type": type_, **payload}, separators=(",", ":")) + "\n\n"


def anthropic(*events: str) -> str:
    return "".join(events)


GOOD_ANTHROPIC = [
    ev("message_start", message={"id": "msg_1", "role": "assistant", "content": []}),  # lines 0-1
    ev("content_block_start", index=0, content_block={"type": "text", "text": ""}),  # 3-4
    ev("ping"),  # 6-7
    ev("content_block_delta", index=0, delta={"type": "text_delta", "text": "Hi"}),  # 9-10
    ev("content_block_stop", index=0),  # 12-13
    ev("message_delta", delta={"stop_reason": "end_turn"}),  # 15-16
    ev("message_stop"),  # 18-19
]


def responses(*types_seq) -> str:
    return "".join(ev(t, sequence_number=n) for t, n in types_seq)


GOOD_RESPONSES = [("response.created", 0), ("response.in_progress", 1), ("response.output_text.delta", 2),
                  ("response.completed", 3)]


def gem(finish=None, usage_only=False) -> str:
    if usage_only:
        return 'data: {"usageMetadata":{"totalTokenCount":3}}\n\n'
    cand = {"content": {"parts": [{"text": "Hi"}], "role": "model"}}
    if finish:
        cand["finishReason"] = finish
    return "data: " + json.dumps({"candidates": [cand]}) + "\n\n"


def lint(lint_text, body, **kw):
    return mine(lint_text(stream_cassette(body, **kw), dedent=False))


# -- chat completions ---------------------------------------------------------------------------

def test_clean_streams_of_every_dialect_are_silent(lint_text):
    assert lint(lint_text, GOOD_CHAT) == []
    assert lint(lint_text, anthropic(*GOOD_ANTHROPIC), url=ANTHROPIC) == []
    assert lint(lint_text, responses(*GOOD_RESPONSES), url=RESPONSES) == []
    assert lint(lint_text, gem() + gem("STOP"), url=GEMINI) == []
    assert lint(lint_text, gem() + gem("STOP") + gem(usage_only=True), url=GEMINI) == []


def test_chat_cut_before_finish_reason_is_truncated(lint_text):
    body = chunk({"role": "assistant", "content": "Hel"}) + "\n\n" + chunk({"content": "lo"}) + "\n\n"
    f = lint(lint_text, body)
    assert at(f, "T001") == [(BODY + 2, 7)]
    assert "before any finish_reason" in f[0].message


def test_chat_finish_reason_without_done_is_a_warning(lint_text):
    body = chunk({"content": "Hi"}) + "\n\n" + chunk({}, "stop") + "\n\n"
    f = lint(lint_text, body)
    assert codes(f) == ["T002"] and at(f, "T002") == [(BODY + 2, 7)]
    assert str(f[0].severity) == "warning"


def test_finish_reason_is_found_however_the_chunk_is_written(lint_text):
    # content chunks are skipped by their text ("finish_reason":null, no "usage"); a finish_reason
    # written with spaces, escaped, or next to a quoted "finish_reason" value is still read
    content = chunk({"content": "finish_reason"}) + "\n\n"  # the word in a value, not a key
    spaced = chunk({}, "stop").replace('"finish_reason":"stop"', '"finish_reason" : "stop"')
    escaped = chunk({}, "stop").replace('"finish_reason"', '"\\u0066inish_reason"')
    for last in (spaced, escaped):
        assert last != chunk({}, "stop")
        assert codes(lint(lint_text, content + last + "\n\n")) == ["T002"]  # finished, no [DONE]
    assert codes(lint(lint_text, content)) == ["T001"]  # never finished


def test_chat_summary_reads_only_the_chunks_that_can_finish_the_stream(monkeypatch):
    # content chunks ("finish_reason": null, with or without the space) are not parsed again for the
    # summary: only the finish_reason chunk and the usage chunk are
    from cassette_lint.streams import sse
    from cassette_lint.rules import termination as T

    spaced = [json.dumps({"choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}]})] * 40
    last = [json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
            json.dumps({"choices": [], "usage": {"total_tokens": 3}}), "[DONE]"]
    text = "".join(f"data: {d}\n\n" for d in spaced + last)
    evs = sse.parse(text).dispatched
    calls = []
    real = sse.parse_json
    monkeypatch.setattr(sse, "parse_json", lambda t: calls.append(t) or real(t))
    assert T._chat_summary_of(evs, text) == (42, True, True)
    assert len(calls) == 2


def test_events_after_done(lint_text):
    body = GOOD_CHAT + chunk({"content": "late"}) + "\n\n"
    f = lint(lint_text, body)
    assert at(f, "T003") == [(BODY + 6, 7)]
    assert "1 event(s) after the final '[DONE]'" in f[0].message


def test_include_usage_requested_but_no_usage_chunk(lint_text):
    req = {"stream": True, "stream_options": {"include_usage": True}}
    f = lint(lint_text, GOOD_CHAT, request=req)
    assert at(f, "T004") == [(BODY + 4, 7)]
    with_usage = GOOD_CHAT.replace("data: [DONE]", 'data: {"object":"chat.completion.chunk","choices":[],'
                                   '"usage":{"total_tokens":3}}\n\ndata: [DONE]')
    assert lint(lint_text, with_usage, request=req) == []


def test_error_object_inside_a_chat_stream(lint_text):
    body = chunk({"content": "Hi"}) + "\n\n" + 'data: {"error":{"code":502,"message":"upstream died"}}\n\n'
    f = lint(lint_text, body)
    assert codes(f) == ["T009"]  # the error explains the end: not also "truncated"
    assert at(f, "T009") == [(BODY + 2, 7)]
    assert "upstream died" in f[0].message


def test_error_object_written_with_json_escapes_is_still_an_error(lint_text):
    # the cheap pre-test skips chunks without '"error"', unless an escape could spell it
    body = chunk({"content": "Hi"}) + "\n\n" + 'data: {"\\u0065rror":{"code":502,"message":"upstream died"}}\n\n'
    f = lint(lint_text, body)
    assert codes(f) == ["T009"] and "upstream died" in f[0].message


# -- Anthropic ------------------------------------------------------------------------------------

def test_anthropic_without_message_stop_is_truncated(lint_text):
    f = lint(lint_text, anthropic(*GOOD_ANTHROPIC[:-1]), url=ANTHROPIC)
    assert at(f, "T001") == [(BODY + 15, 7)]
    assert "not with message_stop" in f[0].message


def test_anthropic_without_message_start(lint_text):
    f = lint(lint_text, anthropic(*GOOD_ANTHROPIC[1:]), url=ANTHROPIC)
    assert at(f, "T006") == [(BODY, 7)]


def test_anthropic_block_left_open_and_delta_for_closed_block(lint_text):
    evs = GOOD_ANTHROPIC[:4] + GOOD_ANTHROPIC[5:]  # no content_block_stop
    f = lint(lint_text, anthropic(*evs), url=ANTHROPIC)
    assert at(f, "T007") == [(BODY + 15, 1 + 6)]
    assert "content block 0 (started on line" in f[0].message
    evs = GOOD_ANTHROPIC[:1] + GOOD_ANTHROPIC[3:]  # delta and stop without start
    f = lint(lint_text, anthropic(*evs), url=ANTHROPIC)
    assert at(f, "T007") == [(BODY + 3, 7), (BODY + 6, 7)]


def test_event_name_differs_from_payload_type(lint_text):
    bad = 'event: content_block_stop\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}\n\n'
    evs = GOOD_ANTHROPIC[:4] + [bad] + GOOD_ANTHROPIC[4:]
    f = lint(lint_text, anthropic(*evs), url=ANTHROPIC)
    assert at(f, "T008") == [(BODY + 12, 14)]


def test_anthropic_error_event_is_a_warning_not_truncation(lint_text):
    err = ev("error", error={"type": "overloaded_error", "message": "Overloaded"})
    f = lint(lint_text, anthropic(*GOOD_ANTHROPIC[:4], err), url=ANTHROPIC)
    assert codes(f) == ["T009"] and at(f, "T009") == [(BODY + 12, 7)]
    assert "overloaded_error, Overloaded" in f[0].message


# -- OpenAI Responses ----------------------------------------------------------------------------

def test_responses_without_completed_is_truncated(lint_text):
    f = lint(lint_text, responses(*GOOD_RESPONSES[:-1]), url=RESPONSES)
    assert at(f, "T001") == [(BODY + 6, 7)]


def test_responses_sequence_number_must_increase(lint_text):
    seq = GOOD_RESPONSES[:2] + [("response.output_text.delta", 1), ("response.completed", 3)]
    f = lint(lint_text, responses(*seq), url=RESPONSES)
    assert at(f, "T005") == [(BODY + 7, 7)]
    assert f[0].message.startswith("sequence_number 1 does not increase (previous event had 1): ")


def test_responses_incomplete_and_failed_are_ends(lint_text):
    for end in ("response.incomplete", "response.failed"):
        assert lint(lint_text, responses(*GOOD_RESPONSES[:-1], (end, 3)), url=RESPONSES) == []


# -- Gemini ---------------------------------------------------------------------------------------

def test_gemini_last_candidate_without_finish_reason(lint_text):
    f = lint(lint_text, gem() + gem(), url=GEMINI)
    assert at(f, "T001") == [(BODY + 2, 7)]
    assert "finishReason" in f[0].message


# -- Bedrock: the Anthropic events inside AWS event-stream frames -------------------------------------

def _bedrock_stream(events) -> tuple[str, bytes, list[int]]:
    """(cassette text, body bytes, byte offset of each frame)."""
    frames = [bedrock_chunk(e) for e in events]
    offsets = [sum(len(f) for f in frames[:i]) for i in range(len(frames))]
    data = b"".join(frames)
    return bedrock_cassette(data), data, offsets


def test_bedrock_complete_stream_is_silent(lint_text):
    text, _, _ = _bedrock_stream(BEDROCK_TOOL_EVENTS)
    assert mine(lint_text(text, dedent=False)) == []


def test_bedrock_stream_cut_before_message_stop_is_reported_at_its_last_frame(lint_text):
    text, data, offsets = _bedrock_stream(BEDROCK_TOOL_EVENTS[:-2])
    f = mine(lint_text(text, dedent=False))
    assert codes(f) == ["T001"] and "ends with 'content_block_stop'" in f[0].message
    assert (f[0].line, f[0].column) == base64_pos(text, data, offsets[-1])


def test_bedrock_exception_frame_is_a_stream_error_not_a_truncation(lint_text):
    throttled = aws_frame(json.dumps({"message": "Too many requests, please wait"}).encode(),
                          {":exception-type": "throttlingException", ":content-type": "application/json",
                           ":message-type": "exception"})
    head = b"".join(bedrock_chunk(e) for e in BEDROCK_TOOL_EVENTS[:2])
    data = head + throttled
    text = bedrock_cassette(data)
    f = mine(lint_text(text, dedent=False), "T")
    assert codes(f) == ["T009"] and "Too many requests" in f[0].message
    assert (f[0].line, f[0].column) == base64_pos(text, data, len(head))


def test_bedrock_block_stopped_twice_is_unbalanced(lint_text):
    events = BEDROCK_TOOL_EVENTS[:5] + [{"type": "content_block_stop", "index": 0}] + BEDROCK_TOOL_EVENTS[5:]
    text, data, offsets = _bedrock_stream(events)
    f = mine(lint_text(text, dedent=False))
    assert codes(f) == ["T007"]
    assert (f[0].line, f[0].column) == base64_pos(text, data, offsets[5])


def test_a_plain_text_answer_to_a_streamed_request_is_no_stream_and_gets_no_stream_finding(lint_text):
    """The dialect and the stream were only guessed (``"stream": true``, a 200, a body that is not
    JSON): without a single SSE field line it is no event stream, and no E/T/A rule speaks of it."""
    text = ("version: 2\ninteractions:\n- id: 0\n  request:\n    body: '{\"stream\": true}'\n"
            "    url: https://api.example.com/v1/chat/completions\n    method: POST\n"
            "  response:\n    body: |\n      {body}\n    headers:\n      Content-Type: [text/plain]\n"
            "    status: 200 OK\n    code: 200\n")
    plain = text.replace("{body}", "Hello there, this is plain text\n      and more of it")
    assert [f.rule for f in lint_text(plain, dedent=False) if f.rule[0] in "ETA"] == []
    # the same guess with a data line after a comment is a stream: its unterminated last event is reported
    sse = text.replace("{body}", ": keep-alive\n\n      data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n")
    assert "E003" in [f.rule for f in lint_text(sse, dedent=False)]
