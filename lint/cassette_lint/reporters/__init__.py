"""Reporters turn a :class:`~cassette_lint.engine.RunResult` into text; they never inspect cassettes.

Each reporter module defines ``render(result, ctx) -> str``.
"""

from __future__ import annotations

import importlib

from ..records import Record

#: --format name → module (every format the CLI accepts)
FORMATS = {
    "text": "text",
    "json": "json",
    "json-lines": "json_lines",
    "github": "github",
    "sarif": "sarif",
    "junit": "junit",
}
#: formats meant for programs: never coloured, never a progress bar
MACHINE_FORMATS = frozenset({"json", "json-lines", "sarif", "junit"})


class Context(Record):
    """What a reporter may need besides the findings.

    (A plain class, not a dataclass: creating a dataclass costs every start-up ~1 ms of generated code;
    equal by fields and unhashable, as the dataclass was.)
    """

    __slots__ = ("color", "statistics", "quiet", "show_fixes", "root", "extra")

    def __init__(self, color: bool = False, statistics: bool = False, quiet: bool = False, show_fixes: bool = False,
                 root: str = ".", extra: dict | None = None):
        self.color = color
        self.statistics = statistics
        self.quiet = quiet
        self.show_fixes = show_fixes
        #: directory that SARIF URIs are relative to (the repository root)
        self.root = root
        self.extra: dict = {} if extra is None else extra


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


def checked(result) -> str:
    """``3 files checked``, and ``, 2 non-cassette files skipped`` when the walk met some."""
    skipped = sum(1 for r in result.files if r.skipped == NOT_A_CASSETTE)
    text = f"{plural(len(result.checked), 'file')} checked"
    return text + f", {plural(skipped, 'non-cassette file')} skipped" if skipped else text


#: FileResult.skipped of a YAML/JSON file met while walking that is no cassette
NOT_A_CASSETTE = "not-a-cassette"


def found(result) -> str:
    """``Found 2 errors and 1 warning in 1 file (3 files checked).``"""
    errors, warnings, files = summary_counts(result)
    return (f"Found {plural(errors, 'error')} and {plural(warnings, 'warning')} in "
            f"{plural(files, 'file')} ({checked(result)}).")


def profiles(result) -> str | None:
    """``Replay profiles: go-vcr v4 (default for go-vcr-v2 cassettes): 350 files; vcrpy 9.4.2
    (uv.lock): 12 files.`` — which library judged which files (None when no cassette was checked)."""
    from collections import Counter

    counts = Counter(r.profile.described for r in result.files if r.profile is not None)
    if not counts:
        return None
    parts = [f"{d}: {plural(n, 'file')}" for d, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return ("Replay profile: " if len(parts) == 1 else "Replay profiles: ") + "; ".join(parts) + "."


def summary(result) -> str:
    """The closing sentence of the text formats: :func:`found`, or ``All checks passed (3 files
    checked).`` when there is nothing to report."""
    errors, warnings, _ = summary_counts(result)
    if errors or warnings:
        return found(result)
    return f"All checks passed ({checked(result)})."


def statistics(result) -> tuple[list[tuple[str, str, int]], list[tuple[str, int]]]:
    """([(code, name, count)], [(cassette format, count)]), most frequent first."""
    from collections import Counter

    by_rule: Counter = Counter()
    names: dict[str, str] = {}
    by_format: Counter = Counter()
    for r in result.files:
        for f in r.findings:
            by_rule[f.rule] += 1
            names[f.rule] = f.name
            by_format[f.format or r.format or "unknown"] += 1
    rules = [(c, names[c], n) for c, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))]
    formats = sorted(by_format.items(), key=lambda kv: (-kv[1], kv[0]))
    return rules, formats


def files_by_format(result) -> list[tuple[str, int]]:
    """[(cassette format, files checked as it)], most files first."""
    from collections import Counter

    counts = Counter(r.format for r in result.checked if r.format)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def render_statistics(fmt: str, result) -> str:
    """``--statistics``: JSON for the JSON formats, a table otherwise."""
    rules, formats = statistics(result)
    files = files_by_format(result)
    if fmt in ("json", "json-lines"):
        import json

        return json.dumps({
            "rules": [{"rule": c, "name": n, "count": k} for c, n, k in rules],
            "formats": [{"format": f, "count": k} for f, k in formats],
            "files": [{"format": f, "count": k} for f, k in files],
        }, indent=2) + "\n"
    out = []
    width = max((len(n) for _, n, _ in rules), default=0)
    for code, name, n in rules:
        out.append(f"{n:>7}  {code:<5} {name:<{width}}")
    if formats:
        out.append("")
        out.append("by cassette format:")
        for f, n in formats:
            out.append(f"{n:>7}  {f}")
    if files:
        out.append("")
        out.append("files checked by cassette format:")
        for f, n in files:
            out.append(f"{n:>7}  {f}")
    out.append(found(result))
    return "\n".join(out) + "\n"
