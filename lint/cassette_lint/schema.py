"""Structural validation of a cassette against its format's JSON Schema (``schemas/``).

Validation uses the ``jsonschema`` package with one compiled validator per schema and process.  Each
error becomes a problem at the line and column of the offending node with a message a person can
read (``interactions[0].response.code: expected integer, got string "200"``); an unknown key is
reported at the key itself with a "did you mean" suggestion.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

from .findings import Problem
from .loader import Binary, Document, format_path
from .rules import schema as S
from .source import Pos

_SCHEMA_DIR_IN_TREE = Path(__file__).resolve().parent.parent.parent / "schemas"


def schema_text(name: str) -> str:
    """The text of schema ``name``: shipped inside the package, or from the source tree's ``schemas/``."""
    try:
        res = resources.files(__package__).joinpath("schemas", name)
        if res.is_file():
            return res.read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError):
        pass
    return (_SCHEMA_DIR_IN_TREE / name).read_text("utf-8")


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
    cls = validators.extend(base, type_checker=checker)
    return cls(schema, format_checker=jsonschema.FormatChecker())


def _type_name(v: Any) -> str:
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
        return "mapping"
    return type(v).__name__


def _show(v: Any, limit: int = 40) -> str:
    if isinstance(v, (dict, list)):
        return _type_name(v)
    s = json.dumps(v, ensure_ascii=False, default=str) if not isinstance(v, Binary) else "<binary>"
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _message(err) -> str:
    v = err.validator
    inst = err.instance
    if v == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        return f"expected {want}, got {_type_name(inst)} {_show(inst)}".rstrip()
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


def check(doc: Document, schema_name: str) -> Iterator[tuple[object, Problem]]:
    """Yield ``(rule, problem)`` for every schema violation of ``doc``."""
    val = validator(schema_name)
    errors = sorted(val.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    for err in errors:
        yield from _problems(err, doc)


def _problems(err, doc: Document) -> Iterator[tuple[object, Problem]]:
    path = tuple(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = list((err.schema.get("properties") or {}).keys())
        extras = [k for k in err.instance if k not in allowed and not _pattern_allowed(err.schema, k)]
        for k in extras:
            guess = difflib.get_close_matches(str(k), allowed, n=1, cutoff=0.75)
            hint = f"; did you mean {guess[0]!r}?" if guess else (
                f"; known keys: {', '.join(allowed)}" if len(allowed) <= 16 else "")
            where = format_path(path) if path else "top level"
            msg = (f"{where}: unknown key {str(k)!r} (the recorder's decoder silently ignores it){hint}")
            yield S.UNKNOWN_KEY, Problem(doc.key_pos(path + (k,)), msg, interaction=_interaction(path),
                                         value=str(k))
        return
    if err.validator in ("anyOf", "oneOf") and err.context:
        best = min(err.context, key=lambda e: len(list(e.absolute_path)))
        yield from _problems(best, doc)
        return
    pos = doc.pos(path)
    yield S.SCHEMA_VIOLATION, Problem(Pos(pos.line, pos.column, pos.end_line, pos.end_column),
                                      f"{format_path(path)}: {_message(err)}",
                                      interaction=_interaction(path), value=format_path(path))


def _pattern_allowed(schema: dict, key: Any) -> bool:
    import re

    return any(re.search(p, str(key)) for p in (schema.get("patternProperties") or {}))


def _interaction(path: tuple) -> int | None:
    for i, p in enumerate(path[:-1]):
        if p in ("interactions", "http_interactions") and isinstance(path[i + 1], int):
            return path[i + 1]
    return None
