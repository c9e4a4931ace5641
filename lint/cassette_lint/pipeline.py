"""The per-file pipeline: read → load (YAML with positions) → detect format → build the model →
schema + rules → findings.  ``check_file`` never raises and never prints.
"""

from __future__ import annotations

import gc
import os

from . import reader, replay, rules, suppress
from .compression import inner_name
from .discovery import Target
from .findings import Finding, Problem
from .options import Options
from .records import Record
from .replay import Profile
from .source import Pos


class FileResult(Record):
    __slots__ = ("path", "findings", "format", "skipped", "digest", "profile", "source", "directives")

    def __init__(self, path: str, findings: list[Finding], format: str | None = None, skipped: str | None = None,
                 digest: str | None = None, profile: Profile | None = None, source: bytes | None = None,
                 directives: bool = False):
        self.path = path
        self.findings = findings
        self.format = format
        #: why the file was not checked as a cassette ("not-a-cassette" for silently skipped YAML)
        self.skipped = skipped
        #: sha256 of the bytes that were checked: ``--fix`` applies byte edits only to these same bytes
        self.digest = digest
        #: the library profile that judged the file (:mod:`cassette_lint.replay`), None when no cassette
        self.profile = profile
        #: the hash of the bytes checked (16 bytes), then their stat signature (when not modified
        #: too recently to trust it), when ``options.record_source``: the cache's key of this result
        #: (None when the file could not be read); one bytes object, cheap to send from a worker
        self.source = source
        #: True when the bytes hold a suppression comment's marker: the command reads such a file
        #: again for its comments even when it has no finding (an unknown code in one is reported)
        self.directives = directives


def _value_hash(value: str | None) -> str | None:
    if value is None:
        return None
    import hashlib

    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class _Collector:
    def __init__(self, path: str, options: Options):
        self.path = path
        self.options = options
        self.findings: list[Finding] = []
        self.format: str | None = None
        self.profile: Profile | None = None
        self.skipped: str | None = None
        #: False for UTF-16/32 files: fixes are UTF-8 byte edits and would corrupt them
        self.fixes = True
        #: the bytes that were checked, kept only until the result says whether a fix needs their digest
        self.data: bytes | None = None
        #: the document's fix adjuster (an httprr trace rewrites a resized record's length line)
        self.reframe = None
        self.source: bytes | None = None

    def add(self, rule: rules.Rule | str, p: Problem) -> None:
        """Record ``p`` as a finding of ``rule`` (a rule, or the code of one: the steps below the rules,
        reading, loading and schema validation, name their problems by code)."""
        if isinstance(rule, str):
            rule = rules.get(rule)
        if not self.options.enabled(rule.code):
            return
        fix = p.fix if self.fixes else None
        if fix is not None and self.reframe is not None:
            fix = self.reframe(fix)
        self.findings.append(Finding(
            path=self.path, line=p.pos.line, column=p.pos.column, rule=rule.code, name=rule.name,
            severity=self.options.severity.get(rule.code, p.severity or rule.severity), message=p.message,
            interaction=p.interaction, end_line=p.pos.end_line, end_column=p.pos.end_column,
            format=self.format, value_hash=_value_hash(p.value), fix=fix,
            secret=p.value if rule.family == "secrets" else None))

    def result(self) -> FileResult:
        if len(self.findings) > 1:
            self.findings = collapse(self.findings)
        for f in self.findings:
            f.format = self.format
        self.findings.sort(key=Finding.sort_key)
        # --fix re-checks a file whose bytes changed since they were checked (another process wrote
        # it): only files with a fix need the digest that tells
        digest = None
        # (a comment's "#" first: one memchr, where the marker's search costs ~4 us on a 15 KB file)
        directives = self.data is not None and b"#" in self.data and suppress.MARKER in self.data
        if self.data is not None and any(f.fix is not None for f in self.findings):
            import hashlib

            digest = hashlib.sha256(self.data).hexdigest()
        self.data = None
        return FileResult(self.path, self.findings, self.format, self.skipped, digest, self.profile,
                          self.source, directives)


def context_key(path: str, cassette_format: str | None) -> str:
    """What, besides the file's bytes and the options, decides the findings of a file of
    ``cassette_format``: the library profile its project's manifests give it (the configuration's
    replay settings are among the options). A result cache keys on it."""
    if cassette_format is None:
        return ""
    from .replay import manifest

    return repr(manifest.find(path, cassette_format))


class _Lazy:
    """The modules that checking a file needs, imported by the first file checked, not with this
    module: a run whose every result comes from the cache never loads the YAML loader nor the rules
    (~25 ms of start-up). Kept here once imported: an import statement in a function costs each call
    ~0.3-1 us (the package's ``__spec__`` is looked at, ``from . import`` of a package goes through
    importlib's Python code), five of them a file."""

    formats = loader = loader_httprr = loading = schema = loaders = None

    @classmethod
    def load(cls) -> None:
        from . import formats, loader, loader_httprr
        from .replay import loaders
        from .rules import loading

        cls.formats, cls.loader, cls.loader_httprr, cls.loaders, cls.loading = (
            formats, loader, loader_httprr, loaders, loading)

    @classmethod
    def load_schema(cls) -> None:  # (only for a run that validates structure: --select S…)
        from . import schema

        cls.schema = schema


def check_file(target: Target, options: Options) -> FileResult:
    """Run every enabled check on one file; never raises."""
    if _Lazy.loading is None:
        _Lazy.load()
    L = _Lazy.loading
    col = _Collector(target.path, options)
    # no collector passes while one file is checked: its model holds no reference cycles (tested),
    # and on a large streamed body (tens of thousands of events) the passes over the growing heap
    # cost ~8% (50 MB cassette, 4.3 -> 4.0 s); what a file leaves is freed by reference counts
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        _check(target, options, col)
    except Exception as e:  # a bug in the pipeline itself: report it, keep the run going
        col.add(L.INTERNAL_ERROR, Problem(Pos(1, 1), f"internal error while checking: {type(e).__name__}: {e}"
                                          f" ({_where(e)})"))
    finally:
        if paused:
            gc.enable()
    return col.result()


def _where(e: BaseException) -> str:
    import traceback

    tb = traceback.extract_tb(e.__traceback__)
    if not tb:
        return "?"
    f = tb[-1]
    return f"{os.path.basename(f.filename)}:{f.lineno}"


def _unexpected_tags(doc, adapter, profile: Profile, col: _Collector) -> None:
    """Y008 for each tag no format reads on purpose and whose fate under the replaying library's loader
    is not modelled (where it is, Y016 reports a refused tag and an accepted one is silent)."""
    from .replay import loaders
    from .rules import loading as L

    for tag, pos in doc.tagged():
        if tag == "!binary" or loaders.judge_tag(profile, tag) is not None:  # (!binary: read as !!binary)
            continue
        note = loaders.unsafe_note(profile, tag)
        if tag in adapter.ACCEPTED_TAGS and not note:
            continue
        col.add(L.UNEXPECTED_TAG, Problem(pos, f"value tagged {tag!r}: no cassette format uses this "
                                          "tag (read as its plain value, never constructed)"
                                          + (note or f"; what {loaders.decoder(profile)} does with it is "
                                             "not modelled")))


def _json_serializer(options: Options) -> bool:
    """True when the project's vcrpy serializer is ``json`` (every cassette read with ``json.loads``)."""
    return str(options.settings.get("replay", {}).get("serializer") or "").strip().lower() == "json"


def _not_a_cassette(col: _Collector) -> None:
    from . import formats
    from .rules import loading as L

    col.add(L.NOT_A_CASSETTE, Problem(Pos(1, 1), "not a known cassette format (" + ", ".join(formats.names())
                                      + "): not checked"))


def _check(target: Target, options: Options, col: _Collector) -> None:
    formats, loader, loader_httprr, L = _Lazy.formats, _Lazy.loader, _Lazy.loader_httprr, _Lazy.loading

    if target.error is not None:
        col.add(L.UNREADABLE, Problem(Pos(1, 1), target.error))
        return
    st: list | None = [] if options.record_source else None
    data, problem, code = reader.read_file(target.path, options.max_file_size, st)
    if problem is not None:
        col.add(code, L.with_consequence(code, problem))
        return
    col.data = data
    if st:  # (the file's stat before it was read: never newer than the bytes)
        col.source = reader.content_hash(data) + (reader.stat_signature(st[0]) or b"")
    trace = loader_httprr.is_trace(inner_name(target.path)) or options.cassette_format == "httprr"
    as_json = not trace and (loader.is_json(target.path) or _json_serializer(options))
    loaded = loader_httprr.load(target.path, data) if trace else loader.load(target.path, data, as_json)
    col.fixes = loaded.source.encoding == "utf-8"
    doc = loaded.document
    if (doc is None and as_json and loaded.problems
            and loaded.problems[0][0] == loader.TOO_MANY_VALUES
            and formats.plain_json_format(loaded.source.text, options.cassette_format) is False):
        # too many values to compose, and no cassette: said as of any other file of no known format
        loaded.problems = []
        doc = None
        if not target.explicit:
            col.skipped = "not-a-cassette"
            return
        _not_a_cassette(col)
        return
    if not target.explicit and not (formats.json_may_be_cassette if as_json
                                    else formats.yaml_may_be_cassette)(data, doc):
        col.skipped = "not-a-cassette"  # package.json, a Helm template, a broken fixture … next to the cassettes
        return
    if doc is not None and isinstance(doc.data, list) and formats.is_listed_format(doc.data):
        # a format whose top level is a list (nock): not the loader's "not a mapping"
        loaded.problems = [(r, p) for r, p in loaded.problems if r != loader.NOT_A_MAPPING]
        data_ok = True
    else:
        data_ok = doc is not None and isinstance(doc.data, dict)
    for r, p in loaded.problems:
        col.add(r, L.with_consequence(r, p))
    if not data_ok:
        if doc is not None and loader.old_vcrpy_layout(doc.data):
            col.format = "vcrpy"  # its pre-1.0 layout, which vcrpy refuses (Y005 says so)
        return
    adapter = formats.detect(doc.data, options.cassette_format)
    if adapter is None:
        if formats.unsupported_version(doc.data):
            col.add(L.UNSUPPORTED_VERSION, L.unsupported_version(doc, target.path, options.settings.get("replay")))
        elif target.explicit:
            _not_a_cassette(col)
        else:
            col.skipped = "not-a-cassette"
            col.findings.clear()
        return
    col.format = adapter.FORMAT
    profile = replay.resolve(target.path, adapter.FORMAT, options.settings.get("replay"))
    implied = getattr(adapter, "implied_serializer", None)  # a layout that says which serializer wrote it
    serializer = implied(doc.data) if implied is not None and not profile.serializer else None
    if serializer:
        profile = replay.with_matcher(profile, {"serializer": serializer})
    col.profile = profile
    if loaded.problems:  # (what a duplicate key or a second document does depends on the loader)
        L.apply_profile(col.findings, profile, options.severity)
    if doc.tags or doc.key_tags:
        _unexpected_tags(doc, adapter, profile, col)
    col.reframe = getattr(doc, "reframe", None)
    if options.family_enabled("S") and adapter.SCHEMA:
        if _Lazy.schema is None:
            _Lazy.load_schema()
        for r, p in _Lazy.schema.check(doc, adapter.SCHEMA, _Lazy.loaders.decoder(profile)):
            col.add(r, p)
    cassette = adapter.build(doc, target.path)
    cassette.profile = profile
    for r in options.active_rules():
        try:
            problems = (r.check(cassette, options.settings.get(r.family, {})) if r.takes_settings
                        else r.check(cassette))
            for p in problems:
                col.add(r, p)
        except Exception as e:
            col.add(L.INTERNAL_ERROR, Problem(Pos(1, 1), f"rule {r.code} ({r.name}) failed: "
                                              f"{type(e).__name__}: {e} ({_where(e)})"))


def collapse(findings: list[Finding]) -> list[Finding]:
    """The findings with each defect a rule found on many lines of one interaction reported once: the
    first occurrence, its message ending "(and N more lines like it)". Findings are alike when they
    have the same rule, interaction and message; one with a fix is always kept (``--fix`` edits each)."""
    first: dict = {}
    out: list[Finding] = []
    for f in findings:
        if f.fix is None and f.interaction is not None:
            key = (f.rule, f.interaction, f.message)
            got = first.get(key)
            if got is not None:
                got[1] += 1
                continue
            first[key] = [f, 0]
        out.append(f)
    if len(out) == len(findings):
        return findings
    for f, more in first.values():
        if more:
            f.message = f"{f.message} (and {more:,} more line{'' if more == 1 else 's'} like it)"
    return out
