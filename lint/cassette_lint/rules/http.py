"""HTTP consistency rules (``H``): what the recorded request and response say about themselves.

Each check compares fields that a real HTTP exchange keeps consistent — a JSON content type and a
JSON body, a status line and its code, a protocol string and its version numbers — so a mismatch
means the cassette was edited by hand or mangled by a tool.  Also here: recorded error responses
(usually an accident of recording) and mojibake (UTF-8 text decoded through a legacy code page).

Clean files pay little: JSON is parsed only for bodies whose content type says JSON (and the parse
is cached on the body for every other rule); the mojibake scan starts with ``str.isascii()`` and a
single regular expression over the telltale characters before anything is re-encoded.
"""

from __future__ import annotations

import re
from functools import lru_cache
from http import HTTPStatus

from ..findings import ERROR, WARNING, Problem
from ..streams import dialects
from . import rule

#: methods of the IANA HTTP Method Registry that recorders meet (RFC 9110, 5789, WebDAV)
KNOWN_METHODS = frozenset({
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH",
    "MKCALENDAR", "ACL", "BIND", "UNBIND", "REBIND", "LINK", "UNLINK", "MERGE", "CHECKOUT",
    "CHECKIN", "UNCHECKOUT", "VERSION-CONTROL", "MKWORKSPACE", "UPDATE", "LABEL", "BASELINE-CONTROL",
    "MKACTIVITY", "ORDERPATCH", "MKREDIRECTREF", "UPDATEREDIRECTREF", "PRI",
})
_WHITESPACE = re.compile(r"\s")  # (for str patterns, \s is exactly str.isspace)
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_PROTO = re.compile(r"^HTTP/(\d+)(?:\.(\d+))?$")
_STATUS = re.compile(r"^\s*(\d{3})(?:\s+(.*?))?\s*$")
#: an absolute http(s) URL whose host is ASCII letters, digits, ``.``, ``-`` and ``_`` and whose port
#: has at most four digits: ``urlsplit`` accepts every such URL and finds its host and a valid port
#: (property-tested). The recorded URLs are almost all of this shape; the rest go through
#: ``urlsplit``, imported only then (with ``ipaddress`` it costs every start-up ~3 ms)
_PLAIN_URL = re.compile(r"(?i:https?)://[A-Za-z0-9._\-]+(?::[0-9]{1,4})?(?:[/?#]\S*)?")
_PHRASES = {s.value: s.phrase for s in HTTPStatus}
#: phrase (lower-case) → the code it belongs to, for phrases that name exactly one code
_PHRASE_CODE = {}
for _c, _p in _PHRASES.items():
    _PHRASE_CODE.setdefault(_p.lower(), _c)


def _int(v):
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _statuses(cassette):
    """``(interaction, response, code, status text)`` of each response with an integer ``code`` and a
    string ``status`` (H002, H003)."""
    for it in cassette.http:
        r = it.response
        if r is None or r.status is None or r.code is None:
            continue
        code = _int(r.code.value)
        text = r.status.value
        if code is None or not isinstance(text, str):
            continue
        yield it, r, code, text


def _is_json_type(ct: str) -> bool:
    # (``application/stream+json`` is newline-delimited JSON, Cohere's stream: not one JSON document)
    return (ct == "application/json" or ct.endswith("+json")) and ct not in dialects.NDJSON_TYPES


def _matched(profile, field: str, what: str):
    """``(severity, consequence)`` of a recorded request ``field`` that no live client sends as
    recorded: it never replays when the profile's matcher compares the field, else it replays."""
    if profile.compares(field):
        return ERROR, f"{profile.matcher} compares the {what}, so this interaction never replays"
    return WARNING, (f"{profile.matcher} does not compare the {what}, so it replays; the recording "
                     "was edited")


# -- H001 ---------------------------------------------------------------------------------------------

def _ndjson(it) -> bool:
    from ..streams import dialects

    return dialects.is_ndjson_stream(it)


@rule("H001", "invalid-json-body", ERROR)
def invalid_json_body(cassette):
    """A body whose ``Content-Type`` is JSON (``application/json``, ``*+json``) does not parse.

    What: request and response bodies declared ``application/json`` or a ``+json`` type
    (``application/problem+json`` …) must be one JSON value. A response that holds one JSON object
    a line (newline-delimited JSON, as Ollama streams) is checked line by line by ``E006`` instead. Empty bodies (a GET that sends the
    header anyway) and bodies stored in a ``Content-Encoding`` are not checked. The finding points
    at the exact line and column inside the body where the JSON goes wrong and quotes the error.

    Why: the client decodes the replayed body and fails (``json: invalid character``), or the
    test asserts on a value that was never there. A hand edit or a truncated recording is the
    usual cause.

    Consequence per library profile (the severity follows it):

    - a response body: **error** under every library — the recorder hands the stored bytes to the
      client as they are (go-vcr ``Interaction.GetHTTPResponse``; vcrpy's httpx and requests
      stubs; Ruby VCR; Polly, nock, the test-proxy, httprr), and the caller's JSON decode fails
      (Go ``json.Unmarshal``: ``invalid character``; httpx/requests ``response.json()``:
      ``JSONDecodeError``).
    - a request body, when the matcher compares the body (go-vcr v4's default matcher compares the
      bytes; vcrpy's ``body`` matcher falls back to the raw bytes when the JSON does not parse;
      the test-proxy, httprr, nock): **error** — the client sends valid JSON, so no live request
      equals it and the interaction never replays.
    - a request body otherwise (go-vcr v1–v3, vcrpy's and Ruby VCR's default matchers, Polly,
      ``custom``): **warning** — it replays; the recorded request is not what was sent.

    Fix: repair the JSON at the reported position, or re-record.

    FAIL::

        headers:
          Content-Type: [application/json]
        body: '{"ok": true,}'

    PASS::

        headers:
          Content-Type: [application/json]
        body: '{"ok": true}'
    """
    for it in cassette.http:
        for msg in (it.request, it.response):
            if msg is None or msg.body is None or msg.headers is None:
                continue
            if not _is_json_type(msg.content_type):
                continue
            body = msg.body
            if body.text is None:
                if msg.content_encoding in ("", "identity"):
                    if msg is it.response:
                        severity, why = ERROR, (f"{cassette.profile.label} replays it as stored, so "
                                                "the client's JSON decode of the response fails")
                    else:
                        severity, why = _matched(cassette.profile, "body", "request body")
                    yield Problem(body.pos(0), f"body declared JSON is not UTF-8 text; {why}",
                                  interaction=it.index, severity=severity)
                continue
            if not body.text.strip() or msg.content_encoding not in ("", "identity"):
                continue
            _, err = body.json
            if err is None:
                continue
            if msg is it.response and _ndjson(it):
                continue  # one JSON value a line (Ollama): E006 checks each line
            off = getattr(err, "pos", 0) or 0
            if msg is it.response:
                severity, why = ERROR, (f"{cassette.profile.label} replays it as stored, so the "
                                        "client's JSON decode of the response fails")
            else:
                severity, why = _matched(cassette.profile, "body", "request body")
            yield Problem(body.pos(off),
                          f"body declared {msg.content_type} is not JSON: {err.msg}; {why}",
                          interaction=it.index, value=err.msg, severity=severity)


# -- H002 / H003 ----------------------------------------------------------------------------------------

@rule("H002", "status-code-mismatch", WARNING)
def status_code_mismatch(cassette):
    """The status line's number differs from the response ``code`` (``status: 404 Not Found``, ``code: 200``).

    What: go-vcr records Go's ``Response.Status`` (``"200 OK"``) and ``StatusCode`` (``200``); the
    number that starts the status text must be the code. A status text without a number (vcrpy's
    ``message``) is only a reason phrase and is checked by H003.

    Why: the two come from the same status line, so disagreement proves a hand edit of one of
    them — and the client sees the code while a human reading the cassette sees the text.

    Consequence: **warning** under every library — it replays and no client fails. go-vcr (v1–v4,
    ``Interaction.GetHTTPResponse``) builds the ``http.Response`` with ``StatusCode`` from ``code``
    and ``Status`` from ``status``: Go's ``http.Client`` reads neither (only the caller does, and
    callers test ``StatusCode``). The other formats record a reason phrase only (vcrpy's and Ruby
    VCR's ``message``, HAR's ``statusText``), which never holds a number, so H002 cannot fire there.

    Fix: make them agree (normally the code is what you meant).

    FAIL::

        status: 404 Not Found
        code: 200

    PASS::

        status: 200 OK
        code: 200
    """
    for it, r, code, text in _statuses(cassette):
        m = _STATUS.match(text)
        if m and int(m.group(1)) != code:
            yield Problem(r.status.pos, f"status {text!r} but code is {code}: {cassette.profile.label} "
                          f"hands the client StatusCode {code} (the text is only Status), so it replays "
                          "as code says; the status line was edited", interaction=it.index, value=text)


@rule("H003", "status-phrase-mismatch", WARNING)
def status_phrase_mismatch(cassette):
    """The status reason phrase is the standard phrase of another code (``code: 200``, ``"200 Not Found"``).

    What: the reason phrase is free text (RFC 9110 §15: clients ignore it) and providers customise
    it, and HTTP/2 has none (Go synthesises ``"200 OK"``). So a phrase is reported only when it is
    the registered phrase (``http.HTTPStatus``) of a *different* code: that is a copy-paste, not a
    customisation. Custom phrases (``"429 rate-limited upstream"``) are fine.

    Why: a cassette whose status text says one thing and code another misleads the reader.

    Consequence: **warning** (cosmetic) under every library: clients act on the code, never on the
    phrase (go-vcr sets it as ``Response.Status``; vcrpy as the stub's ``reason`` / httpx's
    ``reason_phrase``; Ruby VCR as ``status.message``), so it replays unchanged.

    Fix: use the phrase of the code (or drop the phrase).

    FAIL::

        status: 200 Not Found
        code: 200

    PASS::

        status: 200 OK
        code: 200
    """
    for it, r, code, text in _statuses(cassette):
        m = _STATUS.match(text)
        if m:
            if int(m.group(1)) != code:
                continue  # H002
            phrase = m.group(2) or ""
        else:
            phrase = text.strip()
        other = _PHRASE_CODE.get(phrase.lower())
        if other is not None and other != code:
            expected = _PHRASES.get(code)
            hint = f" (the phrase of {code} is {expected!r})" if expected else ""
            yield Problem(r.status.pos, f"reason phrase {phrase!r} belongs to {other}, but code is {code}{hint}: "
                          f"cosmetic, {cassette.profile.label} replays the code and clients ignore the phrase",
                          interaction=it.index, value=text)


# -- H004 ---------------------------------------------------------------------------------------------

@rule("H004", "proto-version-mismatch", ERROR)
def proto_version_mismatch(cassette):
    """``proto`` disagrees with ``proto_major``/``proto_minor`` (``HTTP/1.1`` with ``proto_major: 2``).

    What: go-vcr records Go's ``Proto`` string and its parsed ``ProtoMajor``/``ProtoMinor``;
    ``HTTP/2.0`` goes with 2 and 0. A ``proto`` that is not ``HTTP/<major>.<minor>`` is reported too.

    Why: the fields are parsed from the same string, so disagreement proves an edit; for a request,
    go-vcr's default matcher compares all three, so no live request can match it.

    Consequence per library profile (the severity follows it):

    - a request under go-vcr v4's default matcher (``defaultMatcher.matcher`` compares ``Proto``,
      ``ProtoMajor`` and ``ProtoMinor``; ``http.NewRequest`` always sends ``HTTP/1.1``, 1, 1, so
      at most one of two disagreeing fields can equal what the client sends), or a ``match-on``
      naming ``proto``: **error**, never replays.
    - a request under go-vcr v1–v3 (``DefaultMatcher``: method and URL) or another profile that
      does not compare ``proto``: **warning** — it replays.
    - a response: **warning** — go-vcr copies the three fields into the ``http.Response``
      (``GetHTTPResponse``) and Go's ``http.Client`` reads none of them on a response it did not
      parse from the wire.

    Fix: make the numbers agree with the string (or re-record).

    FAIL::

        proto: HTTP/1.1
        proto_major: 2
        proto_minor: 0

    PASS::

        proto: HTTP/2.0
        proto_major: 2
        proto_minor: 0
    """
    profile = cassette.profile
    for it in cassette.http:
        for msg in (it.request, it.response):
            if msg is None or msg.proto is None:
                continue
            proto = msg.proto.value
            if not isinstance(proto, str) or proto == "":
                continue
            if msg is it.request:
                severity, why = _matched(profile, "proto", "request proto")
            else:
                severity, why = WARNING, (f"{profile.label} copies it into the replayed response, which "
                                          "the client does not parse, so it replays; the recording was edited")
            m = _PROTO.match(proto)
            if m is None:
                yield Problem(msg.proto.pos, f"proto {proto!r} is not HTTP/<major>.<minor>: {why}",
                              interaction=it.index, value=proto, severity=severity)
                continue
            want = (int(m.group(1)), int(m.group(2) or 0))
            for val, expected, name in ((msg.proto_major, want[0], "proto_major"),
                                        (msg.proto_minor, want[1], "proto_minor")):
                got = _int(val.value) if val is not None else None
                if got is not None and got != expected:
                    yield Problem(val.pos, f"{name} {got} but proto is {proto!r} ({name} {expected}): {why}",
                                  interaction=it.index, value=f"{proto}/{got}", severity=severity)


# -- H005 / H006 ----------------------------------------------------------------------------------------

@rule("H005", "invalid-method", ERROR)
def invalid_method(cassette):
    """The request ``method`` is not an HTTP method (empty, has spaces, or a known one in lower case).

    What: a method is an HTTP token (RFC 9110 §9) and is case-sensitive: ``post`` is not ``POST``.
    Extension methods in upper case (``PURGE``) are accepted.

    Why: recorders match on the method byte for byte (go-vcr: ``r.Method != i.Method``; vcrpy's
    ``method`` matcher), so the interaction never replays.

    Consequence per library profile (the severity follows it):

    - go-vcr (every version: ``DefaultMatcher`` and v4's ``defaultMatcher`` compare ``Method``),
      vcrpy (``matchers.method``: ``r1.method != r2.method``; vcrpy keeps the recorded string as
      it is, and httpx and requests send upper case), the test-proxy, httprr: **error**, never
      replays.
    - Ruby VCR: recorded methods are lower-case symbols (``method: post``), which the model reads
      upper-cased: only a method that is not a token is reported, an **error**.
    - nock: ``Interceptor`` upper-cases the recorded method and the request's
      (``lib/interceptor.js``), so a known method in lower case replays: **warning**; one that is not
      a token never matches: **error**.
    - Polly (looks requests up by the stored ``_id``), ``custom``: **warning**, the recorded method is
      not what decides.

    Fix: write the method the client sends, in upper case.

    FAIL::

        method: post

    PASS::

        method: POST
    """
    profile = cassette.profile
    for it in cassette.http:
        req = it.request
        if req is None or req.method is None:
            continue
        m = req.method.value
        if not isinstance(m, str):
            continue
        if not _TOKEN.match(m):
            severity, why = _matched(profile, "method", "method")
            yield Problem(req.method.pos, f"method {m[:40]!r} is not an HTTP method (not a token), which "
                          f"no client sends: {why}", interaction=it.index, value=m, severity=severity)
        elif m not in KNOWN_METHODS and m.upper() in KNOWN_METHODS:
            if profile.library == "nock":
                severity, why = WARNING, ("nock upper-cases the recorded method before it compares, so "
                                          "it replays")
            else:
                severity, why = _matched(profile, "method", "method byte for byte")
            yield Problem(req.method.pos, f"method {m!r} is case-sensitive, the client sends {m.upper()!r}: "
                          f"{why}", interaction=it.index, value=m, severity=severity)


def _url_defect_compared(profile, parts: set[str], where: str):
    """``(severity, consequence)`` of a URL defect in ``parts`` (``scheme``, ``host``, ``port``,
    ``path``, ``query``) under ``profile``. A matcher that compares the whole URL (go-vcr, Ruby VCR's
    ``:uri``, vcrpy's ``uri``, the test-proxy, httprr) never matches it. vcrpy compares the parts it
    names, each parsed by ``urlparse``; its ``query`` matcher compares ``parse_qsl`` of both queries,
    which unquotes, so a space in a recorded query equals the ``%20`` the client sends."""
    if profile.compares("uri"):
        return ERROR, f"{profile.matcher} compares the URL, so this interaction never replays"
    named = [p for p in ("scheme", "host", "port", "path", "query") if p in parts and profile.compares(p)]
    if where == "query" and profile.library == "vcrpy":
        named = [p for p in named if p != "query"]
        if not named and profile.compares("query"):
            return WARNING, (f"{profile.matcher} compares the query after parse_qsl unquotes it, so it "
                             "replays; a client sends the space as %20")
    if named:
        return ERROR, (f"{profile.matcher} compares the {', '.join(named)}, so this interaction "
                       "never replays")
    return WARNING, f"{profile.matcher} does not compare the URL, so it replays; the recording was edited"


@rule("H006", "invalid-url", ERROR)
def invalid_url(cassette):
    """The request ``url`` is not an absolute ``http``/``https`` URL with a host.

    What: recorders store the full URL the client requested (``https://api.example.com/v1/x``). A
    relative URL, another scheme, a missing host or whitespace inside is reported.

    Why: matching compares the live request's absolute URL with the recorded one, so such an
    interaction never replays.

    Consequence per library profile (the severity follows it):

    - go-vcr (every version compares ``r.URL.String()`` with the recorded string), Ruby VCR
      (``:uri``), vcrpy with ``uri`` in ``match_on``, the test-proxy, httprr, nock: **error**,
      never replays — a client always sends an absolute http(s) URL, with a space as ``%20``.
    - vcrpy's default ``match_on`` (method, scheme, host, port, path, query): **error** when the
      defect is in a part it compares (a relative URL has no scheme and no host; a space in the
      path; a port ``urlparse`` refuses raises inside the ``port`` matcher); **warning** for a space
      only in the query: ``matchers.query`` compares ``parse_qsl`` of both queries, which unquotes
      the ``%20`` httpx and requests send, so it replays (replayed through vcrpy 9.4.2 with both
      clients in the tests).
    - Polly (looks requests up by the stored ``_id``), ``custom``, or a ``match-on`` that compares
      no part of the URL: **warning**.

    Fix: restore the absolute URL (a redaction tool may have cut it).

    FAIL::

        url: /v1/chat/completions

    PASS::

        url: https://api.openai.com/v1/chat/completions
    """
    profile = cassette.profile
    for it in cassette.http:
        req = it.request
        if req is None or req.url is None:
            continue
        u = req.url.value
        if not isinstance(u, str):
            continue
        if _PLAIN_URL.fullmatch(u):
            continue
        why = None
        parts = {"scheme", "host", "port", "path", "query"}
        where = ""
        from urllib.parse import urlsplit

        try:
            split = urlsplit(u)
            host = split.hostname
            split.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as e:
            split, bad = None, str(e)
        if _WHITESPACE.search(u):
            why = "contains whitespace"
            if split is not None and not _WHITESPACE.search(split.scheme + split.netloc):
                # (a fragment is never sent: only the path and the query are compared)
                parts = ({"path"} if _WHITESPACE.search(split.path) else set()) | \
                        ({"query"} if _WHITESPACE.search(split.query) else set())
                where = "query" if parts == {"query"} else "path"
                if split.scheme.lower() not in ("http", "https") or not host:
                    parts |= {"scheme", "host", "port"}
                    where = ""
        elif split is None:
            why = bad
        elif split.scheme.lower() not in ("http", "https"):
            why = "is not absolute http(s)" if split.scheme else "is relative (no scheme)"
            parts = {"scheme", "host", "port"} if not split.scheme else {"scheme", "port"}
        elif not host:
            why = "has no host"
            parts = {"host"}
        if why:
            severity, consequence = _url_defect_compared(profile, parts, where)
            yield Problem(req.url.pos, f"url {u[:80]!r} {why}: {consequence}", interaction=it.index,
                          value=u, severity=severity)


# -- H007 ---------------------------------------------------------------------------------------------

@rule("H007", "interaction-id-sequence", WARNING)
def interaction_id_sequence(cassette):
    """Interaction ``id``s do not run 0, 1, 2 … in order.

    What: go-vcr writes each interaction's position as its ``id``. The finding is at each id that
    does not follow the one before (the first must be 0), so one deleted interaction gives one
    finding, not one per following interaction.

    Why: a gap or a repeat means interactions were deleted, reordered or pasted by hand; go-vcr
    replays in file order, so the ids no longer say which recording is which.

    Consequence: **warning** (informational) — it replays. go-vcr (v2–v4) never reads ``id`` on
    replay: ``getInteraction`` walks ``Interactions`` in file order and ``Save`` renumbers them
    (``pkg/cassette/cassette.go``); only ``TestServerReplay`` names its subtests after it. No other
    format has the field.

    Fix: renumber the ids in order (or re-record).

    FAIL::

        - id: 0
        - id: 2

    PASS::

        - id: 0
        - id: 1
    """
    prev = None
    for it in cassette.interactions:
        v = _int(it.id.value) if it.id is not None else None
        if v is None:
            prev = None
            continue
        expected = prev + 1 if prev is not None else it.index
        if v != expected:
            yield Problem(it.id.pos, f"id {v} but expected {expected} (ids run 0, 1, 2 … in order): "
                          f"{cassette.profile.label} replays in file order and does not read ids, so it "
                          "replays; interactions were deleted or moved by hand",
                          interaction=it.index, value=str(v))
        prev = v


# -- H008 / H009 ----------------------------------------------------------------------------------------

@rule("H008", "error-response-recorded", WARNING)
def error_response_recorded(cassette):
    """A recorded response is an HTTP error (4xx or 5xx).

    What: every response with a code from 400 to 599. The message says when a later interaction
    sends the same request again (a retry) and whether that one succeeded.

    Why: a cassette that replays a rate limit (429), an overload (503/529) or an auth error (401) is
    usually an accident of recording: the test passes only because the client retried, and breaks
    when the retry policy changes. Tests of error handling do record errors on purpose: then
    suppress this rule for the file.

    Consequence: **warning** (informational) under every library — it replays exactly as recorded;
    the client sees the error the server sent then (httpx's and requests' ``raise_for_status`` and
    the SDKs built on them raise it, as they did while recording).

    Fix: re-record when the provider is healthy, or delete the failed interaction (and renumber).

    FAIL::

        response:
          status: 429 Too Many Requests
          code: 429

    PASS::

        response:
          status: 200 OK
          code: 200
    """
    inters = list(cassette.http)
    for k, it in enumerate(inters):
        r = it.response
        if r is None or r.code is None:
            continue
        code = _int(r.code.value)
        if code is None or not 400 <= code <= 599:
            continue
        phrase = _PHRASES.get(code, "")
        retry = ""
        key = _req_key(it)
        for later in inters[k + 1:]:
            if key is not None and _req_key(later) == key:
                lc = _int(later.response.code.value) if later.response and later.response.code else None
                retry = (f"; interaction {later.index} retries the same request"
                         + (f" and gets {lc}" if lc is not None else ""))
                break
        yield Problem(r.code.pos, f"recorded error response {code}{' ' + phrase if phrase else ''}"
                      f"{retry}: {cassette.profile.label} replays the error as recorded, usually an "
                      "accident of recording",
                      interaction=it.index, value=str(code))


def _req_key(it):
    req = it.request
    if req is None or req.method is None or req.url is None:
        return None
    return (req.method.value, req.url.value)


@rule("H009", "status-code-out-of-range", ERROR)
def status_code_out_of_range(cassette):
    """The response ``code`` is not a status code (outside 100–599).

    What: HTTP status codes are three digits from 100 to 599 (RFC 9110 §15).

    Why: no server sends such a code; ``0`` usually means the recorder stored a failed request (no
    response at all), a larger one is a hand edit.

    Consequence per client (the severity follows it; replayed through vcrpy 9.4.2 in the tests):

    - httpx (and the OpenAI/Anthropic SDKs on it): **error** — ``raise_for_status`` raises
      ``HTTPStatusError`` for any code outside 2xx, as the SDKs do, so the test meets an error
      the server never sent.
    - requests (urllib3 2): **error** for a code below 100 (code ``0``: the replayed body reads as
      empty, ``response.json()`` raises); **warning** above 599 — the body reads, ``ok`` is true.
    - Go's ``net/http`` through go-vcr: **warning** — ``GetHTTPResponse`` sets ``StatusCode`` as
      recorded and ``http.Client`` hands it to the caller unchecked. Through httprr, whose
      ``http.ReadResponse`` parses the stored status line: **error** unless the code has three digits
      (``malformed HTTP status code``).
    - other or unknown clients: **error**.

    Fix: write the code the server sent, or delete the interaction.

    FAIL::

        code: 0

    PASS::

        code: 200
    """
    client = None
    for it in cassette.http:
        r = it.response
        if r is None or r.code is None:
            continue
        code = _int(r.code.value)
        if code is not None and not 100 <= code <= 599:
            if client is None:
                from ..replay import clients

                client = clients.client_of(cassette)
            severity, why = _status_consequence(cassette.profile, client, code)
            yield Problem(r.code.pos, f"code {code} is not an HTTP status code (100-599): {why}",
                          interaction=it.index, value=str(code), severity=severity)


def _status_consequence(profile, client, code: int):
    """``(severity, consequence)`` of replaying status ``code`` (outside 100-599) to ``client``."""
    from ..replay import clients

    if profile.library == "httprr":
        if 100 <= code <= 999:
            return WARNING, "httprr's http.ReadResponse accepts three digits and hands it to the caller"
        return ERROR, "httprr's http.ReadResponse refuses it (malformed HTTP status code)"
    if client.name == clients.GO:
        return WARNING, (f"{profile.label} hands it to the caller as StatusCode, unchecked by Go's "
                         "net/http, so it replays")
    if client.name == clients.HTTPX:
        return ERROR, ("httpx's raise_for_status (and the SDKs built on httpx) raise on it, an error "
                       "the server never sent")
    if client.name == clients.REQUESTS:
        if code < 100:
            return ERROR, "requests (urllib3 2) through vcrpy reads the body as empty"
        return WARNING, "requests (urllib3 2) through vcrpy reads the body and calls it ok, so it replays"
    return ERROR, f"a client replaying it through {profile.label} meets a status no server sends ({client.how})"


# -- H010 mojibake ----------------------------------------------------------------------------------------

def _cp1252_table() -> dict[str, int]:
    t = {chr(b): b for b in range(0x80, 0x100)}  # latin-1, C1 controls included
    for b in range(0x80, 0xA0):
        try:
            t[bytes([b]).decode("cp1252")] = b
        except UnicodeDecodeError:
            pass
    return t


def _cp874_table() -> dict[str, int]:
    t = {}
    for b in range(0x80, 0x100):
        try:
            t[bytes([b]).decode("cp874")] = b
        except UnicodeDecodeError:
            pass
    return t


def _utf8_alternation(chars) -> bytes:
    """A bytes expression matching the UTF-8 encoding of any of ``chars``: grouped by all but the last
    byte, so ``\\xc3[\\x82-\\xb4]`` rather than fifty alternatives."""
    tails: dict[bytes, list[int]] = {}
    for c in chars:
        b = c.encode("utf-8")
        tails.setdefault(b[:-1], []).append(b[-1])
    return b"(?:" + b"|".join(re.escape(head) + b"[" + b"".join(re.escape(bytes([t])) for t in sorted(last)) + b"]"
                              for head, last in sorted(tails.items())) + b")"


@lru_cache(maxsize=None)
def _pages() -> tuple[list, tuple[re.Pattern, ...]]:
    """(pages, telltale regexes), built on first use (~2.5 ms; most files never get that far).

    A page is (name, char → byte for the code page's upper half, run regex, script range of the code
    page); the telltale pairs are a UTF-8 lead byte then a continuation byte, as each page shows them.
    The telltales are searched in the body's UTF-8 bytes, ~3x faster than in its text (whose
    non-ASCII characters make it 2 or 4 bytes per character): a UTF-8 sequence never starts inside
    another, so they match the bytes exactly where the same character pair occurs in the text. One
    expression per page, each starting with a literal byte the regex engine can skip to: ~9x faster
    than one alternation of both (3.0 -> 0.33 ms over the 91 candidate fantasy bodies).
    """
    pages = []
    alternatives = []
    for name, tab, script in (("Windows-1252/Latin-1", _cp1252_table(), None),
                              ("TIS-620/Windows-874", _cp874_table(), ("\u0e00", "\u0e7f"))):
        cls = "".join(re.escape(c) for c in sorted(tab))
        pages.append((name, tab, re.compile(f"[{cls}]{{2,}}"), script))
        leads = _utf8_alternation(c for c, b in tab.items() if 0xC2 <= b <= 0xF4)
        conts = _utf8_alternation(c for c, b in tab.items() if 0x80 <= b <= 0xBF)
        alternatives.append(leads + conts)
    return pages, tuple(re.compile(a) for a in alternatives)


#: ``\\u00c3\\u00a1``-style escapes inside JSON text
_ESCAPED = re.compile(r"(?:\\u[0-9a-fA-F]{4}){2,}")
_ESC_HINT = re.compile(r"\\u(?:00[c-fC-F]|0[eE][0-5]|20[12]|01[5-9]|02[cdCD])")


def _decode_run(run: str, tab: dict[str, int]) -> str | None:
    """``run`` re-encoded with the code page and decoded as UTF-8, when that succeeds and shrinks it."""
    try:
        raw = bytes(tab[c] for c in run)
        out = raw.decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None
    if len(out) >= len(run):
        return None
    for c in out:
        o = ord(c)
        if o < 0x20 or 0x7F <= o < 0xA0 or 0xD800 <= o < 0xE000:
            return None
    return out


def find_mojibake(text: str, data: bytes | None = None) -> list[tuple[int, int, str, str, str]]:
    """``(start, end, seen, original, code page)`` for each mojibake run of ``text``.

    A run is a maximal stretch of characters of one code page's upper half (``รก``); it counts only
    when re-encoding it with that code page gives valid UTF-8 that is shorter (``á``). A Thai run
    in a text that also holds genuine Thai (a Thai run that does not decode) counts only when an
    ASCII letter touches it, as in ``Olรก``.
    """
    out: list[tuple[int, int, str, str, str]] = []
    if text.isascii():
        return out
    if data is None:
        data = text.encode("utf-8", "surrogatepass")
    # every telltale lead is U+00C2-U+00F4 (bytes C3 xx) or Thai U+0E22-U+0E54 (E0 B8/B9 xx); one-byte
    # needles are found at memchr speed (a two-byte needle is ~20x slower on CPython 3.11)
    if b"\xc3" not in data and b"\xe0" not in data:
        return out
    pages, telltales = _pages()
    if not any(t.search(data) for t in telltales):
        return out
    for name, tab, run_re, script in pages:
        hits = []
        genuine = False
        for m in run_re.finditer(text):
            run = m.group()
            orig = _decode_run(run, tab)
            if orig is None:
                if script is not None and any(script[0] <= c <= script[1] for c in run):
                    genuine = True
                continue
            hits.append((m.start(), m.end(), run, orig))
        for s, e, run, orig in hits:
            if script is not None and genuine:
                before = text[s - 1] if s > 0 else ""
                after = text[e] if e < len(text) else ""
                if not ((before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())):
                    continue
            out.append((s, e, run, orig, name))
    out.sort()
    return out


def _find_escaped(text: str):
    """Mojibake written as JSON ``\\uXXXX`` escapes: ``(start, end, seen, original, page)``."""
    for m in _ESCAPED.finditer(text):
        chunk = m.group()
        chars = "".join(chr(int(chunk[i + 2:i + 6], 16)) for i in range(0, len(chunk), 6))
        for s, e, run, orig, name in find_mojibake(chars):
            yield m.start() + 6 * s, m.start() + 6 * e, run, orig, name


#: at most this many mojibake findings per body (the rest are summarised in the last one)
MOJIBAKE_MAX_PER_BODY = 20


@rule("H010", "mojibake", WARNING)
def mojibake(cassette):
    """Text that is UTF-8 decoded through a legacy code page (mojibake): ``Ã¡`` or ``รก`` for ``á``.

    What: a body (JSON, SSE stream, plain text) holds a run of characters that, encoded back with
    Windows-1252/Latin-1 or TIS-620/Windows-874 (Thai), are valid UTF-8 for fewer characters. The
    finding is at the exact line and column of the run inside the body and names the likely
    original text. Runs written as JSON escapes (``\\u00c3\\u00a1``) are found too.

    Not reported: genuine Latin-1 or Thai text (``café``, ``กรกฎาคม``): re-encoding it does not give
    valid UTF-8. In a body that holds genuine Thai text, a Thai run is reported only when it is glued
    to an ASCII letter (``Olรก``). Runs split across two stream chunks are not reassembled.

    Why: the provider (or a proxy, or the recorder) decoded UTF-8 bytes with the wrong charset; the
    test then asserts on garbled text, and the cassette no longer shows what the model answered.

    Consequence: **warning** under every library — it replays: the body is valid UTF-8, so the
    client decodes it without error, and the caller gets the garbled text as stored (a response: not
    what the provider meant to send; a request body: what the client sent while recording, which it
    sends again).

    Fix: re-record, or replace the run with the original text named in the message.

    FAIL::

        body: 'data: {"choices":[{"delta":{"content":"Olรก"}}]}'

    PASS::

        body: 'data: {"choices":[{"delta":{"content":"Olá"}}]}'
    """
    for it in cassette.http:
        for msg in (it.request, it.response):
            if msg is None or msg.body is None:
                continue
            text = msg.body.text
            if not text:
                continue
            if text.isascii():
                if not msg.body.unicode_escapes or not _ESC_HINT.search(text):
                    continue
                hits = list(_find_escaped(text))
            else:
                # (a decompressed body's bytes are the compressed ones: its text is encoded again)
                hits = find_mojibake(text, None if msg.body.decoded else msg.body.data)
                if msg.body.unicode_escapes and _ESC_HINT.search(text):
                    hits += list(_find_escaped(text))
                    hits.sort()
            for k, (s, e, run, orig, page) in enumerate(hits):
                if k == MOJIBAKE_MAX_PER_BODY:
                    yield Problem(msg.body.pos(s, e), f"{len(hits) - k} more mojibake runs in this body",
                                  interaction=it.index)
                    break
                yield Problem(msg.body.pos(s, e),
                              f"mojibake {run!r}: UTF-8 text decoded as {page}; the original is likely {orig!r}. "
                              f"It replays as stored under {cassette.profile.label}: the text is garbled",
                              interaction=it.index, value=run)
