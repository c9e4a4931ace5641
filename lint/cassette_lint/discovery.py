"""Discovery, the first step of a run: which files to check (walk, skip rules, explicit files)."""

from __future__ import annotations

import os
TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs a start-up ~4 ms)
if TYPE_CHECKING:
    from typing import Iterable, Iterator

from .compression import inner_name
from .records import Value

YAML_SUFFIXES = (".yaml", ".yml")
#: walked directories also yield these (vcrpy's JSON serializer, nock, Azure test-proxy records, HAR);
#: one that is no cassette is skipped silently
JSON_SUFFIXES = (".json", ".har")
#: other recordings met while walking: httprr traces (length-framed raw HTTP)
OTHER_SUFFIXES = (".httprr",)
#: directories never walked into
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".direnv", ".eggs", ".cassette-lint-cache",
})

class Target(Value):
    """A file to check.  A value (equal and hashed by its fields): treat it as immutable."""

    __slots__ = ("path", "explicit", "error")

    def __init__(self, path: str, explicit: bool, error: str | None = None):
        self.path = path
        self.explicit = explicit
        #: why this path could not be listed (an unreadable directory met while walking): reported as Y012
        self.error = error


def discover(paths: Iterable[str], exclude=None) -> list[Target]:
    """Files to check: explicit files as given, directories walked for ``*.yaml``/``*.yml``/``*.json``
    and the same gzip'd (``*.yaml.gz`` …: any walked suffix followed by ``.gz``); also ``*.har`` and
    ``*.httprr`` (and ``*.httprr.gz``).

    ``exclude(path) -> bool`` (the configuration's ``exclude``), when given, replaces the built-in
    ``SKIP_DIRS`` and also applies to explicit files (pre-commit passes files one by one).
    """
    out: list[Target] = []
    seen: set[str] = set()
    errors: list[OSError] = []
    for p in paths:
        if exclude is not None and exclude(p) and os.path.normpath(p) not in (".", os.curdir):
            continue
        if os.path.isdir(p):
            # (below a root written as normpath writes it, every path walked is written so too; not
            # below ".", whose paths start "./")
            norm = str if os.path.normpath(p) == p and p != os.curdir else os.path.normpath
            for t in _walk(p, exclude, errors):
                key = norm(t)
                if key not in seen:
                    seen.add(key)
                    out.append(Target(t, False))
        else:
            key = os.path.normpath(p)
            if key not in seen:
                seen.add(key)
                out.append(Target(p, True))
    for e in errors:
        out.append(Target(str(e.filename), True, f"cannot list directory: {e.strerror or e}"))
    return out


def _walk(root: str, exclude=None, errors: list | None = None) -> Iterator[str]:
    def onerror(e: OSError) -> None:  # an unreadable directory: reported (Y012) by discover()
        if errors is not None:
            errors.append(e)

    skip = (lambda d, full: d in SKIP_DIRS) if exclude is None else (lambda d, full: exclude(full))
    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=False):
        if "pyvenv.cfg" in filenames and dirpath != root:  # a virtual environment (by any name)
            dirnames.clear()
            continue
        dirnames[:] = sorted(d for d in dirnames if not skip(d, os.path.join(dirpath, d)))
        for name in sorted(filenames):
            inner = inner_name(name)  # x.yaml.gz is walked as x.yaml is
            if inner.endswith(YAML_SUFFIXES) or inner.endswith(JSON_SUFFIXES) or inner.endswith(OTHER_SUFFIXES):
                full = os.path.join(dirpath, name)
                if exclude is None or not exclude(full):
                    yield full

