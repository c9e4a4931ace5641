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
- ``serializer``: a project serializer (vcrpy ``register_serializer``) that writes what vcrpy's own
  would refuse.
"""

from __future__ import annotations

from .. import replay as _replay

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


# == R010–R029: what the client and the next live request do (replay/clients.py) ==================

import re as _re

from ..findings import ERROR as _ERROR, WARNING as _WARNING, Problem as _Problem
from ..replay import clients as _clients
from . import rule as _rule


def _client_says(client: "_clients.Client") -> str:
    """``client httpx (User-Agent python-httpx/0.27.0)`` for a message."""
    return f"{client.label} ({client.how})" if client.name else f"client unknown: {client.how}"


def _header_value(msg, name: str):
    """The first recorded value of header ``name`` (a model Value), or None."""
    return msg.headers.get(name) if msg.headers is not None else None


@_rule("R010", "content-encoding-not-stored", _ERROR)
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
    - requests (urllib3 2), Go's net/http: no finding. It replays, and it is what vcrpy itself writes
      when it records with requests and urllib3 2.
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
                consequence = ("httpx would raise DecodingError reading it; requests (urllib3 2) and Go's "
                               "net/http pass the body through")
            yield _Problem(hv.pos, f"Content-Encoding {coding} but the body is not {coding}-encoded (stored "
                           f"decoded): {consequence} [{_client_says(client)}]",
                           interaction=it.index, value=coding, severity=_ERROR if fails else _WARNING)
            continue
        optional = [t for t in tokens if t in _clients.HTTPX_DECODES_WITH]
        if optional and not resp.body.binary and resp.body.text:
            coding = optional[-1]
            yield _Problem(hv.pos, f"Content-Encoding {coding} but the body is stored as text: httpx raises "
                           f"DecodingError when {_clients.HTTPX_DECODES_WITH[coding]} is installed, otherwise "
                           f"(and under requests, Go) the body passes through [{_client_says(client)}]",
                           interaction=it.index, value=coding, severity=_WARNING)


@_rule("R011", "compressed-body-reaches-caller", _ERROR)
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
    A gzip header and gzip bytes: **error** under requests (urllib3 2); httpx and Go's net/http (whose
    caller sent its own ``Accept-Encoding`` and gunzips) read it; an unknown client: no finding.

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
            yield _Problem(resp.body.pos(), f"body is {packed}-compressed but the response has no "
                           f"Content-Encoding (Content-Type {resp.content_type}): "
                           f"{_clients.failing_clients('stored-not-declared')} hand the compressed bytes "
                           f"to the caller, whose parse fails [{_client_says(client)}]",
                           interaction=it.index, value=packed, severity=_ERROR)
        elif packed in tokens and _clients.fails(client, "stored-and-declared"):
            hv = _header_value(resp, "Content-Encoding")
            yield _Problem(hv.pos, f"Content-Encoding {packed} and a {packed}-compressed body: "
                           f"{client.label} does not decode on replay (vcrpy's VCRHTTPResponse ignores "
                           f"decode_content), so the caller gets the compressed bytes "
                           f"[{_client_says(client)}]", interaction=it.index, value=packed, severity=_ERROR)


@_rule("R012", "chunked-framing-in-body", _ERROR)
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
        yield _Problem(resp.body.pos(), "body still holds its chunked framing: no client de-chunks a replayed "
                       f"response ({_clients.failing_clients('chunk-framing')} hand the size lines to the "
                       f"caller{', whose parse fails' if text else ''}) [{_client_says(client)}]",
                       interaction=it.index, value="chunked", severity=_ERROR if text else _WARNING)
