"""Go's ``net/url``: ``url.Parse(u).String()``, the URL go-vcr's matchers compare.

Every go-vcr matcher (v1 ``DefaultMatcher`` to v4 ``defaultMatcher.matcher``) compares
``r.URL.String() == i.URL``: the live request's URL, parsed by ``http.NewRequest`` and written back
by ``URL.String()``, against the string recorded in the cassette. A recorded URL that Go would write
differently (a space or a non-ASCII character in the path, which ``String()`` percent-encodes; an
upper-case scheme, which ``Parse`` lower-cases) therefore never matches.

A line-by-line port of Go 1.19+ ``net/url`` (``url.go``: ``Parse``, ``parse``, ``getScheme``,
``parseAuthority``, ``parseHost``, ``unescape``, ``escape``, ``shouldEscape``, ``setPath``,
``EscapedPath``, ``validEncoded``, ``setFragment``, ``EscapedFragment``, ``String``), working on bytes
as Go does, and of ``http.NewRequest``'s ``removeEmptyPort``. Checked against Go itself by the
oracle test (``tests/test_replay_matchers.py``).
"""

from __future__ import annotations

import functools
import re

_HEX = b"0123456789ABCDEF"

# Go's ``encoding`` modes
PATH, PATH_SEGMENT, HOST, ZONE, USER_PASSWORD, QUERY_COMPONENT, FRAGMENT = range(1, 8)


class URLError(ValueError):
    """``url.Parse`` returned an error (``http.NewRequest`` fails: the client never sends it)."""


def _ishex(c: int) -> bool:
    return 48 <= c <= 57 or 97 <= c <= 102 or 65 <= c <= 70


def _unhex(c: int) -> int:
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102:
        return c - 97 + 10
    return c - 65 + 10


def should_escape(c: int, mode: int) -> bool:
    """``shouldEscape``: RFC 3986 §2 as Go applies it per URL component."""
    if 97 <= c <= 122 or 65 <= c <= 90 or 48 <= c <= 57:
        return False
    if mode in (HOST, ZONE) and c in b"!$&'()*+,;=:[]<>\"":
        return False
    if c in b"-_.~":
        return False
    if c in b"$&+,/:;=?@":
        if mode == USER_PASSWORD:
            return c in b"@/?:"
        if mode == PATH:
            return c == ord("?")
        if mode == PATH_SEGMENT:
            return c in b"/;,?"
        if mode == QUERY_COMPONENT:
            return True
        if mode == FRAGMENT:
            return False
    if mode == FRAGMENT and c in b"!()*":
        return False
    return True


def unescape(s: bytes, mode: int) -> bytes:
    """``unescape``: percent-decoding, with Go's errors for bad escapes and invalid host bytes."""
    if mode not in (HOST, ZONE) and b"%" not in s and (mode != QUERY_COMPONENT or b"+" not in s):
        return s  # the loop below would find nothing to do
    n = 0
    has_plus = False
    i = 0
    while i < len(s):
        c = s[i]
        if c == 37:  # %
            n += 1
            if i + 2 >= len(s) or not _ishex(s[i + 1]) or not _ishex(s[i + 2]):
                raise URLError(f"invalid URL escape {s[i:i + 3].decode('latin-1')!r}")
            if mode == HOST and _unhex(s[i + 1]) < 8 and s[i:i + 3] != b"%25":
                raise URLError(f"invalid URL escape {s[i:i + 3].decode('latin-1')!r}")
            if mode == ZONE:
                v = _unhex(s[i + 1]) << 4 | _unhex(s[i + 2])
                if s[i:i + 3] != b"%25" and v != 32 and should_escape(v, HOST):
                    raise URLError(f"invalid URL escape {s[i:i + 3].decode('latin-1')!r}")
            i += 3
        elif c == 43:  # +
            has_plus = mode == QUERY_COMPONENT
            i += 1
        else:
            if mode in (HOST, ZONE) and c < 0x80 and should_escape(c, mode):
                raise URLError(f"invalid character {chr(c)!r} in host name")
            i += 1
    if n == 0 and not has_plus:
        return s
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == 37:
            out.append(_unhex(s[i + 1]) << 4 | _unhex(s[i + 2]))
            i += 3
        elif c == 43:
            out.append(32 if mode == QUERY_COMPONENT else 43)
            i += 1
        else:
            out.append(c)
            i += 1
    return bytes(out)


@functools.lru_cache(maxsize=None)
def _safe(mode: int) -> bytes:
    """The bytes ``shouldEscape`` leaves alone in ``mode``."""
    return bytes(c for c in range(256) if not should_escape(c, mode))


def escape(s: bytes, mode: int) -> bytes:
    """``escape``: percent-encode every byte ``shouldEscape`` names (a space as ``+`` in a query)."""
    if not s.translate(None, _safe(mode)):
        return s  # nothing to escape (checked at C speed: most URLs)
    out = bytearray()
    for c in s:
        if should_escape(c, mode):
            if c == 32 and mode == QUERY_COMPONENT:
                out.append(43)
            else:
                out += b"%" + _HEX[c >> 4:(c >> 4) + 1] + _HEX[c & 15:(c & 15) + 1]
        else:
            out.append(c)
    return bytes(out)


def _valid_encoded(s: bytes, mode: int) -> bool:
    for c in s:
        if c in b"!$&'()*+,;=:@[]%":
            continue
        if should_escape(c, mode):
            return False
    return True


def _get_scheme(raw: bytes) -> tuple[bytes, bytes]:
    for i, c in enumerate(raw):
        if 97 <= c <= 122 or 65 <= c <= 90:
            continue
        if 48 <= c <= 57 or c in b"+-.":
            if i == 0:
                return b"", raw
            continue
        if c == 58:  # :
            if i == 0:
                raise URLError("missing protocol scheme")
            return raw[:i], raw[i + 1:]
        return b"", raw
    return b"", raw


def _valid_optional_port(port: bytes) -> bool:
    if port == b"":
        return True
    if port[:1] != b":":
        return False
    return all(48 <= c <= 57 for c in port[1:])


def _parse_host(host: bytes) -> bytes:
    if host.startswith(b"["):
        i = host.rfind(b"]")
        if i < 0:
            raise URLError("missing ']' in host")
        if not _valid_optional_port(host[i + 1:]):
            raise URLError(f"invalid port {host[i + 1:].decode('latin-1')!r} after host")
        zone = host[:i].find(b"%25")
        if zone >= 0:
            return unescape(host[:zone], HOST) + unescape(host[zone:i], ZONE) + unescape(host[i:], HOST)
    else:
        i = host.rfind(b":")
        if i != -1 and not _valid_optional_port(host[i:]):
            raise URLError(f"invalid port {host[i:].decode('latin-1')!r} after host")
    return unescape(host, HOST)


def _valid_userinfo(s: bytes) -> bool:
    for c in s:
        if 97 <= c <= 122 or 65 <= c <= 90 or 48 <= c <= 57:
            continue
        if c in b"-._:~!$&'()*+,;=%@":
            continue
        return False
    return True


class GoURL:
    """The fields of Go's ``url.URL`` that ``String()`` writes."""

    __slots__ = ("scheme", "opaque", "user", "host", "path", "raw_path", "omit_host", "force_query",
                 "raw_query", "fragment", "raw_fragment")

    def __init__(self):
        self.scheme = b""
        self.opaque = b""
        self.user: tuple[bytes, bytes | None] | None = None
        self.host = b""
        self.path = b""
        self.raw_path = b""
        self.omit_host = False
        self.force_query = False
        self.raw_query = b""
        self.fragment = b""
        self.raw_fragment = b""

    def escaped_path(self) -> bytes:
        if self.raw_path and _valid_encoded(self.raw_path, PATH):
            try:
                if unescape(self.raw_path, PATH) == self.path:
                    return self.raw_path
            except URLError:
                pass
        if self.path == b"*":
            return b"*"
        return escape(self.path, PATH)

    def escaped_fragment(self) -> bytes:
        if self.raw_fragment and _valid_encoded(self.raw_fragment, FRAGMENT):
            try:
                if unescape(self.raw_fragment, FRAGMENT) == self.fragment:
                    return self.raw_fragment
            except URLError:
                pass
        return escape(self.fragment, FRAGMENT)

    def string(self) -> bytes:
        """``URL.String()``."""
        buf = bytearray()
        if self.scheme:
            buf += self.scheme + b":"
        if self.opaque:
            buf += self.opaque
        else:
            if self.scheme or self.host or self.user is not None:
                if not (self.omit_host and not self.host and self.user is None):
                    if self.host or self.path or self.user is not None:
                        buf += b"//"
                    if self.user is not None:
                        name, password = self.user
                        buf += escape(name, USER_PASSWORD)
                        if password is not None:
                            buf += b":" + escape(password, USER_PASSWORD)
                        buf += b"@"
                    if self.host:
                        buf += escape(self.host, HOST)
            path = self.escaped_path()
            if path and path[:1] != b"/" and self.host:
                buf += b"/"
            if not buf and b":" in path.split(b"/", 1)[0]:
                buf += b"./"
            buf += path
        if self.force_query or self.raw_query:
            buf += b"?" + self.raw_query
        if self.fragment:
            buf += b"#" + self.escaped_fragment()
        return bytes(buf)


def parse(raw: bytes) -> GoURL:
    """``url.Parse``; raises :class:`URLError` where Go returns an error."""
    u, _, frag = raw.partition(b"#")
    url = _parse(u)
    if frag:
        f = unescape(frag, FRAGMENT)
        url.fragment = f
        url.raw_fragment = b"" if escape(f, FRAGMENT) == frag else frag
    return url


_CTL = re.compile(rb"[\x00-\x1f\x7f]")


def _parse(raw: bytes) -> GoURL:
    if _CTL.search(raw):
        raise URLError("invalid control character in URL")
    url = GoURL()
    if raw == b"*":
        url.path = b"*"
        return url
    scheme, rest = _get_scheme(raw)
    url.scheme = scheme.lower()
    if rest.endswith(b"?") and rest.count(b"?") == 1:
        url.force_query = True
        rest = rest[:-1]
    else:
        rest, _, url.raw_query = rest.partition(b"?")
    if not rest.startswith(b"/"):
        if url.scheme:
            url.opaque = rest
            return url
        if b":" in rest.split(b"/", 1)[0]:
            raise URLError("first path segment in URL cannot contain colon")
    if (url.scheme or not rest.startswith(b"///")) and rest.startswith(b"//"):
        authority, rest = rest[2:], b""
        i = authority.find(b"/")
        if i >= 0:
            authority, rest = authority[:i], authority[i:]
        i = authority.rfind(b"@")
        url.host = _parse_host(authority[i + 1:] if i >= 0 else authority)
        if i >= 0:
            userinfo = authority[:i]
            if not _valid_userinfo(userinfo):
                raise URLError("invalid userinfo")
            if b":" not in userinfo:
                url.user = (unescape(userinfo, USER_PASSWORD), None)
            else:
                name, _, password = userinfo.partition(b":")
                url.user = (unescape(name, USER_PASSWORD), unescape(password, USER_PASSWORD))
    elif url.scheme and rest.startswith(b"/"):
        url.omit_host = True
    path = unescape(rest, PATH)
    url.path = path
    url.raw_path = b"" if escape(path, PATH) == rest else rest
    return url


def remove_empty_port(host: bytes) -> bytes:
    """``http.removeEmptyPort``, applied by ``http.NewRequest`` to ``u.Host``: ``host:`` → ``host``."""
    if host.rfind(b":") > host.rfind(b"]"):
        return host[:-1] if host.endswith(b":") else host
    return host


def request_url(raw: str) -> GoURL:
    """The URL ``http.NewRequest(method, raw, body)`` gives the request (``URLError`` if it fails)."""
    u = parse(raw.encode("utf-8", "surrogateescape"))
    u.host = remove_empty_port(u.host)
    return u


def live_string(raw: str) -> str:
    """``r.URL.String()`` of the request a Go client builds from the recorded URL ``raw``."""
    return request_facts(raw)[0]


@functools.lru_cache(maxsize=4096)
def request_facts(raw: str) -> tuple[str, bool, bytes]:
    """(``r.URL.String()``, has user info, ``RawQuery``) of ``http.NewRequest``'s URL for ``raw``,
    computed once per URL (a cassette repeats its endpoints); raises :class:`URLError`."""
    u = request_url(raw)
    return u.string().decode("utf-8", "surrogateescape"), u.user is not None, u.raw_query


def parse_query(q: bytes) -> tuple[dict[str, list[str]], str | None]:
    """``url.ParseQuery``: the values (in order) and the first error (``;`` separators, bad escapes)."""
    values: dict[str, list[str]] = {}
    err = None
    while q:
        key, _, q = q.partition(b"&")
        if b";" in key:
            err = err or "invalid semicolon separator in query"
            continue
        if not key:
            continue
        key, _, value = key.partition(b"=")
        try:
            k = unescape(key, QUERY_COMPONENT)
            v = unescape(value, QUERY_COMPONENT)
        except URLError as e:
            err = err or str(e)
            continue
        name = k.decode("utf-8", "surrogateescape")
        values.setdefault(name, []).append(v.decode("utf-8", "surrogateescape"))
    return values, err
