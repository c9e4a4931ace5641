"""Loading rules (``Y``): the file could not be read as one YAML cassette document.

These are found by the loader and the engine before any other rule runs; when one of the errors here
fires, the file's other rules do not run (there is nothing reliable to check).
"""

from ..findings import ERROR, WARNING, Problem
from ..replay import loaders as _loaders
from . import declare, rule

_M = __name__

YAML_SYNTAX = declare("Y001", "yaml-syntax-error", ERROR, """
    The file is not well-formed YAML.

    Why: no recorder can load the cassette, so every test that replays it fails (go-vcr returns the
    parse error; vcrpy raises). A hand edit is the usual cause: a lost indentation, an unclosed quote,
    a tab where YAML expects spaces.

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

    Fix: re-record the cassette or delete the file.
    """, module=_M)

MULTIPLE_DOCUMENTS = declare("Y004", "multiple-documents", ERROR, """
    The file holds more than one YAML document (separated by ``---``).

    Why: recorders read only the first document (go-vcr) or refuse the stream (vcrpy); everything
    after the first ``---`` is dead weight or, worse, the interactions you meant to replay. Usually two
    cassettes were concatenated. Only the first document is checked.

    Fix: split the file, or drop the extra document.
    """, module=_M)

NOT_A_MAPPING = declare("Y005", "top-level-not-mapping", ERROR, """
    The top level of the document is a list or a scalar, not a mapping.

    Why: every cassette format (go-vcr, vcrpy, Ruby VCR) is a mapping at the top level (``version``,
    ``interactions`` …). A file that is not cannot be replayed.

    Fix: restore the top-level keys, or re-record.
    """, module=_M)

INVALID_ENCODING = declare("Y006", "invalid-encoding", ERROR, """
    The file's bytes are not valid UTF-8 (or UTF-16/32 with a byte-order mark).

    Why: YAML must be Unicode. Recorders write non-UTF-8 bodies as ``!!binary`` base64, so raw
    invalid bytes mean the file was damaged (an editor that saved it as Latin-1, a bad merge).

    Fix: restore the file from version control or re-record; put binary bodies in ``!!binary``.
    """, module=_M)

INVALID_BINARY = declare("Y007", "invalid-binary", ERROR, """
    A ``!!binary`` value is not valid base64.

    Why: go-vcr writes bodies that are not UTF-8 (gzip, protobuf, AWS event streams) as ``!!binary``
    base64; if the base64 is broken, decoding the cassette fails and the interaction cannot replay.

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

    Fix: remove the tag (keep the plain value).
    """, module=_M)

ALIAS_BOMB = declare("Y009", "alias-bomb", ERROR, """
    YAML anchors and aliases expand to an enormous document (a "billion laughs" bomb), or an alias
    sits inside the collection it refers to (a recursive structure).

    Why: a loader that expands aliases runs out of memory or time (or loops on a recursive one;
    go-yaml refuses it). Recorders never write such files; they are a mistake or an attack.
    cassette-lint builds each shared node once and counts its expansion: beyond 2,000,000 nodes the
    file is not read further.

    Fix: remove the anchors/aliases.
    """, module=_M)

TOO_DEEP = declare("Y010", "too-deep", ERROR, """
    The document is nested deeper than any cassette is (more than 200 levels).

    Why: cassettes are about six levels deep; extreme nesting is damage or an attack and makes
    recursive loaders crash. The file is not read further.

    Fix: restore the file from version control or re-record.
    """, module=_M)

NOT_A_CASSETTE = declare("Y011", "not-a-cassette", WARNING, """
    A file named on the command line is YAML but no known cassette format.

    Why: when you name a file explicitly (as pre-commit does) you expect it to be checked; this says
    it was not. Files found by walking a directory are skipped silently instead.

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

    Fix: set the record's length line to the byte lengths of its request and response (``--fix``
    does this for the redactions it makes), or re-record with ``-httprecord``.

    FAIL::

        httprr trace v1
        10 19
        GET / HTTP/1.1\r\n\r\nHTTP/1.1 200 OK\r\n\r\n

    PASS::

        httprr trace v1
        18 19
        GET / HTTP/1.1\r\n\r\nHTTP/1.1 200 OK\r\n\r\n
    """, module=_M)
