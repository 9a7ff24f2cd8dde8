"""Mechanical fixes (loopcheck.fixes): each kind, applied to a copy of a fixture (YAML and its
JSON flip), leaves a template that parses and no longer has the finding, and changes only the
lines it must; SARIF carries them as valid `fixes`; `loopcheck scan --diff` is a unified diff
that `git apply` / `patch -p1` accept and that removes the findings."""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cfn_flip import to_json
from clirunner import cli_runner

from loopcheck.app.cli import main
from loopcheck.app.scan import ScanOptions
from loopcheck.app.scan import scan as plain_scan
from loopcheck.fixes.patch import build_patch
from loopcheck.fixes.source_edits import NotMechanical, Source, apply_edits
from loopcheck.load.loader import Template, load_file, parse_text
from loopcheck.rulebase.finding import Finding, Fix, Level, LineEdit

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SARIF_SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def scan(paths):
    """A scan that works out mechanical fixes, as `--diff` and `--format sarif` ask for."""
    return plain_scan(paths, ScanOptions(fixes=True))


def _copy(name: str, destination: Path) -> Path:
    """A fixture's folder copied (without its snapshots); returns its template."""
    target = destination / name
    shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns("expected*"))
    return target / "template.yaml"


def _flip_to_json(template: Path) -> Path:
    flipped = template.with_suffix(".json")
    flipped.write_text(to_json(template.read_text()))
    template.unlink()
    return flipped


def _rewrite(template: Path, old: str, new: str) -> None:
    text = template.read_text()
    assert old in text
    template.write_text(text.replace(old, new))


# Variants built from fixtures: (fixture, rule, a change to its copy or None)


def _allow_on_the_function(template: Path) -> None:
    """RecursiveLoop: Allow on the function itself, with a comment after it."""
    _rewrite(template, "    RecursiveLoop: Allow\n", "")
    _rewrite(template, "      Handler: app.handler\n",
             "      Handler: app.handler\n      RecursiveLoop: 'Allow'  # for the backfill\n")


def _raw_cloudformation_rewrite(template: Path) -> None:
    """The raw CloudFormation loop, its inline handler rewriting incoming/ to archive/."""
    _rewrite(template, 'Key=key + ".gz"', 'Key=key.replace("incoming/", "archive/", 1)')


CASES = {
    "EL104-globals": ("s3-recursive-loop-allow", "EL104", None),
    "EL104-property": ("s3-recursive-loop-allow", "EL104", _allow_on_the_function),
    "IL105": ("s3-prefix-scoped", "IL105", None),
    "IL109": ("eventbridge-put-events-loop", "IL109", None),
    "EL101-sam-prefix": ("s3-prefix-rewrite-unfiltered", "EL101", None),
    "EL101-cfn-prefix": ("cfn-same-bucket-loop", "EL101", _raw_cloudformation_rewrite),
}


def _prepared(case: str, flavour: str, tmp_path: Path) -> Path:
    name, _rule, change = CASES[case]
    template = _copy(name, tmp_path)
    if change is not None:
        change(template)
    return _flip_to_json(template) if flavour == "json" else template


def _keys(findings):
    return {(f.rule, f.resource) for f in findings}


@pytest.mark.parametrize("flavour", ["yaml", "json"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_mechanical_fix_removes_its_finding(case, flavour, tmp_path):
    template = _prepared(case, flavour, tmp_path)
    rule = CASES[case][1]
    result = scan([str(template)])
    assert result.sources == {str(template): template.read_text()}  # what --diff is made against
    fixed = [f for f in result.findings if f.rule == rule]
    assert fixed and fixed[0].fixes, f"no mechanical fix for {rule}"
    finding = fixed[0]
    (fix,) = finding.fixes
    assert fix.description and all(edit.file == str(template) for edit in fix.edits)

    before = template.read_text()
    after = apply_edits(before, fix.edits)
    template.write_text(after)
    assert isinstance(load_file(template), Template)
    assert (rule, finding.resource) not in _keys(scan([str(template)]).findings)

    # Only the lines it must: inserts remove nothing; a replacement removes its one line, and
    # every comment of the template is still there.
    removed = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line.startswith("- ")]
    assert len(removed) == sum(edit.removed for edit in fix.edits)
    assert [line for line in before.splitlines() if "#" in line and line not in after.splitlines()] == \
        [line for line in (r[2:] for r in removed) if "#" in line]
    if case == "EL104-property" and flavour == "yaml":
        assert "RecursiveLoop: 'Terminate'  # for the backfill\n" in after


def test_no_fix_when_the_case_has_no_sure_edit(tmp_path):
    """An unfiltered loop whose output key shows no input prefix: no prefix is safe to add."""
    for name in ("s3-same-bucket-loop", "s3-suffix-kept-loop"):
        result = scan([str(_copy(name, tmp_path))])
        assert [f.rule for f in result.findings] == ["EL101"] and result.findings[0].fixes == []
        assert result.sources == {}


TEMPLATE = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Handler: app.handler, RecursiveLoop: Allow}
  Other:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: t   # kept
"""


def _source(text: str, file: str = "t.yaml") -> Source:
    loaded = parse_text(file, text, True)
    assert isinstance(loaded, Template)
    return Source.of(file, text, loaded.data)


def test_flow_mappings_and_other_values_are_not_edited():
    source = _source(TEMPLATE)
    with pytest.raises(NotMechanical):
        source.add_key(["Resources", "Fn", "Properties"], "ReservedConcurrentExecutions", 10)
    with pytest.raises(NotMechanical):
        source.replace_scalar(["Resources", "Other", "Properties", "TopicName"], "Allow", "Terminate")
    edit = source.add_key(["Resources", "Other", "Properties"], "DisplayName", "x")
    assert edit == LineEdit("t.yaml", 9, 0, "      DisplayName: x\n")


def test_edits_keep_windows_line_endings_and_a_missing_final_newline():
    text = TEMPLATE.replace("\n", "\r\n").rstrip("\r\n")
    source = _source(text)
    edit = source.add_key(["Resources", "Other", "Properties"], "DisplayName", "x")
    assert edit == LineEdit("t.yaml", 8, 1, "      TopicName: t   # kept\r\n      DisplayName: x\r\n")
    changed = apply_edits(text, [edit])
    assert changed.count("\r\n") == changed.count("\n")


# SARIF ---------------------------------------------------------------------------------------


def _sarif(*paths):
    result = cli_runner().invoke(main, ["scan", "--format", "sarif", *map(str, paths)])
    return json.loads(result.stdout)


def test_sarif_carries_fixes_that_validate_and_rebuild_the_fixed_text(tmp_path, monkeypatch):
    monkeypatch.delenv("LOOPCHECK_SRCROOT", raising=False)
    template = _copy("s3-recursive-loop-allow", tmp_path)
    monkeypatch.chdir(tmp_path)
    document = _sarif(template.parent)
    results = [r for r in document["runs"][0]["results"] if r.get("fixes")]
    assert [r["ruleId"] for r in results] == ["EL104"]
    (fix,) = results[0]["fixes"]
    (change,) = fix["artifactChanges"]
    # The file as the result's own location names it (relative, under %SRCROOT%).
    assert change["artifactLocation"] == results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert change["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    (replacement,) = change["replacements"]
    region = replacement["deletedRegion"]
    assert region["startColumn"] == region["endColumn"] == 1
    lines = template.read_text().splitlines(keepends=True)
    lines[region["startLine"] - 1:region["endLine"] - 1] = [replacement["insertedContent"]["text"]]
    fixed = "".join(lines)
    assert "      RecursiveLoop: Terminate\n" in fixed
    assert isinstance(parse_text("t.yaml", fixed, True), Template)
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SARIF_SCHEMA}")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(document))
    assert not errors, errors[0].message


# --diff --------------------------------------------------------------------------------------


DIFF_FIXTURES = ("s3-recursive-loop-allow", "s3-prefix-scoped", "eventbridge-distinct-source",
                 "s3-prefix-rewrite-unfiltered")


def _diff(tmp_path, monkeypatch):
    for name in DIFF_FIXTURES:
        _copy(name, tmp_path)
    monkeypatch.chdir(tmp_path)
    before = scan(["."]).findings
    result = cli_runner().invoke(main, ["scan", "--diff", "."])
    return before, result


def _unfixed(before, after):
    fixed = {(f.rule, f.resource) for f in before if f.fixes}
    return fixed & _keys(after)


def test_diff_is_accepted_by_git_apply_and_removes_the_findings(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    before, result = _diff(tmp_path, monkeypatch)
    assert result.exit_code == 1  # as the scan: errors were found
    diff = result.stdout
    assert diff.count("--- a/") == len(DIFF_FIXTURES) and "\n+++ b/s3-prefix-scoped/template.yaml\n" in diff
    assert not [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert "mechanical fix" in result.stderr
    (tmp_path / "fix.diff").write_text(diff)
    check = subprocess.run(["git", "apply", "--check", "fix.diff"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    subprocess.run(["git", "apply", "fix.diff"], check=True)
    after = scan(["."])
    assert not after.errors and after.templates == len(DIFF_FIXTURES)
    assert not _unfixed(before, after.findings)


def test_diff_is_accepted_by_patch(tmp_path, monkeypatch):
    if shutil.which("patch") is None:
        pytest.skip("patch is not installed")
    before, result = _diff(tmp_path, monkeypatch)
    (tmp_path / "fix.diff").write_text(result.stdout)
    dry = subprocess.run(["patch", "-p1", "--dry-run", "-i", "fix.diff"], capture_output=True, text=True)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    subprocess.run(["patch", "-p1", "-s", "-i", "fix.diff"], check=True)
    assert not _unfixed(before, scan(["."]).findings)


def test_diff_of_a_clean_scan_is_empty_and_writes_nothing(tmp_path, monkeypatch):
    template = _copy("s3-two-buckets", tmp_path)
    text = template.read_text()
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["scan", "--diff", "."])
    assert result.exit_code == 0 and result.stdout == ""
    assert template.read_text() == text


def test_fixes_are_worked_out_only_when_asked_for(tmp_path):
    template = _copy("s3-recursive-loop-allow", tmp_path)
    result = plain_scan([str(template)])
    assert result.findings and not any(f.fixes for f in result.findings) and result.sources == {}


def test_diff_with_write_baseline_is_a_usage_error(tmp_path):
    result = cli_runner().invoke(main, ["scan", "--diff", "--write-baseline", str(tmp_path / "b.json"),
                                        str(FIXTURES / "s3-two-buckets")])
    assert result.exit_code == 2 and "--diff" in result.stderr
    assert not (tmp_path / "b.json").exists()


def _finding(file: str, rule: str, edits) -> Finding:
    return Finding(rule, Level.INFO, file, 1, 1, "Fn", ["Resources", "Fn"], "m",
                   fixes=[Fix(f"fix {rule}", tuple(edits))])


def test_diff_merges_one_files_edits_in_line_order_and_skips_overlaps(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = "t.yaml"
    Path(path).write_text("a\nb\nc\nd\n")
    findings = [
        _finding(path, "IL109", [LineEdit(path, 5, 0, "  Alarm:\n")]),
        _finding(path, "EL104", [LineEdit(path, 2, 1, "B\n")]),
        _finding(path, "IL105", [LineEdit(path, 5, 0, "      Reserved: 10\n")]),
        _finding(path, "WL999", [LineEdit(path, 1, 2, "x\n")]),  # overlaps the EL104 edit: skipped
        _finding(path, "IL109", [LineEdit(path, 5, 0, "  Alarm:\n")]),  # the same edit again: once
    ]
    patch = build_patch(findings, {path: "a\nb\nc\nd\n"})
    assert patch.fixes == 4 and len(patch.skipped) == 1 and "WL999" in patch.skipped[0]
    assert patch.text.count("--- a/t.yaml") == 1
    added = [line[1:] for line in patch.text.splitlines()
             if line[:1] in "+-" and line[:3] not in ("---", "+++")]
    assert added == ["b", "B", "      Reserved: 10", "  Alarm:"]  # deepest insert first at one line
    assert Path(path).read_text() == "a\nb\nc\nd\n"


@pytest.mark.parametrize("edits", [
    [LineEdit("t.yaml", 2, 1, "B\n"), LineEdit("t.yaml", 30, 0, "new 1\nnew 2\n")],  # two hunks
    [LineEdit("t.yaml", 5, 0, "x\n"), LineEdit("t.yaml", 9, 1, "y\n"), LineEdit("t.yaml", 12, 2, "")],  # one
    [LineEdit("t.yaml", 1, 0, "first\n"), LineEdit("t.yaml", 40, 1, "last\nmore")],  # ends, no final newline
])
def test_diff_hunks_are_what_difflib_makes(edits, tmp_path, monkeypatch):
    """The hunks are made from the edits (difflib took 34 s on a 5,000-resource template): the
    same bytes as difflib's where the alignment is not in doubt."""
    import difflib

    monkeypatch.chdir(tmp_path)
    before = "".join(f"line {number}\n" for number in range(1, 40)) + "line 40"
    after = apply_edits(before, edits)
    expected = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        for line in difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                         "a/t.yaml", "b/t.yaml"))
    assert build_patch([_finding("t.yaml", "EL104", edits)], {"t.yaml": before}).text == expected
