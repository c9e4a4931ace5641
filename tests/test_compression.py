"""Compressed cassettes: ``*.yaml.gz`` (LangChain's kit, gzip persisters) found, decompressed in
memory, checked as the text inside, bounded, and fixed in place with the gzip header kept."""

from __future__ import annotations

import gzip
import io
import os
import pathlib
import re
import zlib

import pytest
from click.testing import CliRunner

from cassette_lint import compression, discovery
from cassette_lint.cli import main
from conftest import CORPUS, ROOT, at, codes, lint_file, needs_shared

from test_fix import BROKEN  # a go-vcr cassette whose request content_length (99) is wrong (L001)


def gz(data: bytes, name: str = "cassette.yaml", mtime: int = 1_600_000_000) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mtime=mtime, fileobj=buf, mode="wb") as f:
        f.write(data)
    return buf.getvalue()


def write_gz(path: pathlib.Path, text: str, **kw) -> pathlib.Path:
    path.write_bytes(gz(text.encode("utf-8"), **kw))
    return path


# -- found ------------------------------------------------------------------------------------------

def test_the_walk_finds_gzipd_cassettes_of_every_walked_suffix(tmp_path):
    for name in ("a.yaml.gz", "b.yml.gz", "c.json.gz", "d.yaml", "e.tar.gz", "f.gz", "g.txt.gz"):
        (tmp_path / name).write_bytes(b"")
    found = sorted(os.path.basename(t.path) for t in discovery.discover([str(tmp_path)]))
    assert found == ["a.yaml.gz", "b.yml.gz", "c.json.gz", "d.yaml"]


def test_the_pre_commit_hooks_pass_gzipd_cassettes_and_nothing_else_gzipd():
    yaml = pytest.importorskip("yaml")  # PyYAML: a test dependency (vcrpy's)
    identify = pytest.importorskip("identify.identify")  # pre-commit's own file classifier

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))

    def passes(hook, name):
        tags = identify.tags_from_filename(name)
        types_or = hook.get("types_or")
        types = hook.get("types", [])
        return (re.search(hook["files"], name) is not None and all(t in tags for t in types)
                and (not types_or or any(t in tags for t in types_or)))

    for hook in hooks:
        assert passes(hook, "tests/cassettes/test_chat.yaml.gz")
        assert passes(hook, "tests/cassettes/sub/test_chat.yml.gz")
        assert passes(hook, "tests/cassettes/test_chat.json.gz")
        assert passes(hook, "tests/cassettes/test_chat.yaml")
        assert not passes(hook, "tests/cassettes/archive.tar.gz")
        assert not passes(hook, "tests/cassettes/notes.txt")
        assert not passes(hook, "src/app/config.yaml.gz")


# -- checked like the plain file --------------------------------------------------------------------

def test_a_gzipd_cassette_gets_the_findings_of_its_text_at_lines_of_the_text(tmp_path):
    plain = tmp_path / "c.yaml"
    plain.write_text(BROKEN, "utf-8")
    packed = write_gz(tmp_path / "c.yaml.gz", BROKEN)
    want = lint_file(plain)
    got = lint_file(packed)
    assert "L001" in codes(got)
    assert [(f.rule, f.line, f.column, f.message) for f in got] == \
        [(f.rule, f.line, f.column, f.message) for f in want]
    assert {f.path for f in got} == {str(packed)}


def test_a_gzipd_file_named_yaml_is_read_by_its_magic_bytes(tmp_path):
    """LangChain's kit writes gzip to whatever path vcrpy gives it (``VCR.ensure_suffix(".yaml")``)."""
    p = write_gz(tmp_path / "c.yaml", BROKEN)
    found = lint_file(p)
    assert "Y006" not in codes(found) and "L001" in codes(found)


def test_corpus_gzipd_copies_yield_exactly_the_findings_of_the_plain_files(tmp_path):
    folder = needs_shared("corpus/vcrpy-llm")
    files = sorted(folder.glob("*.yaml"))
    assert files
    for src in files:
        packed = tmp_path / (src.name + ".gz")
        packed.write_bytes(gz(src.read_bytes(), name=src.name))
        want = [(f.rule, f.line, f.column, f.end_line, f.end_column, f.message, f.severity)
                for f in lint_file(src)]
        got = [(f.rule, f.line, f.column, f.end_line, f.end_column, f.message, f.severity)
               for f in lint_file(packed)]
        assert got == want, src.name


# -- bounded, and damaged streams -------------------------------------------------------------------

def test_a_decompression_bomb_is_reported_without_being_expanded(tmp_path):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"a: " + b"x" * (1 << 20) + b"\n"
    data = b"".join(c.compress(block) for _ in range(64)) + c.flush()  # 64 MB of text in ~64 KB
    p = tmp_path / "bomb.yaml.gz"
    p.write_bytes(data)
    assert len(data) < 1 << 20
    found = lint_file(p, max_file_size=1 << 20)
    assert codes(found) == ["Y013"] and at(found, "Y013") == [(1, 1)]
    assert "expands to more than --max-file-size 1,048,576 bytes" in found[0].message


def test_the_decompressor_never_holds_more_than_the_limit():
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = c.compress(b"\0" * (50 << 20)) + c.flush()
    seen = []
    real = zlib.decompressobj

    class Spy:
        def __init__(self, *a):
            self.d = real(*a)

        def decompress(self, chunk, max_length):
            seen.append(max_length)
            return self.d.decompress(chunk, max_length)

        def __getattr__(self, name):
            return getattr(self.d, name)

    zlib.decompressobj = Spy
    try:
        out, problem, code = compression.decompress(data, 100_000)
    finally:
        zlib.decompressobj = real
    assert out is None and code == "Y013"
    assert seen and max(seen) <= 100_001


@pytest.mark.parametrize("damage, words", [
    (lambda d: d[: len(d) // 2], "truncated"),
    (lambda d: d[:-4], "truncated"),
    (lambda d: d[:12] + bytes(b ^ 0x55 for b in d[12:40]) + d[40:], "corrupt"),
    (lambda d: d[:-8] + b"\0\0\0\0" + d[-4:], "CRC check failed"),
    (lambda d: b"\x1f\x8b\x09" + d[3:], "compression method 9"),
])
def test_a_damaged_gzip_stream_is_a_finding_at_1_1_naming_the_problem(tmp_path, damage, words):
    p = tmp_path / "c.yaml.gz"
    p.write_bytes(damage(gz(BROKEN.encode() * 20)))
    found = lint_file(p)
    assert codes(found) == ["Y017"] and at(found, "Y017") == [(1, 1)]
    assert words in found[0].message


def test_a_gz_name_without_gzip_bytes_is_read_as_plain_text(tmp_path):
    p = tmp_path / "c.yaml.gz"
    p.write_text(BROKEN, "utf-8")
    assert "L001" in codes(lint_file(p))


# -- --fix and --diff -------------------------------------------------------------------------------

def test_fix_on_a_gzipd_cassette_writes_it_back_gzipd_with_name_and_mtime_kept(tmp_path):
    p = write_gz(tmp_path / "c.yaml.gz", BROKEN, name="recorded.yaml", mtime=1_234_567_890)
    os.chmod(p, 0o640)
    r = CliRunner().invoke(main, ["check", "--isolated", "--fix", "--select", "L001", str(p)])
    assert r.exit_code == 0, r.output
    raw = p.read_bytes()
    hdr = compression.parse_header(raw)
    assert (hdr.name, hdr.mtime) == (b"recorded.yaml", 1_234_567_890)
    text = gzip.decompress(raw).decode()
    assert text == BROKEN.replace("content_length: 99", "content_length: 12")
    assert oct(os.stat(p).st_mode & 0o777) == "0o640"
    assert "L001" not in codes(lint_file(p))
    again = CliRunner().invoke(main, ["check", "--isolated", "--fix", "--select", "L001", str(p)])
    assert again.exit_code == 0 and p.read_bytes() == raw  # a second --fix is a no-op


def test_diff_on_a_gzipd_cassette_shows_the_decompressed_text_and_writes_nothing(tmp_path):
    p = write_gz(tmp_path / "c.yaml.gz", BROKEN)
    before = p.read_bytes()
    r = CliRunner().invoke(main, ["check", "--isolated", "--diff", "--select", "L001", str(p)])
    assert "-        content_length: 99\n+        content_length: 12\n" in r.output
    assert p.read_bytes() == before


def test_suppression_comments_inside_a_gzipd_cassette_are_honoured(tmp_path):
    text = BROKEN.replace("content_length: 99", "content_length: 99  # cassette-lint: disable=L001")
    p = write_gz(tmp_path / "c.yaml.gz", text)
    r = CliRunner().invoke(main, ["check", "--isolated", "--select", "L001", str(p)])
    assert r.exit_code == 0, r.output


def test_any_bytes_after_the_gzip_magic_are_read_or_reported_never_raised():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    valid = gz(BROKEN.encode())

    @hypothesis.settings(max_examples=300, deadline=None)
    @hypothesis.given(st.binary(max_size=200), st.integers(0, len(valid) - 1), st.integers(0, 255))
    def check(tail, i, byte):
        for data in (b"\x1f\x8b" + tail, valid[:i] + bytes([byte]) + valid[i + 1:], valid[:i]):
            out, problem, code = compression.decompress(data, 100_000)
            assert (out is None) == (problem is not None) and code in (None, "Y013", "Y017")
            if out is not None:
                assert len(out) <= 100_000

    check()
