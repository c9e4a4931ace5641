"""--jobs: worker processes give the same findings in the same order as one process."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from cassette_lint import engine
from cassette_lint.cli import main
from conftest import FIXTURES


def _tree(tmp_path, copies: int = 20):
    seeds = sorted((FIXTURES / "seeds").glob("*.yaml")) + [FIXTURES / "golden" / "broken.yaml"]
    for i in range(copies):
        d = tmp_path / f"d{i:02d}"
        d.mkdir()
        for s in seeds:
            shutil.copy(s, d / s.name)
    (tmp_path / "d00" / "broken-yaml.yaml").write_text("a: [\n")
    return tmp_path


def test_parallel_findings_equal_one_process_in_order(tmp_path):
    root = _tree(tmp_path)
    targets = engine.discover([str(root)])
    assert len(targets) >= engine.PARALLEL_MIN_FILES
    one = engine.check_targets(targets, engine.Options(), jobs=1)
    two = engine.check_targets(targets, engine.Options(), jobs=2)
    assert [r.path for r in one] == [t.path for t in targets]
    assert [[f.to_dict() for f in r.findings] for r in one] == [[f.to_dict() for f in r.findings] for r in two]
    assert any(r.findings for r in one)


def test_cli_output_identical_for_any_jobs(tmp_path):
    root = _tree(tmp_path)
    outs = {j: CliRunner().invoke(main, ["check", "--format", "json", "-j", str(j), str(root)]) for j in (1, 2)}
    assert outs[1].exit_code == outs[2].exit_code == 1
    assert outs[1].output == outs[2].output


def test_a_worker_that_crashes_costs_only_its_file(tmp_path, monkeypatch):
    # a crash inside a C extension kills the worker process: the other files are still checked (by the
    # surviving worker, or again in a process of their own) and the crashing file gets an X001 finding
    import os
    import signal

    root = _tree(tmp_path)
    targets = engine.discover([str(root)])
    victim = targets[len(targets) // 2].path
    real = engine.check_file

    def crashing(target, options):
        if target.path == victim:
            import faulthandler

            faulthandler.disable()  # (pytest's handler would print the crash report)
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(target, options)

    one = {r.path: [f.to_dict() for f in r.findings] for r in engine.check_targets(targets, engine.Options(), jobs=1)}
    monkeypatch.setattr(engine, "check_file", crashing)  # inherited by the forked workers
    two = engine.check_targets(targets, engine.Options(), jobs=2)
    assert [r.path for r in two] == [t.path for t in targets]
    for r in two:
        if r.path == victim:
            assert [f.rule for f in r.findings] == ["X001"]
            assert "crashed the worker process (signal 11)" in r.findings[0].message
        else:
            assert [f.to_dict() for f in r.findings] == one[r.path]


def test_without_fork_a_pool_of_spawned_workers_gives_the_same_findings(tmp_path, monkeypatch):
    import multiprocessing

    root = _tree(tmp_path, copies=14)
    targets = engine.discover([str(root)])
    one = engine.check_targets(targets, engine.Options(), jobs=1)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    two = engine.check_targets(targets, engine.Options(), jobs=2)
    assert [[f.to_dict() for f in r.findings] for r in one] == [[f.to_dict() for f in r.findings] for r in two]
