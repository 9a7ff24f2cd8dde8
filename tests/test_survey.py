"""scripts/survey.py on a bare mirror made here: the HEAD tree is exported (not the older
commit's files, no blob over 2 MB), scanned twice, counted, and the two runs agree."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("survey", ROOT / "scripts" / "survey.py")
survey = importlib.util.module_from_spec(_spec)
sys.modules["survey"] = survey  # dataclasses look their module up by name
_spec.loader.exec_module(survey)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

LOOP = (ROOT / "fixtures" / "s3-same-bucket-loop" / "template.yaml").read_text()
CLEAN = (ROOT / "fixtures" / "s3-two-buckets" / "template.yaml").read_text()


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=cwd, check=True, capture_output=True)


def _mirror(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q", "-b", "main")
    (work / "old.yaml").write_text(CLEAN)
    _git(work, "add", ".")
    _git(work, "commit", "-q", "-m", "first")
    (work / "old.yaml").unlink()
    (work / "stack").mkdir()
    (work / "stack" / "template.yaml").write_text(LOOP)
    shutil.copytree(ROOT / "fixtures" / "s3-same-bucket-loop" / "src", work / "stack" / "src")
    (work / "big.json").write_bytes(b"{" + b" " * (survey.MAX_BLOB + 1) + b"}")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "second")
    mirrors = tmp_path / "mirrors"
    (mirrors / "someone+project").mkdir(parents=True)
    _git(tmp_path, "clone", "-q", "--bare", str(work), str(mirrors / "someone+project" / "repo"))
    return mirrors


def test_survey_exports_head_scans_twice_and_reports(tmp_path, capsys):
    mirrors = _mirror(tmp_path)
    out = tmp_path / "survey.json"
    status = survey.main([str(mirrors), "--work", str(tmp_path / "exports"), "--keep", "--history", "2",
                          "--json", str(out), "--time-files"])
    printed = capsys.readouterr().out
    assert status == 0, printed
    [report] = json.loads(out.read_text())
    head = tmp_path / "exports" / "someone+project" / "head"
    assert (head / "stack" / "src" / "app.py").is_file() and (head / ".git").is_dir()
    assert not (head / "old.yaml").exists() and not (head / "big.json").exists()
    assert report["left_out"] == 1
    assert (report["templates"], report["errors"], report["internal"]) == (1, 1, [])
    assert report["agree"] is True
    assert report["slowest"][0] == "stack/template.yaml"
    assert report["history"]["versions"] == 2  # old.yaml in the first commit, the template in the second
    assert "TOTAL (1 repositories)" in printed and "someone+project" in printed
