"""Tool-call rules (``A``): are the recorded tool calls whole, valid and consistent?

Tool calls are reassembled per dialect (:mod:`cassette_lint.streams.dialects`), once per interaction:

- chat completions, streamed: ``delta.tool_calls`` grouped by choice index and tool-call index; id
  and name come from the first delta that has them, ``function.arguments`` fragments are joined
  (no argument text at all, e.g. ``"arguments": null`` throughout, means ``{}``, as SDKs read it);
  non-streamed: ``choices[].message.tool_calls[].function.arguments``;
- Anthropic Messages: ``tool_use`` content blocks; streamed, the ``input_json_delta.partial_json``
  fragments of each block are joined (an empty join means ``{}``, as the SDKs read it);
- OpenAI Responses: ``function_call`` output items; streamed, the
  ``response.function_call_arguments.delta`` fragments of each item are joined and compared with
  the ``.done`` event's ``arguments``;
- Gemini: ``functionCall`` parts (their ``args`` are already objects: only the name is checked).

The arguments are then checked against the JSON Schema the request declared for the tool
(``tools[].function.parameters``, Anthropic ``input_schema``, Responses ``parameters``) with
``jsonschema``; compiled validators are cached across files.
"""

from __future__ import annotations

import json
from typing import Any

from ..streams import dialects
from ..findings import ERROR, WARNING, Problem
from ..streams.sse import parse_json
from . import rule
from .event_stream import client

#: how many characters of reassembled arguments a message shows
SHOW_CHARS = 80


class Call:
    # a plain class, not a dataclass (creating one costs every start-up ~1 ms); identity equality, as before
    __slots__ = ("id", "name", "text", "offset", "frags", "value", "error", "done_text", "done_offset", "missing",
                 "choice")

    def __init__(self, id: str | None, name: str | None, text: str | None, offset: int, frags: list | None = None,
                 value: Any = None, error: json.JSONDecodeError | None = None, done_text: str | None = None,
                 done_offset: int = 0, missing: str = "", choice: int = 0):
        self.id = id
        self.name = name
        #: the arguments as text (None when the API gave an object, as Gemini and Anthropic do)
        self.text = text
        #: body offset where the call starts (first delta, or the item in a JSON body)
        self.offset = offset
        #: [(start in text, body offset of the fragment's line)] to point at the fragment that breaks
        self.frags: list = [] if frags is None else frags
        self.value = value
        self.error = error
        #: Responses: the ``.done`` event's arguments and where it is
        self.done_text = done_text
        self.done_offset = done_offset
        self.missing = missing  # "id", "name" or "id and name" missing from the first delta
        self.choice = choice

    def __repr__(self) -> str:
        return f"Call(id={self.id!r}, name={self.name!r}, offset={self.offset!r}, choice={self.choice!r})"

    def parse(self, empty_is_object: bool = False) -> None:
        if self.text is None:
            return
        if empty_is_object and not self.text.strip():
            self.value = {}
            return
        self.value, self.error = parse_json(self.text)

    def offset_of(self, pos: int) -> int:
        """Body offset of the fragment holding character ``pos`` of the joined text."""
        best = self.frags[0][1] if self.frags else self.offset
        for start, off in self.frags:
            if start > pos:
                break
            best = off
        return best


_ANTHROPIC_TOOL_BLOCKS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})


def _obj(ev):
    v, err = ev.json()
    return v if err is None and isinstance(v, dict) else None


def calls(it) -> list[Call]:
    """The tool calls the interaction's response produced (reassembled, parsed), cached."""
    got = it.derived.get("tool_calls")
    if got is not None:
        return got
    out: list[Call] = []
    rs = it.response
    evs = dialects.events(it) if rs is not None and rs.body is not None else None
    if evs is not None or (rs is not None and rs.body is not None and rs.body.text):
        d = dialects.dialect(it)
        if evs is not None:
            if d == dialects.CHAT:
                # most chat streams carry no tool call: one look at the body spares a pass over its
                # chunks (JSON cannot spell the key otherwise than in quotes or with \u escapes)
                text = rs.body.text
                has = text is None or '"tool_calls"' in text or rs.body.unicode_escapes
                out = _chat_stream(evs) if has else []
            elif d == dialects.ANTHROPIC:
                out = _anthropic_stream(evs)
            elif d == dialects.RESPONSES:
                out = _responses_stream(evs)
            elif d == dialects.ASSISTANTS:
                out = _assistants_stream(evs)
            elif d == dialects.GEMINI:
                for ev in evs:
                    v = _obj(ev)
                    if v is not None:
                        out.extend(_gemini(v, ev.data_offset))
            elif d == dialects.OLLAMA:
                for ev in evs:
                    v = _obj(ev) if '"tool_calls"' in ev.data or "\\u" in ev.data else None
                    if v is not None:
                        out.extend(_ollama(v, ev.data, ev.offset))
        else:
            v, err = rs.body.json
            if err is None and isinstance(v, dict):
                out = _non_stream(d, v, rs.body.text)
    it.derived["tool_calls"] = out
    return out


def _chat_stream(evs) -> list[Call]:
    groups: dict = {}
    for ev in evs:
        data = ev.data
        if '"tool_calls"' not in data and "\\u" not in data:
            continue  # a chunk without tool calls (JSON cannot spell the key otherwise)
        v = _obj(ev)
        if v is None:
            continue
        for ch in v.get("choices") or ():
            if not isinstance(ch, dict):
                continue
            delta = ch.get("delta")
            tcs = delta.get("tool_calls") if isinstance(delta, dict) else None
            if not tcs or not isinstance(tcs, list):
                continue
            ci = ch.get("index", 0)
            for pos_in_list, tc in enumerate(tcs):
                if not isinstance(tc, dict):
                    continue
                ti = tc.get("index")
                if not isinstance(ti, int):
                    ti = pos_in_list
                fn = tc.get("function") if isinstance(tc.get("function"), dict) else {}
                key = (ci, ti)
                c = groups.get(key)
                if c is None:
                    c = Call(tc.get("id") or None, fn.get("name") or None, "", ev.data_offset, choice=ci)
                    miss = [w for w, x in (("id", c.id), ("name", c.name)) if not x]
                    c.missing = " and ".join(miss)
                    groups[key] = c
                else:
                    c.id = c.id or tc.get("id") or None
                    c.name = c.name or fn.get("name") or None
                frag = fn.get("arguments")
                if isinstance(frag, str) and frag:
                    c.frags.append((len(c.text), ev.data_offset))
                    c.text += frag
    out = list(groups.values())
    for c in out:
        # no argument text at all (some providers send ``"arguments": null`` for a tool without
        # parameters): SDKs read it as ``{}``; a required parameter then shows up as A005
        c.parse(empty_is_object=True)
    return out


def _anthropic_stream(evs) -> list[Call]:
    open_: dict = {}
    out: list[Call] = []
    for ev in evs:
        t = ev.type
        if t not in ("content_block_start", "content_block_delta", "content_block_stop"):
            continue
        v = _obj(ev)
        if v is None:
            continue
        idx = v.get("index")
        if t == "content_block_start":
            cb = v.get("content_block")
            if isinstance(cb, dict) and cb.get("type") in _ANTHROPIC_TOOL_BLOCKS:
                c = Call(cb.get("id"), cb.get("name"), "", ev.data_offset)
                c.value = cb.get("input")
                open_[idx] = c
                out.append(c)
        elif t == "content_block_delta":
            c = open_.get(idx)
            delta = v.get("delta")
            if c is not None and isinstance(delta, dict) and delta.get("type") == "input_json_delta":
                frag = delta.get("partial_json")
                if isinstance(frag, str) and frag:
                    c.frags.append((len(c.text), ev.data_offset))
                    c.text += frag
        else:
            open_.pop(idx, None)
    for c in out:
        if c.text or not isinstance(c.value, dict):
            c.parse(empty_is_object=True)
        else:
            c.text = None  # the start event's input is all there is
    return out


def _responses_stream(evs) -> list[Call]:
    items: dict = {}
    for ev in evs:
        t = ev.type
        if not t or not (t.startswith("response.function_call_arguments") or t.startswith("response.output_item")):
            continue
        v = _obj(ev)
        if v is None:
            continue
        if t.startswith("response.output_item"):
            item = v.get("item")
            if isinstance(item, dict) and item.get("type") == "function_call":
                c = items.get(item.get("id"))
                if c is None:
                    c = items[item.get("id")] = Call(item.get("call_id"), item.get("name"), "", ev.data_offset)
                c.id = c.id or item.get("call_id")
                c.name = c.name or item.get("name")
                if t == "response.output_item.done" and c.done_text is None and isinstance(item.get("arguments"), str):
                    c.done_text, c.done_offset = item["arguments"], ev.data_offset
            continue
        c = items.get(v.get("item_id"))
        if c is None:
            c = items[v.get("item_id")] = Call(None, None, "", ev.data_offset)
        if t == "response.function_call_arguments.delta":
            frag = v.get("delta")
            if isinstance(frag, str) and frag:
                c.frags.append((len(c.text), ev.data_offset))
                c.text += frag
        elif t == "response.function_call_arguments.done" and isinstance(v.get("arguments"), str):
            c.done_text, c.done_offset = v["arguments"], ev.data_offset
    return _finished(items.values())


def _finished(calls) -> list[Call]:
    """The calls, each parsed: a call without fragments takes its final (``done``) arguments."""
    out = list(calls)
    for c in out:
        if not c.frags and c.done_text is not None:
            c.text = c.done_text
            c.frags = [(0, c.done_offset)]
        c.parse()
    return out


def _assistants_stream(evs) -> list[Call]:
    """OpenAI Assistants runs: ``thread.run.step.delta`` events carry each function call's
    ``step_details.tool_calls[]`` fragments (by ``index`` within the step), joined per call; the
    ``thread.run.requires_action`` event repeats the whole calls (``required_action.submit_tool_outputs``),
    read as the calls' final arguments (``done_text``)."""
    calls_: dict = {}
    for ev in evs:
        t = ev.type
        if t not in ("thread.run.step.delta", "thread.run.requires_action"):
            continue
        v = _obj(ev)
        if v is None:
            continue
        if t == "thread.run.requires_action":
            ra = v.get("required_action")
            sto = ra.get("submit_tool_outputs") if isinstance(ra, dict) else None
            for tc in (sto.get("tool_calls") if isinstance(sto, dict) else None) or ():
                fn = tc.get("function") if isinstance(tc, dict) else None
                if not isinstance(fn, dict):
                    continue
                c = next((x for x in calls_.values() if x.id == tc.get("id")), None)
                if c is None:
                    c = calls_[("done", tc.get("id"))] = Call(tc.get("id"), fn.get("name"), "", ev.data_offset)
                if isinstance(fn.get("arguments"), str):
                    c.done_text, c.done_offset = fn["arguments"], ev.data_offset
            continue
        delta = v.get("delta")
        sd = delta.get("step_details") if isinstance(delta, dict) else None
        for tc in (sd.get("tool_calls") if isinstance(sd, dict) else None) or ():
            if not isinstance(tc, dict) or tc.get("type", "function") != "function":
                continue
            fn = tc.get("function") if isinstance(tc.get("function"), dict) else {}
            key = (v.get("id"), tc.get("index"))
            c = calls_.get(key)
            if c is None:
                c = calls_[key] = Call(tc.get("id"), fn.get("name"), "", ev.data_offset)
            c.id = c.id or tc.get("id")
            c.name = c.name or fn.get("name")
            frag = fn.get("arguments")
            if isinstance(frag, str) and frag:
                c.frags.append((len(c.text), ev.data_offset))
                c.text += frag
    return _finished(calls_.values())


def _gemini(v: dict, offset: int) -> list[Call]:
    out = []
    for cand in v.get("candidates") or ():
        content = cand.get("content") if isinstance(cand, dict) else None
        for part in (content.get("parts") or ()) if isinstance(content, dict) else ():
            fc = part.get("functionCall") if isinstance(part, dict) else None
            if isinstance(fc, dict):
                c = Call(fc.get("id"), fc.get("name"), None, offset)
                c.value = fc.get("args", {})
                out.append(c)
    return out


class _Finder:
    """Offsets of successive ``"key"`` occurrences in a JSON body's text (document order)."""

    def __init__(self, text: str):
        self.text = text
        self.at: dict[str, int] = {}

    def next(self, key: str) -> int:
        needle = f'"{key}"'
        i = self.text.find(needle, self.at.get(key, 0))
        if i == -1:
            return 0
        self.at[key] = i + len(needle)
        return i


def _non_stream(d, v: dict, text: str) -> list[Call]:
    out: list[Call] = []
    f = _Finder(text)
    if d == dialects.CHAT or (d is None and "choices" in v):
        for ch in v.get("choices") or ():
            msg = ch.get("message") if isinstance(ch, dict) else None
            out.extend(_message_calls(msg, f, 0, ch.get("index", 0)))
    elif d == dialects.RESPONSES:
        for item in v.get("output") or ():
            if isinstance(item, dict) and item.get("type") == "function_call":
                args = item.get("arguments")
                off = f.next("arguments")
                c = Call(item.get("call_id"), item.get("name"), args if isinstance(args, str) else None, off)
                c.frags = [(0, off)]
                c.parse()
                out.append(c)
    elif d == dialects.ANTHROPIC:
        for block in v.get("content") or ():
            if isinstance(block, dict) and block.get("type") in _ANTHROPIC_TOOL_BLOCKS:
                c = Call(block.get("id"), block.get("name"), None, f.next("input"))
                c.value = block.get("input")
                out.append(c)
    elif d == dialects.GEMINI:
        out = _gemini(v, 0)
    elif d == dialects.OLLAMA:
        out = _ollama(v, text, 0)
    return out


def _ollama(v: dict, text: str, offset: int) -> list[Call]:
    """Ollama's ``message.tool_calls`` (``/api/chat``): ``function.arguments`` is an object, or (from
    OpenAI-compatible models behind it) a string of JSON. ``text`` is the line or body of ``v``."""
    return _message_calls(v.get("message"), _Finder(text), offset)


def _message_calls(msg, f: _Finder, offset: int, choice: int = 0) -> list[Call]:
    """The ``tool_calls`` of a chat message (chat completions, Ollama): ``function.arguments`` a
    string of JSON (parsed) or an object; ``f`` finds each in the text, ``offset`` is the text's."""
    out = []
    for tc in (msg.get("tool_calls") or ()) if isinstance(msg, dict) else ():
        fn = tc.get("function") if isinstance(tc, dict) else None
        if not isinstance(fn, dict):
            continue
        args = fn.get("arguments")
        off = offset + f.next("arguments")
        c = Call(tc.get("id"), fn.get("name"), args if isinstance(args, str) else None, off, choice=choice)
        c.frags = [(0, off)]
        if isinstance(args, str):
            c.parse()
        else:
            c.value = args
        out.append(c)
    return out


def _short(text: str, n: int = SHOW_CHARS) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= n else text[: n // 2 - 1] + "…" + text[-(n // 2):]


def _label(c: Call) -> str:
    return f"tool call {c.name or '?'}" + (f" ({c.id})" if c.id else "")


@rule("A001", "tool-call-arguments-invalid", ERROR)
def arguments_invalid(cassette):
    """A tool call's (reassembled) arguments are not a JSON object.

    What: streamed chat completions join every ``function.arguments`` fragment of one tool call;
    Anthropic joins ``input_json_delta.partial_json`` per content block; Responses joins
    ``response.function_call_arguments.delta`` per item; non-streamed responses carry the whole
    string. The result must parse as a JSON object. The finding points at the line of the fragment
    where the JSON goes wrong and shows the reassembled text (shortened).

    Why: broken arguments mean the recording was cut (a fragment lost) or edited.

    Consequence (the replaying library hands back the stored bytes; the client parses the arguments
    to call the tool):

    - OpenAI (chat, Responses, Assistants), Ollama and the rest: **error**, the client fails.
      openai-python hands ``function.arguments`` through as text, and the code that calls the tool
      decodes it (``json.loads``, as every agent framework does) and raises; openai-python's own
      ``parse()`` helpers raise for strict tools, and a JSON array or string cannot be passed as
      keyword arguments.
    - Anthropic streams: anthropic's ``MessageStream`` parses ``input_json_delta`` in jiter's partial
      mode: arguments that merely end too early become a shorter ``input`` without an error
      (**warning**: the tool is called with less than was recorded); JSON that is wrong, not cut,
      raises ``ValueError`` ("Unable to parse tool parameter JSON") (**error**).

    Fix: re-record the interaction.

    FAIL::

        data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"add","arguments":"{\\"a\\":"}}]}}]}

        data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

    PASS::

        data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"add","arguments":"{\\"a\\":2}"}}]}}]}

    """
    for it in cassette.http:
        body = it.response.body if it.response is not None else None
        for c in calls(it):
            if c.text is None:
                continue
            d = dialects.dialect(it) if c.error is not None or not isinstance(c.value, dict) else None
            if c.error is not None:
                e = c.error
                off = c.offset_of(min(e.pos, max(len(c.text) - 1, 0)))
                # cut short: the text is a prefix of JSON (an unterminated string runs to the end)
                ended = e.pos >= len(c.text.rstrip())
                cut = ended or e.msg.startswith("Unterminated string")
                why = "end before the JSON is complete" if ended else f"are not JSON: {e.msg}"
                severity, then = ERROR, _CLIENT_PARSE_FAILS
                if d == dialects.ANTHROPIC and dialects.events(it) is not None:  # (Bedrock's frames too)
                    then = (f"{client(d)} parses them in partial mode: the tool gets a shorter input on replay"
                            if cut else f"{client(d)} raises ValueError on replay")
                    severity = WARNING if cut else ERROR
                yield Problem(body.pos(off), f"{_label(c)}: arguments {why} (character {e.pos + 1} of "
                              f"{_short(c.text)!r}): {then}", interaction=it.index, value=c.text[:200],
                              severity=severity)
            elif not isinstance(c.value, dict):
                yield Problem(body.pos(c.offset), f"{_label(c)}: arguments are a JSON {type(c.value).__name__}, "
                              f"not an object ({_short(c.text)!r}): the client cannot call the tool with them on "
                              "replay", interaction=it.index, value=c.text[:200])


#: what happens to arguments that are not JSON, where the client decodes them (OpenAI, Ollama …)
_CLIENT_PARSE_FAILS = "openai-python hands them through as text, and the client's json.loads raises on replay"


@rule("A002", "tool-call-arguments-done-mismatch", WARNING)
def done_mismatch(cassette):
    """OpenAI Responses: the joined ``function_call_arguments.delta`` fragments differ from ``.done``.

    Why: the difference proves a lost or edited fragment.

    Consequence: **warning**, the SDK does not break. The replaying library hands back the stored
    bytes; openai-python's ``ResponseStream`` takes the final response (and its arguments) from
    ``response.completed``, so ``get_final_response()`` has the ``.done`` arguments, while code that
    reads the ``function_call_arguments.delta`` events (their ``snapshot``) sees the deltas' text.

    Fix: re-record the interaction.

    FAIL::

        event: response.function_call_arguments.delta
        data: {"type":"response.function_call_arguments.delta","item_id":"fc_1","delta":"{\\"a\\":2"}

        event: response.function_call_arguments.done
        data: {"type":"response.function_call_arguments.done","item_id":"fc_1","arguments":"{\\"a\\":2,\\"b\\":3}"}

    PASS: the deltas join to exactly the ``.done`` arguments.
    """
    for it in cassette.http:
        if dialects.dialect(it) != dialects.RESPONSES or dialects.stream(it) is None:
            continue
        for c in calls(it):
            if c.frags and c.done_text is not None and c.text != c.done_text and c.frags[0][1] != c.done_offset:
                yield Problem(it.response.body.pos(c.done_offset), f"{_label(c)}: deltas join to "
                              f"{_short(c.text)!r} but .done has {_short(c.done_text)!r}: "
                              f"{client(dialects.RESPONSES)}'s final response has .done's, code reading the deltas "
                              "sees theirs", interaction=it.index, value=c.done_text[:200])


@rule("A003", "tool-call-delta-incomplete", ERROR)
def delta_incomplete(cassette):
    """A streamed chat-completions tool call's first delta carries no ``id`` or no ``function.name``.

    Why: clients take the id and the name from the first delta of each tool-call index and only
    append ``arguments`` afterwards. The stream lost its first fragment or was edited.

    Consequence (the replaying library hands back the stored bytes):

    - no delta of the call carries it: **error**, the client fails. openai-python's
      ``ChatCompletionStreamState`` builds a tool call whose ``function.name`` or ``id`` is None: the
      code under test cannot dispatch the call, nor answer it (the ``tool`` message needs the id).
    - a later delta carries it: **warning**, openai-python's accumulator concatenates every string
      of the deltas and finds it; a client that reads them from the first delta only loses them.

    Fix: re-record the interaction.

    FAIL::

        data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]}

    PASS::

        data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"add","arguments":""}}]}}]}

    """
    for it in cassette.http:
        if dialects.dialect(it) != dialects.CHAT or dialects.stream(it) is None:
            continue
        for c in calls(it):
            if c.missing:
                never = [w for w in c.missing.split(" and ") if not getattr(c, w)]
                if never:
                    severity, then = ERROR, (f"no later delta has it either: openai-python's ChatCompletionStreamState "
                                             f"builds a tool call without {' and '.join(never)}, which the client cannot "
                                             "dispatch or answer")
                else:
                    severity, then = WARNING, ("a later delta has it: openai-python's ChatCompletionStreamState finds "
                                               "it on replay, clients reading the first delta only do not")
                yield Problem(it.response.body.pos(c.offset), f"first delta of {_label(c)} has no {c.missing}: {then}",
                              interaction=it.index, severity=severity)


# -- declared tools and their schemas ----------------------------------------------------------------

_validators: dict[str, Any] = {}
_fast: dict[str, Any] = {}


def declared_tools(it) -> dict[str, Any] | None:
    """{tool name: parameters schema or None} the request declared, or None when it declared none."""
    req = it.request.json_body if it.request is not None else None
    if not isinstance(req, dict):
        return None
    tools = req.get("tools")
    if not isinstance(tools, list):
        return None
    out: dict[str, Any] = {}
    for t in tools:
        if not isinstance(t, dict):
            continue
        fn = t.get("function")
        if isinstance(fn, dict) and "name" in fn:  # chat completions
            out[fn["name"]] = fn.get("parameters")
        elif isinstance(t.get("functionDeclarations"), list):  # Gemini (OpenAPI subset: names only)
            for fd in t["functionDeclarations"]:
                if isinstance(fd, dict) and "name" in fd:
                    out[fd["name"]] = fd.get("parametersJsonSchema")
        elif "name" in t:  # Anthropic (input_schema), Responses (parameters), built-in named tools
            out[t["name"]] = t.get("input_schema", t.get("parameters"))
        elif isinstance(t.get("type"), str):  # Responses built-ins (web_search …) have no name
            out[t["type"]] = None
    return out


def _valid_fast(schema: dict, key: str, value) -> bool:
    """True when the compiled fast check (exact where it applies) accepts ``value``; no jsonschema import."""
    fast = _fast.get(key, False)
    if fast is False:
        from ..schema import predicate

        if len(_fast) > 512:
            _fast.clear()
        fast = _fast[key] = predicate(schema)
    if fast is None:
        return False
    try:
        return fast(value)
    except Exception:  # a broken request schema ("required": 5): jsonschema judges it below
        return False


def _validator(schema: dict, key: str):
    """The jsonschema validator for ``schema`` (False when the schema itself is invalid), built once.

    Imported only when the fast check rejects some arguments: ``import jsonschema`` costs more than
    checking a whole small cassette."""
    v = _validators.get(key)
    if v is None:
        import jsonschema

        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        try:
            cls.check_schema(schema)
            v = cls(schema)
        except jsonschema.SchemaError:
            v = False  # the request's schema is itself broken: not ours to judge
        if len(_validators) > 512:
            _validators.clear()
        _validators[key] = v
    return v


@rule("A004", "tool-call-undeclared", WARNING)
def undeclared(cassette):
    """The response calls a tool that the request did not declare.

    Why: models only call tools they were given; a call to an unknown name means the request and the
    response come from different recordings, or a tool was renamed in the code but not in the
    cassette.

    Consequence: **warning**. The replaying library hands back the stored bytes and the SDKs do not
    compare the call with the request (openai-python, anthropic build it as recorded); the code under
    test receives a call to a tool it does not have, which agent loops answer with an "unknown tool"
    error to the model (or raise, if the test means to exercise that).

    Fix: re-record, or rename the tool consistently.

    FAIL::

        request:  {"tools":[{"type":"function","function":{"name":"add"}}]}
        response: ... "tool_calls":[{"id":"c1","function":{"name":"multiply","arguments":"{}"}}] ...

    PASS: the called name is among the request's ``tools``.
    """
    for it in cassette.http:
        cs = calls(it)
        if not cs:
            continue
        declared = declared_tools(it)
        if declared is None:
            continue
        for c in cs:
            if c.name and c.name not in declared:
                yield Problem(it.response.body.pos(c.offset), f"{_label(c)}: the request declares no tool named "
                              f"{c.name!r} (declared: {', '.join(sorted(declared)) or 'none'}): "
                              f"{client(dialects.dialect(it))} replays the call as recorded, the client has no "
                              "such tool", interaction=it.index, value=c.name)


@rule("A005", "tool-call-schema-violation", WARNING)
def schema_violation(cassette):
    """A tool call's arguments do not satisfy the JSON Schema the request declared for that tool.

    What: ``tools[].function.parameters`` (chat completions), ``input_schema`` (Anthropic) or
    ``parameters`` (Responses), checked with ``jsonschema``.

    Why: models do produce invalid arguments, and the recording may be exactly that test; but more
    often the schema in the code changed after recording, and the replayed call no longer matches
    what the code would send.

    Consequence: **warning**. The replaying library hands back the stored bytes; the SDKs do not
    validate arguments against the declared schema (openai-python only for strict tools through its
    ``parse()`` helpers, anthropic never), so the tool receives them as recorded.

    Fix: re-record after changing a tool's schema.

    FAIL::

        request:  {"tools":[{"type":"function","function":{"name":"add","parameters":{"type":"object","required":["a","b"]}}}]}
        response: ... "arguments":"{\\"a\\":2}" ...

    PASS: ``"arguments":"{\\"a\\":2,\\"b\\":3}"``.
    """
    for it in cassette.http:
        cs = calls(it)
        if not cs:
            continue
        declared = declared_tools(it)
        if not declared:
            continue
        for c in cs:
            schema = declared.get(c.name) if c.name else None
            if not isinstance(schema, dict) or c.error is not None or not isinstance(c.value, dict):
                continue
            key = json.dumps(schema, sort_keys=True)
            if _valid_fast(schema, key, c.value):
                continue  # the arguments are valid (the fast check is exact where it applies)
            v = _validator(schema, key)
            if not v:
                continue  # the request's schema is broken: not ours to judge
            import jsonschema.exceptions

            err = jsonschema.exceptions.best_match(v.iter_errors(c.value))
            if err is not None:
                where = "/".join(str(p) for p in err.absolute_path)
                yield Problem(it.response.body.pos(c.offset), f"{_label(c)}: arguments violate the declared schema"
                              f"{' at ' + where if where else ''}: {err.message[:160]} ("
                              f"{client(dialects.dialect(it))} does not validate them: the tool gets them as "
                              "recorded on replay)", interaction=it.index)


# -- across interactions -----------------------------------------------------------------------------

def _replayed(d, req: dict) -> list | None:
    key = "input" if d == dialects.RESPONSES else ("contents" if d == dialects.GEMINI else "messages")
    msgs = req.get(key)
    return msgs if isinstance(msgs, list) else None


def _arguments(args):
    """Replayed arguments as a value: JSON text parsed (left as the text when it is not JSON)."""
    try:
        return json.loads(args) if isinstance(args, str) else args
    except (ValueError, RecursionError):
        return args


def _calls_in_message(d, msg) -> list[tuple[str | None, str | None, Any]] | None:
    """(id, name, arguments value) of the tool calls an assistant message of the next request replays."""
    if not isinstance(msg, dict):
        return None
    if d == dialects.CHAT:
        if msg.get("role") != "assistant":
            return None
        out = []
        for tc in msg.get("tool_calls") or ():
            fn = tc.get("function") if isinstance(tc, dict) else None
            if isinstance(fn, dict):
                out.append((tc.get("id"), fn.get("name"), _arguments(fn.get("arguments"))))
        return out
    if d == dialects.ANTHROPIC:
        if msg.get("role") != "assistant" or not isinstance(msg.get("content"), list):
            return None
        return [(b.get("id"), b.get("name"), b.get("input")) for b in msg["content"]
                if isinstance(b, dict) and b.get("type") in _ANTHROPIC_TOOL_BLOCKS]
    if d == dialects.RESPONSES:
        # input items: each replayed call is one item; reasoning items and the assistant's own
        # message items belong to the same turn
        t = msg.get("type")
        if t == "function_call":
            return [(msg.get("call_id"), msg.get("name"), _arguments(msg.get("arguments")))]
        if t == "reasoning" or (t in ("message", None) and msg.get("role") == "assistant"):
            return []
        return None
    if d == dialects.GEMINI:
        if msg.get("role") != "model" or not isinstance(msg.get("parts"), list):
            return None
        return [(fc.get("id"), fc.get("name"), fc.get("args", {})) for part in msg["parts"]
                if isinstance(part, dict) and isinstance(fc := part.get("functionCall"), dict)]
    return None


def _result_ids(d, msgs) -> list[str]:
    ids = []
    for m in msgs:
        if not isinstance(m, dict):
            continue
        if d == dialects.CHAT and m.get("role") == "tool" and isinstance(m.get("tool_call_id"), str):
            ids.append(m["tool_call_id"])
        elif d == dialects.ANTHROPIC and isinstance(m.get("content"), list):
            ids.extend(b["tool_use_id"] for b in m["content"]
                       if isinstance(b, dict) and b.get("type") == "tool_result" and isinstance(b.get("tool_use_id"), str))
        elif d == dialects.RESPONSES and m.get("type") == "function_call_output" and isinstance(m.get("call_id"), str):
            ids.append(m["call_id"])
    return ids


@rule("A006", "tool-call-replay-mismatch", ERROR)
def replay_mismatch(cassette):
    """The next request replays the conversation but not the tool calls this response produced.

    What: when interaction *n+1*'s request repeats interaction *n*'s messages and then an assistant
    message with tool calls, those calls (ids, names, arguments) must be the ones *n*'s response
    produced, and the ``tool`` results (``tool_call_id``; Anthropic ``tool_result.tool_use_id``;
    OpenAI Responses ``function_call_output.call_id``) must answer those ids. Checked for chat
    completions, Anthropic Messages (Bedrock's too), OpenAI Responses (when the request replays its
    ``input``; with ``previous_response_id`` the server keeps the history and nothing is replayed)
    and Gemini (``functionCall`` parts of the replayed ``model`` turn, by name and arguments: Gemini
    gives calls no id, its SDKs number them). OpenAI Assistants runs: the ``submit_tool_outputs``
    request answers exactly the ``tool_call_id`` values the run's ``thread.run.requires_action`` asked for.

    Why: the SDK builds the next request from the previous response; a mismatch proves the two
    interactions come from different recordings (or one was edited), so with body matching the
    second request never matches during replay.

    Consequence per library profile (the severity follows it): a matcher that compares the body
    (go-vcr v4's default matcher, httprr, Polly, a ``match-on`` with ``body``/``raw_body``/
    ``body_as_json``): **error**, the request the client builds from the replayed response is not
    the recorded one, so it never matches. vcrpy's and Ruby VCR's default matchers and go-vcr
    v1–v3's compare no body: **warning**, it replays, but the conversation is not one the provider
    and the SDK produced.

    Fix: re-record the whole cassette.

    FAIL::

        # interaction 0 response: tool call id "call_1"
        # interaction 1 request:  {"messages":[..., {"role":"assistant","tool_calls":[{"id":"call_9",...}]},
        #                                        {"role":"tool","tool_call_id":"call_9",...}]}

    PASS: interaction 1 replays ``call_1`` and answers ``tool_call_id: call_1``.
    """
    severity = why = None  # (what the profile says, worded only for a file with a mismatch)
    for p in _replay_mismatches(cassette):
        if why is None:
            profile = cassette.profile
            if any(profile.compares(f) for f in ("body", "raw_body", "body_as_json")):
                severity, why = ERROR, f"{profile.matcher} compares the body, so the request the client builds never matches"
            else:
                severity, why = WARNING, (f"{profile.matcher} does not compare the body, so it replays, but the two "
                                          "interactions come from different recordings")
        p.message = f"{p.message}: {why}"
        p.severity = severity
        yield p


def _replay_mismatches(cassette):
    inters = list(cassette.http)
    for prev, nxt in zip(inters, inters[1:]):
        d = dialects.dialect(prev)
        if d is None or dialects.dialect(nxt) != d:
            continue
        if d == dialects.ASSISTANTS:
            yield from _assistants_outputs(prev, nxt)
            continue
        produced = calls(prev)
        if not produced or any(c.error is not None for c in produced):
            continue  # nothing produced, or broken calls (A001 says so): nothing to compare
        preq, nreq = prev.request.json_body, nxt.request.json_body
        if not isinstance(preq, dict) or not isinstance(nreq, dict):
            continue
        pm, nm = _replayed(d, preq), _replayed(d, nreq)
        if pm is None or nm is None or len(nm) <= len(pm) or not _same_history(nm[:len(pm)], pm):
            continue
        # the assistant turn may be replayed as several consecutive assistant messages (llm sends
        # {"role":"assistant","content":""} and then one carrying the tool calls): take them all
        replay: list = []
        end = len(pm)
        while end < len(nm):
            part = _calls_in_message(d, nm[end])
            if part is None:
                break
            replay.extend(part)
            end += 1
        if end == len(pm):
            continue
        want = [(c.id, c.name, c.value) for c in produced]
        got_ids = [r[0] for r in replay]
        # an id the response gave must come back; Gemini gives none (its SDKs number the calls)
        if (len(want) != len(replay) or any(w[0] is not None and w[0] != r[0] for w, r in zip(want, replay))
                or [w[1] for w in want] != [r[1] for r in replay]):
            yield Problem(nxt.request.body.pos(0), f"request replays tool calls {_names(replay)} but interaction {prev.index}'s response "
                          f"produced {_names(want)}", interaction=nxt.index)
            continue
        for w, r in zip(want, replay):
            if w[2] != r[2]:
                yield Problem(nxt.request.body.pos(0), f"request replays tool call {r[1]} ({r[0]}) with arguments "
                              f"{_short(json.dumps(r[2]))!r} but interaction {prev.index}'s response produced "
                              f"{_short(json.dumps(w[2]))!r}", interaction=nxt.index)
        for rid in _result_ids(d, nm[end:]):
            if rid not in got_ids:
                yield Problem(nxt.request.body.pos(0), f"tool result answers {rid!r}, which interaction {prev.index}'s response never "
                              f"produced (produced: {', '.join(str(g) for g in got_ids)})", interaction=nxt.index,
                              value=rid)


def _assistants_outputs(prev, nxt):
    """OpenAI Assistants: the run's ``submit_tool_outputs`` request must answer exactly the tool calls
    the previous stream's ``thread.run.requires_action`` asked for (``tool_outputs[].tool_call_id``)."""
    url = dialects.url_of(nxt).split("?", 1)[0]
    if not url.endswith("/submit_tool_outputs"):
        return
    produced = [c.id for c in calls(prev) if c.id]
    req = nxt.request.json_body
    outs = req.get("tool_outputs") if isinstance(req, dict) else None
    if not produced or not isinstance(outs, list):
        return
    answered = [o.get("tool_call_id") for o in outs if isinstance(o, dict)]
    text = nxt.request.body.text or ""
    for rid in answered:
        if rid not in produced:
            at = text.find(str(rid)) if rid is not None else -1
            yield Problem(nxt.request.body.pos(max(at, 0)), f"submit_tool_outputs answers {rid!r}, which interaction "
                          f"{prev.index}'s run never asked for (required: {', '.join(produced)})",
                          interaction=nxt.index, value=str(rid))
    missing = [c for c in produced if c not in answered]
    if missing:
        yield Problem(nxt.request.body.pos(0), f"submit_tool_outputs leaves {', '.join(missing)} unanswered: "
                      f"interaction {prev.index}'s run required every call's output (OpenAI refuses the request)",
                      interaction=nxt.index, value=",".join(missing))


def _strip_cache_control(x):
    if isinstance(x, dict):
        return {k: _strip_cache_control(v) for k, v in x.items() if k != "cache_control"}
    if isinstance(x, list):
        return [_strip_cache_control(v) for v in x]
    return x


def _same_history(a: list, b: list) -> bool:
    """The messages are the same conversation (Anthropic ``cache_control`` marks move between turns)."""
    return a == b or _strip_cache_control(a) == _strip_cache_control(b)


def _names(cs) -> str:
    return "[" + ", ".join(f"{c[1]}({c[0]})" for c in cs) + "]" if cs else "none"
