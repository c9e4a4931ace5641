#!/usr/bin/env python3
"""Benchmark the results cache (issue 18), side by side in one run on the same folder.

Each round runs, in turn, on a copy of the folder: ``check --no-cache`` (today's run), a cold run
(the cache directory removed just before), a warm re-run with no file changed, a re-run after one
file changed (a comment appended to it), and a re-run after every file's times changed but not its
bytes (a fresh ``git clone`` or CI checkout: every file is read and hashed again, none re-checked).
Figures are whole-process wall times (interpreter start-up included), medians over ``--runs``
rounds; the targets are judged on the medians of the per-round ratios.

    python benchmarks/cache.py                        # synthetic 1,800 files + ../shared/corpus
    python benchmarks/cache.py --files 1800 --runs 7 --jobs 1
    python benchmarks/cache.py --baseline-exe /tmp/main-venv/bin/cassette-lint   # beside another build (--no-cache)

Targets: warm <= 0.1x cold; one file changed <= 0.15x cold; cold with the cache <= 1.02x no cache.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench import SHARED, cassette_lint_cmd, make_corpus  # noqa: E402

BASELINE = "baseline build (--baseline-exe), no cache"
ROWS = ("no cache", "cold (cache enabled, empty)", "warm, nothing changed", "warm, one file changed",
        "warm, fresh checkout (all re-hashed)")


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its workers) of one whole-process run."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime


def files_of(root: pathlib.Path) -> list[pathlib.Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file())


def bench(label: str, src: pathlib.Path, tmp: pathlib.Path, runs: int, jobs: int, baseline: str | None = None) -> dict:
    root = tmp / "folder"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(src, root)
    (root / ".git").mkdir(exist_ok=True)  # a project's work tree, as users run it (manifests are looked up to it)
    files = files_of(root)
    old = time.time() - 3600  # checked out an hour ago
    for p in files:
        os.utime(p, (old, old))
    yamls = [p for p in files if p.suffix in (".yaml", ".yml")]
    victim = yamls[len(yamls) // 2]
    cache = tmp / "cache"
    base = [*cassette_lint_cmd(), "check", "-q", f"-j{jobs}", "--cache-dir", str(cache), str(root)]
    cmd_nocache = [*cassette_lint_cmd(), "check", "-q", f"-j{jobs}", "--no-cache", str(root)]
    rows = ROWS + ((BASELINE,) if baseline else ())
    t: dict[str, list[float]] = {k: [] for k in rows}
    cpu: dict[str, list[float]] = {k: [] for k in rows}

    def one(row: str, cmd: list[str]) -> None:
        wall, c = timed(cmd)
        t[row].append(wall)
        cpu[row].append(c)

    for i in range(runs):
        if baseline:
            one(BASELINE, [baseline, "check", "-q", f"-j{jobs}", "--no-cache", str(root)])
        one(ROWS[0], cmd_nocache)
        shutil.rmtree(cache, ignore_errors=True)
        one(ROWS[1], base)
        timed(base)  # (a first warm run may still refresh entries of files written < 2 s ago)
        one(ROWS[2], base)
        with victim.open("a", encoding="utf-8") as fh:
            fh.write(f"# edit {i}\n")
        os.utime(victim, (old + i + 1, old + i + 1))
        one(ROWS[3], base)
        for p in files:
            os.utime(p, (old - 60 * (i + 1), old - 60 * (i + 1)))
        one(ROWS[4], base)
    n = len(files)
    mb = sum(p.stat().st_size for p in files) / 1e6
    print(f"\n### {label}: {n:,} files, {mb:.1f} MB, -j{jobs} (median of {runs} rounds)\n")
    print("| run | wall s | x cold (wall) | CPU s | x cold (CPU) |")
    print("|---|---:|---:|---:|---:|")
    cold = t[ROWS[1]]
    for k in rows:
        r = statistics.median(a / b for a, b in zip(t[k], cold))
        rc = statistics.median(a / b for a, b in zip(cpu[k], cpu[ROWS[1]]))
        print(f"| {k} | {statistics.median(t[k]):.3f} | {r:.3f} | {statistics.median(cpu[k]):.3f} | {rc:.3f} |")
    warm = statistics.median(a / b for a, b in zip(t[ROWS[2]], cold))
    one = statistics.median(a / b for a, b in zip(t[ROWS[3]], cold))
    cost = statistics.median(a / b for a, b in zip(cold, t[ROWS[0]]))
    cost_cpu = statistics.median(a / b for a, b in zip(cpu[ROWS[1]], cpu[ROWS[0]]))
    print()
    print(f"- warm / cold = {warm:.3f} (goal <= 0.1): {'met' if warm <= 0.1 else 'NOT met'}")
    print(f"- one file changed / cold = {one:.3f} (goal <= 0.15): {'met' if one <= 0.15 else 'NOT met'}")
    print(f"- cold with cache / no cache = {cost:.3f} (goal <= 1.02): {'met' if cost <= 1.02 else 'NOT met'}"
          f" (CPU: {cost_cpu:.3f})")
    if baseline:
        b = statistics.median(a / c for a, c in zip(cold, t[BASELINE]))
        bc = statistics.median(a / c for a, c in zip(cpu[ROWS[1]], cpu[BASELINE]))
        print(f"- cold with cache / the baseline build's run = {b:.3f} (goal <= 1.02): "
              f"{'met' if b <= 1.02 else 'NOT met'} (CPU: {bc:.3f})")
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1800, help="synthetic cassettes to generate")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--corpus", action="append", default=None, help="folder(s) to time (default ../shared/corpus)")
    ap.add_argument("--no-synthetic", action="store_true")
    ap.add_argument("--baseline-exe", help="another cassette-lint executable (today's build, say) timed beside")
    args = ap.parse_args()
    print(f"cassette-lint cache benchmark — {time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = pathlib.Path(tmpdir)
        if not args.no_synthetic:
            syn = tmp / "synthetic"
            make_corpus(syn, args.files)
            bench("synthetic go-vcr v2 corpus", syn, tmp, args.runs, args.jobs, args.baseline_exe)
        corpora = [pathlib.Path(c) for c in args.corpus] if args.corpus else ([SHARED] if SHARED.exists() else [])
        for c in corpora:
            if c.is_dir():
                bench(str(c), c, tmp, args.runs, args.jobs, args.baseline_exe)
            else:
                print(f"\n(no folder {c}: skipped)")


if __name__ == "__main__":
    main()
