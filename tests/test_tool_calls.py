"""Tool-call rules (A…): reassembly, JSON validity, declared schemas, replay across interactions."""

from __future__ import annotations

import json

from conftest import BEDROCK_TOOL_EVENTS, FIXTURES, at, base64_pos, bedrock_cassette, bedrock_chunk, codes, lint_file
from test_event_stream import BODY, CHAT_URL, mine, stream_cassette
from test_termination import ANTHROPIC, GOOD_ANTHROPIC, RESPONSES, ev

ADD = {"type": "function", "function": {"name": "add", "parameters": {
    "type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}}}
REQ = {"stream": True, "tools": [ADD]}


def tc_chunk(args: str | None, first: bool = False, index: int = 0, **over) -> str:
    tc = {"index": index, "function": {"arguments": args}}
    if first:
        tc.update(id=f"call_{index}", type="function")
        tc["function"]["name"] = "add"
    tc.update(over)
    d = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"tool_calls": [tc]}, "finish_reason": None}]}
    return "data: " + json.dumps(d, separators=(",", ":")) + "\n\n"


END = ('data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\n'
       "data: [DONE]\n\n")


def chat(*fragments: str, request=REQ) -> str:
    return stream_cassette("".join(fragments) + END, request=request)


def test_reassembled_streamed_call_matching_its_schema_is_silent(lint_text):
    body = chat(tc_chunk("", first=True), tc_chunk('{"a":'), tc_chunk("2,"), tc_chunk('"b":3}'))
    assert mine(lint_text(body, dedent=False)) == []


def test_valid_arguments_are_judged_without_importing_jsonschema(tmp_path):
    # the pre-commit case: `import jsonschema` costs more than checking a small cassette, so the
    # compiled fast check decides valid arguments and jsonschema is loaded only to explain a violation
    # (these toy chunks lack the fields of the SDK's chunk model, which P002 would explain: P is off)
    import subprocess
    import sys

    good = tmp_path / "good.yaml"
    good.write_text(chat(tc_chunk("", first=True), tc_chunk('{"a":2,"b":3}')), "utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(chat(tc_chunk("", first=True), tc_chunk('{"a":2}')), "utf-8")
    probe = ("import sys; from cassette_lint import discovery, pipeline; from cassette_lint.options import Options; o = Options(ignore=('P',)); "
             "r = pipeline.check_file(discovery.Target(sys.argv[1], explicit=True), o); "
             "print(sorted({f.rule for f in r.findings} & {'A005'}), 'jsonschema' in sys.modules)")
    out = [subprocess.run([sys.executable, "-c", probe, str(p)], capture_output=True, text=True, check=True).stdout
           for p in (good, bad)]
    assert out == ["[] False\n", "['A005'] True\n"]


def test_streamed_call_without_any_argument_text_reads_as_empty_object(lint_text):
    # a provider sends "arguments": null for the whole call (simonw/llm's variant_d): SDKs read {}
    nulls = chat(tc_chunk(None, first=True), request={"stream": True, "tools": [
        {"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}]})
    assert mine(lint_text(nulls, dedent=False)) == []
    # ...and a tool that requires parameters is then told apart by its schema (a warning), not A001
    f = mine(lint_text(chat(tc_chunk(None, first=True)), dedent=False))
    assert codes(f) == ["A005"] and "'a' is a required property" in f[0].message


def test_two_calls_interleaved_by_index_are_reassembled_separately(lint_text):
    body = chat(tc_chunk('{"a":', first=True), tc_chunk('{"a":1,', first=True, index=1),
                tc_chunk("2,\"b\":3}"), tc_chunk('"b":4}', index=1))
    assert mine(lint_text(body, dedent=False)) == []


def test_tool_calls_key_written_with_a_json_escape_is_still_read(lint_text):
    # chunks without '"tool_calls"' are skipped unparsed, unless an escape could spell the key
    esc = [c.replace('"tool_calls"', '"\\u0074ool_calls"') for c in
           (tc_chunk('{"a":', first=True), tc_chunk("2,"), tc_chunk('"b" 3}'))]
    assert all("u0074ool_calls" in c for c in esc)
    assert codes(mine(lint_text(chat(*esc), dedent=False))) == ["A001"]


def test_broken_arguments_point_at_the_fragment_where_json_goes_wrong(lint_text):
    body = chat(tc_chunk('{"a":', first=True), tc_chunk("2,"), tc_chunk('"b" 3}'), tc_chunk(""))
    f = mine(lint_text(body, dedent=False))
    assert at(f, "A001") == [(BODY + 4, 13)]  # the third fragment ('"b" 3}')
    assert "Expecting ':' delimiter" in f[0].message and '\'{"a":2,"b" 3}\'' in f[0].message


def test_truncated_arguments_point_at_the_last_fragment(lint_text):
    body = chat(tc_chunk('{"a":', first=True), tc_chunk("2,"))
    f = mine(lint_text(body, dedent=False))
    assert at(f, "A001") == [(BODY + 2, 13)]
    assert "end before the JSON is complete" in f[0].message


def test_arguments_that_are_not_an_object(lint_text):
    f = mine(lint_text(chat(tc_chunk("[2, 3]", first=True)), dedent=False))
    assert at(f, "A001") == [(BODY, 13)]
    assert "JSON list, not an object" in f[0].message


def test_first_delta_without_id_and_name(lint_text):
    body = chat(tc_chunk('{"a":2,"b":3}'))
    f = mine(lint_text(body, dedent=False))
    assert at(f, "A003") == [(BODY, 13)]
    assert f[0].message.startswith("first delta of tool call ? has no id and name: no later delta has it")
    assert str(f[0].severity) == "error"


def test_undeclared_tool_and_schema_violation_are_warnings(lint_text):
    f = mine(lint_text(chat(tc_chunk('{"a":2}', first=True)), dedent=False))
    assert at(f, "A005") == [(BODY, 13)]
    assert "'b' is a required property" in f[0].message and str(f[0].severity) == "warning"
    other = {"stream": True, "tools": [{"type": "function", "function": {"name": "multiply"}}]}
    f = mine(lint_text(chat(tc_chunk('{"a":2,"b":3}', first=True), request=other), dedent=False))
    assert codes(f) == ["A004"] and at(f, "A004") == [(BODY, 13)]
    assert "no tool named 'add' (declared: multiply)" in f[0].message


def test_non_streamed_chat_arguments_are_parsed(lint_text):
    resp = {"object": "chat.completion", "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
        "role": "assistant", "tool_calls": [
            {"id": "c0", "type": "function", "function": {"name": "add", "arguments": '{"a":2,"b":3}'}},
            {"id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a":2,'}}]}}]}
    body = json.dumps(resp) + "\n"
    f = mine(lint_text(stream_cassette(body, request={"tools": [ADD]}, content_type="application/json"),
                       dedent=False))
    col = body.index('"arguments"', body.index('"c1"'))
    assert at(f, "A001") == [(BODY, 7 + col)]


# -- Anthropic ------------------------------------------------------------------------------------

def _anthropic_tool(*partials: str, input_=None) -> str:
    evs = [GOOD_ANTHROPIC[0],
           ev("content_block_start", index=0, content_block={"type": "tool_use", "id": "toolu_1", "name": "add",
                                                             "input": input_ if input_ is not None else {}})]
    evs += [ev("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": p})
            for p in partials]
    evs += [ev("content_block_stop", index=0), ev("message_stop")]
    return "".join(evs)


ANTHROPIC_REQ = {"stream": True, "tools": [{"name": "add", "input_schema": ADD["function"]["parameters"]}]}


def test_anthropic_partial_json_per_block(lint_text):
    good = _anthropic_tool('{"a": 2', ', "b": 3}')
    assert mine(lint_text(stream_cassette(good, url=ANTHROPIC, request=ANTHROPIC_REQ), dedent=False)) == []
    bad = _anthropic_tool('{"a": 2', ', "b": }')
    f = mine(lint_text(stream_cassette(bad, url=ANTHROPIC, request=ANTHROPIC_REQ), dedent=False))
    assert at(f, "A001") == [(BODY + 10, 13)]  # the data line of the second input_json_delta


def test_anthropic_empty_partial_json_means_empty_input(lint_text):
    req = {"stream": True, "tools": [{"name": "add", "input_schema": {"type": "object"}}]}
    assert mine(lint_text(stream_cassette(_anthropic_tool(""), url=ANTHROPIC, request=req), dedent=False)) == []


# -- OpenAI Responses ----------------------------------------------------------------------------

def _responses_tool(deltas, done: str) -> str:
    item = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "add", "arguments": ""}
    evs = [ev("response.created", sequence_number=0),
           ev("response.output_item.added", sequence_number=1, output_index=0, item=item)]
    n = 2
    for d in deltas:
        evs.append(ev("response.function_call_arguments.delta", sequence_number=n, item_id="fc_1", delta=d))
        n += 1
    evs.append(ev("response.function_call_arguments.done", sequence_number=n, item_id="fc_1", arguments=done))
    evs.append(ev("response.completed", sequence_number=n + 1))
    return "".join(evs)


RESPONSES_REQ = {"stream": True, "tools": [{"type": "function", "name": "add",
                                             "parameters": ADD["function"]["parameters"]}]}


def test_responses_deltas_must_join_to_done(lint_text):
    good = _responses_tool(['{"a":2,', '"b":3}'], '{"a":2,"b":3}')
    assert mine(lint_text(stream_cassette(good, url=RESPONSES, request=RESPONSES_REQ), dedent=False)) == []
    bad = _responses_tool(['{"a":2,', '"b":3}'], '{"a":2,"b":4}')
    f = mine(lint_text(stream_cassette(bad, url=RESPONSES, request=RESPONSES_REQ), dedent=False))
    assert at(f, "A002") == [(BODY + 13, 13)]
    assert "deltas join to '{\"a\":2,\"b\":3}' but .done has '{\"a\":2,\"b\":4}'" in f[0].message


# -- across interactions ---------------------------------------------------------------------------

SEED = FIXTURES / "seeds" / "openrouter_fireworks_tool_call.yaml"


def test_seed_tool_call_pair_replays_consistently():
    assert mine(lint_file(SEED)) == []


def test_replayed_tool_call_id_differs_from_the_response(tmp_path):
    text = SEED.read_text("utf-8")
    # interaction 1's request replays the call and answers it; rename the id only there
    head, tail = text.split("  - id: 1\n", 1)
    assert "functions.weather:0" in tail
    p = tmp_path / "c.yaml"
    p.write_text(head + "  - id: 1\n" + tail.replace("functions.weather:0", "functions.weather:9", 2), "utf-8")
    f = mine(lint_file(p))
    line = head.count("\n") + 1 + [i for i, ln in enumerate(tail.splitlines()) if "body: '" in ln][0] + 1
    assert at(f, "A006") == [(line, 16)]
    assert "replays tool calls [weather(functions.weather:9)]" in f[0].message
    assert "produced [weather(functions.weather:0)]" in f[0].message


def _pair(resp_args: str, replay_args: str, result_id: str = "call_0", split_turn: bool = False,
          replay_id: str = "call_0") -> str:
    first = tc_chunk(resp_args, first=True)
    r1 = {"stream": True, "tools": [ADD], "messages": [{"role": "user", "content": "add"}]}
    # llm (simonw/llm) replays the assistant turn as an empty text message, then the tool calls
    split = [{"role": "assistant", "content": ""}] if split_turn else []
    r2 = {**r1, "messages": r1["messages"] + split + [
        {"role": "assistant", "tool_calls": [{"id": replay_id, "type": "function",
                                              "function": {"name": "add", "arguments": replay_args}}]},
        {"role": "tool", "tool_call_id": result_id, "content": "5"}]}
    return stream_cassette(first + END, request=r1, more=[(CHAT_URL, r2, 'data: {"object":"chat.completion.chunk",'
                                                           '"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}'
                                                           "\n\ndata: [DONE]\n\n")])


def test_replay_compares_parsed_arguments_and_tool_result_ids(lint_text):
    # whitespace differences are not a mismatch: the SDK re-serialises the arguments
    assert mine(lint_text(_pair('{"a":2,"b":3}', '{"a": 2, "b": 3}'), dedent=False)) == []
    f = mine(lint_text(_pair('{"a":2,"b":3}', '{"a":2,"b":4}'), dedent=False))
    assert codes(f) == ["A006"] and "with arguments" in f[0].message
    f = mine(lint_text(_pair('{"a":2,"b":3}', '{"a":2,"b":3}', result_id="call_7"), dedent=False))
    assert codes(f) == ["A006"] and "tool result answers 'call_7'" in f[0].message
    # at the first character of interaction 1's request body
    text = _pair('{"a":2,"b":3}', '{"a":2,"b":3}', result_id="call_7")
    body_lines = [i + 1 for i, ln in enumerate(text.splitlines()) if ln.startswith("    body: '")]
    assert at(f, "A006") == [(body_lines[1], 12)]


def test_assistant_turn_replayed_as_several_messages_is_compared_whole(lint_text):
    assert mine(lint_text(_pair('{"a":2,"b":3}', '{"a":2,"b":3}', split_turn=True), dedent=False)) == []
    f = mine(lint_text(_pair('{"a":2,"b":3}', '{"a":2,"b":3}', split_turn=True, replay_id="0",
                             result_id="0"), dedent=False))
    assert codes(f) == ["A006"] and "replays tool calls [add(0)]" in f[0].message


def _responses_pair(replay_id="call_1", replay_args='{"a": 2, "b": 3}', result_id="call_1", reasoning=False):
    """Interaction 0 streams a Responses function call (call_1, add, {"a":2,"b":3}); interaction 1's
    request replays its ``input`` with the call and its output."""
    r1 = {**RESPONSES_REQ, "input": [{"role": "user", "content": "add 2 and 3"}]}
    turn = [{"type": "reasoning", "id": "rs_1", "summary": []}] if reasoning else []
    turn.append({"type": "function_call", "call_id": replay_id, "name": "add", "arguments": replay_args})
    r2 = {**r1, "input": r1["input"] + turn + [{"type": "function_call_output", "call_id": result_id, "output": "5"}]}
    done = ev("response.completed", sequence_number=0)
    return stream_cassette(_responses_tool(['{"a":2,', '"b":3}'], '{"a":2,"b":3}'), url=RESPONSES, request=r1,
                           more=[(RESPONSES, r2, done)])


def test_responses_replay_is_compared_with_the_produced_calls(lint_text):
    assert mine(lint_text(_responses_pair(), dedent=False), "A") == []
    assert mine(lint_text(_responses_pair(reasoning=True), dedent=False), "A") == []  # reasoning items: same turn
    f = mine(lint_text(_responses_pair(replay_id="call_9", result_id="call_9"), dedent=False), "A")
    assert codes(f) == ["A006"] and "replays tool calls [add(call_9)] but interaction 0's response produced " \
        "[add(call_1)]" in f[0].message
    f = mine(lint_text(_responses_pair(replay_args='{"a":2,"b":4}'), dedent=False), "A")
    assert codes(f) == ["A006"] and "with arguments" in f[0].message
    f = mine(lint_text(_responses_pair(result_id="call_7"), dedent=False), "A")
    assert codes(f) == ["A006"] and "tool result answers 'call_7'" in f[0].message


def test_responses_continued_by_previous_response_id_replays_nothing(lint_text):
    text = _responses_pair(replay_id="call_9", result_id="call_9")
    # the server keeps the history: the request sends only the outputs, and says which response it continues
    text = text.replace('"input":[{"role":"user","content":"add 2 and 3"},{"type":"function_call","call_id":"call_9",'
                        '"name":"add","arguments":"{\\"a\\": 2, \\"b\\": 3}"},',
                        '"previous_response_id":"resp_1","input":[')
    assert '"previous_response_id"' in text
    assert mine(lint_text(text, dedent=False), "A") == []


GEMINI_SSE = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"


def _gemini_pair(replay_args: dict, replay_name: str = "weather") -> str:
    """Interaction 0 streams a Gemini functionCall (weather, no id); interaction 1's request replays
    the model turn (its SDK numbers the call: id "1") and answers it."""
    def chunk(parts):
        return "data: " + json.dumps({"candidates": [{"content": {"parts": parts, "role": "model"},
                                                      "finishReason": "STOP", "index": 0}]}) + "\n\n"

    user = {"role": "user", "parts": [{"text": "Weather in Florence?"}]}
    r1 = {"contents": [user]}
    r2 = {"contents": [user, {"role": "model", "parts": [{"functionCall": {"id": "1", "name": replay_name,
                                                                             "args": replay_args}}]},
                       {"role": "user", "parts": [{"functionResponse": {"id": "1", "name": replay_name,
                                                                          "response": {"result": "40 C"}}}]}]}
    first = chunk([{"functionCall": {"name": "weather", "args": {"location": "Florence"}}}])
    return stream_cassette(first, url=GEMINI_SSE, request=r1, more=[(GEMINI_SSE, r2, chunk([{"text": "40 C"}]))])


def test_gemini_replay_is_compared_by_name_and_arguments(lint_text):
    assert mine(lint_text(_gemini_pair({"location": "Florence"}), dedent=False), "A") == []
    f = mine(lint_text(_gemini_pair({"location": "Rome"}), dedent=False), "A")
    assert codes(f) == ["A006"] and "with arguments" in f[0].message and "Rome" in f[0].message
    f = mine(lint_text(_gemini_pair({"location": "Florence"}, "forecast"), dedent=False), "A")
    assert codes(f) == ["A006"] and "replays tool calls [forecast(1)]" in f[0].message


# -- the real corpus (../shared, skipped when absent) ---------------------------------------------

def test_fantasy_corpus_streams_and_tool_calls_are_sound_and_understood():
    """Every file of ../shared/corpus/fantasy was checked by hand: no E/T/A finding is true there.

    The test also proves the rules really looked: every SSE stream has a recognised dialect, and
    tool calls were reassembled in every dialect (so silence is not blindness).
    """
    from collections import Counter

    from cassette_lint import formats, loader
    from cassette_lint.streams import dialects
    from cassette_lint.rules import tool_calls
    from conftest import needs_shared

    root = needs_shared("corpus/fantasy")
    seen: Counter = Counter()
    for p in sorted(root.rglob("*.yaml")):
        assert mine(lint_file(p)) == [], p
        doc = loader.load(str(p), p.read_bytes()).document
        for it in formats.detect(doc.data, None).build(doc, str(p)).http:
            d = dialects.dialect(it)
            if dialects.is_event_stream(it):
                assert d is not None, (p, it.index)
            seen[(d, dialects.is_event_stream(it))] += len(tool_calls.calls(it))
    for d in (dialects.CHAT, dialects.RESPONSES, dialects.ANTHROPIC, dialects.GEMINI):
        assert seen[(d, True)] > 0 and seen[(d, False)] > 0, (d, seen)


def test_fantasy_corpus_files_cut_short_are_reported_at_the_right_line(tmp_path):
    """Real recordings, truncated in a temporary copy (never copied into the repository)."""
    from conftest import needs_shared

    root = needs_shared("corpus/fantasy")
    # OpenRouter chat stream without its final [DONE]: a warning at the last chunk
    text = (root / "TestOpenRouterCommon/anthropic/multi_tool_streaming.yaml").read_text("utf-8")
    lines = text.split("\n")
    done = next(i for i, ln in enumerate(lines) if ln.strip() == "data: [DONE]")
    last_chunk = max(i for i in range(done) if lines[i].strip().startswith("data: {"))
    p = tmp_path / "no_done.yaml"
    p.write_text("\n".join(lines[:done] + lines[done + 2:]), "utf-8")
    assert [(f.rule, f.line) for f in mine(lint_file(p))] == [("T002", last_chunk + 1)]
    # Anthropic stream cut inside the first tool call's input: truncated and broken arguments
    text = (root / "TestAnthropicCommon/claude-sonnet-4/multi_tool_streaming.yaml").read_text("utf-8")
    lines = text.split("\n")
    cut = next(i for i, ln in enumerate(lines) if "input_json_delta" in ln and '"partial_json":"{' in ln)
    end = next(i for i in range(cut, len(lines)) if lines[i].strip() == "")
    rest = next(i for i in range(cut, len(lines)) if lines[i].lstrip().startswith("headers:"))
    p = tmp_path / "cut.yaml"
    p.write_text("\n".join(lines[:end + 1] + lines[rest:]), "utf-8")
    # T001 at the cut event's "event:" line, A001 at its data line (the fragment where JSON ends)
    assert sorted((f.rule, f.line) for f in mine(lint_file(p))) == [("A001", cut + 1), ("T001", cut)]


# -- Bedrock: tool calls inside AWS event-stream frames ------------------------------------------------

def _bedrock_calls(events, request=None):
    frames = [bedrock_chunk(e) for e in events]
    data = b"".join(frames)
    text = bedrock_cassette(data, request) if request else bedrock_cassette(data)
    return text, data, [sum(len(f) for f in frames[:i]) for i in range(len(frames))]


def test_bedrock_tool_call_fragments_that_do_not_join_into_json(lint_text):
    events = [dict(e) for e in BEDROCK_TOOL_EVENTS]
    events[3] = {"type": "content_block_delta", "index": 0,
                 "delta": {"type": "input_json_delta", "partial_json": "ation\": \"Flor"}}  # cut inside a string
    text, data, offsets = _bedrock_calls(events)
    f = mine(lint_text(text, dedent=False), "A")
    assert codes(f) == ["A001"] and "Unterminated string" in f[0].message
    # anthropic's accumulator (AnthropicBedrock's too) parses input_json_delta in partial mode: no error
    assert str(f[0].severity) == "warning" and "partial mode" in f[0].message
    assert (f[0].line, f[0].column) == base64_pos(text, data, offsets[3])  # the fragment where it ends


def test_bedrock_tool_call_checked_against_the_declared_tools(lint_text):
    request = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 9, "tools": [
        {"name": "search", "input_schema": {"type": "object"}}]}, separators=(",", ":"))
    text, data, offsets = _bedrock_calls(BEDROCK_TOOL_EVENTS, request)
    f = mine(lint_text(text, dedent=False), "A")
    assert codes(f) == ["A004"] and "'weather'" in f[0].message
    assert (f[0].line, f[0].column) == base64_pos(text, data, offsets[1])  # its content_block_start


def test_replay_mismatch_is_an_error_only_where_the_matcher_compares_the_body(lint_text):
    """Under go-vcr v4's default matcher (body compared) the next request never matches; under
    go-vcr v3's (method and URL) or vcrpy's default it replays: a warning that says so."""
    text = _pair('{"a":2,"b":3}', '{"a":2,"b":4}')
    [v4] = mine(lint_text(text, dedent=False))
    assert v4.severity.value == "error" and "go-vcr v4's default matcher compares the body" in v4.message
    [v3] = mine(lint_text(text, dedent=False, settings={"replay": {"library": "go-vcr-v3"}}))
    assert v3.severity.value == "warning" and "does not compare the body, so it replays" in v3.message
    [body] = mine(lint_text(text, dedent=False, settings={"replay": {"library": "go-vcr-v3",
                                                                      "match-on": ["method", "url", "body"]}}))
    assert body.severity.value == "error"
