"""go-vcr v1 (``version: 1``), the format of ``cassette.go`` in github.com/dnaeon/go-vcr before v2.

Two layouts, both read by the go-vcr v2 adapter's code (:mod:`.govcr`):

- go-vcr v1.x: a request has ``body``, ``form`` (``{}``), ``headers``, ``url``, ``method``; a response
  ``body``, ``headers``, ``status`` (``"200 OK"``), ``code`` and ``duration`` (``""`` or a Go duration).
  There are no ``proto``/``content_length``/``host`` fields and no interaction ``id``.
- the oldest files (2015/16): no ``form`` and no ``duration``; some recorders of that era put the
  interaction's ``id`` inside ``request``.

The declared length is the ``Content-Length`` header (there is no ``content_length`` field); a form POST
whose body v1 left empty (the bytes went to ``form``) is not compared.
"""

from __future__ import annotations

from typing import Any

from ..loader import Document
from ..model import Cassette, Value
from . import govcr

FORMAT = "go-vcr-v1"
SCHEMA = "go-vcr-v1.schema.json"
ACCEPTED_TAGS: frozenset[str] = frozenset()


def matches(data: Any) -> bool:
    if not isinstance(data, dict) or data.get("version") != 1 or "http_interactions" in data:
        return False
    items = data.get("interactions")
    if not isinstance(items, list) or not items:
        return False  # an empty version-1 file is left to vcrpy (the commoner recorder)
    saw_url = False
    for i in items:
        if not isinstance(i, dict) or not ("request" in i or "response" in i):
            return False
        req = i.get("request")
        if isinstance(req, dict):
            if "uri" in req:
                return False  # vcrpy
            saw_url = saw_url or "url" in req
        resp = i.get("response")
        if isinstance(resp, dict) and isinstance(resp.get("status"), dict):
            return False  # vcrpy's status: {code, message}
    return saw_url


def build(doc: Document, path: str) -> Cassette:
    cas = govcr.build(doc, path, FORMAT)
    for it in cas.interactions:
        req = it.request
        if req is not None and req.form is not None and req.form.items and req.body is not None and req.body.empty:
            # go-vcr v1 recorded a form POST after ``ParseForm`` had consumed the body: the bytes are in
            # ``form``, the body is empty, and ``Content-Length`` still counts the encoded form
            req.uncompressed = Value(True, req.path + ("form",), doc)
    return cas
