#!/usr/bin/env python3
"""Time the YAML loading paths that cassette-lint chose between, in one process, on one folder.

    python benchmarks/loaders.py [DIR]          # default ../shared/corpus/fantasy

Prints the best of 3 runs of each: cassette-lint's loader (libyaml composer with a no-op resolver,
light nodes, plain data built and resolved in one walk), the bare libyaml composer, ruamel.yaml's
C safe loader, and its pure-Python safe loader (the fallback without ruamel.yaml.clib).
"""

import pathlib
import sys
import time

from ruamel.yaml import YAML

from cassette_lint import loader

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2] / "shared" / "corpus" / "fantasy")
files = sorted(p for p in root.rglob("*.y*ml") if p.is_file())
datas = [p.read_bytes() for p in files]
print(f"{len(files)} files, {sum(map(len, datas)) / 1e6:.1f} MB in {root}")


def best(fn, runs=3):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        for d in datas:
            try:
                fn(d)
            except Exception:
                pass
        out.append(time.perf_counter() - t)
    return min(out)


c_safe = YAML(typ="safe", pure=False)
pure_safe = YAML(typ="safe", pure=True)
rows = [
    ("cassette-lint loader.load (compose + build data)", lambda d: loader.load("x.yaml", d)),
    ("libyaml composer only (loader._compose_all)", lambda d: loader._compose_all(d.decode())),
    ("ruamel YAML(typ='safe', pure=False).load", c_safe.load),
    ("ruamel YAML(typ='safe', pure=True).load", pure_safe.load),
]
for name, fn in rows:
    print(f"{name:52s} {best(fn):.3f} s")
