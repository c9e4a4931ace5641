"""Configuration: ``[tool.cassette-lint]`` in ``pyproject.toml`` or a ``.cassette-lint.toml``.

The closest configuration walking up from the current directory wins (in one directory
``.cassette-lint.toml`` beats ``pyproject.toml``; a ``pyproject.toml`` without a
``[tool.cassette-lint]`` table does not count).  ``--config FILE`` names one explicitly and
``--isolated`` ignores every configuration file.

Paths in ``exclude``, ``extend-exclude`` and ``per-file-ignores`` are globs relative to the directory
of the configuration file (the project root): ``*`` stays inside one path segment, ``**`` crosses
segments, and a pattern without ``/`` matches a file or directory name at any depth.

A bad configuration raises :class:`ConfigError` naming the offending key; the CLI exits 2.
"""

from __future__ import annotations

import os
import re
TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs a start-up ~4 ms)
if TYPE_CHECKING:
    from typing import Any

from .findings import Severity
from .records import Record

CONFIG_FILES = (".cassette-lint.toml", "pyproject.toml")

#: the built-in exclusions (``exclude`` replaces them, ``extend-exclude`` adds to them)
DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".direnv", ".eggs", ".cassette-lint-cache",
)


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


class Config(Record):
    # a plain class, not a dataclass: creating a dataclass costs every start-up ~1 ms of generated code;
    # equal by fields and unhashable, as the dataclass was
    __slots__ = ("path", "root", "select", "ignore", "extend_select", "per_file_ignores", "exclude",
                 "extend_exclude", "severity", "settings")

    def __init__(self, path: str | None = None, root: str = ".", select: tuple[str, ...] | None = None,
                 ignore: tuple[str, ...] = (), extend_select: tuple[str, ...] = (),
                 per_file_ignores: dict[str, tuple[str, ...]] | None = None,
                 exclude: tuple[str, ...] = DEFAULT_EXCLUDE, extend_exclude: tuple[str, ...] = (),
                 severity: dict[str, Severity] | None = None, settings: dict[str, dict] | None = None):
        self.path = path  # the configuration file, None when none was used
        self.root = root  # directory that relative globs are relative to
        self.select = select
        self.ignore = ignore
        self.extend_select = extend_select
        self.per_file_ignores: dict[str, tuple[str, ...]] = {} if per_file_ignores is None else per_file_ignores
        self.exclude = exclude
        self.extend_exclude = extend_exclude
        self.severity: dict[str, Severity] = {} if severity is None else severity
        self.settings: dict[str, dict] = {} if settings is None else settings

    # -- path matching -------------------------------------------------------------------------

    def _rel(self, path: str) -> str:
        ap = os.path.abspath(path)
        try:
            rel = os.path.relpath(ap, os.path.abspath(self.root))
        except ValueError:  # another drive
            rel = ap
        return rel.replace(os.sep, "/")

    def excluded(self, path: str) -> bool:
        """True when ``path`` (a file or a directory) matches ``exclude``/``extend-exclude``."""
        pats = _compiled(self.exclude + self.extend_exclude)
        if not pats:
            return False
        rel = self._rel(path)
        return any(_match_path(p, rel) for p in pats)

    def ignored_codes(self, path: str) -> tuple[str, ...]:
        """Codes ``per-file-ignores`` switches off for ``path``."""
        if not self.per_file_ignores:
            return ()
        rel = self._rel(path)
        out: list[str] = []
        for glob, codes in self.per_file_ignores.items():
            if _match_path(_compiled((glob,))[0], rel, whole=True):
                out.extend(codes)
        return tuple(out)


# -- globs -------------------------------------------------------------------------------------------

_CACHE: dict[tuple[str, ...], list] = {}


def glob_to_regex(glob: str) -> str:
    """A path glob as a regular expression (``**`` crosses ``/``, ``*`` and ``?`` do not)."""
    g = glob.strip().replace(os.sep, "/")
    while g.startswith("./"):
        g = g[2:]
    g = g.rstrip("/")
    anchored = "/" in g
    out, i = [], 0
    while i < len(g):
        c = g[i]
        if g.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if g.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = g.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = g[i + 1:j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    body = "".join(out)
    return body if anchored else "(?:.*/)?" + body


def _compiled(globs: tuple[str, ...]) -> list:
    got = _CACHE.get(globs)
    if got is None:
        got = [re.compile(glob_to_regex(g) + "$") for g in globs]
        _CACHE[globs] = got
    return got


def _match_path(rx, rel: str, whole: bool = False) -> bool:
    """Match ``rel`` or (unless ``whole``) any of its parent directories."""
    if rx.match(rel):
        return True
    if whole:
        return False
    parts = rel.split("/")
    return any(rx.match("/".join(parts[:i])) for i in range(1, len(parts)))


# -- finding and reading ---------------------------------------------------------------------------


def find(start: str | None = None) -> str | None:
    """The closest configuration file walking up from ``start`` (default: the current directory)."""
    d = os.path.abspath(start or os.getcwd())
    while True:
        for name in CONFIG_FILES:
            p = os.path.join(d, name)
            if os.path.isfile(p) and (name != "pyproject.toml" or _has_tool_table(p)):
                return p
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _has_tool_table(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return False
    if b"cassette-lint" not in raw:  # cheap pre-check: most pyproject files have no such table
        return False
    try:
        data = _toml_loads(raw, path)
    except ConfigError:
        return True  # it mentions us and is broken: report it when loading
    return isinstance(data.get("tool"), dict) and "cassette-lint" in data["tool"]


def _toml_loads(raw: bytes, path: str) -> dict:
    import tomllib

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None


def load(path: str) -> Config:
    """Read and validate one configuration file."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read configuration: {e.strerror or e}") from None
    data = _toml_loads(raw, path)
    if os.path.basename(path) == "pyproject.toml":
        table = data.get("tool", {}).get("cassette-lint") if isinstance(data.get("tool"), dict) else None
        prefix = "tool.cassette-lint"
        if table is None:
            raise ConfigError(f"{path}: no [tool.cassette-lint] table")
    else:
        table, prefix = data, ""
    return from_table(table, path, prefix)


def resolve(config_file: str | None, isolated: bool, cwd: str | None = None) -> Config:
    """The configuration a run uses: ``--config``, else the closest file, else the defaults."""
    if isolated:
        return Config(root=os.path.abspath(cwd or os.getcwd()))
    path = config_file or find(cwd)
    if path is None:
        return Config(root=os.path.abspath(cwd or os.getcwd()))
    return load(path)


_KNOWN_KEYS = ("select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude",
               "severity")


def _key(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def from_table(table: Any, path: str = "<config>", prefix: str = "") -> Config:
    from . import rules

    where = f"[{prefix}]" if prefix else "top level"
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    cfg = Config(path=path, root=os.path.dirname(os.path.abspath(path)))
    families = set(rules.FAMILIES)
    known_codes = [r.code for r in rules.all_rules()]

    def err(key: str, msg: str) -> ConfigError:
        return ConfigError(f"{path}: {_key(prefix, key)}: {msg}")

    def codes(key: str, value: Any) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise err(key, "expected a list of rule codes or prefixes, e.g. [\"L\", \"E001\"]")
        out = []
        for v in value:
            c = v.strip().upper()
            if c != "ALL" and not any(k.startswith(c) for k in known_codes):
                raise err(key, f"unknown rule code or prefix {v!r} (see 'cassette-lint rules')")
            out.append(c)
        return tuple(out)

    def globs(key: str, value: Any) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise err(key, "expected a list of path globs")
        return tuple(value)

    for key, value in table.items():
        if key == "select":
            cfg.select = codes(key, value)
        elif key == "ignore":
            cfg.ignore = codes(key, value)
        elif key == "extend-select":
            cfg.extend_select = codes(key, value)
        elif key == "exclude":
            cfg.exclude = globs(key, value)
        elif key == "extend-exclude":
            cfg.extend_exclude = globs(key, value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise err(key, 'expected a table of glob = ["CODE", ...]')
            cfg.per_file_ignores = {g: codes(f"{key}.\"{g}\"", v) for g, v in value.items()}
        elif key == "severity":
            if not isinstance(value, dict):
                raise err(key, 'expected a table of CODE = "error" | "warning"')
            for code, sev in value.items():
                k = f"{key}.{code}"
                if sev not in ("error", "warning"):
                    raise err(k, f"expected \"error\" or \"warning\", got {sev!r}")
                for c in codes(k, [code]):
                    for full in known_codes:
                        if c == "ALL" or full.startswith(c):
                            cfg.severity[full] = Severity(sev)
        elif key in families:
            if not isinstance(value, dict):
                raise err(key, "expected a table of settings for the rule family")
            cfg.settings[key] = _family_settings(key, value, err)
        else:
            hint = _did_you_mean(key, list(_KNOWN_KEYS) + sorted(families))
            raise err(key, "unknown key" + (f" (did you mean {hint!r}?)" if hint else "")
                      + "; known keys: " + ", ".join(_KNOWN_KEYS) + ", and a table per rule family ("
                      + ", ".join(sorted(families)) + ")")
    return cfg


def _family_settings(family: str, value: dict, err) -> dict:
    """Validate against the family module's ``SETTINGS`` ({name: default}) when it declares one."""
    import importlib

    mod = importlib.import_module(f"{__package__}.rules.{family}")
    spec = getattr(mod, "SETTINGS", None)
    if not isinstance(spec, dict):
        return dict(value)
    for k, v in value.items():
        if k not in spec:
            raise err(f"{family}.{k}", "unknown setting; known: " + (", ".join(sorted(spec)) or "none"))
        default = spec[k]
        if default is not None and not isinstance(v, type(default)):
            raise err(f"{family}.{k}", f"expected {type(default).__name__}, got {type(v).__name__}")
    validate = getattr(mod, "validate", None)
    if validate is not None:
        try:
            validate(value)
        except ValueError as e:
            raise err(family, str(e)) from None
    return dict(value)


def _did_you_mean(word: str, choices: list[str]) -> str | None:
    import difflib

    got = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return got[0] if got else None
