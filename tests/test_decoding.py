"""The decoding layer under the secret rules (cassette_lint.decoding): a credential behind every
encoding a recorder or an API uses is found, reported at its line, never printed, and ``--fix``
rewrites exactly the right bytes (re-encoding base64 and ``!!binary`` in their own layout).

Every credential is synthetic, built from parts at run time (see test_secrets.py)."""

from __future__ import annotations

import base64
import gzip
import json

import yaml
from click.testing import CliRunner

from cassette_lint import decoding as D
from cassette_lint import reporters, run
from cassette_lint.options import Options
from cassette_lint.cli import main
from conftest import base64_pos, binary_block
from test_secrets import KEYS, K, cassette, fix_all, leaked, lint_file, rnd, where, write

OPENAI = KEYS["openai-project"][1]
GITHUB = KEYS["github-pat"][1]
AWS_ID = KEYS["aws-temporary-key"][1]
SESSION_TOKEN = "IQoJb3JpZ2luX2Vj" + rnd(300, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+")


def vcrpy_cassette(headers: dict, body=None, response_body: str = "ok") -> str:
    """A cassette as vcrpy itself writes it (its YAML serializer): ``bytes`` values become ``!!binary``."""
    from vcr.serializers import yamlserializer

    return yamlserializer.serialize({"version": 1, "interactions": [{
        "request": {"body": body, "headers": headers, "method": "POST",
                    "uri": "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke"},
        "response": {"body": {"string": response_body}, "headers": {"Content-Type": ["application/json"]},
                     "status": {"code": 200, "message": "OK"}}}]})


def all_formats_masked(path, secrets: list[str]) -> None:
    """No output format (nor the CLI) prints any of ``secrets``."""
    result = run.run([str(path)], Options())
    for fmt in reporters.FORMATS:
        for ctx in (reporters.Context(), reporters.Context(show_fixes=True)):
            assert leaked(reporters.render(fmt, result, ctx), secrets) == [], fmt
        r = CliRunner().invoke(main, ["check", "--format", fmt, str(path)])
        assert r.exit_code == 1 and leaked(r.output, secrets) == [], fmt


def only_changed(before: str, after: str, old: str, new: str) -> None:
    """``after`` is ``before`` with the one span ``old`` replaced by ``new``: byte-exact elsewhere."""
    assert before.count(old) == 1
    assert after == before.replace(old, new)


# == !!binary header values (vcrpy writes bytes values so) =====================================================

def b64_block(text: str, b64: str) -> str:
    """The lines of ``text`` that hold the base64 of a ``!!binary |`` block, as written."""
    lines = [ln for ln in text.splitlines(keepends=True)]
    first = next(i for i, ln in enumerate(lines) if ln.strip() == b64[:len(ln.strip())] and ln.strip())
    out, seen = [], 0
    for ln in lines[first:]:
        out.append(ln)
        seen += len(ln.strip())
        if seen >= len(b64):
            return "".join(out)
    raise AssertionError("block not found")


def test_binary_authorization_header_is_decoded_found_on_its_line_and_re_encoded(tmp_path):
    value = ("AWS4-HMAC-SHA256 Credential=" + AWS_ID + "/20250101/us-east-1/bedrock/aws4_request, "
             "SignedHeaders=host;x-amz-date, Signature=" + rnd(64, "0123456789abcdef"))
    text = vcrpy_cassette({"Authorization": [value.encode()]})
    assert "Authorization:\n      - !!binary |\n" in text
    p = write(tmp_path, text)
    # the key starts at byte 28 of the value: reported where the base64 encodes that byte
    b64 = base64.b64encode(value.encode()).decode()
    k = 28 // 3 * 4
    line_text = b64[k // 76 * 76:k // 76 * 76 + 76]
    assert K(lint_file(p)) == [("K009", *where(text, line_text))[:2] + (where(text, line_text)[1] + k % 76,)]
    all_formats_masked(p, [AWS_ID])
    out = fix_all(p).decode()
    fixed = value.replace(AWS_ID, "REDACTED")
    new_b64 = base64.b64encode(fixed.encode()).decode()
    block = b64_block(text, b64)
    indent = block[:len(block) - len(block.lstrip())]
    new_block = "".join(f"{indent}{new_b64[i:i + 76]}\n" for i in range(0, len(new_b64), 76))
    only_changed(text, out, block, new_block)
    assert yaml.safe_load(out)["interactions"][0]["request"]["headers"]["Authorization"] == [fixed.encode()]
    assert K(lint_file(p)) == []


def test_binary_bearer_token_header_is_a_token_family_finding(tmp_path):
    text = vcrpy_cassette({"Authorization": [("Bearer " + OPENAI).encode()]})
    p = write(tmp_path, text)
    assert [c for c, _, _ in K(lint_file(p))] == ["K001"]
    all_formats_masked(p, [OPENAI])
    out = fix_all(p).decode()
    assert yaml.safe_load(out)["interactions"][0]["request"]["headers"]["Authorization"] == [b"Bearer REDACTED"]


def test_binary_aws_session_token_header_is_a_credential_header(tmp_path):
    text = vcrpy_cassette({"X-Amz-Security-Token": [SESSION_TOKEN.encode()],
                           "X-Amz-Date": [b"20250101T000000Z"]})
    p = write(tmp_path, text)
    b64 = base64.b64encode(SESSION_TOKEN.encode()).decode()
    assert K(lint_file(p)) == [("K020", *where(text, b64[:76]))]
    all_formats_masked(p, [SESSION_TOKEN])
    out = fix_all(p).decode()
    only_changed(text, out, b64_block(text, b64), "        " + base64.b64encode(b"REDACTED").decode() + "\n")


def test_binary_header_placeholder_is_silent(tmp_path):
    text = vcrpy_cassette({"Authorization": [b"AUTHORIZATION-XXX"], "X-Amz-Security-Token": [b"<REDACTED>"]})
    assert K(lint_file(write(tmp_path, text))) == []


# == base64 segments that decode to text ======================================================================

def test_credential_inside_a_base64_json_blob_is_found_on_its_line_and_re_encoded(tmp_path):
    inner = json.dumps({"api_key": GITHUB, "region": "eu"})
    blob = base64.b64encode(inner.encode()).decode()
    assert blob.startswith("eyJhcGlfa2V5Ijo")  # {"api_key":
    value = "{\n  \"model\": \"m\",\n  \"blob\": \"" + blob + "\"\n}\n"  # the block's text
    body = "|\n" + "".join("      " + ln + "\n" for ln in value.splitlines()).rstrip("\n")
    text = cassette(req_body=body, req_cl=len(value.encode()))
    p = write(tmp_path, text)
    # the token starts at byte 13 of the blob ({"api_key": "): the quad from character 16 encodes it
    line, col = where(text, blob)
    assert K(lint_file(p)) == [("K008", line, col + 16)]
    all_formats_masked(p, [GITHUB])
    out = fix_all(p).decode()
    new_blob = base64.b64encode(inner.replace(GITHUB, "REDACTED").encode()).decode()
    old_cl = f"content_length: {len(value.encode())}\n"
    new_cl = f"content_length: {len(value.replace(blob, new_blob).encode())}\n"
    assert old_cl in text
    only_changed(text.replace(old_cl, new_cl), out, blob, new_blob)


def test_credential_json_key_inside_base64_is_reported_as_a_credential_parameter(tmp_path):
    secret = rnd(32)
    blob = base64.urlsafe_b64encode(json.dumps({"client_secret": secret}).encode()).decode().rstrip("=")
    text = cassette(resp_body="'" + json.dumps({"state": blob}) + "'")
    p = write(tmp_path, text)
    assert [c for c, _, _ in K(lint_file(p))] == ["K023"]
    all_formats_masked(p, [secret])
    out = fix_all(p).decode()
    new = base64.urlsafe_b64encode(json.dumps({"client_secret": "REDACTED"}).encode()).decode().rstrip("=")
    only_changed(text, out, blob, new)


def test_data_uri_holding_a_credential(tmp_path):
    payload = "config: token=" + KEYS["slack-bot"][1] + "\n"
    uri = "data:text/plain;base64," + base64.b64encode(payload.encode()).decode()
    text = cassette(req_body="'" + json.dumps({"file": uri}) + "'")
    p = write(tmp_path, text)
    line, _ = where(text, uri)
    assert [(c, ln) for c, ln, _ in K(lint_file(p))] == [("K012", line)]
    all_formats_masked(p, [KEYS["slack-bot"][1]])
    out = fix_all(p).decode()
    assert KEYS["slack-bot"][1] not in base64.b64decode(json.loads(yaml.safe_load(out)["interactions"][0]["request"]["body"])["file"].split(",")[1]).decode()


def test_base64_inside_base64_is_looked_into_up_to_the_depth_limit(tmp_path):
    once = base64.b64encode(("key: " + GITHUB).encode()).decode()
    twice = base64.b64encode(json.dumps({"inner": once}).encode()).decode()
    thrice = base64.b64encode(json.dumps({"inner": twice}).encode()).decode()
    assert D.MAX_DEPTH == 2
    assert [c for c, _, _ in K(lint_file(write(tmp_path, cassette(req_body="'" + twice + "'"))))] == ["K008"]
    assert K(lint_file(write(tmp_path, cassette(req_body="'" + thrice + "'"), "deep.yaml"))) == []


def test_base64_of_binary_data_and_plain_identifiers_are_not_decoded_as_text():
    png = base64.b64encode(bytes(range(256))).decode()
    text = "id chatcmpl-" + rnd(29) + " img " + png + " hash " + rnd(64, "0123456789abcdef")
    assert D.base64_segments(text) == []


def test_decoding_budget_bounds_the_work(monkeypatch):
    seg = base64.b64encode(b'{"a": "' + b"x" * 60 + b'"}').decode()
    text = " ".join([seg] * 10)
    assert len(D.base64_segments(text)) == 10
    monkeypatch.setattr(D, "MAX_DECODED", 3 * 50)
    assert len(D.base64_segments(text)) == 2
    monkeypatch.setattr(D, "MAX_SEGMENT", 40)
    assert D.base64_segments(text) == []


def test_runs_are_found_by_the_translated_search_as_by_the_expression():
    import re

    rx = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{%d,}(?:==?)?" % D.MIN_SEGMENT)
    text = ("a" * 23 + " " + "b" * 24 + "== x" + "é" + "c/d+e_f-" * 4 + "=\n" + rnd(100, "AB+/") + "ÿ" + "q" * 30)
    assert D._runs(text, ascii_start=False) == [m.span() for m in rx.finditer(text)]
    firsts = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")
    assert D._runs(text) == [(a, b) for a, b in D._runs(text, False) if set(text[a:a + 16:4]) <= firsts]


# == JSON escapes, JSON-in-JSON, percent-encoding, gzip ============================================================

def test_json_in_json_credential_key_is_found_and_fixed(tmp_path):
    secret = rnd(28)
    body = json.dumps({"arguments": json.dumps({"password": secret, "user": "ana"})})
    assert '\\"password\\"' in body
    text = cassette(req_body="'" + body + "'")
    p = write(tmp_path, text)
    assert K(lint_file(p)) == [("K023", *where(text, secret))]
    all_formats_masked(p, [secret])
    out = fix_all(p).decode()
    assert secret not in out and '\\"password\\": \\"REDACTED\\"' in out


def test_percent_encoded_url_password_is_decoded(tmp_path):
    pw = rnd(10) + "/" + rnd(6)
    text = cassette(url="https://deploy:" + pw.replace("/", "%2F") + "@registry.example.com/v2/")
    p = write(tmp_path, text)
    found = lint_file(p)
    assert K(found) == [("K024", *where(text, pw.replace("/", "%2F")))]
    all_formats_masked(p, [pw, pw.replace("/", "%2F")])
    assert [f.fix for f in found if f.rule == "K024"] == [None]  # written encoded: no byte-exact edit


def test_gzip_binary_body_is_decompressed_and_reported_at_the_body(tmp_path):
    token = rnd(40)
    raw = gzip.compress(json.dumps({"access_token": token}).encode())
    block = binary_block(raw, "      ").rstrip("\n")
    text = cassette(resp_body=block, resp_headers={"Content-Encoding": "gzip"}, resp_cl=len(raw))
    p = write(tmp_path, text)
    all_formats_masked(p, [token])
    found = lint_file(p)
    assert [(c, ln) for c, ln, _ in K(found)] == [("K023", where(text, "!!binary")[0])]
    assert [f.fix for f in found if f.rule == "K023"] == [None]  # compressed bytes: nothing to edit in place


def test_binary_body_fix_re_encodes_the_block_and_updates_the_length(tmp_path):
    key = KEYS["openrouter"][1]
    raw = bytes(range(256)) + b"key=" + key.encode() + bytes(range(200, 256))
    block = binary_block(raw, "      ").rstrip("\n")
    text = cassette(resp_body=block, resp_cl=len(raw))
    p = write(tmp_path, text)
    assert K(lint_file(p)) == [("K003", *base64_pos(text, raw, raw.index(key.encode())))]
    all_formats_masked(p, [key])
    out = fix_all(p).decode()
    new_raw = raw.replace(key.encode(), b"REDACTED")
    new_block = binary_block(new_raw, "      ").rstrip("\n")
    only_changed(text.replace(f"content_length: {len(raw)}", f"content_length: {len(new_raw)}"), out,
                 block, new_block)


# == multipart/form-data ==================================================================================

def test_multipart_form_field_credential_is_found_and_fixed_file_parts_are_not_fields(tmp_path):
    secret = rnd(24)
    boundary = "----form" + rnd(12)
    parts = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm\r\n"
             f"--{boundary}\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\n{secret}\r\n"
             f"--{boundary}\r\nContent-Disposition: form-data; name=\"password\"; filename=\"a.txt\"\r\n"
             f"Content-Type: text/plain\r\n\r\nnot a field\r\n--{boundary}--\r\n")
    body = json.dumps(parts)  # go-vcr writes such a body as a double-quoted scalar with \r\n escapes
    text = cassette(req_body=body, req_cl=len(parts),
                    req_headers={"Content-Type": "'multipart/form-data; boundary=" + boundary + "'"})
    p = write(tmp_path, text)
    assert K(lint_file(p)) == [("K023", *where(text, secret))]
    all_formats_masked(p, [secret])
    out = fix_all(p).decode()
    only_changed(text.replace(f"content_length: {len(parts)}\n", f"content_length: {len(parts) - len(secret) + 8}\n"),
                 out, secret, "REDACTED")


def test_multipart_fields_are_read_by_name_with_either_line_break():
    text = "--b\nContent-Disposition: form-data; name=\"token\"\n\nabc\n--b\n\n--b--\n"
    assert [(n, text[a:b]) for n, a, b in D.multipart_fields(text, 'multipart/form-data; boundary="b"')] == [
        ("token", "abc")]
    assert list(D.multipart_fields(text, "multipart/form-data")) == []  # no boundary: nothing to read
