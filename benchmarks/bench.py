#!/usr/bin/env python3
"""Benchmark ``cassette-lint check`` against the anchors of issue 7, side by side in one run.

Every figure is the median of ``--runs`` whole-process runs (interpreter start-up included, as a
user sees it), the commands taking turns round by round; the targets are judged on the median of
the per-round ratios, which stay steady on a shared machine whose speed drifts.  Anchors: reading the bytes, a bare ruamel.yaml ``YAML(typ="safe", pure=False).load``
of every file, and — when the ``bench`` extra is installed — yamllint (default config) and
check-jsonschema (schema only).  It generates its own corpus of realistic synthetic go-vcr v2
cassettes (so it runs on a fresh clone) and also runs on ``../shared/corpus`` when present.

    pip install '.[bench]'      # a regular install, as users have (an editable one adds ~10 ms to
                                # every interpreter start in its environment, anchors included)
    python benchmarks/bench.py                       # synthetic 1,000 files + ../shared/corpus
    python benchmarks/bench.py --files 2000 --sizes 1,10,100,200 --runs 5

Every cassette-lint run here is cold (``--no-cache``): the targets are about checking; what the
result cache saves on a re-run is timed by ``benchmarks/cache.py``.

Like for like: the anchors read the folder's ``*.yaml`` / ``*.yml`` files only, so the timed
``check`` runs are given that same list of files (with ``--skip-non-cassettes``, so that a YAML file
that is no cassette is passed over as in a walk of the folder). A folder that also holds other
recordings (HAR, test-proxy and nock JSON, httprr traces: ``../shared/corpus``) gets one more row,
``check -j1`` on the folder as given, every format read: informational, in no target.

Targets (issue 7): check -j1 / ruamel load <= 1.0; check faster than check-jsonschema;
check -j1 / check -jN >= 1.7 on >= 1,000 files; yamllint / check -jN >= 20; one small file no slower
than yamllint; time per MB flat from 1 MB to 200 MB (read here: every size within 20% of the sizes'
median) and peak memory a factor of the file that does not grow with it (within 25%).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
PY = sys.executable

LOAD_SNIPPET = r"""
import sys, pathlib
from ruamel.yaml import YAML
y = YAML(typ="safe", pure=False)
for root in sys.argv[1:]:
    for p in sorted(pathlib.Path(root).rglob("*.y*ml")):
        try:
            y.load(p.read_bytes())
        except Exception:
            pass
"""
READ_SNIPPET = r"""
import sys, pathlib
for root in sys.argv[1:]:
    for p in sorted(pathlib.Path(root).rglob("*.y*ml")):
        p.read_bytes()
"""


# -- synthetic corpus ---------------------------------------------------------------------------

def _lit(text: str, indent: int = 6) -> str:
    pad = " " * indent
    return "|+\n" + "".join((pad + ln if ln else "") + "\n" for ln in text.split("\n"))


def _chat_stream(rng: random.Random, chunks: int, tools: bool) -> str:
    cid = f"chatcmpl-{rng.getrandbits(64):x}"
    events = []
    base = {"id": cid, "object": "chat.completion.chunk", "created": 1758698521, "model": "gpt-4o-mini"}
    events.append({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                        "finish_reason": None}]})
    words = "the quick brown fox jumps over the lazy dog in Florence Italy today".split()
    if tools:
        args = json.dumps({"location": "Florence, Italy", "unit": "celsius", "days": rng.randint(1, 9)})
        parts = [args[i:i + 7] for i in range(0, len(args), 7)]
        events.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_1",
                       "type": "function", "function": {"name": "get_weather", "arguments": ""}}]},
                       "finish_reason": None}]})
        for p in parts:
            events.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0,
                           "function": {"arguments": p}}]}, "finish_reason": None}]})
        finish = "tool_calls"
    else:
        for _ in range(chunks):
            events.append({**base, "choices": [{"index": 0, "delta": {"content": " " + rng.choice(words)},
                                                "finish_reason": None}]})
        finish = "stop"
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    events.append({**base, "choices": [], "usage": {"prompt_tokens": 20, "completion_tokens": chunks,
                                                    "total_tokens": 20 + chunks}})
    return "".join(f"data: {json.dumps(e, separators=(',', ':'))}\n\n" for e in events) + "data: [DONE]\n\n"


def synthetic_cassette(rng: random.Random, chunks: int) -> str:
    tools = rng.random() < 0.3
    req = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hi in Portuguese"}],
           "stream": True, "stream_options": {"include_usage": True}}
    if tools:
        req["tools"] = [{"type": "function", "function": {"name": "get_weather", "parameters": {
            "type": "object", "properties": {"location": {"type": "string"}, "unit": {"type": "string"},
                                              "days": {"type": "integer"}}, "required": ["location"]}}}]
    body = json.dumps(req, separators=(",", ":"))
    stream = _chat_stream(rng, chunks, tools)
    quoted = "'" + body.replace("'", "''") + "'"
    return f"""---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: {len(body.encode())}
    host: ""
    body: {quoted}
    headers:
      Accept:
      - application/json
      Content-Type:
      - application/json
    url: https://api.openai.com/v1/chat/completions
    method: POST
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: {_lit(stream)}    headers:
      Content-Type:
      - text/event-stream
    status: 200 OK
    code: 200
    duration: 767.782833ms
"""


def make_corpus(dest: pathlib.Path, files: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for i in range(files):
        d = dest / f"Test{i // 50:03d}"
        d.mkdir(parents=True, exist_ok=True)
        # ~15 KB on average, like real LLM cassettes (28 MB / 1,793 files)
        (d / f"case_{i:05d}.yaml").write_text(synthetic_cassette(rng, rng.randint(20, 90)))


def make_big(path: pathlib.Path, megabytes: int) -> None:
    rng = random.Random(megabytes)
    one = synthetic_cassette(rng, 60)
    head, _, tail = one.partition("    body: |+\n")
    stream_start = tail.index("\n    headers:")
    line = "      " + tail.splitlines()[0].strip()
    target = megabytes * 1024 * 1024
    with path.open("w") as fh:
        fh.write(head + "    body: |+\n")
        written = len(head)
        chunk = (line + "\n\n") * 200
        while written < target:
            fh.write(chunk)
            written += len(chunk)
        fh.write("      data: [DONE]\n\n" + tail[stream_start + 1:])


# -- timing -------------------------------------------------------------------------------------

def timed(cmd: list[str], runs: int, cwd: str | None = None) -> tuple[float, int, int]:
    """(median seconds, max RSS in KB, exit status) of ``runs`` whole-process runs."""
    times, rss, rc = [], 0, 0
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - t0)
        rss = max(rss, usage.ru_maxrss)
        rc = os.waitstatus_to_exitcode(status)
    return statistics.median(times), rss, rc


def tool(name: str) -> str | None:
    exe = pathlib.Path(PY).with_name(name)
    return str(exe) if exe.exists() else shutil.which(name)


def cassette_lint_cmd() -> list[str]:
    """How users run it: the console script installed beside this interpreter (``python -m
    cassette_lint`` only where there is none: it also imports ``runpy``, ~2 ms)."""
    exe = pathlib.Path(PY).with_name("cassette-lint")
    return [str(exe)] if exe.exists() else [PY, "-m", "cassette_lint"]


def halves_cmd(root: pathlib.Path) -> list[str] | None:
    """Two ``check -j1`` processes started at once, each on half of the folder's subfolders (by file
    count), no coordination between them: what this machine gives two independent processes, the
    ceiling for any ``-j2``. None when the files are not spread over subfolders."""
    groups = [(d, sum(1 for _ in d.rglob("*.y*ml"))) for d in sorted(root.iterdir()) if d.is_dir()]
    if len(groups) < 2:
        return None
    total, acc, cut = sum(n for _, n in groups), 0, 0
    while cut < len(groups) - 1 and acc + groups[cut][1] <= total / 2:
        acc += groups[cut][1]
        cut += 1
    one = shlex.join([*cassette_lint_cmd(), "check", "--no-cache", "-q", "-j1", *(str(d) for d, _ in groups[:max(cut, 1)])])
    two = shlex.join([*cassette_lint_cmd(), "check", "--no-cache", "-q", "-j1", *(str(d) for d, _ in groups[max(cut, 1):])])
    return ["sh", "-c", f"{one} & {two}; wait"]


def yaml_files(root: pathlib.Path) -> list[pathlib.Path]:
    """What the anchors read: every ``*.y*ml`` file under ``root``, sorted."""
    return sorted(p for p in root.rglob("*.y*ml") if p.is_file())


def size_of(files: list[pathlib.Path]) -> tuple[int, int]:
    return len(files), sum(p.stat().st_size for p in files)


def check_targets(root: pathlib.Path, files: list[pathlib.Path]) -> tuple[list[str], bool]:
    """The arguments that make ``check`` read the anchors' files, and whether the folder holds other
    files too (then the list is given, not the folder)."""
    listed = set(files)
    if all(p in listed for p in root.rglob("*") if p.is_file()):
        return [str(root)], False
    return ["--skip-non-cassettes", *map(str, files)], True


def interleaved(cmds: dict[str, list[str]], runs: int, slow: frozenset = frozenset()) -> dict[str, list[float]]:
    """Seconds of each whole-process run, the commands taking turns round by round.

    On a shared machine the speed drifts during a benchmark; running A, B, C, A, B, C ... instead of
    A, A, A, B, B, B ... puts every command under the same conditions, so the per-round ratios are
    steady even when the absolute figures move. ``slow`` commands (yamllint) run every other round.
    """
    out: dict[str, list[float]] = {k: [] for k in cmds}
    for i in range(runs):
        for k, cmd in cmds.items():
            if k in slow and i % 2:
                continue
            out[k].append(timed(cmd, 1)[0])
    return out


def _ratio(a: list[float], b: list[float]) -> float:
    """Median of the per-round ratios a/b (rounds where both ran)."""
    return statistics.median(x / y for x, y in zip(a, b))


def bench_folder(label: str, root: pathlib.Path, runs: int, jobs: int) -> dict:
    files = yaml_files(root)
    n, size = size_of(files)
    mb = size / 1e6
    targets, listed = check_targets(root, files)
    load_k, j1_k, jn_k = "ruamel YAML(typ='safe', pure=False).load", "cassette-lint check -j1", f"cassette-lint check -j{jobs}"
    cmds = {
        "read all bytes": [PY, "-c", READ_SNIPPET, str(root)],
        load_k: [PY, "-c", LOAD_SNIPPET, str(root)],
        j1_k: [*cassette_lint_cmd(), "check", "--no-cache", "-q", "-j1", *targets],
        jn_k: [*cassette_lint_cmd(), "check", "--no-cache", "-q", f"-j{jobs}", *targets],
    }
    all_k = None
    if listed:  # the folder as given: every format read (informational, in no target)
        others = sum(1 for p in root.rglob("*") if p.is_file()) - n
        all_k = f"(informational) cassette-lint check -j1 on the folder as given ({n + others:,} files, every format)"
        cmds[all_k] = [*cassette_lint_cmd(), "check", "--no-cache", "-q", "-j1", str(root)]
    halves_k = "two check -j1 on halves at once (the machine's ceiling)"
    halves = halves_cmd(root) if jobs == 2 and n >= 1000 else None
    if halves:
        cmds[halves_k] = halves
    cj = tool("check-jsonschema")
    if cj:
        cmds["check-jsonschema (schema only)"] = [cj, "--schemafile", str(ROOT / "schemas" / "go-vcr-v2.schema.json"),
                                                  *map(str, files)]
    yl = tool("yamllint")
    if yl:
        cmds["yamllint (default config)"] = [yl, "-f", "parsable", str(root)]
    t = interleaved(cmds, runs, slow=frozenset({"check-jsonschema (schema only)", "yamllint (default config)"}))
    rows = {k: statistics.median(v) for k, v in t.items()}
    print(f"\n### {label}: {n:,} YAML files, {mb:.1f} MB (median of {runs} interleaved rounds)\n")
    if listed:
        print("(check is given the anchors' list of YAML files; the folder's other files are read only in "
              "the informational row)\n")
    print("| what | seconds | MB/s | files/s |")
    print("|---|---:|---:|---:|")
    for k, v in rows.items():
        if k == all_k:  # other files, other sizes: the per-MB and per-file figures would not compare
            print(f"| {k} | {v:.2f} | | |")
            continue
        print(f"| {k} | {v:.2f} | {mb / v:.1f} | {n / v:,.0f} |")
    print("\nTargets, on the median of the per-round ratios (each round runs every command once):\n")
    r1 = _ratio(t[j1_k], t[load_k])
    print(f"- target 1: check -j1 / ruamel load = {r1:.3f} (goal <= 1.0; rounds: "
          f"{', '.join(f'{a / b:.2f}' for a, b in zip(t[j1_k], t[load_k]))}): {'met' if r1 <= 1.0 else 'NOT met'}")
    if cj:
        rc = _ratio(t[j1_k], t["check-jsonschema (schema only)"])
        print(f"- target 1b: check -j1 / check-jsonschema = {rc:.2f} (goal < 1.0): {'met' if rc < 1.0 else 'NOT met'}")
    r2 = _ratio(t[j1_k], t[jn_k])
    print(f"- target 2: check -j1 / check -j{jobs} = {r2:.3f}x (goal >= 1.7 on >= 1,000 files): "
          f"{'met' if r2 >= 1.7 else 'NOT met'}{'' if n >= 1000 else ' (fewer than 1,000 files)'}")
    if halves:
        rh = _ratio(t[j1_k], t[halves_k])
        print(f"  (for comparison: check -j1 / two independent check -j1 on halves at once = {rh:.2f}x; "
              "no -j2 can beat that ceiling on this machine)")
    if yl:
        rb = _ratio(t["yamllint (default config)"], t[jn_k])
        print(f"- target 2b: yamllint / check -j{jobs} = {rb:.1f}x (goal >= 20): {'met' if rb >= 20 else 'NOT met'}")
    return rows


def bench_single(runs: int, tmp: pathlib.Path) -> None:
    f = ROOT / "tests" / "fixtures" / "seeds" / "openrouter_fireworks_streaming.yaml"
    cmds = {"python -c pass": [PY, "-c", "pass"],
            "cassette-lint check (one file)": [*cassette_lint_cmd(), "check", "--no-cache", "-q", str(f)]}
    yl = tool("yamllint")
    if yl:
        cmds["yamllint (one file)"] = [yl, str(f)]
    t = interleaved(cmds, runs)
    print(f"\n### one small cassette ({f.stat().st_size:,} bytes, the pre-commit case; median of {runs} "
          "interleaved rounds)\n")
    print("| what | seconds |\n|---|---:|")
    for k, v in t.items():
        print(f"| {k} | {statistics.median(v):.3f} |")
    if yl:
        r = _ratio(t["cassette-lint check (one file)"], t["yamllint (one file)"])
        print(f"\n- target 3: cassette-lint / yamllint = {r:.2f} (goal <= 1.0): {'met' if r <= 1.0 else 'NOT met'}")


#: target 4's reading of "flat": every size's time per MB within this fraction of their median
FLAT = 0.20


def bench_sizes(sizes: list[int], tmp: pathlib.Path) -> None:
    """Target 4: one streamed cassette of growing size. Each size takes turns, round by round, with
    the smallest cassette of the same generator (the fixed cost: start-up and the first use of every
    rule), which each round subtracts: what is left is the cost of the size itself."""
    # the small sizes' own cost (~0.05 s at 1 MB) is near the noise of a whole-process time on this
    # machine (+-0.02 s): more rounds there, so each size's median rests on ~1 s of its own work
    rounds = {mb: 3 if mb >= 100 else max(5, min(21, -(-20 // mb))) for mb in sizes}
    print("\n### linear cost: one cassette of growing size (one streamed body, -j1)\n")
    base_file = tmp / "big_0.yaml"
    make_big(base_file, 0)
    # the same command line as the sizes' (--max-file-size is read by click, the others are not:
    # the console script reads simple command lines without importing it)
    base_cmd = [*cassette_lint_cmd(), "check", "--no-cache", "-q", "-j1", "--max-file-size=0", str(base_file)]
    print(f"Each size: median of {', '.join(f'{rounds[mb]}' for mb in sizes)} rounds (by size), each "
          "round also timing the same generator's "
          f"smallest cassette ({base_file.stat().st_size:,} bytes: start-up and fixed costs), which "
          "'s/MB' and 'RSS / file size' leave out.\n")
    print("| size | seconds | s/MB | peak RSS | RSS / file size |")
    print("|---:|---:|---:|---:|---:|")
    per_mb, factors = {}, {}
    for mb in sizes:
        p = tmp / f"big_{mb}.yaml"
        make_big(p, mb)
        real = p.stat().st_size
        cmd = [*cassette_lint_cmd(), "check", "--no-cache", "-q", "-j1", "--max-file-size=0", str(p)]
        secs, costs, rss, base_rss = [], [], 0, 0
        for _ in range(rounds[mb]):
            b, b_rss, _ = timed(base_cmd, 1)
            t, r, _ = timed(cmd, 1)
            secs.append(t)
            costs.append((t - b) / (real / 1e6))
            rss, base_rss = max(rss, r), max(base_rss, b_rss)
        per_mb[mb] = statistics.median(costs)
        factors[mb] = (rss - base_rss) * 1024 / real
        print(f"| {real / 1e6:.0f} MB | {statistics.median(secs):.2f} | {per_mb[mb]:.3f} | {rss / 1024:.0f} MB | "
              f"{factors[mb]:.1f}x |")
        p.unlink()
    mid = statistics.median(per_mb.values())
    worst = max(abs(v / mid - 1) for v in per_mb.values())
    flat = worst <= FLAT
    bounded = max(factors.values()) <= 1.25 * min(factors.values())
    print(f"\n- target 4: time per MB {min(per_mb.values()):.3f}-{max(per_mb.values()):.3f} s from {min(sizes)} to "
          f"{max(sizes)} MB, at most {worst:.0%} from their median (goal: flat, within {FLAT:.0%}): "
          f"{'met' if flat else 'NOT met'}; peak memory {min(factors.values()):.1f}-{max(factors.values()):.1f}x "
          f"the file at every size (goal: a factor of the file that does not grow with it, within 25%): "
          f"{'met' if bounded else 'NOT met'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1000, help="synthetic cassettes to generate")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--sizes", default="", help="comma-separated MB sizes for the linearity table, e.g. 1,10,100,200")
    ap.add_argument("--corpus", action="append", default=None, help="folder(s) to time (default ../shared/corpus)")
    ap.add_argument("--no-synthetic", action="store_true")
    ap.add_argument("--no-single", action="store_true")
    args = ap.parse_args()
    print(f"cassette-lint benchmark — {time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as t:
        tmp = pathlib.Path(t)
        if not args.no_synthetic:
            syn = tmp / "synthetic"
            make_corpus(syn, args.files)
            bench_folder(f"synthetic go-vcr v2 corpus", syn, args.runs, args.jobs)
        corpora = [pathlib.Path(c) for c in args.corpus] if args.corpus else ([SHARED / "fantasy", SHARED] if SHARED.exists() else [])
        for c in corpora:
            if not c.is_dir():
                print(f"\n(no folder {c}: skipped)")
                continue
            bench_folder(str(c), c, args.runs, args.jobs)
        if not args.no_single:
            bench_single(max(args.runs, 10), tmp)
        if args.sizes:
            bench_sizes([int(s) for s in args.sizes.split(",")], tmp)


if __name__ == "__main__":
    main()
