"""Configuration files, rule selection, per-file-ignores, excludes, severities, suppression comments."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from cassette_lint import config
from cassette_lint.cli import main
from conftest import project_with

# S002 (unknown key) on line 6, S001 (schema violation) on line 14
BROKEN = """\
---
version: 2
interactions:
- id: 0
  request:
    content_lenght: 12
    body: '{"a": "Olá"}'
    url: https://api.example.com/v1/chat
    method: POST
  response:
    content_length: -1
    body: "{}"
    status: 200 OK
    code: "200"
    duration: 12ms
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder with one broken cassette in cassettes/, as the current directory."""
    return project_with(tmp_path, monkeypatch, {"cassettes/broken.yaml": BROKEN})


def run(*args):
    res = CliRunner().invoke(main, ["check", "--format", "json", *args])
    found = json.loads(res.stdout) if res.exit_code in (0, 1) and res.stdout.startswith("[") else None
    return res, found


def rules_of(found):
    return sorted((f["rule"], f["line"]) for f in found)


# -- finding the configuration ---------------------------------------------------------------------

def test_pyproject_table_is_found_walking_up_from_a_subdirectory(project, monkeypatch):
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.cassette-lint]\nselect = ["S002"]\n')
    monkeypatch.chdir(project / "cassettes")
    res, found = run("broken.yaml")
    assert res.exit_code == 1
    assert rules_of(found) == [("S002", 6)]


def test_closest_configuration_wins_and_dot_file_beats_pyproject(project, monkeypatch):
    (project / "pyproject.toml").write_text('[tool.cassette-lint]\nselect = ["S002"]\n')
    (project / "cassettes" / "pyproject.toml").write_text('[tool.cassette-lint]\nselect = ["S001"]\n')
    (project / "cassettes" / ".cassette-lint.toml").write_text('select = ["S"]\nignore = ["S002"]\n')
    monkeypatch.chdir(project / "cassettes")
    assert rules_of(run("broken.yaml")[1]) == [("S001", 14)]
    assert config.find().endswith(".cassette-lint.toml")


def test_a_pyproject_without_our_table_is_skipped(project, monkeypatch):
    (project / "pyproject.toml").write_text('[tool.cassette-lint]\nignore = ["S001"]\n')
    (project / "cassettes" / "pyproject.toml").write_text('[tool.ruff]\nline-length = 100\n')
    monkeypatch.chdir(project / "cassettes")
    assert rules_of(run("broken.yaml")[1]) == [("S002", 6)]


def test_explicit_config_and_isolated(project):
    (project / "pyproject.toml").write_text('[tool.cassette-lint]\nignore = ["S"]\n')
    (project / "other.toml").write_text('select = ["S001"]\n')
    assert run("cassettes")[0].exit_code == 0
    assert rules_of(run("--config", "other.toml", "cassettes")[1]) == [("S001", 14)]
    assert rules_of(run("--isolated", "cassettes")[1]) == [("S001", 14), ("S002", 6)]


# -- bad configuration: exit 2 naming the key -------------------------------------------------------

@pytest.mark.parametrize("toml, key", [
    ('[tool.cassette-lint]\nselct = ["S"]\n', "tool.cassette-lint.selct"),
    ('[tool.cassette-lint]\nselect = "S001"\n', "tool.cassette-lint.select"),
    ('[tool.cassette-lint]\nignore = ["Q999"]\n', "tool.cassette-lint.ignore"),
    ('[tool.cassette-lint]\nseverity = { S002 = "fatal" }\n', "tool.cassette-lint.severity.S002"),
    ('[tool.cassette-lint.per-file-ignores]\n"x/*.yaml" = "S"\n', 'tool.cassette-lint.per-file-ignores."x/*.yaml"'),
    ('[tool.cassette-lint]\nexclude = "old"\n', "tool.cassette-lint.exclude"),
    ('[tool.cassette-lint.nosuchfamily]\nx = 1\n', "tool.cassette-lint.nosuchfamily"),
])
def test_bad_configuration_is_an_error_naming_the_key(project, toml, key):
    (project / "pyproject.toml").write_text(toml)
    res, _ = run("cassettes")
    assert res.exit_code == 2
    assert key in res.stderr
    assert "Traceback" not in res.stderr


def test_a_typo_gets_a_suggestion(project):
    (project / ".cassette-lint.toml").write_text('extend-selct = ["S"]\n')
    res, _ = run("cassettes")
    assert res.exit_code == 2
    assert "extend-selct: unknown key (did you mean 'extend-select'?)" in res.stderr


def test_invalid_toml_is_an_error(project):
    (project / ".cassette-lint.toml").write_text('select = [\n')
    res, _ = run("cassettes")
    assert res.exit_code == 2 and "not valid TOML" in res.stderr


# -- selection -------------------------------------------------------------------------------------

def test_select_by_prefix_and_code_on_the_command_line(project):
    assert rules_of(run("--select", "S", "cassettes")[1]) == [("S001", 14), ("S002", 6)]
    assert rules_of(run("--select", "S001", "cassettes")[1]) == [("S001", 14)]
    assert rules_of(run("--select", "S", "--ignore", "S001", "cassettes")[1]) == [("S002", 6)]


def test_cli_select_overrides_config_and_extend_select_adds(project):
    (project / ".cassette-lint.toml").write_text('select = ["S001"]\n')
    assert rules_of(run("cassettes")[1]) == [("S001", 14)]
    assert rules_of(run("--select", "S002", "cassettes")[1]) == [("S002", 6)]
    assert rules_of(run("--extend-select", "S002", "cassettes")[1]) == [("S001", 14), ("S002", 6)]
    (project / ".cassette-lint.toml").write_text('select = ["S001"]\nextend-select = ["S002"]\n')
    assert rules_of(run("cassettes")[1]) == [("S001", 14), ("S002", 6)]


def test_unknown_code_on_the_command_line_is_a_usage_error(project):
    assert run("--extend-select", "Q9", "cassettes")[0].exit_code == 2


def test_per_file_ignores_by_glob(project):
    (project / "cassettes" / "legacy").mkdir()
    (project / "cassettes" / "legacy" / "old.yaml").write_text(BROKEN, "utf-8")
    (project / ".cassette-lint.toml").write_text(
        '[per-file-ignores]\n"cassettes/legacy/**" = ["S"]\n"broken.yaml" = ["S001"]\n')
    _, found = run(".")
    assert sorted((os.path.normpath(f["path"]), f["rule"]) for f in found) == [("cassettes/broken.yaml", "S002")]


def test_per_file_ignores_are_relative_to_the_config_file(project, monkeypatch):
    (project / ".cassette-lint.toml").write_text('[per-file-ignores]\n"cassettes/*.yaml" = ["S002"]\n')
    monkeypatch.chdir(project / "cassettes")
    assert rules_of(run("broken.yaml")[1]) == [("S001", 14)]


def test_exclude_and_extend_exclude(project):
    (project / "cassettes" / "legacy").mkdir()
    (project / "cassettes" / "legacy" / "old.yaml").write_text(BROKEN, "utf-8")
    (project / ".cassette-lint.toml").write_text('extend-exclude = ["legacy"]\n')
    _, found = run(".")
    assert {os.path.normpath(f["path"]) for f in found} == {"cassettes/broken.yaml"}
    # excluded files named explicitly (as pre-commit does) stay excluded
    res, found = run("cassettes/legacy/old.yaml")
    assert res.exit_code == 0 and found == []
    (project / ".cassette-lint.toml").write_text('exclude = ["cassettes/b*.yaml"]\n')
    _, found = run(".")
    assert {os.path.normpath(f["path"]) for f in found} == {"cassettes/legacy/old.yaml"}


def test_severity_override_turns_an_error_into_a_warning(project):
    (project / ".cassette-lint.toml").write_text('select = ["S002"]\n[severity]\nS = "warning"\n')
    res, found = run("cassettes")
    assert res.exit_code == 0
    assert [(f["rule"], f["severity"]) for f in found] == [("S002", "warning")]


def test_family_settings_tables_reach_the_engine_options():
    cfg = config.from_table({"schema": {"anything": [1, 2]}, "select": ["S"]}, "x.toml")
    assert cfg.settings == {"schema": {"anything": [1, 2]}}


def test_secrets_settings_table_when_the_family_exists():
    from cassette_lint import rules

    if "secrets" not in rules.FAMILIES:
        pytest.skip("the secrets rule family is not installed yet")
    cfg = config.from_table({"secrets": {"allowlist": ["sk-test-.*"]}}, "x.toml")
    assert cfg.settings["secrets"]["allowlist"] == ["sk-test-.*"]


def test_glob_semantics():
    rx = lambda g: __import__("re").compile(config.glob_to_regex(g) + "$")  # noqa: E731
    assert rx("*.yaml").match("a/b/c.yaml")
    assert rx("cassettes/*.yaml").match("cassettes/c.yaml")
    assert not rx("cassettes/*.yaml").match("cassettes/x/c.yaml")
    assert rx("cassettes/**/*.yaml").match("cassettes/x/y/c.yaml")
    assert rx("cassettes/**/*.yaml").match("cassettes/c.yaml")


# -- suppression comments --------------------------------------------------------------------------

def test_file_level_comment_disables_codes_for_the_whole_file(project):
    (project / "cassettes" / "broken.yaml").write_text("# cassette-lint: disable=S002\n" + BROKEN, "utf-8")
    assert rules_of(run("cassettes")[1]) == [("S001", 15)]
    (project / "cassettes" / "broken.yaml").write_text("# cassette-lint: disable\n" + BROKEN, "utf-8")
    assert run("cassettes")[1] == []


def test_line_level_comment_disables_only_its_line(project):
    text = BROKEN.replace('code: "200"', 'code: "200"  # cassette-lint: disable=S001,S002')
    (project / "cassettes" / "broken.yaml").write_text(text, "utf-8")
    assert rules_of(run("cassettes")[1]) == [("S002", 6)]


def test_the_readme_configuration_example_is_valid(tmp_path):
    """The configuration reference in README.md parses (tables of families not installed are dropped)."""
    import re
    import tomllib

    from conftest import ROOT
    from cassette_lint import rules

    readme = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"```toml\n(\[tool\.cassette-lint\]\n.*?)```", readme, re.S).group(1)
    table = tomllib.loads(block)["tool"]["cassette-lint"]
    for fam in [k for k, v in table.items() if isinstance(v, dict) and k not in
                ("per-file-ignores", "severity") and k not in rules.FAMILIES]:
        del table[fam]
    cfg = config.from_table(table, str(tmp_path / "pyproject.toml"), "tool.cassette-lint")
    assert cfg.per_file_ignores and cfg.severity and cfg.extend_exclude
