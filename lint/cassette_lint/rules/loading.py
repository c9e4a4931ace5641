"""Loading rules (``Y``): the file could not be read as one YAML cassette document.

These are found by the loader and the engine before any other rule runs; when one of the errors here
fires, the file's other rules do not run (there is nothing reliable to check).
"""

from ..findings import ERROR, WARNING, Problem
from ..replay import loaders as _loaders
from . import declare, rule

_M = __name__

#: what each loader does with a file the loading step refused, named per library (appended to the
#: loader's message: the loading step runs before the file's library profile is known). Each clause
#: was checked against the library: go-vcr v3/v4 through the go-vcr oracle (``cassette.Load``),
#: vcrpy 9.4.2 through ``use_cassette``, Ruby VCR and yaml.v2 from their source.
LOAD_CONSEQUENCE = {
    "Y001": "go-vcr's yaml.v3, vcrpy's PyYAML and Ruby VCR's Psych all refuse it, so every test "
            "using the cassette fails",
    "Y001-json": "every JSON loader refuses it (vcrpy's json serializer, Polly's persister, nock, the "
                 "test-proxy), so every test using the cassette fails",
    "Y002": "go-vcr v3/v4's yaml.v3 refuses the file (mapping key already defined); vcrpy's PyYAML, "
            "Ruby VCR's Psych and go-vcr v1/v2's yaml.v2 keep the last value",
    "Y003": "go-vcr, vcrpy and Ruby VCR replay nothing from it: each request goes to the network or "
            "fails",
    "Y004": "vcrpy's PyYAML refuses a stream of documents (ComposerError); go-vcr's yaml.v3 and Ruby "
            "VCR's Psych read the first document and ignore the rest",
    "Y005": "go-vcr's yaml.v3 (cannot unmarshal into a Cassette), vcrpy and Ruby VCR all refuse it",
    "Y006": "go-vcr's yaml.v3 (invalid UTF-8), vcrpy (reading the file raises UnicodeDecodeError) and "
            "Ruby VCR refuse it",
    "Y007": "go-vcr's yaml.v3 refuses the file (!!binary value contains invalid base64 data); vcrpy's "
            "PyYAML refuses it or keeps what decodes: the body is lost either way",
    "Y009": "go-vcr's yaml.v3 refuses it (document contains excessive aliasing; anchor value contains "
            "itself); vcrpy's PyYAML and Ruby VCR's Psych expand a bomb until memory or time runs out",
    "Y010": "cassette-lint does not check it; go-vcr's yaml.v3 refuses nesting beyond 10,000 levels, "
            "vcrpy's PyYAML beyond Python's recursion limit",
    "Y012": "not checked; go-vcr's os.ReadFile and vcrpy's open meet the same error while it lasts",
    "Y013": "go-vcr, vcrpy and Ruby VCR load it as usual (a gzip bomb: the persister that inflates it "
            "runs out of memory)",
    "Y017": "the persister that reads it (LangChain's CustomPersister, any gzip persister) raises on "
            "the first read, so every test using the cassette fails",
    "Y021": "httprr's Open refuses the whole trace (corrupt httprr trace), so every test using it fails",
}


def with_consequence(code: str, problem: Problem) -> Problem:
    """``problem`` (found by the reading or loading step) with what the libraries' loaders do with
    the file appended to its message, when the message does not say it already."""
    key = "Y001-json" if code == "Y001" and problem.message.startswith("JSON") else code
    text = LOAD_CONSEQUENCE.get(key)
    if text is None or any(name in problem.message for name in ("vcrpy", "go-vcr", "httprr")):
        return problem
    return Problem(problem.pos, f"{problem.message}: {text}", problem.interaction, problem.value,
                   problem.fix, problem.severity)


def _by_profile(code: str, profile):
    """``(severity, consequence)`` of a Y002/Y004 under the loader of ``profile``, or None."""
    lib, major = profile.library, profile.major
    if code == "Y002":
        if lib == "go-vcr" and (major or 4) >= 3:
            return ERROR, (f"{profile.label}'s yaml.v3 decoder refuses the file (mapping key already "
                           "defined), so every test using the cassette fails")
        loader = {"go-vcr": "yaml.v2 decoder", "vcrpy": "YAML loader (PyYAML)",
                  "ruby-vcr": "loader (Psych)"}.get(lib)
        if loader:
            return WARNING, (f"{profile.label}'s {loader} keeps the last value and replays it; the "
                             "first is dead")
        return None
    if code == "Y004":
        if lib == "vcrpy":
            return ERROR, (f"{profile.label}'s YAML loader refuses a stream of documents (ComposerError), "
                           "so every test using the cassette fails")
        if lib in ("go-vcr", "ruby-vcr"):
            loader = "yaml.v3 decoder" if lib == "go-vcr" else "loader (Psych)"
            return WARNING, (f"{profile.label}'s {loader} reads the first document and ignores the rest, "
                             "so it replays the first")
    return None


def unsupported_version(doc, path: str, settings: dict | None) -> Problem:
    """Y014 for a cassette whose ``version`` no recorder writes, judged by the library its layout and
    project say: go-vcr's ``Load`` refuses it; vcrpy's ``deserialize`` never reads the version."""
    from .. import replay

    items = doc.data.get("interactions") or []
    vcrpy_layout = any(isinstance(i, dict) and isinstance(i.get("request"), dict) and "uri" in i["request"]
                       for i in items)
    profile = replay.resolve(path, "vcrpy" if vcrpy_layout else "go-vcr-v2", settings)
    head = f"cassette version {doc.data['version']!r}: "
    if profile.library == "vcrpy":
        return Problem(doc.pos(("version",)), head + f"{profile.label}'s deserialize does not read the "
                       "version, so it loads and replays; cassette-lint knows no layout for it and does not "
                       "check it further (vcrpy writes version 1)", severity=WARNING)
    if profile.library == "go-vcr":
        return Problem(doc.pos(("version",)), head + f"{profile.label}'s cassette.Load refuses it "
                       "(ErrUnsupportedCassetteFormat: it reads version 2 only, go-vcr v1 version 1), so "
                       "every test using the cassette fails; not checked further", severity=ERROR)
    return Problem(doc.pos(("version",)), head + "go-vcr reads version 2 only (go-vcr v1: 1) and refuses "
                   f"others; {profile.label} is not modelled; not checked further")


def apply_profile(findings, profile, configured: dict) -> None:
    """Give the Y002/Y004 findings of a file, once its library profile is known, the severity and the
    consequence of that library's loader (a severity the user configured still wins)."""
    for f in findings:
        if f.rule not in ("Y002", "Y004"):
            continue
        got = _by_profile(f.rule, profile)
        if got is None:
            continue
        severity, text = got
        generic = LOAD_CONSEQUENCE[f.rule]
        if f.message.endswith(": " + generic):
            f.message = f.message[:-len(generic)] + text
        if f.rule not in configured:
            f.severity = severity

YAML_SYNTAX = declare("Y001", "yaml-syntax-error", ERROR, """
    The file is not well-formed YAML.

    Why: no recorder can load the cassette, so every test that replays it fails (go-vcr returns the
    parse error; vcrpy raises). A hand edit is the usual cause: a lost indentation, an unclosed quote,
    a tab where YAML expects spaces.

    Consequence: **error** under every library — go-vcr's yaml.v3 decoder (``cassette.Load``),
    vcrpy's PyYAML loader (``ParserError``/``ScannerError`` out of ``use_cassette``), Ruby VCR's Psych
    and every JSON loader (vcrpy's json serializer, Polly, nock, the test-proxy) refuse the file.

    Fix: correct the YAML at the reported line, or re-record the cassette.

    FAIL::

        interactions:
        - request:
           body: "unterminated

    PASS::

        interactions:
        - request:
            body: "terminated"
    """, module=_M)

DUPLICATE_KEY = declare("Y002", "duplicate-key", ERROR, """
    A mapping holds the same key twice.

    Why: go-yaml v3 (used by go-vcr) refuses such a file; PyYAML and ruamel silently keep the last
    value, so the cassette means different things to different tools. It almost always comes from a
    bad merge or a hand edit.

    Consequence per library profile (the severity follows it; the message names the loader):

    - go-vcr v3/v4 (gopkg.in/yaml.v3): **error** — ``yaml.Unmarshal`` fails with "mapping key
      already defined" (the go-vcr oracle: ``load_error``), every test using the cassette fails.
    - vcrpy (PyYAML), Ruby VCR (Psych), go-vcr v1/v2 (yaml.v2, not strict): **warning** — the last
      value wins and replays (vcrpy 9.4.2 replays the second of two ``string`` keys in the tests).
    - a file whose format is not known: **error**.

    Fix: delete one of the two keys (keep the value the recorder wrote).

    FAIL::

        request:
          method: GET
          method: POST

    PASS::

        request:
          method: POST
    """, module=_M)

EMPTY_FILE = declare("Y003", "empty-file", ERROR, """
    The file is empty, or holds only comments and document markers.

    Why: a cassette with no document replays nothing; the test that owns it will try to reach the
    network (or fail in replay-only mode). An interrupted recording usually leaves such a file.

    Consequence: **error** under every library — nothing replays. go-vcr (``cassette.Load`` finds
    no interactions, or no version), vcrpy (an empty file "couldn't be loaded": in ``record_mode``
    ``none`` every request raises ``CannotOverwriteExistingCassetteException``, in ``once`` it goes to
    the network; a file of only comments raises ``TypeError``), Ruby VCR (no interactions: an
    unhandled request raises).

    Fix: re-record the cassette or delete the file.
    """, module=_M)

MULTIPLE_DOCUMENTS = declare("Y004", "multiple-documents", ERROR, """
    The file holds more than one YAML document (separated by ``---``).

    Why: recorders read only the first document (go-vcr) or refuse the stream (vcrpy); everything
    after the first ``---`` is dead weight or, worse, the interactions you meant to replay. Usually two
    cassettes were concatenated. Only the first document is checked.

    Consequence per library profile (the severity follows it; the message names the loader):

    - vcrpy: **error** — PyYAML's ``load`` refuses a stream ("expected a single document in the
      stream", ``ComposerError``), so every test using the cassette fails (replayed in the tests).
    - go-vcr (yaml.v3 ``Unmarshal`` decodes the first document; the go-vcr oracle replays it) and
      Ruby VCR (Psych's ``load`` returns the first document): **warning** — the first document
      replays, the rest is ignored.

    Fix: split the file, or drop the extra document.
    """, module=_M)

NOT_A_MAPPING = declare("Y005", "top-level-not-mapping", ERROR, """
    The top level of the document is a list or a scalar, not a mapping.

    Why: every cassette format (go-vcr, vcrpy, Ruby VCR) is a mapping at the top level (``version``,
    ``interactions`` …). A file that is not cannot be replayed.

    Consequence: **error** under every library — go-vcr's yaml.v3 decoder cannot unmarshal a list
    into its ``Cassette``; vcrpy's ``deserialize`` raises (``TypeError``; a pre-1.0 list of
    interactions: "generated in an older version of VCR"); Ruby VCR finds no ``http_interactions``.

    Fix: restore the top-level keys, or re-record.
    """, module=_M)

INVALID_ENCODING = declare("Y006", "invalid-encoding", ERROR, """
    The file's bytes are not valid UTF-8 (or UTF-16/32 with a byte-order mark).

    Why: YAML must be Unicode. Recorders write non-UTF-8 bodies as ``!!binary`` base64, so raw
    invalid bytes mean the file was damaged (an editor that saved it as Latin-1, a bad merge).

    Consequence: **error** under every library — go-vcr's yaml.v3 reader refuses invalid UTF-8;
    vcrpy's filesystem persister reads the file as text and raises ``UnicodeDecodeError``; Ruby VCR's
    Psych refuses the bytes.

    Fix: restore the file from version control or re-record; put binary bodies in ``!!binary``.
    """, module=_M)

INVALID_BINARY = declare("Y007", "invalid-binary", ERROR, """
    A ``!!binary`` value is not valid base64.

    Why: go-vcr writes bodies that are not UTF-8 (gzip, protobuf, AWS event streams) as ``!!binary``
    base64; if the base64 is broken, decoding the cassette fails and the interaction cannot replay.

    Consequence: **error** — go-vcr's yaml.v3 decoder refuses the file ("!!binary value contains
    invalid base64 data", ``base64.StdEncoding``); vcrpy's PyYAML (``base64.decodebytes``) refuses
    bad padding and silently drops characters outside the alphabet, so the body replays as other
    bytes than recorded; Ruby VCR's Psych (``unpack1('m')``) likewise keeps what decodes.

    Fix: restore the value from version control or re-record.

    FAIL::

        body: !!binary AAAA$$$$

    PASS::

        body: !!binary AAAAAA==
    """, module=_M)

UNEXPECTED_TAG = declare("Y008", "unexpected-tag", WARNING, """
    A value carries a YAML tag that no cassette format uses (``!!python/object/...``, ``!custom``), and
    cassette-lint does not model what the replaying library's loader does with it (go-vcr; a project
    serializer it cannot see). Where it does (vcrpy, Ruby VCR), ``Y016`` says whether that loader
    refuses the tag instead, and a tag it loads is silent.

    Why: such tags ask the loader to construct objects. cassette-lint never constructs them (it reads
    the plain value underneath), but a recorder loading the file with an unsafe loader would run
    whatever the tag names. Tags are never written by go-vcr.

    Consequence: **warning** — where it is reported, what the replaying loader does is not modelled
    (go-vcr's yaml.v3 decoder; a project serializer): it may load the plain value or refuse the
    file. Under vcrpy and Ruby VCR, ``Y016`` reports the tags their loaders refuse, as errors.

    Fix: remove the tag (keep the plain value).
    """, module=_M)

ALIAS_BOMB = declare("Y009", "alias-bomb", ERROR, """
    YAML anchors and aliases expand to an enormous document (a "billion laughs" bomb), or an alias
    sits inside the collection it refers to (a recursive structure).

    Why: a loader that expands aliases runs out of memory or time (or loops on a recursive one;
    go-yaml refuses it). Recorders never write such files; they are a mistake or an attack.
    cassette-lint builds each shared node once and counts its expansion: beyond 2,000,000 nodes the
    file is not read further.

    Consequence: **error** under every library — go-vcr's yaml.v3 decoder refuses it ("document
    contains excessive aliasing", "anchor value contains itself"); vcrpy's PyYAML and Ruby VCR's
    Psych (VCR 6.1.0+: ``unsafe_load``) expand a bomb until memory or time runs out; Ruby VCR before
    6.1.0 refuses every alias (``Y016``).

    Fix: remove the anchors/aliases.
    """, module=_M)

TOO_DEEP = declare("Y010", "too-deep", ERROR, """
    The document is nested deeper than any cassette is (more than 200 levels).

    Why: cassettes are about six levels deep; extreme nesting is damage or an attack and makes
    recursive loaders crash. The file is not read further.

    Consequence: **error**, because cassette-lint cannot check the file — the one loading error that
    is cassette-lint's own limit. The libraries' limits are deeper: go-vcr's yaml.v3 refuses more
    than 10,000 levels ("exceeded max depth"), vcrpy's PyYAML fails at Python's recursion limit
    (about 1,000), so a file between them may still replay.

    Fix: restore the file from version control or re-record.
    """, module=_M)

NOT_A_CASSETTE = declare("Y011", "not-a-cassette", WARNING, """
    A file named on the command line is YAML but no known cassette format.

    Why: when you name a file explicitly (as pre-commit does) you expect it to be checked; this says
    it was not. Files found by walking a directory are skipped silently instead.

    Consequence: **warning** (informational) — no library is involved: no recorder (go-vcr, vcrpy,
    Ruby VCR, Polly, nock, the test-proxy, httprr) writes this layout, and cassette-lint only says it
    did not check the file.

    Fix: exclude the file (``exclude`` in the configuration or the hook's ``files:``/``exclude:``),
    or fix its top-level keys if it was meant to be a cassette (``version`` and ``interactions``).
    """, module=_M)

UNSUPPORTED_VERSION = declare("Y014", "unsupported-cassette-version", ERROR, """
    A file laid out as a go-vcr or vcrpy cassette (top-level ``interactions``) declares a ``version``
    that no recorder writes or reads.

    Why: go-vcr (v2 to v4) writes and loads ``version: 2`` only and refuses any other value
    (``ErrUnsupportedCassetteFormat``); vcrpy loads ``version: 1`` only and raises otherwise. The
    cassette never replays. A hand edit, a merge, or a file copied from another tool is the usual
    cause. cassette-lint does not check the rest of the file: it knows no layout for that version.

    Consequence per library (read from the file's layout and the project's manifest; the message
    names it):

    - go-vcr (a ``url`` layout): **error** — ``cassette.Load`` returns ``ErrUnsupportedCassetteFormat``
      for any version but 2 (go-vcr v1: 1); the go-vcr oracle: ``load_error``.
    - vcrpy (a ``uri`` layout): **warning** — vcrpy's ``serialize.deserialize`` never reads
      ``version`` (vcrpy 9.4.2 replays such a file in the tests); cassette-lint knows no layout for
      that version and does not check the rest.

    Fix: restore the version the recorder wrote (go-vcr: ``2``; vcrpy: ``1``), or re-record.

    FAIL::

        version: 3
        interactions:
          - request: ...

    PASS::

        version: 2
        interactions:
          - request: ...
    """, module=_M)

UNREADABLE = declare("Y012", "unreadable-file", ERROR, """
    The file could not be read (permission denied, vanished while checking, a broken link, an I/O
    error).

    Why: a file the linter cannot read is a file nobody checked.

    Consequence: **error** — cassette-lint could not check the file; the recorder that opens it
    (go-vcr's ``os.ReadFile``, vcrpy's ``open``) meets the same permission or I/O error, while a
    file that vanished meanwhile is just gone.

    Fix: fix the permissions or the link, or exclude the path.
    """, module=_M)

FILE_TOO_LARGE = declare("Y013", "file-too-large", ERROR, """
    The file, or what a gzip'd file decompresses to, is larger than ``--max-file-size``, or the file
    is too large for its shape: not checked.

    Why: cassettes of hundreds of megabytes are almost always an accident (a recorded download);
    they bloat the repository and are skipped to keep memory bounded. A few kilobytes of gzip that
    expand past the limit are a decompression bomb: decompression stops at the limit (it is read
    incrementally, never more than the limit held in memory) and the file is reported.  Memory is
    bounded by the file's size for any shape too: a file is read into at most one value per 24
    characters (32 in JSON), or 50,000 values whatever its size; a file denser than that past that
    count (a long array of numbers, a mapping of a million short keys) stops being read where the
    budget ran out.  Real cassettes hold one value per 35-70 characters.  A JSON file that is no
    cassette (told from its plain decoded shape) is said to be none instead (``Y011``; skipped when
    met while walking).

    Consequence: **error**, because cassette-lint did not check the file (its own limit: go-vcr,
    vcrpy and Ruby VCR load large files as usual); a decompression bomb exhausts the memory of the
    gzip persister that inflates it (LangChain's ``CustomPersister``).

    Fix: re-record without the large response, or raise ``--max-file-size``; a file too dense for
    its size is no cassette a recorder writes: exclude it.
    """, module=_M)

INVALID_COMPRESSION = declare("Y017", "invalid-compression", ERROR, """
    A gzip'd cassette cannot be decompressed (truncated, corrupt, or not gzip).

    Any file that starts with the gzip magic bytes (``*.yaml.gz``, ``*.json.gz``, a gzip'd ``*.yaml``):
    the stream is truncated, corrupt (bad deflate data, a CRC or length that does not match), or its
    header is not gzip's.

    Why: the persister that reads it (LangChain's ``CustomPersister``, any gzip persister) raises on
    the first read, so every test that replays the cassette fails. An interrupted write or a bad
    merge of a binary file is the usual cause. Reported at 1:1, naming what is wrong.

    Consequence: **error** under every persister that reads gzip'd cassettes (LangChain's
    ``CustomPersister``: ``gzip.open(...).read()`` raises ``BadGzipFile``/``EOFError``); vcrpy's and
    go-vcr's own persisters do not read gzip at all.

    Fix: restore the file from version control, or re-record it.
    """, module=_M)

@rule("Y016", "loader-refuses", ERROR)
def loader_refuses(cassette):
    """The replaying library's own loader refuses the cassette (a tag, an alias, a missing field).

    cassette-lint itself reads such a file without complaint, so nothing else reports it.

    cassette-lint reads every tag as the plain value underneath and constructs nothing; the library's
    loader does not, and which tags it constructs depends on the library and its version (the file's
    library profile: ``--verbose`` prints it; ``[tool.cassette-lint.replay]`` sets it). Modelled, from
    each library's loader code (:mod:`cassette_lint.replay.loaders`):

    - vcrpy 8.2.1 and later (``vcr/serializers/yamlserializer.py``, ``_CassetteLoader``, a
      ``CSafeLoader``): constructs only ``!!python/str``, ``!!python/unicode``, ``!!python/tuple``,
      ``!!python/object/new:_io.BytesIO`` and ``!!python/object/apply:builtins.iter``; any other
      ``!!python/...`` tag (aiohttp's ``!!python/object/new:multidict._multidict.istr`` header names)
      raises "could not determine a constructor for the tag" (vcrpy issue #1007). With the version
      unknown, the current loader is assumed.
    - vcrpy up to 8.2.0 (``yaml.load(..., Loader=CLoader)``, PyYAML's full loader): every Python tag
      is constructed unless the module it names is gone (``multidict._istr`` since multidict 4.7,
      Python 2's ``__builtin__``). One it constructs beyond 8.2.1's table gets ``Y008`` (a warning:
      it loads, by running what it names, and vcrpy 8.2.1+ refuses it).
    - a project serializer (``serializer = "langchain"``: LangChain's ``CustomSerializer``, which
      loads with ``yaml.safe_load``): no Python tag at all. ``serializer = "json"``: read as JSON.
    - Ruby VCR before 6.1.0 (vcr/vcr#911; ``lib/vcr/cassette/serializers/yaml.rb`` calls
      ``YAML.load``, which Psych 4, Ruby 3.1+, made ``safe_load(permitted_classes: [Symbol],
      aliases: false)``): ``!ruby/object:…``-style tags and every YAML alias raise. VCR 6.1.0 and
      later call ``YAML.unsafe_load`` and load them.
    - Ruby VCR, every version (``lib/vcr/structs.rb``): ``HTTPInteraction.from_hash`` calls
      ``Time.httpdate(hash.fetch('recorded_at'))``, so an interaction without ``recorded_at`` raises
      (vcr/vcr#270); ``body_from`` calls ``try_encode_string(hash['string'], hash['encoding'])``, which
      calls ``string.encoding``, so a body with an ``encoding`` but no ``string`` raises
      ``NoMethodError`` (vcr/vcr#1042).

    Why: the test that replays the cassette fails before any request is matched, whatever the
    request; every other check passing is no comfort.

    Consequence: **error** under the library named in the message (vcrpy's ``_CassetteLoader`` raises
    ``ConstructorError``, wrapped by ``deserialize`` into ``ValueError``; Ruby VCR's Psych raises
    ``Psych::DisallowedClass``/``BadAlias``; ``from_hash`` raises ``KeyError``/``NoMethodError``): the
    cassette cannot be loaded, every test using it fails. Silent where the loader accepts it.

    Fix: per library, in the message. vcrpy: register a serializer whose loader constructs the tag
    (``vcr.serializers.yamlserializer.with_custom_tags``, vcrpy 8.3.0+), or re-record. Ruby VCR: use
    VCR 6.1.0 or later (``unsafe_load``), or re-record; restore a missing field.

    FAIL (vcrpy 9.4.2)::

        headers:
          ? !!python/object/new:multidict._multidict.istr
          - Content-Type
          : - application/json

    PASS::

        headers:
          Content-Type:
          - application/json
    """
    profile, doc = cassette.profile, cassette.doc
    if profile is None or doc is None:
        return
    seen = set()
    for tag, pos in doc.tagged():
        v = _loaders.judge_tag(profile, tag)
        if not v or (pos.line, pos.column, tag) in seen:  # (a tagged node shared by an alias: once)
            continue
        seen.add((pos.line, pos.column, tag))
        yield Problem(pos, f"{_loaders.short_tag(tag)} is refused by {v.loader}: {v.why}; the "
                      f"cassette cannot be loaded. Fix: {v.fix}")
    v = _loaders.judge_aliases(profile)
    if v:
        for pos in doc.alias_positions():
            yield Problem(pos, f"YAML alias is refused by {v.loader}: {v.why}; the cassette cannot be "
                          f"loaded. Fix: {v.fix}")
    if profile.library == "ruby-vcr":
        for path, message in _loaders.ruby_vcr_field_errors(doc.data):
            yield Problem(doc.pos(path), f"{message}: the cassette cannot be loaded by Ruby VCR. Fix: "
                          "restore the field from version control, or re-record the cassette")


INTERNAL_ERROR = declare("X001", "internal-error", ERROR, """
    A rule failed with an unexpected exception on this file, or checking the file crashed the
    worker process (``--jobs``: a crash inside a C extension, reported with its signal).

    Why: this is a bug in cassette-lint (or in a library it uses), not necessarily in your cassette;
    the file's other rules and the other files are still checked. The message names the rule and the
    exception, or the signal.

    Consequence: **error**, so that it is not missed — the file's other checks ran, but nothing is
    known about what this rule would have found; no library is involved.

    Fix: please report it with the file (or a reduced copy) attached; meanwhile ignore the file with
    ``per-file-ignores``.
    """, module=_M)

CORRUPT_TRACE = declare("Y021", "corrupt-trace-framing", ERROR, """
    An httprr trace's length framing does not hold: the file cannot be read.

    What: an httprr trace (``internal/httprr/rr.go`` of google/adk-go, tmc/langchaingo) starts with
    the line ``httprr trace v1``; each record is a line ``<request bytes> <response bytes>`` followed
    by exactly that many bytes of raw HTTP request and response. Reported at the record's length line
    when the line is not two integers, when fewer bytes follow than it declares, or when the lengths
    fit but do not frame the record (the response would not start with ``HTTP/``); also a raw header
    line without ``name:`` or a chunked body that is not valid chunked encoding.

    Why: httprr's ``Open`` reads the whole trace first and returns "corrupt httprr trace" for one bad
    record, so every test that uses the trace fails; a record framed wrong reads part of the request
    as the response. A hand edit of a body (a redaction) without updating the length line is the
    usual cause.

    Consequence: **error** under httprr (google/adk-go, tmc/langchaingo ``internal/httprr``): ``Open``
    fails for the whole trace, every test using it fails.

    Fix: set the record's length line to the byte lengths of its request and response (``--fix``
    does this for the redactions it makes), or re-record with ``-httprecord``.

    FAIL::

        httprr trace v1
        10 19
        GET / HTTP/1.1\\r\\n\\r\\nHTTP/1.1 200 OK\\r\\n\\r\\n

    PASS::

        httprr trace v1
        18 19
        GET / HTTP/1.1\\r\\n\\r\\nHTTP/1.1 200 OK\\r\\n\\r\\n
    """, module=_M)
