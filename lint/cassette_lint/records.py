"""Plain value classes: equality, hash and repr read from ``__slots__``, written once.

What ``@dataclass`` generated for these classes, without its cost: a dataclass execs generated code
for every class at every start-up (~1 ms each), while these methods come from the cached bytecode.
A subclass lists all its fields in ``__slots__``, in constructor order.
"""

from __future__ import annotations


class Record:
    """Equal when the class and every field are equal; not hashable (like a mutable dataclass)."""

    __slots__ = ()
    #: fields left out of ``repr`` (a secret, or a fix with its bytes)
    _hidden: tuple[str, ...] = ()

    def _values(self) -> tuple:
        return tuple(getattr(self, f) for f in self.__slots__)

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__slots__ if f not in self._hidden)
        return f"{self.__class__.__qualname__}({shown})"


class Value(Record):
    """A :class:`Record` that is also hashable: a value, to be treated as immutable."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())
