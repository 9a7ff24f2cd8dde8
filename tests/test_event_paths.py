"""Triggers, effects and filters beyond S3-to-function: one small template per form (built with
tests/builder.py), with a positive (loop) and a negative (guarded or clean) case. Functions without
code (permissions decide) unless a case needs code facts, which come from inline JavaScript."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from builder import (
    alarm,
    bucket,
    bus,
    connector,
    dump,
    dynamodb_crud,
    dynamodb_event,
    dynamodb_write,
    environment,
    event_source_mapping,
    eventbridge_event,
    get_att,
    inline_function,
    kinesis_crud,
    kinesis_event,
    lambda_function,
    parameter,
    policy_template,
    put_events,
    put_statement,
    queue,
    ref,
    resource,
    role,
    rule,
    s3_crud,
    s3_event,
    sns_event,
    sns_publish,
    sqs_event,
    sqs_send,
    state_machine,
    statement,
    stream,
    sub,
    subscription,
    table,
    task_state,
    template,
    topic,
    topic_notification,
)

fn = inline_function
Resources = Dict[str, Any]


def rules(findings_of, resources: Resources, **sections: Any):
    """Rule ids found, without IL109 (alarm advice), which its own tests check."""
    return sorted(f.rule for f in findings_of(template(resources, **sections)) if f.rule != "IL109")


def without_alarm_advice(findings_of, resources: Resources, **sections: Any):
    return [f for f in findings_of(template(resources, **sections)) if f.rule != "IL109"]


def cycles(findings_of, resources: Resources):
    return sorted({tuple(f.cycle) for f in findings_of(template(resources)) if f.cycle})


SQS_EVENT = {"Q": sqs_event("Jobs")}
SEND = [sqs_send("Jobs")]


# -- SQS ---------------------------------------------------------------------------------------


def test_sqs_self_loop_sam(findings_of):
    found = without_alarm_advice(findings_of, {"Jobs": queue(), "Worker": fn(SEND, SQS_EVENT)})
    assert [f.rule for f in found] == ["EL101"]
    assert found[0].cycle == ["Jobs", "Worker", "Jobs"]
    assert found[0].resource == "Worker"


def test_sqs_read_only_is_clean(findings_of):
    poll = policy_template("SQSPollerPolicy", QueueName=get_att("Jobs", "QueueName"))
    assert rules(findings_of, {"Jobs": queue(), "Worker": fn([poll], SQS_EVENT)}) == []


def test_sqs_event_source_mapping_and_inline_role(findings_of):
    resources = {
        "Jobs": queue(),
        "Role": role([statement("sqs:SendMessage", get_att("Jobs"))]),
        "Worker": lambda_function(get_att("Role"), Runtime="python3.12", Handler="a.b"),
        "Mapping": event_source_mapping("Worker", get_att("Jobs")),
    }
    assert rules(findings_of, resources) == ["EL101"]


def test_sqs_connector_write_grants_send(findings_of):
    resources = {"Jobs": queue(), "Worker": fn([], SQS_EVENT),
                 "Conn": connector({"Id": "Worker"}, {"Id": "Jobs"}, ["Write"])}
    assert rules(findings_of, resources) == ["EL101"]


def test_sqs_connector_read_only_is_clean(findings_of):
    resources = {"Jobs": queue(), "Worker": fn([], SQS_EVENT),
                 "Conn": connector({"Id": "Worker"}, {"Id": "Jobs"}, ["Read"])}
    assert rules(findings_of, resources) == []


def test_connectors_property_on_the_function(findings_of):
    connectors = {"ToJobs": {"Properties": {"Destination": {"Id": "Jobs"}, "Permissions": ["Write"]}}}
    worker = fn([], SQS_EVENT, Connectors=connectors)
    assert rules(findings_of, {"Jobs": queue(), "Worker": worker}) == ["EL101"]


# -- SNS ---------------------------------------------------------------------------------------

SNS_EVENT = {"T": sns_event("Topic")}
SNS_PUBLISH = [sns_publish("Topic")]


def test_sns_self_loop(findings_of):
    assert rules(findings_of, {"Topic": topic(), "Fn": fn(SNS_PUBLISH, SNS_EVENT)}) == ["EL101"]


def test_sns_subscription_resource(findings_of):
    resources = {"Topic": topic(), "Fn": fn(SNS_PUBLISH),
                 "Sub": subscription(ref("Topic"), "lambda", get_att("Fn"))}
    assert rules(findings_of, resources) == ["EL101"]


def test_sns_filter_policy_on_an_attribute_the_code_never_sets(findings_of):
    code = """\
        const { SNSClient, PublishCommand } = require("@aws-sdk/client-sns");
        const sns = new SNSClient({});
        exports.handler = async () => {
          await sns.send(new PublishCommand({TopicArn: process.env.TOPIC, Message: "x",
            MessageAttributes: {kind: {DataType: "String", StringValue: "result"}}}));
        };
    """

    def publisher(filter_policy):
        return fn(SNS_PUBLISH, {"T": sns_event("Topic", filter_policy)}, runtime="nodejs20.x", code=code,
                  Environment=environment(TOPIC=ref("Topic")))

    assert rules(findings_of, {"Topic": topic(), "Fn": publisher({"origin": ["upload"]})}) == ["IL105"]
    assert rules(findings_of, {"Topic": topic(), "Fn": publisher({"kind": ["result"]})}) == ["WL102"]


def _s3_to_topic(filter_policy=None) -> Resources:
    return {"Bucket": bucket(topic_notifications=[topic_notification(ref("Topic"))]), "Topic": topic(),
            "Fn": fn([s3_crud("Bucket")], {"T": sns_event("Topic", filter_policy)})}


def test_s3_to_sns_to_lambda(findings_of):
    resources = _s3_to_topic()
    assert cycles(findings_of, resources) == [("Bucket", "Topic", "Fn", "Bucket")]
    assert rules(findings_of, resources) == ["EL101"]


def test_s3_to_sns_with_attribute_filter_is_guarded(findings_of):
    """S3 notifications carry no message attributes: an attribute filter never matches them."""
    assert rules(findings_of, _s3_to_topic({"kind": ["manual"]})) == ["IL105"]


def test_sns_to_sqs_to_lambda(findings_of):
    resources = {"Topic": topic(), "Jobs": queue(),
                 "Sub": subscription(ref("Topic"), "sqs", get_att("Jobs")),
                 "Fn": fn(SNS_PUBLISH, SQS_EVENT)}
    assert cycles(findings_of, resources) == [("Topic", "Jobs", "Fn", "Topic")]


# -- S3 to SQS, S3 to EventBridge ------------------------------------------------------------------


def test_s3_to_sqs_cdk_shape(findings_of):
    to_jobs = {"Events": ["s3:ObjectCreated:*"], "QueueArn": get_att("Jobs"),
               "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}}
    notifications = resource("Custom::S3BucketNotifications", BucketName=ref("Bucket"),
                             NotificationConfiguration={"QueueConfigurations": [to_jobs]})
    resources = {"Bucket": bucket(), "Notif": notifications, "Jobs": queue(),
                 "Fn": fn([s3_crud("Bucket")], SQS_EVENT)}
    assert rules(findings_of, resources) == ["WL102"]


def _s3_eventbridge(pattern: Dict[str, Any], write: str = "${Bucket}/*", bucket_name: Any = None) -> Resources:
    """Bucket sends its events to the default bus, whose rule `pattern` triggers Fn, which may
    put objects at `write`."""
    return {
        "Bucket": bucket(bucket_name, eventbridge=True),
        "Fn": fn(put_statement(sub(f"arn:aws:s3:::{write}")), {"E": eventbridge_event(pattern)}),
    }


def _bucket_named(name: Any) -> Dict[str, Any]:
    """An EventBridge pattern on the S3 event's bucket name."""
    return {"detail": {"bucket": {"name": [name]}}}


def test_s3_to_eventbridge_loop(findings_of):
    resources = _s3_eventbridge({"source": ["aws.s3"], "detail-type": ["Object Created"]})
    found = without_alarm_advice(findings_of, resources)
    assert [f.rule for f in found] == ["EL107"]
    assert found[0].cycle == ["Bucket", "default", "Fn", "Bucket"]


@pytest.mark.parametrize("pattern", [
    {"source": ["aws.s3"], "detail-type": ["Object Deleted"]},
    {"detail": {"object": {"key": [{"prefix": "uploads/"}]}}},
    _bucket_named("some-other-bucket"),
], ids=["other-detail-type", "other-key-prefix", "other-bucket-name"])
def test_s3_to_eventbridge_pattern_excludes_the_writes(findings_of, pattern):
    resources = _s3_eventbridge(pattern, write="${Bucket}/processed/*")
    assert rules(findings_of, resources) == ["IL105"]


OTHER_BUCKET = {"Other": bucket()}


# `!Ref Bucket` and `{Ref: Bucket}` were two cases here; they load as the same data (YAML tags are the
# loader's concern, tested there), so the third case is Fn::Sub with a variable map instead.
@pytest.mark.parametrize("name", [ref("Bucket"), sub("${Bucket}"),
                                  {"Fn::Sub": ["${Name}", {"Name": ref("Bucket")}]}],
                         ids=["ref", "sub", "sub-with-variables"])
def test_s3_to_eventbridge_pattern_naming_the_bucket_by_intrinsic_matches(findings_of, name):
    """`name: [!Ref Bucket]` resolves to the bucket's name: an exact match, not a maybe."""
    assert rules(findings_of, {**_s3_eventbridge(_bucket_named(name)), **OTHER_BUCKET}) == ["EL107"]


@pytest.mark.parametrize("pattern", [
    _bucket_named(ref("Other")),
    _bucket_named({"prefix": sub("${Other}")}),
    _bucket_named({"anything-but": [ref("Bucket")]}),
], ids=["ref-other", "prefix-other", "anything-but-this"])
def test_s3_to_eventbridge_pattern_naming_another_bucket_by_intrinsic_is_guarded(findings_of, pattern):
    assert rules(findings_of, {**_s3_eventbridge(pattern), **OTHER_BUCKET}) == ["IL105"]


def test_s3_to_eventbridge_pattern_with_a_parameter_default(findings_of):
    resources = _s3_eventbridge(_bucket_named(ref("Name")), bucket_name="media")
    found = without_alarm_advice(findings_of, resources, parameters={"Name": parameter("media")})
    assert [f.rule for f in found] == ["EL107"]


def test_intrinsic_with_alternatives_in_a_pattern_stays_a_maybe(findings_of):
    conditions = {"Prod": {"Fn::Equals": [ref("AWS::Region"), "eu-west-1"]}}
    pattern = _bucket_named({"Fn::If": ["Prod", ref("Bucket"), ref("Other")]})
    resources = {**_s3_eventbridge(pattern), **OTHER_BUCKET}
    found = without_alarm_advice(findings_of, resources, conditions=conditions)
    assert [f.rule for f in found] == ["WL102"]


# -- DynamoDB streams and Kinesis -----------------------------------------------------------------

DDB_EVENT = {"S": dynamodb_event("Table")}
CRUD = [dynamodb_crud("Table")]
TABLE = {"Table": table()}


def test_dynamodb_stream_self_update_is_never_stopped(findings_of):
    found = without_alarm_advice(findings_of, {**TABLE, "Fn": fn(CRUD, DDB_EVENT)})
    assert [f.rule for f in found] == ["EL107"]
    assert "nothing at runtime will stop it" in found[0].message


def test_dynamodb_filter_on_remove_with_put_only_is_guarded(findings_of):
    events = {"S": dynamodb_event("Table", filters=[{"eventName": ["REMOVE"]}])}
    put_only = put_statement(get_att("Table"), action=["dynamodb:PutItem", "dynamodb:UpdateItem"])
    assert rules(findings_of, {**TABLE, "Fn": fn(put_only, events)}) == ["IL105"]
    # BatchWriteItem (in DynamoDBWritePolicy) can delete: REMOVE records are possible
    assert rules(findings_of, {**TABLE, "Fn": fn([dynamodb_write("Table")], events)}) == ["WL102"]


def test_dynamodb_event_source_mapping_raw(findings_of):
    resources = {**TABLE, "Fn": fn([dynamodb_write("Table")]),
                 "Map": event_source_mapping("Fn", get_att("Table", "StreamArn"))}
    assert rules(findings_of, resources) == ["EL107"]


def test_kinesis_re_put(findings_of):
    resources = {"Stream": stream(), "Fn": fn([kinesis_crud("Stream")], {"K": kinesis_event("Stream")})}
    assert rules(findings_of, resources) == ["EL107"]


# -- EventBridge PutEvents ----------------------------------------------------------------------

PUT_EVENTS_CODE = """\
    const { EventBridgeClient, PutEventsCommand } = require("@aws-sdk/client-eventbridge");
    const eb = new EventBridgeClient({});
    exports.handler = async () => {
      await eb.send(new PutEventsCommand({Entries: [{Source: "app.orders", DetailType: "OrderPlaced",
        Detail: "{}"}]}));
    };
"""
PUT_ON_DEFAULT = [policy_template("EventBridgePutEventsPolicy", EventBusName="default")]


def _bus_rule(source: str, code: str = PUT_EVENTS_CODE) -> Resources:
    return {"Fn": fn(PUT_ON_DEFAULT, {"E": eventbridge_event({"source": [source]})}, runtime="nodejs20.x",
                     code=code)}


def test_put_events_onto_the_bus_whose_rule_triggers_it(findings_of):
    assert rules(findings_of, _bus_rule("app.orders")) == ["EL107"]


def test_put_events_with_a_distinct_source_is_guarded(findings_of):
    assert rules(findings_of, _bus_rule("app.uploads")) == ["IL105"]


def test_put_events_permission_only_cannot_emit_aws_sources(findings_of):
    resources = {"Fn": fn(PUT_ON_DEFAULT, {"E": eventbridge_event({"source": ["aws.ec2"]})})}
    assert rules(findings_of, resources) == ["IL105"]


def test_events_rule_resource_with_custom_bus(findings_of):
    resources = {"Bus": bus("orders"), "Fn": fn([put_events("Bus")]),
                 "Rule": rule({"source": [{"prefix": "app."}]}, ["Fn"], bus_id="Bus")}
    assert cycles(findings_of, resources) == [("Bus", "Fn", "Bus")]
    assert rules(findings_of, resources) == ["WL102"]


# -- Step Functions, Lambda invoke, destinations, redrive ----------------------------------------


START = [policy_template("StepFunctionsExecutionPolicy", StateMachineName=get_att("Machine", "Name"))]


def test_step_functions_loop(findings_of):
    machine = state_machine({"StartAt": "Work", "States": {
        "Work": task_state("arn:aws:states:::lambda:invoke", {"FunctionName": get_att("Fn")})}})
    found = without_alarm_advice(findings_of, {"Machine": machine, "Fn": fn(START)})
    # Fn's code is not there: its StartExecution grant names the machine, but which workflow
    # it starts, on which event, is only in its code (fixtures/step-functions-loop has code).
    assert [f.rule for f in found] == ["WL110"]
    assert found[0].cycle[0] == found[0].cycle[-1]
    assert "states:StartExecution grant" in " ".join(found[0].notes)


def test_step_functions_definition_string_sub(findings_of):
    definition = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${Fn.Arn}", "End": true}}}'
    machine = resource("AWS::StepFunctions::StateMachine", RoleArn="arn:aws:iam::1:role/x",
                       DefinitionString=sub(definition))
    assert rules(findings_of, {"Machine": machine, "Fn": fn(START)}) == ["WL110"]  # no code shows the start


def test_lambda_self_invoke(findings_of):
    worker = fn([policy_template("LambdaInvokePolicy", FunctionName="worker")], FunctionName="worker")
    found = without_alarm_advice(findings_of, {"Fn": worker})
    assert [f.rule for f in found] == ["WL110"]  # an invoke grant with no code read: a doubt
    assert found[0].cycle == ["Fn", "Fn"]


def test_lambda_invoke_of_another_function_is_clean(findings_of):
    resources = {"Fn": fn([policy_template("LambdaInvokePolicy", FunctionName=ref("Other"))]), "Other": fn([])}
    assert rules(findings_of, resources) == []


def test_on_failure_destination_feeds_its_own_queue(findings_of):
    on_failure = {"DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": get_att("Jobs")}}}
    resources = {"Jobs": queue(), "Fn": fn([], SQS_EVENT, EventInvokeConfig=on_failure)}
    assert rules(findings_of, resources) == ["EL101"]


def test_dead_letter_queue_consumed_by_the_function_itself(findings_of):
    dead_letters = {"Type": "SQS", "TargetArn": get_att("Jobs")}
    resources = {"Jobs": queue(), "Fn": fn([], SQS_EVENT, DeadLetterQueue=dead_letters)}
    assert rules(findings_of, resources) == ["EL101"]


def test_redrive_to_a_dead_letter_queue_that_feeds_the_source(findings_of):
    resources = {
        "Jobs": queue(RedrivePolicy={"deadLetterTargetArn": get_att("Dead"), "maxReceiveCount": 3}),
        "Dead": queue(),
        "Retry": fn([sqs_send("Jobs")], {"D": sqs_event("Dead")}),
    }
    assert cycles(findings_of, resources) == [("Jobs", "Dead", "Retry", "Jobs")]


# -- the DynamoDB dedupe design --------------------------------------------------------------------


def _dedupe(filter_insert: bool, ttl: bool = True, f2_writes_table: bool = False) -> Resources:
    """Record writes each uploaded key into Table; Process, triggered by Table's stream, writes Bucket."""
    filters = [{"eventName": ["INSERT"]}] if filter_insert else None
    process_policies = [s3_crud("Bucket")] + ([dynamodb_write("Table")] if f2_writes_table else [])
    return {
        "Bucket": bucket(),
        "Table": table(ttl="expires" if ttl else None),
        "Record": fn([dynamodb_write("Table")], {"U": s3_event("Bucket")}),
        "Process": fn(process_policies, {"S": dynamodb_event("Table", filters=filters)}),
    }


def test_dedupe_with_insert_only_mapping_holds(findings_of):
    found = without_alarm_advice(findings_of, _dedupe(filter_insert=True))
    assert sorted(f.rule for f in found) == ["IL105", "IL105"]
    assert any("dedupe through Table" in note for f in found for note in f.notes)


def test_dedupe_accepting_modify_is_only_possible(findings_of):
    found = without_alarm_advice(findings_of, _dedupe(filter_insert=False))
    assert [f.rule for f in found] == ["WL102"]
    assert "timestamp" in found[0].message


def test_dedupe_without_ttl_warns(findings_of):
    assert "WL108" in rules(findings_of, _dedupe(filter_insert=True, ttl=False))


def test_dedupe_where_the_consumer_writes_the_table(findings_of):
    """Process's own puts of new keys are INSERT records its mapping accepts."""
    found = without_alarm_advice(findings_of, _dedupe(filter_insert=True, f2_writes_table=True))
    assert [f.cycle for f in found if f.rule == "WL102"] == [["Table", "Process", "Table"]]
    assert "EL107" in rules(findings_of, _dedupe(filter_insert=False, f2_writes_table=True))


RECORD_CODE = """\
    import os, time
    import boto3
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    def handler(event, context):
        for record in event["Records"]:
            key = record["s3"]["object"]["key"]
            table.put_item(ITEM)
"""


def _dedupe_with_code(item: str, f2_writes_table: bool = False) -> Resources:
    """_dedupe with Record's code: `item` is what its put_item passes."""
    resources = _dedupe(filter_insert=False, f2_writes_table=f2_writes_table)
    resources["Record"] = fn([dynamodb_write("Table")], {"U": s3_event("Bucket")},
                             code=RECORD_CODE.replace("ITEM", item),
                             Environment=environment(TABLE=ref("Table")))
    return resources


def test_dedupe_holds_when_the_code_puts_the_same_item(findings_of):
    found = without_alarm_advice(findings_of, _dedupe_with_code('Item={"pk": key, "kind": "upload"}'))
    assert sorted(f.rule for f in found) == ["IL105", "IL105"]
    assert any("puts the same item for the same key" in note for note in found[0].notes)


def test_dedupe_holds_when_the_put_only_creates_items(findings_of):
    item = 'Item={"pk": key, "exp": int(time.time()) + 60}, ConditionExpression="attribute_not_exists(pk)"'
    found = without_alarm_advice(findings_of, _dedupe_with_code(item))
    assert sorted(f.rule for f in found) == ["IL105", "IL105"]
    assert any("only creates items" in note for note in found[0].notes)


def test_dedupe_with_an_item_that_changes_on_every_put_is_a_loop(findings_of):
    found = without_alarm_advice(findings_of, _dedupe_with_code('Item={"pk": key, "at": int(time.time())}'))
    assert [f.rule for f in found] == ["EL107"]
    assert any("changes on every put" in note and "time.time()" in note for note in found[0].notes)


def test_dedupe_with_an_item_the_code_does_not_show_stays_a_warning(findings_of):
    found = without_alarm_advice(findings_of, _dedupe_with_code("Item=make_item(key)"))
    assert [f.rule for f in found] == ["WL102"]


def test_dedupe_with_a_stable_item_but_a_consumer_writing_the_table(findings_of):
    found = without_alarm_advice(findings_of, _dedupe_with_code('Item={"pk": key}', f2_writes_table=True))
    assert sorted((f.rule, tuple(f.cycle)) for f in found) == [
        ("EL107", ("Table", "Process", "Table")),
        ("WL102", ("Bucket", "Record", "Table", "Process", "Bucket")),
    ]
    assert "Process also writes Table" in found[[f.rule for f in found].index("WL102")].message


# -- mitigations --------------------------------------------------------------------------------


def test_alarm_on_concurrency_is_recognised(findings_of):
    from loopcheck.load.loader import Template, parse_text
    from loopcheck.model.resources import build_model

    text = dump(template({"Fn": fn([]), "Alarm": alarm("Fn")}))
    loaded = parse_text("t.yaml", text, True)
    assert isinstance(loaded, Template)
    assert "Fn" in build_model("t.yaml", loaded.data).alarmed


ALARM = {"Alarm": alarm("Fn")}


def test_loop_aws_never_stops_without_alarm_gets_advice(findings_of):
    found = findings_of(template({**TABLE, "Fn": fn(CRUD, DDB_EVENT)}))
    assert sorted(f.rule for f in found) == ["EL107", "IL109"]
    alarmed = findings_of(template({**TABLE, "Fn": fn(CRUD, DDB_EVENT), **ALARM}))
    assert sorted(f.rule for f in alarmed) == ["EL107"]


def test_sqs_loop_needs_no_alarm_advice(findings_of):
    found = findings_of(template({"Jobs": queue(), "Worker": fn(SEND, SQS_EVENT)}))
    assert [f.rule for f in found] == ["EL101"]


def test_cloudwatch_logs_subscription_to_own_log_group_is_a_loop():
    """A SAM CloudWatchLogs event on the function's own log group: an error (every
    invocation logs START/END/REPORT); the same on another function's group: no loop."""
    from loopcheck.pipeline.analysis import analyse

    def template(group: str) -> dict:
        return {"Transform": "AWS::Serverless-2016-10-31", "Resources": {
            "Shipper": {"Type": "AWS::Serverless::Function", "Properties": {
                "Runtime": "python3.12", "Handler": "index.handler", "FunctionName": "shipper",
                "Events": {"Logs": {"Type": "CloudWatchLogs", "Properties": {
                    "LogGroupName": group, "FilterPattern": ""}}}}},
            "Other": {"Type": "AWS::Serverless::Function", "Properties": {
                "Runtime": "python3.12", "Handler": "index.handler", "FunctionName": "other"}}}}

    own = analyse("t.yaml", template("/aws/lambda/shipper")).findings
    assert [f.rule for f in own if f.severity == "error"] == ["EL107"]
    assert own[0].cycle == ["Shipper", "Shipper"]  # SAM's filter has no logical id: a self-loop
    assert analyse("t.yaml", template("/aws/lambda/other")).findings == []
