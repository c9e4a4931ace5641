"""Loading rules (Y…): every way a file can fail to be one YAML cassette gives a finding with a line."""

from __future__ import annotations

import base64

from conftest import at, codes

CASSETTE = """\
---
version: 2
interactions:
- id: 0
  request:
    content_length: 0
    body: ""
    url: https://example.com/
    method: GET
  response:
    content_length: 2
    body: ok
    status: 200 OK
    code: 200
    duration: 1.5s
"""


def test_valid_minimal_cassette_is_clean(lint_text):
    assert lint_text(CASSETTE) == []


def test_yaml_syntax_error_reports_line_and_column(lint_text):
    bad = CASSETTE.replace("    body: ok\n", '    body: "ok\n')
    f = lint_text(bad)
    assert codes(f) == ["Y001"]
    assert f[0].line >= 12  # the unterminated quote opens on line 12; libyaml reports where it gave up
    assert "YAML syntax error" in f[0].message


def test_lost_indentation_is_a_syntax_error_at_its_line(lint_text):
    f = lint_text("version: 2\ninteractions:\n- id: 0\n request:\n  url: x\n")
    assert at(f, "Y001") == [(4, 2)]


def test_duplicate_key_reports_the_second_key(lint_text):
    bad = CASSETTE.replace("    method: GET\n", "    method: GET\n    method: POST\n")
    f = lint_text(bad)
    assert at(f, "Y002") == [(10, 5)]
    assert "'method'" in f[0].message


def test_empty_file(lint_text):
    assert at(lint_text(""), "Y003") == [(1, 1)]


def test_file_of_only_comments_is_empty(lint_text):
    assert codes(lint_text("# nothing here\n---\n")) == ["Y003"]


def test_several_documents_reported_at_the_second(lint_text):
    f = lint_text(CASSETTE + "---\nversion: 2\n")
    assert at(f, "Y004") == [(17, 1)]  # where the second document's content starts


def test_top_level_list_is_not_a_mapping(lint_text):
    assert at(lint_text("- a\n- b\n"), "Y005") == [(1, 1)]


def test_invalid_utf8_names_line_and_byte(lint_text):
    data = CASSETTE.encode().replace(b"body: ok", b"body: o\xe9")
    f = lint_text(data)
    assert at(f, "Y006") == [(12, 12)]
    assert "e9" in f[0].message


def test_utf8_bom_is_accepted(lint_text):
    assert lint_text(b"\xef\xbb\xbf" + CASSETTE.encode()) == []


def test_utf16_with_bom_is_read(lint_text):
    assert lint_text(CASSETTE.encode("utf-16")) == []


def test_binary_body_is_decoded_not_reported(lint_text):
    payload = base64.b64encode(b"\x00\x01\xff\xfe").decode()
    text = CASSETTE.replace("content_length: 2\n    body: ok", f"content_length: 4\n    body: !!binary {payload}")
    assert lint_text(text) == []


def test_invalid_base64_in_binary_body(lint_text):
    text = CASSETTE.replace("body: ok", "body: !!binary AAA$$$")
    assert at(lint_text(text), "Y007") == [(12, 11)]


def test_python_tag_is_reported_and_never_constructed(lint_text, tmp_path):
    marker = tmp_path / "pwned"
    text = CASSETTE.replace("body: ok", f"body: !!python/object/apply:os.system ['touch {marker}']")
    f = lint_text(text)
    assert "Y008" in codes(f)
    assert not marker.exists()


def test_alias_bomb_is_refused_quickly(lint_text):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    f = lint_text("\n".join(lines) + "\n")
    assert at(f, "Y009")


def test_plain_scalars_resolve_like_yaml_12(lint_text):
    # quoted "200" is a string: the schema reports it, which proves plain 200 resolved to an int
    f = lint_text(CASSETTE.replace("code: 200", 'code: "200"'))
    assert at(f, "S001") == [(14, 11)]


def test_non_cassette_yaml_named_explicitly_is_a_warning(lint_text):
    f = lint_text("name: my-app\nversion: 3\n")
    assert codes(f) == ["Y011"]
    assert f[0].severity.value == "warning"


def test_non_cassette_yaml_in_a_walked_directory_is_skipped(tmp_path):
    from cassette_lint import run
    from cassette_lint.options import Options

    (tmp_path / "config.yaml").write_text("name: my-app\n")
    (tmp_path / "c.yaml").write_text(CASSETTE)
    result = run.run([str(tmp_path)], Options())
    assert result.findings == []
    assert [r.skipped for r in result.files] == [None, "not-a-cassette"]


def test_directory_walk_skips_git_and_virtualenvs(tmp_path):
    from cassette_lint import discovery

    for d in (".git", "node_modules", "venv", "myenv"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "c.yaml").write_text(CASSETTE)
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "c.yml").write_text(CASSETTE)
    found = [t.path for t in discovery.discover([str(tmp_path)])]
    assert found == [str(tmp_path / "keep" / "c.yml")]


def test_unreadable_directory_met_while_walking_is_reported_not_skipped(tmp_path, monkeypatch):
    import os

    from cassette_lint import run
    from cassette_lint.options import Options

    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "c.yaml").write_text(CASSETTE)
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path="."):  # tests run as root, where chmod 000 does not lock a directory
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run.run([str(tmp_path)], Options())
    assert [(os.path.basename(r.path), [f.rule for f in r.findings]) for r in result.files] == [
        ("c.yaml", []), ("locked", ["Y012"])]
    assert result.files[1].findings[0].message == "cannot list directory: Permission denied"
