"""Which files a folder scan reads (loopcheck.load.discovery, loopcheck.load.ignore): what git ignores
is not walked (nested .gitignore files, .git/info/exclude, a worktree's shared exclude file),
unless --no-gitignore or `gitignore: false`; a file or folder named on the command line is
read even if ignored; loopcheck's own files are never reported as skipped; a folder that
cannot be listed is an error naming it, and the rest of the scan goes on.

Each case runs the real CLI in-process (`loopcheck scan --format json`) on a tree built in
tmp_path, with a copy of the same-bucket loop fixture as the template whose finding shows
whether a file was read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Sequence

import pytest
from clirunner import cli_runner

from loopcheck.app.cli import main
from loopcheck.load.discovery import discover

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LOOP = FIXTURES / "s3-same-bucket-loop"
GIT = shutil.which("git")


def add_loop(folder: Path, name: str = "template.yaml") -> Path:
    """A copy of the same-bucket loop (template and handler) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(LOOP / "src", folder / "src", dirs_exist_ok=True)
    shutil.copy(LOOP / "template.yaml", folder / name)
    return folder / name


def scan(*args: object, cwd: Path) -> Dict:
    """`loopcheck scan --format json ARGS` run in `cwd`: the report, plus its exit code."""
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        result = cli_runner().invoke(main, ["scan", "--format", "json", *[str(a) for a in args]])
    finally:
        os.chdir(previous)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stdout + result.stderr
    document = json.loads(result.stdout)
    document["code"] = result.exit_code
    document["stderr"] = result.stderr
    return document


def looping_files(document: Dict) -> List[str]:
    """The files with an EL101 finding, as the report names them (no leading ./)."""
    return sorted({os.path.normpath(f["file"]) for f in document["findings"] if f["rule"] == "EL101"})


def walked(root: Path, *paths: str, gitignore: bool = True) -> List[str]:
    """The files discover() yields for `paths` (relative to `root`), relative to `root`."""
    previous = os.getcwd()
    os.chdir(root)
    try:
        found = list(discover(list(paths) or ["."], gitignore=gitignore))
    finally:
        os.chdir(previous)
    assert all(error is None for _, error in found), found
    return [os.path.normpath(path) for path, _ in found]


# -- .gitignore -----------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository (a `.git` folder is all discovery looks for) with a template of its own,
    a gitignored virtual environment, build output and cdk.out, each holding a looping copy."""
    root = tmp_path / "repo"
    (root / ".git" / "info").mkdir(parents=True)
    add_loop(root / "infra")
    for ignored in (".venv/lib/site-packages/pkg", "venv/lib/site-packages/pkg", "build/sam", "cdk.out"):
        add_loop(root / ignored)
    (root / ".gitignore").write_text("# local environments and build output\nvenv/\nbuild/\ncdk.out\n")
    return root


def test_gitignored_folders_are_not_walked(repo: Path):
    document = scan(".", cwd=repo)
    assert looping_files(document) == ["infra/template.yaml"]
    assert document["code"] == 1
    # not skipped either: they were never read
    assert [s["file"] for s in document["skipped"]] == []


def test_no_gitignore_walks_them(repo: Path):
    document = scan("--no-gitignore", ".", cwd=repo)
    assert looping_files(document) == [  # the hidden .venv: never
        "build/sam/template.yaml", "cdk.out/template.yaml", "infra/template.yaml",
        "venv/lib/site-packages/pkg/template.yaml"]


@pytest.mark.parametrize("config_name, text", [
    (".loopcheck.yaml", "gitignore: false\n"),
    ("pyproject.toml", "[tool.loopcheck]\ngitignore = false\n"),
])
def test_configuration_turns_gitignore_off(repo: Path, config_name: str, text: str):
    (repo / config_name).write_text(text)
    assert "cdk.out/template.yaml" in looping_files(scan(".", cwd=repo))


def test_configuration_gitignore_must_be_a_boolean(repo: Path):
    (repo / ".loopcheck.yaml").write_text("gitignore: 'no'\n")
    document = cli_runner().invoke(main, ["scan", str(repo)])
    assert document.exit_code == 2
    assert "'gitignore' must be true or false, not 'no'" in document.stderr


def test_a_subfolder_scan_still_obeys_the_root_gitignore(repo: Path):
    add_loop(repo / "infra" / "build")  # `build/` in the root .gitignore matches at any depth
    assert looping_files(scan("infra", cwd=repo)) == ["infra/template.yaml"]
    absolute = scan(repo / "infra", cwd=repo.parent)
    assert looping_files(absolute) == [os.path.normpath(repo / "infra/template.yaml")]


def test_named_files_and_folders_are_read_even_if_ignored(repo: Path):
    assert looping_files(scan("cdk.out/template.yaml", cwd=repo)) == ["cdk.out/template.yaml"]
    assert looping_files(scan("build", cwd=repo)) == ["build/sam/template.yaml"]
    assert looping_files(scan("build/sam", cwd=repo)) == ["build/sam/template.yaml"]
    # inside a named ignored folder, the other rules still hold
    add_loop(repo / "build" / "sam" / "cdk.out")
    assert looping_files(scan("build", cwd=repo)) == ["build/sam/template.yaml"]


def test_nested_gitignore_files_and_negation(repo: Path):
    for name in ("a.yaml", "b.yaml", "keep.yaml"):
        add_loop(repo / "stacks", name)
    add_loop(repo / "stacks" / "deeper", "a.yaml")
    add_loop(repo / "other", "a.yaml")
    (repo / ".gitignore").write_text("venv/\nbuild/\ncdk.out\n*.yaml\n!infra/*.yaml\n")
    (repo / "stacks" / ".gitignore").write_text("!*.yaml\nb.yaml\n")  # deeper file wins
    (repo / "stacks" / "deeper" / ".gitignore").write_text("# nothing but a comment\n")
    assert looping_files(scan(".", cwd=repo)) == [
        "infra/template.yaml", "stacks/a.yaml", "stacks/deeper/a.yaml", "stacks/keep.yaml"]


def test_info_exclude_is_honoured(repo: Path):
    add_loop(repo / "scratch")
    (repo / ".git" / "info" / "exclude").write_text("scratch/\n")
    assert looping_files(scan(".", cwd=repo)) == ["infra/template.yaml"]


def test_info_exclude_of_a_worktree_is_the_shared_one(tmp_path: Path):
    """A worktree's `.git` is a file naming its git folder, whose `commondir` leads to the
    main repository's git folder, where info/exclude lives."""
    main_git = tmp_path / "main" / ".git"
    (main_git / "worktrees" / "wt").mkdir(parents=True)
    (main_git / "info").mkdir()
    (main_git / "info" / "exclude").write_text("scratch/\n")
    (main_git / "worktrees" / "wt" / "commondir").write_text("../..\n")
    worktree = tmp_path / "wt"
    worktree.mkdir()
    (worktree / ".git").write_text(f"gitdir: {main_git / 'worktrees' / 'wt'}\n")
    add_loop(worktree / "scratch")
    add_loop(worktree / "infra")
    assert looping_files(scan(".", cwd=worktree)) == ["infra/template.yaml"]


def test_outside_a_repository_the_scanned_folders_gitignore_applies(tmp_path: Path):
    add_loop(tmp_path / "project" / "infra")
    add_loop(tmp_path / "project" / "dist")
    (tmp_path / "project" / ".gitignore").write_text("dist\n")
    assert looping_files(scan("project", cwd=tmp_path)) == ["project/infra/template.yaml"]


@pytest.mark.skipif(GIT is None, reason="needs git")
def test_the_walk_agrees_with_git(tmp_path: Path):
    """The templates walked are the ones git itself lists as not ignored, on a tree with
    anchored and unanchored patterns, `**`, negations, nested files and info/exclude."""
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run([GIT, "init", "-q", str(root)], check=True)
    names = ["a.yaml", "b.yml", "c.json", "d.template", "gen/x.yaml", "gen/keep.yaml", "src/app/t.yaml",
             "src/app/out/t.yaml", "docs/out/t.yaml", "out/t.yaml", "deep/a/b/c/t.yaml", "deep/a/b/c/u.yaml",
             "logs/2026/t.json", "tmp.yaml", "x/tmp.yaml", "cdk.out/s.template.json", "w/cdk.out/s.json"]
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("{}\n")
    (root / ".gitignore").write_text("/out/\ngen/*\n!gen/keep.yaml\n**/c/u.yaml\nlogs\n/tmp.yaml\ncdk.out/\n")
    (root / "src" / ".gitignore").write_text("out\n")
    (root / "deep" / "a" / ".gitignore").write_text("!u.yaml\n*.yml\n")
    (root / ".git" / "info" / "exclude").write_text("d.template\n")
    listed = subprocess.run([GIT, "ls-files", "--others", "--exclude-standard"], cwd=root, check=True,
                            capture_output=True, text=True).stdout.split()
    expected = sorted(n for n in listed if n.endswith((".yaml", ".yml", ".json", ".template")))
    assert sorted(walked(root)) == expected
    assert sorted(walked(root, gitignore=False)) == sorted(names)


def test_walk_order_is_files_then_subfolders_by_name(tmp_path: Path):
    for name in ("b.yaml", "a/z.yaml", "a/b/y.yaml", "a.yaml", "c/x.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n")
    assert walked(tmp_path) == ["a.yaml", "b.yaml", "a/z.yaml", "a/b/y.yaml", "c/x.yaml"]


def test_a_very_deep_tree_is_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Deeper than Python's recursion limit (lowered here, so that the tree stays small
    enough for pytest to delete): the walk keeps its own stack."""
    os.makedirs(tmp_path / os.path.join(*["d"] * 400))
    (tmp_path / os.path.join(*["d"] * 400) / "t.yaml").write_text("{}\n")
    monkeypatch.chdir(tmp_path)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(250)
    try:
        found = [path for path, _ in discover(["d"])]
    finally:
        sys.setrecursionlimit(limit)
    assert found == [os.path.join(*["d"] * 400, "t.yaml")]


# -- loopcheck's own files ------------------------------------------------------------------


def test_own_files_are_not_reported_as_skipped(repo: Path):
    (repo / ".loopcheck.yaml").write_text("fail-on: error\n")
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n")
    (repo / "package.json").write_text('{"name": "app"}\n')  # a real non-template: still noted
    written = scan("--write-baseline", ".loopcheck-baseline.json", ".", cwd=repo)
    assert written["code"] == 0
    (repo / "infra" / "report.json").write_text(json.dumps(scan(".", cwd=repo), indent=2))
    gitlab = cli_runner().invoke(main, ["scan", "--format", "gitlab", str(repo / "infra")])
    (repo / "gl-code-quality-report.json").write_text(gitlab.stdout)
    document = scan("--baseline", ".loopcheck-baseline.json", ".", cwd=repo)
    assert [os.path.normpath(s["file"]) for s in document["skipped"]] == ["package.json"]
    assert document["errors"] == []
    assert document["code"] == 0  # the baselined loop is known
    # named on the command line, they are passed over too
    document = scan(".loopcheck.yaml", ".loopcheck-baseline.json", "infra/report.json", cwd=repo)
    assert document["skipped"] == [] and document["errors"] == []


def test_pyproject_and_the_configuration_in_use_are_never_reported(repo: Path):
    """pre-commit names pyproject.toml when it changes (the hook's `files` take it), and a
    configuration named with --config may have any name and sit among the templates."""
    (repo / "pyproject.toml").write_text('[project]\nname = "app"\n')
    (repo / "ci").mkdir()
    (repo / "ci" / "loopcheck-settings.yaml").write_text("fail-on: error\n")
    (repo / "ci" / "workflow.yaml").write_text("on: push\n")  # a real non-template: still counted
    for args in ((".",), ("pyproject.toml", "ci/loopcheck-settings.yaml", "ci/workflow.yaml", "infra")):
        document = scan("--config", "ci/loopcheck-settings.yaml", *args, cwd=repo)
        assert [os.path.normpath(s["file"]) for s in document["skipped"]] == ["ci/workflow.yaml"]
        assert document["errors"] == [] and looping_files(document) == ["infra/template.yaml"]
    # without --config it is an ordinary YAML file that is not a template
    document = scan("ci", cwd=repo)
    assert sorted(os.path.normpath(s["file"]) for s in document["skipped"]) == \
        ["ci/loopcheck-settings.yaml", "ci/workflow.yaml"]


# -- folders that cannot be read ------------------------------------------------------------


def _deny(monkeypatch: pytest.MonkeyPatch, denied: Sequence[Path]) -> None:
    """os.scandir raises PermissionError for the `denied` folders, as listing a folder
    without read permission does. Needed because this suite may run as root, which
    chmod 000 does not stop."""
    real_scandir = os.scandir
    denied_paths = {os.path.abspath(p) for p in denied}

    def scandir(path="."):
        if os.path.abspath(path) in denied_paths:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def _assert_locked_reported(document: Dict, locked: str) -> None:
    assert document["errors"] == [{
        "file": locked, "line": None, "column": None,
        "message": "cannot read folder: Permission denied; the templates in it were not scanned",
    }]
    assert looping_files(document) == ["infra/template.yaml"]  # the rest was scanned
    assert document["code"] == 2


def test_unreadable_folder_is_an_error_simulated(repo: Path, monkeypatch: pytest.MonkeyPatch):
    add_loop(repo / "locked")
    _deny(monkeypatch, [repo / "locked"])
    document = scan(".", cwd=repo)
    _assert_locked_reported(document, "locked")


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists a chmod 000 folder anyway: see the simulated test")
def test_unreadable_folder_is_an_error(repo: Path):
    add_loop(repo / "locked")
    (repo / "locked").chmod(0)
    try:
        document = scan(".", cwd=repo)
    finally:
        (repo / "locked").chmod(0o755)
    _assert_locked_reported(document, "locked")


def test_unreadable_named_folder_is_an_error(repo: Path, monkeypatch: pytest.MonkeyPatch):
    add_loop(repo / "locked")
    _deny(monkeypatch, [repo / "locked"])
    _assert_locked_reported(scan("locked", "infra", cwd=repo), "locked")


def test_graph_reports_an_unreadable_folder(repo: Path, monkeypatch: pytest.MonkeyPatch):
    _deny(monkeypatch, [repo / "infra"])
    result = cli_runner().invoke(main, ["graph", str(repo / "infra")])
    assert result.exit_code == 2
    assert f"loopcheck: {repo / 'infra'}: cannot read folder: Permission denied" in result.stderr
