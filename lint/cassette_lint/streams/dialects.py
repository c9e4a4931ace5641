"""Which LLM API an interaction speaks, and whether its response is an event stream.

Shared by the stream and tool-call rule families.  The dialect is recognised from the URL first
(the most reliable signal), then from the request and response payloads:

- ``CHAT``: OpenAI-compatible chat completions (``/chat/completions``; ``chat.completion[.chunk]``
  objects) — OpenAI, Azure, OpenRouter, Groq, Fireworks, xAI, Vercel AI Gateway, llama.cpp …
- ``RESPONSES``: OpenAI Responses (``/responses``; ``event: response.*``; ``"object": "response"``).
- ``ANTHROPIC``: Anthropic Messages (``/v1/messages``, Vertex ``publishers/anthropic``
  ``:rawPredict``/``:streamRawPredict``, Bedrock ``anthropic.`` models; ``message_start`` events).
- ``GEMINI``: Google Gemini / Vertex ``:generateContent`` and ``:streamGenerateContent?alt=sse``.
- ``OLLAMA``: Ollama ``/api/chat`` and ``/api/generate``, streamed as newline-delimited JSON (one
  object a line, the last with ``"done": true``; :mod:`.ndjson`).
- ``NDJSON``: any other newline-delimited JSON stream (records are checked as JSON only).
- ``ASSISTANTS``: OpenAI Assistants runs (``/threads/.../runs``; ``event: thread.*``).
- ``AUDIO``: OpenAI audio endpoints (speech, transcriptions): recognised, judged by no dialect rule.

Results are cached per interaction, so every rule may ask again for free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import sse as _sse

if TYPE_CHECKING:
    from ..model import Interaction
    from .sse import Stream

CHAT = "openai-chat"
RESPONSES = "openai-responses"
ANTHROPIC = "anthropic"
GEMINI = "gemini"
OLLAMA = "ollama"
NDJSON = "ndjson"

#: OpenAI endpoints whose streams are neither chat nor Responses (``speech.audio.delta``,
#: ``transcript.text.delta`` … events): recognised so that no other dialect's rules judge them
AUDIO = "openai-audio"
#: OpenAI Assistants runs (``/threads/runs``, ``/threads/{id}/runs``, ``submit_tool_outputs``):
#: ``event: thread.*`` events, ending ``event: done`` / ``data: [DONE]``
ASSISTANTS = "openai-assistants"
#: OpenAI dialects whose clients end a stream at ``data: [DONE]`` (openai-node ``Stream``)
OPENAI = frozenset({CHAT, RESPONSES, AUDIO, ASSISTANTS})

#: dialects whose events' types are read from the data when the ``event:`` line is absent
_DATA_TYPED = frozenset({RESPONSES, AUDIO})

#: newline-delimited JSON streams (Cohere ``application/stream+json``): not Server-Sent Events
NDJSON_TYPES = frozenset({"application/stream+json", "application/x-ndjson", "application/jsonl",
                          "application/json-seq"})

#: media types of binary event streams that are NOT Server-Sent Events
BINARY_STREAM_TYPES = frozenset({"application/vnd.amazon.eventstream"})

#: "not computed yet" in Interaction.derived (None is a value: no dialect, not a stream)
_UNSET = object()


def url_of(it: "Interaction") -> str:
    u = it.request.url.value if it.request is not None and it.request.url is not None else None
    return u if isinstance(u, str) else ""


def _from_url(url: str) -> str | None:
    path = url.split("?", 1)[0].lower()
    if path.endswith("/chat/completions"):
        return CHAT
    if path.endswith("/responses") or "/responses/" in path:
        return RESPONSES
    if ":generatecontent" in path or ":streamgeneratecontent" in path:
        return GEMINI
    if "/audio/speech" in path or "/audio/transcriptions" in path or "/audio/translations" in path:
        return AUDIO
    if "/threads/" in path and "/runs" in path:
        return ASSISTANTS
    if path.endswith("/v1/messages") or "/publishers/anthropic/" in path:
        return ANTHROPIC
    if "bedrock-runtime." in path and "/model/" in path and "anthropic." in path:
        return ANTHROPIC
    if path.endswith(("/api/chat", "/api/generate")):
        return OLLAMA
    return None


def _from_payloads(it: "Interaction") -> str | None:
    req = it.request.json_body if it.request is not None else None
    rs = it.response
    if rs is not None and rs.body is not None and rs.body.text:
        if is_ndjson_stream(it):
            recs = events(it)
            v, err = recs[0].json() if recs else (None, True)
            if err is None and isinstance(v, dict) and "done" in v and "model" in v:
                return OLLAMA
            return NDJSON
        if is_event_stream(it):
            for ev in rs.body.sse.events:
                if ev.type and ev.type.startswith("response."):
                    return RESPONSES
                if ev.type and ev.type.startswith("thread."):
                    return ASSISTANTS
                if ev.type in ("message_start", "content_block_start", "message_delta"):
                    return ANTHROPIC
                v, err = ev.json()
                if err is None and isinstance(v, dict):
                    d = _from_object(v)
                    if d:
                        return d
                if ev.data is not None and ev.data != "[DONE]":
                    break
        else:
            v, err = rs.body.json
            if err is None and isinstance(v, dict):
                d = _from_object(v)
                if d:
                    return d
    if isinstance(req, dict):
        if "anthropic_version" in req:
            return ANTHROPIC
        if "contents" in req:
            return GEMINI
        if "input" in req and "messages" not in req:
            return RESPONSES
    return None


def _from_object(v: dict) -> str | None:
    obj = v.get("object")
    if isinstance(obj, str) and obj.startswith("chat.completion"):
        return CHAT
    if obj == "response" or str(v.get("type", "")).startswith("response."):
        return RESPONSES
    t = v.get("type")
    if t == "message_start" or (t == "message" and "content" in v and "stop_reason" in v):
        return ANTHROPIC
    if "candidates" in v:
        return GEMINI
    return None


def dialect(it: "Interaction") -> str | None:
    """The API dialect of an interaction (one of the module constants) or None when unknown."""
    got = it.derived.get("dialect", _UNSET)
    if got is _UNSET:
        got = _from_url(url_of(it)) or _from_payloads(it)
        if got == ANTHROPIC and _legacy_completion(it):
            got = None
        it.derived["dialect"] = got
    return got


def _legacy_completion(it: "Interaction") -> bool:
    """Anthropic's legacy Text Completions (``prompt`` → ``completion`` chunks; Bedrock ``claude-v2``
    ``invoke``): not the Messages dialect, whose events (``message_start`` …) it never sends."""
    req = it.request.json_body if it.request is not None else None
    return isinstance(req, dict) and "prompt" in req and "messages" not in req


def is_event_stream(it: "Interaction") -> bool:
    """True when the response body is a Server-Sent-Events stream.

    Yes when the Content-Type says ``text/event-stream`` or the text plainly starts like SSE; also
    when the request asked for ``"stream": true``, the response succeeded and its body is not JSON.
    Never for binary bodies or ``application/vnd.amazon.eventstream`` (Bedrock's binary frames).
    """
    got = it.derived.get("is_event_stream")
    if got is None:
        got = it.derived["is_event_stream"] = _is_event_stream(it)
    return got


def _text_response(it: "Interaction"):
    """The response when it has a non-empty text body, else None."""
    rs = it.response
    if rs is None or rs.body is None or rs.body.text is None or rs.body.binary or not rs.body.text:
        return None
    return rs


def _is_event_stream(it: "Interaction") -> bool:
    rs = _text_response(it)
    if rs is None:
        return False
    ct = rs.content_type
    if ct in BINARY_STREAM_TYPES:
        return False
    if ct == "text/event-stream":
        return True
    if ct in NDJSON_TYPES:
        return False
    if _sse.looks_like_sse(rs.body.text):
        return True
    if is_ndjson_stream(it):
        return False
    req = it.request.json_body if it.request is not None else None
    if isinstance(req, dict) and req.get("stream") is True:
        code = rs.code.value if rs.code is not None else None
        if isinstance(code, int) and not 200 <= code < 300:
            return False
        # guessed, not declared: only a body with an SSE field line is read as a stream (a plain-text
        # answer to a streamed request is no event stream, and no stream rule speaks of it)
        return rs.body.json[1] is not None and _sse.has_field_line(rs.body.text)
    return False


def is_ndjson_stream(it: "Interaction") -> bool:
    """True when the response body is newline-delimited JSON (:mod:`.ndjson`): declared so
    (``application/x-ndjson`` …), or declared JSON (or nothing, or plain text) while it is not one
    JSON document but a line of JSON object after another (Ollama behind some proxies)."""
    got = it.derived.get("is_ndjson")
    if got is None:
        got = it.derived["is_ndjson"] = _is_ndjson(it)
    return got


def _is_ndjson(it: "Interaction") -> bool:
    rs = _text_response(it)
    if rs is None:
        return False
    from . import ndjson

    ct = rs.content_type
    if ct in ndjson.MEDIA_TYPES:
        return True
    if ct not in ("", "application/json", "text/plain") and not ct.endswith("+json"):
        return False
    # one JSON document (the common case, parsed once for every rule) is no stream
    return rs.body.json[1] is not None and ndjson.looks_like_ndjson(rs.body.text)


def stream(it: "Interaction") -> "Stream | None":
    """The parsed SSE stream of the response, or None when the response is not an event stream.

    In an OpenAI Responses stream an event without an ``event:`` line takes its type from its data's
    ``"type"``: the OpenAI SDKs dispatch on that (openai-node ``Stream.fromSSEResponse`` parses every
    event's data and ``ResponseStream`` switches on ``event.type``), so a stream written ``data:``-only
    (as mock servers and some proxies do) is the same stream to the client."""
    if not is_event_stream(it):
        return None
    s = it.response.body.sse
    if "typed" not in it.derived:
        it.derived["typed"] = True
        if dialect(it) in _DATA_TYPED:
            for ev in s.events:
                if ev.type is None and not ev.n_event and ev.data and ev.data[:1] == "{":
                    v, err = ev.json()
                    t = v.get("type") if err is None and isinstance(v, dict) else None
                    if isinstance(t, str):
                        ev.type = t
    return s


def is_done(ev) -> bool:
    """The ``data: [DONE]`` sentinel, which the OpenAI SDKs take as the end of any stream."""
    return ev.data == "[DONE]"


def events(it: "Interaction") -> list | None:
    """The dispatched events of the response stream (what a client sees), or None when not a stream.

    An AWS event stream (Bedrock) gives the provider events its frames carry
    (:func:`cassette_lint.streams.eventstream.events`): ``offset`` is then a byte of the body, which
    :meth:`~cassette_lint.model.Body.pos` of a binary body maps to the base64 that encodes it.
    """
    got = it.derived.get("events", _UNSET)
    if got is _UNSET:
        s = stream(it)
        if s is not None:
            got = s.dispatched
        elif is_ndjson_stream(it):
            from . import ndjson

            got = ndjson.parse(it.response.body.text)
        elif is_aws_event_stream(it):
            from . import eventstream

            got = eventstream.events(it.response.body.aws_frames[0])
        else:
            got = None
        it.derived["events"] = got
    return got


def is_aws_event_stream(it: "Interaction") -> bool:
    """True when the response body is a binary AWS event stream (Bedrock ``…-with-response-stream``)."""
    rs = it.response
    return (rs is not None and rs.body is not None and bool(rs.body.data) and rs.body.uninspectable is None
            and rs.content_type in BINARY_STREAM_TYPES)
