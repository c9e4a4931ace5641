"""The library profile: found from the project's manifest nearest the cassette, overridden by the
configuration and the command line, and what decides the severity of a finding (L001 here)."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from cassette_lint import replay
from cassette_lint.cli import main
from cassette_lint.replay import manifest

from conftest import lint_file

#: a go-vcr format-2 cassette whose request content_length (5) differs from its body (4 bytes)
GOVCR_LENGTH_OFF = textwrap.dedent("""\
    ---
    version: 2
    interactions:
    - id: 0
      request:
        proto: HTTP/1.1
        proto_major: 1
        proto_minor: 1
        content_length: 5
        body: '{"a"'
        url: https://api.example.com/v1/x
        method: POST
      response:
        proto: HTTP/1.1
        proto_major: 1
        proto_minor: 1
        content_length: 2
        body: '{}'
        headers:
          Content-Type:
          - application/json
        status: 200 OK
        code: 200
        duration: 1ms
    """)


def _project(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), "utf-8")
    manifest.clear()
    return tmp_path


def _found(tmp_path, cassette_rel: str, fmt: str):
    return manifest.find(str(tmp_path / cassette_rel), fmt)


@pytest.mark.parametrize("require, name, version", [
    ("gopkg.in/dnaeon/go-vcr.v4 v4.0.2", "go-vcr-v4", "4.0.2"),
    ("gopkg.in/dnaeon/go-vcr.v3 v3.2.0", "go-vcr-v3", "3.2.0"),
    ("github.com/dnaeon/go-vcr/v2 v2.3.0", "go-vcr-v2", "2.3.0"),
    ("github.com/dnaeon/go-vcr v1.2.0", "go-vcr-v1", "1.2.0"),
    ("gopkg.in/dnaeon/go-vcr.v4 v4.0.3-0.20241011-e0eabf670bcd // indirect", "go-vcr-v4", "4.0.3-0.20241011-e0eabf670bcd"),
])
def test_go_mod_names_the_go_vcr_major_and_version(tmp_path, require, name, version):
    _project(tmp_path, {"go.mod": f"module example.com/m\n\ngo 1.22\n\nrequire (\n\t{require}\n)\n",
                        "testdata/fixtures/c.yaml": GOVCR_LENGTH_OFF})
    p = _found(tmp_path, "testdata/fixtures/c.yaml", "go-vcr-v2")
    assert (p.name, p.version) == (name, version)
    assert p.source.endswith("go.mod")


def test_a_wrapper_module_is_seen_through_go_sum(tmp_path):
    _project(tmp_path, {
        "go.mod": "module example.com/m\n\nrequire github.com/charmbracelet/x/vcr v0.1.0\n",
        "go.sum": "gopkg.in/dnaeon/go-vcr.v4 v4.0.4 h1:abc=\ngopkg.in/dnaeon/go-vcr.v4 v4.0.4/go.mod h1:def=\n",
    })
    p = _found(tmp_path, "c.yaml", "go-vcr-v2")
    assert (p.name, p.version) == ("go-vcr-v4", "4.0.4")
    assert "go.sum" in p.source and "wraps go-vcr" in p.source


def test_the_nearest_manifest_that_names_the_library_decides(tmp_path):
    """A monorepo: the package's own go.mod without go-vcr falls through to the root's."""
    _project(tmp_path, {"go.mod": "module root\nrequire gopkg.in/dnaeon/go-vcr.v3 v3.1.2\n",
                        "svc/go.mod": "module root/svc\nrequire gopkg.in/dnaeon/go-vcr.v4 v4.0.2\n",
                        "lib/go.mod": "module root/lib\n"})
    assert _found(tmp_path, "svc/testdata/c.yaml", "go-vcr-v2").version == "4.0.2"
    assert _found(tmp_path, "lib/testdata/c.yaml", "go-vcr-v2").version == "3.1.2"


def test_the_walk_stops_at_the_repository_root(tmp_path):
    _project(tmp_path, {"go.mod": "module outer\nrequire gopkg.in/dnaeon/go-vcr.v3 v3.1.2\n"})
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert _found(tmp_path, "repo/testdata/c.yaml", "go-vcr-v2") is None


@pytest.mark.parametrize("files, version, source", [
    ({"uv.lock": '[[package]]\nname = "vcrpy"\nversion = "6.0.2"\nsource = { registry = "x" }\n',
      "pyproject.toml": '[project]\ndependencies = ["vcrpy>=5"]\n'}, "6.0.2", "uv.lock"),
    ({"poetry.lock": '[[package]]\nname = "vcrpy"\nversion = "7.0.0"\ndescription = "x"\n'}, "7.0.0", "poetry.lock"),
    ({"Pipfile.lock": '{"develop": {"vcrpy": {"hashes": [], "version": "==4.4.0"}}}'}, "4.4.0", "Pipfile.lock"),
    ({"requirements-dev.txt": "pytest\nvcrpy==8.2.0  # pinned\n"}, "8.2.0", "requirements-dev.txt"),
    ({"pyproject.toml": '[project.optional-dependencies]\ntest = ["vcrpy>=5,<7"]\n'}, None, "pyproject.toml (vcrpy >=5)"),
    ({"pyproject.toml": '[dependency-groups]\ndev = ["pytest-recording"]\n'}, None, "pyproject.toml (pytest-recording)"),
])
def test_python_lock_files_and_requirements_name_vcrpy(tmp_path, files, version, source):
    _project(tmp_path, files)
    p = _found(tmp_path, "tests/cassettes/c.yaml", "vcrpy")
    assert (p.library, p.version) == ("vcrpy", version)
    assert p.source.endswith(source)


def test_gemfile_lock_gives_ruby_vcr_its_version(tmp_path):
    _project(tmp_path, {"Gemfile.lock": "GEM\n  specs:\n    vcr (6.2.0)\n    webmock (3.19.1)\n"})
    p = _found(tmp_path, "spec/fixtures/c.yml", "ruby-vcr")
    assert (p.library, p.version) == ("ruby-vcr", "6.2.0")


def test_without_a_manifest_the_format_default_applies(tmp_path):
    manifest.clear()
    (tmp_path / ".git").mkdir()
    p = replay.resolve(str(tmp_path / "c.yaml"), "go-vcr-v2")
    assert p.name == "go-vcr-v4" and p.source == "default for go-vcr-v2 cassettes"


def test_configuration_overrides_the_manifest_and_keeps_matcher_settings(tmp_path):
    _project(tmp_path, {"go.mod": "module m\nrequire gopkg.in/dnaeon/go-vcr.v4 v4.0.2\n"})
    p = replay.resolve(str(tmp_path / "c.yaml"), "go-vcr-v2",
                       {"library": "go-vcr-v3", "match-on": ["method", "url", "body"], "allow-repeats": True})
    assert (p.name, p.source, p.match_on, p.allow_repeats) == ("go-vcr-v3", "configuration",
                                                                ("method", "url", "body"), True)
    assert p.compares("body") and not p.compares("content_length")


# -- severity follows the profile ---------------------------------------------------------------


def _l001(tmp_path, **opts):
    return [(f.severity.value, f.message) for f in lint_file(tmp_path / "testdata" / "c.yaml", **opts)
            if f.rule == "L001"]


def test_request_length_mismatch_is_an_error_under_go_vcr_v4(tmp_path):
    _project(tmp_path, {"go.mod": "module m\nrequire gopkg.in/dnaeon/go-vcr.v4 v4.0.2\n",
                        "testdata/c.yaml": GOVCR_LENGTH_OFF})
    assert _l001(tmp_path) == [("error", "content_length 5 but body is 4 bytes: go-vcr v4.0.2's default "
                                         "matcher compares it, so this interaction never replays")]


def test_request_length_mismatch_is_a_warning_under_go_vcr_v3(tmp_path):
    """go-vcr v3.2.0 cassette.DefaultMatcher: r.Method == i.Method && r.URL.String() == i.URL."""
    _project(tmp_path, {"go.mod": "module m\nrequire gopkg.in/dnaeon/go-vcr.v3 v3.2.0\n",
                        "testdata/c.yaml": GOVCR_LENGTH_OFF})
    [(sev, msg)] = _l001(tmp_path)
    assert sev == "warning" and "go-vcr v3.2.0's default matcher does not compare it, so it replays" in msg


def test_a_match_on_with_content_length_makes_it_an_error_again(tmp_path):
    _project(tmp_path, {"go.mod": "module m\nrequire gopkg.in/dnaeon/go-vcr.v3 v3.2.0\n",
                        "testdata/c.yaml": GOVCR_LENGTH_OFF})
    [(sev, msg)] = _l001(tmp_path, settings={"replay": {"match-on": ["method", "url", "content_length"]}})
    assert sev == "error" and "go-vcr v3.2.0 with match_on (method, url, content_length) compares it" in msg


def test_a_custom_matcher_leaves_the_length_a_warning(tmp_path):
    _project(tmp_path, {"testdata/c.yaml": GOVCR_LENGTH_OFF})
    [(sev, msg)] = _l001(tmp_path, settings={"replay": {"library": "custom"}})
    assert sev == "warning" and "a custom matcher does not compare it" in msg


def test_a_configured_severity_still_wins_over_the_profile(tmp_path):
    from cassette_lint.findings import ERROR

    _project(tmp_path, {"go.mod": "module m\nrequire gopkg.in/dnaeon/go-vcr.v3 v3.2.0\n",
                        "testdata/c.yaml": GOVCR_LENGTH_OFF})
    assert [s for s, _ in _l001(tmp_path, severity={"L001": ERROR})] == ["error"]


# -- configuration and command line ------------------------------------------------------------


def test_replay_table_in_pyproject_sets_the_library(tmp_path, monkeypatch):
    _project(tmp_path, {"pyproject.toml": '[tool.cassette-lint.replay]\nlibrary = "go-vcr-v2"\n',
                        "testdata/c.yaml": GOVCR_LENGTH_OFF})
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["check", "--format", "json", "testdata/c.yaml"])
    assert res.exit_code == 0, res.output  # only a warning remains
    [f] = [f for f in json.loads(res.output) if f["rule"] == "L001"]
    assert f["severity"] == "warning" and "go-vcr v2's default matcher" in f["message"]


def test_a_bad_replay_setting_is_a_configuration_error_naming_the_key(tmp_path, monkeypatch):
    _project(tmp_path, {"pyproject.toml": '[tool.cassette-lint.replay]\nmatch-on = ["method", "bdoy"]\n',
                        "c.yaml": GOVCR_LENGTH_OFF})
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["check", "c.yaml"])
    assert res.exit_code == 2
    assert "replay" in res.output and "unknown matcher 'bdoy'" in res.output


def test_command_line_replay_library_wins_and_verbose_says_which_profile_judged(tmp_path, monkeypatch):
    _project(tmp_path, {"go.mod": "module m\nrequire gopkg.in/dnaeon/go-vcr.v4 v4.0.2\n",
                        "testdata/c.yaml": GOVCR_LENGTH_OFF})
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["check", "-v", "testdata/c.yaml"])
    assert res.exit_code == 1
    assert "testdata/c.yaml: go-vcr-v2, replayed by go-vcr v4.0.2 (go.mod)" in res.stderr
    assert "Replay profile: go-vcr v4.0.2 (go.mod): 1 file." in res.output
    res = CliRunner().invoke(main, ["check", "--replay-library", "go-vcr-v3", "testdata/c.yaml"])
    assert res.exit_code == 0
    assert "Replay profile: go-vcr v3 (configuration): 1 file." in res.output


def test_unknown_replay_library_on_the_command_line_is_a_usage_error():
    res = CliRunner().invoke(main, ["check", "--replay-library", "go-vcr-v9", "."])
    assert res.exit_code == 2 and "unknown replay library 'go-vcr-v9'" in res.output


def test_a_nested_configuration_sets_the_replay_profile_of_its_own_files(tmp_path, monkeypatch):
    """Per-directory overrides: the configuration nearest each file decides, as for other settings."""
    _project(tmp_path, {"pyproject.toml": '[tool.cassette-lint.replay]\nlibrary = "go-vcr-v4"\n',
                        "a/c.yaml": GOVCR_LENGTH_OFF,
                        "b/.cassette-lint.toml": '[replay]\nlibrary = "go-vcr-v3"\n',
                        "b/c.yaml": GOVCR_LENGTH_OFF})
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["check", "--format", "json", "a", "b"])
    got = {f["path"].split("/")[0]: (f["severity"], f["message"].split(": ", 1)[1].split("'s")[0])
           for f in json.loads(res.output) if f["rule"] == "L001"}
    assert got == {"a": ("error", "go-vcr v4"), "b": ("warning", "go-vcr v3")}
