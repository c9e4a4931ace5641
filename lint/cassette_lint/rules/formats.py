"""Format rules (``F``): what a format adapter could read but not check.

Every format (go-vcr v1/v2, vcrpy YAML/JSON, Ruby VCR) is read into the same model, so the other
families apply to all of them unchanged.  A few things an adapter meets cannot be checked, and saying
so once is better than silence (the reader would believe the body was checked) or a false error:
a body compressed with a coding the standard library cannot undo, and entries that are not HTTP
exchanges at all (WebSocket frames, gRPC calls) that some recorders keep in the same list.
"""

from __future__ import annotations

from ..findings import WARNING, Problem
from . import rule


@rule("F001", "body-not-inspectable", WARNING)
def body_not_inspectable(cassette):
    """A recorded body is compressed or encoded in a way cassette-lint cannot decode, so it was not checked.

    What: vcrpy and Ruby VCR store the body as the server sent it. ``gzip`` and ``deflate`` bodies
    are decompressed (standard library) and then checked like any other body; a body in a coding
    the standard library has no decoder for (``br``, ``zstd``) or one that does not decompress
    (truncated, wrong ``Content-Encoding``) is reported here, once, instead of by every rule that
    would have looked inside it. Its declared length is still compared with the stored bytes.

    Why: a silent skip would let a broken JSON or event stream inside the body go unnoticed.

    Consequence: **warning** (informational) under every library — nothing is known to break; the
    finding says only that cassette-lint could not look inside. Replay hands the stored bytes over
    as they are (vcrpy's httpx stub, which decodes ``br``/``zstd`` only when brotli / zstandard is
    installed; requests through vcrpy's ``VCRHTTPResponse``, which decodes nothing; Ruby VCR); a
    body that does not decompress under its ``Content-Encoding`` is ``R010``'s business.

    Fix: nothing is wrong with the cassette as such. To have the body checked, record without
    compression (send ``Accept-Encoding: identity``, or let the client decode before recording), or
    ignore this rule for the file.

    FAIL::

        response:
          headers:
            Content-Encoding: [br]
          body:
            string: !!binary |
              iwOAeyJvayI6IHRydWV9Aw==

    PASS::

        response:
          headers:
            Content-Encoding: [gzip]
          body:
            string: !!binary |
              H4sIAAAAAAACA6tWys9WslIoKSpNrQUAxhmrFwwAAAA=
    """
    for it in cassette.http:
        for msg in (it.request, it.response):
            body = msg.body if msg is not None else None
            if body is None or not body.uninspectable:
                continue
            yield Problem(body.pos(0), f"{'request' if msg is it.request else 'response'} body is "
                          f"{body.uninspectable}: not checked by cassette-lint ({cassette.profile.label} "
                          "replays the stored bytes as they are)", interaction=it.index,
                          value=body.uninspectable)


@rule("F002", "non-http-interaction", WARNING)
def non_http_interaction(cassette):
    """An entry of the cassette is not an HTTP exchange (a WebSocket or gRPC recording) and was skipped.

    What: some recorders keep WebSocket frames (``ws://``/``wss://`` URLs) or gRPC calls
    (``Content-Type: application/grpc``) in the same list as HTTP interactions. Their bodies are
    binary frames, not HTTP payloads, so the HTTP, content-length, stream and tool-call rules do not
    apply; this note says which entries were skipped.

    Why: a reader of a clean report should know that part of the cassette was not checked.

    Consequence: **warning** (informational) under every library — cassette-lint knows of nothing
    it breaks: go-vcr's, vcrpy's and Ruby VCR's matchers compare the entry like any other request
    (a live HTTP request never matches a ``wss://`` URL), and whatever replays the frames is the
    project's own code; the finding only says that it was not checked.

    Fix: nothing to fix; ignore the rule (``--ignore F002``) when such entries are expected.

    FAIL::

        - request:
            method: GET
            uri: wss://realtime.example.com/v1/stream

    PASS::

        - request:
            method: GET
            uri: https://api.example.com/v1/models
    """
    for it in cassette.interactions:
        if it.kind in ("http", "invalid"):
            continue
        yield Problem(it.pos, f"interaction {it.index} is a {it.kind} entry, not an HTTP exchange: "
                      f"not checked by the HTTP rules (informational: {cassette.profile.label} replays "
                      "HTTP exchanges; this entry is not one)", interaction=it.index, value=it.kind)
