"""Golden tests of the stable output contract (issue 2): text lines and the JSON array."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cassette_lint.cli import main
from conftest import FIXTURES, ROOT

GOLDEN = FIXTURES / "golden"
ARGS = ["check", "--select", "Y,S", "tests/fixtures/golden/broken.yaml"]


@pytest.fixture
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_text_output_matches_golden(in_root):
    res = CliRunner().invoke(main, ARGS)
    assert res.exit_code == 1
    assert res.output == (GOLDEN / "broken.text").read_text()


def test_json_output_matches_golden(in_root):
    res = CliRunner().invoke(main, ARGS[:1] + ["--format", "json"] + ARGS[1:])
    assert res.exit_code == 1
    assert json.loads(res.output) == json.loads((GOLDEN / "broken.json").read_text())


def test_json_findings_carry_the_contract_keys(in_root):
    res = CliRunner().invoke(main, ARGS[:1] + ["--format", "json"] + ARGS[1:])
    for f in json.loads(res.output):
        assert {"path", "line", "column", "rule", "severity", "message", "interaction"} <= set(f)
        assert f["line"] >= 1 and f["column"] >= 1
        assert f["severity"] in ("error", "warning")


def test_clean_run_exits_zero_with_summary(in_root):
    res = CliRunner().invoke(main, ["check", "tests/fixtures/seeds/openrouter_fireworks_streaming.yaml"])
    assert res.exit_code == 0, res.output
    assert res.output == "All checks passed (1 file checked).\n"


def test_missing_path_is_a_usage_error(in_root):
    res = CliRunner().invoke(main, ["check", "does/not/exist.yaml"])
    assert res.exit_code == 2


def test_unknown_rule_code_is_a_usage_error(in_root):
    res = CliRunner().invoke(main, ["check", "--select", "Q999", "tests/fixtures/golden"])
    assert res.exit_code == 2
    assert "Q999" in res.output


def test_rules_lists_every_registered_rule():
    from cassette_lint import rules

    res = CliRunner().invoke(main, ["rules"])
    assert res.exit_code == 0
    listed = [line.split()[0] for line in res.output.splitlines()]
    assert listed == [r.code for r in rules.all_rules()]


def test_every_rule_is_documented_with_why_and_fix():
    from cassette_lint import rules

    for r in rules.all_rules():
        res = CliRunner().invoke(main, ["rules", r.code])
        assert res.exit_code == 0
        assert res.output.startswith(f"{r.code} {r.name}\n")
        assert "Why" in r.doc and "Fix" in r.doc, f"{r.code} lacks 'Why'/'Fix' sections"
        assert r.name == r.name.lower() and " " not in r.name


def test_rules_accepts_a_name_too():
    res = CliRunner().invoke(main, ["rules", "unknown-key"])
    assert res.output.startswith("S002 unknown-key")


def test_python_dash_m_runs_the_cli():
    res = subprocess.run([sys.executable, "-m", "cassette_lint", "--version"], capture_output=True, text=True)
    assert res.returncode == 0
    assert res.stdout.startswith("cassette-lint, version ")


def test_an_exception_in_a_rule_becomes_x001_and_the_run_goes_on(tmp_path, monkeypatch):
    from cassette_lint import rules, run
    from cassette_lint.options import Options
    from cassette_lint.findings import ERROR

    rules.load_all()
    boom = rules.Rule("Z999", "always-fails", ERROR, "Fails.\n\nWhy: test.\nFix: none.", "test",
                      check=lambda cassette: (_ for _ in ()).throw(ValueError("boom")))
    monkeypatch.setitem(rules._REGISTRY, "Z999", boom)
    seeds = FIXTURES / "seeds"
    result = run.run([str(seeds)], Options())
    per_file = {r.path: [f.rule for f in r.findings if f.rule == "X001"] for r in result.files}
    assert len(per_file) == 5 and all(v == ["X001"] for v in per_file.values())
    x001 = [f.message for f in result.findings if f.rule == "X001"]
    assert all(m.startswith("rule Z999 (always-fails) failed: ValueError: boom") for m in x001)
