"""Hostile input: every file a repository can hold gives a clear finding (code, file, line) or is
skipped with a reason — never a traceback, a hang, a crash or a wrong exit status (issue 8).

The real CLI is driven through ``click.testing.CliRunner`` (in-process, ``-j1``) or, where a crash
would take the test process down with it (C-level recursion) or exit codes of a real process matter,
through a subprocess.  Figures (time, memory) are measured by ``benchmarks/hostile.py``, not here;
the only time bounds below are loose guards (minutes) against a hang.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import os
import pathlib
import struct
import subprocess
import sys
import zlib

import pytest
from click.testing import CliRunner

from cassette_lint import discovery, fixer, loader, pipeline, reader, scheduler
from cassette_lint.options import Options
from cassette_lint.cli import main

from conftest import FIXTURES, at, codes

SEED = FIXTURES / "seeds" / "openrouter_fireworks_streaming.yaml"
SEED_TEXT = SEED.read_text("utf-8")
#: a guard against hangs only (a subprocess that takes this long has hung)
HANG = 120


def cli(*args: str, cwd=None, stdout_only=False):
    """Run ``cassette-lint check --isolated -j1 ARGS`` in-process: (exit code, output: stdout and
    stderr, or only stdout)."""
    runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        res = runner.invoke(main, ["check", "--isolated", "-j1", *args], catch_exceptions=True)
    finally:
        os.chdir(old)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output + repr(res.exception)
    assert "Traceback" not in res.output
    return res.exit_code, res.stdout if stdout_only else res.output


def cli_json(*args: str):
    code, out = cli("--format", "json", *args, stdout_only=True)
    return code, json.loads(out)


def proc(*args: str, timeout: float = HANG, cwd=None):
    """The CLI in a real process: (returncode, stdout, stderr). A signal shows as a negative code."""
    r = subprocess.run([sys.executable, "-m", "cassette_lint", "check", "--isolated", *args],
                       capture_output=True, text=True, timeout=timeout, cwd=cwd)
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, r.stdout, r.stderr


def only(findings, code: str):
    hits = [f for f in findings if f["rule"] == code]
    assert hits, findings
    return hits


def clean_findings(path) -> list[tuple]:
    """(rule, line, column) of a file's findings, for comparing two spellings of the same cassette."""
    return [(f.rule, f.line, f.column) for f in pipeline.check_file(discovery.Target(str(path), True),
                                                                   Options()).findings]


# -- not YAML at all ---------------------------------------------------------------------------------

def _png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
            + chunk(b"IEND", b""))


def test_png_named_yaml_is_invalid_encoding_at_first_byte(tmp_path):
    (tmp_path / "image.yaml").write_bytes(_png())
    code, fs = cli_json(str(tmp_path / "image.yaml"))
    assert code == 1
    (f,) = only(fs, "Y006")
    assert (f["path"], f["line"], f["column"]) == (str(tmp_path / "image.yaml"), 1, 1)
    assert "89 50 4e 47" in f["message"]


def test_gzip_named_yaml_is_read_as_the_text_inside(tmp_path):
    """gzip is never YAML (its first byte, 1f, is a control character): a gzip'd file named ``.yaml``
    (LangChain's kit writes such files) is decompressed and its text checked, findings at its lines."""
    (tmp_path / "c.yaml").write_bytes(gzip.compress(b"version: 2\ninteractions: []\n" * 50))
    code, fs = cli_json(str(tmp_path / "c.yaml"))
    assert code == 1
    assert [f for f in fs if f["rule"] == "Y006"] == []
    assert (only(fs, "Y002")[0]["line"], only(fs, "Y002")[0]["column"]) == (3, 1)  # the second `version`


def test_file_of_nul_bytes_is_one_line_syntax_error(tmp_path):
    (tmp_path / "nul.yaml").write_bytes(b"\0" * 4096)
    code, fs = cli_json(str(tmp_path / "nul.yaml"))
    assert code == 1
    (f,) = only(fs, "Y001")
    assert (f["line"], f["column"]) == (1, 1)
    assert "#x0000" in f["message"] and "\n" not in f["message"]


def test_control_character_is_reported_at_its_own_line_and_column(tmp_path):
    (tmp_path / "c.yaml").write_bytes("version: 2\n# é ü\ninteractions: [x\x07]\n".encode())
    code, fs = cli_json(str(tmp_path / "c.yaml"))
    assert code == 1
    assert [(f["line"], f["column"]) for f in only(fs, "Y001")] == [(3, 17)]


def test_directory_named_like_a_cassette_is_walked_not_read(tmp_path):
    d = tmp_path / "x.yaml"
    d.mkdir()
    (d / "inner.yaml").write_text(SEED_TEXT.replace("content_length: 286", "content_length: 1"), "utf-8")
    code, fs = cli_json(str(tmp_path))
    assert code == 1
    assert {(f["path"], f["rule"]) for f in fs} == {(str(d / "inner.yaml"), "L001")}
    (tmp_path / "empty.yml").mkdir()
    code, fs = cli_json(str(tmp_path / "empty.yml"))  # named explicitly: a directory, walked: nothing
    assert (code, fs) == (0, [])


def test_directory_reaching_read_file_is_unreadable_not_a_crash(tmp_path):
    data, problem, code = reader.read_file(str(tmp_path), Options().max_file_size)
    assert data is None and code == "Y012" and "directory" in problem.message


# -- encodings and line endings ----------------------------------------------------------------------

def test_invalid_utf8_is_reported_at_line_and_column(tmp_path, lint_text):
    fs = lint_text(b"version: 2\ninteractions: []\nx: ab\xff\xfe\n")
    assert at(fs, "Y006") == [(3, 6)]


def test_utf8_bom_reads_like_plain_utf8(tmp_path):
    (tmp_path / "plain.yaml").write_text(SEED_TEXT, "utf-8")
    (tmp_path / "bom.yaml").write_bytes(codecs.BOM_UTF8 + SEED_TEXT.encode())
    broken = SEED_TEXT.replace("content_length: 286", "content_length: 7")
    (tmp_path / "plain_b.yaml").write_text(broken, "utf-8")
    (tmp_path / "bom_b.yaml").write_bytes(codecs.BOM_UTF8 + broken.encode())
    assert clean_findings(tmp_path / "bom.yaml") == clean_findings(tmp_path / "plain.yaml") == []
    assert clean_findings(tmp_path / "bom_b.yaml") == clean_findings(tmp_path / "plain_b.yaml") == [("L001", 9, 25)]


@pytest.mark.parametrize("enc", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_reads_like_utf8(tmp_path, enc):
    broken = SEED_TEXT.replace("content_length: 286", "content_length: 7")
    data = broken.encode(enc)
    if enc != "utf-16":  # the explicit-endian codecs write no BOM: add the right one
        data = (codecs.BOM_UTF16_LE if enc.endswith("le") else codecs.BOM_UTF16_BE) + data
    (tmp_path / "u16.yaml").write_bytes(data)
    assert clean_findings(tmp_path / "u16.yaml") == [("L001", 9, 25)]


def test_odd_length_utf16_is_invalid_encoding(tmp_path, lint_text):
    fs = lint_text(codecs.BOM_UTF16_LE + "version: 2\n".encode("utf-16-le") + b"\x00")
    assert codes(fs) == ["Y006"]


def _block_body_cassette(body_lines: list[str], content_length: int) -> str:
    body = "".join(f"        {ln}\n" for ln in body_lines)
    return ("version: 2\ninteractions:\n- request:\n    method: POST\n    url: https://example.com/\n"
            f"    content_length: {content_length}\n    body: |\n{body}"
            "  response:\n    code: 200\n    body: ok\n    content_length: 2\n")


def test_crlf_file_compares_content_length_with_the_lf_normalised_body(tmp_path):
    """YAML normalises every line break inside a scalar to LF (YAML 1.2, 5.4), and go-yaml does the
    same, so a ``|`` body in a CRLF file (git autocrlf) is the LF body go-vcr wrote and replays:
    ``content_length`` is compared with that, and a length counting the CRs is a mismatch."""
    lines = ['{"a": 1,', ' "b": 2}']
    lf_len = len("".join(ln + "\n" for ln in lines))
    good = _block_body_cassette(lines, lf_len)
    (tmp_path / "lf.yaml").write_bytes(good.encode())
    (tmp_path / "crlf.yaml").write_bytes(good.replace("\n", "\r\n").encode())
    assert clean_findings(tmp_path / "lf.yaml") == clean_findings(tmp_path / "crlf.yaml") == []
    crlf_counted = _block_body_cassette(lines, lf_len + len(lines)).replace("\n", "\r\n")
    (tmp_path / "bad.yaml").write_bytes(crlf_counted.encode())
    assert clean_findings(tmp_path / "bad.yaml") == [("L001", 6, 21)]


def test_crlf_and_lone_cr_line_endings_keep_finding_lines(tmp_path):
    broken = SEED_TEXT.replace("content_length: 286", "content_length: 7")
    (tmp_path / "lf.yaml").write_bytes(broken.encode())
    (tmp_path / "crlf.yaml").write_bytes(broken.replace("\n", "\r\n").encode())
    (tmp_path / "cr.yaml").write_bytes(broken.replace("\n", "\r").encode())
    want = clean_findings(tmp_path / "lf.yaml")
    assert want == [("L001", 9, 25)]
    assert clean_findings(tmp_path / "crlf.yaml") == want
    assert clean_findings(tmp_path / "cr.yaml") == want


def test_crlf_fix_edits_the_right_bytes(tmp_path):
    broken = SEED_TEXT.replace("content_length: 286", "content_length: 7").replace("\n", "\r\n")
    p = tmp_path / "crlf.yaml"
    p.write_bytes(broken.encode())
    code, _ = cli("--fix", str(p))
    assert code == 0
    assert p.read_bytes() == SEED_TEXT.replace("\n", "\r\n").encode()


def test_missing_final_newline_changes_nothing(tmp_path):
    broken = SEED_TEXT.replace("content_length: 286", "content_length: 7")
    (tmp_path / "nl.yaml").write_text(broken, "utf-8")
    (tmp_path / "no_nl.yaml").write_text(broken.rstrip("\n"), "utf-8")
    assert clean_findings(tmp_path / "no_nl.yaml") == clean_findings(tmp_path / "nl.yaml") == [("L001", 9, 25)]


def test_tab_indentation_is_a_syntax_error_at_its_line(lint_text):
    fs = lint_text("version: 2\ninteractions:\n- request:\n\tmethod: GET\n", dedent=False)
    assert codes(fs) == ["Y001"] and at(fs, "Y001")[0][0] == 4


# -- YAML abuse --------------------------------------------------------------------------------------

def _laughs(levels: int, width: int = 9) -> str:
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_an_alias_bomb_not_a_memory_blowup(lint_text):
    fs = lint_text("version: 2\ninteractions: []\n" + _laughs(10))  # 9**10 = 3.5e9 leaves
    assert codes(fs) == ["Y009"]
    assert at(fs, "Y009")[0][0] >= 3


def test_alias_expansion_below_the_bound_is_checked_without_walking_it_exponentially(tmp_path):
    """An expansion of ~1.1M nodes (10**6 leaves) placed where the schema, the format adapter and every
    rule look at it (a header value): findings, no internal error, no crash."""
    seq = "[" + ", ".join(f"&a0 [{', '.join(['x'] * 10)}]" if i == 0 else
                          f"&a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(6)) + "]"
    text = SEED_TEXT.replace("        headers:\n", "        headers:\n            X-Bomb: " + seq + "\n", 1)
    p = tmp_path / "bomb.yaml"
    p.write_text(text, "utf-8")
    rc, out, _ = proc("--format", "json", "-j1", str(p))
    fs = json.loads(out)
    assert rc == 1
    assert {f["rule"] for f in fs} == {"S001"} and all(f["line"] == 13 for f in fs)


@pytest.mark.parametrize("text", [
    "version: 2\ninteractions: &a [*a]\n",
    "version: 2\ninteractions:\n- &i\n  request: *i\n",
    "version: 2\ninteractions:\n- request: &r {method: GET, <<: *r}\n",
])
def test_recursive_alias_is_reported_not_built_as_a_cycle(lint_text, text):
    assert codes(lint_text(text, dedent=False)) == ["Y009"]


def _deep_block(n: int) -> str:
    return "".join(" " * i + "a:\n" for i in range(n))


@pytest.mark.parametrize("name,text,where", [
    ("block", "version: 2\ninteractions: []\nx:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(10_000)), None),
    ("flow-seq", "[" * 10_000 + "]" * 10_000, (1, 201)),  # the 201st opener
    ("flow-map", "{a: " * 10_000 + "}" * 10_000, (1, 801)),
    ("compact-seq", "- " * 100_000 + "x\n", (1, 401)),
    ("flow-seq-100k", "[" * 100_000 + "]" * 100_000, (1, 201)),  # crashed libyaml's composer (SIGSEGV)
    ("flow-map-1M", "{a: " * 1_000_000, (1, 801)),
])
def test_extreme_nesting_is_too_deep_never_a_stack_overflow(tmp_path, name, text, where):
    p = tmp_path / f"{name}.yaml"
    p.write_text(text, "utf-8")
    # no size limit: the block case is a 48 MB file, above the default --max-file-size
    rc, out, err = proc("--format", "json", "-j1", "--max-file-size", "0", str(p))
    assert rc == 1, (rc, err[-500:])  # a C stack overflow would be -11 (SIGSEGV)
    (f,) = json.loads(out)
    assert f["rule"] == "Y010"
    if where:
        assert (f["line"], f["column"]) == where
    else:
        assert f["line"] == 203


def test_nesting_just_within_the_limit_is_read(lint_text):
    inner = "[" * 190 + "]" * 190
    fs = lint_text(f"version: 2\ninteractions: []\nx: {inner}\n")
    assert "Y010" not in codes(fs) and "S002" in codes(fs)


def test_many_brackets_inside_strings_are_not_nesting(lint_text):
    """The cheap depth bound counts brackets in bodies; the exact count that follows does not."""
    body = '{"a": [' * 3000
    text = SEED_TEXT.replace("content_length: 286", f"content_length: {len(body)}").replace(
        SEED_TEXT.split("body: ", 1)[1].split("\n", 1)[0], "'" + body + "'", 1)
    fs = lint_text(text, dedent=False)
    assert "Y010" not in codes(fs) and "L001" not in codes(fs)


def test_simple_key_of_100k_characters_is_a_syntax_error_at_its_line(lint_text):
    """YAML limits implicit keys to 1024 characters; libyaml and go-yaml both refuse longer ones."""
    fs = lint_text("version: 2\ninteractions: []\n" + "k" * 100_000 + ": 1\n", dedent=False)
    assert codes(fs) == ["Y001"] and at(fs, "Y001")[0][0] == 3


def test_explicit_key_of_100k_characters_is_reported_shortened(lint_text):
    fs = lint_text(SEED_TEXT.rstrip("\n") + "\n? " + "k" * 100_000 + "\n: 1\n", dedent=False)
    (f,) = fs
    assert (f.rule, f.line, f.column) == ("S002", 43, 3)
    assert len(f.message) < 400 and "100,000 characters" in f.message


def test_merge_keys_are_applied_like_recorders_loaders_do(lint_text):
    fs = lint_text("""\
        version: 2
        interactions:
        - request: &req
            method: GET
            url: https://example.com/a
            body: ""
          response: {code: 200, body: ok}
        - request:
            <<: *req
            url: https://example.com/b
          response:
            <<: [{code: 204, body: ""}, {code: 500}]
        """)
    assert "S001" not in codes(fs) and "S002" not in codes(fs), fs


def test_merge_key_of_a_scalar_is_a_syntax_finding(lint_text):
    fs = lint_text("version: 2\ninteractions:\n- request:\n    <<: 3\n    method: GET\n    url: x\n", dedent=False)
    assert at(fs, "Y001") == [(4, 9)]


def test_python_tag_is_never_constructed(tmp_path, monkeypatch):
    marker = tmp_path / "PWNED"
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    text = SEED_TEXT.rstrip("\n") + (f"\nx: !!python/object/apply:os.system ['touch {marker}']\n"
                                     f"y: !!python/object/new:subprocess.Popen [['touch', '{marker}']]\n"
                                     "z: !!python/name:os.system\n")
    p = tmp_path / "py.yaml"
    p.write_text(text, "utf-8")
    code, fs = cli_json(str(p))
    assert not marker.exists() and calls == []
    assert code == 0  # the unknown keys are S002 warnings: go-vcr's decoder drops them
    assert sorted(f["line"] for f in fs if f["rule"] == "Y008") == [43, 44, 45]
    assert sorted((f["line"], f["severity"]) for f in fs if f["rule"] == "S002") == [
        (43, "warning"), (44, "warning"), (45, "warning")]
    # the loader gives the plain value underneath, whatever the tag
    doc = loader.load("x", text.encode()).document
    assert doc.data["x"] == [f"touch {marker}"] and doc.data["z"] == ""


def test_custom_tag_is_a_warning_at_its_value(lint_text):
    fs = lint_text(SEED_TEXT.replace("host: \"\"", "host: !secret \"\"", 1), dedent=False)
    assert at(fs, "Y008") == [(10, 15)]


def test_several_documents_report_the_second(lint_text):
    fs = lint_text(SEED_TEXT + "---\nversion: 2\ninteractions: []\n", dedent=False)
    assert at(fs, "Y004") == [(44, 1)]  # the second document's content, after the "---" of line 43


@pytest.mark.parametrize("text", ["", "---\n", "---\n...\n", "# only a comment\n", "\n\n\n", "--- \n---\n"])
def test_empty_documents_are_empty_file(lint_text, text):
    assert codes(lint_text(text, dedent=False)) == ["Y003"]


# -- size --------------------------------------------------------------------------------------------

def test_file_above_max_file_size_is_reported_and_not_read(tmp_path, monkeypatch):
    p = tmp_path / "big.yaml"
    p.write_text(SEED_TEXT, "utf-8")
    loads = []
    monkeypatch.setattr(loader, "load", lambda *a: loads.append(a))
    code, fs = cli_json("--max-file-size", "1K", str(p))
    assert code == 1 and loads == []
    (f,) = fs
    assert (f["rule"], f["line"], f["column"]) == ("Y013", 1, 1)
    assert "2,638 bytes" in f["message"] and "1,024" in f["message"]


@pytest.mark.parametrize("size,ok", [("2638", True), ("2637", False), ("3k", True), ("0", True),
                                     ("1.5M", True), ("100MB", True)])
def test_max_file_size_values(tmp_path, size, ok):
    p = tmp_path / "c.yaml"
    p.write_text(SEED_TEXT, "utf-8")
    code, fs = cli_json("--max-file-size", size, str(p))
    assert (code, [f["rule"] for f in fs]) == ((0, []) if ok else (1, ["Y013"]))


@pytest.mark.parametrize("size", ["-1", "ten", "5X"])
def test_bad_max_file_size_is_a_usage_error(tmp_path, size):
    code, out = cli("--max-file-size", size, str(SEED))
    assert code == 2 and "--max-file-size" in out


def test_default_max_file_size_is_20_mib_on_the_cli_and_in_the_engine(tmp_path):
    assert Options().max_file_size == 20 * 1024 * 1024
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (20 * 1024 * 1024 + 1))
    code, out = cli(str(big))
    assert code == 1 and "Y013" in out


def test_file_growing_past_the_limit_while_read_is_reported(tmp_path, monkeypatch):
    p = tmp_path / "grow.yaml"
    p.write_text(SEED_TEXT, "utf-8")
    real_fstat = os.fstat
    monkeypatch.setattr(reader.os, "fstat", lambda fd: os.stat_result(
        (*real_fstat(fd)[:6], 10, *real_fstat(fd)[7:])))  # the size seen before the file grew
    data, problem, code = reader.read_file(str(p), 100)
    assert data is None and code == "Y013"


def test_body_of_one_long_line_is_checked(tmp_path):
    body = "x" * 3_000_000
    text = ("version: 2\ninteractions:\n- request:\n    method: POST\n    url: https://example.com/\n"
            f"    content_length: {len(body) + 1}\n    body: {body}\n  response:\n    code: 200\n")
    p = tmp_path / "long.yaml"
    p.write_text(text, "utf-8")
    code, fs = cli_json(str(p))
    assert code == 1 and [(f["rule"], f["line"], f["column"]) for f in fs] == [("L001", 6, 21)]


# -- filesystem --------------------------------------------------------------------------------------

def test_symlink_loop_is_unreadable_not_a_hang(tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)  # a directory loop
    code, fs = cli_json(str(tmp_path))
    assert code == 1
    assert sorted((pathlib.Path(f["path"]).name, f["rule"], f["line"]) for f in fs) == [
        ("a.yaml", "Y012", 1), ("b.yaml", "Y012", 1)]
    assert all("symbolic links" in f["message"] for f in fs)


def test_symlink_to_a_file_outside_the_tree_is_checked_under_its_link_name(tmp_path):
    outside = tmp_path / "outside"
    tree = tmp_path / "tree"
    outside.mkdir()
    tree.mkdir()
    (outside / "real.yaml").write_text(SEED_TEXT.replace("content_length: 286", "content_length: 7"), "utf-8")
    (tree / "link.yaml").symlink_to(outside / "real.yaml")
    code, fs = cli_json(str(tree))
    assert code == 1
    assert [(f["path"], f["rule"], f["line"]) for f in fs] == [(str(tree / "link.yaml"), "L001", 9)]


def test_dangling_symlink_is_unreadable(tmp_path):
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    code, fs = cli_json(str(tmp_path))
    assert code == 1 and [(f["rule"], f["line"]) for f in fs] == [("Y012", 1)]


def test_permission_denied_is_unreadable(tmp_path, monkeypatch):
    """Tests run as root, which chmod 000 does not stop: the open itself is made to fail as it would
    for a normal user (PermissionError from os.open, which read_file uses)."""
    p = tmp_path / "secret.yaml"
    p.write_text(SEED_TEXT, "utf-8")
    real_open = os.open

    def denied(path, *a, **kw):
        if os.fspath(path) == str(p):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr(scheduler.os, "open", denied)
    code, fs = cli_json(str(tmp_path))
    assert code == 1
    (f,) = fs
    assert (f["path"], f["rule"], f["line"]) == (str(p), "Y012", 1) and "Permission denied" in f["message"]


def test_file_vanishing_between_listing_and_reading_is_unreadable(tmp_path, monkeypatch):
    p = tmp_path / "vanish.yaml"
    p.write_text(SEED_TEXT, "utf-8")
    (tmp_path / "stays.yaml").write_text(SEED_TEXT, "utf-8")
    real_open = os.open

    def vanish_first(path, *a, **kw):
        if os.fspath(path) == str(p) and p.exists():
            p.unlink()  # deleted after discovery listed it, just before it is opened
        return real_open(path, *a, **kw)

    monkeypatch.setattr(scheduler.os, "open", vanish_first)
    code, fs = cli_json(str(tmp_path))
    assert code == 1
    (f,) = fs
    assert (f["path"], f["rule"]) == (str(p), "Y012") and "No such file" in f["message"]


def test_fifo_named_yaml_is_reported_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    rc, out, _ = proc("--format", "json", str(tmp_path), str(tmp_path / "pipe.yaml"), timeout=60)
    assert rc == 1
    (f,) = json.loads(out)
    assert (f["rule"], f["line"]) == ("Y012", 1) and "FIFO" in f["message"]


def test_device_named_on_the_command_line_is_not_read(tmp_path):
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    rc, out, _ = proc("--format", "json", str(tmp_path / "zero.yaml"), timeout=60)
    assert rc == 1 and [f["rule"] for f in json.loads(out)] == ["Y012"]


def test_fifty_thousand_files_in_one_directory(tmp_path):
    d = tmp_path / "many"
    d.mkdir()
    for i in range(50_000):
        (d / f"{i:05d}.yaml").write_bytes(b"{}\n")  # YAML, no cassette: skipped silently when walked
    (d / "zz-broken.yaml").write_text(SEED_TEXT.replace("content_length: 286", "content_length: 7"), "utf-8")
    rc, out, err = proc("--format", "json", "-j2", str(d), timeout=600)
    assert rc == 1
    assert [(pathlib.Path(f["path"]).name, f["rule"]) for f in json.loads(out)] == [("zz-broken.yaml", "L001")]


def test_non_ascii_and_space_containing_names(tmp_path):
    d = tmp_path / "dír with spaces"
    d.mkdir()
    p = d / "cassette ñ 日本 \u00e9.yaml"
    p.write_text(SEED_TEXT.replace("content_length: 286", "content_length: 7"), "utf-8")
    code, fs = cli_json(str(tmp_path))
    assert code == 1 and [(f["path"], f["line"]) for f in fs] == [(str(p), 9)]
    code, out = cli(str(p))
    assert out.startswith(f"{p}:9:25: L001")


# -- parallel runs -----------------------------------------------------------------------------------

def _tree_digest(root: pathlib.Path) -> dict:
    return {str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mode)
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_parallel_processes_over_one_tree_agree_and_corrupt_nothing(tmp_path):
    for s in sorted((FIXTURES / "seeds").glob("*.yaml")):
        (tmp_path / s.name).write_bytes(s.read_bytes())
        (tmp_path / f"broken-{s.name}").write_bytes(s.read_bytes().replace(b"content_length: ", b"content_length: 1", 1))
    (tmp_path / "bomb.yaml").write_text("version: 2\ninteractions: []\n" + _laughs(10), "utf-8")
    (tmp_path / "bin.yaml").write_bytes(_png())
    before = _tree_digest(tmp_path)
    cmd = [sys.executable, "-m", "cassette_lint", "check", "--isolated", "--format", "json", str(tmp_path)]
    procs = [subprocess.Popen(cmd + ["-j", str(1 + i % 2)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for i in range(6)]
    outs = [p.communicate(timeout=HANG) for p in procs]
    assert [p.returncode for p in procs] == [1] * 6
    assert all(o[1] == b"" for o in outs)
    assert len({o[0] for o in outs}) == 1 and json.loads(outs[0][0])
    assert _tree_digest(tmp_path) == before


def test_parallel_fix_runs_leave_every_file_whole_and_fixed(tmp_path):
    """Several ``--fix`` processes on one tree (pre-commit and an editor hook racing): each write is a
    complete file put in place by rename, so every cassette ends fixed and no temporary file stays."""
    for i in range(24):
        (tmp_path / f"c{i}.yaml").write_text(SEED_TEXT.replace("content_length: 286", "content_length: 7"), "utf-8")
    cmd = [sys.executable, "-m", "cassette_lint", "check", "--isolated", "-j1", "--fix", "-q", str(tmp_path)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    for p in procs:
        p.communicate(timeout=HANG)
    assert all(p.returncode in (0, 1) for p in procs)
    assert sorted(os.listdir(tmp_path)) == sorted(f"c{i}.yaml" for i in range(24))
    assert all((tmp_path / f"c{i}.yaml").read_text("utf-8") == SEED_TEXT for i in range(24))


def test_fix_of_a_file_changed_since_it_was_checked_never_applies_stale_offsets(tmp_path):
    """The race the parallel --fix test exposed, made deterministic: the file changes between the
    check and the fix (another process fixed or edited it); the fixer must re-check, not apply the
    old byte offsets to the new bytes (which corrupted the YAML)."""
    p = tmp_path / "c.yaml"
    p.write_text(BROKEN, "utf-8")
    opts = Options()
    stale = pipeline.check_file(discovery.Target(str(p), True), opts)
    p.write_text("# edited meanwhile\n" + BROKEN, "utf-8")

    def recheck(path):
        return pipeline.check_file(discovery.Target(path, True), opts)

    results, outcome = fixer.fix_files([stale], recheck, [str(tmp_path)], write=True)
    assert outcome.errors == []
    assert p.read_text("utf-8") == "# edited meanwhile\n" + SEED_TEXT
    assert [f.rule for r in results for f in r.findings] == []


# -- --fix safety ------------------------------------------------------------------------------------

BROKEN = SEED_TEXT.replace("content_length: 286", "content_length: 7")


def test_fix_keeps_mode_bits_and_touches_only_files_with_fixable_findings(tmp_path):
    fixme = tmp_path / "fixme.yaml"
    fixme.write_text(BROKEN, "utf-8")
    os.chmod(fixme, 0o640)
    clean = tmp_path / "clean.yaml"
    clean.write_text(SEED_TEXT, "utf-8")
    unfixable = tmp_path / "unfixable.yaml"
    unfixable.write_text(SEED_TEXT.replace("version: 2", "version: 2\nversoin: 1"), "utf-8")
    keep = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (clean, unfixable)}
    code, _ = cli("--fix", str(tmp_path))
    assert code == 1  # the S002 remains (a near-miss of "version": an error)
    assert fixme.read_text("utf-8") == SEED_TEXT
    assert oct(fixme.stat().st_mode & 0o7777) == oct(0o640)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in keep} == keep
    assert sorted(x.name for x in tmp_path.iterdir()) == ["clean.yaml", "fixme.yaml", "unfixable.yaml"]


def test_fix_never_writes_through_a_symlink_out_of_the_tree(tmp_path):
    outside = tmp_path / "outside"
    tree = tmp_path / "tree"
    outside.mkdir()
    tree.mkdir()
    target = outside / "real.yaml"
    target.write_text(BROKEN, "utf-8")
    (tree / "link.yaml").symlink_to(target)
    rc, out, err = proc("--fix", str(tree))
    assert rc == 1
    assert target.read_text("utf-8") == BROKEN and (tree / "link.yaml").is_symlink()
    assert "outside the checked tree" in err
    assert sorted(os.listdir(outside)) == ["real.yaml"]


def test_fix_writes_through_a_symlink_inside_the_tree_to_its_target(tmp_path):
    (tmp_path / "real.yaml").write_text(BROKEN, "utf-8")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    code, _ = cli("--fix", str(tmp_path / "link.yaml"))
    assert code == 0
    assert (tmp_path / "link.yaml").is_symlink() and (tmp_path / "real.yaml").read_text("utf-8") == SEED_TEXT


@pytest.mark.parametrize("fail_at", ["write", "fsync", "replace"])
def test_failure_mid_write_leaves_the_original_intact(tmp_path, monkeypatch, fail_at):
    p = tmp_path / "fixme.yaml"
    p.write_text(BROKEN, "utf-8")
    os.chmod(p, 0o600)
    before = (p.read_bytes(), p.stat().st_ino, p.stat().st_mode)

    def boom(*a, **kw):
        raise OSError(28, "No space left on device")

    if fail_at == "write":
        real_fdopen = os.fdopen

        class Half:
            def __init__(self, fh):
                self.fh = fh

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.fh.close()

            def write(self, data):
                self.fh.write(data[: len(data) // 2])  # half the bytes reach the disk, then it fails
                self.fh.flush()
                boom()

        monkeypatch.setattr(fixer.os, "fdopen", lambda fd, *a, **k: Half(real_fdopen(fd, *a, **k)))
    elif fail_at == "fsync":
        monkeypatch.setattr(fixer.os, "fsync", boom)
    else:
        monkeypatch.setattr(fixer.os, "replace", boom)
    runner = CliRunner()
    res = runner.invoke(main, ["check", "--isolated", "-j1", "--fix", str(p)])
    assert res.exit_code == 1 and "cannot fix" in res.output and "No space left" in res.output
    assert (p.read_bytes(), p.stat().st_ino, p.stat().st_mode) == before
    assert os.listdir(tmp_path) == ["fixme.yaml"]  # no temporary file left behind


def test_killed_fix_process_leaves_original_or_fixed_file_never_a_mix(tmp_path):
    """A real process killed at the moment it writes: the cassette is either untouched or fully fixed."""
    p = tmp_path / "fixme.yaml"
    p.write_text(BROKEN, "utf-8")
    script = (
        "import os, signal, sys\n"
        "from cassette_lint import fixer\n"
        "real = os.fsync\n"
        "def die(fd):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "fixer.os.fsync = die\n"
        "from cassette_lint.cli import main\n"
        f"sys.argv = ['cassette-lint', 'check', '--isolated', '-j1', '--fix', {str(p)!r}]\n"
        "main()\n")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=HANG)
    assert r.returncode == -9
    assert p.read_text("utf-8") == BROKEN
    leftovers = [x for x in os.listdir(tmp_path) if x != "fixme.yaml"]
    # a killed process cannot clean up its temporary file; it is hidden (dot-prefixed) and never a cassette
    assert all(x.startswith(".fixme.yaml.") and x.endswith(".tmp") for x in leftovers)
    rc, out, _ = proc("--format", "json", str(tmp_path))
    assert [f["rule"] for f in json.loads(out)] == ["L001"]  # the leftover is not walked as a cassette


def test_checking_many_files_in_one_process_does_not_accumulate_memory():
    """Cached JSON errors kept their tracebacks, whose frames held every checked cassette alive
    through the per-interaction weak caches: memory grew with each file (2 GB after a few minutes
    of fuzzing). After a warm-up round, more rounds over the same files leave no object behind."""
    import gc

    seeds = sorted((FIXTURES / "seeds").glob("*.yaml"))
    opts = Options()

    def round_():
        for s in seeds:
            pipeline.check_file(discovery.Target(str(s), True), opts)
        gc.collect()
        return len(gc.get_objects())

    round_()
    before = round_()
    for _ in range(5):
        after = round_()
    assert after - before < 50, after - before


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separators_do_not_shift_finding_lines(lint_text, sep):
    """libyaml counts NEL/LS/PS as line breaks (YAML 1.1); files, git and editors' line numbers do
    not: a body holding one must not move the findings after it by a line (found by the fuzzer)."""
    text = BROKEN_CL.replace("host: \"\"", f"host: 'a{sep}b'", 1)
    assert at(lint_text(text, dedent=False), "L001") == [(9, 25)]
    text = BROKEN_CL.replace("content_length: 7", f"content_length: 7\n        x: 'a{sep}b'", 1).replace(
        "version: 2\n", "version: 2\nv: 'a" + sep + "b'\nv: 1\n", 1)
    fs = lint_text(text, dedent=False)
    assert (at(fs, "Y002"), at(fs, "L001")) == ([(4, 1)], [(11, 25)])


BROKEN_CL = SEED_TEXT.replace("content_length: 286", "content_length: 7")


def test_checking_a_file_leaves_no_reference_cycles():
    # check_file pauses the cyclic collector while a file is checked: that is only sound while the
    # model, the streams and the findings of a file are freed by reference counts alone
    import gc

    from cassette_lint import discovery, pipeline
    from cassette_lint.options import Options

    files = sorted((FIXTURES / "seeds").glob("*.yaml")) + sorted((FIXTURES / "golden").glob("*.yaml"))
    opts = Options()
    for f in files:  # imports and lazily built tables first: those are meant to stay
        pipeline.check_file(discovery.Target(str(f), explicit=True), opts)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for f in files:
            r = pipeline.check_file(discovery.Target(str(f), explicit=True), opts)
            del r
        gc.collect()
        leaked = [type(o).__name__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert leaked == []


# -- shapes too dense for their size: memory bounded by the file (issue 18) --------------------------------

MB = 1024 * 1024
#: the README's bound: peak memory at most this many times the file's size (above the interpreter's own)
BOUND = 21


#: run in the child: ``cassette-lint check`` whose peak resident set (``VmHWM``, of this process
#: since it started: not the parent's, which ``wait4``'s ``ru_maxrss`` carries over through fork) is
#: printed on stderr as it leaves
_MEASURED = ("import os, sys\n"
             "real = os._exit\n"
             "def leave(code):\n"
             "    hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0].split()[1]\n"
             "    print('VmHWM=' + hwm, file=sys.stderr)\n"
             "    real(code)\n"
             "os._exit = leave\n"
             "sys.argv = ['cassette-lint', *sys.argv[1:]]\n"
             "from cassette_lint.console import entry\n"
             "entry()\n")


def _peak_mb(*args: str) -> tuple[float, str]:
    """(peak RSS in MB, output) of ``cassette-lint check`` in a fresh process."""
    if not os.path.exists("/proc/self/status"):
        pytest.skip("peak memory is read from /proc (Linux)")
    r = subprocess.run([sys.executable, "-c", _MEASURED, "check", "--isolated", "--no-cache", "-j1", *args],
                       capture_output=True, text=True)
    kb = [ln for ln in r.stderr.splitlines() if ln.startswith("VmHWM=")][-1].split("=")[1]
    return int(kb) / 1024, r.stdout


DENSE = {
    # long flat arrays
    "json flat array": ("c.json", lambda n: '{"interactions":[' + ",".join(["1"] * (n // 2)) + "]}"),
    "yaml flow array": ("c.yaml", lambda n: "interactions: [" + ",".join(["1"] * (n // 2)) + "]\n"),
    "yaml block array": ("c.yaml", lambda n: "interactions:\n" + "- 1\n" * (n // 4)),
    "json array of empty objects": ("c.json", lambda n: '{"version":1,"interactions":[' + ",".join(["{}"] * (n // 3)) + "]}"),
    # wide mappings
    "json wide mapping": ("c.json", lambda n: "{" + ",".join(f'"k{i}":1' for i in range(n // 12)) + "}"),
    "yaml wide mapping": ("c.yaml", lambda n: "".join(f"k{i}: 1\n" for i in range(n // 10))),
    # deep-but-legal nesting, many times over
    "json nested 8 deep, repeated": ("c.json", lambda n: '{"interactions":[' + ",".join(["[[[[[[[[1]]]]]]]]"] * (n // 18)) + "]}"),
    "yaml nested 150 deep, repeated": ("c.yaml", lambda n: "interactions:\n" + ("- " + "[" * 150 + "1" + "]" * 150 + "\n") * (n // 305)),
    # dense JSON cassettes with findings: the standard library's C decoder reads them, and a finding's
    # position composes nodes (issue 18: 100-140x the file's size before the value budget held there)
    "json cassette, one interaction of many headers, a finding": ("c.json", lambda n: _vcrpy_json(
        [_interaction({**{f"h{i}": ["1"] for i in range(n // 12)}, "Content-Length": ["5"]})])),
    "json cassette, many tiny interactions with findings": ("c.json", lambda n: _vcrpy_json(
        [_interaction({"Content-Length": ["5"]})] * (n // 190))),
    "json cassette, a long number array in a body, a finding": ("c.json", lambda n: _vcrpy_json(
        [_interaction({"Content-Length": ["5"]})[:-1] + ',"x":[' + ",".join(["1"] * (n // 2)) + "]}"])),
}


def _interaction(headers: dict) -> str:
    """A vcrpy interaction (JSON serializer, written compactly) whose response has ``headers`` and the
    2-byte body ``ok``."""
    return json.dumps({"request": {"method": "GET", "uri": "https://api.example.com/", "body": None, "headers": {}},
                       "response": {"status": {"code": 200, "message": "OK"}, "headers": headers,
                                    "body": {"string": "ok"}}}, separators=(",", ":"))


def _vcrpy_json(interactions: list[str]) -> str:
    return '{"version":1,"interactions":[' + ",".join(interactions) + "]}"


@pytest.mark.parametrize("name", list(DENSE))
def test_a_file_too_dense_for_its_size_stays_within_the_memory_bound(tmp_path, name):
    fname, make = DENSE[name]
    p = tmp_path / fname
    p.write_text(make(3 * MB), "utf-8")
    size_mb = p.stat().st_size / MB
    base, _ = _peak_mb(str(SEED))  # the interpreter and the imports
    peak, out = _peak_mb(str(p))
    assert peak - base <= BOUND * size_mb, f"{name}: {peak:.0f} MB for a {size_mb:.1f} MB file\n{out}"
    assert "Traceback" not in out
    first = out.splitlines()[0]
    # a cassette-shaped file is reported as too large for its shape; anything else as no cassette
    assert " Y013 " in first or " Y011 " in first, out


def test_a_json_cassette_read_by_the_c_decoder_with_a_finding_stays_within_the_bound(tmp_path):
    # as dense as the value budget lets a file be read in full (~70 characters a value): its data
    # decoded, then its nodes composed for the finding's position, both held at once
    p = tmp_path / "c.json"
    headers = {f"X-Header-Long-Name-Padding-Padding-Padding-Padding-Padding-{i:08d}": ["v" * 110]
               for i in range(3 * MB // 190)}
    p.write_text(_vcrpy_json([_interaction({**headers, "Content-Length": ["5"]})]), "utf-8")
    size_mb = p.stat().st_size / MB
    base, _ = _peak_mb(str(SEED))
    peak, out = _peak_mb(str(p))
    assert " L002 " in out.splitlines()[0] and "Y013" not in out, out[:500]  # read and checked in full
    assert peak - base <= BOUND * size_mb, f"{peak:.0f} MB for a {size_mb:.1f} MB file"


def test_json_of_no_cassette_shape_is_called_no_cassette_without_building_its_tree(tmp_path):
    p = tmp_path / "c.json"
    p.write_text('{"interactions":[' + ",".join(["1"] * (3 * MB // 2)) + "]}", "utf-8")
    code, out = cli(str(p))
    assert code == 0 and f"{p}:1:1: Y011 [warning] not a known cassette format" in out, out
    code, out = cli(str(tmp_path))  # met while walking: skipped without a word, as package.json is
    assert code == 0 and "Y0" not in out and "0 files checked" in out, out


def test_a_cassette_too_dense_for_its_size_is_reported_where_reading_stopped(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("version: 2\ninteractions:\n" + "- {}\n" * 300_000, "utf-8")
    code, res = cli_json(str(p))
    (f,) = only(res, "Y013")
    text = p.read_text("utf-8")
    assert code == 1 and f["message"].startswith(f"file holds more than {loader.node_budget(text):,} values in "
                                                 f"{len(text):,} characters") and "not checked" in f["message"]
    # (a JSON file is decoded by the standard library's C decoder first, its positions composed only
    # when asked: the memory battery above checks that path stays within the bound)


def test_dense_small_files_and_real_cassettes_are_read_in_full(tmp_path):
    # fewer than 50,000 values: read whatever the density (short headers, a few KB)
    p = tmp_path / "dense.yaml"
    p.write_text("version: 2\ninteractions:\n" + "- {request: {}, response: {}}\n" * 9_000, "utf-8")  # 45,005
    assert "Y013" not in cli(str(p))[1]
    # a real streamed cassette repeated to 3 MB (~35 characters a value): every interaction checked
    head, rest = SEED_TEXT.split("interactions:\n", 1)
    big = tmp_path / "big.yaml"
    big.write_text(head + "interactions:\n" + rest * (3 * MB // len(rest)), "utf-8")
    code, out = cli(str(big))
    assert "Y013" not in out and "1 file checked" in out, out[-500:]
