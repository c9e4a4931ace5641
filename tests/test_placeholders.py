"""The placeholder model (cassette_lint.placeholders): every redaction convention met in real cassettes
stays silent wherever a credential can sit; a real key never passes for a placeholder.

Keys are synthetic and built from parts at run time (see test_secrets.py)."""

from __future__ import annotations

import json
import random
import string
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cassette_lint import config
from cassette_lint.placeholders import (DEFAULT, FAMILY_PREFIXES, MARKERS, NAME_WORDS, WEAK, Placeholders,
                                        entropy)
from cassette_lint.secrets import TOKEN_BY_CODE
from test_secrets import KEYS, K, cassette, lint_file, where, write

#: every location a credential is looked for, in one cassette
LOCATIONS = ("authorization", "x-api-key", "cookie", "identifying-header", "query", "url-password",
             "form", "json-key", "request-body-text", "response-json-key", "response-body-text")


def everywhere(value: str) -> str:
    """A cassette holding ``value`` in every location of :data:`LOCATIONS`."""
    q = json.dumps  # a JSON string is a valid YAML double-quoted scalar
    return cassette(
        req_headers={"Authorization": q("Bearer " + value), "X-Api-Key": q(value), "Cookie": q("session=" + value)},
        url="https://u:" + quote(value, safe="") + "@api.example.com/v1/x?key=" + quote(value, safe="") + "&alt=sse",
        form={"password": q(value)},
        req_body=q(json.dumps({"api_key": value, "input": "here: " + value + " end"})),
        resp_headers={"Openai-Organization": q(value)},
        resp_body=q(json.dumps({"access_token": value, "text": "value " + value})),
    )


def k_findings(tmp_path, text: str, **options) -> list:
    return K(lint_file(write(tmp_path, text), **options))


# == each convention: silent everywhere =====================================================================

CONVENTIONS = {
    "header-name-echo": "AUTHORIZATION-XXX",
    "header-name-echo-lower": "x-api-key",
    "name-template-filler": "<NAME>-XXX",
    "filler-x": "XXXXXXXXXXXXXXXXXXXXXXXX",
    "filler-x-ellipsis": "XXXXXXXX…",
    "filler-stars": "***",
    "filler-zeros": "0000000000000000",
    "filler-groups": "xxxx-xxxx-xxxx-xxxx",
    "angle-name": "<API_KEY>",
    "mustache": "{{API_KEY}}",
    "shell-var": "${OPENAI_API_KEY}",
    "filtered-brackets": "[FILTERED]",
    "redacted-angle": "<REDACTED>",
    "redacted": "REDACTED",
    "dummy": "DUMMY",
    "fake-prefixed": "fake-" + "9f2b7c1d4e",
    "test-key": "test-key",
    "bearer-template": "Bearer <token>",
    "openai-prefix-filler": "sk-" + "proj-" + "XXXXXXXX…",
    "openai-prefix-long-filler": "sk-" + "proj-" + "X" * 60,
    "anthropic-prefix-filler": "sk-" + "ant-" + "api03-" + "xxxxxxxxxxxx",
    "github-prefix-zeros": "gh" + "p_" + "0" * 36,
    "aws-prefix-low-entropy": "AK" + "IA" + "AAAABBBBAAAABBBB",
    "low-entropy": "abababababababab",
    "your-key": "YOUR_API_KEY",
}


@pytest.mark.parametrize("kind", sorted(CONVENTIONS))
def test_each_placeholder_convention_is_silent_in_every_location(tmp_path, kind):
    value = CONVENTIONS[kind]
    assert DEFAULT.accepts(value, "Authorization"), value
    assert k_findings(tmp_path, everywhere(value), select=("ALL", "K022")) == []


def test_the_same_locations_report_a_real_value(tmp_path):
    """The embedding above does reach every location: a real value there is reported in each."""
    real = "Zq8vN3rT5wLpK2mX9bH4"
    text = everywhere(real)
    found = k_findings(tmp_path, text, select=("ALL", "K022"))
    lines = {ln for _, ln, _ in found}
    # two credential headers; the cookie; the identifying header; the URL's password; query, form,
    # request JSON key and response JSON key
    assert sorted(c for c, _, _ in found) == ["K020"] * 2 + ["K021", "K022"] + ["K023"] * 4 + ["K024"]
    assert where(text, "Bearer " + real)[0] in lines


# == the model ==============================================================================================

def test_real_looking_values_are_not_placeholders():
    for v in ["hunter2hunter2", "Zq8vN3rT5wLp", "admin:Tr0ub4dor&3", "sk-Zq8vN3rT", "8f1c2e9a7b3d4c5e6f708192a3b4c5d6",
              "Bearer 8f1c2e9a7b3d4c5e6f70"]:
        assert not DEFAULT.accepts(v, "Authorization"), v
    for _code, key in KEYS.values():
        assert not DEFAULT.accepts(key) and not DEFAULT.token(key), key


def test_a_template_around_a_real_key_is_not_a_placeholder():
    key = KEYS["google"][1]
    assert DEFAULT.shape("<" + key + ">")  # the shape alone would say yes …
    assert not DEFAULT.accepts("<" + key + ">")  # … but a real token hides in it


def test_header_name_echo_needs_the_name_for_words_of_no_credential_name():
    assert not DEFAULT.accepts("WIDGET-GATEWAY-XXX")
    assert DEFAULT.accepts("WIDGET-GATEWAY-XXX", "X-Widget-Gateway")


def test_prefix_entropy_floor_scales_with_the_length_of_the_rest():
    # eight random characters cannot reach 3.5 bits each; the floor scales so they still count as real
    assert not DEFAULT.accepts("sk-" + "Zq8vN3rT")
    assert DEFAULT.accepts("sk-" + "aaaabbbb")


def test_configured_placeholders_words_and_expressions():
    model = Placeholders(["ACMEHIDE", r"acme-[0-9a-f]{4}-redaction"])
    assert model.accepts("ACMEHIDE-9f2b7c1d4e5a")  # a word: anywhere in the value
    assert model.accepts("acme-1a2b-redaction")  # an expression: the whole value
    assert not DEFAULT.accepts("ACMEHIDE-9f2b7c1d4e5a")
    assert model.token("sk-" + "proj-" + "ACMEHIDE" + "9f2b7c1d4e5a" * 4)


def test_configured_placeholders_silence_findings(tmp_path):
    value = "ACME-SECRET-" + "9f2b7c1d4e5a0b3c"
    text = everywhere(value)
    assert k_findings(tmp_path, text) != []
    assert k_findings(tmp_path, text, select=("ALL", "K022"), settings={"secrets": {"placeholders": [r"ACME-SECRET-[0-9a-f]{16}"]}}) == []


def test_placeholders_setting_is_read_from_the_configuration():
    cfg = config.from_table({"secrets": {"placeholders": ["SCRUBBED"]}}, "x.toml")
    assert cfg.settings["secrets"]["placeholders"] == ["SCRUBBED"]
    with pytest.raises(config.ConfigError, match="placeholders"):
        config.from_table({"secrets": {"placeholders": "SCRUBBED"}}, "x.toml")


# == properties =============================================================================================

_IDENT = st.text(string.ascii_letters + "_", min_size=1, max_size=20)
_FILL = st.builds(lambda c, n: c * n, st.sampled_from(list("xX*0#")), st.integers(3, 40))
_WORD = st.builds(lambda w, up: w.upper() if up else w, st.sampled_from(sorted(MARKERS | WEAK | NAME_WORDS)),
                  st.booleans())
_TEMPLATED = st.builds(lambda f, n: f.format(n), st.sampled_from(["<{}>", "{{{{{}}}}}", "${{{}}}", "[{}]", "%{}%"]),
                       _IDENT)
_PREFIXED = st.builds(lambda p, f: p[0] + f, st.sampled_from(FAMILY_PREFIXES), _FILL)
_SEGMENTS = st.lists(st.one_of(_FILL, _WORD, _TEMPLATED), min_size=1, max_size=4)
_JOINED = st.builds(lambda segs, sep: sep.join(segs), _SEGMENTS, st.sampled_from(["-", "_", ".", " ", ":"]))
#: candidates from the grammar and from a small alphabet that the model may accept or not
CANDIDATES = st.one_of(_JOINED, _PREFIXED, _TEMPLATED, st.text("xX*0-_ab<>{}$[]", max_size=30),
                       st.builds(lambda v: "Bearer " + v, _JOINED))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.filter_too_much])
@given(CANDIDATES)
def test_any_value_the_model_accepts_yields_no_finding_in_any_location(tmp_path, value):
    if not DEFAULT.accepts(value):
        return
    assert k_findings(tmp_path, everywhere(value), select=("ALL", "K022")) == [], value


#: (code, prefix, length of the random part, alphabet, suffix) of each token family with a fixed shape
FAMILIES = [
    ("K001", "sk-" + "proj-", 150, string.ascii_letters + string.digits + "_-", ""),
    ("K002", "sk-" + "ant-api03-", 93, string.ascii_letters + string.digits + "_-", "AA"),
    ("K003", "sk-" + "or-v1-", 64, "0123456789abcdef", ""),
    ("K004", "gs" + "k_", 52, string.ascii_letters + string.digits, ""),
    ("K005", "AI" + "za", 35, string.ascii_letters + string.digits + "_-", ""),
    ("K006", "xa" + "i-", 80, string.ascii_letters + string.digits, ""),
    ("K007", "h" + "f_", 34, string.ascii_letters, ""),
    ("K008", "gh" + "p_", 36, string.ascii_letters + string.digits, ""),
    ("K009", "AK" + "IA", 16, string.ascii_uppercase + "234567", ""),
    ("K011", "sk" + "_live_", 24, string.ascii_letters + string.digits, ""),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(FAMILIES), st.integers(0, 2**64), st.sampled_from(["authorization", "query", "json-key"]))
def test_any_token_of_a_known_family_with_real_entropy_is_reported(tmp_path, family, seed, where_):
    code, prefix, n, alphabet, suffix = family
    rng = random.Random(seed)
    token = prefix + "".join(rng.choice(alphabet) for _ in range(n)) + suffix
    rule = TOKEN_BY_CODE[code]
    # "real entropy": a uniformly random body, above the family's floor (a rare unlucky draw is skipped)
    if entropy(token[rule.prefix:]) < rule.min_entropy + 0.2 or not rule.accepts(token):
        return
    assert not DEFAULT.accepts(token) and not DEFAULT.token(token)
    if where_ == "authorization":
        text = cassette(req_headers={"Authorization": "Bearer " + token})
    elif where_ == "query":
        text = cassette(url="https://api.example.com/v1?key=" + token)
    else:
        text = cassette(req_body="'" + json.dumps({"api_key": token}) + "'")
    assert K(lint_file(write(tmp_path, text))) == [(code, *where(text, token))]
