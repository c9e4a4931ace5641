"""A run: check many files (in parallel where it pays) and collect the results.

The command layer discovers the files (:mod:`cassette_lint.discovery`) and hands them here; this
module hands each file to the scheduler (:mod:`cassette_lint.scheduler`), which runs the per-file
pipeline (:mod:`cassette_lint.pipeline`). Nothing here prints; reporters turn the :class:`RunResult`
into output.
"""

from __future__ import annotations

from .discovery import Target, discover
from .findings import Finding
from .options import Options
from .pipeline import FileResult, check_file
from .records import Record

TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs a start-up ~4 ms)
if TYPE_CHECKING:
    from typing import Iterable

    from .cache import Cache


#: from this many files to check, they are hashed with OpenSSL's SHA-256 (:func:`reader.content_hash`)
FAST_HASH_FILES = 16


def default_jobs() -> int:
    """The CPUs this process may run on (``--jobs`` 0): here, not in the scheduler, which a run whose
    every result is cached never imports."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


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


def check(targets: list[Target], options: Options, jobs: int = 1, progress=None,
          cache: Cache | None = None) -> list[FileResult]:
    """Check ``targets``; results in the same order. ``progress(n)`` is called as files finish.

    With a ``cache``, the cached results are looked up here, in this process, before any worker
    starts; only the other files are scheduled, and their results stored (the caller saves it).
    The projects' manifests are read afresh by each call (once per directory: the lookup's answers
    are inherited by the forked workers).
    """
    from .replay import manifest

    manifest.clear()
    if cache is not None:
        from .pipeline import context_key

        cached = cache.lookup(targets, options, context_key, FileResult)
        todo = [t for t, r in zip(targets, cached) if r is None]
        if progress and len(todo) < len(targets):
            progress(len(targets) - len(todo))
        if not todo:
            return cached
    from . import scheduler  # (not imported when every result comes from the cache)

    if cache is None:
        return scheduler.check_targets(targets, options, jobs, progress)
    import copy  # (not imported when every result comes from the cache)

    keyed = copy.copy(options)
    keyed.record_source = True
    if len(todo) >= FAST_HASH_FILES:
        from .reader import fast_hash

        fast_hash()  # imports hashlib here, once, for every forked worker to inherit
    fresh = scheduler.check_targets(todo, keyed, jobs, progress)
    cache.store(fresh)
    it = iter(fresh)
    return [r if r is not None else next(it) for r in cached]


def check_one(target: Target, options: Options, cache: Cache | None = None) -> FileResult:
    """Check one file here and now (``--fix`` re-checks a file it rewrote; its fresh result is stored
    in the ``cache``, when there is one)."""
    if cache is None:
        return check_file(target, options)
    return check([target], options, cache=cache)[0]


def run(paths: Iterable[str], options: Options, jobs: int = 1, progress=None) -> RunResult:
    """Discover ``paths`` and check every file found."""
    return RunResult(check(discover(paths), options, jobs, progress))
