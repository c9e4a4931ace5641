"""Library profiles: which recorder library (and version) replays a cassette, and how it matches.

A finding means something only under the library that replays the file: a ``content_length`` that
differs from the body breaks every replay under go-vcr v4's default matcher and nothing at all under
go-vcr v3's (method and URL only) or vcrpy's. The :class:`Profile` of a file names that library, its
version where known, where that was found (the project's manifest nearest the file, the
configuration, or the cassette format's default), and the matcher settings a project chose
(``match-on``, ``allow-repeats``, ``serializer``). The pipeline attaches it to the cassette
(``cassette.profile``); rules read it to decide what a defect does and so its severity, and say in
their message which library they assume.

Found, not assumed (:func:`resolve`): the configuration (``[tool.cassette-lint.replay]`` or
``--replay-library``) wins; then the manifest nearest the cassette (:mod:`.manifest`: ``go.mod`` /
``go.sum``, Python requirement and lock files, ``Gemfile.lock``); then the format's default.
"""

from __future__ import annotations

import functools
import re

from ..records import Value

#: ``--replay-library`` names: a library, with the major version where the behaviour differs by it
LIBRARY_NAMES = ("go-vcr-v4", "go-vcr-v3", "go-vcr-v2", "go-vcr-v1", "vcrpy", "ruby-vcr", "custom",
                 "polly", "test-proxy", "httprr", "nock")

#: the default ``match_on`` of each library (the fields its default matcher compares)
DEFAULT_MATCH_ON = {
    # go-vcr v1-v3 ``cassette.DefaultMatcher``: ``r.Method == i.Method && r.URL.String() == i.URL``
    "go-vcr-v1": ("method", "url"),
    "go-vcr-v2": ("method", "url"),
    "go-vcr-v3": ("method", "url"),
    # go-vcr v4 ``NewDefaultMatcher`` (pkg/cassette/cassette.go, ``defaultMatcher.matcher``)
    "go-vcr-v4": ("method", "url", "proto", "headers", "body", "content_length", "transfer_encoding",
                  "host", "form", "trailer", "remote_addr", "request_uri"),
    # vcrpy ``VCR.__init__``: ``match_on=("method", "scheme", "host", "port", "path", "query")``
    "vcrpy": ("method", "scheme", "host", "port", "path", "query"),
    # Ruby VCR ``default_cassette_options``: ``match_requests_on: [:method, :uri]``
    "ruby-vcr": ("method", "uri"),
    # a project matcher cassette-lint cannot see: only library-independent findings stay errors
    "custom": (),
    # Polly.JS looks a request up by the entry's stored ``_id``: the md5 of the request as
    # ``matchRequestsBy`` normalized it when it was recorded (defaults in
    # packages/@pollyjs/core/src/defaults/config.js: method, headers, body, order, the URL but its
    # hash), then by ``_order``. The recorded request's own fields are never compared, so editing
    # them (a redacted header, an edited body) changes no match: nothing here is compared
    "polly": (),
    # Azure test-proxy's default ``RecordMatcher`` (Matchers/RecordMatcher.cs): method, URI, headers
    # (but its default ignored ones: Date, x-ms-date, x-ms-client-request-id, User-Agent,
    # Request-Id, traceparent …) and the body (``compareBodies`` true); sanitizers rewrite the live
    # request the same way before it is compared, so a sanitized value (``Sanitized``) still matches
    "test-proxy": ("method", "uri", "headers", "body"),
    # httprr (internal/httprr/rr.go ``replayRoundTrip``): the scrubbed request's whole wire text is
    # the map key, so every byte counts: request line, headers (Content-Length included), body
    "httprr": ("method", "url", "proto", "headers", "body", "content_length"),
    # nock (lib/interceptor.js ``match``): scope (scheme, host, port), method, path with its query,
    # and the recorded request body when there is one; no request headers unless ``reqheaders``
    "nock": ("method", "scheme", "host", "port", "path", "query", "body"),
}

#: headers a library's default matcher compares by presence only, or not at all, when it compares
#: headers: Azure test-proxy's ``RecordMatcher.IgnoredHeaders`` and ``ExcludeHeaders``
#: (Common/RecordMatcher.cs); lower-case
IGNORED_HEADERS = {
    "test-proxy": frozenset({
        "date", "x-ms-date", "x-ms-client-request-id", "x-ms-client-id", "user-agent", "x-ms-useragent",
        "x-ms-version", "if-none-match", "sec-cha-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "referrer",
        "referer", "origin", "content-length", "request-id", "traceparent",
    }),
}

#: every matcher name ``match-on`` accepts: vcrpy's built-in matchers (``vcr/matchers.py``), Ruby VCR's
#: ``request_matchers`` and go-vcr v4's default matcher fields
MATCHER_NAMES = (
    "method", "uri", "url", "scheme", "host", "port", "path", "query", "body", "raw_body", "headers",
    "proto", "content_length", "transfer_encoding", "form", "trailer", "remote_addr", "request_uri",
    "body_as_json",
)

#: recorders that write a whole file at once and never append to one (httprr ``create``: os.Create on
#: ``-httprecord``; the test-proxy writes the session at /Record/Stop; nockBack's ``record`` mode writes
#: the file only when it does not exist): no ``new_episodes``-style growth
RECORDS_WHOLE_FILE = frozenset({"httprr", "test-proxy", "nock"})

#: the library each cassette format is written by, when nothing else says which one replays it
FORMAT_DEFAULT = {
    # format 2 is written by go-vcr v2, v3 and v4; v4's matcher is the strictest and the current one
    "go-vcr-v2": ("go-vcr", "4"),
    "go-vcr-v1": ("go-vcr", "1"),
    "vcrpy": ("vcrpy", None),
    "ruby-vcr": ("ruby-vcr", None),
    "har": ("polly", None),
    "test-proxy": ("test-proxy", None),
    "httprr": ("httprr", None),
    "nock": ("nock", None),
}


class Profile(Value):
    """The library that replays a cassette. A value: equal and hashed by its fields."""

    __slots__ = ("library", "version", "source", "match_on", "allow_repeats", "serializer")

    def __init__(self, library: str, version: str | None = None, source: str = "default",
                 match_on: tuple[str, ...] | None = None, allow_repeats: bool = False,
                 serializer: str | None = None):
        #: ``go-vcr``, ``vcrpy``, ``ruby-vcr``, ``custom`` (or a recorder of another format)
        self.library = library
        #: the version as found (``4.0.2``, ``9.4.2``, a major alone ``4``), None when unknown
        self.version = version
        #: where it was found: ``go.mod``, ``uv.lock``, ``configuration``, ``default for ...``
        self.source = source
        #: the fields the project's matcher compares, None for the library's default
        self.match_on = match_on
        self.allow_repeats = allow_repeats
        #: a project serializer (vcrpy ``register_serializer``), None for the library's own
        self.serializer = serializer

    @property
    def major(self) -> int | None:
        return _major(self.version)

    @property
    def name(self) -> str:
        """The ``--replay-library`` name: ``go-vcr-v4``, ``vcrpy`` …"""
        if self.library == "go-vcr":
            return _go_name(self.version)
        return self.library

    @property
    def fields(self) -> tuple[str, ...]:
        """The request fields the matcher compares (``match_on``, or the library's default)."""
        if self.match_on is not None:
            return self.match_on
        return DEFAULT_MATCH_ON.get(self.name, ())

    def compares(self, field: str) -> bool:
        """True when the matcher compares ``field`` of the request (a :data:`MATCHER_NAMES` name;
        ``uri`` and ``url`` are one field, and so are the parts of it vcrpy names one by one)."""
        fields = self.fields
        if field in fields:
            return True
        if field in ("uri", "url"):
            return "uri" in fields or "url" in fields
        return False

    def compares_header(self, name: str) -> bool:
        """True when the matcher compares the value of request header ``name`` (it compares headers,
        and its library's default matcher does not ignore that one)."""
        if not self.compares("headers"):
            return False
        return self.match_on is not None or name.lower() not in IGNORED_HEADERS.get(self.name, ())

    @property
    def matcher(self) -> str:
        """How a message names the matcher: ``go-vcr v4's default matcher``, ``vcrpy's match_on
        (method, uri, body)``, ``a custom matcher``."""
        if self.custom:
            return "a custom matcher"
        if self.match_on is None:
            return f"{self.label}'s default matcher"
        return f"{self.label} with match_on ({', '.join(self.match_on)})"

    @property
    def custom(self) -> bool:
        return self.library == "custom"

    @property
    def label(self) -> str:
        """How a message names the library: ``go-vcr v4.0.2``, ``vcrpy 9.4.2``, ``vcrpy`` …"""
        if self.library == "custom":
            return "a custom matcher"
        if self.version is None:
            return self.library
        sep = " v" if self.library == "go-vcr" else " "
        return f"{self.library}{sep}{self.version.lstrip('v')}"

    @property
    def described(self) -> str:
        """The label with where it came from: ``go-vcr v4 (default for go-vcr-v2 cassettes)``."""
        extra = []
        if self.match_on is not None:
            extra.append("match_on=" + ",".join(self.match_on))
        if self.allow_repeats:
            extra.append("repeats allowed")
        if self.serializer:
            extra.append(f"serializer {self.serializer}")
        return f"{self.label} ({self.source}{'; ' + '; '.join(extra) if extra else ''})"

    def version_at_least(self, *parts: int) -> bool | None:
        """True/False when the version is known to that precision, None when it is not known."""
        if self.version is None:
            return None
        return _numbers(self.version, len(parts)) >= parts


# what a profile derives from its version, asked by the rules many times per file (a run sees a few
# versions): computed once per version and process

@functools.lru_cache(maxsize=256)
def _major(version: str | None) -> int | None:
    m = re.match(r"v?(\d+)", version or "")
    return int(m.group(1)) if m else None


@functools.lru_cache(maxsize=256)
def _go_name(version: str | None) -> str:
    return f"go-vcr-v{_major(version) or 4}"


@functools.lru_cache(maxsize=256)
def _numbers(version: str, n: int) -> tuple[int, ...]:
    """The first ``n`` numbers of ``version``, 0 for those it does not give."""
    nums = [int(x) for x in re.findall(r"\d+", version)[:n]]
    if len(nums) < n:
        nums += [0] * (n - len(nums))
    return tuple(nums)


def parse_library(text: str) -> tuple[str, str | None]:
    """``go-vcr-v3`` → (``go-vcr``, ``3``); ``vcrpy==8.2.0`` or ``vcrpy@8.2.0`` → (``vcrpy``, ``8.2.0``).

    Raises ``ValueError`` naming the known libraries for anything else.
    """
    m = re.fullmatch(r"\s*([A-Za-z0-9_.-]+?)\s*(?:(?:==|@)\s*v?(\d[\w.+-]*))?\s*", text or "")
    name = m.group(1).lower() if m else ""
    version = m.group(2) if m else None
    if name not in LIBRARY_NAMES:
        raise ValueError(f"unknown replay library {text!r}; known: {', '.join(LIBRARY_NAMES)} "
                         "(a version may follow: vcrpy==8.2.0, go-vcr-v4@4.0.2)")
    m = re.fullmatch(r"go-vcr-v(\d)", name)
    if m:
        if version is not None and version.split(".")[0] != m.group(1):
            raise ValueError(f"replay library {text!r}: version {version} is not a v{m.group(1)} version")
        return "go-vcr", version or m.group(1)
    return name, version


def from_settings(settings: dict, source: str = "configuration") -> Profile | None:
    """The profile the configuration or the command line sets (``library`` …), or None when it names
    no library (then the manifest or the format decides, and ``match-on`` … still apply)."""
    lib = settings.get("library") or ""
    if not lib:
        return None
    library, version = parse_library(lib)
    return Profile(library, version, source)


def with_matcher(p: Profile, settings: dict) -> Profile:
    """``p`` with the matcher settings of the configuration (``match-on``, ``allow-repeats``,
    ``serializer``)."""
    match_on = settings.get("match-on")
    return Profile(p.library, p.version, p.source,
                   tuple(match_on) if match_on else p.match_on,
                   bool(settings.get("allow-repeats", p.allow_repeats)),
                   settings.get("serializer") or p.serializer)


def resolve_default(cassette_format: str) -> Profile:
    """The profile of a cassette format when nothing else says which library replays it."""
    library, version = FORMAT_DEFAULT.get(cassette_format, (cassette_format, None))
    return Profile(library, version, f"default for {cassette_format} cassettes")


def resolve(path: str, cassette_format: str, settings: dict | None = None) -> Profile:
    """The profile that judges the cassette at ``path`` (of ``cassette_format``)."""
    settings = settings or {}
    p = from_settings(settings)
    if p is None:
        from . import manifest

        p = manifest.find(path, cassette_format)
    if p is None:
        p = resolve_default(cassette_format)
    return with_matcher(p, settings) if settings else p
