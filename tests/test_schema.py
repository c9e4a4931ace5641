"""Schema rules (S…): structure against schemas/go-vcr-v2.schema.json, at the offending node."""

from __future__ import annotations

import json

from conftest import ROOT, at, codes
from test_loading import CASSETTE


def test_schema_file_is_valid_draft_2020_12():
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "schemas" / "go-vcr-v2.schema.json").read_text())
    assert schema["$schema"].endswith("2020-12/schema")
    Draft202012Validator.check_schema(schema)


def test_quoted_code_is_a_readable_type_error_with_path(lint_text):
    f = lint_text(CASSETTE.replace("code: 200", 'code: "200"'))
    assert at(f, "S001") == [(14, 11)]
    assert f[0].message == ('interactions[0].response.code: expected integer, got string "200": go-vcr v4\'s '
                            'yaml.v3 decoder refuses it (cannot unmarshal !!str), so the cassette fails to load')
    assert f[0].interaction == 0


def test_misspelled_key_is_reported_at_the_key_with_suggestion(lint_text):
    f = lint_text(CASSETTE.replace("    content_length: 0\n", "    content_lenght: 0\n"))
    assert at(f, "S002") == [(6, 5)]
    assert "did you mean 'content_length'" in f[0].message


def test_wrong_version_is_not_detected_as_go_vcr_v2(lint_text):
    # version 3 is no format go-vcr reads: one error at the version, no schema errors of go-vcr v2
    f = lint_text(CASSETTE.replace("version: 2", "version: 3"))
    assert codes(f) == ["Y014"]
    assert (f[0].line, f[0].column) == (CASSETTE.splitlines().index("version: 2") + 1 - CASSETTE.startswith("\n"), 10)


def test_missing_required_key_reported_at_the_mapping(lint_text):
    f = lint_text(CASSETTE.replace("    method: GET\n", ""))
    assert at(f, "S001") == [(6, 5)]
    assert "missing required key 'method'" in f[0].message


def test_go_duration_strings(lint_text):
    for good in ("767.782833ms", "1.5s", "1m2s", "0s", "2h45m0.5s"):
        assert lint_text(CASSETTE.replace("1.5s", good)) == [], good
    f = lint_text(CASSETTE.replace("1.5s", "1.5 seconds"))
    assert at(f, "S001") == [(15, 15)]
    assert "Go time.Duration" in f[0].message


def test_headers_must_be_lists_of_strings(lint_text):
    text = CASSETTE.replace("    status: 200 OK\n", "    headers:\n      Content-Type: text/plain\n    status: 200 OK\n")
    f = lint_text(text)
    assert at(f, "S001") == [(14, 21)]
    assert f[0].message.startswith("interactions[0].response.headers.Content-Type: expected array")


def test_content_length_below_minus_one(lint_text):
    f = lint_text(CASSETTE.replace("content_length: 2", "content_length: -2"))
    assert at(f, "S001") == [(11, 21)]
    assert "below the minimum -1" in f[0].message


def test_select_without_schema_skips_validation(lint_text):
    assert lint_text(CASSETTE.replace("code: 200", 'code: "200"'), select=("Y",)) == []


# -- the fast pre-check agrees with jsonschema ---------------------------------------------------

import copy  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

from cassette_lint import loader, schema as schema_mod  # noqa: E402
from conftest import FIXTURES  # noqa: E402

_BASE = [loader.load(str(p), p.read_bytes()).document.data for p in sorted((FIXTURES / "seeds").glob("*.yaml"))]
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 700), st.floats(allow_nan=False),
                     st.text(max_size=8), st.sampled_from(["1.5s", "HTTP/1.1", "GET", "200 OK", "x"]),
                     st.binary(max_size=4).map(loader.Binary))
_VALUES = st.recursive(_SCALARS, lambda kids: st.one_of(st.lists(kids, max_size=3),
                                                        st.dictionaries(st.text(max_size=6), kids, max_size=3)),
                       max_leaves=6)


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


@st.composite
def _mutated(draw):
    doc = copy.deepcopy(draw(st.sampled_from(_BASE)))
    for _ in range(draw(st.integers(0, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(_VALUES)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["content_lenght", "extra", "code", "proto", "x"]))] = draw(_VALUES)
    return doc


@settings(max_examples=300, deadline=None)
@given(_mutated())
def test_fast_schema_check_agrees_with_jsonschema(doc):
    fast = schema_mod.fast_validator("go-vcr-v2.schema.json")
    full = schema_mod.validator("go-vcr-v2.schema.json")
    assert fast is not None
    assert fast(doc) == full.is_valid(doc)


def test_unknown_key_is_an_error_only_as_a_near_miss_of_a_real_key(lint_text):
    """A misspelt key loses the value meant for the real one (error); any other extra key is dropped
    by go-vcr's decoder and changes nothing on replay (warning)."""
    typo = lint_text(CASSETTE.replace("    content_length: 0\n", "    content_lenght: 0\n"))
    extra = lint_text(CASSETTE.replace("    content_length: 0\n", "    content_length: 0\n    id: req-7\n"))
    assert [(f.severity.value, "did you mean 'content_length'" in f.message)
            for f in typo if f.rule == "S002"] == [("error", True)]
    assert [(f.severity.value, "go-vcr v4's yaml.v3 decoder drops it" in f.message)
            for f in extra if f.rule == "S002"] == [("warning", True)]
