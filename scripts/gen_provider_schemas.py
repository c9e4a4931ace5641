#!/usr/bin/env python3
"""Regenerate ``schemas/providers/*.json`` from the official provider SDKs' pydantic models.

Usage (the SDKs are in the ``providers`` extra; never needed at run time)::

    pip install -e '.[providers]'
    python scripts/gen_provider_schemas.py            # writes schemas/providers/
    python scripts/gen_provider_schemas.py --check    # exit 1 when a file would change

Each output file is one API dialect (:mod:`cassette_lint.dialects`) and carries the SDK's name and
version.  The JSON Schemas come from pydantic (``TypeAdapter(Model).json_schema()``) and are then
trimmed to what the linter uses:

- only the ``$defs`` reachable from the roots are kept; titles, descriptions, defaults, examples
  and ``format`` are dropped (the files stay small, and the compiled fast check of
  :mod:`cassette_lint.schema` handles every keyword that is left);
- ``additionalProperties: false`` (and ``true``, the default) is removed: the SDKs' models accept
  unknown fields (``extra="allow"``), and a recording may carry fields newer than the pinned SDK;
- types, required fields, ``const``/``enum`` (the ``type`` discriminators of events and content
  blocks) and nullability (``Optional`` fields are ``anyOf [X, null]``) stay as pydantic wrote them;
- an event union (OpenAI Responses, Anthropic Messages) becomes a map ``events``: ``type`` value →
  schema, so the linter finds the one branch an event belongs to (and knows an unknown ``type``);
- ``constrained`` lists the property names whose string values a schema constrains (``const``,
  ``enum``): the linter keeps those values and blanks every other one when it tells events' shapes
  apart (events of one shape are checked once).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "schemas" / "providers"

#: keywords dropped from every (sub)schema
_DROP = {"title", "description", "default", "examples", "format", "discriminator", "$comment",
         "deprecated", "readOnly", "writeOnly", "contentEncoding", "contentMediaType"}


def _trim(x):
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if k in _DROP:
                continue
            if k == "additionalProperties" and isinstance(v, bool):
                continue  # the SDKs accept unknown fields: so does the pinned schema
            if k in ("properties", "$defs"):
                out[k] = {name: _trim(sub) for name, sub in v.items()}
            else:
                out[k] = _trim(v)
        return out
    if isinstance(x, list):
        return [_trim(v) for v in x]
    return x


def _refs(x, found: set) -> None:
    if isinstance(x, dict):
        r = x.get("$ref")
        if isinstance(r, str) and r.startswith("#/$defs/"):
            found.add(r[len("#/$defs/"):])
        for k, v in x.items():
            if k == "properties":
                for sub in v.values():
                    _refs(sub, found)
            elif k != "$defs":
                _refs(v, found)
    elif isinstance(x, list):
        for v in x:
            _refs(v, found)


def _rename(x, names: dict):
    """``x`` with every ``$ref`` to a definition in ``names`` pointed at its new name."""
    if isinstance(x, dict):
        out = {k: _rename(v, names) for k, v in x.items()}
        r = x.get("$ref")
        if isinstance(r, str) and r.startswith("#/$defs/") and r[8:] in names:
            out["$ref"] = "#/$defs/" + names[r[8:]]
        return out
    if isinstance(x, (list, tuple)):
        return type(x)(_rename(v, names) for v in x)
    return x


def _schema(tp) -> dict:
    from pydantic import TypeAdapter

    return TypeAdapter(tp).json_schema(mode="validation")


def _type_const(defs: dict, ref: dict) -> str:
    sub = defs[ref["$ref"].split("/")[-1]]
    t = sub["properties"]["type"]
    return t["const"] if "const" in t else t["enum"][0]


def build(dialect: str, sdk: str, stream=None, events=None, response=None, request=None,
          extra_events: dict | None = None) -> dict:
    """One provider file: the roots (``stream`` chunk, ``events`` union, ``response``, ``request``)
    with the ``$defs`` they reach, trimmed."""
    defs: dict = {}
    roots: dict = {}

    def add(name: str, tp) -> dict:
        s = _schema(tp)
        new = s.pop("$defs", {})
        # two roots may name different models alike (chunk and completion both have a ``Choice``)
        clash = {k: f"{k}_{name}" for k, v in new.items() if k in defs and defs[k] != v}
        if clash:
            s, new = _rename((s, new), clash)
            new = dict(zip((clash.get(k, k) for k in new), new.values()))
        defs.update(new)
        if "$ref" not in s and "anyOf" not in s:  # the root model itself: keep it as a definition
            key = getattr(tp, "__name__", name)
            defs[key] = s
            s = {"$ref": f"#/$defs/{key}"}
        roots[name] = s
        return s

    doc: dict = {
        "$comment": "generated by scripts/gen_provider_schemas.py from the SDK's pydantic models; do not edit",
        "dialect": dialect,
        "sdk": sdk,
        "sdk_version": importlib.metadata.version(sdk),
    }
    if stream is not None:
        doc["stream"] = add("stream", stream)
    if events is not None:
        union = add("events", events)
        doc["events"] = {_type_const(defs, r): r for r in union["anyOf"]}
        for name, tp in (extra_events or {}).items():
            doc["events"][name] = add(name, tp) if tp is not None else {"type": "object"}
    if response is not None:
        doc["response"] = add("response", response)
    if request is not None:
        doc["request"] = add("request", request)
    keep: set = set()
    todo = set()
    _refs({k: v for k, v in doc.items() if k not in ("sdk", "dialect")}, todo)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        _refs(defs[name], todo)
    doc["$defs"] = {k: defs[k] for k in sorted(keep)}
    doc = _trim(doc)
    doc["constrained"] = sorted(constrained_keys(doc))
    return doc


def constrained_keys(doc: dict) -> set[str]:
    """Property names whose string value some schema of ``doc`` constrains beyond its JSON type (a
    ``const``, ``enum``, ``pattern`` or length anywhere in the property's schema, through references and
    unions). The linter blanks every other key's string value when it compares events' shapes."""
    defs = doc.get("$defs") or {}
    out: set[str] = set()

    def constrains(sub, seen: frozenset) -> bool:
        if isinstance(sub, dict):
            if {"const", "enum", "pattern", "minLength", "maxLength"} & set(sub):
                return True
            ref = sub.get("$ref")
            if isinstance(ref, str) and ref not in seen:
                return constrains(defs.get(ref.rsplit("/", 1)[-1]), seen | {ref})
            return any(constrains(x, seen) for x in sub.get("anyOf") or ())
        return False

    def walk(x) -> None:
        if isinstance(x, dict):
            for name, sub in (x.get("properties") or {}).items():
                if constrains(sub, frozenset()):
                    out.add(name)
            for k, v in x.items():
                walk(list(v.values()) if k == "properties" else v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(doc)
    return out


def providers() -> dict[str, dict]:
    from anthropic.types import ErrorResponse, Message, RawMessageStreamEvent
    from openai.types.chat import ChatCompletion, ChatCompletionChunk
    from openai.types.responses import Response, ResponseStreamEvent

    out = {
        "openai-chat": build("openai-chat", "openai", stream=ChatCompletionChunk, response=ChatCompletion),
        "openai-responses": build("openai-responses", "openai", events=ResponseStreamEvent, response=Response),
        # the SDK's transport skips ``ping`` and raises on ``error`` before parsing the union
        "anthropic": build("anthropic", "anthropic", events=RawMessageStreamEvent, response=Message,
                           extra_events={"ping": None, "error": ErrorResponse}),
    }
    try:
        from google.genai.types import GenerateContentResponse
    except ImportError:
        print("google-genai is not installed: schemas/providers/gemini.json left as it is", file=sys.stderr)
    else:
        out["gemini"] = build("gemini", "google-genai", stream=GenerateContentResponse,
                              response=GenerateContentResponse)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when a file would change; write nothing")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, doc in providers().items():
        path = OUT / f"{name}.json"
        text = json.dumps(doc, indent=1, sort_keys=False, ensure_ascii=False) + "\n"
        old = path.read_text("utf-8") if path.exists() else None
        if old != text:
            changed.append(path.name)
            if not args.check:
                path.write_text(text, "utf-8")
        print(f"{path.relative_to(ROOT)}: {doc['sdk']} {doc['sdk_version']}, {len(doc['$defs'])} definitions, "
              f"{len(text):,} bytes" + (" (changed)" if old != text else ""))
    if args.check and changed:
        print("out of date: " + ", ".join(changed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
