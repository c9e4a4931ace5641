"""vcrpy (Python: pytest-recording, pytest-vcr), YAML and JSON serializers.

``vcr/serialize.py`` writes ``{version: 1, interactions: [{request, response}]}``: a request has
``body``, ``headers`` (``{name: [values]}``), ``method`` and ``uri``; a response has
``status: {code, message}``, ``headers`` and ``body: {string: ...}``.  Variants met in real
repositories, all read here:

- bodies as a plain string, as ``{string: ...}``, as ``!!binary`` (bytes that are not UTF-8, usually
  gzip/deflate per ``Content-Encoding``, decompressed before checking; brotli and undecodable bodies
  are reported once by F001); request bodies as ``!!binary``;
- ``parsed_body:`` instead of ``body`` (pydantic-ai's serializer stores JSON bodies as structure);
- the older httpx stub layout (response ``status_code``, ``http_version``, ``content``);
- files without ``version``; headers as single values or as lists of ``[name, [values]]`` pairs
  (``!!python/tuple``, old tornado stub);
- header names written ``!!python/object/apply:multidict._multidict.istr [Name]`` (aiohttp), read as
  the plain name: no Python object is ever constructed;
- ``!!python/unicode``/``!!python/str`` strings (Python 2 era files);
- ``{requests: [...], responses: [...]}``: vcrpy's in-memory cassette dict as LangChain's
  ``langchain_tests.conftest.CustomSerializer`` writes it (its ``CustomPersister`` bypasses
  ``vcr/serialize.py``; gzip'd, loaded with ``yaml.safe_load``): the i-th request and the i-th
  response make an interaction.

The ``Content-Length`` header is the declared length (``content_length_source``), checked by the
content-length rules like go-vcr's ``content_length``.  A list at the top level is vcrpy's pre-1.0
layout, which vcrpy itself refuses (reported by Y005).
"""

from __future__ import annotations

from typing import Any

from ..loader import Document
from ..model import Cassette, Interaction, Value
from . import _vcr

FORMAT = "vcrpy"
SCHEMA = "vcrpy.schema.json"
_P = "tag:yaml.org,2002:python/"
#: the Python tags vcrpy's own loader accepts (``serializers/yamlserializer.py``) plus aiohttp's
#: ``istr`` header names; read as their plain value, never constructed
ACCEPTED_TAGS: frozenset[str] = frozenset(_P + t for t in (
    "str", "unicode", "tuple", "object/new:_io.BytesIO", "object/apply:builtins.iter",
    "object/apply:multidict._multidict.istr",
))


def _paired(data: dict) -> bool:
    """LangChain's layout: ``requests`` and ``responses`` lists, no ``interactions``."""
    return (isinstance(data.get("requests"), list) and isinstance(data.get("responses"), list)
            and "interactions" not in data)


def implied_serializer(data: Any) -> str | None:
    """The project serializer a layout proves: only LangChain's ``CustomSerializer`` writes
    ``requests``/``responses`` (and reads them back with ``yaml.safe_load``)."""
    return "langchain" if isinstance(data, dict) and _paired(data) else None


def matches(data: Any) -> bool:
    if not isinstance(data, dict) or data.get("version", 1) != 1:
        return False
    if _paired(data):
        return all(isinstance(r, dict) and ("uri" in r or "method" in r) for r in data["requests"])
    items = data.get("interactions")
    if not isinstance(items, list) or "http_interactions" in data:
        return False
    for i in items:
        if not isinstance(i, dict) or not ("request" in i or "response" in i):
            return False
        req = i.get("request")
        if isinstance(req, dict) and "url" in req and "uri" not in req:
            return False  # go-vcr v1
    return True


def build(doc: Document, path: str) -> Cassette:
    data = doc.data
    cas = Cassette(path=path, format=FORMAT, doc=doc)
    if "version" in data:
        cas.version = Value(data["version"], ("version",), doc)
    if _paired(data):
        return _pairs(cas, doc)
    return _vcr.interactions(cas, doc, "interactions", _request, _response)


def _pairs(cas: Cassette, doc: Document) -> Cassette:
    """LangChain's layout: request ``i`` and response ``i`` (vcrpy's ``Cassette._as_dict``) pair up."""
    requests, responses = doc.data["requests"], doc.data["responses"]
    for i, raw in enumerate(requests):
        it = Interaction(index=i, path=("requests", i), doc=doc)
        cas.interactions.append(it)
        if not isinstance(raw, dict):
            it.kind = "invalid"
            continue
        it.request = _request(raw, ("requests", i), doc)
        it.response = _response(responses[i] if i < len(responses) else None, ("responses", i), doc)
        it.kind = _vcr.kind_of(it)
    return cas


def _body(m: dict, msg, doc: Document):
    p = msg.path
    if "parsed_body" in m and "body" not in m:
        return _vcr.parsed_body(m["parsed_body"], p + ("parsed_body",), msg, doc)
    key = "body" if "body" in m else "content" if "content" in m else None
    if key is None:
        return _vcr.body(None, None, msg, doc)
    raw = m[key]
    bp = p + (key,)
    if isinstance(raw, dict):
        if "string" in raw:
            return _vcr.body(raw["string"], bp + ("string",), msg, doc)
        if "parsed_body" in raw:
            return _vcr.parsed_body(raw["parsed_body"], bp + ("parsed_body",), msg, doc)
        return _vcr.body(None, bp, msg, doc)
    return _vcr.body(raw, bp, msg, doc)


def _request(raw: Any, path: tuple, doc: Document):
    return _vcr.request(raw, path, doc, _body)


def _response(raw: Any, path: tuple, doc: Document):
    resp, m = _vcr.response(raw, path, doc, _body)
    if "status" not in m and "status_code" in m:  # older httpx stub
        resp.code = Value(m["status_code"], path + ("status_code",), doc)
    hv = m.get("http_version")
    if isinstance(hv, str) and hv.startswith("HTTP/"):
        resp.proto = Value(hv, path + ("http_version",), doc)
    return resp
