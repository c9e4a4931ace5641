"""HTTP consistency rules (H001-H010): JSON bodies, status line, proto, method, url, ids, error
responses, status range and mojibake — each at its exact file line (inside bodies too)."""

from __future__ import annotations

import pathlib
import sys
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cassette_lint.rules.http import _PLAIN_URL, find_mojibake
from conftest import at, lint_file, needs_shared

SEEDS = pathlib.Path(__file__).parent / "fixtures" / "seeds"


def one(req_body="'{\"a\": 1}'", resp_body="'{\"ok\": true}'", status="200 OK", code="200",
        proto="HTTP/2.0", major="2", minor="0", method="POST", url="https://api.example.com/v1/x",
        ct="application/json", iid="0", resp_ct="application/json"):
    """One go-vcr v2 interaction; line numbers of its fields are fixed (see comments)."""
    return f"""\
---
version: 2
interactions:
- id: {iid}
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: -1
    body: {req_body}
    headers:
      Content-Type:
      - {ct}
    url: {url}
    method: {method}
  response:
    proto: {proto}
    proto_major: {major}
    proto_minor: {minor}
    content_length: -1
    body: {resp_body}
    headers:
      Content-Type:
      - {resp_ct}
    status: {status}
    code: {code}
    duration: 1ms
"""
# lines: 4 id, 10 request body, 14 url, 15 method, 17 proto, 18 major, 19 minor, 21 response body,
# 25 status, 26 code


def H(findings):
    return [f for f in findings if f.rule.startswith("H")]


def test_clean_interaction_is_silent(lint_text):
    assert H(lint_text(one())) == []


# -- H001 ---------------------------------------------------------------------------------------------

def test_json_body_error_is_reported_at_the_line_and_column_inside_the_body(lint_text):
    body = '|\n      {"ok": true,\n       "n": 1,,\n       "x": 2}'
    f = lint_text(one(resp_body=body))
    # '{"ok": true,' is body line 1 (file line 22); the error is at the second ',' of line 2
    line = one(resp_body=body).splitlines()[22]
    assert at(f, "H001") == [(23, line.index(",,") + 2)]
    assert "is not JSON: Expecting property name enclosed in double quotes" in f[0].message


def test_json_error_in_a_double_quoted_body_with_escapes(lint_text):
    f = lint_text(one(req_body='"{\\"a\\": \\"\\u00e9\\", }"'))
    # the error is at the '}' after ', ': column of that char in the file
    line = one(req_body='"{\\"a\\": \\"\\u00e9\\", }"').splitlines()[9]
    assert at(f, "H001") == [(10, line.index("}") + 1)]


def test_plus_json_types_are_checked_and_other_types_and_empty_bodies_are_not(lint_text):
    assert at(lint_text(one(resp_body="'{oops'", resp_ct="application/problem+json")), "H001") == [(21, 13)]
    assert H(lint_text(one(resp_body="'{oops'", resp_ct="text/plain"))) == []
    assert H(lint_text(one(req_body="''"))) == []
    assert H(lint_text(one(resp_body="'{oops'", resp_ct="application/json; charset=utf-8"))) != []


def test_json_body_stored_decoded_under_a_content_encoding_is_not_parsed(lint_text):
    text = one(resp_body="'{oops'").replace("      - application/json\n    status",
                                            "      - application/json\n      Content-Encoding:\n      - gzip\n    status")
    assert H(lint_text(text)) == []


# -- H002 / H003 ----------------------------------------------------------------------------------------

def test_status_number_must_be_the_code(lint_text):
    f = lint_text(one(status="404 Not Found", code="200"))
    assert at(f, "H002") == [(25, 13)]
    assert at(f, "H003") == []


def test_custom_reason_phrases_are_tolerated_but_another_codes_phrase_is_not(lint_text):
    assert H(lint_text(one(status="200 Okay"))) == []
    assert H(lint_text(one(status="200"))) == []
    f = lint_text(one(status="429 rate-limited upstream", code="429"))
    assert at(f, "H002") == [] and at(f, "H003") == [] and at(f, "H008") == [(26, 11)]
    f = lint_text(one(status="200 Not Found"))
    assert at(f, "H003") == [(25, 13)]
    assert "belongs to 404" in f[0].message and "'OK'" in f[0].message


# -- H004 ---------------------------------------------------------------------------------------------

def test_proto_must_agree_with_major_and_minor(lint_text):
    f = lint_text(one(proto="HTTP/1.1", major="2", minor="0"))
    assert at(f, "H004") == [(18, 18), (19, 18)]
    f = lint_text(one(proto="HTTP/2.0", major="2", minor="1"))
    assert at(f, "H004") == [(19, 18)]
    assert H(lint_text(one(proto="HTTP/1.0", major="1", minor="0"))) == []


# -- H005 / H006 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["post", "'GET /x'", "''"])
def test_method_must_be_an_http_method(lint_text, method):
    assert at(lint_text(one(method=method)), "H005") == [(15, 13)]


@pytest.mark.parametrize("method", ["PATCH", "PURGE", "PROPFIND"])
def test_extension_methods_in_upper_case_are_accepted(lint_text, method):
    assert H(lint_text(one(method=method))) == []


@pytest.mark.parametrize("url", ["/v1/chat", "ftp://example.com/x", "'https:///nohost'",
                                 "'https://api.example.com/a b'", "'http://example.com:99999/'"])
def test_url_must_be_absolute_http(lint_text, url):
    assert at(lint_text(one(url=url)), "H006") == [(14, 10)]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/x?y=1", "HTTPS://API.example.com",
                                 "https://[::1]/v1"])
def test_good_urls_are_silent(lint_text, url):
    assert H(lint_text(one(url=url))) == []


def test_a_file_with_plain_urls_and_query_parameters_needs_no_urllib(lint_text, monkeypatch):
    """The usual URL is judged without ``urllib.parse`` (imported only for an unusual one: it costs
    every start-up ~3 ms); with the module made unimportable, nothing fails (no X001) or changes."""
    text = one(url="'https://generativelanguage.googleapis.com/v1beta/models/x:streamGenerateContent?alt=sse'")
    expected = lint_text(text)
    monkeypatch.setitem(sys.modules, "urllib.parse", None)
    assert lint_text(text) == expected
    assert [f.rule for f in lint_text(one(url="'https://[::1]:99999/'"))] == ["X001"]  # the unusual one needs it


@settings(max_examples=300, deadline=None)
@given(url=st.from_regex(_PLAIN_URL, fullmatch=True))
def test_every_url_the_fast_path_accepts_urlsplit_accepts(url):
    """H006 skips ``urlsplit`` for URLs ``_PLAIN_URL`` matches: each must be absolute http(s) with a
    host and a valid port by ``urlsplit``'s own account, or the skip would hide a finding."""
    parts = urlsplit(url)
    assert parts.scheme.lower() in ("http", "https") and parts.hostname
    parts.port  # noqa: B018 - raises ValueError on a bad port


# -- H007 ---------------------------------------------------------------------------------------------

def _ids(*ids):
    text = "---\nversion: 2\ninteractions:\n"
    for i in ids:
        text += (f"- id: {i}\n  request:\n    url: https://e.com/\n    method: GET\n"
                 f"  response:\n    status: 200 OK\n    code: 200\n")
    return text  # id k is on line 4 + 7k


def test_ids_run_from_zero_in_order(lint_text):
    assert H(lint_text(_ids(0, 1, 2))) == []
    f = lint_text(_ids(0, 2, 3))
    assert at(f, "H007") == [(11, 7)]
    assert "id 2 but expected 1" in f[0].message
    assert at(lint_text(_ids(1, 2)), "H007") == [(4, 7)]
    assert at(lint_text(_ids(0, 1, 1)), "H007") == [(18, 7)]


# -- H008 / H009 ----------------------------------------------------------------------------------------

def test_recorded_error_response_is_a_warning(lint_text):
    f = lint_text(one(status="503 Service Unavailable", code="503"))
    assert at(f, "H008") == [(26, 11)]
    assert f[0].severity.value == "warning"
    assert H(lint_text(one(status="302 Found", code="302"))) == []


def test_seed_429_before_retry():
    f = lint_file(SEEDS / "openrouter_wandb_429_then_retry.yaml")
    assert at(f, "H008") == [(31, 15)]
    (m,) = [x.message for x in f if x.rule == "H008"]
    assert m.startswith("recorded error response 429 Too Many Requests; interaction 1 retries the same request "
                        "and gets 200")


@pytest.mark.parametrize("code", ["0", "99", "600", "1000"])
def test_status_code_out_of_range(lint_text, code):
    f = lint_text(one(status=f"{code} X", code=code))
    assert at(f, "H009") == [(26, 11)]


# -- H010 mojibake ------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed,col", [("openrouter_novita_streaming_mojibake.yaml", 232),
                                      ("openrouter_groq_streaming_mojibake.yaml", 230)])
def test_seed_mojibake_at_the_exact_line_inside_the_stream(seed, col):
    f = lint_file(SEEDS / seed)
    assert at(f, "H010") == [(31, col)]
    (m,) = [x.message for x in f if x.rule == "H010"]
    assert m == ("mojibake 'รก': UTF-8 text decoded as TIS-620/Windows-874; the original is likely 'á'. "
                 "It replays as stored under go-vcr v4: the text is garbled")
    line = (SEEDS / seed).read_text("utf-8").splitlines()[30]
    assert line[col - 1:col + 1] == "รก"


def test_latin1_mojibake_in_an_sse_stream(lint_text):
    body = ('|+\n      data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n'
            '      data: {"choices":[{"delta":{"content":"cafÃ© donâ€™t"}}]}\n\n')
    f = lint_text(one(resp_body=body, resp_ct="text/event-stream"))
    line = one(resp_body=body).splitlines()[23]
    assert at(f, "H010") == [(24, line.index("Ã©") + 1), (24, line.index("â€™") + 1)]
    msgs = [x.message for x in f if x.rule == "H010"]
    assert "likely 'é'" in msgs[0] and "likely '’'" in msgs[1]


def test_mojibake_written_as_json_escapes(lint_text):
    f = lint_text(one(resp_body="'{\"t\": \"Ol\\u00c3\\u00a1\"}'"))
    assert at(f, "H010") == [(21, 21)]
    assert "likely 'á'" in f[0].message


@pytest.mark.parametrize("text", [
    "café naïve Größe, © 2024 – «quote» ¿qué?",
    "สวัสดีครับ กรกฎาคม ภาษาไทย",
    "ภาษาไทย รก ok",  # a Thai word that happens to be 'á' in cp874, among genuine Thai
    "日本語のテキスト, Ελληνικά, русский",
])
def test_genuine_text_is_not_mojibake(lint_text, text):
    assert find_mojibake(text) == []
    assert H(lint_text(one(resp_body=f"'{{\"t\": \"{text}\"}}'"))) == []


def test_mojibake_names_the_original_of_longer_runs():
    assert find_mojibake("ÐŸÑ€Ð¸Ð²ÐµÑ‚") == [(0, 12, "ÐŸÑ€Ð¸Ð²ÐµÑ‚", "Привет", "Windows-1252/Latin-1")]
    assert [h[3] for h in find_mojibake("ทดสอบ Olรก")] == ["á"]


def test_mojibake_in_a_gzip_body_is_found_at_the_body(lint_text):
    """The compressed bytes say nothing about the text: the telltale is searched in the text's UTF-8."""
    import base64
    import gzip

    from test_formats import _binary_response

    raw = gzip.compress('{"t": "Olรก mundo"}'.encode(), mtime=0)
    text = _binary_response("gzip", base64.b64encode(raw).decode(), len(raw))
    assert b"\xe0\xb8" not in raw and b"\xe0\xb9" not in raw and b"\xc3" not in raw  # (the old pre-filter's blind spot)
    found = [f for f in lint_text(text) if f.rule == "H010"]
    assert [(f.line, f.column) for f in found] == [(9, 15)]  # inside a decompressed body: the body's start
    assert "likely 'á'" in found[0].message


def test_bytes_telltale_finds_exactly_the_character_pairs_the_text_holds():
    """The telltale is searched in UTF-8 bytes; it must agree with the lead/continuation character
    pairs of the text itself, for every page."""
    import random

    from cassette_lint.rules.http import _pages

    pages, telltales = _pages()
    leads = {c for _, tab, _, _ in pages for c, b in tab.items() if 0xC2 <= b <= 0xF4}
    pairs = {(a, b) for _, tab, _, _ in pages for a, x in tab.items() if 0xC2 <= x <= 0xF4
             for b, y in tab.items() if 0x80 <= y <= 0xBF and a in tab}
    alphabet = sorted({c for _, tab, _, _ in pages for c in tab} | set("aé€ก日\u0e01"))
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        want = any((text[i], text[i + 1]) in pairs for i in range(len(text) - 1))
        assert any(t.search(text.encode("utf-8")) for t in telltales) == want, text
    assert leads  # (the pages are built)


def test_fantasy_corpus_has_no_http_findings():
    root = needs_shared("corpus/fantasy")
    from cassette_lint import run
    from cassette_lint.options import Options
    found = [(f.path, f.rule, f.line) for f in run.run([str(root)], Options(select=("H",))).findings]
    assert found == []
