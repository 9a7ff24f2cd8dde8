"""Fix text fits the case: each finding's `fix` names the loop's own resources and gives the
advice of their services only; the text report prints a rule's long fix once per run (or under
every finding with --show-fixes / show-fixes), and each finding a one-line fix of its own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

import pytest
from builder import environment, function, policy_template, queue, ref, scan, sqs_event, sqs_send
from clirunner import cli_runner

from loopcheck.app.cli import main
from loopcheck.load.loader import Template, load_file
from loopcheck.pipeline.analysis import analyse
from loopcheck.pipeline.result import ScanResult
from loopcheck.report import text
from loopcheck.rulebase.finding import Finding, Level
from loopcheck.rulebase.rule import all_rules

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Per kind of resource a loop passes: its CloudFormation type, words of which its advice uses
# one, and the words of other services' advice it must not use.
SERVICES = {
    "queue": ("AWS::SQS::Queue", ["queue"],
              ["HeadObject", "EventBridge", "bucket", "FilterPolicy", "S3"]),
    "topic": ("AWS::SNS::Topic", ["topic"],
              ["HeadObject", "EventBridge", "bucket", "FilterCriteria", "S3"]),
    "stream": ("AWS::Kinesis::Stream", ["stream"],
               ["HeadObject", "EventBridge", "bucket", "FilterPolicy", "S3"]),
    "table": ("AWS::DynamoDB::Table", ["table"],
              ["HeadObject", "EventBridge", "bucket", "FilterPolicy", "S3"]),
    "bucket": ("AWS::S3::Bucket", ["bucket", "prefix", "suffix"],
               ["FilterPolicy", "FilterCriteria", "EventBridge", "queue"]),
}


def _findings(folder: str) -> List[Finding]:
    path = FIXTURES / folder / "template.yaml"
    loaded = load_file(str(path))
    assert isinstance(loaded, Template), loaded
    return analyse(str(path), loaded.data).findings


def _resources_of_type(folder: str, rtype: str) -> List[str]:
    """Logical ids of the fixture's resources of one type, read from the template's text."""
    source = (FIXTURES / folder / "template.yaml").read_text()
    return re.findall(rf"^  (\w+):\n    Type: {re.escape(rtype)}\s*$", source, re.M)


@pytest.mark.parametrize("folder, kind", [
    ("sqs-self-loop", "queue"), ("dlq-redrive-loop", "queue"), ("sns-self-loop", "topic"),
    ("kinesis-re-put", "stream"), ("dynamodb-stream-self-update", "table"),
    ("s3-same-bucket-loop", "bucket"), ("s3-sqs-lambda-loop", "bucket"),
])
def test_a_loops_fix_names_its_resource_and_gives_only_its_services_advice(folder, kind):
    rtype, wanted, unrelated = SERVICES[kind]
    loops = [f for f in _findings(folder) if f.rule in ("EL101", "EL107")]
    assert loops, folder
    for finding in loops:
        written = [node for node in _resources_of_type(folder, rtype) if node in finding.cycle]
        assert written, (folder, rtype)
        assert any(node in finding.fix for node in written), finding.fix
        assert any(word in finding.fix for word in wanted), (wanted, finding.fix)
        assert "; or" not in finding.fix and "\n" not in finding.fix  # one way, one line
        for word in unrelated:
            assert word not in finding.fix, (word, finding.fix)


def test_an_eventbridge_loop_is_told_about_the_rule_pattern_on_its_bus():
    (finding,) = [f for f in _findings("eventbridge-put-events-loop") if f.rule == "EL107"]
    bus, function_id = finding.cycle[0], finding.cycle[1]
    assert f"rule on {bus} that targets {function_id}" in finding.fix and "`source`" in finding.fix
    for word in ("HeadObject", "bucket", "FilterPolicy", "queue"):
        assert word not in finding.fix


def test_a_lambda_self_invoke_is_told_to_carry_a_depth_counter():
    (finding,) = [f for f in _findings("lambda-self-invoke") if f.rule == "EL101"]
    assert "depth counter" in finding.fix and finding.resource in finding.fix
    for word in ("HeadObject", "bucket", "FilterPolicy", "EventBridge"):
        assert word not in finding.fix


def test_a_bucket_filter_is_derived_from_the_key_the_code_writes():
    for folder in ("s3-same-bucket-loop", "s3-sqs-lambda-loop"):
        (finding,) = [f for f in _findings(folder) if f.rule == "EL101"]
        key = re.search(r"writes key (\S+)", "\n".join(finding.notes)).group(1)
        prefix = key.split("<", 1)[0]
        assert prefix and f"a prefix that `{prefix}` keys cannot match" in finding.fix, finding.fix


def test_il109_alarm_snippet_refs_the_function_itself():
    alarms = [f for folder in ("eventbridge-put-events-loop", "dynamodb-dedupe-no-ttl")
              for f in _findings(folder) if f.rule == "IL109"]
    assert len(alarms) >= 3
    for finding in alarms:
        assert f"Value: !Ref {finding.resource}}}" in finding.fix
        assert "TheFunction" not in finding.fix


def test_il106_on_an_invoke_grant_is_told_to_scope_the_invoke_grant(tmp_path):
    resources = {
        "Jobs": queue(),
        "FrontFn": function(policies=[policy_template("LambdaInvokePolicy", FunctionName=ref("BackFn"))],
                            events={"Jobs": sqs_event("Jobs")}, code_uri="front/"),
        "BackFn": function(policies=[sqs_send("Jobs")], code_uri="back/",
                           Environment=environment(QUEUE_URL=ref("Jobs"))),
    }
    code = {
        "front/app.py": """\
        def handler(event, context):
            return len(event["Records"])
        """,
        "back/app.py": """\
        import os
        import boto3
        sqs = boto3.client("sqs")
        def handler(event, context):
            sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody="again")
        """,
    }
    (finding,) = [f for f in scan(tmp_path, resources, code) if f.rule == "IL106"]
    assert "lambda:InvokeFunction" in finding.fix and "LambdaInvokePolicy" in finding.fix
    assert "FrontFn" in finding.fix and "BackFn" in finding.fix
    assert "S3" not in finding.fix and "bucket" not in finding.fix


def test_il106_on_a_bucket_grant_is_told_to_read_only():
    (finding,) = [f for f in _findings("s3-crud-unused-write") if f.rule == "IL106"]
    assert "S3ReadPolicy" in finding.fix and finding.resource in finding.fix


def test_wl102_fix_fits_the_service_of_the_filter_in_doubt():
    (dedupe,) = [f for f in _findings("dynamodb-dedupe-f2-writes-table") if f.rule == "WL102"]
    assert "SeenKeysTable" in dedupe.fix and "INSERT" in dedupe.fix
    assert "S3 ARN" not in dedupe.fix and "processed/" not in dedupe.fix
    (keys,) = [f for f in _findings("s3-prefix-code-in-s3") if f.rule == "WL102"]
    prefix = re.search(r"prefix '([^']+)'", "\n".join(keys.notes)).group(1)
    assert f"outside `{prefix}`" in keys.fix and keys.resource in keys.fix
    (logs,) = [f for f in _findings("logs-subscription-filtered") if f.rule == "WL102"]
    assert "subscription filter" in logs.fix and "bucket" not in logs.fix and "FilterCriteria" not in logs.fix


def test_the_dedupe_doubt_is_said_once():
    (finding,) = [f for f in _findings("dynamodb-dedupe-f2-writes-table") if f.rule == "WL102"]
    doubt = finding.message.split(": ", 1)[1]
    result = ScanResult(templates=1, findings=[finding])
    assert text.render(result).count(doubt) == 1


# The text report ------------------------------------------------------------------------------


def _el101(fix: str, line: int) -> Finding:
    return Finding("EL101", Level.ERROR, "t.yaml", line, 3, "Fn", ["Resources", "Fn"], f"loop {line}",
                   fix=fix)


def _long_fix(rule_id: str) -> str:
    return next(rule.remediation for rule in all_rules() if rule.id == rule_id)


def _paragraph(output: str) -> str:
    """The report with its wrapping undone, to find a paragraph whatever its line breaks."""
    return " ".join(output.split())


def test_a_rules_long_fix_is_printed_once_after_two_of_its_findings():
    result = ScanResult(templates=1, findings=[_el101("write Fn's output to OtherBucket.", 9),
                                               _el101("filter MediaBucket on uploads/.", 20)])
    output = text.render(result)
    lines = output.splitlines()
    assert "  fix: write Fn's output to OtherBucket." in lines
    assert "  fix: filter MediaBucket on uploads/." in lines
    assert _paragraph(output).count(" ".join(_long_fix("EL101").split())) == 1
    assert lines.index("how to fix:") > max(i for i, line in enumerate(lines) if line.startswith("  fix:"))


def test_show_fixes_prints_the_long_fix_under_every_finding_and_no_section():
    result = ScanResult(templates=1, findings=[_el101("case one.", 9), _el101("case two.", 20)])
    result.show_fixes = True
    output = text.render(result)
    assert _paragraph(output).count(" ".join(_long_fix("EL101").split())) == 2
    assert "how to fix:" not in output.splitlines()  # no section after the findings


def test_a_finding_whose_fix_is_its_rules_long_fix_prints_it_once():
    result = ScanResult(templates=1, findings=[
        Finding("WL112", Level.WARNING, "t.yaml", 3, 1, "", [], "duplicate key", fix=_long_fix("WL112"))])
    output = text.render(result)
    assert _paragraph(output).count(" ".join(_long_fix("WL112").split())) == 1
    assert "how to fix:" not in output


@pytest.mark.parametrize("how", ["flag", "config"])
def test_show_fixes_from_the_flag_or_the_configuration(tmp_path, how):
    template = tmp_path / "template.yaml"
    template.write_text((FIXTURES / "s3-same-bucket-loop" / "template.yaml").read_text())
    args = ["scan", str(template)]
    if how == "flag":
        args.insert(1, "--show-fixes")
    else:
        (tmp_path / ".loopcheck.yaml").write_text("show-fixes: true\n")
    output = cli_runner().invoke(main, args).stdout
    assert "  how to fix: " in output and "\nhow to fix:" not in output
