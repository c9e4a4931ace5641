"""Baselines: --write-baseline records findings keyed on (path, rule, value hash); --baseline hides them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cassette_lint.cli import main
from conftest import project_with

# S002 on line 6 (value: the unknown key), S001 on line 14 (value: the path of the node)
BROKEN = """\
version: 2
interactions:
- id: 0
  request:
    url: https://api.example.com/v1/chat
    content_lenght: 12
    body: '{"a": 1}'
    method: POST
  response:
    content_length: -1
    body: "{}"
    status: 200 OK
    duration: 12ms
    code: "200"
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    return project_with(tmp_path, monkeypatch, {"cassettes/a.yaml": BROKEN})


def check(*args):
    return CliRunner().invoke(main, ["check", "--select", "S", *args])


def test_round_trip_hides_known_findings_and_reports_new_ones(project):
    res = check("--write-baseline", "baseline.json", "cassettes")
    assert res.exit_code == 0
    assert "Wrote 2 findings to the baseline baseline.json." in res.stderr
    doc = json.loads((project / "baseline.json").read_text())
    assert sorted((e["path"], e["rule"]) for e in doc["findings"]) == [
        ("cassettes/a.yaml", "S001"), ("cassettes/a.yaml", "S002")]
    assert not any("line" in e for e in doc["findings"])

    res = check("--baseline", "baseline.json", "cassettes")
    assert res.exit_code == 0, res.output
    assert "2 findings in the baseline not shown." in res.output

    # a new problem in the same file is reported; the known ones stay hidden
    (project / "cassettes" / "a.yaml").write_text(BROKEN.replace("    method: POST", "    methd: POST"), "utf-8")
    res = check("--baseline", "baseline.json", "--format", "json", "cassettes")
    assert res.exit_code == 1
    assert [(f["rule"], f["line"]) for f in json.loads(res.stdout)] == [("S001", 5), ("S002", 8)]


def test_moving_lines_does_not_churn_the_baseline(project):
    assert check("--write-baseline", "baseline.json", "cassettes").exit_code == 0
    # re-recorded: same problems, different lines (keys reordered, a header added)
    moved = BROKEN.replace("    url: https://api.example.com/v1/chat\n", "") \
        .replace("    method: POST\n", "    method: POST\n    url: https://api.example.com/v1/chat\n"
                 "    headers:\n      Accept: [application/json]\n")
    (project / "cassettes" / "a.yaml").write_text("# re-recorded\n" + moved, "utf-8")
    res = check("--format", "json", "cassettes")
    assert sorted(f["line"] for f in json.loads(res.stdout)) != [6, 14]  # the lines did move
    res = check("--baseline", "baseline.json", "cassettes")
    assert res.exit_code == 0, res.output


def test_a_changed_value_is_a_new_finding(project):
    assert check("--write-baseline", "baseline.json", "cassettes").exit_code == 0
    (project / "cassettes" / "a.yaml").write_text(BROKEN.replace("content_lenght", "contnt_length"), "utf-8")
    res = check("--baseline", "baseline.json", "--format", "json", "cassettes")
    assert [(f["rule"], f["line"]) for f in json.loads(res.stdout)] == [("S002", 6)]


def test_the_baseline_works_from_another_directory(project, monkeypatch):
    assert check("--write-baseline", "baseline.json", "cassettes").exit_code == 0
    monkeypatch.chdir(project / "cassettes")
    res = check("--baseline", "../baseline.json", "a.yaml")
    assert res.exit_code == 0, res.output


def test_duplicates_are_counted(project):
    (project / "cassettes" / "a.yaml").write_text(BROKEN + BROKEN.split("interactions:\n")[1], "utf-8")
    assert check("--write-baseline", "baseline.json", "cassettes").exit_code == 0
    assert check("--baseline", "baseline.json", "cassettes").exit_code == 0
    # one interaction more with the same problems: two new findings
    (project / "cassettes" / "a.yaml").write_text(BROKEN + BROKEN.split("interactions:\n")[1] * 2, "utf-8")
    res = check("--baseline", "baseline.json", "--format", "json", "cassettes")
    assert sorted(f["rule"] for f in json.loads(res.stdout)) == ["S001", "S002"]


def test_a_broken_baseline_is_a_usage_error(project):
    (project / "baseline.json").write_text("{not json")
    res = check("--baseline", "baseline.json", "cassettes")
    assert res.exit_code == 2 and "baseline.json" in res.stderr
