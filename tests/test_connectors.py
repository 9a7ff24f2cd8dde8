"""SAM connectors (AWS::Serverless::Connector and the Connectors property) grant what SAM's
connector profiles give the source's role (loopcheck.knowledge.sam_connectors): each
destination kind, Read and Write, destinations by Id or by Type + Arn/Name, lists of
destinations, and sources by Id or by Type + RoleName."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from builder import (
    bucket,
    bus,
    connector,
    dump,
    event_source_mapping,
    eventbridge_event,
    get_att,
    lambda_function,
    queue,
    ref,
    role,
    s3_event,
    state_machine,
    stream,
    task_state,
    template,
    topic,
)
from builder import kinesis_event as kinesis
from test_event_paths import DDB_EVENT, SNS_EVENT, SQS_EVENT, TABLE, fn, rules

from loopcheck.load.loader import parse_text
from loopcheck.model.resources import build_model

S3_EVENT = {"U": s3_event("Bucket")}
BUCKET = {"Bucket": bucket()}
NO_POLICIES: list = []


def to(*ids: str) -> Dict[str, Any]:
    """Conn: a connector from Fn to the resources `ids`, granting Write."""
    destination = [{"Id": i} for i in ids] if len(ids) > 1 else {"Id": ids[0]}
    return {"Conn": connector({"Id": "Fn"}, destination)}


def statements(resources: Dict[str, Any], function: str = "Fn"):
    loaded = parse_text("t.yaml", dump(template(resources)), True)
    return build_model("t.yaml", loaded.data).functions[function].statements


@pytest.mark.parametrize("resources, events, expected", [
    (BUCKET, S3_EVENT, ["EL101"]),
    (TABLE, DDB_EVENT, ["EL107"]),
    ({"Jobs": queue()}, SQS_EVENT, ["EL101"]),
    ({"Topic": topic()}, SNS_EVENT, ["EL101"]),
    ({"Bus": bus("orders")}, {"E": eventbridge_event({"source": ["app"]}, bus="Bus")},
     ["WL102"]),  # PutEvents by permission alone: any source, so the pattern may match
], ids=["bucket", "table", "queue", "topic", "bus"])
def test_write_connector_to_the_trigger_closes_the_loop(findings_of, resources, events, expected):
    [destination] = resources
    writes = {**resources, "Fn": fn(NO_POLICIES, events),
              "Conn": connector({"Id": "Fn"}, {"Id": destination}, ["Write"])}
    assert rules(findings_of, writes) == expected
    read_only = {**resources, "Fn": fn(NO_POLICIES, events),
                 "Conn": connector({"Id": "Fn"}, {"Id": destination}, ["Read"])}
    assert rules(findings_of, read_only) == []


def test_bucket_write_grants_what_sam_generates():
    granted = statements({**BUCKET, "Fn": fn(NO_POLICIES, S3_EVENT), **to("Bucket")})
    [statement] = granted
    assert statement.grants("s3:PutObject") and statement.grants("s3:RestoreObject")
    assert not statement.grants("s3:PutObjectTagging") and not statement.grants("s3:GetObject")
    assert [str(r) for r in statement.resources] == ["arn:aws:s3:::${Bucket}", "arn:aws:s3:::${Bucket}/*"]
    assert statement.source == "SAM connector Conn"


def test_read_and_write_both_granted():
    granted = statements({**BUCKET, "Fn": fn(NO_POLICIES, S3_EVENT),
                          "Conn": connector({"Id": "Fn"}, {"Id": "Bucket"}, ["Read", "Write"])})
    assert len(granted) == 2 and granted[0].grants("s3:GetObject") and granted[1].grants("s3:PutObject")


def test_state_machine_write_grants_start_and_sync_start():
    machine = state_machine({"StartAt": "Work", "States": {
        "Work": task_state("arn:aws:states:::lambda:invoke", {"FunctionName": get_att("Fn")})}})
    granted = statements({"Machine": machine, "Fn": fn(NO_POLICIES), **to("Machine")})
    assert granted[0].grants("states:StartSyncExecution") and granted[1].grants("states:StopExecution")
    assert str(granted[1].resources[0]).endswith(":execution:${Machine}:*")


def test_connector_invoking_itself(findings_of):
    # The connector grants lambda:InvokeFunction on Fn itself; with no code read, an invoke
    # grant is a doubt, not proof (the evidence policy): WL110.
    assert rules(findings_of, {"Fn": fn(NO_POLICIES), **to("Fn")}) == ["WL110"]


def test_destination_by_type_and_arn_and_a_list(findings_of):
    jobs, topics = {"Jobs": queue()}, {"Topic": topic()}
    by_arn = connector({"Id": "Fn"}, {"Type": "AWS::SQS::Queue", "Arn": get_att("Jobs")})
    assert rules(findings_of, {**jobs, "Fn": fn(NO_POLICIES, SQS_EVENT), "Conn": by_arn}) == ["EL101"]
    resources = {**jobs, **topics, "Fn": fn(NO_POLICIES, {**SQS_EVENT, **SNS_EVENT}), **to("Topic", "Jobs")}
    assert rules(findings_of, resources) == ["EL101", "EL101"]


def test_bucket_destination_by_type_and_name(findings_of):
    by_name = connector({"Id": "Fn"}, {"Type": "AWS::S3::Bucket", "Name": "media"})
    resources = {"Bucket": bucket("media"), "Fn": fn(NO_POLICIES, S3_EVENT), "Conn": by_name}
    assert rules(findings_of, resources) == ["EL101"]


def test_source_by_role_name(findings_of):
    jobs = {"Jobs": queue()}
    sam_role = connector({"Type": "AWS::Serverless::Function", "RoleName": ref("FnRole")}, {"Id": "Jobs"})
    assert rules(findings_of, {**jobs, "Fn": fn(NO_POLICIES, SQS_EVENT), "Conn": sam_role}) == ["EL101"]
    raw = {**jobs, "Role": role(RoleName="worker-role"),
           "Fn": lambda_function(get_att("Role"), Runtime="python3.12", Handler="a.b"),
           "Map": event_source_mapping("Fn", get_att("Jobs"))}
    for name in (ref("Role"), "worker-role"):
        by_role = connector({"Type": "AWS::Lambda::Function", "RoleName": name}, {"Id": "Jobs"})
        assert rules(findings_of, {**raw, "Conn": by_role}) == ["EL101"]
    other = connector({"Type": "AWS::Lambda::Function", "RoleName": "someone-else"}, {"Id": "Jobs"})
    assert rules(findings_of, {**raw, "Conn": other}) == []


def test_kinesis_destination_is_not_a_sam_connector(findings_of):
    """SAM has no Function -> Kinesis profile: the transform rejects it, nothing is granted."""
    resources = {"Stream": stream(), "Fn": fn(NO_POLICIES, {"K": kinesis("Stream")}), **to("Stream")}
    assert rules(findings_of, resources) == []


def test_state_machine_source_and_malformed_connectors_do_not_break(findings_of):
    machine = state_machine({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    resources = {"Machine": machine, "Jobs": queue(), "Fn": fn(NO_POLICIES, SQS_EVENT),
                 "Conn": connector({"Id": "Machine"}, {"Id": "Jobs"}),
                 "Bad1": connector(3, [1, {"Id": 7}], "x"),
                 "Bad2": connector({"Id": "Fn"}, {"Type": ["x"]}, ["Write", "Delete"])}
    assert rules(findings_of, resources) == []
