"""Start-up: what a run imports decides much of a re-run's time (a warm run of the corpus is ~45 ms,
~10 of them the interpreter's own); these keep the costly modules off the paths that need none."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import textwrap

import pytest

from cassette_lint import rules

CASSETTE = textwrap.dedent("""\
    version: 2
    interactions:
    - request: {method: GET, url: 'https://api.example.com/', headers: {}, body: ''}
      response: {code: 200, status: 200 OK, headers: {}, body: ok, content_length: 2}
    """)


@pytest.mark.parametrize("doc", [
    "", "one line", "  first\n    second\n      third\n", "\n\n  a\n\n  b\n\n", "a\n\tb\n\t c", "x\n   \n  y\n",
    "first\n  \n", "   \n   \n",
])
def test_cleandoc_is_inspect_s(doc):
    assert rules.cleandoc(doc) == inspect.cleandoc(doc)


def test_every_rule_s_documentation_is_what_inspect_would_make_of_it():
    for r in rules.all_rules():
        if r.check is not None:
            assert r.doc == inspect.cleandoc(r.check.__doc__), r.code


def modules_after(args, cwd, env=None) -> set[str]:
    """The modules the console script run with ``args`` imports (read as it leaves; not those the
    interpreter had before it started: an editable install's import hook brings its own)."""
    code = ("import os, sys\n"
            "before = set(sys.modules)\n"
            f"sys.argv = ['cassette-lint', *{list(args)!r}]\n"
            "real = os._exit\n"
            "def leave(c):\n"
            "    print('MODULES=' + ' '.join(sorted(set(sys.modules) - before)), flush=True)\n"
            "    real(c)\n"
            "os._exit = leave\n"
            "from cassette_lint.console import entry\n"
            "entry()\n")
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=e)
    line = [ln for ln in r.stdout.splitlines() if ln.startswith("MODULES=")][-1]
    return set(line[len("MODULES="):].split())


def test_a_warm_run_imports_no_typing_copy_hashlib_nor_loader(tmp_path):
    (tmp_path / "c.yaml").write_text(CASSETTE, "utf-8")
    os.utime(tmp_path / "c.yaml", (1_600_000_000, 1_600_000_000))
    env = {"CASSETTE_LINT_CACHE_DIR": str(tmp_path / "cache")}
    cold = modules_after(["check", "c.yaml"], tmp_path, env)
    assert "cassette_lint.loader" in cold and "inspect" not in cold  # (rule docs cleaned without it)
    warm = modules_after(["check", "c.yaml"], tmp_path, env)
    assert not {"typing", "copy", "hashlib", "_hashlib", "cassette_lint.loader", "cassette_lint.scheduler",
                "click", "tomllib"} & warm, warm


def test_the_content_hash_is_sha256_whichever_implementation_computes_it(monkeypatch):
    import hashlib

    from cassette_lint import reader

    monkeypatch.setattr(reader, "_fast", None)
    monkeypatch.setattr(reader, "_hashed", 0)
    small = [b"", b"abc", bytes(range(256)) * 100]
    assert [reader.content_hash(d) for d in small] == [hashlib.sha256(d).digest()[:16] for d in small]
    assert reader._fast is None  # (Python's own, for a few bytes)
    big = b"y" * (reader.FAST_AFTER + 1)
    assert reader.content_hash(big) == hashlib.sha256(big).digest()[:16]
    assert reader._fast is not None  # (OpenSSL's, once a few MB were hashed)
    assert [reader.content_hash(d) for d in small] == [hashlib.sha256(d).digest()[:16] for d in small]


def test_a_re_run_with_one_file_changed_imports_neither_hashlib_nor_inspect(tmp_path):
    for i in range(3):
        (tmp_path / f"c{i}.yaml").write_text(CASSETTE, "utf-8")
        os.utime(tmp_path / f"c{i}.yaml", (1_600_000_000, 1_600_000_000))
    env = {"CASSETTE_LINT_CACHE_DIR": str(tmp_path / "cache")}
    modules_after(["check", "."], tmp_path, env)
    with open(tmp_path / "c1.yaml", "a", encoding="utf-8") as fh:
        fh.write("# changed\n")
    again = modules_after(["check", "."], tmp_path, env)
    assert "cassette_lint.loader" in again  # (it was checked)
    assert not {"hashlib", "_hashlib", "inspect"} & again, {"hashlib", "_hashlib", "inspect"} & again


def test_a_file_named_by_two_overlapping_paths_is_checked_once(tmp_path, monkeypatch):
    # (paths walked below a root already written as normpath writes it are not normalised again)
    from cassette_lint import discovery

    (tmp_path / "a" / "b").mkdir(parents=True)
    for p in ("a/x.yaml", "a/b/y.yaml"):
        (tmp_path / p).write_text(CASSETTE, "utf-8")
    monkeypatch.chdir(tmp_path)
    for paths in ([".", "a"], ["a", "./a/", "a/b", "a/b/y.yaml"], ["a/b/../b", "a"]):
        found = discovery.discover(paths)
        assert len(found) == len({os.path.realpath(t.path) for t in found}) == 2, (paths, found)
