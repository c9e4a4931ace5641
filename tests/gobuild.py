"""Building the Go oracles of the replay tests, offline and once (cached under pytest's cache)."""

from __future__ import annotations

import hashlib
import os
import pathlib
import shutil

import pytest


def toolchain(*sources: pathlib.Path) -> str:
    """The ``go`` binary; skips the test when it or one of ``sources`` (in ../shared) is absent."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("the Go toolchain is not installed")
    for s in sources:
        if not s.exists():
            pytest.skip(f"{s.name} (../shared/oracles) is not available")
    return go


def digest(*roots: pathlib.Path) -> str:
    """A short hash of every file below ``roots`` (names and bytes): a build key."""
    h = hashlib.sha256()
    for root in roots:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()[:16]


def cache_dir(request, tmp_path_factory, name: str) -> pathlib.Path:
    """A folder kept between sessions (pytest's cache; a session temp folder with -p no:cacheprovider)."""
    cache_plugin = getattr(request.config, "cache", None)
    return pathlib.Path(cache_plugin.mkdir(name) if cache_plugin is not None else tmp_path_factory.mktemp(name))


def env(cache: pathlib.Path) -> dict:
    """An offline Go build: the vendored trees through ``replace``, no proxy, no checksum database."""
    return dict(os.environ, GOFLAGS="-mod=mod", GOPROXY="off", GOSUMDB="off",
                GOCACHE=str(cache / "gocache"), GOPATH=str(cache / "gopath"))
