"""go-vcr v2 (``version: 2``), the format of ``cassette.go`` in github.com/dnaeon/go-vcr v2.

Field names follow go-vcr's struct tags: a request has ``proto``, ``proto_major``, ``proto_minor``,
``content_length``, ``transfer_encoding``, ``trailer``, ``host``, ``remote_addr``, ``request_uri``,
``body``, ``form``, ``headers``, ``url``, ``method``; a response adds ``uncompressed``, ``status``,
``code`` and ``duration``.  Bodies are strings; go's yaml encoder writes a body that is not valid UTF-8
as ``!!binary`` base64.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..loader import Binary, Document
from ..model import Body, Cassette, Headers, Interaction, Message, Request, Response, Value

FORMAT = "go-vcr-v2"
SCHEMA = "go-vcr-v2.schema.json"
ACCEPTED_TAGS: frozenset[str] = frozenset()


def matches(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and data.get("version") == 2
        and isinstance(data.get("interactions"), list)
        and all(isinstance(i, dict) and ("request" in i or "response" in i) for i in data["interactions"])
    )


def build(doc: Document, path: str, fmt: str = FORMAT) -> Cassette:
    """The model of a go-vcr cassette (``fmt`` names the version: go-vcr v1 reuses this)."""
    data = doc.data
    cas = Cassette(path=path, format=fmt, doc=doc)
    if "version" in data:
        cas.version = Value(data["version"], ("version",), doc)
    for it, raw in interactions(cas, doc, "interactions"):
        ipath = it.path
        if "id" in raw:
            it.id = Value(raw["id"], ipath + ("id",), doc)
        elif isinstance(raw.get("request"), dict) and "id" in raw["request"]:  # early go-vcr v1
            it.id = Value(raw["request"]["id"], ipath + ("request", "id"), doc)
        it.request = _request(raw.get("request"), ipath + ("request",), doc)
        it.response = _response(raw.get("response"), ipath + ("response",), doc)
    return cas


def interactions(cas: Cassette, doc: Document, key: str) -> Iterator[tuple[Interaction, dict]]:
    """Each entry of the list at ``key`` appended to ``cas`` as an :class:`Interaction`; a mapping is
    yielded with its interaction for the caller to read, anything else is marked ``invalid``."""
    items = doc.data.get(key)
    if not isinstance(items, list):
        return
    for i, raw in enumerate(items):
        it = Interaction(index=i, path=(key, i), doc=doc)
        cas.interactions.append(it)
        if not isinstance(raw, dict):
            it.kind = "invalid"
            continue
        yield it, raw


def _val(m: dict, key: str, path: tuple, doc: Document) -> Value | None:
    return Value(m[key], path + (key,), doc) if key in m else None


def headers(raw: Any, path: tuple, doc: Document) -> Headers:
    """A ``{name: [value, ...]}`` mapping (a lone string value is tolerated)."""
    items: list = []
    if isinstance(raw, dict):
        for name, vals in raw.items():
            hp = path + (name,)
            if isinstance(vals, list):
                items.append((str(name), [Value(v, hp + (k,), doc) for k, v in enumerate(vals)]))
            elif vals is not None:
                items.append((str(name), [Value(vals, hp, doc)]))
            else:
                items.append((str(name), []))
    return Headers(items, path, doc)


def body(m: dict, msg: Message, doc: Document, key: str = "body") -> Body:
    """A body from a plain string or ``!!binary`` bytes (absent or null: empty)."""
    path = msg.path + (key,)
    raw = m.get(key)
    if key not in m:
        path = None
    if isinstance(raw, Binary):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        return Body(text, bytes(raw), True, path, doc, msg)
    if raw is None:
        return Body("", b"", False, path, doc, msg)
    text = raw if isinstance(raw, str) else str(raw)
    return Body(text, text.encode("utf-8", "surrogatepass"), False, path, doc, msg)


def _common(m: dict, msg: Message, doc: Document) -> None:
    p = msg.path
    msg.headers = headers(m.get("headers"), p + ("headers",), doc)
    msg.trailer = headers(m.get("trailer"), p + ("trailer",), doc) if "trailer" in m else None
    msg.body = body(m, msg, doc)
    msg.content_length = _val(m, "content_length", p, doc)
    te = m.get("transfer_encoding")
    msg.transfer_encoding = [str(x) for x in te] if isinstance(te, list) else []
    msg.proto = _val(m, "proto", p, doc)
    msg.proto_major = _val(m, "proto_major", p, doc)
    msg.proto_minor = _val(m, "proto_minor", p, doc)


def _request(raw: Any, path: tuple, doc: Document) -> Request:
    m = raw if isinstance(raw, dict) else {}
    req = Request(path=path, doc=doc)
    _common(m, req, doc)
    req.method = _val(m, "method", path, doc)
    req.url = _val(m, "url", path, doc)
    req.host = _val(m, "host", path, doc)
    req.form = headers(m.get("form"), path + ("form",), doc) if "form" in m else None
    if "remote_addr" in m:
        req.remote_addr = Value(m["remote_addr"], path + ("remote_addr",), doc)
    if "request_uri" in m:
        req.request_uri = Value(m["request_uri"], path + ("request_uri",), doc)
    return req


def _response(raw: Any, path: tuple, doc: Document) -> Response:
    m = raw if isinstance(raw, dict) else {}
    resp = Response(path=path, doc=doc)
    _common(m, resp, doc)
    resp.status = _val(m, "status", path, doc)
    resp.code = _val(m, "code", path, doc)
    resp.duration = _val(m, "duration", path, doc)
    resp.uncompressed = _val(m, "uncompressed", path, doc)
    return resp
