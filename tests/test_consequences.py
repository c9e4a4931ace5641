"""Severity follows consequence (issue 15): every rule documents what happens under each library
profile (and, for the stream, tool-call and provider rules, in each client); each rule of the X, Y, S,
L, H, F and R families its findings say which library or client they assume, and
the severities that depend on the profile are those the real library shows (vcrpy with httpx and
requests replaying here; go-vcr's behaviour cited from its source in each rule's doc).
"""

from __future__ import annotations

import json
import logging
import pathlib

import pytest

from cassette_lint import rules
from conftest import lint_file

#: the families whose representative findings this file proves (E, T, A and K: test_consequences_streams.py)
FAMILIES = ("loading", "schema", "content_length", "http", "formats", "replay")

#: what a message names when it names the library or client it assumes
LIBRARIES = ("go-vcr", "vcrpy", "Ruby VCR", "ruby-vcr", "httpx", "requests", "net/http", "polly", "Polly",
             "nock", "test-proxy", "httprr", "yaml.v3", "PyYAML", "Psych", "a custom matcher", "recorder",
             "persister",
             # the clients a stream, tool-call or provider rule's consequence happens in
             "openai-python", "anthropic", "google-genai", "ollama", "botocore", "httpx-sse", "EventSource",
             "SSE decoder", "whatever library", "SDK")


def _rules():
    return [r for r in rules.all_rules() if r.family in FAMILIES]


@pytest.mark.parametrize("code", [r.code for r in rules.all_rules()])
def test_every_rule_documents_its_consequence(code):
    doc = rules.load_all()[code].doc
    assert "\nConsequence" in doc, f"{code} has no Consequence section"
    section = " ".join(doc.split("\nConsequence", 1)[1].split("\nFix", 1)[0].split())
    assert (any(lib in section for lib in LIBRARIES) or "every library" in section
            or "no library is involved" in section), section


# -- one representative finding per rule ---------------------------------------------------------

GOVCR = """\
version: 2
interactions:
- id: {iid}
  request:
    proto: {proto}
    proto_major: 1
    proto_minor: 1
    content_length: {req_len}
    body: {req_body}
    headers:
      Content-Type:
      - application/json
    url: {url}
    method: {method}
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: {resp_len}
    body: {resp_body}
    headers:
      Content-Type:
      - {resp_ct}
    status: {status}
    code: {code}
    duration: 1ms
"""


def govcr(**kw) -> str:
    d = dict(iid=0, proto="HTTP/1.1", req_len=-1, req_body="'{\"a\": 1}'", url="https://api.example.com/v1/x",
             method="POST", resp_len=-1, resp_body="'{\"ok\": true}'", resp_ct="application/json",
             status="200 OK", code=200)
    d.update(kw)
    return GOVCR.format(**d)


def vcrpy_text(method="GET", uri="http://127.0.0.1:9/x", code=200, body='{"ok": true}', headers=None,
               ua="python-httpx/0.28.1") -> str:
    import yaml

    return yaml.safe_dump({"version": 1, "interactions": [{
        "request": {"method": method, "uri": uri, "body": None, "headers": {"User-Agent": [ua]}},
        "response": {"status": {"code": code, "message": "OK"},
                     "headers": {"Content-Type": ["application/json"], **(headers or {})},
                     "body": {"string": body}}}]})


#: code -> (file name, text, extra lint options): a cassette on which the rule fires
REPRESENTATIVE = {
    "H001": ("c.yaml", govcr(resp_body="'{\"ok\": true,}'"), {}),
    "H002": ("c.yaml", govcr(status="404 Not Found"), {}),
    "H003": ("c.yaml", govcr(status="200 Not Found"), {}),
    "H004": ("c.yaml", govcr(proto="HTTP/2.0"), {}),
    "H005": ("c.yaml", govcr(method="post"), {}),
    "H006": ("c.yaml", govcr(url="/v1/x"), {}),
    "H007": ("c.yaml", govcr(iid=3), {}),
    "H008": ("c.yaml", govcr(status="429 Too Many Requests", code=429), {}),
    "H009": ("c.yaml", govcr(status="0", code=0), {}),
    "H010": ("c.yaml", govcr(resp_body="'{\"t\": \"OlÃ¡\"}'"), {}),
    "L001": ("c.yaml", govcr(req_len=3), {}),
    "L002": ("c.yaml", govcr(resp_len=3), {}),
    "L003": ("c.yaml", vcrpy_text(headers={"Content-Length": ["12 bytes"]}), {}),
    "F001": ("c.yaml", vcrpy_text(headers={"Content-Encoding": ["br"]},
                                   body=__import__("base64").b64decode("iwOAeyJvayI6IHRydWV9Aw==")), {}),
    "F002": ("c.yaml", vcrpy_text(uri="wss://realtime.example.com/v1"), {}),
    "S001": ("c.yaml", govcr(code='"200"'), {}),
    "S002": ("c.yaml", govcr().replace("    url:", "    id: req-7\n    url:"), {}),
}


def _two(first: str, second: str) -> str:
    """A go-vcr cassette of ``first``'s interaction then ``second``'s (each a :func:`govcr` text)."""
    return first + second.split("interactions:\n", 1)[1].replace("- id: 0", "- id: 1")


def _vcrpy_two(second_ua: str) -> str:
    import yaml

    def one(ua, body):
        return {"request": {"method": "GET", "uri": "https://api.example.com/v1/x", "body": None,
                            "headers": {"User-Agent": [ua]}},
                "response": {"status": {"code": 200, "message": "OK"}, "headers": {},
                             "body": {"string": body}}}
    its = [one("python-httpx/0.28.1", "a"), one(second_ua, "b")] * 2
    return yaml.safe_dump({"version": 1, "interactions": its})


def _deep(levels: int) -> str:
    return "version: 2\ninteractions:\n" + "".join("  " * (k + 1) + f"- k{k}:\n" for k in range(levels))


GZIP_BODY = __import__("gzip").compress(b'{"ok": true}')
REPRESENTATIVE.update({
    "R001": ("c.yaml", govcr(url="https://api.example.com/v1/x?page=2", req_len=8).replace(
        "    url:", "    form: {}\n    url:"), {}),
    "R002": ("c.yaml", govcr(url="https://api.example.com/files/café", req_len=8), {}),
    "R003": ("c.yaml", govcr(req_len=8).replace("    url:", "    remote_addr: 127.0.0.1:5\n    url:"), {}),
    "R004": ("c.yaml", _two(govcr(req_len=8), govcr(req_len=8, resp_body="'{\"ok\": false}'")),
             {"settings": {"replay": {"allow-repeats": True}}}),
    "R005": ("c.yaml", _two(govcr(req_len=8), govcr(req_len=8, resp_body="'{\"ok\": false}'")),
             {"select": ["R005"]}),
    "R006": ("c.yaml", govcr(req_body="eyJhIjogIk9sw6EifQ==", req_len=13), {}),
    "R010": ("c.yaml", vcrpy_text(headers={"Content-Encoding": ["gzip"]}), {}),
    "R011": ("c.yaml", vcrpy_text(body=GZIP_BODY), {}),
    "R012": ("c.yaml", vcrpy_text(headers={"Transfer-Encoding": ["chunked"]},
                                  body='c\r\n{"ok": true}\r\n0\r\n\r\n'), {}),
    "R013": ("c.yaml", vcrpy_text().replace("body: null", "body:\n      a: 1"),
             {"settings": {"replay": {"match-on": ["method", "uri", "body"]}}}),
    "R014": ("c.yaml", govcr(req_len=8).replace(
        "      Content-Type:\n      - application/json\n    url:",
        "      Content-Type:\n      - application/json\n      Idempotency-Key:\n"
        "      - 3f1c2a8e-9b7d-4c6e-8a2f-1d3e5b7c9a0f\n    url:"), {}),
    "R015": ("c.yaml", govcr(req_len=8).replace(
        "      Content-Type:\n      - application/json\n    url:",
        "      Content-Type:\n      - application/json\n      Authorization:\n      - Bearer REDACTED\n    url:"),
        {}),
    "R016": ("c.yaml", _vcrpy_two("python-httpx/0.28.2"),
             {"settings": {"replay": {"match-on": ["method", "uri", "headers"]}}}),
    "Y006": ("c.yaml", b"version: 2\ninteractions: []\n# caf\xe9\n", {}),
    "Y008": ("c.yaml", govcr(resp_body="!custom '{}'"), {}),
    "Y009": ("c.yaml", "version: 2\ninteractions: &a [*a]\n", {}),
    "Y010": ("c.yaml", _deep(210), {}),
    "Y011": ("c.yaml", "name: a helm chart\nversion: 1.0\n", {}),
    "Y013": ("c.yaml", govcr(), {"max_file_size": 100}),
    "Y016": ("c.yaml", vcrpy_text().replace("body: null", "body: !!python/object/new:"
                                            "multidict._multidict.istr [x]"),
             {"settings": {"replay": {"library": "vcrpy==9.4.2"}}}),
    "Y017": ("c.yaml.gz", b"\x1f\x8b\x08\x00broken", {}),
    "Y021": ("c.httprr", "httprr trace v1\n10 19\nGET / HTTP/1.1\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", {}),
})


REPRESENTATIVE.update({
    "Y002": ("c.yaml", vcrpy_text().replace("version: 1\n", "version: 1\nversion: 1\n"), {}),
    "Y004": ("c.yaml", vcrpy_text() + "---\n" + vcrpy_text(), {}),
    "Y014": ("c.yaml", vcrpy_text().replace("version: 1", "version: 3"), {}),
    "Y001": ("c.yaml", "version: 2\ninteractions: [\n", {}),
    "Y003": ("c.yaml", "# nothing recorded\n", {}),
    "Y005": ("c.yaml", "- a\n- b\n", {}),
    "Y007": ("c.yaml", govcr(resp_body="!!binary AAAA$$$$"), {}),
    "Y012": ("c.yaml", None, {}),  # a dangling symbolic link
})

#: rules whose findings name no library, on purpose: X001 is a bug in cassette-lint itself
NO_LIBRARY = {"X001"}


def test_every_rule_of_the_families_has_a_representative_finding():
    assert {r.code for r in _rules()} - NO_LIBRARY == set(REPRESENTATIVE)


@pytest.mark.parametrize("code", sorted(REPRESENTATIVE))
def test_a_representative_finding_names_the_library_or_client(tmp_path, code):
    name, text, options = REPRESENTATIVE[code]
    p = tmp_path / name
    if text is None:
        p.symlink_to(tmp_path / "missing.yaml")
    elif isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, "utf-8", newline="")
    found = [f for f in lint_file(p, **options) if f.rule == code]
    assert found, f"{code} did not fire on its representative cassette"
    for f in found:
        assert any(lib in f.message for lib in LIBRARIES), f.message


# -- severities that follow the profile --------------------------------------------------------------

def _sev(tmp_path, text, code, name="c.yaml", **options) -> list[str]:
    p = tmp_path / name
    p.write_text(text, "utf-8")
    return [f.severity.value for f in lint_file(p, **options) if f.rule == code]


def _lib(name: str) -> dict:
    return {"settings": {"replay": {"library": name}}}


def test_status_text_against_code_replays_as_code_says(tmp_path):
    """go-vcr's GetHTTPResponse: StatusCode from ``code``, Status from ``status``: a warning."""
    assert _sev(tmp_path, govcr(status="404 Not Found"), "H002") == ["warning"]


@pytest.mark.parametrize("library, severity", [("go-vcr-v4", "error"), ("go-vcr-v3", "warning"),
                                               ("custom", "warning")])
def test_request_proto_mismatch_breaks_only_a_matcher_that_compares_proto(tmp_path, library, severity):
    text = govcr(proto="HTTP/2.0")  # proto_major/minor 1.1: at most one can equal what Go sends
    assert _sev(tmp_path, text, "H004", **_lib(library)) == [severity, severity]


def test_response_proto_mismatch_is_a_warning_under_go_vcr_v4(tmp_path):
    text = govcr().replace("    proto_major: 2\n", "    proto_major: 3\n")
    assert _sev(tmp_path, text, "H004") == ["warning"]


@pytest.mark.parametrize("library, severity", [("go-vcr-v4", "error"), ("go-vcr-v2", "error"),
                                               ("custom", "warning")])
def test_lower_case_method_never_replays_where_the_method_is_compared(tmp_path, library, severity):
    assert _sev(tmp_path, govcr(method="post"), "H005", **_lib(library)) == [severity]


def test_lower_case_method_replays_under_nock_which_upper_cases_it(tmp_path):
    text = json.dumps([{"scope": "https://api.example.com:443", "method": "post", "path": "/v1/x",
                        "body": {"a": 1}, "status": 200, "response": {"ok": True}}])
    assert _sev(tmp_path, text, "H005", name="c.json") == ["warning"]


def test_request_json_body_matters_only_where_the_body_is_compared(tmp_path):
    text = govcr(req_body="'{\"a\": 1,}'")
    assert _sev(tmp_path, text, "H001") == ["error"]  # go-vcr v4 compares the body
    assert _sev(tmp_path, text, "H001", **_lib("go-vcr-v3")) == ["warning"]
    assert _sev(tmp_path, govcr(resp_body="'{\"ok\": true,}'"), "H001", **_lib("go-vcr-v3")) == ["error"]


def test_out_of_range_status_is_a_warning_for_go_net_http(tmp_path):
    assert _sev(tmp_path, govcr(status="0", code=0), "H009") == ["warning"]


def test_ids_out_of_sequence_name_go_vcr_which_ignores_them(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text(govcr(iid=2), "utf-8")
    [f] = [f for f in lint_file(p) if f.rule == "H007"]
    assert f.severity.value == "warning" and "go-vcr v4 replays in file order" in f.message


# -- the proof: vcrpy replaying with real httpx and requests clients -------------------------------------

vcr = pytest.importorskip("vcr")
httpx = pytest.importorskip("httpx")
requests = pytest.importorskip("requests")


def _replay(path: pathlib.Path, client: str, url: str, method: str = "GET"):
    """``"not found"`` when vcrpy finds no recorded response, else ``(status, body)`` as the client and
    its caller see them, or the name of the exception vcrpy (loading the cassette), the client or its
    caller raised."""
    logging.disable(logging.WARNING)
    try:
        with vcr.use_cassette(str(path), record_mode="none"):
            if client == "httpx":
                with httpx.Client() as c:
                    r = c.request(method, url)
                    r.raise_for_status()
                    return r.status_code, r.json()
            r = requests.request(method, url)
            r.raise_for_status()
            return r.status_code, r.json()
    except vcr.errors.CannotOverwriteExistingCassetteException:
        return "not found"
    except Exception as e:  # noqa: BLE001 - vcrpy, the client or its caller failed
        return type(e).__name__
    finally:
        logging.disable(logging.NOTSET)


AGENT = {"httpx": "python-httpx/0.28.1", "requests": "python-requests/2.32.3"}


@pytest.mark.parametrize("client", ["httpx", "requests"])
@pytest.mark.parametrize("recorded, sent, severity", [
    # a space in the query: vcrpy's query matcher compares parse_qsl of both, which unquotes %20
    ("http://127.0.0.1:9/x?q=a b", "http://127.0.0.1:9/x?q=a b", "warning"),
    # a space in the path: the path matcher compares the strings
    ("http://127.0.0.1:9/a b", "http://127.0.0.1:9/a b", "error"),
    # relative: no scheme, no host to compare with the live request's
    ("/x", "http://127.0.0.1:9/x", "error"),
])
def test_url_shapes_under_vcrpy_as_vcrpy_replays_them(tmp_path, client, recorded, sent, severity):
    p = tmp_path / "c.yaml"
    p.write_text(vcrpy_text(uri=recorded, ua=AGENT[client]), "utf-8")
    assert [f.severity.value for f in lint_file(p) if f.rule == "H006"] == [severity]
    got = _replay(p, client, sent)
    assert (got == "not found") == (severity == "error"), got


@pytest.mark.parametrize("client, code, severity", [
    ("httpx", 0, "error"), ("httpx", 600, "error"),
    ("requests", 0, "error"), ("requests", 600, "warning"), ("requests", 1000, "warning"),
])
def test_out_of_range_status_as_each_client_reads_it_through_vcrpy(tmp_path, client, code, severity):
    p = tmp_path / "c.yaml"
    p.write_text(vcrpy_text(code=code, ua=AGENT[client]), "utf-8")
    [f] = [f for f in lint_file(p) if f.rule == "H009"]
    assert f.severity.value == severity and client in f.message
    got = _replay(p, client, "http://127.0.0.1:9/x")
    assert (got == (code, {"ok": True})) == (severity == "warning"), got


@pytest.mark.parametrize("client", ["httpx", "requests"])
@pytest.mark.parametrize("values", [["12 bytes"], ["12", "13"], ["-5"]])
def test_a_bad_content_length_header_replays_through_vcrpy(tmp_path, client, values):
    p = tmp_path / "c.yaml"
    p.write_text(vcrpy_text(headers={"Content-Length": values}, ua=AGENT[client]), "utf-8")
    found = [f for f in lint_file(p) if f.rule == "L003"]
    assert found and all(f.severity.value == "warning" and "vcrpy" in f.message for f in found)
    assert _replay(p, client, "http://127.0.0.1:9/x") == (200, {"ok": True})


@pytest.mark.parametrize("client", ["httpx", "requests"])
def test_lower_case_method_never_replays_under_vcrpy(tmp_path, client):
    p = tmp_path / "c.yaml"
    p.write_text(vcrpy_text(method="get", ua=AGENT[client]), "utf-8")
    assert [f.severity.value for f in lint_file(p) if f.rule == "H005"] == ["error"]
    assert _replay(p, client, "http://127.0.0.1:9/x") == "not found"


# -- the proof for go-vcr: the real go-vcr v4 loading the file ---------------------------------------

from test_replay_oracle_go import _oracle, govcr_oracle  # noqa: E402,F401 - the fixture, reused


def test_go_vcr_refuses_a_quoted_code_and_drops_an_unknown_key(tmp_path, govcr_oracle):  # noqa: F811
    quoted = tmp_path / "quoted.yaml"
    quoted.write_text(govcr().replace("code: 200", 'code: "200"'), "utf-8")
    extra = tmp_path / "extra.yaml"
    extra.write_text(govcr(req_len=8).replace("    url:", "    id: req-7\n    url:"), "utf-8")
    rows = _oracle(govcr_oracle, [quoted, extra], "-lib", "v4", "-mode", "live")
    assert [r["outcome"] for r in rows[str(quoted)]] == ["load_error"]
    assert "cannot unmarshal !!str" in rows[str(quoted)][0]["detail"]
    assert [r["outcome"] for r in rows[str(extra)]] == ["ok"]
    [s001] = [f for f in lint_file(quoted) if f.rule == "S001"]
    assert s001.severity.value == "error" and "yaml.v3 decoder refuses it" in s001.message
    [s002] = [f for f in lint_file(extra) if f.rule == "S002"]
    assert s002.severity.value == "warning" and "yaml.v3 decoder drops it" in s002.message


# -- Y: what each library's loader does with the file ------------------------------------------------

def _vcrpy_dup_body(ua="python-httpx/0.28.1") -> str:
    """A vcrpy cassette whose response body holds ``string`` twice (the second wins in PyYAML)."""
    text = vcrpy_text(body='{"a": 1}', ua=ua)
    return text.replace("      string: '{\"a\": 1}'\n", "      string: '{\"a\": 1}'\n      string: '{\"a\": 2}'\n")


def test_duplicate_key_replays_the_last_value_under_vcrpy(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text(_vcrpy_dup_body(), "utf-8")
    [f] = [f for f in lint_file(p) if f.rule == "Y002"]
    assert f.severity.value == "warning" and "vcrpy" in f.message and "keeps the last value" in f.message
    assert _replay(p, "httpx", "http://127.0.0.1:9/x") == (200, {"a": 2})


def test_several_documents_fail_under_vcrpy_and_say_so(tmp_path):
    p = tmp_path / "c.yaml"
    one = vcrpy_text()
    p.write_text(one + "---\n" + one, "utf-8")
    [f] = [f for f in lint_file(p) if f.rule == "Y004"]
    assert f.severity.value == "error" and "ComposerError" in f.message
    assert _replay(p, "httpx", "http://127.0.0.1:9/x") == "ComposerError"


def test_an_unknown_version_of_a_vcrpy_layout_replays_under_vcrpy(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text(vcrpy_text().replace("version: 1", "version: 3"), "utf-8")
    [f] = [f for f in lint_file(p) if f.rule == "Y014"]
    assert f.severity.value == "warning" and "deserialize does not read the version" in f.message
    assert _replay(p, "httpx", "http://127.0.0.1:9/x") == (200, {"ok": True})


def test_go_vcr_refuses_a_duplicate_key_and_an_unknown_version_and_reads_the_first_document(
        tmp_path, govcr_oracle):  # noqa: F811
    dup = tmp_path / "dup.yaml"
    dup.write_text(govcr(req_len=8).replace("    method: POST\n", "    method: POST\n    method: POST\n"), "utf-8")
    multi = tmp_path / "multi.yaml"
    multi.write_text(govcr(req_len=8) + "---\n" + govcr(req_len=8), "utf-8")
    version = tmp_path / "version.yaml"
    version.write_text(govcr(req_len=8).replace("version: 2", "version: 3"), "utf-8")
    rows = _oracle(govcr_oracle, [dup, multi, version], "-lib", "v4", "-mode", "live")
    outcome = {p: [r["outcome"] for r in rows[str(p)]] for p in (dup, multi, version)}
    assert outcome == {dup: ["load_error"], multi: ["ok"], version: ["load_error"]}

    def judged(path, code):
        return [(f.severity.value, "go-vcr v4" in f.message) for f in lint_file(path) if f.rule == code]

    assert judged(dup, "Y002") == [("error", True)]
    assert judged(multi, "Y004") == [("warning", True)]
    assert judged(version, "Y014") == [("error", True)]


@pytest.mark.parametrize("code", ["Y001", "Y003", "Y005", "Y006", "Y007", "Y009"])
def test_a_load_error_names_the_loaders_that_refuse_the_file(tmp_path, code):
    name, text, _ = REPRESENTATIVE[code]
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    [f] = [f for f in lint_file(p) if f.rule == code]
    assert f.severity.value == "error"
    assert "go-vcr" in f.message and "vcrpy" in f.message, f.message


def test_a_configured_severity_still_wins_over_the_loaders_verdict(tmp_path):
    from cassette_lint.findings import ERROR

    p = tmp_path / "c.yaml"
    p.write_text(_vcrpy_dup_body(), "utf-8")
    [f] = [f for f in lint_file(p, severity={"Y002": ERROR}) if f.rule == "Y002"]
    assert f.severity.value == "error"


# -- httprr: Go's http.ReadResponse on the stored response (L003, H009) ------------------------------

GO_READ_RESPONSE = """\
package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"strings"
)

func main() {
	for _, raw := range os.Args[1:] {
		_, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
		fmt.Println(err == nil)
	}
}
"""


def _httprr(response: str) -> str:
    request = "GET /v1/x HTTP/1.1\r\nHost: api.example.com\r\n\r\n"
    return f"httprr trace v1\n{len(request.encode())} {len(response.encode())}\n{request}{response}"


HTTPRR_RESPONSES = [
    ("L003", "HTTP/1.1 200 OK\r\nContent-Length: 12 bytes\r\n\r\n{\"ok\": true}"),
    ("L003", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Length: 13\r\n\r\n{\"ok\": true}"),
    ("H009", "HTTP/1.1 0 X\r\nContent-Length: 2\r\n\r\n{}"),
    ("H009", "HTTP/1.1 600 X\r\nContent-Length: 2\r\n\r\n{}"),
]


def test_httprr_verdicts_are_what_go_read_response_does(request, tmp_path, tmp_path_factory):
    import subprocess

    import gobuild

    go = gobuild.toolchain()
    (tmp_path / "main.go").write_text(GO_READ_RESPONSE)
    env = dict(gobuild.env(gobuild.cache_dir(request, tmp_path_factory, "go-read-response")),
               GO111MODULE="off")
    res = subprocess.run([go, "run", "main.go", *[r for _, r in HTTPRR_RESPONSES]], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        pytest.skip(f"go run fails here: {res.stderr[-300:]}")
    go_reads = [line == "true" for line in res.stdout.split()]
    for (code, response), reads in zip(HTTPRR_RESPONSES, go_reads, strict=True):
        p = tmp_path / "t.httprr"
        p.write_bytes(_httprr(response).encode())
        found = [f for f in lint_file(p) if f.rule == code]
        assert found and all(f.severity.value == ("warning" if reads else "error") for f in found), \
            (response, reads, [(f.severity.value, f.message) for f in found])
        assert all("httprr" in f.message for f in found)
    assert go_reads == [False, False, False, True]
