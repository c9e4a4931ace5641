"""The README's commands work as written on a fresh machine.

Every ```sh block preceded by ``<!-- readme-test exit=N -->`` is run, in README order, with bash
(``-e``: the first failing command ends the block) in a fresh ``git clone`` of this repository's
committed HEAD in a temporary directory, with nothing beside it (no ``../shared``), and must exit
with status N. A ```text block that follows a run block (before the next ```sh block) is the output
it documents: its lines must be what the commands print.

The clone gets a virtual environment of its own, in which ``pip install .`` really builds and
installs the clone; only the runtime dependencies (``PIP_NO_DEPS``) come from the running test
environment, through a ``.pth`` file, so that the test needs no package index for them.
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig

import pytest

from conftest import ROOT

MARK = re.compile(r"<!-- readme-test exit=(\d+) -->\n```sh\n(.*?)```", re.S)
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def readme_blocks(text: str) -> list[tuple[int, str, str | None]]:
    """(expected exit status, shell commands, documented output or None) for each marked block."""
    out = []
    for m in MARK.finditer(text):
        expected = None
        for f in FENCE.finditer(text, m.end()):
            if f.group(1) == "sh":
                break
            if f.group(1) == "text":
                expected = f.group(2)
                break
        out.append((int(m.group(1)), m.group(2), expected))
    return out


def test_the_readme_marks_the_quick_start_and_its_output():
    blocks = readme_blocks((ROOT / "README.md").read_text("utf-8"))
    assert blocks, "no <!-- readme-test --> block in README.md"
    first_exit, first_cmd, first_out = blocks[0]
    assert "cassette-lint check examples" in first_cmd and first_exit == 1 and first_out
    assert not any("../shared" in cmd for _, cmd, _ in blocks)


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    base = tmp_path_factory.mktemp("fresh")
    clone = base / "cassette-lint"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, capture_output=True)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    purelib = sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})
    # the test environment's packages (pip, the runtime dependencies) after the venv's own; the
    # editable install of this checkout is a .pth hook there, which a plain path line does not run
    here = [p for p in site.getsitepackages() if os.path.isdir(p)]
    with open(os.path.join(purelib, "_test_env.pth"), "w") as f:
        f.write("\n".join(here) + "\n")
    pip = venv / "bin" / "pip"
    pip.write_text(f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom pip._internal.cli.main import main\n"
                   "sys.exit(main())\n")
    pip.chmod(0o755)
    own_bin = os.path.dirname(sys.executable)
    path = os.pathsep.join([str(venv / "bin")] + [p for p in os.environ.get("PATH", "").split(os.pathsep)
                                                  if p and os.path.realpath(p) != os.path.realpath(own_bin)])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASSETTE_LINT", "PYTHON"))}
    env.update(PATH=path, VIRTUAL_ENV=str(venv), PIP_NO_DEPS="1", PIP_QUIET="1", NO_COLOR="1")
    env.pop("FORCE_COLOR", None)
    return clone, env


def test_readme_commands_run_from_a_fresh_clone(fresh_clone):
    clone, env = fresh_clone
    assert not (clone.parent / "shared").exists()
    blocks = readme_blocks((clone / "README.md").read_text("utf-8"))
    assert blocks
    for expected_exit, commands, documented in blocks:
        res = subprocess.run(["bash", "-e", "-c", commands], cwd=clone, env=env, capture_output=True, text=True,
                             timeout=300)
        assert res.returncode == expected_exit, (commands, res.stdout[-3000:], res.stderr[-3000:])
        if documented is not None:
            assert res.stdout.splitlines()[-len(documented.splitlines()):] == documented.splitlines(), commands
    # the console script that ran is the clone's, installed into the fresh environment
    where = subprocess.run(["bash", "-c", "command -v cassette-lint"], env=env, capture_output=True, text=True)
    assert where.stdout.startswith(env["VIRTUAL_ENV"])
