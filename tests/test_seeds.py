"""The five seed documents: as delivered (line-numbered, indentation lost) and as reconstructed."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, codes, lint_file
from cassette_lint import discovery, pipeline
from cassette_lint.options import Options
SEEDS = FIXTURES / "seeds"
DELIVERED = sorted((SEEDS / "delivered").glob("*.txt"))
REBUILT = sorted(SEEDS.glob("*.yaml"))


def test_all_five_seeds_are_present():
    assert len(DELIVERED) == 5 and len(REBUILT) == 5


@pytest.mark.parametrize("path", DELIVERED, ids=lambda p: p.name)
def test_delivered_seed_gives_a_syntax_finding_with_a_line_not_a_crash(path):
    f = lint_file(path)
    assert codes(f) == ["Y001"]
    # the first line that is "N<content>" with a number glued to a key is where YAML gives up
    assert 1 <= f[0].line <= 4


def test_rebuild_script_reproduces_the_committed_fixtures():
    import importlib.util

    spec = importlib.util.spec_from_file_location("rebuild", SEEDS / "rebuild.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for src in DELIVERED:
        out = SEEDS / f"{mod.NAMES[src.name[:3]]}.yaml"
        assert mod.rebuild(src.read_text("utf-8")) == out.read_text("utf-8"), out.name


@pytest.mark.parametrize("path", REBUILT, ids=lambda p: p.name)
def test_rebuilt_seed_is_a_valid_go_vcr_v2_cassette(path):
    res = pipeline.check_file(discovery.Target(str(path), True), Options())
    assert res.format == "go-vcr-v2"
    assert not [f for f in res.findings if f.rule[0] in "YSX"], res.findings
