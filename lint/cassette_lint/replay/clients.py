"""What the client does with a replayed response: the other half of a replay.

The matcher (:mod:`cassette_lint.replay`) decides *whether* a recorded response is played; this module
says what the HTTP client then does with it. A recorder hands the stored response to the client
without a socket, so the checks a client makes on the wire (de-chunking, length enforcement) never
run, while the ones it makes on the response object (content decoding) do. Each client was read in
its source and every row below was replayed through vcrpy with the real client (the tests replay
them again: ``tests/test_replay_clients.py``):

``httpx`` (through vcrpy ``vcr/stubs/httpx_stubs.py``, ``_deserialize_response``): the response is an
``httpx.Response`` over an ``httpx.ByteStream`` of the stored body. Reading it runs
``Response._get_content_decoder``: every ``Content-Encoding`` token httpx supports (``gzip``,
``deflate``; ``br`` only with brotli installed, ``zstd`` only with zstandard; not ``x-gzip``) is
undone, outermost first; a body that is not in that coding raises ``httpx.DecodingError`` on every
replay. ``Transfer-Encoding`` and ``Content-Length`` are wire matters (h11) and are not looked at.

``requests`` with urllib3 2 (through vcrpy ``vcr/stubs/__init__.py``): ``VCRConnection.getresponse``
returns a ``VCRHTTPResponse`` in place of urllib3's ``HTTPResponse``; its ``read()`` and ``stream()``
ignore ``decode_content`` and return the stored bytes, and its constructor deletes the
``Transfer-Encoding`` header. So requests never decodes, never de-chunks and never enforces a length
on replay: a gzip header on a decoded body is harmless (this is what vcrpy stores when it records
with requests and urllib3 2, whose ``read()`` decodes), and gzip bytes under a gzip header reach the
caller still compressed (``response.json()`` fails).

``aiohttp`` (through vcrpy ``vcr/stubs/aiohttp_stubs.py``, read from the source, not replayed in the
tests: aiohttp is not a test dependency): ``build_response`` puts the stored bytes in
``MockClientResponse._body``, and ``read()``/``text()``/``json()`` return or parse them as they are
(aiohttp decodes in its wire parser, which replay skips) — the same as requests.

Go's ``net/http`` (go-vcr ``Recorder.RoundTrip`` returns ``Interaction.GetHTTPResponse``: ``Body`` is
``io.NopCloser(strings.NewReader(body))``, ``ContentLength``, ``TransferEncoding`` and ``Header`` as
recorded): ``http.Client`` neither decodes (only ``Transport`` does, for the ``Accept-Encoding`` it
added itself — and it then stores the decoded body with ``uncompressed: true`` and no header), nor
de-chunks, nor compares ``ContentLength`` with the body. The body reaches the caller as stored.

Which client replays a vcrpy cassette is not in the project's manifest (a project has both): it is
read from the recorded requests' ``User-Agent`` (``python-httpx/…``, ``python-requests/…``, the
OpenAI and Anthropic SDKs, which are built on httpx) — the client that recorded a cassette is the one
that replays it. go-vcr cassettes are replayed by Go's ``net/http``.
"""

from __future__ import annotations

import re
import zlib

HTTPX = "httpx"
REQUESTS = "requests"
AIOHTTP = "aiohttp"
GO = "go"

#: how a message names a client
CLIENT_LABEL = {HTTPX: "httpx", REQUESTS: "requests (urllib3 2)", AIOHTTP: "aiohttp", GO: "Go's net/http"}

#: request ``User-Agent`` prefixes of clients (and the SDKs built on them), first match wins
_AGENTS = (
    (re.compile(r"^python-httpx/", re.I), HTTPX),
    # Stainless-generated SDKs (OpenAI, Anthropic, …) send "OpenAI/Python 1.78.0" and use httpx
    (re.compile(r"^(Async)?(OpenAI|Anthropic|Groq|Mistral|Together|Cerebras|Fireworks)[A-Za-z]*/Python\b", re.I),
     HTTPX),
    (re.compile(r"^python-requests/", re.I), REQUESTS),
    (re.compile(r"\baiohttp/\d", re.I), AIOHTTP),
)

#: the codings httpx undoes without optional packages (``httpx._decoders.SUPPORTED_DECODERS``)
HTTPX_DECODES = ("gzip", "deflate")
#: codings httpx undoes only when an optional package is installed
HTTPX_DECODES_WITH = {"br": "brotli", "zstd": "zstandard"}


class Client:
    """The client that reads a cassette's replayed responses, and how that was found."""

    __slots__ = ("name", "how")

    def __init__(self, name: str | None, how: str):
        #: :data:`HTTPX`, :data:`REQUESTS`, :data:`GO`, or None when unknown
        self.name = name
        #: where it was found: ``User-Agent python-httpx/0.27.0``, ``go-vcr`` …
        self.how = how

    @property
    def label(self) -> str:
        return CLIENT_LABEL.get(self.name or "", "an unknown client")

    def __repr__(self) -> str:
        return f"Client({self.name!r}, {self.how!r})"


#: what the recorders of other ecosystems hand their client (its own decoding is not modelled)
_OTHER_RECORDERS = {
    # @pollyjs/adapter-node-http getChunksFromBody: a content-encoded response must be stored as a
    # JSON array of chunks (JSON.parse(text).map): a decoded text body makes replay throw
    # ("encodedChunks.map is not a function"); @pollyjs/adapter-fetch builds a Response that passes it
    "polly": "Polly's node-http adapter throws on a content-encoded body not stored as chunks; "
             "its fetch adapter passes the body through",
    "nock": "nock replays the stored bytes under the recorded headers; Node's http passes them through",
    "test-proxy": "the test-proxy returns the stored bytes; the .NET client decodes only with "
                  "AutomaticDecompression",
}


def client_of(cassette) -> Client:
    """The client that replays ``cassette``'s responses under its profile (computed once)."""
    got = cassette.__dict__.get("_replay_client")
    if got is None:
        got = cassette.__dict__["_replay_client"] = _find_client(cassette)
    return got


def _find_client(cassette) -> Client:
    library = cassette.profile.library
    if library == "go-vcr":
        return Client(GO, "go-vcr returns the recorded response from its RoundTrip")
    if library == "httprr":  # rr.go replayRoundTrip: http.ReadResponse of the stored bytes, no decoding
        return Client(GO, "httprr returns http.ReadResponse of the recorded bytes from its RoundTrip")
    if library in _OTHER_RECORDERS:
        return Client(None, _OTHER_RECORDERS[library])
    if library != "vcrpy":
        return Client(None, f"{cassette.profile.label} client not modelled")
    for it in cassette.http:
        if it.response is not None and old_httpx_layout(it.response):
            return Client(HTTPX, "the older httpx stub layout (status_code)")
        req = it.request
        if req is None or req.headers is None:
            continue
        ua = req.headers.value("User-Agent")
        if not isinstance(ua, str):
            continue
        for rx, name in _AGENTS:
            if rx.search(ua):
                return Client(name, f"User-Agent {ua.split()[0][:40]}")
    return Client(None, "no User-Agent names the client")


def old_httpx_layout(resp) -> bool:
    """True for a response in vcrpy's older httpx stub layout (``status_code``, ``content``): only httpx
    replays it, and ``_deserialize_response`` first runs vcrpy's ``filters.decode_response`` on it,
    which undoes gzip/deflate where the body decompresses, keeps it where it does not, and drops the
    ``Content-Encoding`` header either way."""
    code = resp.code
    return code is not None and code.path[-1:] == ("status_code",)


# -- content codings ----------------------------------------------------------------------------------

#: magic bytes of compressed data: gzip (RFC 1952), zstd (RFC 8878)
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"\x28\xb5\x2f\xfd", "zstd"))

#: media types a caller parses as text (JSON, SSE, XML, form, text/*): compressed bytes there break it
_TEXTUAL = re.compile(r"^(text/|application/(.+\+)?(json|xml|x-ndjson|x-www-form-urlencoded|javascript)$"
                      r"|application/(json|xml)|application/vnd\.[^;]*\+json)")


#: media types a caller parses (JSON, JSON lines, SSE): a stray byte there fails the parse
_PARSED = re.compile(r"^(application/(.+\+)?json|application/x-ndjson|application/jsonl?|text/event-stream)$")


def parsed(content_type: str) -> bool:
    """True for a media type its caller parses (JSON, NDJSON, ``text/event-stream``)."""
    return bool(content_type) and _PARSED.match(content_type) is not None


def textual(content_type: str) -> bool:
    """True for a media type its caller reads as text (``application/json``, ``text/event-stream`` …)."""
    return bool(content_type) and _TEXTUAL.match(content_type) is not None


def codings(msg) -> list[str]:
    """The ``Content-Encoding`` tokens of ``msg`` as recorded (lower-case, in order), [] for none."""
    if msg.headers is None:
        return []
    out = []
    for v in msg.headers.get_all("Content-Encoding"):
        if isinstance(v.value, str):
            out += [t.strip().lower() for t in v.value.split(",") if t.strip()]
    return out


def compressed_as(data: bytes) -> str | None:
    """``gzip`` or ``zstd`` when ``data`` starts with that format's magic bytes, else None."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    return None


def httpx_decode_error(msg, data: bytes) -> tuple[str, str] | None:
    """``(coding, zlib's message)`` when httpx raises ``DecodingError`` reading ``data`` under
    ``msg``'s ``Content-Encoding``, else None.

    Mirrors ``Response._get_content_decoder`` and ``MultiDecoder``: the supported tokens, undone
    last-first; ``GZipDecoder`` is ``zlib.decompressobj(MAX_WBITS | 16)``, ``DeflateDecoder`` tries
    zlib-wrapped then raw deflate on its first chunk. Only the first 64 KiB are decoded: a wrong
    coding fails in the header, and httpx's ``flush`` does not raise on a truncated stream.
    """
    tokens = [t for t in codings(msg) if t in HTTPX_DECODES]
    chunk = data[:65536]
    for coding in reversed(tokens):
        try:
            if coding == "gzip":
                chunk = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(chunk)
            else:
                try:
                    chunk = zlib.decompressobj().decompress(chunk)
                except zlib.error:
                    chunk = zlib.decompressobj(-zlib.MAX_WBITS).decompress(chunk)
        except zlib.error as e:
            return coding, str(e)
        if not chunk:
            return None
    return None


#: the behaviour of each client per defect, as the rules' messages and the README state it
FAILS = {
    # a Content-Encoding the stored body is not in
    "declared-not-stored": {HTTPX: True, REQUESTS: False, AIOHTTP: False, GO: False},
    # compressed bytes under a matching Content-Encoding
    "stored-and-declared": {HTTPX: False, REQUESTS: True, AIOHTTP: True, GO: False},
    # compressed bytes without a Content-Encoding
    "stored-not-declared": {HTTPX: True, REQUESTS: True, AIOHTTP: True, GO: True},
    # a body that still holds chunked framing
    "chunk-framing": {HTTPX: True, REQUESTS: True, AIOHTTP: True, GO: True},
    # a Content-Length that differs from the body
    "length-differs": {HTTPX: False, REQUESTS: False, AIOHTTP: False, GO: False},
}


#: why a client hands compressed bytes under a matching header to its caller
NO_DECODE = {REQUESTS: "vcrpy's VCRHTTPResponse ignores decode_content",
             AIOHTTP: "vcrpy's MockClientResponse.read() returns the stored bytes"}


def fails(client: Client, defect: str) -> bool | None:
    """True/False when the client is known, None when it is not."""
    if client.name is None:
        return None
    return FAILS[defect][client.name]


def failing_clients(defect: str) -> str:
    """``httpx`` / ``httpx, requests (urllib3 2) and Go's net/http`` / ``no client``."""
    names = [CLIENT_LABEL[c] for c, f in FAILS[defect].items() if f]
    if not names:
        return "no client"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# -- chunked framing ----------------------------------------------------------------------------------

_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,8}(?:;[^\r\n]*)?\r\n")


def chunk_framed(data: bytes) -> bool:
    """True when ``data`` is still in chunked transfer coding (RFC 9112 §7.1): size lines and chunks
    down to the last chunk ``0``. A recorder stores the de-chunked body; this one kept the framing."""
    i = 0
    n = len(data)
    while i < n:
        m = _CHUNK_SIZE.match(data, i)
        if m is None:
            return False
        size = int(data[i:m.end()].split(b";")[0].strip(), 16)
        i = m.end()
        if size == 0:
            return True  # trailers may follow
        if data[i + size:i + size + 2] != b"\r\n":
            return False
        i += size + 2
    return False
