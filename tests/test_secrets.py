"""Secret rules (K001-K024): every token family and every place a credential hides, exact positions,
placeholders that stay quiet, values never printed, fixes that redact exactly the secret's bytes.

Every key here is synthetic and BUILT FROM PARTS at run time (a prefix split in two, a seeded random
body), so that no secret scanner flags this file itself.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import sys

import pytest

from cassette_lint import fixer, reporters, run
from cassette_lint.options import Options
from cassette_lint import secrets as S
from cassette_lint.secrets import entropy, is_placeholder, mask
from conftest import CORPUS, base64_pos, binary_block, lint_file, needs_shared

_R = random.Random(20240611)
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "_-"


def rnd(n: int, chars: str = ALNUM) -> str:
    return "".join(_R.choice(chars) for _ in range(n))


def b64url(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")


# -- synthetic keys, built from parts -------------------------------------------------------------
MARK = "T3Blbk" + "FJ"  # OpenAI's key marker
KEYS = {
    "openai-project": ("K001", "sk-" + "proj-" + rnd(74, URLSAFE) + MARK + rnd(74, URLSAFE)),
    "openai-service-account": ("K001", "sk-" + "svcacct-" + rnd(58, URLSAFE) + MARK + rnd(58, URLSAFE)),
    "openai-admin": ("K001", "sk-" + "admin-" + rnd(58, URLSAFE) + MARK + rnd(58, URLSAFE)),
    "openai-legacy": ("K001", "sk-" + rnd(20) + MARK + rnd(20)),
    "anthropic": ("K002", "sk-" + "ant-" + "api03-" + rnd(93, URLSAFE) + "AA"),
    "anthropic-admin": ("K002", "sk-" + "ant-" + "admin01-" + rnd(93, URLSAFE) + "AA"),
    "openrouter": ("K003", "sk-" + "or-" + "v1-" + rnd(64, "0123456789abcdef")),
    "groq": ("K004", "gs" + "k_" + rnd(52)),
    "google": ("K005", "AI" + "za" + "Sy" + rnd(33, URLSAFE)),
    "xai": ("K006", "xa" + "i-" + rnd(80)),
    "huggingface": ("K007", "h" + "f_" + rnd(34, string.ascii_letters)),
    "github-pat": ("K008", "gh" + "p_" + rnd(36)),
    "github-oauth": ("K008", "gh" + "o_" + rnd(36)),
    "github-app": ("K008", "gh" + "s_" + rnd(36)),
    "github-fine-grained": ("K008", "github" + "_pat_" + "11" + rnd(20, string.ascii_uppercase + string.digits)
                            + "_" + rnd(59)),
    "aws-access-key": ("K009", "AK" + "IA" + rnd(16, string.ascii_uppercase + "234567")),
    "aws-temporary-key": ("K009", "AS" + "IA" + rnd(16, string.ascii_uppercase + "234567")),
    "stripe-live": ("K011", "sk" + "_live_" + rnd(24)),
    "slack-bot": ("K012", "xo" + "xb-" + rnd(12, string.digits) + "-" + rnd(13, string.digits) + "-" + rnd(24)),
    "jwt": ("K013", b64url({"alg": "HS256", "typ": "JWT"}) + "." + b64url({"sub": "1234567890", "name": "Ana"})
            + "." + rnd(43, URLSAFE)),
}
AWS_SECRET = rnd(40, ALNUM + "/+")
PEM_BODY = [rnd(64, ALNUM + "+/") for _ in range(6)]
PEM_BEGIN = "-----BEGIN " + "PRIVATE KEY-----"
PEM_END = "-----END " + "PRIVATE KEY-----"


# -- a go-vcr v2 cassette with every place a secret can sit ---------------------------------------

def cassette(*, req_headers: dict | None = None, url: str = "https://api.example.com/v1/chat",
             form: dict | None = None, req_body: str = "", req_cl: int | None = None,
             resp_headers: dict | None = None, resp_body: str = "ok", resp_cl: int = -1) -> str:
    """``*_body`` are YAML scalars as written (quote them yourself); ``req_cl`` defaults to the body's
    UTF-8 length when the body is a single-quoted scalar without escapes."""

    def hdrs(h):
        if not h:
            return " {}\n"
        return "\n" + "".join(f"      {k}:\n      - {v}\n" for k, v in h.items())

    if req_cl is None:
        req_cl = len(req_body[1:-1].encode()) if req_body.startswith("'") else len(req_body.encode())
    out = (
        "---\nversion: 2\ninteractions:\n- id: 0\n  request:\n"
        "    proto: HTTP/1.1\n    proto_major: 1\n    proto_minor: 1\n"
        f"    content_length: {req_cl}\n    transfer_encoding: []\n    trailer: {{}}\n"
        "    host: api.example.com\n    remote_addr: \"\"\n    request_uri: \"\"\n"
        f"    body: {req_body or chr(39) * 2}\n"
        f"    form:{hdrs(form)}"
        f"    headers:{hdrs(dict({'Content-Type': 'application/json'}, **(req_headers or {})))}"
        f"    url: {url}\n    method: POST\n"
        "  response:\n    proto: HTTP/2.0\n    proto_major: 2\n    proto_minor: 0\n"
        "    transfer_encoding: []\n    trailer: {}\n"
        f"    content_length: {resp_cl}\n    uncompressed: false\n"
        f"    body: {resp_body}\n"
        f"    headers:{hdrs(dict({'Content-Type': 'application/json'}, **(resp_headers or {})))}"
        "    status: 200 OK\n    code: 200\n    duration: 1ms\n"
    )
    return out


def where(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the ``nth`` occurrence of ``needle`` in ``text`` (computed from the text,
    independently of the linter)."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


def K(findings):
    return [(f.rule, f.line, f.column) for f in findings if f.rule.startswith("K")]


def write(tmp_path, text: str, name: str = "c.yaml"):
    p = tmp_path / name
    p.write_bytes(text.encode())
    return p


# -- fixing: apply the edits ourselves ------------------------------------------------------------

def fix_all(path, **options) -> bytes:
    """Apply safe fixes round after round (as --fix does) and return the final bytes."""
    for _ in range(fixer.MAX_ROUNDS):
        data = path.read_bytes()
        fixes = fixer.safe_fixes(lint_file(path, **options))
        if not fixes:
            return data
        new, applied = fixer.apply_fixes(data, fixes)
        assert applied
        path.write_bytes(new)
    raise AssertionError("fixes did not converge")


def assert_fix_is_exact(tmp_path, text: str, secrets: list[str], placeholder: str = "REDACTED", **options):
    """Fixing replaces exactly each secret with the placeholder (and lengths), nothing else; the result
    lints clean of K and L findings; a second pass has nothing to fix."""
    p = write(tmp_path, text)
    out = fix_all(p, **options).decode()
    expected = text
    for s in secrets:
        expected = expected.replace(s, placeholder)
    # content_length lines may legitimately change: compare everything else byte for byte
    strip = lambda t: [ln for ln in t.splitlines() if "content_length:" not in ln]  # noqa: E731
    assert strip(out) == strip(expected)
    for s in secrets:
        assert s not in out
    left = [f for f in lint_file(p, **options) if f.rule[0] in "KL"]
    assert left == []
    assert fixer.safe_fixes(lint_file(p, **options)) == []
    return out


# == token families =================================================================================

@pytest.mark.parametrize("family", sorted(KEYS))
def test_each_token_family_in_the_authorization_header(lint_text, family, tmp_path):
    code, key = KEYS[family]
    text = cassette(req_headers={"Authorization": "Bearer " + key})
    assert K(lint_text(text, dedent=False)) == [(code, *where(text, key))]
    assert_fix_is_exact(tmp_path, text, [key])


def test_aws_secret_access_key_in_a_json_body(lint_text, tmp_path):
    body = "'" + json.dumps({"Credentials": {"AccessKeyId": "REDACTED", "SecretAccessKey": AWS_SECRET}}) + "'"
    text = cassette(resp_body=body)
    assert K(lint_text(text, dedent=False)) == [("K010", *where(text, AWS_SECRET))]
    assert_fix_is_exact(tmp_path, text, [AWS_SECRET])


def test_pem_private_key_in_a_literal_block_body(lint_text):
    block = "|\n" + "".join(f"      {ln}\n" for ln in [PEM_BEGIN, *PEM_BODY, PEM_END]).rstrip("\n")
    text = cassette(req_body=block, req_cl=-1)
    f = lint_text(text, dedent=False)
    assert K(f) == [("K014", *where(text, PEM_BEGIN))]
    # the key spans lines (indentation sits between its characters): no byte-exact edit exists
    assert [x.fix for x in f if x.rule == "K014"] == [None]


def test_pem_private_key_inside_a_json_string_is_fixed_whole(lint_text, tmp_path):
    pem = "\\n".join([PEM_BEGIN, *PEM_BODY, PEM_END]) + "\\n"
    body = "'{\"type\":\"service_account\",\"private_key\":\"" + pem + "\"}'"
    text = cassette(req_body=body)
    assert K(lint_text(text, dedent=False)) == [("K014", *where(text, PEM_BEGIN))]
    pem_match = "\\n".join([PEM_BEGIN, *PEM_BODY, PEM_END])
    assert_fix_is_exact(tmp_path, text, [pem_match])


def test_near_misses_of_token_shapes_are_quiet(lint_text):
    # xAI's response format name, a Bedrock base64 payload, a too-short sk- value, "Asia" in prose
    body = ("'{\"format\":\"xai-responses-v1\",\"bytes\":\"" + b64url({"type": "content_block_delta"})
            + "\",\"text\":\"sk-1234 in ASIA and Asia\"}'")
    assert K(lint_text(cassette(resp_body=body), dedent=False)) == []


def test_low_entropy_and_documentation_keys_are_placeholders(lint_text):
    quiet = ["sk-" + "proj-" + "x" * 120, "AK" + "IA" + "IOSFODNN7" + "EXAMPLE", "gh" + "p_" + "0" * 36,
             "AI" + "za" + "Sy" + "A" * 33, "sk-" + "ant-" + "api03-" + "x" * 93 + "AA"]
    for q in quiet:
        assert K(lint_text(cassette(req_headers={"X-Test": q}), dedent=False)) == [], q


# == locations =======================================================================================

def test_location_url_query_parameter(lint_text, tmp_path):
    _, key = KEYS["google"]
    text = cassette(url="https://generativelanguage.googleapis.com/v1beta/models/m:generate?alt=sse&key=" + key)
    assert K(lint_text(text, dedent=False)) == [("K005", *where(text, key))]
    assert_fix_is_exact(tmp_path, text, [key])


def test_location_form_field(lint_text, tmp_path):
    _, key = KEYS["groq"]
    text = cassette(form={"api_key": key})
    assert K(lint_text(text, dedent=False)) == [("K004", *where(text, key))]
    assert_fix_is_exact(tmp_path, text, [key])


def test_location_json_request_body_updates_content_length(lint_text, tmp_path):
    _, key = KEYS["anthropic"]
    body = "'" + json.dumps({"model": "claude", "api_key": key}) + "'"
    text = cassette(req_body=body)
    f = lint_text(text, dedent=False)
    assert K(f) == [("K002", *where(text, key))]
    edits = [x.fix for x in f if x.rule == "K002"][0].edits
    assert len(edits) == 2  # the secret and the request's content_length
    out = assert_fix_is_exact(tmp_path, text, [key])
    new_len = len(body[1:-1].replace(key, "REDACTED").encode())
    assert f"    content_length: {new_len}\n" in out


def test_location_sse_data_payload_in_a_block_body(lint_text, tmp_path):
    _, key = KEYS["openai-project"]
    events = ['data: {"type":"response.created"}', "",
              'data: {"type":"response.output_text.delta","delta":"your key is ' + key + ' ok"}', "",
              "data: [DONE]", ""]
    body = "|\n" + "".join(f"      {e}\n" if e else "\n" for e in events).rstrip("\n")
    text = cassette(resp_body=body, resp_headers={"Content-Type": "text/event-stream"})
    assert K(lint_text(text, dedent=False)) == [("K001", *where(text, key))]
    assert_fix_is_exact(tmp_path, text, [key])


@pytest.mark.parametrize("props", ["!!str ", "&body "])
def test_location_and_fix_in_a_tagged_or_anchored_body(lint_text, tmp_path, props):
    """The tag or anchor before the value is not part of it: the finding and the edit are on the key."""
    _, key = KEYS["openai-project"]
    text = cassette(resp_body=props + "'{\"note\":\"your key is " + key + "\"}'")
    assert K(lint_text(text, dedent=False)) == [("K001", *where(text, key))]
    assert_fix_is_exact(tmp_path, text, [key])


def test_location_json_escaped_string_is_decoded_before_matching(lint_text):
    _, key = KEYS["openai-legacy"]
    hidden = "\\u0073" + key[1:]  # "s" written as a JSON escape: invisible to a raw-text scanner
    body = "'{\"note\":\"" + hidden + "\"}'"
    text = cassette(resp_body=body)
    f = lint_text(text, dedent=False)
    assert K(f) == [("K001", *where(text, hidden))]
    assert [x.fix for x in f if x.rule.startswith("K")] == [None]  # an escape sits inside: no edit
    assert "behind JSON escapes" in f[0].message


def test_location_json_escaped_slash_in_an_aws_secret(lint_text):
    secret = rnd(10) + "/" + rnd(29)
    written = secret.replace("/", "\\/")
    body = "'{\"SecretAccessKey\":\"" + written + "\"}'"
    text = cassette(resp_body=body)
    assert K(lint_text(text, dedent=False)) == [("K010", *where(text, written))]


def test_location_basic_auth_is_base64_decoded(lint_text, tmp_path):
    _, key = KEYS["github-fine-grained"]
    basic = base64.b64encode(("x-access-token:" + key).encode()).decode()
    text = cassette(req_headers={"Authorization": "Basic " + basic})
    f = lint_text(text, dedent=False)
    assert K(f) == [("K008", *where(text, basic))]
    assert "base64 Basic credentials" in f[0].message
    assert_fix_is_exact(tmp_path, text, [basic])


def test_location_response_trailer(lint_text):
    _, key = KEYS["github-app"]
    text = cassette().replace("    trailer: {}\n    content_length: -1",
                              f"    trailer:\n      X-Debug-Token:\n      - {key}\n    content_length: -1")
    assert K(lint_text(text, dedent=False)) == [("K008", *where(text, key))]


def test_binary_body_is_scanned_and_reported_where_the_base64_encodes_the_token(lint_text):
    _, key = KEYS["openrouter"]
    raw = b"\x00\x00\x01\xffkey=" + key.encode() + b"\xfe"
    b64 = base64.b64encode(raw).decode()
    text = cassette(resp_body="!!binary " + b64)
    f = lint_text(text, dedent=False)
    # the token starts at byte 8: the four base64 characters from the 8th (8 // 3 * 4) encode it
    line, col = where(text, b64)
    assert K(f) == [("K003", line, col + 8)]
    assert f[0].fix is None  # the file holds base64: nothing to redact in place


def test_binary_block_body_reports_the_line_of_the_token(lint_text):
    """go-vcr writes a binary body as a literal block of 60-character base64 lines."""
    _, key = KEYS["openrouter"]
    raw = bytes(range(256)) * 2 + b"key=" + key.encode() + bytes(range(200, 256))
    text = cassette(resp_body=binary_block(raw, "      ").rstrip("\n"))
    f = lint_text(text, dedent=False)
    assert K(f) == [("K003", *base64_pos(text, raw, raw.index(key.encode())))]


# == credentials without a shape ========================================================================

def test_sensitive_headers_with_real_looking_values(lint_text, tmp_path):
    api = rnd(32, "0123456789abcdef")
    sess = rnd(40, URLSAFE)
    text = cassette(req_headers={"X-Api-Key": api, "Authorization": "Bearer " + sess})
    assert sorted(K(lint_text(text, dedent=False))) == sorted([("K020", *where(text, api)),
                                                               ("K020", *where(text, sess))])
    out = assert_fix_is_exact(tmp_path, text, [api, sess])
    assert "- Bearer REDACTED\n" in out  # the scheme word stays


def test_basic_user_password_and_placeholder_password(lint_text):
    real = base64.b64encode(b"deploy:" + rnd(14).encode()).decode()
    text = cassette(req_headers={"Proxy-Authorization": "Basic " + real})
    assert K(lint_text(text, dedent=False)) == [("K020", *where(text, real))]
    fake = base64.b64encode(b"user:pass").decode()
    assert K(lint_text(cassette(req_headers={"Authorization": "Basic " + fake}), dedent=False)) == []


def test_session_cookies_warn_and_bot_management_cookies_do_not(lint_text, tmp_path):
    sid = rnd(32, URLSAFE)
    text = cassette(req_headers={"Cookie": "theme=dark; sessionid=" + sid},
                    resp_headers={"Set-Cookie": "__cf_bm=" + rnd(43, URLSAFE) + "; path=/; HttpOnly"})
    f = lint_text(text, dedent=False)
    assert K(f) == [("K021", *where(text, sid))]
    assert f[0].severity.value == "warning"
    assert_fix_is_exact(tmp_path, text, [sid])


def test_identifying_headers_are_opt_in_warnings(lint_text):
    org = "org-" + rnd(24)
    text = cassette(resp_headers={"Openai-Organization": org, "Openai-Project": "proj_" + rnd(24)})
    for default in ((), ("ALL",), ("K",), ("K02",)):
        opts = {"select": default} if default else {}
        assert [x.rule for x in lint_text(text, dedent=False, **opts) if x.rule.startswith("K")] == [], default
    for select in (("K022",), ("K", "K022"), ("ALL", "K022")):
        f = [x for x in lint_text(text, dedent=False, select=select) if x.rule.startswith("K")]
        assert [(x.rule, x.severity.value) for x in f] == [("K022", "warning"), ("K022", "warning")]
        assert (f[0].line, f[0].column) == where(text, org)


def test_identifying_headers_are_selected_by_the_cli_and_marked_opt_in(tmp_path):
    from click.testing import CliRunner

    from cassette_lint.cli import main

    p = write(tmp_path, cassette(resp_headers={"Openai-Organization": "org-" + rnd(24)}))
    assert "K022" not in CliRunner().invoke(main, ["check", str(p)]).output
    r = CliRunner().invoke(main, ["check", "--select", "K022", str(p)])
    assert r.output.count("K022") == 1
    r = CliRunner().invoke(main, ["check", "--extend-select", "K022", str(p)])
    assert r.output.count("K022") == 1
    listing = CliRunner().invoke(main, ["rules"]).output
    from cassette_lint import rules

    assert [ln.split()[0] for ln in listing.splitlines() if "(opt-in)" in ln] == [
        r.code for r in rules.all_rules() if r.code in rules.OPT_IN]
    assert any(ln.startswith("K022") and "(opt-in)" in ln for ln in listing.splitlines())
    assert "opt-in" in CliRunner().invoke(main, ["rules", "K022"]).output


def test_credential_query_parameters(lint_text, tmp_path):
    tok = rnd(32, URLSAFE)
    sig = rnd(64, "0123456789abcdef")
    text = cassette(url=f"https://storage.example.com/b/o?access_token={tok}&X-Amz-Signature={sig}&alt=media")
    assert K(lint_text(text, dedent=False)) == [("K023", *where(text, tok)), ("K023", *where(text, sig))]
    assert_fix_is_exact(tmp_path, text, [tok, sig])


def test_parameter_names_and_values_are_url_decoded():
    """``api%5Fkey`` is ``api_key`` and ``+`` a space, in names and values; the span reported (and
    fixed) is the value as written."""
    text = "a=1&api%5Fkey=Zq8vN3rT5wLp%2Bq&access+token=ab+cdefghijklmnop"
    found = [(name, text[a:b], value) for name, a, b, value in S.scan_params(text)]
    assert found == [("api_key", "Zq8vN3rT5wLp%2Bq", "Zq8vN3rT5wLp+q"),
                     ("access token", "ab+cdefghijklmnop", "ab cdefghijklmnop")]


def test_credential_in_form_encoded_body_and_form(lint_text, tmp_path):
    pw = rnd(14)
    body = f"grant_type=password&username=ana&password={pw}"
    text = cassette(req_body=body, form={"password": pw},
                    req_headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert K(lint_text(text, dedent=False)) == [("K023", *where(text, pw)), ("K023", *where(text, pw, 1))]
    assert_fix_is_exact(tmp_path, text, [pw])


def test_credential_json_keys_in_response_body_and_sse(lint_text, tmp_path):
    secret = rnd(40, URLSAFE)
    refresh = rnd(30, URLSAFE)
    body = "'" + json.dumps({"access_token": "REDACTED", "client_secret": secret, "refreshToken": refresh,
                             "token": "Hello", "input_tokens": 3, "signature": rnd(40)}) + "'"
    text = cassette(resp_body=body, resp_cl=len(body[1:-1]))
    assert K(lint_text(text, dedent=False)) == [("K023", *where(text, secret)), ("K023", *where(text, refresh))]
    assert_fix_is_exact(tmp_path, text, [secret, refresh])


def test_url_password(lint_text, tmp_path):
    pw = rnd(16)
    text = cassette(url=f"https://deploy:{pw}@registry.example.com/v2/")
    assert K(lint_text(text, dedent=False)) == [("K024", *where(text, pw))]
    assert_fix_is_exact(tmp_path, text, [pw])


# == placeholders ==========================================================================================

PLACEHOLDERS = {
    "empty": "''",
    "redacted": "REDACTED",
    "bracketed": "'[REDACTED]'",
    "angle": "<API_KEY>",
    "stars": "'***'",
    "dummy": "dummy",
    "fake": "fake-api-key",
    "test": "test",
    "repeated": "xxxxxxxxxxxxxxxxxxxxxxxx",
    "template": "'${OPENAI_API_KEY}'",
    "your-key": "YOUR_API_KEY",
    "filtered": "'<FILTERED>'",
}


@pytest.mark.parametrize("kind", sorted(PLACEHOLDERS))
def test_placeholders_stay_quiet_everywhere(lint_text, kind):
    p = PLACEHOLDERS[kind]
    bare = p.strip("'")
    text = cassette(req_headers={"Authorization": ("Bearer " + bare) if bare else "''", "X-Api-Key": p,
                                 "Cookie": "session=" + bare},
                    url="https://api.example.com/v1/x?key=" + bare.replace("$", "%24") + "&alt=sse",
                    form={"password": p}, resp_headers={"Openai-Organization": p},
                    req_body="'" + json.dumps({"api_key": bare, "password": bare}) + "'")
    assert K(lint_text(text, dedent=False)) == []


def test_placeholder_words():
    assert all(is_placeholder(v) for v in ["", "REDACTED", "<API_KEY>", "***", "dummy", "fake", "test",
                                           "aaaaaaaa", "sk-test-key", "my-secret-token", "user:pass"])
    assert not any(is_placeholder(v) for v in ["hunter2hunter2", "Zq8vN3rT5wLp", "admin:Tr0ub4dor&3"])


def test_user_allowlist_regex_and_literal(lint_text):
    _, key = KEYS["github-pat"]
    other = rnd(32, "0123456789abcdef")
    text = cassette(req_headers={"Authorization": "token " + key, "X-Api-Key": other})
    assert len(K(lint_text(text, dedent=False))) == 2
    settings = {"secrets": {"allowlist": [key[:4] + "[A-Za-z0-9]{36}", other]}}
    assert K(lint_text(text, dedent=False, settings=settings)) == []


def test_configured_placeholder_is_written_and_then_quiet(tmp_path):
    _, key = KEYS["xai"]
    text = cassette(req_headers={"Authorization": "Bearer " + key})
    settings = {"secrets": {"placeholder": "SCRUBBED"}}
    out = assert_fix_is_exact(tmp_path, text, [key], placeholder="SCRUBBED", settings=settings)
    assert "- Bearer SCRUBBED\n" in out


def test_unsafe_placeholder_falls_back_to_redacted(tmp_path):
    _, key = KEYS["groq"]
    text = cassette(req_headers={"X-Api-Key": key})
    assert_fix_is_exact(tmp_path, text, [key], settings={"secrets": {"placeholder": "*alias"}})


def test_no_fix_when_an_escape_sits_inside_the_secret_in_a_double_quoted_scalar(lint_text):
    _, key = KEYS["openai-legacy"]
    written = key[:10] + "\\x" + format(ord(key[10]), "02x") + key[11:]
    text = cassette(req_headers={"Authorization": '"Bearer ' + written + '"'})
    f = lint_text(text, dedent=False)
    assert K(f) == [("K001", *where(text, written))]
    assert f[0].fix is None


# == never printed ==========================================================================================

def test_mask_shows_at_most_four_characters_and_the_length():
    assert mask("sk-p" + "x" * 47) == "sk-p…(51 chars)"
    assert mask("hunter2") == "h…(7 chars)"
    assert mask("abc") == "…(3 chars)"


def planted(tmp_path):
    keys = [k for _, k in KEYS.values()]
    pw = rnd(14)
    sid = rnd(32, URLSAFE)
    text = cassette(req_headers={"Authorization": "Bearer " + keys[0], "Cookie": "sid=" + sid},
                    url="https://u:" + pw + "@api.example.com/v1?key=" + KEYS["google"][1],
                    req_body="'" + json.dumps({"keys": keys[1:], "password": pw}) + "'")
    p = write(tmp_path, text, "leaky.yaml")
    return p, keys + [pw, sid]


def leaked(output: str, secrets: list[str]) -> list[str]:
    """Secrets (or any 12-character piece of one beyond the 4 characters a mask shows) found in output."""
    out = []
    for s in secrets:
        pieces = {s} | {s[i:i + 12] for i in range(4, max(5, len(s) - 11))}
        if any(piece in output for piece in pieces if len(piece) >= 8):
            out.append(mask(s))
    return out


def test_no_output_format_prints_a_secret(tmp_path):
    p, secrets = planted(tmp_path)
    assert leaked("x" + secrets[0][2:30] + "x", secrets) and leaked(mask(secrets[0]), secrets) == []
    result = run.run([str(p)], Options())
    assert sum(f.rule.startswith("K") for f in result.findings) >= len(secrets) - 2
    assert reporters.FORMATS, "no formats registered"
    for fmt in reporters.FORMATS:  # iterated dynamically: formats added later are covered too
        for ctx in (reporters.Context(), reporters.Context(statistics=True), reporters.Context(show_fixes=True)):
            out = reporters.render(fmt, result, ctx)
            assert leaked(out, secrets) == [], fmt


def test_the_cli_prints_no_secret_in_any_format(tmp_path):
    from click.testing import CliRunner

    from cassette_lint.cli import main

    p, secrets = planted(tmp_path)
    for fmt in reporters.FORMATS:
        r = CliRunner().invoke(main, ["check", "--format", fmt, str(p)])
        assert r.exit_code == 1, (fmt, r.output)
        assert leaked(r.output, secrets) == [], fmt
        assert leaked(r.stderr if r.stderr_bytes is not None else "", secrets) == [], fmt
    for args in (["rules"], ["rules", "K001"], ["check", "--statistics", str(p)]):
        r = CliRunner().invoke(main, args)
        assert leaked(r.output, secrets) == []


def test_findings_carry_the_value_hash_not_the_value(tmp_path):
    p, secrets = planted(tmp_path)
    for f in lint_file(p):
        if f.rule.startswith("K"):
            assert f.value_hash and all(s not in f.message for s in secrets)


def test_entropy_floor_is_meaningful():
    assert entropy("a" * 40) == 0
    assert entropy(KEYS["openai-legacy"][1][3:]) > 4


# == the corpus =============================================================================================

def test_scrubbed_fantasy_corpus_has_no_secret_findings():
    root = needs_shared("corpus/fantasy")
    result = run.run([str(root)], Options(select=("K",)))
    assert len(result.checked) >= 300
    assert [(f.path, f.line, f.rule) for f in result.findings] == []


def test_other_corpus_folders_are_silent_and_report_only_identifying_headers_when_asked():
    needs_shared("corpus")
    # (the HAR, httprr, nock and test-proxy folders: tests/test_new_formats.py explains their findings)
    vcr = [str(d) for d in sorted(CORPUS.iterdir()) if d.is_dir() and d.name.split("-")[0] not in
           ("har", "httprr", "nock", "testproxy")]
    assert run.run(vcr, Options(select=("K",))).findings == []
    result = run.run(vcr, Options(select=("K", "K022")))
    assert result.findings
    for f in result.findings:
        assert f.rule == "K022", (f.path, f.line, f.rule, f.message)
        line = open(f.path, encoding="utf-8").read().splitlines()[f.line - 2].strip().lower()
        assert line in ("openai-organization:", "openai-project:"), (f.path, f.line)


def test_diff_output_prints_no_secret(tmp_path):
    from click.testing import CliRunner

    from cassette_lint.cli import main

    p, secrets = planted(tmp_path)
    r = CliRunner().invoke(main, ["check", "--diff", str(p)])
    assert "+" in r.output and leaked(r.output, secrets) == []


def test_diff_shows_the_removed_secret_masked_and_the_placeholder_added(tmp_path):
    from click.testing import CliRunner

    from cassette_lint.cli import main

    p, secrets = planted(tmp_path)
    out = CliRunner().invoke(main, ["check", "--diff", str(p)]).output
    minus = [ln for ln in out.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    plus = [ln for ln in out.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    assert any("…(" in ln and "chars)" in ln for ln in minus)
    assert any("REDACTED" in ln for ln in plus)


# == the keyword pre-filter: fast, and exactly what testing every keyword on every text found ================

_PAD = 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" the"}}]}\n\n'


def _naive_keywords(text: str, json_keys: bool = False):
    """The pre-filter as it was: every keyword and every JSON hint tested on every text."""
    hit = {r.code for k, r in S._KEYWORDS if k in text}
    return [r for r in S.TOKEN_RULES if r.code in hit], json_keys and any(h in text for h in S._JSON_HINTS)


def _filter_texts() -> list[str]:
    words = [k for k, _ in S._KEYWORDS] + list(S._JSON_HINTS)
    texts = []
    for w in words:
        variants = {w, w.upper(), w.lower(), w.swapcase(), w[:-1], w[1:]}
        variants |= {w[:i] + w[i].swapcase() + w[i + 1:] for i in range(len(w))}
        for v in sorted(variants):
            texts += [v, f"x {v} y", _PAD + v, v + _PAD * 2, _PAD + f'"a_{v}": "value-1234"' + _PAD]
    rng = random.Random(7)
    for _ in range(3000):
        sep = rng.choice(["", " ", "-", "_", '"', _PAD])
        texts.append(sep.join(rng.sample(words, rng.randint(1, 3))) + rng.choice(["", _PAD]))
    texts += [v for _, v in KEYS.values()]
    return texts


def _codes(result):
    rules, hint = result
    return [r.code for r in rules], hint


def test_keyword_prefilter_finds_exactly_the_keywords_and_hints_present():
    for t in _filter_texts():
        for json_keys in (False, True):
            assert _codes(S._keywords(t, json_keys)) == _codes(_naive_keywords(t, json_keys)), (t[:80], json_keys)


def test_a_keyword_that_no_gate_names_is_still_found(monkeypatch):
    monkeypatch.setattr(S, "_GROUP_SPECS", S._GROUP_SPECS[2:])  # as if someone added keywords and no gate
    monkeypatch.setattr(S, "_FILTER", None)
    for t in _filter_texts()[::7]:
        for json_keys in (False, True):
            assert _codes(S._keywords(t, json_keys)) == _codes(_naive_keywords(t, json_keys)), (t[:80], json_keys)


def test_every_gate_opens_on_each_of_its_members():
    def check(spec, outer):
        sub, pattern, _json, members = spec
        chain = [*outer, (sub, pattern)]
        for m in members:
            if not isinstance(m, str):
                check(m, chain)
                continue
            for text in (m, f"{_PAD}{m}{_PAD}"):
                for sub_, pat in chain:
                    assert sub_ in text, (m, sub_)
                    assert not pat or re.search(pat, text), (m, pat)

    for spec in S._GROUP_SPECS:
        check(spec, [])
    named = {m for spec in S._GROUP_SPECS for m in S._members(spec)}
    assert named == {k for k, _ in S._KEYWORDS} | set(S._JSON_HINTS)


def test_no_match_is_shorter_than_the_minimum_the_filter_skips():
    from re import _parser

    widths = [_parser.parse(*r.regex._args).getwidth()[0] for r in S.TOKEN_RULES]
    widths.append(_parser.parse(*S._JSON_CRED._args).getwidth()[0])
    assert S._MIN_MATCH <= min(widths)


def test_only_the_listed_characters_fold_to_ascii_letters_under_ignorecase():
    rx = re.compile("(?i)[a-z]")
    folding = {chr(cp) for cp in range(128, sys.maxunicode + 1) if rx.match(chr(cp))}
    assert folding <= set(S._FOLDS_TO_ASCII)


def _json_texts(n: int, seed: int) -> list[str]:
    parts = ['"api_key"', '"API-KEY"', '"x_api_key"', '"Password"', '"passwd"', '"PassWord"', '"client_secret"',
             '"aws_session_token"', '"apiKey"', '"id_token"', '"monkey"', '"key"', '"secret_key"', '"private-key"',
             '"bearerToken"', '"ACCESS_TOKEN"', '"prompt_cache_key"', ': ', ':', ' : ', '"', '"value-12345"',
             '"v\\"x"', "\\", "\n", "é", "→", "\u0130", "\u0131", "\u017f", "\u212a", '"a\u017fecret"',
             '"client_\u017fecret"', '"api\u212aey"', "{", "}", ",", "xx"]
    rng = random.Random(seed)
    return ["".join(rng.choice(parts) for _ in range(rng.randint(1, 14))) for _ in range(n)]


def test_json_key_matches_are_those_of_the_plain_scan():
    def spans(it):
        return [(m.span(), m.group("k"), m.group("v")) for m in it]

    found = 0
    for t in _json_texts(30000, 11):
        want = spans(S._JSON_CRED.finditer(t))
        assert spans(S._json_cred_matches(t)) == want, t
        found += bool(want)
    assert found > 3000  # the texts do hold credential keys


def _scan_texts() -> list[str]:
    keys = [v for _, v in KEYS.values()]
    pem = PEM_BEGIN + "\\n" + "\\n".join(PEM_BODY) + "\\n" + PEM_END
    pieces = keys + [
        f'{{"SecretAccessKey": "{AWS_SECRET}"}}', f'aws_secret_access_key = {AWS_SECRET}',
        f'{{"aws_secret_access_key": "{AWS_SECRET.replace("/", "[/]")}"}}'.replace("[/]", "\\/"),
        f'{{"private_key": "{pem}"}}', '{"api_key": "abcd1234efgh5678"}', '{"Password": "hunter2hunter2"}',
        '{"API_kEY": "zyxw9876vuts5432"}', '{"clientSecret": "dummy"}', '{"refresh_token": "1//0gQ-7rT"}',
        "\\u0073" + keys[0][1:], "https://hooks.slack.com/services/" + rnd(30), "Bearer " + keys[3],
    ] + _json_texts(40, 3)
    rng = random.Random(13)
    texts = list(pieces)
    for _ in range(400):
        texts.append(rng.choice(["", _PAD]).join(rng.sample(pieces, rng.randint(1, 3))) + rng.choice(["", _PAD]))
    return texts


def test_scan_tokens_finds_what_the_every_keyword_scan_found(monkeypatch):
    texts = _scan_texts()

    def scan_all():
        out = []
        for t in texts:
            for json_keys in (False, True):
                out.append([(m.code, m.start, m.end, m.value, m.exact, m.context)
                            for m in S.scan_tokens(t, json_keys=json_keys)])
        return out

    fast = scan_all()
    monkeypatch.setattr(S, "_keywords", _naive_keywords)
    monkeypatch.setattr(S, "_json_cred_matches", lambda t: S._JSON_CRED.finditer(t))
    monkeypatch.setattr(S, "_MIN_MATCH", 1)
    slow = scan_all()
    assert fast == slow
    assert sum(map(len, fast)) > 300  # the texts do hold secrets


#: the token expressions as first written (the check that no token character comes before, first): the
#: catalogue writes it after the literal, for speed; the matches must stay the same
_FIRST_PATTERNS = {
    'K002': '(?<![A-Za-z0-9_-])sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{93}AA(?![A-Za-z0-9_-])',
    'K003': '(?<![A-Za-z0-9_-])sk-or-v1-[0-9a-f]{64}(?![A-Za-z0-9_-])',
    'K001': '(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,250}|(?!ant-|or-)[A-Za-z0-9]{48}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?![A-Za-z0-9_-])',
    'K004': '(?<![A-Za-z0-9_-])gsk_[A-Za-z0-9]{52}(?![A-Za-z0-9_-])',
    'K005': '(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])',
    'K006': '(?<![A-Za-z0-9_-])xai-[A-Za-z0-9_]{80}(?![A-Za-z0-9_-])',
    'K007': '(?<![A-Za-z0-9_-])(?:hf_|api_org_)[A-Za-z]{34}(?![A-Za-z0-9_-])',
    'K008': '(?<![A-Za-z0-9_-])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_-])',
    'K009': '(?<![A-Za-z0-9])A(?:KIA|SIA)[A-Z2-7]{16}(?![A-Za-z0-9])',
    'K010': '(?i:secret[_-]?access[_-]?key)[\\"\']?\\s*(?:[:=]|=>)\\s*[\\"\']?(?P<tok>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])',
    'K011': '(?<![A-Za-z0-9_-])[sr]k_live_[A-Za-z0-9]{20,247}(?![A-Za-z0-9_-])',
    'K012': '(?<![A-Za-z0-9_-])(?:xox[abeoprs]-[0-9]{6,13}-[A-Za-z0-9-]{10,}|xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-z0-9]+|https://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,})',
    'K013': '(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])',
    'K014': '-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:\\s|\\\\[rn])*(?P<body>[A-Za-z0-9+/=\\s\\\\:,-]{64,}?)-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----',
}


def test_token_expressions_match_as_first_written():
    assert set(_FIRST_PATTERNS) == {r.code for r in S.TOKEN_RULES}
    keys = [v for _, v in KEYS.values()] + [f"aws_secret_access_key={AWS_SECRET}", f'"SecretAccessKey": "{AWS_SECRET}"',
                                            PEM_BEGIN + "\n" + "\n".join(PEM_BODY) + "\n" + PEM_END,
                                            "xoxb-" + rnd(10, string.digits) + "-" + rnd(20),
                                            "xapp-1-A" + rnd(8, string.ascii_uppercase) + "-123-abc",
                                            "https://hooks.slack.com/services/" + rnd(30)]
    rng = random.Random(17)
    texts = []
    for k in keys:
        for before in ("", " ", "a", "Z", "0", "_", "-", "/", ".", '"', "=", "sk-", "gh"):
            for after in ("", " ", "a", "-", "_", "=", "/", '"'):
                texts.append(before + k + after)
                texts.append(before + k[:-1] + after)
        for _ in range(20):
            i = rng.randrange(len(k))
            texts.append(k[:i] + rng.choice("-_a0/") + k[i + 1:])
    texts.append(" ".join(texts[::37]))
    for r in S.TOKEN_RULES:
        first = re.compile(_FIRST_PATTERNS[r.code])
        for t in texts:
            want = [(m.span(), m.groupdict()) for m in first.finditer(t)]
            assert [(m.span(), m.groupdict()) for m in r.regex.finditer(t)] == want, (r.code, t[:60])
