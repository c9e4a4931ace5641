"""httprr traces (``*.httprr``; google/adk-go and tmc/langchaingo ``internal/httprr/rr.go``).

Loaded by :mod:`cassette_lint.loader_httprr` (length framing, raw HTTP parsed into nodes with
positions); this adapter builds the model from that document: one interaction per record, the
request line's method, URL and protocol, headers in order (``Content-Length`` the declared length, as
vcrpy's header is), the body de-chunked, a gzip'd or deflated body (``Content-Encoding``)
decompressed before it is checked. Replay matches the scrubbed request's bytes exactly (the whole
``WriteProxy`` text is the map key), so any difference between the recorded request and what the
client sends after the scrubbers is a miss.
"""

from __future__ import annotations

from typing import Any

from ..loader import Binary, Document
from ..model import Body, Cassette, Headers, Interaction, Message, Request, Response, Value
from . import _vcr

FORMAT = "httprr"
SCHEMA = None
ACCEPTED_TAGS: frozenset[str] = frozenset()


def matches(data: Any) -> bool:
    return isinstance(data, dict) and data.get("httprr trace") == "v1" and isinstance(data.get("records"), list)


def _headers(raw: list, path: tuple, doc: Document) -> Headers:
    return Headers([(n, [Value(v, path + (k, 1), doc)]) for k, (n, v) in enumerate(raw)], path, doc)


def _message(msg: Message, m: dict, doc: Document) -> None:
    p = msg.path
    msg.headers = _headers(m.get("headers", []), p + ("headers",), doc)
    raw: bytes = m.get("body_bytes", b"")
    bp = p + ("body",)
    te = msg.headers.value("Transfer-Encoding", "") or ""
    msg.transfer_encoding = [t.strip() for t in te.split(",") if t.strip()]
    try:
        raw.decode("utf-8")
        body = _vcr.body(m.get("body", ""), bp, msg, doc) if raw else Body("", b"", False, bp, doc, msg)
        if body.decoded:  # a text body under Content-Encoding: as the bytes say, not yet decoded
            body.decoded = ""
            msg.uncompressed = None
    except UnicodeDecodeError:
        body = _vcr.body(Binary(raw), bp, msg, doc)
    msg.body = body
    _vcr.content_length(msg)
    if "proto" in m and isinstance(m["proto"], str) and m["proto"].startswith("HTTP/"):
        msg.proto = Value(m["proto"], p + ("proto",), doc)


def build(doc: Document, path: str) -> Cassette:
    cas = Cassette(path=path, format=FORMAT, doc=doc)
    cas.version = Value("v1", ("httprr trace",), doc)
    records = doc.data.get("records") if isinstance(doc.data, dict) else None
    for i, rec in enumerate(records if matches(doc.data) else ()):  # (only the trace loader builds records)
        ip = ("records", i)
        it = Interaction(index=i, path=ip, doc=doc)
        cas.interactions.append(it)
        rq, rs = rec["request"], rec["response"]
        req = it.request = Request(path=ip + ("request",), doc=doc)
        _message(req, rq, doc)
        if "method" in rq:
            req.method = Value(rq["method"], req.path + ("method",), doc)
        if "url" in rq:
            req.url = Value(rq["url"], req.path + ("url",), doc)
        host = req.headers.get("Host")
        if host is not None:
            req.host = host
        resp = it.response = Response(path=ip + ("response",), doc=doc)
        _message(resp, rs, doc)
        if "code" in rs:
            resp.code = Value(rs["code"], resp.path + ("code",), doc)
        if "status" in rs:
            resp.status = Value(rs["status"], resp.path + ("status",), doc)
        it.kind = _vcr.kind_of(it)
    return cas
