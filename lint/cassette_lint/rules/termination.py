"""Stream-termination rules (``T``): does each recorded stream start and end as its API dialect says?

The dialect comes from :mod:`cassette_lint.streams.dialects` (URL first, then payloads).  Only dispatched
events count (an unterminated final event is ``E003``'s business, and a client never sees it).

- OpenAI-compatible chat completions: chunks, a chunk whose choice carries a ``finish_reason``, an
  optional usage chunk, then ``data: [DONE]`` as the very last event.
- OpenAI Responses: ``response.created`` … ``response.completed`` | ``response.incomplete`` |
  ``response.failed``, ``sequence_number`` strictly increasing, ``event:`` equal to ``type``.
- Anthropic Messages: ``message_start`` first, ``message_stop`` last, every ``content_block_start``
  closed by a ``content_block_stop`` of the same index, ``event:`` equal to ``type``.
- Gemini (``alt=sse``): every chunk JSON (``E001``), the last chunk's candidates carry a
  ``finishReason``.

Corpus note (../shared/corpus/fantasy, 350 go-vcr cassettes from OpenAI, Azure, OpenRouter, Vercel,
Groq, xAI, z.ai, Avian, Hugging Face, llama.cpp, Anthropic, Vertex, Gemini): every chat stream ends
with ``[DONE]``, and some send ``finish_reason`` twice or a usage chunk after it.  Providers exist
that end a finished stream without ``[DONE]`` (several OpenAI-compatible servers, and clients like
the OpenAI SDKs accept it), so a stream that has its ``finish_reason`` but no ``[DONE]`` is only a
warning (``T002``).

Consequences: every replaying library (go-vcr, vcrpy, Ruby VCR, polly, test-proxy, httprr, nock)
hands back the stored bytes; what then happens is the client's. Each rule's ``Consequence`` section
says which client does what, proven on the rules' own examples with the real SDKs
(``tests/test_consequences.py``: openai-python's ``Stream``/``ChatCompletionStreamState``/
``ResponseStreamState``, anthropic's ``accumulate_event``). Most of these rules report a stream that
is not what the provider sends while the SDK replays it without an error: warnings. Errors are where
the SDK raises.
"""

from __future__ import annotations

import bisect
import re
from operator import attrgetter

from ..streams import dialects
from ..findings import ERROR, WARNING, Problem
from ..model import has_unicode_escape
from . import rule
from .event_stream import client

RESPONSES_TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})
#: OpenAI Assistants: the run statuses a stream ends in, before its final ``event: done``
ASSISTANTS_TERMINAL = frozenset({"thread.run.completed", "thread.run.failed", "thread.run.cancelled",
                                 "thread.run.expired", "thread.run.incomplete", "thread.run.requires_action"})


def _events(it):
    """Dispatched events of the response stream (None when it is not an event stream)."""
    return dialects.events(it)


def _obj(ev):
    v, err = ev.json()
    return v if err is None and isinstance(v, dict) else None


def _pos(it, ev):
    return it.response.body.pos(ev.offset)


def _is_error(d, ev) -> bool:
    """An error event or an error object inside the stream (any dialect)."""
    if ev.type == "error":
        return True
    data = ev.data
    if data is None or ('"error"' not in data and "\\u" not in data):
        return False  # JSON cannot hold an "error" key or value without these characters
    v = _obj(ev)
    if v is None:
        return False
    return v.get("type") == "error" or isinstance(v.get("error"), dict) or (d == dialects.OLLAMA
                                                                            and isinstance(v.get("error"), str))


def _pending_end(it) -> bool:
    """True when the stream's final event is an end event left undispatched (``E003`` reports it)."""
    s = dialects.stream(it)
    ev = s.events[-1] if s is not None and s.events else None
    if ev is None or ev.terminated or not ev.n_data:
        return False
    return ev.data == "[DONE]" or ev.type in RESPONSES_TERMINAL or ev.type == "message_stop"


def _ends_in_error(d, evs) -> bool:
    return bool(evs) and _is_error(d, evs[-1])


def _chat_summary(it):
    """(index of [DONE] or None, any finish_reason, any usage), cached per interaction."""
    got = it.derived.get("chat_summary")
    if got is None:
        body = it.response.body
        got = it.derived["chat_summary"] = _chat_summary_of(_events(it), body.text or "", body.unicode_escapes)
    return got


_DATA, _OFFSET = attrgetter("data"), attrgetter("offset")

#: where a chunk can tell the summary something: a finish_reason that is not null (JSON allows
#: whitespace around the colon; the possessive ``\s*+`` keeps the lookahead from backtracking into
#: ``": null"``'s space), or a usage key; a key is written in quotes unless escaped with \u
_FINISH_NOT_NULL = re.compile(r'"finish_reason"\s*:\s*+(?!null)')


def _chat_summary_of(evs, text: str, escapes: bool | None = None):
    """The summary of a chat stream's dispatched events ``evs``, parsed from ``text``.

    Only the chunks a scan of the whole body points at are read as JSON (the one with the
    finish_reason, the usage chunk): content chunks say ``"finish_reason":null`` and nothing else
    the summary needs. A body with a ``\\u`` escape, which could spell a key, has every chunk read
    (``escapes``: whether it has one, when the caller knows; :attr:`Body.unicode_escapes`).
    """
    done = None
    if "[DONE]" in text:
        try:  # (C-level passes over the events: a stream has thousands)
            done = list(map(_DATA, evs)).index("[DONE]")
        except ValueError:
            pass
    if escapes is None:
        escapes = has_unicode_escape(text)
    if escapes:
        candidates = evs
    else:
        hits = [m.start() for m in _FINISH_NOT_NULL.finditer(text)]
        i = text.find('"usage"')
        while i != -1:
            hits.append(i)
            i = text.find('"usage"', i + 1)
        if not hits:
            return done, False, False
        starts = list(map(_OFFSET, evs))
        picked: dict[int, object] = {}
        for p in hits:
            k = bisect.bisect_right(starts, p) - 1
            if k >= 0 and p < evs[k].end:
                picked.setdefault(k, evs[k])
        candidates = list(picked.values())
    finished = usage = False
    for ev in candidates:
        if ev.data == "[DONE]":
            continue
        v = _obj(ev)
        if v is None:
            continue
        for ch in v.get("choices") or ():
            if isinstance(ch, dict) and ch.get("finish_reason"):
                finished = True
        if v.get("usage"):
            usage = True
    return done, finished, usage


def _ollama_done(evs) -> int | None:
    """Index of the first Ollama line with ``"done": true`` (its final line), or None."""
    for i, ev in enumerate(evs):
        if '"done"' in ev.data:
            v = _obj(ev)
            if v is not None and v.get("done") is True:
                return i
    return None


def _gemini_finished(evs) -> bool:
    for ev in reversed(evs):
        v = _obj(ev)
        if v is None:
            continue
        cands = v.get("candidates")
        if not cands:
            continue  # a trailing usage-only chunk: look at the last chunk with candidates
        return all(isinstance(c, dict) and c.get("finishReason") for c in cands)
    return False


@rule("T001", "stream-truncated", ERROR)
def stream_truncated(cassette):
    """A streamed response ends before its dialect's final event: the recording was cut short.

    What, per dialect:

    - chat completions: no ``data: [DONE]`` and no chunk with a ``finish_reason``;
    - OpenAI Responses: the last event is not ``response.completed``, ``response.incomplete`` or
      ``response.failed``;
    - Anthropic Messages: the last event is not ``message_stop``;
    - Gemini: the last chunk's candidates carry no ``finishReason``;
    - Ollama (newline-delimited JSON): no line has ``"done": true``.
    - OpenAI Assistants runs: no final ``event: done`` (``data: [DONE]``), which OpenAI sends after
      the run's last status event (``thread.run.completed``, ``…requires_action`` …).

    In Responses streams an event without an ``event:`` line is typed by its data's ``"type"`` (as
    the OpenAI SDKs read it), and a ``data: [DONE]`` after the final event is accepted.

    A stream whose last event is an error is reported by ``T009`` instead.

    Why: replaying a cut stream gives the code under test a half answer, so the test exercises
    something that never happened.

    Consequence per dialect (the replaying library hands back the stored bytes):

    - OpenAI Responses: **error**, openai-python's ``ResponseStream.get_final_response()`` raises
      ``RuntimeError`` ("Didn't receive a `response.completed` event").
    - chat completions, Anthropic, Gemini, Ollama, Assistants: **warning**, the SDKs replay it without
      an error and hand over a partial answer: openai-python's ``ChatCompletionStreamState`` a choice
      whose ``finish_reason`` is None, anthropic's ``MessageStream`` a message whose ``stop_reason``
      is None; google-genai and ollama-python yield the chunks there are.

    Fix: re-record the interaction.

    FAIL::

        body: |+
            data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"}}]}

    PASS::

        body: |+
            data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":"stop"}]}

            data: [DONE]

    """
    for it in cassette.http:
        evs = _events(it)
        if not evs:
            continue
        d = dialects.dialect(it)
        if _ends_in_error(d, evs) or _pending_end(it):
            continue
        last = evs[-1]
        msg = None
        if d == dialects.CHAT:
            done, finished, _ = _chat_summary(it)
            if done is None and not finished:
                msg = "chat stream ends without 'data: [DONE]' and before any finish_reason"
        elif d == dialects.RESPONSES:
            if last.type not in RESPONSES_TERMINAL and not any(e.type in RESPONSES_TERMINAL for e in evs):
                msg = (f"Responses stream ends with {last.type or 'an untyped event'!r}, not with "
                       "response.completed, response.incomplete or response.failed")
        elif d == dialects.ANTHROPIC:
            if not any(e.type == "message_stop" for e in evs):
                msg = f"Anthropic stream ends with {last.type or 'an untyped event'!r}, not with message_stop"
        elif d == dialects.GEMINI:
            if not _gemini_finished(evs):
                msg = "Gemini stream ends without a finishReason on its last candidate"
        elif d == dialects.OLLAMA:
            if _ollama_done(evs) is None:
                msg = 'Ollama stream (one JSON object a line) ends without a line with "done": true'
        elif d == dialects.ASSISTANTS:
            if not any(e.type == "done" or (e.type is None and e.data == "[DONE]") for e in evs):
                state = ("after " + next(e.type for e in reversed(evs) if e.type in ASSISTANTS_TERMINAL)
                         if any(e.type in ASSISTANTS_TERMINAL for e in evs) else "before the run reached a final status")
                msg = (f"Assistants stream ends with {last.type or 'an untyped event'!r}, without 'event: done' "
                       f"('data: [DONE]') {state}")
        if msg:
            if d == dialects.RESPONSES:
                severity, then = ERROR, f"{client(d)}.get_final_response() raises RuntimeError on replay"
            elif d == dialects.CHAT:
                severity, then = WARNING, f"{client(d)} replays a partial answer (finish_reason None)"
            elif d == dialects.ANTHROPIC:
                severity, then = WARNING, f"{client(d)} replays a partial message (stop_reason None)"
            else:
                severity, then = WARNING, f"{client(d)} replays a partial answer without an error"
            yield Problem(_pos(it, last), f"{msg}: the recording was cut short; {then}", interaction=it.index,
                          severity=severity)


@rule("T002", "chat-stream-missing-done", WARNING)
def chat_missing_done(cassette):
    """A chat-completions stream has its ``finish_reason`` but no final ``data: [DONE]``.

    Why: OpenAI and most compatible servers end every stream with ``data: [DONE]``; several
    compatible servers close the connection after the ``finish_reason`` chunk instead. A missing
    ``[DONE]`` after a recorded ``[DONE]``-sending provider usually means the tail of the body was lost.

    Consequence: **warning**, nothing breaks. The replaying library hands back the stored bytes;
    openai-python's ``Stream`` ends at the end of the body as it would at ``[DONE]`` (its
    ``ChatCompletionStreamState`` builds the same completion), and openai-go's ``ssestream`` likewise
    ends without an error.

    Fix: if the provider does send ``[DONE]``, restore it (``data: [DONE]`` and a blank line) or
    re-record.

    FAIL::

        body: |+
            data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

    PASS::

        body: |+
            data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

            data: [DONE]

    """
    for it in cassette.http:
        evs = _events(it)
        if not evs or dialects.dialect(it) != dialects.CHAT or _ends_in_error(dialects.CHAT, evs):
            continue
        done, finished, _ = _chat_summary(it)
        if done is None and finished and not _pending_end(it):
            yield Problem(_pos(it, evs[-1]), "chat stream has a finish_reason but ends without 'data: [DONE]': "
                          f"{client(dialects.CHAT)} ends there as at [DONE], nothing is lost on replay",
                          interaction=it.index)


@rule("T003", "stream-events-after-end", WARNING)
def events_after_end(cassette):
    """Events follow the stream's final event (``[DONE]``, ``message_stop``, ``response.completed`` …).

    Why: in a recording it means two streams were spliced together or the body was edited.

    Consequence: **warning**, nothing raises; the replaying library hands back the stored bytes and
    the client reads them its own way: openai-python's ``Stream`` stops at ``[DONE]`` (chat,
    Assistants) and drops what follows; anthropic's ``MessageStream`` keeps accumulating events after
    ``message_stop`` into the finished message (a text delta is appended to it); openai-python's
    ``ResponseStream`` keeps the response of ``response.completed`` while later events still reach
    code that iterates them; ollama-python yields lines after the ``"done": true`` one.

    Fix: delete the events after the final one, or re-record.

    FAIL::

        body: |+
            data: [DONE]

            data: {"object":"chat.completion.chunk","choices":[]}

    PASS::

        body: |+
            data: {"object":"chat.completion.chunk","choices":[]}

            data: [DONE]

    """
    for it in cassette.http:
        evs = _events(it)
        if not evs:
            continue
        d = dialects.dialect(it)
        end = None
        if d in (dialects.CHAT, None):
            end = _chat_summary(it)[0]  # the first [DONE] (found once for T001-T004)
        elif d == dialects.ANTHROPIC:
            end = next((i for i, ev in enumerate(evs) if ev.type == "message_stop"), None)
        elif d == dialects.RESPONSES:
            end = next((i for i, ev in enumerate(evs) if ev.type in RESPONSES_TERMINAL), None)
            if end is not None and all(dialects.is_done(ev) for ev in evs[end + 1:]):
                continue  # a [DONE] after it: the OpenAI SDKs stop there
        elif d == dialects.ASSISTANTS:
            end = next((i for i, ev in enumerate(evs) if ev.type == "done"), None)
        elif d == dialects.OLLAMA:
            end = _ollama_done(evs)
        if end is None or end == len(evs) - 1:
            continue
        nxt = evs[end + 1]
        if d == dialects.OLLAMA:
            yield Problem(_pos(it, nxt), f'{len(evs) - end - 1} line(s) after the line with "done": true: '
                          f"{client(d)} yields them on replay", interaction=it.index)
            continue
        final = evs[end].data if d in (dialects.CHAT, None) else evs[end].type
        then = {dialects.ANTHROPIC: f"{client(d)} adds them to the finished message on replay",
                dialects.RESPONSES: f"{client(d)} keeps response.completed's response; code iterating the "
                                    "events still sees them"}.get(d, f"{client(d)} stops at it and drops them on replay")
        yield Problem(_pos(it, nxt), f"{len(evs) - end - 1} event(s) after the final {final!r} event: {then}",
                      interaction=it.index)


@rule("T004", "stream-usage-missing", WARNING)
def usage_missing(cassette):
    """The request set ``stream_options.include_usage`` but no chunk of the stream carries ``usage``.

    Why: with ``include_usage`` OpenAI sends a last chunk (empty ``choices``) with the token usage;
    some compatible servers ignore the option.

    Consequence: **warning**, the SDK does not break: the replaying library hands back the stored
    bytes and openai-python's ``ChatCompletionStreamState`` builds a completion whose ``usage`` is
    None; code under test that reads ``usage.total_tokens`` fails then (an ``AttributeError``),
    code that only records usage records nothing.

    Fix: re-record, or drop ``include_usage`` from the request if the provider does not support it.

    FAIL::

        request: {body: '{"stream":true,"stream_options":{"include_usage":true}}'}
        response: {body: "data: {...no usage...}\\n\\ndata: [DONE]\\n\\n"}

    PASS::

        response: {body: "data: {\\"choices\\":[],\\"usage\\":{\\"total_tokens\\":9}}\\n\\ndata: [DONE]\\n\\n"}
    """
    for it in cassette.http:
        req = it.request.json_body
        if not isinstance(req, dict):
            continue
        so = req.get("stream_options")
        if not isinstance(so, dict) or so.get("include_usage") is not True:
            continue
        evs = _events(it)
        if not evs or dialects.dialect(it) != dialects.CHAT or _ends_in_error(dialects.CHAT, evs):
            continue
        done, finished, usage = _chat_summary(it)
        if not usage and (done is not None or finished):
            yield Problem(_pos(it, evs[-1]), "request set stream_options.include_usage but no chunk carries "
                          f"'usage': {client(dialects.CHAT)} replays a completion whose usage is None",
                          interaction=it.index)


@rule("T005", "stream-sequence-out-of-order", WARNING)
def sequence_out_of_order(cassette):
    """An OpenAI Responses event's ``sequence_number`` does not increase over the previous event's.

    Why: ``sequence_number`` numbers the events of one response 0, 1, 2 …; a repeat or a step back
    means events were duplicated, reordered or spliced from another recording.

    Consequence: **warning**, nothing breaks in the SDK: the replaying library hands back the stored
    bytes and openai-python's ``ResponseStream`` never reads ``sequence_number`` (it accumulates by
    ``output_index``); only code that orders or de-duplicates events by it sees the repeat.

    Fix: re-record (or restore the original order).

    FAIL::

        event: response.output_text.delta
        data: {"type":"response.output_text.delta","sequence_number":5}

        event: response.output_text.delta
        data: {"type":"response.output_text.delta","sequence_number":5}

    PASS::

        ... "sequence_number":5} ... "sequence_number":6}
    """
    for it in cassette.http:
        evs = _events(it)
        if not evs or dialects.dialect(it) != dialects.RESPONSES:
            continue
        prev = None
        for ev in evs:
            v = _obj(ev)
            n = v.get("sequence_number") if v is not None else None
            if not isinstance(n, int) or isinstance(n, bool):
                continue
            if prev is not None and n <= prev:
                yield Problem(it.response.body.pos(ev.data_lines[0].offset), f"sequence_number {n} does not increase "
                              f"(previous event had {prev}): {client(dialects.RESPONSES)} does not read it; only "
                              "code that orders events by it is misled", interaction=it.index, value=str(n))
            prev = n


@rule("T006", "stream-start-missing", ERROR)
def start_missing(cassette):
    """A stream does not open with its dialect's first event.

    Anthropic Messages streams open with ``message_start`` (it carries the message id, model and
    input usage); OpenAI Responses streams with ``response.created``.

    Why: SDKs build the message from the opening event. It means the head of the body was lost or
    events were reordered.

    Consequence: **error**, the client fails. The replaying library hands back the stored bytes;
    anthropic's ``accumulate_event`` raises ``RuntimeError`` (``Unexpected event order, got … before
    "message_start"``), openai-python's ``ResponseStreamState`` raises ``RuntimeError`` (``Expected
    to have received `response.created` before …``).

    Fix: re-record.

    FAIL::

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

    PASS::

        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","role":"assistant","content":[]}}

    """
    for it in cassette.http:
        evs = _events(it)
        if not evs:
            continue
        d = dialects.dialect(it)
        first = next((e for e in evs if e.type != "ping"), None)
        if first is None or _is_error(d, first):
            continue
        want = {dialects.ANTHROPIC: "message_start", dialects.RESPONSES: "response.created"}.get(d)
        if want and first.type != want:
            yield Problem(_pos(it, first), f"stream opens with {first.type or 'an untyped event'!r}, "
                          f"not with {want}: {client(d)} raises RuntimeError on replay", interaction=it.index)


@rule("T007", "anthropic-content-block-unbalanced", ERROR)
def content_blocks_unbalanced(cassette):
    """Anthropic ``content_block_start`` / ``_delta`` / ``_stop`` events do not pair up by index.

    What: a block started twice, a delta or stop for a block that is not open, or a block still
    open at ``message_stop`` (or at the end of the stream).

    Why: SDKs accumulate deltas into the open block; the stream was cut or edited.

    Consequence (anthropic's ``accumulate_event`` indexes the message's content list by ``index``;
    the replaying library hands back the stored bytes):

    - a delta or stop for a block never started (an ``index`` past the blocks started so far):
      **error**, anthropic's ``MessageStream`` raises ``IndexError`` (anthropic-sdk-go's
      ``Message.Accumulate`` returns an error);
    - a block started again: **warning**, the SDK appends a second block while the deltas still go to
      the first (the replayed message has an extra empty block);
    - a delta or stop for a block already stopped: **warning**, the SDK appends the delta to it;
    - a block still open at ``message_stop``: **warning**, the SDK needs no ``content_block_stop``.

    Fix: re-record; the stream was cut or edited.

    FAIL::

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: message_stop
        data: {"type":"message_stop"}

    PASS: a ``content_block_stop`` with ``"index":0`` before ``message_stop``.
    """
    for it in cassette.http:
        evs = _events(it)
        if not evs or dialects.dialect(it) != dialects.ANTHROPIC:
            continue
        body = it.response.body
        who = client(dialects.ANTHROPIC)
        open_: dict = {}
        started = 0  # the length of the SDK's content list
        for ev in evs:
            t = ev.type
            if t not in ("content_block_start", "content_block_delta", "content_block_stop", "message_stop"):
                continue
            if t == "message_stop":
                for idx, start in open_.items():
                    yield Problem(body.pos(ev.offset), f"content block {idx} (started on line "
                                  f"{body.pos(start.offset).line}) is still open at message_stop: {who} needs "
                                  "no content_block_stop, nothing is lost on replay", interaction=it.index,
                                  severity=WARNING)
                open_.clear()
                continue
            v = _obj(ev)
            if v is None:
                continue
            idx = v.get("index")
            if t == "content_block_start":
                if idx in open_:
                    yield Problem(body.pos(ev.offset), f"content block {idx} started again before its "
                                  f"content_block_stop: {who} adds a second block on replay, the deltas still go "
                                  "to the first", interaction=it.index, severity=WARNING)
                open_[idx] = ev
                started += 1
            elif idx not in open_:
                if not isinstance(idx, int) or isinstance(idx, bool) or not 0 <= idx < started:
                    severity, then = ERROR, f"{who} raises IndexError on replay"
                else:
                    severity, then = WARNING, f"{who} applies it to the stopped block on replay"
                yield Problem(body.pos(ev.offset), f"{t} for content block {idx}, which is not open: {then}",
                              interaction=it.index, severity=severity)
            elif t == "content_block_stop":
                del open_[idx]


@rule("T008", "sse-event-type-mismatch", WARNING)
def event_type_mismatch(cassette):
    """An ``event:`` name differs from the ``type`` inside its JSON data (Anthropic, OpenAI Responses).

    Why: the mismatch proves an edit or two events mixed up (often a missing blank line, ``E002``).

    Consequence: **warning**, the SDKs do not break. The replaying library hands back the stored
    bytes; anthropic's ``Stream`` and openai-python's ``Stream`` build each event from its data (the
    payload ``type`` decides; the ``event:`` name only filters ``ping``/``error`` and, for OpenAI,
    events not named ``response.*``), as do the Go SDKs. A client that dispatches on the ``event:``
    name (a WHATWG ``EventSource`` listener, httpx-sse code switching on ``sse.event``) sees another
    event than the SDKs.

    Fix: make the ``event:`` line match the payload's ``type``, or re-record.

    FAIL::

        event: content_block_stop
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

    PASS::

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

    """
    for it in cassette.http:
        evs = _events(it)
        if not evs or dialects.dialect(it) not in (dialects.ANTHROPIC, dialects.RESPONSES):
            continue
        body = it.response.body
        for ev in evs:
            if ev.type is None:
                continue
            v = _obj(ev)
            if v is None or "type" not in v or v["type"] == ev.type:
                continue
            line = next(ln for ln in ev.lines if ln.kind == "field" and ln.field == "event")
            yield Problem(body.pos(line.value_offset), f"event {ev.type!r} carries data of type {v['type']!r}: "
                          f"{client(dialects.dialect(it))} follows the data's type on replay; a client that "
                          "dispatches on the 'event:' name does not", interaction=it.index, value=ev.type)


@rule("T009", "stream-error-event", WARNING)
def stream_error_event(cassette):
    """The recorded stream holds an error event or an error object.

    What: an ``event: error`` (Anthropic ``overloaded_error``, OpenAI Responses ``error``), or a
    chunk whose JSON has an ``error`` object (OpenRouter, OpenAI-compatible servers, Gemini).

    Why: the provider failed while streaming; replaying it tests the error path, which is fine only
    if that is what the test means to do. Usually it is an accident of recording (overload, rate
    limit mid-stream).

    Consequence: **warning**. The replaying library hands back the stored bytes and the client fails
    exactly as it did when the stream was recorded: openai-python's ``Stream`` raises ``APIError`` on
    a chunk with an ``error`` object, anthropic's raises ``APIStatusError`` on ``event: error``. A test
    recorded this way was written against that failure, so replay reproduces the provider, not a
    defect of the cassette.

    Fix: re-record when the provider is healthy, or keep it deliberately (and ignore this code for
    that file).

    FAIL::

        event: error
        data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}

    PASS: a stream without error events.
    """
    for it in cassette.http:
        evs = _events(it)
        if not evs:
            continue
        body = it.response.body
        if body.text is not None and "error" not in body.text and not body.unicode_escapes:
            continue  # no event type and no JSON key or value can say "error" (one scan of the body)
        d = dialects.dialect(it)
        for ev in evs:
            if not _is_error(d, ev):
                continue
            v = _obj(ev) or {}
            err = v.get("error") if isinstance(v.get("error"), dict) else v
            detail = ""
            if isinstance(err, dict):
                kind = err.get("type") or err.get("code") or err.get("status")
                msg = err.get("message")
                detail = ": " + ", ".join(str(x) for x in (kind, msg) if x)[:160]
            raises = {dialects.ANTHROPIC: "raises APIStatusError", dialects.CHAT: "raises APIError"}.get(
                d, "hands the code under test the provider's error")
            yield Problem(_pos(it, ev), f"error inside the stream{detail}: {client(d)} {raises} on replay, as when "
                          "it was recorded", interaction=it.index)
