"""The README's CI jobs, tried as written: their YAML parses, and the `loopcheck` commands
they run write the files the jobs upload. Also: the README's Mermaid sample is real output."""

from __future__ import annotations

import json
import re
import shlex
import shutil

import yaml
from gitlab_schema import validate
from userrun import FIXTURES, ROOT, loopcheck

README = (ROOT / "README.md").read_text()


def _blocks(language: str):
    return re.findall(rf"^```{language}\n(.*?)^```$", README, flags=re.M | re.S)


def _ci_jobs():
    jobs = {}
    for block in _blocks("yaml"):
        if block.startswith("# .github/workflows/"):
            jobs["github"] = yaml.safe_load(block)
        elif block.startswith("# .gitlab-ci.yml"):
            jobs["gitlab"] = yaml.safe_load(block)
    return jobs


def _project(tmp_path):
    for name in ("s3-same-bucket-loop", "s3-two-buckets"):
        shutil.copytree(FIXTURES / name, tmp_path / "infra" / name)
    return tmp_path


def _run(line, cwd):
    args = shlex.split(line)
    assert args[0] == "loopcheck"
    return loopcheck(*args[1:], cwd=cwd)


def test_github_job_scans_and_writes_the_sarif_it_uploads(tmp_path):
    job = _ci_jobs()["github"]["jobs"]["loopcheck"]
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    scan = next(s["run"] for s in steps if str(s.get("run", "")).startswith("loopcheck scan"))
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["if"] == "always()"
    project = _project(tmp_path)
    completed = _run(scan, project)
    assert completed.returncode == 1  # the loop fails the job
    sarif = json.loads((project / upload["with"]["sarif_file"]).read_text())
    assert sarif["version"] == "2.1.0"
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == "EL101"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "infra/s3-same-bucket-loop/template.yaml"


def test_gitlab_job_scans_once_writes_the_code_quality_report_and_fails(tmp_path):
    job = _ci_jobs()["gitlab"]["loopcheck"]
    project = _project(tmp_path)
    (scan,) = [line for line in job["script"] if line.startswith("loopcheck ")]  # one scan
    assert job["script"][-1] == scan  # the last command: its status is the job's
    assert _run(scan, project).returncode == 1  # the loop fails the job
    assert job["artifacts"]["when"] == "always"  # and the report is still uploaded
    issues = json.loads((project / job["artifacts"]["reports"]["codequality"]).read_text())
    validate(issues)
    (issue,) = issues
    assert issue["check_name"] == "EL101" and issue["severity"] == "critical"
    assert issue["location"]["path"] == "infra/s3-same-bucket-loop/template.yaml"


def test_readme_mermaid_sample_is_what_graph_prints():
    (sample,) = _blocks("mermaid")
    completed = loopcheck("graph", FIXTURES / "s3-two-function-loop" / "template.yaml")
    assert completed.stdout == sample
