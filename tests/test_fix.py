"""--fix / --diff: byte-range edits on the original bytes, atomic writes, re-check, idempotence.

Until the content_length rules exist these tests use a fixture rule (``Z901``) that recomputes a
request's ``content_length`` from its body, the way the real rule's fix does.
"""

from __future__ import annotations

import os
import shutil
import stat

import pytest
from click.testing import CliRunner

from cassette_lint import fixer, rules
from cassette_lint.cli import main
from cassette_lint.findings import ERROR, Edit, Fix, Problem
from conftest import lint_file, needs_shared


def _fixture_rule(cassette):
    """Request content_length differs from the body: fixture for the fixer tests.

    Why: test only. Fix: recompute it.
    """
    for it in cassette.http:
        cl, body = it.request.content_length, it.request.body
        if cl is None or body is None or not isinstance(cl.value, int) or cl.value <= 0:
            continue
        n = len(body.data)
        if cl.value != n:
            a, b = cassette.doc.byte_range(cl.path)
            yield Problem(cl.pos, f"content_length {cl.value} but body is {n} bytes", interaction=it.index,
                          value=str(cl.value), fix=Fix("recompute content_length", (Edit(a, b, str(n).encode()),)))


@pytest.fixture
def z901(monkeypatch):
    rules.load_all()
    r = rules.Rule("Z901", "fixture-content-length", ERROR, _fixture_rule.__doc__, "fixture",
                   check=_fixture_rule, fixable=True)
    monkeypatch.setitem(rules._REGISTRY, "Z901", r)
    return r


BROKEN = """\
version: 2
interactions:
  - id: 0
    request:
        proto: HTTP/1.1
        content_length: 99
        host: "ñandú.example"
        body: '{"q":"olá"}'
        headers:
            Content-Type:
              - application/json
        url: https://api.example.com/v1
        method: POST
    response:
        content_length: -1
        body: '{"ok":true}'
        headers: {}
        status: 200 OK
        code: 200
        duration: 1.5s
"""


# -- applying edits --------------------------------------------------------------------------------

def test_edits_are_applied_in_byte_order_and_nothing_else_changes():
    data = b"0123456789"
    fixes = [Fix("b", (Edit(6, 8, b"XYZ"),)), Fix("a", (Edit(1, 2, b""),))]
    new, applied = fixer.apply_fixes(data, fixes)
    assert new == b"02345XYZ89"
    assert len(applied) == 2


def test_an_overlapping_fix_is_left_out_and_the_first_one_wins():
    data = b"0123456789"
    new, applied = fixer.apply_fixes(data, [Fix("a", (Edit(2, 5, b"-"),)), Fix("b", (Edit(4, 6, b"+"),))])
    assert new == b"01-56789"
    assert [f.description for f in applied] == ["a"]


def test_the_same_fix_proposed_twice_is_applied_once():
    data = b"abc"
    fx = Fix("x", (Edit(1, 2, b"B"),))
    new, applied = fixer.apply_fixes(data, [fx, Fix("x", (Edit(1, 2, b"B"),))])
    assert new == b"aBc" and len(applied) == 1


def test_an_edit_outside_the_file_is_refused():
    with pytest.raises(fixer.FixError):
        fixer.apply_fixes(b"abc", [Fix("x", (Edit(2, 9, b""),))])


# -- the CLI ---------------------------------------------------------------------------------------

def test_fix_recomputes_the_value_in_place_with_non_ascii_before_it(z901, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "c.yaml"
    p.write_text(BROKEN, "utf-8")
    os.chmod(p, 0o640)
    assert [(f.rule, f.line) for f in lint_file(p) if f.rule == "Z901"] == [("Z901", 6)]
    res = CliRunner().invoke(main, ["check", "--select", "Z901", "--fix", "c.yaml"])
    assert res.exit_code == 0, res.output
    assert "Fixed 1 finding in 1 file." in res.output
    # the body '{"q":"olá"}' is 12 bytes (á is two); nothing else in the file changed
    assert p.read_bytes() == BROKEN.replace("content_length: 99", "content_length: 12").encode("utf-8")
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o640
    assert [f for f in lint_file(p) if f.rule == "Z901"] == []
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_second_fix_is_a_no_op_and_files_without_fixes_are_not_touched(z901, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text(BROKEN, "utf-8")
    clean = tmp_path / "clean.yaml"
    clean.write_text(BROKEN.replace("content_length: 99", "content_length: 12"), "utf-8")
    before = os.stat(clean)
    assert CliRunner().invoke(main, ["check", "--select", "Z901", "--fix", "."]).exit_code == 0
    after_first = (tmp_path / "bad.yaml").read_bytes()
    st = os.stat(tmp_path / "bad.yaml")
    res = CliRunner().invoke(main, ["check", "--select", "Z901", "--fix", "."])
    assert res.exit_code == 0 and "Fixed" not in res.output
    assert (tmp_path / "bad.yaml").read_bytes() == after_first
    assert os.stat(tmp_path / "bad.yaml").st_ino == st.st_ino  # not rewritten
    assert (os.stat(clean).st_ino, os.stat(clean).st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_exit_status_after_fix_reflects_what_remains(z901, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # an unknown key (S002, not fixable) stays after the fix
    (tmp_path / "c.yaml").write_text(BROKEN.replace("        host:", "        hots:"), "utf-8")
    res = CliRunner().invoke(main, ["check", "--select", "Z901,S", "--fix", "c.yaml"])
    assert res.exit_code == 1
    assert "Z901" not in res.output and "S002" in res.output


def test_diff_prints_a_unified_diff_and_writes_nothing(z901, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "c.yaml"
    p.write_text(BROKEN, "utf-8")
    res = CliRunner().invoke(main, ["check", "--select", "Z901", "--diff", "c.yaml"])
    assert res.exit_code == 1
    assert "--- a/c.yaml\n+++ b/c.yaml\n" in res.output
    assert "-        content_length: 99\n+        content_length: 12\n" in res.output
    assert p.read_text("utf-8") == BROKEN


def test_fix_never_writes_through_a_symlink_out_of_the_tree(z901, tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    tree = tmp_path / "tree"
    outside.mkdir()
    tree.mkdir()
    target = outside / "c.yaml"
    target.write_text(BROKEN, "utf-8")
    (tree / "link.yaml").symlink_to(target)
    monkeypatch.chdir(tree)
    res = CliRunner().invoke(main, ["check", "--select", "Z901", "--fix", "."])
    assert res.exit_code == 1
    assert "outside the checked tree" in res.output
    assert target.read_text("utf-8") == BROKEN
    assert (tree / "link.yaml").is_symlink()


def test_fix_through_a_symlink_inside_the_tree_keeps_the_link(z901, tmp_path, monkeypatch):
    (tmp_path / "real.yml").write_text(BROKEN, "utf-8")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yml")
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["check", "--select", "Z901", "--fix", "link.yaml"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "link.yaml").is_symlink()
    assert b"content_length: 12" in (tmp_path / "real.yml").read_bytes()


# -- byte-exactness on real corpus files -----------------------------------------------------------

def assert_outside_unchanged(before: bytes, after: bytes, edits) -> None:
    """Every byte of ``before`` outside the edits is at its shifted place in ``after``."""
    pos = out = 0
    for e in sorted(edits, key=lambda e: e.start):
        seg = before[pos:e.start]
        assert after[out:out + len(seg)] == seg
        out += len(seg)
        assert after[out:out + len(e.replacement)] == e.replacement
        out += len(e.replacement)
        pos = e.end
    assert after[out:] == before[pos:]


def _pick_corpus_files(root, n=5):
    out = []
    for dirpath, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            p = os.path.join(dirpath, name)
            if name.endswith(".yaml") and b"content_length: " in open(p, "rb").read():
                out.append(p)
    # spread over the corpus (different providers)
    return out[:: max(1, len(out) // n)][:n]


def test_fixes_on_corpus_files_change_only_the_edited_bytes(z901, tmp_path, monkeypatch):
    corpus = needs_shared("corpus/fantasy")
    monkeypatch.chdir(tmp_path)
    checked = 0
    for src in _pick_corpus_files(corpus):
        p = tmp_path / os.path.basename(src)
        shutil.copyfile(src, p)  # only ever into tmp_path, at test time
        original = p.read_bytes()
        if any(f.rule == "Z901" for f in lint_file(p)):
            continue  # the fixture rule must be silent on the file as recorded
        # perturb every positive request content_length by one digit
        from cassette_lint import formats, loader

        doc = loader.load(str(p), original).document
        cas = formats.detect(doc.data).build(doc, str(p))
        edits = []
        for it in cas.http:
            cl = it.request.content_length
            if cl is not None and isinstance(cl.value, int) and cl.value > 0 and it.request.body is not None:
                a, b = doc.byte_range(cl.path)
                edits.append(Edit(a, b, str(cl.value + 7).encode()))
        if not edits:
            continue
        broken = fixer.apply_edits(original, edits)
        p.write_bytes(broken)
        assert len([f for f in lint_file(p) if f.rule == "Z901"]) == len(edits)
        findings = [f for f in lint_file(p) if f.rule == "Z901"]
        fixed, _ = fixer.apply_fixes(broken, [f.fix for f in findings])
        assert_outside_unchanged(broken, fixed, [e for f in findings for e in f.fix.edits])
        assert fixed == original  # the fix restores the recorded file byte for byte
        res = CliRunner().invoke(main, ["check", "--select", "Z901", "--fix", p.name])
        assert res.exit_code == 0, res.output
        assert p.read_bytes() == original
        res = CliRunner().invoke(main, ["check", "--select", "Z901", "--fix", p.name])
        assert "Fixed" not in res.output and p.read_bytes() == original
        checked += 1
    assert checked >= 2


def test_content_length_fixes_end_to_end_on_corpus_files(tmp_path, monkeypatch):
    """L001/L002 (the real rules): break every content_length of a recorded file, --fix restores it."""
    corpus = needs_shared("corpus/fantasy")
    if rules.get("L001") is None or not rules.get("L001").fixable:
        pytest.skip("the content_length rules are not installed")
    from cassette_lint import formats, loader

    monkeypatch.chdir(tmp_path)
    done = 0
    for src in _pick_corpus_files(corpus, 8):
        p = tmp_path / os.path.basename(src)
        shutil.copyfile(src, p)  # only ever into tmp_path, at test time
        original = p.read_bytes()
        if any(f.rule.startswith("L") for f in lint_file(p)):
            continue
        doc = loader.load(str(p), original).document
        cas = formats.detect(doc.data).build(doc, str(p))
        edits = []
        for it in cas.http:
            for msg in (it.request, it.response):
                cl = msg.content_length
                if cl is not None and isinstance(cl.value, int) and cl.value > 0:
                    a, b = doc.byte_range(cl.path)
                    edits.append(Edit(a, b, str(cl.value * 10 + 3).encode()))
        if not edits:
            continue
        p.write_bytes(fixer.apply_edits(original, edits))
        found = [f for f in lint_file(p) if f.rule in ("L001", "L002")]
        assert len(found) == len(edits) and all(f.fix is not None for f in found)
        res = CliRunner().invoke(main, ["check", "--select", "L", "--fix", p.name])
        assert res.exit_code == 0, res.output
        assert p.read_bytes() == original  # byte for byte: only the numbers changed back
        st = os.stat(p)
        res = CliRunner().invoke(main, ["check", "--select", "L", "--fix", p.name])
        assert res.exit_code == 0 and "Fixed" not in res.output
        assert os.stat(p).st_ino == st.st_ino
        done += 1
    assert done >= 2
