"""Reporters turn a :class:`~cassette_lint.engine.RunResult` into text; they never inspect cassettes.

Each reporter module defines ``render(result, ctx) -> str``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

#: --format name → module
FORMATS = {"text": "text", "json": "json"}


@dataclass
class Context:
    """What a reporter may need besides the findings."""

    color: bool = False
    statistics: bool = False
    quiet: bool = False
    show_fixes: bool = False
    extra: dict = field(default_factory=dict)


def render(fmt: str, result, ctx: Context) -> str:
    mod = importlib.import_module(f"{__name__}.{FORMATS[fmt]}")
    return mod.render(result, ctx)


def summary_counts(result) -> tuple[int, int, int]:
    """(errors, warnings, files with findings)."""
    errors = warnings = 0
    files = 0
    for r in result.files:
        if r.findings:
            files += 1
        for f in r.findings:
            if f.severity.value == "error":
                errors += 1
            else:
                warnings += 1
    return errors, warnings, files


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"
