"""Content-length rules (``L``): the declared length of a body against the bytes recorded.

A recorder stores the length the HTTP library reported (go-vcr: ``content_length``, Go's
``http.Request.ContentLength`` / ``http.Response.ContentLength``) next to the body it read.  When the
two disagree, the body was edited, truncated or re-encoded after recording — and for a request, go-vcr's
default matcher (v3/v4 ``NewDefaultMatcher``) compares ``ContentLength``, so the interaction never
replays.  Lengths are compared with the **UTF-8 byte length** of the body (``"Olá"`` is 4 bytes), or
with the decoded bytes of a ``!!binary`` body.

Formats without a ``content_length`` field (vcrpy, Ruby VCR) record a ``Content-Length`` header; the
same check applies to it (the model's ``content_length_source`` names where the value came from), and
a go-vcr message that carries both is checked on both.

Go semantics, and when the check stands aside (no finding):

* ``-1`` means unknown (chunked or streamed bodies): nothing to compare.
* ``uncompressed: true``: Go's transport transparently gunzipped the body, so the stored body is the
  decompressed one while any recorded length (field or header) counts the compressed wire bytes —
  Go itself sets ``ContentLength`` to ``-1`` and drops the header in that case.  Not comparable.
* A ``Content-Encoding`` (gzip, br …) on a body that is stored as text: the body was decoded before
  it was written, the declared length is of the encoded wire bytes.  A ``!!binary`` body with a
  ``Content-Encoding`` is the wire bytes and is compared.
* ``transfer_encoding: [chunked]`` with a length of ``-1``: unknown, as above; a non-negative length
  is still compared (Go reports ``-1`` for chunked bodies, so a number there was written by hand).
* A request whose ``content_length`` is ``0`` while it has a body: Go reads 0 with a non-nil body as
  "unknown" (``http.Request.ContentLength`` docs), so this is not a mismatch.
* Responses to ``HEAD`` and responses ``1xx``/``204``/``304`` carry no body; their declared length
  describes the entity that *would* be sent (Go keeps a ``HEAD`` response's ``Content-Length``), so an
  empty body is not a mismatch.
"""

from __future__ import annotations

from ..findings import ERROR, WARNING, Edit, Fix, Problem
from . import rule

#: encodings that mean "the bytes are as recorded"
_IDENTITY = ("", "identity")


def _declared(msg):
    """``[(Value, source name, number | None)]`` for every declared length of ``msg``.

    The ``content_length`` field (or the model's value named by ``content_length_source``) first,
    then a ``Content-Length`` header that is a different value (formats that keep both).
    """
    out = []
    cl = msg.content_length
    seen = None
    if cl is not None:
        out.append((cl, msg.content_length_source or "content_length", _as_int(cl.value)))
        seen = cl.path
    if msg.headers is not None:
        for hv in msg.headers.get_all("Content-Length"):
            if hv.path == seen:
                continue
            out.append((hv, "Content-Length header", _as_int(hv.value)))
    return out


def _as_int(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        s = v.strip()
        if s.isascii() and (s.isdigit() or (s.startswith("-") and s[1:].isdigit())):
            return int(s)
    return None


def _no_body_expected(it) -> bool:
    """True for a response that by HTTP has no body (HEAD, 1xx, 204, 304)."""
    resp = it.response
    method = it.request.method.value if it.request is not None and it.request.method is not None else None
    if isinstance(method, str) and method.upper() == "HEAD":
        return True
    code = resp.code.value if resp.code is not None else None
    return isinstance(code, int) and not isinstance(code, bool) and (100 <= code < 200 or code in (204, 304))


def _comparable(msg) -> bool:
    """False when the stored body is not the bytes the declared length counts (see module doc)."""
    unc = getattr(msg, "uncompressed", None)
    if unc is not None and unc.value is True:
        return False
    if msg.content_encoding not in _IDENTITY and not msg.body.binary:
        return False
    return True


def _fix(value, n: int) -> Fix:
    """Replace exactly the bytes of the declared value with the body's length (keeping its quotes)."""
    doc = value.doc
    start, end = doc.byte_range(value.path)
    old = doc.source.data[start:end]
    new = str(n).encode()
    if old[:1] in (b'"', b"'") and old[-1:] == old[:1]:
        new = old[:1] + new + old[:1]
    return Fix(f"set the declared length to {n}", (Edit(start, end, new),), safe=True)


def _size(n: int) -> str:
    return "empty" if n == 0 else f"{n} byte" + ("" if n == 1 else "s")


def _mismatches(cassette, which: str):
    for it in cassette.http:
        msg = it.request if which == "request" else it.response
        if msg is None or msg.body is None:
            continue
        decl = _declared(msg)
        if not decl:
            continue
        if not _comparable(msg):
            continue
        n = len(msg.body.data)
        for value, source, declared in decl:
            if declared is None or declared < 0 or declared == n:
                continue
            if which == "request" and declared == 0 and source == "content_length":
                continue  # Go: 0 with a body means "unknown"
            if which == "response" and n == 0 and _no_body_expected(it):
                continue
            yield it, msg, value, source, declared, n


@rule("L001", "request-content-length-mismatch", ERROR, fixable=True)
def request_content_length(cassette):
    """A request's declared length differs from the UTF-8 byte length of its recorded body.

    What: the request's ``content_length`` (or ``Content-Length`` header) is compared with the
    number of bytes of the body as stored: UTF-8 bytes of a text body (``"Olá"`` is 4 bytes, not
    3), decoded bytes of a ``!!binary`` body.  ``-1`` (unknown) is not compared; neither is ``0`` with
    a body (Go reads that as unknown too).

    Why: go-vcr v4's default matcher (``NewDefaultMatcher``, ``defaultMatcher.matcher`` in
    ``pkg/cassette/cassette.go``) compares the live request's ``ContentLength`` with the recorded
    one, and a Go client sends ``len(body)``: a request whose body was edited after recording (a
    redacted token, a removed field) never matches again — the test fails with "requested
    interaction not found" or, in recording mode, silently re-records.

    Consequence per library profile (the severity follows it):

    - go-vcr v4 default matcher, or a ``match-on`` that names ``content_length``: **error**, never
      replays.
    - go-vcr v1–v3 (``DefaultMatcher``: method and URL), vcrpy (default ``match_on``: method,
      scheme, host, port, path, query), Ruby VCR (``[:method, :uri]``), ``custom``: **warning** —
      it replays; the recorded body is not what was sent.
    - A ``Content-Length`` *header* (vcrpy, Ruby VCR) breaks replay only when the matcher compares
      headers (``match-on`` with ``headers``): the client computes it from the body it sends. Error
      then, warning otherwise. In a go-vcr cassette the header is never what decides (a Go client's
      ``Header`` does not carry it): warning.

    Fix: ``cassette-lint check --fix`` sets the value to the body's byte length (a safe fix that
    touches only the number); or re-record.

    FAIL::

        request:
          content_length: 3
          body: Olá

    PASS::

        request:
          content_length: 4
          body: Olá
    """
    profile = cassette.profile
    for it, msg, value, source, declared, n in _mismatches(cassette, "request"):
        # a Content-Length *header* counts where the client computes it from the body it sends
        # (vcrpy, Ruby VCR); a Go client's Header never carries it (the transport writes
        # ContentLength), so the recorded header is compared with itself
        compared = (profile.compares("content_length") if source == "content_length"
                    else profile.library != "go-vcr" and profile.compares_header("Content-Length"))
        if compared:
            severity = ERROR
            why = f"{profile.matcher} compares it, so this interaction never replays"
        else:
            severity = WARNING
            why = (f"{profile.matcher} does not compare it, so it replays, but the body was changed "
                   "after recording")
        yield Problem(
            value.pos,
            f"{source} {declared} but body is {_size(n)}: {why}",
            interaction=it.index, value=f"{declared}/{n}", fix=_fix(value, n), severity=severity)


@rule("L002", "response-content-length-mismatch", WARNING, fixable=True)
def response_content_length(cassette):
    """A response's declared length differs from the UTF-8 byte length of its recorded body.

    What: the response's ``content_length`` (or ``Content-Length`` header) against the body's bytes,
    as for requests. Not compared: ``-1``; ``uncompressed: true`` (Go gunzipped the body, the length
    counted the compressed bytes); a text body with a ``Content-Encoding`` (stored decoded); an empty
    body of a ``HEAD`` response or of a ``1xx``/``204``/``304`` response.

    Why: the body no longer is what the server sent: it was truncated, re-encoded or edited by hand
    (a redaction that changed the length). On replay no modelled client enforces the length, because
    each check lives in the wire layer a recorder skips (``replay/clients.py``): vcrpy hands requests
    a ``VCRHTTPResponse`` that reads the stored bytes from a ``BytesIO`` in place of urllib3's
    ``HTTPResponse`` (whose ``enforce_content_length`` would raise ``IncompleteRead``); httpx reads an
    ``httpx.ByteStream`` of the body (h11, which counts, is not involved); go-vcr returns the body to
    Go's ``http.Client``, which does not compare ``ContentLength`` with it. Go code that trusts
    ``ContentLength`` itself (``io.LimitReader``, pre-sized buffers) may still read too little.

    Consequence per client: httpx, requests (urllib3 2), Go's net/http: **warning** — it replays,
    the recorded body is not what the server sent. The message names the client it assumes (for
    vcrpy, the recorded ``User-Agent``). A ``--severity L002=error`` restores the old default.

    Fix: ``--fix`` sets the value to the body's byte length (safe: only the number changes); if the
    body was truncated, re-record instead.

    FAIL::

        response:
          content_length: 20
          body: '{"ok": true}'

    PASS::

        response:
          content_length: 12
          body: '{"ok": true}'
    """
    from ..replay import clients

    client = None
    for it, msg, value, source, declared, n in _mismatches(cassette, "response"):
        if client is None:
            client = clients.client_of(cassette)
        if clients.fails(client, "length-differs"):  # no modelled client does (the table in clients.py)
            severity, why = ERROR, f"{client.label} enforces it, so reading the body fails"
        else:
            severity = WARNING
            who = (f"{client.label} does not enforce it on replay" if client.name else
                   f"httpx, requests and Go's net/http do not enforce it on replay ({client.how})")
            why = f"{who}, so it replays, but the body was changed after recording (edited, truncated or re-encoded)"
        yield Problem(
            value.pos, f"{source} {declared} but body is {_size(n)}: {why}",
            interaction=it.index, value=f"{declared}/{n}", fix=_fix(value, n), severity=severity)


@rule("L003", "invalid-content-length", WARNING)
def invalid_content_length(cassette):
    """A ``Content-Length`` header that is not a non-negative integer, or several that disagree.

    What: a recorded ``Content-Length`` header value must be digits (RFC 9110 §8.6); a message may
    repeat it only with the same value. (go-vcr's ``content_length`` field is typed by the schema.)

    Why: a client that parses the header from the wire rejects it (Go's ``http.ReadResponse``:
    "bad Content-Length", "message cannot contain multiple Content-Length headers"; urllib3:
    ``InvalidHeader``). Replay mostly skips that parse.

    Consequence per library profile (the severity follows it):

    - httprr: **error** — ``replayRoundTrip`` returns ``http.ReadResponse`` of the stored bytes,
      which refuses the header, so every replay of the interaction fails; in a request, the whole
      request text is the key and the client sends its real length, so it never replays.
    - go-vcr (v1–v4): **warning** — ``GetHTTPResponse`` sets ``Header`` as recorded and
      ``ContentLength`` from its own field; Go's ``http.Client`` does not parse the header again.
    - vcrpy with httpx or requests (urllib3 2): **warning** — the stubs build the response object
      without parsing the header, and the body reads whole (replayed through vcrpy 9.4.2 in the
      tests); Ruby VCR, Polly, nock, the test-proxy: **warning**, replay hands the headers over as
      recorded.

    Fix: write the byte length of the body, once.

    FAIL::

        headers:
          Content-Length: ["12 bytes"]

    PASS::

        headers:
          Content-Length: ["12"]
    """
    profile = cassette.profile
    if profile.library == "httprr":
        severity = ERROR
        why = "httprr's http.ReadResponse refuses it, so every replay of this interaction fails"
    else:
        severity = WARNING
        why = (f"{profile.label} hands the recorded headers to the client without parsing them, so it "
               "replays; a client reading it from the wire would refuse it")
    for it in cassette.http:
        for msg in (it.request, it.response):
            if msg is None or msg.headers is None:
                continue
            vals = msg.headers.get_all("Content-Length")
            if not vals:
                continue
            numbers = set()
            # (a response is what the client parses; a request header is what the client sent, which
            # only httprr compares byte for byte, and the client sends the real length)
            if msg is it.response:
                sev, tail = severity, why
            elif profile.library == "httprr":
                sev, tail = ERROR, ("httprr compares the request's bytes and the client sends its real "
                                    "length, so this interaction never replays")
            else:
                sev, tail = WARNING, f"{profile.label} replays it (a request header is not parsed)"
            for v in vals:
                n = _as_int(v.value)
                if n is None or n < 0:
                    yield Problem(v.pos, f"Content-Length header {str(v.value)[:40]!r} is not a byte count: {tail}",
                                  interaction=it.index, value=str(v.value), severity=sev)
                else:
                    numbers.add(n)
            if len(numbers) > 1:
                yield Problem(vals[1].pos, "Content-Length header repeated with different values: "
                              + ", ".join(str(n) for n in sorted(numbers)) + f": {tail}",
                              interaction=it.index, value=",".join(str(n) for n in sorted(numbers)),
                              severity=sev)
