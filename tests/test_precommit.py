"""The pre-commit hook as a project uses it: `.pre-commit-hooks.yaml` offers `loopcheck`, and a
real `pre-commit run` fails a commit that adds a loop, passes a guarded template, and lets
other YAML files (a GitHub workflow) through quietly.

pre-commit installs a hook from a git repository at a revision, so it only ever sees
committed code; `pre-commit try-repo` adds the tracked modified files, but not untracked
ones (a new module, or this hook file before it is first committed), and it builds a fresh
environment on every call. So the test snapshots this checkout's working tree, tracked and
untracked files alike (not ignored ones), into a temporary repository, commits it, and
points a `.pre-commit-config.yaml` at that commit: what is tested is the working tree.
Building the hook's environment pip-installs loopcheck and its dependencies (from PyPI or
the configured index): about a minute the first time, then every run reuses it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow  # builds the hook environment with pip

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
GIT = shutil.which("git")
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
# pip's words for "the index cannot be reached": then the test cannot say anything about the hook
_OFFLINE = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable",
            "Failed to establish a new connection", "ProxyError")


def test_hook_manifest_offers_loopcheck():
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "loopcheck"
    assert hook["language"] == "python"
    assert hook["entry"] == "loopcheck scan"
    assert hook["files"] == r"\.(json|ya?ml|template)$"
    assert hook["types"] == ["file"]
    assert hook["pass_filenames"] is True and hook["require_serial"] is False


needs_tools = pytest.mark.skipif(GIT is None or PRE_COMMIT is None,
                                 reason="needs git and pre-commit (pip install pre-commit)")


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return env


def _git(cwd: Path, env: dict, *args: str) -> str:
    completed = subprocess.run([GIT, "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                               cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _working_tree_files(env: dict) -> list:
    if (REPO / ".git").exists():
        listed = subprocess.run([GIT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=REPO, env=env, capture_output=True, text=True, check=True).stdout
        names = sorted({name for name in listed.split("\0") if name})
    else:  # a source tree without git: everything but caches and build output
        skip = {".venv", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache"}
        names = sorted(str(p.relative_to(REPO)) for p in REPO.rglob("*")
                       if (p.is_file() or p.is_symlink()) and not skip & set(p.relative_to(REPO).parts)
                       and not p.name.endswith(".egg-info"))
    return [name for name in names if os.path.lexists(REPO / name)]  # deleted but still tracked: gone


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """(env, path, sha): a committed snapshot of this working tree, and the pre-commit home
    its hook environment is built in once for the module."""
    base = tmp_path_factory.mktemp("precommit")
    env = _env(base / "home")
    snapshot = base / "loopcheck-snapshot"
    for name in _working_tree_files(env):
        source, target = REPO / name, snapshot / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():  # loopcheck/rules -> ../rules stays a link
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)
    _git(snapshot, env, "init", "-q")
    _git(snapshot, env, "add", "-A")
    _git(snapshot, env, "commit", "-q", "-m", "snapshot of the working tree")
    sha = _git(snapshot, env, "rev-parse", "HEAD").strip()
    return env, snapshot, sha


@pytest.fixture
def project(tmp_path, hook_repo):
    """A git project using the hook; returns run(file) -> (status, output)."""
    env, snapshot, sha = hook_repo
    _git(tmp_path, env, "init", "-q")
    config = {"repos": [{"repo": str(snapshot), "rev": sha, "hooks": [{"id": "loopcheck"}]}]}
    (tmp_path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))

    def run(relative: str, content: str):
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        _git(tmp_path, env, "add", "-A")
        completed = subprocess.run([PRE_COMMIT, "run", "loopcheck", "--files", relative],
                                   cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
                                   timeout=900)
        output = completed.stdout + completed.stderr
        if completed.returncode not in (0, 1) or "An unexpected error has occurred" in output:
            log = env["PRE_COMMIT_HOME"] + "/pre-commit.log"
            details = Path(log).read_text() if os.path.exists(log) else ""
            if any(marker in output + details for marker in _OFFLINE):
                pytest.skip("the package index is unreachable: the hook environment cannot be built")
            pytest.fail(f"pre-commit failed to run the hook:\n{output}\n{details[-4000:]}")
        return completed.returncode, output

    return run


@needs_tools
def test_hook_fails_a_looping_template_with_the_finding(project):
    status, output = project("infra/media/template.yaml",
                             (FIXTURES / "s3-same-bucket-loop" / "template.yaml").read_text())
    assert status == 1, output
    assert "infra/media/template.yaml:11:3: EL101 error: recursive loop MediaBucket -> ResizeFn" in output
    assert "Failed" in output


@needs_tools
def test_hook_passes_a_guarded_template(project):
    status, output = project("infra/pipeline/template.yaml",
                             (FIXTURES / "s3-two-buckets" / "template.yaml").read_text())
    assert status == 0, output
    assert "Passed" in output and "EL101" not in output


@needs_tools
def test_hook_lets_a_workflow_file_through_quietly(project):
    workflow = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n"
    status, output = project(".github/workflows/ci.yml", workflow)
    assert status == 0, output
    assert "Passed" in output
    assert "skipped" not in output  # pre-commit shows a passing hook's output only with --verbose
