"""Command line (click): ``cassette-lint check``, ``cassette-lint rules``.

The ``check`` command's work is :func:`cassette_lint.command.check`; the console script
(:mod:`cassette_lint.console`) comes here for every command line it does not read itself.
Exit status: 0 no error-severity finding, 1 at least one, 2 usage or configuration error.
"""

from __future__ import annotations

import sys

import click

from . import __version__
from .command import DEFAULTS, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, FORMATS  # noqa: F401 - re-exported


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="cassette-lint")
def main() -> None:
    """Lint HTTP cassettes (go-vcr, vcrpy, Ruby VCR): structure, content lengths, SSE streams,
    tool calls and leaked secrets."""


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


def _existing(ctx, param, paths):
    """Paths that exist, or are a symbolic link (a dangling or looping link is reported as Y012, not
    refused as missing); ``-`` is standard input."""
    import os

    for p in paths:
        if p != "-" and not os.path.lexists(p):
            raise click.BadParameter(f"Path {p!r} does not exist.", ctx=ctx, param=param)
    return paths


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(file_okay=True, dir_okay=True, allow_dash=True),
                callback=_existing)
@click.option("--format", "output_format", type=click.Choice(FORMATS), default=DEFAULTS["output_format"],
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
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default=DEFAULTS["color"], show_default=True,
              help="Colour text output (auto: on a TTY, honouring NO_COLOR and FORCE_COLOR).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
@click.option("--max-file-size", type=_Size(), default="20M", show_default=True, metavar="SIZE",
              help="Files larger than this are reported (Y013) and not read (K, M, G suffixes; 0: no limit).")
@click.option("--cassette-format", type=click.Choice(["go-vcr-v2", "go-vcr-v1", "vcrpy", "ruby-vcr", "har", "test-proxy", "nock", "httprr"]),
              default=None, help="Read every file as this cassette format (default: detected per file).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=DEFAULTS["jobs"], show_default=True,
              help="Worker processes (0: one per available core). Output order is the same for any value.")
@click.option("--replay-library", metavar="NAME",
              help="The library that replays the cassettes: go-vcr-v4, go-vcr-v3, go-vcr-v2, go-vcr-v1, vcrpy, "
                   "ruby-vcr or custom, a version may follow (vcrpy==8.2.0). Default: found in the project's "
                   "manifest nearest each cassette, else the cassette format's default.")
@click.option("--match-on", multiple=True, metavar="NAMES",
              help="The request fields the project's matcher compares (comma-separated: method,uri,body).")
@click.option("--allow-repeats", is_flag=True,
              help="Interactions may be played more than once (vcrpy allow_playback_repeats, go-vcr "
                   "ReplayableInteractions).")
@click.option("--verbose", "-v", is_flag=True, help="Also say, per file, its format and the library profile that judged it.")
@click.option("--skip-non-cassettes", is_flag=True,
              help="Named files that are no cassette are skipped as when walking a directory, not reported "
                   "(for pre-commit hooks, which name every file).")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the output to FILE instead of standard output.")
@click.option("--show-source", is_flag=True,
              help="Show the source around each finding, with a caret under the column (text format).")
@click.option("--stdin-filename", metavar="PATH",
              help="With '-' as the path: the name of the file read from standard input (for messages, "
                   "configuration and per-file-ignores).")
@click.option("--cache-dir", "cache_dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Where results are cached between runs (default: $CASSETTE_LINT_CACHE_DIR, else "
                   ".cassette-lint-cache in the project root).")
@click.option("--no-cache", "no_cache", is_flag=True, help="Neither read nor write the cache.")
def check(paths, output_format, select, extend_select, ignore, config_file, isolated, fix, diff,
          baseline_file, write_baseline, statistics, exit_zero, color, quiet, max_file_size, jobs,
          cassette_format=None, replay_library=None, match_on=(), allow_repeats=False, verbose=False,
          skip_non_cassettes=False, output_file=None, show_source=False, stdin_filename=None,
          cache_dir=None, no_cache=False) -> None:
    """Check cassette files and directories (default: the current directory; '-': standard input)."""
    from . import command

    try:
        command.check(paths, output_format, select, extend_select, ignore, config_file, isolated, fix, diff,
                      baseline_file, write_baseline, statistics, exit_zero, color, quiet, max_file_size, jobs,
                      cassette_format, replay_library, match_on, allow_repeats, verbose,
                      skip_non_cassettes=skip_non_cassettes, output_file=output_file,
                      show_source=show_source, stdin_filename=stdin_filename,
                      cache_dir=cache_dir, no_cache=no_cache)
    except command.UsageError as e:
        raise click.UsageError(str(e)) from None
    except KeyboardInterrupt:  # Ctrl-C: 130 (128 + SIGINT), as shells and ruff report it
        click.echo("\nAborted!", err=True)
        sys.exit(command.EXIT_INTERRUPTED)


@main.command("secrets")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option("--recorder", "recorders", multiple=True, type=click.Choice(("vcrpy", "go-vcr", "ruby-vcr")),
              help="Print this recorder's configuration (repeatable; default: those of the cassettes read).")
@click.option("--format", "output_format", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="Output format.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this configuration file.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
def secrets_cmd(paths, recorders, output_format, config_file, isolated) -> None:
    """Redaction coverage: per credential header, query parameter, form field and JSON key, how many
    cassettes hold it redacted and how many in clear, and the recorder configuration that filters
    them all. Never prints a value."""
    from . import config, secrets_report

    try:
        click.echo(secrets_report.command(paths, recorders, output_format, config_file, isolated), nl=False)
    except config.ConfigError as e:
        click.echo(f"cassette-lint: {e}", err=True)
        sys.exit(EXIT_USAGE)


@main.command("clean")
@click.option("--cache-dir", "cache_dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="The cache to remove (default: $CASSETTE_LINT_CACHE_DIR, else .cassette-lint-cache in "
                   "the project root).")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Configuration file whose directory is the project root.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
def clean_cmd(cache_dir, config_file, isolated) -> None:
    """Remove the results cache."""
    from . import cache, command, config

    try:
        cfg = config.resolve(config_file, isolated)
    except config.ConfigError as e:
        raise click.UsageError(str(e)) from None
    d = cache.location(cache_dir, command.project_root(cfg))
    removed = cache.clean(d)
    click.echo(f"Removed the cache {d}." if removed else f"No cache in {d}.", err=True)


@main.command("rules")
@click.argument("code", required=False)
@click.option("--all", "all_", is_flag=True, help="Print the documentation of every rule.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Output format (json and markdown: every field of every rule, or of CODE).")
def rules_cmd(code: str | None, all_: bool = False, output_format: str = "text") -> None:
    """List every rule, or print the documentation of one (by code or name)."""
    from . import rules

    if output_format != "text" or all_:
        from . import rulesdoc

        chosen = rules.all_rules()
        if code is not None:
            r = rules.get(code)
            if r is None:
                raise click.UsageError(f"unknown rule {code!r} (see 'cassette-lint rules')")
            chosen = [r]
        click.echo(rulesdoc.render(chosen, output_format), nl=False)
        return
    if code is None:
        all_ = rules.all_rules()
        width = max(len(r.name) for r in all_)
        for r in all_:
            fix = "fix" if r.fixable else "   "
            opt = " (opt-in)" if r.code in rules.OPT_IN else ""
            click.echo(f"{r.code:<5} {r.name:<{width}}  {r.severity.value:<7} {fix}  {r.summary}{opt}")
        return
    r = rules.get(code)
    if r is None:
        raise click.UsageError(f"unknown rule {code!r} (see 'cassette-lint rules')")
    click.echo(f"{r.code} {r.name}\n")
    click.echo(f"Default severity: {r.severity.value}")
    click.echo(f"Family: {r.family}")
    if r.fixable:
        click.echo("Fix: available (safe, applied by --fix)")
    if r.code in rules.OPT_IN:
        click.echo(f"Selection: opt-in (runs only with --select {r.code} or --extend-select {r.code})")
    click.echo("")
    click.echo(r.doc)
