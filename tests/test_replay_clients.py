"""What the client does with a replayed response (replay/clients.py; R010, R011, R012, L002), proved
against the real thing: every cassette here is replayed through vcrpy (``use_cassette(record_mode=
"none")``) with a real httpx and a real requests client, each recorded request sent, the body read and
parsed as its caller would (``response.json()`` for JSON, every ``data:`` event for SSE, strict UTF-8
for other text). The interactions the model calls failing in the client are exactly those.
"""

from __future__ import annotations

import copy
import gzip
import json
import logging
import pathlib
import textwrap

import pytest

vcr = pytest.importorskip("vcr")
httpx = pytest.importorskip("httpx")
requests = pytest.importorskip("requests")
yaml = pytest.importorskip("yaml")

from conftest import lint_file, needs_shared  # noqa: E402

from cassette_lint.replay import clients  # noqa: E402

AGENT = {"httpx": "python-httpx/0.28.1", "requests": "python-requests/2.32.3"}
CLIENT_RULES = ("R010", "R011", "R012")
HOP = {"content-length", "host", "transfer-encoding", "connection"}


# -- the oracle: a real client replaying through vcrpy ------------------------------------------------


def _caller_reads(content_type: str, body: bytes) -> None:
    """Read ``body`` as the caller of a client does; raises when it cannot."""
    ct = content_type.split(";")[0].strip().lower()
    if clients.parsed(ct) and ct != "text/event-stream":
        json.loads(body)
    elif ct == "text/event-stream":
        for line in body.decode("utf-8").splitlines():
            if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
                json.loads(line[5:])
    elif clients.textual(ct):
        body.decode("utf-8")


def _send(client, kind: str, req):
    body = req.body
    if isinstance(body, str):
        body = body.encode()
    headers = [(k, v) for k, vs in (req.headers or {}).items() if k.lower() not in HOP
               for v in (vs if isinstance(vs, list) else [vs])]
    if kind == "httpx":
        r = client.request(req.method, req.uri, headers=headers, content=body)
        return r.headers.get("content-type", ""), r.content
    r = client.request(req.method, req.uri, headers=dict(headers), data=body, allow_redirects=False)
    return r.headers.get("content-type", ""), r.content


_CLIENTS: dict = {}


def _client(kind: str):
    """One client per kind for the whole module (vcrpy patches the transport classes, so a client made
    outside ``use_cassette`` replays inside it; an httpx client costs ~50 ms to make)."""
    if kind not in _CLIENTS:
        _CLIENTS[kind] = httpx.Client() if kind == "httpx" else requests.Session()
    return _CLIENTS[kind]


def replay_failures(path: pathlib.Path, kind: str) -> tuple[set[int], int]:
    """(indexes whose response was played but the client or its caller failed on it, how many played)."""
    logging.disable(logging.WARNING)
    failed, played = set(), 0
    try:
        with vcr.use_cassette(str(path), record_mode="none") as cass:
            client = _client(kind)
            for k, (req, _) in enumerate(list(cass.data)):
                before = dict(cass.play_counts)
                try:
                    ctype, body = _send(client, kind, req)
                    _caller_reads(ctype, body)
                except vcr.errors.CannotOverwriteExistingCassetteException:
                    continue  # not played: the matcher's business (R001–R009), not the client's
                except Exception:  # noqa: BLE001 - the client or its caller failed on a played response
                    if dict(cass.play_counts) != before:
                        failed.add(k)
                played += dict(cass.play_counts) != before
    finally:
        logging.disable(logging.NOTSET)
    return failed, played


def predicted(path: pathlib.Path) -> set[int]:
    return {f.interaction for f in lint_file(path) if f.rule in CLIENT_RULES and f.severity.value == "error"}


# -- cassettes and mutations ------------------------------------------------------------------------


def _load(path) -> dict:
    return yaml.load(pathlib.Path(path).read_text("utf-8"), Loader=getattr(yaml, "CLoader", yaml.Loader))


def _dump(data: dict, path: pathlib.Path) -> pathlib.Path:
    path.write_text(yaml.dump(data, Dumper=getattr(yaml, "CDumper", yaml.Dumper)), "utf-8")
    return path


def _hdr(headers: dict, name: str):
    for k in list(headers):
        if k.lower() == name.lower():
            return k
    return None


def _body(resp: dict):
    b = resp.get("body")
    return b.get("string") if isinstance(b, dict) else None


def _set_body(resp: dict, value) -> None:
    resp["body"] = {"string": value}


def _as_bytes(v) -> bytes | None:
    return v if isinstance(v, bytes) else v.encode() if isinstance(v, str) else None


def decode_keep_header(resp):
    """What vcrpy writes with requests and urllib3 2: the decoded body under the gzip header."""
    b = _as_bytes(_body(resp))
    if b and b.startswith(b"\x1f\x8b") and _hdr(resp["headers"], "Content-Encoding"):
        _set_body(resp, gzip.decompress(b).decode("utf-8"))
        return True
    return False


def drop_header(resp):
    """A filter that dropped ``Content-Encoding`` but kept the gzip bytes."""
    b = _as_bytes(_body(resp))
    k = _hdr(resp["headers"], "Content-Encoding")
    if b and b.startswith(b"\x1f\x8b") and k:
        del resp["headers"][k]
        return True
    return False


def gzip_with_header(resp):
    """gzip bytes under a gzip header (what httpx, or requests with urllib3 1, records)."""
    b = _as_bytes(_body(resp))
    if b and not b.startswith(b"\x1f\x8b") and not _hdr(resp["headers"], "Content-Encoding"):
        _set_body(resp, gzip.compress(b, mtime=0))
        resp["headers"]["Content-Encoding"] = ["gzip"]
        return True
    return False


def keep_chunk_framing(resp):
    """The body as it was on the wire in chunked coding (64-byte chunks)."""
    b = _as_bytes(_body(resp))
    if b and not b.startswith(b"\x1f\x8b") and not _hdr(resp["headers"], "Content-Encoding"):
        framed = b"".join(b"%x\r\n%s\r\n" % (len(b[i:i + 64]), b[i:i + 64]) for i in range(0, len(b), 64))
        _set_body(resp, (framed + b"0\r\n\r\n").decode("utf-8"))
        resp["headers"]["Transfer-Encoding"] = ["chunked"]
        return True
    return False


MUTATIONS = {"none": None, "decode-keep-header": decode_keep_header, "drop-header": drop_header,
             "gzip-with-header": gzip_with_header, "chunk-framing": keep_chunk_framing}


def mutated(data: dict, mutation, kind: str) -> tuple[dict, int]:
    """A copy of ``data`` with ``mutation`` applied to every response it applies to, every request
    sent with ``kind``'s User-Agent (the model reads the client from it)."""
    out = copy.deepcopy(data)
    n = 0
    for it in out["interactions"]:
        headers = it["request"].setdefault("headers", {}) or {}
        it["request"]["headers"] = headers
        k = _hdr(headers, "User-Agent") or "User-Agent"
        headers[k] = [AGENT[kind]]
        resp = it["response"]
        resp["headers"] = resp.get("headers") or {}
        if mutation is not None and mutation(resp):
            n += 1
    return out, n


#: the shared vcrpy corpora this test replays (files vcrpy loads with a modern client)
CORPORA = ("corpus/vcrpy-llm", "corpus/vcrpy-own")


def _corpus_files():
    files = []
    for sub in CORPORA:
        root = needs_shared(sub)
        for p in sorted(root.glob("*.yaml")):
            try:
                data = _load(p)
            except yaml.YAMLError:
                continue  # Python 2 era objects vcrpy itself cannot construct
            its = data.get("interactions") if isinstance(data, dict) else None
            if (data.get("version") == 1 and its and all(isinstance(i["response"].get("headers"), dict)
                                                          and "status" in i["response"] for i in its)):
                files.append(p)
    return files


@pytest.mark.parametrize("kind", ["httpx", "requests"])
def test_the_model_predicts_every_client_failure_on_mutated_shared_cassettes(tmp_path, kind):
    """Each shared vcrpy cassette, as recorded and under four mutations, replayed with a real client:
    the interactions R010/R011/R012 report as errors are exactly the ones the client (or its caller)
    fails on, and there are some of each kind."""
    files = _corpus_files()
    assert len(files) >= 10
    seen = {}
    for p in files:
        data = _load(p)
        for name, mutation in MUTATIONS.items():
            copy_, n = mutated(data, mutation, kind)
            if mutation is not None and n == 0:
                continue
            path = _dump(copy_, tmp_path / f"{name}__{p.name}")
            failed, played = replay_failures(path, kind)
            assert played, path.name
            assert predicted(path) == failed, (name, p.name)
            seen[name] = seen.get(name, 0) + len(failed)
    # what the real clients fail on, as the module documents it
    if kind == "httpx":
        assert seen["decode-keep-header"] > 0 and seen["gzip-with-header"] == 0
    else:
        assert seen["decode-keep-header"] == 0 and seen["gzip-with-header"] > 0
    assert seen["drop-header"] > 0 and seen["chunk-framing"] > 0


# -- small fixtures: each rule's FAIL and PASS, and the client each message assumes ---------------


def cassette(resp_headers: dict, body, ua: str | None = "python-httpx/0.28.1", ctype="application/json") -> dict:
    req_headers = {"User-Agent": [ua]} if ua else {}
    headers = {"Content-Type": [ctype], **resp_headers} if ctype else dict(resp_headers)
    return {"version": 1, "interactions": [{
        "request": {"method": "GET", "uri": "http://127.0.0.1:9/x", "body": None, "headers": req_headers},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": headers, "body": {"string": body}}}]}


PLAIN = '{"ok": true}'


@pytest.mark.parametrize("kind, headers, body, rule, severity", [
    # gzip header over the decoded body: httpx raises DecodingError; requests passes it through (silent)
    ("httpx", {"Content-Encoding": ["gzip"]}, PLAIN, "R010", "error"),
    ("requests", {"Content-Encoding": ["gzip"]}, PLAIN, None, None),
    ("httpx", {"Content-Encoding": ["deflate"]}, PLAIN, "R010", "error"),
    # gzip bytes under the header: httpx decodes; requests hands the caller the gzip bytes
    ("httpx", {"Content-Encoding": ["gzip"]}, gzip.compress(PLAIN.encode()), None, None),
    ("requests", {"Content-Encoding": ["gzip"]}, gzip.compress(PLAIN.encode()), "R011", "error"),
    # gzip bytes without the header: every client hands them over
    ("httpx", {}, gzip.compress(PLAIN.encode()), "R011", "error"),
    ("requests", {}, gzip.compress(PLAIN.encode()), "R011", "error"),
    # chunk framing kept in the body: nobody de-chunks a replayed response
    ("httpx", {"Transfer-Encoding": ["chunked"]}, "c\r\n" + PLAIN + "\r\n0\r\n\r\n", "R012", "error"),
    ("requests", {"Transfer-Encoding": ["chunked"]}, "c\r\n" + PLAIN + "\r\n0\r\n\r\n", "R012", "error"),
    # a chunked header over a de-chunked body, a length that lies: nobody minds
    ("httpx", {"Transfer-Encoding": ["chunked"]}, PLAIN, None, None),
    ("requests", {"Content-Length": ["500"]}, PLAIN, "L002", "warning"),
    ("httpx", {"Content-Length": ["5"]}, PLAIN, "L002", "warning"),
])
def test_each_defect_under_each_client_as_the_real_client_sees_it(tmp_path, kind, headers, body, rule, severity):
    path = _dump(cassette(headers, body, AGENT[kind]), tmp_path / "c.yaml")
    found = [(f.rule, f.severity.value) for f in lint_file(path) if f.rule in CLIENT_RULES + ("L002",)]
    assert found == ([(rule, severity)] if rule else [])
    failed, played = replay_failures(path, kind)
    assert played == 1 and failed == ({0} if severity == "error" else set())


def test_messages_name_the_client_and_how_it_was_found(tmp_path):
    path = _dump(cassette({"Content-Encoding": ["gzip"]}, PLAIN, "OpenAI/Python 1.78.0"), tmp_path / "c.yaml")
    [f] = [f for f in lint_file(path) if f.rule == "R010"]
    assert f.severity.value == "error"
    assert "httpx raises DecodingError" in f.message and "User-Agent OpenAI/Python" in f.message
    # the finding is at the header's value
    assert path.read_text().splitlines()[f.line - 1].strip() == "- gzip"


def test_an_unknown_client_leaves_a_warning_that_names_httpx(tmp_path):
    path = _dump(cassette({"Content-Encoding": ["gzip"]}, PLAIN, ua=None), tmp_path / "c.yaml")
    [f] = [f for f in lint_file(path) if f.rule == "R010"]
    assert f.severity.value == "warning"
    assert "httpx would raise DecodingError" in f.message and "no User-Agent names the client" in f.message


def test_compressed_content_types_are_not_a_compressed_body_finding(tmp_path):
    """A gzip file served as application/gzip is the content, not a coding."""
    body = gzip.compress(b"tarball")
    path = _dump(cassette({}, body, ctype="application/gzip"), tmp_path / "c.yaml")
    assert [f for f in lint_file(path) if f.rule in CLIENT_RULES] == []
    assert replay_failures(path, "requests") == (set(), 1)


def test_go_vcr_responses_are_read_by_go_net_http_which_decodes_nothing(lint_text):
    """go-vcr hands the recorded body to http.Client (GetHTTPResponse): a gzip header over a decoded
    body passes through, gzip bytes without a header reach the caller, a length is not enforced."""
    def govcr(headers: str, body: str, content_length: int = -1) -> str:
        return ("---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n"
                "    proto_major: 1\n    proto_minor: 1\n    content_length: 0\n    body: \"\"\n"
                "    url: https://api.example.com/v1/x\n    method: GET\n  response:\n    proto: HTTP/1.1\n"
                "    proto_major: 1\n    proto_minor: 1\n"
                f"    content_length: {content_length}\n    headers:\n      Content-Type:\n"
                f"      - application/json\n{textwrap.indent(headers, '      ')}    body: {body}\n"
                "    status: 200 OK\n    code: 200\n    duration: 1ms\n")

    found = lint_text(govcr("Content-Encoding:\n- gzip\n", "'{\"ok\": true}'"), dedent=False)
    assert [f.rule for f in found if f.rule in CLIENT_RULES] == []
    found = lint_text(govcr("", "'{\"ok\": true}'", 50), dedent=False)
    [l002] = [f for f in found if f.rule == "L002"]
    assert l002.severity.value == "warning" and "Go's net/http does not enforce it" in l002.message
    framed = '"c\\r\\n{\\"ok\\": true}\\r\\n0\\r\\n\\r\\n"'
    found = lint_text(govcr("Transfer-Encoding:\n- chunked\n", framed), dedent=False)
    [r012] = [f for f in found if f.rule == "R012"]
    assert r012.severity.value == "error" and "Go's net/http" in r012.message


def test_aiohttp_is_read_from_its_user_agent_and_does_not_decode(tmp_path):
    """aiohttp through vcrpy (MockClientResponse.read() returns the stored bytes): modelled from
    vcrpy's source like requests; aiohttp is not a test dependency, so this checks the model only."""
    ua = "Python/3.11 aiohttp/3.9.5"
    path = _dump(cassette({"Content-Encoding": ["gzip"]}, gzip.compress(PLAIN.encode()), ua), tmp_path / "c.yaml")
    [f] = [f for f in lint_file(path) if f.rule in CLIENT_RULES]
    assert f.rule == "R011" and "aiohttp does not decode on replay" in f.message
    path = _dump(cassette({"Content-Encoding": ["gzip"]}, PLAIN, ua), tmp_path / "d.yaml")
    assert [f for f in lint_file(path) if f.rule in CLIENT_RULES] == []
