"""Placeholder recognition: the values teams write *instead of* a secret.

A properly scrubbed cassette must lint silent, so every ``K`` finding passes through this model
first: a value it accepts is never reported.  The model is a small grammar, not a list of literals.
A value (quotes and surrounding space removed; a leading auth scheme word such as ``Bearer`` set
aside) is a placeholder when one of these holds:

1. **empty**, or **one repeated character** (``xxxxxxxx``, ``00000000``, ``********``);
2. **bracketed or templated** as a whole: ``<API_KEY>``, ``{{API_KEY}}``, ``${OPENAI_API_KEY}``,
   ``$TOKEN``, ``%TOKEN%``, ``[FILTERED]``, ``{token}``;
3. it holds a **redaction word** (:data:`MARKERS`: ``REDACTED``, ``FILTERED``, ``DUMMY``, ``fake``,
   ``test``, ``example``, ``placeholder`` …) anywhere — ``fake-api-key``, ``test-key``,
   ``sk-test-key``;
4. it is **made of nothing but harmless segments**: split at separators (``-_.:/+,;=|`` and space),
   each segment being a template (rule 2), a filler run (only ``x``/``X``/``*``/``0``/``#``/``•``/``.``/
   ``?``, or one character three times or more), a weak word (:data:`WEAK`: ``your``, ``api``,
   ``key``, ``token`` …), or a word of the **name it is recorded under** (header-name echo:
   ``Authorization: AUTHORIZATION-XXX``, ``X-Api-Key: x-api-key``) or of any credential header or
   parameter name — so ``AUTHORIZATION-XXX``, ``<NAME>-XXX``, ``YOUR_API_KEY``, ``xxxx-xxxx-xxxx``;
5. it starts with a **token family's prefix** (``sk-proj-``, ``ghp_``, ``AKIA`` …) and the rest is
   harmless by rule 4 (``sk-proj-XXXXXXXX…``) or has less entropy than the family's floor (scaled
   down for a short rest, whose entropy cannot reach it): ``sk-proj-aaaabbbb``, ``ghp_000…``;
6. it is long but carries **almost no information** (< 1.6 bits a character: ``abababab``);
7. it matches the project's own convention: an entry of ``placeholders`` in
   ``[tool.cassette-lint.secrets]`` — a word (letters, digits, ``_``: it then counts as a redaction
   word, rule 3) or a regular expression matched against the whole value (or a literal).

And never when the value *contains* a real token: a template around a key (``<sk-ant-api03-…>``)
is not a placeholder; :meth:`Placeholders.accepts` checks that with the token catalogue.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from .decoding import lazy

#: a word that makes the whole value a placeholder wherever it appears
MARKERS = frozenset("""
redacted redact filtered scrubbed removed masked hidden censored obfuscated sanitized sanitised
dummy fake mock mocked placeholder example examples sample changeme test testing tests fixture
replaceme notreal invalid omitted elided anonymized anonymised stripped
""".split())
#: words that are placeholders only when the value is made of nothing else
WEAK = frozenset("""
your my the a an api key keys token tokens secret secrets password passwd pass pwd user username
login admin auth bearer basic access client id value here none null nil undefined empty foo bar
baz qux xxx abc abc123 123 1234 12345 123456 sk pk org project default string str env var name
""".split())
#: words of credential header and parameter names (a value echoing one is a placeholder)
NAME_WORDS = frozenset("""
authorization proxy x api key apikey goog anthropic openai azure ocp apim subscription functions
amz security token auth access session private vault gitlab figma stainless iam refresh client
secret password signature sig credential credentials cookie set organization organisation
""".split())
#: schemes written before a credential (``Bearer <token>``)
SCHEMES = frozenset({"bearer", "token", "basic", "apikey", "api-key", "key", "digest", "hmac", "otp"})
#: the fixed prefixes of the token families (longest first) and the family code whose entropy
#: floor applies to what follows
FAMILY_PREFIXES: tuple[tuple[str, str], ...] = tuple(sorted((
    ("sk-ant-api03-", "K002"), ("sk-ant-admin01-", "K002"), ("sk-ant-", "K002"),
    ("sk-or-v1-", "K003"), ("sk-or-", "K003"),
    ("sk-proj-", "K001"), ("sk-svcacct-", "K001"), ("sk-admin-", "K001"), ("sk-", "K001"),
    ("gsk_", "K004"), ("AIza", "K005"), ("xai-", "K006"), ("hf_", "K007"), ("api_org_", "K007"),
    ("ghp_", "K008"), ("gho_", "K008"), ("ghu_", "K008"), ("ghs_", "K008"), ("ghr_", "K008"),
    ("github_pat_", "K008"), ("AKIA", "K009"), ("ASIA", "K009"), ("sk_live_", "K011"),
    ("rk_live_", "K011"), ("xoxb-", "K012"), ("xoxp-", "K012"), ("xoxa-", "K012"), ("xoxe-", "K012"),
    ("xoxr-", "K012"), ("xoxs-", "K012"), ("xapp-", "K012"),
), key=lambda p: -len(p[0])))
#: characters a filler run is made of
FILLER = frozenset("xX*0#•.?…-_")
#: below this many bits a character, a value of 8 characters or more carries no secret
GENERIC_FLOOR = 1.6

_TEMPLATE = lazy(
    r"<[^<>]{0,80}>|\{\{[^{}]{0,80}\}\}|\$\{[^{}]{0,80}\}|\{[A-Za-z_][A-Za-z0-9_.-]{0,80}\}|"
    r"\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%|\[[^\[\]]{0,80}\]")
_SEP = lazy(r"[\s\-_.:/+,;=|]+")
_WORDS = lazy(r"[a-z]+|[0-9]+")
_CAMEL = lazy(r"([a-z])([A-Z])")
_WORD_ENTRY = lazy(r"[A-Za-z0-9_]+\Z")


def entropy(s: str) -> float:
    """Shannon entropy in bits per character."""
    if not s:
        return 0.0
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def _words(v: str) -> list[str]:
    """Lower-case words of ``v`` with camelCase split (``yourApiKey`` → your, api, key)."""
    return _WORDS.findall(_CAMEL.sub(r"\1 \2", v).lower())


def name_words(name: str | None) -> frozenset[str]:
    return frozenset(_words(name)) if name else frozenset()


def _filler(seg: str) -> bool:
    return all(c in FILLER for c in seg) or (len(seg) >= 3 and len(set(seg)) == 1)


def _strip_scheme(v: str) -> str:
    sp = v.find(" ")
    if sp != -1 and v[:sp].lower() in SCHEMES:
        return v[sp:].lstrip()
    return v


def family_floor(code: str, rest: str) -> float:
    """The entropy a real token of family ``code`` has after its prefix, scaled for a short ``rest``
    (``n`` characters cannot carry more than log2(n) bits each)."""
    from .secrets import TOKEN_BY_CODE  # the catalogue: imported when a prefix is met

    floor = TOKEN_BY_CODE[code].min_entropy or 3.0
    return min(floor, 0.8 * math.log2(max(len(rest), 2)))


class Placeholders:
    """The model, with the project's own ``placeholders`` entries (words, expressions, literals)."""

    __slots__ = ("words", "literals", "patterns")

    def __init__(self, entries=()):
        self.words: frozenset[str] = frozenset()
        self.literals: set[str] = set()
        self.patterns: list[re.Pattern] = []
        words = set()
        for e in entries or ():
            e = str(e)
            if _WORD_ENTRY.match(e):
                words.update(_words(e))
            self.literals.add(e)
            try:
                self.patterns.append(re.compile(e))
            except re.error:
                pass
        self.words = frozenset(words)

    # -- the grammar ---------------------------------------------------------------------------
    def _harmless(self, v: str, names: frozenset[str]) -> bool:
        """Rule 4: every segment is a template, a filler run, a weak word or a name word."""
        rest = _TEMPLATE.sub(" ", v)
        for seg in _SEP.split(rest):
            if not seg or _filler(seg):
                continue
            for w in _words(seg):
                if not (w in WEAK or w in NAME_WORDS or w in names or w in self.words or _filler(w)):
                    return False
            if not _words(seg) and not _filler(seg):  # punctuation-only segment: ***, ???, •••
                if any(c.isalnum() for c in seg):
                    return False
        return True

    def shape(self, value: str, name: str | None = None) -> bool:
        """True when ``value`` is a placeholder by the grammar (rules 1 to 7), tokens not checked."""
        v = value.strip().strip("'\"").strip()
        if not v or len(set(v)) == 1:
            return True
        if v in self.literals or any(p.fullmatch(v) for p in self.patterns):
            return True
        if _TEMPLATE.fullmatch(v):
            return True
        v = _strip_scheme(v)
        if not v or _TEMPLATE.fullmatch(v) or len(set(v)) == 1:
            return True
        words = _words(v)
        if not words:
            return True  # only punctuation and filler: ***, ---, …
        if any(w in MARKERS or w in self.words for w in words):
            return True
        names = name_words(name)
        if self._harmless(v, names):
            return True
        for prefix, code in FAMILY_PREFIXES:
            if v.startswith(prefix):
                rest = v[len(prefix):]
                if self._harmless(rest, names) or entropy(rest) < family_floor(code, rest):
                    return True
                break
        if len(v) >= 8 and entropy(v) < GENERIC_FLOOR:
            return True
        return False

    def accepts(self, value: str, name: str | None = None) -> bool:
        """True when ``value`` is a placeholder: its shape says so and no real token hides in it."""
        if not self.shape(value, name):
            return False
        if len(value) < 11:  # shorter than any token match
            return True
        from .secrets import scan_tokens

        return not scan_tokens(value)

    def token(self, token: str) -> bool:
        """True when a token-family match is a placeholder: the project's entries, or its prefix
        followed by filler or harmless words (``sk-proj-XXXXXXXX…``)."""
        if token in self.literals or any(p.fullmatch(token) for p in self.patterns):
            return True
        if self.words and any(w in self.words for w in _words(token)):
            return True
        for prefix, _code in FAMILY_PREFIXES:
            if token.startswith(prefix):
                return self._harmless(token[len(prefix):], frozenset())
        return False


DEFAULT = Placeholders()


def is_placeholder(value: str, name: str | None = None) -> bool:
    """The default model's verdict (no project entries) on the shape of ``value``."""
    return DEFAULT.shape(value, name)
