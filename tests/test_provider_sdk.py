"""Differential tests: cassette-lint's verdict on a recorded stream against the official SDKs' own
stream accumulators (``openai`` ``ChatCompletionStreamState`` and ``ResponseStreamState``,
``anthropic`` ``accumulate_event``), on every streamed interaction of ``../shared/corpus`` and on
mutated copies of it.

The SDK side reads a body exactly as the SDK's ``Stream`` does (its own SSE decoder; ``[DONE]`` ends
a chat stream; Anthropic ``ping`` and unnamed events are skipped, ``error`` raises; every event is
built with the SDK's lenient ``construct_type``, as without ``_strict_response_validation``) and
hands the events to the accumulator. Its verdict is *sound* when nothing raises, the final message
is finished (every chat choice has a ``finish_reason``; an Anthropic ``stop_reason``; a Responses
``response.completed``/``incomplete``/``failed``) and every tool call's arguments are a JSON object.

The linter's verdict is *flagged* when the interaction has an error of families E, T or A, or any P
finding; it *reports* the interaction when it has any finding of those families, warnings included
(a stream the SDK replays without an error but which is not what the provider sent, a truncated one,
is a warning: severity follows consequence). The claims:

- on the recordings: not reported ⇒ sound, and the SDK's tool calls (id, name, arguments) are the
  ones :func:`cassette_lint.rules.tool_calls.calls` reassembles; flagged ⇒ not sound or different;
- on each defect mutation (missing required field, wrong type, unknown event type, broken JSON,
  truncation): reported, and the SDK fails or rebuilds something other than from the original; an
  E, T or A *error* on a mutation ⇒ the SDK raises (an E/T/A warning ⇒ it does not);
- on neutral mutations (an unknown extra field in every event): not flagged, and the SDK rebuilds
  the same message.

Where the two disagree for a documented reason of the SDK's, the case is listed in ``SDK_BLIND``
with the explanation; every other disagreement fails the test.
"""

from __future__ import annotations

import inspect
import json
import re
from collections import Counter

import pytest

from cassette_lint import formats, loader
from cassette_lint.streams import dialects
from cassette_lint.rules import tool_calls
from conftest import lint_file, needs_shared

openai = pytest.importorskip("openai", reason="the test extra installs the openai SDK")
anthropic = pytest.importorskip("anthropic", reason="the test extra installs the anthropic SDK")

from anthropic._streaming import SSEDecoder as AnthropicSSE  # noqa: E402
from anthropic.types import RawMessageStreamEvent  # noqa: E402
from openai._streaming import SSEDecoder as OpenAISSE  # noqa: E402
from openai.lib.streaming.chat import ChatCompletionStreamState  # noqa: E402
from openai.lib.streaming.responses._responses import ResponseStreamState  # noqa: E402
from openai.types.chat import ChatCompletionChunk  # noqa: E402
from openai.types.responses.response_stream_event import ResponseStreamEvent  # noqa: E402

DIALECTS = (dialects.CHAT, dialects.RESPONSES, dialects.ANTHROPIC)

#: the linter's codes on a stream → why the SDK's accumulator rebuilds the stream anyway. A disagreement
#: is accepted only when it is listed here (or is a P-only verdict on a recording, see below).
SDK_BLIND: dict = {
    # (T003, events after the final one, was here while it was an error: openai's Stream stops at
    # [DONE] and drops what follows. It is a warning now, as its consequence section says.)
}
#: P findings on the *recordings* are drift (a field required since the recording date: openai 3.x
#: requires usage.input_tokens_details.cache_write_tokens, which 2025 Responses recordings lack; Groq's
#: service_tier "on_demand"): the accumulators build every event with the lenient construct_type and
#: never read those fields, so they rebuild the message; the code under test fails only when it reads
#: the field (an AttributeError). The P-flagged *mutations* (fields the accumulators do read) must
#: break the SDK.


class SDKError(Exception):
    pass


# -- the SDK side -------------------------------------------------------------------------------------

def _sse(decoder_cls, body: str):
    return list(decoder_cls().iter_bytes(iter([body.encode("utf-8")])))


def _args(text):
    try:
        v = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return ("not JSON", text)
    return v


def sdk_chat(body: str):
    state = ChatCompletionStreamState()
    seen = False
    for sse in _sse(OpenAISSE, body):
        if sse.data.startswith("[DONE]"):
            break
        data = sse.json()
        if isinstance(data, dict) and data.get("error"):
            raise SDKError("APIError: " + str(data["error"])[:80])
        chunk = openai._models.construct_type(type_=ChatCompletionChunk, value=data)
        if getattr(chunk, "object", None) != "chat.completion.chunk":
            continue  # ChatCompletionStream's weak check (Azure's filter events)
        list(state.handle_chunk(chunk))
        seen = True
    if not seen:
        raise SDKError("no chunk")
    final = state.get_final_completion()
    finished = all(c.finish_reason for c in final.choices) and bool(final.choices)
    calls = [(c.index, tc.id, tc.function.name, _args(tc.function.arguments or "{}"))
             for c in final.choices for tc in (c.message.tool_calls or [])]
    return finished, calls, [c.message.content for c in final.choices]


def sdk_anthropic(body: str):
    from anthropic.lib.streaming._messages import accumulate_event

    snap = None
    kw = {"json_bufs": {}} if "json_bufs" in inspect.signature(accumulate_event).parameters else {}
    for sse in _sse(AnthropicSSE, body):
        if sse.event == "ping" or sse.event is None:
            continue
        if sse.event == "error":
            raise SDKError("APIStatusError: " + sse.data[:80])
        if not sse.data:
            continue
        event = anthropic._models.construct_type(type_=RawMessageStreamEvent, value=sse.json())
        snap = accumulate_event(event=event, current_snapshot=snap, **kw)
    if snap is None:
        raise SDKError("no message")
    calls = [(None, b.id, b.name, b.input) for b in snap.content
             if getattr(b, "type", None) in ("tool_use", "server_tool_use", "mcp_tool_use")]
    text = [getattr(b, "text", None) or getattr(b, "thinking", None) for b in snap.content]
    return snap.stop_reason is not None, calls, text


def sdk_responses(body: str):
    state = ResponseStreamState(input_tools=openai.omit, text_format=openai.omit)
    # the final response comes whole in response.completed: what the application sees while streaming
    # (the typed events ResponseStream yields: items added, text as it grows) is rebuilt from the rest
    seen = []
    for sse in _sse(OpenAISSE, body):
        data = sse.json()
        event = openai._models.construct_type(type_=ResponseStreamEvent, value=data)
        for e in state.handle_event(event):
            if e.type in ("response.output_item.added", "response.output_text.delta",
                          "response.function_call_arguments.delta"):
                seen.append((e.type, getattr(e, "snapshot", None)))
    final = state._completed_response  # what ResponseStream.get_final_response returns
    if final is None:  # ... and what it raises then
        raise RuntimeError("Didn't receive a `response.completed` event.")
    calls = [(None, o.call_id, o.name, _args(o.arguments)) for o in final.output if o.type == "function_call"]
    return final.status in ("completed", "incomplete", "failed"), calls, (final.output_text, seen)


SDK = {dialects.CHAT: sdk_chat, dialects.ANTHROPIC: sdk_anthropic, dialects.RESPONSES: sdk_responses}


def sdk_verdict(d: str, body: str):
    """``("fails", reason)`` or ``("ok", finished, tool calls, text)``."""
    try:
        finished, calls, text = SDK[d](body)
    except Exception as e:  # what the SDK raises is the SDK's verdict
        return ("fails", f"{type(e).__name__}: {str(e)[:80]}")
    return ("ok", finished, calls, text)


def client_fails(v) -> bool:
    """The SDK raises, or hands the client tool-call arguments that its ``json.loads`` (or a call with
    them as keyword arguments) fails on: openai-python passes ``function.arguments`` through as text."""
    return v[0] == "fails" or any(not isinstance(c[3], dict) for c in v[2])


def sound(v) -> bool:
    return v[0] == "ok" and v[1] and all(isinstance(c[3], dict) for c in v[2])


#: where the SDK's accumulator and cassette-lint read the same real recording differently by design of
#: the SDK (documented, not reported): each explanation is applied only where its condition holds
SDK_QUIRKS = {
    "repeated-id-and-name": (
        "openai's accumulate_delta concatenates every string of a tool-call delta except index and type; a "
        "provider that repeats id and function.name in each delta (Novita via OpenRouter in simonw/llm's "
        "test_tools_streaming_variant_a) replays through ChatCompletionStreamState as id '00' and name "
        "'llm_versionllm_version'. Clients that take the first id and name (simonw/llm, which recorded and "
        "replays it, the Go SDKs) and cassette-lint read 'llm_version': a real provider's stream, not reported."),
    "no-finish-reason": (
        "the same provider ends the stream with data: [DONE] but never sends a finish_reason; the SDK's final "
        "choice has finish_reason None. T001 takes [DONE] as the end (clients read to [DONE]), so the recording "
        "is complete for cassette-lint."),
}
_FINISH = re.compile(r'"finish_reason"\s*:\s*(?!null)')


def explained(d: str, body: str, v, mine: list) -> set | None:
    """The :data:`SDK_QUIRKS` that make the SDK's verdict ``v`` sound and equal to ``mine``, or None."""
    if v[0] != "ok":
        return None
    used, finished, calls = set(), v[1], list(v[2])
    if d == dialects.CHAT and not finished and "[DONE]" in body and not _FINISH.search(body):
        finished = True
        used.add("no-finish-reason")
    if d == dialects.CHAT and len(calls) == len(mine):
        for i, (sdk, me) in enumerate(zip(calls, mine)):
            fixed = tuple(m if (isinstance(s, str) and isinstance(m, str) and m and s != m
                                and s == m * (len(s) // len(m))) else s for s, m in zip(sdk, me))
            if fixed != sdk:
                calls[i] = fixed
                used.add("repeated-id-and-name")
    return used if sound(("ok", finished, calls)) and calls == mine else None


# -- the linter side ----------------------------------------------------------------------------------

#: rules about something other than the response stream (A006: the next request's replay of it)
NOT_ABOUT_THE_STREAM = {"A006"}


def _counts(message: str) -> str:
    return re.sub(r" \(and \d+ more like it\)$", "", message)


def verdict(findings, warnings: bool = False) -> set:
    """The findings that make the linter's verdict on a stream: E/T/A errors (and warnings, with
    ``warnings``) and every P finding, as (rule, message, severity)."""
    return {(f.rule, _counts(f.message), str(f.severity)) for f in findings if f.rule not in NOT_ABOUT_THE_STREAM
            and (f.rule[0] == "P" or (f.rule[0] in "ETA" and (warnings or str(f.severity) == "error")))}


def flagged(findings, warnings: bool = False) -> list[str]:
    return sorted({rule for rule, _, _ in verdict(findings, warnings)})


def hard(codes) -> list[str]:
    """The errors among the codes (P findings are warnings about types; see SDK_BLIND)."""
    return [c for c in codes if c[0] != "P"]


def ours(it) -> list:
    return [(c.choice if dialects.dialect(it) == dialects.CHAT else None, c.id, c.name, c.value)
            for c in tool_calls.calls(it)]


#: the recordings the Python SDKs are the oracle for (replayed by Python or Go clients); Azure test-proxy
#: (.NET) and nock (Node) recordings are replayed by other SDKs: openai-dotnet's audio stream, whose
#: chunks carry no ``choices``, is read by the .NET SDK, while openai-python's accumulator iterates None
_VCR_FORMATS = ("go-vcr-v2", "go-vcr-v1", "vcrpy", "ruby-vcr")


def streamed(root):
    """(path, interaction, dialect) of every SSE-streamed 2xx interaction of the three dialects."""
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        data = path.read_bytes()
        doc = loader.load(str(path), data).document
        if doc is None or not isinstance(doc.data, dict):
            continue
        adapter = formats.detect(doc.data)
        if adapter is None or adapter.FORMAT not in _VCR_FORMATS:
            continue
        cassette = adapter.build(doc, str(path))
        for it in cassette.http:
            d = dialects.dialect(it)
            code = it.response.code.value if it.response is not None and it.response.code is not None else 200
            if d in DIALECTS and dialects.stream(it) is not None and code == 200:
                yield path, it, d


@pytest.fixture(scope="module")
def corpus():
    root = needs_shared("corpus")
    out = []
    findings: dict = {}
    for path, it, d in streamed(root):
        if path not in findings:
            findings[path] = lint_file(path, select=("ALL", "P002", "P003"))
        mine = [f for f in findings[path] if f.interaction == it.index]
        out.append((path, it, d, hard(flagged(mine)), hard(flagged(mine, warnings=True))))
    assert len(out) > 100, "the corpus has well over a hundred streamed interactions"
    return out


def _blind(codes: list[str]) -> str | None:
    return SDK_BLIND.get(tuple(codes))


def test_recorded_streams_the_linter_passes_are_rebuilt_by_the_sdk_with_the_same_tool_calls(corpus):
    checked, disagree, quirks = Counter(), [], set()
    for path, it, d, codes, reported in corpus:
        if reported:
            continue
        v = sdk_verdict(d, it.response.body.text)
        if not sound(v) or v[2] != ours(it):
            why = explained(d, it.response.body.text, v, ours(it))
            if why is None:
                disagree.append((str(path), it.index, v, ours(it)))
            quirks.update(why or ())
        checked[d] += 1
    assert disagree == [], "\n".join(map(str, disagree))
    assert quirks <= set(SDK_QUIRKS)
    # every dialect is exercised, tool calls included
    assert all(checked[d] for d in DIALECTS), checked


def test_recorded_streams_the_linter_flags_are_not_rebuilt_soundly_by_the_sdk(corpus):
    disagree = []
    for path, it, d, codes, reported in corpus:
        if not codes or _blind(codes):
            continue
        v = sdk_verdict(d, it.response.body.text)
        if sound(v) and v[2] == ours(it):
            disagree.append((str(path), it.index, codes, v))
    assert disagree == []


# -- mutations ----------------------------------------------------------------------------------------

def _events(body: str) -> list[str]:
    return body.split("\n\n")


def _join(parts: list[str]) -> str:
    return "\n\n".join(parts)


def _first(parts, pred):
    return next((i for i, p in enumerate(parts) if pred(p)), None)


def m_chat_choice_without_index(body):
    parts = _events(body)
    i = _first(parts, lambda p: p.startswith("data: {") and re.search(r'"choices":\[\{"index":\d+,', p))
    if i is None:
        return None
    parts[i] = re.sub(r'("choices":\[\{)"index":\d+,', r"\1", parts[i], count=1)
    return _join(parts)


def m_chat_tool_index_string(body):
    parts = _events(body)
    i = _first(parts, lambda p: re.search(r'"tool_calls":\[\{"index":\d+', p))
    if i is None:
        return None
    parts[i] = re.sub(r'("tool_calls":\[\{"index":)(\d+)', r'\1"\2"', parts[i], count=1)
    return _join(parts)


#: an Anthropic delta that carries content (the first input_json_delta of a tool block is often empty:
#: changing that one changes nothing the SDK rebuilds)
_ANTHROPIC_DELTA = re.compile(r'event: content_block_delta\ndata: \{"type":"content_block_delta","index":\d+,'
                              r'"delta":\{"type":"(text_delta|input_json_delta|thinking_delta)","[a-z_]+":"[^"]')


def m_anthropic_unknown_event(body):
    m = _ANTHROPIC_DELTA.search(body)
    if m is None:
        return None
    return body[:m.start()] + m.group(0).replace("content_block_delta", "content_block_deltas", 2) + body[m.end():]


def m_anthropic_delta_type(body):
    m = _ANTHROPIC_DELTA.search(body)
    return None if m is None else body[:m.end(1) - 1] + "x" + body[m.end(1):]


def m_anthropic_delta_without_index(body):
    m = _ANTHROPIC_DELTA.search(body)
    if m is None:
        return None
    return body[:m.start()] + re.sub(r',"index":\d+', "", m.group(0), count=1) + body[m.end():]


#: the first output item: the Responses accumulator registers it by output_index, and every later
#: delta of the item is looked up by it (the final response itself comes whole in response.completed)
_ITEM_ADDED = re.compile(r'event: response\.output_item\.added\ndata: \{"type":"response\.output_item\.added"[^\n]*')


def m_responses_unknown_event(body):
    m = _ITEM_ADDED.search(body)
    if m is None:
        return None
    return body[:m.start()] + m.group(0).replace("output_item.added", "output_item.add", 2) + body[m.end():]


def m_responses_output_index_string(body):
    m = _ITEM_ADDED.search(body)
    if m is None:
        return None
    return body[:m.start()] + re.sub(r'"output_index":(\d+)', r'"output_index":"\1"', m.group(0), count=1) + body[m.end():]


def m_broken_json(body):
    parts = _events(body)
    i = _first(parts, lambda p: '"delta"' in p and p.rstrip().endswith("}"))
    if i is None or i == 0:
        return None
    parts[i] = parts[i].rstrip()[:-1]
    return _join(parts)


def m_truncated(body):
    parts = [p for p in _events(body) if p.strip()]
    if len(parts) < 4:
        return None
    return _join(parts[: len(parts) // 2]) + "\n\n"


def m_neutral_extra_field(body):
    return re.sub(r"(?m)^data: \{", 'data: {"x_recorded_later":{"n":[1,"a",null]},', body)


def m_chat_tool_call_without_index(body):
    parts = _events(body)
    i = _first(parts, lambda p: re.search(r'"tool_calls":\[\{"index":\d+,', p))
    if i is None:
        return None
    parts[i] = re.sub(r'("tool_calls":\[\{)"index":\d+,', r"\1", parts[i], count=1)
    return _join(parts)


#: mutations the linter reports truly but the Python SDK copes with, and why
MUTATION_BLIND = {
    "m_chat_tool_index_string": (
        "the SDK's construct_type coerces the numeric string \"0\" to 0 (pydantic's lax mode), so the Python "
        "accumulator is unaffected; P002 is still true: strictly typed clients (Go's encoding/json into an "
        "int) fail to decode the chunk"),
    "m_responses_output_index_string": "the same coercion of \"0\" to 0 in ResponseStreamState",
}

DEFECTS = {
    dialects.CHAT: [m_chat_choice_without_index, m_chat_tool_index_string, m_chat_tool_call_without_index,
                    m_broken_json, m_truncated],
    dialects.ANTHROPIC: [m_anthropic_unknown_event, m_anthropic_delta_type, m_anthropic_delta_without_index,
                         m_broken_json, m_truncated],
    dialects.RESPONSES: [m_responses_unknown_event, m_responses_output_index_string, m_broken_json, m_truncated],
}


def cassette(url: str, request: str, body: str) -> str:
    """A go-vcr v2 cassette of one interaction (the body as a double-quoted scalar: JSON escapes are YAML's)."""
    q = json.dumps(body, ensure_ascii=False)
    return ("---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n"
            "    proto_minor: 1\n    content_length: -1\n    host: example.com\n"
            f"    body: {json.dumps(request, ensure_ascii=False)}\n    headers: {{}}\n    url: {url}\n"
            "    method: POST\n  response:\n    proto: HTTP/2.0\n    proto_major: 2\n    proto_minor: 0\n"
            f"    content_length: -1\n    body: {q}\n    headers:\n      Content-Type:\n"
            "      - text/event-stream\n    status: 200 OK\n    code: 200\n    duration: 1s\n")


def _mutants(corpus, per_group: int = 3):
    """Clean recorded streams, a few per (dialect, provider folder, with/without tool calls)."""
    groups: dict = {}
    for path, it, d, codes, reported in corpus:
        body = it.response.body.text
        if reported or not body or "\r" in body or body.startswith("\ufeff"):
            continue
        key = (d, path.parent.parent.name, bool(tool_calls.calls(it)))
        groups.setdefault(key, []).append((path, it, d))
    for items in groups.values():
        yield from items[:per_group]


def _lint_body(tmp_path, it, body: str) -> set:
    req = it.request.body.text if it.request.body is not None and it.request.body.text else "{}"
    f = tmp_path / "m.yaml"
    f.write_text(cassette(dialects.url_of(it), req, body), "utf-8")
    return verdict(lint_file(f, select=("ALL", "P002", "P003")), warnings=True)


def test_defect_mutations_are_flagged_by_the_linter_and_break_the_sdk(corpus, tmp_path):
    disagree, seen = [], Counter()
    for path, it, d in _mutants(corpus):
        body = it.response.body.text
        base = _lint_body(tmp_path, it, body)  # the recording's own drift (P) stays out of the comparison
        original = sdk_verdict(d, body)
        assert sound(original) or explained(d, body, original, ours(it)), (str(path), it.index, original)
        for mutate in DEFECTS[d]:
            mutated = mutate(body)
            if mutated is None or mutated == body:
                continue
            new = _lint_body(tmp_path, it, mutated) - base
            codes = sorted({rule for rule, _, _ in new})
            errors = sorted({rule for rule, _, sev in new if rule[0] in "ETA" and sev == "error"})
            warned = sorted({rule for rule, _, sev in new if rule[0] in "ETA" and sev == "warning"})
            v = sdk_verdict(d, mutated)
            sdk_broke = not sound(v) or v[1:] != original[1:]
            seen[(d, mutate.__name__)] += 1
            if (errors or (codes and not warned)) and not sdk_broke and not _blind(codes) \
                    and mutate.__name__ not in MUTATION_BLIND:
                disagree.append((str(path), it.index, mutate.__name__, codes, v))  # the SDK copes
            elif not codes and sdk_broke:
                disagree.append((str(path), it.index, mutate.__name__, "missed", v))  # the linter misses it
            elif errors and not client_fails(v):
                disagree.append((str(path), it.index, mutate.__name__, errors, "an error, but the SDK raises nothing", v))
            elif warned and not errors and client_fails(v) and not [c for c in codes if c[0] == "P"]:
                disagree.append((str(path), it.index, mutate.__name__, warned, "a warning, but the SDK raises", v))
    assert disagree == [], "\n".join(map(str, disagree))
    # every mutation ran on real recordings of its dialect
    assert {k[1] for k in seen} == {m.__name__ for ms in DEFECTS.values() for m in ms}, seen


def test_unknown_extra_fields_change_neither_verdict(corpus, tmp_path):
    n = 0
    for path, it, d in _mutants(corpus, per_group=2):
        body = it.response.body.text
        mutated = m_neutral_extra_field(body)
        assert _lint_body(tmp_path, it, mutated) == _lint_body(tmp_path, it, body), (str(path), it.index)
        assert sdk_verdict(d, mutated) == sdk_verdict(d, body), (str(path), it.index)
        n += 1
    assert n > 10


# -- the pinned schemas against the SDK's own validation ----------------------------------------------

def _models():
    from anthropic.types import Message, RawMessageStreamEvent as AnthropicEvent
    from openai.types.chat import ChatCompletion
    from openai.types.responses import Response
    from pydantic import TypeAdapter

    return {
        (dialects.CHAT, "stream"): TypeAdapter(ChatCompletionChunk),
        (dialects.CHAT, "response"): TypeAdapter(ChatCompletion),
        (dialects.RESPONSES, "stream"): TypeAdapter(ResponseStreamEvent),
        (dialects.RESPONSES, "response"): TypeAdapter(Response),
        (dialects.ANTHROPIC, "stream"): TypeAdapter(AnthropicEvent),
        (dialects.ANTHROPIC, "response"): TypeAdapter(Message),
    }


def _pinned_accepts(d: str, kind: str, v: dict) -> bool:
    from cassette_lint.rules import provider

    p = provider.pinned(d)
    if kind == "stream" and d in provider.TYPED:
        t = v.get("type")
        return isinstance(t, str) and t in p.events and p.fast(t)(v)
    return p.fast(kind)(v)


def _sdk_accepts(model, v: dict) -> bool:
    import pydantic

    try:
        model.validate_python(v)  # what the SDK does with _strict_response_validation=True
    except pydantic.ValidationError:
        return False
    return True


def test_pinned_schemas_judge_every_recorded_event_and_body_as_the_sdks_strict_validation_does(corpus):
    # the schemas come from the SDKs' pydantic models: on real recordings the two must agree, event by
    # event — a P finding is exactly a payload the SDK's strict mode rejects (and no other)
    models = _models()
    root = needs_shared("corpus")
    n, disagree = Counter(), []
    payloads = []
    for path, it, d, _, _ in corpus:
        for ev in dialects.events(it) or ():
            v, err = ev.json()
            if err is None and isinstance(v, dict) and not isinstance(v.get("error"), dict) \
                    and v.get("object") != "" \
                    and ev.type not in ("ping", "error"):
                payloads.append((path, d, "stream", v))
    for path in sorted(root.rglob("*.yaml")):
        doc = loader.load(str(path), path.read_bytes()).document
        adapter = formats.detect(doc.data) if doc is not None and isinstance(doc.data, dict) else None
        for it in adapter.build(doc, str(path)).http if adapter else ():
            d = dialects.dialect(it)
            if d in DIALECTS and it.response is not None and it.response.body is not None \
                    and not dialects.is_event_stream(it) and getattr(it.response.code, "value", 200) == 200:
                v, err = it.response.body.json
                if err is None and isinstance(v, dict) and not isinstance(v.get("error"), dict):
                    payloads.append((path, d, "response", v))
    for path, d, kind, v in payloads:
        ours_ok, sdk_ok = _pinned_accepts(d, kind, v), _sdk_accepts(models[(d, kind)], v)
        n[(d, kind, ours_ok)] += 1
        if ours_ok != sdk_ok:
            disagree.append((str(path), d, kind, ours_ok, sdk_ok))
    assert disagree == [], disagree[:5]
    # both verdicts occur: the recordings have valid payloads and real drift (cache_write_tokens, on_demand)
    assert n[(dialects.CHAT, "stream", True)] > 1000 and n[(dialects.RESPONSES, "response", False)] > 0, n


@pytest.mark.parametrize("mutate", ["drop", "retype", "rename"])
def test_pinned_schemas_and_strict_validation_agree_on_mutated_events(corpus, mutate):
    # every field of every event of a few recorded streams, dropped, given a wrong JSON type, or (the
    # type discriminators) renamed: the pinned schema and pydantic must reject or accept together
    # (a wrong type here is a list or an object, which pydantic's lax mode never coerces, unlike the
    # numeric string "0" for an int: see MUTATION_BLIND)
    models = _models()
    disagree, n = [], 0
    for path, it, d, _, _ in list(corpus)[::7]:
        for ev in (dialects.events(it) or ())[:12]:
            v, err = ev.json()
            if err is not None or not isinstance(v, dict) or isinstance(v.get("error"), dict) \
                    or v.get("object") == "" \
                    or ev.type in ("ping", "error"):
                continue
            for key in list(v):
                w = dict(v)
                if mutate == "drop":
                    del w[key]
                elif mutate == "retype":
                    w[key] = [w[key]] if not isinstance(w[key], list) else {"x": 1}
                elif key == "type" and isinstance(v[key], str):
                    w[key] = v[key] + "x"
                else:
                    continue
                ours_ok, sdk_ok = _pinned_accepts(d, "stream", w), _sdk_accepts(models[(d, "stream")], w)
                n += 1
                if ours_ok != sdk_ok:
                    disagree.append((str(path), d, mutate, key, ours_ok, sdk_ok))
    assert disagree == [], disagree[:5]
    assert n > 100


def _every_fourth(body: str) -> str:
    """A defect in every fourth event: its first integer becomes a string, or its ``type`` unknown."""
    parts = body.split("\n\n")
    for i in range(0, len(parts), 4):
        if '"type":"' in parts[i] and i % 8 == 0:
            parts[i] = parts[i].replace('"type":"', '"type":"x', 1)
        else:
            parts[i] = re.sub(r'":(\d+)([,}])', r'":"\1"\2', parts[i], count=1)
    return "\n\n".join(parts)


def test_shaping_a_whole_body_finds_what_shaping_event_by_event_finds(corpus, monkeypatch, tmp_path):
    # the fast path (the body shaped at once, split at its blank lines) against the plain one, on every
    # recorded stream, and on copies with a defect in every fourth event: the same findings, counts,
    # lines and columns, also when the body is shaped in windows of a few events
    from cassette_lint.rules import provider

    plain = provider._distinct

    def findings(path, whole, window=provider.WINDOW):
        monkeypatch.setattr(provider, "_distinct", lambda *a: plain(*a, whole=whole))
        monkeypatch.setattr(provider, "WINDOW", window)
        provider._GOOD.clear()
        return [(f.rule, f.line, f.column, f.message) for f in lint_file(path, select=("ALL", "P002", "P003")) if f.rule[0] == "P"]

    n = defects = 0
    for path, it, d in _mutants(corpus, per_group=2):
        for body in (it.response.body.text, _every_fourth(it.response.body.text)):
            f = tmp_path / "m.yaml"
            req = it.request.body.text if it.request.body is not None and it.request.body.text else "{}"
            f.write_text(cassette(dialects.url_of(it), req, body), "utf-8")
            fast = findings(f, True)
            assert fast == findings(f, False) == findings(f, True, window=200), (str(path), it.index)
            n += 1
            defects += len(fast)
    assert n > 40 and defects > 40
