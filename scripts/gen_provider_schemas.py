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
  apart (events of one shape are checked once);
- ``request``: of a request body's schema (the SDK's own request ``TypedDict`` — for Anthropic the
  beta one, a superset of the GA types —, or for Gemini the
  REST ``GenerateContentRequest`` of ``google-genai``'s ``Content`` and ``Tool``) only the fields
  the linter checks are kept (``messages``/``input``/``contents`` and ``tools``), with those of
  them the SDK's type requires;
- google-genai's enums are ``CaseInSensitiveEnum``s: the SDK accepts any case of a member and builds
  an unknown value with a warning (``_missing_``), so their definitions become ``{"type": "string"}``.
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
          request_fields: tuple = (), request_model: str = "", extra_events: dict | None = None, loose_enums: frozenset = frozenset()) -> dict:
    """One provider file: the roots (``stream`` chunk, ``events`` union, ``response``, ``request``
    — of which only ``request_fields`` are kept) with the ``$defs`` they reach, trimmed."""
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
        body = defs.get(doc["request"].get("$ref", "").rsplit("/", 1)[-1], doc["request"])
        props = body["properties"]
        doc["request"] = {"type": "object",
                          "properties": {k: props[k] for k in request_fields if k in props},
                          "required": [k for k in body.get("required") or () if k in request_fields]}
        doc["request_model"] = request_model or request.__name__
        if not doc["request"]["required"]:
            del doc["request"]["required"]
    for name in loose_enums & set(defs):
        defs[name] = {"type": "string"}
    roots = {k: v for k, v in doc.items() if k in ("stream", "events", "response", "request")}
    doc["$defs"] = {k: defs[k] for k in sorted(reachable(roots, defs))}
    doc = _trim(doc)
    # (only what stream events reach: the keys tell events' shapes apart)
    events = {k: doc[k] for k in ("stream", "events") if k in doc}
    if events:
        doc["constrained"] = sorted(constrained_keys({**events, "$defs": {
            k: doc["$defs"][k] for k in reachable(events, doc["$defs"])}}))
    return doc


def reachable(roots, defs: dict) -> set[str]:
    """The names of the definitions ``roots`` reach."""
    keep: set = set()
    todo: set = set()
    _refs(roots, todo)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        _refs(defs[name], todo)
    return keep


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
    from anthropic.types.beta.message_create_params import MessageCreateParamsBase as BetaMessageCreateParams
    from openai.types.chat import ChatCompletion, ChatCompletionChunk
    from openai.types.chat.completion_create_params import CompletionCreateParamsBase
    from openai.types.responses import Response, ResponseStreamEvent
    from openai.types.responses.response_create_params import ResponseCreateParamsBase

    # request bodies in files of their own (``<dialect>.request.json``): read only when P004 runs
    out = {
        "openai-chat": build("openai-chat", "openai", stream=ChatCompletionChunk, response=ChatCompletion),
        "openai-chat.request": build("openai-chat", "openai", request=CompletionCreateParamsBase,
                                     request_fields=("messages", "tools"), request_model="CompletionCreateParams"),
        "openai-responses": build("openai-responses", "openai", events=ResponseStreamEvent, response=Response),
        "openai-responses.request": build("openai-responses", "openai", request=ResponseCreateParamsBase,
                                          request_fields=("input", "tools"), request_model="ResponseCreateParams"),
        # the SDK's transport skips ``ping`` and raises on ``error`` before parsing the union
        "anthropic": build("anthropic", "anthropic", events=RawMessageStreamEvent, response=Message,
                           extra_events={"ping": None, "error": ErrorResponse}),
        # requests: the beta types (``client.beta.messages.create``), a superset of the GA ones — computer
        # use, the newest server tools and content blocks are beta-only, recorded with ``anthropic-beta``
        "anthropic.request": build("anthropic", "anthropic", request=BetaMessageCreateParams,
                                   request_fields=("messages", "tools"), request_model="beta.MessageCreateParams"),
    }
    try:
        from google.genai import _common, types
    except ImportError:
        print("google-genai is not installed: schemas/providers/gemini*.json left as they are", file=sys.stderr)
    else:
        loose = frozenset(n for n, v in vars(types).items()
                          if isinstance(v, type) and issubclass(v, _common.CaseInSensitiveEnum))
        out["gemini"] = build("gemini", "google-genai", stream=types.GenerateContentResponse,
                              response=types.GenerateContentResponse, loose_enums=loose)
        out["gemini.request"] = build("gemini", "google-genai", request=gemini_request(types),
                                      request_fields=("contents", "tools"), request_model="GenerateContentRequest",
                                      loose_enums=loose)
    return out


def gemini_request(types):
    """The REST body of ``generateContent`` / ``streamGenerateContent`` (``GenerateContentRequest``:
    ``contents`` required, ``tools`` optional) made of google-genai's ``Content`` and ``Tool`` models,
    which name their fields as the REST API does (camelCase aliases)."""
    from typing_extensions import Required, TypedDict

    return TypedDict("GenerateContentRequest", {"contents": Required[list[types.Content]],
                                                "tools": list[types.Tool]}, total=False)


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
