"""CLI behaviour around the output: colour, CASSETTE_LINT_FORMAT, --exit-zero, --quiet, progress, start-up."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from cassette_lint import cli, command, console
from cassette_lint.cli import main
from conftest import FIXTURES, ROOT

BROKEN = "tests/fixtures/golden/broken.yaml"
CLEAN = "tests/fixtures/seeds/openrouter_fireworks_streaming.yaml"
ESC = "\033["


@pytest.fixture(autouse=True)
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("CASSETTE_LINT_FORMAT", raising=False)


def invoke(*args, env=None):
    return CliRunner().invoke(main, ["check", "--select", "Y,S", *args], env=env)


def test_no_colour_when_not_a_tty():
    res = invoke(BROKEN)
    assert ESC not in res.output
    assert res.output.splitlines()[0].startswith(f"{BROKEN}:6:5: S002 [error] ")


def test_color_always_and_force_color_colour_the_text_but_keep_the_location_parseable():
    for res in (invoke("--color", "always", BROKEN), invoke(BROKEN, env={"FORCE_COLOR": "1"})):
        first = res.output.splitlines()[0]
        assert ESC in first
        assert first.startswith(f"{BROKEN}:6:5: ")  # the location prefix itself is never coloured
        import re

        plain = re.sub(r"\x1b\[[0-9;]*m", "", first)
        assert plain.startswith(f"{BROKEN}:6:5: S002 [error] ")


def test_no_color_wins_over_force_color_and_never_wins_over_everything(monkeypatch):
    assert ESC not in invoke(BROKEN, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).output
    assert ESC not in invoke("--color", "never", BROKEN, env={"FORCE_COLOR": "1"}).output
    monkeypatch.setattr(command, "_isatty", lambda s: True)
    assert ESC in invoke(BROKEN).output  # auto on a TTY
    assert ESC not in invoke(BROKEN, env={"NO_COLOR": "1"}).output
    assert ESC not in invoke("--format", "json", "--color", "always", BROKEN).output


def test_format_from_the_environment():
    res = invoke(BROKEN, env={"CASSETTE_LINT_FORMAT": "github"})
    assert res.output.startswith("::error file=")
    assert invoke("--format", "text", BROKEN, env={"CASSETTE_LINT_FORMAT": "github"}).output.startswith(BROKEN)
    res = invoke(BROKEN, env={"CASSETTE_LINT_FORMAT": "xml"})
    assert res.exit_code == 2


def test_exit_zero_and_quiet():
    res = invoke("--exit-zero", "--quiet", BROKEN)
    assert res.exit_code == 0
    assert res.output == "Found 2 errors and 0 warnings in 1 file (1 file checked).\n"


def test_github_quiet_prints_only_the_summary():
    res = invoke("--format", "github", "-q", BROKEN)
    assert res.output == "cassette-lint: found 2 errors and 0 warnings in 1 file (1 file checked).\n"


# -- progress --------------------------------------------------------------------------------------

def test_progress_bar_only_on_a_tty_for_many_files_and_never_for_machine_formats(monkeypatch):
    seeds = str(FIXTURES / "seeds")
    monkeypatch.setattr(command, "PROGRESS_MIN_FILES", 2)
    assert "\r[" not in invoke(seeds).stderr  # not a TTY
    monkeypatch.setattr(command, "_isatty", lambda s: True)
    res = invoke(seeds)
    assert "\r[" in res.stderr and "5/5 files" in res.stderr
    assert "\r[" not in res.stdout
    assert "\r[" not in invoke("--format", "json", seeds).stderr
    assert "\r[" not in invoke("--format", "sarif", seeds).stderr
    assert "\r[" not in invoke("-q", seeds).stderr
    monkeypatch.setattr(command, "PROGRESS_MIN_FILES", 200)
    assert "\r[" not in invoke(seeds).stderr  # 5 files: too few


# -- start-up --------------------------------------------------------------------------------------

@pytest.mark.parametrize("cache", [True, False])
def test_checking_one_clean_file_imports_nothing_it_does_not_need(cache):
    # the results cache needs hashlib (the key of the file's bytes); a run without it does not
    flag = "" if cache else "'--no-cache', "
    hashing = "" if cache else "'hashlib', "
    code = (
        "import sys\n"
        "from cassette_lint.cli import main\n"
        "try:\n"
        f"    main(['check', {flag}{CLEAN!r}])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "heavy = [m for m in ('cassette_lint.fixer', 'cassette_lint.baseline', 'cassette_lint.reporters.sarif',\n"
        "         'cassette_lint.reporters.junit', 'xml.sax', 'multiprocessing', 'jsonschema', 'dataclasses',\n"
        f"         {hashing}'importlib.resources', 'tempfile', 'difflib', 'traceback') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "HEAVY="


def test_importing_the_cli_does_not_load_the_linter():
    code = "import sys, cassette_lint.cli; print(sorted(m for m in sys.modules if m.startswith(('ruamel', 'jsonschema', 'cassette_lint.run', 'cassette_lint.pipeline', 'cassette_lint.loader'))))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.stdout.strip() == "[]"


def test_the_console_entry_flushes_its_output_and_keeps_the_exit_status(tmp_path):
    # entry() leaves with os._exit (no interpreter teardown): output must still be complete
    many = [str(FIXTURES / "seeds" / "openrouter_fireworks_streaming.yaml")]
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 2\ninteractions: [\n", "utf-8")
    for args, want in ((["check", "--format", "json", *many], 0), (["check", "--bogus"], 2),
                       (["check", "--isolated", str(broken)], 1)):
        r = subprocess.run([sys.executable, "-m", "cassette_lint", *args], capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == want, (args, r.stderr)
        assert "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "cassette_lint", "check", "--format", "json", *many],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.rstrip().endswith("]")  # the whole JSON document, flushed before leaving


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    # `cassette-lint check ... | head -1`: the closed pipe is not an error worth a traceback (the
    # ~100 KB of output is more than a pipe buffers, so the writer does meet the closed pipe)
    for i in range(800):
        (tmp_path / f"f{i:03d}.yaml").write_text("version: 2\ninteractions: [\n", "utf-8")
    p = subprocess.Popen([sys.executable, "-m", "cassette_lint", "check", "--isolated", str(tmp_path)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait(timeout=60)
    assert "Traceback" not in err, err


# -- the console script reads simple `check` command lines itself -----------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TOKENS = ["-q", "--quiet", "--exit-zero", "--fix", "--isolated", "--statistics", "--skip-non-cassettes", "--show-source",
           "--output-file", "-o", "--stdin-filename", "-V", "-j", "-j2", "-j0", "-j-1", "-j=2",
           "--jobs", "--jobs=3", "--jobs=", "--jobs=x", "--format", "--format=json", "--format=bogus", "json", "sarif",
           "text", "2", "٣", "+1", "--color", "auto", "--select", "Y", "-qj2", "--", "-h", "-", "--quiet=1",
           CLEAN, BROKEN, "tests/fixtures", "missing.yaml", "--no-cache", "--cache-dir", "--cache-dir=",
           "--cache-dir=tests/fixtures", f"--cache-dir={CLEAN}"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=6))
def test_a_simple_command_line_is_read_as_click_reads_it(tokens):
    """Whatever the console script reads itself, click reads the same way (same value for every
    parameter); what click refuses, the console script leaves to click."""
    import click

    fast = console.simple_check(["check", *tokens])
    try:
        ctx = cli.check.make_context("check", list(tokens))
    except (click.UsageError, click.exceptions.Exit):
        assert fast is None, tokens
        return
    if fast is not None:
        assert fast == ctx.params, tokens


def test_the_defaults_are_click_s_defaults():
    assert console.simple_check(["check"]) == cli.check.make_context("check", []).params == command.DEFAULTS


def test_only_check_command_lines_are_read_without_click(monkeypatch):
    assert console.simple_check(["rules"]) is None
    assert console.simple_check(["--version"]) is None
    assert console.simple_check([]) is None
    monkeypatch.setenv("CASSETTE_LINT_FORMAT", "json")  # click reads the environment too
    assert console.simple_check(["check", CLEAN]) is None


def test_a_simple_check_runs_without_importing_click():
    code = ("import os, sys\n"
            "sys.argv = ['cassette-lint', 'check', '-q', '-j1', %r]\n"
            "real = os._exit\n"
            "def leave(c):\n"
            "    print('CLICK=' + ','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'click')), flush=True)\n"
            "    real(c)\n"
            "os._exit = leave\n"
            "from cassette_lint.console import entry\n"
            "entry()\n") % CLEAN
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "CLICK="


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_both_ways_give_the_same_output_and_exit_status(fmt, tmp_path):
    """``--color never`` is not read by the console script: the same run then goes through click."""
    broken = tmp_path / "broken.yaml"
    broken.write_text((ROOT / BROKEN).read_text("utf-8"), "utf-8")
    runs = []
    for extra in ([], ["--color", "never"]):
        r = subprocess.run([sys.executable, "-m", "cassette_lint", "check", "--format", fmt, *extra, CLEAN, str(broken)],
                           capture_output=True, text=True, cwd=ROOT)
        runs.append((r.returncode, r.stdout, r.stderr))
    assert runs[0] == runs[1]
    assert runs[0][0] == 1
