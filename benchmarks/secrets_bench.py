#!/usr/bin/env python3
"""Secret scanning: its share of the per-file cost (before vs after a change), and cassette-lint's
secret rules side by side with detect-secrets on a corpus and on a planted set.

    python benchmarks/secrets_bench.py                                # ../shared/corpus, this tree
    python benchmarks/secrets_bench.py --before /tmp/cl-main/lint     # + the share on another tree
    pip install detect-secrets                                        # for the comparison (dev only)

Share: every cassette of the corpus is checked in-process with all default rules, with the ``K``
rules only and with no rule (read, load, build the model), the three taking turns for ``--runs``
rounds; the secret rules' cost is ``K only - no rule`` of the fastest rounds (CPU time), its share
that over the cost with all rules.  ``--before SRC`` runs the same measurement in a
subprocess on another source tree (``git archive main | tar -x -C /tmp/cl-main``).

Comparison: the planted set holds one synthetic credential per file, each behind one encoding or
location a recorder uses (headers, query, JSON, JSON escapes, JSON-in-JSON, ``!!binary`` headers,
base64 blobs, ``data:`` URIs, gzip bodies, Basic, percent-encoding, PEM, AWS …), plus scrubbed files
written in the redaction conventions of real projects.  A credential counts as found when the tool
reports its file at its line.  On the corpus (scrubbed, real) every finding is reported for review.
Keys are synthetic and built from parts at run time.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import pathlib
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"

# -- share of the per-file cost ----------------------------------------------------------------------

SHARE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from cassette_lint import discovery, pipeline
from cassette_lint.options import Options
targets = discovery.discover(sys.argv[2:-1])
runs = int(sys.argv[-1])
configs = {"all": Options(), "none": Options(select=("-",)), "k": Options(select=("K",))}
for t in targets:  # warm up: imports, compiled expressions
    pipeline.check_file(t, configs["all"])
best = dict.fromkeys(configs, float("inf"))
for _ in range(runs):
    for name, opts in configs.items():
        t0 = time.process_time()  # CPU time: steadier than wall time on a shared machine
        for t in targets:
            pipeline.check_file(t, opts)
        best[name] = min(best[name], time.process_time() - t0)
k = best["k"] - best["none"]
print(json.dumps({"files": len(targets), "full_ms": best["all"] * 1e3, "k_ms": k * 1e3,
                  "share": k / best["all"]}))
"""


def share(src: pathlib.Path, corpus: list[str], runs: int) -> dict:
    out = subprocess.run([sys.executable, "-c", SHARE, str(src), *corpus, str(runs)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


# -- the planted set ---------------------------------------------------------------------------------

_R = random.Random(16)
ALNUM = string.ascii_letters + string.digits


def rnd(n: int, chars: str = ALNUM) -> str:
    return "".join(_R.choice(chars) for _ in range(n))


def keys() -> dict[str, str]:
    mark = "T3Blbk" + "FJ"
    return {
        "openai": "sk-" + "proj-" + rnd(74, ALNUM + "_-") + mark + rnd(74, ALNUM + "_-"),
        "anthropic": "sk-" + "ant-" + "api03-" + rnd(93, ALNUM + "_-") + "AA",
        "google": "AI" + "za" + "Sy" + rnd(33, ALNUM + "_-"),
        "github": "gh" + "p_" + rnd(36),
        "slack": "xo" + "xb-" + rnd(12, string.digits) + "-" + rnd(13, string.digits) + "-" + rnd(24),
        "aws_id": "AK" + "IA" + rnd(16, string.ascii_uppercase + "234567"),
        "aws_secret": rnd(40, ALNUM + "/+"),
        "generic": rnd(32),
        "session": "IQoJb3JpZ2luX2Vj" + rnd(200, ALNUM + "/+"),
        "groq": "gs" + "k_" + rnd(52),
    }


def govcr(req_headers: str = "", url: str = "https://api.example.com/v1/x", req_body: str = "''",
          resp_body: str = "ok", resp_headers: str = "") -> str:
    return ("---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n"
            "    proto_minor: 1\n    content_length: -1\n    transfer_encoding: []\n    trailer: {}\n"
            "    host: api.example.com\n    remote_addr: \"\"\n    request_uri: \"\"\n"
            f"    body: {req_body}\n    form: {{}}\n    headers:\n      Content-Type:\n      - application/json\n"
            f"{req_headers}    url: {url}\n    method: POST\n  response:\n    proto: HTTP/2.0\n    proto_major: 2\n"
            "    proto_minor: 0\n    transfer_encoding: []\n    trailer: {}\n    content_length: -1\n"
            f"    uncompressed: false\n    body: {resp_body}\n    headers:\n      Content-Type:\n"
            f"      - application/json\n{resp_headers}    status: 200 OK\n    code: 200\n    duration: 1ms\n")


def vcrpy(headers: dict, body=None) -> str:
    from vcr.serializers import yamlserializer

    return yamlserializer.serialize({"version": 1, "interactions": [{
        "request": {"body": body, "headers": headers, "method": "POST", "uri": "https://api.example.com/v1/x"},
        "response": {"body": {"string": "{}"}, "headers": {}, "status": {"code": 200, "message": "OK"}}}]})


def hdr(name: str, value: str) -> str:
    return f"      {name}:\n      - {json.dumps(value)}\n"


def block(data: bytes) -> str:
    b64 = base64.b64encode(data).decode()
    return "!!binary |\n" + "".join(f"      {b64[i:i + 60]}\n" for i in range(0, len(b64), 60)).rstrip("\n")


def line_of(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


def planted(dest: pathlib.Path) -> list[tuple[str, str, int]]:
    """Write the planted set; ``[(file name, case, line of the credential)]``."""
    k = keys()
    cases: list[tuple[str, str, str]] = []  # (case, text, needle whose line is the credential's)

    def add(case: str, text: str, needle: str) -> None:
        cases.append((case, text, needle))

    add("header", govcr(req_headers=hdr("Authorization", "Bearer " + k["openai"])), k["openai"])
    add("query", govcr(url="https://api.example.com/v1/m?alt=sse&key=" + k["google"]), k["google"])
    add("json-key", govcr(req_body="'" + json.dumps({"api_key": k["generic"]}) + "'"), k["generic"])
    esc = json.dumps({"k": k["anthropic"]}).replace("sk-", "\\u0073k-")
    add("json-escape", govcr(resp_body="'" + esc + "'"), "\\u0073k-")
    jij = json.dumps({"arguments": json.dumps({"password": k["generic"] + "x"})})
    add("json-in-json", govcr(req_body="'" + jij + "'"), k["generic"] + "x")
    t = vcrpy({"Authorization": [("Bearer " + k["groq"]).encode()]})
    add("binary-header", t, base64.b64encode(("Bearer " + k["groq"]).encode()).decode()[:60])
    t = vcrpy({"X-Amz-Security-Token": [k["session"].encode()]})
    add("binary-session-token", t, base64.b64encode(k["session"].encode()).decode()[:60])
    blob = base64.b64encode(json.dumps({"api_key": k["github"]}).encode()).decode()
    add("base64-blob", govcr(req_body="'" + json.dumps({"blob": blob}) + "'"), blob)
    uri = "data:text/plain;base64," + base64.b64encode(("token=" + k["slack"]).encode()).decode()
    add("data-uri", govcr(req_body="'" + json.dumps({"file": uri}) + "'"), uri)
    raw = gzip.compress(json.dumps({"access_token": k["generic"] + "g"}).encode())
    t = govcr(resp_body=block(raw), resp_headers=hdr("Content-Encoding", "gzip"))
    add("gzip-body", t, "!!binary")
    basic = base64.b64encode(("x-access-token:" + k["github"]).encode()).decode()
    add("basic-auth", govcr(req_headers=hdr("Authorization", "Basic " + basic)), basic)
    pw = rnd(10) + "/" + rnd(6)
    add("percent-url-password", govcr(url="https://deploy:" + pw.replace("/", "%2F") + "@h.example.com/v2/"),
        pw.replace("/", "%2F"))
    sig = ("AWS4-HMAC-SHA256 Credential=" + k["aws_id"] + "/20250101/us-east-1/bedrock/aws4_request, "
           "SignedHeaders=host, Signature=" + rnd(64, "0123456789abcdef"))
    add("aws-sigv4", govcr(req_headers=hdr("Authorization", sig)), k["aws_id"])
    add("aws-secret", govcr(resp_body="'" + json.dumps({"Credentials": {"SecretAccessKey": k["aws_secret"]}}) + "'"),
        k["aws_secret"])
    pem = ("-----BEGIN " + "PRIVATE KEY-----\\n" + "\\n".join(rnd(64, ALNUM + "+/") for _ in range(6))
           + "\\n-----END " + "PRIVATE KEY-----\\n")
    add("pem-in-json", govcr(req_body="'{\"private_key\": \"" + pem + "\"}'"), "-----BEGIN")
    add("session-cookie", govcr(resp_headers=hdr("Set-Cookie", "session=" + rnd(40) + "; Path=/; HttpOnly")),
        "session=")
    out = []
    dest.mkdir(parents=True, exist_ok=True)
    for i, (case, text, needle) in enumerate(cases):
        name = f"{i:02d}-{case}.yaml"
        (dest / name).write_text(text)
        out.append((name, case, line_of(text, needle)))
    return out


SCRUBBED = [
    "AUTHORIZATION-XXX", "<NAME>-XXX", "XXXXXXXXXXXXXXXX", "***", "<API_KEY>", "{{API_KEY}}",
    "${OPENAI_API_KEY}", "[FILTERED]", "<REDACTED>", "REDACTED", "DUMMY", "fake-key-123", "test-key",
    "Bearer <token>", "sk-" + "proj-" + "X" * 48, "gh" + "p_" + "0" * 36, "AK" + "IA" + "IOSFODNN7" + "EXAMPLE",
]


def scrubbed(dest: pathlib.Path) -> None:
    """Files written in real projects' redaction conventions: every finding on them is a false positive."""
    dest.mkdir(parents=True, exist_ok=True)
    for i, v in enumerate(SCRUBBED):
        text = govcr(req_headers=hdr("Authorization", v if v.startswith("Bearer") else "Bearer " + v)
                     + hdr("X-Api-Key", v), url="https://api.example.com/v1/x?key=" + v.replace("$", "%24"),
                     req_body="'" + json.dumps({"api_key": v, "password": v}).replace("'", "''") + "'")
        (dest / f"scrubbed-{i:02d}.yaml").write_text(text)


# -- the tools ---------------------------------------------------------------------------------------

def cassette_lint(paths: list[str], extra: list[str] = ()) -> tuple[list[tuple[str, int]], float]:
    cmd = [sys.executable, "-m", "cassette_lint", "check", "--isolated", "--select", "K", *extra,
           "--format", "json-lines", *paths]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    dt = time.perf_counter() - t0
    hits = []
    for ln in out.splitlines():
        d = json.loads(ln)
        if "rule" in d and d["rule"].startswith("K"):
            hits.append((os.path.abspath(d["path"]), d["line"]))
    return hits, dt


def detect_secrets(paths: list[str]) -> tuple[list[tuple[str, int]], float] | None:
    exe = shutil.which("detect-secrets") or str(pathlib.Path(sys.executable).parent / "detect-secrets")
    if not os.path.exists(exe):
        return None
    hits, dt = [], 0.0
    for p in paths:
        t0 = time.perf_counter()
        out = subprocess.run([exe, "scan", "--all-files", "."], cwd=p, capture_output=True, text=True).stdout
        dt += time.perf_counter() - t0
        for f, secrets in json.loads(out)["results"].items():
            for s in secrets:
                hits.append((os.path.abspath(os.path.join(p, f)), s["line_number"], s["type"]))
    return hits, dt


def median_time(fn, runs: int):
    results = [fn() for _ in range(runs)]
    return results[0][0], statistics.median(r[1] for r in results)


def compare(corpus: list[str], runs: int) -> None:
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="secrets-bench-"))
    try:
        cases = planted(tmp / "planted")
        scrubbed(tmp / "scrubbed")
        tools = {"cassette-lint": lambda ps: cassette_lint(ps), "detect-secrets": detect_secrets}
        print(f"{'':16} {'planted: at its line':>20} {'in its file':>12} {'FP scrubbed':>12} {'findings corpus':>16} "
              f"{'time corpus':>12}")
        per_case: dict[str, dict[str, bool]] = {}
        for name, fn in tools.items():
            if fn([str(tmp / "scrubbed")]) is None:
                print(f"{name:16} (not installed: pip install detect-secrets)")
                continue
            hits, _ = fn([str(tmp / "planted")])
            got = {h[:2] for h in hits}
            found = {case: (str((tmp / "planted" / f).resolve()), line) in got for f, case, line in cases}
            in_file = sum(any(h[0] == str((tmp / "planted" / f).resolve()) for h in hits) for f, _c, _l in cases)
            per_case[name] = found
            fp, _ = fn([str(tmp / "scrubbed")])
            chits, ctime = median_time(lambda: fn(corpus), runs)
            print(f"{name:16} {sum(found.values()):>12} of {len(cases):<5} {in_file:>8} of {len(cases):<2} {len(fp):>12} "
                  f"{len(chits):>16} {ctime:>10.2f} s")
            kinds = Counter(h[2] for h in chits if len(h) > 2)
            if kinds:
                print(f"{'':16} corpus findings by type: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
        print("\nplanted, per case (found at its line):")
        for _f, case, _line in cases:
            print(f"  {case:22} " + "  ".join(f"{n}: {'yes' if per_case[n][case] else 'no '}" for n in per_case))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", action="append", default=None, help="folder(s) (default ../shared/corpus)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--before", type=pathlib.Path, help="another source tree (its lint/ folder) to compare the share")
    ap.add_argument("--no-compare", action="store_true")
    args = ap.parse_args()
    corpus = args.corpus or [str(SHARED)]
    trees = ([("before", args.before)] if args.before else []) + [("this tree", ROOT / "lint")]
    print(f"secret rules' share of the per-file cost on {', '.join(corpus)} (fastest of {args.runs} rounds):")
    for label, src in trees:
        s = share(src, corpus, args.runs)
        print(f"  {label:10} {s['files']} files: all rules {s['full_ms']:.0f} ms, K {s['k_ms']:.0f} ms "
              f"({s['share']:.1%}); {s['k_ms'] / s['files'] * 1e3:.0f} µs/file")
    if not args.no_compare:
        print()
        compare(corpus, args.runs)


if __name__ == "__main__":
    main()
