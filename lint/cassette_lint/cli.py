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


def _split_codes(values: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for v in values:
        out.extend(c.strip().upper() for c in v.split(",") if c.strip())
    return tuple(out)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--select", multiple=True, metavar="CODES",
              help="Only these rules (codes or prefixes, comma-separated; ALL for every rule).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rules (codes or prefixes).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes (0: one per available core). Output order is the same for any value.")
def check(paths, output_format, select, ignore, quiet, jobs) -> None:
    """Check cassette files and directories (default: the current directory)."""
    from . import engine, reporters, rules

    options = engine.Options()
    sel, ign = _split_codes(select), _split_codes(ignore)
    for code in sel + ign:
        if code != "ALL" and not any(r.code.startswith(code) for r in rules.all_rules()):
            raise click.UsageError(f"unknown rule code or prefix {code!r} (see 'cassette-lint rules')")
    if sel:
        options.select = sel
    if ign:
        options.ignore = ign
    result = engine.run(paths or (".",), options, jobs=jobs or engine.default_jobs())
    ctx = reporters.Context(color=False, quiet=quiet)
    sys.stdout.write(reporters.render(output_format, result, ctx))
    has_error = any(f.severity.value == "error" for f in result.findings)
    sys.exit(EXIT_FINDINGS if has_error else EXIT_OK)


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
