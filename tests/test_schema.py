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
    assert f[0].message == 'interactions[0].response.code: expected integer, got string "200"'
    assert f[0].interaction == 0


def test_misspelled_key_is_reported_at_the_key_with_suggestion(lint_text):
    f = lint_text(CASSETTE.replace("    content_length: 0\n", "    content_lenght: 0\n"))
    assert at(f, "S002") == [(6, 5)]
    assert "did you mean 'content_length'" in f[0].message


def test_wrong_version_is_not_detected_as_go_vcr_v2(lint_text):
    # version 3 is no known format: reported as not a cassette, not as a schema error
    assert codes(lint_text(CASSETTE.replace("version: 2", "version: 3"))) == ["Y011"]


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
