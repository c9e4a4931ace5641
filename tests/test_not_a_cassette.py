"""Quiet on what is not a cassette: ``check .`` on an ordinary repository reports only cassettes.

A YAML/JSON file met while walking a directory that does not load, is empty or is no mapping is
reported only when it looks like a cassette (a top-level ``interactions`` key); otherwise it is
skipped and counted in the summary. A run that finds no cassette says so on stderr. A file laid out
as a cassette with a version no recorder reads is an error at its ``version`` line. All through the
installed console script.
"""

from __future__ import annotations

import os
import subprocess
import sys

CLI = os.path.join(os.path.dirname(sys.executable), "cassette-lint")

HELM = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "chart.fullname" . }}
data:
  {{- range $k, $v := .Values.env }}
  {{ $k }}: {{ $v | quote }}
  {{- end }}
"""
CLEAN = """\
interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: https://api.example.com/v1/ping
  response:
    body:
      string: pong
    headers: {}
    status:
      code: 200
      message: OK
version: 1
"""


def run(*args, cwd):
    return subprocess.run([CLI, "check", "--isolated", *args], capture_output=True, text=True, cwd=cwd)


def repo(tmp_path):
    (tmp_path / "charts" / "app" / "templates").mkdir(parents=True)
    (tmp_path / "charts" / "app" / "templates" / "configmap.yaml").write_text(HELM)
    (tmp_path / "testdata").mkdir()
    (tmp_path / "testdata" / "broken_on_purpose.yaml").write_text("key: [1, 2\nother: }\n")
    (tmp_path / "testdata" / "empty.yml").write_text("")
    (tmp_path / "testdata" / "list.yaml").write_text("- a\n- b\n")
    (tmp_path / "cassettes").mkdir()
    (tmp_path / "cassettes" / "ping.yaml").write_text(CLEAN)
    return tmp_path


def test_a_walk_skips_broken_and_empty_yaml_that_is_no_cassette_and_counts_it(tmp_path):
    res = run(".", cwd=repo(tmp_path))
    assert res.returncode == 0, res.stdout
    assert res.stdout == "All checks passed (1 file checked, 4 non-cassette files skipped).\n"
    assert res.stderr == ""


def test_a_broken_file_that_looks_like_a_cassette_is_still_reported(tmp_path):
    repo(tmp_path)
    (tmp_path / "cassettes" / "cut.yaml").write_text(CLEAN[:CLEAN.index("  response:")] + "  response: [\n")
    res = run(".", cwd=tmp_path)
    assert res.returncode == 1
    assert res.stdout.removeprefix("./").startswith("cassettes/cut.yaml:")
    assert "Y001 [error]" in res.stdout
    assert res.stdout.endswith("(2 files checked, 4 non-cassette files skipped).\n")


def test_named_explicitly_a_broken_non_cassette_is_still_reported(tmp_path):
    repo(tmp_path)
    res = run("testdata/broken_on_purpose.yaml", cwd=tmp_path)
    assert res.returncode == 1 and "Y001 [error]" in res.stdout


def test_a_folder_without_cassettes_prints_a_notice_on_stderr(tmp_path):
    repo(tmp_path)
    res = run("charts", cwd=tmp_path)
    assert res.returncode == 0
    assert res.stdout == "All checks passed (0 files checked, 1 non-cassette file skipped).\n"
    assert res.stderr == "cassette-lint: no cassette found in charts (1 YAML/JSON file skipped: no cassette format)\n"
    (tmp_path / "nothing").mkdir()
    res = run("nothing", "--format", "json", cwd=tmp_path)
    assert res.stdout == "[]\n"
    assert "no cassette found in nothing (no *.yaml, *.yml or *.json file)" in res.stderr


def test_an_unsupported_version_is_an_error_at_the_version_line(tmp_path):
    (tmp_path / "v3.yaml").write_text("---\ninteractions:\n  - request: {url: 'https://x.example/'}\nversion: 3\n")
    for target in ("v3.yaml", "."):  # named or walked: it is a cassette either way
        res = run(target, cwd=tmp_path)
        assert res.returncode == 1, res.stdout
        first = res.stdout.splitlines()[0]
        assert first.removeprefix("./").startswith("v3.yaml:4:10: Y014 [error] cassette version 3: go-vcr v4's "
                                                   "cassette.Load refuses it")
        assert "Y011" not in res.stdout
