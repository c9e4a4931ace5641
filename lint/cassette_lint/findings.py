"""Findings: what a rule reports (a :class:`Problem`) and what the reporters print (a :class:`Finding`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .source import Pos


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


ERROR = Severity.ERROR
WARNING = Severity.WARNING


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace bytes ``[start, end)`` of the file with ``replacement``."""

    start: int
    end: int
    replacement: bytes


@dataclass(frozen=True, slots=True)
class Fix:
    """A fix is a set of byte-range edits; ``safe`` fixes are applied by ``--fix``."""

    description: str
    edits: tuple[Edit, ...]
    safe: bool = True


@dataclass(slots=True)
class Problem:
    """What a rule's ``check()`` yields: where, what, and optionally how to fix it.

    ``value`` is the offending value (never printed): baselines and fingerprints hash it so that they
    survive line moves.
    """

    pos: Pos
    message: str
    interaction: int | None = None
    value: str | None = None
    fix: Fix | None = None


@dataclass(slots=True)
class Finding:
    """A problem attributed to a rule and a file, ready for a reporter."""

    path: str
    line: int
    column: int
    rule: str
    name: str
    severity: Severity
    message: str
    interaction: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    format: str | None = None
    value_hash: str | None = None
    fix: Fix | None = field(default=None, repr=False)
    #: the leaked value of a secrets finding: never serialised, only used to mask it in diffs
    secret: str | None = field(default=None, repr=False)

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
