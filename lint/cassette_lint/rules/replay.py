"""Replay rules (``R``): what the library that replays a cassette does with it.

Each rule reads the file's library profile (:mod:`cassette_lint.replay`: the library and version
found in the project's manifest nearest the cassette, the configuration, or the format's default)
and reports what happens on replay under it: an interaction that can never be matched, one that
only ever matches in recorded order, one a client fails to read. The message names the library and
the field that decides.

Configuration (``[tool.cassette-lint.replay]``, or the same on the command line):

- ``library``: ``go-vcr-v4``, ``go-vcr-v3``, ``go-vcr-v2``, ``go-vcr-v1``, ``vcrpy``, ``ruby-vcr`` or
  ``custom`` (a project matcher: only library-independent replay findings stay errors); a version may
  follow: ``vcrpy==8.2.0``. ``--replay-library``.
- ``match-on``: the request fields the project's matcher compares, named as the library's users know
  them (vcrpy ``match_on``: ``method``, ``uri``, ``body`` …; Ruby VCR ``match_requests_on``).
  ``--match-on a,b,c``.
- ``allow-repeats``: vcrpy ``allow_playback_repeats`` / go-vcr ``ReplayableInteractions``.
  ``--allow-repeats``.
- ``serializer``: a project serializer (vcrpy ``register_serializer``) that writes what vcrpy's own
  would refuse.
"""

from __future__ import annotations

from .. import replay as _replay

#: settings of the family and their defaults (validated by the configuration loader)
SETTINGS = {"library": "", "match-on": [], "allow-repeats": False, "serializer": ""}


def validate(settings: dict) -> None:
    """Raise ``ValueError`` for a setting the type check lets through but no library knows."""
    if settings.get("library"):
        _replay.parse_library(settings["library"])
    match_on = settings.get("match-on") or []
    if not all(isinstance(m, str) and m.strip() for m in match_on):
        raise ValueError("match-on: expected a list of matcher names, e.g. [\"method\", \"uri\", \"body\"]")
    unknown = [m for m in match_on if m not in _replay.MATCHER_NAMES]
    if unknown:
        raise ValueError(f"match-on: unknown matcher {unknown[0]!r}; known: " + ", ".join(_replay.MATCHER_NAMES))
