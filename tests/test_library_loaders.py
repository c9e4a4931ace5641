"""Y016: what the replaying library's own loader refuses, per library, version and serializer.

vcrpy is the oracle: for every tag below, plain and gzip'd, cassette-lint reports Y016 exactly when
``vcr.serialize.deserialize(text, yamlserializer)`` of the installed vcrpy raises. Older vcrpy and Ruby
VCR behaviour is a table, each row citing the loader code it follows.
"""

from __future__ import annotations

import gzip
import textwrap

import pytest

from cassette_lint.replay import Profile, loaders
from conftest import at, codes

VCRPY = """\
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
      %s:
      - text/plain
    status:
      code: 200
      message: OK
    x: %s
version: 1
"""

#: (where, tagged node): header key or the value of a response key vcrpy carries along untouched
TAGS = [
    ("value", "!!python/str 'x'"),
    ("value", "!!python/unicode 'x'"),
    ("value", "!!python/tuple [a, b]"),
    ("value", "!!python/object/new:_io.BytesIO {state: !!python/tuple ['hi', 0, null]}"),
    ("value", "!!python/object/apply:builtins.iter {args: [[1, 2]]}"),
    ("value", "!!python/object/apply:builtins.len [[1]]"),
    ("value", "!!python/object:foo.Bar {a: 1}"),
    ("value", "!!python/name:builtins.len ''"),
    ("value", "!!python/module:json ''"),
    ("value", "!!python/none ''"),
    ("value", "!!python/list [1]"),
    ("value", "!!python/bytes aGk="),
    ("value", "!custom x"),
    ("value", "!binary aGk="),
    ("value", "!!binary aGk="),
    ("value", "!!set {a: null}"),
    ("value", "!!timestamp 2001-12-14"),
    ("key", "? !!python/object/new:multidict._multidict.istr [Content-Type]\n      "),
    ("key", "? !!python/object/apply:multidict._multidict.istr [Content-Type]\n      "),
    ("key", "? !!python/str Content-Type\n      "),
]


def _cassette(where: str, node: str) -> str:
    if where == "key":
        return (VCRPY % ("KEY", "1")).replace("KEY:", node + ":")
    return VCRPY % ("Content-Type", node)


def _vcrpy_refuses(text: str) -> bool:
    vcr_serialize = pytest.importorskip("vcr.serialize")
    from vcr.serializers import yamlserializer

    try:
        vcr_serialize.deserialize(text, yamlserializer)
    except Exception:
        return True
    return False


def _installed_vcrpy() -> str:
    """The installed vcrpy's version: the oracle runs its safe loader (8.2.1+) only, never a full one."""
    vcr = pytest.importorskip("vcr")
    if Profile("vcrpy", vcr.__version__).version_at_least(8, 2, 1) is not True:
        pytest.skip(f"vcrpy {vcr.__version__} loads with PyYAML's full loader: not run as an oracle")
    return vcr.__version__


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("where, node", TAGS, ids=[n.split()[1] if w == "key" else n.split()[0] for w, n in TAGS])
def test_y016_fires_exactly_when_the_installed_vcrpy_refuses_the_tag(lint_text, where, node, gzipped):
    version = _installed_vcrpy()
    text = _cassette(where, node)
    refused = _vcrpy_refuses(text)
    data = gzip.compress(text.encode()) if gzipped else text
    found = lint_text(data, name="c.yaml.gz" if gzipped else "c.yaml", dedent=False,
                      settings={"replay": {"library": f"vcrpy=={version}"}})
    assert ("Y016" in codes(found)) == refused, [f.message for f in found]
    assert "Y008" not in codes(found)  # one finding for one tag, never a warning beside the verdict
    if refused:
        (line, _), = at(found, "Y016")
        assert line == (11 if where == "key" else 16)  # the tag's line


def test_the_oracle_table_holds_both_verdicts():
    """The parametrized test above is not vacuous: the installed vcrpy accepts some and refuses some."""
    _installed_vcrpy()
    verdicts = {_vcrpy_refuses(_cassette(w, n)) for w, n in TAGS}
    assert verdicts == {True, False}


def test_aiohttp_istr_header_key_names_tag_version_and_fix(lint_text, tmp_path):
    (tmp_path / "uv.lock").write_text('[[package]]\nname = "vcrpy"\nversion = "9.4.2"\n', "utf-8")
    found = lint_text(_cassette("key", TAGS[17][1]), dedent=False)
    (f,) = [f for f in found if f.rule == "Y016"]
    assert f.severity.value == "error" and (f.line, f.column) == (11, 9)
    assert "!!python/object/new:multidict._multidict.istr" in f.message
    assert "vcrpy 9.4.2" in f.message and "with_custom_tags" in f.message


# -- older vcrpy: PyYAML's full loader (8.2.0 and earlier), the safe loader without with_custom_tags (8.2.1)

@pytest.mark.parametrize("version, tag, refused, words", [
    # vcrpy 8.2.0 yamlserializer.deserialize: yaml.load(cassette_string, Loader=CLoader); what it
    # constructs is not refused (Y008 warns that it constructs it)
    ("8.2.0", "tag:yaml.org,2002:python/object/new:multidict._multidict.istr", False, ""),
    ("8.2.0", "tag:yaml.org,2002:python/object:vcr.request.Request", False, ""),
    ("8.2.0", "tag:yaml.org,2002:python/object/apply:multidict._istr.istr", True, "multidict 4.7"),
    ("8.2.0", "tag:yaml.org,2002:python/object/apply:__builtin__.frozenset", True, "Python 2"),
    ("8.2.0", "!custom", True, "no constructor"),
    ("6.0.2", "tag:yaml.org,2002:python/tuple", False, ""),
    # vcrpy 8.2.1: _CassetteLoader (CSafeLoader + five constructors), no with_custom_tags (added in 8.3.0)
    ("8.2.1", "tag:yaml.org,2002:python/object/new:multidict._multidict.istr", True, "upgrade to vcrpy 8.3.0"),
    ("8.2.1", "tag:yaml.org,2002:python/object/apply:builtins.iter", False, ""),
    ("8.3.0", "tag:yaml.org,2002:python/object/new:multidict._multidict.istr", True, "with_custom_tags"),
    (None, "tag:yaml.org,2002:python/object/new:multidict._multidict.istr", True, "version not found"),
])
def test_vcrpy_loader_table_by_version(version, tag, refused, words):
    v = loaders.judge_tag(Profile("vcrpy", version), tag)
    assert bool(v) == refused
    if refused:
        assert words in f"{v.loader} {v.why} {v.fix}"


def test_a_project_serializer_decides_instead_of_vcrpys_loader():
    tuple_tag = "tag:yaml.org,2002:python/tuple"
    # LangChain's CustomSerializer: yaml.safe_load, which constructs no Python tag
    assert loaders.judge_tag(Profile("vcrpy", "9.4.2", serializer="langchain"), tuple_tag)
    assert loaders.judge_tag(Profile("vcrpy", "9.4.2"), tuple_tag) is False
    # a serializer cassette-lint cannot see: not modelled (Y008 decides)
    assert loaders.judge_tag(Profile("vcrpy", "9.4.2", serializer="mine"), tuple_tag) is None


# -- Ruby VCR ---------------------------------------------------------------------------------------

RUBY = """\
http_interactions:
- request:
    method: get
    uri: https://example.com/
    body:
      encoding: UTF-8
      string: ''
    headers: {}
  response:
    status:
      code: 200
      message: OK
    headers: {}
    body:
      encoding: UTF-8
      string: hello
    http_version:
  recorded_at: Tue, 01 Nov 2011 04:58:44 GMT
recorded_with: VCR 6.0.0
"""


def ruby(lint_text, text, version):
    settings = {"replay": {"library": f"ruby-vcr=={version}"}} if version else {}
    return lint_text(text, dedent=False, settings=settings)


@pytest.mark.parametrize("version, refused", [("6.0.0", True), ("5.1.0", True), ("6.1.0", False),
                                              ("6.3.1", False), (None, False)])
def test_ruby_object_tag_is_refused_before_vcr_6_1_only(lint_text, version, refused):
    """VCR before vcr/vcr#911 (6.1.0) calls YAML.load: safe_load under Psych 4 (Ruby 3.1+)."""
    text = RUBY.replace("message: OK", "message: !ruby/object:OpenSSL::Buffering::Buffer {}")
    found = ruby(lint_text, text, version)
    assert ("Y016" in codes(found)) == refused
    if refused:
        f = [f for f in found if f.rule == "Y016"][0]
        assert f.line == 12 and "!ruby/object:OpenSSL::Buffering::Buffer" in f.message
        assert f"VCR {version}" in f.message and "unsafe_load" in f.message
    assert "Y008" not in codes(found)


def test_ruby_symbols_load_under_psych_4(lint_text):
    """Psych 4's load permits Symbol (``permitted_classes: [Symbol]``)."""
    found = ruby(lint_text, RUBY.replace("message: OK", "message: !ruby/symbol ok"), "6.0.0")
    assert "Y016" not in codes(found)


def test_ruby_alias_is_refused_before_vcr_6_1_at_the_alias(lint_text):
    text = RUBY.replace("    headers: {}\n  response:", "    headers: &h {}\n  response:").replace(
        "    headers: {}\n    body:", "    headers: *h\n    body:")
    assert at(ruby(lint_text, text, "6.0.0"), "Y016") == [(13, 14)]
    assert "Y016" not in codes(ruby(lint_text, text, "6.1.0"))


def test_ruby_interaction_without_recorded_at_cannot_load_in_any_version(lint_text):
    text = RUBY.replace("  recorded_at: Tue, 01 Nov 2011 04:58:44 GMT\n", "")
    for version in ("6.0.0", "6.2.0", None):
        found = ruby(lint_text, text, version)
        assert at(found, "Y016") == [(2, 3)], version
        assert "recorded_at" in found[0].message


def test_ruby_body_with_encoding_but_no_string_cannot_load(lint_text):
    text = RUBY.replace("      encoding: UTF-8\n      string: hello\n", "      encoding: UTF-8\n")
    found = ruby(lint_text, text, None)
    assert at(found, "Y016") == [(15, 7)]
    assert "NoMethodError" in found[0].message
    # a body with neither (VCR's try_encode_string returns early for a nil encoding) loads
    ok = RUBY.replace("      encoding: UTF-8\n      string: hello\n", "      string: hello\n")
    assert "Y016" not in codes(ruby(lint_text, ok, None))
    assert "Y016" not in codes(ruby(lint_text, RUBY, None))


# -- LangChain's kit: gzip'd YAML of vcrpy's requests and responses lists ---------------------------

def _langchain(content_length: str = "12") -> bytes:
    """A cassette as ``langchain_tests.conftest.CustomSerializer.serialize`` writes it."""
    yaml = pytest.importorskip("yaml")
    cassette = {
        "requests": [{"method": "POST", "uri": "https://api.openai.com/v1/chat/completions",
                      "body": '{"model":"m"}', "headers": {"content-type": ["application/json"]}}],
        "responses": [{"status": {"code": 200, "message": "OK"},
                       "headers": {"Content-Type": ["application/json"], "Content-Length": [content_length]},
                       "body": {"string": b'{"ok": true}'}}],
    }
    return gzip.compress(yaml.safe_dump(cassette).encode("utf-8"))


def test_langchain_cassettes_are_read_as_that_kit_writes_them(lint_text):
    found = lint_text(_langchain(), name="test_chat.yaml.gz")
    assert found == []
    found = lint_text(_langchain("99"), name="test_chat.yaml.gz")
    assert codes(found) == ["L002"] and found[0].format == "vcrpy"
    assert "99" in found[0].message


def test_json_serializer_reads_every_cassette_as_json(lint_text):
    text = textwrap.dedent("""\
        interactions:
        - request: {body: null, headers: {}, method: GET, uri: 'https://example.com/'}
          response: {body: {string: hi}, headers: {}, status: {code: 200, message: OK}}
        version: 1
        """)
    assert lint_text(text) == []
    found = lint_text(text, settings={"replay": {"serializer": "json"}})
    assert codes(found) == ["Y001"] and "JSON" in found[0].message


@pytest.mark.parametrize("library, verdict", [("vcrpy==8.2.0", ["Y008"]), ("vcrpy==9.4.2", ["Y016"]),
                                             ("ruby-vcr==6.2.0", ["Y008"]), ("go-vcr-v4", ["Y008"])])
def test_modelling_a_loader_never_constructs_what_it_would_construct(lint_text, tmp_path, library, verdict):
    """vcrpy 8.2.0's full loader would run this tag; cassette-lint judges it and runs nothing."""
    marker = tmp_path / "constructed"
    payload = f"!!python/object/apply:builtins.exec [\"open(r'{marker}', 'w').close()\"]"
    text = _cassette("value", payload)
    found = lint_text(text, dedent=False, select=("Y",), settings={"replay": {"library": library}})
    assert not marker.exists()
    assert codes(found) == verdict
    if library == "vcrpy==8.2.0":  # it would load there, by running what the tag names: a warning says so
        assert "vcrpy 8.2.0's full loader constructs it" in found[0].message


def test_langchain_layout_is_judged_by_that_kits_loader_without_configuration(lint_text):
    """Only LangChain's CustomSerializer writes requests/responses; it reads them with yaml.safe_load."""
    text = gzip.decompress(_langchain()).decode().replace("message: OK", "message: !!python/str OK")
    found = lint_text(text.encode(), name="test_chat.yaml.gz")
    assert codes(found) == ["Y016"] and "LangChain's CustomSerializer" in found[0].message
    vcrpy_layout = _cassette("value", "!!python/str 'x'")
    assert "Y016" not in codes(lint_text(vcrpy_layout, dedent=False))  # vcrpy's own loader constructs it
