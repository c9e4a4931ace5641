"""Cassettes written by the real vcrpy (YAML and JSON serializers) are read as vcrpy writes them.

A small HTTP server on 127.0.0.1 (started by the test, no network) answers with JSON, gzip-compressed
JSON, an OpenAI-style SSE stream with tool-call deltas and a 429; ``requests`` calls it under
``vcr.use_cassette``.  The written cassettes must lint clean except for the recorded 429 (H008), and
edits a person could make afterwards are found at their exact lines.
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

vcr = pytest.importorskip("vcr")
requests = pytest.importorskip("requests")

from conftest import at, codes, lint_file  # noqa: E402

TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def _chunk(delta: dict, finish=None) -> str:
    return "data: " + json.dumps({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}, separators=(",", ":")) + "\n\n"


SSE = (
    _chunk({"role": "assistant", "content": None, "tool_calls": [
        {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]})
    + _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\": "}}]})
    + _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]})
    + _chunk({}, "tool_calls")
    + "data: [DONE]\n\n"
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _send(self, code: int, body: bytes, ctype: str, extra: dict | None = None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/json":
            self._send(200, b'{"ok": true, "items": [1, 2, 3]}', "application/json")
        elif self.path == "/gzip":
            self._send(200, gzip.compress(b'{"compressed": true}', mtime=0), "application/json",
                       {"Content-Encoding": "gzip"})
        elif self.path == "/limited":
            self._send(429, b'{"error": {"message": "rate limited"}}', "application/json", {"Retry-After": "1"})
        else:
            self._send(404, b"", "text/plain")

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._send(200, SSE.encode(), "text/event-stream")


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _record(base: str, path: str, serializer: str) -> str:
    my_vcr = vcr.VCR(serializer=serializer, record_mode="all", decode_compressed_response=False)
    with my_vcr.use_cassette(path):
        assert requests.get(f"{base}/json", timeout=10).json()["ok"] is True
        assert requests.get(f"{base}/gzip", timeout=10).json() == {"compressed": True}
        r = requests.post(f"{base}/v1/chat/completions", timeout=10, json={
            "model": "gpt-4o-mini", "stream": True, "tools": TOOLS,
            "messages": [{"role": "user", "content": "Weather in Paris?"}]})
        assert r.text == SSE
        assert requests.get(f"{base}/limited", timeout=10).status_code == 429
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _line_of(text: str, needle: str, start: int = 0) -> int:
    return text.count("\n", 0, text.index(needle, start)) + 1


@pytest.mark.parametrize("serializer,suffix", [("yaml", ".yaml"), ("json", ".json")])
def test_recorded_cassette_is_vcrpy_and_only_the_429_is_reported(server, tmp_path, serializer, suffix):
    path = str(tmp_path / f"rec{suffix}")
    text = _record(server, path, serializer)
    found = lint_file(path)
    assert {f.format for f in found} == {"vcrpy"}
    assert codes(found) == ["H008"], [(f.rule, f.line, f.message) for f in found]
    # the status code's own line ("429" alone could also be in the random port or the Date header)
    code_line = _line_of(text, "code: 429" if serializer == "yaml" else '"code": 429')
    assert found[0].line == code_line



def test_gzip_response_recorded_decoded_is_checked_as_json_but_not_for_length(server, tmp_path):
    """vcrpy 9 with urllib3 2 stores the decompressed text, yet keeps ``Content-Encoding: gzip`` and the
    compressed ``Content-Length``: the JSON is checked, the length (of bytes no longer there) is not."""
    path = tmp_path / "rec.yaml"
    text = _record(server, str(path), "yaml")
    assert "string: '{\"compressed\": true}'" in text and "- gzip\n" in text
    broken = text.replace('{"compressed": true}', '{"compressed": tru}')
    path.write_text(broken, "utf-8")
    found = [f for f in lint_file(path) if f.rule != "H008"]
    assert codes(found) == ["H001"]
    line = _line_of(broken, '{"compressed": tru}')
    col = broken.splitlines()[line - 1].index("tru}") + 1
    assert at(found, "H001") == [(line, col)]


def test_edited_body_is_a_content_length_mismatch_at_the_header(server, tmp_path):
    path = tmp_path / "rec.yaml"
    text = _record(server, str(path), "yaml")
    path.write_text(text.replace('"items": [1, 2, 3]', '"items": [1, 2]'), "utf-8")
    found = [f for f in lint_file(path) if f.rule != "H008"]
    assert codes(found) == ["L002"]
    json_at = text.index('"items": [1, 2, 3]')
    header_line = _line_of(text, "Content-Length", json_at)
    assert found[0].line == header_line + 1  # the header's value, the line under its name


def test_broken_tool_call_arguments_inside_the_recorded_stream(server, tmp_path):
    path = tmp_path / "rec.yaml"
    text = _record(server, str(path), "yaml")
    assert '\\"Paris\\"}' in text
    broken = text.replace('\\"Paris\\"}', '\\"Paris\\"')
    path.write_text(broken, "utf-8")
    found = [f for f in lint_file(path) if f.rule not in ("H008", "L002")]
    assert codes(found) == ["A001"]
    assert found[0].line == _line_of(broken, '\\"Paris\\"')


def test_truncated_stream_is_reported_at_its_last_line(server, tmp_path):
    path = tmp_path / "rec.json"
    text = _record(server, str(path), "json")
    cut = text.replace("data: [DONE]\\n\\n", "")
    i = cut.index('\\"finish_reason\\":\\"tool_calls\\"')
    start = cut.rindex("data: ", 0, i)
    end = cut.index("\\n\\n", i) + 4
    cut = cut[:start] + cut[end:]  # drop the finish chunk and [DONE]: the stream stops mid-call
    path.write_text(cut, "utf-8")
    found = [f for f in lint_file(path) if f.rule not in ("H008", "L002")]
    assert "T001" in codes(found), [(f.rule, f.line, f.message) for f in found]
    stream_line = _line_of(cut, "chat.completion.chunk")
    assert {f.line for f in found if f.rule == "T001"} == {stream_line}  # the JSON body is one line
