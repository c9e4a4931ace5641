"""Schema rules (``S``): the cassette's structure against its format's JSON Schema (``schemas/``).

The schema check itself lives in :mod:`cassette_lint.schema`; these declarations give its findings
their codes and documentation.
"""

from ..findings import ERROR, WARNING
from . import declare

_M = __name__

SCHEMA_VIOLATION = declare("S001", "schema-violation", ERROR, """
    A value has the wrong type, is missing, or is out of range for the cassette format.

    Why: the recorder's decoder rejects the file (go-vcr: ``cannot unmarshal !!str `200` into int``)
    or, worse, reads a zero value and replays something you never recorded. The message names the
    path (``interactions[0].response.code``), what was expected and what was found.

    Consequence: **error** under every library — the structure is what the loader reads before any
    request is matched. go-vcr's yaml.v3 decoder (v3/v4; yaml.v2 in v1/v2) refuses a scalar it
    cannot convert (``cannot unmarshal !!str `200` into int``), so ``cassette.Load`` fails and every
    test using the cassette fails; a missing field decodes as its zero value and replays that
    (``code`` 0, an empty URL that no request matches). vcrpy's YAML loader builds its ``Request``
    and response dicts from these fields: a missing one raises ``KeyError`` when the interaction is
    loaded or played; Ruby VCR's ``HTTPInteraction.from_hash`` likewise. The message names the loader
    of the file's profile.

    Fix: restore the value the recorder wrote (usually a hand edit quoted a number or dropped a key).
    ``cassette-lint`` checks each format against its JSON Schema in ``schemas/``.

    FAIL::

        response:
          code: "200"

    PASS::

        response:
          code: 200
    """, module=_M)

UNKNOWN_KEY = declare("S002", "unknown-key", WARNING, """
    A mapping holds a key the cassette format does not have (often a typo: ``content_lenght``).

    Why: go's and Python's decoders silently ignore unknown keys, so the value you meant to set is
    never used — ``content_lenght: 42`` leaves ``content_length`` at 0 and the request never matches.

    Consequence: a near-miss of a real key (the message suggests it: ``content_lenght``,
    ``bodyy``) loses the value meant for that key — go-vcr v4's yaml.v3 decoder then leaves a zero
    length that its default matcher compares, a missing body; vcrpy's and Ruby VCR's loaders a
    missing field: **error**. Any other extra key (``request.id`` a project's hook writes,
    ``recorded_at`` in a go-vcr file) is dropped by the decoder (go-vcr's yaml.v3 ``Unmarshal`` is
    not strict; vcrpy reads the keys it knows from the dict) and changes nothing on replay:
    **warning**. The message names the decoder of the file's profile.

    Fix: correct the key's spelling (the message suggests the closest known key) or delete it.

    FAIL::

        request:
          content_lenght: 42

    PASS::

        request:
          content_length: 42
    """, module=_M)
