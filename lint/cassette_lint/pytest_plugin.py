"""The pytest plugin (entry point ``pytest11``), in the style of pytest-mypy and pytest-ruff.

``pytest --cassette-lint [PATHS]`` collects every cassette under the paths pytest collects as a test
item of its own (``path::cassette-lint``) that fails with the findings as its report: it works with
``-k``, ``--junitxml``, ``-x`` and pytest-xdist like any other item. A YAML/JSON file that is no
cassette is not collected (the sniff of the directory walk: a top-level ``interactions`` key), or
is skipped when it turns out to be none.

``--cassette-lint-record`` lints every cassette that a test wrote through vcrpy (also under
pytest-recording, which uses vcrpy) and fails the test with the findings, so a bad recording never
reaches a commit. vcrpy writes a cassette when its context exits: inside the test (``with
vcr.use_cassette(...)``, a decorator) the test's call fails; when a fixture writes it at teardown
(pytest-recording's ``vcr`` fixture) the teardown fails.

An item fails on error-severity findings, as ``cassette-lint check`` exits 1 on them; warnings are
shown in the item's report. The configuration is the one ``cassette-lint check`` would use for the
file (``[tool.cassette-lint]``, ``.cassette-lint.toml``).

Nothing of cassette-lint is imported unless one of the options is given: pytest loads this module
in every run of every project where cassette-lint is installed.
"""

from __future__ import annotations

import os

import pytest

_SUFFIXES = (".yaml", ".yml", ".json", ".yaml.gz", ".yml.gz", ".json.gz")


def pytest_addoption(parser):
    group = parser.getgroup("cassette-lint", "lint HTTP cassettes (cassette-lint)")
    group.addoption("--cassette-lint", action="store_true", default=False,
                    help="collect every cassette (YAML/JSON) under the collected paths as a test item "
                         "that fails with cassette-lint's findings")
    group.addoption("--cassette-lint-record", action="store_true", default=False,
                    help="lint every cassette a test writes through vcrpy (pytest-recording too) and "
                         "fail the test with the findings")


def pytest_configure(config):
    config.addinivalue_line("markers", "cassette_lint: a cassette checked by cassette-lint")
    if config.getoption("cassette_lint_record"):
        recorder = _Recorder()
        if recorder.install():
            config.pluginmanager.register(recorder, "cassette-lint-recorder")
            config.add_cleanup(recorder.uninstall)


# -- --cassette-lint: cassettes as test items ---------------------------------------------------------

def pytest_collect_file(file_path, parent):
    config = parent.config
    if not config.getoption("cassette_lint") or not file_path.name.endswith(_SUFFIXES):
        return None
    try:
        with open(file_path, "rb") as f:
            head = f.read(1 << 20)
    except OSError:
        return None
    from . import formats

    name = file_path.name
    if name.endswith(".gz"):  # gzip'd cassettes: sniff the start of the decompressed text
        import zlib

        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 1 << 20)
        except zlib.error:
            return None
        name = name[:-3]
    sniff = formats.json_may_be_cassette if name.endswith(".json") else formats.yaml_may_be_cassette
    if not sniff(head, None):  # (the sniff of a file that does not load: its keys' text)
        return None
    return CassetteFile.from_parent(parent, path=file_path)


class CassetteFile(pytest.File):
    def collect(self):
        yield CassetteItem.from_parent(self, name="cassette-lint")


class CassetteLintFailure(Exception):
    """Findings that fail an item (the report is the message)."""


class CassetteItem(pytest.Item):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_marker("cassette_lint")

    def runtest(self):
        result = lint(self._shown_path(), explicit=False)
        if result is None:
            pytest.skip("not a cassette")
        failing, text = result
        if failing:
            raise CassetteLintFailure(text)
        if text:  # warnings only: shown with -rA, and in --junitxml's system-out
            self.add_report_section("call", "cassette-lint", text)

    def _shown_path(self) -> str:
        """The path relative to where pytest was started, as ``cassette-lint check`` there prints it."""
        try:
            return os.path.relpath(self.path, self.config.invocation_params.dir)
        except ValueError:  # another drive
            return str(self.path)

    def repr_failure(self, excinfo, style=None):
        if excinfo.errisinstance(CassetteLintFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"cassette-lint {self.path.name}"


# -- --cassette-lint-record: what a test recorded -------------------------------------------------------

class _Recorder:
    """Remembers the cassettes vcrpy writes while a test runs, and lints them when it ends."""

    def __init__(self):
        self.written: list[str] = []
        self._original = None

    def install(self) -> bool:
        try:
            from vcr.cassette import Cassette
        except ImportError:
            return False
        # vcrpy 6+ writes through Cassette._persist; older versions in Cassette._save (when dirty)
        self._name = "_persist" if hasattr(Cassette, "_persist") else "_save"
        original = self._original = getattr(Cassette, self._name)
        recorder = self

        def wrapper(cassette, *args, **kwargs):
            dirty = getattr(cassette, "dirty", True)
            out = original(cassette, *args, **kwargs)
            if dirty or kwargs.get("force") or args:
                path = os.path.abspath(str(cassette._path))
                if path not in recorder.written and os.path.exists(path):
                    recorder.written.append(path)
            return out

        setattr(Cassette, self._name, wrapper)
        return True

    def uninstall(self) -> None:
        if self._original is not None:
            from vcr.cassette import Cassette

            setattr(Cassette, self._name, self._original)
            self._original = None

    def _check_written(self, item, when: str):
        paths, self.written = self.written, []
        failing, texts = False, []
        for p in paths:
            try:
                p = os.path.relpath(p, item.config.invocation_params.dir)
            except ValueError:  # another drive
                pass
            result = lint(p, explicit=True)
            if result is None:
                continue
            bad, text = result
            failing = failing or bad
            if text:
                texts.append(text)
        if texts and not failing:
            item.add_report_section(when, "cassette-lint", "\n".join(texts))
        if failing:
            raise CassetteLintFailure("cassette-lint: the cassette(s) this test recorded have errors:\n"
                                      + "\n".join(texts))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        self.written = []
        out = yield
        self._check_written(item, "call")
        return out

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        out = yield
        self._check_written(item, "teardown")
        return out


# -- linting one file -----------------------------------------------------------------------------------

def lint(path: str, explicit: bool) -> tuple[bool, str] | None:
    """(has errors, the findings as ``cassette-lint check`` prints them) for the cassette at ``path``,
    or None when it is no cassette (walked files only)."""
    from . import command, config, discovery, pipeline
    from .reporters.text import line

    try:
        cfg = _config(os.path.dirname(os.path.abspath(path)))
    except config.ConfigError as e:
        raise CassetteLintFailure(f"cassette-lint: configuration error: {e}") from None
    if cfg.excluded(path):
        return None
    options = command.build_options(cfg)
    fr = command.apply_ignores(cfg, options, pipeline.check_file(discovery.Target(path, explicit), options))
    if fr.skipped is not None:
        return None
    text = "\n".join(line(f) for f in fr.findings)
    return any(f.severity.value == "error" for f in fr.findings), text


_configs: dict = {}


def _config(directory: str):
    """The configuration ``cassette-lint check`` would find from ``directory`` (cached per directory)."""
    got = _configs.get(directory)
    if got is None:
        from . import config

        got = _configs[directory] = config.resolve(None, False, cwd=directory)
    return got
