"""Bodies stored as JSON structure (Azure test-proxy's ``ResponseBody: {...}``, nock's ``body`` and
``response`` objects), and bodies stored in pieces (test-proxy's array of lines, Polly's and nock's
arrays of chunks).

A recorder that stores a JSON body as structure serializes it again on replay (test-proxy:
``RecordEntry.DeserializeBody`` → ``NormalizeJsonBody``, compact ``Utf8JsonWriter``; nock:
``JSON.stringify``), so the body the client receives is the compact serialization of the structure.
:func:`structured_body` builds that text once, walking the loaded nodes, and a locator that maps an
offset in it back to the file: inside a string written without escapes, to the exact character (so a
secret is reported at its line and column and a fix edits only that string's bytes); elsewhere, to
the start of the value that holds it (its line).
"""

from __future__ import annotations

import bisect
import json

from ..loader import Document
from ..model import Body, Message, Value
from ..source import ScalarLocator

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class StructLocator(ScalarLocator):
    """Offsets of a re-serialized JSON value → file indexes (see the module doc)."""

    __slots__ = ("_starts", "_segs")

    def __init__(self, doc: Document, node, segs: list):
        ScalarLocator.__init__(self, doc.source, node.start_mark.index, node.end_mark.index, '"')
        #: (text offset, length, locator or None, file index): a run of the serialized text
        self._starts = [s[0] for s in segs]
        self._segs = segs

    def index_of(self, offset: int) -> int:
        if not self._segs:
            return self.start
        k = max(bisect.bisect_right(self._starts, offset) - 1, 0)
        start, n, loc, index = self._segs[k]
        if loc is not None and offset - start < n:
            return loc.index_of(offset - start)
        return index


def _walk(node, doc: Document, out: list, segs: list, pos: list) -> None:
    """Append the compact serialization of ``node`` to ``out`` (``pos[0]``: its length so far)."""
    v = node.value
    if isinstance(v, list) and v and isinstance(v[0], tuple):  # a mapping: (key node, value node)
        _emit("{", node, out, segs, pos)
        for i, (k, val) in enumerate(v):
            _emit(("," if i else "") + _dumps(str(k.value)) + ":", k, out, segs, pos)
            _walk(val, doc, out, segs, pos)
        _emit("}", node, out, segs, pos, end=True)
        return
    if isinstance(v, list):  # a sequence (or an empty mapping)
        is_map = node.__class__.__name__.endswith("Mapping")
        _emit("{" if is_map else "[", node, out, segs, pos)
        for i, child in enumerate(v):
            if i:
                _emit(",", child, out, segs, pos)
            _walk(child, doc, out, segs, pos)
        _emit("}" if is_map else "]", node, out, segs, pos, end=True)
        return
    if getattr(node, "style", None) == '"':  # a string
        text = _dumps(v)
        a = pos[0]
        out.append(text)
        pos[0] += len(text)
        inner = text[1:-1]
        if inner == v:  # written without escapes in the serialization: exact offsets
            loc = ScalarLocator(doc.source, node.start_mark.index, node.end_mark.index, '"')
            segs.append((a, 1, None, node.start_mark.index))
            segs.append((a + 1, len(v), loc, node.start_mark.index))
            segs.append((a + 1 + len(v), 1, None, node.end_mark.index - 1))
        else:
            segs.append((a, len(text), None, node.start_mark.index))
        return
    _emit(str(v), node, out, segs, pos)  # a number, true, false, null: as written


def _emit(text: str, node, out: list, segs: list, pos: list, end: bool = False) -> None:
    segs.append((pos[0], len(text), None, node.end_mark.index - 1 if end else node.start_mark.index))
    out.append(text)
    pos[0] += len(text)


def structured_body(value, path: tuple, msg: Message, doc: Document, how: str) -> Body:
    """The body stored as JSON structure (``value``, at ``path``), as the recorder re-serializes it on
    replay (``how`` names that, for messages); its stored bytes are gone, so no declared length
    compares. Its locator is built from the nodes only when a finding asks for a position."""
    text = _dumps(value)
    b = Body(text, text.encode("utf-8", "surrogatepass"), False, path, doc, msg)
    b.decoded = how
    doc.locators[tuple(path)] = lambda: _locator(doc, path, text)
    msg.uncompressed = Value(True, path, doc)  # the declared length counted the bytes sent, not these
    return b


def _locator(doc: Document, path: tuple, text: str) -> StructLocator:
    node = doc.node_at(path)
    out: list = []
    segs: list = []
    _walk(node, doc, out, segs, [0])
    if "".join(out) != text:  # a number spelled otherwise than Python writes it: no exact offsets
        segs = [(0, len(text), None, node.start_mark.index)]
    return StructLocator(doc, node, segs)


def joined_text(parts: list, path: tuple, doc: Document) -> str:
    """The strings of the array at ``path`` joined (test-proxy's lines): its locator maps each
    offset through the element holding it (a finding points at that element's line)."""
    from ..source import JoinedLocator

    text = "".join(parts)
    if parts:
        def build() -> JoinedLocator:
            locs, offset = [], 0
            for k, part in enumerate(parts):
                locs.append((offset, doc.locator(path + (k,))))
                offset += len(part)
            return JoinedLocator(locs)

        doc.locators[tuple(path)] = build
    return text
