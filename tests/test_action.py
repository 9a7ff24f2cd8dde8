"""The composite GitHub Action, run: scripts/run_action.py runs action.yml's bash steps in a
workspace holding fixture templates, with `${{ }}` evaluated as the runner would. The fast
tests stand the installed loopcheck in for the pip install step (recorded as replaced); the
slow one runs that step too."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from userrun import FIXTURES, ROOT, executable, loopcheck

_spec = importlib.util.spec_from_file_location("run_action", ROOT / "scripts" / "run_action.py")
run_action = importlib.util.module_from_spec(_spec)
sys.modules["run_action"] = run_action
_spec.loader.exec_module(run_action)

LOOP = "infra/s3-same-bucket-loop/template.yaml"
INSTALLED = {"install": {"bin": executable(), "python": sys.executable}}


@pytest.fixture(autouse=True)
def _no_srcroot_override(monkeypatch):
    monkeypatch.delenv("LOOPCHECK_SRCROOT", raising=False)


def _workspace(tmp_path: Path, *names: str) -> Path:
    workspace = tmp_path / "workspace"
    for name in names or ("s3-same-bucket-loop",):
        shutil.copytree(FIXTURES / name, workspace / "infra" / name)
    return workspace


def act(workspace: Path, **inputs: str):
    return run_action.run_action(workspace, inputs, replace=INSTALLED)


def _upload(result):
    return result.step("github/codeql-action/upload-sarif@")


def test_github_format_prints_annotations_to_the_log_and_writes_no_sarif(tmp_path):
    workspace = _workspace(tmp_path)
    result = act(workspace, format="github")
    assert f"::error file={LOOP},line=11,col=3,title=EL101 " in result.log
    assert not list(workspace.rglob("*.sarif"))
    assert result.outputs == {"report": "", "exit-code": "1"}
    assert result.status == 1  # the scan step fails the job
    assert _upload(result).fate == "skipped"


def test_sarif_is_written_relative_to_the_workspace_and_uploaded(tmp_path):
    workspace = _workspace(tmp_path)
    result = act(workspace)
    document = json.loads((workspace / "loopcheck.sarif").read_text())
    (finding,) = document["runs"][0]["results"]
    assert finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == LOOP
    assert result.outputs == {"report": "loopcheck.sarif", "exit-code": "1"}
    upload = _upload(result)
    assert upload.fate == "stubbed"  # always(): it runs although the scan failed the job
    assert upload.inputs == {"sarif_file": "loopcheck.sarif", "category": "loopcheck"}


@pytest.mark.parametrize("value", ["false", "False"])
def test_upload_can_be_turned_off(tmp_path, value):
    workspace = _workspace(tmp_path)
    result = act(workspace, **{"upload-sarif": value})
    assert (workspace / "loopcheck.sarif").is_file()
    assert _upload(result).fate == "skipped"


def test_upload_sarif_must_be_true_or_false(tmp_path):
    result = act(_workspace(tmp_path), **{"upload-sarif": "no"})
    assert result.status == 2
    assert "upload-sarif must be true or false" in result.log
    assert result.step("scan").fate == "skipped"


@pytest.mark.parametrize("output_format, name", [("json", "loopcheck.json"), ("junit", "loopcheck.xml"),
                                                 ("gitlab", "gl-code-quality-report.json")])
def test_the_report_file_is_picked_by_format(tmp_path, output_format, name):
    workspace = _workspace(tmp_path)
    result = act(workspace, format=output_format)
    assert result.outputs == {"report": name, "exit-code": "1"}
    text = (workspace / name).read_text()
    if output_format == "junit":
        assert "EL101" in ET.tostring(ET.fromstring(text), encoding="unicode")
    elif output_format == "gitlab":
        assert json.loads(text)[0]["location"]["path"] == LOOP
    else:
        assert json.loads(text)["findings"][0]["rule"] == "EL101"
    assert _upload(result).fate == "skipped"


def test_text_and_a_dash_print_to_the_log(tmp_path):
    workspace = _workspace(tmp_path)
    text = act(workspace, format="text")
    assert "EL101 error: recursive loop MediaBucket" in text.log
    sarif = act(workspace, output="-")
    assert '"ruleId": "EL101"' in sarif.log
    assert not (workspace / "loopcheck.sarif").exists()
    assert text.outputs["report"] == sarif.outputs["report"] == ""
    assert _upload(sarif).fate == "skipped"  # nothing to upload


def test_an_explicit_output_wins(tmp_path):
    workspace = _workspace(tmp_path)
    (workspace / "reports").mkdir()
    result = act(workspace, format="json", output="reports/out.json")
    assert result.outputs == {"report": "reports/out.json", "exit-code": "1"}


def test_exit_code_is_zero_on_a_clean_workspace(tmp_path):
    result = act(_workspace(tmp_path, "s3-two-buckets"))
    assert result.outputs == {"report": "loopcheck.sarif", "exit-code": "0"}
    assert result.status == 0
    assert _upload(result).fate == "stubbed"


def test_config_input_reaches_the_cli(tmp_path):
    workspace = _workspace(tmp_path)
    (workspace / "ci").mkdir()
    (workspace / "ci" / "loopcheck.yaml").write_text("skip: [EL101]\n")
    result = act(workspace, format="json", config="ci/loopcheck.yaml")
    assert result.outputs["exit-code"] == "0"
    assert json.loads((workspace / "loopcheck.json").read_text())["findings"] == []


def test_baseline_input_reaches_the_cli(tmp_path):
    workspace = _workspace(tmp_path)
    assert loopcheck("scan", "--write-baseline", "baseline.json", "infra", cwd=workspace).returncode == 0
    result = act(workspace, format="json", baseline="baseline.json")
    assert result.outputs["exit-code"] == "0"
    assert json.loads((workspace / "loopcheck.json").read_text())["findings"] == []


def test_args_are_split_as_a_shell_would_and_never_run(tmp_path):
    workspace = tmp_path / "workspace"
    shutil.copytree(FIXTURES / "s3-same-bucket-loop", workspace / "my infra" / "app")
    (workspace / "my infra" / "ci.yml").write_text("on: push\n")  # not a template
    result = act(workspace, args='--sarif-root "my infra" --fail-on never')
    assert result.outputs == {"report": "loopcheck.sarif", "exit-code": "0"}  # the later --fail-on wins
    document = json.loads((workspace / "loopcheck.sarif").read_text())
    (finding,) = document["runs"][0]["results"]
    assert finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/template.yaml"

    strict = act(workspace, args="--strict '$(touch pwned)' `touch pwned2`")
    assert strict.outputs["exit-code"] == "2"  # --strict made ci.yml an error; the rest are missing paths
    assert not list(workspace.glob("pwned*"))


def test_args_with_an_unclosed_quote_fail_with_one_line(tmp_path):
    result = act(_workspace(tmp_path), args="--config 'ci.yaml")
    assert result.status == 2 and result.outputs["exit-code"] == "2"
    assert "::error title=loopcheck::the args input cannot be split" in result.log
    assert "Traceback" not in result.log.split("::error", 1)[1]


def test_the_cache_key_names_the_python_and_what_is_installed(tmp_path):
    workspace = _workspace(tmp_path)
    default = act(workspace).step("actions/cache@")
    pinned = act(workspace, version="0.1.0").step("actions/cache@")
    assert default.fate == pinned.fate == "stubbed"
    assert default.inputs["path"].endswith("loopcheck-pip-cache")
    assert default.inputs["key"] != pinned.inputs["key"]
    assert default.inputs["restore-keys"] in default.inputs["key"]
    assert f"-py{run_action.platform.python_version()}-" in default.inputs["key"]


def test_uses_are_pinned_to_current_majors_and_inputs_reach_scripts_through_env():
    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    uses = {step["uses"] for step in steps if "uses" in step}
    assert uses == {"actions/setup-python@v6", "actions/cache@v5", "github/codeql-action/upload-sarif@v4"}
    for step in steps:  # a pasted input could inject shell code; env values cannot
        assert "${{" not in step.get("run", "")


def test_runner_expressions_behave_like_the_runners():
    contexts = {"inputs": {"flag": "True"}, "github": {"event": {}}, "steps": {}}
    status = {"failed": False}
    assert run_action.condition("inputs.flag == 'true'", contexts, status)  # strings ignore case
    assert run_action.substitute("${{ !github.event.pull_request.head.repo.fork }}", contexts, status) == "true"
    fork = {**contexts, "github": {"event": {"pull_request": {"head": {"repo": {"fork": True}}}}}}
    assert run_action.substitute("${{ !github.event.pull_request.head.repo.fork }}", fork, status) == "false"
    assert not run_action.condition("inputs.flag == 'true'", contexts, {"failed": True})
    assert run_action.condition("always() && inputs.flag != ''", contexts, {"failed": True})


@pytest.mark.slow
def test_the_whole_action_installs_loopcheck_and_scans(tmp_path):
    """No step replaced: the install step makes a virtual environment and pip installs this
    checkout (the action's own ref) into it."""
    workspace = _workspace(tmp_path)
    result = run_action.run_action(workspace, {"format": "github"})
    assert result.step("install").fate == "ran", result.log
    assert result.step("install").outputs["bin"].endswith("/loopcheck")
    assert f"::error file={LOOP},line=11,col=3" in result.log
    assert result.outputs == {"report": "", "exit-code": "1"}


def test_the_script_prints_the_log_the_steps_and_the_outputs(tmp_path, capsys):
    workspace = _workspace(tmp_path)
    status = run_action.main(["--workspace", str(workspace), "--with", "format=github",
                              "--replace", f"install.bin={executable()}",
                              "--replace", f"install.python={sys.executable}"])
    printed = capsys.readouterr().out
    assert status == 1
    assert f"::error file={LOOP}," in printed
    assert "replaced Install loopcheck" in printed and "skipped  Upload SARIF to code scanning" in printed
    assert printed.endswith("## outputs\n  report=\n  exit-code=1\n")
