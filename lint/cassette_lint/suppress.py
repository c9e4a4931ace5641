"""Suppression comments inside a cassette.

- ``# cassette-lint: disable=CODE[,CODE]`` on a line of its own: the codes (or prefixes) are off for
  the whole file; ``# cassette-lint: disable`` without codes switches every rule off.
- The same comment after content on a line (``key: value  # cassette-lint: disable=L001``): only
  findings on that line are suppressed.

Recorders rewrite cassettes and drop comments, so ``per-file-ignores`` in the configuration is the
durable mechanism; these comments are for hand-written fixtures.  The pipeline notes which files
hold the marker (:data:`MARKER`); only those are read again for their comments (to filter their
findings, and to warn about an unknown code even in a file without findings), so clean runs pay
nothing.
"""

from __future__ import annotations

import re

MARKER = b"cassette-lint:"
_RX = re.compile(r"#\s*cassette-lint:\s*disable(?:\s*=\s*([A-Za-z0-9_,\s]+?))?\s*$")

#: selectors meaning "every rule"
ALL = ("ALL",)


def parse(data: bytes) -> tuple[tuple[str, ...], dict[int, tuple[str, ...]]]:
    """(file-level selectors, {1-based line: selectors}) found in ``data``."""
    file_level: list[str] = []
    lines: dict[int, tuple[str, ...]] = {}
    if MARKER not in data:
        return (), {}
    text = data.decode("utf-8", "replace")
    for n, raw in enumerate(text.splitlines(), 1):
        if "cassette-lint:" not in raw:
            continue
        idx = raw.find("#")
        while idx != -1:
            m = _RX.match(raw, idx)
            if m:
                sel = (tuple(c.strip().upper() for c in m.group(1).split(",") if c.strip())
                       if m.group(1) else ALL)
                if raw[:idx].strip():
                    lines[n] = lines.get(n, ()) + sel
                else:
                    file_level.extend(sel)
                break
            idx = raw.find("#", idx + 1)
    return tuple(file_level), lines


def _matches(code: str, selectors) -> bool:
    return any(s == "ALL" or code.startswith(s) for s in selectors)


def filter_findings(findings: list, data: bytes) -> list:
    """``findings`` without those a suppression comment in ``data`` switches off."""
    file_level, lines = parse(data)
    if not file_level and not lines:
        return findings
    return [f for f in findings
            if not _matches(f.rule, file_level) and not _matches(f.rule, lines.get(f.line, ()))]


def unknown_codes(data: bytes, known_rules) -> list[tuple[int, str]]:
    """(line, code) of every code or prefix in a suppression comment of ``data`` that names no rule
    (a typo silences nothing: the finding stays and this says why). ``known_rules``: the rules, or a
    function that returns them."""
    file_level, lines = parse(data)
    if not file_level and not lines:
        return []
    # (a callable is asked only here: the rules are imported only for a file with such a comment)
    codes = [r.code for r in (known_rules() if callable(known_rules) else known_rules)]
    out = []
    for line, sel in sorted(lines.items()):
        out.extend((line, s) for s in sel if s != "ALL" and not any(c.startswith(s) for c in codes))
    bad = [s for s in file_level if s != "ALL" and not any(c.startswith(s) for c in codes)]
    if bad:  # file-level comments: find their lines
        text = data.decode("utf-8", "replace").splitlines()
        for s in bad:
            n = next((i for i, raw in enumerate(text, 1) if "cassette-lint:" in raw and s in raw.upper()), 1)
            out.append((n, s))
    return sorted(out)
