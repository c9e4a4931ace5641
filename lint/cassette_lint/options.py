"""Run options: which rules are selected, their severities, limits and per-family settings.

Built by the command layer (:mod:`cassette_lint.command`) from the command line and the configuration,
read by every later step of the run.
"""

from __future__ import annotations

from functools import lru_cache
TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs a start-up ~4 ms)
if TYPE_CHECKING:
    from typing import Iterable

from . import rules
from .findings import Severity
from .records import Record

#: peak memory reaches ~20x the file size for cassettes of many streamed interactions (~8x for one
#: long stream; benchmarks/hostile.py and bench.py --sizes), so 20 MiB bounds one worker near 450 MB;
#: real cassettes are rarely above a few MB
DEFAULT_MAX_FILE_SIZE = 20 * 1024 * 1024


# dataclasses, which cost every start-up ~1 ms of generated code each (see records.py).


class Options(Record):
    __slots__ = ("select", "ignore", "severity", "max_file_size", "cassette_format", "settings", "record_source")

    def __init__(self, select: tuple[str, ...] = ("ALL",), ignore: tuple[str, ...] = (),
                 severity: dict[str, Severity] | None = None, max_file_size: int = DEFAULT_MAX_FILE_SIZE,
                 cassette_format: str | None = None, settings: dict[str, dict] | None = None,
                 record_source: bool = False):
        self.select = select
        self.ignore = ignore
        self.severity: dict[str, Severity] = {} if severity is None else severity
        self.max_file_size = max_file_size
        self.cassette_format = cassette_format
        #: per-family rule settings from the configuration: {"secrets": {"allowlist": [...]}, ...}
        self.settings: dict[str, dict] = {} if settings is None else settings
        #: results carry the hash and stat signature of the bytes checked (for the cache; changes
        #: no finding)
        self.record_source = record_source

    def enabled(self, code: str) -> bool:
        if not rules.selected(code, self.select):
            return False
        if self.ignore and rules.matches(code, self.ignore):
            # a more specific select wins over a broader ignore (``--select E001 --ignore E``)
            return _specificity(code, self.select) > _specificity(code, self.ignore)
        return True

    def family_enabled(self, prefix: str) -> bool:
        """True when at least one rule whose code starts with ``prefix`` is enabled."""
        return _family_enabled(tuple(self.select), tuple(self.ignore), prefix, rules.registry_key())

    def active_rules(self, checks_only: bool = True) -> list:
        """The enabled rules (with a ``check`` of their own), in run order; computed once per selection."""
        return _active_rules(tuple(self.select), tuple(self.ignore), checks_only, rules.registry_key())


@lru_cache(maxsize=64)
def _active_rules(select: tuple, ignore: tuple, checks_only: bool, _registry: int) -> list:
    probe = Options(select=select, ignore=ignore)
    return [r for r in rules.all_rules() if (r.check is not None or not checks_only) and probe.enabled(r.code)]


@lru_cache(maxsize=256)
def _family_enabled(select: tuple, ignore: tuple, prefix: str, registry: int) -> bool:
    return any(r.code.startswith(prefix) for r in _active_rules(select, ignore, False, registry))


def _specificity(code: str, selectors: Iterable[str]) -> int:
    return max((0 if s == "ALL" else len(s) for s in selectors if s == "ALL" or code.startswith(s)), default=-1)

