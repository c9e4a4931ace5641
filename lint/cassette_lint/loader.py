"""Load one file: bytes → text → YAML nodes (with marks) → plain Python data.

Parsing uses the libyaml-based ``CParser`` of ruamel.yaml.clib to compose the node graph, with a
resolver that does nothing: cassette-lint resolves plain scalars itself (YAML 1.2 core schema) in the
same walk that builds the data, and never constructs tagged objects (``!!python/...`` tags are read as
the plain value underneath).  That path is several times faster than ruamel.yaml's own C loader and
keeps exact source marks; without ruamel.yaml.clib the same composer runs in pure Python.

Nothing here raises for bad input: every problem becomes a :class:`~cassette_lint.findings.Problem`
attributed to a loading rule by its code (``Y…``, documented in :mod:`cassette_lint.rules.loading`),
with the file line where there is one.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from typing import Any

from .compression import inner_name
from .findings import Problem
from . import loader_json as _json
from .source import Pos, ScalarLocator, Source

#: the codes of the problems this step emits (their rules: :mod:`cassette_lint.rules.loading`)
ALIAS_BOMB = 'Y009'
DUPLICATE_KEY = 'Y002'
EMPTY_FILE = 'Y003'
INVALID_BINARY = 'Y007'
INVALID_ENCODING = 'Y006'
MULTIPLE_DOCUMENTS = 'Y004'
NOT_A_MAPPING = 'Y005'
TOO_DEEP = 'Y010'
YAML_SYNTAX = 'Y001'
TOO_MANY_VALUES = 'Y013'  # (file-too-large: too large for its shape)

#: a file is read into at most one node per this many characters of its text (or MIN_NODES): each
#: node costs ~270 bytes composed (YAML; ~360 for JSON, BYTES_PER_JSON_NODE), so the tree stays within
#: ~11x the file's size and the README's bound holds for any shape; real cassettes hold one per 35-70
#: characters (the corpus's median is 67; the densest ones, a few KB of short headers, one per 10)
BYTES_PER_NODE = 24
BYTES_PER_JSON_NODE = 48
#: ... but any file may hold this many (~15 MB of nodes): small dense files are always read
MIN_NODES = 50_000


def node_budget(text: str, per: int = BYTES_PER_NODE) -> int:
    """How many nodes the file's text may compose into."""
    return max(MIN_NODES, len(text) // per)


class TooManyValues(Exception):
    """Composing went past the file's node budget (raised from the node constructors)."""

    def __init__(self, budget: int, size: int, index: int | None = None, per: int = BYTES_PER_NODE):
        super().__init__(budget)
        self.budget, self.size, self.index, self.per = budget, size, index, per

    @property
    def message(self) -> str:
        return (f"file holds more than {self.budget:,} values in {self.size:,} characters (at most one per "
                f"{self.per} characters, or {MIN_NODES:,}, are read: memory stays bounded by the file's size): "
                "not checked")


#: nodes the C composer may still create in this call of _compose_all (set there)
_budget = 0

class _LightNode:
    """What the C composer builds while cassette-lint composes: ruamel's own node classes turn every
    tag into a ``Tag`` object in ``__init__`` and back into a string on each ``.tag`` access, which
    cost about a third of composing; these keep the tag as the string the parser gives."""

    __slots__ = ("tag", "value", "start_mark", "end_mark", "style", "comment", "anchor")

    def __init__(self, tag, value, start_mark, end_mark, style=None, comment=None, anchor=None):
        global _budget
        _budget -= 1
        if _budget < 0:
            raise TooManyValues(0, 0)  # (filled in by _compose_all)
        self.tag = tag
        self.value = value
        self.start_mark = start_mark
        self.end_mark = end_mark
        self.style = style  # scalar style, or flow_style for collections
        self.comment = comment
        self.anchor = anchor


class LightScalarNode(_LightNode):
    __slots__ = ()


class LightSequenceNode(_LightNode):
    __slots__ = ()


class LightMappingNode(_LightNode):
    __slots__ = ()


try:  # the C composer (ruamel.yaml.clib); a pure-Python fallback keeps the tool working without it
    import _ruamel_yaml as _cyaml  # type: ignore
    from _ruamel_yaml import CParser as _CParser  # type: ignore

    class _Composer(_CParser):  # type: ignore[misc,valid-type]
        """libyaml composer that leaves tags unresolved (plain scalars are resolved by :func:`resolve_plain`)."""

        def __init__(self, text: str):
            _CParser.__init__(self, text)

        def resolve(self, kind, value, implicit):  # noqa: D401 - called by the C composer
            return ""  # "no explicit tag": plain scalars are resolved by the builder

        def descend_resolver(self, *args):
            pass

        def ascend_resolver(self, *args):
            pass

    HAVE_C = True
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    HAVE_C = False
    _Composer = None  # type: ignore[assignment]

from ruamel.yaml.error import MarkedYAMLError, YAMLError  # noqa: E402
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode  # noqa: E402

try:
    from _ruamel_yaml import MappingNode as _CMappingNode  # type: ignore
    from _ruamel_yaml import ScalarNode as _CScalarNode  # type: ignore
    from _ruamel_yaml import SequenceNode as _CSequenceNode  # type: ignore
    from _ruamel_yaml import YAMLError as _CYAMLError  # type: ignore

    _SCALARS: tuple = (LightScalarNode, ScalarNode, _CScalarNode)
    _MAPPINGS: tuple = (LightMappingNode, MappingNode, _CMappingNode)
    _SEQUENCES: tuple = (LightSequenceNode, SequenceNode, _CSequenceNode)
    _YAML_ERRORS: tuple = (YAMLError, _CYAMLError)
except ImportError:  # pragma: no cover
    _SCALARS, _MAPPINGS, _SEQUENCES, _YAML_ERRORS = (ScalarNode,), (MappingNode,), (SequenceNode,), (YAMLError,)

_JSCALAR = _json.JScalar

#: deepest nesting accepted; cassettes are about 6 levels deep
MAX_DEPTH = 200
#: an alias graph that expands beyond this many nodes is reported as an alias bomb and not read
MAX_EXPANDED_NODES = 2_000_000

_T = "tag:yaml.org,2002:"
#: tags of the YAML core and language-independent types: read as what they say
_CORE_TAGS = frozenset(_T + t for t in ("str", "int", "float", "bool", "null", "binary", "map", "seq",
                                         "omap", "set", "timestamp", "merge", "pairs"))
_BINARY_TAGS = {_T + "binary", "!binary", "!!binary"}
_INT = re.compile(r"[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z|[-+]?\.(?:inf|Inf|INF)\Z|\.(?:nan|NaN|NAN)\Z")
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_MAYBE_NOT_STR = set("-+0123456789.~nNtTfF")


def resolve_plain(value: str) -> Any:
    """Resolve a plain scalar with the YAML 1.2 core schema (what go-yaml v3 and ruamel use)."""
    if value and value[0] not in _MAYBE_NOT_STR:
        return value
    if value.isdigit() and value.isascii():  # (str.isdigit alone takes other scripts' digits too)
        return int(value)  # the usual number of a cassette: a status code, a length
    if value in _NULLS:
        return None
    b = _BOOLS.get(value)
    if b is not None:
        return b
    if _INT.match(value):
        v = value.replace("_", "")
        if "0o" in v:
            return int(v.replace("0o", ""), 8)
        if "0x" in v:
            return int(v, 16)
        return int(v)
    if _FLOAT.match(value):
        low = value.lower()
        if "inf" in low:
            return float("-inf") if low.startswith("-") else float("inf")
        if "nan" in low:
            return float("nan")
        return float(value)
    return value


class Binary(bytes):
    """The decoded bytes of a ``!!binary`` scalar (a body the recorder could not write as text)."""


class Document:
    """A parsed YAML document: plain ``data`` plus the node graph for positions, resolved lazily."""

    def __init__(self, source: Source, root, data: Any):
        self.source = source
        self.root = root
        self.data = data
        #: explicit tags of values (not the YAML core's): value path → tag, as written resolved
        #: (``tag:yaml.org,2002:python/tuple``, ``!ruby/object:Foo``); never constructed
        self.tags: dict[tuple, str] = {}
        #: explicit tags of mapping keys: path of the key's value → tag (``? !!python/object/new:... [Name]``)
        self.key_tags: dict[tuple, str] = {}
        self._key_index: dict[int, dict] = {}
        #: locators a format adapter sets for values that are not one scalar as written (a body joined
        #: from an array of lines, a raw httprr body), or functions that build one when first asked for:
        #: :meth:`locator` answers them first
        self.locators: dict[tuple, Any] = {}

    # -- path → node ------------------------------------------------------------------------------
    def _mapping_index(self, node) -> dict:
        idx = self._key_index.get(id(node))
        if idx is None:
            idx = {}
            for k, v in node.value:
                key = _key_of(k)
                idx.setdefault(key, (k, v))
            self._key_index[id(node)] = idx
        return idx

    def _walk(self, path: tuple):
        """(key node, value node) of the deepest existing prefix of ``path``."""
        key = None
        node = self.root
        for p in path:
            if isinstance(node, _MAPPINGS):
                hit = self._mapping_index(node).get(p)
                if hit is None:
                    break
                key, node = hit
            elif isinstance(node, _SEQUENCES) and isinstance(p, int) and 0 <= p < len(node.value):
                key, node = None, node.value[p]
            else:
                break
        return key, node

    def node_at(self, path: tuple):
        return self._walk(tuple(path))[1]

    def pos(self, path: tuple = ()) -> Pos:
        """Position (with end) of the value at ``path`` or of its deepest existing parent."""
        node = self.node_at(path)
        a = node.start_mark
        b = node.end_mark
        if self.source.odd_breaks:
            return _span(self.source, a, b)
        return Pos(a.line + 1, a.column + 1, b.line + 1, b.column + 1)

    def tagged(self):
        """``(tag, position)`` of every explicitly tagged value, then of every tagged mapping key."""
        for path, tag in self.tags.items():
            yield tag, self.pos(path)
        for path, tag in self.key_tags.items():
            yield tag, self.key_pos(path)

    def alias_positions(self) -> list[Pos]:
        """Where the document uses a YAML alias (``*name``): the aliases themselves, which the composed
        graph no longer shows (an alias is its anchor's node). Computed on demand from the parser's
        events, only when the text holds both an anchor and an alias character (and only with
        ruamel.yaml.clib's parser: without it, none are reported)."""
        text = self.source.text
        if "&" not in text or "*" not in text or not HAVE_C:
            return []
        out = []
        parser = _CParser(text)
        while True:
            ev = parser.get_event()
            if ev is None or ev.__class__.__name__ == "DocumentEndEvent":
                return out
            if ev.__class__.__name__ == "AliasEvent":
                out.append(mark_pos(self.source, ev.start_mark))

    def key_pos(self, path: tuple) -> Pos:
        """Position of the mapping key that holds ``path``'s value (the value's own when none)."""
        key, node = self._walk(tuple(path))
        n = key if key is not None else node
        if self.source.odd_breaks:
            return _span(self.source, n.start_mark, n.end_mark)
        return Pos(n.start_mark.line + 1, n.start_mark.column + 1, n.end_mark.line + 1, n.end_mark.column + 1)

    def char_range(self, path: tuple) -> tuple[int, int]:
        """Character range in the text of the node at ``path`` (as written: quotes, block header)."""
        node = self.node_at(path)
        return node.start_mark.index, node.end_mark.index

    def byte_range(self, path: tuple) -> tuple[int, int]:
        """Byte range in the file of the node at ``path`` (for fixes, which edit bytes)."""
        a, b = self.char_range(path)
        return self.source.byte_offset(a), self.source.byte_offset(b)

    def locator(self, path: tuple) -> ScalarLocator:
        if self.locators:
            loc = self.locators.get(tuple(path))
            if loc is not None:
                if not isinstance(loc, ScalarLocator):  # a factory: built when first asked for
                    loc = self.locators[tuple(path)] = loc()
                return loc
        node = self.node_at(path)
        style = getattr(node, "style", None) if isinstance(node, _SCALARS) else None
        start, end = node.start_mark.index, node.end_mark.index
        # a node's mark starts at its properties (``!!binary``, ``&anchor``); the value after them
        m = _PROPERTIES.match(self.source.text, start, end)
        if m:
            start = m.end()
        indent = None
        if style in ("|", ">"):
            # an indentation indicator (``|2``, ``>-4``: the emitter's choice when the text starts
            # with a space) counts from the enclosing collection's indentation (libyaml's rule)
            h = _BLOCK_INDICATOR.match(self.source.text, start, end)
            if h and (h.group(1) or h.group(2)):
                parent = self.node_at(tuple(path)[:-1]) if path else None
                n = parent.start_mark.column if parent is not None and parent is not node else 0
                indent = n + int(h.group(1) or h.group(2))
        return ScalarLocator(self.source, start, end, style, indent)


def _tag(node) -> str:
    """The node's explicit tag as a string ('' when it has none); ruamel's pure parser uses Tag objects."""
    tag = node.tag
    if tag.__class__ is str:
        return tag
    return str(getattr(tag, "value", None) or "") if tag is not None else ""


#: a mapping key written as a one-argument Python call (``? !!python/object/apply:multidict._multidict.istr
#: [Content-Type]``, aiohttp's case-insensitive header names in vcrpy cassettes) is read as that argument
#: (``!!python/object/new:multidict._multidict.istr [Name]`` as well: how PyYAML writes a ``str`` subclass)
_CALL_TAGS = (_T + "python/object/apply:", _T + "python/object/new:")


def _key_of(node) -> Any:
    if isinstance(node, _SCALARS):
        if not _tag(node) and not node.style:
            return resolve_plain(node.value)
        return node.value
    if (isinstance(node, _SEQUENCES) and len(node.value) == 1 and isinstance(node.value[0], _SCALARS)
            and _tag(node).startswith(_CALL_TAGS)):
        return node.value[0].value  # never constructed: the argument's text is the key
    return f"<{type(node).__name__}>"


class LoadResult:
    __slots__ = ("source", "document", "problems")

    def __init__(self, source: Source, document: Document | None, problems: list):
        self.source = source
        self.document = document
        self.problems = problems  # list of (Rule, Problem)


def decode(path: str, data: bytes) -> tuple[str | None, list]:
    """Decode file bytes as YAML allows (UTF-8, UTF-16/32 with BOM); report invalid bytes."""
    if data.startswith(codecs.BOM_UTF8):
        enc, body = "utf-8", data[3:]
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        enc, body = "utf-32", data
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc, body = "utf-16", data
    else:
        enc, body = "utf-8", data
    try:
        return body.decode(enc), []
    except UnicodeDecodeError as e:
        line = body.count(b"\n", 0, e.start) + 1
        col = e.start - (body.rfind(b"\n", 0, e.start) + 1) + 1
        bad = body[e.start : e.start + 4].hex(" ")
        msg = f"file is not valid {enc.upper()}: byte(s) {bad} at byte offset {e.start} ({e.reason})"
        return None, [(INVALID_ENCODING, Problem(Pos(line, col), msg))]


def old_vcrpy_layout(data: Any) -> bool:
    """vcrpy's own test for a pre-1.0 cassette (``serialize._looks_like_an_old_cassette``)."""
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) and "request" in data[0]


def _not_a_mapping(data) -> str:
    """Y005's message for a top level that is a list or a scalar (both loaders)."""
    if old_vcrpy_layout(data):
        return ("top level is a list of interactions: vcrpy's layout from before 1.0, which vcrpy 1.0 and "
                "later refuse to load; migrate it (python -m vcr.migration) or re-record")
    kind = "a list" if isinstance(data, list) else f"a {type(data).__name__} scalar"
    return f"top level is {kind}, not a mapping: this is not a cassette"


#: suffixes of files read as JSON: vcrpy's JSON serializer, nock and test-proxy records, HAR
JSON_SUFFIXES = (".json", ".har")


def is_json(path: str) -> bool:
    """A ``*.json`` (vcrpy's JSON serializer, nock, Azure test-proxy) or ``*.har`` file is read as
    JSON, with the same positions; so is one gzip'd (``*.json.gz``), once decompressed."""
    return inner_name(path).lower().endswith(JSON_SUFFIXES)


def load(path: str, data: bytes, as_json: bool | None = None) -> LoadResult:
    """Load ``data``; as JSON when ``as_json`` (default: by the file's name, :func:`is_json`; a project
    that registers vcrpy's ``json`` serializer reads every cassette with ``json.loads``)."""
    if as_json is None:
        as_json = is_json(path)
    text, problems = decode(path, data)
    source = Source(path, data, text if text is not None else "")
    if text is None:
        return LoadResult(source, None, problems)
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        source.encoding = "utf-32"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        source.encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        source.base = len(codecs.BOM_UTF8)  # decode() dropped it: byte offsets start after it
    if text.startswith("\ufeff"):
        text = text[1:]
        source.text = text
        source.base += 3 if source.encoding == "utf-8" else 0
    source.odd_breaks = "\x85" in text or "\u2028" in text or "\u2029" in text
    if not text.strip():
        return LoadResult(source, None, [(EMPTY_FILE, Problem(Pos(1, 1), "file is empty: no YAML document"))])
    if as_json:
        fast = _json_fast(source, text)
        if fast is not None:
            return fast
    try:
        deep = None if as_json else _too_deep(text, source)
        if deep is not None:
            return LoadResult(source, None, [(TOO_DEEP, Problem(deep, _TooDeep.MESSAGE))])
        nodes = [_json.compose(source, MAX_DEPTH, node_budget(text, BYTES_PER_JSON_NODE))] if as_json else _compose_all(text)
    except TooManyValues as e:
        return LoadResult(source, None, [(TOO_MANY_VALUES, Problem(
            source.pos(e.index) if e.index is not None else Pos(1, 1), e.message))])
    except _YAML_ERRORS as e:
        return LoadResult(source, None, [(YAML_SYNTAX, _yaml_error_problem(e, source))])
    except _json.JSONSyntaxError as e:
        return LoadResult(source, None, [(YAML_SYNTAX, Problem(source.pos(e.index), f"JSON syntax error: {e.msg}"))])
    except _json.TooDeep as e:
        return LoadResult(source, None, [(TOO_DEEP, Problem(source.pos(e.index), _TooDeep.MESSAGE))])
    except RecursionError:
        return LoadResult(source, None, [(TOO_DEEP, Problem(Pos(1, 1), "YAML nesting is too deep to read"))])
    nodes = [n for n in nodes if n is not None and not _is_empty_scalar(n)]
    if not nodes:
        return LoadResult(source, None, [(EMPTY_FILE, Problem(Pos(1, 1), "file holds no YAML document (only comments or markers)"))])
    if len(nodes) > 1:
        second = nodes[1].start_mark
        problems.append((MULTIPLE_DOCUMENTS, Problem(
            mark_pos(source, second),
            f"file holds {len(nodes)} YAML documents; a cassette is one document (only the first is checked)")))
    root = nodes[0]
    builder = _Builder(source)
    try:
        data_ = builder.build(root)
    except _AliasBomb as e:
        problems.append((ALIAS_BOMB, Problem(e.pos, str(e))))
        return LoadResult(source, None, problems)
    except _TooDeep as e:
        problems.append((TOO_DEEP, Problem(e.pos, str(e))))
        return LoadResult(source, None, problems)
    problems.extend(builder.problems)
    doc = Document(source, root, data_)
    doc.tags = builder.tags
    doc.key_tags = builder.key_tags
    if not isinstance(data_, dict):
        problems.append((NOT_A_MAPPING, Problem(mark_pos(source, root.start_mark), _not_a_mapping(data_))))
        return LoadResult(source, doc, problems)
    return LoadResult(source, doc, problems)


class LazyDocument(Document):
    """A JSON document whose data the standard library's C decoder built: its nodes (positions) are
    composed only when a position is first asked for (a clean file never composes them)."""

    def __init__(self, source: Source, data: Any):
        self._root_node = None
        Document.__init__(self, source, None, data)

    @property
    def root(self):
        if self._root_node is None:
            self._root_node = _json.compose(self.source, MAX_DEPTH)
        return self._root_node

    @root.setter
    def root(self, value) -> None:
        self._root_node = value


class _Duplicate(Exception):
    pass


def _pairs(pairs: list) -> dict:
    d = dict(pairs)
    if len(d) != len(pairs):
        raise _Duplicate  # the composing path reports each duplicate key at its line
    return d


def _no_constant(name: str):
    raise ValueError(name)  # NaN, Infinity: not JSON (the composing path reports them)


#: the standard library's JSON decoder with the hooks below (made once: json.loads builds one a call)
_DECODER = None


def _json_fast(source: Source, text: str) -> LoadResult | None:
    """A JSON file decoded by :func:`json.loads` (C), its nodes left for later; ``None`` when the file
    needs the composing path to report something (a syntax error, a duplicate key, deep nesting)."""
    global _DECODER
    if _DECODER is None:
        import json

        _DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_no_constant)
    # a text whose data or nodes would not fit the memory bound is composed within its budget instead
    dense = len(text) > MIN_NODES
    if dense and not _json.decoded_fits(text):
        return None
    try:
        data_ = _DECODER.decode(text)
    except (ValueError, _Duplicate, RecursionError):
        return None
    if dense and not (isinstance(data_, (dict, list)) and _json.nodes_fit(text, data_, node_budget(text, BYTES_PER_JSON_NODE))):
        return None
    if text.count("[") + text.count("{") > MAX_DEPTH and _too_deep_data(data_):
        return None
    doc = LazyDocument(source, data_)
    problems: list = []
    if not isinstance(data_, dict):
        start = len(text) - len(text.lstrip())
        problems.append((NOT_A_MAPPING, Problem(source.pos(start) if start else Pos(1, 1), _not_a_mapping(data_))))
    return LoadResult(source, doc, problems)


def _too_deep_data(data: Any) -> bool:
    """True when ``data`` nests deeper than :data:`MAX_DEPTH` (walked without recursion)."""
    stack = [(data, 0)]
    while stack:
        v, d = stack.pop()
        if d > MAX_DEPTH:
            return True
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values() if isinstance(x, (dict, list)))
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v if isinstance(x, (dict, list)))
    return False


#: nesting the recursive C composer is never asked to build (it overflows the C stack near 40,000
#: levels with an 8 MB stack; this keeps it to about 10% of that)
SAFE_COMPOSE_DEPTH = 4_000
#: a line indented (spaces, tabs, compact ``- ``/``? ``/``: `` indicators) this far could open this many
#: block levels (each indentation step opens at most a mapping and a sequence)
#: (searched from a line break: a literal first character lets the regex engine skip ahead, ~8x faster
#: than ``^`` with re.M, which is tried at every position; the first line is matched on its own)
#: a node's properties, a tag and/or an anchor, each followed by white space (or a line break)
_PROPERTIES = re.compile(r"(?:[!&][^ \t\r\n]*[ \t\r\n]+)+")
#: a block scalar's header: ``|`` or ``>``, then an indentation digit and a chomping sign in either order
_BLOCK_INDICATOR = re.compile(r"[|>](?:([1-9])[+-]?|[+-]([1-9])?)?")
_DEEP_INDENT = re.compile(r"[ \t?:-]{%d}" % (SAFE_COMPOSE_DEPTH // 4))
_DEEP_INDENT_AFTER_BREAK = re.compile(r"\n[ \t?:-]{%d}" % (SAFE_COMPOSE_DEPTH // 4))


def mark_pos(source: Source, mark) -> Pos:
    """File position of a parser mark (its line recomputed when libyaml counted NEL/LS/PS as breaks)."""
    if source.odd_breaks and getattr(mark, "index", None) is not None:
        return source.pos(mark.index)
    return Pos(mark.line + 1, mark.column + 1)


def _span(source: Source, a, b) -> Pos:
    pa, pb = source.pos(a.index), source.pos(b.index)
    return Pos(pa.line, pa.column, pb.line, pb.column)


def _too_deep(text: str, source: Source | None = None) -> Pos | None:
    """Where the document nests deeper than :data:`MAX_DEPTH`, when it might be deep enough to crash
    the composer; ``None`` when it is safe to compose (the builder then enforces MAX_DEPTH itself).

    The first test is a cheap, sound upper bound on the nesting depth (flow openers + block levels the
    deepest indentation allows); only when it cannot exclude extreme depth do we count the real depth
    from the parser's event stream (libyaml's parser is not recursive, only the composer is).
    """
    flow = text.count("[") + text.count("{")
    if (flow < SAFE_COMPOSE_DEPTH // 2 and _DEEP_INDENT.match(text) is None
            and _DEEP_INDENT_AFTER_BREAK.search(text) is None):
        return None
    if not HAVE_C:  # the pure-Python composer raises RecursionError, which load() reports
        return None
    parser = _CParser(text)
    depth = 0
    budget = left = node_budget(text)  # past it, composing would stop anyway: no need to read further
    while True:
        ev = parser.get_event()
        if ev is None:
            return None
        name = ev.__class__.__name__
        if name in ("MappingStartEvent", "SequenceStartEvent", "ScalarEvent"):
            left -= 1
            if left < 0:
                raise TooManyValues(budget, len(text))
        if name in ("MappingStartEvent", "SequenceStartEvent"):
            depth += 1
            if depth > MAX_DEPTH:
                m = ev.start_mark
                return mark_pos(source, m) if source is not None else Pos(m.line + 1, m.column + 1)
        elif name in ("MappingEndEvent", "SequenceEndEvent"):
            depth -= 1
        elif name == "StreamEndEvent":
            return None


def _compose_all(text: str) -> list:
    global _budget
    if HAVE_C:
        # the C composer instantiates the node classes it finds in its module: lend it light ones
        # for the duration of this call (single-threaded; restored even on a parse error)
        saved = _cyaml.ScalarNode, _cyaml.SequenceNode, _cyaml.MappingNode
        _cyaml.ScalarNode, _cyaml.SequenceNode, _cyaml.MappingNode = (
            LightScalarNode, LightSequenceNode, LightMappingNode)
        budget = _budget = node_budget(text)
        try:
            parser = _Composer(text)
            out = []
            while parser.check_node():
                out.append(parser.get_node())
            return out
        except TooManyValues:
            raise TooManyValues(budget, len(text)) from None
        finally:
            _cyaml.ScalarNode, _cyaml.SequenceNode, _cyaml.MappingNode = saved
            _budget = 0
    from ruamel.yaml import YAML  # pure-Python composer, same nodes and marks

    y = YAML(typ="safe", pure=True)
    return list(y.compose_all(text))


def _is_merge_key(node) -> bool:
    """A ``<<`` key (plain, or tagged ``!!merge``): YAML 1.1 merge, honoured by every recorder's loader."""
    if not isinstance(node, _SCALARS) or node.value != "<<":
        return False
    tag = _tag(node)
    return tag == _T + "merge" or (not tag and not node.style)


def _is_empty_scalar(node) -> bool:
    """An empty document (``---`` with nothing after it) composes to an empty plain scalar."""
    return isinstance(node, _SCALARS) and node.value == "" and not node.style and not _tag(node)


def _yaml_error_problem(e, source: Source | None = None) -> Problem:
    if getattr(e, "reason", None) is not None and getattr(e, "position", None) is not None:
        # a ReaderError (control character such as NUL): position is a byte offset into the UTF-8
        # encoding of the text; report it as one line at the character's own line and column
        ch = e.character
        what = f"#x{ch:04x}" if isinstance(ch, int) else repr(ch)
        pos = Pos(1, 1)
        if source is not None:
            index = len(source.text.encode("utf-8", "surrogatepass")[: e.position].decode("utf-8", "ignore"))
            pos = source.pos(index)
        return Problem(pos, f"YAML syntax error: unacceptable character {what}: {e.reason}")
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e)
    context = getattr(e, "context", None)
    msg = f"YAML syntax error: {problem}"
    if context:
        msg += f" ({context})"
    if mark is not None:
        return Problem(mark_pos(source, mark) if source is not None else Pos(mark.line + 1, mark.column + 1), msg)
    return Problem(Pos(1, 1), msg)


class _AliasBomb(Exception):
    def __init__(self, pos: Pos, size: int, message: str | None = None):
        super().__init__(message or f"YAML aliases expand to more than {size:,} nodes (an alias bomb?): file not read")
        self.pos = pos


class _TooDeep(Exception):
    MESSAGE = f"YAML nesting is deeper than {MAX_DEPTH} levels: file not read"

    def __init__(self, pos: Pos):
        super().__init__(self.MESSAGE)
        self.pos = pos


class _Builder:
    """Builds plain data from nodes; memoizes shared (aliased) nodes and bounds their expansion."""

    def __init__(self, source: Source):
        self.source = source
        self.problems: list = []
        self.tags: dict[tuple, str] = {}
        self.key_tags: dict[tuple, str] = {}
        self._memo: dict[int, tuple[Any, int]] = {}
        self._open: set[int] = set()  # collections being built (an alias to one is recursive)
        self._expanded = 0

    def build(self, root) -> Any:
        return self._node(root, (), 0)[0]

    def _pos(self, node) -> Pos:
        return mark_pos(self.source, node.start_mark)

    def _node(self, node, path: tuple, depth: int) -> tuple[Any, int]:
        """(value, expanded size) of ``node``."""
        if node.__class__ is LightScalarNode and not node.tag:  # the common case, inline
            self._expanded += 1
            v = node.value
            if node.style or (v and v[0] not in _MAYBE_NOT_STR):
                return v, 1  # quoted or block, or plain text that cannot be a number, bool or null
            return resolve_plain(v), 1
        if node.__class__ is _JSCALAR:  # a JSON scalar: a string, or a number/true/false/null as written
            self._expanded += 1
            return (node.value if node.style else resolve_plain(node.value)), 1
        if isinstance(node, _SCALARS):
            self._expanded += 1
            return self._scalar(node, path), 1
        memo = self._memo.get(id(node))
        if memo is not None:  # an alias: reuse the value, count what it would expand to
            if id(node) in self._open:
                raise _AliasBomb(self._pos(node), 0, "a YAML alias refers to a collection that contains it "
                                 "(a recursive structure): file not read")
            self._expanded += memo[1]
            if self._expanded > MAX_EXPANDED_NODES:
                raise _AliasBomb(self._pos(node), MAX_EXPANDED_NODES)
            return memo
        if depth > MAX_DEPTH:
            raise _TooDeep(self._pos(node))
        tag = _tag(node)
        if tag and tag not in _CORE_TAGS:
            self._note_tag(tag, path)
        size = 1
        self._expanded += 1
        self._open.add(id(node))
        if isinstance(node, _SEQUENCES):
            out: Any = []
            self._memo[id(node)] = (out, 1)
            for i, child in enumerate(node.value):
                v, s = self._node(child, path + (i,), depth + 1)
                out.append(v)
                size += s
        else:
            out = {}
            self._memo[id(node)] = (out, 1)
            merges = []
            for knode, vnode in node.value:
                if knode.__class__ is LightScalarNode and not knode.tag and not knode.style:
                    key = knode.value  # a plain key: inline _is_merge_key and _key_of
                    if key == "<<":
                        merges.append(vnode)
                        continue
                    if not key or key[0] in _MAYBE_NOT_STR:
                        key = resolve_plain(key)
                elif _is_merge_key(knode):
                    merges.append(vnode)
                    continue
                else:
                    key = _key_of(knode)
                    ktag = _tag(knode)
                    if ktag and ktag not in _CORE_TAGS and ktag != "!":
                        self.key_tags[path + (key if not isinstance(key, (list, dict)) else str(key),)] = ktag
                if isinstance(key, (list, dict)):
                    key = str(key)
                if key in out:
                    self.problems.append((DUPLICATE_KEY, Problem(
                        self._pos(knode),
                        f"duplicate key {key!r} in mapping{_where(path)}")))
                v, s = self._node(vnode, path + (key,), depth + 1)
                out[key] = v
                size += s
            for vnode in merges:  # YAML merge keys, as go-yaml, PyYAML and Psych apply them
                size += self._merge(out, vnode, path, depth)
        self._open.discard(id(node))
        self._memo[id(node)] = (out, size)
        return out, size

    def _merge(self, out: dict, vnode, path: tuple, depth: int) -> int:
        """Merge ``<<: *base`` (or a list of them) into ``out``: explicit keys win, then earlier sources."""
        sources = vnode.value if isinstance(vnode, _SEQUENCES) else [vnode]
        size = 0
        for src in sources:
            v, s = self._node(src, path, depth + 1)
            size += s
            if isinstance(v, dict):
                for k, val in v.items():
                    out.setdefault(k, val)
            else:
                self.problems.append((YAML_SYNTAX, Problem(
                    self._pos(src), f"merge key '<<'{_where(path)} takes a mapping or a list of mappings")))
        return size

    def _note_tag(self, tag: str, path: tuple) -> None:
        self.tags[path] = tag

    def _scalar(self, node, path: tuple) -> Any:
        tag = _tag(node)
        value = node.value
        if not tag:
            if node.style:
                return value
            return resolve_plain(value)
        if tag == "!":  # the non-specific tag: a string (Ruby's Psych writes ``! '"etag"'``)
            return value
        if tag in _BINARY_TAGS:
            if tag == "!binary":  # Psych's local tag: PyYAML (vcrpy) has no constructor for it
                self._note_tag(tag, path)
            try:
                return Binary(base64.b64decode("".join(value.split()), validate=True))
            except (binascii.Error, ValueError) as e:
                self.problems.append((INVALID_BINARY, Problem(
                    self._pos(node), f"!!binary value{_where(path)} is not valid base64 ({e})")))
                return value
        if tag in _CORE_TAGS:
            kind = tag[len(_T):]
            if kind == "str":
                return value
            if kind in ("int", "float", "bool", "null"):
                v = resolve_plain(value)
                expected = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}[kind]
                if isinstance(v, expected):
                    return float(v) if kind == "float" else v
                self.problems.append((YAML_SYNTAX, Problem(
                    self._pos(node), f"value {value!r}{_where(path)} is tagged !!{kind} but is not one")))
                return value
        self._note_tag(tag, path)
        return value


def _where(path: tuple) -> str:
    return f" at {format_path(path)}" if path else ""


def format_path(path) -> str:
    """``('interactions', 0, 'request')`` → ``interactions[0].request``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "(top level)"
