"""The go-vcr replay model against go-vcr itself.

The real go-vcr (v4.0.2 and v3.2.0, vendored in ``../shared/oracles/govcr``) is built once per
session with the Go toolchain (offline: ``GOFLAGS=-mod=mod GOPROXY=off``) and replays every
recorded request of the shared corpora, the oracle's self-test cassettes and mutated copies
(``replay_cases.py``: form against query, URLs Go re-encodes, server-side fields, duplicates …)
through its recorder in replay-only mode, as a Go client sends them (``-mode live``). The model's
prediction for every interaction — served by itself, served by another one, or not found — must
equal what go-vcr did. Skipped when ``go`` or ``../shared`` is absent.
"""

from __future__ import annotations

import collections
import functools
import json
import pathlib
import shutil
import subprocess

import pytest

from cassette_lint import formats, loader
from cassette_lint.replay import Profile
from cassette_lint.replay.matchers import LiveError, Model

import gobuild
import replay_cases
from conftest import SHARED

ORACLE_SRC = SHARED / "oracles" / "govcr"


@pytest.fixture(scope="session")
def govcr_oracle(request, tmp_path_factory):
    """The built oracle binary (cached under pytest's cache, rebuilt when its source changes)."""
    go = gobuild.toolchain(ORACLE_SRC)
    cache = gobuild.cache_dir(request, tmp_path_factory, "govcr-oracle")
    binary = cache / f"govcr-oracle-{gobuild.digest(ORACLE_SRC)}"
    if not binary.exists():
        build = cache / "src"
        shutil.rmtree(build, ignore_errors=True)
        shutil.copytree(ORACLE_SRC, build)
        res = subprocess.run([go, "build", "-o", str(binary), "./cmd/govcr-oracle"], cwd=build,
                             env=gobuild.env(cache), capture_output=True, text=True, timeout=300)
        if res.returncode != 0:
            pytest.skip(f"the go-vcr oracle does not build here: {res.stderr[-500:]}")
    return binary


def _oracle(binary, paths, *args) -> dict[str, list[dict]]:
    res = subprocess.run([str(binary), *args, "-j", "4", *map(str, paths)], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    rows = collections.defaultdict(list)
    for line in res.stdout.splitlines():
        r = json.loads(line)
        rows[r["file"]].append(r)
    return rows


@functools.lru_cache(maxsize=None)
def _cassette(path):
    doc = loader.load(str(path), pathlib.Path(path).read_bytes()).document
    adapter = formats.detect(doc.data)
    return adapter.build(doc, str(path)), doc.data


def _same(data, i, k) -> bool:
    """The oracle calls a response from an identical duplicate "ok"."""
    its = data["interactions"]
    return {**its[i], "id": 0} == {**its[k], "id": 0}


def _predict(model: Model, data, outcomes) -> list[str]:
    out = []
    for o in outcomes:
        if o.served is None:
            try:
                model.live(o.index)
                out.append("not_found")
            except LiveError:
                out.append("build_error")  # http.NewRequest fails: nothing is sent
        elif o.served == o.index or _same(data, o.served, o.index):
            out.append("ok")
        else:
            out.append("wrong_response")
    return out


def _charm_outcomes(cassette) -> list:
    """charm.land/x/vcr's matcher (the oracle's ``-matcher charm``): go-vcr's DefaultMatcher while
    the request has no body, method + URL + body otherwise — the profile ``match-on = [method, url,
    body]`` for those (byte-equal bodies are JSON-equal; the live body is the recorded one).

    The choice is made per candidate on the same request, and DefaultMatcher's ``bodyMatches``
    replaces a body-less request's ``http.NoBody`` with a buffer: after one candidate got that far,
    the next ones are judged by method + URL + body."""
    full = Model(cassette, Profile("go-vcr", "4.0.2"))
    body = Model(cassette, Profile("go-vcr", "4.0.2", match_on=("method", "url", "body")))
    n = len(full.interactions)
    played = [False] * n
    outs = []
    from cassette_lint.replay.matchers import Outcome

    for k in range(n):
        try:
            live = full.live(k)
        except LiveError as e:
            outs.append(Outcome(k, None, e.field))
            continue
        no_body = not live.body
        served = None
        for i in range(n):
            if played[i]:
                continue
            if no_body:
                f = full.mismatch(live, i)
                if f not in ("method", "url", "proto", "headers"):
                    no_body = False  # bodyMatches ran: r.Body is no longer http.NoBody
            else:
                f = body.mismatch(live, i)
            if f is None:
                served = i
                break
        if served is not None:
            played[served] = True
        outs.append(Outcome(k, served))
    return outs


def _compare(rows, profile, charm=False):
    checked = 0
    wrong = []
    for file, rs in rows.items():
        if rs[0]["index"] == -1:
            continue  # load_error / empty: the loading rules' business
        cassette, data = _cassette(file)
        model = Model(cassette, profile)
        predicted = _predict(model, data, _charm_outcomes(cassette) if charm else model.replay())
        for r in rs:
            checked += 1
            if predicted[r["index"]] != r["outcome"]:
                wrong.append((file, r["index"], r["outcome"], r.get("reason"), predicted[r["index"]]))
    return checked, wrong


@pytest.fixture(scope="session")
def mutated_dir(tmp_path_factory):
    """Mutated copies of a few fantasy cassettes: every mutation of ``replay_cases`` on the first
    interaction, and appended as a second recording of it (different and same response)."""
    fantasy = SHARED / "corpus" / "fantasy"
    if not fantasy.exists():
        pytest.skip("../shared/corpus/fantasy is not available")
    import yaml

    out = tmp_path_factory.mktemp("govcr-mutated")
    for b, base in enumerate(sorted(fantasy.rglob("*.yaml"))[:4]):
        c = yaml.safe_load(base.read_text("utf-8"))
        for mut in replay_cases.MUTATIONS:
            for name, doc in ((mut.__name__, replay_cases.mutated(c, mut, 0)),
                              ("dup_" + mut.__name__, replay_cases.duplicated(c, mut)),
                              ("dupsame_" + mut.__name__, replay_cases.duplicated(c, mut, True))):
                (out / f"b{b}_{name}.yaml").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
        (out / f"b{b}_dup.yaml").write_text(json.dumps(replay_cases.duplicated(c)), "utf-8")
    return out


def _targets(mutated_dir):
    return [SHARED / "oracles" / "selftest" / "go", SHARED / "corpus" / "fantasy",
            SHARED / "corpus" / "govcr-own", mutated_dir]


@pytest.mark.parametrize("lib, profile", [("v4", Profile("go-vcr", "4.0.2")), ("v3", Profile("go-vcr", "3.2.0"))])
def test_model_predicts_every_go_vcr_replay_outcome(govcr_oracle, mutated_dir, lib, profile):
    rows = _oracle(govcr_oracle, _targets(mutated_dir), "-lib", lib, "-mode", "live")
    checked, wrong = _compare(rows, profile)
    assert checked > 1000
    assert wrong == []
    misses = sum(r["outcome"] != "ok" for rs in rows.values() for r in rs if r["index"] >= 0)
    assert misses > (200 if lib == "v4" else 50)  # the mutations do break replay


def test_model_predicts_a_method_url_body_matcher(govcr_oracle, mutated_dir):
    rows = _oracle(govcr_oracle, _targets(mutated_dir), "-lib", "v4", "-mode", "live", "-matcher", "charm")
    checked, wrong = _compare(rows, Profile("go-vcr", "4.0.2", match_on=("method", "url", "body")), charm=True)
    assert checked > 1000
    assert wrong == []


def test_never_replays_findings_are_the_oracles_misses(govcr_oracle, mutated_dir):
    """R001-R003 (and L001) name exactly the interactions go-vcr v4.0.2 cannot find for their own
    request, on mutated cassettes without duplicates."""
    from conftest import lint_file

    files = sorted(p for p in mutated_dir.glob("*.yaml") if "_dup" not in p.name)
    rows = _oracle(govcr_oracle, files, "-lib", "v4", "-mode", "live")
    go_mod = mutated_dir / "go.mod"
    go_mod.write_text("module x\n\nrequire gopkg.in/dnaeon/go-vcr.v4 v4.0.2\n")
    try:
        for f in files:
            expect = {r["index"] for r in rows[str(f)] if r["outcome"] in ("not_found", "build_error")
                      and r.get("reason") not in ("remote_addr", "request_uri")}
            found = lint_file(f, select=["R001", "R002", "R003", "L001"])
            got = {x.interaction for x in found if x.severity.value == "error"}
            assert got == expect, (f.name, [x.message for x in found])
    finally:
        go_mod.unlink()
