"""Shared test helpers: lint YAML text or files and get findings back."""

from __future__ import annotations

import os
import pathlib
import textwrap

import pytest

from cassette_lint import engine

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


def needs_shared(sub: str) -> pathlib.Path:
    """A folder of ../shared, or skip the test when it is absent (third-party data is never copied)."""
    p = SHARED / sub
    if not p.exists():
        pytest.skip(f"../shared/{sub} is not available")
    return p


def lint_file(path, **options) -> list:
    """Findings for one file, named explicitly as on the command line."""
    opts = engine.Options(**options)
    return engine.check_file(engine.Target(str(path), True), opts).findings


@pytest.fixture
def lint_text(tmp_path):
    """``lint_text(yaml, name=...)`` writes ``yaml`` (dedented) to a file and returns its findings."""

    def run(text: str | bytes, name: str = "cassette.yaml", dedent: bool = True, **options):
        p = tmp_path / name
        if isinstance(text, str):
            p.write_text(textwrap.dedent(text) if dedent else text, "utf-8")
        else:
            p.write_bytes(text)
        return lint_file(p, **options)

    return run


def codes(findings) -> list[str]:
    return [f.rule for f in findings]


def at(findings, code: str) -> list[tuple[int, int]]:
    """(line, column) of every finding of rule ``code``."""
    return [(f.line, f.column) for f in findings if f.rule == code]


os.environ.setdefault("NO_COLOR", "1")


def project_with(root: pathlib.Path, monkeypatch, files: dict[str, str]) -> pathlib.Path:
    """A project folder: ``files`` (relative path -> UTF-8 text) written under ``root``, which becomes
    the current directory."""
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, "utf-8")
    monkeypatch.chdir(root)
    return root
