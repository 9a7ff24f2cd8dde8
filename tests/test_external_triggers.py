"""Triggers the template shows but does not configure (loopcheck.model.external): Lambda
permissions for S3, SNS and EventBridge, and custom resources that apply a bucket
notification; and the S3 -> EventBridge -> state machine path whose task writes the bucket
its input event names. One small inline template per case, positive and negative."""

from __future__ import annotations

import textwrap

import pytest

from loopcheck.graph.event_graph import build_graph
from loopcheck.judge.loops import GUARDED, find_loops
from loopcheck.load.loader import Template, parse_text
from loopcheck.model.resources import build_model
from loopcheck.pipeline.analysis import run_code_stage
from loopcheck.resolve.globs import STAR
from loopcheck.services.stepfunctions import _format_glob

HEAD = "Transform: AWS::Serverless-2016-10-31\nResources:\n"

# A handler that writes every object it is told about back into the same bucket.
WRITES_BACK = """\
import boto3
s3 = boto3.client("s3")
def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        s3.put_object(Bucket=bucket, Key=record["s3"]["object"]["key"] + ".out", Body=b"x")
"""

# The same, into a bucket named by the environment (set per test).
WRITES_OTHER = """\
import os
import boto3
s3 = boto3.client("s3")
def handler(event, context):
    for record in event["Records"]:
        s3.put_object(Bucket=os.environ["OUT"], Key=record["s3"]["object"]["key"], Body=b"x")
"""


def res(name: str, rtype: str, props: str = "") -> str:
    text = f"  {name}:\n    Type: {rtype}\n"
    if props:
        text += "    Properties:\n" + textwrap.indent(textwrap.dedent(props), " " * 6)
    return text


def fn(name: str = "Fn", policies: str = "- S3CrudPolicy:\n    BucketName: !Ref Drop\n",
       code: str = WRITES_BACK, extra: str = "") -> str:
    text = (f"  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      Handler: index.handler\n      Runtime: python3.12\n")
    text += "      InlineCode: |\n" + textwrap.indent(code, " " * 8)
    text += "      Policies:\n" + textwrap.indent(textwrap.dedent(policies), " " * 8)
    return text + textwrap.indent(textwrap.dedent(extra), " " * 6)


def permission(principal: str = "s3.amazonaws.com", source: str = "!GetAtt Drop.Arn",
               function: str = "!GetAtt Fn.Arn", name: str = "FnPermission", extra: str = "") -> str:
    props = f"Action: lambda:InvokeFunction\nFunctionName: {function}\nPrincipal: {principal}\n"
    if source:
        props += f"SourceArn: {source}\n"
    return res(name, "AWS::Lambda::Permission", props + extra)


def model_of(*parts: str):
    loaded = parse_text("template.yaml", HEAD + "".join(parts), True)
    assert isinstance(loaded, Template), loaded
    return build_model("template.yaml", loaded.data)


def findings(findings_of, *parts: str):
    return [f for f in findings_of(HEAD + "".join(parts)) if f.rule != "IL109"]


def outside_s3(model):
    return [(t.source, t.consumer, t.events, t.prefix, t.suffix) for t in model.triggers if t.outside]


# -- Lambda permissions for s3.amazonaws.com -------------------------------------------------


def test_s3_permission_is_a_trigger_and_a_write_back_is_an_error(findings_of):
    parts = (res("Drop", "AWS::S3::Bucket"), fn(), permission())
    model = model_of(*parts)
    assert outside_s3(model) == [("Drop", "Fn", ("s3:ObjectCreated:*",), None, None)]
    found = findings(findings_of, *parts)
    assert [f.rule for f in found] == ["EL101"]
    note = next(n for n in found[0].notes if n.startswith("Drop notifies Fn"))
    assert "s3:ObjectCreated:* with no key filter" in note
    assert "permission for s3.amazonaws.com (template.yaml:" in note
    assert "configured outside the template" in note and "assumed" in note


def test_s3_permission_with_code_writing_another_bucket_is_clean(findings_of):
    parts = (res("Drop", "AWS::S3::Bucket"), res("Out", "AWS::S3::Bucket"),
             fn(policies=("- S3ReadPolicy:\n    BucketName: !Ref Drop\n"
                          "- S3CrudPolicy:\n    BucketName: !Ref Out\n"),
                code=WRITES_OTHER, extra="Environment:\n  Variables:\n    OUT: !Ref Out\n"),
             permission())
    assert outside_s3(model_of(*parts))  # the trigger is there; the write goes elsewhere
    assert findings(findings_of, *parts) == []


@pytest.mark.parametrize("principal", [
    "s3.amazonaws.com",
    "!Sub s3.${AWS::URLSuffix}",
    '!Join ["", ["s3.", !Ref AWS::URLSuffix]]',
])
def test_principal_spellings(principal):
    model = model_of(res("Drop", "AWS::S3::Bucket"), fn(), permission(principal=principal))
    assert [t[:2] for t in outside_s3(model)] == [("Drop", "Fn")]


@pytest.mark.parametrize("source", [
    "!GetAtt Drop.Arn",
    "!Sub arn:aws:s3:::${Drop}",
    "!Sub arn:${AWS::Partition}:s3:::${DropName}",
    "arn:aws:s3:::example-drop",
    "!Join ['', ['arn:aws:s3:::', !Ref DropName]]",
])
def test_source_arn_spellings(source):
    params = "Parameters:\n  DropName:\n    Type: String\n    Default: example-drop\n"
    loaded = parse_text("t.yaml", params + HEAD + res("Drop", "AWS::S3::Bucket", "BucketName: !Ref DropName\n")
                        + fn() + permission(source=source), True)
    model = build_model("t.yaml", loaded.data)
    assert [t[:2] for t in outside_s3(model)] == [("Drop", "Fn")]


@pytest.mark.parametrize("function", ["!Ref Fn", "!GetAtt Fn.Arn", "example-fn"])
def test_function_name_spellings(function):
    model = model_of(res("Drop", "AWS::S3::Bucket"), fn(extra="FunctionName: example-fn\n"),
                     permission(function=function))
    assert [t[:2] for t in outside_s3(model)] == [("Drop", "Fn")]


def test_source_account_alone_names_no_bucket(findings_of):
    parts = (res("Drop", "AWS::S3::Bucket"), fn(),
             permission(source="", extra="SourceAccount: !Ref AWS::AccountId\n"))
    assert outside_s3(model_of(*parts)) == []
    assert findings(findings_of, *parts) == []


def test_permission_for_a_bucket_of_another_template_is_no_trigger(findings_of):
    parts = (res("Drop", "AWS::S3::Bucket", "BucketName: example-drop\n"), fn(),
             permission(source="arn:aws:s3:::someone-elses-bucket"))
    assert outside_s3(model_of(*parts)) == []
    assert findings(findings_of, *parts) == []


def test_permission_for_another_service_is_no_trigger():
    model = model_of(res("Drop", "AWS::S3::Bucket"), fn(), permission(principal="apigateway.amazonaws.com"))
    assert outside_s3(model) == []


def test_permission_for_a_function_url_is_no_trigger():
    model = model_of(res("Drop", "AWS::S3::Bucket"), fn(),
                     permission().replace("lambda:InvokeFunction", "lambda:InvokeFunctionUrl"))
    assert outside_s3(model) == []


def test_the_template_notification_wins_over_the_permission(findings_of):
    """SAM's S3 event (prefix in/) plus the permission SAM would generate for it: the
    template's own filter decides, the permission adds no unfiltered twin."""
    event = "Events:\n  Up:\n    Type: S3\n    Properties:\n      Bucket: !Ref Drop\n" \
            "      Events: s3:ObjectCreated:*\n      Filter:\n        S3Key:\n          Rules:\n" \
            "            - {Name: prefix, Value: in/}\n"
    code = WRITES_OTHER.replace('os.environ["OUT"]', '"x"').replace(
        'Bucket="x", Key=record["s3"]["object"]["key"]',
        'Bucket=record["s3"]["bucket"]["name"], Key="out/" + record["s3"]["object"]["key"]')
    parts = (res("Drop", "AWS::S3::Bucket"), fn(code=code, extra=event), permission())
    model = model_of(*parts)
    assert [(t.source, t.consumer, t.prefix) for t in model.triggers] == [("Drop", "Fn", "in/")]
    assert [f.rule for f in findings(findings_of, *parts) if f.severity == "error"] == []


# -- SNS and EventBridge permissions ----------------------------------------------------------


def test_sns_permission_is_a_subscription_configured_outside(findings_of):
    code = ('import os\nimport boto3\nsns = boto3.client("sns")\ndef handler(event, context):\n'
            '    sns.publish(TopicArn=os.environ["TOPIC"], Message="again")\n')
    parts = (res("Alerts", "AWS::SNS::Topic"),
             fn(policies="- SNSPublishMessagePolicy:\n    TopicName: !GetAtt Alerts.TopicName\n", code=code,
                extra="Environment:\n  Variables:\n    TOPIC: !Ref Alerts\n"),
             permission(principal="sns.amazonaws.com", source="!Ref Alerts"))
    model = model_of(*parts)
    links = [(t.source, t.consumer, t.service) for t in model.event_triggers if t.outside]
    assert links == [("Alerts", "Fn", "sns")]
    found = findings(findings_of, *parts)
    assert [f.rule for f in found] == ["EL101"]
    assert any("the subscription is configured outside the template" in n for n in found[0].notes)


def test_sns_permission_beside_a_subscription_adds_nothing():
    subscription = res("Sub", "AWS::SNS::Subscription",
                       "Protocol: lambda\nTopicArn: !Ref Alerts\nEndpoint: !GetAtt Fn.Arn\n")
    model = model_of(res("Alerts", "AWS::SNS::Topic"), fn(), subscription,
                     permission(principal="sns.amazonaws.com", source="!Ref Alerts"))
    assert [t.outside for t in model.event_triggers if t.consumer == "Fn"] == [None]


RULE = """\
EventPattern:
  source: [aws.s3]
  detail-type: [Object Created]
"""


def test_events_permission_for_a_rule_carries_its_pattern():
    model = model_of(res("Drop", "AWS::S3::Bucket"), fn(), res("OnUpload", "AWS::Events::Rule", RULE),
                     permission(principal="events.amazonaws.com", source="!GetAtt OnUpload.Arn"))
    links = [t for t in model.event_triggers if t.outside]
    assert [(t.source, t.consumer, t.service) for t in links] == [("default", "Fn", "events")]
    assert links[0].patterns == [{"source": ["aws.s3"], "detail-type": ["Object Created"]}]
    assert "rule OnUpload" in links[0].outside.what


def test_events_permission_named_by_rule_arn():
    rule = res("OnUpload", "AWS::Events::Rule", "Name: on-upload\n" + RULE)
    model = model_of(fn(), rule, permission(
        principal="events.amazonaws.com",
        source="!Sub arn:aws:events:${AWS::Region}:${AWS::AccountId}:rule/on-upload"))
    assert [(t.source, t.consumer) for t in model.event_triggers if t.outside] == [("default", "Fn")]


def test_events_permission_beside_the_rules_own_target_adds_nothing():
    rule = res("OnUpload", "AWS::Events::Rule", RULE + "Targets:\n  - Id: fn\n    Arn: !GetAtt Fn.Arn\n")
    model = model_of(fn(), rule, permission(principal="events.amazonaws.com", source="!GetAtt OnUpload.Arn"))
    assert [t.outside for t in model.event_triggers if t.consumer == "Fn"] == [None]


def test_events_permission_for_a_schedule_is_no_trigger():
    rule = res("Nightly", "AWS::Events::Rule", "ScheduleExpression: rate(1 day)\n")
    model = model_of(fn(), rule, permission(principal="events.amazonaws.com", source="!GetAtt Nightly.Arn"))
    assert [t for t in model.event_triggers if t.outside] == []


# -- custom resources ---------------------------------------------------------------------------


HELPER = fn("Helper", policies="- S3FullAccessPolicy:\n    BucketName: !Ref Drop\n",
            code="def handler(e, c):\n    pass\n")


def test_custom_resource_naming_bucket_and_function(findings_of):
    custom = res("Notify", "Custom::BucketNotification",
                 "ServiceToken: !GetAtt Helper.Arn\nBucketName: !Ref Drop\nLambdaArn: !GetAtt Fn.Arn\n")
    parts = (res("Drop", "AWS::S3::Bucket"), fn(), HELPER, custom)
    model = model_of(*parts)
    assert outside_s3(model) == [("Drop", "Fn", ("s3:ObjectCreated:*",), None, None)]
    found = findings(findings_of, *parts)
    assert [f.rule for f in found] == ["EL101"]
    note = next(n for n in found[0].notes if n.startswith("Drop notifies Fn"))
    assert "custom resource Notify (template.yaml:" in note
    assert "appears to configure the notification" in note and "assumed" in note


def test_custom_resource_events_and_key_filter_are_used(findings_of):
    custom = res("Notify", "AWS::CloudFormation::CustomResource",
                 "ServiceToken: !GetAtt Helper.Arn\nBucket: !Ref Drop\nFunctionArn: !GetAtt Fn.Arn\n"
                 "Events: [s3:ObjectCreated:Put]\nPrefix: in/\nSuffix: .csv\n")
    parts = (res("Drop", "AWS::S3::Bucket"), fn(), HELPER, custom)
    assert outside_s3(model_of(*parts)) == [("Drop", "Fn", ("s3:ObjectCreated:Put",), "in/", ".csv")]
    # The handler writes <key>.out: never a .csv, so the suffix guards the loop.
    assert [f.rule for f in findings(findings_of, *parts) if f.severity == "error"] == []


def test_custom_resource_in_the_s3_api_shape():
    config = """\
ServiceToken: !GetAtt Helper.Arn
Bucket: !Ref Drop
NotificationConfiguration:
  LambdaFunctionConfigurations:
    - LambdaFunctionArn: !GetAtt Fn.Arn
      Events: [s3:ObjectCreated:*]
      Filter:
        Key:
          FilterRules:
            - {Name: suffix, Value: .jpg}
"""
    model = model_of(res("Drop", "AWS::S3::Bucket"), fn(), HELPER, res("Notify", "Custom::Notify", config))
    assert outside_s3(model) == [("Drop", "Fn", ("s3:ObjectCreated:*",), None, ".jpg")]


def test_custom_resource_naming_only_a_bucket_is_no_trigger(findings_of):
    """A seeding/emptying helper: its own handler (ServiceToken) writes the bucket at deploy
    time, but nothing runs it on object events."""
    custom = res("Seed", "Custom::SeedBucket", "ServiceToken: !GetAtt Helper.Arn\nBucketName: !Ref Drop\n")
    parts = (res("Drop", "AWS::S3::Bucket"), HELPER, custom)
    assert outside_s3(model_of(*parts)) == []
    assert findings(findings_of, *parts) == []


def test_custom_resource_naming_only_a_function_is_no_trigger():
    custom = res("Warm", "Custom::Warmup", "ServiceToken: !GetAtt Helper.Arn\nTarget: !GetAtt Fn.Arn\n")
    model = model_of(res("Drop", "AWS::S3::Bucket"), fn(), HELPER, custom)
    assert outside_s3(model) == []


def test_cdk_bucket_notifications_are_not_read_twice():
    config = """\
ServiceToken: !GetAtt Helper.Arn
BucketName: !Ref Drop
NotificationConfiguration:
  LambdaFunctionConfigurations:
    - LambdaFunctionArn: !GetAtt Fn.Arn
      Events: [s3:ObjectCreated:*]
"""
    model = model_of(res("Drop", "AWS::S3::Bucket"), fn(), HELPER,
                     res("Notify", "Custom::S3BucketNotifications", config))
    assert [(t.source, t.consumer, t.outside) for t in model.triggers] == [("Drop", "Fn", None)]


def test_custom_resource_beside_a_permission_gives_one_trigger():
    custom = res("Notify", "Custom::BucketNotification",
                 "ServiceToken: !GetAtt Helper.Arn\nBucketName: !Ref Drop\nLambdaArn: !GetAtt Fn.Arn\n")
    model = model_of(res("Drop", "AWS::S3::Bucket"), fn(), HELPER, permission(), custom)
    assert len(outside_s3(model)) == 1


# -- S3 -> EventBridge -> state machine ----------------------------------------------------------


def machine(bucket_param: str = "Bucket.$: $.detail.bucket.name",
            key_param: str = "Key.$: States.Format('{}.done', $.detail.object.key)",
            pattern_extra: str = "", resource: str = "arn:aws:states:::aws-sdk:s3:putObject") -> str:
    return res("Flow", "AWS::Serverless::StateMachine", f"""\
Policies:
  - S3CrudPolicy:
      BucketName: !Ref Drop
Events:
  Arrived:
    Type: EventBridgeRule
    Properties:
      Pattern:
        source: [aws.s3]
        detail-type: [Object Created]
{textwrap.indent(pattern_extra, " " * 8)}Definition:
  StartAt: Put
  States:
    Put:
      Type: Task
      Resource: {resource}
      Parameters:
        {bucket_param}
        {key_param}
        Body: done
      End: true
""")


EB_BUCKET = res("Drop", "AWS::S3::Bucket",
                "NotificationConfiguration:\n  EventBridgeConfiguration:\n    EventBridgeEnabled: true\n")


def test_state_machine_writing_the_event_bucket_is_an_el107(findings_of):
    model = model_of(EB_BUCKET, machine())
    assert [(t.machine, t.targets, t.target_path) for t in model.tasks] == [
        ("Flow", ["Drop"], "$.detail.bucket.name")]
    found = findings(findings_of, EB_BUCKET, machine())
    assert [(f.rule, f.cycle) for f in found] == [("EL107", ["Drop", "default", "Flow", "Drop"])]
    assert any("on the bucket of its input ($.detail.bucket.name)" in n for n in found[0].notes)


@pytest.mark.parametrize("bucket_param", [
    "Bucket: !Ref Drop",
    "Bucket.$: $$.Execution.Input.detail.bucket.name",
])
def test_state_machine_other_spellings_of_the_bucket(findings_of, bucket_param):
    assert [f.rule for f in findings(findings_of, EB_BUCKET, machine(bucket_param))] == ["EL107"]


def test_jsonata_arguments_name_the_event_bucket():
    flow = machine(bucket_param='Bucket: "{% $states.input.detail.bucket.name %}"', key_param="Key: fixed")
    flow = flow.replace("Parameters:", "Arguments:")
    model = model_of(EB_BUCKET, flow)
    assert [t.targets for t in model.tasks] == [["Drop"]]


def test_rule_key_prefix_the_task_never_writes_guards_the_loop(findings_of):
    extra = "detail:\n  object:\n    key: [{prefix: incoming/}]\n"
    flow = machine(key_param="Key.$: States.Format('done/{}', $.detail.object.key)", pattern_extra=extra)
    assert findings(findings_of, EB_BUCKET, flow) == []
    loaded = parse_text("t.yaml", HEAD + EB_BUCKET + flow, True)
    model = build_model("t.yaml", loaded.data)
    loops = find_loops(build_graph(model, run_code_stage(model)))
    assert [(loop.cycle, loop.level) for loop in loops] == [(["Drop", "default", "Flow", "Drop"], GUARDED)]
    assert "the filter drops everything the writer emits" in loops[0].hops[0].why
    # ... while the same key under the rule's prefix is a loop.
    looping = machine(key_param="Key.$: States.Format('incoming/{}.done', $.detail.object.key)",
                      pattern_extra=extra)
    assert [f.rule for f in findings(findings_of, EB_BUCKET, looping)] == ["EL107"]


def test_state_machine_writing_another_bucket_is_clean(findings_of):
    other = res("Out", "AWS::S3::Bucket")
    assert findings(findings_of, EB_BUCKET, other, machine("Bucket: !Ref Out")) == []


def test_a_read_of_the_event_bucket_is_no_write(findings_of):
    flow = machine(resource="arn:aws:states:::aws-sdk:s3:headObject", key_param="Key.$: $.detail.object.key")
    flow = flow.replace("Body: done", "ChecksumMode: ENABLED")
    assert [t.targets for t in model_of(EB_BUCKET, flow).tasks] == [None]
    assert findings(findings_of, EB_BUCKET, flow) == []


def test_event_bucket_without_eventbridge_is_not_written():
    plain = res("Drop", "AWS::S3::Bucket")
    assert [t.targets for t in model_of(plain, machine()).tasks] == [None]


def test_raw_cloudformation_rule_targeting_a_state_machine(findings_of):
    definition = ('{"StartAt": "Put", "States": {"Put": {"Type": "Task", '
                  '"Resource": "arn:aws:states:::aws-sdk:s3:putObject", "Parameters": '
                  '{"Bucket.$": "$.detail.bucket.name", "Key": "stamp.txt", "Body": "x"}, "End": true}}}')
    parts = (EB_BUCKET,
             res("Flow", "AWS::StepFunctions::StateMachine",
                 f"RoleArn: arn:aws:iam::123456789012:role/flow\nDefinitionString: '{definition}'\n"),
             res("OnUpload", "AWS::Events::Rule",
                 "EventPattern:\n  source: [aws.s3]\n  detail-type: [Object Created]\n"
                 "Targets:\n  - Id: flow\n    Arn: !Ref Flow\n"
                 "    RoleArn: arn:aws:iam::123456789012:role/ev\n"))
    found = findings(findings_of, *parts)
    assert [(f.rule, f.cycle) for f in found] == [("EL107", ["Drop", "default", "Flow", "Drop"])]


def test_format_glob():
    assert _format_glob("States.Format('out/{}.json', $.key)") == tuple("out/") + (STAR,) + tuple(".json")
    assert _format_glob("$.detail.object.key") is None


def test_a_named_grant_alone_makes_the_permission_trigger_an_error(findings_of):
    """Code in S3 cannot be read: the grant that names the trigger bucket decides."""
    no_code = ("  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
               "      Handler: index.handler\n      Runtime: python3.12\n      CodeUri: s3://artifacts/fn.zip\n"
               "      Policies:\n        - S3CrudPolicy:\n            BucketName: !Ref Drop\n")
    found = findings(findings_of, res("Drop", "AWS::S3::Bucket"), no_code, permission())
    assert [f.rule for f in found] == ["EL101"]


def test_two_rules_permitted_for_one_function_keep_both_patterns():
    second = "EventPattern:\n  source: [example.orders]\n"
    model = model_of(fn(), res("OnUpload", "AWS::Events::Rule", RULE),
                     res("OnOrder", "AWS::Events::Rule", second),
                     permission(principal="events.amazonaws.com", source="!GetAtt OnUpload.Arn"),
                     permission(principal="events.amazonaws.com", source="!GetAtt OnOrder.Arn", name="P2"))
    patterns = [t.patterns for t in model.event_triggers if t.outside]
    assert patterns == [[{"source": ["aws.s3"], "detail-type": ["Object Created"]}],
                        [{"source": ["example.orders"]}]]


def test_custom_resource_inputs_named_the_helpers_way():
    custom = res("Notify", "Custom::S3EventNotifier",
                 "ServiceToken: !GetAtt Helper.Arn\nS3Bucket: !Ref Drop\nEventLambdaArn: !GetAtt Fn.Arn\n"
                 "S3Event: s3:ObjectCreated:Put\nS3Prefix: in/\nLogPrefix: ignored/\n")
    model = model_of(res("Drop", "AWS::S3::Bucket"), fn(), HELPER, custom)
    assert outside_s3(model) == [("Drop", "Fn", ("s3:ObjectCreated:Put",), "in/", None)]


def test_permission_for_a_bucket_exported_by_another_stack(tmp_path):
    """The permission names the bucket through Fn::ImportValue: scanned with the exporting
    template, the loop crosses the two stacks."""
    from loopcheck.app.scan import scan

    (tmp_path / "storage.yaml").write_text(
        "Resources:\n  Drop:\n    Type: AWS::S3::Bucket\n"
        "Outputs:\n  DropName:\n    Value: !Ref Drop\n    Export:\n      Name: drop-name\n")
    policies = "- S3CrudPolicy:\n    BucketName: !ImportValue drop-name\n"
    source = "!Sub ['arn:aws:s3:::${Name}', {Name: !ImportValue drop-name}]"
    (tmp_path / "processing.yaml").write_text(HEAD + fn(policies=policies) + permission(source=source))
    result = scan([str(tmp_path)])
    errors = [f for f in result.findings if f.severity == "error"]
    assert [(f.rule, f.cycle) for f in errors] == [("EL101", ["Drop", "Fn", "Drop"])]
