"""The rule registry.

One module per rule family (``FAMILIES``).  A rule is a generator function decorated with
:func:`rule`: it receives a format-neutral :class:`~cassette_lint.model.Cassette`, yields
:class:`~cassette_lint.findings.Problem` objects, never parses YAML and never prints.  Its docstring
is its documentation (``cassette-lint rules CODE``): what it checks, why it matters, how to fix it,
and FAIL/PASS examples.

Rules whose problems are found while loading a file (YAML syntax, encoding, schema) are declared
with :func:`declare`: they have a code, a name and documentation, but the loader emits them.

Codes are stable: a family letter and three digits.  Selecting a prefix (``--select E``) selects a
family.
"""

from __future__ import annotations

import importlib
TYPE_CHECKING = False  # (not typing.TYPE_CHECKING: importing typing costs a start-up ~4 ms)
if TYPE_CHECKING:
    from typing import Callable, Iterable, Iterator

from ..findings import Problem, Severity
from ..records import Value

#: family modules, in the order their rules run and are listed
FAMILIES = (
    "loading",
    "schema",
    "content_length",
    "http",
    "event_stream",
    "termination",
    "tool_calls",
    "provider",
    "secrets",
    "replay",
    "formats",
)


class Rule(Value):
    """A registered rule.  A value (equal and hashed by its fields): treat it as immutable.

    (A plain class, not a dataclass: creating a dataclass costs every start-up ~1 ms of generated code.)
    """

    __slots__ = ("code", "name", "severity", "doc", "family", "check", "fixable", "tags", "takes_settings")

    def __init__(self, code: str, name: str, severity: Severity, doc: str, family: str,
                 check: Callable[..., Iterator[Problem]] | None = None, fixable: bool = False,
                 tags: tuple[str, ...] = (), takes_settings: bool = False):
        self.code = code
        self.name = name
        self.severity = severity
        self.doc = doc
        self.family = family
        self.check = check
        self.fixable = fixable
        self.tags = tags
        #: True when ``check`` takes a second argument: the family's settings from the configuration
        self.takes_settings = takes_settings

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else ""


class _Registry(dict):
    """Rules by code; ``version`` changes with every change (tests add rules with ``monkeypatch``), so
    what is computed from the registry can be keyed by one integer instead of every code."""

    version = 0

    def __setitem__(self, code, rule) -> None:
        super().__setitem__(code, rule)
        self.version += 1

    def __delitem__(self, code) -> None:
        super().__delitem__(code)
        self.version += 1


_REGISTRY: _Registry = _Registry()
_loaded = False


def _register(r: Rule) -> Rule:
    other = _REGISTRY.get(r.code)
    if other is not None and other is not r:
        raise RuntimeError(f"rule code {r.code} registered twice ({other.name}, {r.name})")
    for o in _REGISTRY.values():
        if o.name == r.name and o.code != r.code:
            raise RuntimeError(f"rule name {r.name} registered twice ({o.code}, {r.code})")
    _REGISTRY[r.code] = r
    return r


def _family_of(module_name: str) -> str:
    return module_name.rsplit(".", 1)[-1]


#: codes of opt-in rules: not in the default selection, enabled only by a selector naming the code
#: exactly (``--select K022``, ``--extend-select K022``, ``select = ["K022"]``); a prefix or ``ALL``
#: does not enable them
OPT_IN: set[str] = set()


def cleandoc(doc: str) -> str:
    """``inspect.cleandoc``: the docstring's first line stripped, the others' common indentation
    removed, leading and trailing blank lines dropped (``inspect`` itself costs every run that checks
    a file ~5 ms of imports: ``ast``, ``dis``, ``tokenize``)."""
    lines = doc.expandtabs().split("\n")
    margin = min((len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.lstrip()), default=None)
    lines[0] = lines[0].lstrip()
    if margin is not None:
        lines[1:] = [ln[margin:] for ln in lines[1:]]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


def rule(code: str, name: str, severity: Severity, *, fixable: bool = False, tags: Iterable[str] = (),
         opt_in: bool = False):
    """Decorator: register a ``check(cassette)`` generator as rule ``code``.

    A check may take a second argument, ``settings``: the dict of its family's options from the
    configuration (``[tool.cassette-lint.<family>]``), e.g. the secrets allowlist.  ``opt_in``: the
    rule runs only when selected by its exact code (:data:`OPT_IN`).
    """

    def deco(fn):
        if opt_in:
            OPT_IN.add(code)
        doc = cleandoc(fn.__doc__ or "")
        if not doc:
            raise RuntimeError(f"rule {code} has no docstring")
        takes = fn.__code__.co_argcount > 1  # (inspect.signature costs ~15 µs a rule at start-up)
        _register(Rule(code, name, severity, doc, _family_of(fn.__module__), fn, fixable, tuple(tags), takes))
        fn.code = code
        return fn

    return deco


def declare(code: str, name: str, severity: Severity, doc: str, *, module: str,
            fixable: bool = False, tags: Iterable[str] = ()) -> Rule:
    """Register a rule that the loader or the engine emits (it has no ``check`` of its own)."""
    return _register(Rule(code, name, severity, cleandoc(doc), _family_of(module), None,
                          fixable, tuple(tags)))


def load_all() -> dict[str, Rule]:
    global _loaded
    if not _loaded:
        for fam in FAMILIES:
            importlib.import_module(f"{__name__}.{fam}")
        _loaded = True
    return _REGISTRY


_sorted: tuple[int, list[Rule]] | None = None


def registry_key() -> int:
    """Changes whenever the set of registered rules does (tests patch the registry)."""
    load_all()
    return _REGISTRY.version


def all_rules() -> list[Rule]:
    """Every rule in family order (computed once per registry state)."""
    global _sorted
    key = registry_key()
    if _sorted is None or _sorted[0] != key:
        order = {f: i for i, f in enumerate(FAMILIES)}
        _sorted = (key, sorted(_REGISTRY.values(), key=lambda r: (order.get(r.family, 99), r.code)))
    return _sorted[1]


def get(code: str) -> Rule | None:
    reg = load_all()
    r = reg.get(code.upper())
    if r is None:
        for o in reg.values():
            if o.name == code.lower():
                return o
    return r


def selected(code: str, selectors: Iterable[str]) -> bool:
    """:func:`matches` for a selection: an opt-in rule is selected only by its exact code."""
    if code in OPT_IN:
        return any(s == code for s in selectors)
    return matches(code, selectors)


def matches(code: str, selectors: Iterable[str]) -> bool:
    """True when ``code`` equals or starts with one of ``selectors`` (``ALL`` matches everything)."""
    for s in selectors:
        if s == "ALL" or code.startswith(s):
            return True
    return False
