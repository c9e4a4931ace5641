"""Secret detection: the token catalogue, placeholder recognition, masking and the scanning engine.

The rules in :mod:`cassette_lint.rules.secrets` are thin filters over :func:`scan`, which walks a
cassette once and returns every :class:`Hit` (cached on the cassette, so the rules of the family share
one pass).

Speed: every text (a header value, a URL, a body) first meets a keyword pre-filter that decides, at C
speed and without decoding anything, which token families can match and whether a credential JSON key
can be there.  A text shorter than any match is skipped; a short one meets one expression of every
keyword; a longer one meets a few *gates* (:data:`_GROUP_SPECS`), each one scan standing for a group of
keywords: a rare character (``memchr``: ``A``, ``J``, ``B``, ``K``, ``C``) or an expression that starts
with a literal (``k``, ``x``, ``_``, ``r``, ``w``), which ``re`` scans for in a tight loop.  Only a
gate that opens tests its keywords one by one (substring tests: the exact condition, a family's
expression runs exactly when one of its keywords occurs), so a clean JSON body costs five scans and a
few ``memchr`` instead of forty-two substring scans.  Then only what a keyword let through is matched:
token expressions start with their literal (searched at C speed), credential JSON keys are matched only
where a key can end, and JSON escapes are only decoded when one that can hide a token character is
present.

Nothing here prints a value: :func:`mask` is what messages (and any reporter) show.
"""

from __future__ import annotations

import re
from typing import Iterator

from . import decoding as D
from .decoding import lazy as _lazy
from .findings import Edit, Fix
from .source import Pos

DEFAULT_PLACEHOLDER = "REDACTED"
_SAFE_PLACEHOLDER = _lazy(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")


def mask(value: str) -> str:
    """``sk-p…(51 chars)``: at most the first 4 characters (fewer for short values) and the length."""
    n = len(value)
    shown = min(4, n // 4)
    return f"{value[:shown]}…({n} char{'' if n == 1 else 's'})"


# -- placeholders: the model lives in its own module ----------------------------------------------

from .placeholders import DEFAULT as PLACEHOLDERS, Placeholders, entropy, is_placeholder  # noqa: E402,F401


#: substrings that mark a token-shaped string as documentation, not a key (gitleaks' stopwords)
_TOKEN_STOPWORDS = ("example", "xxxxx", "dummy", "placeholder", "redacted", "fake", "000000", "123456")


class Allowlist:
    """The user's allowlist: each entry is a regular expression matched against the whole value, or a
    literal value (an entry that is not a valid expression is taken literally)."""

    def __init__(self, entries=()):
        self.literals: set[str] = set()
        self.patterns: list[re.Pattern] = []
        for e in entries or ():
            e = str(e)
            self.literals.add(e)
            try:
                self.patterns.append(re.compile(e))
            except re.error:
                pass

    def allows(self, value: str) -> bool:
        if value in self.literals:
            return True
        return any(p.fullmatch(value) for p in self.patterns)


# -- the token catalogue ----------------------------------------------------------------------------

class TokenRule:
    """A token family shaped like a gitleaks rule: trigger keywords, a regex, an entropy floor.

    (A plain class with ``__slots__``, not a dataclass: creating a dataclass cost ~1 ms of start-up.)"""

    __slots__ = ("code", "label", "keywords", "regex", "min_entropy", "prefix", "stopwords")

    def __init__(self, code: str, label: str, keywords: tuple[str, ...], regex: re.Pattern | _lazy,
                 min_entropy: float = 0.0, prefix: int = 0, stopwords: tuple[str, ...] = _TOKEN_STOPWORDS):
        self.code = code
        self.label = label
        #: the pre-filter's keywords: the family's expression runs on a text only when one occurs in it
        self.keywords = keywords
        self.regex = regex
        #: minimum Shannon entropy (bits/char) of the token after its fixed prefix; 0 disables
        self.min_entropy = min_entropy
        #: characters of fixed prefix skipped for the entropy floor
        self.prefix = prefix
        #: substrings that make a match documentation (AKIA…EXAMPLE)
        self.stopwords = stopwords

    def accepts(self, token: str) -> bool:
        low = token.lower()
        if any(s in low for s in self.stopwords):
            return False
        if self.min_entropy and entropy(token[self.prefix:]) < self.min_entropy:
            return False
        return True


_END = r"(?![A-Za-z0-9_-])"


def _lit(prefix: str, before: str = "A-Za-z0-9_-") -> str:
    """``prefix`` not preceded by a character of ``[before]``, the check written *after* the literal
    (``sk-(?<![…]sk-)``, the same matches as ``(?<![…])sk-``): an expression that starts with a literal
    is searched for that literal at C speed (~0.7 ms/MB); one that starts with a lookbehind is tried at
    every position (~14 ms/MB), which every body holding the keyword paid."""
    p = re.escape(prefix)
    return f"{p}(?<![{before}]{p})"


TOKEN_RULES: tuple[TokenRule, ...] = (
    # Anthropic: sk-ant-api03- + 93 [A-Za-z0-9_-] + "AA" (108 chars); admin keys sk-ant-admin01- likewise
    TokenRule("K002", "Anthropic API key", ("sk-ant-",),
              _lazy(_lit("sk-ant-") + r"(?:api03|admin01)-[A-Za-z0-9_-]{93}AA" + _END), 4.0, 14),
    # OpenRouter: sk-or-v1- + 64 lowercase hex
    TokenRule("K003", "OpenRouter API key", ("sk-or-",),
              _lazy(_lit("sk-or-v1-") + r"[0-9a-f]{64}" + _END), 3.0, 9),
    # OpenAI: project / service-account / admin keys (sk-proj-…, ~164 chars of [A-Za-z0-9_-], usually with
    # the T3BlbkFJ marker) and legacy user keys sk- + 48 alphanumerics (20 + T3BlbkFJ + 20)
    TokenRule("K001", "OpenAI API key", ("sk-",),
              _lazy(_lit("sk-") + r"(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,250}"
                    r"|(?!ant-|or-)[A-Za-z0-9]{48}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})" + _END), 3.5, 3),
    # Groq: gsk_ + 52 alphanumerics
    TokenRule("K004", "Groq API key", ("gsk_",),
              _lazy(_lit("gsk_") + r"[A-Za-z0-9]{52}" + _END), 3.5, 4),
    # Google API key: AIza + 35 of [A-Za-z0-9_-] (39 chars)
    TokenRule("K005", "Google API key", ("AIza",),
              _lazy(_lit("AIza") + r"[A-Za-z0-9_-]{35}" + _END), 3.5, 4),
    # xAI: xai- + 80 of [A-Za-z0-9] (not "xai-responses-v1")
    TokenRule("K006", "xAI API key", ("xai-",),
              _lazy(_lit("xai-") + r"[A-Za-z0-9_]{80}" + _END), 4.0, 4),
    # Hugging Face user access token: hf_ + 34 letters (organisation tokens: api_org_ + 34)
    TokenRule("K007", "Hugging Face token", ("hf_", "api_org_"),
              _lazy(f"(?:{_lit('hf_')}|{_lit('api_org_')})" + r"[A-Za-z]{34}" + _END), 3.5, 3),
    # GitHub: ghp_/gho_/ghu_/ghs_/ghr_ + 36 alphanumerics; fine-grained github_pat_ + 82 word characters
    TokenRule("K008", "GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
              _lazy(_lit("g") + r"(?:h[pousr]_[A-Za-z0-9]{36}|ithub_pat_[A-Za-z0-9_]{82})" + _END), 3.5, 4),
    # AWS access key id: AKIA (long-term) / ASIA (temporary) + 16 of [A-Z2-7]
    TokenRule("K009", "AWS access key ID", ("AKIA", "ASIA"),
              _lazy(_lit("A", "A-Za-z0-9") + r"(?:KIA|SIA)[A-Z2-7]{16}(?![A-Za-z0-9])"), 3.0, 4),
    # AWS secret access key: 40 of [A-Za-z0-9/+] after a key naming it (no prefix of its own)
    TokenRule("K010", "AWS secret access key", ("ecret_access_key", "ecretAccessKey", "ECRET_ACCESS_KEY",
                                                "ecret-access-key"),
              _lazy(r"(?i:secret[_-]?access[_-]?key)[\"']?\s*(?:[:=]|=>)\s*[\"']?"
                    r"(?P<tok>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"), 4.0, 0),
    # Stripe live secret / restricted keys
    TokenRule("K011", "Stripe live key", ("sk_live_", "rk_live_"),
              _lazy(r"[sr]k_live_(?<![A-Za-z0-9_-][sr]k_live_)[A-Za-z0-9]{20,247}" + _END), 3.0, 8),
    # Slack: bot/user/app/refresh tokens and incoming-webhook URLs
    TokenRule("K012", "Slack token", ("xox", "xapp-", "hooks.slack.com"),
              _lazy(f"(?:{_lit('xox')}" + r"[abeoprs]-[0-9]{6,13}-[A-Za-z0-9-]{10,}"
                    f"|{_lit('xapp-')}" + r"[0-9]-[A-Z0-9]+-[0-9]+-[a-z0-9]+"
                    f"|{_lit('https://hooks.slack.com/')}" + r"(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,})"),
              3.0, 5),
    # JWT: header.payload.signature, both JSON parts base64url of "{"
    TokenRule("K013", "JSON Web Token", ("eyJ",),
              _lazy(_lit("eyJ") + r"[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}" + _END), 0.0),
    # PEM private keys (also inside JSON strings, where the line breaks are \n escapes)
    TokenRule("K014", "private key", ("-----BEGIN",),
              _lazy(r"-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----"
                    r"(?:\s|\\[rn])*(?P<body>[A-Za-z0-9+/=\s\\:,-]{64,}?)"
                    r"-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----"), 0.0,
              stopwords=("redacted", "xxxxx", "placeholder", "dummy")),
)
TOKEN_BY_CODE = {r.code: r for r in TOKEN_RULES}

#: JSON keys whose string value is a credential (compared lower-cased without "_" and "-")
CREDENTIAL_JSON_KEYS = frozenset({
    "apikey", "xapikey", "accesstoken", "refreshtoken", "idtoken", "authtoken", "clientsecret",
    "password", "passwd", "secretkey", "privatekey", "sessiontoken", "awssessiontoken", "bearertoken",
})
#: URL query / form parameters whose value is a credential (also the JSON keys above)
CREDENTIAL_PARAMS = CREDENTIAL_JSON_KEYS | frozenset({
    "key", "token", "sig", "signature", "secret", "pwd", "xamzsignature", "xamzsecuritytoken",
    "xgoogsignature", "privatetoken", "accesskey",
})

_JSON_KEY_ALT = (r"(?:x[-_]?)?api[-_]?key|access[-_]?token|refresh[-_]?token|id[-_]?token|auth[-_]?token"
                 r"|client[-_]?secret|passw(?:or)?d|secret[-_]?key|private[-_]?key|(?:aws[-_]?)?session[-_]?token"
                 r"|bearer[-_]?token")
_JSON_CRED = _lazy(r'"(?P<k>(?i:' + _JSON_KEY_ALT + r'))"\s*:\s*"(?P<v>(?:[^"\\\n]|\\.)*)"')

#: every (keyword, rule): a family's regex runs on a text only when one of its keywords occurs in it
_KEYWORDS: tuple[tuple[str, TokenRule], ...] = tuple((k, r) for r in TOKEN_RULES for k in r.keywords)
#: a credential JSON key ends the quoted key with one of these; JSON keys are matched only in a text that
#: holds one of them
_JSON_HINTS = ('key"', 'Key"', 'KEY"', 'token"', 'Token"', 'TOKEN"', 'secret"', 'Secret"', 'SECRET"',
               'password"', 'Password"', 'PASSWORD"', 'passwd"', 'Passwd"', 'PASSWD"')


def norm_key(name: str) -> str:
    return re.sub(r"[-_.\s]", "", name).lower()


# -- the keyword pre-filter ------------------------------------------------------------------------

#: no match of any token family nor of a credential JSON key is shorter (``tests`` check it)
_MIN_MATCH = 11
#: texts shorter than this meet one expression of every keyword instead of the gates
_SHORT = 64

#: The gates: ``(substring, expression, JSON only, members)``.  A group's members (keywords and JSON
#: hints, each then a substring test: the exact condition; or inner groups) are tested only when
#: ``substring`` occurs in the text (``""``: no test) and ``expression`` (``""``: none) has a match in it;
#: so every member of a group must hold the substring and a match of the expression (``tests`` check
#: it).  An expression starts with a literal character that is rare in cassettes, which ``re`` scans for
#: in a tight loop, and rejects most occurrences at once (a lookbehind checks what comes before).  A
#: keyword or hint that no group names is tested on every text, so it is never missed.
_GROUP_SPECS: tuple = (
    ("", r'k(?:-(?<=sk-)|_(?<=[gsr]k_)|s\.slack\.com|ey(?:"|(?<=ecret[-_]access[-_]key))|en"(?<=[tT]oken"))', False, (
        # "prompt_cache_key" opens this gate in many OpenAI bodies: the keywords have a gate of their own
        ("", r"k(?:-(?<=sk-)|_(?<=[gsr]k_)|s\.slack\.com|ey(?<=ecret[-_]access[-_]key))", False, (
            "sk-", "sk-ant-", "sk-or-", "gsk_", "sk_live_", "rk_live_", "hooks.slack.com", "ecret_access_key",
            "ecret-access-key")),
        'key"', 'token"', 'Token"')),
    ("", r"x(?:ai-|app-|ox)", False, ("xai-", "xox", "xapp-")),
    ("", r"_(?<=[fgpousrb]_)(?:(?<=hf_)|(?<=api_org_)|(?<=gh[pousr]_)|(?<=github_)pat_)", False,
     ("hf_", "api_org_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")),
    ("A", r'A(?:Iza|KIA|SIA|ccessKey|CCESS_KEY|SSWORD"|SSWD")', False,
     ("AIza", "AKIA", "ASIA", "ecretAccessKey", "ECRET_ACCESS_KEY", 'PASSWORD"', 'PASSWD"')),
    ("J", r"J(?<=eyJ)", False, ("eyJ",)),
    ("B", "", False, ("-----BEGIN",)),
    ("K", r'K(?:ey"|EY"|EN"(?<=TOKEN"))', True, ('Key"', 'KEY"', 'TOKEN"')),
    ("C", r'CRET"(?<=SECRET")', True, ('SECRET"',)),  # not "E": every OpenAI stream ends with [DONE]
    ("", r'ret"(?<=[sS]ecret")', True, ('secret"', 'Secret"')),
    ("", r'w(?:ord"(?<=[pP]assword")|d"(?<=[pP]asswd"))', True, ('password"', 'Password"', 'passwd"', 'Passwd"')),
)


def _members(spec) -> Iterator[str]:
    for m in spec[3]:
        if isinstance(m, str):
            yield m
        else:
            yield from _members(m)


class _Filter:
    """The compiled pre-filter (built on first use: most start-ups check one small file).

    ``groups``: ``(substring, expression's search, JSON only, members)``, a member being
    ``(keyword, rule codes, is a JSON hint, None)`` or ``(None, (), False, inner groups)``."""

    __slots__ = ("groups", "short")

    def __init__(self):
        codes: dict[str, list[str]] = {}
        for k, r in _KEYWORDS:
            codes.setdefault(k, []).append(r.code)
        hints = set(_JSON_HINTS)
        specs = list(_GROUP_SPECS)
        named = {n for spec in specs for n in _members(spec)}
        rest = [k for k in codes if k not in named]
        rest_hints = [h for h in _JSON_HINTS if h not in named]
        if rest:
            specs.append(("", "", False, tuple(rest)))
        if rest_hints:
            specs.append(("", "", True, tuple(rest_hints)))

        def compiled(spec):
            sub, pattern, json_only, members = spec
            kids = tuple((m, tuple(codes.get(m, ())), m in hints, None) if isinstance(m, str)
                         else (None, (), False, (compiled(m),)) for m in members)
            return sub, re.compile(pattern).search if pattern else None, json_only, kids

        self.groups = tuple(compiled(spec) for spec in specs)

        def alternation(words) -> re.Pattern:
            return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))

        # one expression for texts with and without JSON keys (compiling one costs ~0.5 ms): a hint
        # in a text without JSON keys only sends it through the gates, which are exact
        self.short = alternation([*codes, *hints]).search


_FILTER: _Filter | None = None


def _keywords(text: str, json_keys: bool = False) -> tuple[list[TokenRule], bool]:
    """The token rules whose keywords occur in ``text`` (in catalogue order), and whether one of the
    JSON hints occurs in it (only asked with ``json_keys``)."""
    f = _FILTER or _build_filter()
    if len(text) < _SHORT and f.short(text) is None:
        return [], False
    hit: set[str] = set()
    hint = _open(f.groups, text, json_keys, hit, False)
    return ([r for r in TOKEN_RULES if r.code in hit] if hit else []), hint


def _open(groups: tuple, text: str, json_keys: bool, hit: set[str], hint: bool) -> bool:
    """Add to ``hit`` the codes of the keywords of ``groups`` found in ``text``; return ``hint`` or
    whether one of their JSON hints is found (looked for only with ``json_keys`` and until one is)."""
    for sub, gate, json_only, kids in groups:
        if json_only and (hint or not json_keys):
            continue
        if sub and sub not in text:
            continue
        if gate is not None and gate(text) is None:
            continue
        for needle, codes, is_hint, inner in kids:
            if inner is not None:
                hint = _open(inner, text, json_keys, hit, hint)
            elif codes:
                if needle in text:
                    hit.update(codes)
                    hint = hint or (is_hint and json_keys)
            elif is_hint and json_keys and not hint and needle in text:
                hint = True
    return hint


def _build_filter() -> _Filter:
    global _FILTER
    _FILTER = _Filter()
    return _FILTER


def _rules_for(text: str) -> list[TokenRule]:
    """The token rules whose keywords occur in ``text`` (in catalogue order)."""
    return _keywords(text)[0]


# -- scanning a text -------------------------------------------------------------------------------

class Match:
    """A secret found in a text: ``[start, end)`` in that text; ``exact`` is False when the text had to
    be decoded (JSON escapes) to see it, so its source bytes are not the value."""

    __slots__ = ("code", "label", "start", "end", "value", "exact", "context")

    def __init__(self, code: str, label: str, start: int, end: int, value: str, exact: bool = True,
                 context: str = ""):
        self.code = code
        self.label = label
        self.start = start
        self.end = end
        self.value = value
        self.exact = exact
        self.context = context  # e.g. 'JSON key "password"'


def _run(rules: list[TokenRule], text: str) -> Iterator[tuple[TokenRule, int, int, str]]:
    for r in rules:
        gi = r.regex.groupindex
        g = "tok" if "tok" in gi else 0
        for m in r.regex.finditer(text):
            tok = m.group(g)
            if r.accepts(m.group("body") if "body" in gi else tok):
                yield r, m.start(g), m.end(g), tok


def scan_tokens(text: str, *, json_keys: bool = False) -> list[Match]:
    """Token-family matches (and, with ``json_keys``, credential JSON keys) in ``text``."""
    if len(text) < _MIN_MATCH:
        return []
    rules, hint = _keywords(text, json_keys)
    out = [Match(r.code, r.label, a, b, tok) for r, a, b, tok in _run(rules, text)] if rules else []
    if hint:
        out.extend(_json_credentials(text, out))
    if "\\" in text:
        _decoded_pass(text, out, json_keys)
    return out


def _overlaps(a: int, b: int, ms) -> bool:
    return any(m.start < b and a < m.end for m in ms)


#: how every key of ``_JSON_KEY_ALT`` ends (lower-case), closing quote included
_CRED_KEY_ENDS = ('key"', 'token"', 'secret"', 'passwd"', 'password"')
#: the only characters beyond ASCII that ``(?i)`` matches to a letter of those keys (``tests`` check it)
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")  # İ ı ſ K (Kelvin)


def _json_cred_matches(text: str) -> Iterator[re.Match]:
    """The matches of ``_JSON_CRED`` in ``text``, exactly as its ``finditer`` gives them, found from where
    a credential key can end: the expression alone tries every ``"`` of a JSON text (~10 ms/MB).

    Every match starts at the ``"`` that opens its key, the last ``"`` before the key's last word (no
    key holds a quote), so matching at those places in order, each after the previous match, is the
    left-to-right scan.  The last words are found in a lower-cased copy of the same length: non-ASCII
    characters become ``?`` first, as none of them can be part of a key unless ``(?i)`` folds it to
    ASCII (``_FOLDS_TO_ASCII``: such text gets the plain scan)."""
    if text.isascii():
        low = text.lower()
    elif any(c in text for c in _FOLDS_TO_ASCII):
        yield from _JSON_CRED.finditer(text)
        return
    else:
        low = text.encode("ascii", "replace").decode("ascii").lower()
    starts = set()
    for end in _CRED_KEY_ENDS:
        i = low.find(end)
        while i != -1:
            starts.add(low.rfind('"', 0, i))
            i = low.find(end, i + 1)
    starts.discard(-1)
    match = _JSON_CRED.match
    pos = 0
    for s in sorted(starts):
        if s >= pos:
            m = match(text, s)
            if m is not None:
                yield m
                pos = m.end()


def _json_credentials(text: str, found: list[Match]) -> list[Match]:
    out = []
    for m in _json_cred_matches(text):
        if norm_key(m.group("k")) not in CREDENTIAL_JSON_KEYS:
            continue
        raw = m.group("v")
        a, b = m.span("v")
        if _overlaps(a, b, found):
            continue
        value, exact = (raw, True) if "\\" not in raw else (_json_unescape(raw), False)
        if value is None or is_placeholder(value):
            continue
        out.append(Match("K023", "credential", a, b, value, exact, f'JSON key "{m.group("k")}"'))
    return out


def _json_unescape(raw: str) -> str | None:
    import json

    try:
        return json.loads('"' + raw + '"')
    except ValueError:
        return None


def _decoded_pass(text: str, out: list[Match], json_keys: bool = False) -> None:
    """Tokens hidden behind JSON escapes (``\\u0073k-…``, ``\\/`` in an AWS secret) and, with
    ``json_keys``, credential keys of JSON-in-JSON (``{\\"api_key\\": …}``): match the text decoded by
    :func:`cassette_lint.decoding.json_escapes`, report what the raw pass could not see, mapped back
    to the raw text."""
    quotes = json_keys and '\\"' in text and _ESCAPED_KEY.search(text) is not None
    if not quotes and not D.has_hiding_escape(text):  # one scan (for "\\", a literal)
        return
    view = D.json_escapes(text, quotes)
    if view is None:
        return
    decoded, to_raw = view
    rules, hint = _keywords(decoded, quotes)
    if not rules and not hint:
        return

    def raw_span(da: int, db: int) -> tuple[int, int]:
        a = to_raw(da)[0]
        last, n = to_raw(db - 1)
        return a, last + n

    for r, da, db, tok in _run(rules, decoded):
        a, b = raw_span(da, db)
        if _overlaps(a, b, out):
            continue
        out.append(Match(r.code, r.label, a, b, tok, text[a:b] == tok, "JSON-escaped"))
    if hint:
        for m in _json_credentials(decoded, []):
            a, b = raw_span(m.start, m.end)
            if not _overlaps(a, b, out):
                out.append(Match(m.code, m.label, a, b, m.value, text[a:b] == m.value, m.context + " (JSON-in-JSON)"))


#: a credential key written inside a JSON string (``\\"api_key\\":``): JSON-in-JSON.  It starts with a
#: literal, searched at C speed: a stream of tool-call arguments holds thousands of ``\\"`` and no key
_ESCAPED_KEY = _lazy(r'\\"(?i:' + _JSON_KEY_ALT + r')\\"\s*:')


# -- parameters ------------------------------------------------------------------------------------

_PARAM = _lazy(r"([^&=;#\s]+)=([^&#\s]*)")


_unquote_plus = D.unquote_plus
unquote = D.unquote


def scan_params(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[str, int, int, str]]:
    """``(name, value start, value end, decoded value)`` of credential ``name=value`` pairs in
    ``text[start:end]`` (a query string or a form-encoded body)."""
    end = len(text) if end is None else end
    for m in _PARAM.finditer(text, start, end):
        name = _unquote_plus(m.group(1))
        if norm_key(name) not in CREDENTIAL_PARAMS:
            continue
        value = _unquote_plus(m.group(2))
        if is_placeholder(value):
            continue
        yield name, m.start(2), m.end(2), value


# -- headers ---------------------------------------------------------------------------------------

#: headers whose value is a credential (lower-case)
SENSITIVE_HEADERS = frozenset({
    "authorization", "proxy-authorization", "x-api-key", "api-key", "apikey", "x-apikey",
    "x-goog-api-key", "anthropic-api-key", "x-anthropic-api-key", "openai-api-key", "x-openai-api-key",
    "azure-api-key", "x-azure-api-key", "ocp-apim-subscription-key", "x-functions-key",
    "x-amz-security-token", "x-auth-token", "x-access-token", "x-session-token", "private-token",
    "x-vault-token", "x-gitlab-token", "x-figma-token", "x-stainless-api-key", "x-goog-iam-authorization-token",
})
#: headers that identify an account or project without being a credential (warnings)
IDENTIFYING_HEADERS = frozenset({"openai-organization", "openai-project", "anthropic-organization-id"})
COOKIE_HEADERS = frozenset({"cookie", "set-cookie"})
#: cookies that carry no credential: load-balancer stickiness, bot management, analytics, consent
BENIGN_COOKIES = frozenset({
    "__cf_bm", "_cfuvid", "__cfruid", "__cflb", "__cfwaitingroom", "cf_ob_info", "cf_use_ob",
    "awsalb", "awsalbcors", "awsalbtg", "awsalbtgcors", "awselb", "awselbcors",
    "_ga", "_gid", "_gat", "_gcl_au", "nid", "pref", "1p_jar", "aec", "consent", "socs", "ysc",
    "visitor_info1_live", "__utma", "__utmb", "__utmc", "__utmz", "_fbp", "ai_user", "ai_session",
    "arraffinity", "arraffinitysamesite", "route", "serverid", "lang", "locale", "timezone",
})


def sensitive_header(name: str) -> bool:
    n = name.lower()
    if n in SENSITIVE_HEADERS:
        return True
    return n.endswith(("-api-key", "-apikey", "-auth-token", "-access-token", "-secret")) and n not in COOKIE_HEADERS


_SCHEMES = ("bearer", "token", "basic", "apikey", "api-key", "key", "digest", "negotiate", "ntlm",
            "aws4-hmac-sha256", "goog4-hmac-sha256", "hmac", "sharedkey", "sharedaccesssignature", "otp")


def credential_span(value: str) -> tuple[int, int, str]:
    """``(start, end, scheme)`` of the credential inside a header value: after an auth scheme word."""
    s = value
    a = len(s) - len(s.lstrip())
    b = len(s.rstrip())
    sp = s.find(" ", a)
    if sp != -1 and s[a:sp].lower() in _SCHEMES:
        scheme = s[a:sp]
        c = sp
        while c < b and s[c] == " ":
            c += 1
        return c, b, scheme
    return a, b, ""


decode_basic = D.basic


def looks_real(value: str, min_len: int = 8) -> bool:
    """A header or parameter value that is not a placeholder and long enough to be a credential."""
    return len(value) >= min_len and not is_placeholder(value)


def cookie_pairs(value: str, set_cookie: bool) -> Iterator[tuple[str, int, int, str]]:
    """``(name, value start, value end, value)`` of each cookie (Set-Cookie: only the first pair)."""
    pos = 0
    for part in value.split(";"):
        seg_start = pos
        pos += len(part) + 1
        eq = part.find("=")
        if eq == -1:
            if set_cookie:
                return
            continue
        name = part[:eq].strip()
        v0 = seg_start + eq + 1
        v = value[v0:seg_start + len(part)]
        lead = len(v) - len(v.lstrip())
        v = v.strip()
        if v.startswith('"') and v.endswith('"') and len(v) >= 2:
            v = v[1:-1]
            lead += 1
        yield name, v0 + lead, v0 + lead + len(v), v
        if set_cookie:
            return


# -- positions and fixes ---------------------------------------------------------------------------

def placeholder_of(settings: dict) -> str:
    p = settings.get("placeholder", DEFAULT_PLACEHOLDER) if settings else DEFAULT_PLACEHOLDER
    if p == DEFAULT_PLACEHOLDER:
        return DEFAULT_PLACEHOLDER
    return p if isinstance(p, str) and _SAFE_PLACEHOLDER.match(p) else DEFAULT_PLACEHOLDER


def locate(doc, path: tuple, start: int, end: int, value: str) -> tuple[Pos, tuple[int, int] | None]:
    """File position of ``[start, end)`` of the scalar at ``path`` and, when the secret's source text is
    contiguous and identical to ``value``, its byte range (else ``None``: no safe edit exists)."""
    loc = doc.locator(path)
    pos = loc.pos(start, end)
    if end <= start:
        return pos, None
    a = loc.index_of(start)
    b = loc.index_of(end - 1) + 1
    src = doc.source
    if b - a != end - start or src.text[a:b] != value:
        return pos, None
    # an escape whose first character equals the character it stands for (``\\`` → ``\``, ``''`` → ``'``)
    # passes the test above with its second half left outside the range: never edit across escapes
    if (loc.style == '"' and "\\" in value) or (loc.style == "'" and "'" in value):
        return pos, None
    return pos, (src.byte_offset(a), src.byte_offset(b))


def length_edit(msg, delta: int) -> Edit | None | bool:
    """The edit of ``msg``'s ``content_length`` for a body that changes by ``delta`` bytes; ``None`` when
    nothing needs to change (absent, -1, or already not the body's length); ``False`` when it cannot."""
    cl = msg.content_length
    if cl is None or delta == 0:
        return None
    v = cl.value
    if isinstance(v, bool) or not isinstance(v, int):
        if isinstance(v, str) and v.strip().isdigit():
            v = int(v.strip())
        else:
            return None
    if v < 0 or v != len(msg.body.data):
        return None
    doc = cl.doc
    try:
        a, b = doc.byte_range(cl.path)
    except Exception:
        return False
    old = doc.source.data[a:b]
    new = str(v + delta).encode()
    if old[:1] in (b'"', b"'") and old[-1:] == old[:1]:
        new = old[:1] + new + old[:1]
    elif not old.strip().isdigit():
        return False
    return Edit(a, b, new)


def make_fix(span: tuple[int, int] | None, placeholder: str, msg=None, value: str | None = None) -> Fix | None:
    """Replace the secret's bytes with ``placeholder``; in a body, also update ``content_length``."""
    if span is None:
        return None
    edits = [Edit(span[0], span[1], placeholder.encode())]
    if msg is not None and value is not None:
        delta = len(placeholder.encode()) - len(value.encode("utf-8", "surrogatepass"))
        le = length_edit(msg, delta)
        if le is False:
            return None
        if le is not None:
            edits.append(le)
    return Fix(f"replace the secret with {placeholder}", tuple(edits), safe=True)
