"""``cassette-lint secrets``: redaction coverage per credential place, through the CLI; the printed
recorder configuration works when pasted (vcrpy, recorded against a server on 127.0.0.1); no value
is ever printed.

Every credential is synthetic, built from parts at run time (see test_secrets.py)."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from cassette_lint.cli import main
from test_secrets import KEYS, K, cassette, leaked, lint_file, rnd

OPENAI = KEYS["openai-project"][1]
GROQ = KEYS["groq"][1]
PASSWORD = rnd(16)
ORG = "org-" + rnd(24)
SECRETS = [OPENAI, GROQ, PASSWORD, ORG]


def vcrpy_yaml(headers: dict, uri: str, body: str | None = None, resp_headers: dict | None = None) -> str:
    from vcr.serializers import yamlserializer

    return yamlserializer.serialize({"version": 1, "interactions": [{
        "request": {"body": body, "headers": headers, "method": "POST", "uri": uri},
        "response": {"body": {"string": "{}"}, "headers": dict({"Content-Type": ["application/json"]},
                                                               **(resp_headers or {})),
                     "status": {"code": 200, "message": "OK"}}}]})


@pytest.fixture
def project(tmp_path):
    """Three cassettes: one leaking, one scrubbed (vcrpy), one go-vcr leaking a header and a form field."""
    d = tmp_path / "cassettes"
    d.mkdir()
    (d / "leaky.yaml").write_text(vcrpy_yaml(
        {"Authorization": ["Bearer " + OPENAI], "Content-Type": ["application/json"]},
        "https://api.example.com/v1/chat?key=REDACTED", json.dumps({"api_key": PASSWORD, "model": "m"}),
        {"openai-organization": [ORG]}))
    (d / "scrubbed.yaml").write_text(vcrpy_yaml(
        {"Authorization": ["AUTHORIZATION-XXX"], "Content-Type": ["application/json"]},
        "https://api.example.com/v1/chat?key=%3CAPI_KEY%3E", json.dumps({"api_key": "<API_KEY>"}),
        {"openai-organization": ["REDACTED"]}))
    (d / "go.yaml").write_text(cassette(req_headers={"X-Api-Key": GROQ}, form={"password": PASSWORD}))
    return d


def table(output: str) -> dict[tuple[str, str], tuple[int, int]]:
    """``{(place, lower-case name): (redacted, in clear)}`` read from the text report."""
    rows = {}
    for ln in output.splitlines():
        m = re.match(r"  (request header|response header|query parameter|form field|request JSON key"
                     r"|response JSON key)\s+(\S+)\s+(\d+)\s+(\d+)$", ln)
        if m:
            rows[(m.group(1), m.group(2).lower())] = (int(m.group(3)), int(m.group(4)))
    return rows


def test_report_counts_redacted_and_clear_cassettes_per_place(project):
    r = CliRunner().invoke(main, ["secrets", "--isolated", str(project)])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Redaction coverage: 3 cassettes (go-vcr-v2 1, vcrpy 2)")
    assert table(r.output) == {
        ("request header", "authorization"): (1, 1),
        ("request header", "x-api-key"): (0, 1),
        ("response header", "openai-organization"): (1, 1),
        ("query parameter", "key"): (2, 0),
        ("form field", "password"): (0, 1),
        ("request JSON key", "api_key"): (1, 1),
    }
    assert "5 of 6 places held in clear" in r.output


def test_report_never_prints_a_value(project):
    for args in (["secrets", "--isolated", str(project)], ["secrets", "--isolated", "--format", "json", str(project)],
                 ["secrets", "--isolated", "--recorder", "ruby-vcr", "--recorder", "go-vcr", str(project)]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 0 and leaked(r.output, SECRETS) == [], args


def test_report_prints_the_configuration_of_each_recorder_read(project):
    out = CliRunner().invoke(main, ["secrets", "--isolated", str(project)]).output
    assert "vcrpy: filter every place" in out and "go-vcr: filter every place" in out and "ruby-vcr" not in out
    assert "filter_headers=[('authorization', 'REDACTED'), ('x-api-key', 'REDACTED')]" in out
    assert "filter_query_parameters=[('key', 'REDACTED')]" in out
    assert "filter_post_data_parameters=[('password', 'REDACTED'), ('api_key', 'REDACTED')]" in out
    assert "before_record_response=_scrub_response" in out and "['openai-organization']" in out
    assert 'for _, h := range []string{"Authorization", "X-Api-Key"}' in out
    assert "r.AddHook(redact, recorder.BeforeSaveHook)" in out
    ruby = CliRunner().invoke(main, ["secrets", "--isolated", "--recorder", "ruby-vcr", str(project)]).output
    assert "vcrpy:" not in ruby
    assert 'c.filter_sensitive_data("<REQUEST_AUTHORIZATION>") { |i| i.request.headers["Authorization"]&.first }' in ruby
    assert 'JSON.parse(i.request.body)["api_key"]' in ruby


def test_json_format_and_configured_placeholders(project, tmp_path):
    data = json.loads(CliRunner().invoke(main, ["secrets", "--isolated", "--format", "json", str(project)]).output)
    assert data["cassettes"] == 3
    assert {"kind": "form field", "name": "password", "in_clear": 1, "redacted": 0} in data["places"]
    cfg = tmp_path / "cfg.toml"
    cfg.write_text('[secrets]\nplaceholders = ["' + re.escape(PASSWORD) + '"]\n')
    data = json.loads(CliRunner().invoke(main, ["secrets", "--config", str(cfg), "--format", "json",
                                                str(project)]).output)
    assert {"kind": "form field", "name": "password", "in_clear": 0, "redacted": 1} in data["places"]


def test_a_bad_configuration_is_a_usage_error(project, tmp_path):
    cfg = tmp_path / "cfg.toml"
    cfg.write_text('[secrets]\nplaceholders = "x"\n')
    r = CliRunner().invoke(main, ["secrets", "--config", str(cfg), str(project)])
    assert r.exit_code == 2 and "placeholders" in r.output


def test_an_empty_tree_says_so(tmp_path):
    r = CliRunner().invoke(main, ["secrets", "--isolated", str(tmp_path)])
    assert r.exit_code == 0 and "Redaction coverage: 0 cassettes" in r.output and "No credential-bearing" in r.output


# == the printed vcrpy configuration works when pasted =======================================================

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"access_token": rnd(40), "ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("openai-organization", ORG)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _record(path, url: str, my_vcr) -> None:
    import requests

    with my_vcr.use_cassette(str(path)):
        requests.post(url + "/v1/chat?key=" + GROQ, json={"api_key": PASSWORD, "model": "m"},
                      headers={"Authorization": "Bearer " + OPENAI, "X-Api-Key": GROQ}, timeout=5)


def test_pasting_the_vcrpy_configuration_records_a_clean_cassette(tmp_path, server):
    vcr = pytest.importorskip("vcr")
    pytest.importorskip("requests")
    leaky = tmp_path / "first" / "leaky.yaml"
    leaky.parent.mkdir()
    _record(leaky, server, vcr.VCR())
    before = K(lint_file(leaky, select=("ALL", "K022")))
    assert {c for c, _, _ in before} >= {"K001", "K004", "K022", "K023"}

    out = CliRunner().invoke(main, ["secrets", "--isolated", "--recorder", "vcrpy", str(leaky.parent)]).output
    assert table(out)[("response JSON key", "access_token")] == (0, 1)
    code = out.split("vcrpy: filter every place above when recording (paste as is):\n\n", 1)[1]
    scope: dict = {}
    exec(compile(code, "pasted", "exec"), scope)  # the user's paste

    clean = tmp_path / "second" / "clean.yaml"
    clean.parent.mkdir()
    _record(clean, server, scope["my_vcr"])
    assert K(lint_file(clean, select=("ALL", "K022"))) == []
    after = CliRunner().invoke(main, ["secrets", "--isolated", str(clean.parent)]).output
    rows = table(after)
    assert rows and all(clear == 0 for _redacted, clear in rows.values()), after


def test_multipart_form_fields_are_counted(tmp_path):
    parts = "--b\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\n" + PASSWORD + "\r\n--b--\r\n"
    (tmp_path / "m.yaml").write_text(cassette(req_body=json.dumps(parts), req_cl=len(parts),
                                              req_headers={"Content-Type": "'multipart/form-data; boundary=b'"}))
    out = CliRunner().invoke(main, ["secrets", "--isolated", str(tmp_path)]).output
    assert table(out) == {("form field", "api_key"): (0, 1)} and leaked(out, [PASSWORD]) == []
