"""The redaction-coverage report: ``cassette-lint secrets [PATHS]``.

For every credential-bearing place a recorder writes — a credential, cookie or identifying header,
a credential query parameter, a form field, a credential JSON key of a request or response body —
how many cassettes hold it redacted and how many in clear, and the recorder configuration that
filters all of them when recording (vcrpy ``filter_headers`` / ``filter_query_parameters`` /
``filter_post_data_parameters`` / ``before_record_response``, a go-vcr ``BeforeSaveHook``, Ruby VCR
``filter_sensitive_data``), printed to be pasted as is.

"Redacted" and "in clear" are the secret rules' own verdicts: a value is redacted when the
placeholder model (:mod:`cassette_lint.placeholders`, with the project's ``placeholders``), the
``allowlist`` or the ``--fix`` placeholder accepts it, or when it is too short to be a credential;
a cassette holds a place in clear when one value there is not redacted.  Only names and counts are
printed — never a value.

This module walks the format-neutral model (it never parses YAML itself) and returns data;
:func:`render` turns the data into text, the CLI prints it.
"""

from __future__ import annotations

from typing import Iterator

from . import decoding as D
from . import secrets as S

#: how far into a JSON body credential keys are looked for
_MAX_JSON_DEPTH = 32

#: place kinds, in the order the report lists them
KINDS = ("request header", "response header", "query parameter", "form field", "request JSON key",
         "response JSON key")


class Place:
    """One credential-bearing place (a kind and a name) and the cassettes that hold it."""

    __slots__ = ("kind", "name", "clear", "redacted")

    def __init__(self, kind: str, name: str):
        self.kind = kind
        self.name = name  # as first met (header names keep their case)
        self.clear: set[str] = set()
        self.redacted: set[str] = set()

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "in_clear": len(self.clear),
                "redacted": len(self.redacted - self.clear)}


class Coverage:
    """What :func:`collect` found: places by ``(kind, lower-case name)``, cassettes by format."""

    def __init__(self):
        self.places: dict[tuple[str, str], Place] = {}
        self.formats: dict[str, int] = {}
        self.cassettes = 0

    def note(self, path: str, kind: str, name: str, clear: bool) -> None:
        key = (kind, name.lower())
        p = self.places.get(key)
        if p is None:
            p = self.places[key] = Place(kind, name)
        (p.clear if clear else p.redacted).add(path)

    def sorted_places(self) -> list[Place]:
        order = {k: i for i, k in enumerate(KINDS)}
        return sorted(self.places.values(), key=lambda p: (order[p.kind], -len(p.clear), p.name.lower()))

    def names(self, *kinds: str) -> list[str]:
        return [p.name for p in self.sorted_places() if p.kind in kinds]


# -- verdicts ---------------------------------------------------------------------------------------

class _Judge:
    """The secret rules' verdicts on one value (with the project's secrets settings)."""

    def __init__(self, settings: dict | None):
        settings = settings or {}
        entries = settings.get("placeholders") or ()
        self.model = S.Placeholders(entries) if entries else S.PLACEHOLDERS
        self.allow = S.Allowlist(settings.get("allowlist") or ())
        self.placeholder = S.placeholder_of(settings)

    def clear(self, value: str, name: str, min_len: int = 1) -> bool:
        """True when ``value`` would be reported: a real-looking credential."""
        found = S.scan_tokens(value)
        if found:
            return not all(self.model.token(m.value) or self.allow.allows(m.value) for m in found)
        v = value.strip()
        if len(v) < min_len or v == self.placeholder or self.allow.allows(v):
            return False
        return not self.model.accepts(v, name)

    def header(self, name: str, value: str) -> bool | None:
        """True in clear, False redacted, None when the value carries no credential (cookies that
        only keep a load balancer's stickiness or a bot check)."""
        low = name.lower()
        if low in S.COOKIE_HEADERS:
            cookies = [(cname, cval) for cname, _a, _b, cval in S.cookie_pairs(value, low == "set-cookie")
                       if cname.lower() not in S.BENIGN_COOKIES]
            if not cookies:
                return None
            return any(self.clear(cval, cname, 8) for cname, cval in cookies)
        if low in S.IDENTIFYING_HEADERS:
            return self.clear(value, name, 4)
        a, b, scheme = S.credential_span(value)
        cred = value[a:b]
        if scheme.lower() == "basic":
            decoded = S.decode_basic(cred)
            if decoded is not None:
                _user, sep, pw = decoded.partition(":")
                return bool(S.scan_tokens(decoded)) or bool(sep and pw and self.clear(pw, name, 1)
                                                              and not S.is_placeholder(decoded))
        return self.clear(cred, name, 8)


def _credential_header(name: str) -> bool:
    low = name.lower()
    return low in S.COOKIE_HEADERS or low in S.IDENTIFYING_HEADERS or S.sensitive_header(name)


def _json_credentials(value, depth: int = 0) -> Iterator[tuple[str, str]]:
    """``(key, string value)`` of every credential key of a parsed JSON body."""
    if depth > _MAX_JSON_DEPTH:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and isinstance(v, str) and S.norm_key(k) in S.CREDENTIAL_JSON_KEYS:
                yield k, v
            elif isinstance(v, (dict, list)):
                yield from _json_credentials(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            yield from _json_credentials(v, depth + 1)


def _params(text: str) -> Iterator[tuple[str, str]]:
    """``(name, decoded value)`` of the credential parameters of a query string or form body."""
    for part in text.split("&"):
        name, sep, value = part.partition("=")
        name = S._unquote_plus(name)
        if sep and S.norm_key(name) in S.CREDENTIAL_PARAMS:
            yield name, S._unquote_plus(value)


def inventory(cassette, path: str, cov: Coverage, judge: _Judge) -> None:
    """Note every credential-bearing place of ``cassette`` in ``cov``."""
    for it in cassette.interactions:
        for side in ("request", "response"):
            msg = getattr(it, side, None)
            if msg is None:
                continue
            for hdrs in (msg.headers, msg.trailer):
                if hdrs is None:
                    continue
                for name, vals in hdrs:
                    if not _credential_header(name):
                        continue
                    for v in vals:
                        value = v.value
                        if isinstance(value, bytes):
                            value = bytes(value).decode("latin-1")
                        verdict = judge.header(name, value) if isinstance(value, str) else None
                        if verdict is not None:
                            cov.note(path, f"{side} header", name, verdict)
            if side == "request":
                url = msg.url.value if msg.url is not None else None
                if isinstance(url, str) and "?" in url:
                    query = url.split("?", 1)[1].split("#", 1)[0]
                    for name, value in _params(query):
                        cov.note(path, "query parameter", name, judge.clear(value, name))
                if msg.form is not None:
                    for name, vals in msg.form:
                        if S.norm_key(name) in S.CREDENTIAL_PARAMS:
                            for v in vals:
                                if isinstance(v.value, str):
                                    cov.note(path, "form field", name, judge.clear(v.value, name))
            body = msg.body
            if body is None or body.text is None:
                continue
            text = body.text
            if side == "request" and msg.content_type == "multipart/form-data":
                for name, a, b in D.multipart_fields(text, msg.headers.value("Content-Type", "") or ""):
                    if S.norm_key(name) in S.CREDENTIAL_PARAMS:
                        cov.note(path, "form field", name, judge.clear(text[a:b], name))
                continue
            if side == "request" and msg.content_type == "application/x-www-form-urlencoded":
                for name, value in _params(text):
                    cov.note(path, "form field", name, judge.clear(value, name))
                continue
            if not text.lstrip().startswith(("{", "[")):
                continue
            data, err = body.json
            if err is None:
                for key, value in _json_credentials(data):
                    cov.note(path, f"{side} JSON key", key, judge.clear(value, key))


def collect(paths, settings: dict | None = None, exclude=None, cassette_format: str | None = None,
            max_file_size: int | None = None) -> Coverage:
    """Read every cassette under ``paths`` (the files ``check`` would read) and note its places.

    The steps are the pipeline's (read, load, detect the format, build the model); a file that does
    not load or is not a cassette is left out (``check`` reports it)."""
    from . import discovery, formats, loader, reader
    from .options import DEFAULT_MAX_FILE_SIZE

    cov = Coverage()
    judge = _Judge(settings)
    for t in discovery.discover(paths, exclude=exclude):
        if t.error is not None:
            continue
        data, problem, _code = reader.read_file(t.path, max_file_size or DEFAULT_MAX_FILE_SIZE)
        if problem is not None or data is None:
            continue
        loaded = loader.load(t.path, data)
        doc = loaded.document
        if doc is None or not isinstance(doc.data, dict):
            continue
        adapter = formats.detect(doc.data, cassette_format)
        if adapter is None:
            continue
        try:
            cassette = adapter.build(doc, t.path)
        except Exception:  # a model the adapter cannot build: check reports it, the report skips it
            continue
        cov.cassettes += 1
        cov.formats[adapter.FORMAT] = cov.formats.get(adapter.FORMAT, 0) + 1
        inventory(cassette, t.path, cov, judge)
    return cov


# -- recorder configuration -------------------------------------------------------------------------

RECORDERS = ("vcrpy", "go-vcr", "ruby-vcr")


def recorders_for(cov: Coverage) -> list[str]:
    """The recorders whose cassettes were read (vcrpy when none was)."""
    out = []
    for fmt in cov.formats:
        r = "go-vcr" if fmt.startswith("go-vcr") else fmt
        if r in RECORDERS and r not in out:
            out.append(r)
    return sorted(out, key=RECORDERS.index) or ["vcrpy"]


def _py_list(names: list[str], item=repr) -> str:
    return "[" + ", ".join(item(n) for n in names) + "]"


def vcrpy_config(cov: Coverage, placeholder: str) -> str:
    req_headers = [n.lower() for n in cov.names("request header")]
    resp_headers = [n.lower() for n in cov.names("response header")]
    query = cov.names("query parameter")
    post = cov.names("form field", "request JSON key")
    resp_keys = cov.names("response JSON key")
    ph = repr(placeholder)
    lines = ["import json", "", "import vcr", ""]
    if resp_headers or resp_keys:
        lines += [
            "def _scrub_response(response):",
            "    # vcrpy's filters only see requests: response headers and JSON keys are scrubbed here",
            f"    for key in list(response[\"headers\"]):",
            f"        if key.lower() in {_py_list(resp_headers)}:",
            f"            response[\"headers\"][key] = [{ph}]",
        ]
        if resp_keys:
            lines += [
                "    body = response.get(\"body\", {}).get(\"string\")",
                "    try:",
                "        data = json.loads(body)",
                "    except (TypeError, ValueError):",
                "        return response",
                "",
                "    def scrub(value):",
                "        if isinstance(value, dict):",
                f"            return {{k: {ph} if k in {_py_list(resp_keys)} and isinstance(v, str) else scrub(v)",
                "                    for k, v in value.items()}",
                "        if isinstance(value, list):",
                "            return [scrub(v) for v in value]",
                "        return value",
                "",
                "    text = json.dumps(scrub(data))",
                "    response[\"body\"][\"string\"] = text.encode() if isinstance(body, bytes) else text",
            ]
        lines += ["    return response", "", ""]
    if post:
        lines.append("# filter_post_data_parameters also replaces top-level keys of application/json request bodies")
    lines.append("my_vcr = vcr.VCR(")
    if req_headers:
        lines.append(f"    filter_headers={_py_list(req_headers, lambda n: f'({n!r}, {ph})')},")
    if query:
        lines.append(f"    filter_query_parameters={_py_list(query, lambda n: f'({n!r}, {ph})')},")
    if post:
        lines.append(f"    filter_post_data_parameters={_py_list(post, lambda n: f'({n!r}, {ph})')},")
    if resp_headers or resp_keys:
        lines.append("    before_record_response=_scrub_response,")
    lines.append(")")
    return "\n".join(lines)


def _go_list(names: list[str]) -> str:
    return "[]string{" + ", ".join('"' + n.replace("\\", "\\\\").replace('"', '\\"') + '"' for n in names) + "}"


def govcr_config(cov: Coverage, placeholder: str) -> str:
    req_headers = cov.names("request header")
    resp_headers = cov.names("response header")
    query = cov.names("query parameter")
    form = cov.names("form field")
    keys = cov.names("request JSON key", "response JSON key")
    ph = '"' + placeholder + '"'
    out = ["// imports: encoding/json, net/url, and go-vcr's cassette and recorder packages",
           "redact := func(i *cassette.Interaction) error {"]
    if req_headers:
        out += [f"\tfor _, h := range {_go_list(req_headers)} {{",
                f"\t\tif i.Request.Headers.Get(h) != \"\" {{", f"\t\t\ti.Request.Headers.Set(h, {ph})", "\t\t}", "\t}"]
    if resp_headers:
        out += [f"\tfor _, h := range {_go_list(resp_headers)} {{",
                f"\t\tif i.Response.Headers.Get(h) != \"\" {{", f"\t\t\ti.Response.Headers.Set(h, {ph})", "\t\t}", "\t}"]
    if query:
        out += ["\tif u, err := url.Parse(i.Request.URL); err == nil {", "\t\tq := u.Query()",
                f"\t\tfor _, p := range {_go_list(query)} {{",
                f"\t\t\tif q.Has(p) {{", f"\t\t\t\tq.Set(p, {ph})", "\t\t\t}", "\t\t}",
                "\t\tu.RawQuery = q.Encode()", "\t\ti.Request.URL = u.String()", "\t}"]
    if form:
        out += [f"\tfor _, p := range {_go_list(form)} {{",
                f"\t\tif i.Request.Form.Has(p) {{", f"\t\t\ti.Request.Form.Set(p, {ph})", "\t\t}", "\t}"]
    if keys:
        out += ["\t// top-level JSON keys of the bodies, and the length each body then has",
                "\tbodies := []struct {", "\t\ttext   *string", "\t\tlength *int64",
                "\t}{{&i.Request.Body, &i.Request.ContentLength}, {&i.Response.Body, &i.Response.ContentLength}}",
                "\tfor _, b := range bodies {", "\t\tbody := b.text",
                "\t\tvar doc map[string]any",
                "\t\tif json.Unmarshal([]byte(*body), &doc) != nil {", "\t\t\tcontinue", "\t\t}",
                "\t\tchanged := false",
                f"\t\tfor _, k := range {_go_list(keys)} {{",
                "\t\t\tif _, ok := doc[k].(string); ok {", f"\t\t\t\tdoc[k] = {ph}", "\t\t\t\tchanged = true", "\t\t\t}",
                "\t\t}",
                "\t\tif changed {", "\t\t\tif out, err := json.Marshal(doc); err == nil {", "\t\t\t\t*body = string(out)",
                "\t\t\t\tif *b.length >= 0 {", "\t\t\t\t\t*b.length = int64(len(out))", "\t\t\t\t}",
                "\t\t\t}", "\t\t}", "\t}"]
    out += ["\treturn nil", "}",
            "r.AddHook(redact, recorder.BeforeSaveHook)",
            "// go-vcr v4: recorder.New(name, recorder.WithHook(redact, recorder.BeforeSaveHook)); v2: r.AddSaveFilter(redact)"]
    return "\n".join(out)


def _rb(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("#", "\\#") + '"'


def ruby_vcr_config(cov: Coverage, placeholder: str) -> str:
    out = ["require \"json\"", "", "VCR.configure do |c|"]

    def tag(kind: str, name: str) -> str:
        import re

        return _rb("<" + re.sub(r"[^A-Z0-9]+", "_", f"{kind} {name}".upper()).strip("_") + ">")

    for side in ("request", "response"):
        for name in cov.names(f"{side} header"):
            out.append(f"  c.filter_sensitive_data({tag(side, name)}) {{ |i| i.{side}.headers[{_rb(name)}]&.first }}")
    for name in cov.names("query parameter"):
        out.append(f"  c.filter_sensitive_data({tag('query', name)}) do |i|")
        out.append(f"    URI.decode_www_form(URI(i.request.uri).query.to_s).to_h[{_rb(name)}]")
        out.append("  end")
    for name in cov.names("form field"):
        out.append(f"  c.filter_sensitive_data({tag('form', name)}) do |i|")
        out.append(f"    URI.decode_www_form(i.request.body.to_s).to_h[{_rb(name)}] rescue nil")
        out.append("  end")
    for side in ("request", "response"):
        for name in cov.names(f"{side} JSON key"):
            out.append(f"  c.filter_sensitive_data({tag(side, name)}) do |i|")
            out.append(f"    (JSON.parse(i.{side}.body)[{_rb(name)}] rescue nil)")
            out.append("  end")
    out.append("end")
    return "\n".join(out)


CONFIGS = {"vcrpy": vcrpy_config, "go-vcr": govcr_config, "ruby-vcr": ruby_vcr_config}


# -- rendering --------------------------------------------------------------------------------------

def render(cov: Coverage, recorders: list[str] | None = None, placeholder: str = S.DEFAULT_PLACEHOLDER) -> str:
    """The report as text: the table, then the recorder configuration for ``recorders``."""
    fmts = ", ".join(f"{k} {v}" for k, v in sorted(cov.formats.items()))
    out = [f"Redaction coverage: {cov.cassettes} cassette{'' if cov.cassettes == 1 else 's'}"
           + (f" ({fmts})" if fmts else "")]
    places = cov.sorted_places()
    if not places:
        out.append("No credential-bearing header, query parameter, form field or JSON key found.")
        return "\n".join(out) + "\n"
    wk = max(len("place"), *(len(p.kind) for p in places))
    wn = max(len("name"), *(min(len(p.name), 40) for p in places))
    out += ["", f"  {'place':<{wk}}  {'name':<{wn}}  {'redacted':>8}  {'in clear':>8}"]
    for p in places:
        d = p.as_dict()
        out.append(f"  {p.kind:<{wk}}  {p.name[:40]:<{wn}}  {d['redacted']:>8}  {d['in_clear']:>8}")
    clear = sum(1 for p in places if p.clear)
    out += ["", f"{clear} of {len(places)} place{'' if len(places) == 1 else 's'} held in clear by at least one "
                "cassette (counts are cassettes; a cassette with one clear value counts as in clear)."]
    for r in recorders or recorders_for(cov):
        out += ["", f"{r}: filter every place above when recording (paste as is):", "",
                CONFIGS[r](cov, placeholder)]
    return "\n".join(out) + "\n"


def as_json(cov: Coverage) -> dict:
    return {"cassettes": cov.cassettes, "formats": dict(cov.formats),
            "places": [p.as_dict() for p in cov.sorted_places()]}


def command(paths, recorders, output_format: str, config_file: str | None, isolated: bool) -> str:
    """``cassette-lint secrets``: the report for ``paths`` with the configuration's secrets settings
    and exclusions; raises :class:`cassette_lint.config.ConfigError` for a bad configuration."""
    import json

    from . import config

    cfg = config.resolve(config_file, isolated)
    custom_exclude = cfg.exclude != config.DEFAULT_EXCLUDE or cfg.extend_exclude
    settings = cfg.settings.get("secrets", {})
    cov = collect(paths or (".",), settings, exclude=cfg.excluded if custom_exclude else None)
    if output_format == "json":
        return json.dumps(as_json(cov), indent=2) + "\n"
    return render(cov, list(recorders) or None, S.placeholder_of(settings))
