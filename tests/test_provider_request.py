"""P004: request bodies' ``messages``/``input``/``contents`` and ``tools`` against the SDKs' pinned request
types, at the value's line and column in the request body."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, at, codes

CHAT = "https://api.openai.com/v1/chat/completions"
RESPONSES = "https://api.openai.com/v1/responses"
ANTHROPIC = "https://api.anthropic.com/v1/messages"
GEMINI = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
SCHEMAS = ROOT / "schemas" / "providers"

#: the column of a one-line request body's first character (``    body: '``)
COL = 12
#: the line of the request body in :func:`cassette`
BODY_LINE = 10


def label(name: str) -> str:
    doc = json.loads((SCHEMAS / name).read_text())
    return f"{doc['sdk']} {doc['sdk_version']} {doc['request_model']}"


def cassette(url: str, request, code: int = 200, block: bool = False) -> str:
    """One interaction; the request body on one line (``block``: pretty-printed, one value a line)."""
    if block:
        text = json.dumps(request, indent=2)
        body = "|-\n" + "\n".join("      " + ln for ln in text.split("\n"))
    else:
        body = "'" + json.dumps(request, separators=(",", ":")).replace("'", "''") + "'"
    return ("---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n"
            "    proto_minor: 1\n    content_length: -1\n"
            f"    body: {body}\n    headers: {{}}\n    url: {url}\n    method: POST\n  response:\n"
            "    proto: HTTP/2.0\n    proto_major: 2\n    proto_minor: 0\n    content_length: -1\n    body: '{}'\n"
            "    headers:\n      Content-Type:\n      - application/json\n"
            f"    status: {code} OK\n    code: {code}\n    duration: 1s\n")


def p004(lint_text, url, request, **kw):
    return [f for f in lint_text(cassette(url, request, **kw), dedent=False, select=("ALL", "P004"))
            if f.rule.startswith("P")]


def col(request, needle: str) -> int:
    return COL + json.dumps(request, separators=(",", ":")).index(needle)


TOOL = {"type": "function", "function": {"name": "add", "parameters": {"type": "object", "properties": {}}}}
CHAT_OK = {"model": "gpt-4o", "tools": [TOOL], "messages": [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": [{"type": "text", "text": "1+1?"}]},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "2"}]}
ANTHROPIC_OK = {"model": "claude", "max_tokens": 10, "messages": [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "add", "input": {}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "2"}]}],
    "tools": [{"name": "add", "input_schema": {"type": "object"}},
              {"type": "computer_20251124", "name": "computer", "display_width_px": 1, "display_height_px": 1}]}
RESPONSES_OK = {"model": "gpt-5", "input": [
    {"role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
    {"type": "function_call", "call_id": "c1", "name": "add", "arguments": "{}"},
    {"type": "function_call_output", "call_id": "c1", "output": "2"}],
    "tools": [{"type": "function", "name": "add", "parameters": {}, "strict": True}]}
GEMINI_OK = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]},
                          {"role": "model", "parts": [{"functionCall": {"name": "add", "args": {}}}]}],
             "tools": [{"functionDeclarations": [{"name": "add", "parameters": {
                 "type": "object", "properties": {"a": {"type": "integer"}}}}]}]}


@pytest.mark.parametrize("url,request_", [(CHAT, CHAT_OK), (ANTHROPIC, ANTHROPIC_OK), (RESPONSES, RESPONSES_OK),
                                          (GEMINI, GEMINI_OK), (RESPONSES, {"model": "gpt-5", "input": "Hi"})],
                         ids=["chat", "anthropic", "responses", "gemini", "responses-text"])
def test_requests_as_the_sdks_send_them_are_silent(lint_text, url, request_):
    # (Gemini's lower-case "object": google-genai's Type is a CaseInSensitiveEnum, as the API is)
    assert p004(lint_text, url, request_) == []


def test_tool_message_without_tool_call_id_is_reported_at_the_message(lint_text):
    bad = json.loads(json.dumps(CHAT_OK))
    del bad["messages"][3]["tool_call_id"]
    f = p004(lint_text, CHAT, bad)
    assert codes(f) == ["P004"] and str(f[0].severity) == "warning"
    assert at(f, "P004") == [(BODY_LINE, col(bad, '{"role":"tool"'))]
    assert "messages[3]: missing required field 'tool_call_id'" in f[0].message
    assert label("openai-chat.request.json") in f[0].message


def test_unknown_role_names_the_roles_the_sdk_knows(lint_text):
    bad = json.loads(json.dumps(CHAT_OK))
    bad["messages"][1]["role"] = "robot"
    f = p004(lint_text, CHAT, bad)
    assert at(f, "P004") == [(BODY_LINE, col(bad, '"robot"'))]
    assert 'messages[1].role: unknown role "robot" (expected one of "assistant", "developer", "function", ' \
           '"system", "tool", "user")' in f[0].message


def test_wrong_type_in_a_tool_definition_is_reported_at_the_value(lint_text):
    bad = json.loads(json.dumps(CHAT_OK))
    bad["tools"][0]["function"]["name"] = 7
    f = p004(lint_text, CHAT, bad)
    assert at(f, "P004") == [(BODY_LINE, col(bad, '7,"parameters"'))]
    assert "tools[0].function.name: expected string, got integer 7" in f[0].message


def test_anthropic_message_content_of_a_wrong_type_and_a_tool_without_a_name(lint_text):
    bad = json.loads(json.dumps(ANTHROPIC_OK))
    bad["messages"][0]["content"] = 5
    del bad["tools"][0]["name"]
    f = p004(lint_text, ANTHROPIC, bad)
    assert codes(f) == ["P004", "P004"]
    assert at(f, "P004") == [(BODY_LINE, col(bad, "5}")), (BODY_LINE, col(bad, '{"input_schema"'))]
    assert "messages[0].content: expected string or array, got integer 5" in f[0].message
    assert "tools[0]: missing required field 'name'" in f[1].message
    assert label("anthropic.request.json") in f[0].message


def test_responses_input_item_of_an_unknown_type(lint_text):
    bad = json.loads(json.dumps(RESPONSES_OK))
    bad["input"][1]["type"] = "function_cal"
    f = p004(lint_text, RESPONSES, bad)
    assert at(f, "P004") == [(BODY_LINE, col(bad, '"function_cal"'))]
    assert 'input[1].type: unknown type "function_cal" (expected one of ' in f[0].message
    assert label("openai-responses.request.json") in f[0].message


def test_gemini_parts_not_a_list_and_a_declaration_name_not_a_string(lint_text):
    bad = json.loads(json.dumps(GEMINI_OK))
    bad["contents"][0]["parts"] = {"text": "Hi"}
    bad["tools"][0]["functionDeclarations"][0]["name"] = ["add"]
    f = p004(lint_text, GEMINI, bad)
    assert at(f, "P004") == [(BODY_LINE, col(bad, '{"text":"Hi"}')), (BODY_LINE, col(bad, '["add"]'))]
    assert "contents[0].parts: expected array or null, got object (pinned" in f[0].message
    assert "tools[0].functionDeclarations[0].name: expected string or null, got array (pinned" in f[1].message
    assert label("gemini.request.json") in f[0].message


def test_missing_messages_of_a_chat_request(lint_text):
    f = p004(lint_text, CHAT, {"model": "gpt-4o", "tools": [TOOL]})
    assert at(f, "P004") == [(BODY_LINE, COL)] and "(top level): missing required field 'messages'" in f[0].message


def test_a_pretty_printed_body_is_reported_at_the_line_of_the_value(lint_text):
    bad = json.loads(json.dumps(CHAT_OK))
    bad["messages"][1]["content"][0]["text"] = 3
    text = cassette(CHAT, bad, block=True)
    f = [x for x in lint_text(text, dedent=False, select=("ALL", "P004")) if x.rule == "P004"]
    lines = text.split("\n")
    line = next(i for i, ln in enumerate(lines, 1) if ln.strip() == '"text": 3')
    assert at(f, "P004") == [(line, lines[line - 1].index("3") + 1)]


def test_a_rejected_request_a_non_create_call_and_another_endpoint_are_not_judged(lint_text):
    bad = {"model": "gpt-4o", "messages": [{"role": "robot", "content": "Hi"}]}
    assert p004(lint_text, CHAT, bad, code=400) == []  # the API's own verdict was recorded
    # an embeddings request looks like a Responses one ("input"), but the URL names another endpoint
    assert p004(lint_text, "https://api.openai.com/v1/embeddings", {"model": "e", "input": ["a", "b"]}) == []
    assert p004(lint_text, RESPONSES, {"previous_response_id": "resp_1"}) == []


def test_request_conformance_is_opt_in(lint_text):
    bad = {"model": "gpt-4o", "messages": [{"role": "robot", "content": "Hi"}]}
    assert [f for f in lint_text(cassette(CHAT, bad), dedent=False) if f.rule == "P004"] == []
    assert [f for f in lint_text(cassette(CHAT, bad), dedent=False, select=("P",)) if f.rule == "P004"] == []
    assert codes([f for f in lint_text(cassette(CHAT, bad), dedent=False, select=("ALL", "P004"))
                  if f.rule[0] == "P"]) == ["P004"]


# -- the pinned request schemas against the SDKs' own request types --------------------------------------

def _sdk_request_types():
    """pydantic validators of the SDKs' request ``TypedDict``s, cut to the fields P004 checks (strict:
    no coercion; lazily validated iterables consumed)."""
    import typing

    from pydantic import TypeAdapter
    from typing_extensions import TypedDict

    openai_chat = pytest.importorskip("openai.types.chat.completion_create_params")
    openai_responses = pytest.importorskip("openai.types.responses.response_create_params")
    anthropic_beta = pytest.importorskip("anthropic.types.beta.message_create_params")
    from cassette_lint.streams import dialects

    out = {}
    for d, tp, fields in [(dialects.CHAT, openai_chat.CompletionCreateParamsBase, ("messages", "tools")),
                          (dialects.RESPONSES, openai_responses.ResponseCreateParamsBase, ("input", "tools")),
                          (dialects.ANTHROPIC, anthropic_beta.MessageCreateParamsBase, ("messages", "tools"))]:
        hints = typing.get_type_hints(tp, include_extras=True)
        out[d] = (TypeAdapter(TypedDict("Request", {f: hints[f] for f in fields}, total=False)), fields)
    return out


def _sdk_type_accepts(adapter, fields, v: dict) -> bool:
    from pydantic import ValidationError

    def consume(x):
        if isinstance(x, dict):
            x = x.values()
        elif not isinstance(x, (list, tuple)) and not hasattr(x, "__next__"):
            return
        for y in x:
            consume(y)

    try:
        consume(adapter.validate_python({k: v[k] for k in fields if k in v}, strict=True))
    except ValidationError:
        return False
    return True


def test_pinned_request_schemas_judge_recorded_requests_and_mutations_as_the_sdk_types_do():
    # the request schemas come from the SDKs' TypedDicts: on every recorded create-call request of the
    # corpus (chat, Responses, Anthropic) and on each of its fields given a wrong type, the pinned schema
    # (its compiled check: test_provider's property test holds it equal to jsonschema's verdict) and
    # pydantic's validation of the SDK's own type agree
    import copy

    from cassette_lint.rules import provider
    from cassette_lint.streams import dialects
    from conftest import needs_shared
    from test_provider import _paths
    from test_provider_sdk_gemini import cassettes

    types = _sdk_request_types()
    requests: dict = {d: {} for d in types}
    for path, cassette in cassettes(needs_shared("corpus")):
        for it in cassette.http:
            d = dialects.dialect(it)
            v = it.request.json_body if it.request is not None else None
            if d in types and isinstance(v, dict) and provider._create_call(it, d) \
                    and any(k in v for k in types[d][1]):
                requests[d][json.dumps(v, sort_keys=True)] = (str(path), v)
    seen, disagree = {}, []
    for d, found in requests.items():
        p = provider.pinned(d, request=True)
        adapter, fields = types[d]
        for n, (path, v) in enumerate(found.values()):
            variants = [((), v)]
            for where in list(_paths(v))[1:50] if n < 30 else ():
                w = copy.deepcopy(v)
                parent = w
                for step in where[:-1]:
                    parent = parent[step]
                old = parent[where[-1]]
                parent[where[-1]] = {"x": 1} if isinstance(old, list) else [old]
                variants.append((where, w))
            for where, w in variants:
                ours = p.fast("request")(w)
                sdk = _sdk_type_accepts(adapter, fields, w)
                seen[(d, ours)] = seen.get((d, ours), 0) + 1
                if ours != sdk:
                    disagree.append((path, where, ours, sdk))
    assert disagree == [], disagree[:5]
    assert all(seen.get((d, False), 0) > 100 and seen.get((d, True), 0) > 20 for d in types), seen
