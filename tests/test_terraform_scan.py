"""The scan of Terraform units: which folders and files are units (discovery), plans told
apart from templates by their keys (sniff), local child modules not scanned alone, bad plans
as error entries, and Terraform findings in every output format and in the baseline.

The HCL reader and the translator are other parts of the front-end: here they are small fakes
(tests/test_terraform_scan_e2e.py runs the real ones). The fake reader gives one bucket per
`.tf` file; the fake translator turns any configuration into an unguarded same-bucket loop
whose logical ids are Terraform addresses, in the configuration's first file.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Dict, List, Optional

import pytest
from clirunner import run_cli

from loopcheck.app import scan as scan_module
from loopcheck.app.scan import scan
from loopcheck.load.discovery import discover
from loopcheck.load.loader import LoadError, PlanDocument, Skipped, Template, load_bytes, load_file
from loopcheck.load.nodes import MDict
from loopcheck.pipeline.analysis import analyse
from loopcheck.terraform.config import TfConfiguration, TfResource

ROOT = Path(__file__).resolve().parent.parent
LOOP_SOURCE = ROOT / "fixtures" / "s3-same-bucket-loop" / "src"
PLAN = ROOT / "fixtures" / "tf-plan-same-bucket-loop" / "plan.json"
MODULE_SOURCE = re.compile(r'source\s*=\s*"(\.{1,2}/[^"]*)"')
BUCKET, FUNCTION = "aws_s3_bucket.media", "aws_lambda_function.resize"


def fake_read_folder(folder: str):
    config = TfConfiguration(source=folder)
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".tf"):
            continue
        file = os.path.join(folder, name)
        text = Path(file).read_text()
        if "SYNTAX ERROR" in text:
            line = text[:text.index("SYNTAX ERROR")].count("\n") + 1
            return LoadError(file, "invalid HCL: unexpected token", line, 3)
        config.resources.append(TfResource(f"aws_s3_bucket.{name[:-3]}", "managed", "aws_s3_bucket", {},
                                           file, 2, module_dir=folder))
    return config


def fake_called_module_folders(folder: str) -> List[str]:
    found = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".tf"):
            found += [os.path.abspath(os.path.join(folder, source))
                      for source in MODULE_SOURCE.findall(Path(folder, name).read_text())]
    return found


def _marked(line: int, value: dict) -> MDict:
    node = MDict(value)
    node.mark = (line, 1)
    return node


def fake_to_template(config: TfConfiguration):
    file = config.resources[0].file
    resources = MDict()
    resources[BUCKET] = _marked(3, {"Type": "AWS::S3::Bucket"})
    resources[FUNCTION] = _marked(7, {"Type": "AWS::Serverless::Function", "Properties": {
        "CodeUri": str(LOOP_SOURCE), "Handler": "app.handler", "Runtime": "python3.12",
        "Environment": {"Variables": {"OUTPUT_BUCKET": {"Ref": BUCKET}}},
        "Policies": [{"S3CrudPolicy": {"BucketName": {"Ref": BUCKET}}}],
        "Events": {"Upload": {"Type": "S3", "Properties": {"Bucket": {"Ref": BUCKET},
                                                           "Events": "s3:ObjectCreated:*"}}}}})
    data = MDict({"Transform": "AWS::Serverless-2016-10-31", "Resources": resources})
    return types.SimpleNamespace(data=data, files={BUCKET: file, FUNCTION: file},
                                 notes=["count on aws_s3_bucket.x: one instance read"])


def fake_analyse(file, data, options=None, resource_files: Optional[Dict[str, str]] = None):
    """The pipeline's analyse, taking `resource_files` as the translator's part gives it."""
    analysis = analyse(file, data, options)
    for finding in analysis.findings:
        finding.file = (resource_files or {}).get(finding.resource, file)
    return analysis


@pytest.fixture
def front_end(monkeypatch):
    """The reader and the translator, faked (and the pipeline's resource_files argument)."""
    reader = types.ModuleType("loopcheck.terraform.hcl_reader")
    reader.read_folder, reader.called_module_folders = fake_read_folder, fake_called_module_folders
    translate = types.ModuleType("loopcheck.terraform.translate")
    translate.to_template = fake_to_template
    monkeypatch.setitem(sys.modules, "loopcheck.terraform.hcl_reader", reader)
    monkeypatch.setitem(sys.modules, "loopcheck.terraform.translate", translate)
    if "resource_files" not in inspect.signature(analyse).parameters:
        monkeypatch.setattr(scan_module, "analyse", fake_analyse)


def write(root: Path, files: Dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


TEMPLATE = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"


# Discovery -----------------------------------------------------------------------------------

def test_a_folder_of_tf_files_is_one_unit_in_the_place_of_its_first_tf_file(tmp_path, monkeypatch):
    write(tmp_path, {"infra/a.yaml": TEMPLATE, "infra/main.tf": "", "infra/variables.tf": "",
                     "infra/z.yaml": TEMPLATE, "infra/app/lambda.tf": "", "infra/app/b.yml": TEMPLATE,
                     "infra/.terraform/modules/m/main.tf": "", "infra/notes.txt": "", "infra/x.tfvars": ""})
    monkeypatch.chdir(tmp_path)
    assert list(discover(["infra"])) == [("infra/a.yaml", None), ("infra", None), ("infra/z.yaml", None),
                                         ("infra/app/b.yml", None), ("infra/app", None)]
    assert list(discover(["infra/"]))[1] == ("infra", None)
    monkeypatch.chdir(tmp_path / "infra")
    assert list(discover(["."]))[:2] == [("a.yaml", None), (".", None)]


def test_a_named_tf_file_stands_for_its_folder_once(tmp_path, monkeypatch):
    write(tmp_path, {"infra/main.tf": "", "infra/variables.tf": "", "main.tf": "", "t.yaml": TEMPLATE,
                     "infra/.terraform/modules/m/main.tf": ""})
    monkeypatch.chdir(tmp_path)
    named = ["infra/main.tf", "infra/variables.tf", "t.yaml", "main.tf", "infra",
             "infra/.terraform/modules/m/main.tf"]
    assert list(discover(named)) == [("infra", None), ("t.yaml", None), (".", None)]
    # a folder walk and a named file reach the same unit: still once
    assert list(discover(["infra", "infra/main.tf"])) == [("infra", None)]


def test_git_ignored_tf_files_make_no_unit(tmp_path, monkeypatch):
    write(tmp_path, {".gitignore": "build/\n", "build/main.tf": "", "live/main.tf": ""})
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert list(discover(["."])) == [("live", None)]


# The sniff -----------------------------------------------------------------------------------

def test_a_plan_is_told_from_templates_and_other_json_by_its_keys(tmp_path):
    plan = PLAN.read_text()
    assert isinstance(load_bytes("plan.json", plan.encode()), PlanDocument)
    assert isinstance(load_bytes("tfplan", plan.encode()), PlanDocument)  # saved without .json
    state = json.dumps({"format_version": "1.0", "values": {"root_module": {}}})
    assert isinstance(load_bytes("state.json", state.encode()), Skipped)  # a state is not a plan
    other = json.dumps({"format_version": "1.0", "name": "planned_values"})
    assert isinstance(load_bytes("other.json", other.encode()), Skipped)
    template = json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "format_version": "x"})
    assert isinstance(load_bytes("t.json", template.encode()), Template)


def test_a_broken_plan_is_an_error_with_its_position(tmp_path):
    broken = tmp_path / "plan.json"
    broken.write_text('{"format_version": "1.2",\n "planned_values": {"root_module": {}},,\n}')
    loaded = load_file(broken)
    assert isinstance(loaded, LoadError) and loaded.line == 2 and "invalid JSON" in loaded.message


# The scan ------------------------------------------------------------------------------------

def test_child_modules_called_by_a_unit_are_not_scanned_alone(tmp_path, front_end):
    write(tmp_path, {
        "live/main.tf": 'module "store" {\n  source = "../modules/store"\n}\n',
        "modules/store/main.tf": 'module "inner" {\n  source = "./inner"\n}\n',
        "modules/store/inner/main.tf": "",
        "modules/unused/main.tf": "",
        "ring/a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
        "ring/b/main.tf": 'module "a" {\n  source = "../a"\n}\n'})
    result = scan([str(tmp_path)])
    units = ("live", "modules/unused", "ring/a", "ring/b")  # a ring with no caller outside is kept
    assert result.files == [str(tmp_path / folder / "main.tf") for folder in units]
    # named alone, a module is a unit of its own (and still reads the module it calls)
    store = tmp_path / "modules" / "store"
    assert scan([str(store)]).files == [str(store / "main.tf")]


def test_a_terraform_unit_reports_findings_in_its_tf_file_with_addresses(tmp_path, front_end, monkeypatch):
    write(tmp_path, {"tf/main.tf": "", "tf/outputs.tf": ""})
    monkeypatch.chdir(tmp_path)
    result = scan(["tf"])
    (finding,) = [f for f in result.findings if f.rule == "EL101"]
    assert (finding.file, finding.resource, finding.severity) == ("tf/main.tf", FUNCTION, "error")
    assert finding.cycle == [BUCKET, FUNCTION, BUCKET]
    assert result.files == ["tf/main.tf", "tf/outputs.tf"] and result.templates == 1
    assert "tf: count on aws_s3_bucket.x: one instance read" in result.notes


def test_an_hcl_error_names_the_tf_file_and_the_other_units_are_scanned(tmp_path, front_end, monkeypatch):
    write(tmp_path, {"bad/main.tf": "resource {\n  SYNTAX ERROR\n", "good/main.tf": "", "t.yaml": TEMPLATE})
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("scan", "--format", "json", ".")
    document = json.loads(out)
    assert code == 2 and "Traceback" not in err
    assert document["errors"] == [{"file": "bad/main.tf", "line": 2, "column": 3,
                                   "message": "invalid HCL: unexpected token"}]
    assert {f["file"] for f in document["findings"]} == {"good/main.tf"}


@pytest.mark.parametrize("document, words", [
    ({"format_version": "7.0", "planned_values": {}}, "unsupported plan format_version '7.0'"),
    ({"format_version": "1.2", "planned_values": {"root_module": {"resources": "x"}}},
     "resources is not a list"),
])
def test_a_plan_of_the_wrong_shape_is_an_error_entry(tmp_path, front_end, monkeypatch, document, words):
    (tmp_path / "plan.json").write_text(json.dumps(document))
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("scan", "--format", "json", "plan.json")
    (error,) = json.loads(out)["errors"]
    assert code == 2 and "Traceback" not in err
    assert error["file"] == "plan.json" and error["message"].startswith("not a Terraform plan")
    assert words in error["message"]


def test_a_plan_unit_points_at_the_plan(front_end, monkeypatch):
    monkeypatch.chdir(PLAN.parent)
    result = scan(["plan.json"])
    assert result.files == ["plan.json"] and not result.errors
    assert {f.file for f in result.findings} == {"plan.json"}


def test_a_plan_read_from_stdin_is_a_plan_unit(front_end, monkeypatch):
    from clirunner import cli_runner

    from loopcheck.app.cli import main

    monkeypatch.chdir(PLAN.parent)
    result = cli_runner().invoke(main, ["scan", "--format", "json", "-", "--stdin-filename", "plan.json"],
                                 input=PLAN.read_text())
    document = json.loads(result.stdout)
    assert result.exit_code == 1 and document["errors"] == []
    assert {f["file"] for f in document["findings"]} == {"plan.json"}


def test_cloudformation_templates_beside_terraform_are_scanned_as_before(tmp_path, front_end, monkeypatch):
    """No template is lost, and its findings are the same with Terraform units around it."""
    shutil.copytree(ROOT / "fixtures" / "s3-two-function-loop", tmp_path / "cfn")
    alone = scan([str(tmp_path / "cfn")])
    write(tmp_path, {"main.tf": "", "mod/main.tf": ""})
    together = scan([str(tmp_path)])
    cfn = [f.to_dict() for f in together.findings if f.file.endswith(".yaml")]
    assert alone.findings and [f.to_dict() for f in alone.findings] == cfn
    assert together.templates == alone.templates + 2


def test_no_linking_across_terraform_units(tmp_path, front_end):
    write(tmp_path, {"a/main.tf": "", "b/main.tf": ""})
    result = scan([str(tmp_path)])
    assert [f.rule for f in result.findings if f.cycle and len({n for n in f.cycle}) > 2] == []
    assert all(os.path.dirname(f.file) in (str(tmp_path / "a"), str(tmp_path / "b")) for f in result.findings)


def test_jobs_print_the_same_bytes(tmp_path, front_end, monkeypatch):
    write(tmp_path, {f"u{n:02d}/main.tf": "" for n in range(scan_module.PARALLEL_THRESHOLD + 2)})
    write(tmp_path, {"z/t.yaml": TEMPLATE})
    monkeypatch.chdir(tmp_path)
    one = run_cli("scan", "--jobs", "1", "--format", "json", ".")
    two = run_cli("scan", "--jobs", "2", "--format", "json", ".")
    assert one[0] == two[0] == 1
    assert json.loads(one[1])["findings"] and one[1] == two[1]


# Outputs and the baseline --------------------------------------------------------------------

@pytest.fixture
def unit(tmp_path, front_end, monkeypatch):
    write(tmp_path, {"infra/main.tf": "", "infra/variables.tf": ""})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_format_carries_terraform_findings(unit):
    outputs = {name: run_cli("scan", "--format", name, "infra") for name in
               ("text", "json", "sarif", "junit", "github", "gitlab")}
    assert {code for code, _, _ in outputs.values()} == {1}
    assert "infra/main.tf:7:1: EL101 error: recursive loop aws_s3_bucket.media -> aws_lambda_function.resize" \
        in outputs["text"][1]
    (finding,) = [f for f in json.loads(outputs["json"][1])["findings"] if f["rule"] == "EL101"]
    assert (finding["file"], finding["line"], finding["resource"]) == ("infra/main.tf", 7, FUNCTION)
    sarif = json.loads(outputs["sarif"][1])["runs"][0]["results"]
    (result,) = [r for r in sarif if r["ruleId"] == "EL101"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/main.tf"
    assert FUNCTION in json.dumps(result)
    assert '<testcase classname="loopcheck" name="infra/main.tf">' in outputs["junit"][1]
    assert '<testcase classname="loopcheck" name="infra/variables.tf"' in outputs["junit"][1]  # clean
    assert 'name="infra"' not in outputs["junit"][1]
    assert "::error file=infra/main.tf,line=7," in outputs["github"][1]
    (issue,) = [i for i in json.loads(outputs["gitlab"][1]) if i["check_name"] == "EL101"]
    assert issue["location"]["path"] == "infra/main.tf" and issue["location"]["lines"]["begin"] == 7


def test_the_baseline_matches_terraform_findings_and_counts_them_gone(unit):
    code, _, _ = run_cli("scan", "--write-baseline", "baseline.json", "infra")
    entries = json.loads((unit / "baseline.json").read_text())["findings"]
    assert code == 0 and entries and {e["file"] for e in entries} == {"infra/main.tf"}
    assert any(set(e.get("cycle", ())) == {BUCKET, FUNCTION} for e in entries)
    code, out, _ = run_cli("scan", "--baseline", "baseline.json", "--format", "json", "infra")
    document = json.loads(out)
    assert code == 0 and document["findings"] == []
    assert document["baseline"]["matched"] == len(entries) and document["baseline"]["gone"] == 0
    gone = dict(entries[0], resource="aws_s3_bucket.deleted") if "resource" in entries[0] else \
        dict(entries[0], cycle=["aws_s3_bucket.deleted", FUNCTION, "aws_s3_bucket.deleted"])
    (unit / "baseline.json").write_text(json.dumps({"tool": "loopcheck", "format": 1,
                                                    "findings": entries + [gone]}))
    code, out, _ = run_cli("scan", "--baseline", "baseline.json", "--format", "json", "infra")
    assert json.loads(out)["baseline"]["gone"] == 1


def test_graph_draws_a_terraform_unit(unit):
    code, out, err = run_cli("graph", "infra")
    assert code == 0, err
    assert "aws_lambda_function.resize" in out


# Start-up ------------------------------------------------------------------------------------

def test_a_cloudformation_scan_imports_nothing_of_terraform():
    code = (
        "import sys, contextlib, io\n"
        "from loopcheck.app.cli import main\n"
        f"args = ['scan', {str(ROOT / 'fixtures' / 's3-same-bucket-loop')!r}]\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('hcl2', 'lark')"
        " or m.startswith('loopcheck.terraform.')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# The benchmark's Terraform generator -----------------------------------------------------------

def test_the_benchmark_module_has_n_resources_the_same_bytes_and_parses():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate_terraform
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    files, loops = generate_terraform.generate(500, 7)
    assert (files, loops) == generate_terraform.generate(500, 7)
    blocks = [line for text in files.values() for line in text.splitlines() if line.startswith("resource ")]
    assert len(blocks) == 500 == len(set(blocks)) and loops > 0
    if importlib.util.find_spec("hcl2") is not None:
        import hcl2

        for text in files.values():
            hcl2.loads(text)
