"""Polly.JS HAR, Azure test-proxy records, httprr traces and nock recordings: read into the model,
checked by the existing rules at exact positions, fixed without breaking the format.

The real recordings in ../shared/corpus (four folders) are the ground truth: each file is read as its
format, each SSE body as a stream, and each finding they get is one this file explains.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import re
import pathlib
import string

import pytest

from cassette_lint import discovery, fixer, formats, loader, loader_httprr, pipeline, run
from cassette_lint.options import Options
from cassette_lint.streams import dialects
from conftest import CORPUS, lint_file, needs_shared

_R = random.Random(22)
URLSAFE = string.ascii_letters + string.digits + "_-"
#: a synthetic OpenAI project key (built from parts: never a real one)
KEY = "sk-" + "proj-" + "".join(_R.choice(URLSAFE) for _ in range(74)) + "T3Blbk" + "FJ" + \
      "".join(_R.choice(URLSAFE) for _ in range(74))

FOLDERS = {"har-openllmetry-js": "har", "httprr-adk-go": "httprr", "nock-otel-js-contrib": "nock",
           "testproxy-openai-dotnet": "test-proxy"}
#: the codes each folder's files get, each explained in README "Recordings of other recorders":
#: K021 Wikipedia's WMF-Uniq session cookie (header and HAR cookies record); H008 recorded 401/404
#: responses; L001 one HAR request whose postData was edited after recording (bodySize 120, body 144
#: bytes); R010 content-encoded HAR responses stored decoded (Polly's node-http adapter throws on them:
#: the Polly oracle below agrees); R014 the random multipart boundaries of openai-dotnet's uploads under
#: test-proxy's default matcher (the project's own matcher settings are in its test code). K022
#: (identifying headers, opt-in) is tested on its own below.
EXPLAINED = {"har": {"K021", "H008", "L001", "R010"}, "httprr": {"H008"}, "nock": set(),
             "test-proxy": {"H008", "R014"}}


def model_of(path):
    """(cassette, loaded) of a file, read as the pipeline reads it."""
    data = open(path, "rb").read()
    loaded = loader_httprr.load(str(path), data) if loader_httprr.is_trace(str(path)) else loader.load(str(path), data)
    adapter = formats.detect(loaded.document.data)
    return adapter.build(loaded.document, str(path)), loaded


def fix_all(path) -> bytes:
    for _ in range(fixer.MAX_ROUNDS):
        data = path.read_bytes()
        fixes = fixer.safe_fixes(lint_file(path))
        if not fixes:
            return data
        new, applied = fixer.apply_fixes(data, fixes)
        assert applied
        path.write_bytes(new)
    raise AssertionError("fixes did not converge")


def rr_open(data: bytes) -> dict:
    """httprr's ``open`` (internal/httprr/rr.go), line by line: the oracle of the framing."""
    text = data  # data := string(bdata)
    line, sep, text = text.partition(b"\n")  # line, data, ok := strings.Cut(data, "\n")
    if not sep or line != b"httprr trace v1":  # if !ok || line != "httprr trace v1"
        raise ValueError("not an httprr trace")
    replay = {}
    while text:  # for data != ""
        line, sep, text = text.partition(b"\n")  # line, data, ok = strings.Cut(data, "\n")
        f1, _, f2 = line.partition(b" ")  # f1, f2, _ := strings.Cut(line, " ")
        try:  # n1, err1 := strconv.Atoi(f1); n2, err2 := strconv.Atoi(f2)
            n1, n2 = int(f1.decode()), int(f2.decode())
            if not f1.lstrip(b"+-").isdigit() or not f2.lstrip(b"+-").isdigit():
                raise ValueError
        except ValueError:
            raise ValueError("corrupt httprr trace") from None
        if not sep or n1 > len(text) or n2 > len(text[n1:]) or n1 < 0 or n2 < 0:
            raise ValueError("corrupt httprr trace")
        req, resp, text = text[:n1], text[n1:n1 + n2], text[n1 + n2:]
        replay[req] = resp
    return replay


# == the shared corpus ======================================================================================

@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_every_shared_recording_is_read_as_its_format(folder):
    root = needs_shared(f"corpus/{folder}")
    result = run.run([str(root)], Options())
    files = sorted(p for p in root.iterdir() if p.is_file())
    by_path = {f.path: f for f in result.files} if hasattr(result, "files") else None
    assert len(result.checked) == len(files) - (folder == "nock-otel-js-contrib")  # one nock file is `[]`
    for f in result.findings:
        assert f.format == FOLDERS[folder], (f.path, f.rule)
        assert not f.rule.startswith(("Y", "X", "S")), (f.path, f.line, f.rule, f.message)
        assert f.rule in EXPLAINED[FOLDERS[folder]], (f.path, f.line, f.rule, f.message)
    del by_path


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_every_sse_body_of_the_shared_recordings_is_parsed_as_a_stream(folder):
    root = needs_shared(f"corpus/{folder}")
    streams = 0
    for p in sorted(root.iterdir()):
        if p.read_bytes().strip() == b"[]":
            continue
        cas, _ = model_of(p)
        for it in cas.http:
            rs = it.response
            text = rs.body.text or ""
            if rs.content_type != "text/event-stream" and not re.search(r"(?m)^data: ", text):
                continue
            assert dialects.is_event_stream(it), (p.name, it.index)
            evs = dialects.events(it)
            assert evs and all(e.data is not None for e in evs), (p.name, it.index)
            streams += 1
    assert streams == {"har-openllmetry-js": 12, "httprr-adk-go": 21, "nock-otel-js-contrib": 19,
                       "testproxy-openai-dotnet": 15}[folder]


def test_shared_secrets_are_the_identifying_headers_the_issue_names():
    root = needs_shared("corpus/har-openllmetry-js")
    result = run.run([str(root)], Options(select=("K022",)))
    names = set()
    for f in result.findings:
        if f.rule == "K022":
            names.add(f.message.split(" = ")[0].split()[-1].lower())
    assert {"openai-organization", "openai-project"} <= names


# == httprr ================================================================================================

def trace(*records: tuple[bytes, bytes]) -> bytes:
    out = [b"httprr trace v1\n"]
    for req, resp in records:
        out.append(b"%d %d\n" % (len(req), len(resp)))
        out += [req, resp]
    return b"".join(out)


REQ = (b"POST https://api.openai.com/v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
       b"User-Agent: Go-http-client/1.1\r\nContent-Length: 15\r\nContent-Type: application/json\r\n\r\n"
       b'{"stream":true}')
SSE = (b'data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n'
       b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n')
RESP = b"HTTP/2.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + SSE


@pytest.mark.parametrize("mutate, ok", [
    (lambda d: d, True),  # as written by writeLog
    (lambda d: d.replace(b"httprr trace v1\n", b"httprr trace v2\n", 1), False),  # line != "httprr trace v1"
    (lambda d: d.replace(b"httprr trace v1\n", b"httprr trace v1\r\n", 1), False),  # Cut at "\n" keeps the CR
    (lambda d: d.replace(b"%d " % len(REQ), b"%d " % (len(REQ) + 1), 1), False),  # framing off by one
    (lambda d: d.replace(b"%d " % len(REQ), b"%d " % (len(REQ) - 1), 1), False),
    (lambda d: d.replace(b" %d\n" % len(RESP), b" %d\n" % (len(RESP) + 1), 1), False),  # n2 > len(data[n1:])
    (lambda d: d.replace(b" %d\n" % len(RESP), b" %d\r\n" % len(RESP), 1), False),  # Atoi("N\r") fails
    (lambda d: d.replace(b" %d\n" % len(RESP), b"\t%d\n" % len(RESP), 1), False),  # Cut at " " only
    (lambda d: d + b"\n", False),  # a trailing line that is no record
    (lambda d: d[:-1], False),  # the response cut by a byte
    (lambda d: b"httprr trace v1\n", True),  # no records: an empty trace
])
def test_httprr_framing_is_read_exactly_as_rr_go_reads_it(tmp_path, mutate, ok):
    data = mutate(trace((REQ, RESP), (REQ.replace(b"true", b"fals"), RESP)))
    try:
        rr_open(data)
        oracle = True
    except ValueError:
        oracle = False
    # the response would not start with HTTP/: Go loads it, but reads the wrong bytes (a broken replay)
    framed = oracle and all(v.startswith(b"HTTP/") for v in rr_open(data).values())
    assert framed == ok
    p = tmp_path / "t.httprr"
    p.write_bytes(data)
    got = [f.rule for f in lint_file(p) if f.rule == "Y021"]
    assert (got == []) == ok


def test_httprr_framing_off_by_one_is_reported_at_that_records_length_line(tmp_path):
    data = trace((REQ, RESP), (REQ, RESP), (REQ, RESP))
    lines = data.split(b"\n")
    third = [i for i, ln in enumerate(lines) if ln == b"%d %d" % (len(REQ), len(RESP))][2]
    bad = data.split(b"\n")
    bad[third] = b"%d %d" % (len(REQ) + 1, len(RESP) - 1)
    p = tmp_path / "t.httprr"
    p.write_bytes(b"\n".join(bad))
    fs = lint_file(p)
    assert [(f.rule, f.line) for f in fs] == [("Y021", third + 1)]
    assert "record 3" in fs[0].message


def test_httprr_stream_finding_points_at_the_line_of_the_file(tmp_path):
    cut = RESP[:-len(b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n')]
    p = tmp_path / "t.httprr"
    p.write_bytes(trace((REQ, RESP), (REQ, cut)))
    text = p.read_bytes().decode()
    f = next(f for f in lint_file(p) if f.rule == "T001")
    lines = text.split("\n")
    assert lines[f.line - 1].startswith('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}')
    assert f.line == len(lines) - 2  # the second record's last event, the file's last text line


def test_httprr_chunked_body_is_dechunked_and_positions_stay_in_the_file(tmp_path):
    body = b'{"ok":true,"key":"' + KEY.encode() + b'"}'
    chunked = b"8\r\n" + body[:8] + b"\r\n" + b"%x\r\n" % (len(body) - 8) + body[8:] + b"\r\n0\r\n\r\n"
    resp = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked
    p = tmp_path / "t.httprr"
    p.write_bytes(trace((REQ, resp)))
    cas, _ = model_of(p)
    assert cas.interactions[0].response.body.data == body
    fs = lint_file(p)
    k = next(f for f in fs if f.rule == "K001")
    line = p.read_bytes().split(b"\n")[k.line - 1]
    assert KEY.encode()[:20] in line
    assert k.fix is None  # an edit inside a chunk would need the chunk sizes rewritten: not offered
    assert not [f for f in fs if f.rule.startswith(("Y", "H"))]


@pytest.mark.parametrize("where", ["header", "body"])
def test_httprr_redaction_rewrites_the_records_length_line(tmp_path, where):
    if where == "header":
        req = REQ.replace(b"User-Agent: Go-http-client/1.1\r\n", b"Authorization: Bearer " + KEY.encode() + b"\r\n")
    else:
        b = b'{"stream":true,"api_key":"' + KEY.encode() + b'"}'
        req = REQ.replace(b"Content-Length: 15", b"Content-Length: %d" % len(b)).replace(b'{"stream":true}', b)
    p = tmp_path / "t.httprr"
    other = REQ.replace(b"true", b"fals")
    p.write_bytes(trace((REQ, RESP), (req, RESP), (other, RESP)))
    fs = lint_file(p)
    k = next(f for f in fs if f.rule in ("K001", "K020"))
    assert KEY.encode()[:12] in p.read_bytes().split(b"\n")[k.line - 1]
    fixed = fix_all(p)
    assert KEY.encode() not in fixed
    replay = rr_open(fixed)  # httprr loads the fixed trace
    assert len(replay) == 3 and all(v == RESP for v in replay.values())
    assert not [f for f in lint_file(p) if f.rule.startswith(("Y", "L", "K0"))]
    if where == "body":  # the request's Content-Length follows the body
        key = next(k for k in replay if b"api_key" in k)
        head, _, body = key.partition(b"\r\n\r\n")
        assert b"Content-Length: %d" % len(body) in head


# == Polly.JS HAR ========================================================================================

def har(entries: list[dict]) -> str:
    return json.dumps({"log": {"_recordingName": "t", "creator": {"comment": "persister:fs", "name": "Polly.JS",
                                                                    "version": "6.0.6"},
                               "entries": entries, "pages": [], "version": "1.2"}}, indent=2)


def entry(body_text: str, response: dict | None = None, req_headers: list | None = None) -> dict:
    return {"_id": "55d89d2026cb52c5f2e9f463f5bfc5c1", "_order": 0, "cache": {},
            "request": {"bodySize": len(body_text.encode()), "cookies": [],
                        "headers": req_headers or [{"name": "content-type", "value": "application/json"}],
                        "headersSize": 100, "httpVersion": "HTTP/1.1", "method": "POST",
                        "postData": {"mimeType": "application/json", "params": [], "text": body_text},
                        "queryString": [], "url": "https://api.openai.com/v1/chat/completions"},
            "response": response or {"bodySize": 2, "content": {"mimeType": "application/json", "size": 2, "text": "{}"},
                                     "cookies": [], "headers": [{"name": "content-type", "value": "application/json"}],
                                     "headersSize": 10, "httpVersion": "HTTP/1.1", "redirectURL": "", "status": 200,
                                     "statusText": "OK"},
            "startedDateTime": "2025-08-14T14:45:15.000Z", "time": 1, "timings": {}}


def gzip_chunks(text: str) -> str:
    z = gzip.compress(text.encode())
    return json.dumps([base64.b64encode(z[:10]).decode(), base64.b64encode(z[10:]).decode()])


def gzip_response(text: str) -> dict:
    return {"bodySize": 100, "content": {"encoding": "base64", "mimeType": "application/json", "size": 100,
                                         "text": gzip_chunks(text)},
            "cookies": [], "headers": [{"name": "content-encoding", "value": "gzip"},
                                       {"name": "content-type", "value": "application/json"}],
            "headersSize": 10, "httpVersion": "HTTP/1.1", "redirectURL": "", "status": 200, "statusText": "OK"}


def test_har_gzip_base64_chunks_are_joined_decoded_and_checked(tmp_path):
    p = tmp_path / "recording.har"
    p.write_text(har([entry('{"a":1}', gzip_response('{"error":"broken'))]))
    cas, _ = model_of(p)
    assert cas.format == "har" and cas.interactions[0].response.body.text == '{"error":"broken'
    assert [f.rule for f in lint_file(p)] == ["H001"]


def test_har_corrupted_base64_chunk_is_found_at_the_content_line(tmp_path):
    text = har([entry('{"a":1}', gzip_response('{"ok":true}'))])
    chunks = json.loads(json.loads(text)["log"]["entries"][0]["response"]["content"]["text"])
    bad = text.replace(chunks[1][:8], chunks[1][:7] + "*", 1)
    p = tmp_path / "recording.har"
    p.write_text(bad)
    fs = lint_file(p)
    f = next(f for f in fs if f.rule == "F001")
    assert "base64 chunk 2 of 2" in f.message
    assert '"text": "[' in bad.splitlines()[f.line - 1]


@pytest.mark.parametrize("where", ["request header", "response header", "request body", "response body",
                                   "response cookie"])
def test_har_planted_credential_found_at_its_line_and_fixed_in_place(tmp_path, where):
    body = '{"model":"gpt-4o"}'
    e = entry(body, req_headers=[{"name": "content-type", "value": "application/json"}])
    e["request"]["headers"].append({"name": "content-length", "value": str(len(body))})
    if where == "request header":
        e["request"]["headers"].append({"name": "authorization", "value": "Bearer " + KEY})
    elif where == "response header":
        e["response"]["headers"].append({"name": "x-debug-key", "value": KEY})
    elif where == "request body":
        body = '{"model":"gpt-4o","api_key":"%s"}' % KEY
        e["request"]["postData"]["text"] = body
        e["request"]["headers"][1]["value"] = str(len(body))
        e["request"]["bodySize"] = len(body)
    elif where == "response body":
        e["response"]["content"]["text"] = '{"note":"key %s"}' % KEY
        e["response"]["content"]["size"] = len(e["response"]["content"]["text"])
    else:
        e["response"]["cookies"].append({"name": "session", "value": "s%3A" + KEY[8:60], "path": "/"})
    p = tmp_path / "recording.har"
    p.write_text(har([e]))
    fs = [f for f in lint_file(p) if f.rule.startswith("K")]
    assert len(fs) == 1, [(f.rule, f.message) for f in fs]
    line = p.read_text().splitlines()[fs[0].line - 1]
    assert (KEY[:12] if where != "response cookie" else KEY[8:20]) in line
    fixed = fix_all(p)
    doc = json.loads(fixed)  # still JSON
    assert KEY[:40] not in fixed.decode() and KEY[8:60] not in fixed.decode()
    new = doc["log"]["entries"][0]
    assert p.read_text().count("\n") == har([e]).count("\n")  # only the value's bytes changed
    if where == "request body":  # the declared length follows the body
        assert new["request"]["headers"][1]["value"] == str(len(new["request"]["postData"]["text"].encode()))
    assert not [f for f in lint_file(p) if f.rule.startswith(("Y", "S", "L", "K"))]


# == Azure test-proxy ======================================================================================

def tp_entry(response_body, content_type="text/event-stream; charset=utf-8", uri="https://api.openai.com/v1/threads/runs"):
    return {"RequestUri": uri, "RequestMethod": "POST",
            "RequestHeaders": {"Authorization": "Sanitized", "Content-Type": "application/json"},
            "RequestBody": {"assistant_id": "asst_1", "stream": True}, "StatusCode": 200,
            "ResponseHeaders": {"Content-Type": content_type}, "ResponseBody": response_body}


ASSISTANTS_LINES = [
    "event: thread.created\n", 'data: {"id":"thread_1","object":"thread"}\n', "\n",
    "event: thread.run.created\n", 'data: {"id":"run_1","object":"thread.run","status":"queued"}\n', "\n",
    "event: thread.run.step.delta\n",
    'data: {"id":"step_1","object":"thread.run.step.delta","delta":{"step_details":{"type":"tool_calls",'
    '"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"add","arguments":"{\\"a\\":"}}]}}}\n',
    "\n",
    "event: thread.run.step.delta\n",
    'data: {"id":"step_1","object":"thread.run.step.delta","delta":{"step_details":{"type":"tool_calls",'
    '"tool_calls":[{"index":0,"function":{"arguments":"2}"}}]}}}\n',
    "\n",
    "event: thread.run.requires_action\n",
    'data: {"id":"run_1","object":"thread.run","status":"requires_action","required_action":{"type":'
    '"submit_tool_outputs","submit_tool_outputs":{"tool_calls":[{"id":"call_1","type":"function","function":'
    '{"name":"add","arguments":"{\\"a\\":2}"}}]}}}\n', "\n",
    "event: done\n", "data: [DONE]\n", "\n",
]


def test_testproxy_assistants_stream_in_line_array_is_clean(tmp_path):
    p = tmp_path / "Session.json"
    p.write_text(json.dumps({"Entries": [tp_entry(ASSISTANTS_LINES)], "Variables": {}}, indent=2))
    assert lint_file(p) == []
    cas, _ = model_of(p)
    it = cas.interactions[0]
    assert dialects.dialect(it) == dialects.ASSISTANTS
    from cassette_lint.rules import tool_calls
    (c,) = tool_calls.calls(it)
    assert (c.id, c.name, c.value) == ("call_1", "add", {"a": 2})


def test_testproxy_sse_line_array_cut_before_done_is_truncated_at_that_elements_line(tmp_path):
    p = tmp_path / "Session.json"
    p.write_text(json.dumps({"Entries": [tp_entry(ASSISTANTS_LINES[:-3])], "Variables": {}}, indent=2))
    fs = lint_file(p)
    assert [f.rule for f in fs] == ["T001"]
    assert fs[0].line == p.read_text().splitlines().index('        "event: thread.run.requires_action\\n",') + 1


def test_testproxy_broken_tool_call_arguments_point_at_the_fragments_line(tmp_path):
    lines = [ln.replace('\\"a\\":"', '\\"a\\"') for ln in ASSISTANTS_LINES]  # {"a" + 2} : no colon
    p = tmp_path / "Session.json"
    p.write_text(json.dumps({"Entries": [tp_entry(lines)], "Variables": {}}, indent=2))
    f = next(f for f in lint_file(p) if f.rule == "A001")
    # the JSON goes wrong in the second fragment: its element's line
    assert '\\"arguments\\":\\"2}' in p.read_text().splitlines()[f.line - 1]


def test_testproxy_json_value_body_secret_is_fixed_inside_that_string_only(tmp_path):
    e = tp_entry({"id": "x", "nested": {"note": "uses " + KEY}}, "application/json", "https://api.openai.com/v1/files")
    p = tmp_path / "Session.json"
    p.write_text(json.dumps({"Entries": [e], "Variables": {}}, indent=2))
    (f,) = [f for f in lint_file(p) if f.rule.startswith("K")]
    assert KEY[:12] in p.read_text().splitlines()[f.line - 1]
    fixed = json.loads(fix_all(p))
    assert fixed["Entries"][0]["ResponseBody"]["nested"]["note"].startswith("uses ")
    assert KEY[:30] not in json.dumps(fixed)


def test_testproxy_base64_and_multipart_bodies_compare_their_bytes(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
    e = tp_entry(base64.b64encode(png).decode(), "image/png", "https://example.com/img")
    e["ResponseHeaders"]["Content-Length"] = str(len(png))
    mp = ["--b\r\n", "Content-Type: application/octet-stream\r\n", "\r\n",
          "b64:" + base64.b64encode(b"\x00\x01\xff").decode() + "\r\n", "--b--\r\n"]
    e["RequestBody"] = mp
    e["RequestHeaders"]["Content-Type"] = "multipart/form-data; boundary=b"
    e["RequestHeaders"]["Content-Length"] = str(len(b"--b\r\nContent-Type: application/octet-stream\r\n\r\n"
                                                    b"\x00\x01\xff\r\n--b--\r\n"))
    p = tmp_path / "Session.json"
    p.write_text(json.dumps({"Entries": [e], "Variables": {}}, indent=2))
    assert lint_file(p) == []
    e["ResponseHeaders"]["Content-Length"] = str(len(png) + 1)
    p.write_text(json.dumps({"Entries": [e], "Variables": {}}, indent=2))
    assert [f.rule for f in lint_file(p)] == ["L002"]


# == nock ================================================================================================

def nock_def(response, raw_headers=None, **extra) -> dict:
    d = {"scope": "https://api.openai.com:443", "method": "POST", "path": "/v1/chat/completions",
         "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
         "status": 200, "response": response, "rawHeaders": raw_headers or {"content-type": "application/json"},
         "responseIsBinary": False}
    d.update(extra)
    return d


def test_nock_list_is_detected_before_the_not_a_mapping_check(tmp_path):
    p = tmp_path / "mock.json"
    p.write_text(json.dumps([nock_def({"id": "x"})], indent=4))
    assert lint_file(p) == []
    p.write_text(json.dumps([{"request": {"uri": "x"}, "response": {}}]))  # vcrpy's old layout keeps Y005
    assert "Y005" in [f.rule for f in lint_file(p)]
    r = run.run([str(tmp_path)], Options())
    assert r.checked  # a walked directory finds the nock file


def test_nock_truncated_hex_chunk_is_found_at_its_line(tmp_path):
    z = gzip.compress(b'{"id":"chatcmpl-1","object":"chat.completion","choices":[]}').hex()
    chunks = [z[:40], z[40:-3]]
    p = tmp_path / "mock.json"
    p.write_text(json.dumps([nock_def(chunks, {"content-encoding": "gzip", "content-type": "application/json"})],
                            indent=4))
    (f,) = [f for f in lint_file(p) if f.rule == "F001"]
    assert "chunk 2 of 2" in f.message and "truncated" in f.message
    assert z[40:60] in p.read_text().splitlines()[f.line - 1]
    p.write_text(json.dumps([nock_def([z[:40], z[40:]], {"content-encoding": "gzip",
                                                          "content-type": "application/json"})], indent=4))
    assert lint_file(p) == []


def test_nock_sse_string_truncation_and_credential(tmp_path):
    sse = 'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n'
    p = tmp_path / "mock.json"
    p.write_text(json.dumps([nock_def(sse, {"content-type": "text/event-stream"})], indent=4))
    assert [f.rule for f in lint_file(p)] == ["T001"]
    d = nock_def({"ok": True}, {"content-type": "application/json", "openai-organization": "org-abcdefABCDEF1234"})
    d["body"]["api_key"] = KEY
    p.write_text(json.dumps([d], indent=4))
    fs = sorted((f.rule, p.read_text().splitlines()[f.line - 1].strip()[:20])
                for f in lint_file(p, select=("K", "K022")))
    assert fs == [("K001", '"api_key": "sk-proj-'), ("K022", '"openai-organization')]
    fixed = json.loads(fix_all(p))
    assert fixed[0]["body"]["api_key"] != KEY and fixed[0]["body"]["model"] == "gpt-4o-mini"


# == discovery ================================================================================================

def test_walk_finds_har_and_httprr_and_skips_other_json(tmp_path):
    (tmp_path / "r.har").write_text(har([entry("{}")]))
    (tmp_path / "t.httprr").write_bytes(trace((REQ, RESP)))
    (tmp_path / "package.json").write_text('{"name": "x", "dependencies": {}}')
    (tmp_path / "list.json").write_text('[1, 2]')
    r = run.run([str(tmp_path)], Options())
    assert sorted(f.path.rsplit("/", 1)[-1] for f in r.checked) == ["r.har", "t.httprr"]
    assert r.findings == []


@pytest.mark.parametrize("name", sorted(FOLDERS.values()))
def test_forced_format_is_accepted(tmp_path, name):
    from cassette_lint.cli import main

    opt = next(o for o in main.commands["check"].params if o.name == "cassette_format")
    assert name in opt.type.choices


def test_testproxy_variables_holding_a_credential_are_reported_and_fixed(tmp_path):
    e = tp_entry({"id": "x"}, "application/json", "https://api.openai.com/v1/files")
    p = tmp_path / "Session.json"
    p.write_text(json.dumps({"Entries": [e], "Variables": {"OPENAI_API_KEY": "api-key",
                                                           "SEARCH_API_KEY": "Zq8" + KEY[20:60]}}, indent=2))
    (f,) = lint_file(p)
    assert f.rule == "K023" and '"SEARCH_API_KEY"' in p.read_text().splitlines()[f.line - 1]
    fixed = json.loads(fix_all(p))
    assert fixed["Variables"]["OPENAI_API_KEY"] == "api-key" and KEY[20:60] not in json.dumps(fixed)


def test_damaged_recordings_of_each_format_never_raise(tmp_path):
    rng = random.Random(7)
    base = {"t.httprr": trace((REQ, RESP), (REQ, RESP)),
            "r.har": har([entry('{"a":1}', gzip_response('{"ok":1}'))]).encode(),
            "n.json": json.dumps([nock_def({"a": 1})]).encode(),
            "s.json": json.dumps({"Entries": [tp_entry(ASSISTANTS_LINES)]}).encode()}
    for name, data in base.items():
        for _ in range(40):
            b = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(b))
                op = rng.random()
                if op < 0.4:
                    b[i] = rng.randrange(256)
                elif op < 0.7:
                    del b[i:i + rng.randint(1, 20)]
                else:
                    b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 5)))
            p = tmp_path / name
            p.write_bytes(bytes(b))
            assert "X001" not in [f.rule for f in lint_file(p)], (name, bytes(b)[:200])


# == the real recorders as oracles (Node.js; skipped without node/npm or the npm registry) ===============

NODE_DIR = pathlib.Path(__file__).resolve().parent / "node"


def _npm_install(cache_dir: pathlib.Path, packages: list[str]) -> pathlib.Path:
    """``packages`` installed once into pytest's cache (the npm registry, as pip's index is used)."""
    import shutil
    import subprocess

    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node/npm not available")
    mods = cache_dir / "node_modules"
    names = [p if p.count("@") == 1 and p.startswith("@") else p.rsplit("@", 1)[0] if "@" in p[1:] else p
             for p in packages]
    if not all((mods / n).exists() for n in names):
        try:
            res = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(cache_dir),
                                  *packages], capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            pytest.skip("npm install took over two minutes")
        if res.returncode != 0:
            pytest.skip("npm install failed: " + (res.stderr.strip().splitlines() or ["?"])[-1])
    return mods


def _node(script: str, mods: pathlib.Path):
    import os
    import subprocess

    def replay(*files) -> list[dict]:
        res = subprocess.run(["node", str(NODE_DIR / script), *map(str, files)], capture_output=True,
                             text=True, timeout=300, env={**os.environ, "NODE_PATH": str(mods)})
        assert res.returncode == 0, res.stderr
        return [json.loads(ln) for ln in res.stdout.splitlines()]

    return replay


def _oracle_dir(request, tmp_path_factory, name: str) -> pathlib.Path:
    """pytest's cache (kept between runs), or a temporary folder with ``-p no:cacheprovider``."""
    cache = getattr(request.config, "cache", None)
    return pathlib.Path(cache.mkdir(name)) if cache is not None else tmp_path_factory.mktemp(name)


@pytest.fixture(scope="session")
def nock_oracle(request, tmp_path_factory):
    return _node("nock_replay.js", _npm_install(_oracle_dir(request, tmp_path_factory, "node-oracle-nock"),
                                                ["nock@14"]))


@pytest.fixture(scope="session")
def polly_oracle(request, tmp_path_factory):
    return _node("polly_replay.js", _npm_install(_oracle_dir(request, tmp_path_factory, "node-oracle-polly"),
                                                 ["@pollyjs/core@6", "@pollyjs/adapter-node-http@6",
                                                  "@pollyjs/persister-fs@6"]))


def _replays(line: dict) -> bool:
    return line.get("loaded", not line.get("error")) and all(not r.get("error") and r.get("status") == r.get("expected") for r in line["replies"])


def test_nock_replays_every_shared_recording(nock_oracle):
    root = needs_shared("corpus/nock-otel-js-contrib")
    lines = nock_oracle(*sorted(root.iterdir()))
    assert len(lines) == 45 and all(_replays(ln) for ln in lines), [ln for ln in lines if not _replays(ln)][:2]


def test_nock_agrees_on_a_truncated_hex_chunk_and_loads_the_fixed_recording(nock_oracle, tmp_path):
    z = gzip.compress(b'{"id":"chatcmpl-1","object":"chat.completion","choices":[]}').hex()
    gz = {"content-encoding": "gzip", "content-type": "application/json"}
    p = tmp_path / "cut.json"
    p.write_text(json.dumps([nock_def([z[:40], z[40:-4]], gz)], indent=4))
    assert "F001" in [f.rule for f in lint_file(p)]
    (line,) = nock_oracle(p)
    assert line["loaded"] and "gunzip" in line["replies"][0]["error"]
    d = nock_def({"ok": True}, {"content-type": "application/json"})
    d["body"]["api_key"] = KEY
    q = tmp_path / "key.json"
    q.write_text(json.dumps([d], indent=4))
    fix_all(q)
    assert KEY not in q.read_text()
    (line,) = nock_oracle(q)
    assert _replays(line)


@pytest.fixture(scope="module")
def polly_all(polly_oracle):
    root = needs_shared("corpus/har-openllmetry-js")
    return polly_oracle(*sorted(root.iterdir()))


@pytest.fixture(scope="module")
def polly_replayed(polly_all):
    """The shared HAR files Polly replays entry by entry (the others miss on matchRequestsBy options
    their own test suites set, or use another adapter), with Polly's replies."""
    return {ln["file"]: ln["replies"] for ln in polly_all if _replays(ln)}


def test_polly_node_http_fails_where_r010_reports_a_decoded_body_under_content_encoding(polly_all):
    """R010 (a Content-Encoding the stored body is not in) is what makes Polly's node-http adapter throw
    (getChunksFromBody: ``JSON.parse(text).map``): every file it throws on is reported, and every
    reported file it does not throw on missed an earlier request first."""
    root = needs_shared("corpus/har-openllmetry-js")
    reported = {f.path for f in run.run([str(root)], Options(select=("R010",))).findings}
    throws = {ln["file"] for ln in polly_all if any("encodedChunks" in (r.get("error") or "") for r in ln["replies"])}
    assert throws and throws <= reported
    for path in reported - throws:
        line = next(ln for ln in polly_all if ln["file"] == path)
        assert any("not found" in (r.get("error") or "") for r in line["replies"]), path


def test_polly_decodes_every_gzip_chunk_array_as_cassette_lint_does(polly_replayed):
    compared = 0
    for path, replies in polly_replayed.items():
        cas, _ = model_of(path)
        for it, reply in zip(cas.interactions, replies):
            if "decoded" in reply:
                assert len(it.response.body.data) == reply["bytes"], (path, it.index)
                assert len(it.response.body.text.encode()) == reply["decoded"], (path, it.index)
                compared += 1
    assert len(polly_replayed) >= 60 and compared >= 20


def test_polly_agrees_on_a_corrupted_chunk_and_replays_a_fixed_credential(polly_replayed, polly_oracle, tmp_path):
    path = next(p for p, r in polly_replayed.items() if "decoded" in r[0])
    har_ = json.loads(open(path).read())
    content = har_["log"]["entries"][0]["response"]["content"]
    chunks = json.loads(content["text"])
    chunks[-1] = base64.b64encode(base64.b64decode(chunks[-1])[:-6]).decode()  # its last bytes lost
    content["text"] = json.dumps(chunks)
    cut = tmp_path / "cut.har"
    cut.write_text(json.dumps(har_, indent=2))
    assert "F001" in [f.rule for f in lint_file(cut)]
    (line,) = polly_oracle(cut)
    assert "gunzip" in (line["replies"][0].get("error") or "")
    har_ = json.loads(open(path).read())
    har_["log"]["entries"][0]["response"]["headers"].append({"name": "x-api-key", "value": KEY})
    key = tmp_path / "key.har"
    key.write_text(json.dumps(har_, indent=2))
    assert any(f.rule == "K001" for f in lint_file(key))
    fix_all(key)
    assert KEY not in key.read_text()
    (line,) = polly_oracle(key)
    assert _replays(line)


def test_an_empty_nock_recording_is_clean_when_named_and_skipped_when_walked(tmp_path):
    p = tmp_path / "mock-responses" / "nothing.json"
    p.parent.mkdir()
    p.write_text("[]\n")
    assert lint_file(p) == []  # nockBack writes [] for a test that made no request (pre-commit names it)
    assert run.run([str(tmp_path)], Options()).checked == []


def test_assistants_submit_tool_outputs_must_answer_the_required_calls(tmp_path):
    run_url = "https://api.openai.com/v1/threads/thread_1/runs/run_1/submit_tool_outputs"
    answer = tp_entry(["event: thread.run.completed\n", 'data: {"id":"run_1","status":"completed"}\n', "\n",
                       "event: done\n", "data: [DONE]\n", "\n"], uri=run_url)
    answer["RequestBody"] = {"tool_outputs": [{"tool_call_id": "call_1", "output": "3"}], "stream": True}
    p = tmp_path / "Session.json"
    p.write_text(json.dumps({"Entries": [tp_entry(ASSISTANTS_LINES), answer], "Variables": {}}, indent=2))
    assert lint_file(p) == []
    answer["RequestBody"]["tool_outputs"][0]["tool_call_id"] = "call_9"
    p.write_text(json.dumps({"Entries": [tp_entry(ASSISTANTS_LINES), answer], "Variables": {}}, indent=2))
    fs = sorted((f.rule, f.line) for f in lint_file(p))
    lines = p.read_text().splitlines()
    assert [r for r, _ in fs] == ["A006", "A006"]
    assert '"call_9"' in lines[fs[0][1] - 1] or '"call_9"' in lines[fs[1][1] - 1]


def test_json_decoded_fast_equals_the_composed_document(tmp_path):
    """The C-decoded data of a JSON file is the data the composing path builds, on every JSON sample;
    files the fast path must leave to the composer (duplicate keys, NaN, deep nesting) still get it."""
    from cassette_lint import loader_json
    from cassette_lint.loader import _Builder, _json_fast
    from cassette_lint.source import Source

    samples = [p for d in ("har-openllmetry-js", "testproxy-openai-dotnet", "nock-otel-js-contrib", "vcrpy-own")
               if (CORPUS / d).is_dir() for p in sorted((CORPUS / d).rglob("*")) if p.suffix in (".json", ".har")]
    if not samples:
        pytest.skip("../shared/corpus is not available")
    for p in samples:
        data = p.read_bytes()
        text = data.decode("utf-8")
        fast = _json_fast(Source(str(p), data, text), text)
        src = Source(str(p), data, text)
        composed = _Builder(src).build(loader_json.compose(src, 200))
        assert fast is not None and fast.document.data == composed, p.name
    for bad, code in (('{"a": 1, "a": 2}', "Y002"), ('{"a": NaN}', "Y001"), ("[" * 250 + "]" * 250, "Y010")):
        q = tmp_path / "x.json"
        q.write_text(bad)
        assert code in [c for c, _ in loader.load(str(q), bad.encode()).problems]


def test_statistics_count_files_per_format(tmp_path):
    from click.testing import CliRunner

    from cassette_lint.cli import main

    (tmp_path / "r.har").write_text(har([entry("{}")]))
    (tmp_path / "t.httprr").write_bytes(trace((REQ, RESP)))
    (tmp_path / "u.httprr").write_bytes(trace((REQ, RESP)))
    out = CliRunner().invoke(main, ["check", "--isolated", "--statistics", str(tmp_path)]).output
    assert out.split("files checked by cassette format:\n")[1].splitlines()[:2] == ["      2  httprr", "      1  har"]
    js = json.loads(CliRunner().invoke(main, ["check", "--isolated", "--statistics", "--format", "json",
                                               str(tmp_path)]).output)
    assert js["files"] == [{"format": "httprr", "count": 2}, {"format": "har", "count": 1}]


@pytest.mark.parametrize("resp, what", [
    (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain", "without the empty line"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x2\r\nab\r\n0\r\n\r\n", "not valid chunked"),
    (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "has no 'name:'"),
])
def test_httprr_responses_go_cannot_read_are_reported_at_their_line(tmp_path, resp, what):
    p = tmp_path / "t.httprr"
    p.write_bytes(trace((REQ, RESP), (REQ.replace(b"true", b"fals"), resp)))
    fs = [f for f in lint_file(p) if f.rule == "Y021"]
    assert len(fs) == 1 and what in fs[0].message and "record 2" in fs[0].message
    line = p.read_bytes().split(b"\n")[fs[0].line - 1]
    assert line.startswith((b"no colon", b"0x2")) or b"}HTTP/1.1 200 OK" in line  # (the response begins
    # right after the request body, on its last line)


@pytest.mark.parametrize("forced", sorted(FOLDERS.values()))
def test_a_forced_format_on_another_formats_file_never_raises(tmp_path, forced):
    files = {"c.yaml": "version: 2\ninteractions: []\n", "r.har": har([entry("{}")]),
             "n.json": json.dumps([nock_def({"a": 1})]), "t.httprr": trace((REQ, RESP)).decode()}
    for name, text in files.items():
        p = tmp_path / name
        p.write_text(text)
        assert "X001" not in [f.rule for f in lint_file(p, cassette_format=forced)], (forced, name)


def test_httprr_lf_only_messages_read_like_crlf_ones(tmp_path):
    lf_req, lf_resp = REQ.replace(b"\r\n", b"\n"), RESP.replace(b"\r\n", b"\n")
    p = tmp_path / "t.httprr"
    p.write_bytes(trace((lf_req, lf_resp)))
    cas, _ = model_of(p)
    it = cas.interactions[0]
    assert (it.request.method.value, it.response.code.value, it.response.content_type) == ("POST", 200,
                                                                                           "text/event-stream")
    assert it.request.body.text == '{"stream":true}' and it.response.body.text == SSE.decode()
    assert lint_file(p) == []


def test_request_length_mismatch_severity_follows_each_recorders_matcher(tmp_path):
    """httprr keys on the request's bytes (Content-Length included): an error; test-proxy's RecordMatcher
    ignores Content-Length's value and Polly looks entries up by their stored _id: warnings."""
    req = REQ.replace(b"Content-Length: 15", b"Content-Length: 16")
    p = tmp_path / "t.httprr"
    p.write_bytes(trace((req, RESP)))
    assert [(f.rule, f.severity) for f in lint_file(p)] == [("L001", "error")]
    e = tp_entry({"id": "x"}, "application/json", "https://api.openai.com/v1/files")
    e["RequestBody"] = ["line one\n", "line two"]
    e["RequestHeaders"].update({"Content-Type": "text/plain", "Content-Length": "99"})
    q = tmp_path / "Session.json"
    q.write_text(json.dumps({"Entries": [e]}, indent=2))
    assert [(f.rule, f.severity) for f in lint_file(q)] == [("L001", "warning")]
    body = '{"a":1}'
    h = entry(body, req_headers=[{"name": "content-type", "value": "application/json"},
                                 {"name": "content-length", "value": "99"}])
    r = tmp_path / "r.har"
    r.write_text(har([h]))
    assert [(f.rule, f.severity) for f in lint_file(r)] == [("L001", "warning")]


def test_gzipd_httprr_traces_are_walked_read_and_fixed_through_the_gzip_layer(tmp_path):
    """langchaingo stores traces as ``*.httprr.gz``: read through the same gzip layer as ``*.yaml.gz``,
    findings at lines of the trace inside, a fix written back gzip'd with the length line rewritten."""
    req = REQ.replace(b"User-Agent: Go-http-client/1.1\r\n", b"Authorization: Bearer " + KEY.encode() + b"\r\n")
    data = trace((REQ, RESP), (req, RESP))
    p = tmp_path / "testdata" / "t.httprr.gz"
    p.parent.mkdir()
    p.write_bytes(gzip.compress(data))
    r = run.run([str(tmp_path)], Options())
    assert [f.path for f in r.checked] == [str(p)] and r.checked[0].format == "httprr"
    (k,) = [f for f in r.findings if f.rule.startswith("K")]
    assert KEY.encode()[:12] in data.split(b"\n")[k.line - 1]
    from click.testing import CliRunner

    from cassette_lint.cli import main

    CliRunner().invoke(main, ["check", "--isolated", "--fix", str(p)])  # (the fixer edits the text inside)
    fixed = gzip.decompress(p.read_bytes())
    assert KEY.encode() not in fixed and len(rr_open(fixed)) == 2
    bad = data.replace(b"%d " % len(REQ), b"%d " % (len(REQ) + 1), 1)
    p.write_bytes(gzip.compress(bad))
    assert [(f.rule, f.line) for f in lint_file(p)] == [("Y021", 2)]
