"""Each library's own cassette loader, as a model: what it constructs, what it refuses, what it requires.

cassette-lint never constructs a tagged value (:mod:`cassette_lint.loader` reads the plain value under
every tag); this module says what the *library that replays the file* would do with the same tags,
aliases and fields, from its :class:`~cassette_lint.replay.Profile` (library, version, serializer). Each
table below names the loader code it mirrors. ``None`` from a judge means "not modelled": the caller
falls back to the library-independent warning (``Y008``).

vcrpy (``vcr/serializers/yamlserializer.py``, read in every release from 8.2.0 to 9.4.2):

- 8.2.1 and later: ``_CassetteLoader`` (a ``CSafeLoader``) with five extra constructors,
  :data:`VCRPY_SAFE_TAGS`; any other ``!!python/...`` tag (and any tag PyYAML's safe loader does not
  know) raises ``ConstructorError: could not determine a constructor for the tag``, which
  ``vcr/serialize.py`` re-raises as "There was a problem loading the cassette". 8.3.0 added
  ``yamlserializer.with_custom_tags(constructors)`` to register more.
- 8.2.0 and earlier: ``yaml.load(cassette_string, Loader=CLoader)``, PyYAML's full (unsafe) loader:
  every ``!!python/...`` tag is constructed, importing the module it names; it fails only when that
  module is gone (:data:`GONE_MODULES`). Tags outside ``tag:yaml.org,2002:`` are refused by both.

A project serializer (the ``serializer`` key of ``[tool.cassette-lint.replay]``) replaces that loader:
``json`` (vcrpy's ``jsonserializer``: ``json.loads``, no tags at all), ``langchain`` (LangChain's
``langchain_tests.conftest.CustomSerializer``: gzip, then ``yaml.safe_load``, which constructs no Python
tag). Any other name is a serializer cassette-lint cannot see: not modelled.

Ruby VCR (``lib/vcr/cassette/serializers/yaml.rb``): ``deserialize`` called ``::YAML.load(string)``
until vcr/vcr#911 (merged 2021-11-18, first released in VCR 6.1.0), and ``::YAML.unsafe_load`` (when it
exists) since. Psych 4 (Ruby 3.1+) made ``YAML.load`` ``safe_load(permitted_classes: [Symbol],
aliases: false)`` (``lib/psych.rb``), so VCR before 6.1.0 there raises ``Psych::DisallowedClass`` on a
``!ruby/object:…``-style tag and ``Psych::AliasesNotEnabled`` (``BadAlias``) on any alias. Whatever the
version, ``VCR::HTTPInteraction.from_hash`` (``lib/vcr/structs.rb``) calls
``Time.httpdate(hash.fetch('recorded_at'))`` and ``body_from`` calls ``try_encode_string(hash['string'],
hash['encoding'])``, which calls ``string.encoding`` (:func:`ruby_vcr_field_errors`).
"""

from __future__ import annotations

from typing import Any, Iterator

from ..records import Value
from . import Profile

_T = "tag:yaml.org,2002:"
_PY = _T + "python/"

#: the tags vcrpy 8.2.1+ ``_CassetteLoader`` constructs besides the safe loader's own
#: (``_CassetteLoader.add_constructor(...)``, identical in 8.2.1, 8.3.0, 8.4.0, 8.5.0, 9.0.0 … 9.4.2)
VCRPY_SAFE_TAGS = frozenset(_PY + t for t in (
    "str", "unicode", "tuple", "object/new:_io.BytesIO", "object/apply:builtins.iter",
))

#: modules a ``!!python/...`` tag may name that no longer exist, so PyYAML's full loader (vcrpy up to
#: 8.2.0) fails to import them: ``find_python_name`` raises "cannot find module"
GONE_MODULES = {
    "multidict._istr": "multidict 4.7 removed the pure-Python multidict._istr module",
    "__builtin__": "Python 2's __builtin__ module does not exist in Python 3",
}

#: ``!ruby/...`` tags Psych's safe load still accepts: ``Symbol`` is permitted by Psych 4's ``load``,
#: and a ``!ruby/string`` without a class is a plain ``String``
RUBY_SAFE_TAGS = frozenset({"!ruby/symbol", "!ruby/sym", "!ruby/string", "!str"})

#: project serializers this module models (the ``serializer`` setting)
SERIALIZERS = ("yaml", "json", "langchain")


class Verdict(Value):
    """What a library's loader does with one thing in the file: refuses it (and why, and the fix)."""

    __slots__ = ("loader", "why", "fix")

    def __init__(self, loader: str, why: str, fix: str):
        #: how a message names the loader: ``vcrpy 9.4.2's YAML loader``
        self.loader = loader
        self.why = why
        self.fix = fix


def decoder(profile: Profile) -> str:
    """How a message names what reads the cassette's structure under ``profile``: ``go-vcr v4's
    yaml.v3 decoder``, ``vcrpy 9.4.2's YAML loader`` …"""
    lib = profile.library
    if lib == "go-vcr":
        # go-vcr v3 and v4 require gopkg.in/yaml.v3 (go.mod); v1 and v2 gopkg.in/yaml.v2
        return f"{profile.label}'s {'yaml.v3' if (profile.major or 4) >= 3 else 'yaml.v2'} decoder"
    if lib == "vcrpy":
        return f"{profile.label}'s {'JSON' if _serializer(profile) == 'json' else 'YAML'} loader"
    if lib == "ruby-vcr":
        return f"{profile.label}'s loader (Psych, HTTPInteraction.from_hash)"
    if lib == "polly":
        return "Polly's persister (JSON.parse)"
    if lib == "nock":
        return "nock.define"
    if lib == "test-proxy":
        return "the test-proxy's recording loader (System.Text.Json)"
    if lib == "httprr":
        return "httprr's Open"
    return f"{profile.label}'s loader"


def short_tag(tag: str) -> str:
    """``tag:yaml.org,2002:python/tuple`` → ``!!python/tuple`` (as written in a file)."""
    return "!!" + tag[len(_T):] if tag.startswith(_T) else tag


def _serializer(profile: Profile) -> str:
    return (profile.serializer or "yaml").strip().lower()


def _vcrpy_name(profile: Profile) -> str:
    if profile.version is None:
        return "vcrpy (8.2.1 or later: version not found)"
    return profile.label


def judge_tag(profile: Profile, tag: str) -> Verdict | None:
    """The verdict of the replaying library's loader on a value tagged ``tag``: a :class:`Verdict` when
    it refuses it, ``False`` when it loads it, ``None`` when this is not modelled or when the loader
    loads it only by constructing an arbitrary object (vcrpy up to 8.2.0: the caller warns)."""
    if profile.library == "vcrpy":
        return _vcrpy_tag(profile, tag)
    if profile.library == "ruby-vcr":
        return _ruby_tag(profile, tag)
    return None


def _python_module(tag: str) -> str | None:
    """The module a ``!!python/...`` tag imports (PyYAML's ``find_python_name``/``find_python_module``)."""
    rest = tag[len(_PY):]
    kind, _, name = rest.partition(":")
    if not name:
        return None
    if kind == "module":
        return name
    return name.rsplit(".", 1)[0] if "." in name else "builtins"


def _vcrpy_tag(profile: Profile, tag: str):
    serializer = _serializer(profile)
    if serializer == "json":
        return None  # json.loads: a tag cannot be written in JSON (the file fails as JSON instead)
    if serializer == "langchain":
        if tag.startswith(_PY) or not tag.startswith(_T):
            return Verdict("LangChain's CustomSerializer (yaml.safe_load)",
                           "PyYAML's safe loader constructs no Python tag",
                           "re-record the cassette (the serializer never writes such tags)")
        return False
    if serializer != "yaml":
        return None  # a project serializer cassette-lint cannot see
    name = _vcrpy_name(profile)
    if not tag.startswith(_T):
        return Verdict(f"{name}'s YAML loader", "PyYAML has no constructor for this tag",
                       "remove the tag (keep the plain value) or re-record the cassette")
    if not tag.startswith(_PY):
        return False
    safe = profile.version_at_least(8, 2, 1)
    if safe is False:  # PyYAML's full CLoader: constructed unless the module is gone
        module = _python_module(tag) or ""
        for gone, why in GONE_MODULES.items():
            if module == gone or module.startswith(gone + "."):
                return Verdict(f"{name}'s YAML loader (PyYAML's full CLoader)", why,
                               "re-record the cassette")
        # constructed, running what it names: not refused, but no longer silent (Y008, see unsafe_note)
        return False if tag in VCRPY_SAFE_TAGS else None
    if tag in VCRPY_SAFE_TAGS:
        return False
    if profile.version_at_least(8, 3) is False:
        fix = ("re-record the cassette, or upgrade to vcrpy 8.3.0+ and register "
               "yamlserializer.with_custom_tags({tag: constructor})")
    else:
        fix = ("register a serializer that constructs it (vcr.serializers.yamlserializer.with_custom_tags, "
               "vcrpy 8.3.0+), or re-record the cassette")
    return Verdict(f"{name}'s YAML loader (a safe loader since 8.2.1)",
                   "it constructs only !!python/str, unicode, tuple, object/new:_io.BytesIO and "
                   "object/apply:builtins.iter", fix)


def unsafe_note(profile: Profile, tag: str) -> str:
    """What the Y008 warning adds for a tag the replaying library loads by constructing it."""
    if profile.library == "vcrpy" and profile.version_at_least(8, 2, 1) is False and tag.startswith(_PY):
        return (f"; {profile.label}'s full loader constructs it (importing and calling what it names), "
                "and vcrpy 8.2.1 and later refuse it")
    return ""


def _ruby_before_911(profile: Profile) -> bool:
    """True when the VCR version is known to predate vcr/vcr#911 (VCR 6.1.0): ``YAML.load``."""
    return profile.version_at_least(6, 1) is False


_RUBY_FIX = "use VCR 6.1.0 or later (its YAML serializer calls YAML.unsafe_load), or re-record the cassette"


def _ruby_tag(profile: Profile, tag: str):
    if not tag.startswith("!ruby/"):
        return None
    if tag in RUBY_SAFE_TAGS or not _ruby_before_911(profile):
        return False
    return Verdict(f"VCR {profile.version}'s YAML serializer (YAML.load, safe under Psych 4 / Ruby 3.1+)",
                   "Psych's safe load permits no class but Symbol (Psych::DisallowedClass)", _RUBY_FIX)


def judge_aliases(profile: Profile) -> Verdict | None:
    """The verdict on YAML aliases: refused by Ruby VCR before 6.1.0 under Psych 4 (``aliases: false``)."""
    if profile.library == "ruby-vcr" and _ruby_before_911(profile):
        return Verdict(f"VCR {profile.version}'s YAML serializer (YAML.load, safe under Psych 4 / Ruby 3.1+)",
                       "Psych 4's load has aliases: false (Psych::AliasesNotEnabled)", _RUBY_FIX)
    return None


def ruby_vcr_field_errors(data: Any) -> Iterator[tuple[tuple, str]]:
    """(path, message) for every field Ruby VCR's ``from_hash`` raises on (``lib/vcr/structs.rb``):

    - ``HTTPInteraction.from_hash``: ``Time.httpdate(hash.fetch('recorded_at'))``: a missing
      ``recorded_at`` raises ``KeyError``, a null one ``TypeError`` (vcr/vcr#270);
    - ``Normalizers::Body.body_from``: a body mapping without ``base64_string`` goes to
      ``try_encode_string(hash['string'], hash['encoding'])``, which returns early only when the
      encoding is nil, and otherwise calls ``string.encoding``: ``NoMethodError`` for a missing or null
      ``string`` (vcr/vcr#1042) or a number; and ``Normalizers::Body#initialize`` raises
      ``ArgumentError`` for a body that is not a String.
    """
    items = data.get("http_interactions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return
    for i, it in enumerate(items):
        if not isinstance(it, dict):
            continue
        p = ("http_interactions", i)
        if "recorded_at" not in it:
            yield p, "interaction has no recorded_at: VCR's HTTPInteraction.from_hash calls " \
                     "hash.fetch('recorded_at') and raises KeyError"
        elif it["recorded_at"] is None:
            yield p + ("recorded_at",), "recorded_at is null: VCR's Time.httpdate(nil) raises"
        for side in ("request", "response"):
            m = it.get(side)
            body = m.get("body") if isinstance(m, dict) else None
            if not isinstance(body, dict) or "base64_string" in body:
                continue
            bp = p + (side, "body")
            string, encoding = body.get("string"), body.get("encoding")
            if encoding is not None and string is None:
                yield bp, (f"{side} body has encoding {encoding!r} but no string: VCR's try_encode_string "
                           "calls nil.encoding and raises NoMethodError")
            elif string is not None and not isinstance(string, (str, bytes)):  # (bytes: !binary)
                yield bp + ("string",), (f"{side} body string is a {type(string).__name__}, not text: VCR "
                                         "raises (body is not a String)")
