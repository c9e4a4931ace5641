"""nock recordings (Node.js): the JSON list ``nock.recorder.play()`` returns with
``output_objects: true`` and ``nockBack`` writes (nock ``lib/recorder.js``
``generateRequestAndResponseObject``, ``lib/back.js``; read back by ``nock.define`` in
``lib/scope.js``).

Each element is one interaction: ``scope`` (``https://host:port``), ``method``, ``path`` (with the
query), ``body`` (the request body: parsed JSON when it was JSON, else a string; hex when binary),
``status``, ``response``, ``rawHeaders`` (the response headers: ``{name: value}`` in nock 14, a flat
``[name, value, name, value, ...]`` list before), ``responseIsBinary`` and optional ``reqheaders``.
The response body (``getBodyFromChunks`` in ``lib/common.js`` / recorder) is stored as:

- a list of hex strings, one per chunk the server sent, when the response has a ``Content-Encoding``
  (a gzip'd body, replayed as those bytes: a truncated chunk replays a corrupt body);
- a hex string when ``responseIsBinary`` is true;
- a JSON value when the body parsed as JSON (replayed as ``JSON.stringify`` of it);
- else the text.

No request headers are recorded (only ``reqheaders`` when the user asked for them).
"""

from __future__ import annotations

from typing import Any

from ..loader import Binary, Document
from ..model import Body, Cassette, Headers, Interaction, Message, Request, Response, Value
from . import _structured, _vcr, govcr

FORMAT = "nock"
SCHEMA = "nock.schema.json"
ACCEPTED_TAGS: frozenset[str] = frozenset()


def matches(data: Any) -> bool:
    """A list of definitions; ``[]`` too (nockBack writes it for a test that made no request; a walked
    directory's ``[]`` files are skipped as no cassette, see ``formats.json_may_be_cassette``)."""
    return isinstance(data, list) and all(isinstance(e, dict) and "scope" in e and "method" in e for e in data)


def headers(raw: Any, path: tuple, doc: Document) -> Headers:
    """``rawHeaders``: a mapping (nock 14) or a flat ``[name, value, ...]`` list (earlier)."""
    if isinstance(raw, list):
        items = [(raw[k], [Value(raw[k + 1], path + (k + 1,), doc)])
                 for k in range(0, len(raw) - 1, 2) if isinstance(raw[k], str)]
        return Headers(items, path, doc)
    return govcr.headers(raw, path, doc)


def build(doc: Document, path: str) -> Cassette:
    cas = Cassette(path=path, format=FORMAT, doc=doc)
    for i, raw in enumerate(doc.data if isinstance(doc.data, list) else ()):
        ip = (i,)
        it = Interaction(index=i, path=ip, doc=doc)
        cas.interactions.append(it)
        if not isinstance(raw, dict):
            it.kind = "invalid"
            continue
        req = it.request = Request(path=ip, doc=doc)
        req.headers = govcr.headers(raw.get("reqheaders"), ip + ("reqheaders",), doc)
        req.body = _body(raw, "body", req, doc, False)
        if "method" in raw:
            req.method = Value(raw["method"], ip + ("method",), doc)
        scope, p = raw.get("scope"), raw.get("path", "")
        if isinstance(scope, str) and isinstance(p, str):
            # one URL as nock matches it (scope + path); positioned at ``path`` (or ``scope``)
            req.url = Value(scope.rstrip("/") + p, ip + (("path",) if "path" in raw else ("scope",)), doc)
            req.host = Value(scope, ip + ("scope",), doc)
        resp = it.response = Response(path=ip, doc=doc)
        resp.headers = headers(raw.get("rawHeaders"), ip + ("rawHeaders",), doc)
        resp.body = _body(raw, "response", resp, doc, raw.get("responseIsBinary") is True)
        if "status" in raw:
            resp.code = Value(raw["status"], ip + ("status",), doc)
        if not resp.body.decoded or resp.body.binary:
            _vcr.content_length(resp)
        it.kind = _vcr.kind_of(it)
    return cas


def _hex(chunks: list, path: tuple, msg: Message, doc: Document) -> Body:
    out = []
    for k, c in enumerate(chunks):
        try:
            out.append(bytes.fromhex(c) if isinstance(c, str) else None)
            if out[-1] is None:
                raise ValueError("not a string")
        except ValueError as e:
            b = Body(None, b"", True, path + (k,), doc, msg)
            b.uninspectable = (f"stored as hex chunks, but chunk {k + 1} of {len(chunks)} is not valid hex "
                               f"({e}{'; odd length: truncated' if isinstance(c, str) and len(c) % 2 else ''}): "
                               "nock replays bytes the client cannot decode")
            msg.uncompressed = Value(True, path, doc)
            return b
    return _vcr.body(Binary(b"".join(out)), path, msg, doc)


def _body(raw: dict, key: str, msg: Message, doc: Document, binary: bool) -> Body:
    path = msg.path + (key,)
    if key not in raw:
        return _vcr.body(None, None, msg, doc)
    v = raw[key]
    if v is None or v == "":
        return _vcr.body(None if v is None else "", path, msg, doc)
    if isinstance(v, list) and v and all(isinstance(c, str) for c in v) and msg.content_encoding not in ("", "identity"):
        return _hex(v, path, msg, doc)
    if isinstance(v, str):
        if binary:
            return _hex([v], path, msg, doc)
        return _vcr.body(v, path, msg, doc)
    return _structured.structured_body(v, path, msg, doc, "JSON value")
