"""The console script, ``cassette-lint`` (and ``python -m cassette_lint``).

The command lines that pre-commit hooks and CI steps run, ``check`` followed by paths and a few
simple options, are read here and run without importing click, which costs every start-up ~15 ms
(a one-file run takes ~70 ms). Every other command line (help, any other option or spelling, a
path that does not exist, a value that is not plainly valid) goes to the click command line
(:mod:`cassette_lint.cli`), which reads it in full and reports usage errors. ``tests/test_cli.py``
checks that both read every simple command line the same way.
"""

from __future__ import annotations

import os
import sys

#: flags read here (every other option goes to click)
_FLAGS = {"-q": "quiet", "--quiet": "quiet", "--exit-zero": "exit_zero", "--fix": "fix",
          "--isolated": "isolated", "--statistics": "statistics", "--skip-non-cassettes": "skip_non_cassettes",
          "--no-cache": "no_cache"}
#: options with a value read here: ``--jobs 2``, ``--jobs=2``, ``-j 2``, ``-j2``, ``--format json``
_VALUES = {"-j": "jobs", "--jobs": "jobs", "--format": "output_format", "--cache-dir": "cache_dir"}


def simple_check(args: list[str]) -> dict | None:
    """The parameters of :func:`cassette_lint.command.check` for ``args`` (the arguments after the
    program name) when they are a simple ``check`` command line; None when click must read them."""
    if not args or args[0] != "check" or "CASSETTE_LINT_FORMAT" in os.environ:  # (an envvar of --format)
        return None
    from .command import DEFAULTS, FORMATS

    params = dict(DEFAULTS)
    paths = []
    i = 1
    while i < len(args):
        a = args[i]
        i += 1
        if not a.startswith("-"):
            if not os.path.exists(a):
                return None  # click says which path does not exist
            paths.append(a)
            continue
        if a in _FLAGS:
            params[_FLAGS[a]] = True
            continue
        if a.startswith("--"):
            name, eq, value = a.partition("=")
        elif a.startswith("-j") and len(a) > 2:
            name, eq, value = "-j", "=", a[2:]
        else:
            name, eq, value = a, "", ""
        key = _VALUES.get(name)
        if key is None:
            return None
        if not eq:
            if i >= len(args):
                return None
            value = args[i]
            i += 1
        if key == "jobs":
            if not (value.isascii() and value.isdigit()):
                return None
            params[key] = int(value)
        elif key == "cache_dir":
            if not value or value.startswith("-") or os.path.isfile(value):
                return None  # click reads it (or says what is wrong with it)
            params[key] = value
        elif value in FORMATS:
            params[key] = value
        else:
            return None
    params["paths"] = tuple(paths)
    return params


def entry() -> None:
    """Run the command line, flush, and leave without tearing the interpreter down, as mypy does:
    freeing every module and object at exit cost a one-file run ~25 ms of its ~120 ms (the work is
    done, the output written, workers joined)."""
    try:
        params = simple_check(sys.argv[1:])
        if params is None:
            from .cli import main

            main(prog_name="cassette-lint")
        else:
            from .command import check

            try:
                check(**params)
            except KeyboardInterrupt:  # as the click command line: 130 (128 + SIGINT)
                print("\nAborted!", file=sys.stderr)
                sys.exit(130)
            except BrokenPipeError:  # `| head`: nothing more can be written; as click's standalone mode
                sys.exit(1)
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
