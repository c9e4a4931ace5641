"""Positions: a character inside a parsed body maps back to its exact file line and column."""

from __future__ import annotations

import io

import pytest

from cassette_lint import formats, loader
from conftest import needs_shared


def _cassette(text: str):
    doc = loader.load("t.yaml", text.encode()).document
    return formats.detect(doc.data).build(doc, "t.yaml"), text.splitlines()


def _char_at(lines, pos):
    return lines[pos.line - 1][pos.column - 1]


BLOCK = """\
version: 2
interactions:
- request:
    url: https://x/
    method: POST
    body: 'it''s a "q" \\n'
  response:
    code: 200
    body: |+
      data: {"a":1}

      data: {"b":2}

    headers:
      Content-Type: ["text/event-stream"]
"""


def test_literal_block_lines_map_to_file_lines():
    cas, lines = _cassette(BLOCK)
    body = cas.interactions[0].response.body
    second = body.text.index('{"b"')
    assert body.pos(second).line == 12
    assert body.pos(second).column == 13
    assert _char_at(lines, body.pos(second)) == "{"


def test_single_quoted_escape_maps_after_the_doubled_quote():
    cas, lines = _cassette(BLOCK)
    body = cas.interactions[0].request.body
    assert body.text == 'it\'s a "q" \\n'
    q = body.text.index('"q"')
    assert (body.pos(q).line, body.pos(q).column) == (6, 20)
    assert _char_at(lines, body.pos(q)) == '"'


def test_double_quoted_escapes_are_counted_as_one_character():
    text = 'version: 2\ninteractions:\n- request:\n    url: u\n    method: GET\n    body: "a\\"b\\u00e9c\\U0001F44Bd"\n  response: {code: 200}\n'
    cas, lines = _cassette(text)
    body = cas.interactions[0].request.body
    assert body.text == 'a"b\u00e9c\U0001F44Bd'
    d = body.text.index("d")
    assert _char_at(lines, body.pos(d)) == "d"
    c = body.text.index("c")
    assert _char_at(lines, body.pos(c)) == "c"


def test_folded_double_quoted_lines_map_to_their_line():
    text = ('version: 2\ninteractions:\n- request:\n    url: u\n    method: GET\n'
            '    body: "first part\n      second part\n\n      third"\n  response: {code: 200}\n')
    cas, lines = _cassette(text)
    body = cas.interactions[0].request.body
    assert body.text == "first part second part\nthird"
    assert body.pos(body.text.index("second")).line == 7
    assert body.pos(body.text.index("third")).line == 9
    assert _char_at(lines, body.pos(body.text.index("third"))) == "t"


@pytest.mark.parametrize("props", ["!!str ", "&body ", "!!str &body ", "&body !!str\n      ", "! "])
@pytest.mark.parametrize("scalar", ["'a ''q'' x'", '"a \\"q\\" x"', "a 'q' x"])
def test_a_tag_or_anchor_before_the_value_is_not_counted(props, scalar):
    """A node's mark starts at its properties (``!!str``, ``&anchor``); offsets count from the value."""
    text = f"version: 2\ninteractions:\n- request:\n    url: u\n    method: GET\n    body: {props}{scalar}\n  response: {{code: 200}}\n"
    cas, lines = _cassette(text)
    body = cas.interactions[0].request.body
    q = body.text.index("q")
    assert _char_at(lines, body.pos(q)) == "q"
    assert _char_at(lines, body.pos(body.text.index("x"))) == "x"


def test_a_binary_body_maps_bytes_to_the_base64_that_encodes_them():
    raw = bytes(range(256))
    b64 = __import__("base64").b64encode(raw).decode()
    text = ("version: 2\ninteractions:\n- request:\n    url: u\n    method: GET\n    body: !!binary |\n"
            + "".join(f"      {b64[i:i + 60]}\n" for i in range(0, len(b64), 60)) + "  response: {code: 200}\n")
    cas, lines = _cassette(text)
    body = cas.interactions[0].request.body
    for offset in (0, 1, 2, 3, 44, 45, 46, 255):
        k = offset // 3 * 4  # the four characters from the k-th encode this byte
        pos = body.byte_pos(offset)
        assert (pos.line, pos.column) == (7 + k // 60, 7 + k % 60)
        assert _char_at(lines, pos) == b64[k]


def test_every_sse_data_line_of_the_corpus_maps_to_its_file_line():
    """Exhaustive check on real files: the mapped position holds the data value's first characters."""
    root = needs_shared("corpus/fantasy")
    checked = 0
    for path in sorted(root.rglob("*.yaml")):
        data = path.read_bytes()
        doc = loader.load(str(path), data).document
        cas = formats.detect(doc.data).build(doc, str(path))
        lines = data.decode().splitlines()
        for it in cas.interactions:
            body = it.response.body
            if not body.text or "data:" not in body.text:
                continue
            for ev in body.sse.events:
                for ln in ev.data_lines:
                    if not ln.value:
                        continue
                    pos = body.pos(ln.value_offset)
                    src = lines[pos.line - 1][pos.column - 1:]
                    # literal blocks hold the text as is; quoted bodies may escape it (compare a prefix
                    # of unescaped characters)
                    probe = ln.value[:8]
                    if body.locator.style in ("|", ">"):
                        assert src.startswith(ln.value[:200]), (path, pos)
                    elif probe.isalnum() or probe.startswith("{"):
                        assert src[:1] == probe[:1], (path, pos)
                    checked += 1
    assert checked > 5000


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["|", "|+", "|-", ">", ">+", ">-", "|2", ">1", "|1-", ">2+"]),
       st.lists(st.sampled_from(["data: {}", "", "x", "  more indented", "é", "a b", " ", "\tt", "   "]),
                min_size=1, max_size=10),
       st.sampled_from(["", "\n", "\nnext: 1\n"]), st.sampled_from(["\n", "\r\n"]))
def test_every_block_scalar_character_maps_to_itself_in_the_file(style, lines, tail, eol):
    # block bodies are located with one (offset, index, length) triple per line; every character of
    # the parsed value must map to the same character in the file, every line break to a line
    # break (a folded scalar's space included) — leading space-only lines (which YAML reads as empty
    # lines), lines shorter than the indentation, CRLF and a last line without a break included
    body = "".join(("  " + ln if ln and ln != " " else ln) + "\n" for ln in lines)
    text = f"a: {style}\n{body}{tail}".replace("\n", eol)
    res = loader.load("t.yaml", text.encode())
    if res.document is None or not isinstance(res.document.data, dict) or "a" not in res.document.data:
        return
    value = res.document.data["a"]
    loc = res.document.locator(("a",))
    if loc.style not in ("|", ">") or not isinstance(value, str):
        return
    src = res.document.source.text
    for i, ch in enumerate(value):
        at = loc.index_of(i)
        if ch == "\n" or (ch == " " and style.startswith(">") and src[at:at + 1] in ("\r", "\n", "")):
            assert src[at:at + 1] in ("\r", "\n", ""), (i, at)
        else:
            assert src[at] == ch, (i, at, ch)
    assert loc.index_of(-3) == loc.index_of(0)


def _assert_flow_map(text: str, name: str = "t.yaml") -> None:
    """Each value character of ``k`` maps to itself, to the backslash of an escape that decodes to
    it, to the first quote of a doubled '' or (a folded line break) to a break in the file; offsets
    never map backwards."""
    res = loader.load(name, text.encode())
    if res.problems or res.document is None or not isinstance(res.document.data, dict):
        return
    parsed = res.document.data.get("k")
    loc = res.document.locator(("k",))
    if loc.style in ("|", ">") or not isinstance(parsed, str):
        return
    src = res.document.source.text
    last = -1
    for i, ch in enumerate(parsed):
        at = loc.index_of(i)
        assert at >= last, (text, i, at)
        last = at
        written = src[at]
        if written == "\\" and loc.style == '"':
            n = {"x": 4, "u": 6, "U": 10}.get(src[at + 1], 2)
            if src[at + 1] == "u" and src[at + 6:at + 8] == "\\u" and 0xD800 <= int(src[at + 2:at + 6], 16) < 0xDC00:
                n = 12  # a surrogate pair, JSON's way to write one astral character
            assert loader.load("e" + name[1:], f'{{"e": "{src[at:at + n]}"}}'.encode()).document.data["e"] == ch, (text, i)
        else:
            assert written == ch or (written == "'" == ch) or (ch in " \n" and written in "\r\n"), (text, i, at)
    if parsed:
        assert loc.index_of(len(parsed) + 5) == loc.index_of(len(parsed) - 1)


_FLOW_PIECES = st.sampled_from(list("ab ") + ["  ", "\t", "\n", "\n\n", "\\", '"', "'", "é", "\U0001F600", "\x07",
                                              "\r\n", "x" * 30])


@settings(max_examples=300, deadline=None)
@given(st.lists(_FLOW_PIECES, max_size=40).map("".join), st.sampled_from(['"', "'", ""]), st.integers(8, 40))
def test_every_quoted_or_plain_scalar_character_maps_to_where_it_is_written(value, style, width):
    # flow scalars are located run by run (characters written as themselves), escape by escape and
    # break by break: what an emitter writes
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    y = YAML()
    y.width = width
    out = io.StringIO()
    y.dump({"k": {'"': DoubleQuotedScalarString, "'": SingleQuotedScalarString}.get(style, str)(value)}, out)
    _assert_flow_map(out.getvalue())


_RAW_PIECES = st.sampled_from(list("ab ") + ["\n", "\n  ", "\n\n  ", "  \n ", " \t\r\n  ", "\\n", "\\\n  ",
                                             "\\x41", "\\u00e9", "\\ud83d\\ude00", "\\U0001F600", "''", "\t",
                                             "\\ ", '\\"', "é"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_RAW_PIECES, max_size=30).map("".join), st.sampled_from(['"', "'", ""]))
def test_every_hand_written_flow_scalar_character_maps_to_where_it_is_written(body, quote):
    # what people and JSON write: escaped surrogate pairs, spaces before a folded break, escaped breaks
    if quote != '"':
        body = body.replace("\\", "")
    if not quote:
        body = body.strip().replace("''", "'")
    _assert_flow_map(f"k: {quote}{body}{quote}\nz: 1\n")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", " ", "\\n", "\\u00e9", "\\ud83d\\ude00", '\\"', "\\\\", "é", "\\t", "\\/"]),
                max_size=30).map("".join))
def test_every_json_string_character_maps_to_where_it_is_written(body):
    # JSON cassettes (vcrpy): escaped surrogate pairs are one character
    _assert_flow_map('{"k": "' + body + '", "z": 1}', "t.json")
