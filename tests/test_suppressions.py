"""Suppressions written in a template's Metadata: loopcheck's own (with a reason) and
cfn-lint's ignore_checks; a loop is suppressed by any resource on it."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from builder import (
    bucket,
    cfn_lint_ignore,
    dump,
    function,
    loopcheck_ignore,
    s3_event,
    s3_write,
    template,
    with_metadata,
)
from userrun import loopcheck

from loopcheck.load.loader import Template, parse_text
from loopcheck.pipeline.analysis import AnalysisOptions, analyse

ARTIFACT = {"Bucket": "artifacts", "Key": "app.zip"}  # code loopcheck cannot read: permissions decide
Metadata = Optional[Dict[str, Any]]


def loop(raw: Metadata = None, staging: Metadata = None, ingest: Metadata = None) -> Dict[str, Any]:
    """RawBucket -> IngestFn -> StagingBucket -> PublishFn -> RawBucket, with the Metadata given
    on the first three."""
    resources = {
        "RawBucket": bucket(),
        "StagingBucket": bucket(),
        "IngestFn": function([s3_write("StagingBucket")], {"Raw": s3_event("RawBucket")},
                             code_uri=ARTIFACT),
        "PublishFn": function([s3_write("RawBucket")], {"Staged": s3_event("StagingBucket")},
                              code_uri=ARTIFACT),
    }
    for logical_id, metadata in (("RawBucket", raw), ("StagingBucket", staging), ("IngestFn", ingest)):
        if metadata is not None:
            resources[logical_id] = with_metadata(resources[logical_id], metadata)
    return template(resources)


def analysed(document: Dict[str, Any], options=None):
    loaded = parse_text("t.yaml", dump(document), True)
    assert isinstance(loaded, Template), loaded
    return analyse("t.yaml", loaded.data, options)


def rules(findings):
    return [f.rule for f in findings]


def test_unsuppressed_loop_is_reported():
    result = analysed(loop())
    assert rules(result.findings) == ["EL101"] and result.suppressed == []


def test_any_resource_on_the_cycle_suppresses_the_loop():
    for where in ("raw", "staging", "ingest"):
        result = analysed(loop(**{where: loopcheck_ignore({"rule": "EL101", "reason": "bounded by design"})}))
        assert result.findings == [], where
        (item,) = result.suppressed
        assert item.finding.rule == "EL101" and item.reason == "bounded by design"
        assert item.suppression.source == "loopcheck"


def test_suppressing_another_rule_keeps_the_finding():
    result = analysed(loop(raw=loopcheck_ignore({"rule": "WL102", "reason": "not this one"})))
    assert rules(result.findings) == ["EL101"]


def test_a_suppression_without_reason_is_ignored_and_reported_as_wl901():
    result = analysed(loop(staging=loopcheck_ignore({"rule": "EL101"})))
    assert sorted(rules(result.findings)) == ["EL101", "WL901"]
    (wl901,) = [f for f in result.findings if f.rule == "WL901"]
    assert wl901.severity == "warning" and wl901.resource == "StagingBucket"
    assert wl901.path == ["Resources", "StagingBucket", "Metadata", "loopcheck", "ignore", 0]
    assert "has no reason" in wl901.message
    assert result.suppressed == []


def test_malformed_suppressions_are_reported():
    result = analysed(loop(raw={"loopcheck": {"ignore": "EL101"}}, staging=loopcheck_ignore({"reason": "why"})))
    messages = [f.message for f in result.findings if f.rule == "WL901"]
    assert len(messages) == 2
    assert any("names no rule" in m for m in messages)
    assert any("needs `ignore:`" in m for m in messages)


def test_cfn_lint_ignore_checks_is_honoured():
    result = analysed(loop(ingest=cfn_lint_ignore("EL101", "E3012")))
    assert result.findings == []
    (item,) = result.suppressed
    assert item.suppression.source == "cfn-lint"
    assert item.reason == "cfn-lint ignore_checks on IngestFn"


def test_non_loop_finding_is_suppressed_only_by_its_own_resource():
    result = analysed(loop(raw=loopcheck_ignore({"rule": "EL101"}),
                           staging=loopcheck_ignore({"rule": "WL901", "reason": "tolerated"})))
    assert "WL901" in rules(result.findings)  # the WL901 is on RawBucket, not on StagingBucket
    result = analysed(loop(raw=loopcheck_ignore({"rule": "EL101"}, {"rule": "WL901", "reason": "tolerated"})))
    assert rules(result.findings) == ["EL101"]
    assert [s.finding.rule for s in result.suppressed] == ["WL901"]


def test_suppressions_can_be_turned_off():
    document = loop(raw=cfn_lint_ignore("EL101"))
    assert rules(analysed(document, AnalysisOptions(suppressions=False)).findings) == ["EL101"]


def test_cli_hides_suppressed_findings_and_shows_them_on_request(tmp_path):
    target = tmp_path / "template.yaml"
    target.write_text(dump(loop(staging=loopcheck_ignore(
        {"rule": "EL101", "reason": "bounded by reserved concurrency; ADR-7"}))))
    plain = loopcheck("scan", target)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == ""
    assert "1 suppressed" in plain.stderr

    shown = loopcheck("scan", "--show-suppressed", target)
    assert shown.returncode == 0  # suppressed findings never fail the run
    lines = shown.stdout.splitlines()
    assert " EL101 error: recursive loop " in lines[0]
    assert lines[1] == "  suppressed: bounded by reserved concurrency; ADR-7"

    as_json = loopcheck("scan", "--format", "json", "--show-suppressed", target)
    document = json.loads(as_json.stdout)
    assert document["findings"] == []
    (item,) = document["suppressed"]
    assert item["rule"] == "EL101" and item["cycle"][0] == "RawBucket"
    assert item["suppressed"] == {"reason": "bounded by reserved concurrency; ADR-7",
                                  "resource": "StagingBucket", "source": "loopcheck"}
    assert "suppressed" not in json.loads(loopcheck("scan", "--format", "json", target).stdout)


def test_cli_reports_a_reasonless_suppression(tmp_path):
    target = tmp_path / "template.yaml"
    target.write_text(dump(loop(ingest=loopcheck_ignore({"rule": "EL101"}))))
    completed = loopcheck("scan", "--format", "json", "--fail-on", "warning", target)
    assert completed.returncode == 1
    found = sorted(f["rule"] for f in json.loads(completed.stdout)["findings"])
    assert found == ["EL101", "WL901"]


# -- an id that names no loopcheck rule (WL903) ---------------------------------------------------

def test_a_mistyped_rule_is_reported_as_wl903_and_suppresses_nothing():
    result = analysed(loop(raw=loopcheck_ignore({"rule": "EL1O1", "reason": "bounded by design"})))
    assert sorted(rules(result.findings)) == ["EL101", "WL903"]
    (wl903,) = [f for f in result.findings if f.rule == "WL903"]
    assert wl903.severity == "warning" and wl903.resource == "RawBucket"
    assert wl903.path == ["Resources", "RawBucket", "Metadata", "loopcheck", "ignore", 0]
    assert "EL1O1" in wl903.message and "suppresses nothing" in wl903.message
    assert "did you mean EL101?" in wl903.message


def test_in_ignore_checks_only_ids_in_loopchecks_shape_are_checked():
    """cfn-lint's own ids (E3012, W2001) belong in ignore_checks; an id shaped like
    loopcheck's that is not one of its rules is reported where it is written."""
    result = analysed(loop(ingest=cfn_lint_ignore("E3012", "W2001", "EL1O1")))
    (wl903,) = [f for f in result.findings if f.rule == "WL903"]
    assert wl903.path == ["Resources", "IngestFn", "Metadata", "cfn-lint", "config", "ignore_checks", 2]
    assert "EL1O1" in wl903.message and "suppresses nothing" in wl903.message
    assert "EL101" in rules(result.findings)


def test_a_resources_ignore_checks_match_whole_ids_as_cfn_lint_does():
    """cfn-lint's per-resource directives compare whole ids: `EL` there suppresses nothing."""
    result = analysed(loop(ingest=cfn_lint_ignore("EL")))
    assert sorted(rules(result.findings)) == ["EL101", "WL903"]
    assert "whole id" in next(f.message for f in result.findings if f.rule == "WL903")


# -- the template's own cfn-lint ignore_checks ---------------------------------------------------

def template_ignoring(*checks: str, **metadata: Metadata) -> Dict[str, Any]:
    document = loop(**metadata)
    document["Metadata"] = cfn_lint_ignore(*checks)
    return document


def test_template_level_ignore_checks_is_honoured():
    result = analysed(template_ignoring("E3012", "EL101"))
    assert result.findings == []
    (item,) = result.suppressed
    assert item.finding.rule == "EL101" and item.suppression.source == "cfn-lint"
    assert item.reason == "cfn-lint ignore_checks in the template's Metadata"
    assert item.to_dict()["suppressed"]["resource"] is None


def test_template_level_ignore_checks_match_by_prefix_as_cfn_lint_does():
    """cfn-lint turns off every rule whose id starts with a template-level entry."""
    assert analysed(template_ignoring("EL1")).findings == []
    warned = analysed(template_ignoring("W", staging=loopcheck_ignore({"rule": "EL101"})))
    assert rules(warned.findings) == ["EL101"]  # the WL901 is a W rule
    assert [s.finding.rule for s in warned.suppressed] == ["WL901"]
    assert rules(analysed(template_ignoring("I", "E1")).findings) == ["EL101"]  # not EL1..., not W


def test_template_level_entry_that_prefixes_no_rule_is_wl903():
    result = analysed(template_ignoring("EL1O1", "W3005"))
    (wl903,) = [f for f in result.findings if f.rule == "WL903"]
    assert wl903.path == ["Metadata", "cfn-lint", "config", "ignore_checks", 0]
    assert "EL1O1" in wl903.message
    assert "EL101" in rules(result.findings)


def test_cli_honours_template_level_ignore_checks(tmp_path):
    target = tmp_path / "template.yaml"
    target.write_text(dump(template_ignoring("EL101")))
    plain = loopcheck("scan", target)
    assert plain.returncode == 0 and plain.stdout == "", plain.stdout + plain.stderr
    shown = loopcheck("scan", "--show-suppressed", target)
    assert "  suppressed: cfn-lint ignore_checks in the template's Metadata" in shown.stdout.splitlines()


# -- suppressions that suppressed nothing ---------------------------------------------------------

def unused(result):
    return [(site.resource, site.rule, site.source) for site in result.unused_suppressions]


def test_unused_suppressions_are_listed_with_where_they_are_written():
    result = analysed(template_ignoring("EL101", "IL1", "W3005",
                                       raw=loopcheck_ignore({"rule": "WL102", "reason": "no filter here"}),
                                       ingest=cfn_lint_ignore("E3012", "IL105")))
    # in file order: the dump writes Resources before the template's Metadata
    assert unused(result) == [("RawBucket", "WL102", "loopcheck"), ("IngestFn", "IL105", "cfn-lint"),
                              ("", "IL1", "cfn-lint")]
    site = result.unused_suppressions[0]
    assert (site.file, site.line, site.column) == ("t.yaml", 8, 11)  # `- rule: WL102` in the dump
    assert site.text == "t.yaml:8:11: unused suppression of WL102 on RawBucket: it suppressed nothing"
    assert "in the template's Metadata" in result.unused_suppressions[2].text


def test_used_broken_and_cfn_lint_entries_are_not_unused():
    used = analysed(loop(raw=loopcheck_ignore({"rule": "EL101", "reason": "bounded"})))
    assert unused(used) == []
    broken = analysed(loop(raw=loopcheck_ignore({"rule": "WL102"}, {"rule": "EL1O1", "reason": "typo"}),
                           ingest=cfn_lint_ignore("E3012", "W2001")))
    assert unused(broken) == []  # WL901 and WL903 report the first two; cfn-lint owns the rest


def test_a_suppression_of_a_skipped_rule_is_not_unused():
    document = loop(raw=loopcheck_ignore({"rule": "IL105", "reason": "reserved elsewhere"}))
    assert unused(analysed(document)) == [("RawBucket", "IL105", "loopcheck")]
    assert unused(analysed(document, AnalysisOptions(skip=frozenset({"IL105"})))) == []


def test_cli_shows_unused_suppressions_only_on_request(tmp_path):
    target = tmp_path / "template.yaml"
    target.write_text(dump(loop(raw=loopcheck_ignore({"rule": "EL101", "reason": "bounded"},
                                                     {"rule": "WL102", "reason": "no filter"}))))
    plain = loopcheck("scan", target)
    assert plain.stdout == "" and "unused" not in plain.stderr
    assert "unused_suppressions" not in json.loads(loopcheck("scan", "--format", "json", target).stdout)

    shown = loopcheck("scan", "--show-unused-suppressions", target)
    assert shown.returncode == 0, shown.stderr  # informational: the exit status is unchanged
    (line,) = shown.stdout.splitlines()
    assert line.startswith(f"{target}:")
    assert "unused suppression of WL102 on RawBucket" in line
    assert "1 unused suppression" in shown.stderr

    document = json.loads(loopcheck("scan", "--format", "json", "--show-unused-suppressions", target).stdout)
    assert list(document)[:5] == ["tool", "version", "findings", "errors", "skipped"]
    (entry,) = document["unused_suppressions"]
    assert entry["rule"] == "WL102" and entry["resource"] == "RawBucket" and entry["file"] == str(target)
    assert entry["source"] == "loopcheck" and isinstance(entry["line"], int)

    (tmp_path / ".loopcheck.yaml").write_text("show-unused-suppressions: true\n")
    configured = loopcheck("scan", target)
    assert "unused suppression of WL102" in configured.stdout
