"""Secret rules (``K``): credentials recorded into a cassette.

A cassette is committed to git; a real key in it is an incident.  These rules look everywhere a
recorder writes what the client sent or the server answered: request and response headers and
trailers, the URL (query parameters and ``user:password@``), go-vcr's ``form``, request bodies (JSON or
form-encoded) and response bodies — including SSE ``data:`` payloads and JSON strings whose escapes
(``\\u0073k-…``, ``\\/``) hide a key — through every encoding the decoding layer undoes
(:mod:`cassette_lint.decoding`: percent-encoding, JSON escapes and JSON-in-JSON, ``Basic`` base64,
``!!binary`` header values and bodies, base64 segments and ``data:`` URIs, compressed bodies).

Token families (``K001``–``K014``) are shaped like gitleaks rules: a keyword pre-filter, a regular
expression with the provider's exact prefix, length and character set, and an entropy floor where a
prefix alone is weak.  ``K020``–``K024`` cover credentials that have no recognisable shape: sensitive
headers, cookies, identifying headers, credential parameters and JSON keys, URL passwords.

Placeholders are not secrets (:mod:`cassette_lint.placeholders`, a model of redaction conventions:
header-name echo ``AUTHORIZATION-XXX``, filler runs, templates ``<API_KEY>``/``${TOKEN}``, redaction
words, a family prefix plus filler ``sk-proj-XXXX…``, entropy floors), nor whatever the configuration
allowlists; every finding passes the model before it is reported.  A value is never printed:
messages show at most its first 4 characters and its length (``sk-p…(164 chars)``); the value
itself only reaches baselines as a hash.

Settings (``[tool.cassette-lint.secrets]``): ``allowlist`` — regular expressions matched against the
whole value, or literal values; ``placeholders`` — the project's own redaction convention (words,
or expressions matched against the whole value); ``placeholder`` — what ``--fix`` writes instead of
a secret (default ``REDACTED``; letters, digits, ``_``, ``-``, ``.``).

Fix: every finding whose secret is written contiguously in the file (always true for the token
character sets in plain, quoted or block scalars, unless an escape sits inside the secret) carries a
safe fix that replaces exactly the secret's bytes with the placeholder; inside a body, the message's
``content_length`` is updated with it so the file stays consistent.  Revoke the key first: it was
committed.
"""

from __future__ import annotations

from .. import decoding as D
from .. import secrets as S
from ..findings import ERROR, WARNING, Problem
from . import rule

#: settings of the family and their defaults (validated by the configuration loader)
SETTINGS = {"allowlist": [], "placeholder": S.DEFAULT_PLACEHOLDER, "placeholders": []}

#: the consequence and the fix, in every message of a credential: the leak is the same whatever replays the file
_ADVICE = ("it leaks to every reader of the repository, whatever library replays the cassette: revoke it, then "
           "redact the cassette (--fix writes the placeholder)")
#: the consequence section of every rule of the family (what replays the file does not matter)
_CONSEQUENCE = """
    Consequence: **error**, a secret leaks. It is the same under every library (go-vcr, vcrpy, Ruby
    VCR, polly, test-proxy, httprr, nock): each hands the file back as committed, and whoever reads
    the repository, a clone, a fork or a CI log can use the credential until it is revoked.
    Redacting the file does not end the leak: the value stays in the git history of every clone.
    Revoke (rotate) the credential first, then redact; rewriting history is optional after that.
"""
_USERINFO = S._lazy(r"\A[A-Za-z][A-Za-z0-9+.-]*://(?P<user>[^/@?#:]*):(?P<pw>[^/@?#]*)@")
_FORM_BODY = S._lazy(r"\A[A-Za-z0-9_.%+\-\[\]]+=[^\s]*\Z")

#: what a header name is to the family (lower-case name -> kind), learnt as names are met
_COOKIE, _SENSITIVE, _IDENTIFYING, _OTHER = range(4)
_HEADER_KIND: dict[str, int] = {}


def _header_kind(name: str) -> int:
    kind = _HEADER_KIND.get(name)
    if kind is None:
        low = name.lower()
        if low in S.COOKIE_HEADERS:
            kind = _COOKIE
        elif S.sensitive_header(name):
            kind = _SENSITIVE
        elif low in S.IDENTIFYING_HEADERS:
            kind = _IDENTIFYING
        else:
            kind = _OTHER
        if len(_HEADER_KIND) > 4096:  # names are the recorder's, not bounded: keep the memo small
            _HEADER_KIND.clear()
        _HEADER_KIND[name] = kind
    return kind


class _Scan:
    """Everything the family finds in one cassette: ``{code: [Problem, ...]}``."""

    def __init__(self, cassette, settings: dict):
        self.allow = S.Allowlist((settings or {}).get("allowlist") or ())
        self.placeholder = S.placeholder_of(settings or {})
        entries = (settings or {}).get("placeholders") or ()
        self.model = S.Placeholders(entries) if entries else S.PLACEHOLDERS
        self.out: dict[str, list[Problem]] = {}
        for it in cassette.interactions:
            for side in ("request", "response"):
                msg = getattr(it, side, None)
                if msg is not None:
                    self.message(it.index, side, msg)
        for name, v in cassette.variables or ():  # values a format stores for playback (test-proxy)
            if isinstance(v.value, str) and v.value:
                self.variable(name, v)

    def add(self, code, it, doc, path, start, end, value, message, body_msg=None, exact=True,
            pos=None, span=None, written=None, name=None, view=None):
        """Record a finding; ``written`` is the text at ``[start, end)`` when it is not ``value`` itself
        (the base64 of Basic credentials holding ``value``); ``name`` is the header, parameter or key
        it is recorded under; ``view``: the decoded text (:mod:`cassette_lint.decoding`) that
        ``[start, end)`` are offsets of, which maps them to the file and re-encodes the fix.  A
        placeholder (:mod:`cassette_lint.placeholders`) is never reported."""
        if self.allow.allows(value) or value == self.placeholder:
            return
        if code in S.TOKEN_BY_CODE:
            if self.model.token(value):
                return
        elif self.model.accepts(value, name):
            return
        if view is not None:
            fix = D.fix_of(view, start, end, self.placeholder)
            self.out.setdefault(code, []).append(Problem(view.pos(start, end), message, interaction=it,
                                                         value=value, fix=fix))
            return
        written = value if written is None else written
        if pos is None:
            pos, span = S.locate(doc, path, start, end, written)
            if not exact:
                span = None
        fix = S.make_fix(span, self.placeholder, body_msg, written) if span is not None else None
        self.out.setdefault(code, []).append(Problem(pos, message, interaction=it, value=value, fix=fix))

    def tokens(self, it, doc, path, text, where, body_msg=None, json_keys=False, view=None, segments=True):
        found = S.scan_tokens(text, json_keys=json_keys)
        if found:
            self.report(found, it, doc, path, where, body_msg, view)
        if segments and len(text) >= D.MIN_SEGMENT:
            self.decoded(it, view or D.ScalarView(doc, path, text, body_msg), where, found)
        return found

    def decoded(self, it, parent, where, found, depth=1) -> None:
        """Tokens and credential JSON keys inside the base64 segments of ``parent``'s text that decode
        to text (a ``data:`` URI, ``{"blob": "eyJhcGlfa2V5Ijo…"}``), and inside those, to ``MAX_DEPTH``;
        not inside ``found`` matches.  Header values are not searched for segments: a credential
        header is reported whatever its encoding, ``Basic`` is decoded on its own, and the other
        headers (ids, dates, agents) hold no base64 text on real cassettes."""
        for seg in D.base64_segments(parent.text, [(m.start, m.end) for m in found]):
            view = D.Base64View(parent, seg, depth)
            inner = S.scan_tokens(view.text, json_keys=True)
            if inner:
                self.report(inner, it, None, None, f"{where} (base64-encoded)", view=view)
            if depth < D.MAX_DEPTH and len(view.text) >= D.MIN_SEGMENT:
                self.decoded(it, view, where, inner, depth + 1)

    def report(self, found, it, doc, path, where, body_msg=None, view=None):
        for m in found:
            if m.code == "K023":
                msg = f"{m.context} holds a credential {S.mask(m.value)} in the {where}: {_ADVICE}"
            else:
                how = " (behind JSON escapes)" if not m.exact else ""
                msg = f"{m.label} {S.mask(m.value)} in the {where}{how}: {_ADVICE}"
            self.add(m.code, it, doc, path, m.start, m.end, m.value, msg, body_msg, m.exact, name=m.context,
                     view=view)

    # -- per message ---------------------------------------------------------------------------
    def message(self, it: int, side: str, msg) -> None:
        for hdrs, kind in ((msg.headers, "header"), (msg.trailer, "trailer")):
            if hdrs is not None:
                for name, vals in hdrs:
                    for v in vals:
                        if isinstance(v.value, str) and v.value:
                            self.header(it, side, kind, name, v)
                        elif isinstance(v.value, bytes) and v.value:  # vcrpy's bytes values: !!binary
                            self.header(it, side, kind, name, v, D.BinaryView(v.doc, v.path, v.value))
        if msg.cookies:  # a format's own cookie records (HAR ``cookies``), beside the headers
            for cname, v in msg.cookies:
                if isinstance(v.value, str) and v.value:
                    self.cookie_record(it, side, cname, v)
        if side == "request":
            if msg.url is not None and isinstance(msg.url.value, str):
                self.url(it, msg.url)
            if msg.form is not None:
                for name, vals in msg.form:
                    for v in vals:
                        if isinstance(v.value, str):
                            self.form_field(it, name, v)
        if msg.body is not None and msg.body.path is not None:
            self.body(it, side, msg)

    def header(self, it, side, kind, name, v, view=None) -> None:
        """One header value; ``view``: a ``!!binary`` value's bytes (vcrpy writes ``bytes`` so)."""
        doc, path = v.doc, v.path
        text = v.value if view is None else view.text
        where = f"{side} {kind} {name}" + (" (!!binary)" if view is not None else "")
        found = self.tokens(it, doc, path, text, where, view=view, segments=False)
        hk = _header_kind(name)
        if hk == _OTHER:
            return
        if hk == _COOKIE:
            for cname, a, b, cval in S.cookie_pairs(text, name.lower() == "set-cookie"):
                if cname.lower() in S.BENIGN_COOKIES or S._overlaps(a, b, found):
                    continue
                if S.looks_real(cval):
                    self.add("K021", it, doc, path, a, b, cval,
                             f"{where} records cookie {cname[:40]!r} = {S.mask(cval)}: a session cookie "
                             "is a credential until it expires, whatever library replays the cassette; redact it "
                             "or filter the header when recording", name=cname, view=view)
            return
        if hk == _SENSITIVE:
            a, b, scheme = S.credential_span(text)
            cred = text[a:b]
            if not cred or S._overlaps(a, b, found):
                return
            if scheme.lower() == "basic":
                decoded = S.decode_basic(cred)
                if decoded is not None:
                    inner = S.scan_tokens(decoded)
                    for m in inner:
                        self.add(m.code, it, doc, path, a, b, m.value,
                                 f"{m.label} {S.mask(m.value)} inside the base64 Basic credentials of the "
                                 f"{where}: {_ADVICE}", written=cred, view=view)
                    if inner:
                        return
                    _user, sep, pw = decoded.partition(":")
                    if sep and pw and not S.is_placeholder(pw) and not S.is_placeholder(decoded):
                        self.add("K020", it, doc, path, a, b, cred,
                                 f"{where} carries Basic credentials {S.mask(cred)} (base64 of "
                                 f"user:password): {_ADVICE}", name=name, view=view)
                    return
            if S.looks_real(cred):
                self.add("K020", it, doc, path, a, b, cred,
                         f"{where} carries a credential {S.mask(cred)}: {_ADVICE}", name=name, view=view)
            return
        if S.looks_real(text.strip(), 4):  # an identifying header
            a, b = len(text) - len(text.lstrip()), len(text.rstrip())
            self.add("K022", it, doc, path, a, b, text[a:b],
                     f"{where} = {S.mask(text[a:b])} identifies the account that recorded the cassette (not a "
                     "credential; disclosed whatever library replays it): redact it", name=name, view=view)

    def variable(self, name, v) -> None:
        """A recording's stored variable (test-proxy ``Variables``): tokens, or a credential by its name."""
        text = v.value
        found = self.tokens(None, v.doc, v.path, text, f"recorded variable {name[:40]!r}")
        key = S.norm_key(name)
        if (not found and (key in S.CREDENTIAL_PARAMS or key.endswith(("apikey", "key", "token", "secret")))
                and not S.is_placeholder(text) and S.looks_real(text)):
            self.add("K023", None, v.doc, v.path, 0, len(text), text,
                     f"recorded variable {name[:40]!r} holds a credential {S.mask(text)}: the test reads it back "
                     f"on playback, so it is kept in clear; {_ADVICE}")

    def cookie_record(self, it, side, cname, v) -> None:
        """A cookie recorded as its own field (HAR ``cookies: [{name, value}]``): as a cookie header's."""
        text = v.value
        if cname.lower() in S.BENIGN_COOKIES or S.is_placeholder(text):
            return
        found = self.tokens(it, v.doc, v.path, text, f"{side} cookie {cname[:40]!r}")
        if not found and S.looks_real(text):
            self.add("K021", it, v.doc, v.path, 0, len(text), text,
                     f"{side} cookies record cookie {cname[:40]!r} = {S.mask(text)}: a session cookie is a "
                     "credential until it expires, whatever library replays the cassette; redact it or filter "
                     "cookies when recording")

    def url(self, it, v) -> None:
        text, doc, path = v.value, v.doc, v.path
        found = self.tokens(it, doc, path, text, "request URL")
        m = _USERINFO.match(text) if "@" in text else None
        pw = S.unquote(m.group("pw")) if m else ""
        if pw and not S.is_placeholder(pw):
            a, b = m.span("pw")
            if not S._overlaps(a, b, found):
                self.add("K024", it, doc, path, a, b, pw,
                         f"request URL carries a password {S.mask(pw)} (user:password@host): {_ADVICE}",
                         exact=pw == text[a:b], name="password")
        q = text.find("?")
        if q != -1:
            end = text.find("#", q)
            for name, a, b, value in S.scan_params(text, q + 1, None if end == -1 else end):
                if S._overlaps(a, b, found):
                    continue
                exact = text[a:b] == value
                self.add("K023", it, doc, path, a, b, value,
                         f"request URL parameter {name[:40]!r} holds a credential {S.mask(value)}: {_ADVICE}",
                         exact=exact, name=name)

    def form_field(self, it, name, v) -> None:
        text, doc, path = v.value, v.doc, v.path
        found = self.tokens(it, doc, path, text, f"request form field {name[:40]!r}")
        if found or S.norm_key(name) not in S.CREDENTIAL_PARAMS or S.is_placeholder(text):
            return
        self.add("K023", it, doc, path, 0, len(text), text,
                 f"request form field {name[:40]!r} holds a credential {S.mask(text)}: {_ADVICE}", name=name)

    def body(self, it, side, msg) -> None:
        body = msg.body
        if body.text is None:
            # a binary body: the decoded bytes, one character a byte; reported at the base64 line that
            # encodes the token's first byte; the fix re-encodes the scalar in its own line layout
            view = D.BinaryView(body.doc, body.path, body.data, msg)
            self.tokens(it, body.doc, body.path, view.text, f"{side} body (binary)", msg, json_keys=True, view=view)
            inflated = D.inflate(body.data)
            if inflated:  # compressed: reported at the body, nothing to edit in place
                view = D.OpaqueView(inflated.decode("latin-1"), body.pos())
                self.tokens(it, body.doc, body.path, view.text, f"{side} body (compressed)", msg, json_keys=True,
                            view=view)
            return
        text = body.text
        # a decompressed body's offsets are not in the file: reported at the body, no fix
        view = None if body.exact else D.OpaqueView(text, body.pos())
        # an event stream's payloads are scanned as text; base64 in them (encrypted reasoning, image
        # chunks) is binary: looking for segments there was ~60% of the decoding layer's cost
        found = self.tokens(it, body.doc, body.path, text, f"{side} body", msg, json_keys=True, view=view,
                            segments=msg.content_type != "text/event-stream")
        if side == "request" and msg.content_type == "multipart/form-data":
            for name, a, b in D.multipart_fields(text, msg.headers.value("Content-Type", "") or ""):
                value = text[a:b]
                if S.norm_key(name) not in S.CREDENTIAL_PARAMS or S._overlaps(a, b, found) or not value:
                    continue
                self.add("K023", it, body.doc, body.path, a, b, value,
                         f"multipart request body field {name[:40]!r} holds a credential {S.mask(value)}: "
                         f"{_ADVICE}", msg, name=name, view=view)
        if side == "request" and "=" in text and (msg.content_type == "application/x-www-form-urlencoded"
                                  or (not msg.content_type and _FORM_BODY.match(text))):
            for name, a, b, value in S.scan_params(text):
                if S._overlaps(a, b, found):
                    continue
                self.add("K023", it, body.doc, body.path, a, b, value,
                         f"form-encoded request body parameter {name[:40]!r} holds a credential "
                         f"{S.mask(value)}: {_ADVICE}", msg, exact=text[a:b] == value, name=name, view=view)


def _problems(cassette, settings, code):
    """The family's findings of rule ``code``: the first rule of the family to run scans, the others
    read (the scan is kept on the cassette, one per distinct settings).  The checks return these
    (an iterable, as the engine asks) instead of yielding them: a generator per rule and cassette cost
    more than reading the shared scan."""
    key = repr(sorted(settings.items())) if settings else ""
    cache = cassette.__dict__.get("_secrets_scan")
    if cache is None:
        cache = cassette.__dict__["_secrets_scan"] = {}
    scan = cache.get(key)
    if scan is None:
        scan = cache[key] = _Scan(cassette, settings)
    return scan.out.get(code, ())


# -- token families ----------------------------------------------------------------------------------

def _family(code: str, name: str, doc: str):
    def check(cassette, settings):
        yield from _problems(cassette, settings, code)

    check.__doc__ = doc
    check.__name__ = name.replace("-", "_")
    return rule(code, name, ERROR, fixable=True, tags=("security",))(check)


_COMMON = """

    Where: every header and trailer, the URL, ``form``, request and response bodies (also inside SSE
    ``data:`` payloads, JSON strings with escapes, and base64 ``Basic`` credentials).

    Why: the cassette is committed; whoever reads the repository can use the key until it is revoked.
""" + _CONSEQUENCE + """
    Fix: revoke the key at the provider first, then ``--fix`` replaces it with the placeholder
    (``REDACTED``; also updates ``content_length`` of a changed body). Filter it when recording
    (go-vcr ``AddHook``/``AddSaveFilter``, vcrpy ``filter_headers``) so the next recording stays clean.
"""

_FAMILIES = (
    ("K001", "openai-api-key", """An OpenAI API key (``sk-proj-``, ``sk-svcacct-``, ``sk-admin-``, legacy ``sk-`` + 48).

    What: project, service-account and admin keys (``sk-proj-`` … ``[A-Za-z0-9_-]``, 40 to 250 characters
    after the prefix; current keys are about 164 characters and contain ``T3BlbkFJ``) and legacy user keys
    (``sk-`` + 48 alphanumerics). Random part with a Shannon entropy below 3.5 bits/char is a placeholder.

    FAIL::

        Authorization: ["Bearer sk-proj-<the real 164-character key>"]

    PASS::

        Authorization: ["Bearer REDACTED"]
    """),
    ("K002", "anthropic-api-key", """An Anthropic API key (``sk-ant-api03-``) or admin key (``sk-ant-admin01-``).

    What: the prefix, 93 characters of ``[A-Za-z0-9_-]`` and the closing ``AA`` (108 characters in all).

    FAIL::

        X-Api-Key: ["sk-ant-api03-<93 characters>AA"]

    PASS::

        X-Api-Key: ["REDACTED"]
    """),
    ("K003", "openrouter-api-key", """An OpenRouter API key (``sk-or-v1-`` + 64 hex digits).

    FAIL::

        Authorization: ["Bearer sk-or-v1-<64 hex digits>"]

    PASS::

        Authorization: ["Bearer REDACTED"]
    """),
    ("K004", "groq-api-key", """A Groq API key (``gsk_`` + 52 alphanumerics).

    FAIL::

        Authorization: ["Bearer gsk_<52 characters>"]

    PASS::

        Authorization: ["Bearer REDACTED"]
    """),
    ("K005", "google-api-key", """A Google API key (``AIza`` + 35 of ``[A-Za-z0-9_-]``), e.g. a Gemini key in ``?key=``.

    FAIL::

        url: https://generativelanguage.googleapis.com/v1beta/models?key=AIza<35 characters>

    PASS::

        url: https://generativelanguage.googleapis.com/v1beta/models?key=REDACTED
    """),
    ("K006", "xai-api-key", """An xAI API key (``xai-`` + 80 alphanumerics; ``xai-responses-v1`` is not one).

    FAIL::

        Authorization: ["Bearer xai-<80 characters>"]

    PASS::

        Authorization: ["Bearer REDACTED"]
    """),
    ("K007", "huggingface-token", """A Hugging Face access token (``hf_`` + 34 letters, organisation ``api_org_`` + 34).

    FAIL::

        Authorization: ["Bearer hf_<34 letters>"]

    PASS::

        Authorization: ["Bearer REDACTED"]
    """),
    ("K008", "github-token", """A GitHub token: ``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_`` + 36, or ``github_pat_`` + 82.

    Also found base64-encoded in ``Authorization: Basic`` (``x-access-token:<token>``), where such
    tokens have leaked in public repositories.

    FAIL::

        Authorization: ["token ghp_<36 characters>"]

    PASS::

        Authorization: ["token REDACTED"]
    """),
    ("K009", "aws-access-key-id", """An AWS access key ID (``AKIA`` long-term, ``ASIA`` temporary, + 16 of ``[A-Z2-7]``).

    Also inside a SigV4 ``Authorization: AWS4-HMAC-SHA256 Credential=AKIA…/…`` header or an
    ``X-Amz-Credential`` query parameter. AWS's documentation key (ending ``EXAMPLE``) is not reported.

    FAIL::

        Authorization: ["AWS4-HMAC-SHA256 Credential=AKIA<16 characters>/20250101/us-east-1/bedrock/aws4_request, ..."]

    PASS::

        Authorization: ["AWS4-HMAC-SHA256 Credential=REDACTED/20250101/us-east-1/bedrock/aws4_request, ..."]
    """),
    ("K010", "aws-secret-access-key", """An AWS secret access key (40 of ``[A-Za-z0-9/+]``) after a key that names it.

    What: ``aws_secret_access_key``, ``SecretAccessKey``, ``secret-access-key`` … followed by ``:``,
    ``=`` or ``=>`` and the 40-character key (an STS ``AssumeRole`` response, a config echoed back).

    FAIL::

        body: '{"Credentials": {"SecretAccessKey": "<40 characters>"}}'

    PASS::

        body: '{"Credentials": {"SecretAccessKey": "REDACTED"}}'
    """),
    ("K011", "stripe-live-key", """A Stripe live secret or restricted key (``sk_live_``, ``rk_live_``).

    FAIL::

        Authorization: ["Bearer sk_live_<24+ characters>"]

    PASS::

        Authorization: ["Bearer REDACTED"]
    """),
    ("K012", "slack-token", """A Slack token (``xoxb-``, ``xoxp-``, ``xapp-`` …) or incoming-webhook URL.

    FAIL::

        body: 'token=xoxb-<digits>-<digits>-<characters>'

    PASS::

        body: 'token=REDACTED'
    """),
    ("K013", "json-web-token", """A JSON Web Token (``eyJ…`` header ``.`` ``eyJ…`` payload ``.`` signature).

    What: three base64url parts, the first two JSON objects (``eyJ`` is base64 of ``{"``), with a
    signature. A bearer JWT replays as its subject until it expires; its payload often names the user.

    FAIL::

        Authorization: ["Bearer eyJhbGci…<payload>.<signature>"]

    PASS::

        Authorization: ["Bearer REDACTED"]
    """),
    ("K014", "private-key", """A PEM private key (``-----BEGIN … PRIVATE KEY-----`` … ``-----END …``).

    What: a key block with at least 64 characters of key material, as written or inside a JSON string
    (``\\n`` escapes), e.g. a Google service-account JSON sent as a request body.

    FAIL::

        body: '{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEv…\\n-----END PRIVATE KEY-----\\n"}'

    PASS::

        body: '{"private_key": "REDACTED"}'
    """),
)

for _code, _name, _doc in _FAMILIES:
    globals()[_name.replace("-", "_")] = _family(_code, _name, _doc + _COMMON)


# -- credentials without a shape ----------------------------------------------------------------------

@rule("K020", "sensitive-header", ERROR, fixable=True, tags=("security",))
def sensitive_header(cassette, settings):
    """A credential header (Authorization, X-Api-Key …) recorded with a real-looking value.

    What: ``Authorization``, ``Proxy-Authorization``, ``X-Api-Key``, ``Api-Key``, ``X-Goog-Api-Key``,
    ``Anthropic-Api-Key``/``OpenAI-Api-Key``/``Azure-Api-Key``, ``Ocp-Apim-Subscription-Key``,
    ``X-Amz-Security-Token``, ``X-Auth-Token``, ``Private-Token`` and any ``*-Api-Key``/``*-Auth-Token``
    header whose value (after the scheme word: ``Bearer``, ``Basic``, ``token`` …) is at least 8
    characters and not a placeholder. ``Basic`` credentials are base64-decoded: a known token inside
    is reported by its family rule, a ``user:password`` with a placeholder password stays quiet.
    Values that match a token family are reported by that rule instead.

    Why: whoever reads the repository can replay the credential until it is revoked.

    Consequence: **error**, a secret leaks. It is the same under every library (go-vcr, vcrpy, Ruby
    VCR, polly, test-proxy, httprr, nock): none needs the credential to replay, and whoever reads the
    repository, a clone, a fork or a CI log can use it until it is revoked. Redacting the file does
    not end the leak (the value stays in the git history of every clone): revoke (rotate) it first.

    Fix: revoke the credential; ``--fix`` replaces it with ``REDACTED`` (the scheme word stays);
    filter the header when recording (vcrpy ``filter_headers=["authorization"]``, go-vcr a hook
    that deletes it).

    FAIL::

        headers:
          Authorization: ["Bearer 8f1c2e…(a session token)"]

    PASS::

        headers:
          Authorization: ["Bearer REDACTED"]
    """
    yield from _problems(cassette, settings, "K020")


@rule("K021", "session-cookie", WARNING, fixable=True, tags=("security",))
def session_cookie(cassette, settings):
    """A ``Cookie`` or ``Set-Cookie`` header recorded with a real-looking session value.

    What: each cookie of a request ``Cookie`` header, and the cookie a response ``Set-Cookie`` sets,
    whose value is at least 8 characters and not a placeholder. Cookies that carry no credential
    (Cloudflare ``__cf_bm``/``_cfuvid``, load-balancer stickiness ``AWSALB``, analytics ``_ga`` …)
    are not reported.

    Why: a session cookie logs whoever holds it in as the recording user until it expires.

    Consequence: **warning**, a possible leak, the same under every library (none needs the cookie
    to replay). A warning, not an error, because whether a cookie authenticates anyone cannot be
    told from the file: most recorded API cookies are anonymous sessions or trackers the server set
    in a response (``../shared/corpus``: Wikimedia's ``WMF-Uniq``), and sessions expire. If it is a
    login session that has not expired, log it out (invalidate it) before redacting: the value stays
    in the git history.

    Fix: ``--fix`` replaces the cookie's value with ``REDACTED``; better, drop cookies when
    recording (vcrpy ``filter_headers=["cookie", "set-cookie"]``).

    FAIL::

        Set-Cookie: ["session=4f0c9a…; Path=/; HttpOnly"]

    PASS::

        Set-Cookie: ["session=REDACTED; Path=/; HttpOnly"]
    """
    yield from _problems(cassette, settings, "K021")


@rule("K022", "identifying-header", WARNING, fixable=True, tags=("security",), opt_in=True)
def identifying_header(cassette, settings):
    """A header that identifies the recording account: ``OpenAI-Organization``, ``OpenAI-Project`` ….

    Opt-in: not in the default selection; enable it with ``--select K022`` or ``--extend-select K022``
    (or ``extend-select = ["K022"]`` in the configuration). ``--select K`` and ``ALL`` leave it off.

    What: ``OpenAI-Organization``, ``OpenAI-Project`` and ``Anthropic-Organization-Id`` with a value
    that is not a placeholder.

    Why opt-in: these are account identifiers, not credentials — nothing can be done with them
    alone — and projects that scrub every credential deliberately keep them. Measured on the
    scrubbed-but-real cassettes of ``../shared/corpus``: of the 95 files that carry an OpenAI
    organization/project header, 56 hold it in clear (simonw/llm's vcrpy cassettes: 8 of 12 files, 31
    values, one ``user-…`` id; openllmetry-js's HAR recordings: 44 files; opentelemetry-js-contrib's
    nock recordings: 4), only openai-dotnet's test-proxy sanitizes it (39 files). In the default
    selection the rule made 31 of the linted corpus's 31 secret findings — all noise on repositories
    that leak nothing. Selected, it reports every value (each with a fix), so a project that wants
    them gone finds them all.

    Why it can matter: they tie the repository to an account (and an API key leaked elsewhere to its
    organisation), which helps target it.

    Consequence: **warning**, an identifier (not a credential) is disclosed, the same under every
    library (none needs the header to replay); nothing to revoke.

    Fix: ``--fix`` replaces the value with ``REDACTED``; or filter the header when recording.

    FAIL::

        openai-organization: ["user-r3e6…"]

    PASS::

        openai-organization: ["REDACTED"]
    """
    yield from _problems(cassette, settings, "K022")


@rule("K023", "credential-parameter", ERROR, fixable=True, tags=("security",))
def credential_parameter(cassette, settings):
    """A credential in a URL query parameter, a form field or a JSON key.

    What: query parameters and form fields (``form``, form-encoded and ``multipart/form-data`` request
    bodies) named ``key``,
    ``api_key``, ``apikey``, ``access_token``, ``token``, ``client_secret``, ``password``, ``secret``,
    ``sig``/``signature``, ``X-Amz-Signature``, ``X-Amz-Security-Token`` …; and JSON string values
    (request or response bodies, SSE payloads) under keys such as ``api_key``, ``access_token``,
    ``refresh_token``, ``client_secret``, ``password``, ``private_key`` — with a value that is not a
    placeholder. Names compare without case, ``-`` and ``_``. Values matching a token family are
    reported by that rule instead.

    Why: query strings and bodies are recorded verbatim; a password or a signed URL in them can be
    replayed by whoever reads the repository.

    Consequence: **error**, a secret leaks. It is the same under every library (go-vcr, vcrpy, Ruby
    VCR, polly, test-proxy, httprr, nock): none needs the credential to replay, and whoever reads the
    repository, a clone, a fork or a CI log can use it until it is revoked. Redacting the file does
    not end the leak (the value stays in the git history of every clone): revoke (rotate) it first.

    Fix: revoke it; ``--fix`` replaces the value with ``REDACTED`` (and updates ``content_length``
    of a changed body); filter it when recording (vcrpy ``filter_query_parameters``,
    ``filter_post_data_parameters``).

    FAIL::

        url: https://api.example.com/v1/data?access_token=9b2f…

    PASS::

        url: https://api.example.com/v1/data?access_token=REDACTED
    """
    yield from _problems(cassette, settings, "K023")


@rule("K024", "url-password", ERROR, fixable=True, tags=("security",))
def url_password(cassette, settings):
    """A password in the request URL (``https://user:password@host/``).

    What: the userinfo part of the URL with a password that is not a placeholder.

    Why: the password is recorded verbatim and replays for whoever reads the repository.

    Consequence: **error**, a secret leaks. It is the same under every library (go-vcr, vcrpy, Ruby
    VCR, polly, test-proxy, httprr, nock): none needs the credential to replay, and whoever reads the
    repository, a clone, a fork or a CI log can use it until it is revoked. Redacting the file does
    not end the leak (the value stays in the git history of every clone): revoke (rotate) it first.

    Fix: change the password; ``--fix`` replaces it with ``REDACTED``.

    FAIL::

        url: https://deploy:s3cr3t-pa55@registry.example.com/v2/

    PASS::

        url: https://deploy:REDACTED@registry.example.com/v2/
    """
    yield from _problems(cassette, settings, "K024")
