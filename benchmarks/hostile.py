#!/usr/bin/env python3
"""Time and peak memory of cassette-lint on hostile inputs (issue 8); figures for the README's Limits.

    python benchmarks/hostile.py                    # every case, sizes 1, 10, 100, 200 MB
    python benchmarks/hostile.py --sizes 1,10       # quicker
    python benchmarks/hostile.py --only bombs       # bombs and deep nesting only

Each case is a fresh ``cassette-lint check --isolated -j1 --max-file-size 0 FILE`` process; wall time
is measured around it and peak memory is the child's own high-water mark (``VmHWM`` read from
``/proc/self/status`` as it leaves, on Linux; elsewhere ``wait4``'s ``ru_maxrss``, which on Linux
would carry over the parent's resident set through fork).
The size series repeats one real-looking streamed interaction (a go-vcr v2 OpenRouter stream from
``tests/fixtures/seeds``) until the file reaches the size, with one broken ``content_length`` at the
end so the run has a finding to report; the single-line case is one interaction whose body is one
line of N MB.  Files are written to a temporary directory and removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seeds" / "openrouter_fireworks_streaming.yaml"
MB = 1024 * 1024


#: the console script, run with the high-water mark of its own resident set printed as it leaves
MEASURED = ("import os, sys\n"
            "real = os._exit\n"
            "def leave(code):\n"
            "    try:\n"
            "        hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0].split()[1]\n"
            "        os.write(2, f'\\nVmHWM={hwm}\\n'.encode())\n"
            "    except OSError:\n"
            "        pass\n"
            "    real(code)\n"
            "os._exit = leave\n"
            "sys.argv = ['cassette-lint', *sys.argv[1:]]\n"
            "from cassette_lint.console import entry\n"
            "entry()\n")


def run(path: pathlib.Path, *extra: str) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit status, first output line) of one CLI process."""
    cmd = [sys.executable, "-c", MEASURED, "check", "--isolated", "-j1", "--max-file-size", "0", *extra, str(path)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        secs = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        lines = out.read().decode("utf-8", "replace").splitlines()
        hwm = [ln for ln in err.read().decode("utf-8", "replace").splitlines() if ln.startswith("VmHWM=")]
    peak = int(hwm[-1].split("=")[1]) / 1024 if hwm else usage.ru_maxrss / 1024
    return secs, peak, os.waitstatus_to_exitcode(status), lines[0] if lines else ""


def big_cassette(path: pathlib.Path, size: int) -> None:
    text = SEED.read_text("utf-8")
    head, rest = text.split("interactions:\n", 1)
    item = rest if rest.startswith("  - ") else rest
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(head + "interactions:\n")
        n = len(head) + 14
        i = 0
        while n < size:
            chunk = item.replace("  - id: 0", f"  - id: {i}", 1)
            fh.write(chunk)
            n += len(chunk.encode())
            i += 1
        fh.write(item.replace("  - id: 0", f"  - id: {i}", 1).replace("content_length: 286", "content_length: 285"))


def one_line(path: pathlib.Path, size: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("version: 2\ninteractions:\n- request:\n    method: POST\n    url: https://example.com/\n"
                 f"    content_length: {size + 1}\n    body: '")
        block = "x" * MB
        for _ in range(size // MB):
            fh.write(block)
        fh.write("'\n  response:\n    code: 200\n    body: ok\n")


def write_lines(path: pathlib.Path, parts) -> None:
    """Write piece by piece: this process stays small, so a child it forks does not start with a
    large inherited resident set (Linux carries the pre-exec high-water mark into ``ru_maxrss``)."""
    with open(path, "w", encoding="utf-8") as fh:
        for part in parts:
            fh.write(part)


def interaction(headers: dict) -> str:
    """A vcrpy interaction (JSON serializer, compact) whose response has ``headers`` and the body ``ok``."""
    import json

    return json.dumps({"request": {"method": "GET", "uri": "https://api.example.com/", "body": None, "headers": {}},
                       "response": {"status": {"code": 200, "message": "OK"}, "headers": headers,
                                    "body": {"string": "ok"}}}, separators=(",", ":"))


def vcrpy_json(interactions: list[str]) -> str:
    return '{"version":1,"interactions":[' + ",".join(interactions) + "]}"


def laughs(path: pathlib.Path, levels: int) -> None:
    lines = ["version: 2", "interactions: []", "a0: &a0 [" + ", ".join(["lol"] * 9) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    path.write_text("\n".join(lines) + "\n", "utf-8")


def gzip_bomb(path: pathlib.Path, expanded_gb: int) -> None:
    """gzip members of 64 MB of YAML-looking text each, concatenated (gzip's multi-member form): a few
    MB on disk that expand to ``expanded_gb`` GB."""
    import zlib

    c = zlib.compressobj(9, zlib.DEFLATED, 31)  # one gzip member, compressed 1 MB at a time (this
    member = c.compress(b"version: 2\n#")      # process stays small: see write_lines)
    for _ in range(64):
        member += c.compress(b"#" * MB)
    member += c.flush()
    with open(path, "wb") as fh:
        for _ in range(expanded_gb * 16):
            fh.write(member)


def row(name: str, size: int, result) -> str:
    secs, rss, rc, first = result
    ratio = f"{rss / (size / MB):.1f}x" if size >= MB else ""
    return f"| {name} | {size / MB:,.1f} MB | {secs:.2f} s | {rss:,.0f} MB | {ratio} | {rc} | {first[:70]} |"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,10,100,200", help="cassette sizes in MB (default 1,10,100,200)")
    ap.add_argument("--line", type=int, default=50, help="size in MB of the single-line body (default 50)")
    ap.add_argument("--only", choices=["bombs", "sizes"], help="run one group only")
    args = ap.parse_args()
    print("| case | file | time | peak RSS | RSS / file size | exit | first line of output |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="cassette-hostile-") as tmp:
        d = pathlib.Path(tmp)
        base = d / "seed.yaml"
        base.write_bytes(SEED.read_bytes())
        print(row("baseline: one seed cassette", base.stat().st_size, run(base)), flush=True)
        if args.only != "sizes":
            cases = {
                "billion laughs (9^10 leaves)": lambda p: laughs(p, 10),
                "nesting 10,000 (block)": lambda p: write_lines(p, (" " * i + "a:\n" for i in range(10_000))),
                "nesting 1,000,000 (flow [)": lambda p: write_lines(p, ["[" * 1_000_000, "]" * 1_000_000]),
                "nesting 1,000,000 (flow {a:)": lambda p: write_lines(p, ("{a: " for _ in range(1_000_000))),
            }
            mb = 6 * MB  # shapes too dense for their size (issue 18): memory bounded by the file regardless
            cases.update({
                "json flat array {interactions:[1,1,...]}": lambda p: write_lines(
                    p, ['{"interactions":[', ",".join(["1"] * (mb // 2)), "]}"]),
                "yaml flow array [1,1,...]": lambda p: write_lines(p, ["interactions: [", ",".join(["1"] * (mb // 2)), "]\n"]),
                "yaml block array - 1": lambda p: write_lines(p, ["interactions:\n", "- 1\n" * (mb // 4)]),
                "json wide mapping {k0:1,...}": lambda p: write_lines(
                    p, ["{", ",".join(f'"k{i}":1' for i in range(mb // 12)), "}"]),
                "yaml wide mapping k0: 1": lambda p: write_lines(p, (f"k{i}: 1\n" for i in range(mb // 10))),
                "json array of {} (vcrpy-shaped)": lambda p: write_lines(
                    p, ['{"version":1,"interactions":[', ",".join(["{}"] * (mb // 3)), "]}"]),
                "json nested 8 deep, repeated": lambda p: write_lines(
                    p, ['{"interactions":[', ",".join(["[[[[[[[[1]]]]]]]]"] * (mb // 18)), "]}"]),
                "yaml nested 150 deep, repeated": lambda p: write_lines(
                    p, ["interactions:\n", ("- " + "[" * 150 + "1" + "]" * 150 + "\n") * (mb // 305)]),
                # dense JSON cassettes with findings (the C decoder's path, positions composed for them)
                "json cassette: one interaction of 500k headers, a finding": lambda p: write_lines(
                    p, [vcrpy_json([interaction({**{f"h{i}": ["1"] for i in range(mb // 12)},
                                                 "Content-Length": ["5"]})])]),
                "json cassette: 33k tiny interactions, findings": lambda p: write_lines(
                    p, [vcrpy_json([interaction({"Content-Length": ["5"]})] * (mb // 190))]),
                "json cassette: a body array of 3M numbers, a finding": lambda p: write_lines(
                    p, [vcrpy_json([interaction({"Content-Length": ["5"]})[:-1] + ',"x":['
                                    + ",".join(["1"] * (mb // 2)) + "]}"])]),
                "json cassette: 70 chars a value, a finding (read in full)": lambda p: write_lines(
                    p, [vcrpy_json([interaction({**{f"X-Header-Long-Name-Padding-Padding-Padding-Padding-"
                                                    f"Padding-{i:08d}": ["v" * 110] for i in range(mb // 190)},
                                                 "Content-Length": ["5"]})])]),
            })
            for name, make in cases.items():
                p = d / ("case.json" if name.startswith("json") else "case.yaml")
                make(p)
                print(row(name, p.stat().st_size, run(p)), flush=True)
                p.unlink()
            p = d / "bomb.yaml.gz"
            gzip_bomb(p, 4)
            print(row("gzip bomb (4 GB of text), default --max-file-size 20M", p.stat().st_size,
                      run(p, "--max-file-size", "20M")), flush=True)
            p.unlink()
        if args.only != "bombs":
            for mb in [float(x) for x in args.sizes.split(",") if x]:
                p = d / "big.yaml"
                big_cassette(p, int(mb * MB))
                print(row(f"go-vcr cassette of {mb:g} MB", p.stat().st_size, run(p)), flush=True)
                p.unlink()
            p = d / "line.yaml"
            one_line(p, args.line * MB)
            print(row(f"one body line of {args.line} MB", p.stat().st_size, run(p)), flush=True)
            print(row("  same, --max-file-size 1M", p.stat().st_size,
                      run(p, "--max-file-size", "1M")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
