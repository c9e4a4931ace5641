"""Every cassette format (go-vcr v1/v2, vcrpy YAML/JSON, Ruby VCR) goes through the same model and rules.

Inline fixtures are small cassettes in each format's real layout; the corpus tests read the
third-party examples from ../shared (skipped when absent) and assert each file's detected format.
"""

from __future__ import annotations

import json
import os
import pathlib

from click.testing import CliRunner

from cassette_lint import discovery, formats, loader, pipeline, run
from cassette_lint.options import Options
from cassette_lint.cli import main

from conftest import CORPUS, at, codes, lint_file, needs_shared

GZIP_OK = "H4sIAAAAAAACA6tWys9WslIoKSpNrQUAxhmrFwwAAAA="  # gzip of {"ok": true}: 32 bytes
GZIP_TRUNCATED_JSON = "H4sIAAAAAAACA6tWys9WslIoKSoFAFvjB64KAAAA"  # gzip of {"ok": tru: 30 bytes
DEFLATE_A1 = "eJyrVkpUslIwrAUACeUCKQ=="  # zlib deflate of {"a": 1}: 16 bytes


def fmt(path) -> str | None:
    return pipeline.check_file(discovery.Target(str(path), True), Options()).format


def write(tmp_path, name, text) -> pathlib.Path:
    p = tmp_path / name
    p.write_text(text, "utf-8")
    return p


# -- detection --------------------------------------------------------------------------------------

VCRPY = """\
interactions:
- request:
    body: '{"q": 1}'
    headers:
      Content-Type:
      - application/json
    method: POST
    uri: https://api.example.com/v1/q
  response:
    body:
      string: '{"ok": true}'
    headers:
      Content-Length:
      - '12'
      Content-Type:
      - application/json
    status:
      code: 200
      message: OK
version: 1
"""

GOVCR_V1 = """\
---
version: 1
interactions:
- request:
    body: ""
    form: {}
    headers: {}
    url: https://example.com/
    method: GET
  response:
    body: hello
    headers:
      Content-Length:
      - "5"
    status: 200 OK
    code: 200
    duration: ""
"""

RUBY = """\
---
http_interactions:
- request:
    method: get
    uri: http://example.com/
    body:
      encoding: UTF-8
      string: ''
    headers: {}
  response:
    status:
      code: 200
      message: OK
    headers:
      Etag:
      - ! '"24ec5"'
      Content-Length:
      - '5'
    body:
      encoding: UTF-8
      string: hello
    http_version: '1.1'
  recorded_at: Tue, 01 Nov 2011 04:49:54 GMT
recorded_with: VCR 6.2.0
"""


def test_each_format_is_detected_and_a_clean_file_is_silent(tmp_path):
    for name, text, want in (("a.yaml", VCRPY, "vcrpy"), ("b.yaml", GOVCR_V1, "go-vcr-v1"),
                             ("c.yml", RUBY, "ruby-vcr")):
        p = write(tmp_path, name, text)
        res = pipeline.check_file(discovery.Target(str(p), True), Options())
        assert res.format == want
        assert res.findings == [], (name, [(f.rule, f.line, f.message) for f in res.findings])


def test_cli_choices_are_the_registered_formats():
    opt = next(p for p in main.commands["check"].params if p.name == "cassette_format")
    assert sorted(opt.type.choices) == sorted(formats.names())


def test_cassette_format_forces_an_adapter(tmp_path):
    p = write(tmp_path, "a.yaml", GOVCR_V1)
    found = lint_file(p, cassette_format="vcrpy")
    assert {f.format for f in found} == {"vcrpy"}
    assert ("S001", 5, 5) in [(f.rule, f.line, f.column) for f in found]  # missing uri, at the request
    assert lint_file(p, cassette_format="go-vcr-v1") == []


def test_empty_version_1_file_is_vcrpy(tmp_path):
    assert fmt(write(tmp_path, "e.yaml", "interactions: []\nversion: 1\n")) == "vcrpy"


# -- vcrpy ----------------------------------------------------------------------------------------

def test_vcrpy_content_length_header_is_the_declared_length(lint_text):
    found = lint_text(VCRPY.replace("'12'", "'15'"))
    assert codes(found) == ["L002"]
    assert at(found, "L002") == [(14, 9)]
    assert "Content-Length header 15" in found[0].message


def test_vcrpy_request_content_length_header(lint_text):
    text = VCRPY.replace("      Content-Type:\n      - application/json\n    method",
                         "      Content-Length:\n      - '3'\n    method")
    found = lint_text(text)
    assert at(found, "L001") == [(6, 9)]


def test_vcrpy_plain_string_body_and_no_version(lint_text):
    text = VCRPY.replace("    body:\n      string: '{\"ok\": true}'", "    body: '{\"ok\": tru'")
    text = text.replace("version: 1\n", "").replace("'12'", "'10'")
    found = lint_text(text)
    assert codes(found) == ["H001"]
    assert at(found, "H001") == [(10, 19)]  # at "tru"


def test_vcrpy_json_error_inside_string_body_at_exact_column(lint_text):
    found = lint_text(VCRPY.replace("string: '{\"ok\": true}'", "string: '{\"ok\": tru}'").replace("'12'", "'11'"))
    assert at(found, "H001") == [(11, 23)]


def _binary_response(encoding: str, b64: str, length: int, ctype: str = "application/json") -> str:
    return f"""\
interactions:
- request:
    body: null
    headers: {{}}
    method: GET
    uri: https://example.com/x
  response:
    body:
      string: !!binary |
        {b64}
    headers:
      Content-Encoding:
      - {encoding}
      Content-Length:
      - '{length}'
      Content-Type:
      - {ctype}
    status:
      code: 200
      message: OK
version: 1
"""


def test_gzip_body_is_decompressed_and_its_length_is_the_compressed_one(lint_text):
    assert lint_text(_binary_response("gzip", GZIP_OK, 32)) == []
    found = lint_text(_binary_response("gzip", GZIP_OK, 12))  # the decompressed length: wrong
    assert codes(found) == ["L002"] and at(found, "L002") == [(15, 9)]


def test_gzip_body_with_broken_json_is_reported_at_the_body(lint_text):
    found = lint_text(_binary_response("gzip", GZIP_TRUNCATED_JSON, 30))
    assert codes(found) == ["H001"]
    assert at(found, "H001") == [(9, 15)]  # inside a decompressed body: the body's start


def test_deflate_body_is_decompressed(lint_text):
    assert lint_text(_binary_response("deflate", DEFLATE_A1, 16)) == []


def test_brotli_body_is_reported_once_as_not_inspectable(lint_text):
    found = lint_text(_binary_response("br", "iwOAeyJvayI6IHRydWV9Aw==", 16))
    assert codes(found) == ["F001"]
    assert at(found, "F001") == [(9, 15)]
    assert "brotli" in found[0].message


def test_gzip_that_does_not_decompress_is_not_inspectable_not_broken(lint_text):
    found = lint_text(_binary_response("gzip", "aGVsbG8gd29ybGQ=", 11))
    assert codes(found) == ["F001", "R010"]
    assert "does not decompress" in found[0].message
    # no User-Agent names the client: httpx would fail reading it, a warning says so
    assert found[1].severity.value == "warning" and "httpx would raise DecodingError" in found[1].message


def test_text_body_under_gzip_was_decoded_by_the_client(lint_text):
    """httpx writes the decoded text but keeps ``Content-Encoding: gzip`` and the compressed length."""
    text = """\
interactions:
- request:
    body: ''
    headers: {}
    method: GET
    uri: https://httpbin.org/gzip
  response:
    content: '{"gzipped": tru'
    headers:
      Content-Encoding:
      - gzip
      Content-Length:
      - '230'
      Content-Type:
      - application/json
    http_version: HTTP/1.1
    status_code: 200
version: 1
"""
    found = lint_text(text)
    assert codes(found) == ["H001"]  # the JSON is checked; the length (of the gzip bytes) is not
    assert at(found, "H001") == [(8, 27)]  # at "tru": the text is the scalar as written


def test_request_body_as_binary(lint_text):
    text = VCRPY.replace("    body: '{\"q\": 1}'\n", "    body: !!binary |\n      /wD/\n")
    assert codes(lint_text(text)) == ["H001"]  # declared JSON, bytes that are not even UTF-8
    assert lint_text(text.replace("- application/json\n    method", "- application/octet-stream\n    method")) == []


def test_parsed_body_is_checked_as_json_and_its_length_not_compared(lint_text):
    text = """\
interactions:
- request:
    headers:
      content-length:
      - '999'
      content-type:
      - application/json
    method: POST
    parsed_body:
      model: gpt-4o
      tools:
      - type: function
        function: {name: add, parameters: {type: object}}
    uri: https://api.openai.com/v1/chat/completions
  response:
    headers:
      content-length:
      - '1'
      content-type:
      - application/json
    parsed_body:
      choices:
      - message:
          tool_calls:
          - id: call_1
            type: function
            function: {name: add, arguments: '{"a": 1'}
    status:
      code: 200
      message: OK
version: 1
"""
    found = [f for f in lint_text(text) if f.rule[0] != "P"]  # (a toy body: P003 reports its missing fields)
    # vcrpy's own serializer refuses parsed_body: a warning naming the serializer (R013), once a file
    assert codes(found) == ["R013", "A001"]
    assert found[0].severity.value == "warning" and "json_body_serializer" in found[0].message
    assert found[1].line == 22  # the parsed_body
    assert [c for c in codes(lint_text(text, settings={"replay": {"serializer": "pydantic-ai"}})) if c[0] != "P"] == ["A001"]


def test_istr_header_keys_are_plain_names_and_never_constructed(lint_text):
    text = """\
interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: https://example.com/
  response:
    body:
      string: hello
    headers:
      ? !!python/object/apply:multidict._multidict.istr
      - Content-Length
      : - '4'
    status:
      code: 200
      message: OK
version: 1
"""
    # vcrpy up to 8.2.0 (PyYAML's full loader) constructs the istr (Y008 says so); cassette-lint reads
    # the plain name
    found = lint_text(text, settings={"replay": {"library": "vcrpy==8.2.0"}})
    assert codes(found) == ["Y008", "L002"]  # the istr key is the Content-Length header
    assert at(found, "L002") == [(13, 11)]
    # vcrpy 8.2.1+ refuses the tag (Y016, tests/test_library_loaders.py); the key is still read
    assert codes(lint_text(text)) == ["Y016", "L002"]


def test_python_tags_vcrpy_accepts_are_not_unexpected(lint_text):
    text = """\
interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: http://www.google.com/
  response:
    body: {string: !!python/unicode 'not actually google'}
    headers:
    - !!python/tuple
      - Content-Length
      - ['19']
    - !!python/tuple
      - Content-Type
      - [text/html]
    status: {code: 200, message: OK}
version: 1
"""
    assert lint_text(text) == []
    found = lint_text(text.replace("['19']", "['20']"))
    assert at(found, "L002") == [(12, 10)]  # a tuple header's value


def test_unknown_python_tag_still_reported(lint_text):
    text = VCRPY.replace("message: OK", "message: !!python/object:foo.Bar OK")
    assert codes(lint_text(text)) == ["Y016"]  # vcrpy's loader refuses it: one finding, an error
    # under a project serializer cassette-lint cannot see, the library-independent warning
    assert codes(lint_text(text, settings={"replay": {"serializer": "mine"}})) == ["Y008"]


def test_vcrpy_status_phrase_is_checked(lint_text):
    found = lint_text(VCRPY.replace("message: OK", "message: Not Found"))
    assert at(found, "H003") == [(19, 16)]


# -- vcrpy JSON serializer ------------------------------------------------------------------------

def _json_cassette(body: str) -> str:
    return json.dumps({"interactions": [{
        "request": {"body": None, "headers": {}, "method": "GET", "uri": "https://example.com/s"},
        "response": {"body": {"string": body}, "headers": {"Content-Type": ["text/event-stream"]},
                     "status": {"code": 200, "message": "OK"}}}], "version": 1}, indent=4) + "\n"


def test_json_cassette_positions_inside_the_body_count_surrogate_pairs_as_one_character(lint_text):
    body = 'data: {"a": "😀"}\n\nxdata: {"b": 1}\n\n'
    text = _json_cassette(body)
    assert "\\ud83d\\ude00" in text  # json.dumps escapes it as a surrogate pair
    found = lint_text(text, name="c.json", dedent=False)
    assert codes(found) == ["E004"]
    line = next(i for i, s in enumerate(text.splitlines(), 1) if '"string"' in s)
    col = text.splitlines()[line - 1].index("xdata") + 1
    assert at(found, "E004") == [(line, col)]
    assert found[0].format == "vcrpy"


def test_json_syntax_error_is_reported_with_its_line(lint_text):
    found = lint_text('{\n  "interactions": [\n    {"request": }\n  ]\n}\n', name="b.json", dedent=False)
    assert at(found, "Y001") == [(3, 17)]
    assert "JSON syntax error" in found[0].message


def test_json_loader_agrees_with_json_module_on_the_corpus():
    root = needs_shared("corpus/vcrpy-own")
    for p in sorted(root.glob("*.json")):
        data = p.read_bytes()
        assert loader.load(str(p), data).document.data == json.loads(data), p.name


def test_walk_finds_json_cassettes_and_skips_other_json_silently(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    (tmp_path / "list.json").write_text("[1, 2, 3]")
    (tmp_path / "tsconfig.json").write_text('{\n  // comments are no JSON\n  "a": 1\n}')
    (tmp_path / "cas.json").write_text(_json_cassette("data: hi\n\n"))
    (tmp_path / "broken.json").write_text('{"interactions": [')
    res = run.run([str(tmp_path)], Options())
    by = {os.path.basename(r.path): r for r in res.files}
    assert by["cas.json"].format == "vcrpy" and by["cas.json"].findings == []
    for name in ("package.json", "list.json", "tsconfig.json"):
        assert by[name].skipped == "not-a-cassette" and by[name].findings == []
    assert codes(by["broken.json"].findings) == ["Y001"]  # meant to be a cassette: reported


def test_old_vcrpy_list_layout_is_recognised(lint_text):
    found = lint_text('[{"request": {"host": "h", "path": "/"}, "response": {}}]', name="old.json", dedent=False)
    assert codes(found) == ["Y005"] and at(found, "Y005") == [(1, 1)]
    assert "vcrpy's layout from before 1.0" in found[0].message and found[0].format == "vcrpy"


# -- go-vcr v1 ------------------------------------------------------------------------------------

def test_govcr_v1_content_length_header_at_its_line(lint_text):
    found = lint_text(GOVCR_V1.replace('- "5"', '- "7"'))
    assert codes(found) == ["L002"] and at(found, "L002") == [(14, 9)]


def test_govcr_v1_oldest_layout_with_id_inside_request(lint_text):
    text = """\
version: 1
interactions:
- request:
    id: 0
    body: ""
    headers: {}
    url: https://example.com/
    method: GET
  response:
    body: ok
    headers: {}
    status: 200 OK
    code: 200
- request:
    id: 5
    body: ""
    headers: {}
    url: https://example.com/
    method: GET
  response:
    body: ok
    headers: {}
    status: 200 OK
    code: 200
"""
    found = lint_text(text)
    assert codes(found) == ["H007"] and at(found, "H007") == [(15, 9)]  # the id inside request
    assert found[0].format == "go-vcr-v1"


def test_govcr_v1_form_post_with_empty_body_is_not_a_length_mismatch(lint_text):
    text = """\
version: 1
interactions:
- request:
    body: ""
    form:
      value:
      - bar
    headers:
      Content-Length:
      - "9"
      Content-Type:
      - application/x-www-form-urlencoded
    url: http://127.0.0.1:2379/v2/keys/foo
    method: PUT
  response:
    body: ok
    headers: {}
    status: 200 OK
    code: 200
"""
    assert lint_text(text) == []
    # without a form the empty body does contradict the header
    found = lint_text(text.replace("    form:\n      value:\n      - bar\n", ""))
    assert at(found, "L001") == [(7, 9)]


def test_govcr_v1_schema_rejects_v2_fields(lint_text):
    found = lint_text(GOVCR_V1.replace("    url: https", "    proto: HTTP/1.1\n    url: https"))
    assert at(found, "S002") == [(8, 5)]


# -- Ruby VCR -------------------------------------------------------------------------------------

def test_ruby_lower_case_method_and_non_specific_tag_are_fine(lint_text):
    assert lint_text(RUBY) == []


def test_ruby_content_length_mismatch_at_the_header_value(lint_text):
    found = lint_text(RUBY.replace("- '5'", "- '438'"))
    assert codes(found) == ["L002"] and at(found, "L002") == [(18, 9)]
    assert found[0].format == "ruby-vcr"


def test_ruby_body_encoding_decides_the_bytes_counted(lint_text):
    latin = RUBY.replace("encoding: UTF-8\n      string: hello", "encoding: ISO-8859-1\n      string: olá!!")
    assert lint_text(latin) == []  # 5 characters, 5 bytes in ISO-8859-1
    utf8 = RUBY.replace("string: hello", "string: olá!!")
    assert at(lint_text(utf8), "L002") == [(18, 9)]  # 6 bytes in UTF-8


def test_ruby_base64_string_and_binary_tag(lint_text):
    b64 = RUBY.replace("      encoding: UTF-8\n      string: hello",
                       "      encoding: ASCII-8BIT\n      base64_string: |\n        aGVsbG8=")
    assert lint_text(b64) == []
    tagged = RUBY.replace("string: hello", "string: !binary |-\n        aGVsbG8=")
    assert lint_text(tagged) == []
    assert at(lint_text(tagged.replace("- '5'", "- '6'")), "L002") == [(18, 9)]


def test_ruby_schema_unknown_key(lint_text):
    found = lint_text(RUBY.replace("  recorded_at:", "  recorded_on:"))
    assert at(found, "S002") == [(23, 3)]


# -- entries that are not HTTP ----------------------------------------------------------------------

def test_websocket_entry_is_skipped_with_a_note(lint_text):
    text = VCRPY.replace("uri: https://api.example.com/v1/q", "uri: wss://api.example.com/v1/realtime")
    text = text.replace("'12'", "'99'")  # would be L002 on an HTTP entry
    found = lint_text(text)
    assert codes(found) == ["F002"] and at(found, "F002") == [(2, 3)]


def test_grpc_entry_is_skipped_with_a_note(lint_text):
    text = RUBY.replace("    headers: {}\n  response:", "    headers:\n      Content-Type:\n      - application/grpc\n  response:")
    found = lint_text(text.replace("- '5'", "- '1'"))
    assert codes(found) == ["F002"]


# -- a mixed directory --------------------------------------------------------------------------------

def test_mixed_directory_names_each_files_format_in_json_output(tmp_path):
    write(tmp_path, "py.yaml", VCRPY.replace("'12'", "'13'"))
    write(tmp_path, "go.yaml", GOVCR_V1.replace('- "5"', '- "6"'))
    write(tmp_path, "rb.yml", RUBY.replace("- '5'", "- '7'"))
    write(tmp_path, "py.json", _json_cassette("x"))
    (tmp_path / "py.json").write_text((tmp_path / "py.json").read_text().replace('"text/event-stream"', '"application/json"'))
    res = CliRunner().invoke(main, ["check", "--isolated", "--format", "json", str(tmp_path)])
    out = json.loads(res.output)
    got = {(os.path.basename(f["path"]), f["rule"], f["format"]) for f in out}
    assert got == {("py.yaml", "L002", "vcrpy"), ("go.yaml", "L002", "go-vcr-v1"),
                   ("rb.yml", "L002", "ruby-vcr"), ("py.json", "H001", "vcrpy")}
    stats = CliRunner().invoke(main, ["check", "--isolated", "--statistics", str(tmp_path)])
    for name in ("vcrpy", "go-vcr-v1", "ruby-vcr"):
        assert name in stats.output


# -- the real third-party examples ----------------------------------------------------------------

def test_corpus_files_are_each_recognised_as_their_format():
    needs_shared("corpus")
    want = {"vcrpy-llm": "vcrpy", "vcrpy-own": "vcrpy", "ruby-vcr-own": "ruby-vcr"}
    seen = 0
    for folder in ("vcrpy-llm", "vcrpy-own", "govcr-own", "ruby-vcr-own"):
        root = CORPUS / folder
        if not root.exists():
            continue
        for p in sorted(root.iterdir()):
            res = pipeline.check_file(discovery.Target(str(p), False), Options())
            assert "X001" not in codes(res.findings), p.name
            seen += 1
            if folder == "govcr-own":
                version = loader.load(str(p), p.read_bytes()).document.data["version"]
                assert res.format == f"go-vcr-v{version}", p.name
            elif "old_cassette" in p.name:
                # vcrpy's pre-1.0 list layout, which vcrpy refuses (serialize._looks_like_an_old_cassette)
                assert res.format == "vcrpy" and codes(res.findings) == ["Y005"], p.name
            else:
                assert res.format == want[folder], p.name
            assert not [f for f in res.findings if f.rule.startswith("S") or f.rule == "Y008"], p.name
    assert seen >= 40


def test_fantasy_corpus_is_all_go_vcr_v2():
    root = needs_shared("corpus/fantasy")
    files = sorted(root.rglob("*.yaml"))[:60]
    assert files
    for p in files:
        assert fmt(p) == "go-vcr-v2", p.name


# -- the JSON composer ----------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(value=_json_values, indent=st.sampled_from([None, 0, 2, 4]), ascii_=st.booleans())
def test_json_composer_reads_what_json_dumps_writes(value, indent, ascii_):
    text = json.dumps({"k": value, "s": "a\U0001f600\n\"z"}, indent=indent, ensure_ascii=ascii_)
    res = loader.load("x.json", text.encode("utf-8"))
    assert res.problems == []
    doc = res.document
    assert doc.data == json.loads(text)
    # the character after the emoji ("\n", escaped) is mapped to its escape in the file
    loc = doc.locator(("s",))
    i = loc.index_of(2)
    assert text[i:i + 2] == "\\n"


def test_govcr_v2_without_interaction_ids_is_accepted(lint_text):
    """go-vcr v2's own example cassettes were written without ``id`` before it was added (govcr-own)."""
    text = """\
---
version: 2
interactions:
- request:
    body: ""
    form: {}
    headers: {}
    url: https://example.com/
    method: GET
  response:
    body: ok
    headers: {}
    status: 200 OK
    code: 200
    duration: 1ms
"""
    assert lint_text(text) == []
