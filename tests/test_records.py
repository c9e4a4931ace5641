"""Value classes (cassette_lint.records): what the dataclasses they replaced gave, and no secret in a repr."""

from __future__ import annotations

import pickle

import pytest

from cassette_lint.discovery import Target
from cassette_lint.findings import Edit, Finding, Fix, Problem, Severity
from cassette_lint.source import Pos


def test_values_are_equal_and_hashed_by_their_fields():
    assert Pos(1, 2, 3, 4) == Pos(1, 2, 3, 4) != Pos(1, 2)
    assert len({Pos(1, 2), Pos(1, 2), Target("a", True)}) == 2
    assert Fix("f", (Edit(0, 1, b"x"),)) == Fix("f", (Edit(0, 1, b"x"),))
    assert Pos(1, 2) != (1, 2, None, None)  # another class is never equal


def test_records_compare_by_fields_but_cannot_be_hashed():
    assert Problem(Pos(1, 1), "m") == Problem(Pos(1, 1), "m") != Problem(Pos(1, 1), "n")
    with pytest.raises(TypeError):
        hash(Problem(Pos(1, 1), "m"))


def test_a_finding_repr_never_shows_its_secret_and_pickling_keeps_it():
    key = "sk-proj-" + "A1b2C3d4" * 8
    f = Finding("c.yaml", 3, 7, "K001", "openai-api-key", Severity.ERROR, "an OpenAI key sk-p…", secret=key,
                fix=Fix("redact", (Edit(10, 10 + len(key), b"REDACTED"),)))
    assert key not in repr(f) and "REDACTED" not in repr(f)
    assert repr(Pos(1, 2)) == "Pos(line=1, column=2, end_line=None, end_column=None)"
    back = pickle.loads(pickle.dumps(f))  # (workers send findings to the parent)
    assert back == f and back.secret == key
