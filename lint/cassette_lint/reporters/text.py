"""``--format text``: ``path:line:col: CODE [severity] message`` per finding (``[*]`` after the
severity when ``--fix`` repairs it), then a summary line; with ``--show-source`` the source around
each finding, a caret under its columns."""

from __future__ import annotations

from . import plural, profiles, summary

_RED, _YELLOW, _BOLD, _DIM, _RESET = "\033[31m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"
#: --show-source: characters of a long line shown on each side of the finding's column
WINDOW = 40


def line(f, color: bool = False) -> str:
    sev = f.severity.value
    fix = " [*]" if f.fix is not None else ""
    if color:
        c = _RED if sev == "error" else _YELLOW
        # the location prefix stays plain so that problem matchers parse it also when coloured
        return f"{f.path}:{f.line}:{f.column}: {c}{_BOLD}{f.rule}{_RESET} {c}[{sev}]{_RESET}{fix} {f.message}"
    return f"{f.path}:{f.line}:{f.column}: {f.rule} [{sev}]{fix} {f.message}"


def source_window(text: str, f, secrets=()) -> list[str]:
    """The lines that show ``f`` inside its source line ``text``: a window of the line around the
    column (long lines, such as one-line bodies, are cut with ``…``), then a caret line. Secrets in
    ``secrets`` are masked: the source never prints a secret's value."""
    text = text.expandtabs(1)
    for s in secrets:
        if s and len(s) > 8:
            text = text.replace(s, s[:4] + "…" * 1 + "*" * 4)
    col = max(f.column - 1, 0)
    width = 1
    if f.end_line == f.line and f.end_column and f.end_column > f.column:
        width = f.end_column - f.column
    start = max(0, col - WINDOW)
    end = min(len(text), col + max(width, 1) + WINDOW)
    shown = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    caret_at = col - start + (1 if start else 0)
    width = max(1, min(width, end - col))
    gutter = f"{f.line} | "
    pad = " " * (len(gutter) - 2) + "| "
    return [pad.rstrip(), gutter + shown, pad + " " * caret_at + "^" * width]


def render(result, ctx) -> str:
    out = []
    source = ctx.extra.get("source")
    if not ctx.quiet:
        for fr in result.files:
            secrets = [f.secret for f in fr.findings if getattr(f, "secret", None)] if source else ()
            for f in fr.findings:
                out.append(line(f, ctx.color))
                text = source(fr.path if f.path == fr.path else f.path, f.line) if source else None
                if text is not None:
                    out.extend(source_window(text, f, secrets))
                    out.append("")
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
    fixable = sum(1 for f in result.findings if f.fix is not None)
    if fixable:
        out.append(f"[*] {plural(fixable, 'finding')} fixable with --fix (--diff shows the changes).")
    return "\n".join(out) + "\n"
