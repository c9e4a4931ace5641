"""``--format json``: a JSON array of findings on stdout (the stable contract other tools parse)."""

from __future__ import annotations

import json


def render(result, ctx) -> str:
    return json.dumps([f.to_dict() for f in result.findings], indent=2, ensure_ascii=False) + "\n"
