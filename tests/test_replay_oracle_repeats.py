"""go-vcr's ``ReplayableInteractions`` and its v4.0.4+ ``ParseForm``, against the replay model.

The oracle is a small Go program of ours (``tests/oracles/govcr_repeats/main.go``) built against the
real go-vcr v4 tree vendored in ``../shared/oracles/govcr`` (v4.0.2), and a second time against a
copy of that tree with the upstream change of go-vcr PR #122 applied
(``tests/oracles/govcr_repeats/v4.0.4-parseform.patch``: ``defaultMatcher.matcher`` calls
``r.ParseForm()`` for every method, as v4.0.4 and later do). It sends every recorded request of a
cassette once, in recorded order, through ``recorder.New(..., WithMode(ModeReplayOnly),
WithReplayableInteractions(repeats))`` as a Go client sends it, and names the interaction that
answered (the pointer the recorder hands to its ``BeforeResponseReplayHook``); for every interaction
it also asks ``cassette.DefaultMatcher`` whether the fresh request matches its own recording, and
whether it would with the form check neutralised (``r.Form`` preset to the recorded form).

What is asserted, each against the go-vcr function it mirrors:

- ``Model.replay`` names the same answering interaction for every request, with and without
  repeats, under both versions (``Cassette.getInteraction``: ``(c.ReplayableInteractions ||
  !i.replayed) && c.Matcher(r, i.Request)``, first hit wins);
- R004 flags exactly the requests an earlier interaction answers when repeats are allowed, and what
  R004 and the "never replays" errors call dead is never served; every interaction go-vcr never
  serves is named by one of them;
- R001 flags exactly the interactions whose only mismatch is the form, per version
  (``defaultMatcher.matcher``'s ``ParseForm`` + ``deepEqualContents(r.Form, i.Form)``), and when the
  go.mod does not pin a release it warns about exactly those that break under one of the two.

Targets: the oracle self-tests, ``../shared/corpus/govcr-own`` and ``fantasy``, and mutated copies
of a few fantasy cassettes built here (duplicates, GET with query and form, POST with a query and
an empty form …). Skipped when ``go`` or ``../shared`` is absent; built once per session.
"""

from __future__ import annotations

import collections
import functools
import json
import os
import pathlib
import shutil
import subprocess

import pytest

from cassette_lint import formats, loader
from cassette_lint.pipeline import _value_hash
from cassette_lint.replay import Profile
from cassette_lint.replay.matchers import Model

import gobuild
import replay_cases
from conftest import ROOT, SHARED, lint_file

HARNESS = ROOT / "tests" / "oracles" / "govcr_repeats"
THIRD_PARTY = SHARED / "oracles" / "govcr" / "third_party"
PATCH_404 = HARNESS / "v4.0.4-parseform.patch"
VERSIONS = ("4.0.2", "4.0.4")
#: the replay rules whose error says an interaction is never served, and L001 (go-vcr's ContentLength)
NEVER_REPLAYS = ("R001", "R002", "R003", "R004", "R006", "L001")


@pytest.fixture(scope="session")
def harness(request, tmp_path_factory) -> dict[str, pathlib.Path]:
    """{version: binary}: the harness built against go-vcr v4.0.2 and v4.0.4+ (cached under pytest's
    cache, rebuilt when the vendored tree, the harness or the patch change)."""
    go = gobuild.toolchain(THIRD_PARTY)
    cache = gobuild.cache_dir(request, tmp_path_factory, "govcr-repeats")
    tag = gobuild.digest(THIRD_PARTY / "go-vcr-v4", THIRD_PARTY / "yaml.v3", HARNESS)
    binaries = {v: cache / f"govcr-repeats-{v}-{tag}" for v in VERSIONS}
    if all(b.exists() for b in binaries.values()):
        return binaries
    build = tmp_path_factory.mktemp("govcr-repeats-src")  # per session: parallel workers do not clash
    for name in ("go-vcr-v4", "yaml.v3"):
        shutil.copytree(THIRD_PARTY / name, build / "third_party" / name)
    for name in ("main.go", "go.mod"):
        shutil.copy(HARNESS / name, build / name)

    def run(*cmd, cwd=build):
        res = subprocess.run(cmd, cwd=cwd, env=gobuild.env(cache), capture_output=True, text=True, timeout=300)
        if res.returncode != 0:
            pytest.skip(f"the go-vcr harness does not build here: {' '.join(cmd)}: {res.stderr[-500:]}")

    run(go, "build", "-o", "4.0.2", ".")
    # the upstream change of PR #122, on the copy (git apply works outside a repository)
    run("git", "apply", str(PATCH_404), cwd=build / "third_party" / "go-vcr-v4")
    run(go, "build", "-o", "4.0.4", ".")
    for v, binary in binaries.items():
        os.replace(build / v, binary)
    return binaries


@pytest.fixture(scope="session")
def mutated(tmp_path_factory) -> pathlib.Path:
    """Mutated copies of three fantasy cassettes (JSON is YAML): every ``replay_cases`` mutation on
    the first interaction, as a duplicate of it (different and same response), and pairs of
    recordings of one request mutated differently (forms that differ, a form body recorded without
    its form …) — which of the two answers depends on the version and on repeats."""
    fantasy = SHARED / "corpus" / "fantasy"
    if not fantasy.exists():
        pytest.skip("../shared/corpus/fantasy is not available")
    import yaml

    out = tmp_path_factory.mktemp("govcr-repeats-mutated")
    pairs = [(replay_cases.get_query_form_empty, replay_cases.get_query_in_form),
             (replay_cases.post_query_form_empty, replay_cases.post_query_form_recorded),
             (replay_cases.form_body_not_recorded, replay_cases.form_body),
             (replay_cases.form_body, replay_cases.form_body_bad_escape),
             (replay_cases.form_body_lowercase_key, replay_cases.form_body),
             (replay_cases.url_user_info, replay_cases.url_user_info)]
    for b, base in enumerate(sorted(fantasy.rglob("*.yaml"))[:3]):
        c = yaml.safe_load(base.read_text("utf-8"))
        docs = {"dup": replay_cases.duplicated(c), "trip": replay_cases.duplicated(replay_cases.duplicated(c))}
        for mut in replay_cases.MUTATIONS:
            docs[mut.__name__] = replay_cases.mutated(c, mut, 0)
            docs["dup_" + mut.__name__] = replay_cases.duplicated(c, mut)
            docs["dupsame_" + mut.__name__] = replay_cases.duplicated(c, mut, True)
        for first, second in pairs:
            docs[f"pair_{first.__name__}_{second.__name__}"] = replay_cases.pair(c, first, second)
            docs[f"pair_{second.__name__}_{first.__name__}"] = replay_cases.pair(c, second, first)
        for name, doc in docs.items():
            (out / f"b{b}_{name}.yaml").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return out


def _targets(mutated_dir) -> list[pathlib.Path]:
    dirs = [SHARED / "oracles" / "selftest" / "go", SHARED / "corpus" / "fantasy",
            SHARED / "corpus" / "govcr-own", mutated_dir]
    return sorted(p for d in dirs for p in d.rglob("*") if p.suffix in (".yaml", ".yml"))


@functools.lru_cache(maxsize=None)
def _oracle(binary: pathlib.Path, files: tuple[pathlib.Path, ...], repeats: bool) -> dict[str, list[dict]]:
    """The harness's rows per file (only files go-vcr loads with at least one interaction)."""
    res = subprocess.run([str(binary), *(["-repeats"] if repeats else []), *map(str, files)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    rows = collections.defaultdict(list)
    for line in res.stdout.splitlines():
        r = json.loads(line)
        if r["index"] >= 0:
            rows[r["file"]].append(r)
    return rows


@pytest.fixture(scope="session")
def oracle(harness, mutated):
    """``oracle(version, repeats)``: the harness's rows for every target."""
    files = tuple(_targets(mutated))
    return lambda version, repeats: _oracle(harness[version], files, repeats)


@functools.lru_cache(maxsize=None)
def _cassette(path: str):
    doc = loader.load(path, pathlib.Path(path).read_bytes()).document
    return formats.detect(doc.data).build(doc, path)


def _served(row) -> int | None:
    """The interaction whose response came back (a client error after the hook still served it)."""
    return row["served"] if row["outcome"] in ("served", "client_error") else None


def _findings(path: str, version: str | None, repeats: bool, select=NEVER_REPLAYS) -> list:
    library = "go-vcr-v4" + (f"@{version}" if version else "")
    return lint_file(path, select=list(select),
                     settings={"replay": {"library": library, "allow-repeats": repeats}})


@pytest.mark.parametrize("repeats", [False, True], ids=["replay-once", "repeats"])
@pytest.mark.parametrize("version", VERSIONS)
def test_model_names_the_interaction_go_vcr_answers_with(oracle, version, repeats):
    """``Model.replay`` (``Cassette.getInteraction``: the first interaction, in recorded order, that
    is eligible — unplayed, or any with ``ReplayableInteractions`` — and that ``c.Matcher`` accepts;
    the matcher's ``ParseForm`` drains a form body for the candidates after it) gives every request
    the interaction go-vcr gave it."""
    rows = oracle(version, repeats)
    checked, wrong, not_own = 0, [], 0
    for file, rs in rows.items():
        model = Model(_cassette(file), Profile("go-vcr", version, allow_repeats=repeats))
        assert len(model.interactions) == len(rs), file
        for o, r in zip(model.replay(), rs):
            checked += 1
            not_own += _served(r) not in (None, r["index"])
            if o.served != _served(r):
                wrong.append((file, r["index"], _served(r), o.served, o.reason))
    assert wrong == []
    assert checked > 1000
    # the cassettes exercise what is compared: requests answered by another recording
    assert not_own > (50 if repeats else 5)


@pytest.mark.parametrize("repeats", [False, True], ids=["replay-once", "repeats"])
@pytest.mark.parametrize("version", VERSIONS)
def test_shadowed_and_never_replayed_interactions_are_the_ones_go_vcr_never_serves(oracle, version, repeats):
    """With ``ReplayableInteractions`` (``getInteraction`` tries played interactions too): R004 flags
    request k exactly when go-vcr answers it with an earlier interaction, and names that one (without
    repeats R004 says nothing: an earlier answer there is an unplayed recording, R005's case); no
    interaction an error of R001-R004/R006/L001 calls dead is served to any recorded request; and
    every interaction go-vcr never serves is named by one of them, by R004's warning (an identical
    copy), or by R003's server-side warning (``RemoteAddr``/``RequestURI``: no client request has
    them) — among them the ones the model calls ``drained`` (its form body read by ``ParseForm`` at an
    earlier recording of the same request whose form differs: ``bodyMatches`` then reads nothing),
    which go-vcr indeed never serves and R001 reports."""
    rows = oracle(version, repeats)
    shadowed = dead_total = drained_total = 0
    for file, rs in rows.items():
        found = _findings(file, version, repeats)
        r004 = {(f.interaction, f.value_hash) for f in found if f.rule == "R004"}  # value: the earlier one
        expect = {(r["index"], _value_hash(str(_served(r)))) for r in rs
                  if repeats and _served(r) is not None and _served(r) < r["index"]}
        assert r004 == expect, file
        shadowed += len(expect)
        served = {_served(r) for r in rs}
        dead = {f.interaction for f in found if f.severity.value == "error"}
        assert not dead & served, (file, sorted(dead & served))
        named = dead | {k for k, _ in r004} | {r["index"] for r in rs if not r["own"] and r["own_server_blank"]}
        model = Model(_cassette(file), Profile("go-vcr", version, allow_repeats=repeats))
        drained = {o.index for o in model.replay() if o.reason == "drained"}
        never = {r["index"] for r in rs} - served
        assert drained <= never, file
        assert drained <= {f.interaction for f in found if f.rule == "R001"}, file
        drained_total += len(drained)
        assert never <= named, (file, sorted(never - named), [f.message for f in found])
        dead_total += len(dead)
    assert dead_total > 100
    assert drained_total  # the mutated pairs include form bodies an earlier recording drains
    if repeats:
        assert shadowed > 30


def test_form_findings_follow_the_version_go_vcr_parses_forms_with(oracle):
    """R001 against ``defaultMatcher.matcher``'s form check, per version: for every interaction whose
    other fields match (``cassette.DefaultMatcher`` passes with ``r.Form`` preset to the recorded
    form), R001 reports an error exactly when the matcher rejects the fresh request *and* go-vcr never
    serves the interaction (replaying each recorded request once: ``ParseForm`` returns its error
    only once per request, so a request that spent it on an earlier identical recording matches the
    next one; and a request whose form body ``ParseForm`` read at an earlier recording with another
    form reaches its own with an empty body). v4.0.2: ``ParseForm`` for POST/PUT/PATCH only; v4.0.4+ (PR #122): for every method.
    With a go.mod that names v4 without a release, R001 errs where both versions never serve it and
    warns where exactly one does."""
    rows = {v: oracle(v, False) for v in VERSIONS}
    tally = collections.Counter()
    for file, rs in rows["4.0.2"].items():
        by_version = {"4.0.2": rs, "4.0.4": rows["4.0.4"][file]}
        decided = [k for k in range(len(rs)) if all(by_version[v][k]["own_form_preset"] for v in VERSIONS)]
        if not decided:
            continue
        fails = {}
        for v in VERSIONS:
            served = {_served(r) for r in by_version[v]}
            # never served, and either its own recording rejects the request, or its form body was
            # read at an earlier recording (the model's ``drained``; the test above proves go-vcr
            # never serves those)
            model = Model(_cassette(file), Profile("go-vcr", v, allow_repeats=False))
            drained = {o.index for o in model.replay() if o.reason == "drained"}
            fails[v] = {k for k in decided if k not in served and (not by_version[v][k]["own"] or k in drained)}
        got = {v: {f.interaction: f.severity.value for f in _findings(file, v, False, ["R001"])}
               for v in (*VERSIONS, None)}
        for k in decided:
            for v in VERSIONS:
                assert (got[v].get(k) == "error") == (k in fails[v]), (file, k, v)
            broken = tuple(k in fails[v] for v in VERSIONS)
            assert got[None].get(k) == ("error" if all(broken) else "warning" if any(broken) else None), (file, k)
            tally[broken] += 1
    # every kind of difference occurs: broken under v4.0.2 only, under v4.0.4+ only, and under both
    assert tally[True, False] and tally[False, True] and tally[True, True], tally
