"""A positive and a negative case for every rule, in one table keyed by rule id.

The positive case makes the rule fire; the negative one is the smallest change that removes
its reason (a second bucket, a filter, reserved concurrency, an alarm, a reason...), and the
rule must then stay quiet. A rule without a row here fails `test_every_rule_has_a_case`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Optional

import pytest
from builder import (
    S3_EVENT,
    alarm,
    bucket,
    dump,
    dynamodb_crud,
    dynamodb_event,
    environment,
    function,
    policy_template,
    put_statement,
    ref,
    ring,
    s3_crud,
    s3_event,
    s3_read,
    sqs_event,
    sub,
    table,
    template,
    write,
)

from loopcheck.graph.event_graph import MAX_CYCLE_LENGTH
from loopcheck.load.loader import Template, load_file
from loopcheck.pipeline.analysis import analyse
from loopcheck.rulebase import all_rules


@dataclass
class Case:
    """A template (and its handler code) written to disk and scanned from there."""

    document: Dict
    code: Dict[str, str] = field(default_factory=dict)
    folder: str = "stack"  # the template's folder below the test's folder (no .git above it)
    append: str = ""  # text added after the dumped YAML (only for what a dict cannot hold)


def media(fn: Dict, **more: Dict) -> Dict:
    """A bucket Media that triggers the function Fn (see builder.S3_EVENT)."""
    return template({"Media": bucket(), "Fn": fn, **more})


def uploads_only(policies, **extra) -> Dict:
    """Fn runs on objects created under uploads/ of Media."""
    events = {"Up": s3_event("Media", prefix="uploads/")}
    return function(policies, events, code_uri=None, **extra)


PROCESSED_ONLY = put_statement(sub("${Media.Arn}/processed/*"))

# -- stream loops (never stopped at runtime) -----------------------------------------------------


def table_loop(writes: str = "Items", **more: Dict) -> Dict:
    """A table's stream runs Fn, which may write the table `writes` (no code: the grant decides)."""
    return template({
        "Items": table(), "Other": table(),
        "Fn": function([dynamodb_crud(writes)], {"Changes": dynamodb_event("Items")}, code_uri=None),
        **more,
    })


# -- the dedupe design ---------------------------------------------------------------------------

RECORD_KEY = """\
    import os
    from urllib.parse import unquote_plus
    import boto3
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    def handler(event, context):
        for record in event["Records"]:
            key = unquote_plus(record["s3"]["object"]["key"])
            table.put_item(Item={"pk": key, "origin": "upload"})
    """

PROCESS = """\
    import os
    import boto3
    s3 = boto3.client("s3")
    BUCKET = os.environ["BUCKET"]
    def handler(event, context):
        for record in event["Records"]:
            key = record["dynamodb"]["Keys"]["pk"]["S"]
            body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            s3.put_object(Bucket=BUCKET, Key=key, Body=body.strip())
    """


def dedupe(ttl: Optional[str]) -> Case:
    """Media -> RecordKey puts the key into Seen -> stream -> Process writes Media back."""
    return Case(template({
        "Media": bucket(),
        "Seen": table(stream="KEYS_ONLY", ttl=ttl),
        "RecordKey": function([policy_template("DynamoDBWritePolicy", TableName=ref("Seen"))], S3_EVENT,
                              handler="record.handler", Environment=environment(TABLE=ref("Seen"))),
        "Process": function([s3_crud("Media")], {"NewKeys": dynamodb_event("Seen")},
                            handler="process.handler", Environment=environment(BUCKET=ref("Media"))),
    }), {"src/record.py": RECORD_KEY, "src/process.py": PROCESS})


# -- reading only --------------------------------------------------------------------------------

READS_ONLY = """\
    import boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        for record in event["Records"]:
            s3.get_object(Bucket=record["s3"]["bucket"]["name"], Key=record["s3"]["object"]["key"])
    """


def suppressed(entry: Dict) -> Case:
    document = media(function([s3_crud("Media")], S3_EVENT, code_uri=None))
    document["Resources"]["Media"]["Metadata"] = {"loopcheck": {"ignore": [entry]}}
    return Case(document)


SELF_INVOKE = """import json
import boto3

client = boto3.client("lambda")


def handler(event, context):
    page = event.get("page", 0)
    if page < LIMIT:
        client.invoke(FunctionName=context.function_name, Payload=json.dumps({"page": page + 1}))
"""


def self_invoke(limit: int, **extra) -> Case:
    """Fn invokes itself for the next page while the page counter it carries is below `limit`."""
    invoke = put_statement(sub("arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:crawl"),
                           "lambda:InvokeFunction")
    fn = function(invoke, None, FunctionName="crawl", **extra)
    return Case(template({"Fn": fn}), {"src/app.py": SELF_INVOKE.replace("LIMIT", str(limit))})


def code_in(code_uri: str) -> Case:
    """A same-bucket writer whose code folder is `code_uri` (the template is in stack/)."""
    return Case(media(function([s3_crud("Media")], S3_EVENT, code_uri=code_uri)),
                {"../outside/app.py": READS_ONLY, "src/app.py": READS_ONLY})


# rule id -> (positive, negative); each builds a Case.
CASES: Dict[str, tuple] = {
    "EL101": (
        lambda: Case(media(function([s3_crud("Media")], S3_EVENT, code_uri=None))),
        lambda: Case(media(function([s3_crud("Output")], S3_EVENT, code_uri=None), Output=bucket())),
    ),
    "EL104": (
        lambda: Case(media(function([s3_crud("Media")], S3_EVENT, code_uri=None, RecursiveLoop="Allow"))),
        lambda: Case(media(function([s3_crud("Media")], S3_EVENT, code_uri=None, RecursiveLoop="Terminate"))),
    ),
    "EL107": (
        lambda: Case(table_loop("Items")),
        lambda: Case(table_loop("Other")),
    ),
    "IL105": (
        lambda: Case(media(uploads_only(PROCESSED_ONLY))),
        lambda: Case(media(uploads_only(PROCESSED_ONLY, ReservedConcurrentExecutions=2))),
    ),
    "IL106": (
        lambda: Case(media(function([s3_crud("Media")], S3_EVENT)), {"src/app.py": READS_ONLY}),
        lambda: Case(media(function([s3_read("Media")], S3_EVENT)), {"src/app.py": READS_ONLY}),
    ),
    "IL114": (
        lambda: self_invoke(5),
        lambda: self_invoke(50),
    ),
    "IL109": (
        lambda: Case(table_loop("Items")),
        lambda: Case(table_loop("Items", FnAlarm=alarm("Fn"))),
    ),
    "WL102": (
        lambda: Case(media(uploads_only([s3_crud("Media")]))),
        lambda: Case(media(uploads_only(PROCESSED_ONLY))),
    ),
    "WL103": (
        lambda: Case(media(function(["SomeCustomerManagedThing"], S3_EVENT, code_uri=None))),
        lambda: Case(media(function(["AmazonS3ReadOnlyAccess"], S3_EVENT, code_uri=None))),
    ),
    "WL108": (
        lambda: dedupe(ttl=None),
        lambda: dedupe(ttl="expires"),
    ),
    "WL110": (
        lambda: Case(media(function(["AWSLambdaExecute"], S3_EVENT, code_uri=None))),
        lambda: Case(media(function(["AWSLambdaBasicExecutionRole"], S3_EVENT, code_uri=None))),
    ),
    "WL111": (
        lambda: Case(media(function(put_statement(sub("${Media.Arn}/*"), "s3:DeleteObject"),
                                    {"Gone": s3_event("Media", "s3:ObjectRemoved:*")}, code_uri=None))),
        lambda: Case(media(function(put_statement(sub("${Media.Arn}/*"), "s3:DeleteObject"),
                                    {"Gone": s3_event("Media", "s3:ObjectCreated:*")}, code_uri=None))),
    ),
    "WL112": (
        # A dict cannot hold a key twice: the duplicate is one top-level line after the dump.
        lambda: Case(template({"Media": bucket()}, description="first"), append="Description: second\n"),
        lambda: Case(template({"Media": bucket()}, description="first")),
    ),
    "WL113": (
        # One function more than a listed loop may hold: the ring is not listed, not called clean.
        lambda: Case(template(ring(MAX_CYCLE_LENGTH // 2 + 1))),
        lambda: Case(template(ring(MAX_CYCLE_LENGTH // 2))),
    ),
    "WL115": (
        lambda: self_invoke(50),
        lambda: self_invoke(50, RecursiveLoop="Allow"),
    ),
    "WL901": (
        lambda: suppressed({"rule": "EL101"}),
        lambda: suppressed({"rule": "EL101", "reason": "the handler skips its own output"}),
    ),
    "WL903": (
        lambda: suppressed({"rule": "EL1O1", "reason": "the handler skips its own output"}),
        lambda: suppressed({"rule": "EL101", "reason": "the handler skips its own output"}),
    ),
    "WL902": (
        lambda: code_in("../outside/"),
        lambda: code_in("src/"),
    ),
}


def run(case: Case, tmp_path: Path):
    path = write(tmp_path / case.folder, case.document, case.code)
    if case.append:
        path.write_text(dump(case.document) + case.append)
    loaded = load_file(path)
    assert isinstance(loaded, Template), loaded
    return analyse(str(path), loaded.data).findings


def test_every_rule_has_a_case():
    assert sorted(CASES) == sorted(rule.id for rule in all_rules())


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_positive_case_fires_the_rule(rule_id: str, tmp_path: Path):
    positive: Callable[[], Case] = CASES[rule_id][0]
    found = run(positive(), tmp_path)
    assert rule_id in [f.rule for f in found], [(f.rule, f.message) for f in found]


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_negative_case_does_not_fire_it(rule_id: str, tmp_path: Path):
    negative: Callable[[], Case] = CASES[rule_id][1]
    found = run(negative(), tmp_path)
    assert rule_id not in [f.rule for f in found], [(f.rule, f.message) for f in found]


# Rules whose negative case must be entirely clean: the change removes the loop itself, so no
# other rule may take over (a negative that only swapped one finding for another would hide
# a rule that fires too widely).
CLEAN_NEGATIVES = ["EL101", "EL107", "IL106", "WL103", "WL110", "WL111", "WL112"]


@pytest.mark.parametrize("rule_id", CLEAN_NEGATIVES)
def test_negative_case_that_removes_the_loop_is_clean(rule_id: str, tmp_path: Path):
    found = run(CASES[rule_id][1](), tmp_path)
    assert found == [], [(f.rule, f.message) for f in found]


def test_sqs_event_helper_builds_a_queue_loop(tmp_path: Path):
    """The builder's queue shapes close a loop the same way (a check of the builder itself)."""
    document = template({"Jobs": {"Type": "AWS::SQS::Queue"},
                         "Fn": function(put_statement(sub("${Jobs.Arn}"), "sqs:SendMessage"),
                                        {"Jobs": sqs_event("Jobs")}, code_uri=None)})
    assert [f.rule for f in run(Case(document), tmp_path)] == ["EL101"]
