"""The format-neutral cassette model that every rule works on.

A format adapter (``formats/``) builds it from a loaded document.  Each value keeps the document
path it came from, so a rule can ask for its file position (:meth:`Value.pos`) or, for a body, the
position of any character inside it (:meth:`Body.pos`) — computed only when a finding needs it.
Parsed views of a body (JSON, SSE events) are computed once and shared by all rules.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Iterator

from .source import Pos
from .streams.sse import parse as parse_sse
from .streams.sse import parse_json

if TYPE_CHECKING:
    from .loader import Document
    from .replay import Profile
    from .streams.sse import Stream


class Value:
    """A scalar from the cassette with the path it was read from."""

    __slots__ = ("value", "path", "doc")

    def __init__(self, value: Any, path: tuple, doc: "Document"):
        self.value = value
        self.path = path
        self.doc = doc

    @property
    def pos(self) -> Pos:
        return self.doc.pos(self.path)

    @property
    def key_pos(self) -> Pos:
        return self.doc.key_pos(self.path)

    def __repr__(self) -> str:
        return f"Value({self.value!r} @ {self.path})"


class Headers:
    """HTTP headers in recorded order; names compare case-insensitively."""

    __slots__ = ("items", "path", "doc", "_by_name")

    def __init__(self, items: list[tuple[str, list[Value]]], path: tuple, doc: "Document"):
        self.items = items  # [(name, [Value, ...]), ...]
        self.path = path
        self.doc = doc
        #: the values under each lower-cased name, in recorded order: made on the first look-up (a
        #: message's headers are asked for ~18 times a file, each a walk lower-casing every name)
        self._by_name: dict[str, list[Value]] | None = None

    def get_all(self, name: str) -> list[Value]:
        by_name = self._by_name
        if by_name is None:
            by_name = {}
            for n, vals in self.items:
                by_name.setdefault(n.lower(), []).extend(vals)
            self._by_name = by_name
        got = by_name.get(name.lower())
        return list(got) if got else []

    def get(self, name: str) -> Value | None:
        vals = self.get_all(name)
        return vals[0] if vals else None

    def value(self, name: str, default: str | None = None) -> str | None:
        v = self.get(name)
        return str(v.value) if v is not None and v.value is not None else default

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, list[Value]]]:
        return iter(self.items)


class cached:
    """``functools.cached_property`` without its lock: on Python 3.11 the first access of every
    property of every object took an ``RLock`` (~0.64 against ~0.23 us), and a file's model makes
    thousands of them in a long run. (A non-data descriptor: once set, the instance's ``__dict__``
    answers and this is not called again.)"""

    def __init__(self, fn):
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


#: a JSON ``\\u`` escape (searched with a regex: ~1.8x faster than ``in`` for this two-character
#: needle on CPython 3.11, measured over the synthetic and fantasy bodies)
_U_ESCAPE = re.compile(r"\\u")
_NON_SPACE = re.compile(r"\S+")


def has_unicode_escape(text: str) -> bool:
    """True when ``text`` holds ``\\u``: a JSON escape could then spell any key or word, so a rule
    may not skip the text for lacking a word (``"error"``, ``"tool_calls"``)."""
    return _U_ESCAPE.search(text) is not None


class Body:
    """A request or response body.

    ``text`` is the body as recorded (a ``str``) or ``None`` when it was binary; ``data`` is always
    the bytes it stands for (UTF-8 of the text, or the decoded ``!!binary``).  ``pos(offset)`` maps a
    character offset in ``text`` to the file.
    """

    __slots__ = ("text", "data", "binary", "path", "doc", "message_path", "__dict__")

    #: what the adapter undid to get ``text`` (``gzip``/``deflate`` of a ``!!binary`` body, whose ``data``
    #: stays the stored bytes the declared length counts; ``gzip`` already undone by the client, or a
    #: re-serialized ``parsed_body``, both with ``uncompressed`` set on the message)
    decoded: str = ""
    #: False when offsets in ``text`` are not offsets in the scalar as written (decompressed or base64
    #: bytes, a re-serialized structure): ``pos()`` then gives the body's start
    exact: bool = True
    #: why the body cannot be inspected (``"brotli-compressed"`` …), set by the adapter; ``text`` is None
    uninspectable: str | None = None

    def __init__(self, text: str | None, data: bytes, binary: bool, path: tuple | None,
                 doc: "Document", message: "Message"):
        self.text = text
        self.data = data
        self.binary = binary
        self.path = path
        self.doc = doc
        #: the path of the message holding the body; not the message itself, which holds the body:
        #: that cycle left every file's whole model to the cyclic GC (slower, and memory grew)
        self.message_path = message.path

    def __len__(self) -> int:
        return len(self.data)

    @property
    def empty(self) -> bool:
        return not self.data

    @cached
    def locator(self):
        return self.doc.locator(self.path) if self.path is not None else None

    def pos(self, offset: int = 0, end_offset: int | None = None) -> Pos:
        """File position of character ``offset`` of the body (of the body's key if it is absent); of a
        binary body, of byte ``offset`` (:meth:`byte_pos`)."""
        if self.path is None or self.locator is None:
            return self.doc.pos(self.message_path)
        if self.text is None and self.binary and offset:
            return self.byte_pos(offset)  # a binary body's offsets are bytes (AWS event-stream frames)
        if self.text is None or not self.exact:
            return self.doc.pos(self.path)
        return self.locator.pos(offset, end_offset)

    def line_of(self, offset: int) -> int:
        return self.pos(offset).line

    def byte_pos(self, offset: int) -> Pos:
        """File position of byte ``offset`` of :attr:`data`.

        A ``!!binary`` body: the base64 character that starts the four that encode the byte (exact to
        the line and column, whatever the scalar's line breaks). A text body: the character holding
        the byte. A body whose offsets are not in the file (decompressed, re-serialized): its start.
        """
        if self.path is None or self.locator is None:
            return self.pos()
        if self.binary:
            b64 = self.doc.node_at(self.path).value  # the base64 as written (the loader never decodes it)
            if not isinstance(b64, str):
                return self.pos()
            want = offset // 3 * 4  # index of the quad among the base64 characters
            seen = 0
            for m in _NON_SPACE.finditer(b64):
                n = m.end() - m.start()
                if seen + n > want:
                    return self.locator.pos(m.start() + want - seen)
                seen += n
            return self.pos()
        if self.text is None or not self.exact:
            return self.pos()
        return self.pos(len(self.data[:offset].decode("utf-8", "ignore")))

    @cached
    def json(self) -> tuple[Any, json.JSONDecodeError | None]:
        """``(value, None)`` when the body is JSON, ``(None, error)`` otherwise (parsed once)."""
        if self.text is None:
            return None, json.JSONDecodeError("binary body", "", 0)
        return parse_json(self.text)

    @cached
    def unicode_escapes(self) -> bool:
        """:func:`has_unicode_escape` of the text, asked once per body (several rules pre-check a
        whole body by its words; each scan of a long stream costs as much as a small rule)."""
        return self.text is not None and has_unicode_escape(self.text)

    @cached
    def aws_frames(self) -> tuple[list, tuple[int, str] | None]:
        """The body read as AWS event-stream frames (:func:`cassette_lint.streams.eventstream.parse`), once:
        ``E005`` reports the first broken frame, the stream and tool-call rules read the events."""
        from .streams.eventstream import parse

        return parse(self.data)

    @cached
    def sse(self) -> "Stream":
        """The body parsed as a Server-Sent-Events stream (WHATWG rules), parsed once."""
        return parse_sse(self.text or "")


# Message, Request, Response, Interaction and Cassette are plain classes, not dataclasses: creating a
# dataclass costs every start-up ~1 ms of generated code, these methods come from the cached .pyc.
# Equality is identity (they were ``eq=False`` dataclasses): interactions key weak dictionaries.


class Message:
    """What requests and responses share."""

    #: cookies a format records apart from the ``Cookie``/``Set-Cookie`` headers (HAR ``cookies``):
    #: ``[(name, Value of the cookie's value), ...]``; None when the format has no such field
    cookies: "list[tuple[str, Value]] | None" = None

    def __init__(self, path: tuple, doc: "Document", headers: Headers = None,  # type: ignore[assignment]
                 body: Body = None, content_length: Value | None = None,  # type: ignore[assignment]
                 transfer_encoding: list[str] | None = None, proto: Value | None = None,
                 proto_major: Value | None = None, proto_minor: Value | None = None,
                 trailer: Headers | None = None, content_length_source: str = "content_length"):
        self.path = path
        self.doc = doc
        self.headers = headers
        self.body = body
        self.content_length = content_length
        self.transfer_encoding: list[str] = [] if transfer_encoding is None else transfer_encoding
        self.proto = proto
        self.proto_major = proto_major
        self.proto_minor = proto_minor
        self.trailer = trailer
        #: the header that carries the declared length in formats without a ``content_length`` field
        self.content_length_source = content_length_source

    def __repr__(self) -> str:
        return f"{self.__class__.__qualname__}(path={self.path!r})"

    @property
    def pos(self) -> Pos:
        return self.doc.pos(self.path)

    @cached
    def content_type(self) -> str:
        """Media type of the body, lower-cased, without parameters ('' when absent); read once (the
        adapters set the headers before anything asks, and rules ask it ~8 times a message)."""
        ct = self.headers.value("Content-Type", "") if self.headers is not None else ""
        return (ct or "").split(";", 1)[0].strip().lower()

    @property
    def content_encoding(self) -> str:
        """The coding of ``body.text`` as the model holds it: '' when the adapter decoded it (``Body.decoded``)."""
        if self.body is not None and self.body.decoded:
            return ""
        ce = self.headers.value("Content-Encoding", "") if self.headers is not None else ""
        return (ce or "").strip().lower()


class Request(Message):
    #: go-vcr's ``remote_addr`` and ``request_uri``: set only by a server-side recording
    #: (``recorder.HTTPMiddleware``), never by a client; None when absent
    remote_addr: Value | None = None
    request_uri: Value | None = None

    def __init__(self, path: tuple, doc: "Document", headers: Headers = None,  # type: ignore[assignment]
                 body: Body = None, content_length: Value | None = None,  # type: ignore[assignment]
                 transfer_encoding: list[str] | None = None, proto: Value | None = None,
                 proto_major: Value | None = None, proto_minor: Value | None = None,
                 trailer: Headers | None = None, content_length_source: str = "content_length",
                 method: Value | None = None, url: Value | None = None, host: Value | None = None,
                 form: Headers | None = None, uncompressed: Value | None = None):
        Message.__init__(self, path, doc, headers, body, content_length, transfer_encoding, proto, proto_major,
                         proto_minor, trailer, content_length_source)
        self.method = method
        self.url = url
        self.host = host
        self.form = form
        #: as ``Response.uncompressed``: the stored body is not the bytes a declared length counts
        #: (pydantic-ai's re-serialized ``parsed_body``)
        self.uncompressed = uncompressed

    @cached
    def json_body(self) -> Any:
        """The request body as JSON (``None`` when it is not JSON)."""
        value, err = self.body.json if self.body is not None else (None, True)
        return value if err is None else None


class Response(Message):
    def __init__(self, path: tuple, doc: "Document", headers: Headers = None,  # type: ignore[assignment]
                 body: Body = None, content_length: Value | None = None,  # type: ignore[assignment]
                 transfer_encoding: list[str] | None = None, proto: Value | None = None,
                 proto_major: Value | None = None, proto_minor: Value | None = None,
                 trailer: Headers | None = None, content_length_source: str = "content_length",
                 status: Value | None = None, code: Value | None = None, duration: Value | None = None,
                 uncompressed: Value | None = None):
        Message.__init__(self, path, doc, headers, body, content_length, transfer_encoding, proto, proto_major,
                         proto_minor, trailer, content_length_source)
        self.status = status
        self.code = code
        self.duration = duration
        self.uncompressed = uncompressed


class Interaction:
    def __init__(self, index: int, path: tuple, doc: "Document", request: Request = None,  # type: ignore[assignment]
                 response: Response = None, id: Value | None = None,  # type: ignore[assignment]
                 kind: str = "http"):
        self.index = index
        self.path = path
        self.doc = doc
        self.request = request
        self.response = response
        self.id = id
        #: "http" for request/response pairs; anything else (websocket, grpc …) is not checked by HTTP rules
        self.kind = kind
        #: what rule families derive from this interaction once and share (its dialect, its dispatched
        #: events, its tool calls …), keyed by name; freed with the interaction (no weak dictionaries)
        self.derived: dict = {}

    def __repr__(self) -> str:
        return f"Interaction(index={self.index!r}, path={self.path!r}, kind={self.kind!r})"

    @property
    def pos(self) -> Pos:
        return self.doc.pos(self.path)


class Cassette:
    def __init__(self, path: str, format: str, doc: "Document", interactions: list[Interaction] | None = None,
                 version: Value | None = None):
        self.path = path
        self.format = format
        self.doc = doc
        self.interactions: list[Interaction] = [] if interactions is None else interactions
        self.version = version
        self._profile: "Profile | None" = None
        #: values the recording stores for playback (test-proxy ``Variables``): ``[(name, Value)]``
        self.variables: list[tuple[str, Value]] | None = None

    @property
    def profile(self) -> "Profile":
        """The library that replays this cassette (:mod:`cassette_lint.replay`): set by the pipeline
        from the configuration and the project's manifest; the format's default until then."""
        if self._profile is None:
            from .replay import resolve_default

            self._profile = resolve_default(self.format)
        return self._profile

    @profile.setter
    def profile(self, value: "Profile") -> None:
        self._profile = value

    def __repr__(self) -> str:
        return f"Cassette(path={self.path!r}, format={self.format!r}, interactions={len(self.interactions)})"

    @property
    def http(self) -> list[Interaction]:
        """The request/response interactions (computed once: every rule asks)."""
        got = self.__dict__.get("_http")
        if got is None:
            got = self.__dict__["_http"] = [i for i in self.interactions if i.kind == "http"]
        return got
