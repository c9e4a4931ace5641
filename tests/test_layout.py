"""The package's layout shows the data path: every import points down it, never back up.

command → run → scheduler → pipeline → rules → model/formats/streams/schema → loader/reader/discovery →
findings/source/records. A module may import its own layer or any layer below; an import that
reaches up (the loader importing a rule declaration, say) is the coupling issue #18 removed.
"""

from __future__ import annotations

import ast
import pathlib

PKG = pathlib.Path(__file__).resolve().parents[1] / "lint" / "cassette_lint"

#: top to bottom; a module's layer is the first entry whose name is a prefix of its dotted name
LAYERS = [
    ("command", ["__main__", "console", "cli", "command", "config", "baseline", "fixer",
                 "reporters", "secrets_report", "pytest_plugin", "rulesdoc"]),
    ("run", ["run", "cache"]),
    ("scheduler", ["scheduler"]),
    ("pipeline", ["pipeline", "options", "profile"]),
    ("rules", ["rules"]),
    ("model", ["model", "formats", "streams", "schema", "secrets", "replay", "placeholders", "decoding"]),
    ("loader", ["loader", "loader_json", "loader_httprr", "reader", "discovery", "compression", "suppress"]),
    ("base", ["findings", "source", "records", "__init__"]),
]


def _layer(module: str) -> int:
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if module == p or module.startswith(p + "."):
                return i
    raise AssertionError(f"module {module!r} is in no layer: add it to LAYERS in {__file__}")


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(PKG).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def _imports(path: pathlib.Path, module: str) -> list[tuple[int, str]]:
    """(line, imported cassette_lint module) for every import outside ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text("utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith("cassette_lint"):
                target = node.module.removeprefix("cassette_lint").lstrip(".")
            else:
                continue
            names = [a.name for a in node.names]
            for n in names:  # ``from . import rules`` imports a module, ``from .x import y`` a name of x
                sub = f"{target}.{n}" if target else n
                out.append((node.lineno, sub if (PKG / sub.replace(".", "/")).with_suffix(".py").exists()
                            or (PKG / sub.replace(".", "/")).is_dir() else (target or "__init__")))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("cassette_lint."):
                    out.append((node.lineno, a.name.removeprefix("cassette_lint.")))
    return out


def test_every_import_points_down_the_data_path():
    upward = []
    for path in sorted(PKG.rglob("*.py")):
        module = _module_name(path)
        mine = _layer(module)
        for line, target in _imports(path, module):
            if target == "" or target.split(".")[0] == module.split(".")[0]:
                continue  # its own package (rules/x importing rules): one room
            if _layer(target) < mine:
                upward.append(f"{path.relative_to(PKG)}:{line}: {module} ({LAYERS[mine][0]}) imports "
                              f"{target} ({LAYERS[_layer(target)][0]})")
    assert upward == []


def test_the_layout_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The check above can fail: a loader that imports a rule module is caught."""
    fake = PKG / "loader.py"
    src = fake.read_text("utf-8") + "\nfrom .rules import loading as _L  # noqa\n"
    p = tmp_path / "loader.py"
    p.write_text(src, "utf-8")
    found = [t for _, t in _imports(p, "loader")]
    assert "rules.loading" in found and _layer("rules.loading") < _layer("loader")


def test_every_package_is_listed_for_the_wheel():
    """pyproject lists the packages explicitly: a new subpackage missing there is missing from the
    wheel (and from a pre-commit hook's install) while every test from the checkout passes."""
    import tomllib

    pyproject = tomllib.loads((PKG.parents[1] / "pyproject.toml").read_text("utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    found = {"cassette_lint" + ("." + ".".join(p.parent.relative_to(PKG).parts) if p.parent != PKG else "")
             for p in PKG.rglob("__init__.py")}
    assert found - listed == set()
