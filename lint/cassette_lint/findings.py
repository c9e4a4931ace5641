"""Findings: what a rule reports (a :class:`Problem`) and what the reporters print (a :class:`Finding`)."""

from __future__ import annotations

import enum

from .records import Record, Value
from .source import Pos


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


ERROR = Severity.ERROR
WARNING = Severity.WARNING


# Plain classes, not dataclasses: creating a dataclass costs every start-up ~1 ms of generated code,
# these methods come from the cached .pyc.  Equality and hashing are what the dataclasses gave:
# Edit and Fix (frozen) are values, equal and hashed by their fields; Problem and Finding are equal by
# their fields and unhashable.


class Edit(Value):
    """Replace bytes ``[start, end)`` of the file with ``replacement``.  A value: treat it as immutable."""

    __slots__ = ("start", "end", "replacement")

    def __init__(self, start: int, end: int, replacement: bytes):
        self.start = start
        self.end = end
        self.replacement = replacement


class Fix(Value):
    """A fix is a set of byte-range edits; ``safe`` fixes are applied by ``--fix``.  A value: treat it as immutable."""

    __slots__ = ("description", "edits", "safe")

    def __init__(self, description: str, edits: tuple[Edit, ...], safe: bool = True):
        self.description = description
        self.edits = edits
        self.safe = safe


class Problem(Record):
    """What a rule's ``check()`` yields: where, what, and optionally how to fix it.

    ``value`` is the offending value (never printed): baselines and fingerprints hash it so that they
    survive line moves.

    ``severity``, when given, is what the defect does under the file's library profile (a length
    mismatch breaks replay under go-vcr v4's matcher, nothing under vcrpy's): it replaces the rule's
    default severity. A severity the user configures for the rule still wins over both.
    """

    __slots__ = ("pos", "message", "interaction", "value", "fix", "severity")

    def __init__(self, pos: Pos, message: str, interaction: int | None = None, value: str | None = None,
                 fix: Fix | None = None, severity: Severity | None = None):
        self.pos = pos
        self.message = message
        self.interaction = interaction
        self.value = value
        self.fix = fix
        self.severity = severity


class Finding(Record):
    """A problem attributed to a rule and a file, ready for a reporter."""

    __slots__ = ("path", "line", "column", "rule", "name", "severity", "message", "interaction", "end_line",
                 "end_column", "format", "value_hash", "fix", "secret")

    _hidden = ("fix", "secret")  # a repr never shows a secret

    def __init__(self, path: str, line: int, column: int, rule: str, name: str, severity: Severity,
                 message: str, interaction: int | None = None, end_line: int | None = None,
                 end_column: int | None = None, format: str | None = None, value_hash: str | None = None,
                 fix: Fix | None = None, secret: str | None = None):
        self.path = path
        self.line = line
        self.column = column
        self.rule = rule
        self.name = name
        self.severity = severity
        self.message = message
        self.interaction = interaction
        self.end_line = end_line
        self.end_column = end_column
        self.format = format
        self.value_hash = value_hash
        self.fix = fix
        #: the leaked value of a secrets finding: never serialised, only used to mask it in diffs
        self.secret = secret

    def sort_key(self):
        return (self.path, self.line, self.column, self.rule, self.message)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "interaction": self.interaction,
            "format": self.format,
            "fixable": self.fix is not None,
        }


