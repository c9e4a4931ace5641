"""The WHATWG SSE parser (cassette_lint.streams.sse): line splitting, fields, dispatch, offsets."""

from __future__ import annotations

from hypothesis import given, strategies as st

from cassette_lint.streams import sse


def test_events_dispatch_on_blank_lines_and_join_data_with_newline():
    s = sse.parse("event: a\ndata: 1\ndata: 2\n\ndata: 3\n\n")
    assert [e.type for e in s.events] == ["a", None]
    assert [e.data for e in s.events] == ["1\n2", "3"]
    assert all(e.dispatched for e in s.events)


def test_one_optional_space_after_colon_and_field_without_colon():
    s = sse.parse("data:x\ndata:  y\ndata\n\n")
    assert [ln.value for ln in s.events[0].data_lines] == ["x", " y", ""]
    assert s.events[0].data == "x\n y\n"


def test_crlf_cr_and_lf_line_breaks_with_offsets():
    text = "data: 1\r\n\r\ndata: 2\r\rdata: 3\n\n"
    s = sse.parse(text)
    assert [e.data for e in s.events] == ["1", "2", "3"]
    for ln in s.lines:
        assert text[ln.offset:ln.offset + len(ln.text)] == ln.text
    assert [ln.value_offset for ln in s.events[2].data_lines] == [text.index("3")]


def test_comments_are_kept_but_never_data():
    s = sse.parse(": OPENROUTER PROCESSING\n\ndata: {}\n\n")
    assert [ln.kind for ln in s.lines] == ["comment", "blank", "field", "blank"]
    assert [e.dispatched for e in s.events] == [False, True]


def test_final_event_without_blank_line_is_not_dispatched():
    s = sse.parse("data: 1\n\ndata: 2\n")
    assert [e.dispatched for e in s.events] == [True, False]
    assert s.ends_with_newline


def test_bom_is_skipped_and_offsets_still_index_the_text():
    text = "\ufeffdata: 1\n\n"
    s = sse.parse(text)
    assert s.events[0].data == "1"
    assert s.lines[0].offset == 1


def test_json_is_parsed_once_and_errors_are_returned():
    s = sse.parse('data: {"a":1}\n\ndata: {"a"\n\n')
    assert s.events[0].json() == ({"a": 1}, None)
    assert s.events[0].json() is s.events[0].json()
    value, err = s.events[1].json()
    assert value is None and err.msg == "Expecting ':' delimiter"


def test_looks_like_sse():
    assert sse.looks_like_sse("data: {}\n\n")
    assert sse.looks_like_sse(": ping\n\n")
    assert sse.looks_like_sse("event: message_start\n")
    assert not sse.looks_like_sse('{"data": 1}')
    assert not sse.looks_like_sse("")


@given(st.lists(st.sampled_from(["data: x", "event: e", ": c", "", "id: 1", "dta: y", "data"]), max_size=12),
       st.sampled_from(["\n", "\r\n", "\r"]))
def test_line_offsets_always_point_at_the_line(lines, eol):
    text = eol.join(lines) + eol
    s = sse.parse(text)
    for ln in s.lines:
        assert text.startswith(ln.text, ln.offset)
        if ln.kind == "field":
            assert text.startswith(ln.value, ln.value_offset)


def _events_from_lines(lines):
    """The events as the standard reads them off the classified lines (a slow reference)."""
    out, cur = [], None
    for ln in lines:
        if ln.kind == "blank":
            if cur is not None:
                cur["terminated"] = True
                out.append(cur)
                cur = None
            continue
        if cur is None:
            cur = {"offset": ln.offset, "type": None, "id": None, "data": [], "data_offset": ln.offset,
                   "n_event": 0, "terminated": False}
        if ln.kind != "field":
            continue
        if ln.field == "data":
            if not cur["data"]:
                cur["data_offset"] = ln.value_offset
            cur["data"].append(ln.value)
        elif ln.field == "event":
            cur["type"] = ln.value
            cur["n_event"] += 1
        elif ln.field == "id" and "\x00" not in ln.value:
            cur["id"] = ln.value
    if cur is not None:
        out.append(cur)
    for e in out:
        e["n_data"] = len(e["data"])
        e["data"] = "\n".join(e["data"]) if e["data"] else None
    return out


def _as_dict(ev):
    return {k: getattr(ev, k) for k in ("offset", "type", "id", "data", "data_offset", "n_event",
                                         "terminated", "n_data")}


@given(st.lists(st.sampled_from(["data: x", "data:{}", "data:  y", "event: e", "event:", ": c", "", "",
                                 "id: 1", "id: a\x00", "retry: 5", "dta: y", "data", "data: [DONE]"]),
                max_size=16),
       st.sampled_from(["\n", "\r\n", "\r"]), st.booleans(), st.booleans())
def test_one_pass_events_agree_with_the_events_read_off_the_lines(lines, eol, bom, final_eol):
    text = ("\ufeff" if bom else "") + eol.join(lines) + (eol if final_eol else "")
    s = sse.parse(text)
    assert [_as_dict(e) for e in s.events] == _events_from_lines(s.lines)
    assert s.unknown_fields == any(ln.kind == "field" and ln.field not in sse.KNOWN_FIELDS for ln in s.lines)
    assert s.multi_line == any(e.n_data > 1 or e.n_event > 1 for e in s.events)
    assert s.dispatched == [e for e in s.events if e.terminated and e.n_data]
    for ev in s.events:  # an event's own lines are the stream's lines between its offset and end
        assert ev.lines == [ln for ln in s.lines if ev.offset <= ln.offset < ev.end]
        assert [ln.value for ln in ev.data_lines] == ([] if ev.data is None else ev.data.split("\n"))


@given(st.one_of(
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                 lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
                 max_leaves=8).map(lambda v: __import__("json").dumps(v)),
    st.text(alphabet='{}[]":,0123456789.eE+-truefalsn \\u\ufeff\t\n', max_size=20)))
def test_parse_json_agrees_with_json_loads_on_values_and_errors(text):
    import json

    value, err = sse.parse_json(text)
    try:
        expected = json.loads(text)
    except json.JSONDecodeError as e:
        assert value is None and (err.msg, err.pos) == (e.msg, e.pos)
    else:
        assert err is None and json.dumps(value) == json.dumps(expected)


def test_validating_a_chunk_does_not_keep_its_value_but_keeps_its_error():
    s = sse.parse('data: {"a":1}\n\ndata: {"a"\n\n')
    good, bad = s.events
    assert good.json_error() is None and good._parsed is None  # a long stream's values are not held
    assert good.json() == ({"a": 1}, None)  # parsed again when a rule asks for the value
    err = bad.json_error()
    assert err.msg == "Expecting ':' delimiter" and bad.json() == (None, err)
