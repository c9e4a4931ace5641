"""Replay rules (``R``): what the library that replays a cassette does with it.

Each rule reads the file's library profile (:mod:`cassette_lint.replay`: the library and version
found in the project's manifest nearest the cassette, the configuration, or the format's default)
and reports what happens on replay under it: an interaction that can never be matched, one that
only ever matches in recorded order, one a client fails to read. The message names the library and
the field that decides.

Configuration (``[tool.cassette-lint.replay]``, or the same on the command line):

- ``library``: ``go-vcr-v4``, ``go-vcr-v3``, ``go-vcr-v2``, ``go-vcr-v1``, ``vcrpy``, ``ruby-vcr`` or
  ``custom`` (a project matcher: only library-independent replay findings stay errors); a version may
  follow: ``vcrpy==8.2.0``. ``--replay-library``.
- ``match-on``: the request fields the project's matcher compares, named as the library's users know
  them (vcrpy ``match_on``: ``method``, ``uri``, ``body`` …; Ruby VCR ``match_requests_on``).
  ``--match-on a,b,c``.
- ``allow-repeats``: vcrpy ``allow_playback_repeats`` / go-vcr ``ReplayableInteractions``.
  ``--allow-repeats``.
- ``serializer``: how the project reads its cassettes, when not with vcrpy's own YAML serializer:
  ``json`` (vcrpy's ``jsonserializer``: every cassette read as JSON), ``langchain`` (LangChain's
  ``langchain_tests.conftest.CustomSerializer``: gzip'd ``yaml.safe_load``, no Python tags), or the name
  of a project serializer (vcrpy ``register_serializer``) that writes what vcrpy's own would refuse
  (its loader is then not modelled: :mod:`cassette_lint.replay.loaders`).
"""

from __future__ import annotations

import re

from .. import replay as _replay
from .. import secrets
from ..findings import ERROR, WARNING, Problem
from ..replay import clients as _clients
from ..replay import gourl, matchers
from ..secrets import is_placeholder
from . import rule
from .content_length import _comparable

#: settings of the family and their defaults (validated by the configuration loader)
SETTINGS = {"library": "", "match-on": [], "allow-repeats": False, "serializer": ""}


def validate(settings: dict) -> None:
    """Raise ``ValueError`` for a setting the type check lets through but no library knows."""
    if settings.get("library"):
        _replay.parse_library(settings["library"])
    match_on = settings.get("match-on") or []
    if not all(isinstance(m, str) and m.strip() for m in match_on):
        raise ValueError("match-on: expected a list of matcher names, e.g. [\"method\", \"uri\", \"body\"]")
    unknown = [m for m in match_on if m not in _replay.MATCHER_NAMES]
    if unknown:
        raise ValueError(f"match-on: unknown matcher {unknown[0]!r}; known: " + ", ".join(_replay.MATCHER_NAMES))


# -- R001-R009: which interaction the library's matcher can serve (replay/matchers.py) ----------------
#
# Each rule builds (once per file, shared) the replay model of the file's profile: the request as
# recorded and the request a client sends for it, compared field by field as the library does. A
# library whose matcher cassette-lint cannot see (``custom`` without ``match-on``) gets no finding.


def _model(cassette):
    m = matchers.model_of(cassette)
    return m if m.known else None


def _go_v4(cassette):
    """The model when the profile is go-vcr and its matcher compares more than method and URL."""
    m = _model(cassette)
    return m if m is not None and m.library == "go-vcr" else None


def _short(v, n: int = 80) -> str:
    s = v if isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[:n - 1] + "…"


def _form_text(form: dict, other: dict) -> str:
    """The form's keys (values are never printed: a form may carry a secret), and which values differ."""
    if not form:
        return "empty"
    keys = ", ".join(_short(k, 30) for k in sorted(form))
    differ = [k for k in sorted(form) if k in other and form[k] != other[k]]
    if not differ:
        return f"{{{keys}}}"
    return f"{{{keys}}} (values of {', '.join(_short(k, 30) for k in differ)} differ)"


def _no_query(url: str) -> str:
    """A URL for a message: its query and fragment cut (they may carry a key; Go writes the query as
    recorded, so the difference is never there)."""
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=-1)
    url = url if cut < 0 else url[:cut] + "?…"
    scheme, sep, rest = url.partition("//")
    if sep and "@" in rest.split("/", 1)[0]:
        url = scheme + "//…@" + rest.split("@", 1)[1]  # user info: never print a password
    return _short(url)


@rule("R001", "form-never-matches", ERROR)
def form_never_matches(cassette):
    """go-vcr: the recorded ``form`` is not the ``Form`` the matcher computes for the request.

    What: go-vcr v4's default matcher (``defaultMatcher.matcher``) calls ``r.ParseForm()`` on the
    live request and compares ``r.Form`` — the form fields of a POST/PUT/PATCH
    ``application/x-www-form-urlencoded`` body followed by the URL's query parameters — with the
    recorded ``form``. Which requests it parses changed between versions:

    - v4.0.0-v4.0.2: only POST, PUT and PATCH; a GET's ``Form`` stays empty. The recorder stored
      ``PostForm`` (the body's fields only), so a POST/PUT/PATCH with a query string never matches
      its own recording (go-vcr issue #116), and a GET whose recorded ``form`` holds its query
      parameters (written by a later recorder, which stores ``Form``) never matches either.
    - after go-vcr PRs #118/#122 (June 2025; taken as v4.0.4 and later): every method is parsed, so a
      GET's query parameters must be in the recorded ``form`` — a GET with a query string recorded by
      an older go-vcr (``form`` empty) never replays under the new one ("cassettes may need to be
      re-created", #122).
    - ``ParseForm`` fails (a malformed ``Content-Type``, a bad ``%`` escape or a ``;`` in the body's
      or URL's query): the matcher rejects the request at the first recording it is compared with.
      ``http.Request.ParseForm`` returns its error only once per request (it keeps what it parsed),
      so when that recording is an earlier copy of the same request, a later identical recording
      still replays; R001 reports only a recording that ``getInteraction`` never serves (the
      go-vcr oracle with ``ReplayableInteractions`` on and off agrees in the tests).
    - two recordings of one form POST whose first ``form`` differs: ``ParseForm`` reads the body while
      the matcher tries the first, so the second (whose form is right) sees an empty body and is never
      served either; R001 reports it too.

    When the version is not known (go.mod names v4 without a release, or the format's default), a
    difference that breaks under only some v4 releases is a warning naming them; one that breaks
    under all is an error.

    Why: the recorder stored one form and the matcher computes another for the same request.

    Consequence per library: go-vcr v4 (default matcher, or a ``match-on`` with ``form``):
    **error**, the interaction never replays (``ErrInteractionNotFound``; the go-vcr oracle agrees
    in the tests); **warning** when it breaks under only some v4 releases and the patch version is
    not known. go-vcr v1-v3 (method + URL), vcrpy, Ruby VCR and the other recorders: ``form`` is not
    compared — no finding.

    Fix: record ``form`` as the matcher computes it (the body's fields, then the query's), or
    re-record with the go-vcr version that replays it; or match on method, URL and body
    (``recorder.WithMatcher``, ``match-on`` in the configuration).

    FAIL (v4.0.2: a POST with a query, recorded by the PostForm recorder)::

        request:
          form: {}
          url: https://api.example.com/v1/items?page=2
          method: POST

    PASS::

        request:
          form:
            page: ["2"]
          url: https://api.example.com/v1/items?page=2
          method: POST
    """
    m = _go_v4(cassette)
    if m is None or "form" not in m.fields:
        return
    known = m.form_mode
    modes = (known,) if known is not None else (False, True)
    reported = set()
    for k, it in enumerate(m.interactions):
        rec = m.recorded[k]
        fails = {}
        for always in modes:
            try:
                live = matchers.go_live(rec)
            except matchers.LiveError:
                break  # R002/R003 say why the client cannot send it
            if always or live.method in ("POST", "PUT", "PATCH"):
                err = matchers.go_parse_form(live)
                if err is not None:
                    # http.Request.ParseForm keeps what it parsed and returns its error once: a
                    # request that spent it on an earlier recording of the same request matches
                    # this one, unless the body was read (getInteraction, as Model.replay plays it)
                    if k not in m.served(always):
                        fails[always] = f"ParseForm fails ({err}), so the matcher rejects the request"
                    continue
            got = live.form or {}
            if not matchers._eq_contents(got, rec.form):
                fails[always] = (f"the request's Form is {_form_text(got, rec.form)}"
                                 + ("" if always or live.method in ("POST", "PUT", "PATCH")
                                    else f" ({live.method}: not parsed)")
                                 + f" but the recorded form is {_form_text(rec.form, got)}")
        if not fails:
            continue
        reported.add(k)
        pos = _form_pos(it)
        if len(fails) == len(modes):
            why = next(iter(fails.values()))
            yield Problem(pos, f"{cassette.profile.matcher} compares the form: {why}; this interaction "
                          "never replays", interaction=it.index, value=rec.url, severity=ERROR)
        else:
            broken = "v4.0.4 and later (ParseForm for every method)" if True in fails else \
                "v4.0.0-v4.0.2 (ParseForm for POST/PUT/PATCH only)"
            why = next(iter(fails.values()))
            yield Problem(pos, f"go-vcr {broken} compares the form: {why}; this interaction never "
                          f"replays under those versions ({cassette.profile.label}: the version is not "
                          "known to the patch)", interaction=it.index, value=rec.url, severity=WARNING)
    if not reported:
        return
    # an earlier recording of the same request whose form differs read the form body (ParseForm at
    # that candidate), so bodyMatches reads nothing at this one: go-vcr never serves it either
    drained = {always: {o.index for o in m.replay(form_always=always) if o.reason == "drained"}
               for always in modes}
    for k in sorted(set().union(*drained.values()) - reported):
        it, rec = m.interactions[k], m.recorded[k]
        broken = [always for always in modes if k in drained[always]]
        why = ("an earlier recording of the same request with another form reads its form body "
               "(ParseForm), so the body compared here is empty")
        if len(broken) == len(modes):
            yield Problem(_form_pos(it), f"{cassette.profile.matcher} compares the form and the body: {why}; "
                          "this interaction never replays", interaction=it.index, value=rec.url, severity=ERROR)
        else:
            versions = "v4.0.4 and later" if True in broken else "v4.0.0-v4.0.2"
            yield Problem(_form_pos(it), f"go-vcr {versions} compares the form and the body: {why}; this "
                          f"interaction never replays under those versions ({cassette.profile.label}: the "
                          "version is not known to the patch)", interaction=it.index, value=rec.url,
                          severity=WARNING)


def _form_pos(it):
    """Where a form finding points: the recorded ``form``, else the URL (or method)."""
    req = it.request
    if req.form is not None:
        return it.doc.pos(req.form.path)
    return (req.url or req.method or it).pos


@rule("R002", "url-not-as-go-writes-it", ERROR)
def url_not_as_go_writes_it(cassette):
    """go-vcr: the recorded ``url`` is not what ``url.Parse(u).String()`` gives back.

    What: every go-vcr matcher (v1-v3 ``DefaultMatcher``, v4 ``defaultMatcher.matcher``) compares
    ``r.URL.String()`` of the live request with the recorded ``url`` as a string. A Go client builds
    the request with ``http.NewRequest(method, url, …)``: Go's ``url.Parse`` lower-cases the scheme,
    ``String()`` percent-encodes what must be (a space or a non-ASCII character in the path, ``"``
    ``<`` ``>``; a valid escape such as ``%7e`` is kept as written) and ``NewRequest`` drops an empty
    port (``host:``). A URL
    Go cannot parse at all (a bad ``%`` escape, a control character) makes ``http.NewRequest`` fail
    before anything is sent.

    Why: the matcher compares strings, and the client's string is Go's rewriting of the URL.

    Consequence per library: go-vcr (all versions, any matcher that compares the URL): **error**,
    the interaction never replays (the go-vcr oracle agrees in the tests). vcrpy, Ruby VCR and the
    other recorders compare what their own clients send — no finding here (``H006`` covers URLs no
    client sends).

    Fix: write the URL as Go writes it (the message shows it), or re-record.

    FAIL::

        url: https://api.example.com/files/my report.pdf

    PASS::

        url: https://api.example.com/files/my%20report.pdf
    """
    m = _model(cassette)
    if m is None or m.library != "go-vcr" or "url" not in m.fields:
        return
    for k, it in enumerate(m.interactions):
        raw = m.recorded[k].url
        where = it.request.url or it.request.method or it
        try:
            live = gourl.live_string(raw)
        except gourl.URLError as e:
            yield Problem(where.pos, f"url.Parse fails on the recorded URL ({e}): a Go client cannot build the "
                          f"request (http.NewRequest), so under {cassette.profile.matcher} this "
                          "interaction never replays", interaction=it.index, value=raw)
            continue
        if live != raw:
            yield Problem(where.pos, f"a Go client sends {_no_query(live)} (url.Parse(u).String()) but the cassette "
                          f"records {_no_query(raw)}: {cassette.profile.matcher} compares the URL as a "
                          "string, so this interaction never replays", interaction=it.index, value=raw)


@rule("R003", "request-not-reproducible", ERROR)
def request_not_reproducible(cassette):
    """go-vcr v4: a recorded request field that a client's request never has.

    What: go-vcr v4's default matcher compares every field it records; a Go client
    (``http.NewRequest`` + ``http.Client``) cannot reproduce some of them:

    - ``remote_addr`` / ``request_uri``: set only by a server-side recording
      (``recorder.HTTPMiddleware``); a client's request has neither (``http.Client`` refuses a
      ``RequestURI``). Such a cassette is meant for ``cassette.TestServerReplay``, which does not
      match — a **warning**: the recorder itself never serves it to a client.
    - ``content_length: -1`` (or any length L001 cannot judge: a request with a ``Content-Encoding``)
      on a request whose body is empty: ``NewRequest`` gives ContentLength 0 (L001 reports the
      other length mismatches).
    - ``method`` empty or not an HTTP token: ``NewRequest`` uses GET, or fails.
    - a URL with user info (``https://user:pw@host``) and no ``Authorization`` header recorded under
      that exact key: ``http.Client`` adds ``Authorization: Basic …``, so the headers differ.

    Why: the recorded field is one no client-side request carries, and the matcher compares it.

    Consequence per library: go-vcr v4 (default matcher): **error**, the interaction never replays
    (the go-vcr oracle agrees in the tests), except the server-side fields: **warning**; go-vcr
    v1-v3, vcrpy, Ruby VCR and the other recorders: not compared — no finding.

    Fix: delete the server-side fields for client replay, correct the length or method, record the
    ``Authorization`` header as the client sends it; or re-record.

    FAIL::

        request:
          content_length: -1
          body: ""
          remote_addr: 127.0.0.1:52011

    PASS::

        request:
          content_length: 0
          body: ""
    """
    m = _go_v4(cassette)
    if m is None:
        return
    profile = cassette.profile
    for k, it in enumerate(m.interactions):
        req = it.request
        rec = m.recorded[k]
        try:
            live = matchers.go_live(rec)
        except matchers.LiveError as e:
            if e.field == "method" and "method" in m.fields and req.method is not None:
                yield Problem((req.method or it).pos, f"{e.detail}: a Go client cannot send this request "
                              f"(http.NewRequest fails), so under {profile.matcher} it never replays",
                              interaction=it.index, value=rec.method)
            continue
        if "method" in m.fields and live.method != rec.method and req.method is not None:
            yield Problem((req.method or it).pos, f"an empty method is sent as {live.method}: under "
                          f"{profile.matcher} this interaction never replays", interaction=it.index,
                          value=rec.method)
        if "headers" in m.fields and live.user_info and not matchers._eq_contents(live.headers, rec.headers):
            yield Problem((req.url or it).pos, "the URL carries user info and no Authorization header is "
                          "recorded: http.Client adds 'Authorization: Basic …', so under "
                          f"{profile.matcher} this interaction never replays", interaction=it.index,
                          value=rec.url)
        if "content_length" in m.fields and live.content_length != rec.content_length:
            cl = req.content_length
            if not (rec.content_length >= 0 and cl is not None and _comparable(req)):
                yield Problem((cl or it).pos, f"content_length {rec.content_length} but a Go client sends "
                              f"ContentLength {live.content_length} for this "
                              f"{'empty ' if not rec.body else ''}body: under {profile.matcher} this "
                              "interaction never replays", interaction=it.index,
                              value=str(rec.content_length))
        for name in ("remote_addr", "request_uri"):
            value = getattr(rec, name)
            if name in m.fields and value:
                yield Problem(getattr(req, name).pos, f"{name} {_short(value, 40)!r} is set only by a "
                              "server-side recording (recorder.HTTPMiddleware): a client's request never "
                              f"has it, so {profile.matcher} never serves this interaction to a client "
                              "(cassette.TestServerReplay does not match and can use it)",
                              interaction=it.index, value=name, severity=WARNING)


_BASE64 = None


def _base64_length(text: str) -> int | None:
    """The decoded length of ``text`` when it is one standard base64 string (16+ characters), else None."""
    global _BASE64
    if _BASE64 is None:
        import re

        _BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4}){3,}"
                             r"(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})\Z")
    if len(text) < 16 or not _BASE64.match(text):
        return None
    return len(text) // 4 * 3 - text.count("=")


@rule("R006", "request-body-stored-encoded", ERROR)
def request_body_stored_encoded(cassette):
    """go-vcr: a request body stored base64-encoded while ``content_length`` counts the decoded bytes.

    What: a request ``body`` that is a plain (untagged) base64 string whose decoded size is exactly the
    recorded ``content_length`` — a project hook encoded the body before saving (a ``!!binary`` body
    is decoded by the YAML loader and is not this).

    Why: go-vcr compares the stored ``body`` string with the bytes the client sends
    (``bodyMatches``), and v4 compares ``ContentLength`` too; the client sends the decoded bytes.

    Consequence per library: go-vcr v4's default matcher, or any ``match-on`` with ``body``:
    **error**, the interaction never replays — and setting ``content_length`` to the stored string's
    length (L001's fix) does not help: the body still differs. go-vcr v1-v3's default matcher,
    vcrpy, Ruby VCR: no finding (the body is not compared, or the format has no such hook).

    Fix: store the body as the client sends it (decode it, or write it as ``!!binary``), or re-record
    without the encoding hook.

    FAIL::

        request:
          content_length: 13
          body: eyJhIjogIk9sw6EifQ==

    PASS::

        request:
          content_length: 13
          body: !!binary eyJhIjogIk9sw6EifQ==
    """
    m = _model(cassette)
    if m is None or m.library != "go-vcr" or "body" not in m.fields:
        return
    for k, it in enumerate(m.interactions):
        req = it.request
        body = req.body
        if body is None or body.binary or body.text is None or req.content_length is None:
            continue
        n = _base64_length(body.text.strip())
        declared = m.recorded[k].content_length
        if n is None or declared <= 0 or n != declared or len(body.data) == declared:
            continue
        yield Problem(body.pos(), f"the body is stored base64-encoded ({len(body.data)} characters for the "
                      f"{declared} bytes content_length counts): the client sends the decoded bytes and "
                      f"{cassette.profile.matcher} compares the stored string, so this interaction never "
                      "replays (fixing the length alone does not help)", interaction=it.index,
                      value=str(declared))


def _same_response(a, b) -> bool:
    ra, rb = a.response, b.response
    if ra is None or rb is None:
        return ra is rb
    code = (ra.code.value if ra.code is not None else None, rb.code.value if rb.code is not None else None)
    data = (ra.body.data if ra.body is not None else b"", rb.body.data if rb.body is not None else b"")
    return code[0] == code[1] and data[0] == data[1]


def _repeats_name(profile) -> str:
    if profile.library == "go-vcr":
        return "ReplayableInteractions"
    if profile.library == "ruby-vcr":
        return "allow_playback_repeats"
    return "allow_playback_repeats"


@rule("R004", "shadowed-interaction", ERROR)
def shadowed_interaction(cassette):
    """With repeats allowed, an earlier interaction with the same match key always answers first.

    What: with go-vcr's ``ReplayableInteractions`` or vcrpy's ``allow_playback_repeats`` (``allow-repeats``
    in the configuration), the library answers a request with the *first* recorded interaction that
    matches, played or not (go-vcr ``Cassette.getInteraction``, vcrpy ``Cassette.play_response``).
    A later interaction that the same request matches is never served.

    Why: the library takes the first match, played or not, so the later one is never reached.

    Consequence per library: go-vcr (``ReplayableInteractions``), vcrpy with
    ``allow_playback_repeats``: the later interaction is dead. If its response differs (a job polled
    until it is done, a list that grew), the test never sees it — every call gets the first
    response: **error**. The same response: a dead copy, **warning**. Ruby VCR plays unused
    interactions first even with ``allow_playback_repeats`` — no finding; without repeats see R005.

    Fix: make the requests differ where the matcher looks (a match-on field that tells them apart),
    turn repeats off for this cassette, or delete the dead copy.

    FAIL (allow-repeats = true)::

        - request: {method: GET, uri: https://api.example.com/job/1}
          response: {body: {string: '{"status": "running"}'}}
        - request: {method: GET, uri: https://api.example.com/job/1}
          response: {body: {string: '{"status": "done"}'}}

    PASS: the second request differs in a matched field, or repeats are off.
    """
    profile = cassette.profile
    if not profile.allow_repeats or profile.library == "ruby-vcr":
        return
    m = _model(cassette)
    if m is None:
        return
    for k, it in enumerate(m.interactions):
        i = m.earlier_match(k)
        if i is None:
            continue
        first = m.interactions[i]
        same = _same_response(first, it)
        yield Problem(it.request.pos, f"with {_repeats_name(profile)}, {profile.matcher} always answers this "
                      f"request with interaction {first.index} (recorded earlier, same match key): this "
                      + ("identical recording is never played" if same
                         else "interaction's different response is never played"),
                      interaction=it.index, value=str(first.index), severity=WARNING if same else ERROR)


@rule("R005", "order-dependent-replay", WARNING, opt_in=True)
def order_dependent_replay(cassette):
    """Requests with the same match key get different responses: replay works only in recorded order.

    What: without repeats, a library answers a request with the first *unplayed* interaction that
    matches (go-vcr ``getInteraction``, vcrpy ``play_response``, Ruby VCR
    ``HTTPInteractionList#response_for``). When two interactions have the same match key under the
    profile's matcher but different responses, the n-th such request gets the n-th response.

    Why: the library serves same-key requests strictly in recorded order.

    Consequence per library: go-vcr, vcrpy, Ruby VCR (every library that plays the first unplayed
    match): replay works while the test sends these requests in the same order and number as when
    it was recorded; a reordered, retried or parallel call gets the other response, and one call
    more finds nothing. A **warning**: nothing breaks as long as the order holds.

    Opt-in (``--select R005``, like ``K022``): a multi-turn conversation to one endpoint is the
    normal shape of an LLM test (every ``/chat/completions`` turn has the same method and URL under
    vcrpy's default ``match_on``), and the test sends its turns in order. On ``../shared/corpus`` the
    rule finds 19 such pairs, all in working suites (14 ``vcrpy-llm`` conversations, 5 of Ruby VCR's
    own ``match_requests_on`` fixtures) — a default that warns on them would warn on every working
    LLM repository. Select it when a suite retries, reorders or parallelises requests.

    Fix: make the requests differ in a matched field (a page number, an id), or match on a field
    that tells them apart (``match-on`` with ``body``), if the order is not guaranteed.

    FAIL::

        - request: {method: GET, uri: https://api.example.com/job/1}
          response: {body: {string: '{"status": "running"}'}}
        - request: {method: GET, uri: https://api.example.com/job/1}
          response: {body: {string: '{"status": "done"}'}}

    PASS: the same request recorded twice with the same response, or requests that differ.
    """
    profile = cassette.profile
    if profile.allow_repeats and profile.library != "ruby-vcr":
        return  # R004: with repeats the later one is never played at all
    m = _model(cassette)
    if m is None:
        return
    for k, it in enumerate(m.interactions):
        i = m.earlier_match(k)
        if i is None or _same_response(m.interactions[i], it):
            continue
        first = m.interactions[i]
        yield Problem(it.request.pos, f"{profile.matcher} cannot tell this request from interaction "
                      f"{first.index}'s, whose response differs: each gets its own response only when the "
                      "requests come in recorded order", interaction=it.index, value=str(first.index))


# == R010–R029: what the client and the next live request do (replay/clients.py) ==================


def _client_says(client: "_clients.Client") -> str:
    """``client httpx (User-Agent python-httpx/0.27.0)`` for a message."""
    return f"{client.label} ({client.how})" if client.name else f"client unknown: {client.how}"


def _header_value(msg, name: str):
    """The first recorded value of header ``name`` (a model Value), or None."""
    return msg.headers.get(name) if msg.headers is not None else None


@rule("R010", "content-encoding-not-stored", ERROR)
def content_encoding_not_stored(cassette):
    """A response declares a ``Content-Encoding`` (gzip, deflate) that its stored body is not in.

    What: the response's ``Content-Encoding`` names a coding, but the stored body does not decode
    under it: it was stored already decoded (vcrpy records the decoded body with requests and
    urllib3 2, whose ``read()`` decodes; a hook or a hand edit decoded it) while the header stayed.

    Why: a client that decodes the response object fails on every replay. httpx (through vcrpy's
    ``httpx_stubs._deserialize_response``, ``httpx.Response._get_content_decoder``) runs zlib on the
    stored bytes and raises ``httpx.DecodingError: Error -3 while decompressing data: incorrect
    header check``. The other clients pass it through: vcrpy hands requests a ``VCRHTTPResponse``
    whose ``read()``/``stream()`` ignore ``decode_content``, and go-vcr's ``RoundTrip`` returns the
    body to Go's ``http.Client``, which decodes nothing (only ``http.Transport`` does, for the
    ``Accept-Encoding`` it added).

    Consequence per client (``replay/clients.py``; for vcrpy cassettes the client is read from the
    recorded ``User-Agent``: ``python-httpx``, the OpenAI/Anthropic SDKs (httpx), ``python-requests``):

    - httpx: **error**, the test fails reading the body.
    - an unknown client: **warning**, naming httpx as the client that would fail.
    - requests (urllib3 2), aiohttp, Go's net/http: no finding. It replays, and it is what vcrpy
      itself writes when it records with requests and urllib3 2 (or aiohttp).
    - ``br``/``zstd`` on a text body: **warning**: httpx decodes them only when brotli / zstandard
      is installed, and then raises.

    Not reported: vcrpy's older httpx layout (``status_code``, ``content``), which vcrpy replays through
    its own ``decode_response`` (it keeps a body that does not decompress and drops the header).
    A project that sets vcrpy's ``decode_compressed_response=True`` does not fail either: vcrpy runs
    that filter as it loads the cassette (``Cassette._load`` → ``append`` → ``before_record_response``),
    and it removes the header; say so with ``--severity R010=warning``.

    Fix: delete the ``Content-Encoding`` header from the recorded response (the body is what it
    should be), or store the encoded bytes (``!!binary``), or set ``decode_compressed_response=True``.

    FAIL::

        response:
          headers:
            Content-Encoding: [gzip]
          body: {string: '{"ok": true}'}

    PASS::

        response:
          headers: {}
          body: {string: '{"ok": true}'}
    """
    client = _clients.client_of(cassette)
    for it in cassette.http:
        resp = it.response
        if resp is None or resp.body is None or resp.body.empty or resp.headers is None:
            continue
        tokens = _clients.codings(resp)
        if not tokens or _clients.old_httpx_layout(resp):
            continue
        hv = _header_value(resp, "Content-Encoding")
        failed = _clients.httpx_decode_error(resp, resp.body.data)
        if failed is not None:
            coding, why = failed
            fails = _clients.fails(client, "declared-not-stored")
            if fails is False:
                continue  # what vcrpy writes with requests and urllib3 2; the client passes it through
            if fails:
                consequence = f"httpx raises DecodingError ({why}) reading it on every replay"
            else:
                consequence = ("httpx would raise DecodingError reading it; requests (urllib3 2), aiohttp "
                               "and Go's net/http pass the body through")
            yield Problem(hv.pos, f"Content-Encoding {coding} but the body is not {coding}-encoded (stored "
                           f"decoded): {consequence} [{_client_says(client)}]",
                           interaction=it.index, value=coding, severity=ERROR if fails else WARNING)
            continue
        optional = [t for t in tokens if t in _clients.HTTPX_DECODES_WITH]
        if optional and not resp.body.binary and resp.body.text:
            coding = optional[-1]
            yield Problem(hv.pos, f"Content-Encoding {coding} but the body is stored as text: httpx raises "
                           f"DecodingError when {_clients.HTTPX_DECODES_WITH[coding]} is installed, otherwise "
                           f"(and under requests, Go) the body passes through [{_client_says(client)}]",
                           interaction=it.index, value=coding, severity=WARNING)


@rule("R011", "compressed-body-reaches-caller", ERROR)
def compressed_body_reaches_caller(cassette):
    """A response body stored compressed that the replaying client hands to the caller compressed.

    What: the stored bytes are gzip (``1f 8b``) or zstd (``28 b5 2f fd``) data, and either the
    response has no ``Content-Encoding`` (a hook or filter dropped it) while its ``Content-Type`` is
    text (JSON, SSE, XML, ``text/*``), or it has one and the client does not decode on replay.

    Why: no client decodes a body its headers do not declare: httpx, requests and Go's net/http all
    give the caller the gzip bytes, and ``response.json()`` / ``json.Unmarshal`` fail. With the header,
    requests still does not decode on replay: vcrpy returns a ``VCRHTTPResponse`` in place of
    urllib3's response, and its ``read()`` and ``stream()`` ignore ``decode_content`` (cassettes
    recorded by httpx, or by requests with urllib3 1, store the gzip bytes).

    Consequence per client: no header and a text ``Content-Type``: **error** under every client.
    A gzip header and gzip bytes: **error** under requests (urllib3 2) and aiohttp (vcrpy's
    ``MockClientResponse.read()`` returns the stored bytes); httpx and Go's net/http (whose caller sent
    its own ``Accept-Encoding`` and gunzips) read it; an unknown client: no finding.

    Fix: restore the ``Content-Encoding`` header, or store the decoded body without it
    (vcrpy ``decode_compressed_response=True`` does that on record).

    FAIL::

        response:
          headers:
            Content-Type: [application/json]
          body:
            string: !!binary H4sIAAAAAAAAA6tWys9WslJQKs...

    PASS::

        response:
          headers:
            Content-Type: [application/json]
            Content-Encoding: [gzip]
          body:
            string: !!binary H4sIAAAAAAAAA6tWys9WslJQKs...   # httpx, Go
    """
    client = _clients.client_of(cassette)
    for it in cassette.http:
        resp = it.response
        if resp is None or resp.body is None or resp.body.empty:
            continue
        data = resp.body.data
        packed = _clients.compressed_as(data)
        if packed is None:
            continue
        tokens = _clients.codings(resp)
        if not tokens:
            if not _clients.textual(resp.content_type):
                continue  # application/gzip, octet-stream …: compressed bytes are the content
            yield Problem(resp.body.pos(), f"body is {packed}-compressed but the response has no "
                           f"Content-Encoding (Content-Type {resp.content_type}): "
                           f"{_clients.failing_clients('stored-not-declared')} hand the compressed bytes "
                           f"to the caller, whose parse fails [{_client_says(client)}]",
                           interaction=it.index, value=packed, severity=ERROR)
        elif packed in tokens and _clients.fails(client, "stored-and-declared"):
            hv = _header_value(resp, "Content-Encoding")
            yield Problem(hv.pos, f"Content-Encoding {packed} and a {packed}-compressed body: "
                           f"{client.label} does not decode on replay ({_clients.NO_DECODE[client.name]}), "
                           "so the caller gets the compressed bytes "
                           f"[{_client_says(client)}]", interaction=it.index, value=packed, severity=ERROR)


@rule("R012", "chunked-framing-in-body", ERROR)
def chunked_framing_in_body(cassette):
    """A ``Transfer-Encoding: chunked`` response whose stored body still holds the chunk framing.

    What: the body is in chunked transfer coding (hex size lines, chunks, the last chunk ``0``), as
    it was on the wire. Recorders store the de-chunked body (http.client, httpx and Go's transport
    de-chunk before the recorder reads); this one was captured below that, or written by hand.

    Why: on replay no client de-chunks: de-chunking happens in the wire layer a recorder skips.
    vcrpy deletes ``Transfer-Encoding`` before requests sees the response (``VCRHTTPResponse``) and
    reads the stored bytes; httpx builds the response over a ``ByteStream`` of them; go-vcr returns
    ``strings.NewReader(body)`` to Go's net/http. The caller reads ``5\\r\\nhello\\r\\n0\\r\\n\\r\\n``.
    A ``chunked`` header over a de-chunked body (the usual case) is harmless under every client.

    Consequence: **error** when the ``Content-Type`` is one a caller parses (JSON, NDJSON, SSE: the
    parse fails), under httpx, requests and Go alike; **warning** for other media types (the bytes
    are wrong, nothing raises).

    Fix: store the de-chunked body (concatenate the chunks), or re-record.

    FAIL::

        headers: {Transfer-Encoding: [chunked], Content-Type: [application/json]}
        body: {string: "b\\r\\n{\\"ok\\": true}\\r\\n0\\r\\n\\r\\n"}

    PASS::

        headers: {Transfer-Encoding: [chunked], Content-Type: [application/json]}
        body: {string: '{"ok": true}'}
    """
    client = _clients.client_of(cassette)
    for it in cassette.http:
        resp = it.response
        if resp is None or resp.body is None or resp.body.empty:
            continue
        te = [t.lower() for t in resp.transfer_encoding if isinstance(t, str)]
        hv = _header_value(resp, "Transfer-Encoding")
        if hv is not None and isinstance(hv.value, str):
            te += [t.strip().lower() for t in hv.value.split(",")]
        if "chunked" not in te or not _clients.chunk_framed(resp.body.data):
            continue
        text = _clients.parsed(resp.content_type)
        yield Problem(resp.body.pos(), "body still holds its chunked framing: no client de-chunks a replayed "
                       f"response ({_clients.failing_clients('chunk-framing')} hand the size lines to the "
                       f"caller{', whose parse fails' if text else ''}) [{_client_says(client)}]",
                       interaction=it.index, value="chunked", severity=ERROR if text else WARNING)


def _loaded(doc, path: tuple):
    """The loaded value at ``path`` of the document (None when absent): what the recorder's own
    decoder would be handed there."""
    v = doc.data
    for k in path:
        try:
            v = v[k]
        except (KeyError, IndexError, TypeError):
            return None
    return v


@rule("R013", "needs-project-serializer", WARNING)
def needs_project_serializer(cassette):
    """A vcrpy cassette that vcrpy's own serializer cannot replay: it was written by a project serializer.

    What: keys or shapes vcrpy's default YAML/JSON serializer does not write: pydantic-ai's
    ``parsed_body`` (the JSON body stored as YAML structure, by its ``tests/json_body_serializer.py``),
    or a request ``body`` that is a mapping rather than a string.

    Why: with the default serializer, vcrpy builds ``Request(**request_dict)``
    (``vcr/serializers/compat``, ``Request._from_dict``): an extra key raises ``TypeError: unexpected
    keyword argument 'parsed_body'`` and the cassette does not load; a response without ``body``
    raises ``KeyError: 'body'`` when it is played. A mapping ``body`` loads, but vcrpy's ``body``
    matcher (``matchers._transform_json``) raises ``TypeError: the JSON object must be str, bytes or
    bytearray, not dict``: it matters only when ``match_on`` names ``body``.

    Consequence: **warning** — vcrpy's own serializer would refuse the file, but the project's tests
    pass because it registers the serializer that wrote the file (``vcr.register_serializer``); the
    file depends on it. Silent when the
    configuration names that serializer (``serializer`` in ``[tool.cassette-lint.replay]``).
    Reported once per file, at the first such interaction.

    Fix: nothing, if the serializer is the project's: say so with ``serializer = "..."``. Otherwise
    re-record with vcrpy's serializer, or turn the structure back into a string body.

    FAIL::

        request:
          parsed_body: {model: gpt-4o}

    PASS::

        request:
          body: '{"model": "gpt-4o"}'
    """
    if cassette.format != "vcrpy" or cassette.profile.serializer:
        return
    parsed = []
    mapping = []
    compares_body = cassette.profile.compares("body")
    for it in cassette.http:
        for msg in (it.request, it.response):
            if msg is None:
                continue
            raw = _loaded(cassette.doc, msg.path)
            body = raw.get("body") if isinstance(raw, dict) else None
            if isinstance(raw, dict) and ("parsed_body" in raw or isinstance(body, dict) and "parsed_body" in body):
                parsed.append((it, msg))
        req = it.request
        if compares_body and req is not None and req.body is not None and req.body.path is not None \
                and req.body.path[-1] == "body" and isinstance(_loaded(cassette.doc, req.body.path), dict):
            mapping.append(it)
    if parsed:
        it, msg = parsed[0]
        n = len({i.index for i, _ in parsed})
        key = msg.path + ("parsed_body",)
        pos = cassette.doc.pos(key) if _loaded(cassette.doc, key) is not None else msg.body.pos()
        yield Problem(pos, "parsed_body: written by a project serializer (pydantic-ai's "
                       "json_body_serializer); vcrpy's default serializer refuses it (Request() got an "
                       f"unexpected keyword argument 'parsed_body'), in {n} interaction{'s' if n != 1 else ''}: "
                       "set serializer in [tool.cassette-lint.replay] when the project registers it",
                       interaction=it.index, value="parsed_body", severity=WARNING)
    if mapping:
        it = mapping[0]
        yield Problem(it.request.body.pos(), f"request body is a mapping, not a string: "
                       f"{cassette.profile.matcher} compares the body, and vcrpy's body matcher raises "
                       "TypeError on it (the JSON object must be str, bytes or bytearray, not dict), in "
                       f"{len(mapping)} interaction{'s' if len(mapping) != 1 else ''}: it needs the project "
                       "serializer that wrote it (set serializer in [tool.cassette-lint.replay])",
                       interaction=it.index, value="mapping-body", severity=WARNING)


#: request headers a client sets anew for every request (a random id, the send time): (why, severity)
_PER_REQUEST_HEADERS = {
    "idempotency-key": "a fresh idempotency key per request",
    "x-idempotency-key": "a fresh idempotency key per request",
    "traceparent": "a new W3C trace id per request",
    "sentry-trace": "a new trace id per request",
    "x-b3-traceid": "a new trace id per request",
    "x-b3-spanid": "a new span id per request",
    "x-amzn-trace-id": "a new trace id per request",
    "x-request-id": "a request id the client generates",
    "x-client-request-id": "a request id the client generates",
    "x-ms-client-request-id": "a request id the client generates",
    "x-correlation-id": "a correlation id the client generates",
    "amz-sdk-invocation-id": "a new invocation id per call (AWS SDKs)",
    "date": "the time of sending",
    "x-amz-date": "the time of signing",
    "x-ms-date": "the time of signing",
}
#: request headers that change with the machine or the SDK version: stable between two runs on one
#: machine, so reported only when one cassette holds several values (recorded on two machines or
#: versions: the client sends one of them, the interactions with the others never match)
_ENVIRONMENT_HEADERS = {
    "user-agent": "the client and its version",
    "x-stainless-package-version": "the SDK version",
    "x-stainless-runtime-version": "the runtime version",
    "x-stainless-runtime": "the runtime",
    "x-stainless-os": "the operating system",
    "x-stainless-arch": "the CPU architecture",
    "x-stainless-lang": "the SDK language",
}
#: request headers that count attempts: the first attempt of the next run sends the first value
_ATTEMPT_HEADERS = {"x-stainless-retry-count": "0", "amz-sdk-request": "attempt=1"}
_UUID = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}"
                    r"-[0-9a-fA-F]{12}(?![0-9A-Za-z])")
#: what every UUID holds, a literal the regex engine skips to (the UUID expression alone scans every offset)
_UUID_HINT = re.compile(r"-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB]")
_ISO_TIME = re.compile(r"\b(20\d\d-[01]\d-[0-3]\d)[T ]([0-2]\d:[0-5]\d:[0-5]\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?\b")
_EPOCH = re.compile(r"(?<![\d.])(1[5-9]\d{8})(\d{3})?(?![\d.])")
#: a cheap test before the recording time is parsed (``email.utils`` costs a start-up ~5 ms)
_TIME_HINT = re.compile(r"20\d\d-[01]\d-[0-3]\d[T ]")
_EPOCH_HINT = re.compile(r"(?<![\d.])1[5-9]\d{8}(?![\d.])|(?<![\d.])1[5-9]\d{11}(?![\d.])")
#: how close to the recording time a timestamp must be to be the time of the request (seconds)
_NEAR = 2 * 86400


def _recorded_at(it):
    """The time the interaction was recorded (the response's ``Date``), as epoch seconds, or None."""
    resp = it.response
    date = resp.headers.value("Date") if resp is not None and resp.headers is not None else None
    if not date:
        return None
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _near_times(text: str, at: float):
    """``(offset, value)`` of timestamps in ``text`` within :data:`_NEAR` of ``at``."""
    from datetime import datetime, timezone

    for m in _ISO_TIME.finditer(text):
        try:
            t = datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}")
        except ValueError:
            continue
        zone = m.group(3)
        if zone and zone != "Z":
            t = datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}{zone[:3]}:{zone[-2:]}")
        elif t.tzinfo is None:
            t = t.replace(tzinfo=timezone.utc)
        if abs(t.timestamp() - at) <= _NEAR:
            yield m.start(), m.group(0)
    for m in _EPOCH.finditer(text):
        if abs(int(m.group(1)) - at) <= _NEAR:
            yield m.start(), m.group(0)


def _top_values(value, depth: int = 2) -> list[str]:
    """The scalars of a JSON value down to ``depth`` levels of objects and arrays, as text."""
    out: list[str] = []
    stack = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            if d < depth:
                stack += [(x, d + 1) for x in v.values()]
        elif isinstance(v, list):
            if d < depth:
                stack += [(x, d + 1) for x in v]
        elif isinstance(v, str):
            out.append(v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(repr(v))
    return out


def _seen_in_responses(cassette, upto: int) -> str:
    """The bodies and headers of the responses before interaction ``upto`` (what a client may echo)."""
    parts = []
    for it in cassette.http:
        if it.index >= upto:
            break
        resp = it.response
        if resp is None:
            continue
        if resp.body is not None and resp.body.text:
            parts.append(resp.body.text)
        if resp.headers is not None:
            parts += [str(v.value) for _, vals in resp.headers for v in vals]
    return "\n".join(parts)


@rule("R014", "volatile-value-in-matched-field", ERROR)
def volatile_value_in_matched_field(cassette):
    """A request field the matcher compares holds a value the client sends differently every time.

    What: in a field the profile's matcher compares (headers under go-vcr v4's default matcher or a
    ``match_on`` with ``headers``; the body with ``body``/``raw_body``; the URL always), a value that
    the next live request will not repeat:

    - per request (**error**): ``Idempotency-Key``, ``traceparent``/``sentry-trace``/``X-Amzn-Trace-Id``,
      client request ids (``X-Request-Id``, ``X-Client-Request-Id``, ``amz-sdk-invocation-id``),
      ``Date``/``X-Amz-Date``, the multipart ``boundary`` (random in requests, httpx and Go's
      ``mime/multipart``) in ``Content-Type`` or the body;
    - per machine or version (**warning**): ``User-Agent``, ``x-stainless-os``/``-arch``/``-runtime``/
      ``-runtime-version``/``-package-version`` — stable between two runs on one machine, so reported
      only when one cassette holds several values for one client (the same product in the
      ``User-Agent``, the same host): recorded on two machines or SDK versions, and the client sends
      one of them;
    - per attempt (**warning**): ``x-stainless-retry-count`` other than ``0``, ``amz-sdk-request``
      other than ``attempt=1``: recorded on a retry, while the next run's first attempt sends the first
      value;
    - generated values (**warning**): a UUID no earlier response of the cassette holds (an id the
      server sent is replayed with its response, so it comes back; one the client made need not),
      a timestamp within two days of the recording time (the response's ``Date``).

    Why: the matcher compares the live request with the recorded one; the next run sends a new
    value, nothing matches, and the test fails (vcrpy ``CannotOverwriteExistingCassetteException``,
    go-vcr ``ErrInteractionNotFound``) or, in a recording mode, silently re-records.

    Consequence: as listed; only fields the profile compares are looked at (vcrpy's and Ruby VCR's
    default matchers compare no headers and no body: only the URL is checked there). Azure
    test-proxy recordings: a warning, not an error, unless ``match-on`` is configured — the SDK test
    frameworks set the proxy's matcher and sanitizers in test code the recording does not show (on
    ``../shared/corpus``, openai-dotnet's multipart uploads replay in its CI although their
    boundaries are random).

    Fix: drop the field from the match (``match_on`` without ``headers``; go-vcr: a matcher that
    ignores the header), filter it on both sides (vcrpy ``filter_headers``/``before_record_request``
    applies to the live request too), or make the test send a fixed value.

    FAIL (``match_on`` with ``headers``)::

        headers:
          Idempotency-Key: [3f1b7a42-9c1e-4d2a-b7e8-0f6c2d9a1e55]

    PASS::

        headers:
          Content-Type: [application/json]
    """
    profile = cassette.profile
    headers_compared = profile.compares("headers")
    body_compared = profile.compares("body") or profile.compares("raw_body")
    url_compared = profile.compares("uri") or profile.compares("query")
    if not (headers_compared or body_compared or url_compared):
        return
    first: dict = {}  # (field, severity) -> [pos, interaction, why, count]: one finding per field and file

    def found(pos, it, field, why, severity):
        got = first.get((field.lower(), severity))
        if got is None:
            first[(field.lower(), severity)] = [pos, it.index, field, why, 1]
        else:
            got[4] += 1

    _volatile(cassette, profile, headers_compared, body_compared, url_compared, found)
    # the Azure SDK test frameworks set the test-proxy's matcher and sanitizers in test code
    # (``SetMatcher``, ``CompareBodies``, body sanitizers for multipart uploads) that the recording does
    # not show: under its default matcher this breaks, under the project's it may not
    in_code = profile.library == "test-proxy" and profile.match_on is None
    for (_, severity), (pos, index, field, why, n) in first.items():
        if in_code and severity is ERROR:
            severity = WARNING
            verdict = ("never matches it — unless the test code sets another matcher or a sanitizer, as "
                       "Azure SDK test frameworks do (name what it compares with match-on to make this an error)")
        else:
            verdict = "never matches it" if severity is ERROR else "may not match it"
        yield Problem(pos, f"{field}: {why}, so the next live request differs and {profile.matcher} "
                       f"{verdict}" + (f" (in {n} interactions)" if n > 1 else ""),
                       interaction=index, value=field, severity=severity)


def _volatile(cassette, profile, headers_compared, body_compared, url_compared, found):
    """Calls ``found(pos, interaction, field, why, severity)`` for every volatile value (R014)."""
    environment: dict = {}  # header -> [(value, Value, interaction, name)]
    for it in cassette.http:
        req = it.request
        if req is None:
            continue
        seen = None
        boundary = None
        if req.headers is not None:
            ct = req.headers.value("Content-Type", "") or ""
            m = re.search(r"boundary=\"?([^\";]+)", ct, re.I)
            boundary = m.group(1) if m and len(m.group(1)) >= 8 else None
        if headers_compared and req.headers is not None:
            for name, vals in req.headers:
                low = name.lower()
                for v in vals:
                    value = v.value if isinstance(v.value, str) else str(v.value)
                    if not value.strip():
                        continue
                    if low in _PER_REQUEST_HEADERS:
                        if is_placeholder(value):
                            continue  # a fixed value the project writes on both sides
                        found(v.pos, it, f"header {name}", _PER_REQUEST_HEADERS[low], ERROR)
                    elif low in _ENVIRONMENT_HEADERS:
                        environment.setdefault(low, []).append((value, v, it, name))
                    elif low in _ATTEMPT_HEADERS:
                        first_try = _ATTEMPT_HEADERS[low]
                        if not value.strip().startswith(first_try):
                            found(v.pos, it, f"header {name}", f"recorded on a retry ({value[:20]!r}); the next "
                                  f"run's first attempt sends {first_try!r}", WARNING)
                    elif low == "content-type" and boundary:
                        found(v.pos, it, f"header {name}", "the multipart boundary is random per request",
                                    ERROR)
                    elif low == "authorization" and value.startswith("AWS4-HMAC-SHA256"):
                        found(v.pos, it, f"header {name}", "a SigV4 signature over the time of signing",
                                    ERROR)
                    elif "-" in value:
                        u = _UUID.search(value)
                        if u:
                            seen = _seen_in_responses(cassette, it.index) if seen is None else seen
                            if u.group(0).lower() not in seen.lower():
                                found(v.pos, it, f"header {name}", "a UUID no earlier response holds "
                                            "(generated by the client)", WARNING)
        body = req.body
        if body_compared and body is not None and body.text:
            text = body.text
            if boundary and boundary in text and not headers_compared:
                found(body.pos(text.index(boundary)), it, "body",
                            "the multipart boundary is random per request", ERROR)
            else:
                # a client puts the values it generates at the top of its payload (ids, metadata,
                # timestamps); what lies deeper (a conversation's messages) came from earlier responses
                # or the test, so a JSON body is searched in its top two levels only, other bodies whole
                top = _top_values(req.json_body) if req.json_body is not None else [text[:65536]]
                # (the hints hold no line break, and one is no digit: a value's hit is the joined
                # values' and no other; most bodies have none, then no value is searched one by one)
                joined = "\n".join(top) if len(top) > 1 else top[0] if top else ""
                uuids = _UUID_HINT.search(joined) is not None
                times = _TIME_HINT.search(joined) is not None or _EPOCH_HINT.search(joined) is not None
                for value in top if uuids else ():
                    u = _UUID.search(value) if _UUID_HINT.search(value) else None
                    if u is not None:
                        seen = _seen_in_responses(cassette, it.index) if seen is None else seen
                        if u.group(0).lower() not in seen.lower():
                            off = text.find(u.group(0))
                            found(body.pos(max(off, 0)), it, "body", f"UUID {u.group(0)[:8]}… no earlier "
                                  "response holds (generated by the client)", WARNING)
                            break
                for value in top if times else ():
                    if not (_TIME_HINT.search(value) or _EPOCH_HINT.search(value)):
                        continue
                    at = _recorded_at(it)
                    hit = next(iter(_near_times(value, at)), None) if at is not None else None
                    if hit is not None:
                        seen = _seen_in_responses(cassette, it.index) if seen is None else seen
                        if hit[1] not in seen:
                            off = text.find(hit[1])
                            found(body.pos(max(off, 0)), it, "body", f"timestamp {hit[1]} is the recording "
                                  "time (the time of the request)", WARNING)
                            break
        if url_compared and req.url is not None and isinstance(req.url.value, str) and "?" in req.url.value:
            query = req.url.value.split("?", 1)[1]
            at = _recorded_at(it) if _TIME_HINT.search(query) or _EPOCH_HINT.search(query) else None
            if at is not None:
                for _, value in _near_times(query, at):
                    found(req.url.pos, it, "query", f"timestamp {value} is the recording time", WARNING)
                    break
    groups: dict = {}  # one client: the User-Agent's product, or the host an SDK's headers went to
    for low, recorded in environment.items():
        for value, v, it, name in recorded:
            if low == "user-agent":
                key = value.split("/", 1)[0].strip().lower()
            else:
                url = it.request.url.value if it.request.url is not None else ""
                key = str(url).split("://", 1)[-1].split("/", 1)[0].lower()
            groups.setdefault((low, key), []).append((value, v, it, name))
    for (low, _), recorded in groups.items():
        values = {}
        for value, v, it, name in recorded:
            values.setdefault(value, (v, it, name))
        if len(values) < 2:
            continue  # one machine, one version: stable between runs
        last = recorded[-1][0]  # the latest recording is the client of today, most likely
        v, it, name = next(values[x] for x in values if x != last)
        others = ", ".join(repr(x[:40]) for x in values)
        found(v.pos, it, f"header {name}", f"{_ENVIRONMENT_HEADERS[low]} was recorded with {len(values)} values "
              f"({others}); the client sends one of them, so the interactions recorded with the others never "
              "match", WARNING)


#: what a redaction hook writes (not a fixed test value such as ``foo`` or ``test``, which the test sends)
_REDACTION = re.compile(r"redact|filter|scrub|mask|hidden|remov|censor|obfusc|saniti[sz]|placeholder|replace"
                         r"|\A\W*(?:<[^<>]*>|\{\{.*\}\}|\$\{.*\}|\[[^\[\]]*\])\W*\Z|\A(.)\1{2,}\Z", re.I | re.S)


def _redaction(secrets, value: str) -> bool:
    """A placeholder (:func:`cassette_lint.secrets.is_placeholder`) that a redaction hook wrote."""
    v = value.strip().strip("'\"")
    return bool(v) and secrets.is_placeholder(v) and _REDACTION.search(v) is not None


@rule("R015", "placeholder-in-matched-field", WARNING)
def placeholder_in_matched_field(cassette):
    """A redaction placeholder in a request field go-vcr's matcher compares: only a client sending it matches.

    What: a credential header (``Authorization``, ``X-Api-Key`` …) or query parameter (``api_key``,
    ``token`` …) whose recorded value is what a redaction hook writes (``REDACTED``, ``[FILTERED]``,
    ``<API_KEY>``, ``***``; a placeholder by the recognition of :mod:`cassette_lint.secrets` that names
    a redaction or is a template or a filler run — not a fixed test value like ``foo`` or ``test``,
    which the test itself sends), in a field the matcher compares.

    Why: go-vcr runs its hooks (``AfterCaptureHook``, ``BeforeSaveHook``) only when it records and
    saves; on replay the matcher compares the live request as the client sends it with the saved,
    redacted one (``Recorder.RoundTrip`` → ``requestHandler`` → ``cassette.GetInteraction``; no hook
    touches the live request). A client that sends the real key never matches; only a test that sends
    the placeholder itself in replay mode does. vcrpy applies ``before_record_request`` (and
    ``filter_headers``, ``filter_query_parameters``) to the live request before matching
    (``Cassette._responses``), and Ruby VCR puts the real value back for ``filter_sensitive_data``
    on playback: no finding under those.

    Consequence: **warning** under go-vcr when the matcher compares the field (v4's default matcher
    compares headers and the URL, v1–v3 the URL only): replay works only if the test sends exactly
    the placeholder. Silent under vcrpy and Ruby VCR.

    Fix: a matcher that ignores the field (go-vcr v4 ``cassette.WithIgnoreAuthorization()``,
    ``WithIgnoreHeaders(...)``), or make the test send the placeholder when replaying.

    FAIL (go-vcr v4, default matcher)::

        headers:
          Authorization:
          - Bearer REDACTED

    PASS::

        matcher: cassette.NewDefaultMatcher(cassette.WithIgnoreAuthorization())
    """
    profile = cassette.profile
    if profile.library != "go-vcr":
        return
    headers_compared = profile.compares("headers")
    url_compared = profile.compares("url")
    first: dict = {}
    for it in cassette.http:
        req = it.request
        if req is None:
            continue
        if headers_compared and req.headers is not None:
            for name, vals in req.headers:
                if not secrets.sensitive_header(name):
                    continue
                for v in vals:
                    if not isinstance(v.value, str) or not v.value.strip():
                        continue
                    a, b, _ = secrets.credential_span(v.value)
                    if _redaction(secrets, v.value[a:b]):
                        first.setdefault(("header", name.lower()), [v.pos, it.index, f"header {name}", 0])[3] += 1
        if url_compared and req.url is not None and isinstance(req.url.value, str) and "?" in req.url.value:
            query = req.url.value.split("?", 1)[1]
            for m in re.finditer(r"([^&=;#\s]+)=([^&#\s]*)", query):
                if secrets.norm_key(m.group(1)) in secrets.CREDENTIAL_PARAMS and m.group(2) \
                        and _redaction(secrets, m.group(2)):
                    first.setdefault(("query", m.group(1)), [req.url.pos, it.index,
                                                             f"query parameter {m.group(1)}", 0])[3] += 1
    for pos, index, field, n in first.values():
        yield Problem(pos, f"{field} holds a redaction placeholder: {profile.label} applies its hooks only when "
                       f"saving, and {profile.matcher} compares the live request with it, so only a client "
                       "that sends the placeholder matches" + (f" (in {n} interactions)" if n > 1 else ""),
                       interaction=index, value=field, severity=WARNING)


def _url_parts(it) -> tuple[str, str]:
    """(URL without its query, the query) of the interaction's request."""
    url = it.request.url.value if it.request is not None and it.request.url is not None else ""
    url = str(url)
    base, _, query = url.partition("?")
    return base, query


def _loose_key(it) -> tuple:
    """What a re-recording repeats: the method and the URL without its query."""
    req = it.request
    method = req.method.value if req is not None and req.method is not None else None
    return (str(method).upper(), _url_parts(it)[0])


def _compared_differences(profile, a, b) -> list[str]:
    """The request fields the profile's matcher compares that differ between interactions a and b."""
    out = []
    ra, rb = a.request, b.request
    if (profile.compares("uri") or profile.compares("query")) and _url_parts(a)[1] != _url_parts(b)[1]:
        out.append("query")
    if profile.compares("body") or profile.compares("raw_body"):
        da = ra.body.data if ra.body is not None else b""
        db = rb.body.data if rb.body is not None else b""
        if da != db:
            out.append("body")
    if profile.compares("headers") and ra.headers is not None and rb.headers is not None:
        def table(h):
            return {n.lower(): (n, [str(v.value) for v in vals]) for n, vals in h}
        ta, tb = table(ra.headers), table(rb.headers)
        out += [f"header {(ta.get(n) or tb.get(n))[0]}" for n in sorted(set(ta) | set(tb))
                if (ta.get(n) or (0, None))[1] != (tb.get(n) or (0, None))[1]]
    return out


@rule("R016", "re-recorded-block", WARNING)
def re_recorded_block(cassette):
    """The conversation recorded again, differing in a field the matcher compares: ``new_episodes`` re-records it.

    What: the interactions from the first on repeat later in the file (same methods and URLs without
    the query, in the same order, two or more), and the copies differ in a request field the
    profile's matcher compares (a header under ``match_on`` with ``headers``, the query, the body).

    Why: under vcrpy's ``record_mode="new_episodes"`` (Ruby VCR ``:new_episodes``, go-vcr
    ``ModeReplayWithNewEpisodes``) a request that matches no recorded one is sent to the server and
    the exchange appended. When a compared field changes every run (R014 names such values), no
    request of the next run matches: the whole conversation is recorded again, the file grows by one
    copy a run, and the suite is not offline. Copies that the matcher cannot tell apart are a test
    that repeats its calls on purpose: not reported.

    Consequence: **warning** under every library that appends (vcrpy ``new_episodes``, Ruby VCR
    ``:new_episodes``, go-vcr ``ModeReplayWithNewEpisodes``) — the test passes, by going to the
    network; the cassette grows. httprr, the test-proxy and nock write whole files: no finding.

    Fix: take the changing field out of the match (or filter it on both sides), delete the copies
    and re-record once.

    FAIL (``match_on`` with ``headers``)::

        - request: {method: POST, uri: /v1/charges, headers: {Idempotency-Key: [a1]}}
        - request: {method: POST, uri: /v1/charges, headers: {Idempotency-Key: [b2]}}

    PASS::

        - request: {method: POST, uri: /v1/charges, headers: {Content-Type: [application/json]}}
    """
    its = [it for it in cassette.http if it.request is not None]
    n = len(its)
    if n < 2:
        return
    profile = cassette.profile
    if profile.library in _replay.RECORDS_WHOLE_FILE:
        return  # (a recorder that rewrites the whole file: nothing is appended run after run)
    keys = [_loose_key(it) for it in its]
    if keys.count(keys[0]) < 2:
        return  # the first exchange never comes again: no copy of the conversation
    # the shortest conversation the whole file repeats (a last copy may be cut short)
    k = next((p for p in range(1, n // 2 + 1) if all(keys[i] == keys[i % p] for i in range(n))), None)
    if k is None:
        return
    copies = list(range(k, n, k))
    j = copies[0]
    diffs = []
    for a in range(k):
        for c in copies:
            if c + a < n:
                diffs = _compared_differences(profile, its[a], its[c + a])
                if diffs:
                    break
        if diffs:
            break
    if not diffs or (k == 1 and not any(d.startswith("header") for d in diffs)):
        return  # copies the matcher cannot tell apart (a test that repeats its calls), or paging
    it = its[j]
    yield Problem(it.pos, f"interactions from {it.index} on repeat the conversation recorded from "
                   f"{its[0].index} ({k} exchange{'s' if k != 1 else ''}, {1 + len(copies)} copies), differing "
                   f"in {', '.join(diffs[:3])}, which {profile.matcher} compares: every new_episodes run "
                   "records it again", interaction=it.index, value=",".join(diffs[:3]), severity=WARNING)
