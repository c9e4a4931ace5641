"""Compose a JSON document (vcrpy's ``json`` serializer) into the loader's node graph.

libyaml reads most JSON, but not all of it: the surrogate-pair escapes ``json.dumps`` writes for
characters outside the BMP (``"\\ud83d\\ude00"``) are invalid YAML escapes.  This small
recursive-descent parser builds the same kind of nodes the YAML composer does (``value``,
``start_mark``/``end_mark`` with ``line``, ``column`` and ``index``, ``style``, an empty ``tag``), so a
JSON cassette gets the same :class:`~cassette_lint.loader.Document`, the same exact positions (also
inside string bodies) and the same rules as a YAML one.  Strings are decoded by the C ``scanstring``
of the standard library, so a body of megabytes costs one call.
"""

from __future__ import annotations

import re
from json.decoder import scanstring

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .source import Source

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_WORDS = ("true", "false", "null")


#: what the standard library's C decoder (with the loader's hooks) builds at most per ``{``/``[`` (a
#: dict or list with one pair or item, and its slot), per ``:`` (a dict entry and the decoder's memo
#: of the key), per ``,`` (a slot, a number), per ``"`` (half a short string) and per ``.`` (a
#: float): measured, ``[{"a":1},…]`` 192 bytes an item, ``{"k0":1,…}`` ~200 a key, ``["ab",…]`` 59,
#: ``[1.5,…]`` 32.  A text whose counts say more than MAX_DECODED_FACTOR times its size is not
#: decoded in one go (it is composed within its value budget instead)
_PER_OPENER, _PER_COLON, _PER_COMMA, _PER_QUOTE, _PER_DOT = 200, 100, 12, 26, 24
MAX_DECODED_FACTOR = 12


def decoded_fits(text: str) -> bool:
    """Whether the C decoder's data for ``text`` stays within :data:`MAX_DECODED_FACTOR` times its size
    (an over-estimate from character counts: those inside strings are counted too)."""
    limit = MAX_DECODED_FACTOR * len(text)
    est = (text.count("{") + text.count("[")) * _PER_OPENER
    if est > limit:
        return False
    est += (text.count(":") * _PER_COLON + text.count(",") * _PER_COMMA + text.count('"') * _PER_QUOTE
            + text.count(".") * _PER_DOT)
    return est <= limit


def nodes_fit(text: str, data, budget: int) -> bool:
    """Whether composing ``text`` (decoded as ``data``) makes at most ``budget`` nodes, one per key and
    per value: told from character counts when they say so (every node but the first follows a ``:``
    — a key and its value — a ``,`` or a ``[``), else counted in ``data`` (stopping past the budget)."""
    if 1 + 2 * text.count(":") + text.count(",") + text.count("[") <= budget:
        return True
    n = 1
    stack = [data]
    while stack:
        v = stack.pop()
        if v.__class__ is dict:
            n += 2 * len(v)
            stack.extend(x for x in v.values() if x.__class__ is dict or x.__class__ is list)
        else:
            n += len(v)
            stack.extend(x for x in v if x.__class__ is dict or x.__class__ is list)
        if n > budget:
            return False
    return True


class Mark:
    __slots__ = ("line", "column", "index")

    def __init__(self, line: int, column: int, index: int):
        self.line = line
        self.column = column
        self.index = index


class LazyMark:
    """A mark whose line and column are found from its index only when asked (most nodes' never are:
    a position is computed for the few values a finding points at)."""

    __slots__ = ("index", "_source")

    def __init__(self, index: int, source: Source):
        self.index = index
        self._source = source

    @property
    def line(self) -> int:
        return self._source.line_col(self.index)[0]

    @property
    def column(self) -> int:
        return self._source.line_col(self.index)[1]


class JScalar(ScalarNode):
    tag = ""
    __slots__ = ()

    def __init__(self, value, start, end, style):
        self.value = value
        self.start_mark = start
        self.end_mark = end
        self.style = style


class _JCollection:
    """What the JSON mapping and sequence nodes share: no tag, the items and their span."""
    tag = ""
    __slots__ = ()

    def __init__(self, value, start, end):
        self.value = value
        self.start_mark = start
        self.end_mark = end


class JMapping(_JCollection, MappingNode):
    __slots__ = ()


class JSequence(_JCollection, SequenceNode):
    __slots__ = ()


class JSONSyntaxError(ValueError):
    def __init__(self, msg: str, index: int):
        super().__init__(msg)
        self.msg = msg
        self.index = index


class TooDeep(Exception):
    def __init__(self, index: int):
        super().__init__("too deep")
        self.index = index


def compose(source: Source, max_depth: int, max_nodes: int | None = None):
    """The root node of the JSON text in ``source`` (raises :class:`JSONSyntaxError`, :class:`TooDeep`,
    and the loader's ``TooManyValues`` past ``max_nodes`` values: the tree is never built whole)."""
    text = source.text
    left = max_nodes if max_nodes is not None else len(text) + 1

    def too_many(i: int):
        from .loader import BYTES_PER_JSON_NODE, TooManyValues

        return TooManyValues(max_nodes, len(text), i, BYTES_PER_JSON_NODE)

    def mark(i: int) -> LazyMark:
        return LazyMark(i, source)

    def value(i: int, depth: int):
        nonlocal left
        left -= 1
        if left < 0:
            raise too_many(i)
        i = _WS.match(text, i).end()
        if i >= len(text):
            raise JSONSyntaxError("expected a value, found the end of the file", i)
        c = text[i]
        if c == '"':
            try:
                s, end = scanstring(text, i + 1, True)
            except ValueError as e:
                raise JSONSyntaxError(getattr(e, "msg", str(e)), getattr(e, "pos", i)) from None
            return JScalar(s, mark(i), mark(end), '"'), end
        if c == "{" or c == "[":
            if depth >= max_depth:
                raise TooDeep(i)
            return (obj if c == "{" else arr)(i, depth + 1)
        m = _NUMBER.match(text, i)
        if m is not None:
            return JScalar(m.group(), mark(i), mark(m.end()), None), m.end()
        for w in _WORDS:
            if text.startswith(w, i):
                return JScalar(w, mark(i), mark(i + len(w)), None), i + len(w)
        raise JSONSyntaxError(f"unexpected character {c!r}", i)

    def obj(i: int, depth: int):
        start = i
        items = []
        i = _WS.match(text, i + 1).end()
        if text.startswith("}", i):
            return JMapping(items, mark(start), mark(i + 1)), i + 1
        while True:
            if not text.startswith('"', i):
                raise JSONSyntaxError("expected a property name in double quotes", i)
            key, i = value(i, depth)
            i = _WS.match(text, i).end()
            if not text.startswith(":", i):
                raise JSONSyntaxError("expected ':' after a property name", i)
            val, i = value(i + 1, depth)
            items.append((key, val))
            i = _WS.match(text, i).end()
            if text.startswith(",", i):
                i = _WS.match(text, i + 1).end()
                continue
            if text.startswith("}", i):
                return JMapping(items, mark(start), mark(i + 1)), i + 1
            raise JSONSyntaxError("expected ',' or '}' in an object", i)

    def arr(i: int, depth: int):
        start = i
        items = []
        i = _WS.match(text, i + 1).end()
        if text.startswith("]", i):
            return JSequence(items, mark(start), mark(i + 1)), i + 1
        while True:
            val, i = value(i, depth)
            items.append(val)
            i = _WS.match(text, i).end()
            if text.startswith(",", i):
                i += 1
                continue
            if text.startswith("]", i):
                return JSequence(items, mark(start), mark(i + 1)), i + 1
            raise JSONSyntaxError("expected ',' or ']' in an array", i)

    root, end = value(0, 0)
    end = _WS.match(text, end).end()
    if end != len(text):
        raise JSONSyntaxError("extra data after the JSON document", end)
    return root
