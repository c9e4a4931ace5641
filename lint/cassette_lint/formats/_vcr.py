"""What the vcrpy and Ruby VCR adapters share: the walk over the interactions (go-vcr's, plus the
entry's kind), requests (``method``, ``uri``) and responses (``status: {code, message}``), headers in
their several shapes (the mapping shapes read as go-vcr's), bodies stored as the server sent them
(``!!binary``, gzip/deflate to undo), the ``Content-Length`` header as the declared length, and
entries that are not HTTP exchanges.  Each adapter supplies its body reader and its own fields.
"""

from __future__ import annotations

import json
import zlib
from typing import Any, Callable

from ..loader import Binary, Document
from ..model import Body, Cassette, Headers, Interaction, Message, Request, Response, Value
from . import govcr

#: content codings undone with the standard library before the body is checked
_DECODERS = {
    "gzip": lambda b: zlib.decompress(b, 16 + zlib.MAX_WBITS),
    "x-gzip": lambda b: zlib.decompress(b, 16 + zlib.MAX_WBITS),
    "deflate": lambda b: _inflate(b),
}
_NAMES = {"br": "brotli-compressed", "zstd": "zstd-compressed", "compress": "LZW-compressed (compress)"}


def _inflate(b: bytes) -> bytes:
    try:  # RFC 9110 "deflate" is zlib-wrapped; some servers send raw deflate
        return zlib.decompress(b)
    except zlib.error:
        return zlib.decompress(b, -zlib.MAX_WBITS)


def headers(raw: Any, path: tuple, doc: Document) -> Headers:
    """``{name: [values]}``, ``{name: value}`` or a list of ``[name, [values]]`` pairs (old tornado)."""
    if not isinstance(raw, list):
        return govcr.headers(raw, path, doc)  # the mapping shapes, as go-vcr writes them
    items: list = []
    for k, pair in enumerate(raw):
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str):
            vals = pair[1]
            vp = path + (k, 1)
            if isinstance(vals, list):
                items.append((pair[0], [Value(v, vp + (j,), doc) for j, v in enumerate(vals)]))
            else:
                items.append((pair[0], [Value(vals, vp, doc)]))
    return Headers(items, path, doc)


def _coding(msg: Message) -> str:
    ce = msg.headers.value("Content-Encoding", "") if msg.headers is not None else ""
    return (ce or "").strip().lower()


def body(raw: Any, path: tuple | None, msg: Message, doc: Document) -> Body:
    """A body from a string, ``!!binary`` bytes or ``None``; gzip/deflate bytes are decompressed."""
    if isinstance(raw, Binary):
        data = bytes(raw)
        coding = _coding(msg)
        if coding in ("", "identity"):
            try:
                text: str | None = data.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            b = Body(text, data, True, path, doc, msg)
            b.exact = False  # offsets in the text are not offsets in the base64 scalar
            return b
        b = Body(None, data, True, path, doc, msg)
        decode = _DECODERS.get(coding)
        if decode is None:
            b.uninspectable = _NAMES.get(coding, f"encoded with {coding!r}")
            return b
        try:
            plain = decode(data)
        except (zlib.error, ValueError) as e:
            b.uninspectable = f"declared {coding} but does not decompress ({e})"
            return b
        try:
            text = plain.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        b = Body(text, data, text is None, path, doc, msg)
        b.decoded = coding
        b.exact = False
        return b
    if raw is None:
        return Body("", b"", False, path, doc, msg)
    text = raw if isinstance(raw, str) else str(raw)
    b = Body(text, text.encode("utf-8", "surrogatepass"), False, path, doc, msg)
    coding = _coding(msg)
    if coding in _DECODERS and text:
        # gzip bytes are never valid UTF-8 (0x8b), so a text body under "Content-Encoding: gzip" was
        # already decompressed by the client (httpx, aiohttp): check the text, not its length
        b.decoded = coding
        msg.uncompressed = Value(True, msg.path + ("headers",), doc)
    return b


def parsed_body(raw: Any, path: tuple, msg: Message, doc: Document) -> Body:
    """pydantic-ai's ``parsed_body``: the JSON body stored as YAML structure (re-serialized here)."""
    text = json.dumps(raw, ensure_ascii=False, default=str)
    b = Body(text, text.encode("utf-8", "surrogatepass"), False, path, doc, msg)
    b.decoded = "parsed_body"
    b.exact = False
    msg.uncompressed = Value(True, path, doc)  # the recorded bytes are gone: no length to compare
    return b


def content_length(msg: Message) -> None:
    """The ``Content-Length`` header is these formats' declared length."""
    v = msg.headers.get("Content-Length") if msg.headers is not None else None
    if v is not None:
        msg.content_length = v
        msg.content_length_source = "Content-Length header"


def status(resp: Response, raw: Any, path: tuple, doc: Document) -> None:
    """``status: {code, message}`` → ``code`` and the reason phrase as ``status``."""
    if isinstance(raw, dict):
        if "code" in raw:
            resp.code = Value(raw["code"], path + ("code",), doc)
        if "message" in raw and isinstance(raw["message"], str):
            resp.status = Value(raw["message"], path + ("message",), doc)
    elif raw is not None:
        resp.code = Value(raw, path, doc)


_NON_HTTP_SCHEMES = {"ws": "websocket", "wss": "websocket", "grpc": "grpc", "grpcs": "grpc"}


def kind_of(it: Interaction) -> str:
    """``http``, or ``websocket``/``grpc`` for entries that are not HTTP exchanges."""
    req = it.request
    if req is not None and req.url is not None and isinstance(req.url.value, str):
        scheme = req.url.value.split(":", 1)[0].lower()
        if scheme in _NON_HTTP_SCHEMES:
            return _NON_HTTP_SCHEMES[scheme]
    for msg in (it.request, it.response):
        if msg is not None and msg.content_type.startswith("application/grpc"):
            return "grpc"
    return "http"


def interactions(cas: Cassette, doc: Document, key: str,
                 request: Callable[[Any, tuple, Document], Request],
                 response: Callable[[Any, tuple, Document], Response]) -> Cassette:
    """The entries of the list at ``key``: each mapping's ``request`` and ``response`` read by the
    format's own functions, then its kind (``http``, ``websocket``, ``grpc``)."""
    for it, raw in govcr.interactions(cas, doc, key):
        it.request = request(raw.get("request"), it.path + ("request",), doc)
        it.response = response(raw.get("response"), it.path + ("response",), doc)
        it.kind = kind_of(it)
    return cas


def _message(msg: Message, raw: Any, doc: Document,
             body_of: Callable[[dict, Message, Document], Body]) -> dict:
    """``headers``, the body (read by the format's ``body_of``) and the declared length of ``msg``;
    returns the message's mapping (empty when ``raw`` is not one)."""
    m = raw if isinstance(raw, dict) else {}
    msg.headers = headers(m.get("headers"), msg.path + ("headers",), doc)
    msg.body = body_of(m, msg, doc)
    content_length(msg)
    return m


def request(raw: Any, path: tuple, doc: Document, body_of: Callable[[dict, Message, Document], Body],
            upper: bool = False) -> Request:
    """A request: ``headers``, the body (read by the format's ``body_of``), ``method`` (upper-cased
    when ``upper``) and ``uri``."""
    req = Request(path=path, doc=doc)
    m = _message(req, raw, doc, body_of)
    if "method" in m:
        v = m["method"]
        req.method = Value(v.upper() if upper and isinstance(v, str) else v, path + ("method",), doc)
    if "uri" in m:
        req.url = Value(m["uri"], path + ("uri",), doc)
    return req


def response(raw: Any, path: tuple, doc: Document,
             body_of: Callable[[dict, Message, Document], Body]) -> tuple[Response, dict]:
    """A response: ``headers``, the body (read by the format's ``body_of``) and ``status``; returns it
    with its mapping (empty when ``raw`` is not one) for the format's other fields."""
    resp = Response(path=path, doc=doc)
    m = _message(resp, raw, doc, body_of)
    if "status" in m:
        status(resp, m["status"], path + ("status",), doc)
    return resp, m
