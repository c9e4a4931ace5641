"""The GitHub Action (``action.yml``) runs as GitHub would run it, locally.

Each ``run:`` step of the composite action is run with bash as the runner does (``bash
--noprofile --norc -eo pipefail``), after substituting ``${{ inputs.* }}`` (given, or the input's
default), ``${{ github.action_path }}`` (this checkout) and ``${{ github.workspace }}``, with a
fake ``GITHUB_*``/``RUNNER_*`` environment; what a step appends to ``$GITHUB_ENV`` reaches the
steps after it. The install step really builds and installs this checkout into a new virtual
environment; only the runtime dependencies (``PIP_NO_DEPS``) come from the test environment
(``PYTHONPATH``), so the test needs no package index for them. The runner's temporary directory is
shared by the tests of this module, and the install step runs once in it (it takes seconds); the
other steps run for every test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys

import pytest
from ruamel.yaml import YAML

from conftest import ROOT
from test_formats import VCRPY

EXPR = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


def load_action() -> dict:
    return YAML(typ="safe").load((ROOT / "action.yml").read_text("utf-8"))


_installed: set = set()


def run_action(workspace, runner_temp, inputs: dict) -> tuple[int, str, str]:
    """Run the action's steps in order (the install step once per ``runner_temp``); (exit status of
    the last step run, stdout, stderr)."""
    action = load_action()
    values = {f"inputs.{k}": str(v.get("default", "")) for k, v in action["inputs"].items()}
    values.update({f"inputs.{k}": v for k, v in inputs.items()})
    values.update({"github.action_path": str(ROOT), "github.workspace": str(workspace)})

    def subst(text: str) -> str:
        return EXPR.sub(lambda m: values[m.group(1)], text)

    github_env = runner_temp / "github_env"
    if runner_temp not in _installed:
        github_env.write_text("")
    own_bin = os.path.dirname(sys.executable)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASSETTE_LINT", "GITHUB_", "VIRTUAL_ENV"))}
    env.update(
        PATH=os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                             if p and os.path.realpath(p) != os.path.realpath(own_bin)),
        GITHUB_ACTIONS="true", GITHUB_WORKSPACE=str(workspace), GITHUB_ACTION_PATH=str(ROOT),
        GITHUB_ENV=str(github_env), GITHUB_OUTPUT=str(runner_temp / "github_output"),
        GITHUB_STEP_SUMMARY=str(runner_temp / "summary.md"), GITHUB_REPOSITORY="octo/app",
        GITHUB_SHA="0" * 40, RUNNER_TEMP=str(runner_temp), RUNNER_OS="Linux",
        PIP_NO_DEPS="1", PYTHONPATH=os.pathsep.join(p for p in site.getsitepackages() if os.path.isdir(p)),
        NO_COLOR="1",
    )
    # python3 as on the runner (here: this interpreter's base, not its virtual environment)
    shim = runner_temp / "bin"
    shim.mkdir(exist_ok=True)
    target = shim / "python3"
    if not target.exists():
        target.symlink_to(getattr(sys, "_base_executable", sys.executable))
    env["PATH"] = str(shim) + os.pathsep + env["PATH"]
    code, out, err = 0, "", ""
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash"
        if step["name"].startswith("Install") and runner_temp in _installed:
            continue
        step_env = dict(env)
        for line in github_env.read_text().splitlines():
            k, _, v = line.partition("=")
            step_env[k] = v
        step_env.update({k: subst(str(v)) for k, v in (step.get("env") or {}).items()})
        cwd = subst(step.get("working-directory", str(workspace)))
        res = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", subst(step["run"])],
                             cwd=cwd, env=step_env, capture_output=True, text=True, timeout=300)
        code, out, err = res.returncode, out + res.stdout, err + res.stderr
        if code:
            break
        if step["name"].startswith("Install"):
            _installed.add(runner_temp)
    return code, out, err


def test_the_action_is_composite_with_its_inputs_and_installs_from_its_own_checkout():
    action = load_action()
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"paths", "args", "sarif-file"}
    install = action["runs"]["steps"][0]["run"]
    assert '"${{ github.action_path }}"' in install
    # inputs go through the environment, never into the script text (no injection)
    assert all("inputs." not in step["run"] for step in action["runs"]["steps"])


# vcrpy cassettes: the response body declared JSON is cut (H001 at line 11) / whole
CLEAN = VCRPY
BROKEN = VCRPY.replace("string: '{\"ok\": true}'", "string: '{\"ok\": true'").replace("- '12'", "- '11'")


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory):
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    return tmp_path_factory.mktemp("runner_temp")


@pytest.fixture
def workspace(tmp_path, runner_temp):
    ws = tmp_path / "workspace"
    (ws / "tests" / "cassettes").mkdir(parents=True)
    (ws / "tests" / "cassettes" / "clean.yaml").write_text(CLEAN)
    (ws / "other").mkdir()
    (ws / "other" / "broken.yaml").write_text(BROKEN)
    return ws, runner_temp


def test_the_action_annotates_findings_writes_sarif_and_fails_on_errors(workspace):
    ws, temp = workspace
    code, out, err = run_action(ws, temp, {"paths": "tests\nother", "sarif-file": "cassette-lint.sarif"})
    assert code == 1, err
    assert out.startswith("::error file=other/broken.yaml,line=11,")
    assert "title=cassette-lint (H001)::" in out
    sarif = json.loads((ws / "cassette-lint.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["H001"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "other/broken.yaml"
    # the console script that ran is the one installed into the action's own environment
    assert (temp / "github_env").read_text().strip() == f"CASSETTE_LINT_BIN={temp}/cassette-lint-venv/bin/cassette-lint"


def test_the_action_passes_on_clean_paths_and_takes_extra_args(workspace):
    ws, temp = workspace
    code, out, err = run_action(ws, temp, {"paths": "tests"})
    assert code == 0, err
    assert "::error" not in out and not (ws / "cassette-lint.sarif").exists()
    code, out, err = run_action(ws, temp, {"paths": "other", "args": "--ignore H001"})
    assert code == 0, out + err
    code, out, err = run_action(ws, temp, {"paths": "other", "args": "--no-such-option"})
    assert code == 2
