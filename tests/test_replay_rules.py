"""R013, R015 and R016 on small fixtures: what decides each finding and when each stays silent."""

from __future__ import annotations

import pytest

from conftest import lint_file


def govcr(headers: str = "", url: str = "https://api.example.com/v1/x") -> str:
    """A go-vcr format-2 cassette whose one request carries ``headers`` (YAML lines) and ``url``."""
    return ("---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n"
            "    proto_minor: 1\n    content_length: 0\n    body: \"\"\n    headers:\n"
            "      Content-Type:\n      - application/json\n" + headers +
            f"    url: {url}\n    method: GET\n  response:\n    proto: HTTP/1.1\n    proto_major: 1\n"
            "    proto_minor: 1\n    content_length: 2\n    body: '{}'\n    headers:\n      Content-Type:\n"
            "      - application/json\n    status: 200 OK\n    code: 200\n    duration: 1ms\n")


def _found(tmp_path, text, code, **replay):
    p = tmp_path / "c.yaml"
    p.write_text(text, "utf-8")
    return [f for f in lint_file(p, settings={"replay": replay} if replay else {}) if f.rule == code]


@pytest.mark.parametrize("value, reported", [
    ("Bearer REDACTED", True), ("Bearer [FILTERED]", True), ("<OPENAI_API_KEY>", True), ("Bearer ****", True),
    ("Bearer foo", False),  # go-vcr's own example sends "Bearer foo": the test sends what was recorded
    ("Bearer test", False),
])
def test_a_redacted_authorization_under_go_vcr_v4_matches_only_a_client_sending_it(tmp_path, value, reported):
    text = govcr(f"      Authorization:\n      - {value}\n")
    found = _found(tmp_path, text, "R015", library="go-vcr-v4")
    assert bool(found) == reported
    if reported:
        assert text.splitlines()[found[0].line - 1].strip() == f"- {value}" and "only a client that sends the placeholder matches" in found[0].message


def test_headers_are_not_compared_by_go_vcr_v3_but_the_url_is(tmp_path):
    redacted = govcr("      Authorization:\n      - Bearer REDACTED\n",
                     url="https://api.example.com/v1/x?api_key=REDACTED&q=1")
    found = _found(tmp_path, redacted, "R015", library="go-vcr-v3")
    assert [f.message.split(" holds")[0] for f in found] == ["query parameter api_key"]
    # vcrpy filters the live request before matching; Ruby VCR restores the real value: silent
    assert _found(tmp_path, redacted, "R015", library="vcrpy", **{"match-on": ["method", "uri", "headers"]}) == []


VCRPY_MAPPING_BODY = """\
interactions:
- request:
    body:
      a: 1
    headers: {}
    method: POST
    uri: https://x.test/m
  response:
    body: {string: ok}
    headers: {}
    status: {code: 200, message: OK}
version: 1
"""


def test_a_mapping_body_needs_its_serializer_only_when_the_body_is_matched(tmp_path):
    assert _found(tmp_path, VCRPY_MAPPING_BODY, "R013") == []  # vcrpy's default match_on: it loads and plays
    [f] = _found(tmp_path, VCRPY_MAPPING_BODY, "R013", **{"match-on": ["method", "uri", "body"]})
    assert f.severity.value == "warning" and f.line == 4 and "body matcher raises TypeError" in f.message
    assert _found(tmp_path, VCRPY_MAPPING_BODY, "R013", serializer="json_body",
                  **{"match-on": ["method", "uri", "body"]}) == []


def _vcrpy(*requests: tuple[str, str, str]) -> str:
    """A vcrpy cassette of (method, uri, Idempotency-Key) requests."""
    out = ["interactions:"]
    for method, uri, key in requests:
        out += ["- request:", "    body: null", "    headers:", f"      Idempotency-Key: ['{key}']",
                f"    method: {method}", f"    uri: {uri}", "  response:", "    body: {string: ''}",
                "    headers: {}", "    status: {code: 200, message: OK}"]
    return "\n".join(out + ["version: 1", ""])


def test_paging_is_not_a_re_recording_and_identical_copies_are_a_repeat(tmp_path):
    paging = _vcrpy(("GET", "https://x.test/items?page=1", "k1"), ("GET", "https://x.test/items?page=2", "k1"))
    assert _found(tmp_path, paging, "R016") == []
    same = _vcrpy(("POST", "https://x.test/a", "k1"), ("GET", "https://x.test/b", "k1"),
                  ("POST", "https://x.test/a", "k1"), ("GET", "https://x.test/b", "k1"))
    assert _found(tmp_path, same, "R016", **{"match-on": ["method", "uri", "headers"]}) == []
    grown = _vcrpy(("POST", "https://x.test/a", "k1"), ("GET", "https://x.test/b", "k1"),
                   ("POST", "https://x.test/a", "k2"), ("GET", "https://x.test/b", "k2"))
    # vcrpy's default match_on does not compare headers: the copies look alike to it
    assert _found(tmp_path, grown, "R016") == []
    [f] = _found(tmp_path, grown, "R016", **{"match-on": ["method", "uri", "headers"]})
    assert f.interaction == 2 and "differing in header Idempotency-Key" in f.message


def test_volatile_boundary_in_a_test_proxy_record_is_a_warning_unless_match_on_is_set():
    """The Azure SDK test frameworks set the proxy's matcher in test code: openai-dotnet's uploads
    (random multipart boundaries) replay in its CI, so the default-matcher verdict is only a warning."""
    from conftest import lint_file, needs_shared

    folder = needs_shared("corpus/testproxy-openai-dotnet")
    path = next(p for p in sorted(folder.glob("*.json")) if "UploadFile" in p.name)
    [default] = [f for f in lint_file(path) if f.rule == "R014"]
    assert default.severity.value == "warning" and "unless the test code sets another matcher" in default.message
    [configured] = [f for f in lint_file(path, settings={"replay": {"match-on": ["method", "uri", "headers"]}})
                    if f.rule == "R014"]
    assert configured.severity.value == "error" and "never matches it" in configured.message
