"""Mutations of go-vcr cassettes, each a request field a matcher reads (for the oracle tests).

Every mutation takes one recorded interaction (a dict as go-vcr writes it) and changes what the
matcher compares, the way real cassettes come to differ from what a client sends: a query string
on a POST whose ``form`` was recorded without it (go-vcr issue #116), a GET whose ``form`` holds its
query (a recorder that stored ``Form``), a URL Go re-encodes, a header key not in canonical form, a
body that does not parse as its content type says, duplicates with different responses …
"""

from __future__ import annotations

import copy

FORM = "application/x-www-form-urlencoded"


def _req(it):
    return it["request"]


def post_query_form_empty(it):
    r = _req(it)
    r["method"] = "POST"
    r["url"] += ("&" if "?" in r["url"] else "?") + "x=1"
    r["form"] = {}


def post_query_form_recorded(it):
    post_query_form_empty(it)
    _req(it)["form"] = {"x": ["1"]}


def get_query_in_form(it):
    r = _req(it)
    r.update(method="GET", body="", content_length=0)
    r["url"] = r["url"].split("?")[0] + "?q=a+b&q=2"
    r["form"] = {"q": ["a b", "2"]}


def get_query_form_empty(it):
    get_query_in_form(it)
    _req(it)["form"] = {}


def form_body(it):
    r = _req(it)
    r.update(method="POST", body="a=1&b=two", content_length=9, form={"a": ["1"], "b": ["two"]})
    r["headers"] = {"Content-Type": [FORM]}


def form_body_not_recorded(it):
    form_body(it)
    _req(it)["form"] = {}


def form_body_lowercase_key(it):
    form_body(it)
    _req(it)["headers"] = {"content-type": [FORM]}  # Header.Get("Content-Type") does not find it


def form_body_bad_escape(it):
    form_body(it)
    _req(it).update(body="a=%zz", content_length=5, form={})


def form_put_with_query(it):
    form_body(it)
    r = _req(it)
    r["method"] = "PUT"
    r["url"] = r["url"].split("?")[0] + "?z=9"
    r["form"] = {"a": ["1"], "b": ["two"], "z": ["9"]}


def bad_media_type(it):
    r = _req(it)
    r["method"] = "PATCH"
    r["headers"] = {"Content-Type": ["text/plain; charset"]}


def url_space(it):
    r = _req(it)
    r["url"] = r["url"].split("?")[0] + "/a b"


def url_non_ascii(it):
    r = _req(it)
    r["url"] = r["url"].split("?")[0] + "/café"


def url_upper_scheme(it):
    r = _req(it)
    r["url"] = "HTTPS" + r["url"][r["url"].index(":"):]


def url_tilde_escaped(it):
    r = _req(it)
    r["url"] = r["url"].split("?")[0] + "/%7euser"


def url_empty_port(it):
    r = _req(it)
    scheme, rest = r["url"].split("://", 1)
    host, _, path = rest.partition("/")
    r["url"] = f"{scheme}://{host}:/{path}"


def url_user_info(it):
    r = _req(it)
    scheme, rest = r["url"].split("://", 1)
    r["url"] = f"{scheme}://user:pw@{rest}"


def url_unparseable(it):
    r = _req(it)
    r["url"] = r["url"].split("?")[0] + "/%zz"


def remote_addr(it):
    _req(it)["remote_addr"] = "127.0.0.1:5555"


def request_uri(it):
    _req(it)["request_uri"] = "/x"


def unknown_length_empty_body(it):
    _req(it).update(body="", content_length=-1)


def streamed_length(it):
    r = _req(it)
    if r.get("body"):
        r["content_length"] = -1


def method_lower(it):
    _req(it)["method"] = _req(it)["method"].lower()


def method_empty(it):
    _req(it)["method"] = ""


def base64_body(it):
    import base64

    r = _req(it)
    raw = (r.get("body") or "{}").encode()
    r["body"] = base64.b64encode(raw).decode()
    r["content_length"] = len(raw)


MUTATIONS = [post_query_form_empty, post_query_form_recorded, get_query_in_form, get_query_form_empty,
             form_body, form_body_not_recorded, form_body_lowercase_key, form_body_bad_escape,
             form_put_with_query, bad_media_type, url_space, url_non_ascii, url_upper_scheme,
             url_tilde_escaped, url_empty_port, url_user_info, url_unparseable, remote_addr, request_uri,
             unknown_length_empty_body, streamed_length, method_lower, method_empty, base64_body]


def mutated(cassette: dict, mutation, index: int | None = None) -> dict:
    """A copy of ``cassette`` with ``mutation`` applied to interaction ``index`` (every one if None)."""
    c = copy.deepcopy(cassette)
    for k, it in enumerate(c.get("interactions") or []):
        if index is None or k == index:
            mutation(it)
    return c


def duplicated(cassette: dict, mutation=None, same_response: bool = False) -> dict:
    """``cassette`` followed by a copy of its first interaction (mutated by ``mutation``), whose
    response differs unless ``same_response``: a second recording of the same request."""
    c = copy.deepcopy(cassette)
    its = c.get("interactions") or []
    if not its:
        return c
    extra = copy.deepcopy(its[0])
    if mutation is not None:
        mutation(extra)
        mutation(its[0])
    extra["id"] = len(its)
    if not same_response:
        extra["response"]["body"] = (extra["response"].get("body") or "") + " (second recording)"
        extra["response"]["content_length"] = -1
    its.append(extra)
    return c


def pair(cassette: dict, first, second) -> dict:
    """``cassette`` whose first interaction is mutated by ``first``, followed by a second recording of
    it mutated by ``second`` (its response differs): two recordings of one request that a matcher may
    tell apart or not."""
    c = duplicated(cassette)
    its = c.get("interactions") or []
    if len(its) > 1:
        first(its[0])
        second(its[-1])
    return c
