"""Provider-conformance rules (P…): events and bodies against the SDKs' pinned schemas, at the value's line."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cassette_lint.rules import provider
from cassette_lint.streams import dialects
from conftest import ROOT, at, bedrock_cassette, bedrock_chunk, codes
from test_event_stream import BODY, stream_cassette

ANTHROPIC = "https://api.anthropic.com/v1/messages"
RESPONSES = "https://api.openai.com/v1/responses"
GEMINI = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
SCHEMAS = ROOT / "schemas" / "providers"


def label(name: str) -> str:
    doc = json.loads((SCHEMAS / name).read_text())
    return f"{doc['sdk']} {doc['sdk_version']}"


def data(obj: dict) -> str:
    return "data: " + json.dumps(obj, separators=(",", ":"))


def chat(delta: dict | None = None, finish=None, choice: dict | None = None, **extra) -> str:
    ch = {"index": 0, "delta": delta or {}, "finish_reason": finish}
    ch.update(choice or {})
    d = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o", "choices": [ch]}
    d.update(extra)
    return data(d)


def chat_stream(*chunks: str) -> str:
    return "\n\n".join([*chunks, chat({}, "stop"), "data: [DONE]"]) + "\n\n"


def ev(type_: str, **payload) -> str:
    return f"event: {type_}\n" + data({"type": type_, **payload}) + "\n\n"


MESSAGE = {"id": "msg_1", "type": "message", "role": "assistant", "content": [], "model": "claude",
           "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 3, "output_tokens": 1}}


def anthropic(*middle: str) -> str:
    return "".join([ev("message_start", message=MESSAGE),
                    ev("content_block_start", index=0, content_block={"type": "text", "text": ""}),
                    ev("ping"),
                    *middle,
                    ev("content_block_stop", index=0),
                    ev("message_delta", delta={"stop_reason": "end_turn", "stop_sequence": None},
                       usage={"output_tokens": 2}),
                    ev("message_stop")])


def text_delta(text: str, **kw) -> str:
    return ev("content_block_delta", index=0, delta={"type": "text_delta", "text": text, **kw})


def p_only(findings):
    return [f for f in findings if f.rule.startswith("P")]


#: P002 and P003 are opt-in: every rule plus them, as a user selects them
ALL_P = ("ALL", "P002", "P003")


def lint(lint_text, body, **kw):
    return p_only(lint_text(stream_cassette(body, **kw), dedent=False, select=ALL_P))


def col(line: str, needle: str) -> int:
    """1-based file column of ``needle`` in a body line (the block is indented by 6 spaces)."""
    return 7 + line.index(needle)


# -- clean recordings are silent ------------------------------------------------------------------

RESPONSE = {"id": "resp_1", "object": "response", "created_at": 1, "model": "gpt-5", "output": [],
            "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "status": "completed"}


def responses_stream() -> str:
    return "".join([
        ev("response.created", sequence_number=0, response={**RESPONSE, "status": "in_progress"}),
        ev("response.output_text.delta", sequence_number=1, item_id="msg_1", output_index=0, content_index=0,
           delta="Hi", logprobs=[]),
        ev("response.completed", sequence_number=2, response=RESPONSE),
    ])


def test_conforming_streams_of_every_dialect_are_silent(lint_text):
    assert lint(lint_text, chat_stream(chat({"role": "assistant", "content": "Hi"}))) == []
    assert lint(lint_text, anthropic(text_delta("Hi")), url=ANTHROPIC) == []
    assert lint(lint_text, responses_stream(), url=RESPONSES) == []
    gem = data({"candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"}, "finishReason": "STOP"}],
                "usageMetadata": {"totalTokenCount": 3}}) + "\n\n"
    assert lint(lint_text, gem, url=GEMINI) == []


def test_unknown_fields_and_nulls_the_sdk_allows_are_silent(lint_text):
    # newer fields than the pinned SDK knows, and Optional fields sent as null: the SDKs accept both
    body = chat_stream(chat({"role": "assistant", "content": None, "refusal": None, "brand_new": [1]},
                            choice={"logprobs": None, "native_finish_reason": None}, usage=None,
                            system_fingerprint=None, provider="OpenRouter"))
    assert lint(lint_text, body) == []
    assert lint(lint_text, anthropic(text_delta("Hi", newer={"x": 1})), url=ANTHROPIC) == []


# -- P002: stream events ---------------------------------------------------------------------------

def test_chunk_choice_without_index_is_reported_at_the_choice(lint_text):
    bad = chat({"content": "Hi"})
    bad = bad.replace('"index":0,', "")
    body = chat_stream(bad)
    f = lint(lint_text, body)
    assert codes(f) == ["P002"]
    assert at(f, "P002") == [(BODY, col(bad, '{"delta"'))]
    assert "choices[0]: missing required field 'index'" in f[0].message
    assert label("openai-chat.json") in f[0].message and "ChatCompletionChunk" in f[0].message
    assert str(f[0].severity) == "warning"


def test_tool_call_index_as_a_string_is_a_wrong_type_at_the_value(lint_text):
    tc = {"index": "0", "id": "call_1", "type": "function", "function": {"name": "add", "arguments": "{}"}}
    bad = chat({"tool_calls": [tc]})
    body = chat_stream(chat({"role": "assistant"}), bad)
    f = lint(lint_text, body)
    assert at(f, "P002") == [(BODY + 2, col(bad, '"0"'))]
    assert 'choices[0].delta.tool_calls[0].index: expected integer, got string "0"' in f[0].message


def test_wrong_nested_discriminator_names_the_unknown_type(lint_text):
    bad = ev("content_block_delta", index=0, delta={"type": "text_deltx", "text": "Hi"})
    body = anthropic(bad)
    f = lint(lint_text, body, url=ANTHROPIC)
    line = body.split("\n").index(bad.split("\n")[1])
    assert at(f, "P002") == [(BODY + line, col(bad.split("\n")[1], '"text_deltx"'))]
    assert 'delta.type: unknown type "text_deltx"' in f[0].message
    assert '"text_delta"' in f[0].message and label("anthropic.json") in f[0].message


def test_missing_required_field_of_a_responses_event(lint_text):
    body = responses_stream().replace(',"output_index":0', "")
    f = lint(lint_text, body, url=RESPONSES)
    assert codes(f) == ["P002"]
    assert "missing required field 'output_index'" in f[0].message and "ResponseTextDeltaEvent" in f[0].message
    assert f[0].line == BODY + 4


def test_the_same_defect_in_many_events_is_one_finding_with_a_count(lint_text):
    chunks = [chat({"content": str(i)}).replace('"created":1', '"created":"1"') for i in range(5)]
    f = lint(lint_text, chat_stream(*chunks))
    assert codes(f) == ["P002"]
    assert f[0].line == BODY  # the first occurrence
    assert "created: expected integer" in f[0].message and f[0].message.endswith("(and 4 more like it)")


def test_a_second_data_line_holds_the_defect(lint_text):
    body = ('data: {"id":"c","object":"chat.completion.chunk","created":1,\n'
            'data: "model":"m","choices":[{"index":"0","delta":{}}]}\n\n') + chat_stream()
    f = lint(lint_text, body)
    assert at(f, "P002") == [(BODY + 1, 7 + len('data: "model":"m","choices":[{"index":'))]


def test_events_that_are_not_json_or_are_errors_are_left_to_e001_and_t009(lint_text):
    body = chat_stream('data: {"choices":[', data({"error": {"message": "overloaded"}}))
    assert lint(lint_text, body) == []
    body = anthropic(text_delta("Hi")) + 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error"}}\n\n'
    assert lint(lint_text, body, url=ANTHROPIC) == []


def test_azure_content_filter_chunks_the_sdk_skips_are_silent(lint_text):
    azure = data({"choices": [], "created": 0, "id": "", "model": "", "object": "",
                  "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}]})
    assert lint(lint_text, chat_stream(azure, chat({"content": "Hi"}))) == []


# -- P001: unknown event types ---------------------------------------------------------------------

def test_unknown_anthropic_event_type_is_reported_at_its_type_value(lint_text):
    bad = ev("content_block_deltas", index=0, delta={"type": "text_delta", "text": "Hi"})
    body = anthropic(bad)
    f = lint(lint_text, body, url=ANTHROPIC)
    data_line = bad.split("\n")[1]
    assert codes(f) == ["P001"]
    assert at(f, "P001") == [(BODY + body.split("\n").index(data_line), col(data_line, '"content_block_deltas"'))]
    assert "'content_block_deltas'" in f[0].message and label("anthropic.json") in f[0].message
    assert "content_block_delta," in f[0].message  # the known types are listed


def test_unknown_responses_event_type(lint_text):
    body = responses_stream().replace("response.output_text.delta", "response.output_text.delt")
    f = lint(lint_text, body, url=RESPONSES)
    assert codes(f) == ["P001"] and f[0].line == BODY + 4


def test_event_without_a_type_is_nonconforming_not_unknown(lint_text):
    body = anthropic(data({"index": 0, "delta": {"type": "text_delta", "text": "Hi"}}) + "\n\n")
    f = lint(lint_text, body, url=ANTHROPIC)
    assert codes(f) == ["P002"] and "missing required field 'type'" in f[0].message


def test_bedrock_frames_are_checked_at_their_base64_line(lint_text):
    events = [{"type": "message_start", "message": MESSAGE},
              {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
              {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 5}},
              {"type": "content_block_stop", "index": 0}, {"type": "message_stop"}]
    f = p_only(lint_text(bedrock_cassette(b"".join(bedrock_chunk(e) for e in events)), dedent=False, select=ALL_P))
    assert codes(f) == ["P002"] and "delta.text: expected string, got integer 5" in f[0].message


# -- P003: response bodies -------------------------------------------------------------------------

def body_cassette(url: str, body: dict, code: int = 200) -> str:
    text = json.dumps(body, separators=(",", ":")).replace("'", "''")
    return ("---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n"
            "    proto_minor: 1\n    content_length: -1\n    host: example.com\n    body: '{}'\n"
            f"    headers: {{}}\n    url: {url}\n    method: POST\n  response:\n    proto: HTTP/2.0\n"
            f"    proto_major: 2\n    proto_minor: 0\n    content_length: -1\n    body: '{text}'\n"
            "    headers:\n      Content-Type:\n      - application/json\n"
            f"    status: {code} OK\n    code: {code}\n    duration: 1s\n")


def test_anthropic_message_with_an_unknown_content_block_type(lint_text):
    msg = {**MESSAGE, "content": [{"type": "txt", "text": "Hi"}], "stop_reason": "end_turn"}
    text = body_cassette(ANTHROPIC, msg)
    f = p_only(lint_text(text, dedent=False, select=ALL_P))
    assert codes(f) == ["P003"]
    line = text.split("\n").index([ln for ln in text.split("\n") if "    body: '{\"id\"" in ln][0]) + 1
    assert at(f, "P003") == [(line, 12 + json.dumps(msg, separators=(",", ":")).index('"txt"'))]
    assert 'content[0].type: unknown type "txt"' in f[0].message and "Message" in f[0].message


def test_chat_completion_missing_its_message_and_a_valid_one(lint_text):
    good = {"id": "c", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hi"}}]}
    assert p_only(lint_text(body_cassette("https://api.openai.com/v1/chat/completions", good), dedent=False, select=ALL_P)) == []
    bad = {**good, "choices": [{"index": 0, "finish_reason": "stop"}]}
    f = p_only(lint_text(body_cassette("https://api.openai.com/v1/chat/completions", bad), dedent=False, select=ALL_P))
    assert codes(f) == ["P003"] and "choices[0]: missing required field 'message'" in f[0].message


def test_error_responses_are_not_checked_against_the_success_model(lint_text):
    err = {"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}}
    assert p_only(lint_text(body_cassette(ANTHROPIC, err, 400), dedent=False, select=ALL_P)) == []
    assert p_only(lint_text(body_cassette(ANTHROPIC, {"oops": 1}, 500), dedent=False, select=ALL_P)) == []


def test_bodies_of_other_calls_under_the_same_path_are_not_judged_as_the_create_calls(lint_text):
    # a stored-completions listing and a deletion under /chat/completions, an embeddings answer to a
    # body with "input" (which looks like a Responses request): not the SDK's create-call model
    chat = "https://api.openai.com/v1/chat/completions"
    listing = {"object": "list", "data": [], "has_more": False}
    for url, body, method in [(chat, listing, "GET"), (chat + "/chatcmpl-1", {"object": "chat.completion.deleted",
                              "id": "chatcmpl-1", "deleted": True}, "DELETE"),
                              ("https://api.openai.com/v1/embeddings", {"object": "list", "data": []}, "POST")]:
        text = body_cassette(url, body).replace("method: POST", f"method: {method}").replace(
            "body: '{}'", "body: '{\"input\": [\"a\"]}'")
        assert p_only(lint_text(text, dedent=False, select=ALL_P)) == [], url
    # a body that says what it is, under a URL of its own (a proxy), is judged
    bad = {"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": [{"index": 0}]}
    f = p_only(lint_text(body_cassette("https://proxy.example/llm", bad), dedent=False, select=ALL_P))
    assert codes(f) == ["P003"]


# -- the pinned schemas ----------------------------------------------------------------------------

#: the pinned files of stream events and responses, and those of request bodies (P004)
EVENT_FILES = ["openai-chat.json", "openai-responses.json", "anthropic.json", "gemini.json"]
ALL_FILES = EVENT_FILES + [n.replace(".json", ".request.json") for n in EVENT_FILES]


def test_every_pinned_file_is_known():
    assert sorted(p.name for p in SCHEMAS.glob("*.json")) == sorted(ALL_FILES)


@pytest.mark.parametrize("name", ALL_FILES)
def test_pinned_schemas_name_their_sdk_and_allow_unknown_fields(name):
    doc = json.loads((SCHEMAS / name).read_text())
    assert doc["sdk"] in ("openai", "anthropic", "google-genai") and re.fullmatch(r"\d+\.\d+\.\d+.*", doc["sdk_version"])
    subs = [sub for _, sub in _walk(doc)]
    assert len(subs) > 50
    assert not [s for s in subs if s.get("additionalProperties") is False]
    assert not [s for s in subs if {"description", "title", "default"} & set(s)]  # trimmed


def _walk(x, key=None):
    if isinstance(x, dict):
        yield key, x
        for k, v in x.items():
            if k == "properties":
                for name, sub in v.items():
                    yield from _walk(sub, name)
            else:
                yield from _walk(v, key if k in ("anyOf", "items", "$defs") else None)
    elif isinstance(x, list):
        for v in x:
            yield from _walk(v, key)


@pytest.mark.parametrize("name", ALL_FILES)
def test_every_root_of_every_pinned_schema_compiles_to_the_fast_check(name):
    # at run time definitions compile lazily, on first use: here every one, eagerly (an unsupported
    # keyword would raise Unsupported)
    from cassette_lint.schema import _compile

    p = provider.pinned(json.loads((SCHEMAS / name).read_text())["dialect"], request=".request." in name)
    roots = [r for r in provider.ROOTS if p.schema(r)] + list(p.events)
    assert roots == ["request"] if ".request." in name else "request" not in roots
    refs: dict = {}
    assert roots and all(callable(_compile(p.schema(r), p.doc, refs)) for r in roots)
    assert len(refs) == len(p.doc["$defs"])  # every definition is reached


def test_no_pinned_schema_constrains_an_integer_value():
    # events alike once integers are blanked are checked once per body: exact only while no schema
    # constrains an integer's value (a string's value is kept when its key is constrained anywhere)
    for path in SCHEMAS.glob("*.json"):
        for key, sub in _walk(json.loads(path.read_text())):
            if sub.get("type") == "integer":
                assert not ({"const", "enum", "minimum", "maximum", "multipleOf"} & set(sub)), (path.name, key, sub)
            if isinstance(sub.get("additionalProperties"), dict):  # map values: their keys are not names
                assert not ({"const", "enum", "pattern"} & set(sub["additionalProperties"])), (path.name, key)


def constrained_keys(doc: dict) -> set[str]:
    """An independent reading of which property names' string values the schemas of stream events
    (``stream``, ``events``: what shapes tell apart) constrain, through every definition they reach."""
    defs = doc["$defs"]
    found: set[str] = set()
    todo = [doc[k] for k in ("stream", "events") if k in doc]
    reached: set = set()
    while todo:
        for _, sub in _walk(todo.pop()):
            ref = sub.get("$ref")
            if ref and ref not in reached:
                reached.add(ref)
                todo.append(defs[ref.rsplit("/", 1)[-1]])
            for name, prop in (sub.get("properties") or {}).items():
                stack, seen = [prop], set()
                while stack:
                    x = stack.pop()
                    if not isinstance(x, dict) or id(x) in seen:
                        continue
                    seen.add(id(x))
                    if {"const", "enum", "pattern", "minLength", "maxLength"} & set(x):
                        found.add(name)
                        break
                    if "$ref" in x:
                        stack.append(defs[x["$ref"].rsplit("/", 1)[-1]])
                    stack.extend(x.get("anyOf") or ())
    return found


@pytest.mark.parametrize("name", EVENT_FILES)
def test_the_constrained_keys_each_pinned_schema_lists_are_all_there_are(name):
    # shapes keep the string values of these keys and blank all others: a missing key would merge a
    # valid event with an invalid one
    doc = json.loads((SCHEMAS / name).read_text())
    assert set(doc["constrained"]) == constrained_keys(doc)
    assert "type" in doc["constrained"] or name == "gemini.json"  # (Gemini's payloads have no discriminator)


def test_shape_blanks_unconstrained_values_and_keeps_constrained_ones():
    shape = provider.shape_function(dialects.ANTHROPIC)
    a = '{"type":"content_block_delta","index":3,"delta":{"type":"text_delta","text":"Hello there"}     }'
    b = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}'
    c = '{"type":"content_block_delta","index":0,"delta":{"type":"text_deltx","text":"x"}}'
    d = '{"type":"content_block_delta","index":"0","delta":{"type":"text_delta","text":"x"}}'
    e = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":5}}'
    f = '{"\\u0074ype":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}'
    assert shape(a) == shape(b)
    assert len({shape(b), shape(c), shape(d), shape(e), shape(f)}) == 5
    assert shape(f) == f  # a key spelled with an escape: nothing is blanked
    escaped = b.replace('"x"', '"a\\"b"')  # a value with an escape is kept as it is (never merged wrongly)
    assert shape(escaped) == escaped
    chat = provider.shape_function(dialects.CHAT)
    one = '{"id":"c1","choices":[{"index":0,"delta":{"reasoning_content":"The"},"finish_reason":null}]}'
    assert chat(one) == chat(one.replace('"The"', '" user wants"').replace("c1", "c2"))
    assert chat(one) != chat(one.replace("null", '"stop"')) != chat(one.replace("null", '"eos"'))


def test_generator_reproduces_the_pinned_schemas_from_the_installed_sdks():
    import importlib.metadata
    import subprocess
    import sys

    for name in ("openai-chat.json", "anthropic.json", "gemini.json"):
        doc = json.loads((SCHEMAS / name).read_text())
        try:
            installed = importlib.metadata.version(doc["sdk"])
        except importlib.metadata.PackageNotFoundError:
            if doc["sdk"] == "google-genai":
                continue  # (not in the test extra: the script leaves gemini.json as it is)
            pytest.skip(f"{doc['sdk']} is not installed (the test extra)")
        if installed != doc["sdk_version"]:
            pytest.skip(f"{doc['sdk']} {installed} installed, schemas pinned at {doc['sdk_version']}")
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_provider_schemas.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_rule_documentation_is_printed(tmp_path):
    from click.testing import CliRunner

    from cassette_lint.cli import main

    out = CliRunner().invoke(main, ["rules", "P002"]).output
    assert "ChatCompletionChunk" in out and "FAIL" in out and "PASS" in out


def test_conforming_streams_are_judged_without_importing_jsonschema_and_defects_by_it(tmp_path):
    # the pre-commit case: the compiled check accepts conforming events without importing jsonschema
    # (whose import costs more than the whole check); a rejected event is judged by jsonschema
    import subprocess
    import sys

    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(stream_cassette(anthropic(text_delta("Hi")), url=ANTHROPIC) + "\n", "utf-8")
    bad.write_text(stream_cassette(anthropic(text_delta("Hi").replace('"index":0,', "")), url=ANTHROPIC), "utf-8")
    probe = ("import sys; from cassette_lint import discovery, pipeline; from cassette_lint.options import Options; "
             "r = pipeline.check_file(discovery.Target(sys.argv[1], explicit=True), Options(select=('ALL', 'P002', 'P003', 'P004'))); "
             "print(sorted({f.rule for f in r.findings}), 'jsonschema' in sys.modules)")
    out = [subprocess.run([sys.executable, "-c", probe, str(p)], capture_output=True, text=True, check=True).stdout
           for p in (good, bad)]
    assert out == ["[] False\n", "['P002', 'T007'] True\n"]  # (T007: the delta's block is unknown)


def _paths(v, path=()):
    yield path
    if isinstance(v, dict):
        for k, x in v.items():
            yield from _paths(x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _paths(x, path + (i,))


def _mutated(v, path, how):
    """A deep copy of ``v`` with the value at ``path`` dropped, given a wrong JSON type, or renamed."""
    w = json.loads(json.dumps(v))
    parent = w
    for p in path[:-1]:
        parent = parent[p]
    key = path[-1]
    old = parent[key]
    if how == "drop":
        if isinstance(parent, list):
            return None
        del parent[key]
    elif how == "retype":
        parent[key] = {"x": 1} if isinstance(old, list) else [old]
    elif how == "rename" and isinstance(old, str) and key == "type":
        parent[key] = old + "x"
    else:
        return None
    return w


EXAMPLES = [
    (dialects.CHAT, "stream", json.loads(chat({"role": "assistant", "tool_calls": [
        {"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]})[6:])),
    (dialects.ANTHROPIC, "content_block_delta",
     {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}),
    (dialects.ANTHROPIC, "message_start", {"type": "message_start", "message": MESSAGE}),
    (dialects.ANTHROPIC, "response", {**MESSAGE, "content": [{"type": "text", "text": "Hi"},
                                                             {"type": "tool_use", "id": "t", "name": "f", "input": {}}]}),
    (dialects.RESPONSES, "response.output_text.delta", json.loads(responses_stream().split("\n")[4][6:])),
    (dialects.RESPONSES, "response.completed", json.loads(responses_stream().split("\n")[7][6:])),
]


from test_provider_request import ANTHROPIC_OK, CHAT_OK, GEMINI_OK, RESPONSES_OK  # noqa: E402

#: conforming request bodies (P004's roots: a file of their own per dialect)
REQUESTS = [(dialects.CHAT, "request", CHAT_OK), (dialects.ANTHROPIC, "request", ANTHROPIC_OK),
            (dialects.RESPONSES, "request", RESPONSES_OK), (dialects.GEMINI, "request", GEMINI_OK)]


def _pin(d: str, root: str):
    return provider.pinned(d, request=root == "request")


#: JSON values, with the discriminators and names the schemas test for (so that mutations also hit
#: the branches of unions, not only their type checks)
_WORDS = st.sampled_from(["type", "role", "index", "text", "text_delta", "user", "assistant", "tool",
                          "function", "message", "content", "name", "parts", "0"])
_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2, 2) | st.floats(-1.5, 1.5) | _WORDS | st.text(max_size=3),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(_WORDS, c, max_size=3), max_leaves=6)


@given(st.data())
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_compiled_check_accepts_exactly_what_jsonschema_accepts(data):
    # the property behind "jsonschema decides every finding": the compiled fast check (which alone
    # runs on conforming values) never accepts a value jsonschema rejects, nor rejects one it accepts;
    # and the findings of a rejected value are jsonschema's errors (none when it accepts)
    d, root, value = data.draw(st.sampled_from(EXAMPLES + REQUESTS))
    p = _pin(d, root)
    path = data.draw(st.sampled_from(list(_paths(value))[1:]))
    w = json.loads(json.dumps(value))
    parent = w
    for step in path[:-1]:
        parent = parent[step]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(_JSON)
    valid = p.validator(root).is_valid(w)
    assert p.fast(root)(w) == valid, (root, path, w)
    assert bool(provider._defects(p, root, w)) != valid


def test_jsonschema_decides_every_finding_the_compiled_check_proposes(lint_text, monkeypatch):
    # a compiled check that rejected everything would report nothing by itself: jsonschema's validator
    # has the last word, so conforming streams and bodies stay silent and a real defect is still found
    monkeypatch.setattr(provider.Pinned, "fast", lambda self, root: lambda v: False)
    provider._GOOD.clear()
    assert lint(lint_text, anthropic(text_delta("Hi")), url=ANTHROPIC) == []
    assert lint(lint_text, responses_stream(), url=RESPONSES) == []
    f = lint(lint_text, anthropic(text_delta("Hi").replace('"index":0,', "")), url=ANTHROPIC)
    assert codes(f) == ["P002"] and "missing required field 'index'" in f[0].message
    provider._GOOD.clear()


@pytest.mark.parametrize("d,root,value", EXAMPLES + REQUESTS, ids=[e[1] + "-" + e[0] for e in EXAMPLES + REQUESTS])
def test_verdicts_and_explanations_agree_with_jsonschema_for_every_mutated_field(d, root, value):
    # the compiled check and the explainer stand in for jsonschema at run time: for every field of a
    # conforming payload dropped, given a wrong JSON type or (a discriminator) renamed, jsonschema
    # (Draft 2020-12, the schema's own $defs) must give the same verdict, and the explanation must
    # point at the mutated place (or the object missing it)
    import jsonschema

    p = _pin(d, root)
    js = jsonschema.Draft202012Validator(dict(p.schema(root), **{"$defs": p.doc["$defs"]}))
    js.check_schema(js.schema)
    assert p.fast(root)(value) and js.is_valid(value)
    n = 0
    for path in list(_paths(value))[1:]:
        for how in ("drop", "retype", "rename"):
            w = _mutated(value, path, how)
            if w is None:
                continue
            n += 1
            ours = p.fast(root)(w)
            assert ours == js.is_valid(w), (path, how)
            if not ours:
                where = [dp for dp, _ in provider._defects(p, root, w)]
                assert where and any(path[:len(x)] == x or x[:len(path)] == path for x in where), (path, how, where)
    assert n > 5


def test_conformance_of_events_and_bodies_is_opt_in_and_unknown_types_are_not(lint_text):
    """P002/P003 run only when selected by code (the SDKs construct without validating: drift breaks
    nothing); P001 runs by default."""
    bad = chat_stream(chat({"content": "Hi"}).replace('"index":0,', ""))
    assert [f.rule for f in lint_text(stream_cassette(bad), dedent=False) if f.rule[0] == "P"] == []
    assert [f.rule for f in lint_text(stream_cassette(bad), dedent=False, select=("P",)) if f.rule[0] == "P"] == []
    assert [f.rule for f in lint_text(stream_cassette(bad), dedent=False, select=ALL_P) if f.rule[0] == "P"] == ["P002"]
    unknown = anthropic(ev("content_block_deltas", index=0, delta={"type": "text_delta", "text": "Hi"}))
    assert "P001" in [f.rule for f in lint_text(stream_cassette(unknown, url=ANTHROPIC), dedent=False)]
