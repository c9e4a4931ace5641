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
