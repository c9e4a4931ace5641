"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

``tool.driver.rules`` describes every rule from the registry (id, name, short and full description,
help, default level); results point at repository-relative URIs (``%SRCROOT%``) with a region, and
carry ``partialFingerprints`` built from the hash of the offending value (stable when lines move).
Secret rules are tagged ``security`` and carry a ``security-severity``.
"""

from __future__ import annotations

import json
import os
from urllib.parse import quote

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
#: GitHub's scale: 9.0+ critical, 7.0–8.9 high, 4.0–6.9 medium
SECURITY_SEVERITY = {"error": "9.0", "warning": "6.0"}


def is_secret_rule(r) -> bool:
    return r.family == "secrets" or r.code.startswith("K") or "security" in r.tags


def _level(sev) -> str:
    return "error" if str(getattr(sev, "value", sev)) == "error" else "warning"


def rule_descriptor(r) -> dict:
    d = {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.summary or r.name},
        "fullDescription": {"text": r.doc or r.summary or r.name},
        "help": {"text": f"{r.doc}\n\nSee: cassette-lint rules {r.code}"},
        "defaultConfiguration": {"level": _level(r.severity)},
    }
    tags = [r.family] + [t for t in r.tags if t != r.family]
    props: dict = {}
    if is_secret_rule(r):
        if "security" not in tags:
            tags.append("security")
        props["security-severity"] = SECURITY_SEVERITY[_level(r.severity)]
    props["tags"] = tags
    d["properties"] = props
    return d


def _uri(path: str, root: str) -> tuple[str, bool]:
    """(uri, relative to %SRCROOT%)."""
    ap = os.path.abspath(path)
    try:
        rel = os.path.relpath(ap, root)
    except ValueError:
        rel = ".."
    if rel == ".." or rel.startswith(".." + os.sep):
        return "file://" + quote(ap.replace(os.sep, "/")), False
    return quote(rel.replace(os.sep, "/")), True


def render(result, ctx) -> str:
    from .. import __version__, rules
    from ..baseline import finding_hash

    root = os.path.abspath(ctx.root)
    registry = rules.all_rules()
    index = {r.code: i for i, r in enumerate(registry)}
    results = []
    for f in result.findings:
        uri, relative = _uri(f.path, root)
        loc = {"uri": uri}
        if relative:
            loc["uriBaseId"] = "%SRCROOT%"
        region = {"startLine": f.line, "startColumn": f.column}
        if f.end_line is not None:
            region["endLine"] = f.end_line
        if f.end_column is not None and (f.end_line is None or f.end_line >= f.line):
            region["endColumn"] = f.end_column
        res = {
            "ruleId": f.rule,
            "level": _level(f.severity),
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {"artifactLocation": loc, "region": region}}],
            "partialFingerprints": {"cassetteLintValue/v1": f"{f.rule}:{finding_hash(f)}"},
        }
        if f.rule in index:
            res["ruleIndex"] = index[f.rule]
        props = {}
        if f.interaction is not None:
            props["interaction"] = f.interaction
        if f.format:
            props["cassetteFormat"] = f.format
        if props:
            res["properties"] = props
        results.append(res)
    doc = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "cassette-lint",
                "version": __version__,
                "rules": [rule_descriptor(r) for r in registry],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": "file://" + quote(root.replace(os.sep, "/").rstrip("/")) + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
