"""What users of ruff expect of a command line, through the installed console script.

Fixable markers, source windows, ``--output-file``, standard input, the configuration nearest each
file, rule names, ``-V``, ``rules --all --format``, exit 130 on Ctrl-C, a baseline that cannot be
written, unknown codes in suppression comments, named broken links, shell completion.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from conftest import ROOT
from test_precommit import BROKEN, CLEAN as CLEAN_CASSETTE

CLI = os.path.join(os.path.dirname(sys.executable), "cassette-lint")

# a go-vcr cassette whose request content_length is wrong (L001, fixable) at line 9, column 25
CASSETTE, CLEAN = "---\n" + BROKEN, "---\n" + CLEAN_CASSETTE


def cli(*args, cwd, input=None, env=None):
    e = dict(os.environ, NO_COLOR="1")
    e.pop("CASSETTE_LINT_FORMAT", None)
    e.update(env or {})
    return subprocess.run([CLI, *args], capture_output=True, text=True, cwd=cwd, input=input, env=e)


@pytest.fixture
def work(tmp_path):
    (tmp_path / "cassettes").mkdir()
    (tmp_path / "cassettes" / "bad.yaml").write_text(CASSETTE)
    return tmp_path


def test_fixable_findings_are_marked_and_counted(work):
    res = cli("check", "--isolated", "cassettes", cwd=work)
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert lines[0] == ("cassettes/bad.yaml:9:25: L001 [error] [*] content_length 99 but body is 28 bytes: "
                        "go-vcr v4's default matcher compares it, so this interaction never replays")
    assert lines[-1] == "[*] 1 finding fixable with --fix (--diff shows the changes)."
    (work / "cassettes" / "bad.yaml").write_text(CASSETTE.replace("body: '{\"ok\":true}'", "body: '{\"ok\":tru'"))
    res = cli("check", "--isolated", "--select", "H001", "cassettes", cwd=work)
    assert "[*]" not in res.stdout and "fixable" not in res.stdout


def test_show_source_shows_a_window_with_a_caret_also_inside_a_long_one_line_body(work):
    res = cli("check", "--isolated", "--show-source", "cassettes", cwd=work)
    assert res.stdout.splitlines()[1:4] == [
        "  |",
        "9 |         content_length: 99",
        "  |                         ^^",
    ]
    long_body = '{"a":"' + "x" * 300 + '","b":tru}'
    (work / "cassettes" / "bad.yaml").write_text(
        CLEAN.replace("body: '{\"ok\":true}'", f"body: '{long_body}'"))
    res = cli("check", "--isolated", "--show-source", "--select", "H001", "cassettes", cwd=work)
    out = res.stdout.splitlines()
    assert out[0].startswith("cassettes/bad.yaml:22:")
    shown, caret = out[2], out[3]
    assert shown.startswith("22 | …") and shown.endswith("…") is False and ',"b":tru}' in shown
    assert len(shown) < 120  # a window, not the whole 300-character line
    col = int(out[0].split(":")[2])
    line = (work / "cassettes" / "bad.yaml").read_text().splitlines()[21]
    assert shown[caret.index("^")] == line[col - 1] == "t"


def test_show_source_never_prints_a_secret(work):
    key = "gh" + "p_" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"
    (work / "cassettes" / "bad.yaml").write_text(CLEAN.replace(
        "            Content-Type:\n              - application/json\n        url",
        f"            Authorization:\n              - token {key}\n            Content-Type:\n"
        "              - application/json\n        url", 1))
    res = cli("check", "--isolated", "--show-source", "cassettes", cwd=work)
    assert res.returncode == 1 and "K0" in res.stdout
    assert key not in res.stdout and key[:4] in res.stdout


def test_output_file_receives_the_report(work):
    res = cli("check", "--isolated", "--format", "json", "--output-file", "out.json", "cassettes", cwd=work)
    assert res.returncode == 1 and res.stdout == ""
    assert [f["rule"] for f in json.loads((work / "out.json").read_text())] == ["L001"]
    res = cli("check", "--isolated", "--output-file", "no/such/dir/out.txt", "cassettes", cwd=work)
    assert res.returncode == 2 and "cannot write the output file no/such/dir/out.txt" in res.stderr


def test_standard_input_with_a_file_name(work):
    res = cli("check", "--isolated", "-", "--stdin-filename", "cassettes/edited.yaml", cwd=work, input=CASSETTE)
    assert res.returncode == 1
    assert res.stdout.startswith("cassettes/edited.yaml:9:25: L001 [error]")
    res = cli("check", "--isolated", "--show-source", "-", "--stdin-filename", "cassettes/bad.yaml", cwd=work,
              input=CASSETTE.replace("content_length: 99", "content_length: 777"))
    assert res.stdout.splitlines()[2] == "9 |         content_length: 777"  # the source is standard input's
    res = cli("check", "--isolated", "-", cwd=work, input=CLEAN)
    assert (res.returncode, res.stdout) == (0, "All checks passed (1 file checked).\n")
    assert cli("check", "-", "--fix", cwd=work, input=CASSETTE).returncode == 2


def test_standard_input_uses_the_configuration_and_ignores_of_its_file_name(work):
    (work / "pyproject.toml").write_text('[tool.cassette-lint.per-file-ignores]\n"legacy/*" = ["L"]\n')
    res = cli("check", "-", "--stdin-filename", "legacy/old.yaml", cwd=work, input=CASSETTE)
    assert res.returncode == 0, res.stdout
    res = cli("check", "-", "--stdin-filename", "cassettes/new.yaml", cwd=work, input=CASSETTE)
    assert res.returncode == 1


def test_the_configuration_nearest_each_file_applies(work):
    (work / "pyproject.toml").write_text('[tool.cassette-lint]\nignore = ["H"]\n')
    sub = work / "team" / "cassettes"
    sub.mkdir(parents=True)
    (sub / "bad.yaml").write_text(CASSETTE)
    (work / "team" / ".cassette-lint.toml").write_text('ignore = ["L001"]\nexclude = ["skipped"]\n')
    (work / "team" / "skipped").mkdir()
    (work / "team" / "skipped" / "bad.yaml").write_text(CASSETTE)
    res = cli("check", ".", cwd=work)
    assert res.returncode == 1
    assert [ln.split(":")[0].removeprefix("./") for ln in res.stdout.splitlines() if ": L001 " in ln] == [
        "cassettes/bad.yaml"]
    assert "team/skipped" not in res.stdout
    assert "(2 files checked)" in res.stdout
    # --config and --isolated apply one configuration to every file, as before
    res = cli("check", "--isolated", ".", cwd=work)
    assert res.stdout.count(": L001 ") == 3
    # a broken nearer configuration is a configuration error
    (work / "team" / ".cassette-lint.toml").write_text('ignore = ["NOPE"]\n')
    res = cli("check", ".", cwd=work)
    assert res.returncode == 2 and "NOPE" in res.stderr


def test_select_and_ignore_accept_rule_names(work):
    res = cli("check", "--isolated", "--ignore", "request-content-length-mismatch", "cassettes", cwd=work)
    assert res.returncode == 0, res.stdout
    res = cli("check", "--isolated", "--select", "Request-Content-Length-Mismatch,H001", "cassettes", cwd=work)
    assert res.returncode == 1
    res = cli("check", "--isolated", "--select", "no-such-rule", "cassettes", cwd=work)
    assert res.returncode == 2 and "unknown rule code, prefix or name 'NO-SUCH-RULE'" in res.stderr


def test_dash_v_prints_the_version(work):
    from cassette_lint import __version__

    assert cli("-V", cwd=work).stdout == f"cassette-lint, version {__version__}\n"


def test_rules_all_in_json_and_markdown(work):
    from cassette_lint import rules

    res = cli("rules", "--all", "--format", "json", cwd=work)
    doc = json.loads(res.stdout)
    assert [r["code"] for r in doc] == [r.code for r in rules.all_rules()]
    l001 = next(r for r in doc if r["code"] == "L001")
    assert l001["fixable"] is True and l001["severity"] == "error" and "FAIL::" in l001["doc"]
    md = cli("rules", "--all", "--format", "markdown", cwd=work).stdout
    assert "### L001 request-content-length-mismatch" in md and "```yaml" in md and "FAIL::" not in md
    text = cli("rules", "--all", cwd=work).stdout
    assert text.count("Default severity:") == len(doc)
    assert json.loads(cli("rules", "L001", "--format", "json", cwd=work).stdout)[0]["code"] == "L001"


def test_docs_rules_md_is_up_to_date():
    res = cli("rules", "--all", "--format", "markdown", cwd=ROOT)
    assert (ROOT / "docs" / "rules.md").read_text("utf-8") == res.stdout, (
        "docs/rules.md is stale: cassette-lint rules --all --format markdown > docs/rules.md")


# the console script's entry, with the run replaced by one that says it started and then waits: the
# interrupt reaches the command while it checks files, whichever parser read the command line
_WAITING_RUN = """
import sys, time
from cassette_lint import run
def waiting(*args, **kwargs):
    print("ready", file=sys.stderr, flush=True)
    time.sleep(60)
run.check = waiting
sys.argv = ["cassette-lint"] + sys.argv[1:]
from cassette_lint.console import entry
entry()
"""


@pytest.mark.parametrize("args", [["check", "-q"], ["check", "--select", "ALL"]], ids=["console fast path", "click"])
def test_ctrl_c_exits_130(work, args):
    p = subprocess.Popen([sys.executable, "-c", _WAITING_RUN, *args, "cassettes"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=work, text=True)
    assert p.stderr.readline() == "ready\n"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err[-500:]
    assert "Aborted!" in err and "Traceback" not in err


def test_a_baseline_that_cannot_be_written_is_a_clean_error(work):
    res = cli("check", "--isolated", "--write-baseline", "missing/dir/baseline.json", "cassettes", cwd=work)
    assert res.returncode == 2
    assert res.stderr.startswith("cassette-lint: error: cannot write the baseline missing/dir/baseline.json: ")
    assert "Traceback" not in res.stderr


def test_an_unknown_code_in_a_suppression_comment_is_warned_about(work):
    (work / "cassettes" / "bad.yaml").write_text(CASSETTE.replace(
        "content_length: 99", "content_length: 99  # cassette-lint: disable=L0001"))
    res = cli("check", "--isolated", "cassettes", cwd=work)
    assert res.returncode == 1  # the typo silences nothing
    assert ("cassette-lint: warning: cassettes/bad.yaml:9: unknown rule code 'L0001' in a suppression comment"
            in res.stderr)
    (work / "cassettes" / "bad.yaml").write_text(CASSETTE.replace(
        "content_length: 99", "content_length: 99  # cassette-lint: disable=L001"))
    res = cli("check", "--isolated", "cassettes", cwd=work)
    assert res.returncode == 0 and res.stderr == ""


def test_a_named_dangling_or_looping_link_is_y012(work):
    os.symlink("nowhere.yaml", work / "dangling.yaml")
    os.symlink("loop.yaml", work / "loop.yaml")
    for name, why in (("dangling.yaml", "No such file"), ("loop.yaml", "symbolic links")):
        res = cli("check", "--isolated", name, cwd=work)
        assert res.returncode == 1, res.stderr
        assert res.stdout.startswith(f"{name}:1:1: Y012 [error]") and why in res.stdout
    assert cli("check", "missing.yaml", cwd=work).returncode == 2


def test_skip_non_cassettes_quiets_named_files_that_are_no_cassette(work):
    (work / "values.yaml").write_text("a: [\n")
    (work / "chart.yaml").write_text("apiVersion: v2\nname: app\n")
    res = cli("check", "--isolated", "values.yaml", "chart.yaml", cwd=work)
    assert res.returncode == 1
    res = cli("check", "--isolated", "--skip-non-cassettes", "values.yaml", "chart.yaml", "cassettes/bad.yaml",
              cwd=work)
    assert res.returncode == 1
    assert res.stdout.splitlines()[-2] == "Found 1 error and 0 warnings in 1 file (1 file checked, 2 non-cassette files skipped)."


def test_shell_completion_script_is_printed(work):
    res = cli(cwd=work, env={"_CASSETTE_LINT_COMPLETE": "bash_source"})
    assert res.returncode == 0
    assert "complete -o nosort -F _cassette_lint_completion cassette-lint" in res.stdout
    res = cli(cwd=work, env={"_CASSETTE_LINT_COMPLETE": "bash_complete", "COMP_WORDS": "cassette-lint check --sho",
                             "COMP_CWORD": "2"})
    assert "--show-source" in res.stdout


def test_an_unknown_code_is_warned_about_in_a_file_without_findings_too(work):
    """The pipeline notes which files hold a suppression comment: they are read again for their
    codes even when nothing is found (a typo there silences nothing, today or later)."""
    clean = CASSETTE.replace("content_length: 99", "content_length: 99  # cassette-lint: disable=L0001")
    (work / "cassettes" / "bad.yaml").write_text(clean)
    res = cli("check", "--isolated", "--select", "H", "cassettes", cwd=work)
    assert res.returncode == 0
    assert "cassettes/bad.yaml:9: unknown rule code 'L0001' in a suppression comment" in res.stderr
    res = cli("check", "--isolated", "--select", "H", "cassettes", cwd=work)  # served by the cache
    assert "unknown rule code 'L0001'" in res.stderr
