#!/usr/bin/env python3
"""What the provider-conformance rules cost: ``P001``–``P004`` selected against ``P`` ignored.

Two measurements per folder, both CPU time (steadier than wall time on a shared machine), the two
selections taking turns round by round and judged on the median of the per-round ratios:

- in process: ``pipeline.check_file`` over every file (``time.process_time``), with the provider
  module's per-process state (pinned schemas, compiled checks, jsonschema validators, the shapes
  known to conform) dropped before each round, as a new process starts without it;
- whole process: ``cassette-lint check DIR --no-cache -j1`` (the child's user + system time from
  ``wait4``, interpreter start-up and imports included).

Folders: the synthetic go-vcr corpus of ``benchmarks/bench.py`` (its own generator, imported:
OpenAI chat streams, 30% with tool calls), and ``../shared/corpus/fantasy`` when present (350 real
go-vcr cassettes: chat, Responses, Anthropic, Gemini, Bedrock).

    python benchmarks/provider.py                      # 1,000 synthetic files + fantasy, 5 rounds
    python benchmarks/provider.py --files 2000 --runs 7
    env -u PYTHONDONTWRITEBYTECODE python benchmarks/provider.py   # (where the machine sets it)
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402  (its synthetic generator)

#: the two selections: the default with the P family off, and with every P rule on
OFF = {"select": ("ALL",), "ignore": ("P",)}
ON = {"select": ("ALL", "P002", "P003", "P004"), "ignore": ()}
CLI = {"off": ["--ignore", "P"], "on": ["--extend-select", "P002,P003,P004"]}


def files_of(root: pathlib.Path) -> list[pathlib.Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json"))


def _fresh_provider_state() -> None:
    from cassette_lint.rules import provider

    provider._PINNED.clear()
    provider._GOOD.clear()
    provider._SHAPES.clear()


def in_process(files: list[pathlib.Path], runs: int) -> dict[str, list[float]]:
    from cassette_lint import discovery, pipeline
    from cassette_lint.options import Options

    opts = {"off": Options(**OFF), "on": Options(**ON)}
    targets = [discovery.Target(str(p), True) for p in files]
    for t in targets:  # (a warm-up round: the imports and the rules' registry, paid once by both)
        pipeline.check_file(t, opts["off"])
    out: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(runs):
        for k, o in opts.items():
            _fresh_provider_state()
            t0 = time.process_time()
            for t in targets:
                pipeline.check_file(t, o)
            out[k].append(time.process_time() - t0)
    return out


def whole_process(root: pathlib.Path, runs: int) -> dict[str, list[float]]:
    exe = [sys.executable, "-m", "cassette_lint", "check", str(root), "--no-cache", "-j1", "-q"]
    out: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(runs):
        for k, extra in CLI.items():
            proc = subprocess.Popen(exe + extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, _status, usage = os.wait4(proc.pid, 0)
            out[k].append(usage.ru_utime + usage.ru_stime)
    return out


def _cli_works() -> bool:
    r = subprocess.run([sys.executable, "-m", "cassette_lint", "check", "--help"], capture_output=True, text=True)
    return r.returncode == 0 and "-q" in r.stdout


def report(label: str, got: dict[str, list[float]], unit: str) -> None:
    off, on = statistics.median(got["off"]), statistics.median(got["on"])
    ratio = statistics.median(b / a for a, b in zip(got["off"], got["on"]))
    print(f"  {label:<14} P off {off * 1000:8.0f} ms   P on {on * 1000:8.0f} ms   on/off {ratio:5.3f}"
          f"   (+{(on - off) * 1000 / max(1, int(unit)):.2f} ms per file)")


def measure(label: str, root: pathlib.Path, runs: int) -> None:
    files = files_of(root)
    mb = sum(p.stat().st_size for p in files) / 1e6
    print(f"{label}: {len(files):,} files, {mb:.1f} MB, {runs} rounds (CPU time, median)")
    report("in process", in_process(files, runs), str(len(files)))
    report("whole process", whole_process(root, runs), str(len(files)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000, help="synthetic cassettes to generate")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-fantasy", action="store_true")
    args = ap.parse_args()
    if not _cli_works():
        sys.exit("cassette-lint is not importable here: pip install -e . first")
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp) / "synthetic"
        bench.make_corpus(root, args.files)
        measure(f"synthetic (benchmarks/bench.py's generator, {args.files} files)", root, args.runs)
    fantasy = bench.SHARED / "fantasy"
    if not args.no_fantasy and fantasy.is_dir():
        measure(str(fantasy), fantasy, args.runs)


if __name__ == "__main__":
    main()
