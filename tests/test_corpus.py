"""Integration over the real third-party corpus in ../shared (skipped when it is absent)."""

from __future__ import annotations

from collections import Counter

from cassette_lint import run
from cassette_lint.options import Options
from conftest import needs_shared


def test_fantasy_corpus_every_file_is_go_vcr_v2_without_crash_or_schema_error():
    root = needs_shared("corpus/fantasy")
    result = run.run([str(root)], Options())
    assert len(result.files) == 350
    assert Counter(r.format for r in result.files) == {"go-vcr-v2": 350}
    bad = [f for f in result.findings if f.rule[0] in "YSX"]
    assert bad == [], bad[:5]
