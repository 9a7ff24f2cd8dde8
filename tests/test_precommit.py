"""The pre-commit hook as a project uses it: `.pre-commit-hooks.yaml` offers `loopcheck`, and a
real `pre-commit` (and real `git commit`s through the installed git hook) fails a commit that
adds a loop and passes one that does not.

The hook reports what `loopcheck scan .` reports on the same repository: it runs when a
template or handler code changes, and then scans the whole project in one run. Three kinds
of commit that a hook fed the changed files would pass are tested, each also run through
such a per-file hook (the settings this repository shipped before, as a local hook) to show
that the case is real: a loop made in handler code alone (no template changed), a loop
across two templates of which the commit changes one, and a loop across two templates that
pre-commit would hand to different batches.

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
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import userrun
import yaml

pytestmark = pytest.mark.slow  # builds the hook environment with pip

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
GIT = shutil.which("git")
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
# pip's words for "the index cannot be reached": then the test cannot say anything about the hook
_OFFLINE = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable",
            "Failed to establish a new connection", "ProxyError")


def test_hook_manifest_scans_the_project_in_one_run():
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "loopcheck"
    assert hook["language"] == "python"
    assert hook["entry"] == "loopcheck scan"
    assert hook["args"] == ["."]
    assert hook["types"] == ["file"]
    assert hook["pass_filenames"] is False and hook["require_serial"] is True
    files = re.compile(hook["files"])
    runs_on = ["template.yaml", "infra/a.yml", "cdk.out/x.template.json", "stack.template", "src/app.py",
               "src/index.js", "src/m.mjs", "src/c.cjs", "src/h.ts", "src/h.mts", "src/h.cts",
               "src/main/java/Handler.java", "cmd/main.go", "src/Function.cs", "Dockerfile",
               "svc/Dockerfile", "svc/Dockerfile.prod", "tsconfig.json", "pyproject.toml",
               ".loopcheck.yaml", ".loopcheck-baseline.json", "main.tf", "modules/store/variables.tf",
               "terraform.tfvars", "prod.auto.tfvars", "plan.json"]
    assert [name for name in runs_on if not files.search(name)] == []
    passes_over = ["README.md", "docs/diagram.png", "notes.txt", "src/app.pyc", "Makefile", "setup.cfg",
                   "src/index.jsx.snap", "Dockerfile/README.md", ".terraform.lock.hcl", "terraform.tfstate",
                   "main.tf.bak"]
    assert [name for name in passes_over if files.search(name)] == []


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
        return completed.returncode, _hook_output(completed, env)

    return run


def _hook_output(completed: subprocess.CompletedProcess, env: dict) -> str:
    """What pre-commit printed, once it is clear that it ran the hook (skips the test when the
    hook environment could not be built for want of a package index)."""
    output = completed.stdout + completed.stderr
    if completed.returncode not in (0, 1) or "An unexpected error has occurred" in output:
        log = env["PRE_COMMIT_HOME"] + "/pre-commit.log"
        details = Path(log).read_text() if os.path.exists(log) else ""
        if any(marker in output + details for marker in _OFFLINE):
            pytest.skip("the package index is unreachable: the hook environment cannot be built")
        pytest.fail(f"pre-commit failed to run the hook:\n{output}\n{details[-4000:]}")
    return output


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


# -- commits through the installed git hook ----------------------------------------------------

# The hook as this repository shipped it before: the changed YAML/JSON files passed, split into
# batches run side by side. Run as a local hook with the loopcheck beside the test interpreter.
PER_FILE_HOOK = {"id": "loopcheck-per-file", "name": "loopcheck-per-file", "language": "system",
                 "files": r"\.(json|ya?ml|template)$", "types": ["file"],
                 "pass_filenames": True, "require_serial": False}

READING_HANDLER = FIXTURES / "s3-crud-unused-write" / "src" / "index.js"
# The same handler, now also writing an index entry into the bucket that triggers it.
WRITING_HANDLER = """const { S3Client, GetObjectCommand, PutObjectCommand } = require("@aws-sdk/client-s3");

const s3 = new S3Client({});

exports.handler = async (event) => {
  for (const record of event.Records) {
    const object = await s3.send(new GetObjectCommand({
      Bucket: record.s3.bucket.name,
      Key: record.s3.object.key,
    }));
    await s3.send(new PutObjectCommand({
      Bucket: record.s3.bucket.name,
      Key: `index/${record.s3.object.key}.json`,
      Body: JSON.stringify({ size: object.ContentLength }),
    }));
  }
};
"""
SUMMARY = re.compile(r"^\d+ templates? scanned: ", re.M)


class Repository:
    """A git project whose commits go through the loopcheck hook (`pre-commit install`)."""

    def __init__(self, root: Path, env: dict, per_file_config: Path) -> None:
        self.root, self.env, self.per_file_config = root, env, per_file_config

    def write(self, files: dict) -> None:
        for relative, content in files.items():
            target = self.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content if isinstance(content, str) else content.read_text())

    def head(self) -> str:
        return _git(self.root, self.env, "rev-parse", "HEAD").strip()

    def commit(self, message: str) -> tuple:
        """(status, output) of `git add -A && git commit`; the git hook runs pre-commit."""
        _git(self.root, self.env, "add", "-A")
        completed = subprocess.run([GIT, "-c", "commit.gpgsign=false", "commit", "-q", "-m", message],
                                   cwd=self.root, env=self.env, capture_output=True, text=True, check=False,
                                   timeout=900)
        output = completed.stdout + completed.stderr
        if completed.returncode != 0 and "loopcheck" not in output:
            _hook_output(completed, self.env)  # skips or fails with pre-commit's log
            pytest.fail(f"git commit failed before the hook ran:\n{output}")
        return completed.returncode, output

    def per_file_run(self) -> tuple:
        """(status, output) of the per-file hook on what is staged now, verbose so that the
        output of every batch shows."""
        _git(self.root, self.env, "add", "-A")
        completed = subprocess.run([PRE_COMMIT, "run", "--verbose", "-c", str(self.per_file_config)],
                                   cwd=self.root, env=self.env, capture_output=True, text=True, check=False,
                                   timeout=900)
        return completed.returncode, _hook_output(completed, self.env)


@pytest.fixture
def repository(tmp_path, hook_repo):
    env, snapshot, sha = hook_repo
    root = tmp_path / "project"
    root.mkdir()
    _git(root, env, "init", "-q")
    config = {"repos": [{"repo": str(snapshot), "rev": sha, "hooks": [{"id": "loopcheck"}]}]}
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    installed = subprocess.run([PRE_COMMIT, "install"], cwd=root, env=env, capture_output=True, text=True,
                               check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    per_file = dict(PER_FILE_HOOK, entry=f"{userrun.executable()} scan")
    per_file_config = tmp_path / "per-file-hook.yaml"
    per_file_config.write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [per_file]}]}))
    return Repository(root, env, per_file_config)


def _assert_refused(repository: Repository, before: str, status: int, output: str, expected: str) -> None:
    assert status != 0, output
    assert expected in output, output
    assert repository.head() == before  # the commit was not made
    assert len(SUMMARY.findall(output)) == 1, output  # one run over the whole project


@needs_tools
def test_commit_changing_only_handler_code_into_a_loop_fails(repository):
    repository.write({"template.yaml": FIXTURES / "s3-crud-unused-write" / "template.yaml",
                      "src/index.js": READING_HANDLER})
    status, output = repository.commit("an indexer that only reads its bucket")
    assert status == 0, output  # a clean commit passes (IL106 is advice)
    before = repository.head()

    repository.write({"src/index.js": WRITING_HANDLER})
    status, output = repository.per_file_run()
    assert status == 0 and "no files to check" in output, output  # no template changed: skipped
    status, output = repository.commit("index entries next to the objects")
    _assert_refused(repository, before, status, output,
                    "template.yaml:11:3: EL101 error: recursive loop InboxBucket -> IndexFn -> InboxBucket")
    assert "src/index.js:11 PutObject to the bucket of the incoming event" in output


@needs_tools
def test_commit_changing_one_of_two_linked_templates_fails(repository):
    safe = FIXTURES / "two-stack-export-elsewhere"
    repository.write({"storage.yaml": safe / "storage.yaml", "processing.yaml": safe / "processing.yaml",
                      "src/app.py": safe / "src" / "app.py"})
    status, output = repository.commit("thumbnails into a bucket of their own")
    assert status == 0, output
    before = repository.head()

    repository.write({"processing.yaml": FIXTURES / "two-stack-export-loop" / "processing.yaml"})
    status, output = repository.per_file_run()
    assert status == 0 and "1 template scanned" in output, output  # processing.yaml alone: no loop
    status, output = repository.commit("thumbnails back into the photos bucket")
    _assert_refused(repository, before, status, output,
                    "EL101 error: recursive loop PhotosBucket -> UploadsTopic -> ThumbnailFn -> PhotosBucket")
    assert "(across storage.yaml, processing.yaml)" in output


@needs_tools
def test_commit_of_linked_templates_in_different_batches_fails(repository):
    """A commit with more YAML files than fit one command line (pre-commit caps a batch at
    128 KiB of arguments): the per-file hook gets the two linked templates in different
    batches, and neither batch sees the loop. Run once over the project, the hook does."""
    status, output = repository.commit("an empty project")
    before = repository.head()
    loop = FIXTURES / "two-stack-export-loop"
    files = {"aaa/storage.yaml": loop / "storage.yaml", "zzz/processing.yaml": loop / "processing.yaml",
             "zzz/src/app.py": loop / "src" / "app.py"}
    long_folder = "mmm/" + "/".join(["settings-of-one-of-the-many-services"] * 3)
    for index in range(1000):
        files[f"{long_folder}/service-{index:04d}-settings.yaml"] = f"service: {index}\nreplicas: 2\n"
    repository.write(files)

    status, output = repository.per_file_run()
    assert status == 0, output
    assert len(SUMMARY.findall(output)) >= 2, output  # really split into batches
    status, output = repository.commit("storage, processing and the services' settings")
    _assert_refused(repository, before, status, output, "(across aaa/storage.yaml, zzz/processing.yaml)")


@needs_tools
def test_gitignored_copy_of_a_looping_template_does_not_fail_a_clean_commit(repository):
    loop = FIXTURES / "s3-same-bucket-loop"
    repository.write({".gitignore": "build/\n.aws-sam/\n",
                      "build/template.yaml": loop / "template.yaml",
                      "build/src/app.py": loop / "src" / "app.py",
                      ".aws-sam/build/template.yaml": loop / "template.yaml",
                      "template.yaml": FIXTURES / "s3-two-buckets" / "template.yaml"})
    for source in (FIXTURES / "s3-two-buckets" / "src").iterdir():
        repository.write({f"src/{source.name}": source})
    status, output = repository.commit("two buckets")
    assert status == 0, output
    assert "build/template.yaml" not in _git(repository.root, repository.env, "ls-files")
    # what the hook left out would fail the scan if it were walked
    assert userrun.loopcheck("scan", "--no-gitignore", ".", cwd=repository.root).returncode == 1
