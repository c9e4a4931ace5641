"""Property-based tests (hypothesis): whatever the bytes, the linter answers with findings.

The generators live in ``fuzz/gen.py`` and are shared with the time-budgeted harness ``fuzz/run.py``
(hypothesis drives them through ``st.randoms()``, so failures shrink).  The oracle (``gen.oracle``)
runs the real engine with every registered rule enabled, then applies the safe fixes and checks the
result again; it reports an exception, an ``X001`` internal error, a finding outside the file, an
unknown code, or a fix that does not apply or breaks the YAML.  Inputs the fuzzer once crashed on are
kept in ``fuzz/regressions/`` and replayed here.
"""

from __future__ import annotations

import codecs
import json
import pathlib
import random
import sys

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, ROOT, at

sys.path.insert(0, str(ROOT / "fuzz"))
import gen  # noqa: E402

from cassette_lint import discovery, fixer, pipeline, rules  # noqa: E402
from cassette_lint.options import Options
from cassette_lint.cli import main  # noqa: E402

SEEDS = [p.read_bytes() for p in sorted((FIXTURES / "seeds").glob("*.yaml"))]
REGRESSIONS = sorted((ROOT / "fuzz" / "regressions").glob("*"))
COMMON = settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])


def _oracle(tmp_path, data: bytes, suffix: str = ".yaml") -> list[str]:
    p = tmp_path / f"input{suffix}"
    p.write_bytes(data)
    return gen.oracle(str(p))


@COMMON
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(tmp_path, data):
    assert _oracle(tmp_path, data) == []


@COMMON
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes(tmp_path, text):
    assert _oracle(tmp_path, text.encode("utf-8", "surrogatepass")) == []


@COMMON
@given(st.randoms(use_true_random=False))
def test_strange_cassettes_of_every_format_never_crash(tmp_path, r):
    data, suffix = gen.cassette(r)
    assert _oracle(tmp_path, data, suffix) == []


@COMMON
@given(st.randoms(use_true_random=False))
def test_damaged_cassettes_never_crash(tmp_path, r):
    data, suffix = gen.cassette(r) if r.random() < 0.5 else (r.choice(SEEDS), ".yaml")
    assert _oracle(tmp_path, gen.mutate(r, data, SEEDS), suffix) == []


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_cli_exit_status_is_0_or_1_for_any_cassette(tmp_path, r):
    for i in range(3):
        data, suffix = gen.generate(r, SEEDS)
        (tmp_path / f"f{i}{suffix}").write_bytes(data)
    res = CliRunner().invoke(main, ["check", "--isolated", "-j1", "--format", "json", str(tmp_path)])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    assert res.exit_code in (0, 1), res.output
    findings = json.loads(res.output)
    assert res.exit_code == (1 if any(f["severity"] == "error" for f in findings) else 0)


def test_generated_cassettes_reach_every_registered_rule(tmp_path):
    """The property tests run every rule: each registered check is called on generated cassettes
    (rules added by other families are picked up from the registry, nothing is listed here)."""
    called: set[str] = set()
    originals = {}
    for r in rules.all_rules():
        if r.check is None:
            continue
        originals[r] = r.check

        def wrapped(*a, _orig=r.check, _code=r.code):
            called.add(_code)
            return _orig(*a)

        object.__setattr__(r, "check", wrapped)  # Rule is frozen; restored below
    every = Options(select=("ALL", *sorted(rules.OPT_IN)))  # opt-in rules are named to run
    try:
        rng = random.Random(7)
        for i in range(150):
            data, suffix = gen.cassette(rng)
            p = tmp_path / f"c{i}{suffix}"
            p.write_bytes(data)
            pipeline.check_file(discovery.Target(str(p), True), every)
        for s in (FIXTURES / "seeds").glob("*.yaml"):
            pipeline.check_file(discovery.Target(str(s), True), every)
    finally:
        for r, check in originals.items():
            object.__setattr__(r, "check", check)
    assert originals and called == {r.code for r in originals}


def test_generator_covers_the_strange_structures_of_issue_8():
    """Empty interactions, null bodies, huge lengths, negative codes, empty header lists, SSE of only
    comments: each appears among a few hundred generated cassettes."""
    rng = random.Random(3)
    seen = set()
    for _ in range(400):
        d = gen.govcr_v2(rng)
        if not d["interactions"]:
            seen.add("empty")
        for it in d["interactions"]:
            for m in (it.get("request") or {}, it.get("response") or {}):
                if "body" in m and m["body"] is None:
                    seen.add("null-body")
                if isinstance(m.get("content_length"), int) and m["content_length"] > 2**62:
                    seen.add("huge-length")
                if isinstance(m.get("code"), int) and m["code"] < 0:
                    seen.add("negative-code")
                if isinstance(m.get("headers"), dict) and [] in m["headers"].values():
                    seen.add("empty-header-list")
                b = m.get("body")
                if isinstance(b, str) and b.startswith(":") and "data" not in b:
                    seen.add("sse-only-comments")
    assert seen == {"empty", "null-body", "huge-length", "negative-code", "empty-header-list", "sse-only-comments"}


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_fuzz_regressions(tmp_path, path):
    assert _oracle(tmp_path, path.read_bytes(), path.suffix) == []


# -- crashes the fuzzer found, reduced -------------------------------------------------------------

SEED_TEXT = (FIXTURES / "seeds" / "openrouter_fireworks_streaming.yaml").read_text("utf-8")
BROKEN = SEED_TEXT.replace("content_length: 286", "content_length: 7")


def test_fix_in_a_utf8_bom_file_edits_the_right_bytes(tmp_path):
    """Byte offsets ignored the byte-order mark: the fix landed 3 bytes early and broke the YAML."""
    p = tmp_path / "bom.yaml"
    p.write_bytes(codecs.BOM_UTF8 + BROKEN.encode())
    res = CliRunner().invoke(main, ["check", "--isolated", "-j1", "--fix", str(p)])
    assert res.exit_code == 0, res.output
    assert p.read_bytes() == codecs.BOM_UTF8 + SEED_TEXT.encode()


def test_no_fix_is_offered_for_utf16_files(tmp_path):
    p = tmp_path / "u16.yaml"
    p.write_bytes(BROKEN.encode("utf-16"))
    fs = pipeline.check_file(discovery.Target(str(p), True), Options()).findings
    assert at(fs, "L001") == [(9, 25)] and fixer.safe_fixes(fs) == []
    before = p.read_bytes()
    res = CliRunner().invoke(main, ["check", "--isolated", "-j1", "--fix", str(p)])
    assert res.exit_code == 1 and p.read_bytes() == before


def test_secret_ending_in_an_escape_is_not_half_redacted(tmp_path):
    """``"tok\\\\"`` parses to ``tok\\``; the source range of the value ended inside the escape."""
    text = SEED_TEXT.replace("            Accept:\n              - application/json\n",
                             '            OpenAI-Organization:\n              - "org-abcdefgh\\\\"\n', 1)
    assert _oracle(tmp_path, text.encode()) == []
