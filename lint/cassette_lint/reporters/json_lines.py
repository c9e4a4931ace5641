"""``--format json-lines``: one JSON object per finding per line (the same objects as ``json``)."""

from __future__ import annotations

import json


def render(result, ctx) -> str:
    return "".join(json.dumps(f.to_dict(), ensure_ascii=False) + "\n" for f in result.findings)
