"""Which recorder library a project uses, read from its manifest nearest the cassette.

Walking up from the cassette's directory, the first directory whose manifests name the library of
the cassette's ecosystem decides (a monorepo's package without the library falls through to the
root's); the walk stops after the directory that holds ``.git``. In one directory a lock file (an
exact version) wins over a declared requirement (a range, kept as written).

- Go (go-vcr cassettes): ``go.mod`` ``require`` lines ``github.com/dnaeon/go-vcr`` (v1),
  ``github.com/dnaeon/go-vcr/v2``, ``gopkg.in/dnaeon/go-vcr.v3``, ``gopkg.in/dnaeon/go-vcr.v4``; when
  ``go.mod`` names none (a wrapper module brings go-vcr in), ``go.sum`` beside it.
- Python (vcrpy cassettes): ``uv.lock``, ``poetry.lock``, ``pdm.lock``, ``Pipfile.lock``, then
  ``requirements*.txt``, ``pyproject.toml``, ``setup.cfg``, ``setup.py``, ``tox.ini``, naming
  ``vcrpy`` (or ``pytest-recording`` / ``pytest-vcr``, which bring vcrpy: version unknown).
- Ruby (VCR cassettes): ``Gemfile.lock`` (``vcr (6.2.0)``), then ``Gemfile`` / ``*.gemspec``.

Each directory's manifests are read, and each directory's answer found, once per run (the command
calls :func:`clear` as a run starts; a forked worker inherits what its parent already found):
everything remembered is held here and forgotten by :func:`clear`, and nowhere else.
"""

from __future__ import annotations

import os
import re

from . import Profile

#: the ecosystem of each cassette format
ECOSYSTEM = {"go-vcr-v2": "go", "go-vcr-v1": "go", "vcrpy": "python", "ruby-vcr": "ruby"}

#: manifests larger than this are not read (a generated lock file of many MB names the library early
#: or not at all; reading is bounded like every other input)
MAX_MANIFEST = 4 * 1024 * 1024

# (patterns as strings: compiled, and kept by ``re``'s own cache, only when a manifest is read)
_GO_MODULES = (
    # module path pattern, major
    (r"gopkg\.in/dnaeon/go-vcr\.v(\d+)\s+v?([\w.+-]+)", None),
    (r"github\.com/dnaeon/go-vcr/v(\d+)\s+v?([\w.+-]+)", None),
    (r"github\.com/dnaeon/go-vcr\s+v?([\w.+-]+)", "1"),
)


def find(path: str, cassette_format: str) -> Profile | None:
    """The profile the project's manifests give the cassette at ``path``, or None."""
    eco = ECOSYSTEM.get(cassette_format)
    if eco is None:
        return None
    return _find(os.getcwd(), os.path.dirname(os.path.abspath(path)), eco)


#: (current directory, directory, ecosystem) -> the profile found there or above, or None: the
#: manifests' sources are shown relative to the current directory
_FOUND: dict[tuple[str, str, str], Profile | None] = {}


def _find(cwd: str, d: str, eco: str) -> Profile | None:
    walked = []  # the directories asked on the way up: each is given the answer (a sibling asks again)
    found = None
    while True:
        key = (cwd, d, eco)
        if key in _FOUND:
            found = _FOUND[key]
            break
        walked.append(key)
        found = _in_dir(d, eco)
        if found is not None or (".git" in _names(d) and os.path.isdir(os.path.join(d, ".git"))):
            break
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    for key in walked:
        _FOUND[key] = found
    return found


#: directory -> the names in it (listed once for the three ecosystems)
_LISTED: dict[str, frozenset[str]] = {}


def clear() -> None:
    """Forget every manifest read and every answer found (the next lookup reads the disk again)."""
    _FOUND.clear()
    _LISTED.clear()


def _names(d: str) -> frozenset[str]:
    got = _LISTED.get(d)
    if got is None:
        try:
            got = frozenset(os.listdir(d))
        except OSError:
            got = frozenset()
        _LISTED[d] = got
    return got


def _in_dir(d: str, eco: str) -> Profile | None:
    names = _names(d)
    if not names:
        return None
    if eco == "go":
        return _go(d, names)
    if eco == "python":
        return _python(d, names)
    return _ruby(d, names)


def _read(d: str, name: str) -> str:
    try:
        with open(os.path.join(d, name), "rb") as f:
            return f.read(MAX_MANIFEST).decode("utf-8", "replace")
    except OSError:
        return ""


def _where(d: str, name: str) -> str:
    """The manifest as a user finds it: relative to the current directory (absolute on another drive)."""
    p = os.path.join(d, name)
    try:
        return os.path.relpath(p)
    except ValueError:
        return p


# -- Go ---------------------------------------------------------------------------------------------


def go_version(text: str) -> tuple[str, str] | None:
    """(major, version) of the highest go-vcr module ``text`` (a go.mod or go.sum) names."""
    best = None
    for rx, fixed in _GO_MODULES:
        for m in re.finditer(rx, text):
            if fixed is None:
                major, version = m.group(1), m.group(2)
            else:
                major, version = fixed, m.group(1)
            version = version.split("/go.mod")[0].removesuffix("+incompatible")
            if not version.startswith(major + "."):  # a pseudo-version of another major, say
                version = major
            if best is None or int(major) > int(best[0]):
                best = (major, version)
    return best


def _go(d: str, names: set[str]) -> Profile | None:
    if "go.mod" not in names:
        return None
    got = go_version(_read(d, "go.mod"))
    where = "go.mod"
    if got is None and "go.sum" in names:
        got = go_version(_read(d, "go.sum"))
        where = "go.sum, through a module that wraps go-vcr"
    if got is None:
        return None
    return Profile("go-vcr", got[1], f"{_where(d, 'go.mod' if where == 'go.mod' else 'go.sum')}"
                   + ("" if where == "go.mod" else f" ({where.split(', ', 1)[1]})"))


# -- Python -----------------------------------------------------------------------------------------

_LOCKS = ("uv.lock", "poetry.lock", "pdm.lock")
_TOML_LOCK = r'name\s*=\s*"vcrpy"\s*\n(?:[^\[\n]*\n)*?version\s*=\s*"([^"]+)"'
_PIPFILE_LOCK = r'(?s)"vcrpy"\s*:\s*\{[^}]*?"version"\s*:\s*"==([^"]+)"'
_REQ = (r"(?im)^[ \t]*['\"]?(vcrpy|pytest-recording|pytest-vcr)\b(?:\[[^\]]*\])?[ \t]*"
        r"(?:(===?|~=|>=|<=|>|<|!=)[ \t]*([0-9][\w.*+-]*))?")
_REQ_ANYWHERE = (r"""['"](vcrpy|pytest-recording|pytest-vcr)\b(?:\[[^\]]*\])?\s*"""
                 r"""(?:(===?|~=|>=|<=|>|<|!=)\s*([0-9][\w.*+-]*))?""")


def _python(d: str, names: set[str]) -> Profile | None:
    for lock in _LOCKS:
        if lock in names:
            m = re.search(_TOML_LOCK, _read(d, lock))
            if m:
                return Profile("vcrpy", m.group(1), _where(d, lock))
    if "Pipfile.lock" in names:
        m = re.search(_PIPFILE_LOCK, _read(d, "Pipfile.lock"))
        if m:
            return Profile("vcrpy", m.group(1), _where(d, "Pipfile.lock"))
    candidates = sorted(n for n in names if n.startswith("requirements") and n.endswith((".txt", ".in")))
    candidates += [n for n in ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini", "Pipfile") if n in names]
    for name in candidates:
        text = _read(d, name)
        rx = _REQ if name.endswith((".txt", ".in", ".cfg", ".ini", "Pipfile")) else _REQ_ANYWHERE
        hits = list(re.finditer(rx, text))
        if not hits:
            continue
        for m in hits:  # vcrpy itself, pinned or not, says more than a plugin that brings it
            if m.group(1).lower() == "vcrpy":
                op, ver = m.group(2), m.group(3)
                version = ver if op in ("==", "===") and ver and "*" not in ver else None
                spec = f" {op}{ver}" if op and version is None else ""
                return Profile("vcrpy", version, _where(d, name) + (f" (vcrpy{spec})" if spec else ""))
        return Profile("vcrpy", None, f"{_where(d, name)} ({hits[0].group(1)})")
    return None


# -- Ruby -------------------------------------------------------------------------------------------

_GEMLOCK = r"(?m)^ {4}vcr \(([\w.]+)\)"
_GEMFILE = (r"""(?m)^\s*(?:gem|s\.add_development_dependency|spec\.add_development_dependency|"""
            r"""s\.add_dependency|spec\.add_dependency)\s*\(?\s*['"]vcr['"]""")


def _ruby(d: str, names: set[str]) -> Profile | None:
    if "Gemfile.lock" in names:
        m = re.search(_GEMLOCK, _read(d, "Gemfile.lock"))
        if m:
            return Profile("ruby-vcr", m.group(1), _where(d, "Gemfile.lock"))
    for name in ["Gemfile"] + sorted(n for n in names if n.endswith(".gemspec")):
        if name in names and re.search(_GEMFILE, _read(d, name)):
            return Profile("ruby-vcr", None, _where(d, name))
    return None
