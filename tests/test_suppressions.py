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
