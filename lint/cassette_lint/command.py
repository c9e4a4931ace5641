"""The ``check`` command itself, apart from how its arguments were read.

``cli`` parses the command line with click and calls :func:`check`; the console script
(``console``) calls it directly for the simple command lines that pre-commit hooks and CI steps
use, without importing click (~15 ms of every start-up). Nothing here imports click.

Exit status: 0 no error-severity finding, 1 at least one, 2 usage or configuration error.
"""

from __future__ import annotations

import sys

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

#: the value of every ``check`` option when it is not given (``cli`` declares the same defaults;
#: a test compares them with what click parses from a bare ``check``)
DEFAULTS = {
    "paths": (), "output_format": "text", "select": (), "extend_select": (), "ignore": (), "config_file": None,
    "isolated": False, "fix": False, "diff": False, "baseline_file": None, "write_baseline": None,
    "statistics": False, "exit_zero": False, "color": "auto", "quiet": False, "max_file_size": 20 * 1024 ** 2,
    "jobs": 0, "cassette_format": None, "replay_library": None, "match_on": (), "allow_repeats": False,
    "verbose": False,
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
    import os

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
    import os

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


def build_options(cfg, select=(), extend_select=(), ignore=(), max_file_size=DEFAULTS["max_file_size"],
                  cassette_format=None):
    """The run's :class:`~cassette_lint.options.Options` from the configuration ``cfg`` and the
    command line's rule selection (raises :class:`UsageError` for an unknown code)."""
    from . import rules
    from .options import Options

    sel, ext, ign = _split_codes(select), _split_codes(extend_select), _split_codes(ignore)
    for code in sel + ext + ign:
        if code != "ALL" and not any(r.code.startswith(code) for r in rules.all_rules()):
            raise UsageError(f"unknown rule code or prefix {code!r} (see 'cassette-lint rules')")
    options = Options()
    options.select = (sel or cfg.select or ("ALL",)) + cfg.extend_select + ext
    options.ignore = cfg.ignore + ign
    options.severity = dict(cfg.severity)
    options.settings = {k: dict(v) for k, v in cfg.settings.items()}
    options.max_file_size = max_file_size
    options.cassette_format = cassette_format
    return options


def apply_ignores(cfg, options, fr):
    """``fr`` without the findings that ``per-file-ignores`` or a suppression comment switch off."""
    from . import reader, rules, suppress

    if not fr.findings:
        return fr
    off = cfg.ignored_codes(fr.path)
    if off:
        fr.findings = [f for f in fr.findings if not rules.matches(f.rule, off)]
    if fr.findings:
        data = reader.read_file(fr.path, options.max_file_size)[0]  # never blocks on a FIFO, bounded by size
        if data is None:
            return fr
        fr.findings = suppress.filter_findings(fr.findings, data)
    return fr


def _no_cassettes(paths, seen: int) -> None:
    """The notice on stderr for a run that checked no cassette (the output says "0 files checked")."""
    where = ", ".join(paths) if paths else "."
    _err(f"cassette-lint: no cassette found in {where}" + (f" ({seen:,} YAML/JSON file"
                                                            f"{'' if seen == 1 else 's'} skipped: no cassette format)"
                                                            if seen else " (no *.yaml, *.yml or *.json file)"))


def check(paths, output_format, select, extend_select, ignore, config_file, isolated, fix, diff,
          baseline_file, write_baseline, statistics, exit_zero, color, quiet, max_file_size, jobs,
          cassette_format=None, replay_library=None, match_on=(), allow_repeats=False, verbose=False) -> None:
    """Check cassette files and directories (default: the current directory); leaves with
    ``sys.exit`` and the exit status."""
    import os

    from . import config, discovery, reporters, run

    try:
        cfg = config.resolve(config_file, isolated)
    except config.ConfigError as e:
        _fail(str(e))
    options = build_options(cfg, select, extend_select, ignore, max_file_size, cassette_format)
    _replay_options(options, replay_library, match_on, allow_repeats)

    custom_exclude = cfg.exclude != config.DEFAULT_EXCLUDE or cfg.extend_exclude
    targets = discovery.discover(paths or (".",), exclude=cfg.excluded if custom_exclude else None)
    explicit = {t.path: t.explicit for t in targets}

    def postprocess(fr):
        return apply_ignores(cfg, options, fr)

    progress = None
    if (len(targets) > PROGRESS_MIN_FILES and output_format not in reporters.MACHINE_FORMATS
            and not quiet and _isatty(sys.stderr)):
        progress = _Progress(len(targets))
    try:
        files = run.check(targets, options, jobs=jobs or run.default_jobs(), progress=progress)
    finally:
        if progress:
            progress.close()
    files = [postprocess(fr) for fr in files]
    if verbose:
        for fr in files:
            if fr.profile is not None:
                _err(f"{fr.path}: {fr.format}, replayed by {fr.profile.described}")

    extra: dict = {"verbose": True} if verbose else {}
    if fix or diff:
        from . import fixer

        roots = [os.path.realpath(p if os.path.isdir(p) else os.path.dirname(os.path.abspath(p)))
                 for p in (paths or (".",))]

        def recheck(path):
            return postprocess(run.check_one(discovery.Target(path, explicit.get(path, True)), options))

        files, outcome = fixer.fix_files(files, recheck, roots, write=not diff)
        for msg in outcome.errors:
            _err(f"cassette-lint: {msg}")
        if diff:
            sys.stdout.write("".join(outcome.diff))
            _err(f"Would fix {reporters.plural(outcome.fixed, 'finding')} in "
                 f"{reporters.plural(len(outcome.files), 'file')}.")
            sys.exit(EXIT_FINDINGS if outcome.files and not exit_zero else EXIT_OK)
        extra["fixed"] = (outcome.fixed, len(outcome.files))

    result = run.RunResult(files)
    if not result.checked:
        _no_cassettes(paths, len(files))
    if write_baseline:
        from . import baseline

        n = baseline.write(write_baseline, result.findings)
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
        sys.stdout.write(reporters.render_statistics(output_format, result))
    else:
        use_color = output_format == "text" and _use_color(color, sys.stdout)
        ctx = reporters.Context(color=use_color, quiet=quiet, statistics=statistics,
                                root=_repo_root(os.getcwd()), extra=extra)
        sys.stdout.write(reporters.render(output_format, result, ctx))
    has_error = any(f.severity.value == "error" for f in result.findings)
    sys.exit(EXIT_FINDINGS if has_error and not exit_zero else EXIT_OK)
