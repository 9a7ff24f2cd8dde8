"""Triggers the template shows but does not configure (loopcheck.model.external): Lambda
permissions for S3, SNS and EventBridge, and custom resources that apply a bucket
notification; and the S3 -> EventBridge -> state machine path whose task writes the bucket
its input event names. One small inline template per case, positive and negative."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
from builder import (
    bucket,
    function,
    get_att,
    import_value,
    inline_function,
    lambda_permission,
    model_and_graph,
    output,
    policy_template,
    ref,
    resource,
    rule,
    s3_crud,
    s3_event,
    sns_publish,
    state_machine,
    sub,
    subscription,
    template,
    topic,
    write,
)

from loopcheck.judge.loops import GUARDED, find_loops
from loopcheck.resolve.globs import STAR
from loopcheck.services.stepfunctions import _format_glob

Resources = Dict[str, Any]

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


def fn(name: str = "Fn", policies: Optional[list] = None, code: str = WRITES_BACK, **extra: Any) -> Resources:
    """A function with inline code; by default it may write (S3CrudPolicy) the bucket Drop."""
    return {name: inline_function([s3_crud("Drop")] if policies is None else policies, code=code, **extra)}


DROP_ARN, FN_ARN = get_att("Drop"), get_att("Fn")


def permission(principal: Any = "s3.amazonaws.com", source: Any = DROP_ARN, function: Any = FN_ARN,
               name: str = "FnPermission", **extra: Any) -> Resources:
    """A permission for `principal` to invoke Fn from `source` (None: no SourceArn)."""
    return {name: lambda_permission(function, principal, source, **extra)}


def document(*parts: Resources, **sections: Any):
    return template({name: res for part in parts for name, res in part.items()}, **sections)


def model_of(*parts: Resources, **sections: Any):
    model, _ = model_and_graph(document(*parts, **sections))
    return model


def findings(findings_of, *parts: Resources):
    return [f for f in findings_of(document(*parts)) if f.rule != "IL109"]


DROP = {"Drop": bucket()}


def outside_s3(model):
    return [(t.source, t.consumer, t.events, t.prefix, t.suffix) for t in model.triggers if t.outside]


# -- Lambda permissions for s3.amazonaws.com -------------------------------------------------


def test_s3_permission_is_a_trigger_and_a_write_back_is_an_error(findings_of):
    parts = (DROP, fn(), permission())
    model = model_of(*parts)
    assert outside_s3(model) == [("Drop", "Fn", ("s3:ObjectCreated:*",), None, None)]
    found = findings(findings_of, *parts)
    assert [f.rule for f in found] == ["EL101"]
    note = next(n for n in found[0].notes if n.startswith("Drop notifies Fn"))
    assert "s3:ObjectCreated:* with no key filter" in note
    assert "permission for s3.amazonaws.com (template.yaml:" in note
    assert "configured outside the template" in note and "assumed" in note


def test_s3_permission_with_code_writing_another_bucket_is_clean(findings_of):
    parts = (DROP, {"Out": bucket()},
             fn(policies=[policy_template("S3ReadPolicy", BucketName=ref("Drop")), s3_crud("Out")],
                code=WRITES_OTHER, Environment={"Variables": {"OUT": ref("Out")}}),
             permission())
    assert outside_s3(model_of(*parts))  # the trigger is there; the write goes elsewhere
    assert findings(findings_of, *parts) == []


@pytest.mark.parametrize("principal", [
    "s3.amazonaws.com",
    sub("s3.${AWS::URLSuffix}"),
    {"Fn::Join": ["", ["s3.", ref("AWS::URLSuffix")]]},
], ids=["literal", "sub", "join"])
def test_principal_spellings(principal):
    model = model_of(DROP, fn(), permission(principal=principal))
    assert [t[:2] for t in outside_s3(model)] == [("Drop", "Fn")]


@pytest.mark.parametrize("source", [
    get_att("Drop"),
    sub("arn:aws:s3:::${Drop}"),
    sub("arn:${AWS::Partition}:s3:::${DropName}"),
    "arn:aws:s3:::example-drop",
    {"Fn::Join": ["", ["arn:aws:s3:::", ref("DropName")]]},
], ids=["getatt", "sub-ref", "sub-parameter", "literal", "join-parameter"])
def test_source_arn_spellings(source):
    parameters = {"DropName": {"Type": "String", "Default": "example-drop"}}
    model = model_of({"Drop": bucket(ref("DropName"))}, fn(), permission(source=source), parameters=parameters)
    assert [t[:2] for t in outside_s3(model)] == [("Drop", "Fn")]


@pytest.mark.parametrize("function", [ref("Fn"), get_att("Fn"), "example-fn"], ids=["ref", "getatt", "name"])
def test_function_name_spellings(function):
    model = model_of(DROP, fn(FunctionName="example-fn"), permission(function=function))
    assert [t[:2] for t in outside_s3(model)] == [("Drop", "Fn")]


def test_source_account_alone_names_no_bucket(findings_of):
    parts = (DROP, fn(), permission(source=None, SourceAccount=ref("AWS::AccountId")))
    assert outside_s3(model_of(*parts)) == []
    assert findings(findings_of, *parts) == []


def test_permission_for_a_bucket_of_another_template_is_no_trigger(findings_of):
    parts = ({"Drop": bucket("example-drop")}, fn(), permission(source="arn:aws:s3:::someone-elses-bucket"))
    assert outside_s3(model_of(*parts)) == []
    assert findings(findings_of, *parts) == []


def test_permission_for_another_service_is_no_trigger():
    model = model_of(DROP, fn(), permission(principal="apigateway.amazonaws.com"))
    assert outside_s3(model) == []


def test_permission_for_a_function_url_is_no_trigger():
    model = model_of(DROP, fn(), permission(action="lambda:InvokeFunctionUrl"))
    assert outside_s3(model) == []


def test_the_template_notification_wins_over_the_permission(findings_of):
    """SAM's S3 event (prefix in/) plus the permission SAM would generate for it: the
    template's own filter decides, the permission adds no unfiltered twin."""
    code = WRITES_OTHER.replace('os.environ["OUT"]', '"x"').replace(
        'Bucket="x", Key=record["s3"]["object"]["key"]',
        'Bucket=record["s3"]["bucket"]["name"], Key="out/" + record["s3"]["object"]["key"]')
    parts = (DROP, fn(code=code, Events={"Up": s3_event("Drop", prefix="in/")}), permission())
    model = model_of(*parts)
    assert [(t.source, t.consumer, t.prefix) for t in model.triggers] == [("Drop", "Fn", "in/")]
    assert [f.rule for f in findings(findings_of, *parts) if f.severity == "error"] == []


# -- SNS and EventBridge permissions ----------------------------------------------------------


def test_sns_permission_is_a_subscription_configured_outside(findings_of):
    code = ('import os\nimport boto3\nsns = boto3.client("sns")\ndef handler(event, context):\n'
            '    sns.publish(TopicArn=os.environ["TOPIC"], Message="again")\n')
    parts = ({"Alerts": topic()},
             fn(policies=[sns_publish("Alerts")], code=code,
                Environment={"Variables": {"TOPIC": ref("Alerts")}}),
             permission(principal="sns.amazonaws.com", source=ref("Alerts")))
    model = model_of(*parts)
    links = [(t.source, t.consumer, t.service) for t in model.event_triggers if t.outside]
    assert links == [("Alerts", "Fn", "sns")]
    found = findings(findings_of, *parts)
    assert [f.rule for f in found] == ["EL101"]
    assert any("the subscription is configured outside the template" in n for n in found[0].notes)


def test_sns_permission_beside_a_subscription_adds_nothing():
    model = model_of({"Alerts": topic()}, fn(), {"Sub": subscription(ref("Alerts"), "lambda", get_att("Fn"))},
                     permission(principal="sns.amazonaws.com", source=ref("Alerts")))
    assert [t.outside for t in model.event_triggers if t.consumer == "Fn"] == [None]


RULE = {"source": ["aws.s3"], "detail-type": ["Object Created"]}


def events_rule(**properties: Any) -> Dict[str, Any]:
    """An EventBridge rule with no targets of its own (a permission lets it invoke the function)."""
    return resource("AWS::Events::Rule", **properties)


def test_events_permission_for_a_rule_carries_its_pattern():
    model = model_of(DROP, fn(), {"OnUpload": events_rule(EventPattern=RULE)},
                     permission(principal="events.amazonaws.com", source=get_att("OnUpload")))
    links = [t for t in model.event_triggers if t.outside]
    assert [(t.source, t.consumer, t.service) for t in links] == [("default", "Fn", "events")]
    assert links[0].patterns == [{"source": ["aws.s3"], "detail-type": ["Object Created"]}]
    assert "rule OnUpload" in links[0].outside.what


def test_events_permission_named_by_rule_arn():
    model = model_of(fn(), {"OnUpload": events_rule(Name="on-upload", EventPattern=RULE)}, permission(
        principal="events.amazonaws.com",
        source=sub("arn:aws:events:${AWS::Region}:${AWS::AccountId}:rule/on-upload")))
    assert [(t.source, t.consumer) for t in model.event_triggers if t.outside] == [("default", "Fn")]


def test_events_permission_beside_the_rules_own_target_adds_nothing():
    model = model_of(fn(), {"OnUpload": rule(RULE, ["Fn"])},
                     permission(principal="events.amazonaws.com", source=get_att("OnUpload")))
    assert [t.outside for t in model.event_triggers if t.consumer == "Fn"] == [None]


def test_events_permission_for_a_schedule_is_no_trigger():
    model = model_of(fn(), {"Nightly": events_rule(ScheduleExpression="rate(1 day)")},
                     permission(principal="events.amazonaws.com", source=get_att("Nightly")))
    assert [t for t in model.event_triggers if t.outside] == []


# -- custom resources ---------------------------------------------------------------------------


HELPER = fn("Helper", policies=[policy_template("S3FullAccessPolicy", BucketName=ref("Drop"))],
            code="def handler(e, c):\n    pass\n")


def custom(type_: str, **properties: Any) -> Dict[str, Any]:
    """A custom resource whose handler is the function Helper."""
    return resource(type_, ServiceToken=get_att("Helper"), **properties)


NOTIFY = {"Notify": custom("Custom::BucketNotification", BucketName=ref("Drop"), LambdaArn=get_att("Fn"))}


def test_custom_resource_naming_bucket_and_function(findings_of):
    parts = (DROP, fn(), HELPER, NOTIFY)
    model = model_of(*parts)
    assert outside_s3(model) == [("Drop", "Fn", ("s3:ObjectCreated:*",), None, None)]
    found = findings(findings_of, *parts)
    assert [f.rule for f in found] == ["EL101"]
    note = next(n for n in found[0].notes if n.startswith("Drop notifies Fn"))
    assert "custom resource Notify (template.yaml:" in note
    assert "appears to configure the notification" in note and "assumed" in note


def test_custom_resource_events_and_key_filter_are_used(findings_of):
    notify = custom("AWS::CloudFormation::CustomResource", Bucket=ref("Drop"), FunctionArn=get_att("Fn"),
                    Events=["s3:ObjectCreated:Put"], Prefix="in/", Suffix=".csv")
    parts = (DROP, fn(), HELPER, {"Notify": notify})
    assert outside_s3(model_of(*parts)) == [("Drop", "Fn", ("s3:ObjectCreated:Put",), "in/", ".csv")]
    # The handler writes <key>.out: never a .csv, so the suffix guards the loop.
    assert [f.rule for f in findings(findings_of, *parts) if f.severity == "error"] == []


def test_custom_resource_in_the_s3_api_shape():
    to_fn = {"LambdaFunctionArn": get_att("Fn"), "Events": ["s3:ObjectCreated:*"],
             "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}}}
    notify = custom("Custom::Notify", Bucket=ref("Drop"),
                    NotificationConfiguration={"LambdaFunctionConfigurations": [to_fn]})
    model = model_of(DROP, fn(), HELPER, {"Notify": notify})
    assert outside_s3(model) == [("Drop", "Fn", ("s3:ObjectCreated:*",), None, ".jpg")]


def test_custom_resource_naming_only_a_bucket_is_no_trigger(findings_of):
    """A seeding/emptying helper: its own handler (ServiceToken) writes the bucket at deploy
    time, but nothing runs it on object events."""
    parts = (DROP, HELPER, {"Seed": custom("Custom::SeedBucket", BucketName=ref("Drop"))})
    assert outside_s3(model_of(*parts)) == []
    assert findings(findings_of, *parts) == []


def test_custom_resource_naming_only_a_function_is_no_trigger():
    model = model_of(DROP, fn(), HELPER, {"Warm": custom("Custom::Warmup", Target=get_att("Fn"))})
    assert outside_s3(model) == []


def test_cdk_bucket_notifications_are_not_read_twice():
    to_fn = {"LambdaFunctionArn": get_att("Fn"), "Events": ["s3:ObjectCreated:*"]}
    notify = custom("Custom::S3BucketNotifications", BucketName=ref("Drop"),
                    NotificationConfiguration={"LambdaFunctionConfigurations": [to_fn]})
    model = model_of(DROP, fn(), HELPER, {"Notify": notify})
    assert [(t.source, t.consumer, t.outside) for t in model.triggers] == [("Drop", "Fn", None)]


def test_custom_resource_beside_a_permission_gives_one_trigger():
    model = model_of(DROP, fn(), HELPER, permission(), NOTIFY)
    assert len(outside_s3(model)) == 1


# -- S3 -> EventBridge -> state machine ----------------------------------------------------------


def machine(bucket_param: Optional[Dict[str, Any]] = None, key_param: Optional[Dict[str, Any]] = None,
            pattern_extra: Optional[Dict[str, Any]] = None,
            task_resource: str = "arn:aws:states:::aws-sdk:s3:putObject",
            body: Optional[Dict[str, Any]] = None, field: str = "Parameters") -> Resources:
    """Flow: a state machine run by the rule on Drop's Object Created events, whose one task
    calls `task_resource` with the bucket `bucket_param` (by default the event's bucket), the key
    `key_param` and `body`, under `field` (Parameters, or Arguments for JSONata)."""
    bucket_param = {"Bucket.$": "$.detail.bucket.name"} if bucket_param is None else bucket_param
    key_param = {"Key.$": "States.Format('{}.done', $.detail.object.key)"} if key_param is None else key_param
    task = {"Type": "Task", "Resource": task_resource,
            field: {**bucket_param, **key_param, **({"Body": "done"} if body is None else body)}, "End": True}
    pattern = {**RULE, **(pattern_extra or {})}
    flow = state_machine({"StartAt": "Put", "States": {"Put": task}}, policies=[s3_crud("Drop")],
                         events={"Arrived": {"Type": "EventBridgeRule", "Properties": {"Pattern": pattern}}})
    return {"Flow": flow}


EB_BUCKET = {"Drop": bucket(eventbridge=True)}


def test_state_machine_writing_the_event_bucket_is_an_el107(findings_of):
    model = model_of(EB_BUCKET, machine())
    assert [(t.machine, t.targets, t.target_path) for t in model.tasks] == [
        ("Flow", ["Drop"], "$.detail.bucket.name")]
    found = findings(findings_of, EB_BUCKET, machine())
    assert [(f.rule, f.cycle) for f in found] == [("EL107", ["Drop", "default", "Flow", "Drop"])]
    assert any("on the bucket of its input ($.detail.bucket.name)" in n for n in found[0].notes)


@pytest.mark.parametrize("bucket_param", [
    {"Bucket": ref("Drop")},
    {"Bucket.$": "$$.Execution.Input.detail.bucket.name"},
], ids=["ref", "execution-input"])
def test_state_machine_other_spellings_of_the_bucket(findings_of, bucket_param):
    assert [f.rule for f in findings(findings_of, EB_BUCKET, machine(bucket_param))] == ["EL107"]


def test_jsonata_arguments_name_the_event_bucket():
    flow = machine(bucket_param={"Bucket": "{% $states.input.detail.bucket.name %}"},
                   key_param={"Key": "fixed"}, field="Arguments")
    model = model_of(EB_BUCKET, flow)
    assert [t.targets for t in model.tasks] == [["Drop"]]


def test_rule_key_prefix_the_task_never_writes_guards_the_loop(findings_of):
    extra = {"detail": {"object": {"key": [{"prefix": "incoming/"}]}}}
    flow = machine(key_param={"Key.$": "States.Format('done/{}', $.detail.object.key)"}, pattern_extra=extra)
    assert findings(findings_of, EB_BUCKET, flow) == []
    _, graph = model_and_graph(document(EB_BUCKET, flow))
    loops = find_loops(graph)
    assert [(loop.cycle, loop.level) for loop in loops] == [(["Drop", "default", "Flow", "Drop"], GUARDED)]
    assert "the filter drops everything the writer emits" in loops[0].hops[0].why
    # ... while the same key under the rule's prefix is a loop.
    looping = machine(key_param={"Key.$": "States.Format('incoming/{}.done', $.detail.object.key)"},
                      pattern_extra=extra)
    assert [f.rule for f in findings(findings_of, EB_BUCKET, looping)] == ["EL107"]


def test_state_machine_writing_another_bucket_is_clean(findings_of):
    assert findings(findings_of, EB_BUCKET, {"Out": bucket()}, machine({"Bucket": ref("Out")})) == []


def test_a_read_of_the_event_bucket_is_no_write(findings_of):
    flow = machine(task_resource="arn:aws:states:::aws-sdk:s3:headObject",
                   key_param={"Key.$": "$.detail.object.key"}, body={"ChecksumMode": "ENABLED"})
    assert [t.targets for t in model_of(EB_BUCKET, flow).tasks] == [None]
    assert findings(findings_of, EB_BUCKET, flow) == []


def test_event_bucket_without_eventbridge_is_not_written():
    assert [t.targets for t in model_of(DROP, machine()).tasks] == [None]


def test_raw_cloudformation_rule_targeting_a_state_machine(findings_of):
    definition = ('{"StartAt": "Put", "States": {"Put": {"Type": "Task", '
                  '"Resource": "arn:aws:states:::aws-sdk:s3:putObject", "Parameters": '
                  '{"Bucket.$": "$.detail.bucket.name", "Key": "stamp.txt", "Body": "x"}, "End": true}}}')
    flow = resource("AWS::StepFunctions::StateMachine", RoleArn="arn:aws:iam::123456789012:role/flow",
                    DefinitionString=definition)
    on_upload = events_rule(EventPattern=RULE, Targets=[
        {"Id": "flow", "Arn": ref("Flow"), "RoleArn": "arn:aws:iam::123456789012:role/ev"}])
    found = findings(findings_of, EB_BUCKET, {"Flow": flow, "OnUpload": on_upload})
    assert [(f.rule, f.cycle) for f in found] == [("EL107", ["Drop", "default", "Flow", "Drop"])]


def test_format_glob():
    assert _format_glob("States.Format('out/{}.json', $.key)") == tuple("out/") + (STAR,) + tuple(".json")
    assert _format_glob("$.detail.object.key") is None


def test_a_named_grant_alone_makes_the_permission_trigger_an_error(findings_of):
    """Code in S3 cannot be read: the grant that names the trigger bucket decides."""
    no_code = function([s3_crud("Drop")], code_uri="s3://artifacts/fn.zip", handler="index.handler")
    found = findings(findings_of, DROP, {"Fn": no_code}, permission())
    assert [f.rule for f in found] == ["EL101"]


def test_two_rules_permitted_for_one_function_keep_both_patterns():
    model = model_of(fn(), {"OnUpload": events_rule(EventPattern=RULE)},
                     {"OnOrder": events_rule(EventPattern={"source": ["example.orders"]})},
                     permission(principal="events.amazonaws.com", source=get_att("OnUpload")),
                     permission(principal="events.amazonaws.com", source=get_att("OnOrder"), name="P2"))
    patterns = [t.patterns for t in model.event_triggers if t.outside]
    assert patterns == [[{"source": ["aws.s3"], "detail-type": ["Object Created"]}],
                        [{"source": ["example.orders"]}]]


def test_custom_resource_inputs_named_the_helpers_way():
    notify = custom("Custom::S3EventNotifier", S3Bucket=ref("Drop"), EventLambdaArn=get_att("Fn"),
                    S3Event="s3:ObjectCreated:Put", S3Prefix="in/", LogPrefix="ignored/")
    model = model_of(DROP, fn(), HELPER, {"Notify": notify})
    assert outside_s3(model) == [("Drop", "Fn", ("s3:ObjectCreated:Put",), "in/", None)]


def test_permission_for_a_bucket_exported_by_another_stack(tmp_path):
    """The permission names the bucket through Fn::ImportValue: scanned with the exporting
    template, the loop crosses the two stacks."""
    from loopcheck.app.scan import scan

    storage = template(DROP, sam=False, outputs={"DropName": output(ref("Drop"), export="drop-name")})
    write(tmp_path, storage, name="storage.yaml")
    policies = [policy_template("S3CrudPolicy", BucketName=import_value("drop-name"))]
    source = {"Fn::Sub": ["arn:aws:s3:::${Name}", {"Name": import_value("drop-name")}]}
    write(tmp_path, document(fn(policies=policies), permission(source=source)), name="processing.yaml")
    result = scan([str(tmp_path)])
    errors = [f for f in result.findings if f.severity == "error"]
    assert [(f.rule, f.cycle) for f in errors] == [("EL101", ["Drop", "Fn", "Drop"])]
