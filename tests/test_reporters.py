"""Output formats: json-lines, github annotations, SARIF 2.1.0 (schema-validated), JUnit XML, statistics."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from cassette_lint import reporters, rules
from cassette_lint.cli import main
from cassette_lint.pipeline import FileResult
from cassette_lint.run import RunResult
from cassette_lint.findings import ERROR, WARNING, Finding
from conftest import FIXTURES, ROOT, SHARED

BROKEN = "tests/fixtures/golden/broken.yaml"


def finding(**kw) -> Finding:
    base = dict(path="cassettes/a.yaml", line=3, column=5, rule="S001", name="schema-violation",
                severity=ERROR, message="boom", interaction=0, end_line=3, end_column=9,
                format="go-vcr-v2", value_hash="0123456789abcdef")
    base.update(kw)
    return Finding(**base)


def result(*findings, clean=0) -> RunResult:
    files: dict[str, list] = {}
    for f in findings:
        files.setdefault(f.path, []).append(f)
    out = [FileResult(p, fs, "go-vcr-v2") for p, fs in files.items()]
    out += [FileResult(f"clean{i}.yaml", [], "go-vcr-v2") for i in range(clean)]
    return RunResult(out)


def render(fmt, res, **ctx):
    return reporters.render(fmt, res, reporters.Context(**ctx))


def test_every_format_is_registered_and_offered_by_the_cli():
    from cassette_lint import cli

    assert set(reporters.FORMATS) == set(cli.FORMATS)
    for fmt in reporters.FORMATS:
        assert isinstance(render(fmt, result(finding())), str)


def test_json_lines_has_one_json_object_per_finding():
    res = result(finding(), finding(line=7, rule="S002", name="unknown-key"))
    lines = render("json-lines", res).splitlines()
    assert [json.loads(x) for x in lines] == json.loads(render("json", res))


# -- github ---------------------------------------------------------------------------------------

def test_github_annotation_for_a_single_line_finding():
    out = render("github", result(finding()))
    assert out.splitlines()[0] == ("::error file=cassettes/a.yaml,line=3,endLine=3,col=5,endColumn=9,"
                                   "title=cassette-lint (S001)::boom")


def test_github_multi_line_finding_has_no_columns_and_warnings_are_warnings():
    out = render("github", result(finding(end_line=8, severity=WARNING)))
    assert out.splitlines()[0] == "::warning file=cassettes/a.yaml,line=3,endLine=8,title=cassette-lint (S001)::boom"


def test_github_escaping_of_messages_and_properties():
    f = finding(path="dir,x/a:b.yaml", message="100% wrong\r\nnext: a, b")
    line = render("github", result(f)).splitlines()[0]
    assert line.startswith("::error file=dir%2Cx/a%3Ab.yaml,")
    assert line.endswith("::100%25 wrong%0D%0Anext: a, b")


def test_github_prints_a_summary_after_the_annotations():
    out = render("github", result(finding(), finding(line=9, severity=WARNING), clean=2))
    assert out.splitlines()[-1] == "cassette-lint: found 1 error and 1 warning in 1 file (3 files checked)."


# -- SARIF ----------------------------------------------------------------------------------------

def _sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = SHARED / "reference" / "sarif-schema-2.1.0.json"
    if not schema_path.exists():
        pytest.skip("../shared/reference/sarif-schema-2.1.0.json is not available")
    schema = json.loads(schema_path.read_text("utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert list(validator.iter_errors({"version": "2.1.0", "runs": [{"results": []}]}))  # it does reject
    return validator


@pytest.fixture
def secret_rule(monkeypatch):
    rules.load_all()
    if not any(r.family == "secrets" for r in rules.all_rules()):
        r = rules.Rule("K999", "fixture-secret", ERROR, "A secret.\n\nWhy: test.\nFix: redact.", "secrets")
        monkeypatch.setitem(rules._REGISTRY, "K999", r)
    return next(r for r in rules.all_rules() if r.family == "secrets")


def test_sarif_validates_against_the_official_schema(secret_rule, tmp_path):
    validator = _sarif_validator()
    res = result(finding(path=str(tmp_path / "x.yaml")), finding(rule=secret_rule.code, name=secret_rule.name,
                                                                 end_line=None, end_column=None, value_hash=None),
                 finding(path="/elsewhere/y.yaml", interaction=None, severity=WARNING))
    doc = json.loads(render("sarif", res, root=str(tmp_path)))
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])


def test_sarif_from_the_cli_validates_too(monkeypatch):
    validator = _sarif_validator()
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(main, ["check", "--format", "sarif", BROKEN])
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert not list(validator.iter_errors(doc))
    run = doc["runs"][0]
    loc = run["results"][0]["locations"][0]["physicalLocation"]
    assert loc == {"artifactLocation": {"uri": BROKEN, "uriBaseId": "%SRCROOT%"},
                   "region": {"startLine": 6, "startColumn": 5, "endLine": 6, "endColumn": 19}}


def test_sarif_rules_results_and_fingerprints(secret_rule, tmp_path):
    res = result(finding(path=str(tmp_path / "c" / "x y.yaml")), finding(rule=secret_rule.code, name=secret_rule.name))
    run = json.loads(render("sarif", res, root=str(tmp_path)))["runs"][0]
    driver = run["tool"]["driver"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [r.code for r in rules.all_rules()]
    s001 = driver["rules"][ids.index("S001")]
    assert s001["name"] == "schema-violation"
    assert s001["shortDescription"]["text"] and s001["fullDescription"]["text"] and s001["help"]["text"]
    assert s001["defaultConfiguration"] == {"level": "error"}
    assert "security" not in s001["properties"]["tags"]
    secret = driver["rules"][ids.index(secret_rule.code)]
    assert "security" in secret["properties"]["tags"]
    assert float(secret["properties"]["security-severity"]) >= 7.0
    r0 = run["results"][0]
    assert r0["ruleId"] == "S001" and ids[r0["ruleIndex"]] == "S001" and r0["level"] == "error"
    assert r0["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "c/x%20y.yaml", "uriBaseId": "%SRCROOT%"}
    assert r0["partialFingerprints"] == {"cassetteLintValue/v1": "S001:0123456789abcdef"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file://" + str(tmp_path) + "/"


def test_sarif_fingerprint_does_not_depend_on_the_line(tmp_path):
    a = json.loads(render("sarif", result(finding(line=3)), root=str(tmp_path)))["runs"][0]["results"][0]
    b = json.loads(render("sarif", result(finding(line=30, end_line=30)), root=str(tmp_path)))["runs"][0]["results"][0]
    assert a["partialFingerprints"] == b["partialFingerprints"]


# -- JUnit ----------------------------------------------------------------------------------------

def test_junit_has_one_testcase_per_checked_file():
    res = result(finding(), finding(path="b.yaml", severity=WARNING, message="<odd> & \x01"), clean=1)
    root = ET.fromstring(render("junit", res))
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["cassettes/a.yaml", "b.yaml", "clean0.yaml"]
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    failure = cases[0].find("failure")
    assert failure.get("type") == "S001"
    assert "cassettes/a.yaml:3:5: S001 [error] boom" in failure.text
    assert cases[1].find("failure") is None and "<odd> &" in cases[1].find("system-out").text
    assert cases[2].find("failure") is None


# -- statistics, exit-zero, quiet ------------------------------------------------------------------

def test_statistics_count_per_rule_and_per_format():
    res = result(finding(), finding(line=5), finding(rule="S002", name="unknown-key", format="vcrpy"))
    rules_, formats = reporters.statistics(res)
    assert rules_ == [("S001", "schema-violation", 2), ("S002", "unknown-key", 1)]
    assert formats == [("go-vcr-v2", 2), ("vcrpy", 1)]
    text = reporters.render_statistics("text", res)
    assert text.splitlines()[0].split() == ["2", "S001", "schema-violation"]
    assert json.loads(reporters.render_statistics("json", res))["rules"][0] == {
        "rule": "S001", "name": "schema-violation", "count": 2}


def test_statistics_from_the_cli(monkeypatch):
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(main, ["check", "--statistics", BROKEN])
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert sorted(line.split()[:2] for line in lines[:2]) == [["1", "S001"], ["1", "S002"]]
    assert "by cassette format:" in lines and "      2  go-vcr-v2" in lines
