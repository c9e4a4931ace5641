"""The vcrpy replay model against vcrpy itself.

vcrpy (a test dependency) is the oracle: its own ``Cassette`` loads each cassette with a given
``match_on`` and ``allow_playback_repeats``, and every recorded request is played once, in recorded
order (``play_response``, as vcrpy's patched clients call it). The interaction that answered each —
or none — must be what the model's :meth:`Model.replay` says, on the shared vcrpy corpora and on
mutated copies that add second recordings differing only where some matcher looks (query order,
header case, JSON whitespace, host case, an explicit default port, a bare host …).
"""

from __future__ import annotations

import copy

import pytest

from cassette_lint import formats, loader
from cassette_lint.replay import DEFAULT_MATCH_ON, Profile
from cassette_lint.replay.matchers import Model

from conftest import SHARED

vcr = pytest.importorskip("vcr")
yaml = pytest.importorskip("yaml")

from vcr.cassette import Cassette  # noqa: E402
from vcr.errors import UnhandledHTTPRequestError  # noqa: E402
from vcr.record_mode import RecordMode  # noqa: E402
from vcr.serializers import jsonserializer, yamlserializer  # noqa: E402

SERIALIZERS = {"json": jsonserializer, "yaml": yamlserializer}
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MATCH_ONS = [
    DEFAULT_MATCH_ON["vcrpy"],
    DEFAULT_MATCH_ON["vcrpy"] + ("body",),
    ("method", "uri"),
    ("method", "uri", "headers"),
    ("method", "path", "raw_body"),
    ("host", "port", "query"),
]


def _second(it, change):
    extra = copy.deepcopy(it)
    change(extra["request"])
    body = extra["response"].get("body")
    if isinstance(body, dict):
        body["string"] = "second recording"
    else:
        extra["response"]["body"] = {"string": "second recording"}
    return extra


def _swap_query(r):
    base, _, q = r["uri"].partition("?")
    parts = (q.split("&") if q else []) + ["zz=1", "aa=2"]
    r["uri"] = base + "?" + "&".join(reversed(parts))


def _header_case(r):
    h = r.get("headers") or {}
    r["headers"] = {k.upper(): v for k, v in h.items()}


def _json_spaces(r):
    r["headers"] = dict(r.get("headers") or {}, **{"Content-Type": ["application/json"]})
    r["body"] = '{"a": 1,  "b": [1, 2]}' if r.get("body") in (None, "") else r["body"] + " "


def _host_case(r):
    scheme, _, rest = r["uri"].partition("://")
    host, _, path = rest.partition("/")
    r["uri"] = f"{scheme}://{host.upper()}/{path}"


def _explicit_port(r):
    scheme, _, rest = r["uri"].partition("://")
    host, _, path = rest.partition("/")
    if ":" not in host:
        host += ":443" if scheme == "https" else ":80"
    r["uri"] = f"{scheme}://{host}/{path}"


def _bare_host(r):
    scheme, _, rest = r["uri"].partition("://")
    r["uri"] = f"{scheme}://{rest.partition('/')[0]}"


def _form_order(r):
    r["headers"] = {"Content-Type": ["application/x-www-form-urlencoded"]}
    r["body"] = "b=2&a=1"


CHANGES = [lambda r: None, _swap_query, _header_case, _json_spaces, _host_case, _explicit_port, _bare_host,
           _form_order]


def _variants(data: dict):
    """The cassette, and for each change a copy whose first interaction (changed) is recorded a
    second and third time: once as it was, once changed, with other responses."""
    yield data
    its = data.get("interactions") or []
    if not its:
        return
    for change in CHANGES:
        body = its[0].get("request", {}).get("body")
        if (change is _json_spaces or change is _form_order) and not isinstance(body, (str, type(None))):
            continue  # a mapping body: vcrpy's serializer question, not a matcher's
        d = dict(data, interactions=list(its))  # only the first interaction's copies are changed
        first = copy.deepcopy(its[0])
        if change is _json_spaces or change is _form_order:
            change(first["request"])
            d["interactions"][0] = first
        d["interactions"] += [_second(first, lambda r: None), _second(first, change)]
        yield d


def _vcrpy_served(cass, match_on, repeats):
    """vcrpy's own playback: ``play_response`` for each recorded request, in order."""
    config = vcr.VCR()
    cass._match_on = [config.matchers[m] for m in match_on]
    cass.allow_playback_repeats = repeats
    cass.rewind()
    served = []
    for req in list(cass.requests):
        before = dict(cass.play_counts)
        try:
            cass.play_response(req)  # before_record_request is the identity: nothing mutates it
        except UnhandledHTTPRequestError:
            served.append(None)
            continue
        except TypeError:
            return None  # vcrpy's body matcher fails on a mapping body: a crash, not a miss
        after = cass.play_counts
        changed = [i for i in after if after[i] != before.get(i, 0)]
        served.append(changed[0])
    return served


def _model_served(cassette, match_on, repeats):
    profile = Profile("vcrpy", None, match_on=match_on, allow_repeats=repeats)
    return [o.served for o in Model(cassette, profile).replay()]


def _cassettes(tmp_path):
    out = []
    for folder in ("corpus/vcrpy-llm", "corpus/vcrpy-own", "oracles/selftest/py"):
        base = SHARED / folder
        if not base.exists():
            pytest.skip(f"../shared/{folder} is not available")
        for f in sorted(base.glob("*.[yj]*")):
            serializer = "json" if f.suffix == ".json" else "yaml"
            text = f.read_text("utf-8")
            try:
                data = yaml.load(text, Loader=_LOADER)
            except yaml.YAMLError:
                continue
            if not isinstance(data, dict) or "interactions" not in data:
                continue  # vcrpy's pre-1.0 layout: it refuses to load it (Y005)
            for n, variant in enumerate(_variants(data)):
                p = tmp_path / f"{f.stem}.{n}.{f.suffix.lstrip('.')}"
                if serializer == "json":
                    import json

                    p.write_text(json.dumps(variant), "utf-8")
                else:
                    p.write_text(yaml.dump(variant, Dumper=_DUMPER, allow_unicode=True), "utf-8")
                out.append((p, serializer))
    return out


def test_model_plays_what_vcrpy_plays(tmp_path):
    cassettes = _cassettes(tmp_path)
    assert len(cassettes) > 80
    compared = differing_plays = 0
    crashed = []
    for path, serializer in cassettes:
        try:
            cass = Cassette.load(path=str(path), serializer=SERIALIZERS[serializer], record_mode=RecordMode.NONE)
        except Exception:  # noqa: BLE001 - e.g. a parsed_body key vcrpy's Request refuses: nothing plays
            continue
        doc = loader.load(str(path), path.read_bytes()).document
        cassette = formats.detect(doc.data).build(doc, str(path))
        for match_on in MATCH_ONS:
            for repeats in (False, True):
                expected = _vcrpy_served(cass, match_on, repeats)
                if expected is None:
                    crashed.append(path.name)
                    continue
                got = _model_served(cassette, match_on, repeats)
                assert got == expected, (path.name, match_on, repeats)
                model = Model(cassette, Profile("vcrpy", None, match_on=match_on, allow_repeats=repeats))
                earlier = {k: model.earlier_match(k) for k in range(len(expected))}
                if repeats:
                    # R004's interactions are exactly those vcrpy never plays
                    never = set(range(len(expected))) - set(expected)
                    assert {k for k, i in earlier.items() if i is not None} == never, (path.name, match_on)
                else:
                    # R005's: sent before its twin, the request gets the twin's response
                    for k, i in earlier.items():
                        if i is not None:
                            cass.rewind()
                            cass.play_response(cass.requests[k])
                            assert cass.play_counts[i] == 1 and cass.play_counts[k] == 0
                compared += len(expected)
                differing_plays += sum(s != k for k, s in enumerate(expected))
    # only the self-test's mapping body (and its variants) breaks vcrpy itself
    assert crashed and all(name.startswith("p7_mapbody.") for name in crashed)
    assert compared > 5000
    assert differing_plays > 500  # the second recordings do shadow, reorder and go missing
