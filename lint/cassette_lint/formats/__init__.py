"""Cassette formats: detection and one adapter module per format.

An adapter module defines ``FORMAT`` (its name), ``SCHEMA`` (its JSON Schema file in ``schemas/``),
``ACCEPTED_TAGS`` (YAML tags it reads on purpose), ``matches(data)`` and ``build(doc, path)`` that
returns a :class:`~cassette_lint.model.Cassette`.  Only the adapter knows the format's field names.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

#: adapter modules, most specific first: the first whose ``matches()`` accepts the data wins
ADAPTERS = ("govcr", "govcr_v1", "vcrpy", "ruby_vcr", "har", "testproxy", "nock", "httprr")

_cache: dict[str, ModuleType] = {}


def adapters() -> list[ModuleType]:
    out = []
    for name in ADAPTERS:
        mod = _cache.get(name)
        if mod is None:
            mod = _cache[name] = importlib.import_module(f"{__name__}.{name}")
        out.append(mod)
    return out


def names() -> list[str]:
    return [m.FORMAT for m in adapters()]


def detect(data: Any, forced: str | None = None) -> ModuleType | None:
    """The adapter for ``data`` (``forced`` names one), or ``None`` when it is no known cassette."""
    for mod in adapters():
        if forced is not None:
            if mod.FORMAT == forced:
                return mod
            continue
        if mod.matches(data):
            return mod
    return None


def plain_json_format(text: str, forced: str | None = None) -> bool | None:
    """Whether a JSON text too large for its shape to be composed with positions is a cassette of a
    known format, from plain decoded data (the C decoder: a fraction of the memory and time); None
    when that cannot be told within the same memory bound (or the text is no valid JSON)."""
    if forced is not None:
        return True
    from ..loader_json import decoded_fits

    if not decoded_fits(text):
        return None
    import json

    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        from ..loader import old_vcrpy_layout

        return True if old_vcrpy_layout(data) else False
    return detect(data) is not None


def json_may_be_cassette(raw: bytes, doc) -> bool:
    """False for a ``*.json`` file met while walking a directory that is certainly no cassette."""
    if doc is None:  # broken JSON: report it only when it was meant to be a cassette
        return any(k in raw for k in _JSON_KEYS)
    return _document_may_be_cassette(doc)


def yaml_may_be_cassette(raw: bytes, doc) -> bool:
    """False for a YAML file met while walking a directory that is certainly no cassette: one that
    does not load (a Helm template, a deliberately broken fixture) or whose top level is no mapping,
    unless it has a cassette's top-level ``interactions:`` / ``http_interactions:`` key."""
    if doc is None:  # broken or empty YAML: report it only when it was meant to be a cassette
        return _YAML_CASSETTE_KEY.search(raw) is not None
    return _document_may_be_cassette(doc)


def _document_may_be_cassette(doc) -> bool:
    if isinstance(doc.data, dict):
        return True  # format detection decides (no known format: skipped silently)
    from ..loader import old_vcrpy_layout

    return old_vcrpy_layout(doc.data) or (bool(doc.data) and is_listed_format(doc.data))


#: a top-level key of go-vcr/vcrpy (``interactions``) or Ruby VCR (``http_interactions``), maybe quoted
_YAML_CASSETTE_KEY = __import__("re").compile(rb"""(?m)^["']?(?:http_)?interactions["']?[ \t]*:""")

#: the versions the recorders of the ``interactions`` layout write (go-vcr v1: 1, v2-v4: 2; vcrpy: 1)
KNOWN_VERSIONS = (1, 2)


def unsupported_version(data: Any) -> bool:
    """True when ``data`` is laid out as a go-vcr/vcrpy cassette (an ``interactions`` list) but its
    ``version`` is none the recorders write (``version: 3``)."""
    return (isinstance(data, dict) and isinstance(data.get("interactions"), list) and "version" in data
            and not (type(data["version"]) is int and data["version"] in KNOWN_VERSIONS))


#: keys that mark a broken JSON file as meant to be a cassette: vcrpy, Ruby VCR, HAR, test-proxy, nock
_JSON_KEYS = (b'"interactions"', b'"http_interactions"', b'"entries"', b'"Entries"', b'"scope"')


def is_listed_format(data: Any) -> bool:
    """True when ``data``, a list at the top level, is a format whose top level is a list (nock)."""
    from . import nock

    return nock.matches(data)
