#!/usr/bin/env python3
"""Fuzz cassette-lint's loader and every registered rule for a time budget.

    python fuzz/run.py                     # 60 s, as CI runs it (.ci/run: FUZZ_SECONDS)
    python fuzz/run.py --seconds 3600 -j 2 # an hour on two cores, by hand
    python fuzz/run.py --seed 1234 --seconds 10 --corpus ../shared/corpus   # reproducible, more seeds

Inputs come from ``fuzz/gen.py``: strange but schema-shaped cassettes of every format in random YAML
styles (or JSON), the same damaged byte-wise, damaged seed cassettes (``tests/fixtures/seeds`` and any
``--corpus`` folder, read in place, never copied), and random bytes.  Each input is written to a
temporary file and checked by the real engine with every rule enabled, then its safe fixes are
applied and the result checked again (``gen.oracle``).

A *crash* is: an exception escaping ``check_file``, an ``X001`` internal error, a finding outside the
file, a fix that does not apply or breaks the YAML, an input taking longer than ``--timeout`` seconds,
or the worker process dying (a C-level crash such as a stack overflow).  Each crash is saved as
``fuzz/crashes/<sha>.<ext>`` with a ``.txt`` describing it; the run exits 1 when it found any.
Turn a crash into a regression test by moving the input to ``fuzz/regressions/`` (replayed by
``tests/test_fuzz_properties.py``) once it is fixed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pathlib
import random
import signal
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
if (ROOT / "lint").is_dir():
    sys.path.insert(0, str(ROOT / "lint"))

import gen  # noqa: E402


class Timeout(BaseException):
    """An input took too long (BaseException: the engine's ``except Exception`` must not swallow it)."""


def _alarm(signum, frame):
    raise Timeout()


def load_seeds(dirs: list[str], limit: int = 400) -> list[bytes]:
    out = []
    for d in dirs:
        for p in sorted(pathlib.Path(d).rglob("*")):
            if p.suffix in (".yaml", ".yml", ".json") and p.is_file() and p.stat().st_size < 2_000_000:
                out.append(p.read_bytes())
                if len(out) >= limit:
                    return out
    return out


def save_crash(out_dir: pathlib.Path, data: bytes, suffix: str, why: str) -> pathlib.Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256(data).hexdigest()[:16]
    p = out_dir / f"{h}{suffix}"
    p.write_bytes(data)
    (out_dir / f"{h}.txt").write_text(why, "utf-8")
    return p


def worker(args) -> int:
    """Generate and check inputs until the deadline; the current input is kept in ``args.current``
    (so that the parent can save it if this process dies)."""
    r = random.Random(args.seed)
    seeds = load_seeds(args.seed_dirs)
    deadline = time.monotonic() + args.seconds
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="cassette-fuzz-"))
    signal.signal(signal.SIGALRM, _alarm)
    n = crashes = 0
    try:
        while time.monotonic() < deadline:
            data, suffix = gen.generate(r, seeds)
            with open(args.current, "wb") as fh:
                fh.write(suffix.encode() + b"\n" + data)
            path = tmp / f"input{suffix}"
            path.write_bytes(data)
            signal.alarm(args.timeout)
            try:
                bad = gen.oracle(str(path))
            except Timeout:
                bad = [f"took longer than {args.timeout} s"]
            finally:
                signal.alarm(0)
            n += 1
            if bad:
                crashes += 1
                p = save_crash(args.out, data, suffix, "\n".join(bad))
                print(f"CRASH {p}: {bad[0][:300]}", flush=True)
    finally:
        for p in tmp.iterdir():
            p.unlink()
        tmp.rmdir()
    print(f"worker seed={args.seed}: {n} inputs, {crashes} crashes", flush=True)
    return 1 if crashes else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60, help="time budget (default 60)")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: time-based, printed)")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default 1)")
    ap.add_argument("--timeout", type=int, default=20, help="seconds one input may take (default 20)")
    ap.add_argument("--corpus", action="append", default=[], help="more seed folders (read in place)")
    ap.add_argument("--out", type=pathlib.Path, default=HERE / "crashes", help="where crashes are saved")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--current", help=argparse.SUPPRESS)
    ap.add_argument("--seed-dirs", nargs="*", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)

    seed = args.seed if args.seed is not None else int(time.time())
    seed_dirs = [str(ROOT / "tests" / "fixtures" / "seeds")] + args.corpus
    print(f"fuzz: {args.seconds:g} s, {args.jobs} worker(s), seed {seed}, seeds from {', '.join(seed_dirs)}",
          flush=True)
    deadline = time.monotonic() + args.seconds
    found = 0
    k = 0
    procs: dict = {}
    tmpdir = tempfile.mkdtemp(prefix="cassette-fuzz-cur-")

    def start(slot: int):
        nonlocal k
        left = deadline - time.monotonic()
        if left <= 1:
            return
        cur = os.path.join(tmpdir, f"current-{slot}")
        cmd = [sys.executable, __file__, "--worker", "--seconds", f"{left:.1f}", "--seed", str(seed + 7919 * k),
               "--timeout", str(args.timeout), "--out", str(args.out), "--current", cur, "--seed-dirs", *seed_dirs]
        k += 1
        procs[slot] = (subprocess.Popen(cmd), cur)

    for slot in range(max(1, args.jobs)):
        start(slot)
    while procs:
        time.sleep(0.2)
        for slot, (p, cur) in list(procs.items()):
            rc = p.poll()
            if rc is None:
                continue
            del procs[slot]
            if rc == 1:
                found += 1
            elif rc != 0:  # the worker died (signal or C-level crash): keep the input it was on
                found += 1
                try:
                    raw = open(cur, "rb").read()
                    suffix, data = raw.split(b"\n", 1)
                    c = save_crash(args.out, data, suffix.decode(), f"worker process died with status {rc}")
                    print(f"CRASH {c}: worker died with status {rc}", flush=True)
                except OSError:
                    print(f"CRASH: worker died with status {rc} before its first input", flush=True)
                start(slot)  # keep fuzzing for the rest of the budget
    for f in os.listdir(tmpdir):
        os.unlink(os.path.join(tmpdir, f))
    os.rmdir(tmpdir)
    print("fuzz: " + ("crashes found, see " + str(args.out) if found else "no crash"), flush=True)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
