"""Azure SDK test-proxy session records (``{"Entries": [...], "Variables": {...}}``), as written by
Azure/azure-sdk-tools ``tools/test-proxy/Azure.Sdk.Tools.TestProxy/Common/RecordEntry.cs``
(``Serialize`` / ``Deserialize``) and ``RecordSession.cs``; used by the Azure SDKs and by
openai/openai-dotnet (``tests/SessionRecords``).

An entry has ``RequestUri``, ``RequestMethod``, ``RequestHeaders`` and ``ResponseHeaders``
(``{name: value}``, a list of values when a header repeats), ``StatusCode`` and the two bodies, which
``SerializeBody`` writes by the message's ``Content-Type``:

- ``null``: no body; ``[]``: an empty body;
- a text type (``IsTextContentType``) whose body parses as a JSON object (or number, boolean): the
  JSON value itself, re-serialized compactly on replay (``NormalizeJsonBody``, which also updates
  ``Content-Length``): no declared length to compare;
- other text: one string, or, when it holds a line break, an array of lines each ending with its
  ``\\r``/``\\n``/``\\r\\n`` (an SSE stream is one element per line): the lines joined;
- anything else: base64 of the bytes;
- multipart bodies (newer proxies) as lines, each binary part one ``b64:`` line holding its bytes'
  base64: those parts' bytes are what ``Content-Length`` counts.

Values the proxy's sanitizers replaced read ``Sanitized`` (``RecordedTestSanitizer``); ``Variables``
holds what the test stored for playback (an API key a test read from the environment, say).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..loader import Binary, Document
from ..model import Body, Cassette, Headers, Interaction, Message, Request, Response, Value
from . import _structured, _vcr, govcr

FORMAT = "test-proxy"
SCHEMA = "test-proxy.schema.json"
ACCEPTED_TAGS: frozenset[str] = frozenset()

#: ``ContentTypeUtilities.TryGetTextEncoding``: these media types are text (a ``charset`` also makes one)
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "application/x-www-form-urlencoded")


def matches(data: Any) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("Entries"), list)
            and all(isinstance(e, dict) and ("RequestUri" in e or "RequestMethod" in e) for e in data["Entries"]))


def is_text(msg: Message) -> bool:
    ct = (msg.headers.value("Content-Type", "") or "").lower()
    return ct.startswith(_TEXT_TYPES) or "json" in ct or "xml" in ct or "charset=" in ct


def build(doc: Document, path: str) -> Cassette:
    cas = Cassette(path=path, format=FORMAT, doc=doc)
    data = doc.data if isinstance(doc.data, dict) else {}
    variables = data.get("Variables")
    if isinstance(variables, dict):
        cas.variables = [(str(k), Value(v, ("Variables", k), doc)) for k, v in variables.items()]
    entries = data.get("Entries")
    for i, raw in enumerate(entries if isinstance(entries, list) else ()):
        ip = ("Entries", i)
        it = Interaction(index=i, path=ip, doc=doc)
        cas.interactions.append(it)
        if not isinstance(raw, dict):
            it.kind = "invalid"
            continue
        req = it.request = Request(path=ip, doc=doc)
        req.headers = govcr.headers(raw.get("RequestHeaders"), ip + ("RequestHeaders",), doc)
        req.body = _body(raw, "RequestBody", req, doc)
        if "RequestMethod" in raw:
            req.method = Value(raw["RequestMethod"], ip + ("RequestMethod",), doc)
        if "RequestUri" in raw:
            req.url = Value(raw["RequestUri"], ip + ("RequestUri",), doc)
        resp = it.response = Response(path=ip, doc=doc)
        resp.headers = govcr.headers(raw.get("ResponseHeaders"), ip + ("ResponseHeaders",), doc)
        resp.body = _body(raw, "ResponseBody", resp, doc)
        if "StatusCode" in raw:
            resp.code = Value(raw["StatusCode"], ip + ("StatusCode",), doc)
        for msg in (req, resp):
            if not msg.body.decoded:
                _vcr.content_length(msg)
        it.kind = _vcr.kind_of(it)
    return cas


def _multipart_bytes(parts: list[str]) -> bytes:
    """The bytes of a multipart body whose binary parts the proxy stored as ``b64:`` lines (each such
    line the base64 of the part's bytes, then its line break)."""
    out = []
    for p in parts:
        if p.startswith("b64:"):
            content = p.rstrip("\r\n")
            try:
                out.append(base64.b64decode(content[4:], validate=True))
                out.append(p[len(content):].encode())
                continue
            except (binascii.Error, ValueError):
                pass
        out.append(p.encode("utf-8", "surrogatepass"))
    return b"".join(out)


def _body(raw: dict, key: str, msg: Message, doc: Document) -> Body:
    path = msg.path + (key,)
    if key not in raw:
        return _vcr.body(None, None, msg, doc)
    v = raw[key]
    if v is None:  # not recorded (the proxy keeps no body): nothing a declared length counts
        if msg.headers.get("Content-Length") is not None:
            msg.uncompressed = Value(True, path, doc)
        return _vcr.body(None, path, msg, doc)
    if isinstance(v, list):  # lines (an empty array: an empty body)
        parts = [p if isinstance(p, str) else str(p) for p in v]
        b = _vcr.body(_structured.joined_text(parts, path, doc), path, msg, doc)
        if msg.content_type.startswith("multipart/") and any(p.startswith("b64:") for p in parts):
            b.data = _multipart_bytes(parts)
        return b
    if isinstance(v, str):
        if is_text(msg):
            return _vcr.body(v, path, msg, doc)
        try:
            data = base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError) as e:
            b = Body(v, v.encode("utf-8", "surrogatepass"), False, path, doc, msg)
            b.uninspectable = (f"stored as base64 (Content-Type {msg.content_type or 'absent'} is not text) "
                               f"but is not valid base64 ({e}): the test-proxy cannot load the record")
            b.text = None
            return b
        return _vcr.body(Binary(data), path, msg, doc)
    return _structured.structured_body(v, path, msg, doc, "JSON value")
