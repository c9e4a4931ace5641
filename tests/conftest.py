"""Shared test helpers: lint YAML text or files and get findings back."""

from __future__ import annotations

import os
import pathlib
import textwrap

import pytest

from cassette_lint import discovery, pipeline
from cassette_lint.options import Options
ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


def needs_shared(sub: str) -> pathlib.Path:
    """A folder of ../shared, or skip the test when it is absent (third-party data is never copied)."""
    p = SHARED / sub
    if not p.exists():
        pytest.skip(f"../shared/{sub} is not available")
    return p


def lint_file(path, **options) -> list:
    """Findings for one file, named explicitly as on the command line."""
    opts = Options(**options)
    return pipeline.check_file(discovery.Target(str(path), True), opts).findings


@pytest.fixture
def lint_text(tmp_path):
    """``lint_text(yaml, name=...)`` writes ``yaml`` (dedented) to a file and returns its findings."""

    def run(text: str | bytes, name: str = "cassette.yaml", dedent: bool = True, **options):
        p = tmp_path / name
        if isinstance(text, str):
            p.write_text(textwrap.dedent(text) if dedent else text, "utf-8")
        else:
            p.write_bytes(text)
        return lint_file(p, **options)

    return run


def codes(findings) -> list[str]:
    return [f.rule for f in findings]


def at(findings, code: str) -> list[tuple[int, int]]:
    """(line, column) of every finding of rule ``code``."""
    return [(f.line, f.column) for f in findings if f.rule == code]


def binary_block(data: bytes, indent: str) -> str:
    """``data`` as go-vcr writes a body that is not UTF-8: ``!!binary |`` then 60 base64 characters a
    line (``indent`` before each)."""
    import base64

    b64 = base64.b64encode(data).decode()
    return "!!binary |\n" + "".join(f"{indent}{b64[i:i + 60]}\n" for i in range(0, len(b64), 60))


def base64_pos(text: str, data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column) in ``text`` (holding :func:`binary_block` of ``data``) of the base64
    character that starts the four encoding byte ``offset`` of ``data``, found from the text."""
    import base64

    b64 = base64.b64encode(data).decode()
    k = offset // 3 * 4
    line = b64[k // 60 * 60:k // 60 * 60 + 60]
    assert text.count(line) == 1, "the base64 line is not unique in the text"
    i = text.index(line)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1 + k % 60


def aws_frame(payload: bytes, headers: dict | None = None) -> bytes:
    """One AWS event-stream frame: lengths, prelude CRC, string headers, payload, message CRC."""
    import binascii
    import struct

    raw = b"".join(bytes([len(k)]) + k.encode() + b"\x07" + struct.pack(">H", len(v.encode())) + v.encode()
                   for k, v in (headers or {}).items())
    prelude = struct.pack(">II", 16 + len(raw) + len(payload), len(raw))
    prelude += struct.pack(">I", binascii.crc32(prelude))
    msg = prelude + raw + payload
    return msg + struct.pack(">I", binascii.crc32(msg))


def bedrock_chunk(event: dict) -> bytes:
    """A Bedrock ``chunk`` frame carrying one provider event (base64 JSON in ``{"bytes": …}``)."""
    import base64
    import json

    inner = base64.b64encode(json.dumps(event, separators=(",", ":")).encode()).decode()
    return aws_frame(json.dumps({"bytes": inner}).encode(),
                     {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"})


def bedrock_cassette(data: bytes, request: str = '{"anthropic_version":"bedrock-2023-05-31","max_tokens":9}') -> str:
    """A go-vcr cassette whose one interaction streams ``data`` from Bedrock (an Anthropic model)."""
    return ("---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n"
            "    proto_minor: 1\n    content_length: -1\n    host: bedrock-runtime.us-east-1.amazonaws.com\n"
            f"    body: '{request}'\n    headers:\n      Content-Type:\n      - application/json\n"
            "    url: https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-haiku/"
            "invoke-with-response-stream\n    method: POST\n  response:\n    proto: HTTP/1.1\n"
            "    proto_major: 1\n    proto_minor: 1\n    content_length: -1\n"
            "    body: " + binary_block(data, "      ") +
            "    headers:\n      Content-Type:\n      - application/vnd.amazon.eventstream\n"
            "    status: 200 OK\n    code: 200\n    duration: 1s\n")


#: a complete Anthropic Messages stream with one tool call, as Bedrock sends its events
BEDROCK_TOOL_EVENTS = [
    {"type": "message_start", "message": {"id": "msg_bdrk_1", "type": "message", "role": "assistant",
                                          "content": [], "stop_reason": None}},
    {"type": "content_block_start", "index": 0,
     "content_block": {"type": "tool_use", "id": "toolu_bdrk_1", "name": "weather", "input": {}}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{\"loc"}},
    {"type": "content_block_delta", "index": 0,
     "delta": {"type": "input_json_delta", "partial_json": "ation\": \"Florence\"}"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}},
    {"type": "message_stop"},
]


os.environ.setdefault("NO_COLOR", "1")


def project_with(root: pathlib.Path, monkeypatch, files: dict[str, str]) -> pathlib.Path:
    """A project folder: ``files`` (relative path -> UTF-8 text) written under ``root``, which becomes
    the current directory."""
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, "utf-8")
    monkeypatch.chdir(root)
    return root

# the `pytester` fixture: tests/test_pytest_plugin.py runs pytest with the cassette-lint plugin
pytest_plugins = ["pytester"]

@pytest.fixture(autouse=True)
def _own_results_cache(tmp_path_factory, monkeypatch):
    """Every test's runs get a results cache of their own: a test starts cold (no result of another
    test, nor of a patched rule registry, is ever reused) and nothing is written into the repository."""
    monkeypatch.setenv("CASSETTE_LINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache") / ".cassette-lint-cache"))
