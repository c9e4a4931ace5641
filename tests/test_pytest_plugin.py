"""The pytest plugin: ``pytest --cassette-lint`` collects cassettes as test items, and
``--cassette-lint-record`` fails a test whose vcrpy recording has errors.

Each test runs a real pytest (``pytester``) on a small project; the recording tests record with
the real vcrpy against an HTTP server on 127.0.0.1 that the inner test starts.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from test_not_a_cassette import CLEAN, HELM

# the response declared JSON is cut: H001, an error under every library
BROKEN = CLEAN.replace("    body:\n      string: pong\n    headers: {}\n",
                       "    body:\n      string: '{\"ok\": tru'\n    headers:\n      Content-Type:\n      - application/json\n")
WARNING_ONLY = CLEAN.replace("code: 200\n      message: OK", "code: 404\n      message: Not Found")


@pytest.fixture
def project(pytester):
    pytester.mkdir("cassettes")
    pytester.path.joinpath("cassettes", "clean.yaml").write_text(CLEAN)
    pytester.path.joinpath("cassettes", "broken.yaml").write_text(BROKEN)
    pytester.path.joinpath("cassettes", "not_found.yaml").write_text(WARNING_ONLY)
    pytester.mkdir("chart")
    pytester.path.joinpath("chart", "configmap.yaml").write_text(HELM)
    pytester.path.joinpath("chart", "values.yaml").write_text("replicaCount: 1\n")
    pytester.path.joinpath("package.json").write_text('{"name": "x"}')
    return pytester


def test_the_broken_fixture_is_a_cassette_with_a_json_error():
    """(The fixtures of this module say what they are meant to.)"""
    assert "application/json" in BROKEN and BROKEN != CLEAN


def test_each_cassette_is_an_item_that_fails_with_its_findings(project):
    res = project.runpytest("--cassette-lint", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=2, failed=1)
    res.stdout.fnmatch_lines([
        "*cassettes/broken.yaml:9:23: H001 [[]error[]] body declared application/json is not JSON*",
        "FAILED cassettes/broken.yaml::cassette-lint*",
    ])
    assert "configmap" not in res.stdout.str() and "package.json" not in res.stdout.str()


def test_gzipped_cassettes_are_items_too(project):
    import gzip

    project.path.joinpath("cassettes", "broken.yaml").unlink()
    project.path.joinpath("cassettes", "broken.yaml.gz").write_bytes(gzip.compress(BROKEN.encode()))
    project.path.joinpath("chart", "values.yaml.gz").write_bytes(gzip.compress(b"replicaCount: 1\n"))
    res = project.runpytest("--cassette-lint", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=2, failed=1)
    res.stdout.fnmatch_lines(["FAILED cassettes/broken.yaml.gz::cassette-lint*"])


def test_without_the_option_no_cassette_is_collected(project):
    res = project.runpytest("-p", "no:cacheprovider")
    res.assert_outcomes()
    assert res.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_k_selects_cassettes_by_name(project):
    res = project.runpytest("--cassette-lint", "-k", "clean or not_found", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=2, deselected=1)


def test_warnings_alone_pass_and_are_shown(project):
    res = project.runpytest("--cassette-lint", "-rA", "cassettes/not_found.yaml", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=1)
    res.stdout.fnmatch_lines(["*H008 [[]warning[]]*"])


def test_junitxml_holds_one_testcase_per_cassette_with_the_findings(project):
    res = project.runpytest("--cassette-lint", "--junitxml=out.xml", "-p", "no:cacheprovider")
    assert res.ret == 1
    cases = {c.get("file") or c.get("classname"): c for c in ET.parse(project.path / "out.xml").iter("testcase")}
    assert len(cases) == 3
    failed = [c for c in cases.values() if c.find("failure") is not None]
    assert len(failed) == 1
    assert "H001 [error]" in failed[0].find("failure").text


def test_xdist_runs_the_items_in_workers(project):
    pytest.importorskip("xdist")
    res = project.runpytest_subprocess("--cassette-lint", "-n", "2", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=2, failed=1)


# -- --cassette-lint-record ------------------------------------------------------------------------------

SERVER = '''
import json, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import vcr

CUT = ('event: response.created\\ndata: {"type":"response.created","sequence_number":0,"response":'
       '{"id":"resp_1","object":"response","status":"in_progress","model":"gpt","output":[]}}\\n\\n')


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        self.rfile.read(n)
        if self.path == "/v1/responses":  # an OpenAI Responses stream cut after its first event
            body, ctype = CUT.encode(), "text/event-stream"
        else:
            body, ctype = b'{"ok": true}', "application/json"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
'''

RECORDING_TESTS = SERVER + '''

def test_records_a_good_cassette(server, tmp_path):
    with vcr.use_cassette(str(tmp_path / "good.yaml")):
        assert requests.post(server + "/ok", json={"q": 1}).json() == {"ok": True}


def test_records_a_cut_stream(server, tmp_path):
    with vcr.use_cassette(str(tmp_path / "cut.yaml")):
        requests.post(server + "/v1/responses", json={"model": "gpt", "stream": True})


@pytest.fixture
def recorded_at_teardown(server, tmp_path):
    with vcr.use_cassette(str(tmp_path / "fixture.yaml")):
        yield server


def test_records_in_a_fixture(recorded_at_teardown):
    requests.post(recorded_at_teardown + "/v1/responses", json={"model": "gpt", "stream": True})
'''


@pytest.fixture
def recording_project(pytester):
    """(Run in a subprocess: PyYAML's C emitter, which vcrpy uses, cannot be imported twice into one
    process, and an in-process pytester run drops the modules it imported.)"""
    pytest.importorskip("vcr")
    pytest.importorskip("requests")
    pytester.makepyfile(test_recording=RECORDING_TESTS)
    return pytester


def test_record_fails_the_test_whose_recording_has_errors(recording_project):
    res = recording_project.runpytest_subprocess("--cassette-lint-record", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=2, failed=1, errors=1)
    out = res.stdout.str()
    res.stdout.fnmatch_lines([
        "*the cassette(s) this test recorded have errors*",
        # (an error: openai-python's ResponseStream.get_final_response() raises on such a stream; a cut
        # Anthropic or chat stream replays a partial answer without an error, a warning)
        "*cut.yaml:*: T001 [[]error[]] Responses stream ends with 'response.created'*",
    ])
    assert "FAILED test_recording.py::test_records_a_cut_stream" in out
    # written when the fixture's context exits: the teardown fails
    assert "ERROR test_recording.py::test_records_in_a_fixture" in out
    assert "good.yaml" not in out


def test_without_record_the_same_recordings_pass(recording_project):
    res = recording_project.runpytest_subprocess("-p", "no:cacheprovider")
    res.assert_outcomes(passed=3)


def test_a_replayed_cassette_is_not_linted_again(recording_project):
    """Only what a test writes is linted: a second run replays the cassettes (vcrpy writes nothing)."""
    recording_project.makepyfile(test_replay=SERVER + '''

def test_replays(server, tmp_path_factory):
    path = str(tmp_path_factory.getbasetemp() / "shared.yaml")
    for _ in range(2):
        with vcr.use_cassette(path, record_mode="once"):
            requests.post(server + "/v1/responses", json={"model": "gpt", "stream": True})
''')
    # -rN: no short summary, which repeats the message in full where CI is set (pytest does not cut it)
    res = recording_project.runpytest_subprocess("--cassette-lint-record", "test_replay.py", "-p", "no:cacheprovider",
                                                 "-rN")
    res.assert_outcomes(failed=1)  # the first use records the cut stream; the replay adds no finding
    assert res.stdout.str().count("T001 [error]") == 1
