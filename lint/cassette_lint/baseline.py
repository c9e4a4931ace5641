"""Baselines: adopt cassette-lint on a repository that already has findings.

``--write-baseline FILE`` records today's findings; ``--baseline FILE`` then reports only findings
that are not in it.  A finding is keyed on (path, rule, hash of the offending value) — never on a
line number, so re-recording a cassette that moves lines does not churn the baseline.  A rule that
gives no offending value is keyed on its message instead.  Keys are counted: two identical findings
in one file need two baseline entries.  Paths are stored relative to the baseline file's directory,
so the baseline works from any working directory.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter

VERSION = 1


class BaselineError(Exception):
    pass


def _rel(path: str, base_dir: str) -> str:
    try:
        rel = os.path.relpath(os.path.abspath(path), base_dir)
    except ValueError:
        rel = os.path.abspath(path)
    return rel.replace(os.sep, "/")


def finding_hash(f) -> str:
    """The line-independent identity of a finding's offending value."""
    if f.value_hash:
        return f.value_hash
    return "m:" + hashlib.sha256(f.message.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def key(f, base_dir: str) -> tuple[str, str, str]:
    return (_rel(f.path, base_dir), f.rule, finding_hash(f))


def write(path: str, findings) -> int:
    """Write the baseline of ``findings`` to ``path``; returns the number of entries."""
    base = os.path.dirname(os.path.abspath(path))
    counts = Counter(key(f, base) for f in findings)
    entries = [{"path": p, "rule": r, "hash": h, **({"count": n} if n > 1 else {})}
               for (p, r, h), n in sorted(counts.items())]
    doc = {"tool": "cassette-lint", "version": VERSION, "findings": entries}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, sort_keys=False)
        fh.write("\n")
    os.replace(tmp, path)
    return sum(counts.values())


def load(path: str) -> Counter:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as e:
        raise BaselineError(f"{path}: cannot read baseline: {e.strerror or e}") from None
    except ValueError as e:
        raise BaselineError(f"{path}: not a baseline (invalid JSON: {e})") from None
    if not isinstance(doc, dict) or doc.get("version") != VERSION or not isinstance(doc.get("findings"), list):
        raise BaselineError(f"{path}: not a cassette-lint baseline (version {VERSION})")
    out: Counter = Counter()
    for i, e in enumerate(doc["findings"]):
        try:
            out[(e["path"], e["rule"], e["hash"])] += int(e.get("count", 1))
        except (KeyError, TypeError, ValueError):
            raise BaselineError(f"{path}: findings[{i}] is not a baseline entry") from None
    return out


def filter_new(file_results, path: str, known: Counter) -> int:
    """Drop findings recorded in the baseline from ``file_results`` (in place); returns how many."""
    base = os.path.dirname(os.path.abspath(path))
    left = Counter(known)
    dropped = 0
    for fr in file_results:
        keep = []
        for f in fr.findings:
            k = key(f, base)
            if left[k] > 0:
                left[k] -= 1
                dropped += 1
            else:
                keep.append(f)
        fr.findings = keep
    return dropped
