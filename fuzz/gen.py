"""Input generators and the crash oracle shared by ``fuzz/run.py`` and ``tests/test_fuzz_properties.py``.

Everything is driven by a ``random.Random`` so that a run is reproducible from its seed (and so that
hypothesis can drive it with ``st.randoms()`` and shrink it).  Three kinds of input:

* :func:`cassette` — a schema-valid-ish but strange cassette of one of the known formats (go-vcr v2
  and v1, vcrpy, Ruby VCR): empty interactions, null bodies, huge or negative lengths and codes,
  headers with empty lists, SSE streams of only comments, broken tool-call fragments, binary bodies,
  CR/LF/NUL in bodies … written by :func:`emit` with random YAML scalar styles (or as JSON).
* :func:`mutate` — byte-level damage to any input: YAML-significant insertions, bit flips, line
  deletion/duplication, splices, truncation, encodings, line endings.
* raw random bytes.

:func:`oracle` runs the real engine (and the fixer) on one file and returns what went wrong: an
exception escaping ``check_file``, an ``X001`` internal error, a finding outside the file, an unknown
rule code, a fix that fails to apply or makes the linter crash on the fixed file.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import traceback

# -- values ------------------------------------------------------------------------------------------

_WORDS = ["", " ", "x", "null", "~", "true", "0x1F", "1e3", "-", "- x", "a: b", "#", "'", '"', "\\", "&a",
          "*a", "!!binary", "---", "...", "|", ">", "?", "{", "[", "é", "รก", "日本", "\U0001f600", "\u2028",
          "\ufeff", "\t", "\r", "\r\n", "\x00", "\x85", "  lead", "trail  ", "%TAG", "@", "`"]


def text(r: random.Random, max_len: int = 40) -> str:
    k = r.randrange(6)
    if k == 0:
        return r.choice(_WORDS)
    if k == 1:
        return "".join(r.choice(_WORDS) for _ in range(r.randrange(1, 6)))
    if k == 2:
        return "".join(chr(r.randrange(32, 127)) for _ in range(r.randrange(max_len)))
    if k == 3:
        return "".join(chr(r.choice([r.randrange(0x20, 0x7f), r.randrange(0xa0, 0x3000),
                                     r.randrange(0x1f300, 0x1f600), 0x0a, 0x09]))
                       for _ in range(r.randrange(max_len)))
    if k == 4:
        return "x" * r.choice([0, 1, 1023, 1024, 1025, 5000])
    return r.choice(["gpt-4o", "application/json", "text/event-stream", "chunked", "HTTP/1.1", "200 OK"])


def number(r: random.Random):
    return r.choice([0, 1, -1, -2, 200, 204, 304, 429, 500, 999, 10**12, -10**12, 10**30, 2**63, 2**63 - 1,
                     r.randrange(-1000, 100000), 1.5, float("inf"), float("nan"), None, "12", "", True])


def json_value(r: random.Random, depth: int = 0):
    k = r.randrange(7 if depth < 4 else 4)
    if k == 0:
        return text(r)
    if k == 1:
        return r.choice([0, -1, 1.25, 10**20, True, False, None])
    if k == 2:
        return ""
    if k == 3:
        return text(r, 8)
    if k == 4:
        return [json_value(r, depth + 1) for _ in range(r.randrange(4))]
    return {text(r, 8): json_value(r, depth + 1) for _ in range(r.randrange(4))}


def _chunk(r: random.Random, i: int) -> str:
    kind = r.randrange(6)
    if kind == 0:  # OpenAI chat chunk
        delta: dict = {"content": text(r)} if r.random() < 0.7 else {}
        if r.random() < 0.3:
            delta["tool_calls"] = [{"index": r.choice([0, 0, 1, -1, None]), "id": r.choice(["call_1", None, ""]),
                                    "type": "function",
                                    "function": {"name": r.choice(["get", "", None]),
                                                 "arguments": r.choice(['{"a"', ': 1}', "", "}", '{"x": [', text(r)])}}]
        obj = {"id": "c", "object": "chat.completion.chunk", "choices": [
            {"index": 0, "delta": delta, "finish_reason": r.choice([None, None, "stop", "tool_calls", "length"])}]}
        if r.random() < 0.2:
            obj["choices"] = r.choice([[], None, "x", [None]])
        return "data: " + json.dumps(obj, ensure_ascii=r.random() < 0.5)
    if kind == 1:  # Anthropic
        ev = r.choice(["message_start", "content_block_start", "content_block_delta", "content_block_stop",
                       "message_delta", "message_stop", "ping", "error"])
        payload = {"type": ev, "index": r.choice([0, 1, None]),
                   "delta": r.choice([{"type": "text_delta", "text": text(r)},
                                      {"type": "input_json_delta", "partial_json": r.choice(['{"a', '": 1}', ""])},
                                      {"stop_reason": r.choice(["end_turn", "tool_use", None])}, None])}
        return f"event: {ev}\ndata: " + json.dumps(payload)
    if kind == 2:
        return r.choice([":", ": keep-alive", ":" + text(r), "retry: 100", "id: 7", "event:", "data:",
                         "data", "field-without-colon", "data: [DONE]", "data:  [DONE] ", "data: {", "\ufeffdata: 1"])
    if kind == 3:  # Responses API
        return f"event: response.output_text.delta\ndata: " + json.dumps(
            {"type": r.choice(["response.output_text.delta", "response.completed", "response.created", "error"]),
             "sequence_number": r.choice([i, i, 0, -1, None]), "delta": text(r)})
    if kind == 4:
        return "data: " + json.dumps(json_value(r))
    return "data: " + text(r)


def sse(r: random.Random) -> str:
    k = r.randrange(5)
    if k == 0:  # only comments
        return "".join(f":{text(r, 10)}\n\n" for _ in range(r.randrange(1, 5)))
    events = [_chunk(r, i) for i in range(r.randrange(0, 12))]
    sep = r.choice(["\n\n", "\n\n", "\r\n\r\n", "\r\r", "\n"])
    out = sep.join(events)
    if r.random() < 0.6:
        out += sep + "data: [DONE]"
    return out + r.choice([sep, "\n", "", sep + sep])


def body(r: random.Random):
    k = r.randrange(9)
    if k == 0:
        return None
    if k == 1:
        return ""
    if k == 2:
        return sse(r)
    if k == 3:
        return json.dumps(json_value(r), ensure_ascii=r.random() < 0.5)
    if k == 4:
        return bytes(r.randrange(256) for _ in range(r.randrange(40)))
    if k == 5:
        return json.dumps({"model": "m", "messages": [{"role": "user", "content": text(r)}], "stream": True,
                           "tools": [{"type": "function", "function": {"name": "f", "parameters": json_value(r)}}]})
    if k == 6:
        return "key=" + r.choice(["sk-" + "A" * 48, "AKIA" + "B" * 16, "ghp_" + "c" * 36, text(r)])
    return text(r, 200)


def headers(r: random.Random, b, go: bool = True) -> dict:
    h: dict = {}
    for _ in range(r.randrange(5)):
        name = r.choice(["Content-Type", "Content-Length", "Authorization", "Set-Cookie", "X-Api-Key",
                         "Content-Encoding", "Transfer-Encoding", "openai-organization", "Cookie", text(r, 10)])
        vals = r.choice([[], [text(r)], [r.choice(["application/json", "text/event-stream", "gzip", "chunked"])],
                         ["Bearer sk-proj-" + "x" * 40], [str(number(r))], [None], [text(r), text(r)]])
        h[name] = vals if go or r.random() < 0.8 else (vals[0] if vals else None)
    if r.random() < 0.3 and isinstance(b, str):
        h["Content-Length"] = [str(len(b.encode("utf-8", "surrogatepass")) + r.choice([0, 0, 1, -1]))]
    return r.choice([h, h, h, {}, None]) if r.random() < 0.9 else r.choice([[], "x", 3])


def _length(r: random.Random, b):
    if isinstance(b, (str, bytes)) and r.random() < 0.6:
        n = len(b.encode("utf-8", "surrogatepass")) if isinstance(b, str) else len(b)
        return n + r.choice([0, 0, 0, 1, -1])
    return number(r)


def govcr_v2(r: random.Random) -> dict:
    items = []
    for i in range(r.choice([0, 1, 1, 2, 3, 5])):
        qb, pb = body(r), body(r)
        req = {"proto": "HTTP/1.1", "proto_major": 1, "proto_minor": 1, "content_length": _length(r, qb),
               "transfer_encoding": r.choice([[], ["chunked"], None]), "trailer": r.choice([{}, None]),
               "host": r.choice(["", "api.openai.com"]), "remote_addr": "", "request_uri": "",
               "body": qb, "form": r.choice([{}, {"k": ["v"]}, {"k": []}]), "headers": headers(r, qb),
               "url": r.choice(["https://api.openai.com/v1/chat/completions", "", "http://x/?key=AIza" + "d" * 35,
                                "https://user:pass@example.com/", text(r)]),
               "method": r.choice(["GET", "POST", "HEAD", "", "DELETE", text(r, 5)])}
        resp = {"proto": "HTTP/2.0", "proto_major": 2, "proto_minor": 0,
                "transfer_encoding": r.choice([[], ["chunked"]]), "trailer": {},
                "content_length": _length(r, pb), "uncompressed": r.choice([True, False, None]),
                "body": pb, "headers": headers(r, pb), "status": r.choice(["200 OK", "", "429 Too Many Requests"]),
                "code": number(r), "duration": r.choice(["1.5s", "", "-1ms", 3, None])}
        it = {"id": r.choice([i, i, 0, -1, None]), "request": req, "response": resp}
        for m in (req, resp, it):
            for k in list(m):
                if r.random() < 0.08:
                    del m[k]
        items.append(it)
    return {"version": 2, "interactions": items}


def govcr_v1(r: random.Random) -> dict:
    items = []
    for _ in range(r.choice([1, 1, 2])):
        qb, pb = body(r), body(r)
        items.append({"request": {"body": qb if not isinstance(qb, bytes) else "", "form": {}, "headers": headers(r, qb),
                                  "url": "https://api.example.com/v1/x", "method": "POST"},
                      "response": {"body": pb if not isinstance(pb, bytes) else "", "headers": headers(r, pb),
                                   "status": "200 OK", "code": number(r), "duration": ""}})
    return {"version": 1, "interactions": items}


def vcrpy(r: random.Random) -> dict:
    items = []
    for _ in range(r.choice([0, 1, 1, 2, 3])):
        qb, pb = body(r), body(r)
        items.append({"request": {"body": qb, "headers": headers(r, qb, go=False), "method": r.choice(["GET", "POST"]),
                                  "uri": r.choice(["https://api.anthropic.com/v1/messages", "", text(r)])},
                      "response": {"body": r.choice([{"string": pb}, {"string": None}, {}, pb]),
                                   "headers": headers(r, pb, go=False),
                                   "status": r.choice([{"code": number(r), "message": "OK"}, {}, None])}})
    return {"version": r.choice([1, 1, None]), "interactions": items}


def ruby_vcr(r: random.Random) -> dict:
    items = []
    for _ in range(r.choice([0, 1, 2])):
        qb, pb = body(r), body(r)
        items.append({"request": {"method": r.choice(["get", "post", ""]), "uri": "https://example.com/",
                                  "body": {"encoding": r.choice(["UTF-8", "ASCII-8BIT", "", None]), "string": qb},
                                  "headers": headers(r, qb, go=False)},
                      "response": {"status": {"code": number(r), "message": text(r, 8)},
                                   "headers": headers(r, pb, go=False),
                                   "body": r.choice([{"encoding": "UTF-8", "string": pb},
                                                     {"encoding": "ASCII-8BIT", "base64_string": base64.b64encode(
                                                         pb if isinstance(pb, bytes) else b"x").decode()}, {}]),
                                   "http_version": r.choice(["1.1", None])},
                      "recorded_at": r.choice(["Mon, 01 Jan 2024 00:00:00 GMT", "", None])})
    return {"http_interactions": items, "recorded_with": "VCR 6.2.0"}


FORMATS = [govcr_v2, govcr_v2, govcr_v2, govcr_v1, vcrpy, ruby_vcr]


# -- emitting ----------------------------------------------------------------------------------------

_PLAIN_OK = re.compile(r"[A-Za-z][A-Za-z0-9_./ -]*[A-Za-z0-9_./]\Z|[A-Za-z]\Z")
_PRINTABLE = re.compile(r"[\x20-\x7e\u00a0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff\n]*\Z")


def _dq(s: str) -> str:
    out = ['"']
    for c in s:
        o = ord(c)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif o < 0x20 or o == 0x7f or 0x80 <= o < 0xa0 or 0xd800 <= o < 0xe000 or o in (0xfeff, 0x2028, 0x2029):
            out.append(f"\\u{o:04x}" if o <= 0xffff else f"\\U{o:08x}")
        else:
            out.append(c)
    return "".join(out) + '"'


def scalar(r: random.Random, v, indent: int) -> str:
    """A YAML scalar for ``v`` in a random style that still means ``v``."""
    if v is None:
        return r.choice(["null", "~", "", "Null"])
    if isinstance(v, bool):
        return r.choice(["true", "True"]) if v else r.choice(["false", "FALSE"])
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return ".nan" if v != v else (".inf" if v == float("inf") else "-.inf" if v == float("-inf") else repr(v))
    if isinstance(v, bytes):
        b64 = base64.b64encode(v).decode()
        return "!!binary " + (b64 if r.random() < 0.7 else "|\n" + "\n".join(
            " " * (indent + 2) + b64[i:i + 60] for i in range(0, len(b64), 60)))
    s = str(v)
    styles = ["dq"]
    if _PLAIN_OK.match(s) and s not in ("null", "true", "false", "y", "n", "yes", "no", "on", "off"):
        styles += ["plain", "plain"]
    if _PRINTABLE.match(s) and "\n" not in s and not s.startswith(" ") and not s.endswith(" "):
        styles.append("sq")
    if (_PRINTABLE.match(s) and "\n" in s and s.strip("\n") and not s.startswith("\n")
            and not any(ln.endswith(" ") or ln.startswith(" ") for ln in s.split("\n"))):
        styles += ["block", "block"]
    st = r.choice(styles)
    if st == "plain":
        return s
    if st == "sq":
        return "'" + s.replace("'", "''") + "'"
    if st == "block":
        trailing = len(s) - len(s.rstrip("\n"))
        chomp = "-" if trailing == 0 else ("" if trailing == 1 else "+")
        lines = s.rstrip("\n").split("\n") + [""] * (trailing - 1 if trailing > 1 else 0)
        pad = " " * (indent + 2)
        return f"|{chomp}\n" + "\n".join(pad + ln if ln else "" for ln in lines)
    return _dq(s)


def emit(r: random.Random, v, indent: int = 0) -> str:
    """YAML text (block style, random scalar styles) for plain data ``v``."""
    pad = " " * indent
    if isinstance(v, dict):
        if not v:
            return pad + "{}\n"
        out = []
        for k, val in v.items():
            key = scalar(r, k, indent) if not isinstance(k, str) or _PLAIN_OK.match(k) else _dq(k)
            if isinstance(val, (dict, list)) and val:
                seq_indent = indent if isinstance(val, list) and r.random() < 0.5 else indent + 2
                out.append(f"{pad}{key}:\n" + emit(r, val, seq_indent))
            elif isinstance(val, (dict, list)):
                out.append(f"{pad}{key}: {'{}' if isinstance(val, dict) else '[]'}\n")
            else:
                out.append(f"{pad}{key}: {scalar(r, val, indent)}".rstrip(" ") + "\n")
        return "".join(out)
    if isinstance(v, list):
        if not v:
            return pad + "[]\n"
        out = []
        for item in v:
            if isinstance(item, (dict, list)) and item:
                inner = emit(r, item, indent + 2)
                out.append(f"{pad}- " + inner[indent + 2:])
            else:
                out.append(f"{pad}- " + (scalar(r, item, indent + 2) if not isinstance(item, (dict, list))
                                         else ("{}" if isinstance(item, dict) else "[]")) + "\n")
        return "".join(out)
    return pad + scalar(r, v, indent) + "\n"


def _json_safe(v):
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if isinstance(v, dict):
        return {str(k): _json_safe(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_safe(x) for x in v]
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return None
    return v


def cassette(r: random.Random) -> tuple[bytes, str]:
    """(file bytes, suffix) of a strange cassette."""
    data = r.choice(FORMATS)(r)
    if r.random() < 0.1:
        return json.dumps(_json_safe(data), indent=r.choice([None, 2])).encode(), ".json"
    head = r.choice(["", "---\n", "# recorded\n", "%YAML 1.1\n---\n"])
    return (head + emit(r, data)).encode("utf-8", "surrogatepass"), r.choice([".yaml", ".yaml", ".yml"])


# -- mutating ----------------------------------------------------------------------------------------

_INSERTS = [b":", b": ", b"- ", b"[", b"]", b"{", b"}", b'"', b"'", b"|", b"|+\n", b">", b"&a ", b"*a", b"!!binary ",
            b"!!python/object/apply:os.system ['true']", b"\t", b"\r", b"\r\n", b"\n", b"\x00", b"\xff", b"\xc3",
            b"---\n", b"...\n", b"#", b"? ", b"<<: ", b"%", b"@", b"\xef\xbb\xbf", b"\\", b"\\u", b"data: [DONE]\n\n",
            b"\n\n", b"data: ", b"event: x\n", b" " * 50]


def mutate(r: random.Random, data: bytes, others: list[bytes] | None = None) -> bytes:
    b = bytearray(data)
    for _ in range(r.choice([1, 1, 2, 3, 8])):
        k = r.randrange(10)
        n = len(b)
        p = r.randrange(n + 1)
        if k == 0 and n:
            b[min(p, n - 1)] ^= 1 << r.randrange(8)
        elif k in (1, 2):
            b[p:p] = r.choice(_INSERTS)
        elif k == 3 and n:
            del b[p:p + r.randrange(1, 20)]
        elif k == 4:  # duplicate or drop a line
            lines = bytes(b).split(b"\n")
            i = r.randrange(len(lines))
            if r.random() < 0.5:
                lines.insert(i, lines[i])
            else:
                del lines[i]
            b = bytearray(b"\n".join(lines))
        elif k == 5 and others:
            o = r.choice(others)
            q = r.randrange(len(o) + 1)
            b[p:p] = o[q:q + r.randrange(1, 400)]
        elif k == 6:
            b = b[:p]
        elif k == 7:
            b = bytearray(bytes(b).replace(b"\n", r.choice([b"\r\n", b"\r", b"\n\n"])))
        elif k == 8:  # change an indentation
            lines = bytes(b).split(b"\n")
            i = r.randrange(len(lines))
            lines[i] = b" " * r.randrange(8) + lines[i].lstrip(b" ")
            b = bytearray(b"\n".join(lines))
        else:
            b[p:p] = bytes(r.randrange(256) for _ in range(r.randrange(1, 8)))
    out = bytes(b)
    if r.random() < 0.05:
        try:
            out = out.decode("utf-8").encode(r.choice(["utf-16", "utf-32", "utf-8-sig"]))
        except UnicodeError:
            pass
    return out


def random_bytes(r: random.Random) -> bytes:
    return bytes(r.randrange(256) for _ in range(r.randrange(0, 300)))


def generate(r: random.Random, seeds: list[bytes]) -> tuple[bytes, str]:
    """One input of any kind."""
    k = r.random()
    if k < 0.45:
        return cassette(r)
    if k < 0.75:
        data, suffix = cassette(r)
        return mutate(r, data, seeds), suffix
    if k < 0.95 and seeds:
        return mutate(r, r.choice(seeds), seeds), ".yaml"
    return random_bytes(r), r.choice([".yaml", ".json"])


# -- the oracle --------------------------------------------------------------------------------------

def _result_view(r) -> tuple:
    """What a result shows (the leaked value itself, never written to the cache, left out)."""
    return (r.path, r.format, r.skipped, r.digest, r.profile,
            [(f.to_dict(), f.value_hash, f.fix, f.severity) for f in r.findings])


def through_cache(path: str, direct) -> list[str]:
    """Check ``path`` through the results cache, cold then warm: both must give ``direct``'s result,
    the warm one from the cache, with no note (the cache is never damaged by what it stores)."""
    import shutil
    import tempfile

    from cassette_lint import cache, discovery, reader, run
    from cassette_lint.options import Options

    bad: list[str] = []
    d = tempfile.mkdtemp(prefix="fuzz-cache-")
    try:
        for attempt in ("cold", "warm"):
            c = cache.Cache(d, note=lambda text: bad.append(f"cache ({attempt}) note: {text}"))
            (got,) = run.check([discovery.Target(path, True)], Options(), cache=c)
            c.save()
            # a file the reader refuses (unreadable, too large, broken gzip) has no key: checked again
            unread = reader.read_file(path, Options().max_file_size)[1] is not None
            if attempt == "warm" and c.hits != 1 and not unread:
                bad.append("warm run: the result did not come from the cache")
            if _result_view(got) != _result_view(direct):
                bad.append(f"through the cache ({attempt}) the result differs: {_result_view(got)!r} "
                           f"!= {_result_view(direct)!r}"[:2000])
    except BaseException as e:
        bad.append(f"the cache raised {type(e).__name__}: {e}\n{traceback.format_exc()}")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return bad


def oracle(path: str, fix: bool = True) -> list[str]:
    """Check one file with every rule (and its safe fixes); return descriptions of what went wrong."""
    from cassette_lint import discovery, fixer, loader, pipeline, rules

    from cassette_lint.options import Options
    bad: list[str] = []
    known = {r.code for r in rules.all_rules()}
    try:
        res = pipeline.check_file(discovery.Target(path, True), Options())
    except BaseException as e:  # check_file must never raise
        return [f"check_file raised {type(e).__name__}: {e}\n{traceback.format_exc()}"]
    data = open(path, "rb").read()
    text, _ = loader.decode(path, data)
    if text is None:  # undecodable: count line breaks in the bytes (findings point at the bad byte)
        nlines = data.count(b"\n") + data.count(b"\r") + 2
    else:
        nlines = text.count("\n") + text.count("\r") + 2
    for f in res.findings:
        if f.rule == "X001":
            bad.append(f"X001 {f.message}")
        if f.rule not in known:
            bad.append(f"unknown rule code {f.rule}")
        if not (1 <= f.line <= nlines) or f.column < 1:
            bad.append(f"{f.rule} at {f.line}:{f.column} outside the file ({nlines - 2} lines)")
    bad += through_cache(path, res)
    if fix:
        fixes = fixer.safe_fixes(res.findings)
        if fixes:
            try:
                new, applied = fixer.apply_fixes(data, fixes)
            except fixer.FixError as e:
                bad.append(f"fix does not apply: {e}")
                return bad
            fixed_path = path + ".fixed" + os.path.splitext(path)[1]
            with open(fixed_path, "wb") as fh:
                fh.write(new)
            try:
                after = pipeline.check_file(discovery.Target(fixed_path, True), Options())
                bad += [f"after fix: X001 {f.message}" for f in after.findings if f.rule == "X001"]
                if after.findings and any(f.rule.startswith("Y") for f in after.findings) and not any(
                        f.rule.startswith("Y") for f in res.findings):
                    bad.append("fix broke the YAML: " + "; ".join(f"{f.rule} {f.message}" for f in after.findings
                                                                  if f.rule.startswith("Y")))
            finally:
                os.unlink(fixed_path)
    return bad
