"""HAR 1.2 (``*.har``): Polly.JS recordings (``log.creator.name: "Polly.JS"``) and plain HAR as
browsers and other recorders write it.

Polly's persister (Netflix/pollyjs ``packages/@pollyjs/persister/src/har/``: ``log.js``, ``entry.js``,
``request.js``, ``response.js``, ``utils/to-nv-pairs.js``) writes ``{log: {_recordingName, creator,
entries: [...]}}``; an entry has ``_id`` (the hash of the request as ``matchRequestsBy`` normalized
it), ``_order`` (its rank among entries of the same ``_id``), ``request`` and ``response``:

- headers as lists of ``{name, value}`` (a header repeated is one pair per value; ``_fromType``
  records the shape the adapter saw); ``cookies`` as lists of ``{name, value, ...}`` parsed from
  ``Set-Cookie``;
- ``request.postData.text``: the request body when it was a string; ``request.bodySize``: the
  ``Content-Length`` header, else the UTF-8 byte length of ``postData.text``;
- ``response.content.text``: the body; with ``encoding: "base64"`` it is base64, either one string or
  (how Polly's node-http adapter stores a gzip'd body read in chunks) the JSON text of an array of
  base64 chunks, each decoded and the bytes joined; ``_isBinary`` marks a binary body;
  ``content.size`` (and ``bodySize``): the ``Content-Length`` header, else the UTF-8 byte length of
  ``content.text`` as stored;
- ``response.status`` / ``statusText`` / ``httpVersion``.

The declared length compared by the ``L`` rules is the ``Content-Length`` header, else
``content.size`` / ``bodySize`` for a body stored as text (for a base64 body Polly counts the stored
base64 text, which says nothing about the body).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ..loader import Binary, Document
from ..model import Body, Cassette, Headers, Interaction, Message, Request, Response, Value
from . import _vcr

FORMAT = "har"
SCHEMA = "har.schema.json"
ACCEPTED_TAGS: frozenset[str] = frozenset()


def matches(data: Any) -> bool:
    log = data.get("log") if isinstance(data, dict) else None
    return isinstance(log, dict) and isinstance(log.get("entries"), list) and all(
        isinstance(e, dict) and ("request" in e or "response" in e) for e in log["entries"])


def build(doc: Document, path: str) -> Cassette:
    log = doc.data.get("log") if isinstance(doc.data, dict) else None
    log = log if isinstance(log, dict) else {}
    cas = Cassette(path=path, format=FORMAT, doc=doc)
    if "version" in log:
        cas.version = Value(log["version"], ("log", "version"), doc)
    entries = log.get("entries")
    for i, raw in enumerate(entries if isinstance(entries, list) else ()):
        ip = ("log", "entries", i)
        it = Interaction(index=i, path=ip, doc=doc)
        cas.interactions.append(it)
        if not isinstance(raw, dict):
            it.kind = "invalid"
            continue
        if "_id" in raw:
            it.id = Value(raw["_id"], ip + ("_id",), doc)
        it.request = _request(raw.get("request"), ip + ("request",), doc)
        it.response = _response(raw.get("response"), ip + ("response",), doc)
        it.kind = _vcr.kind_of(it)
    return cas


def headers(raw: Any, path: tuple, doc: Document) -> Headers:
    """A list of ``{name, value}`` pairs, in order (each pair its own item)."""
    items: list = []
    if isinstance(raw, list):
        for k, h in enumerate(raw):
            if isinstance(h, dict) and isinstance(h.get("name"), str):
                items.append((h["name"], [Value(h.get("value"), path + (k, "value"), doc)]))
    return Headers(items, path, doc)


def _cookies(msg: Message, m: dict, doc: Document) -> None:
    raw = m.get("cookies")
    if isinstance(raw, list):
        msg.cookies = [(c["name"], Value(c.get("value"), msg.path + ("cookies", k, "value"), doc))
                       for k, c in enumerate(raw) if isinstance(c, dict) and isinstance(c.get("name"), str)]


def _declared(msg: Message, m: dict, key: tuple, doc: Document) -> None:
    """The ``Content-Length`` header, else the recorded size of a text body (``key`` under ``m``)."""
    _vcr.content_length(msg)
    if msg.content_length is not None or msg.body.binary or msg.body.decoded:
        return
    v: Any = m
    for k in key:
        v = v.get(k) if isinstance(v, dict) else None
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        msg.content_length = Value(v, msg.path + key, doc)
        msg.content_length_source = ".".join(key)


def _request(raw: Any, path: tuple, doc: Document) -> Request:
    m = raw if isinstance(raw, dict) else {}
    req = Request(path=path, doc=doc)
    req.headers = headers(m.get("headers"), path + ("headers",), doc)
    _cookies(req, m, doc)
    pd = m.get("postData")
    if isinstance(pd, dict) and "text" in pd:
        req.body = _vcr.body(pd["text"], path + ("postData", "text"), req, doc)
    else:
        req.body = _vcr.body(None, None, req, doc)
    _declared(req, m, ("bodySize",), doc)
    if "method" in m:
        req.method = Value(m["method"], path + ("method",), doc)
    if "url" in m:
        req.url = Value(m["url"], path + ("url",), doc)
    if isinstance(m.get("httpVersion"), str) and m["httpVersion"].startswith("HTTP/"):
        req.proto = Value(m["httpVersion"], path + ("httpVersion",), doc)
    return req


def _response(raw: Any, path: tuple, doc: Document) -> Response:
    m = raw if isinstance(raw, dict) else {}
    resp = Response(path=path, doc=doc)
    resp.headers = headers(m.get("headers"), path + ("headers",), doc)
    _cookies(resp, m, doc)
    content = m.get("content") if isinstance(m.get("content"), dict) else {}
    resp.body = _content(content, path + ("content",), resp, doc)
    _declared(resp, m, ("content", "size"), doc)
    if "status" in m:
        resp.code = Value(m["status"], path + ("status",), doc)
    if isinstance(m.get("statusText"), str):
        resp.status = Value(m["statusText"], path + ("statusText",), doc)
    if isinstance(m.get("httpVersion"), str) and m["httpVersion"].startswith("HTTP/"):
        resp.proto = Value(m["httpVersion"], path + ("httpVersion",), doc)
    return resp


def decode_chunks(text: str) -> tuple[bytes | None, str | None]:
    """The bytes of ``content.text`` with ``encoding: base64``: one base64 string, or the JSON text of
    an array of base64 chunks (Polly's gzip'd bodies); ``(None, why)`` when it does not decode."""
    chunks: Any = [text]
    if text.lstrip().startswith("["):
        try:
            chunks = json.loads(text)
        except ValueError as e:
            return None, f"a base64 chunk array that is not valid JSON ({e})"
        if not isinstance(chunks, list) or not all(isinstance(c, str) for c in chunks):
            return None, "a base64 chunk array holding something other than strings"
    out = []
    for k, c in enumerate(chunks):
        try:
            out.append(base64.b64decode(c, validate=True))
        except (binascii.Error, ValueError) as e:
            where = f"base64 chunk {k + 1} of {len(chunks)}" if len(chunks) > 1 or text.lstrip().startswith("[") \
                else "base64 text"
            return None, f"stored with encoding base64, but its {where} is not valid base64 ({e}): Polly " \
                         "replays bytes the client cannot decode"
    return b"".join(out), None


def _content(content: dict, path: tuple, resp: Response, doc: Document) -> Body:
    if "text" not in content or content["text"] is None:
        return _vcr.body(None, None, resp, doc)
    text = content["text"]
    tp = path + ("text",)
    if content.get("encoding") == "base64" and isinstance(text, str):
        data, why = decode_chunks(text)
        if data is None:
            b = Body(None, b"", True, tp, doc, resp)
            b.uninspectable = why
            resp.uncompressed = Value(True, tp, doc)  # no bytes to compare a declared length with
            return b
        return _vcr.body(Binary(data), tp, resp, doc)
    return _vcr.body(text, tp, resp, doc)
