"""The real pre-commit runs this repository's hooks (``pre-commit try-repo``) in a temporary git repo.

The hook environment is installed by pre-commit with pip from a clone of this checkout's committed
HEAD (try-repo on the working tree itself would add half-done uncommitted changes), so the test needs the package index: it is skipped,
with the reason, when pre-commit or git is missing or pip cannot reach the index.  It never reaches
anything else.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

BROKEN = """\
version: 2
interactions:
  - id: 0
    request:
        proto: HTTP/1.1
        proto_major: 1
        proto_minor: 1
        content_length: 99
        host: api.example.com
        body: '{"model":"m","stream":false}'
        headers:
            Content-Type:
              - application/json
        url: https://api.example.com/v1/items
        method: POST
    response:
        proto: HTTP/2.0
        proto_major: 2
        proto_minor: 0
        content_length: -1
        body: '{"ok":true}'
        headers:
            Content-Type:
              - application/json
        status: 200 OK
        code: 200
        duration: 120ms
"""
CLEAN = BROKEN.replace("content_length: 99", "content_length: 28")


def _pre_commit() -> list[str]:
    exe = shutil.which("pre-commit", path=os.path.dirname(sys.executable)) or shutil.which("pre-commit")
    if exe is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return [exe]


@pytest.fixture(scope="module")
def index_reachable(tmp_path_factory):
    d = tmp_path_factory.mktemp("pipcheck")
    try:
        res = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir",
                              "-q", "-d", str(d), "click"], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip("pip cannot reach the package index (timeout)")
    if res.returncode != 0:
        pytest.skip("pip cannot reach the package index: " + (res.stderr.strip().splitlines() or ["?"])[-1])


def _git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    r = tmp_path / "project"
    (r / "cassettes").mkdir(parents=True)
    (r / "cassettes" / "broken.yaml").write_text(BROKEN)
    (r / "cassettes" / "clean.yaml").write_text(CLEAN)
    (r / "cassettes" / "broken.yaml.gz").write_bytes(gzip.compress(BROKEN.encode()))  # LangChain's kit
    (r / "cassettes" / "archive.tar.gz").write_bytes(gzip.compress(b"not a cassette"))  # never passed
    (r / "docs").mkdir()
    (r / "docs" / "not-a-cassette.yaml").write_text("a: [\n")  # outside the hook's files: never checked
    _git(r, "init", "-q")
    _git(r, "add", ".")
    # pre-commit's cache: in pytest's temporary directory, never in the user's home
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path.parent / "pre-commit-home"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return r


@pytest.fixture
def project(repo, hooks_repo):
    return _Project(repo, hooks_repo)


class _Project:
    def __init__(self, path, hooks):
        self.path, self.hooks = path, hooks


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory):
    """A clone of this repository's committed HEAD: what users of the hooks get."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    _pre_commit()
    dest = tmp_path_factory.mktemp("hooks") / "cassette-lint"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True, capture_output=True)
    return dest


def try_repo(repo, hook, *files):
    cmd = _pre_commit() + ["try-repo", str(repo.hooks), hook, "--color", "never", "--files", *files]
    res = subprocess.run(cmd, cwd=repo.path, capture_output=True, text=True, timeout=900)
    if res.returncode not in (0, 1):
        pytest.fail(f"pre-commit failed to run ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return res


def test_hook_fails_on_the_broken_cassette_and_passes_once_fixed(project, index_reachable):
    repo = project
    files = project.path / "cassettes"
    res = try_repo(repo, "cassette-lint", "cassettes/broken.yaml", "cassettes/clean.yaml", "docs/not-a-cassette.yaml",
                   "cassettes/broken.yaml.gz", "cassettes/archive.tar.gz")
    assert res.returncode == 1, res.stdout
    assert "cassettes/broken.yaml:8:25: L001 [error]" in res.stdout
    assert "cassettes/broken.yaml.gz:8:25: L001 [error]" in res.stdout  # lines of the decompressed text
    assert "clean.yaml:" not in res.stdout and "not-a-cassette" not in res.stdout
    assert "archive.tar.gz" not in res.stdout

    assert try_repo(repo, "cassette-lint", "cassettes/clean.yaml").returncode == 0

    # the fix hook repairs it (pre-commit fails a hook that modified files), then both hooks pass
    res = try_repo(repo, "cassette-lint-fix", "cassettes/broken.yaml")
    assert res.returncode == 1 and "files were modified by this hook" in res.stdout
    assert (files / "broken.yaml").read_text() == CLEAN
    assert try_repo(repo, "cassette-lint-fix", "cassettes/broken.yaml").returncode == 0
    res = try_repo(repo, "cassette-lint", "cassettes/broken.yaml", "cassettes/clean.yaml")
    assert res.returncode == 0, res.stdout


HELM = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "chart.fullname" . }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
"""


def test_hook_passes_next_to_helm_templates_and_broken_fixtures_when_the_cassettes_are_clean(
        project, index_reachable):
    """An ordinary repository: a Helm chart under testdata/, a deliberately broken YAML fixture and a
    Kubernetes manifest beside clean cassettes; every file goes to the hook (--all-files)."""
    repo = project
    (repo.path / "cassettes" / "broken.yaml").write_text(CLEAN)
    (repo.path / "cassettes" / "broken.yaml.gz").write_bytes(gzip.compress(CLEAN.encode()))
    td = repo.path / "testdata"
    (td / "chart" / "templates").mkdir(parents=True)
    (td / "chart" / "templates" / "deployment.yaml").write_text(HELM)
    (td / "invalid_on_purpose.yaml").write_text("key: [1, 2\nother: }\n")
    (td / "service.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: app\n")
    (td / "recorded.yaml").write_text(CLEAN)
    _git(repo.path, "add", ".")
    cmd = _pre_commit() + ["try-repo", str(repo.hooks), "cassette-lint", "--color", "never", "--all-files"]
    res = subprocess.run(cmd, cwd=repo.path, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Passed" in res.stdout
    # the same repository with one cassette broken fails, naming only that cassette
    (td / "recorded.yaml").write_text(BROKEN)
    res = subprocess.run(cmd, cwd=repo.path, capture_output=True, text=True, timeout=900)
    assert res.returncode == 1
    assert "testdata/recorded.yaml:8:25: L001 [error]" in res.stdout
    assert "deployment.yaml" not in res.stdout and "invalid_on_purpose" not in res.stdout
