"""`--format gitlab`: GitLab Code Quality JSON, checked against gitlab_schema.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from clirunner import run_cli
from gitlab_schema import validate

from loopcheck.pipeline.result import ScanResult
from loopcheck.report import gitlab
from loopcheck.rulebase.finding import Finding, Level

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
LOOP = FIXTURES / "s3-same-bucket-loop" / "template.yaml"
BROKEN = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: [unclosed\n"



@pytest.fixture(autouse=True)
def _no_srcroot_override(monkeypatch):
    monkeypatch.delenv("LOOPCHECK_SRCROOT", raising=False)


run = run_cli


def report(*args):
    code, out, _ = run("scan", "--format", "gitlab", *args)
    issues = json.loads(out)
    validate(issues)
    return code, issues


def test_every_fixture_gives_one_valid_issue_per_finding_at_paths_from_the_working_directory(monkeypatch):
    monkeypatch.chdir(REPO)
    code, issues = report("fixtures")
    assert code == 1
    _, out, _ = run("scan", "--format", "json", "fixtures")
    findings = json.loads(out)["findings"]
    assert len(issues) == len(findings) > 20
    for issue, finding in zip(issues, findings):
        assert issue["check_name"] == finding["rule"] and issue["description"] == finding["message"]
        assert issue["location"]["path"].startswith("fixtures/")
        assert (REPO / issue["location"]["path"]).is_file()
        assert issue["location"]["lines"]["begin"] == finding["line"]
        expected = {"error": "critical", "warning": "major", "info": "info"}[finding["severity"]]
        assert issue["severity"] == expected
    assert {issue["severity"] for issue in issues} == {"critical", "major", "info"}


def test_paths_follow_sarif_root(tmp_path, monkeypatch):
    shutil.copytree(LOOP.parent, tmp_path / "sub" / "app")
    monkeypatch.chdir(tmp_path)
    assert report("sub")[1][0]["location"]["path"] == "sub/app/template.yaml"
    assert report("--sarif-root", "sub", "sub")[1][0]["location"]["path"] == "app/template.yaml"
    monkeypatch.chdir(REPO)  # outside the root: the absolute path
    assert report("--sarif-root", tmp_path / "sub" / "app", LOOP)[1][0]["location"]["path"] == LOOP.as_posix()


def test_fingerprint_is_sarifs_and_survives_line_moves(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(LOOP, tmp_path / "template.yaml")
    (before,) = report(".")[1]
    _, sarif_out, _ = run("scan", "--format", "sarif", ".")
    (result,) = json.loads(sarif_out)["runs"][0]["results"]
    assert list(result["partialFingerprints"].values()) == [before["fingerprint"]]
    (tmp_path / "template.yaml").write_text("# moved\n\n" + LOOP.read_text())
    (after,) = report(".")[1]
    assert after["location"]["lines"]["begin"] == before["location"]["lines"]["begin"] + 2
    assert after["fingerprint"] == before["fingerprint"]


def test_repeated_fingerprints_are_told_apart():
    result = ScanResult(templates=1)
    for line in (4, 9):  # the same rule, file and resource: one fingerprint in SARIF
        result.findings.append(Finding("WL103", Level.WARNING, "t.yaml", line, 1, "Role", ["Resources", "Role"],
                                       "an outside policy"))
    issues = json.loads(gitlab.render(result))
    validate(issues)
    assert [issue["location"]["lines"]["begin"] for issue in issues] == [4, 9]
    assert json.loads(gitlab.render(result)) == issues  # and stays the same run to run


def test_unreadable_template_is_a_major_issue_and_a_clean_scan_an_empty_array(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.yaml").write_text(BROKEN)
    code, issues = report(".")
    assert code == 2
    (issue,) = issues
    assert issue["check_name"] == "loopcheck/unreadable" and issue["severity"] == "major"
    assert issue["location"] == {"path": "broken.yaml", "lines": {"begin": 4}}
    assert "invalid YAML" in issue["description"]
    code, out, _ = run("scan", "--format", "gitlab", FIXTURES / "s3-two-buckets")
    assert (code, out) == (0, "[]\n")
