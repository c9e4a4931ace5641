"""Differential test: cassette-lint's verdict on Gemini / Vertex ``generateContent`` bodies and
``streamGenerateContent?alt=sse`` chunks against the ``google-genai`` SDK's own handling of them.

The SDK side is what ``Models.generate_content[_stream]`` does with a response: the stream split into
chunks by the SDK's own reader (``HttpResponse.segments`` over an ``httpx.Response``), each chunk
converted by ``_GenerateContentResponse_from_mldev`` (Gemini API) or ``_from_vertex`` (Vertex AI)
and built by ``GenerateContentResponse._from_response`` (unknown fields removed, then pydantic
validation; an unknown enum value is built with a warning).

Claims, on every Gemini interaction of ``../shared/corpus`` (fantasy's go-vcr cassettes, adk-go's
httprr traces): the SDK reads the same chunks as the linter's event reader; the linter passes a
chunk or body (P002/P003) exactly when the SDK builds it; and for each field of those payloads given
a wrong JSON type, the linter rejects it exactly when the SDK fails or does not keep the value (its
converters silently drop what they cannot read: a ``candidates`` object becomes one empty candidate).
"""

from __future__ import annotations

import copy
import json
import warnings
from collections import Counter

import pytest

from cassette_lint import formats, loader, loader_httprr
from cassette_lint.rules import provider
from cassette_lint.streams import dialects
from conftest import lint_file, needs_shared

genai = pytest.importorskip("google.genai", reason="the test extra installs google-genai")
httpx = pytest.importorskip("httpx")

from google.genai import models, types  # noqa: E402
from google.genai._api_client import HttpResponse  # noqa: E402


def cassettes(root):
    """(path, cassette model) of every recording under ``root`` the linter reads (httprr traces too)."""
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        trace = loader_httprr.is_trace(path.name)
        if not trace and path.suffix not in (".yaml", ".yml", ".json"):
            continue
        data = path.read_bytes()
        loaded = loader_httprr.load(str(path), data) if trace else loader.load(str(path), data, loader.is_json(str(path)))
        doc = loaded.document
        adapter = formats.detect(doc.data) if doc is not None and isinstance(doc.data, (dict, list)) else None
        if adapter is not None:
            yield path, adapter.build(doc, str(path))


def gemini(root):
    """(path, interaction, streamed, vertex) of every successful Gemini interaction with a body."""
    for path, cassette in cassettes(root):
        for it in cassette.http:
            rs = it.response
            if dialects.dialect(it) != dialects.GEMINI or rs is None or rs.body is None or not rs.body.text:
                continue
            code = rs.code.value if rs.code is not None else 200
            if isinstance(code, int) and 200 <= code < 300:
                yield path, it, dialects.is_event_stream(it), "aiplatform.googleapis.com" in dialects.url_of(it)


@pytest.fixture(scope="module")
def corpus():
    out = list(gemini(needs_shared("corpus")))
    assert len(out) > 100 and {s for _, _, s, _ in out} == {True, False} and any(v for *_, v in out)
    return out


def sdk_chunks(body: str, streamed: bool) -> list:
    """The payloads the SDK reads from a body: its own SSE reader for a stream, ``json.loads`` otherwise."""
    if not streamed:
        return [json.loads(body)]
    return list(HttpResponse(headers={}, response_stream=httpx.Response(200, content=body.encode("utf-8"))).segments())


def sdk_build(v: dict, vertex: bool):
    convert = models._GenerateContentResponse_from_vertex if vertex else models._GenerateContentResponse_from_mldev
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (an unknown enum value: built, with a warning)
        return types.GenerateContentResponse._from_response(response=convert(copy.deepcopy(v), None, None), kwargs={})


def sdk_accepts(v: dict, vertex: bool) -> bool:
    try:
        sdk_build(v, vertex)
    except Exception:  # what the SDK raises is its verdict (pydantic's ValidationError, a converter's TypeError)
        return False
    return True


_MISSING = object()


def sdk_keeps(v: dict, path: tuple, vertex: bool) -> bool:
    """The SDK builds ``v`` and its model holds the value at ``path`` as it is in ``v``."""
    try:
        got = sdk_build(v, vertex).model_dump(by_alias=True, exclude_none=True, mode="json")
    except Exception:
        return False
    want = v
    for step in path:
        want = want[step]
        if isinstance(step, int):
            got = got[step] if isinstance(got, list) and len(got) > step else _MISSING
        else:
            got = got.get(step, _MISSING) if isinstance(got, dict) else _MISSING
    return got == want


def ours(v: dict, root: str) -> bool:
    """The linter's verdict: the compiled check, then jsonschema on what it rejects (as P002/P003)."""
    p = provider.pinned(dialects.GEMINI)
    return p.fast(root)(v) or not provider._defects(p, root, v)


def test_the_sdk_reads_the_chunks_the_linter_reads(corpus):
    n = 0
    for path, it, streamed, _ in corpus:
        if not streamed:
            continue
        mine = [json.loads(ev.data) for ev in dialects.events(it) if ev.data is not None]
        assert sdk_chunks(it.response.body.text, True) == mine, (str(path), it.index)
        n += len(mine)
    assert n > 100


def test_every_recorded_chunk_and_body_is_judged_as_the_sdk_builds_it(corpus):
    seen, disagree = Counter(), []
    flagged = {}
    for path, it, streamed, vertex in corpus:
        if path not in flagged:
            flagged[path] = {f.interaction for f in lint_file(path, select=("ALL", "P002", "P003"))
                             if f.rule in ("P002", "P003")}
        verdicts = []
        for v in sdk_chunks(it.response.body.text, streamed):
            if not isinstance(v, dict) or "error" in v:
                continue  # (an error object: T009's, raised by the SDK as an APIError)
            mine, sdk = ours(v, "stream" if streamed else "response"), sdk_accepts(v, vertex)
            seen[(streamed, vertex, mine)] += 1
            verdicts.append(sdk)
            if mine != sdk:
                disagree.append((str(path), it.index, mine, sdk))
        if (it.index in flagged[path]) == all(verdicts):  # the rules end to end, per interaction
            disagree.append((str(path), it.index, "rule", flagged[path]))
    assert disagree == [], disagree[:5]
    # streams and bodies, Gemini API and Vertex AI, all read
    assert {k[:2] for k in seen} == {(True, True), (True, False), (False, True), (False, False)}, seen


def _paths(v, path=()):
    yield path
    if isinstance(v, dict):
        for k, x in v.items():
            yield from _paths(x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _paths(x, path + (i,))


def test_each_field_given_a_wrong_type_is_rejected_exactly_when_the_sdk_fails_or_drops_it(corpus):
    # a wrong type is a list for a scalar or an object, an object for a list: what pydantic's lax mode
    # never coerces; the SDK either raises or (its converters iterate whatever they are given) builds
    # something else than the recording says
    seen, disagree = Counter(), []
    for path, it, streamed, vertex in corpus[::3]:
        root = "stream" if streamed else "response"
        for v in sdk_chunks(it.response.body.text, streamed)[:2]:
            for where in list(_paths(v))[1:40]:
                w = copy.deepcopy(v)
                parent = w
                for step in where[:-1]:
                    parent = parent[step]
                old = parent[where[-1]]
                parent[where[-1]] = {"x": 1} if isinstance(old, list) else [old]
                mine = ours(w, root)
                sdk = sdk_accepts(w, vertex)
                keeps = sdk and sdk_keeps(w, where, vertex)
                seen[(mine, sdk, keeps)] += 1
                if (mine and not sdk) or (not mine and keeps):
                    disagree.append((str(path), it.index, where, mine, sdk, keeps))
    assert disagree == [], disagree[:5]
    # the SDK raising, and the SDK dropping the value silently, both occur
    assert seen[(False, False, False)] > 100 and seen[(False, True, False)] > 10, seen


# -- requests (P004): google-genai builds the caller's contents and tools with pydantic ----------------

def sdk_builds_request(v: dict) -> bool:
    """``Content`` and ``Tool`` accept every item of ``contents`` (required) and ``tools``, as the SDK
    builds what a caller passes. Unknown fields are left out of the comparison: the SDK's models forbid
    them in what its caller passes (``extra="forbid"``), while a recorded REST body may come from
    another client (Go, JavaScript) and carry fields this SDK does not model; the API accepts them."""
    import pydantic

    if not isinstance(v.get("contents"), list):
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, model in (("contents", types.Content), ("tools", types.Tool)):
            items = v.get(key, [])
            if not isinstance(items, list):
                return False
            for x in items:
                try:
                    model.model_validate(x)
                except pydantic.ValidationError as e:
                    if any(err["type"] != "extra_forbidden" for err in e.errors()):
                        return False
                except Exception:  # (a CaseInSensitiveEnum given a list: AttributeError)
                    return False
    return True


def test_gemini_requests_and_each_field_given_a_wrong_type_are_judged_as_the_sdk_builds_them(corpus):
    p = provider.pinned(dialects.GEMINI, request=True)

    def mine(v):
        return p.fast("request")(v) or not provider._defects(p, "request", v)

    requests = {}
    for path, it, _, _ in corpus:
        v = it.request.json_body
        if provider._create_call(it, dialects.GEMINI) and isinstance(v, dict):
            requests[json.dumps(v, sort_keys=True)] = (str(path), v)
    assert len(requests) > 20
    seen, disagree = Counter(), []
    for n, (path, v) in enumerate(requests.values()):
        assert mine(v) and sdk_builds_request(v), path
        for where in list(_paths(v))[1:60] if n % 2 == 0 else ():
            w = copy.deepcopy(v)
            parent = w
            for step in where[:-1]:
                parent = parent[step]
            old = parent[where[-1]]
            parent[where[-1]] = {"x": 1} if isinstance(old, list) else [old]
            ours_ok, sdk_ok = mine(w), sdk_builds_request(w)
            seen[(ours_ok, sdk_ok)] += 1
            if ours_ok != sdk_ok:
                disagree.append((path, where, ours_ok, sdk_ok))
    assert disagree == [], disagree[:5]
    assert seen[(False, False)] > 100 and seen[(True, True)] > 10, seen
