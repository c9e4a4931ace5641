"""Request matching of each recorder library: which recorded interaction answers which request.

A faithful reading of each library's matching and playback code; every function names the one it
mirrors. The core is a pair of views per interaction: the request **as recorded** (what the
library reads from the cassette) and the request **a client sends** for it on replay (the *live*
request). Under a profile's matcher, an interaction can answer a request when the matcher passes
on the pair; :func:`replay` plays every recorded request once, in recorded order, as a test suite
that re-runs the recorded calls does, and says which interaction answered each one.

go-vcr (``gopkg.in/dnaeon/go-vcr.v4/pkg/cassette``, vendored at e0eabf67 = v4.0.2 in the oracle)
    ``defaultMatcher.matcher`` (``NewDefaultMatcher``) compares, in this order: ``Method``,
    ``URL.String()`` against the recorded ``url``, ``Proto``/``ProtoMajor``/``ProtoMinor``,
    ``Header`` (``deepEqualContents``: nil and empty are equal), the body (``bodyMatches``: the whole
    body as a string), ``ContentLength``, ``TransferEncoding``, ``Host``, ``Form`` (after
    ``r.ParseForm()`` — see :func:`go_parse_form`), ``Trailer``, ``RemoteAddr``, ``RequestURI``.
    ``Cassette.getInteraction`` returns the first interaction that matches and was not replayed yet
    (any that matches when ``ReplayableInteractions``). v1-v3 ``DefaultMatcher``:
    ``r.Method == i.Method && r.URL.String() == i.URL``.

    The live request (:func:`go_live`) is what a Go client sends: ``http.NewRequest(method, url,
    body)`` — so ``ContentLength`` is ``len(body)`` (a recorded ``-1`` or ``0`` with a body: a
    streamed body of unknown length, kept), the URL is ``url.Parse`` d (:mod:`.gourl`) and ``Host``
    loses an empty port — then the recorded headers, ``Host``, ``Proto``, ``TransferEncoding`` and
    ``Trailer``; ``Form`` is left for the matcher's own ``ParseForm``; ``RemoteAddr`` and
    ``RequestURI`` stay empty (a client cannot set them: ``http.Client`` rejects a ``RequestURI``).
    ``http.Client.send`` adds ``Authorization: Basic …`` for a URL with user info when the header
    has none.

vcrpy (``vcr/matchers.py``, ``vcr/cassette.py``)
    ``match_on`` (default ``method, scheme, host, port, path, query``), each a function of
    ``vcr/matchers.py`` on ``vcr.request.Request`` (``uri`` parsed by ``urllib.parse.urlparse``):
    :func:`vcrpy_mismatch`. ``Cassette.play_response`` returns the first matching interaction
    whose play count is 0 (any matching one with ``allow_playback_repeats``). vcrpy applies
    ``before_record_request`` to the live request before matching (``Cassette._responses``), the
    same filter that wrote the cassette: the live request is the recorded one.

Ruby VCR (``lib/vcr/request_matcher_registry.rb``, ``lib/vcr/cassette/http_interaction_list.rb``)
    ``match_requests_on`` (default ``[:method, :uri]``); built-ins ``:method``, ``:uri`` (``URI#==``:
    normalized components), ``:body``, ``:headers`` (equality), ``:host`` (``chomp('.')``),
    ``:path``, ``:query`` (``query_parser``, ``CGI.parse`` by default), ``:body_as_json``.
    ``HTTPInteractionList#response_for`` takes the first *unused* matching interaction and, only
    when none is left and ``allow_playback_repeats`` is set, the most recently used matching one:
    a repeated request never hides a later recording.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, unquote_plus, urlparse

from . import gourl

if TYPE_CHECKING:
    from ..model import Cassette, Interaction
    from . import Profile

#: go-vcr v4 ``defaultMatcher.matcher``'s comparisons, in its order
GO_V4_FIELDS = ("method", "url", "proto", "headers", "body", "content_length", "transfer_encoding",
                "host", "form", "trailer", "remote_addr", "request_uri")
#: the go-vcr fields a ``match-on`` list can name (``uri`` is ``url``)
_GO_NAMES = set(GO_V4_FIELDS) | {"uri"}
_FORM_METHODS = ("POST", "PUT", "PATCH")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")


def _s(v: Any) -> str:
    """A scalar as go-vcr's YAML decoder gives a ``string`` field (absent/null: empty)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _int(v: Any) -> int:
    if isinstance(v, bool) or v is None:
        return 0
    try:
        return int(v)
    except (TypeError, ValueError, OverflowError):
        return 0


def _values(h) -> dict[str, tuple[str, ...]]:
    """An ``http.Header`` / ``url.Values`` as decoded: the keys as written, the values in order."""
    if h is None:
        return {}
    return {name: tuple(_s(v.value) for v in vals) for name, vals in h.items}


@functools.lru_cache(maxsize=1024)
def canonical_key(name: str) -> str:
    """``textproto.CanonicalMIMEHeaderKey``: ``content-type`` → ``Content-Type`` (token names only)."""
    if not name or not all(c.isascii() and (c.isalnum() or c in "!#$%&'*+-.^_`|~") for c in name):
        return name
    return "-".join(p[:1].upper() + p[1:].lower() for p in name.split("-"))


def header_get(h: dict[str, tuple[str, ...]], name: str) -> str:
    """``http.Header.Get``: the first value under the canonical key, exactly (a decoded cassette keeps
    its keys as written, so ``content-type`` is not found)."""
    vals = h.get(canonical_key(name))
    return vals[0] if vals else ""


# -- go-vcr -----------------------------------------------------------------------------------------


class GoRequest:
    """A request as go-vcr's matcher sees it (``cassette.Request`` fields / ``http.Request``)."""

    __slots__ = ("method", "url", "proto", "proto_major", "proto_minor", "headers", "body",
                 "content_length", "transfer_encoding", "host", "form", "trailer", "remote_addr",
                 "request_uri", "post_form", "user_info", "raw_query")

    def __init__(self):
        self.form: dict | None = None
        self.post_form: dict | None = None
        self.user_info = False
        self.raw_query = b""


def go_recorded(it: "Interaction") -> GoRequest:
    """The recorded request as ``yaml.Unmarshal`` fills ``cassette.Request``."""
    req = it.request
    g = GoRequest()
    g.method = _s(req.method.value if req.method is not None else None)
    g.url = _s(req.url.value if req.url is not None else None)
    g.proto = _s(req.proto.value if req.proto is not None else None)
    g.proto_major = _int(req.proto_major.value if req.proto_major is not None else None)
    g.proto_minor = _int(req.proto_minor.value if req.proto_minor is not None else None)
    g.headers = _values(req.headers)
    g.body = req.body.data if req.body is not None else b""
    g.content_length = _int(req.content_length.value if req.content_length is not None else None)
    g.transfer_encoding = tuple(req.transfer_encoding)
    g.host = _s(req.host.value if req.host is not None else None)
    g.form = _values(req.form)
    g.trailer = _values(req.trailer)
    g.remote_addr = _s(req.remote_addr.value if req.remote_addr is not None else None)
    g.request_uri = _s(req.request_uri.value if req.request_uri is not None else None)
    return g


class LiveError(Exception):
    """The client cannot send the request at all (``http.NewRequest`` fails): ``field`` says why."""

    def __init__(self, field: str, detail: str):
        super().__init__(detail)
        self.field = field
        self.detail = detail


def go_live(rec: GoRequest) -> GoRequest:
    """The request a Go client sends for ``rec`` (see the module doc); raises :class:`LiveError`
    where ``http.NewRequest`` returns an error (an invalid method or URL)."""
    g = GoRequest()
    method = rec.method or "GET"  # NewRequestWithContext: "" means GET
    if not _TOKEN.match(method):
        raise LiveError("method", f"net/http: invalid method {method!r}")
    g.method = method
    try:
        g.url, g.user_info, g.raw_query = gourl.request_facts(rec.url)
    except gourl.URLError as e:
        raise LiveError("url", f"url.Parse fails: {e}") from None
    g.body = rec.body
    if rec.body:
        g.content_length = rec.content_length if rec.content_length in (-1, 0) else len(rec.body)
    else:
        g.content_length = 0
    g.headers = dict(rec.headers)
    if g.user_info and not header_get(g.headers, "Authorization"):
        g.headers["Authorization"] = ("Basic …",)  # http.Client.send: basic auth from the URL
    g.host = rec.host
    g.proto, g.proto_major, g.proto_minor = rec.proto, rec.proto_major, rec.proto_minor
    g.transfer_encoding = rec.transfer_encoding
    g.trailer = rec.trailer
    g.remote_addr = g.request_uri = ""
    return g


@functools.lru_cache(maxsize=1024)
def _media_type_error(v: str) -> tuple[str, str | None]:
    """``mime.ParseMediaType``: (media type, error or None)."""
    base, _, rest = v.partition(";")
    mediatype = base.strip().lower()
    typ, slash, sub = mediatype.partition("/")
    if not typ or not _TOKEN.match(typ) or (slash and (not sub or not _TOKEN.match(sub))):
        return "", "mime: no media type" if not mediatype else "mime: expected token after slash"
    seen = set()
    s = rest
    while True:
        s = s.lstrip(" \t\r\n")
        if not s:
            return mediatype, None
        m = re.match(r'([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[!#$%&\'*+\-.^_`|~0-9A-Za-z]+)'
                     r'[ \t]*(?:;|\Z)', s)
        if m is None:
            if s.strip() == ";":
                return mediatype, None
            if s.startswith(";"):
                s = s[1:]
                if not s.strip():
                    return mediatype, None
                continue
            return mediatype, "mime: invalid media parameter"
        key = m.group(1).lower()
        if key in seen:
            return mediatype, "mime: duplicate parameter name"
        seen.add(key)
        s = s[m.end():]


def go_parse_form(r: GoRequest) -> str | None:
    """``http.Request.ParseForm`` on the live request (Go 1.19+ ``net/http/request.go``).

    For POST, PUT and PATCH, ``parsePostForm`` reads the body as ``url.ParseQuery`` when
    ``Header.Get("Content-Type")`` is ``application/x-www-form-urlencoded`` (an empty type counts
    as ``application/octet-stream``; a malformed one is an error) — and leaves the body read: a
    later ``bodyMatches`` on the same request reads nothing. ``Form`` is ``PostForm`` followed by
    the URL's query values (``url.ParseQuery(RawQuery)``). Results are kept; only the first call
    returns an error. Returns the error or None.
    """
    err = None
    if r.post_form is None:
        r.post_form = {}
        if r.method in _FORM_METHODS:
            ct = header_get(r.headers, "Content-Type") or "application/octet-stream"
            mediatype, err = _media_type_error(ct)
            if mediatype == "application/x-www-form-urlencoded":
                body, r.body = r.body, b""  # read to EOF, not put back
                vs, e = gourl.parse_query(body)
                r.post_form = vs
                err = err or e
    if r.form is None:
        form = {k: list(v) for k, v in r.post_form.items()}
        vs, e = gourl.parse_query(r.raw_query)
        err = err or e
        for k, v in vs.items():
            form.setdefault(k, []).extend(v)
        r.form = {k: tuple(v) for k, v in form.items()}
        return err
    return None


def _eq_contents(a: dict | tuple, b: dict | tuple) -> bool:
    """``deepEqualContents``: nil and an empty collection are equal, else ``reflect.DeepEqual``."""
    if not a and not b:
        return True
    return a == b


def go_form_always(profile: "Profile") -> bool | None:
    """Whether the profile's go-vcr v4 matcher calls ``ParseForm`` for every method (see below)."""
    return _form_always(profile.version)


@functools.lru_cache(maxsize=64)
def _form_always(version: str | None) -> bool | None:
    """Whether the profile's go-vcr v4 matcher calls ``ParseForm`` for every method.

    v4.0.0-v4.0.2 (the vendored ``defaultMatcher.matcher``): only for POST, PUT and PATCH ("Only
    ParseForm for non-GET requests since that would use query params"), so a GET's ``Form`` stays
    nil and must be recorded empty. go-vcr PR #122 (June 2025, "Always call
    http.Request.ParseForm", after #118 made the recorder store ``Form`` instead of ``PostForm``):
    every method, so a GET's query parameters must be in the recorded ``form``. True from v4.0.4,
    False up to v4.0.2, None when the version does not say (v4.0.3, or a major alone).
    """
    nums = tuple(int(x) for x in re.findall(r"\d+", version or "")[:3])
    if len(nums) < 3:
        return None
    if nums >= (4, 0, 4):
        return True
    if nums < (4, 0, 3):
        return False
    return None


def go_fields(profile: "Profile") -> tuple[str, ...]:
    """The go-vcr fields the profile's matcher compares, in ``defaultMatcher.matcher``'s order."""
    if profile.match_on is not None:
        names = {"url" if f == "uri" else f for f in profile.match_on if f in _GO_NAMES}
        return tuple(f for f in GO_V4_FIELDS if f in names)
    if (profile.major or 4) >= 4:
        return GO_V4_FIELDS
    return ("method", "url")


def go_mismatch(live: GoRequest, rec: GoRequest, fields: tuple[str, ...], form_always: bool) -> str | None:
    """The first field where ``defaultMatcher.matcher`` (restricted to ``fields``) rejects ``rec``
    for ``live``, or None when it matches. Mutates ``live`` as Go does (``ParseForm``)."""
    for f in fields:
        if f == "method":
            if live.method != rec.method:
                return f
        elif f == "url":
            if live.url != rec.url:
                return f
        elif f == "proto":
            if (live.proto, live.proto_major, live.proto_minor) != \
                    (rec.proto, rec.proto_major, rec.proto_minor):
                return f
        elif f == "headers":
            if not _eq_contents(live.headers, rec.headers):
                return f
        elif f == "body":
            if live.body != rec.body:
                return f
        elif f == "content_length":
            if live.content_length != rec.content_length:
                return f
        elif f == "transfer_encoding":
            if not _eq_contents(live.transfer_encoding, rec.transfer_encoding):
                return f
        elif f == "host":
            if live.host != rec.host:
                return f
        elif f == "form":
            if form_always or live.method in _FORM_METHODS:
                if go_parse_form(live) is not None:
                    return f
            if not _eq_contents(live.form or {}, rec.form):
                return f
        elif f == "trailer":
            if not _eq_contents(live.trailer, rec.trailer):
                return f
        elif f == "remote_addr":
            if live.remote_addr != rec.remote_addr:
                return f
        elif f == "request_uri":
            if live.request_uri != rec.request_uri:
                return f
    return None


# -- vcrpy ------------------------------------------------------------------------------------------


class PyRequest:
    """A request as ``vcr.request.Request`` holds it after ``Request._from_dict``."""

    __slots__ = ("method", "uri", "body", "headers", "parsed")

    def __init__(self, it: "Interaction"):
        req = it.request
        self.method = req.method.value if req.method is not None else None
        self.uri = _s(req.url.value if req.url is not None else None)
        self.parsed = _urlparse(self.uri)
        self.body = req.body.data if req.body is not None else None
        # HeadersDict: a list value keeps its first element; names compare case-insensitively
        self.headers = {}
        if req.headers is not None:
            for name, vals in req.headers.items:
                if vals and name.lower() not in self.headers:
                    self.headers[name.lower()] = vals[0].value

    # vcr.request.Request's properties
    @property
    def port(self):
        try:
            port = self.parsed.port
        except ValueError:
            return None
        if port is None:
            port = {"https": 443, "http": 80}.get(self.parsed.scheme)
        return port

    def header(self, name: str) -> str:
        v = self.headers.get(name.lower(), "")
        return v.decode("utf-8") if isinstance(v, bytes) else _s(v)


def _normalized_uri(r: PyRequest) -> str:
    """``vcr.matchers._normalized_uri``: a bare-host URL compares equal to the one with ``/``."""
    if r.parsed.path:
        return r.uri
    authority = f"{r.parsed.scheme}://{r.parsed.netloc}"
    if not r.uri.startswith(authority):
        return r.uri
    return authority + "/" + r.uri[len(authority):]


def _dechunk(body: bytes | None):
    """``vcr.matchers._dechunk`` (for bytes bodies)."""
    if not isinstance(body, bytes):
        return body
    chunks = []
    pos = 0
    n = len(body)
    hexdig = b"0123456789abcdefABCDEF"
    while True:
        i = pos
        for i in range(pos, n):
            if body[i] not in hexdig:
                break
        if i == 0 or body[i:i + 2] != b"\r\n":
            if pos == 0:
                return body
            raise ValueError("Malformed chunked data")
        size = int(body[pos:i], 16)
        if size == 0:
            return b"".join(chunks)
        first = i + 2
        last = first + size
        if body[last:last + 2] != b"\r\n":
            raise ValueError("Malformed chunked data")
        chunks.append(body[first:last])
        pos = last + 2


def _json(body):
    if body:
        import json

        return json.loads(body)
    return None


def _form(body):
    return None if body is None else parse_qs(body.decode("ascii"))


def _transformers(r: PyRequest) -> list:
    """``vcr.matchers._get_transformers``: chunked, form, JSON (XML-RPC: compared raw here)."""
    out = []
    if "chunked" in r.header("Transfer-Encoding").lower():
        out.append(_dechunk)
    ct = r.header("Content-Type").lower()
    if "application/x-www-form-urlencoded" in ct:
        out.append(_form)
    if "application/json" in ct:
        out.append(_json)
    return out


def _body_matches(r1: PyRequest, r2: PyRequest) -> bool:
    """``vcr.matchers.body``: both bodies through the same transforms (none when the two requests'
    headers call for different ones); a body that does not parse as its headers say is compared raw."""
    t = _transformers(r1)
    if t != _transformers(r2):
        t = []
    b1, b2 = r1.body, r2.body
    try:
        for f in t:
            b1, b2 = f(b1), f(b2)
    except (ValueError, UnicodeDecodeError):
        b1, b2 = r1.body, r2.body
    return b1 == b2


def vcrpy_mismatch(r1: PyRequest, r2: PyRequest, fields: tuple[str, ...]) -> str | None:
    """The first ``match_on`` matcher of ``vcr/matchers.py`` that fails, or None."""
    for f in fields:
        if f == "method":
            ok = r1.method == r2.method
        elif f in ("uri", "url"):
            ok = _normalized_uri(r1) == _normalized_uri(r2)
        elif f == "scheme":
            ok = r1.parsed.scheme == r2.parsed.scheme
        elif f == "host":
            ok = r1.parsed.hostname == r2.parsed.hostname
        elif f == "port":
            ok = r1.port == r2.port
        elif f == "path":
            ok = (r1.parsed.path or "/") == (r2.parsed.path or "/")
        elif f == "query":
            ok = sorted(parse_qsl(r1.parsed.query)) == sorted(parse_qsl(r2.parsed.query))
        elif f == "headers":
            ok = r1.headers == r2.headers
        elif f == "raw_body":
            ok = r1.body == r2.body
        elif f == "body":
            ok = _body_matches(r1, r2)
        else:
            continue  # a field vcrpy has no built-in matcher for
        if not ok:
            return f
    return None


# -- Ruby VCR ---------------------------------------------------------------------------------------


class RubyRequest:
    __slots__ = ("method", "uri", "body", "headers", "parsed")

    def __init__(self, it: "Interaction"):
        req = it.request
        self.method = _s(req.method.value if req.method is not None else None).lower()
        self.uri = _s(req.url.value if req.url is not None else None)
        self.parsed = _urlparse(self.uri)
        self.body = req.body.data if req.body is not None else b""
        self.headers = _values(req.headers)

    @property
    def host(self) -> str:
        """``parsed_uri.host``: as written (Ruby's URI keeps its case), without user info and port."""
        host = self.parsed.netloc.rpartition("@")[2]
        if host.startswith("["):
            return host[:host.find("]") + 1]
        return host.partition(":")[0]


def _ruby_key(r: RubyRequest, f: str):
    """What a Ruby VCR built-in matcher compares (``RequestMatcherRegistry#register_built_ins``)."""
    if f == "method":
        return r.method
    if f in ("uri", "url"):
        # URI#== compares the normalized components: scheme and host lower-cased, "" path -> "/"
        p = r.parsed
        host = r.host.lower()
        path = p.path or ("/" if p.scheme in ("http", "https") and host else "")
        return (p.scheme.lower(), p.netloc.rpartition("@")[0], host, p.port if _port_ok(p) else None,
                path, p.params, p.query, p.fragment)
    if f == "body":
        return r.body
    if f == "headers":
        return _hashable(r.headers)
    if f == "host":
        h = r.host
        return h[:-1] if h.endswith(".") else h  # host.chomp('.')
    if f == "path":
        return r.parsed.path
    if f == "query":
        # VCR.configuration.query_parser, CGI.parse by default: {key => [values]}, pairs split on & and ;
        out: dict[str, list[str]] = {}
        for pair in re.split(r"[&;]", r.parsed.query):
            if pair:
                k, _, v = pair.partition("=")
                out.setdefault(unquote_plus(k), []).append(unquote_plus(v))
        return _hashable({k: tuple(v) for k, v in out.items()})
    return None


def _urlparse(uri: str):
    """``urlparse``, or an empty parse for a URL it refuses (``http://[DONE]/``: Python 3.11.4+
    checks bracketed hosts): vcrpy's own ``Request`` raises there, so such a request matches
    nothing by its parts, and the model must not raise either."""
    try:
        return urlparse(uri)
    except ValueError:
        return urlparse("")


def _port_ok(p) -> bool:
    try:
        p.port
        return True
    except ValueError:
        return False


def _json_or_raw(body: bytes):
    try:
        import json

        return ("json", json.loads(body))
    except (ValueError, UnicodeDecodeError):
        return ("raw", body)


def ruby_mismatch(r1: RubyRequest, r2: RubyRequest, fields: tuple[str, ...]) -> str | None:
    """``RequestMatcherRegistry#register_built_ins``: the first failing matcher, or None
    (``:body_as_json``: equal bodies, or equal once parsed as JSON)."""
    for f in fields:
        if f == "body_as_json":
            j1 = _json_or_raw(r1.body)
            ok = r1.body == r2.body or (j1[0] == "json" and j1 == _json_or_raw(r2.body))
        else:
            k = _ruby_key(r1, f)
            if k is None and f not in ("uri", "url", "method", "body", "headers", "host", "path", "query"):
                continue
            ok = k == _ruby_key(r2, f)
        if not ok:
            return f
    return None


# -- playback ---------------------------------------------------------------------------------------


class Outcome:
    """What replaying request ``index`` (the one recorded there) gives under the profile."""

    __slots__ = ("index", "served", "reason", "detail")

    def __init__(self, index: int, served: int | None, reason: str | None = None, detail: str = ""):
        self.index = index
        #: the interaction that answered (None: not found, the client gets an error)
        self.served = served
        #: for a miss: the first field where the interaction's own recording rejects the request,
        #: ``consumed`` when it matched but was already played, ``url``/``method`` when the client
        #: cannot build the request (``detail`` says why)
        self.reason = reason
        self.detail = detail

    def __repr__(self) -> str:
        return f"Outcome({self.index}, served={self.served}, reason={self.reason!r})"


def _hashable(v):
    return tuple(sorted(v.items())) if isinstance(v, dict) else v


def _py_key(r: PyRequest, f: str):
    """The value a vcrpy matcher compares, for the matchers that are plain equality (None: ``body``,
    whose transforms depend on both requests)."""
    if f == "method":
        return r.method
    if f in ("uri", "url"):
        return _normalized_uri(r)
    if f == "scheme":
        return r.parsed.scheme
    if f == "host":
        return r.parsed.hostname
    if f == "port":
        return r.port
    if f == "path":
        return r.parsed.path or "/"
    if f == "query":
        return tuple(sorted(parse_qsl(r.parsed.query)))
    if f == "headers":
        return _hashable(r.headers)
    if f == "raw_body":
        return r.body
    return None


class Model:
    """The replay model of one cassette under one profile: the recorded and live views of every
    HTTP interaction and the library's matcher over them.

    Interactions are bucketed by the fields every candidate must equal (go-vcr: method and URL;
    vcrpy and Ruby VCR: every plain-equality matcher), so a request is compared only with the
    recordings that can match it — the same answers as trying them all, in the same order.
    """

    def __init__(self, cassette: "Cassette", profile: "Profile"):
        self.profile = profile
        self.interactions = [it for it in cassette.http if it.request is not None]
        lib = profile.library
        self.library = lib
        if lib == "go-vcr":
            self.fields = go_fields(profile)
            #: True/False where the version decides how go-vcr parses forms, None where it does not say
            self.form_mode = go_form_always(profile)
            self.form_always = bool(self.form_mode)
            self.recorded = [go_recorded(it) for it in self.interactions]
        elif lib == "vcrpy":
            self.fields = tuple(profile.fields)
            self.recorded = [PyRequest(it) for it in self.interactions]
        elif lib == "ruby-vcr":
            self.fields = tuple(profile.fields)
            self.recorded = [RubyRequest(it) for it in self.interactions]
        else:
            self.fields = ()
            self.recorded = []
        self.buckets: dict = {}
        for i, rec in enumerate(self.recorded):
            self.buckets.setdefault(self.key(rec), []).append(i)

    @property
    def known(self) -> bool:
        """False for a matcher cassette-lint cannot see (``custom`` without ``match-on``)."""
        return self.library in ("go-vcr", "vcrpy", "ruby-vcr") and bool(self.fields)

    def key(self, r) -> tuple:
        """The plain-equality part of what the matcher compares (equal for any pair that matches)."""
        if self.library == "go-vcr":
            return tuple(getattr(r, f) for f in ("method", "url") if f in self.fields)
        if self.library == "vcrpy":
            return tuple(_py_key(r, f) for f in self.fields)
        if self.library == "ruby-vcr":
            return tuple(_ruby_key(r, f) for f in self.fields if f != "body_as_json")
        return ()

    def live(self, k: int):
        """A fresh live request for interaction ``k`` (raises :class:`LiveError`)."""
        if self.library == "go-vcr":
            return go_live(self.recorded[k])
        return self.recorded[k]  # vcrpy / Ruby VCR: the recorded request, filtered as recorded

    def mismatch(self, live, i: int, form_always: bool | None = None) -> str | None:
        """The first field where the matcher rejects interaction ``i`` for ``live`` (go-vcr: with
        ``ParseForm`` for every method when ``form_always``, default the profile's), or None."""
        rec = self.recorded[i]
        if self.library == "go-vcr":
            return go_mismatch(live, rec, self.fields, self.form_always if form_always is None else form_always)
        if self.library == "vcrpy":
            return vcrpy_mismatch(live, rec, self.fields)
        return ruby_mismatch(live, rec, self.fields)

    def own_mismatch(self, k: int, fields: tuple[str, ...] | None = None,
                     form_always: bool | None = None) -> tuple[str, str] | None:
        """(field, detail) when the live request for ``k`` cannot match ``k``'s own recording (only
        ``fields`` compared, each on a fresh request, when given)."""
        try:
            live = self.live(k)
        except LiveError as e:
            return e.field, e.detail
        if fields is None:
            f = self.mismatch(live, k, form_always)
            return (f, "") if f else None
        for f in fields:
            if f in self.fields and go_mismatch(self.live(k), self.recorded[k], (f,),
                                                self.form_always if form_always is None else form_always):
                return f, ""
        return None

    def candidates(self, live) -> list[int]:
        return self.buckets.get(self.key(live), [])

    def replay(self, repeats: bool | None = None, form_always: bool | None = None) -> list[Outcome]:
        """Every recorded request sent once, in recorded order (``getInteraction`` /
        ``play_response`` / ``response_for``): which interaction answered each.

        A request that matches its own recording when sent alone can still miss it here: played
        already (``consumed``, without repeats), or — go-vcr — its form body read by ``ParseForm`` at
        an earlier candidate with the same request whose form differs, so ``bodyMatches`` reads
        nothing at its own (``drained``)."""
        if repeats is None:
            repeats = self.profile.allow_repeats
        n = len(self.interactions)
        played = [False] * n
        used: list[int] = []  # Ruby VCR's used list, most recent first
        out = []
        for k in range(n):
            try:
                live = self.live(k)
            except LiveError as e:
                out.append(Outcome(k, None, e.field, e.detail))
                continue
            served = None
            for i in self.candidates(live):
                if played[i] and (not repeats or self.library == "ruby-vcr"):
                    continue
                if self.mismatch(live, i, form_always) is None:
                    served = i
                    break
            if served is None and repeats and self.library == "ruby-vcr":
                for i in used:
                    if self.mismatch(live, i) is None:
                        served = i
                        break
            if served is None:
                own = self.own_mismatch(k, form_always=form_always)
                reason, detail = own if own else ("consumed" if played[k] and not repeats else "drained", "")
                out.append(Outcome(k, None, reason, detail))
                continue
            if not played[served]:
                played[served] = True
                used.insert(0, served)
            out.append(Outcome(k, served))
        return out

    def served(self, form_always: bool | None = None) -> frozenset[int]:
        """The interactions :meth:`replay` (under the profile's repeats setting) answers some
        request with, computed once per ``form_always``."""
        cache = self.__dict__.setdefault("_served", {})
        got = cache.get(form_always)
        if got is None:
            got = cache[form_always] = frozenset(o.served for o in self.replay(form_always=form_always)
                                                 if o.served is not None)
        return got

    def earlier_match(self, k: int) -> int | None:
        """The first interaction before ``k`` whose recording the live request for ``k`` matches
        (the one that answers it when repeats are allowed), or None."""
        try:
            live = self.live(k)
        except LiveError:
            return None
        for i in self.candidates(live):  # one request through every candidate, as getInteraction does
            if i >= k:
                return None
            if self.mismatch(live, i) is None:
                return i
        return None


def model_of(cassette: "Cassette") -> Model:
    """The replay model of ``cassette`` under its profile, built once and shared by the rules."""
    got = cassette.__dict__.get("_replay_model")
    if got is None or got.profile is not cassette.profile:
        got = cassette.__dict__["_replay_model"] = Model(cassette, cassette.profile)
    return got
