"""Severity follows consequence, families E, T, A and K (issue #15).

Every rule documents its ``Consequence`` (test_consequences.py checks it); a representative finding of each says what
happens on replay and names the client (or, for a secret, that no replaying library changes the leak).
For the stream rules the claim is proven with the real SDKs: each case's recorded body is fed to the
SDK's own stream code (openai-python's ``Stream`` decoder with ``ChatCompletionStreamState`` /
``ResponseStreamState``, anthropic's decoder with ``accumulate_event``: the harness of
``test_provider_sdk.py``), and the finding is an **error** exactly when the client fails: the SDK
raises, or hands the code under test tool-call arguments that it cannot decode or a call it cannot
dispatch. A warning means the SDK replays the body without an error.
"""

from __future__ import annotations

import json
import re

import pytest

from cassette_lint import rules as registry
from conftest import aws_frame, bedrock_cassette, codes
from test_event_stream import CHAT_URL, GOOD_CHAT, chunk, stream_cassette
from test_termination import ANTHROPIC, GOOD_ANTHROPIC, RESPONSES, ev

pytest.importorskip("openai", reason="the test extra installs the openai SDK")
pytest.importorskip("anthropic", reason="the test extra installs the anthropic SDK")

from cassette_lint.streams import dialects  # noqa: E402
from test_provider_sdk import sdk_verdict  # noqa: E402

FAMILIES = ("event_stream", "termination", "tool_calls", "secrets")

#: the clients and libraries a message may name (a stream rule names the client; a secret rule that
#: the leak does not depend on the replaying library)
CLIENT = re.compile(r"openai-python|anthropic's|google-genai|ollama-python|botocore|httpx-sse|EventSource|"
                    r"SSE decoders|every SSE decoder|go-vcr|vcrpy|Ruby VCR|ruby-vcr|matcher|"
                    r"whatever library replays")


def family_rules():
    return [r for r in registry.all_rules() if r.family in FAMILIES]


# -- bodies the SDKs read --------------------------------------------------------------------------

def _chat(*parts: str) -> str:
    return "".join(p + "\n\n" for p in parts)


def _tc(args, id_="c1", name="add", index=0):
    call = {"index": index, "type": "function", "function": {"arguments": args}}
    if id_:
        call["id"] = id_
    if name:
        call["function"]["name"] = name
    return chunk({"tool_calls": [call]})


TOOL_REQ = {"stream": True, "tools": [{"type": "function", "function": {
    "name": "add", "parameters": {"type": "object", "required": ["a", "b"],
                                  "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}}}]}
TOOL_END = chunk({}, "tool_calls") + "\n\ndata: [DONE]\n\n"

_MSG = {"id": "msg_1", "type": "message", "role": "assistant", "content": [], "model": "m",
        "stop_reason": None, "usage": {"input_tokens": 1, "output_tokens": 0}}
A_START = ev("message_start", message=_MSG)
A_END = ev("message_delta", delta={"stop_reason": "end_turn"}, usage={"output_tokens": 2}) + ev("message_stop")


def a_text(i, text):
    return ev("content_block_delta", index=i, delta={"type": "text_delta", "text": text})


def a_start(i, block=None):
    return ev("content_block_start", index=i, content_block=block or {"type": "text", "text": ""})


A_TOOL_REQ = {"stream": True, "tools": [{"name": "add", "input_schema": TOOL_REQ["tools"][0]["function"]["parameters"]}]}


def a_tool(*partials):
    return (A_START + a_start(0, {"type": "tool_use", "id": "tu_1", "name": "add", "input": {}})
            + "".join(ev("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": p})
                      for p in partials)
            + ev("content_block_stop", index=0) + A_END)


def _resp(status, output=()):
    return {"id": "resp_1", "object": "response", "created_at": 1, "status": status, "model": "m",
            "output": list(output), "parallel_tool_calls": True, "tool_choice": "auto", "tools": []}


_ITEM = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "add", "arguments": "",
         "status": "in_progress"}
_DONE_ITEM = {**_ITEM, "arguments": '{"a":2,"b":3}', "status": "completed"}


def responses(deltas=('{"a":2,', '"b":3}'), done='{"a":2,"b":3}', completed=True, seq=None, start=True):
    """An OpenAI Responses stream with one function call; ``seq`` overrides the sequence numbers."""
    evs = []
    if start:
        evs.append(("response.created", {"response": _resp("in_progress")}))
    evs.append(("response.output_item.added", {"output_index": 0, "item": _ITEM}))
    evs += [("response.function_call_arguments.delta", {"item_id": "fc_1", "output_index": 0, "delta": d})
            for d in deltas]
    evs.append(("response.function_call_arguments.done", {"item_id": "fc_1", "output_index": 0, "arguments": done}))
    evs.append(("response.output_item.done", {"output_index": 0, "item": _DONE_ITEM}))
    if completed:
        evs.append(("response.completed", {"response": _resp("completed", [_DONE_ITEM])}))
    seq = seq or list(range(len(evs)))
    return "".join(ev(t, sequence_number=n, **p) for (t, p), n in zip(evs, seq))


RESPONSES_REQ = {"stream": True, "tools": [{"type": "function", "name": "add",
                                            "parameters": TOOL_REQ["tools"][0]["function"]["parameters"]}]}

CHAT, ANTH, RESP = dialects.CHAT, dialects.ANTHROPIC, dialects.RESPONSES

#: (id, code, expected severity, dialect, url, request, body). Each body has the one defect.
STREAM_CASES = [
    ("E001-chat", "E001", "error", CHAT, CHAT_URL, None,
     _chat(chunk({"content": "Hi"}), 'data: {"object":"chat.completion.chunk","choices":[}') + GOOD_CHAT),
    ("E002-joined-json", "E002", "error", CHAT, CHAT_URL, None,
     chunk({"content": "Hi"}) + "\n" + GOOD_CHAT),
    ("E002-second-event-line", "E002", "warning", ANTH, ANTHROPIC, None,
     A_START + a_start(0) + "event: content_block_delta\n" + a_text(0, "Hi") + ev("content_block_stop", index=0)
     + A_END),
    ("E003-done", "E003", "warning", CHAT, CHAT_URL, None, GOOD_CHAT[:-1]),
    ("E003-last-chunk", "E003", "warning", CHAT, CHAT_URL, None,
     _chat(chunk({"role": "assistant", "content": "Hi"})) + chunk({}, "stop") + "\n"),
    ("E003-message-stop", "E003", "warning", ANTH, ANTHROPIC, None,
     (A_START + a_start(0) + a_text(0, "Hi") + ev("content_block_stop", index=0) + A_END)[:-1]),
    ("E003-response-completed", "E003", "error", RESP, RESPONSES, RESPONSES_REQ, responses()[:-1]),
    ("E004", "E004", "warning", CHAT, CHAT_URL, None,
     _chat(chunk({"content": "Hi"}), 'dta: {"object":"chat.completion.chunk","choices":[]}') + GOOD_CHAT),
    ("T001-chat", "T001", "warning", CHAT, CHAT_URL, None, _chat(chunk({"role": "assistant", "content": "Hel"}))),
    ("T001-anthropic", "T001", "warning", ANTH, ANTHROPIC, None, A_START + a_start(0) + a_text(0, "Hel")),
    ("T001-responses", "T001", "error", RESP, RESPONSES, RESPONSES_REQ, responses(completed=False)),
    ("T002", "T002", "warning", CHAT, CHAT_URL, None, GOOD_CHAT.replace("data: [DONE]\n\n", "")),
    ("T003-chat", "T003", "warning", CHAT, CHAT_URL, None, GOOD_CHAT + _chat(chunk({"content": "more"}))),
    ("T003-anthropic", "T003", "warning", ANTH, ANTHROPIC, None,
     A_START + a_start(0) + a_text(0, "Hi") + ev("content_block_stop", index=0) + A_END + a_text(0, "!")),
    ("T004", "T004", "warning", CHAT, CHAT_URL, {"stream": True, "stream_options": {"include_usage": True}},
     GOOD_CHAT),
    ("T005", "T005", "warning", RESP, RESPONSES, RESPONSES_REQ, responses(seq=[0, 1, 2, 2, 4, 5, 6])),
    ("T006-anthropic", "T006", "error", ANTH, ANTHROPIC, None,
     a_start(0) + a_text(0, "Hi") + ev("content_block_stop", index=0) + A_END),
    ("T006-responses", "T006", "error", RESP, RESPONSES, RESPONSES_REQ, responses(start=False)),
    ("T007-never-started", "T007", "error", ANTH, ANTHROPIC, None,
     A_START + a_text(0, "Hi") + ev("content_block_stop", index=0) + A_END),
    ("T007-started-twice", "T007", "warning", ANTH, ANTHROPIC, None,
     A_START + a_start(0) + a_text(0, "Hi") + a_start(0) + ev("content_block_stop", index=0) + A_END),
    ("T007-after-stop", "T007", "warning", ANTH, ANTHROPIC, None,
     A_START + a_start(0) + ev("content_block_stop", index=0) + a_text(0, "Hi") + A_END),
    ("T007-open-at-stop", "T007", "warning", ANTH, ANTHROPIC, None, A_START + a_start(0) + a_text(0, "Hi") + A_END),
    ("T008", "T008", "warning", ANTH, ANTHROPIC, None,
     A_START + a_start(0) + a_text(0, "Hi").replace("event: content_block_delta", "event: content_block_stop")
     + ev("content_block_stop", index=0) + A_END),
    ("A001-chat", "A001", "error", CHAT, CHAT_URL, TOOL_REQ, _chat(_tc('{"a":2,"b"')) + TOOL_END),
    ("A001-anthropic-cut", "A001", "warning", ANTH, ANTHROPIC, A_TOOL_REQ, a_tool('{"a":2,', '"b":3')),
    ("A001-anthropic-invalid", "A001", "error", ANTH, ANTHROPIC, A_TOOL_REQ, a_tool('{"a" 2}')),
    ("A002", "A002", "warning", RESP, RESPONSES, RESPONSES_REQ, responses(deltas=('{"a":2',))),
    ("A003-never", "A003", "error", CHAT, CHAT_URL, TOOL_REQ, _chat(_tc('{"a":2,"b":3}', id_=None, name=None))
     + TOOL_END),
    ("A003-later", "A003", "warning", CHAT, CHAT_URL, TOOL_REQ,
     _chat(_tc('{"a":2,', id_=None, name=None), _tc('"b":3}')) + TOOL_END),
    ("A004", "A004", "warning", CHAT, CHAT_URL, TOOL_REQ, _chat(_tc('{"a":2,"b":3}', name="multiply")) + TOOL_END),
    ("A005", "A005", "warning", CHAT, CHAT_URL, TOOL_REQ, _chat(_tc('{"a":2}')) + TOOL_END),
]


def client_fails(v) -> bool:
    """The SDK raises, or hands the code under test a tool call it cannot use: arguments that are not a
    JSON object (openai-python passes them through as text) or a call without an id or a name."""
    return v[0] == "fails" or any(not isinstance(c[3], dict) or not c[1] or not c[2] for c in v[2])


def _finding(lint_text, code, url, request, body):
    found = lint_text(stream_cassette(body, url=url, request=request), dedent=False)
    mine = [f for f in found if f.rule == code]
    assert mine, (code, [(f.rule, f.message) for f in found])
    return mine[0]


@pytest.mark.parametrize("case", STREAM_CASES, ids=lambda c: c[0])
def test_a_stream_finding_is_an_error_exactly_when_the_sdk_fails_on_the_body(lint_text, case):
    _, code, severity, d, url, request, body = case
    f = _finding(lint_text, code, url, request, body)
    assert CLIENT.search(f.message), f.message  # the message names the client it assumes
    assert str(f.severity) == severity, f.message
    v = sdk_verdict(d, body)
    assert client_fails(v) == (severity == "error"), v


def test_an_error_event_is_a_warning_although_the_sdk_raises_as_it_did_when_recorded(lint_text):
    # the one documented exception: replay reproduces the provider's failure, which the test was
    # written against (T009's consequence section)
    body = A_START + a_start(0) + ev("error", error={"type": "overloaded_error", "message": "Overloaded"})
    f = _finding(lint_text, "T009", ANTHROPIC, None, body)
    assert str(f.severity) == "warning" and "raises APIStatusError on replay, as when it was recorded" in f.message
    assert sdk_verdict(ANTH, body)[0] == "fails"
    chat = _chat(chunk({"content": "Hi"}), 'data: {"error":{"message":"overloaded","type":"server_error"}}')
    f = _finding(lint_text, "T009", CHAT_URL, None, chat)
    assert str(f.severity) == "warning" and "openai-python's Stream raises APIError" in f.message
    assert sdk_verdict(CHAT, chat)[0] == "fails"


# -- the rules no installed SDK reads: the message names the client ------------------------------------

def _bedrock_truncated():
    return bedrock_cassette(aws_frame(b'{"bytes":"e30="}')[:-6])


def _ollama_broken():
    from test_ndjson import cassette, chunk as ollama_chunk

    return cassette([ollama_chunk("Hi"), '{"model":"llama3.2","message":{"role":"assis', ollama_chunk("", done=True)])


def _replay_mismatch():
    from test_tool_calls import _pair

    return _pair('{"a":2,"b":3}', '{"a":2,"b":4}')


def _secret_cases():
    import test_secrets as T

    key = {code: k for code, k in T.KEYS.values()}
    header = {code: T.cassette(req_headers={"Authorization": "Bearer " + k}) for code, k in key.items()}
    pem = "\\n".join([T.PEM_BEGIN, *T.PEM_BODY, T.PEM_END]) + "\\n"
    return {
        **header,
        "K010": T.cassette(resp_body="'" + json.dumps({"Credentials": {"SecretAccessKey": T.AWS_SECRET}}) + "'"),
        "K014": T.cassette(req_body="'{\"private_key\":\"" + pem + "\"}'"),
        "K020": T.cassette(req_headers={"X-Api-Key": T.rnd(32, "0123456789abcdef")}),
        "K021": T.cassette(req_headers={"Cookie": "sessionid=" + T.rnd(32, T.URLSAFE)}),
        "K022": T.cassette(resp_headers={"Openai-Organization": "org-" + T.rnd(24)}),
        "K023": T.cassette(url="https://api.example.com/v1/data?access_token=" + T.rnd(32, T.URLSAFE)),
        "K024": T.cassette(url=f"https://deploy:{T.rnd(16)}@registry.example.com/v2/"),
    }


OTHER_CASES = {"E005": _bedrock_truncated, "E006": _ollama_broken, "A006": _replay_mismatch}


def test_every_rule_of_the_families_has_a_representative_case():
    covered = {c[1] for c in STREAM_CASES} | {"T009"} | set(OTHER_CASES) | set(_secret_cases())
    assert {r.code for r in family_rules()} <= covered


@pytest.mark.parametrize("code", [*OTHER_CASES, *sorted(_secret_cases())])
def test_a_representative_finding_names_the_client_or_library(lint_text, code):
    text = OTHER_CASES[code]() if code in OTHER_CASES else _secret_cases()[code]
    found = lint_text(text, dedent=False, select=("ALL", code))
    mine = [f for f in found if f.rule == code]
    assert mine, (code, codes(found))
    assert CLIENT.search(mine[0].message), mine[0].message
    if code[0] == "K":
        assert "revoke" in mine[0].message or code in ("K021", "K022")
        assert str(mine[0].severity) == ("warning" if code in ("K021", "K022") else "error")
