"""Ruby VCR (``http_interactions``), the format of vcr/vcr's ``Cassette::Serializers::YAML``.

``{http_interactions: [{request, response, recorded_at}], recorded_with: "VCR 6.2.0"}``: a request
has ``method`` (lower case: Ruby symbols), ``uri``, ``body`` and ``headers``; a response has
``status: {code, message}``, ``headers``, ``body``, ``http_version`` and (VCR 3+)
``adapter_metadata``.  Bodies are ``{encoding, string}`` (VCR 2+), ``{encoding, base64_string}``
(``preserve_exact_body_bytes``) or a plain string (VCR 1.x); Psych writes bytes that are not UTF-8
with Ruby's local ``!binary`` tag and marks some strings with the non-specific ``!`` tag.  The body's
``encoding`` gives the bytes a ``Content-Length`` header counts (``ISO-8859-1`` text is one byte per
character).  Methods are upper-cased in the model (``get`` is how VCR writes ``GET``).
"""

from __future__ import annotations

import base64
import binascii
import codecs
from typing import Any

from ..loader import Binary, Document
from ..model import Cassette
from . import _vcr

FORMAT = "ruby-vcr"
SCHEMA = "ruby-vcr.schema.json"
ACCEPTED_TAGS: frozenset[str] = frozenset({"!binary", "!"})


def matches(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("http_interactions"), list)


def build(doc: Document, path: str) -> Cassette:
    cas = Cassette(path=path, format=FORMAT, doc=doc)
    return _vcr.interactions(cas, doc, "http_interactions", _request, _response)


def _codec(name: Any) -> str | None:
    if not isinstance(name, str) or name.upper() in ("ASCII-8BIT", "BINARY"):
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _body(m: dict, msg, doc: Document):
    p = msg.path
    if "body" not in m:
        return _vcr.body(None, None, msg, doc)
    raw = m["body"]
    bp = p + ("body",)
    if not isinstance(raw, dict):
        return _vcr.body(raw, bp, msg, doc)
    if "base64_string" in raw:
        b64 = raw["base64_string"]
        vp = bp + ("base64_string",)
        if isinstance(b64, str):
            try:
                data = Binary(base64.b64decode("".join(b64.split()), validate=True))
            except (binascii.Error, ValueError):
                b = _vcr.body(None, vp, msg, doc)
                b.text = None
                b.binary = True
                b.uninspectable = "base64_string that is not valid base64"
                return b
            b = _vcr.body(data, vp, msg, doc)
            b.exact = False  # offsets in the text are not offsets in the base64 scalar
            return b
        return _vcr.body(b64, vp, msg, doc)
    b = _vcr.body(raw.get("string"), bp + ("string",) if "string" in raw else bp, msg, doc)
    codec = _codec(raw.get("encoding"))
    if b.text and not b.binary and codec not in (None, "utf-8") and not b.text.isascii():
        try:
            b.data = b.text.encode(codec)  # the bytes on the wire: what Content-Length counts
        except UnicodeEncodeError:
            pass
    return b


def _request(raw: Any, path: tuple, doc: Document):
    return _vcr.request(raw, path, doc, _body, upper=True)


def _response(raw: Any, path: tuple, doc: Document):
    return _vcr.response(raw, path, doc, _body)[0]
