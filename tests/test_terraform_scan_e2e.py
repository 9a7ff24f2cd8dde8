"""Terraform end to end, with the real reader and translator: the fixtures' units scanned by the
CLI, in every output format, with suppression comments, the baseline, a broken `.tf` file, the
plan fixture, and the GitHub Action given a `.tf` path. (tests/test_terraform_scan.py tests
the scan's side with fakes; this file needs every part of the front-end.)"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from clirunner import run_cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
LOOP = FIXTURES / "tf-same-bucket-loop"
PLAN = FIXTURES / "tf-plan-same-bucket-loop"
FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("loopcheck.terraform.translate") is None
    or importlib.util.find_spec("loopcheck.terraform.hcl_reader") is None,
    reason="the Terraform front-end's reader and translator are not in this build")


def needs(folder: Path) -> Path:
    if not folder.is_dir():
        pytest.skip(f"fixture {folder.name} is not in this build")
    return folder


def scan_json(*args):
    code, out, err = run_cli("scan", "--format", "json", *args)
    assert "Traceback" not in err, err
    return code, json.loads(out)


def loop_finding(document):
    (finding,) = [f for f in document["findings"] if f["rule"] == "EL101"]
    return finding


def copy_loop(tmp_path: Path) -> Path:
    target = tmp_path / "infra" / LOOP.name
    shutil.copytree(needs(LOOP), target)
    return target


def test_the_plan_fixture_is_an_unguarded_loop_at_the_plan(monkeypatch):
    monkeypatch.chdir(PLAN)
    code, document = scan_json("plan.json")
    finding = loop_finding(document)
    assert code == 1 and document["errors"] == []
    assert (finding["file"], finding["severity"]) == ("plan.json", "error")
    assert finding["resource"] == "aws_lambda_function.watermark"
    assert finding["cycle"] == ["aws_s3_bucket.photos", "aws_lambda_function.watermark", "aws_s3_bucket.photos"]
    assert finding["evidence"] == "both"  # the grant and the handler code in src/
    assert any("src/app.py" in note for note in finding["notes"])


def test_the_same_bucket_fixture_points_at_its_tf_file(monkeypatch):
    monkeypatch.chdir(needs(LOOP).parent)
    code, document = scan_json(LOOP.name)
    finding = loop_finding(document)
    assert code == 1 and document["errors"] == []
    assert finding["file"].startswith(f"{LOOP.name}/") and finding["file"].endswith(".tf")
    assert finding["severity"] == "error" and finding["resource"].startswith("aws_lambda_function.")
    assert finding["line"] > 1
    line = (ROOT / "fixtures" / finding["file"]).read_text().splitlines()[finding["line"] - 1]
    assert line.startswith(f'resource "aws_lambda_function" "{finding["resource"].split(".")[1]}"')


def test_a_named_tf_file_scans_its_folder_once(monkeypatch):
    monkeypatch.chdir(needs(LOOP).parent)
    named = sorted(str(path.relative_to(LOOP.parent)) for path in LOOP.glob("*.tf"))
    _, by_files = scan_json(*named)
    _, by_folder = scan_json(LOOP.name)
    assert by_files["findings"] == by_folder["findings"]


def test_every_format_carries_the_finding(tmp_path, monkeypatch):
    copy_loop(tmp_path)
    monkeypatch.chdir(tmp_path)
    finding = loop_finding(scan_json("infra")[1])
    where, resource = finding["file"], finding["resource"]
    outputs = {name: run_cli("scan", "--format", name, "infra") for name in FORMATS}
    assert {code for code, _, _ in outputs.values()} == {1}
    assert f"{where}:{finding['line']}:" in outputs["text"][1] and resource in outputs["text"][1]
    results = json.loads(outputs["sarif"][1])["runs"][0]["results"]
    assert any(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == where for r in results)
    assert f'name="{where}"' in outputs["junit"][1]
    assert f"::error file={where},line={finding['line']}," in outputs["github"][1]
    assert any(i["location"]["path"] == where for i in json.loads(outputs["gitlab"][1]))


def test_a_suppression_comment_on_the_function_suppresses_the_loop(tmp_path, monkeypatch):
    folder = copy_loop(tmp_path)
    monkeypatch.chdir(tmp_path)
    finding = loop_finding(scan_json("infra")[1])
    tf_file = tmp_path / finding["file"]
    lines = tf_file.read_text().splitlines(keepends=True)
    lines.insert(finding["line"] - 1, "# loopcheck: ignore EL101 output goes under processed/ (ADR-7)\n")
    tf_file.write_text("".join(lines))
    code, document = scan_json("--show-suppressed", str(folder.relative_to(tmp_path)))
    assert [f for f in document["findings"] if f["rule"] == "EL101"] == []
    (suppressed,) = [f for f in document["suppressed"] if f["rule"] == "EL101"]
    assert "ADR-7" in suppressed["suppressed"]["reason"]


def test_the_baseline_holds_terraform_findings(tmp_path, monkeypatch):
    copy_loop(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run_cli("scan", "--write-baseline", "baseline.json", "infra")[0] == 0
    code, document = scan_json("--baseline", "baseline.json", "infra")
    assert code == 0 and document["findings"] == [] and document["baseline"]["gone"] == 0


def test_an_hcl_syntax_error_is_one_error_entry_and_exit_2(tmp_path, monkeypatch):
    copy_loop(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  tags = {\n')
    monkeypatch.chdir(tmp_path)
    code, document = scan_json(".")
    (error,) = document["errors"]
    assert code == 2 and error["file"] == "broken/main.tf" and error["line"]
    assert loop_finding(document)["file"].startswith("infra/")  # the other unit is still scanned


def test_the_fixtures_folder_scans_every_terraform_unit_without_errors(monkeypatch):
    monkeypatch.chdir(ROOT)
    code, document = scan_json("fixtures")
    assert [e for e in document["errors"] if "/tf-" in e["file"]] == []
    terraform = {f["file"].split("/")[1] for f in document["findings"] if "/tf-" in f["file"]}
    assert "tf-plan-same-bucket-loop" in terraform


def test_the_action_takes_a_tf_path(tmp_path):
    import sys

    from userrun import executable

    spec = importlib.util.spec_from_file_location("run_action", ROOT / "scripts" / "run_action.py")
    run_action = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("run_action", run_action)  # its dataclasses look their module up
    spec.loader.exec_module(sys.modules["run_action"])
    run_action = sys.modules["run_action"]

    workspace = tmp_path / "workspace"
    shutil.copytree(needs(LOOP), workspace / "infra" / LOOP.name)
    tf_file = sorted((workspace / "infra" / LOOP.name).glob("*.tf"))[0].relative_to(workspace)
    result = run_action.run_action(workspace, {"format": "github", "paths": str(tf_file)},
                                   replace={"install": {"bin": executable(), "python": sys.executable}})
    assert result.outputs["exit-code"] == "1"
    assert f"::error file=infra/{LOOP.name}/" in result.log and "title=EL101 " in result.log
