"""``--format junit``: JUnit XML for CI systems that read test reports; one testcase per checked file.

A file with an error-severity finding fails (one ``<failure>`` listing every finding of the file);
a file with only warnings passes and lists them in ``<system-out>``.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape as _escape, quoteattr as _quoteattr

#: characters XML 1.0 cannot hold at all
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def escape(s: str) -> str:
    return _escape(_INVALID.sub("\ufffd", s))


def quoteattr(s: str) -> str:
    return _quoteattr(_INVALID.sub("\ufffd", s))


def _line(f) -> str:
    return f"{f.path}:{f.line}:{f.column}: {f.rule} [{f.severity.value}] {f.message}"


def render(result, ctx) -> str:
    cases = []
    failures = 0
    files = [r for r in result.files if r.skipped is None or r.findings]
    for r in files:
        errors = [f for f in r.findings if f.severity.value == "error"]
        head = f"    <testcase classname=\"cassette-lint\" name={quoteattr(r.path)} file={quoteattr(r.path)}"
        if not r.findings:
            cases.append(head + "/>")
            continue
        body = escape("\n".join(_line(f) for f in r.findings))
        if errors:
            failures += 1
            msg = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
            cases.append(f"{head}>\n      <failure message={quoteattr(msg)} type={quoteattr(errors[0].rule)}>"
                         f"{body}</failure>\n    </testcase>")
        else:
            cases.append(f"{head}>\n      <system-out>{body}</system-out>\n    </testcase>")
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            f"<testsuites name=\"cassette-lint\" tests=\"{len(files)}\" failures=\"{failures}\" errors=\"0\">\n"
            f"  <testsuite name=\"cassette-lint\" tests=\"{len(files)}\" failures=\"{failures}\" errors=\"0\">\n"
            + "".join(c + "\n" for c in cases)
            + "  </testsuite>\n</testsuites>\n")
