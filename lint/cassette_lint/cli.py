"""Command line: ``cassette-lint check``, ``cassette-lint rules``.

Exit status: 0 no error-severity finding, 1 at least one, 2 usage or configuration error.
"""

from __future__ import annotations

import sys

import click

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="cassette-lint")
def main() -> None:
    """Lint HTTP cassettes (go-vcr, vcrpy, Ruby VCR): structure, content lengths, SSE streams,
    tool calls and leaked secrets."""


def entry() -> None:
    """The console script (and ``python -m cassette_lint``): run the CLI, flush, and leave without
    tearing the interpreter down, as mypy does: freeing every module and object at exit cost a
    one-file run ~25 ms of its ~120 ms (the work is done, the output written, workers joined)."""
    import os

    try:
        main(prog_name="cassette-lint")
        code = 0
    except SystemExit as e:
        code = e.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): what the interpreter would do
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head): nothing more can be written anyway
            pass
    os._exit(code)


class _Size(click.ParamType):
    """A size in bytes: ``1000000``, ``500K``, ``100M``, ``1G`` (powers of 1024; ``0`` = no limit)."""

    name = "SIZE"
    _UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "M": 1024**2, "MB": 1024**2, "G": 1024**3, "GB": 1024**3}

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().upper()
        num = text.rstrip("BKMG")
        unit = text[len(num):]
        try:
            n = float(num)
        except ValueError:
            n = -1
        if n < 0 or unit not in self._UNITS:
            self.fail(f"{value!r} is not a size (bytes, or with a K, M or G suffix: 100M)", param, ctx)
        n = int(n * self._UNITS[unit])
        return n if n > 0 else sys.maxsize


def _split_codes(values: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for v in values:
        out.extend(c.strip().upper() for c in v.split(",") if c.strip())
    return tuple(out)


#: --format choices (the registry is reporters.FORMATS; kept literal here so start-up stays light)
_FORMATS = ("text", "json", "json-lines", "github", "sarif", "junit")
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
    click.echo(f"cassette-lint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


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


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option("--format", "output_format", type=click.Choice(_FORMATS), default="text",
              show_default=True, envvar="CASSETTE_LINT_FORMAT", show_envvar=True, help="Output format.")
@click.option("--select", multiple=True, metavar="CODES",
              help="Only these rules (codes or prefixes, comma-separated; ALL for every rule).")
@click.option("--extend-select", multiple=True, metavar="CODES",
              help="Add these rules to the selection (codes or prefixes).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rules (codes or prefixes).")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Configuration file (default: the closest .cassette-lint.toml or pyproject.toml "
                   "with [tool.cassette-lint], walking up from the current directory).")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place; the exit status reflects what remains.")
@click.option("--diff", is_flag=True, help="Print the safe fixes as a unified diff instead of writing them.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Report only findings that are not in this baseline.")
@click.option("--write-baseline", "write_baseline", type=click.Path(dir_okay=False), metavar="FILE",
              help="Record today's findings as the baseline in FILE and exit 0.")
@click.option("--statistics", is_flag=True, help="Print counts per rule and per cassette format instead of findings.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when errors are found.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour text output (auto: on a TTY, honouring NO_COLOR and FORCE_COLOR).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
@click.option("--max-file-size", type=_Size(), default="20M", show_default=True, metavar="SIZE",
              help="Files larger than this are reported (Y013) and not read (K, M, G suffixes; 0: no limit).")
@click.option("--cassette-format", type=click.Choice(["go-vcr-v2", "go-vcr-v1", "vcrpy", "ruby-vcr"]),
              default=None, help="Read every file as this cassette format (default: detected per file).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes (0: one per available core). Output order is the same for any value.")
def check(paths, output_format, select, extend_select, ignore, config_file, isolated, fix, diff,
          baseline_file, write_baseline, statistics, exit_zero, color, quiet, max_file_size, jobs,
          cassette_format=None) -> None:
    """Check cassette files and directories (default: the current directory)."""
    import os

    from . import config, engine, reporters, rules, suppress

    try:
        cfg = config.resolve(config_file, isolated)
    except config.ConfigError as e:
        _fail(str(e))
    sel, ext, ign = _split_codes(select), _split_codes(extend_select), _split_codes(ignore)
    for code in sel + ext + ign:
        if code != "ALL" and not any(r.code.startswith(code) for r in rules.all_rules()):
            raise click.UsageError(f"unknown rule code or prefix {code!r} (see 'cassette-lint rules')")
    options = engine.Options()
    options.select = (sel or cfg.select or ("ALL",)) + cfg.extend_select + ext
    options.ignore = cfg.ignore + ign
    options.severity = dict(cfg.severity)
    options.settings = {k: dict(v) for k, v in cfg.settings.items()}
    options.max_file_size = max_file_size
    options.cassette_format = cassette_format

    custom_exclude = cfg.exclude != config.DEFAULT_EXCLUDE or cfg.extend_exclude
    targets = engine.discover(paths or (".",), exclude=cfg.excluded if custom_exclude else None)
    explicit = {t.path: t.explicit for t in targets}

    def postprocess(fr):
        if not fr.findings:
            return fr
        off = cfg.ignored_codes(fr.path)
        if off:
            fr.findings = [f for f in fr.findings if not rules.matches(f.rule, off)]
        if fr.findings:
            data = engine.read_file(fr.path, options)[0]  # never blocks on a FIFO, bounded by size
            if data is None:
                return fr
            fr.findings = suppress.filter_findings(fr.findings, data)
        return fr

    progress = None
    if (len(targets) > PROGRESS_MIN_FILES and output_format not in reporters.MACHINE_FORMATS
            and not quiet and _isatty(sys.stderr)):
        progress = _Progress(len(targets))
    try:
        files = engine.check_targets(targets, options, jobs=jobs or engine.default_jobs(), progress=progress)
    finally:
        if progress:
            progress.close()
    files = [postprocess(fr) for fr in files]

    extra: dict = {}
    if fix or diff:
        from . import fixer

        roots = [os.path.realpath(p if os.path.isdir(p) else os.path.dirname(os.path.abspath(p)))
                 for p in (paths or (".",))]

        def recheck(path):
            return postprocess(engine.check_file(engine.Target(path, explicit.get(path, True)), options))

        files, outcome = fixer.fix_files(files, recheck, roots, write=not diff)
        for msg in outcome.errors:
            click.echo(f"cassette-lint: {msg}", err=True)
        if diff:
            sys.stdout.write("".join(outcome.diff))
            click.echo(f"Would fix {reporters.plural(outcome.fixed, 'finding')} in "
                       f"{reporters.plural(len(outcome.files), 'file')}.", err=True)
            sys.exit(EXIT_FINDINGS if outcome.files and not exit_zero else EXIT_OK)
        extra["fixed"] = (outcome.fixed, len(outcome.files))

    result = engine.RunResult(files)
    if write_baseline:
        from . import baseline

        n = baseline.write(write_baseline, result.findings)
        click.echo(f"Wrote {reporters.plural(n, 'finding')} to the baseline {write_baseline}.", err=True)
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


@main.command("rules")
@click.argument("code", required=False)
def rules_cmd(code: str | None) -> None:
    """List every rule, or print the documentation of one (by code or name)."""
    from . import rules

    if code is None:
        all_ = rules.all_rules()
        width = max(len(r.name) for r in all_)
        for r in all_:
            fix = "fix" if r.fixable else "   "
            click.echo(f"{r.code:<5} {r.name:<{width}}  {r.severity.value:<7} {fix}  {r.summary}")
        return
    r = rules.get(code)
    if r is None:
        raise click.UsageError(f"unknown rule {code!r} (see 'cassette-lint rules')")
    click.echo(f"{r.code} {r.name}\n")
    click.echo(f"Default severity: {r.severity.value}")
    click.echo(f"Family: {r.family}")
    if r.fixable:
        click.echo("Fix: available (safe, applied by --fix)")
    click.echo("")
    click.echo(r.doc)
