"""Predictions about the next live request (R014, R015), proved by recording with the real vcrpy.

A server on 127.0.0.1 answers; a real ``requests`` client records a cassette under vcrpy with the
``match_on`` a project would choose, then sends the *next* request as the client would (a fresh
Idempotency-Key, a new UUID, the current time, a new multipart boundary) in ``record_mode="none"``.
Where R014 predicts a value the next request will not repeat, vcrpy raises
``CannotOverwriteExistingCassetteException``; sending the recorded value again replays, so the
miss is the field's. Where the model says nothing (an id the server sent, a placeholder vcrpy's own
filter puts on both sides) the next request replays.
"""

from __future__ import annotations

import datetime
import json
import logging
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

vcr = pytest.importorskip("vcr")
requests = pytest.importorskip("requests")
from vcr.errors import CannotOverwriteExistingCassetteException  # noqa: E402

from conftest import lint_file  # noqa: E402


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.dumps({"id": str(uuid.uuid4()), "ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(autouse=True)
def _quiet():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def _r014(path, match_on, **extra):
    settings = {"replay": {"match-on": list(match_on), **extra}}
    return [f for f in lint_file(path, settings=settings) if f.rule in ("R014", "R015")]


def _replays(path, match_on, send, **kw) -> bool:
    """True when ``send()`` replays from the cassette in record_mode none, False on a miss."""
    try:
        with vcr.VCR(match_on=match_on, record_mode="none", **kw).use_cassette(str(path)):
            send()
        return True
    except CannotOverwriteExistingCassetteException:
        return False


def test_a_fresh_idempotency_key_misses_where_r014_says_it_will(server, tmp_path):
    path = tmp_path / "idem.yaml"
    match_on = ("method", "uri", "headers")
    recorded = str(uuid.uuid4())

    def send(key):
        return lambda: requests.post(server + "/v1/charges", json={"amount": 1}, headers={"Idempotency-Key": key})

    with vcr.VCR(match_on=match_on, record_mode="once").use_cassette(str(path)):
        send(recorded)()
    [f] = _r014(path, match_on)  # requests' own User-Agent is one value: stable between runs, silent
    assert (f.rule, f.severity.value) == ("R014", "error")
    assert f.message.startswith("header Idempotency-Key: a fresh idempotency key per request")
    assert recorded in path.read_text().splitlines()[f.line - 1]  # at the recorded value
    assert not _replays(path, match_on, send(str(uuid.uuid4())))  # the next run: a miss
    assert _replays(path, match_on, send(recorded))  # the same key replays: the header decides

    # vcrpy's default match_on compares no headers: no finding, and the fresh key replays
    assert _r014(path, ("method", "scheme", "host", "port", "path", "query")) == []
    assert _replays(path, ("method", "scheme", "host", "port", "path", "query"), send(str(uuid.uuid4())))


def test_a_client_made_uuid_in_the_body_misses_an_id_the_server_sent_replays(server, tmp_path):
    path = tmp_path / "body.yaml"
    match_on = ("method", "uri", "body")
    mine = str(uuid.uuid4())
    got = {}

    def conversation(request_id):
        def run():
            r = requests.post(server + "/v1/threads", json={"client_request_id": request_id})
            got["thread"] = r.json()["id"]  # the server's id: replayed with its response
            requests.post(server + "/v1/messages", json={"thread": got["thread"], "text": "hi"})
        return run

    with vcr.VCR(match_on=match_on, record_mode="once").use_cassette(str(path)):
        conversation(mine)()
    found = _r014(path, match_on)
    assert [(f.rule, f.interaction, f.severity.value) for f in found] == [("R014", 0, "warning")]
    assert "UUID" in found[0].message and mine[:8] in found[0].message
    assert not _replays(path, match_on, conversation(str(uuid.uuid4())))
    assert _replays(path, match_on, conversation(mine))  # the thread id comes back from the replay


def test_the_time_of_the_request_in_the_body_misses(server, tmp_path):
    path = tmp_path / "time.yaml"
    match_on = ("method", "uri", "body")

    def send():
        now = datetime.datetime.now(datetime.timezone.utc).isoformat()
        requests.post(server + "/v1/events", json={"sent_at": now})

    with vcr.VCR(match_on=match_on, record_mode="once").use_cassette(str(path)):
        send()
    [f] = _r014(path, match_on)
    assert "timestamp" in f.message and "recording time" in f.message
    assert not _replays(path, match_on, send)


def test_a_multipart_boundary_misses(server, tmp_path):
    path = tmp_path / "multipart.yaml"
    match_on = ("method", "uri", "body")

    def send():
        requests.post(server + "/v1/files", files={"file": ("a.txt", b"hello")})

    with vcr.VCR(match_on=match_on, record_mode="once").use_cassette(str(path)):
        send()
    [f] = _r014(path, match_on)
    assert (f.severity.value, f.message.split(",")[0]) == ("error", "body: the multipart boundary is random per request")
    assert not _replays(path, match_on, send)


def test_a_placeholder_vcrpy_filters_matches_the_next_request(server, tmp_path):
    """vcrpy applies filter_headers to the live request before matching: the placeholder is on both
    sides, so R015 (a go-vcr rule) says nothing and a request with another token replays."""
    path = tmp_path / "auth.yaml"
    match_on = ("method", "uri", "headers")
    kw = {"filter_headers": [("Authorization", "REDACTED")]}

    def send(token):
        return lambda: requests.post(server + "/v1/x", json={}, headers={"Authorization": f"Bearer {token}"})

    with vcr.VCR(match_on=match_on, record_mode="once", **kw).use_cassette(str(path)):
        send("sk-live-recording-0000")()
    assert "REDACTED" in path.read_text()
    assert [f for f in _r014(path, match_on) if f.rule == "R015" or "Authorization" in f.message] == []
    assert _replays(path, match_on, send("sk-another-token-1111"), **kw)
    # the same cassette judged as go-vcr would replay it: the placeholder is what it compares
    [f] = [f for f in _r014(path, match_on, library="go-vcr-v4") if f.rule == "R015"]
    assert f.rule == "R015" and "header Authorization holds a redaction placeholder" in f.message


def test_a_cassette_recorded_with_two_sdk_versions_misses_the_older_ones(server, tmp_path):
    """new_episodes after an SDK upgrade: the cassette holds both User-Agents; today's client sends
    the newer one, so the interaction recorded with the older one never matches again."""
    path = tmp_path / "versions.yaml"
    match_on = ("method", "uri", "headers")

    def send(path_, agent, retry="0"):
        return lambda: requests.post(server + path_, json={},
                                     headers={"User-Agent": agent, "x-stainless-retry-count": retry})

    with vcr.VCR(match_on=match_on, record_mode="new_episodes").use_cassette(str(path)):
        send("/v1/a", "my-sdk/1.4.0")()
    with vcr.VCR(match_on=match_on, record_mode="new_episodes").use_cassette(str(path)):
        send("/v1/b", "my-sdk/2.0.1")()
        send("/v1/c", "my-sdk/2.0.1", retry="1")()  # recorded on a retry
    found = sorted((f.interaction, f.message.split(":")[0]) for f in _r014(path, match_on))
    assert found == [(0, "header User-Agent"), (2, "header x-stainless-retry-count")]
    assert not _replays(path, match_on, send("/v1/a", "my-sdk/2.0.1"))
    assert _replays(path, match_on, send("/v1/b", "my-sdk/2.0.1"))
    assert not _replays(path, match_on, send("/v1/c", "my-sdk/2.0.1"))  # the first attempt sends 0


def test_new_episodes_re_records_a_conversation_whose_header_changes_every_run(server, tmp_path):
    """R016: two runs of a two-request test under new_episodes with a fresh Idempotency-Key each run:
    vcrpy appends the whole conversation again. Under the default match_on nothing is appended."""
    def run(path, match_on):
        key = str(uuid.uuid4())
        with vcr.VCR(match_on=match_on, record_mode="new_episodes").use_cassette(str(path)):
            requests.post(server + "/v1/a", json={}, headers={"Idempotency-Key": key})
            requests.post(server + "/v1/b", json={}, headers={"Idempotency-Key": key})

    headers = ("method", "uri", "headers")
    grown = tmp_path / "grown.yaml"
    run(grown, headers)
    assert [f for f in lint_file(grown, settings={"replay": {"match-on": list(headers)}}) if f.rule == "R016"] == []
    run(grown, headers)
    run(grown, headers)
    [f] = [f for f in lint_file(grown, settings={"replay": {"match-on": list(headers)}}) if f.rule == "R016"]
    assert f.interaction == 2 and "(2 exchanges, 3 copies)" in f.message
    assert "differing in header Idempotency-Key" in f.message

    default = ("method", "scheme", "host", "port", "path", "query")
    stable = tmp_path / "stable.yaml"
    run(stable, default)
    run(stable, default)
    assert len(yaml_interactions(stable)) == 2
    assert [f for f in lint_file(stable) if f.rule == "R016"] == []


def test_a_test_that_repeats_its_calls_is_not_growth(server, tmp_path):
    path = tmp_path / "twice.yaml"
    with vcr.VCR(record_mode="once").use_cassette(str(path)):
        for _ in range(2):
            requests.post(server + "/v1/a", json={"q": 1})
            requests.post(server + "/v1/b", json={"q": 2})
    assert len(yaml_interactions(path)) == 4
    assert [f for f in lint_file(path, settings={"replay": {"match-on": ["method", "uri", "body"]}})
            if f.rule == "R016"] == []


def yaml_interactions(path):
    import yaml

    return yaml.safe_load(path.read_text("utf-8"))["interactions"]
