"""--jobs: worker processes give the same findings in the same order as one process."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from cassette_lint import discovery, pipeline, scheduler
from cassette_lint.options import Options
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
    targets = discovery.discover([str(root)])
    assert len(targets) >= scheduler.PARALLEL_MIN_FILES
    one = scheduler.check_targets(targets, Options(), jobs=1)
    two = scheduler.check_targets(targets, Options(), jobs=2)
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
    targets = discovery.discover([str(root)])
    victim = targets[len(targets) // 2].path
    real = pipeline.check_file

    def crashing(target, options):
        if target.path == victim:
            import faulthandler

            faulthandler.disable()  # (pytest's handler would print the crash report)
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(target, options)

    one = {r.path: [f.to_dict() for f in r.findings] for r in scheduler.check_targets(targets, Options(), jobs=1)}
    monkeypatch.setattr(scheduler, "check_file", crashing)  # inherited by the forked workers
    two = scheduler.check_targets(targets, Options(), jobs=2)
    assert [r.path for r in two] == [t.path for t in targets]
    for r in two:
        if r.path == victim:
            assert [f.rule for f in r.findings] == ["X001"]
            assert "crashed the worker process (signal 11)" in r.findings[0].message
        else:
            assert [f.to_dict() for f in r.findings] == one[r.path]


def test_without_fork_a_pool_of_spawned_workers_gives_the_same_findings(tmp_path, monkeypatch):
    root = _tree(tmp_path, copies=14)
    targets = discovery.discover([str(root)])
    one = scheduler.check_targets(targets, Options(), jobs=1)
    monkeypatch.setattr(scheduler, "CAN_FORK", False)
    two = scheduler.check_targets(targets, Options(), jobs=2)
    assert [[f.to_dict() for f in r.findings] for r in one] == [[f.to_dict() for f in r.findings] for r in two]


def test_the_work_queue_claims_every_file_once_and_fits_one_pipe_page():
    for n in (1, 64, 1023, 1024, 1025, 1800, 100_000):
        per, queue = scheduler._claims(n)
        starts = [int.from_bytes(queue[i:i + 4], "little") for i in range(0, len(queue), 4)]
        claimed = [i for s in starts for i in range(s, min(s + per, n))]
        assert claimed == list(range(n))
        assert len(queue) <= 4096


def test_files_claimed_several_at_a_time_still_come_back_in_order(tmp_path, monkeypatch):
    """Large runs claim several files per queue record (the queue fits one pipe page)."""
    root = _tree(tmp_path, copies=14)
    targets = discovery.discover([str(root)])
    one = scheduler.check_targets(targets, Options(), jobs=1)
    monkeypatch.setattr(scheduler, "_MAX_CLAIMS", 7)  # ~85 files: 13 per claim, the last claim short
    assert scheduler._claims(len(targets))[0] > 1
    two = scheduler.check_targets(targets, Options(), jobs=2)
    assert [r.path for r in two] == [t.path for t in targets]
    assert [[f.to_dict() for f in r.findings] for r in one] == [[f.to_dict() for f in r.findings] for r in two]


def test_when_no_worker_can_be_forked_the_files_are_checked_here(tmp_path, monkeypatch):
    import os

    root = _tree(tmp_path, copies=14)
    targets = discovery.discover([str(root)])
    assert len(targets) >= scheduler.PARALLEL_MIN_FILES
    one = scheduler.check_targets(targets, Options(), jobs=1)
    real_fork, forked = os.fork, []

    def fork_once():  # the first worker starts, the second hits a process limit
        if forked:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork_once)
    two = scheduler.check_targets(targets, Options(), jobs=2)
    assert [[f.to_dict() for f in r.findings] for r in one] == [[f.to_dict() for f in r.findings] for r in two]
    (pid,) = forked  # the started worker was stopped and reaped: no child is left
    try:
        os.waitpid(pid, os.WNOHANG)
        left = True
    except ChildProcessError:
        left = False
    assert not left


def test_a_parallel_run_does_not_import_multiprocessing(tmp_path):
    """Workers are plain forks fed through pipes (multiprocessing cost ~15 ms before the first file)."""
    import subprocess
    import sys

    root = _tree(tmp_path, copies=14)
    code = ("import sys; from cassette_lint import discovery, scheduler; from cassette_lint.options import Options; "
            f"r = scheduler.check_targets(discovery.discover([{str(root)!r}]), Options(), jobs=2); "
            "print(len(r), 'multiprocessing' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) >= scheduler.PARALLEL_MIN_FILES and out[1] == "False"


def test_a_closed_standard_stream_does_not_stop_a_parallel_run(tmp_path):
    """The parent flushes stdout/stderr before forking (a child must not write the buffer again);
    a stream already closed (a library caller's, a dead pipe) is no reason to fail."""
    import subprocess
    import sys

    root = _tree(tmp_path, copies=14)
    code = ("import sys; from cassette_lint import discovery, scheduler; from cassette_lint.options import Options; sys.stdout.close(); "
            f"r = scheduler.check_targets(discovery.discover([{str(root)!r}]), Options(), jobs=2); "
            "sys.stderr.write(str(len(r)))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert int(p.stderr) >= scheduler.PARALLEL_MIN_FILES
