"""The replay model's matchers, field by field, each row citing the library behaviour it encodes;
and the R rules that report what the model finds (R001-R005)."""

from __future__ import annotations

import json

import pytest

from cassette_lint import formats, loader
from cassette_lint.replay import Profile, gourl
from cassette_lint.replay.matchers import Model, go_form_always

from conftest import lint_file

V402 = Profile("go-vcr", "4.0.2")
V404 = Profile("go-vcr", "4.0.4")
V3 = Profile("go-vcr", "3.2.0")


def _interaction(i=0, **req):
    r = {"proto": "HTTP/1.1", "proto_major": 1, "proto_minor": 1, "content_length": 7, "host": "x.test",
         "body": '{"a":1}', "headers": {"Content-Type": ["application/json"]}, "url": "https://x.test/a",
         "method": "POST"}
    r.update(req)
    return {"id": i, "request": r, "response": {"proto": "HTTP/1.1", "proto_major": 1, "proto_minor": 1,
                                               "content_length": 2, "body": "{}", "headers": {},
                                               "status": "200 OK", "code": 200, "duration": "1ms"}}


def _cassette(tmp_path, interactions, name="c.yaml"):
    p = tmp_path / name
    p.write_text(json.dumps({"version": 2, "interactions": interactions}, ensure_ascii=False), "utf-8")
    doc = loader.load(str(p), p.read_bytes()).document
    return formats.detect(doc.data).build(doc, str(p)), p


FORM = "application/x-www-form-urlencoded"

#: (go-vcr behaviour it encodes, recorded request fields, profile, first field that fails or None)
GO_FIELDS = [
    ("matcher: r.Method != i.Method — NewRequest sends an empty method as GET",
     {"method": ""}, V402, "method"),
    ("matcher: r.URL.String() != i.URL — url.Parse keeps a valid escape as written (RawPath)",
     {"url": "https://x.test/%7euser"}, V402, None),
    ("matcher: r.URL.String() != i.URL — String() percent-encodes a space in the path",
     {"url": "https://x.test/a b"}, V402, "url"),
    ("matcher: r.URL.String() != i.URL — url.Parse lower-cases the scheme",
     {"url": "HTTPS://x.test/a"}, V402, "url"),
    ("v1-v3 DefaultMatcher: r.URL.String() == i.URL also",
     {"url": "https://x.test/a b"}, V3, "url"),
    ("matcher: Proto/ProtoMajor/ProtoMinor — copied from the recording: always equal",
     {"proto": "HTTP/2.0", "proto_major": 2, "proto_minor": 0}, V402, None),
    ("matcher: Header deepEqualContents — http.Client.send adds Authorization for URL user info",
     {"url": "https://u:p@x.test/a"}, V402, "headers"),
    ("matcher: Header — no Authorization added when the header is recorded (canonical key)",
     {"url": "https://u:p@x.test/a", "headers": {"Authorization": ["Basic dTpw"]}}, V402, None),
    ("matcher: bodyMatches — the stored string is what the client sends back: always equal",
     {"body": "anything", "content_length": 8}, V402, None),
    ("matcher: r.ContentLength — NewRequest sets len(body) (L001's case)",
     {"content_length": 9}, V402, "content_length"),
    ("matcher: r.ContentLength — a recorded -1 (streamed) with a body is kept",
     {"content_length": -1}, V402, None),
    ("matcher: r.ContentLength — -1 with an empty body: NewRequest sends 0",
     {"content_length": -1, "body": ""}, V402, "content_length"),
    ("v1-v3 DefaultMatcher does not compare ContentLength",
     {"content_length": 9}, V3, None),
    ("matcher: TransferEncoding deepEqualContents — copied from the recording",
     {"transfer_encoding": ["chunked"]}, V402, None),
    ("matcher: r.Host — copied from the recording",
     {"host": "other.test"}, V402, None),
    ("matcher: ParseForm for POST only (v4.0.2): the query joins Form, recorded PostForm lacks it (#116)",
     {"url": "https://x.test/a?x=1"}, V402, "form"),
    ("matcher: ParseForm for POST: Form = body fields then query",
     {"url": "https://x.test/a?x=1", "body": "a=1", "content_length": 3,
      "headers": {"Content-Type": [FORM]}, "form": {"a": ["1"], "x": ["1"]}}, V402, None),
    ("parsePostForm: Header.Get('Content-Type') misses a non-canonical key: the body is not parsed",
     {"body": "a=1", "content_length": 3, "headers": {"content-type": [FORM]}, "form": {"a": ["1"]}},
     V402, "form"),
    ("parsePostForm: url.ParseQuery error on the body: ParseForm fails, the matcher rejects",
     {"body": "a=%zz", "content_length": 5, "headers": {"Content-Type": [FORM]}}, V402, "form"),
    ("parsePostForm: mime.ParseMediaType error: ParseForm fails",
     {"headers": {"Content-Type": ["text/plain; charset"]}}, V402, "form"),
    ("matcher (v4.0.2): a GET is not parsed, so a recorded form with its query never matches",
     {"method": "GET", "body": "", "content_length": 0, "url": "https://x.test/a?q=1", "form": {"q": ["1"]}},
     V402, "form"),
    ("matcher (PR #122, v4.0.4+): ParseForm for every method: the GET's query must be recorded",
     {"method": "GET", "body": "", "content_length": 0, "url": "https://x.test/a?q=1", "form": {"q": ["1"]}},
     V404, None),
    ("matcher (PR #122, v4.0.4+): a GET with a query recorded with an empty form (old recorder)",
     {"method": "GET", "body": "", "content_length": 0, "url": "https://x.test/a?q=1"}, V404, "form"),
    ("matcher: Trailer deepEqualContents — copied from the recording",
     {"trailer": {"X-T": ["1"]}}, V402, None),
    ("matcher: r.RemoteAddr — a client's request has none (HTTPMiddleware records it)",
     {"remote_addr": "127.0.0.1:1"}, V402, "remote_addr"),
    ("matcher: r.RequestURI — a client's request has none",
     {"request_uri": "/a"}, V402, "request_uri"),
    ("a profile match-on [method, url, body] (a project matcher) ignores ContentLength",
     {"content_length": 9}, Profile("go-vcr", "4.0.2", match_on=("method", "url", "body")), None),
]


@pytest.mark.parametrize("behaviour, fields, profile, expected", GO_FIELDS, ids=[r[0][:60] for r in GO_FIELDS])
def test_go_vcr_matcher_field(tmp_path, behaviour, fields, profile, expected):
    cassette, _ = _cassette(tmp_path, [_interaction(**fields)])
    own = Model(cassette, profile).own_mismatch(0)
    assert (own[0] if own else None) == expected, behaviour


@pytest.mark.parametrize("raw, go", [
    ("https://x.test/a b", "https://x.test/a%20b"),
    ("https://x.test/café?q=é", "https://x.test/caf%C3%A9?q=é"),  # RawQuery is written as recorded
    ("HTTP://X.test/", "http://X.test/"),  # the scheme is lower-cased, the host is not
    ("https://x.test:/p", "https://x.test/p"),  # http.NewRequest: removeEmptyPort
    ("https://x.test/a%2Fb", "https://x.test/a%2Fb"),  # RawPath kept: it decodes to the path
    ("https://x.test/a#frag ment", "https://x.test/a#frag%20ment"),
    ("https://u:p%20w@x.test/", "https://u:p%20w@x.test/"),
    ("mailto:someone@x.test", "mailto:someone@x.test"),  # opaque
])
def test_go_url_string(raw, go):
    assert gourl.live_string(raw) == go


@pytest.mark.parametrize("raw", ["https://x.test/%zz", "https://x.test/\x01", "https://[::1/", ":foo"])
def test_go_url_parse_errors(raw):
    with pytest.raises(gourl.URLError):
        gourl.live_string(raw)


@pytest.mark.parametrize("version, expected", [("4.0.2", False), ("4.0.0", False), ("4.0.4", True),
                                               ("4.1.0", True), ("4.0.3", None), ("4", None)])
def test_go_form_parsing_by_version(version, expected):
    assert go_form_always(Profile("go-vcr", version)) is expected


def test_go_form_post_reads_the_body_for_the_first_candidate_only(tmp_path):
    """parsePostForm reads the body and does not put it back: after one recorded interaction whose
    form differs, the next candidates see an empty body (bodyMatches fails), so the duplicate that
    would match is not found — as go-vcr does (checked by the oracle test too)."""
    form = {"body": "a=1", "content_length": 3, "headers": {"Content-Type": [FORM]}}
    cassette, _ = _cassette(tmp_path, [_interaction(0, form={"a": ["2"]}, **form),
                                       _interaction(1, form={"a": ["1"]}, **form)])
    assert [o.served for o in Model(cassette, V402).replay()] == [None, None]
    alone, _ = _cassette(tmp_path, [_interaction(1, form={"a": ["1"]}, **form)], "alone.yaml")
    assert [o.served for o in Model(alone, V402).replay()] == [0]
    # the second one's own request matches it when sent alone: it is starved, not consumed
    assert [o.reason for o in Model(cassette, V402).replay()] == ["form", "drained"]


def test_go_parse_form_error_is_spent_on_the_first_candidate(tmp_path):
    """http.Request.ParseForm returns its error once and keeps what it parsed: the request for a
    PATCH with a malformed Content-Type is rejected by the first recording that reaches the form
    check, and matches an identical recording after it. R001 calls only the first one dead: the
    second replays (getInteraction; go-vcr agrees, tests/test_replay_oracle_repeats.py)."""
    bad = {"method": "PATCH", "headers": {"Content-Type": ["text/plain; charset"]}}
    cassette, path = _cassette(tmp_path, [_interaction(0, **bad), _interaction(1, **bad)])
    assert [o.served for o in Model(cassette, V402).replay()] == [1, None]
    assert Model(cassette, V402).own_mismatch(1) == ("form", "")  # alone, it fails at itself
    settings = {"replay": {"library": "go-vcr-v4@4.0.2"}}
    assert [f.interaction for f in lint_file(path, select=["R001"], settings=settings)] == [0]


def test_go_playback_first_unplayed_then_repeats(tmp_path):
    """getInteraction: the first unplayed match; with ReplayableInteractions, the first match."""
    cassette, _ = _cassette(tmp_path, [_interaction(0), _interaction(1)])
    assert [o.served for o in Model(cassette, V402).replay()] == [0, 1]
    repeats = Profile("go-vcr", "4.0.2", allow_repeats=True)
    assert [o.served for o in Model(cassette, repeats).replay()] == [0, 0]


def test_ruby_vcr_plays_unused_interactions_before_repeating(tmp_path):
    """HTTPInteractionList#response_for: unused matches first, used ones only with repeats."""
    p = tmp_path / "r.yml"
    it = lambda body: {"request": {"method": "get", "uri": "https://x.test/a", "body": {"string": ""},
                                   "headers": {}},
                       "response": {"status": {"code": 200, "message": "OK"}, "headers": {},
                                    "body": {"string": body}}, "recorded_at": "x"}
    p.write_text(json.dumps({"http_interactions": [it("1"), it("2")], "recorded_with": "VCR 6.2.0"}))
    doc = loader.load(str(p), p.read_bytes()).document
    cassette = formats.detect(doc.data).build(doc, str(p))
    for repeats in (False, True):
        assert [o.served for o in Model(cassette, Profile("ruby-vcr", "6.2.0", allow_repeats=repeats)).replay()] \
            == [0, 1]


def _ruby(tmp_path, uris_bodies):
    p = tmp_path / "r.yml"
    its = [{"request": {"method": "get", "uri": u, "body": {"string": b}, "headers": {}},
            "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": str(n)}},
            "recorded_at": "x"} for n, (u, b) in enumerate(uris_bodies)]
    p.write_text(json.dumps({"http_interactions": its, "recorded_with": "VCR 6.2.0"}))
    doc = loader.load(str(p), p.read_bytes()).document
    return formats.detect(doc.data).build(doc, str(p))


@pytest.mark.parametrize("behaviour, match_on, a, b, same", [
    (":uri is URI#== : scheme and host case and an empty path normalized", ("uri",),
     ("HTTPS://X.test", ""), ("https://x.test/", ""), True),
    (":uri: the query as written", ("uri",), ("https://x.test/?a=1&b=2", ""), ("https://x.test/?b=2&a=1", ""), False),
    (":query: CGI.parse, key order irrelevant", ("query",), ("https://x.test/?a=1&b=2", ""),
     ("https://y.test/?b=2&a=1", ""), True),
    (":host: host.chomp('.')", ("host",), ("https://x.test./a", ""), ("https://x.test/b", ""), True),
    (":path", ("path",), ("https://x.test/a?q=1", ""), ("https://y.test/a", ""), True),
    (":body_as_json: equal once parsed", ("body_as_json",), ("https://x.test/", '{"a": 1}'),
     ("https://x.test/", '{"a":1}'), True),
    (":body: the string", ("body",), ("https://x.test/", '{"a": 1}'), ("https://x.test/", '{"a":1}'), False),
])
def test_ruby_vcr_matchers(tmp_path, behaviour, match_on, a, b, same):
    cassette = _ruby(tmp_path, [a, b])
    model = Model(cassette, Profile("ruby-vcr", "6.2.0", match_on=match_on))
    assert (model.earlier_match(1) == 0) is same, behaviour


# -- the rules --------------------------------------------------------------------------------------


def _lint(tmp_path, interactions, go_version=None, select=("R",), replay=None, name="c.yaml"):
    _, p = _cassette(tmp_path, interactions, name)
    if go_version:
        (tmp_path / "go.mod").write_text(f"module x\n\nrequire gopkg.in/dnaeon/go-vcr.v4 v{go_version}\n")
        from cassette_lint.replay import manifest

        manifest.clear()
    settings = {"replay": replay} if replay else {}
    return [f for f in lint_file(p, select=list(select), settings=settings)]


def test_r001_post_with_query_never_replays_under_every_v4(tmp_path):
    found = _lint(tmp_path, [_interaction(url="https://x.test/a?page=2")])
    assert [(f.rule, f.severity.value) for f in found] == [("R001", "error")]
    assert "the request's Form is {page} but the recorded form is empty" in found[0].message
    assert "go-vcr v4's default matcher" in found[0].message


def test_r001_get_form_depends_on_the_go_vcr_release(tmp_path):
    get = _interaction(method="GET", body="", content_length=0, url="https://x.test/a?q=1", form={"q": ["1"]})
    unknown = _lint(tmp_path, [get])
    assert [(f.rule, f.severity.value) for f in unknown] == [("R001", "warning")]
    assert "v4.0.0-v4.0.2" in unknown[0].message
    old = _lint(tmp_path, [get], go_version="4.0.2")
    assert [(f.rule, f.severity.value) for f in old] == [("R001", "error")]
    assert "go-vcr v4.0.2" in old[0].message and "(GET: not parsed)" in old[0].message
    assert _lint(tmp_path, [get], go_version="4.0.6") == []


def test_r001_is_silent_where_form_is_not_compared(tmp_path):
    post = _interaction(url="https://x.test/a?page=2")
    assert _lint(tmp_path, [post], replay={"library": "go-vcr-v3"}) == []
    assert _lint(tmp_path, [post], replay={"match-on": ["method", "url", "body"]}) == []


def test_r001_points_at_the_recorded_form(tmp_path):
    found = _lint(tmp_path, [_interaction(url="https://x.test/a?x=1", form={"y": ["1"]})])
    text = (tmp_path / "c.yaml").read_text()
    assert found[0].line == 1 and text[found[0].column - 1:].startswith('{"y"')


def test_r002_url_go_re_encodes(tmp_path):
    found = _lint(tmp_path, [_interaction(url="https://x.test/my report.pdf")], select=("R002",))
    assert [(f.rule, f.severity.value) for f in found] == [("R002", "error")]
    assert "a Go client sends https://x.test/my%20report.pdf" in found[0].message
    assert _lint(tmp_path, [_interaction(url="https://x.test/my%20report.pdf")], select=("R002",)) == []
    # every go-vcr version compares the URL string
    assert _lint(tmp_path, [_interaction(url="https://x.test/my report.pdf")], select=("R002",),
                 replay={"library": "go-vcr-v3"})


def test_r003_fields_a_client_never_sends(tmp_path):
    found = _lint(tmp_path, [_interaction(remote_addr="127.0.0.1:5", content_length=-1, body="")],
                  select=("R003",))
    got = sorted((f.severity.value, f.message.split(" ")[0]) for f in found)
    assert got == [("error", "content_length"), ("warning", "remote_addr")]
    assert _lint(tmp_path, [_interaction(remote_addr="127.0.0.1:5")], select=("R003",),
                 replay={"library": "go-vcr-v3"}) == []


def test_r003_leaves_lengths_to_l001(tmp_path):
    found = _lint(tmp_path, [_interaction(content_length=9)], select=("R", "L001"))
    assert [f.rule for f in found] == ["L001"]


def _vcrpy(tmp_path, bodies, name="v.yaml", uri="https://x.test/job"):
    p = tmp_path / name
    its = [{"request": {"method": "GET", "uri": uri, "body": None, "headers": {}},
            "response": {"status": {"code": 200, "message": "OK"}, "headers": {},
                         "body": {"string": b}}} for b in bodies]
    p.write_text(json.dumps({"version": 1, "interactions": its}), "utf-8")
    return p


def test_r004_shadowed_only_with_repeats(tmp_path):
    p = _vcrpy(tmp_path, ["running", "done", "done"])
    found = lint_file(p, select=["R004", "R005"], settings={"replay": {"allow-repeats": True}})
    assert [(f.rule, f.severity.value, f.interaction) for f in found] == [
        ("R004", "error", 1), ("R004", "error", 2)]
    assert "allow_playback_repeats" in found[0].message and "interaction 0" in found[0].message
    same = lint_file(_vcrpy(tmp_path, ["x", "x"], "s.yaml"), select=["R004"],
                     settings={"replay": {"allow-repeats": True}})
    assert [(f.rule, f.severity.value) for f in same] == [("R004", "warning")]


def test_r005_order_dependent_without_repeats(tmp_path):
    p = _vcrpy(tmp_path, ["running", "done", "done"])
    found = lint_file(p, select=["R004", "R005"])
    assert [(f.rule, f.severity.value, f.interaction) for f in found] == [("R005", "warning", 1),
                                                                        ("R005", "warning", 2)]
    assert "vcrpy's default matcher" in found[0].message
    # a matched field that tells them apart: no finding
    its = json.loads(p.read_text())
    its["interactions"][1]["request"]["uri"] += "?page=2"
    its["interactions"][2]["request"]["uri"] += "?page=3"
    p.write_text(json.dumps(its))
    assert lint_file(p, select=["R005"]) == []


def test_no_replay_findings_for_a_custom_matcher(tmp_path):
    p = _vcrpy(tmp_path, ["running", "done"])
    assert lint_file(p, select=["R"], settings={"replay": {"library": "custom"}}) == []


def test_r006_base64_body_whose_length_counts_the_decoded_bytes(tmp_path):
    import base64

    raw = '{"a": "Olá"}'.encode()
    stored = _interaction(body=base64.b64encode(raw).decode(), content_length=len(raw))
    found = _lint(tmp_path, [stored], select=("R006", "L001"))
    assert sorted((f.rule, f.severity.value) for f in found) == [("L001", "error"), ("R006", "error")]
    r006 = next(f for f in found if f.rule == "R006")
    assert "stored base64-encoded (20 characters for the 13 bytes" in r006.message
    # the length fixed to the stored string: still never replays for a client sending the bytes,
    # but nothing here says so any more (no evidence of the encoding) — R006 needs the decoded length
    assert _lint(tmp_path, [_interaction(body=base64.b64encode(raw).decode(), content_length=20)],
                 select=("R006",)) == []
    # a body that merely looks like base64 but whose length is its own: no finding
    assert _lint(tmp_path, [_interaction(body="abcdefghijklmnop", content_length=16)], select=("R006",)) == []
    # not compared by go-vcr v3's default matcher
    assert _lint(tmp_path, [stored], select=("R006",), replay={"library": "go-vcr-v3"}) == []


def test_order_dependent_replay_is_opt_in(tmp_path):
    """R005 runs only when named: a multi-turn conversation to one endpoint is how LLM suites look."""
    from cassette_lint import rules

    p = tmp_path / "c.yaml"
    p.write_text(
        "interactions:\n"
        "- request: {method: POST, uri: 'https://api.example.com/v1/chat/completions', body: '{\"turn\": 1}', headers: {}}\n"
        "  response: {status: {code: 200, message: OK}, headers: {}, body: {string: '{\"a\": 1}'}}\n"
        "- request: {method: POST, uri: 'https://api.example.com/v1/chat/completions', body: '{\"turn\": 2}', headers: {}}\n"
        "  response: {status: {code: 200, message: OK}, headers: {}, body: {string: '{\"a\": 2}'}}\n"
        "version: 1\n", "utf-8")
    assert "R005" in rules.OPT_IN
    assert [f.rule for f in lint_file(p) if f.rule.startswith("R")] == []
    assert [f.rule for f in lint_file(p, select=["R"]) if f.rule.startswith("R")] == []
    assert [f.rule for f in lint_file(p, select=["R005"])] == ["R005"]


def test_a_url_python_refuses_to_parse_is_no_crash(tmp_path):
    """``http://[DONE]/``: urlparse raises (a bracketed host that is no IP address); found by the fuzz."""
    p = tmp_path / "c.yaml"
    p.write_text(
        "interactions:\n"
        "- request: {method: GET, uri: 'http://[DONE]/x', body: null, headers: {}}\n"
        "  response: {status: {code: 200, message: OK}, headers: {}, body: {string: ok}}\n"
        "version: 1\n", "utf-8")
    for lib in ("vcrpy", "ruby-vcr", "go-vcr-v4"):
        assert not [f for f in lint_file(p, select=("ALL", "R005"), settings={"replay": {"library": lib}})
                    if f.rule == "X001"]
