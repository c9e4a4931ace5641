"""``--format github``: GitHub Actions workflow commands, one annotation per finding, then a summary.

``::error file=F,line=L,endLine=L2,col=C,endColumn=C2,title=cassette-lint (CODE)::message``
(``::warning`` for warnings).  ``col``/``endColumn`` are given only when the finding is on a single
line.  Messages escape ``%``, CR and LF; properties also escape ``:`` and ``,`` (GitHub's rules).
GitHub shows only the first 10 annotations of each kind per step, so a plain summary line follows.
"""

from __future__ import annotations

import os

from . import summary


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(f) -> str:
    kind = "error" if f.severity.value == "error" else "warning"
    props = [("file", os.path.normpath(f.path)), ("line", str(f.line))]
    single = f.end_line is None or f.end_line == f.line
    if f.end_line is not None:
        props.append(("endLine", str(f.end_line)))
    if single:
        props.append(("col", str(f.column)))
        if f.end_column is not None:
            props.append(("endColumn", str(f.end_column)))
    props.append(("title", f"cassette-lint ({f.rule})"))
    body = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{kind} {body}::{escape_data(f.message)}"


def render(result, ctx) -> str:
    out = [] if ctx.quiet else [annotation(f) for f in result.findings]
    text = summary(result)
    out.append(f"cassette-lint: {text[0].lower()}{text[1:]}")
    return "\n".join(out) + "\n"
