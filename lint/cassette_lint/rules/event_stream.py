"""Event-stream rules (``E``): Server-Sent-Events framing of streamed response bodies.

A response is an event stream when its Content-Type is ``text/event-stream``, when its text plainly
starts like SSE, or when the request asked for ``"stream": true`` and the successful body is not
JSON (:func:`cassette_lint.streams.dialects.is_event_stream`).  The body is parsed once, exactly as the
WHATWG HTML standard specifies (:mod:`cassette_lint.streams.sse`), and every finding points at the real
file line inside the body.  Comment lines (``: OPENROUTER PROCESSING``) are legal and never reported.

``application/vnd.amazon.eventstream`` (Bedrock's binary framing in ``!!binary``) is not SSE: it is
checked frame by frame by ``E005`` instead (:mod:`cassette_lint.streams.eventstream`); the provider events
its frames carry are read by the stream (``T``) and tool-call (``A``) rules.
"""

from __future__ import annotations

import json

from ..streams import dialects, eventstream, sse
from ..findings import ERROR, WARNING, Problem
from ..streams.sse import KNOWN_FIELDS
from . import rule


#: the client each dialect's stream is read by, as the messages name it: the Python SDKs, whose stream
#: code tests/test_consequences.py runs on the rules' own examples (the Go SDKs' bufio-based readers,
#: openai-go's and anthropic-sdk-go's ``ssestream``, decode events the same way)
CLIENTS = {
    dialects.CHAT: "openai-python's Stream",
    dialects.AUDIO: "openai-python's Stream",
    dialects.ASSISTANTS: "openai-python's AssistantStream",
    dialects.RESPONSES: "openai-python's ResponseStream",
    dialects.ANTHROPIC: "anthropic's MessageStream",
    dialects.GEMINI: "google-genai's stream",
    dialects.OLLAMA: "ollama-python's stream",
}
#: what reads a stream of no known dialect
ANY_SSE_CLIENT = "an SSE client (httpx-sse, a WHATWG EventSource)"


def client(d) -> str:
    """The client a consequence message names for dialect ``d``."""
    return CLIENTS.get(d, ANY_SSE_CLIENT)


def _carries_json(it, stream) -> bool:
    """Known LLM dialects carry JSON in every ``data``; for others, when some event already does."""
    if dialects.dialect(it) is not None:
        return True
    for ev in stream.events:
        v, err = ev.json()
        if err is None and isinstance(v, (dict, list)):
            return True
    return False


def _is_json_line(value: str) -> bool:
    if not value or value[0] not in "{[":
        return False
    try:
        json.loads(value)
    except (ValueError, RecursionError):
        return False
    return True


def _run_together(ev):
    """The line where a second event starts inside ``ev`` (a missing blank line), or None."""
    if ev.n_event > 1:
        return [ln for ln in ev.lines if ln.kind == "field" and ln.field == "event"][1]
    if ev.n_data > 1 and ev.json()[1] is not None:
        complete = [ln for ln in ev.data_lines if _is_json_line(ln.value)]
        if len(complete) > 1:
            return complete[1]
    return None


def _broken_events(stream):
    """(event, line where the next event starts) for events that hold two run together."""
    out = []
    if not stream.multi_line:  # (the parser knows: every event has one data line, at most one event line)
        return out
    for ev in stream.events:
        if ev.n_event > 1 or ev.n_data > 1:  # (the only events _run_together can find anything in)
            ln = _run_together(ev)
            if ln is not None:
                out.append((ev, ln))
    return out


def _error_line(ev, pos: int):
    """The data line holding character ``pos`` of the joined data, and the offset in the body."""
    start = 0
    for ln in ev.data_lines:
        end = start + len(ln.value)
        if pos <= end:
            return ln, ln.value_offset + (pos - start)
        start = end + 1
    ln = ev.data_lines[-1]
    return ln, ln.value_offset + len(ln.value)


def _short(text: str, n: int = 60) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= n else text[: n - 1] + "…"


@rule("E001", "sse-data-not-json", ERROR)
def data_not_json(cassette):
    """An event's ``data`` is not valid JSON although the stream's dialect carries JSON.

    What: every event of an OpenAI, Anthropic, Gemini or Responses stream (or of any stream whose
    other events are JSON) must hold one JSON document in its joined ``data`` lines; only
    chat completions' ``[DONE]`` sentinel is not JSON. The message quotes the JSON error and the
    finding points at the exact line (and column) inside the body where the JSON goes wrong.

    Why: the SDK decodes each event as JSON while replaying; a truncated or hand-edited chunk makes
    the test fail with a decoding error far away from the cassette.

    Consequence: **error**, the client fails. Every replaying library (go-vcr, vcrpy, Ruby VCR,
    polly, test-proxy, httprr, nock) hands back the stored bytes; the client then decodes the event:
    openai-python's and anthropic's ``Stream`` call ``sse.json()`` and raise ``JSONDecodeError``
    mid-stream, google-genai and the Go SDKs (``json.Unmarshal`` of each event) fail the same way.

    Fix: re-record the interaction, or repair the chunk (often a cut line or a lost quote).

    FAIL::

        body: |+
            data: {"choices":[{"delta":{"content":"Hi"}}

            data: [DONE]

    PASS::

        body: |+
            data: {"choices":[{"delta":{"content":"Hi"}}]}

            data: [DONE]
    """
    for it in cassette.http:
        stream = dialects.stream(it)
        if stream is None or not _carries_json(it, stream):
            continue
        body = it.response.body
        skip = {id(ev) for ev, _ in _broken_events(stream)}
        d = dialects.dialect(it)
        # the termination and tool-call rules read every chunk's value in Anthropic, Responses and
        # Gemini streams: keep the values parsed here for them; chat chunks are only validated (the
        # rules that read them skip chunks that cannot matter, so a long stream is not held twice)
        keep = d not in (dialects.CHAT, None)
        for ev, err in sse.json_errors(stream.events, keep):
            if id(ev) in skip:
                continue
            data = ev.data
            if data == "[DONE]" and (d is None or d in dialects.OPENAI):
                continue
            ln, off = _error_line(ev, err.pos)
            who = client(d) if d is not None else "a client that decodes each event as JSON"
            yield Problem(body.pos(off), f"event data is not valid JSON: {err.msg} "
                          f"(at character {err.pos + 1} of {_short(data)!r}): {who} raises a JSON decode "
                          "error on replay",
                          interaction=it.index, value=data[:200])


@rule("E002", "sse-events-run-together", ERROR)
def events_run_together(cassette):
    """Two events run together because the blank line between them is missing.

    What: one event (the lines between two blank lines) holds a second ``event:`` field, or several
    ``data:`` lines that are each a complete JSON document while their joined data is not. The
    finding points at the line where the second event starts.

    Why: SSE joins all ``data`` lines of one event with a newline; the client receives one broken
    event (``{...}\\n{...}`` is not JSON) and loses both chunks, and the second ``event:`` silently
    renames the first.

    Consequence: every replaying library hands back the stored bytes, and every SSE decoder
    (openai-python's and anthropic's ``SSEDecoder``, httpx-sse, a WHATWG ``EventSource``, the Go
    SDKs' ``ssestream``) joins the data lines: **error** when the joined data is not JSON, the
    client's ``sse.json()`` raises ``JSONDecodeError`` ("Extra data"); **warning** when only a second
    ``event:`` line renames the event and its data is still one JSON document (the SDKs build the
    event from its data's ``type``, so nothing breaks; the first event's name is lost).

    Fix: insert the missing blank line before the reported line.

    FAIL::

        body: |+
            data: {"type":"ping"}
            data: {"type":"ping"}

    PASS::

        body: |+
            data: {"type":"ping"}

            data: {"type":"ping"}

    """
    for it in cassette.http:
        stream = dialects.stream(it)
        if stream is None:
            continue
        body = it.response.body
        who = client(dialects.dialect(it))
        for ev, ln in _broken_events(stream):
            what = "a second 'event:' field" if ln.field == "event" else "a second complete JSON 'data:' line"
            if ev.json()[1] is not None:
                severity, then = ERROR, f"the joined data is not JSON, so {who} raises a JSON decode error on replay"
            else:
                severity, then = WARNING, f"{who} reads one event, named by the last 'event:' line"
            yield Problem(body.pos(ln.offset), f"two events run together: {what} inside one event "
                          f"(a blank line is missing before this line): {then}", interaction=it.index,
                          value=ln.text[:200], severity=severity)


@rule("E003", "sse-final-event-unterminated", ERROR)
def final_event_unterminated(cassette):
    """The stream's last event has no terminating blank line, so a conforming client drops it.

    What: the body ends right after the last event's ``data`` line(s) instead of after a blank line.

    Why: per the WHATWG SSE standard an event is dispatched only on a blank line; at the end of the
    stream a pending event is discarded. The last chunk (often ``data: [DONE]`` or the final
    ``message_stop``) is lost in replay, and the recording was usually cut short.

    Consequence: every replaying library hands back the stored bytes; every SSE decoder drops the
    pending event at the end of the body (openai-python's and anthropic's ``SSEDecoder`` dispatch
    only on an empty line, as do httpx-sse, a WHATWG ``EventSource`` and the Go SDKs' ``ssestream``
    readers). What that breaks depends on the event lost:

    - ``response.completed`` / ``.incomplete`` / ``.failed`` (OpenAI Responses): **error**,
      openai-python's ``ResponseStream.get_final_response()`` raises ``RuntimeError`` ("Didn't
      receive a `response.completed` event");
    - ``data: [DONE]``: **warning**, openai-python's ``Stream`` ends without it (as ``T002``);
    - ``message_stop``: **warning**, anthropic's accumulator needs none (the ``stop_reason`` came
      with ``message_delta``);
    - any other event: **warning**, the client replays without the last chunk (as a truncated
      stream, ``T001``).

    Fix: end the body with an empty line (in a ``|+`` block, one more line break), or re-record.

    FAIL::

        body: |+
            data: {"done":true}

    PASS::

        body: |+
            data: {"done":true}

    (with a blank line after the last ``data`` line.)
    """
    for it in cassette.http:
        stream = dialects.stream(it)
        if stream is None or not stream.events:
            continue
        ev = stream.events[-1]
        if ev.terminated or not ev.n_data:
            continue
        first = ev.data_lines[0]
        d = dialects.dialect(it)
        severity, then = WARNING, "the replayed stream lacks its last chunk"
        if ev.data == "[DONE]":
            then = "openai-python's Stream ends without [DONE] too, nothing else is lost"
        elif d == dialects.RESPONSES and _type_of(ev) in _RESPONSES_END:
            severity, then = ERROR, "openai-python's ResponseStream.get_final_response() then raises RuntimeError"
        elif d == dialects.ANTHROPIC and _type_of(ev) == "message_stop":
            then = "anthropic's MessageStream needs none, nothing else is lost"
        who = "every SSE decoder (openai-python, anthropic, httpx-sse, a WHATWG EventSource)"
        yield Problem(it.response.body.pos(first.offset),
                      f"final event has no terminating blank line: {who} drops it on replay; {then} "
                      f"({_short(first.text)!r})", interaction=it.index, value=first.text[:200], severity=severity)


_RESPONSES_END = frozenset({"response.completed", "response.incomplete", "response.failed"})


def _type_of(ev):
    """The event's type: its ``event:`` name, else its data's ``"type"`` (as the OpenAI SDKs read it)."""
    if ev.type is not None:
        return ev.type
    v, err = ev.json()
    return v.get("type") if err is None and isinstance(v, dict) else None


@rule("E004", "sse-unknown-field", WARNING)
def unknown_field(cassette):
    """A line of the stream is no SSE field (``event``, ``data``, ``id``, ``retry``) nor a comment.

    What: a line like ``dta: {...}`` or ``Data: {...}`` (field names are case-sensitive).

    Why: a client ignores unknown fields, so the chunk on that line never reaches the code under
    test; it is almost always a typo from hand-editing.

    Consequence: **warning**, nothing breaks. Every replaying library hands back the stored bytes;
    every SSE decoder (openai-python's and anthropic's ``SSEDecoder``, httpx-sse, a WHATWG
    ``EventSource``, the Go SDKs' ``ssestream``) ignores the line without an error, as the standard
    says (servers may send other fields). The chunk on it is lost: the replayed answer lacks it.

    Fix: correct the field name (the message suggests the closest known one), or make the line a
    comment by starting it with ``:``.

    FAIL::

        body: |+
            dta: {"type":"ping"}

    PASS::

        body: |+
            data: {"type":"ping"}

    """
    for it in cassette.http:
        stream = dialects.stream(it)
        if stream is None or not stream.unknown_fields:
            continue
        body = it.response.body
        for ln in stream.lines:
            if ln.kind != "field" or ln.field in KNOWN_FIELDS:
                continue
            import difflib

            close = difflib.get_close_matches(ln.field.lower(), sorted(KNOWN_FIELDS), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            yield Problem(body.pos(ln.offset), f"unknown SSE field {_short(ln.field, 30)!r}: SSE decoders "
                          f"(openai-python, anthropic, httpx-sse, a WHATWG EventSource) ignore this line, so "
                          f"its chunk is lost on replay{hint}", interaction=it.index, value=ln.text[:200])


@rule("E005", "aws-eventstream-frame-invalid", ERROR)
def aws_eventstream(cassette):
    """A binary ``application/vnd.amazon.eventstream`` body (Bedrock) has a broken frame.

    What: the body is read as AWS event-stream frames: 4-byte total length, 4-byte headers length,
    CRC32 of that prelude, headers, payload, CRC32 of the whole message. A frame whose CRCs do not
    match, whose headers do not parse (a length past their end, an unknown value type, a name or
    string value that is not UTF-8, a name given twice), whose headers or payload exceed botocore's
    limits (128 KiB, 24 MiB) or that runs past the end of the body is reported, at the
    base64 line that encodes its first byte (the message names the frame, counted from 0). The
    events inside sound frames are read by the stream (``T``) and tool-call (``A``) rules.

    Why: the AWS SDK verifies both checksums and aborts the stream on a mismatch; a truncated body
    means the recording was cut short.

    Consequence: **error**, the client fails. The replaying library hands back the stored bytes;
    botocore's ``EventStreamBuffer`` (boto3) raises ``ChecksumMismatch`` / ``InvalidHeadersLength``
    on the frame, the other AWS SDKs (aws-sdk-go-v2's ``eventstream`` decoder, the JavaScript
    ``@smithy/eventstream-codec``) reject it the same way; a frame cut at the end is never yielded.

    Fix: re-record; binary frames cannot be repaired by hand.

    FAIL::

        response:
          body: !!binary AAAAEAAAAAA=   # 8 bytes: a truncated frame
          headers:
            Content-Type: [application/vnd.amazon.eventstream]

    PASS::

        response:
          body: !!binary AAAAEAAAAAAFwkjrfZjI/w==   # one empty frame, both CRCs right
    """
    for it in cassette.http:
        rs = it.response
        if rs is None or rs.body is None or rs.content_type not in dialects.BINARY_STREAM_TYPES:
            continue
        data = rs.body.data
        if not data:
            continue
        bad = rs.body.aws_frames[1]
        if bad is not None:
            off, msg = bad
            yield Problem(rs.body.byte_pos(off), f"{msg} at byte {off}: botocore's EventStreamBuffer (and the "
                          "other AWS SDKs' event-stream decoders) reject it on replay", interaction=it.index)


@rule("E006", "ndjson-line-not-json", ERROR)
def ndjson_line_not_json(cassette):
    """A line of a newline-delimited JSON stream (Ollama, ``application/x-ndjson``) is not JSON.

    What: an NDJSON body (declared ``application/x-ndjson`` or similar, or declared
    ``application/json`` while it holds one JSON object a line) is read as its clients read it: line
    by line, each line one JSON value. The finding points at the line and column where the JSON goes
    wrong.

    Why: a recording cut inside a line, or two lines run together by a hand edit, is the usual cause.

    Consequence: **error**, the client fails. The replaying library hands back the stored bytes;
    Ollama's clients (``ollama`` for Python, whose ``_stream`` calls ``json.loads`` on each line,
    ``ollama-js``, LangChain, the Go client's ``bufio.Scanner`` + ``json.Unmarshal``) decode each line
    as it arrives and raise on one that does not parse, so the replayed stream fails there.

    Fix: repair the line, or re-record the interaction.

    FAIL::

        body: |
            {"model":"llama3.2","message":{"role":"assistant","content":"Hel"},"done":false}
            {"model":"llama3.2","message":{"role":"assistant","cont

    PASS::

        body: |
            {"model":"llama3.2","message":{"role":"assistant","content":"Hello"},"done":false}
            {"model":"llama3.2","message":{"role":"assistant","content":""},"done":true}
    """
    for it in cassette.http:
        if not dialects.is_ndjson_stream(it):
            continue
        body = it.response.body
        for rec in dialects.events(it) or ():
            _, err = rec.json()
            if err is not None:
                yield Problem(body.pos(rec.offset + (getattr(err, "pos", 0) or 0)),
                              f"NDJSON line is not JSON: {err.msg}: ollama-python's stream (json.loads of each "
                              "line) raises on replay", interaction=it.index, value=rec.data[:200])
