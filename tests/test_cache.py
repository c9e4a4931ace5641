"""The results cache: a re-run reuses each unchanged file's result, and never a stale one."""

from __future__ import annotations

import marshal
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import pytest

import cassette_lint
from cassette_lint import cache, command, discovery, pipeline
from cassette_lint.options import Options

from conftest import FIXTURES, ROOT

# a go-vcr v2 cassette with a finding (L002: content_length 5 but the body is 2 bytes)
CASSETTE = textwrap.dedent("""\
    ---
    version: 2
    interactions:
    - id: 0
      request:
        proto: HTTP/1.1
        proto_major: 1
        proto_minor: 1
        content_length: 0
        host: api.example.com
        body: ""
        form: {}
        headers: {}
        url: https://api.example.com/v1/x
        method: GET
      response:
        proto: HTTP/1.1
        proto_major: 1
        proto_minor: 1
        content_length: 5
        body: '{}'
        headers: {}
        status: 200 OK
        code: 200
        duration: 1ms
    """)


def cli(*args, cwd, cache_dir=None, env=None):
    e = dict(os.environ)
    if cache_dir is not None:
        e[cache.ENV] = str(cache_dir)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "cassette_lint", *args], capture_output=True, text=True,
                          cwd=cwd, env=e)


def project(tmp_path, files=3):
    """A project (a git work tree) with a few cassettes; its cache goes in its root."""
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    (root / "cassettes").mkdir()
    for i in range(files):
        (root / "cassettes" / f"c{i}.yaml").write_text(CASSETTE.replace("x\n", f"x{i}\n"), "utf-8")
    old = 1_600_000_000  # long ago: their size and times are trusted without reading them
    for p in (root / "cassettes").iterdir():
        os.utime(p, (old, old))
    return root


def entries(cache_dir) -> dict:
    c = cache.Cache(str(cache_dir))
    assert not c._dirty, "the cache on disk is not readable"
    return c.entries


def warm_imports_loader(cwd, *args, cache_dir=None) -> bool:
    """Whether a run imported the YAML loader or a rule family: a run whose every result came from
    the cache does neither."""
    code = ("import os, sys\n"
            f"sys.argv = ['cassette-lint', 'check', *{list(args)!r}]\n"
            "real = os._exit\n"
            "def leave(c):\n"
            "    heavy = [m for m in sys.modules if m in ('cassette_lint.loader', 'ruamel.yaml')\n"
            "             or m.startswith('cassette_lint.rules.')]\n"
            "    print('LOADER=' + str(bool(heavy)), flush=True)\n"
            "    real(c)\n"
            "os._exit = leave\n"
            "from cassette_lint.console import entry\n"
            "entry()\n")
    e = dict(os.environ)
    if cache_dir is not None:
        e[cache.ENV] = str(cache_dir)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=e)
    return r.stdout.strip().splitlines()[-1] == "LOADER=True"


# -- where it lives, and that it is used ---------------------------------------------------------------

def test_the_cache_lives_in_the_project_root_with_a_gitignore_and_a_cachedir_tag(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.ENV)
    root = project(tmp_path)
    r = cli("check", "cassettes", cwd=root / "cassettes" / "..")
    assert "L002" in r.stdout, r.stdout + r.stderr
    d = root / ".cassette-lint-cache"
    assert (d / "results.bin").is_file()
    assert (d / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (d / "CACHEDIR.TAG").read_bytes().startswith(b"Signature: 8a477f597d28d172789f06886806bc55")
    # from a subdirectory too: the root is the git work tree's
    cli("check", ".", cwd=root / "cassettes")
    assert not (root / "cassettes" / ".cassette-lint-cache").exists()


def test_cache_dir_option_and_environment_variable_choose_the_directory(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.ENV)
    root = project(tmp_path)
    cli("check", "--cache-dir", str(tmp_path / "opt"), "cassettes", cwd=root)
    assert (tmp_path / "opt" / "results.bin").is_file()
    cli("check", "cassettes", cwd=root, cache_dir=tmp_path / "env")
    assert (tmp_path / "env" / "results.bin").is_file()
    assert not (root / ".cassette-lint-cache").exists()


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_output_is_byte_identical_cold_warm_and_without_cache(tmp_path, fmt):
    folders = [str(FIXTURES / "golden"), str(FIXTURES / "seeds")]
    cd = tmp_path / "c"
    plain = cli("check", "--no-cache", "--format", fmt, *folders, cwd=ROOT)
    cold = cli("check", "--format", fmt, *folders, cwd=ROOT, cache_dir=cd)
    warm = cli("check", "--format", fmt, *folders, cwd=ROOT, cache_dir=cd)
    assert plain.stdout and plain.returncode == 1
    assert cold.stdout == plain.stdout == warm.stdout
    assert cold.returncode == warm.returncode == plain.returncode
    assert cold.stderr == warm.stderr == plain.stderr


def test_a_warm_run_reuses_every_result_without_loading_a_file(tmp_path):
    root = project(tmp_path)
    cd = tmp_path / "c"
    assert warm_imports_loader(root, "cassettes", cache_dir=cd)  # cold: checked
    assert not warm_imports_loader(root, "cassettes", cache_dir=cd)  # warm: all from the cache
    assert not warm_imports_loader(root, "-j2", "cassettes", cache_dir=cd)  # (jobs are no key)


def test_results_are_cached_before_per_file_ignores_and_inline_suppressions(tmp_path):
    root = project(tmp_path, files=1)
    cd = tmp_path / "c"
    assert "L002" in cli("check", "cassettes", cwd=root, cache_dir=cd).stdout
    (root / ".cassette-lint.toml").write_text('[per-file-ignores]\n"cassettes/*" = ["L002"]\n', "utf-8")
    r = cli("check", "cassettes", cwd=root, cache_dir=cd)
    assert "L002" not in r.stdout and r.returncode == 0, r.stdout + r.stderr
    (root / ".cassette-lint.toml").unlink()
    assert "L002" in cli("check", "cassettes", cwd=root, cache_dir=cd).stdout


# -- what invalidates a result ---------------------------------------------------------------------------

def test_a_changed_byte_invalidates_even_with_the_same_size_and_modification_time(tmp_path):
    root = project(tmp_path, files=1)
    cd = tmp_path / "c"
    f = root / "cassettes" / "c0.yaml"
    assert "content_length 5 but" in cli("check", "cassettes", cwd=root, cache_dir=cd).stdout
    st = f.stat()
    f.write_bytes(f.read_bytes().replace(b"content_length: 5", b"content_length: 2"))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns
    r = cli("check", "cassettes", cwd=root, cache_dir=cd)
    assert r.returncode == 0 and "L002" not in r.stdout, r.stdout


def test_a_file_changed_right_after_it_was_checked_is_checked_again(tmp_path):
    root = project(tmp_path, files=1)
    cd = tmp_path / "c"
    f = root / "cassettes" / "c0.yaml"
    f.touch()  # modified "now": within the timestamp's granularity, its stat proves nothing
    assert "L002" in cli("check", "cassettes", cwd=root, cache_dir=cd).stdout
    f.write_bytes(f.read_bytes().replace(b"content_length: 5", b"content_length: 2"))
    assert "L002" not in cli("check", "cassettes", cwd=root, cache_dir=cd).stdout


def test_a_changed_configuration_value_invalidates(tmp_path):
    root = project(tmp_path, files=1)
    cd = tmp_path / "c"
    default = cli("check", "cassettes", cwd=root, cache_dir=cd).stdout
    other = "error" if "L002 [warning]" in default else "warning"
    (root / ".cassette-lint.toml").write_text(f'[severity]\nL002 = "{other}"\n', "utf-8")
    assert f"L002 [{other}]" in cli("check", "cassettes", cwd=root, cache_dir=cd).stdout
    assert "L002" not in cli("check", "--ignore", "L", "cassettes", cwd=root, cache_dir=cd).stdout
    assert "Y013" in cli("check", "--max-file-size", "10", "cassettes", cwd=root, cache_dir=cd).stdout


def test_every_option_a_result_depends_on_is_in_its_key():
    base = cache.options_key(Options())
    variants = [Options(select=("L",)), Options(ignore=("K",)), Options(severity={"L002": "warning"}),
                Options(max_file_size=10), Options(cassette_format="vcrpy"),
                Options(settings={"secrets": {"allowlist": ["x"]}})]
    keys = {cache.options_key(o) for o in variants}
    assert base not in keys and len(keys) == len(variants)
    assert cache.options_key(Options(record_source=True)) == base  # what the cache asks for is no key
    assert cache.options_key(Options(settings={"a": {"x": 1, "y": 2}})) == \
        cache.options_key(Options(settings={"a": {"y": 2, "x": 1}}))


def _check_in_process(paths, cache_dir, capsys) -> tuple[str, str]:
    with pytest.raises(SystemExit):
        command.check(**{**command.DEFAULTS, "paths": tuple(paths), "cache_dir": str(cache_dir), "jobs": 1})
    out = capsys.readouterr()
    return out.out, out.err


def test_another_version_of_the_tool_invalidates_with_a_note(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, files=1)
    monkeypatch.chdir(root)
    cd = tmp_path / "c"
    monkeypatch.setattr(cache, "_TOOL_KEY", "0.0.1 old")
    first, _ = _check_in_process(["cassettes"], cd, capsys)
    assert "L002" in first
    monkeypatch.setattr(cache, "_TOOL_KEY", None)  # this version, its sources hashed
    out, err = _check_in_process(["cassettes"], cd, capsys)
    assert out == first
    assert "written by another cassette-lint (0.0.1 old)" in err
    assert cache.Cache(str(cd)).entries  # rewritten by this version
    assert cache.tool_key().startswith(cassette_lint.__version__ + " ")


def test_an_edit_to_the_package_s_sources_or_schemas_is_another_tool(tmp_path, monkeypatch):
    pkg = tmp_path / "lint" / "cassette_lint"
    shutil.copytree(pathlib.Path(cache.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    monkeypatch.setattr(cache, "__file__", str(pkg / "cache.py"))
    keys = []
    for edit in (None, pkg / "rules" / "http.py", tmp_path / "schemas" / "vcrpy.schema.json"):
        if edit is not None:
            edit.write_bytes(edit.read_bytes() + b"\n")
        monkeypatch.setattr(cache, "_TOOL_KEY", None)
        keys.append(cache.tool_key())
    assert len(set(keys)) == 3


def test_a_wheel_install_is_keyed_on_the_hashes_its_installer_recorded(tmp_path, monkeypatch):
    # site-packages/cassette_lint/... beside cassette_lint-<version>.dist-info/RECORD (one file read
    # instead of every source); a RECORD that lists no source (an editable install) is not used
    site = tmp_path / "site-packages"
    pkg = site / "cassette_lint"
    shutil.copytree(pathlib.Path(cache.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    record = site / f"cassette_lint-{cassette_lint.__version__}.dist-info" / "RECORD"
    record.parent.mkdir()
    monkeypatch.setattr(cache, "__file__", str(pkg / "cache.py"))

    def key():
        monkeypatch.setattr(cache, "_TOOL_KEY", None)
        return cache.tool_key()

    walked = key()
    lines = ["cassette_lint/__init__.py,sha256=AAAA,10", "cassette_lint/cache.py,sha256=BBBB,20",
             "cassette_lint/__pycache__/cache.cpython-311.pyc,,", "../../../bin/cassette-lint,sha256=CCCC,5"]
    record.write_text("\n".join(lines) + "\n", "utf-8")
    recorded = key()
    assert recorded != walked
    (pkg / "rules" / "http.py").write_text("# edited in site-packages: not the installer's business\n", "utf-8")
    assert key() == recorded
    record.write_text("\n".join([lines[0], "cassette_lint/cache.py,sha256=DDDD,20", *lines[2:]]) + "\n", "utf-8")
    assert key() not in (recorded, walked)  # another wheel installed
    record.write_text("\n".join([lines[0], *lines[2:], "../../../bin/cassette-lint,sha256=EEEE,5"]), "utf-8")
    assert key() != recorded  # no cache.py listed: the sources are read
    record.write_text("__editable__.cassette_lint.pth,sha256=FFFF,97\n", "utf-8")
    assert key() == key() != recorded


def test_a_renamed_file_is_checked_as_a_new_file(tmp_path):
    root = project(tmp_path, files=1)
    cd = tmp_path / "c"
    assert "cassettes/c0.yaml:" in cli("check", "cassettes", cwd=root, cache_dir=cd).stdout
    (root / "cassettes" / "c0.yaml").rename(root / "cassettes" / "renamed.yaml")
    r = cli("check", "cassettes", cwd=root, cache_dir=cd)
    assert "cassettes/renamed.yaml:" in r.stdout and "c0.yaml" not in r.stdout
    keys = list(entries(cd))
    assert len(keys) == 1 and "renamed.yaml" in keys[0]  # the old name's entry is pruned


def test_entries_of_changed_and_deleted_files_are_pruned(tmp_path):
    root = project(tmp_path, files=3)
    cd = tmp_path / "c"
    cli("check", "cassettes", cwd=root, cache_dir=cd)
    assert len(entries(cd)) == 3
    (root / "cassettes" / "c2.yaml").unlink()
    c1 = root / "cassettes" / "c1.yaml"
    c1.write_text(CASSETTE.replace("x\n", "changed\n"), "utf-8")
    cli("check", "cassettes/c0.yaml", "cassettes/c1.yaml", cwd=root, cache_dir=cd)  # named: other keys
    cli("check", "cassettes", cwd=root, cache_dir=cd)
    es = entries(cd)
    assert not any("c2.yaml" in k for k in es)
    assert len([k for k in es if "c1.yaml" in k]) == 2  # walked and named, both of today's bytes
    assert len(es) == 4


def test_secrets_found_are_never_written_to_the_cache(tmp_path):
    root = project(tmp_path, files=0)
    key = "sk-proj-" + "Zq9xW2vB7nM4kL1pR8tY" * 4
    (root / "cassettes" / "s.yaml").write_text(
        CASSETTE.replace("headers: {}\n    url", f"headers:\n      Authorization:\n      - Bearer {key}\n    url", 1),
        "utf-8")
    cd = tmp_path / "c"
    r = cli("check", "cassettes", cwd=root, cache_dir=cd)
    assert "K001" in r.stdout, r.stdout
    assert key.encode() not in (cd / "results.bin").read_bytes()
    assert cli("check", "cassettes", cwd=root, cache_dir=cd).stdout == r.stdout


# -- a damaged, foreign or unwritable cache --------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "flipped byte", "foreign body"])
def test_a_damaged_cache_is_ignored_with_a_note_and_rewritten(tmp_path, damage):
    root = project(tmp_path)
    cd = tmp_path / "c"
    good = cli("check", "cassettes", cwd=root, cache_dir=cd)
    path = cd / "results.bin"
    raw = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(raw[:len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(raw)))
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "flipped byte":
        path.write_bytes(raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:])
    else:  # a valid header and checksum over a body of the wrong shape
        body = marshal.dumps({"x\0x\0e": ("not", "an", "entry")})
        path.write_bytes(cache.Cache._header(cache.tool_key(), body) + body)
    r = cli("check", "cassettes", cwd=root, cache_dir=cd)
    assert r.stdout == good.stdout and r.returncode == good.returncode
    if damage != "foreign body":
        assert "cassette-lint: note: the cache" in r.stderr and "ignored" in r.stderr
    assert "Traceback" not in r.stderr
    assert len(entries(cd)) == 3  # rewritten whole
    again = cli("check", "cassettes", cwd=root, cache_dir=cd)
    assert again.stdout == good.stdout and again.stderr == ""


def test_a_cache_that_cannot_be_written_leaves_the_run_working_with_a_note(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, files=1)
    monkeypatch.chdir(root)
    cd = tmp_path / "ro"
    cd.mkdir()
    cd.chmod(0o555)
    real_open = os.open

    def read_only(path, flags, *a, **k):  # what a read-only directory does (also when tests run as root)
        if str(path).startswith(str(cd)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(cache.os, "open", read_only)
    try:
        out, err = _check_in_process(["cassettes"], cd, capsys)
        assert "L002" in out
        assert f"cassette-lint: note: cannot write the cache in {cd} (Permission denied): results not cached" in err
        assert not (cd / "results.bin").exists()
    finally:
        cd.chmod(0o755)


def test_no_cache_touches_nothing_on_disk(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.ENV)
    root = project(tmp_path, files=2)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    r = cli("check", "--no-cache", "cassettes", cwd=root)
    assert "L002" in r.stdout
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    # nor reads one: a damaged cache stays as it is, and says nothing
    cd = tmp_path / "c"
    cd.mkdir()
    (cd / "results.bin").write_bytes(b"garbage")
    st = (cd / "results.bin").stat()
    r = cli("check", "--no-cache", "cassettes", cwd=root, cache_dir=cd)
    assert r.stderr == "" and (cd / "results.bin").read_bytes() == b"garbage"
    assert (cd / "results.bin").stat().st_mtime_ns == st.st_mtime_ns
    assert sorted(os.listdir(cd)) == ["results.bin"]


def test_fix_and_diff_check_every_file_afresh_and_replace_a_damaged_cache(tmp_path):
    root = project(tmp_path, files=1)
    cd = tmp_path / "c"
    cd.mkdir()
    (cd / "results.bin").write_bytes(b"garbage")
    r = cli("check", "--diff", "cassettes", cwd=root, cache_dir=cd)
    assert "note" not in r.stderr and "content_length: 2" in r.stdout, r.stderr  # not read: checked afresh
    assert set(entries(cd)) and all(e[4][3] for e in entries(cd).values())  # the results found, stored


def test_fix_refreshes_the_cache_with_the_fixed_files_fresh_results(tmp_path):
    root = project(tmp_path, files=2)
    cd = tmp_path / "c"
    fixed, kept = root / "cassettes" / "c0.yaml", root / "cassettes" / "c1.yaml"
    kept.write_text(CASSETTE.replace("content_length: 5", "content_length: 7").replace("'{}'", "'abcdefg'"), "utf-8")
    assert "L002" in cli("check", "cassettes", cwd=root, cache_dir=cd).stdout  # c0's L002, cached
    r = cli("check", "--fix", "cassettes", cwd=root, cache_dir=cd)
    assert "Fixed 1 finding in 1 file" in r.stdout and "L002" not in r.stdout, r.stdout + r.stderr
    # the cache holds each file's result for the bytes now on disk: the fixed file's fresh one
    by_file = {k.split("\0")[1]: e for k, e in entries(cd).items()}
    assert set(by_file) == {os.path.join("cassettes", "c0.yaml"), os.path.join("cassettes", "c1.yaml")}
    assert by_file[os.path.join("cassettes", "c0.yaml")][0] == cache.content_hash(fixed.read_bytes())
    assert by_file[os.path.join("cassettes", "c0.yaml")][4][3] == ()  # no finding left
    assert not warm_imports_loader(root, "cassettes", cache_dir=cd)  # the next run checks nothing again
    assert cli("check", "cassettes", cwd=root, cache_dir=cd).stdout == \
        cli("check", "--no-cache", "cassettes", cwd=root).stdout


def test_clean_removes_the_cache_and_nothing_else(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.ENV)
    root = project(tmp_path, files=1)
    cli("check", "cassettes", cwd=root)
    d = root / ".cassette-lint-cache"
    assert d.is_dir()
    r = cli("clean", cwd=root / "cassettes")
    assert r.returncode == 0 and "Removed the cache" in r.stderr
    assert not d.exists() and (root / "cassettes" / "c0.yaml").exists()
    assert "No cache" in cli("clean", cwd=root).stderr
    # a directory the user named keeps whatever else is in it
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep", "utf-8")
    cli("check", "--cache-dir", str(mine), "cassettes", cwd=root)
    assert (mine / "results.bin").exists()
    cli("clean", "--cache-dir", str(mine), cwd=root)
    assert sorted(os.listdir(mine)) == ["notes.txt"]


# -- runs sharing a cache ------------------------------------------------------------------------------

def test_two_processes_writing_at_once_leave_a_valid_cache_with_both_their_results(tmp_path):
    root = project(tmp_path, files=0)
    for part in ("a", "b"):
        for i in range(40):
            p = root / part / f"{part}{i}.yaml"
            p.parent.mkdir(exist_ok=True)
            p.write_text(CASSETTE.replace("x\n", f"{part}{i}\n"), "utf-8")
    cd = tmp_path / "c"
    env = dict(os.environ, **{cache.ENV: str(cd)})
    for _ in range(3):
        shutil.rmtree(cd, ignore_errors=True)
        procs = [subprocess.Popen([sys.executable, "-m", "cassette_lint", "check", "-j1", part], cwd=root, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for part in ("a", "b")]
        outs = [p.communicate() for p in procs]
        for out, err in outs:
            assert b"L002" in out and err == b"", err
        es = entries(cd)
        assert len(es) == 80  # both runs' entries: the writers took turns
        assert not [n for n in os.listdir(cd) if n.startswith(cache.TMP_PREFIX)]
    both = cli("check", "a", "b", cwd=root, cache_dir=cd)
    assert both.stdout == cli("check", "--no-cache", "a", "b", cwd=root).stdout


def test_a_run_merges_the_results_another_run_saved_after_it_started(tmp_path, monkeypatch):
    from cassette_lint import run

    files = []
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        files.append(tmp_path / name)
        files[-1].write_text(CASSETTE.replace("x\n", f"{name}\n"), "utf-8")
        os.utime(files[-1], (1_600_000_000, 1_600_000_000))
    d = str(tmp_path / "c")
    first = cache.Cache(d)
    run.check([discovery.Target(str(files[0]), True)], Options(), cache=first)
    first.save()
    mine, theirs = cache.Cache(d), cache.Cache(d)  # both read the file holding a.yaml
    run.check([discovery.Target(str(files[1]), True)], Options(), cache=theirs)
    theirs.save()  # renamed over the file `mine` read
    run.check([discovery.Target(str(files[2]), True)], Options(), cache=mine)
    mine.save()  # so it reads the file again and merges into it
    assert sorted(k.split("\0")[1] for k in entries(d)) == [str(f) for f in files]
    # and a run whose file nobody replaced writes what it read, without reading it again
    last = cache.Cache(d)
    files[0].write_text(CASSETTE, "utf-8")
    run.check([discovery.Target(str(f), True) for f in files], Options(), cache=last)
    monkeypatch.setattr(last, "_read_quiet", lambda: pytest.fail("read again"))
    assert last.save()
    assert sorted(k.split("\0")[1] for k in entries(d)) == [str(f) for f in files]


def test_readers_never_see_a_partly_written_cache(tmp_path):
    # the file is replaced by a rename: any read sees one whole version, old or new
    root = project(tmp_path, files=20)
    cd = tmp_path / "c"
    env = dict(os.environ, **{cache.ENV: str(cd)})
    writer = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys\nfor i in range(6):\n"
         "    subprocess.run([sys.executable, '-m', 'cassette_lint', 'check', '-q', '--select', 'ALL' if i % 2 else 'L', "
         "'cassettes'], capture_output=True)\n"], cwd=root, env=env)
    seen = 0
    while writer.poll() is None:
        if (cd / "results.bin").exists():
            c = cache.Cache(str(cd), note=lambda text: pytest.fail(text))
            seen += bool(c.entries)
    assert writer.wait() == 0 and seen


def test_lookup_and_store_in_process(tmp_path):
    # the API the run layer uses: a miss, checked with its key recorded, then a hit equal to it
    f = tmp_path / "c.yaml"
    f.write_text(CASSETTE, "utf-8")
    os.utime(f, (1_600_000_000, 1_600_000_000))
    t = discovery.Target(str(f), True)
    opts = Options()
    c = cache.Cache(str(tmp_path / "c"))
    assert c.lookup([t], opts, pipeline.context_key, pipeline.FileResult) == [None]
    fresh = pipeline.check_file(t, Options(record_source=True))
    assert fresh.source is not None
    c.store([fresh])
    assert c.save()
    again = cache.Cache(str(tmp_path / "c"))
    (hit,) = again.lookup([t], opts, pipeline.context_key, pipeline.FileResult)
    plain = pipeline.check_file(t, opts)
    assert hit.findings == [setattr(x, "secret", None) or x for x in plain.findings]
    assert (hit.path, hit.format, hit.skipped, hit.digest) == (plain.path, plain.format, plain.skipped, plain.digest)
    # another context (the replay profile of the nearest manifest) is another key
    assert again.lookup([t], opts, lambda path, fmt: "profile:other", pipeline.FileResult) == [None]


def test_the_replay_profile_is_part_of_the_key_and_of_the_cached_result(tmp_path):
    root = project(tmp_path, files=1)
    cd = tmp_path / "c"
    cold = cli("check", "-v", "cassettes", cwd=root, cache_dir=cd)
    assert "replayed by" in cold.stderr, cold.stderr
    warm = cli("check", "-v", "cassettes", cwd=root, cache_dir=cd)
    assert (warm.stdout, warm.stderr) == (cold.stdout, cold.stderr)  # the profile comes back from the cache
    (root / "go.mod").write_text("module example.com/m\n\ngo 1.22\n\nrequire (\n\tgopkg.in/dnaeon/go-vcr.v3 v3.2.0\n)\n",
                                 "utf-8")
    moved = cli("check", "-v", "cassettes", cwd=root, cache_dir=cd)
    plain = cli("check", "-v", "--no-cache", "cassettes", cwd=root)
    assert (moved.stdout, moved.stderr) == (plain.stdout, plain.stderr)
    assert "3.2.0" in moved.stderr and moved.stderr != cold.stderr


def test_a_path_in_error_among_the_files_does_not_shift_the_results_stored(tmp_path):
    # a directory that cannot be listed is a target in error (Y012), checked with the misses
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(CASSETTE, "utf-8")
    b.write_text(CASSETTE.replace("content_length: 5", "content_length: 2"), "utf-8")
    targets = [discovery.Target(str(a), False), discovery.Target(str(tmp_path / "gone"), True, "cannot list"),
               discovery.Target(str(b), False)]
    from cassette_lint import run

    c = cache.Cache(str(tmp_path / "c"))
    first = run.check(targets, Options(), cache=c)
    c.save()
    again = cache.Cache(str(tmp_path / "c"))
    second = run.check(targets, Options(), cache=again)
    assert again.hits == 2
    assert [[f.rule for f in r.findings] for r in second] == [[f.rule for f in r.findings] for r in first] == \
        [["L002"], ["Y012"], []]


def test_a_gzipd_cassette_is_cached_and_its_change_seen(tmp_path):
    import gzip

    root = project(tmp_path, files=0)
    f = root / "cassettes" / "c.yaml.gz"
    f.write_bytes(gzip.compress(CASSETTE.encode(), mtime=0))
    os.utime(f, (1_600_000_000, 1_600_000_000))
    cd = tmp_path / "c"
    cold = cli("check", "cassettes", cwd=root, cache_dir=cd)
    assert "c.yaml.gz" in cold.stdout and "L002" in cold.stdout, cold.stdout + cold.stderr
    assert len(entries(cd)) == 1
    assert not warm_imports_loader(root, "cassettes", cache_dir=cd)  # from the cache
    f.write_bytes(gzip.compress(CASSETTE.replace("content_length: 5", "content_length: 2").encode(), mtime=0))
    r = cli("check", "cassettes", cwd=root, cache_dir=cd)
    assert "L002" not in r.stdout and r.stdout == cli("check", "--no-cache", "cassettes", cwd=root).stdout


# -- the per-file context: the manifests, read once per directory and run ------------------------------

def test_a_run_reads_each_directory_s_manifests_once(tmp_path, monkeypatch):
    from cassette_lint import run
    from cassette_lint.replay import manifest

    root = project(tmp_path, files=4)
    (root / "go.mod").write_text("module m\n\nrequire gopkg.in/dnaeon/go-vcr.v3 v3.2.0\n", "utf-8")
    reads: list = []
    real = manifest._in_dir
    monkeypatch.setattr(manifest, "_in_dir", lambda d, eco: reads.append((d, eco)) or real(d, eco))
    targets = discovery.discover([str(root / "cassettes")])
    results = run.check(targets, Options(), cache=cache.Cache(str(tmp_path / "c")))
    assert {r.profile.version for r in results} == {"3.2.0"}
    assert reads and len(reads) == len(set(reads))  # every (directory, ecosystem) asked once
    assert (str(root), "go") in reads


def test_a_manifest_edited_between_two_runs_of_one_process_is_read_again(tmp_path):
    # the answers remembered within a run are forgotten when the next run starts (run.check clears them)
    from cassette_lint import run

    root = project(tmp_path, files=2)
    targets = discovery.discover([str(root / "cassettes")])
    c = cache.Cache(str(tmp_path / "c"))
    assert {r.profile.name for r in run.check(targets, Options(), cache=c)} == {"go-vcr-v4"}
    c.save()
    (root / "go.mod").write_text("module m\n\nrequire gopkg.in/dnaeon/go-vcr.v3 v3.2.0\n", "utf-8")
    again = cache.Cache(str(tmp_path / "c"))
    assert {r.profile.version for r in run.check(targets, Options(), cache=again)} == {"3.2.0"}
    assert again.hits == 0  # another context: checked again, not served from the cache
    assert {r.profile.version for r in run.check(targets, Options())} == {"3.2.0"}  # (without a cache too)


def test_a_result_is_keyed_on_the_manifest_of_its_own_format_s_ecosystem(tmp_path):
    # a go-vcr cassette's result stands when a Python manifest appears beside it, not when go.mod does
    from cassette_lint import run

    root = project(tmp_path, files=1)
    targets = discovery.discover([str(root / "cassettes")])

    def again() -> cache.Cache:
        c = cache.Cache(str(tmp_path / "c"))
        run.check(targets, Options(), cache=c)
        c.save()
        return c

    again()
    (root / "requirements.txt").write_text("vcrpy==6.0.1\n", "utf-8")
    assert again().hits == 1
    (root / "go.mod").write_text("module m\n\nrequire gopkg.in/dnaeon/go-vcr.v3 v3.2.0\n", "utf-8")
    assert again().hits == 0
    assert again().hits == 1
