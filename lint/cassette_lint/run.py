"""A run: check many files (in parallel where it pays) and collect the results.

The command layer discovers the files (:mod:`cassette_lint.discovery`) and hands them here; this
module hands each file to the scheduler (:mod:`cassette_lint.scheduler`), which runs the per-file
pipeline (:mod:`cassette_lint.pipeline`). Nothing here prints; reporters turn the :class:`RunResult`
into output.
"""

from __future__ import annotations

from typing import Iterable

from . import scheduler
from .discovery import Target, discover
from .findings import Finding
from .options import Options
from .pipeline import FileResult, check_file
from .records import Record

default_jobs = scheduler.default_jobs


class RunResult(Record):
    __slots__ = ("files",)

    def __init__(self, files: list[FileResult]):
        self.files = files

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.files for f in r.findings]

    @property
    def checked(self) -> list[FileResult]:
        return [r for r in self.files if r.skipped is None]


def check(targets: list[Target], options: Options, jobs: int = 1, progress=None) -> list[FileResult]:
    """Check ``targets``; results in the same order. ``progress(n)`` is called as files finish."""
    return scheduler.check_targets(targets, options, jobs, progress)


def check_one(target: Target, options: Options) -> FileResult:
    """Check one file here and now (``--fix`` re-checks a file it rewrote)."""
    return check_file(target, options)


def run(paths: Iterable[str], options: Options, jobs: int = 1, progress=None) -> RunResult:
    """Discover ``paths`` and check every file found."""
    return RunResult(check(discover(paths), options, jobs, progress))
