"""SAM connectors (AWS::Serverless::Connector and the Connectors property) grant what SAM's
connector profiles give the source's role (loopcheck.knowledge.sam_connectors): each
destination kind, Read and Write, destinations by Id or by Type + Arn/Name, lists of
destinations, and sources by Id or by Type + RoleName."""

from __future__ import annotations

import pytest
from test_event_paths import DDB_EVENT, HEAD, SNS_EVENT, SQS_EVENT, TABLE, fn, res, rules

from loopcheck.load.loader import parse_text
from loopcheck.model.resources import build_model

S3_EVENT = "U:\n  Type: S3\n  Properties:\n    Bucket: !Ref Bucket\n    Events: s3:ObjectCreated:*\n"
BUCKET = res("Bucket", "AWS::S3::Bucket")
NO_POLICIES = "Policies: []\n"


def connector(source: str, destination: str, permissions: str = "[Write]") -> str:
    return res("Conn", "AWS::Serverless::Connector",
               f"Source: {source}\nDestination: {destination}\nPermissions: {permissions}\n")


def statements(text: str, function: str = "Fn"):
    loaded = parse_text("t.yaml", HEAD + text, True)
    return build_model("t.yaml", loaded.data).functions[function].statements


@pytest.mark.parametrize("resources, events, expected", [
    (BUCKET, S3_EVENT, ["EL101"]),
    (TABLE, DDB_EVENT, ["EL107"]),
    (res("Jobs", "AWS::SQS::Queue"), SQS_EVENT, ["EL101"]),
    (res("Topic", "AWS::SNS::Topic"), SNS_EVENT, ["EL101"]),
    (res("Bus", "AWS::Events::EventBus", "Name: orders\n"),
     "E:\n  Type: EventBridgeRule\n  Properties:\n    EventBusName: !Ref Bus\n    Pattern: {source: [app]}\n",
     ["WL102"]),  # PutEvents by permission alone: any source, so the pattern may match
])
def test_write_connector_to_the_trigger_closes_the_loop(findings_of, resources, events, expected):
    destination = resources.split(":")[0].strip()
    template = resources + fn("Fn", NO_POLICIES, events) + connector("{Id: Fn}", f"{{Id: {destination}}}")
    assert rules(findings_of, template) == expected
    read_only = resources + fn("Fn", NO_POLICIES, events) + connector("{Id: Fn}", f"{{Id: {destination}}}",
                                                                       "[Read]")
    assert rules(findings_of, read_only) == []


def test_bucket_write_grants_what_sam_generates():
    granted = statements(BUCKET + fn("Fn", NO_POLICIES, S3_EVENT) + connector("{Id: Fn}", "{Id: Bucket}"))
    [statement] = granted
    assert statement.grants("s3:PutObject") and statement.grants("s3:RestoreObject")
    assert not statement.grants("s3:PutObjectTagging") and not statement.grants("s3:GetObject")
    assert [str(r) for r in statement.resources] == ["arn:aws:s3:::${Bucket}", "arn:aws:s3:::${Bucket}/*"]
    assert statement.source == "SAM connector Conn"


def test_read_and_write_both_granted():
    granted = statements(BUCKET + fn("Fn", NO_POLICIES, S3_EVENT)
                         + connector("{Id: Fn}", "{Id: Bucket}", "[Read, Write]"))
    assert len(granted) == 2 and granted[0].grants("s3:GetObject") and granted[1].grants("s3:PutObject")


def test_state_machine_write_grants_start_and_sync_start():
    machine = res("Machine", "AWS::Serverless::StateMachine", """\
        Definition:
          StartAt: Work
          States:
            Work: {Type: Task, Resource: arn:aws:states:::lambda:invoke,
                   Parameters: {FunctionName: !GetAtt Fn.Arn}, End: true}
        """)
    template = machine + fn("Fn", NO_POLICIES) + connector("{Id: Fn}", "{Id: Machine}")
    granted = statements(template)
    assert granted[0].grants("states:StartSyncExecution") and granted[1].grants("states:StopExecution")
    assert str(granted[1].resources[0]).endswith(":execution:${Machine}:*")


def test_connector_invoking_itself(findings_of):
    # The connector grants lambda:InvokeFunction on Fn itself; with no code read, an invoke
    # grant is a doubt, not proof (the evidence policy): WL110.
    assert rules(findings_of, fn("Fn", NO_POLICIES) + connector("{Id: Fn}", "{Id: Fn}")) == ["WL110"]


def test_destination_by_type_and_arn_and_a_list(findings_of):
    jobs, topic = res("Jobs", "AWS::SQS::Queue"), res("Topic", "AWS::SNS::Topic")
    by_arn = connector("{Id: Fn}", "{Type: AWS::SQS::Queue, Arn: !GetAtt Jobs.Arn}")
    assert rules(findings_of, jobs + fn("Fn", NO_POLICIES, SQS_EVENT) + by_arn) == ["EL101"]
    several = connector("{Id: Fn}", "[{Id: Topic}, {Id: Jobs}]")
    template = jobs + topic + fn("Fn", NO_POLICIES, SQS_EVENT + SNS_EVENT) + several
    assert rules(findings_of, template) == ["EL101", "EL101"]


def test_bucket_destination_by_type_and_name(findings_of):
    bucket = res("Bucket", "AWS::S3::Bucket", "BucketName: media\n")
    by_name = connector("{Id: Fn}", "{Type: AWS::S3::Bucket, Name: media}")
    assert rules(findings_of, bucket + fn("Fn", NO_POLICIES, S3_EVENT) + by_name) == ["EL101"]


def test_source_by_role_name(findings_of):
    jobs = res("Jobs", "AWS::SQS::Queue")
    sam_role = connector("{Type: AWS::Serverless::Function, RoleName: !Ref FnRole}", "{Id: Jobs}")
    assert rules(findings_of, jobs + fn("Fn", NO_POLICIES, SQS_EVENT) + sam_role) == ["EL101"]
    role = res("Role", "AWS::IAM::Role", "RoleName: worker-role\nAssumeRolePolicyDocument: {}\n")
    raw = (jobs + role + res("Fn", "AWS::Lambda::Function", "Role: !GetAtt Role.Arn\nRuntime: python3.12\n"
                                                            "Handler: a.b\n")
           + res("Map", "AWS::Lambda::EventSourceMapping",
                 "FunctionName: !Ref Fn\nEventSourceArn: !GetAtt Jobs.Arn\n"))
    for name in ("!Ref Role", "worker-role"):
        by_role = connector(f"{{Type: AWS::Lambda::Function, RoleName: {name}}}", "{Id: Jobs}")
        assert rules(findings_of, raw + by_role) == ["EL101"]
    other = connector("{Type: AWS::Lambda::Function, RoleName: someone-else}", "{Id: Jobs}")
    assert rules(findings_of, raw + other) == []


def test_kinesis_destination_is_not_a_sam_connector(findings_of):
    """SAM has no Function -> Kinesis profile: the transform rejects it, nothing is granted."""
    stream = res("Stream", "AWS::Kinesis::Stream", "ShardCount: 1\n")
    events = "K:\n  Type: Kinesis\n  Properties:\n    Stream: !GetAtt Stream.Arn\n"
    template = stream + fn("Fn", NO_POLICIES, events) + connector("{Id: Fn}", "{Id: Stream}")
    assert rules(findings_of, template) == []


def test_state_machine_source_and_malformed_connectors_do_not_break(findings_of):
    machine = res("Machine", "AWS::Serverless::StateMachine",
                  "Definition: {StartAt: A, States: {A: {Type: Pass, End: true}}}\n")
    template = (machine + res("Jobs", "AWS::SQS::Queue") + fn("Fn", NO_POLICIES, SQS_EVENT)
                + connector("{Id: Machine}", "{Id: Jobs}")
                + res("Bad1", "AWS::Serverless::Connector",
                      "Source: 3\nDestination: [1, {Id: 7}]\nPermissions: x\n")
                + res("Bad2", "AWS::Serverless::Connector", "Source: {Id: Fn}\nDestination: {Type: [x]}\n"
                                                            "Permissions: [Write, Delete]\n"))
    assert rules(findings_of, template) == []
