"""``--format text``: ``path:line:col: CODE [severity] message``, then a summary line."""

from __future__ import annotations

from . import plural, profiles, summary

_RED, _YELLOW, _BOLD, _DIM, _RESET = "\033[31m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"


def line(f, color: bool = False) -> str:
    sev = f.severity.value
    if color:
        c = _RED if sev == "error" else _YELLOW
        # the location prefix stays plain so that problem matchers parse it also when coloured
        return f"{f.path}:{f.line}:{f.column}: {c}{_BOLD}{f.rule}{_RESET} {c}[{sev}]{_RESET} {f.message}"
    return f"{f.path}:{f.line}:{f.column}: {f.rule} [{sev}] {f.message}"


def render(result, ctx) -> str:
    out = []
    if not ctx.quiet:
        out.extend(line(f, ctx.color) for f in result.findings)
    fixed = ctx.extra.get("fixed")
    if fixed and fixed[0]:
        out.append(f"Fixed {plural(fixed[0], 'finding')} in {plural(fixed[1], 'file')}.")
    if ctx.extra.get("baseline"):
        out.append(f"{plural(ctx.extra['baseline'], 'finding')} in the baseline not shown.")
    if not ctx.quiet and (result.findings or ctx.extra.get("verbose")):  # the library that judged them
        used = profiles(result)
        if used:
            out.append(used)
    out.append(summary(result))
    return "\n".join(out) + "\n"
