"""The CI formats as a user gets them from `loopcheck scan`: SARIF (checked against the
official 2.1.0 schema and GitHub code scanning's needs), JUnit XML, GitHub workflow
commands; `--output`. The GitHub Action is run in test_action.py, GitLab's format is
checked in test_gitlab_report.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from clirunner import run_cli

from loopcheck import __version__
from loopcheck.app.scan import scan
from loopcheck.pipeline.result import ErrorEntry, ScanResult
from loopcheck.report import FORMATS, github, junit, text
from loopcheck.report import sarif as sarif_report
from loopcheck.rulebase.finding import EvidenceKind, Finding, Level, Location, NodeRef, Step
from loopcheck.rulebase.rule import all_rules

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
LOOP = FIXTURES / "s3-same-bucket-loop" / "template.yaml"
TWO_FUNCTIONS = FIXTURES / "s3-two-function-loop" / "template.yaml"
INFO = FIXTURES / "s3-prefix-scoped" / "template.yaml"
CLEAN = FIXTURES / "s3-two-buckets" / "template.yaml"
SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
BROKEN = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: [unclosed\n"


@pytest.fixture(autouse=True)
def _no_srcroot_override(monkeypatch):
    monkeypatch.delenv("LOOPCHECK_SRCROOT", raising=False)


run = run_cli


def sarif(*paths):
    code, out, _ = run("scan", "--format", "sarif", *paths)
    return code, json.loads(out)


def findings_json(*paths):
    return json.loads(run("scan", "--format", "json", *paths)[1])


def validate(document):
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SARIF_SCHEMA}")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


# The finding's data ---------------------------------------------------------------------------


def _loop_finding(severity=Level.ERROR, evidence=EvidenceKind.CODE):
    return Finding("EL101", severity, "t.yaml", 9, 3, "Fn", ["Resources", "Fn"], "loop B -> Fn -> B",
                   cycle=["B", "Fn", "B"], evidence=evidence,
                   steps=[Step("B (t.yaml:4) notifies Fn", Location("t.yaml", 4)),
                          Step("and does: src/app.py:7 PutObject", Location("src/app.py", 7), depth=1),
                          Step("runtime: AWS stops this")],
                   nodes=[NodeRef("t.yaml", "B"), NodeRef("t.yaml", "Fn"), NodeRef("t.yaml", "B")])


def test_json_notes_and_levels_are_derived_from_the_findings_data():
    data = json.loads(json.dumps(_loop_finding().to_dict()))
    assert data == {
        "rule": "EL101", "severity": "error", "file": "t.yaml", "line": 9, "column": 3, "resource": "Fn",
        "path": ["Resources", "Fn"], "message": "loop B -> Fn -> B", "cycle": ["B", "Fn", "B"],
        "evidence": "code", "fix": "",
        "notes": ["B (t.yaml:4) notifies Fn", "  and does: src/app.py:7 PutObject", "runtime: AWS stops this"],
    }  # node references stay out of JSON: `cycle_files` is only for a loop across stacks


def test_text_report_prints_the_steps_and_the_level_by_value():
    result = ScanResult(templates=1)
    result.findings.append(_loop_finding(severity=Level.WARNING))
    assert text.render(result) == (
        "t.yaml:9:3: EL101 warning: loop B -> Fn -> B\n"
        "  loop: B -> Fn -> B\n"
        "  B (t.yaml:4) notifies Fn\n"
        "    and does: src/app.py:7 PutObject\n"
        "  runtime: AWS stops this\n"
    )
    assert text.summary(result).startswith("1 template scanned: 0 errors, 1 warning, 0 info")


def test_findings_of_a_scan_carry_levels_evidence_kinds_and_node_references():
    (finding,) = scan([str(LOOP)]).findings
    assert finding.severity is Level.ERROR and isinstance(finding.evidence, EvidenceKind)
    assert [(n.file, n.logical_id) for n in finding.nodes] == [(str(LOOP), name) for name in finding.cycle]
    assert finding.cycle_files == [] and "cycle_files" not in finding.to_dict()  # one template
    assert all(step.location is not None for step in finding.steps[:3])


# SARIF ---------------------------------------------------------------------------------------


def test_formats_are_offered_by_the_cli():
    assert {"sarif", "junit", "github"} <= set(FORMATS)
    code, out, _ = run("scan", "--help")
    assert code == 0 and all(name in out for name in ("sarif", "junit", "github"))


def test_sarif_of_every_fixture_validates_against_the_schema():
    code, document = sarif(FIXTURES)
    assert code == 1
    validate(document)
    assert document["version"] == "2.1.0" and len(document["runs"]) == 1
    assert len(document["runs"][0]["results"]) == len(findings_json(FIXTURES)["findings"])
    assert any("fixes" in result for result in document["runs"][0]["results"])  # validated too


def test_sarif_driver_lists_every_registered_rule():
    _, document = sarif(CLEAN)
    (run_,) = document["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "loopcheck" and driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    rules = all_rules()
    assert [r["id"] for r in driver["rules"]] == [rule.id for rule in rules]
    for described, rule in zip(driver["rules"], rules):
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", described["name"])
        assert described["shortDescription"]["text"] == rule.title
        assert described["fullDescription"]["text"] == rule.rationale
        assert described["help"]["text"] == rule.remediation
        assert rule.remediation in described["help"]["markdown"]
        expected = {"error": "error", "warning": "warning", "info": "note"}[rule.severity]
        assert described["defaultConfiguration"]["level"] == expected
        assert described["properties"]["tags"]
    assert len({r["name"] for r in driver["rules"]}) == len(rules)
    assert run_["results"] == []
    assert run_["invocations"][0]["executionSuccessful"] is True


def test_sarif_loop_result_points_at_the_function_relative_to_the_working_directory(monkeypatch):
    monkeypatch.chdir(LOOP.parent)
    code, document = sarif(LOOP)
    assert code == 1
    validate(document)
    (run_,) = document["runs"]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == LOOP.parent.as_uri() + "/"
    (result,) = run_["results"]
    assert result["ruleId"] == "EL101" and result["level"] == "error"
    assert run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "EL101"
    assert result["message"]["text"].startswith("recursive loop MediaBucket -> ResizeFn -> MediaBucket")
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "template.yaml", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 11, "startColumn": 3}


def test_sarif_loop_carries_its_hops_as_related_locations_and_a_code_flow(monkeypatch):
    monkeypatch.chdir(REPO)
    _, document = sarif(TWO_FUNCTIONS)
    (result,) = document["runs"][0]["results"]
    related = result["relatedLocations"]
    texts = [r["message"]["text"] for r in related]
    assert any(t.startswith("RawBucket (") and "notifies IngestFn" in t for t in texts)
    assert any(t.startswith("StagingBucket (") and "notifies PublishFn" in t for t in texts)
    assert [r["id"] for r in related] == list(range(1, len(related) + 1))
    lines = {r["physicalLocation"]["region"]["startLine"] for r in related}
    assert len(lines) > 2  # each hop at its own line, not all at the finding's
    for r in related:
        uri = r["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")) and "\\" not in uri
        assert (REPO / uri).is_file()
    (flow,) = result["codeFlows"]
    assert flow["message"]["text"] == "loop: RawBucket -> IngestFn -> StagingBucket -> PublishFn -> RawBucket"
    (thread,) = flow["threadFlows"]
    assert len(thread["locations"]) >= 4
    orders = [step["executionOrder"] for step in thread["locations"]]
    assert orders == list(range(1, len(orders) + 1))


def _related(document, folder):
    """(message, uri, line, column) of every result's related locations, with the scanned
    folder's path left out of the messages (the notes print it)."""
    prefix = str(folder) + os.sep
    return [[(r["message"]["text"].replace(prefix, ""), r["physicalLocation"]["artifactLocation"]["uri"],
              r["physicalLocation"]["region"]["startLine"], r["physicalLocation"]["region"].get("startColumn"))
             for r in result["relatedLocations"]]
            for result in document["runs"][0]["results"]]


def test_sarif_related_locations_do_not_depend_on_a_space_in_the_scanned_path(tmp_path):
    """Each hop keeps its own file and line when the folder's path has a space: SARIF reads
    the step's location, not the note's text."""
    plain, spaced = tmp_path / "plain" / "app", tmp_path / "with space" / "app"
    for folder in (plain, spaced):
        shutil.copytree(TWO_FUNCTIONS.parent, folder)
    spaced_related = _related(sarif("--sarif-root", spaced, spaced)[1], spaced)
    assert spaced_related == _related(sarif("--sarif-root", plain, plain)[1], plain)
    (hops,) = spaced_related
    assert len({line for _, _, line, _ in hops}) > 2  # each hop at its own line, not the finding's
    assert {uri for _, uri, _, _ in hops} == {"template.yaml", "src/ingest.js", "src/publish.js"}


def test_sarif_step_without_a_location_points_at_the_finding():
    finding = Finding("EL101", Level.ERROR, "t.yaml", 9, 3, "Fn", ["Resources", "Fn"], "loop",
                      cycle=["B", "Fn", "B"],
                      steps=[Step("B (t.yaml:4) notifies Fn", Location("t.yaml", 4)),
                             Step("and does: src/a b.py:7 PutObject", Location("src/a b.py", 7), depth=1),
                             Step("runtime: AWS stops this")])
    assert sarif_report.hops(finding) == [("B (t.yaml:4) notifies Fn", "t.yaml", 4, None),
                                          ("and does: src/a b.py:7 PutObject", "src/a b.py", 7, None),
                                          ("runtime: AWS stops this", "t.yaml", 9, 3)]


def test_sarif_info_finding_is_a_note():
    code, document = sarif(INFO)
    assert code == 0
    (result,) = document["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("IL105", "note")


def test_sarif_uris_are_relative_to_the_working_directory_with_forward_slashes(monkeypatch):
    monkeypatch.chdir(REPO)
    _, document = sarif("fixtures")
    (run_,) = document["runs"]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == REPO.as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["ruleId"]
            for r in run_["results"]}
    assert uris["fixtures/s3-same-bucket-loop/template.yaml"] == "EL101"
    assert uris["fixtures/s3-prefix-scoped/template.yaml"] == "IL105"
    for result in run_["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"


def test_sarif_of_a_subfolder_scanned_from_the_repository_root_names_the_subfolder(tmp_path, monkeypatch):
    """A workflow that runs `loopcheck scan sub` from the checkout gets URIs that code
    scanning resolves against the repository root (before, `sub` itself was the root)."""
    shutil.copy(LOOP, (tmp_path / "sub").mkdir() or tmp_path / "sub" / "template.yaml")
    monkeypatch.chdir(tmp_path)
    for given in ("sub", str(tmp_path / "sub"), "sub/template.yaml"):
        _, document = sarif(given)
        (run_,) = document["runs"]
        assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
        (result,) = run_["results"]
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location == {"uri": "sub/template.yaml", "uriBaseId": "%SRCROOT%"}


def test_sarif_file_outside_the_root_gets_an_absolute_uri(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, document = sarif(LOOP)
    (result,) = document["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": LOOP.as_uri()}


def test_sarif_srcroot_can_be_named_by_the_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOOPCHECK_SRCROOT", str(REPO))
    _, document = sarif(LOOP)
    (result,) = document["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "fixtures/s3-same-bucket-loop/template.yaml"


def _uri(*args):
    code, document = sarif(*args)
    assert code == 1
    (result,) = document["runs"][0]["results"]
    return result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def test_sarif_root_flag_wins_over_the_environment_and_the_configuration(monkeypatch, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(LOOP.parent, project / "infra" / "app")
    (project / ".loopcheck.yaml").write_text("sarif-root: infra\n")  # relative to this file's folder
    monkeypatch.chdir(tmp_path)
    assert _uri(project) == "app/template.yaml"  # the configuration over the working directory
    monkeypatch.setenv("LOOPCHECK_SRCROOT", str(project))
    assert _uri(project) == "infra/app/template.yaml"  # the environment over the configuration
    assert _uri("--sarif-root", project / "infra" / "app", project) == "template.yaml"  # the flag over all


def test_sarif_root_must_name_a_folder(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, _, err = run("scan", "--format", "sarif", "--sarif-root", "missing", LOOP)
    assert code == 2 and "missing" in err and "Traceback" not in err
    (tmp_path / ".loopcheck.yaml").write_text("sarif-root: nowhere\n")
    shutil.copy(LOOP, tmp_path / "template.yaml")
    code, _, err = run("scan", "--format", "sarif", ".")
    assert code == 2 and "'sarif-root' names 'nowhere', which is not a folder" in err
    assert len(err.strip().splitlines()) == 1


def test_sarif_is_deterministic_and_fingerprints_survive_line_moves(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "template.yaml"
    shutil.copy(LOOP, target)
    first = run("scan", "--format", "sarif", tmp_path)[1]
    assert run("scan", "--format", "sarif", tmp_path)[1] == first
    target.write_text("# a comment\n\n" + LOOP.read_text())
    moved = json.loads(run("scan", "--format", "sarif", tmp_path)[1])
    (before,) = json.loads(first)["runs"][0]["results"]
    (after,) = moved["runs"][0]["results"]
    assert after["locations"][0]["physicalLocation"]["region"]["startLine"] == 13
    assert before["partialFingerprints"] == after["partialFingerprints"]
    (value,) = before["partialFingerprints"].values()
    assert re.fullmatch(r"[0-9a-f]{64}", value)
    _, other = sarif(TWO_FUNCTIONS)
    assert other["runs"][0]["results"][0]["partialFingerprints"] != before["partialFingerprints"]


def test_sarif_unreadable_template_is_an_error_notification(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.yaml").write_text(BROKEN)
    shutil.copy(LOOP, tmp_path / "loop.yaml")
    (tmp_path / "ci.yml").write_text("on: push\n")
    code, document = sarif(tmp_path)
    assert code == 2
    validate(document)
    (invocation,) = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    by_level = {}
    for note in invocation["toolExecutionNotifications"]:
        by_level.setdefault(note["level"], []).append(note)
    (error,) = by_level["error"]
    assert "invalid YAML" in error["message"]["text"]
    physical = error["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "broken.yaml" and physical["region"]["startLine"] == 4
    skipped = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in by_level["note"]]
    assert skipped == ["ci.yml"]
    assert [r["ruleId"] for r in document["runs"][0]["results"]] == ["EL101"]


# JUnit ---------------------------------------------------------------------------------------


def test_junit_has_one_test_case_per_file_and_one_failure_per_failing_finding(tmp_path):
    for folder in ("s3-same-bucket-loop", "s3-two-function-loop", "s3-recursive-loop-allow",
                   "s3-prefix-scoped", "s3-prefix-whole-bucket", "s3-two-buckets"):
        shutil.copytree(FIXTURES / folder, tmp_path / folder)
    (tmp_path / "broken.yaml").write_text(BROKEN)
    code, out, _ = run("scan", "--format", "junit", tmp_path)
    assert code == 2
    document = json.loads(run("scan", "--format", "json", tmp_path)[1])
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "loopcheck"
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert all(case.get("classname") == "loopcheck" for case in cases.values())
    files = {str(p) for p in tmp_path.rglob("template.yaml")} | {e["file"] for e in document["errors"]}
    assert set(cases) == files  # clean templates pass as test cases too
    failing = [f for f in document["findings"] if f["severity"] in ("error", "warning")]
    failures = suite.findall("testcase/failure")
    assert len(failures) == len(failing) >= 3  # at least EL101 x2 and EL104
    assert sorted(f.get("type") for f in failures) == sorted(f["rule"] for f in failing)
    loop_case = cases[str(tmp_path / "s3-recursive-loop-allow" / "template.yaml")]
    assert [f.get("type") for f in loop_case.findall("failure")] == ["EL101", "EL104"]
    assert "loop: ReportsBucket -> SummariseFn -> ReportsBucket" in loop_case.find("failure").text
    info_case = cases[str(tmp_path / "s3-prefix-scoped" / "template.yaml")]
    assert info_case.find("failure") is None and "IL105 info" in info_case.find("system-out").text
    (error,) = suite.findall("testcase/error")
    assert "invalid YAML" in error.get("message")
    failed_files = {f["file"] for f in failing}
    for element in (root, suite):
        assert element.get("tests") == str(len(cases))
        assert element.get("failures") == str(len(failed_files))  # test cases, not <failure> elements
        assert element.get("errors") == "1" and element.get("skipped") == "0"


def test_junit_lists_clean_files_when_the_pipeline_provides_them():
    result = ScanResult(templates=2, roots=["infra"])
    result.files = ["infra/clean.yaml", "infra/loop.yaml"]
    result.findings.append(Finding("EL101", "error", "infra/loop.yaml", 3, 1, "Fn", ["Resources", "Fn"],
                                   "loop \x01 & <here>", cycle=["B", "Fn", "B"]))
    root = ET.fromstring(junit.render(result))
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert list(cases) == ["infra/clean.yaml", "infra/loop.yaml"]
    assert len(cases["infra/clean.yaml"]) == 0
    assert cases["infra/loop.yaml"].find("failure").get("message") == "EL101 error: loop \ufffd & <here>"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "0")


def test_junit_skipped_non_template_is_a_skipped_case(tmp_path):
    (tmp_path / "ci.yml").write_text("on: push\n")
    root = ET.fromstring(run("scan", "--format", "junit", tmp_path)[1])
    (case,) = root.iter("testcase")
    assert case.find("skipped") is not None and root.get("skipped") == "1"


# GitHub workflow commands --------------------------------------------------------------------

def annotated(path):
    """Annotations name files relative to the working folder (the workspace) when inside it."""
    relative = os.path.relpath(path)
    return Path(path if relative.startswith("..") else relative).as_posix()


LINE = re.compile(
    r"::(?P<level>error|warning|notice) file=(?P<file>[^,:]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"title=(?P<title>[^,:]+)::(?P<message>[^\r\n]+)"
)


def test_github_one_command_per_finding():
    code, out, _ = run("scan", "--format", "github", FIXTURES)
    assert code == 1
    document = findings_json(FIXTURES)
    lines = out.splitlines()
    assert len(lines) == len(document["findings"])
    for line, finding in zip(lines, document["findings"]):
        match = LINE.fullmatch(line)
        assert match, line
        level = {"error": "error", "warning": "warning", "info": "notice"}[finding["severity"]]
        assert match["level"] == level
        assert match["file"] == annotated(finding["file"])
        assert (int(match["line"]), int(match["col"])) == (finding["line"], finding["column"])
        assert match["title"].startswith(finding["rule"] + " ")
        assert match["message"].startswith(github.escape_data(finding["message"]))


def test_github_loop_and_info_lines():
    out = run("scan", "--format", "github", LOOP)[1]
    assert out.startswith(f"::error file={annotated(LOOP)},line=11,col=3,title=EL101 Unguarded recursive loop::"
                          "recursive loop MediaBucket -> ResizeFn -> MediaBucket")
    assert "%0Aloop: MediaBucket -> ResizeFn -> MediaBucket%0A" in out
    assert run("scan", "--format", "github", INFO)[1].startswith("::notice file=")
    assert run("scan", "--format", "github", CLEAN)[1] == ""


def test_github_escapes_data_and_properties():
    result = ScanResult()
    result.findings.append(Finding("WL102", "warning", "a,b:c/t%.yaml", 7, 2, "Fn", [], "100% sure,\r\nreally"))
    result.errors.append(ErrorEntry("bad,name.yaml", "invalid YAML: line 4\ncolumn 1", 4, 1))
    result.errors.append(ErrorEntry("gone.yaml", "no such file or directory"))
    first, second, third = github.render(result).splitlines()
    assert first.startswith("::warning file=a%2Cb%3Ac/t%25.yaml,line=7,col=2,title=WL102 Key filter")
    assert first.endswith("::100%25 sure,%0D%0Areally")  # "," and ":" stay as they are in the message
    title = first.split(",title=", 1)[1].split("::", 1)[0]
    assert ":" not in title and "," not in title
    assert second == ("::error file=bad%2Cname.yaml,line=4,col=1,title=loopcheck%3A unreadable template"
                      "::unreadable: invalid YAML: line 4%0Acolumn 1")
    assert third == ("::error file=gone.yaml,title=loopcheck%3A unreadable template"
                     "::unreadable: no such file or directory")


# --output ------------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["sarif", "junit", "github", "json", "text"])
def test_output_file_gets_the_report_and_stdout_stays_empty(tmp_path, output_format):
    command = shutil.which("loopcheck", path=str(Path(sys.executable).parent)) or shutil.which("loopcheck")
    assert command, "the loopcheck executable is not installed next to the test interpreter"
    target = tmp_path / f"report.{output_format}"
    completed = subprocess.run([command, "scan", "--format", output_format, "--output", str(target), str(LOOP)],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout == ""
    printed = subprocess.run([command, "scan", "--format", output_format, str(LOOP)],
                             capture_output=True, text=True, check=False).stdout
    assert target.read_text(encoding="utf-8") == printed
    assert "EL101" in printed
