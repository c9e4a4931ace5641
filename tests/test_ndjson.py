"""Newline-delimited JSON streams (Ollama): read line by line, with termination and tool-call checks;
and no rule reports one defect on every line of a body.

The fixture is an Ollama ``/api/chat`` stream as go-vcr records it: one JSON object a line, the last
with ``"done": true``. Before NDJSON was a dialect, such a stream declared ``application/json`` with
``"stream": true`` in the request gave one ``E004`` per line plus an ``H001``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import at, codes

REQ = '{"model":"llama3.2","messages":[{"role":"user","content":"Why is the sky blue?"}],"stream":true}'
TOOLS_REQ = ('{"model":"llama3.2","messages":[{"role":"user","content":"Weather in Florence?"}],"stream":true,'
             '"tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object",'
             '"properties":{"city":{"type":"string"}},"required":["city"]}}}]}')
BODY_LINE = 23  # the file line of the body's first line


def chunk(content: str, done: bool = False, tool_calls: list | None = None) -> str:
    d = {"model": "llama3.2", "created_at": "2026-12-01T10:00:00Z",
         "message": {"role": "assistant", "content": content}, "done": done}
    if tool_calls is not None:
        d["message"]["tool_calls"] = tool_calls
    if done:
        d["done_reason"] = "stop"
    return json.dumps(d, separators=(",", ":"))


WORDS = ["The", " sky", " is", " blue", " because", " of", " Rayleigh", " scattering", "."]
LINES = [chunk(w) for w in WORDS] + [chunk("", done=True)]


def cassette(lines: list[str], content_type: str = "application/x-ndjson", req: str = REQ,
             url: str = "http://127.0.0.1:11434/api/chat") -> str:
    body = "".join(f"            {ln}\n" for ln in lines)
    return f"""\
---
version: 2
interactions:
  - id: 0
    request:
        proto: HTTP/1.1
        proto_major: 1
        proto_minor: 1
        content_length: {len(req)}
        host: 127.0.0.1:11434
        body: '{req}'
        headers:
            Content-Type:
              - application/json
        url: {url}
        method: POST
    response:
        proto: HTTP/1.1
        proto_major: 1
        proto_minor: 1
        content_length: -1
        body: |
{body}        headers:
            Content-Type:
              - {content_type}
        status: 200 OK
        code: 200
        duration: 1.2s
"""


@pytest.mark.parametrize("content_type", ["application/x-ndjson", "application/json"])
def test_a_complete_ollama_stream_is_clean_whatever_its_declared_type(lint_text, content_type):
    assert codes(lint_text(cassette(LINES, content_type), dedent=False)) == []


def test_a_line_delimited_json_body_under_another_url_is_read_as_ndjson_too(lint_text):
    f = lint_text(cassette(LINES, "application/json", url="https://llm.example.com/v1/stream"), dedent=False)
    assert codes(f) == []


def test_a_stream_cut_before_done_is_truncated_at_its_last_line(lint_text):
    f = lint_text(cassette(LINES[:-1]), dedent=False)
    assert at(f, "T001") == [(BODY_LINE + len(LINES) - 2, 13)]
    assert '"done": true' in f[0].message and "cut short" in f[0].message


def test_a_broken_line_is_reported_at_its_line_and_column(lint_text):
    broken = LINES[:4] + [LINES[4][:30]] + LINES[5:]
    with pytest.raises(json.JSONDecodeError) as e:
        json.loads(broken[4])
    f = lint_text(cassette(broken), dedent=False)
    assert codes(f) == ["E006"]
    assert at(f, "E006") == [(BODY_LINE + 4, 13 + e.value.pos)]
    assert "NDJSON line is not JSON" in f[0].message


def test_lines_after_done_are_reported_at_the_first_of_them(lint_text):
    f = lint_text(cassette(LINES + [chunk(" extra")]), dedent=False)
    assert at(f, "T003") == [(BODY_LINE + len(LINES), 13)]


def test_an_error_line_is_a_stream_error_not_a_truncation(lint_text):
    f = lint_text(cassette(LINES[:3] + ['{"error":"model runner has unexpectedly stopped"}']), dedent=False)
    assert codes(f) == ["T009"]


def test_tool_calls_in_an_ollama_stream_are_checked(lint_text):
    good = chunk("", tool_calls=[{"function": {"name": "weather", "arguments": {"city": "Florence"}}}])
    assert codes(lint_text(cassette([good, chunk("", done=True)], req=TOOLS_REQ), dedent=False)) == []
    undeclared = good.replace('"weather"', '"forecast"')
    f = lint_text(cassette([undeclared, chunk("", done=True)], req=TOOLS_REQ), dedent=False)
    assert codes(f) == ["A004"]
    broken = chunk("", tool_calls=[{"function": {"name": "weather", "arguments": '{"city": "Flor'}}])
    f = lint_text(cassette([broken, chunk("", done=True)], req=TOOLS_REQ), dedent=False)
    assert codes(f) == ["A001"]
    assert f[0].line == BODY_LINE
    bad_schema = good.replace('"city"', '"town"')
    assert codes(lint_text(cassette([bad_schema, chunk("", done=True)], req=TOOLS_REQ), dedent=False)) == ["A005"]


SSE_CASSETTE = """\
---
version: 2
interactions:
  - id: 0
    request:
        proto: HTTP/1.1
        proto_major: 1
        proto_minor: 1
        content_length: 0
        host: api.example.com
        body: ""
        url: https://api.example.com/v1/events
        method: GET
    response:
        proto: HTTP/1.1
        proto_major: 1
        proto_minor: 1
        content_length: -1
        body: |+
{body}
        headers:
            Content-Type:
              - text/event-stream
        status: 200 OK
        code: 200
        duration: 1s
"""


def test_one_defect_on_every_line_of_a_body_is_reported_once(lint_text):
    body = "".join(f"            dta: {{\"n\":{i}}}\n\n" for i in range(50))
    f = lint_text(SSE_CASSETTE.format(body=body), dedent=False)
    e004 = [x for x in f if x.rule == "E004"]
    assert len(e004) == 1
    assert (e004[0].line, e004[0].column) == (20, 13)  # the first occurrence
    assert e004[0].message.endswith("(and 49 more lines like it)")


def test_different_defects_of_one_rule_are_each_reported(lint_text):
    body = "            dta: 1\n\n            evnt: 2\n\n"
    f = lint_text(SSE_CASSETTE.format(body=body), dedent=False)
    assert [x.line for x in f if x.rule == "E004"] == [20, 22]
    assert not any("more line" in x.message for x in f)


def test_the_console_script_prints_nothing_for_a_long_ollama_stream_declared_json(tmp_path):
    lines = [chunk(f" w{i}") for i in range(2000)] + [chunk("", done=True)]
    (tmp_path / "ollama.yaml").write_text(cassette(lines, "application/json"))
    cli = os.path.join(os.path.dirname(sys.executable), "cassette-lint")
    res = subprocess.run([cli, "check", "--isolated", "ollama.yaml"], capture_output=True, text=True, cwd=tmp_path)
    assert (res.returncode, res.stdout) == (0, "All checks passed (1 file checked).\n")
    (tmp_path / "ollama.yaml").write_text(cassette(lines[:-1], "application/json"))
    res = subprocess.run([cli, "check", "--isolated", "ollama.yaml"], capture_output=True, text=True, cwd=tmp_path)
    # cut before "done": true: T001, a warning (ollama-python yields the lines there are, no error)
    assert res.returncode == 0 and "T001" in res.stdout
    assert res.stdout.splitlines()[-1] == "Found 0 errors and 1 warning in 1 file (1 file checked)."
