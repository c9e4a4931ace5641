#!/usr/bin/env python3
"""Cost per file and per MB of each cassette format, in one process (no start-up), on the shared corpus.

    python benchmarks/formats.py [--rounds 5]

For each folder of ``../shared/corpus`` (its files' format as detected), the best of ``--rounds`` runs
of two paths: *read* (loading + format detection + building the model: what a format's reader costs)
and *check* (the whole per-file pipeline, every rule, as ``check -j1`` does it). The go-vcr folder is
the reference: a new reader is "no slower per byte" when its read cost per MB is at most go-vcr's.
"""

from __future__ import annotations

import argparse
import pathlib
import time

from cassette_lint import discovery, formats, loader, loader_httprr, pipeline
from cassette_lint.options import Options

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared" / "corpus"
FOLDERS = ("fantasy", "govcr-own", "vcrpy-llm", "vcrpy-own", "ruby-vcr-own", "har-openllmetry-js",
           "testproxy-openai-dotnet", "httprr-adk-go", "nock-otel-js-contrib")


def read(path: str, data: bytes) -> str | None:
    loaded = loader_httprr.load(path, data) if loader_httprr.is_trace(path) else loader.load(path, data)
    doc = loaded.document
    if doc is None:
        return None
    adapter = formats.detect(doc.data)
    if adapter is None:
        return None
    adapter.build(doc, path)
    return adapter.FORMAT


def best(fn, rounds: int) -> float:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    opts = Options()
    rows = []
    for name in FOLDERS:
        root = SHARED / name
        if not root.is_dir():
            continue
        targets = discovery.discover([str(root)])
        files = [(t.path, pathlib.Path(t.path).read_bytes()) for t in targets]
        fmts = {read(p, d) for p, d in files} - {None}
        mb = sum(len(d) for _, d in files) / 1e6
        r = best(lambda: [read(p, d) for p, d in files], args.rounds)
        c = best(lambda: [pipeline.check_file(t, opts) for t in targets], args.rounds)
        rows.append((name, ",".join(sorted(fmts)), len(files), mb, r, c))
    ref = next((row for row in rows if row[0] == "fantasy"), None)
    print(f"{'folder':26} {'format':12} {'files':>5} {'MB':>6} {'read ms/file':>12} {'read s/MB':>9} "
          f"{'check ms/file':>13} {'check s/MB':>10} {'read/MB vs go-vcr':>17}")
    for name, fmt, n, mb, r, c in rows:
        vs = f"{(r / mb) / (ref[4] / ref[3]):.2f}" if ref else "-"
        print(f"{name:26} {fmt:12} {n:5d} {mb:6.2f} {1000 * r / n:12.2f} {r / mb:9.3f} {1000 * c / n:13.2f} "
              f"{c / mb:10.3f} {vs:>17}")


if __name__ == "__main__":
    main()
