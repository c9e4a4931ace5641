"""Structural validation of a cassette against its format's JSON Schema (``schemas/``).

Two layers:

- :func:`fast_validator` compiles a schema once per process into nested closures that answer only
  "valid or not" for the keywords our schemas use.  It is exact for those keywords (a property test
  checks it agrees with ``jsonschema``) and refuses to compile a schema with any other keyword, in
  which case every document goes to ``jsonschema``.  A clean file never imports ``jsonschema``.
- When the fast check says "invalid", the ``jsonschema`` package (one compiled validator per schema
  and process) finds the errors.  Each becomes a problem at the line and column of the offending node
  with a message a person can read (``interactions[0].response.code: expected integer, got string
  "200"``); an unknown key is reported at the key itself with a "did you mean" suggestion.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from typing import Any, Iterator

from .findings import ERROR, WARNING, Problem
from .loader import Binary, Document, format_path
from .source import Pos

#: the codes of the problems this step emits (their rules: :mod:`cassette_lint.rules.schema`)
SCHEMA_VIOLATION = "S001"
UNKNOWN_KEY = "S002"

_HERE = os.path.dirname(os.path.realpath(__file__))
#: where the schemas are: inside the installed package (the wheel), then the source tree's ``schemas/``
#: (lint/cassette_lint/schema.py -> ../../schemas) for an editable install or a checkout
_SCHEMA_DIRS = (os.path.join(_HERE, "schemas"), os.path.join(os.path.dirname(os.path.dirname(_HERE)), "schemas"))


def schema_text(name: str) -> str:
    """The text of schema ``name``: shipped inside the package, or from the source tree's ``schemas/``.

    Plain files first (``importlib.resources`` costs ~7 ms of imports at start-up); resources only
    for a package that is not on the file system (a zip)."""
    for d in _SCHEMA_DIRS:
        try:
            with open(os.path.join(d, name), encoding="utf-8") as fh:
                return fh.read()
        except FileNotFoundError:
            continue
    from importlib import resources

    return resources.files(__package__).joinpath("schemas", name).read_text("utf-8")


class Unsupported(Exception):
    """The schema uses a keyword the fast validator does not implement."""


_IGNORED = {"$schema", "$id", "title", "description", "$comment", "default", "examples", "$defs",
            "definitions", "deprecated", "readOnly", "writeOnly"}


def _is_type(t: str, v: Any) -> bool:
    if t == "string":
        return isinstance(v, (str, Binary))
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "integer":
        return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "null":
        return v is None
    raise Unsupported(f"type {t!r}")


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return a == b


class LazyRefs(dict):
    """Compiled references for :func:`_compile` that compile each reference's target on its first use
    (a large schema of which a run meets a few parts: the provider SDKs' models, hundreds of
    definitions). Only for schemas known to hold no unsupported keyword: :class:`Unsupported` would
    then surface at call time."""

    def check(self, ref: str, root: dict):
        def via(v):
            f = self.get(ref)
            if f is None:
                target = root
                for part in ref[2:].split("/"):
                    target = target[part]
                f = self[ref] = _compile(target, root, self)
            return f(v)

        return via


def _compile(schema: Any, root: dict, refs: dict):
    """A predicate ``instance -> bool`` equivalent to validating against ``schema``."""
    if schema is True:
        return lambda v: True
    if schema is False:
        return lambda v: False
    unknown = set(schema) - _IGNORED - {"type", "const", "enum", "required", "properties",
                                        "additionalProperties", "patternProperties", "items", "$ref",
                                        "pattern", "minimum", "maximum", "minLength", "anyOf"}
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    checks = []
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise Unsupported(f"$ref {ref}")
        if isinstance(refs, LazyRefs):
            checks.append(refs.check(ref, root))
        else:
            if ref not in refs:
                refs[ref] = None  # placeholder: recursive references resolve at call time
                target = root
                for part in ref[2:].split("/"):
                    target = target[part]
                refs[ref] = _compile(target, root, refs)
            checks.append(lambda v, ref=ref: refs[ref](v))
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        for t in types:
            _is_type(t, None)  # raises Unsupported for unknown type names
        checks.append(_type_check(types))
    if "const" in schema:
        c = schema["const"]
        if isinstance(c, str):  # (the usual case, a discriminator: only an equal string equals it)
            checks.append(lambda v, c=c: v == c)
        else:
            checks.append(lambda v, c=c: _json_equal(v, c))
    if "enum" in schema:
        e = schema["enum"]
        if e and all(isinstance(x, str) for x in e):
            strings = frozenset(e)
            checks.append(lambda v: isinstance(v, str) and v in strings)
        else:
            checks.append(lambda v, e=e: any(_json_equal(v, x) for x in e))
    if "required" in schema:
        req = tuple(schema["required"])
        checks.append(lambda v: not isinstance(v, dict) or all(k in v for k in req))
    props = {k: _compile(sub, root, refs) for k, sub in (schema.get("properties") or {}).items()}
    pattern_props = [(re.compile(p), _compile(sub, root, refs))
                     for p, sub in (schema.get("patternProperties") or {}).items()]
    if "additionalProperties" in schema:
        extra = _compile(schema["additionalProperties"], root, refs)
    else:
        extra = None
    if props or pattern_props or extra is not None:
        def obj(v, props=props, pattern_props=pattern_props, extra=extra):
            if not isinstance(v, dict):
                return True
            for k, x in v.items():
                f = props.get(k) if isinstance(k, str) else None
                matched = f is not None
                if matched and not f(x):
                    return False
                if pattern_props and isinstance(k, str):
                    for rx, pf in pattern_props:
                        if rx.search(k):
                            matched = True
                            if not pf(x):
                                return False
                if not isinstance(k, str):
                    return False  # JSON object keys are strings; let jsonschema describe it
                if not matched and extra is not None and not extra(x):
                    return False
            return True
        checks.append(obj)
    if "items" in schema:
        item = _compile(schema["items"], root, refs)

        def items(v, item=item):
            if isinstance(v, list):
                for x in v:
                    if not item(x):
                        return False
            return True

        checks.append(items)
    if "pattern" in schema:
        rx = re.compile(schema["pattern"])
        # a ``!!binary`` value where patterned text is expected fails (see ``validator``)
        checks.append(lambda v: not isinstance(v, Binary) and (not isinstance(v, str) or rx.search(v) is not None))
    if "minimum" in schema:
        checks.append(lambda v, m=schema["minimum"]: not _is_type("number", v) or v >= m)
    if "maximum" in schema:
        checks.append(lambda v, m=schema["maximum"]: not _is_type("number", v) or v <= m)
    if "minLength" in schema:
        checks.append(lambda v, m=schema["minLength"]: not isinstance(v, (str, Binary)) or len(v) >= m)
    if "anyOf" in schema:
        subs = [_compile(x, root, refs) for x in schema["anyOf"]]
        tags = _discriminated(schema["anyOf"], root)
        if tags is not None:
            checks.append(_union(subs, *tags))
        elif len(subs) == 2:  # (``Optional[X]``: X or null)
            a, b = subs
            checks.append(lambda v: a(v) or b(v))
        else:
            checks.append(lambda v: any(f(v) for f in subs))
    return _all_of(checks)


def _resolve(schema: Any, root: dict) -> Any:
    for _ in range(32):
        if not isinstance(schema, dict) or set(schema) != {"$ref"} or not str(schema["$ref"]).startswith("#/"):
            return schema
        target = root
        for part in schema["$ref"][2:].split("/"):
            target = target[part]
        schema = target
    return schema


def _discriminated(branches: list, root: dict) -> tuple[dict, list] | None:
    """``({type constant: branch}, [branches not requiring "type"])`` when every branch of a union is an
    object told apart by a distinct string ``const`` of its ``type`` property (the SDKs' event and
    content-block unions), else None. Then only the branch a value's ``type`` names can accept it."""
    if len(branches) < 3:
        return None
    tags: dict = {}
    loose = []
    for i, b in enumerate(branches):
        b = _resolve(b, root)
        if not isinstance(b, dict) or b.get("type") != "object":
            return None
        c = ((b.get("properties") or {}).get("type") or {}).get("const") if isinstance(b.get("properties"), dict) else None
        if not isinstance(c, str) or c in tags:
            return None
        tags[c] = i
        if "type" not in (b.get("required") or ()):
            loose.append(i)
    return tags, loose


def _union(subs: list, tags: dict, loose: list):
    """The check of a discriminated union (:func:`_discriminated`): exact, as every other branch's
    ``const`` rejects a value whose ``type`` it does not name."""
    def union(v):
        if not isinstance(v, dict):
            return False  # every branch is an object
        if "type" in v:
            t = v["type"]
            i = tags.get(t) if isinstance(t, str) else None
            return i is not None and subs[i](v)
        return any(subs[i](v) for i in loose)

    return union


#: JSON types a plain ``isinstance`` decides (``number``/``integer`` must exclude bool, so they do not)
_PY_TYPES = {"string": (str, Binary), "object": (dict,), "array": (list,), "boolean": (bool,),
             "null": (type(None),)}


def _type_check(types: list):
    if all(t in _PY_TYPES for t in types):
        py = tuple(c for t in types for c in _PY_TYPES[t])
        return lambda v: isinstance(v, py)
    if types == ["integer"]:
        return lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    if types == ["number"]:
        return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    return lambda v: any(_is_type(t, v) for t in types)


def _all_of(checks: list):
    """One predicate for all of ``checks`` (no generator per call: this runs for every node)."""
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        a, b = checks
        return lambda v: a(v) and b(v)
    if len(checks) == 3:
        a, b, c = checks
        return lambda v: a(v) and b(v) and c(v)
    checks = tuple(checks)

    def every(v):
        for c in checks:
            if not c(v):
                return False
        return True

    return every


def predicate(schema: Any):
    """``instance -> bool`` for an arbitrary schema (a tool's parameters), or ``None`` when the schema
    uses a keyword the fast path does not implement (then only ``jsonschema`` can judge)."""
    try:
        return _compile(schema, schema, {}) if isinstance(schema, (dict, bool)) else None
    except (Unsupported, KeyError, TypeError, re.error, AttributeError):
        return None


@lru_cache(maxsize=None)
def fast_validator(name: str):
    """``instance -> bool`` for schema ``name``, or ``None`` when the schema is beyond it."""
    schema = json.loads(schema_text(name))
    try:
        return _compile(schema, schema, {})
    except Unsupported:
        return None


@lru_cache(maxsize=None)
def validator(name: str):
    import jsonschema
    from jsonschema import validators

    schema = json.loads(schema_text(name))
    base = validators.validator_for(schema)
    base.check_schema(schema)

    # YAML-loaded data: ``!!binary`` bodies are bytes but stand for strings
    def is_string(checker, instance):
        return isinstance(instance, (str, Binary))

    checker = base.TYPE_CHECKER.redefine("string", is_string)
    text_pattern = base.VALIDATORS["pattern"]

    def pattern(v, patrn, instance, schema):
        if isinstance(instance, Binary):
            yield jsonschema.ValidationError(f"binary value where text matching {patrn!r} is expected")
            return
        yield from text_pattern(v, patrn, instance, schema)

    cls = validators.extend(base, {"pattern": pattern}, type_checker=checker)
    return cls(schema, format_checker=jsonschema.FormatChecker())


def type_name(v: Any, mapping: str = "mapping") -> str:
    """The JSON Schema type name of ``v`` for a message; a dict is ``mapping`` (a cassette's YAML) or,
    for JSON payloads, ``object``."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, (str, Binary)):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return mapping
    return type(v).__name__


def _show(v: Any, limit: int = 40) -> str:
    if isinstance(v, (dict, list)):
        return type_name(v)
    s = json.dumps(v, ensure_ascii=False, default=str) if not isinstance(v, Binary) else "<binary>"
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _message(err) -> str:
    v = err.validator
    inst = err.instance
    if v == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        return f"expected {want}, got {type_name(inst)} {_show(inst)}".rstrip()
    if v == "const":
        return f"must be {_show(err.validator_value)}, got {_show(inst)}"
    if v == "enum":
        return f"must be one of {', '.join(_show(x) for x in err.validator_value)}, got {_show(inst)}"
    if v == "required":
        missing = [k for k in err.validator_value if isinstance(inst, dict) and k not in inst]
        return f"missing required key {', '.join(repr(k) for k in missing) or err.message}"
    if v == "pattern":
        desc = err.schema.get("description")
        return f"{_show(inst)} is not valid" + (f": expected {desc}" if desc else f" (pattern {err.validator_value})")
    if v == "minimum":
        return f"{_show(inst)} is below the minimum {err.validator_value}"
    if v == "maximum":
        return f"{_show(inst)} is above the maximum {err.validator_value}"
    if v == "minLength":
        return "must not be empty"
    return err.message


def check(doc: Document, schema_name: str, decoder: str = "the recorder's decoder"
          ) -> Iterator[tuple[object, Problem]]:
    """Yield ``(rule, problem)`` for every schema violation of ``doc``; messages name ``decoder``,
    what reads the file under its library profile (``go-vcr v4's yaml.v3 decoder``)."""
    fast = fast_validator(schema_name)
    if fast is not None and fast(doc.data):
        return
    val = validator(schema_name)
    errors = sorted(val.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    for err in errors:
        yield from _problems(err, doc, decoder)


def _problems(err, doc: Document, decoder: str = "the recorder's decoder") -> Iterator[tuple[object, Problem]]:
    path = tuple(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = list((err.schema.get("properties") or {}).keys())
        extras = [k for k in err.instance if k not in allowed and not _pattern_allowed(err.schema, k)]
        for k in extras:
            import difflib

            guess = difflib.get_close_matches(str(k), allowed, n=1, cutoff=0.75)
            hint = f"; did you mean {guess[0]!r}?" if guess else (
                f"; known keys: {', '.join(allowed)}" if len(allowed) <= 16 else "")
            where = format_path(path) if path else "top level"
            name = str(k)
            shown = repr(name) if len(name) <= 80 else f"{name[:60]!r}… ({len(name):,} characters)"
            if guess:  # a near-miss of a real key: the value meant for it is lost
                msg = (f"{where}: unknown key {shown}: {decoder} silently ignores it, so the value meant "
                       f"for the real key is lost on replay{hint}")
            else:  # an extra key a project's tooling wrote: dropped on load, nothing else changes
                msg = (f"{where}: unknown key {shown}: {decoder} drops it, so it replays as if it were "
                       f"absent{hint}")
            yield UNKNOWN_KEY, Problem(doc.key_pos(path + (k,)), msg, interaction=_interaction(path),
                                         value=str(k), severity=ERROR if guess else WARNING)
        return
    if err.validator in ("anyOf", "oneOf") and err.context:
        best = min(err.context, key=lambda e: len(list(e.absolute_path)))
        yield from _problems(best, doc, decoder)
        return
    pos = doc.pos(path)
    if ("yaml.v" in decoder and err.validator == "type" and isinstance(err.instance, str)
            and set(_types(err.validator_value)) <= {"integer", "number", "boolean"}):
        # yaml.v2/v3 decode a !!str into an int, float or bool field with "cannot unmarshal"
        why = f"{decoder} refuses it (cannot unmarshal !!str), so the cassette fails to load"
    else:
        why = f"{decoder} cannot read it as recorded: the cassette fails to load or replays a wrong value"
    yield SCHEMA_VIOLATION, Problem(Pos(pos.line, pos.column, pos.end_line, pos.end_column),
                                      f"{format_path(path)}: {_message(err)}: {why}",
                                      interaction=_interaction(path), value=format_path(path))


def _types(v) -> list:
    return [v] if isinstance(v, str) else list(v) if isinstance(v, list) else []


def _pattern_allowed(schema: dict, key: Any) -> bool:
    return any(re.search(p, str(key)) for p in (schema.get("patternProperties") or {}))


def _interaction(path: tuple) -> int | None:
    for i, p in enumerate(path[:-1]):
        if p in ("interactions", "http_interactions") and isinstance(path[i + 1], int):
            return path[i + 1]
    return None
