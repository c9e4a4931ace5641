"""The ``check`` command itself, apart from how its arguments were read.

``cli`` parses the command line with click and calls :func:`check`; the console script
(``console``) calls it directly for the simple command lines that pre-commit hooks and CI steps
use, without importing click (~15 ms of every start-up). Nothing here imports click.

Exit status: 0 no error-severity finding, 1 at least one, 2 usage or configuration error.
"""

from __future__ import annotations

import os
import sys

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
#: interrupted (Ctrl-C): 128 + SIGINT, as shells report it
EXIT_INTERRUPTED = 130

#: the value of every ``check`` option when it is not given (``cli`` declares the same defaults;
#: a test compares them with what click parses from a bare ``check``)
DEFAULTS = {
    "paths": (), "output_format": "text", "select": (), "extend_select": (), "ignore": (), "config_file": None,
    "isolated": False, "fix": False, "diff": False, "baseline_file": None, "write_baseline": None,
    "statistics": False, "exit_zero": False, "color": "auto", "quiet": False, "max_file_size": 20 * 1024 ** 2,
    "jobs": 0, "cassette_format": None, "replay_library": None, "match_on": (), "allow_repeats": False,
    "verbose": False,
    # (keyword-only in check())
    "skip_non_cassettes": False, "output_file": None, "show_source": False, "stdin_filename": None,
    "cache_dir": None, "no_cache": False,
}


class UsageError(Exception):
    """A command line that cannot run (click shows it with the usage text)."""


def _split_codes(values: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for v in values:
        out.extend(c.strip().upper() for c in v.split(",") if c.strip())
    return tuple(out)


#: --format choices (the registry is reporters.FORMATS; kept literal here so start-up stays light)
FORMATS = ("text", "json", "json-lines", "github", "sarif", "junit")
#: above this many files a TTY gets a progress bar on stderr
PROGRESS_MIN_FILES = 200


def _use_color(choice: str, stream) -> bool:
    """``--color``: always/never; auto honours NO_COLOR, then FORCE_COLOR, then whether it is a TTY."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    return _isatty(stream) and os.environ.get("TERM") != "dumb"


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _fail(message: str) -> None:
    _err(f"cassette-lint: error: {message}")
    sys.exit(EXIT_USAGE)


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _repo_root(start: str) -> str:
    """The git work tree containing ``start`` (SARIF URIs are relative to it), else ``start``."""
    d = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return os.path.abspath(start)
        d = parent


class _Progress:
    """A one-line progress bar on stderr (only ever created for a TTY)."""

    def __init__(self, total: int, stream=None):
        self.total, self.done, self.stream, self._last = total, 0, stream or sys.stderr, -1

    def __call__(self, n: int) -> None:
        self.done += n
        pct = self.done * 100 // max(1, self.total)
        if pct != self._last:
            self._last = pct
            bar = "#" * (pct * 30 // 100)
            self.stream.write(f"\r[{bar:<30}] {self.done}/{self.total} files")
            self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r" + " " * 60 + "\r")
        self.stream.flush()



def _replay_options(options, library, match_on, allow_repeats) -> None:
    """Fold ``--replay-library``, ``--match-on`` and ``--allow-repeats`` into the replay settings
    (over the configuration's ``[tool.cassette-lint.replay]``)."""
    if not (library or match_on or allow_repeats):
        return
    from .rules import replay as R

    settings = dict(options.settings.get("replay", {}))
    if library:
        settings["library"] = library
    if match_on:
        settings["match-on"] = [m.strip().lower() for v in match_on for m in v.split(",") if m.strip()]
    if allow_repeats:
        settings["allow-repeats"] = True
    try:
        R.validate(settings)
    except ValueError as e:
        raise UsageError(str(e).replace("match-on:", "--match-on:")) from None
    options.settings["replay"] = settings


def project_root(cfg) -> str:
    """The configuration file's directory, else the git work tree around here, else here."""
    return os.path.dirname(os.path.abspath(cfg.path)) if cfg.path else _repo_root(os.getcwd())


def _open_cache(cache_dir, cfg, refresh: bool = False):
    """The results cache (:mod:`cassette_lint.cache`) in ``--cache-dir``, ``$CASSETTE_LINT_CACHE_DIR``
    or the project root."""
    from . import cache

    return cache.Cache(cache.location(cache_dir, project_root(cfg)), note=lambda text: _err(f"cassette-lint: note: {text}"),
                       refresh=refresh)


def build_options(cfg, select=(), extend_select=(), ignore=(), max_file_size=DEFAULTS["max_file_size"],
                  cassette_format=None):
    """The run's :class:`~cassette_lint.options.Options` from the configuration ``cfg`` and the
    command line's rule selection (raises :class:`UsageError` for an unknown code)."""
    from . import rules
    from .options import Options

    # --select stream-truncated = --select T001 (every rule module is imported only when a selector is
    # given: a run whose results all come from the cache needs none)
    by_name = {r.name: r.code for r in rules.all_rules()} if (select or extend_select or ignore) else {}
    sel, ext, ign = ([by_name.get(c.lower(), c) for c in _split_codes(v)] for v in (select, extend_select, ignore))
    sel, ext, ign = tuple(sel), tuple(ext), tuple(ign)
    for code in sel + ext + ign:
        if code != "ALL" and not any(r.code.startswith(code) for r in rules.all_rules()):
            raise UsageError(f"unknown rule code, prefix or name {code!r} (see 'cassette-lint rules')")
    options = Options()
    options.select = (sel or cfg.select or ("ALL",)) + cfg.extend_select + ext
    options.ignore = cfg.ignore + ign
    options.severity = dict(cfg.severity)
    options.settings = {k: dict(v) for k, v in cfg.settings.items()}
    options.max_file_size = max_file_size
    options.cassette_format = cassette_format
    return options


def apply_ignores(cfg, options, fr, name: str | None = None):
    """``fr`` without the findings that ``per-file-ignores`` (matched against ``name``, default its
    path) or a suppression comment switch off."""
    if not fr.findings and not fr.directives:
        return fr
    from . import reader, rules, suppress

    off = cfg.ignored_codes(name or fr.path)
    if off:
        fr.findings = [f for f in fr.findings if not rules.matches(f.rule, off)]
    if fr.directives:  # only a file with a suppression comment is read again (its codes are checked too)
        data = reader.read_file(fr.path, options.max_file_size)[0]  # never blocks on a FIFO, bounded by size
        if data is None:
            return fr
        if fr.findings:
            fr.findings = suppress.filter_findings(fr.findings, data)
        for line, code in suppress.unknown_codes(data, rules.all_rules):
            _err(f"cassette-lint: warning: {name or fr.path}:{line}: unknown rule code {code!r} in a "
                 "suppression comment (see 'cassette-lint rules')")
    return fr


def _no_cassettes(paths, seen: int) -> None:
    """The notice on stderr for a run that checked no cassette (the output says "0 files checked")."""
    where = ", ".join(paths) if paths else "."
    _err(f"cassette-lint: no cassette found in {where}" + (f" ({seen:,} YAML/JSON file"
                                                            f"{'' if seen == 1 else 's'} skipped: no cassette format)"
                                                            if seen else " (no *.yaml, *.yml or *.json file)"))


class _Configs:
    """The configuration of each file: ``--config``/``--isolated`` for every file, else the closest
    configuration walking up from the file's directory, as ruff does (a file under no configuration
    of its own takes the one found from the current directory)."""

    def __init__(self, config_file, isolated, select, extend_select, ignore, max_file_size, cassette_format,
                 replay=(None, (), False)):
        from . import config

        self._args = (select, extend_select, ignore, max_file_size, cassette_format)
        self._replay = replay  # --replay-library, --match-on, --allow-repeats
        self.fixed = bool(config_file) or isolated
        self.root = config.resolve(config_file, isolated)
        self.root_options = self._options(self.root)
        self._by_file: dict = {self.root.path: (self.root, self.root_options)}
        self._by_dir: dict = {}
        self._by_path: dict = {}  # (asked up to three times a file: exclusion, grouping, filtering)
        self._config = config

    def _options(self, cfg):
        options = build_options(cfg, *self._args)
        _replay_options(options, *self._replay)
        return options

    def for_path(self, path: str):
        """(configuration, options) for ``path``; raises ``config.ConfigError`` for a broken one."""
        if self.fixed:
            return self.root, self.root_options
        got = self._by_path.get(path)
        if got is None:
            got = self._by_path[path] = self._for_dir(os.path.dirname(os.path.abspath(path)))
        return got

    def _for_dir(self, d: str):
        got = self._by_dir.get(d)
        if got is None:
            config = self._config
            found = config.find(d)
            got = self._by_file.get(found) if found is not None else (self.root, self.root_options)
            if got is None:
                cfg = config.load(found)
                got = self._by_file[found] = (cfg, self._options(cfg))
            self._by_dir[d] = got
        return got


def _stdin_target(stdin_filename: str | None):
    """Standard input written to a file of its own (the pipeline reads files): (target, temporary
    directory to remove)."""
    import tempfile

    from . import discovery

    data = sys.stdin.buffer.read()
    tmp = tempfile.mkdtemp(prefix="cassette-lint-stdin-")
    path = os.path.join(tmp, os.path.basename(stdin_filename or "stdin.yaml") or "stdin.yaml")
    with open(path, "wb") as fh:
        fh.write(data)
    return discovery.Target(path, True), tmp, data


def _source_lines(preload: dict | None = None):
    """``source(path, line)``: the text of a line of a checked file, for ``--show-source``
    (``preload``: {path: bytes} of files not to read from disk: standard input)."""
    cache: dict = {p: d.decode("utf-8", "replace").splitlines() for p, d in (preload or {}).items()}

    def source(path: str, line: int) -> str | None:
        lines = cache.get(path)
        if lines is None:
            try:
                with open(path, "rb") as fh:
                    lines = fh.read().decode("utf-8", "replace").splitlines()
            except OSError:
                lines = []
            cache[path] = lines
        return lines[line - 1] if 0 < line <= len(lines) else None

    return source


def check(paths, output_format, select, extend_select, ignore, config_file, isolated, fix, diff,
          baseline_file, write_baseline, statistics, exit_zero, color, quiet, max_file_size, jobs,
          cassette_format=None, replay_library=None, match_on=(), allow_repeats=False, verbose=False, *,
          skip_non_cassettes=False, output_file=None, show_source=False, stdin_filename=None,
          cache_dir=None, no_cache=False) -> None:
    """Check cassette files and directories (default: the current directory); leaves with
    ``sys.exit`` and the exit status."""
    from . import config, discovery, reporters, run

    stdin = "-" in paths
    if stdin and len(paths) > 1:
        raise UsageError("'-' (standard input) cannot be combined with other paths")
    if stdin and (fix or diff):
        raise UsageError("--fix and --diff cannot rewrite standard input ('-'): name the file")
    if stdin_filename and not stdin:
        raise UsageError("--stdin-filename names standard input: give '-' as the path")
    try:
        configs = _Configs(config_file, isolated, select, extend_select, ignore, max_file_size, cassette_format,
                           (replay_library, match_on, allow_repeats))
    except config.ConfigError as e:
        _fail(str(e))
    cfg, options = configs.root, configs.root_options
    out = sys.stdout
    if output_file:
        try:
            out = open(output_file, "w", encoding="utf-8")  # closed at exit (the console leaves without teardown: flushed there)
        except OSError as e:
            _fail(f"cannot write the output file {output_file}: {e.strerror or e}")

    stdin_tmp = None
    if stdin:
        target, stdin_tmp, stdin_data = _stdin_target(stdin_filename)
        targets = [target]
        shown = stdin_filename or "-"
        configs_path = {target.path: stdin_filename or os.path.join(os.getcwd(), "stdin.yaml")}
    else:
        custom_exclude = cfg.exclude != config.DEFAULT_EXCLUDE or cfg.extend_exclude
        targets = discovery.discover(paths or (".",), exclude=cfg.excluded if custom_exclude else None)
        configs_path = {}
    if skip_non_cassettes:  # named files as if walked: quiet when no cassette (pre-commit passes files)
        targets = [discovery.Target(t.path, False, t.error) if t.error is None else t for t in targets]
    explicit = {t.path: t.explicit for t in targets}

    def for_path(path):
        try:
            return configs.for_path(configs_path.get(path, path))
        except config.ConfigError as e:
            _fail(str(e))

    if not configs.fixed:  # a closer configuration may exclude files the walk found
        targets = [t for t in targets if not _excluded_nearer(for_path(t.path)[0], cfg, t.path)]

    def postprocess(fr):
        c, o = for_path(fr.path)
        return apply_ignores(c, o, fr, name=configs_path.get(fr.path))

    progress = None
    if (len(targets) > PROGRESS_MIN_FILES and output_format not in reporters.MACHINE_FORMATS
            and not quiet and _isatty(sys.stderr)):
        progress = _Progress(len(targets))
    # --fix and --diff check every file afresh (their fixes need the bytes and secrets a cached
    # result does not keep) and refresh the cache with what they find
    results_cache = None if no_cache or stdin else _open_cache(cache_dir, cfg, refresh=fix or diff)
    try:
        files = _check_grouped(run, targets, for_path, jobs or run.default_jobs(), progress, results_cache)
    finally:
        if progress:
            progress.close()
    if results_cache is not None and not fix:
        results_cache.save()
    files = [postprocess(fr) for fr in files]
    if verbose:
        for fr in files:
            if fr.profile is not None:
                _err(f"{fr.path}: {fr.format}, replayed by {fr.profile.described}")
    if stdin:
        import shutil

        for fr in files:
            fr.path = shown
            for f in fr.findings:
                f.path = shown
        shutil.rmtree(stdin_tmp, ignore_errors=True)

    extra: dict = {"verbose": True} if verbose else {}
    if fix or diff:
        from . import fixer

        roots = [os.path.realpath(p if os.path.isdir(p) else os.path.dirname(os.path.abspath(p)))
                 for p in (paths or (".",))]

        def recheck(path):  # (a file rewritten: its fresh result refreshes the cache)
            return postprocess(run.check_one(discovery.Target(path, explicit.get(path, True)), for_path(path)[1],
                                             results_cache))

        files, outcome = fixer.fix_files(files, recheck, roots, write=not diff)
        if results_cache is not None:
            results_cache.save()
        for msg in outcome.errors:
            _err(f"cassette-lint: {msg}")
        if diff:
            out.write("".join(outcome.diff))
            _err(f"Would fix {reporters.plural(outcome.fixed, 'finding')} in "
                 f"{reporters.plural(len(outcome.files), 'file')}.")
            out.flush()
            sys.exit(EXIT_FINDINGS if outcome.files and not exit_zero else EXIT_OK)
        extra["fixed"] = (outcome.fixed, len(outcome.files))

    result = run.RunResult(files)
    if not result.checked:
        _no_cassettes(paths, len(files))
    if write_baseline:
        from . import baseline

        try:
            n = baseline.write(write_baseline, result.findings)
        except OSError as e:
            _fail(f"cannot write the baseline {write_baseline}: {e.strerror or e}")
        _err(f"Wrote {reporters.plural(n, 'finding')} to the baseline {write_baseline}.")
        sys.exit(EXIT_OK)
    if baseline_file:
        from . import baseline

        try:
            known = baseline.load(baseline_file)
        except baseline.BaselineError as e:
            _fail(str(e))
        extra["baseline"] = baseline.filter_new(files, baseline_file, known)

    if statistics:
        out.write(reporters.render_statistics(output_format, result))
    else:
        use_color = output_format == "text" and _use_color(color, out)
        if show_source:
            extra["source"] = _source_lines({shown: stdin_data} if stdin else None)
        ctx = reporters.Context(color=use_color, quiet=quiet, statistics=statistics,
                                root=_repo_root(os.getcwd()), extra=extra)
        out.write(reporters.render(output_format, result, ctx))
    out.flush()
    has_error = any(f.severity.value == "error" for f in result.findings)
    sys.exit(EXIT_FINDINGS if has_error and not exit_zero else EXIT_OK)


def _excluded_nearer(nearest, root, path: str) -> bool:
    """True when the configuration closest to ``path`` (not the one the walk used) excludes it."""
    from . import config

    if nearest is root or (nearest.exclude == config.DEFAULT_EXCLUDE and not nearest.extend_exclude):
        return False
    return nearest.excluded(path)


def _check_grouped(run, targets, for_path, jobs: int, progress, cache=None) -> list:
    """Check ``targets`` (results in their order), one run per distinct set of options (each keyed
    on its own options in the results ``cache``)."""
    groups: dict = {}
    for i, t in enumerate(targets):
        opts = for_path(t.path)[1]
        groups.setdefault(id(opts), (opts, []))[1].append(i)
    if len(groups) <= 1:
        opts = next(iter(groups.values()))[0] if groups else for_path(".")[1]
        return run.check(targets, opts, jobs=jobs, progress=progress, cache=cache)
    files: list = [None] * len(targets)
    for opts, idx in groups.values():
        for i, fr in zip(idx, run.check([targets[i] for i in idx], opts, jobs=jobs, progress=progress, cache=cache)):
            files[i] = fr
    return files
