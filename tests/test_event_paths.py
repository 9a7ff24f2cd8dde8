"""Triggers, effects and filters beyond S3-to-function: one inline template per form, with a
positive (loop) and a negative (guarded or clean) case. Functions without code (permissions
decide) unless a case needs code facts, which come from inline JavaScript."""

from __future__ import annotations

import textwrap

import pytest

HEAD = "Transform: AWS::Serverless-2016-10-31\nResources:\n"


def fn(name: str, body: str, events: str = "", runtime: str = "python3.12", code: str = "") -> str:
    """A SAM function; `body` goes under Properties (policies...), `events` under Events."""
    text = f"  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
    text += f"      Handler: index.handler\n      Runtime: {runtime}\n"
    if code:
        text += "      InlineCode: |\n" + textwrap.indent(textwrap.dedent(code), " " * 8)
    text += textwrap.indent(textwrap.dedent(body), " " * 6)
    if events:
        text += "      Events:\n" + textwrap.indent(textwrap.dedent(events), " " * 8)
    return text


def res(name: str, rtype: str, props: str = "") -> str:
    text = f"  {name}:\n    Type: {rtype}\n"
    if props:
        text += "    Properties:\n" + textwrap.indent(textwrap.dedent(props), " " * 6)
    return text


def rules(findings_of, *parts: str):
    """Rule ids found, without IL109 (alarm advice), which its own tests check."""
    return sorted(f.rule for f in findings_of(HEAD + "".join(parts)) if f.rule != "IL109")


def without_alarm_advice(findings_of, text: str):
    return [f for f in findings_of(text) if f.rule != "IL109"]


def cycles(findings_of, *parts: str):
    return sorted({tuple(f.cycle) for f in findings_of(HEAD + "".join(parts)) if f.cycle})


SQS_EVENT = """\
Q:
  Type: SQS
  Properties:
    Queue: !GetAtt Jobs.Arn
"""


SEND = "Policies:\n  - SQSSendMessagePolicy:\n      QueueName: !GetAtt Jobs.QueueName\n"


# -- SQS ---------------------------------------------------------------------------------------


def test_sqs_self_loop_sam(findings_of):
    found = without_alarm_advice(findings_of, HEAD + res("Jobs", "AWS::SQS::Queue")
                        + fn("Worker", SEND, SQS_EVENT))
    assert [f.rule for f in found] == ["EL101"]
    assert found[0].cycle == ["Jobs", "Worker", "Jobs"]
    assert found[0].resource == "Worker"


def test_sqs_read_only_is_clean(findings_of):
    assert rules(findings_of, res("Jobs", "AWS::SQS::Queue"),
                 fn("Worker", "Policies:\n  - SQSPollerPolicy:\n      QueueName: !GetAtt Jobs.QueueName\n",
                    SQS_EVENT)) == []


def test_sqs_event_source_mapping_and_inline_role(findings_of):
    template = (
        res("Jobs", "AWS::SQS::Queue")
        + res("Role", "AWS::IAM::Role", """\
            AssumeRolePolicyDocument: {}
            Policies:
              - PolicyName: send
                PolicyDocument:
                  Statement:
                    - Effect: Allow
                      Action: sqs:SendMessage
                      Resource: !GetAtt Jobs.Arn
            """)
        + res("Worker", "AWS::Lambda::Function", "Role: !GetAtt Role.Arn\nRuntime: python3.12\nHandler: a.b\n")
        + res("Mapping", "AWS::Lambda::EventSourceMapping",
              "FunctionName: !Ref Worker\nEventSourceArn: !GetAtt Jobs.Arn\n")
    )
    assert rules(findings_of, template) == ["EL101"]


def test_sqs_connector_write_grants_send(findings_of):
    template = (
        res("Jobs", "AWS::SQS::Queue")
        + fn("Worker", "Policies: []\n", SQS_EVENT)
        + res("Conn", "AWS::Serverless::Connector",
              "Source: {Id: Worker}\nDestination: {Id: Jobs}\nPermissions: [Write]\n")
    )
    assert rules(findings_of, template) == ["EL101"]


def test_sqs_connector_read_only_is_clean(findings_of):
    template = (
        res("Jobs", "AWS::SQS::Queue")
        + fn("Worker", "Policies: []\n", SQS_EVENT)
        + res("Conn", "AWS::Serverless::Connector",
              "Source: {Id: Worker}\nDestination: {Id: Jobs}\nPermissions: [Read]\n")
    )
    assert rules(findings_of, template) == []


def test_connectors_property_on_the_function(findings_of):
    body = ("Policies: []\nConnectors:\n  ToJobs:\n    Properties:\n"
            "      Destination: {Id: Jobs}\n      Permissions: [Write]\n")
    assert rules(findings_of, res("Jobs", "AWS::SQS::Queue"), fn("Worker", body, SQS_EVENT)) == ["EL101"]


# -- SNS ---------------------------------------------------------------------------------------

SNS_EVENT = """\
T:
  Type: SNS
  Properties:
    Topic: !Ref Topic
"""
SNS_PUBLISH = "Policies:\n  - SNSPublishMessagePolicy:\n      TopicName: !GetAtt Topic.TopicName\n"


def test_sns_self_loop(findings_of):
    assert rules(findings_of, res("Topic", "AWS::SNS::Topic"), fn("Fn", SNS_PUBLISH, SNS_EVENT)) == ["EL101"]


def test_sns_subscription_resource(findings_of):
    template = (res("Topic", "AWS::SNS::Topic") + fn("Fn", SNS_PUBLISH)
                + res("Sub", "AWS::SNS::Subscription",
                      "TopicArn: !Ref Topic\nProtocol: lambda\nEndpoint: !GetAtt Fn.Arn\n"))
    assert rules(findings_of, template) == ["EL101"]


def test_sns_filter_policy_on_an_attribute_the_code_never_sets(findings_of):
    code = """\
        const { SNSClient, PublishCommand } = require("@aws-sdk/client-sns");
        const sns = new SNSClient({});
        exports.handler = async () => {
          await sns.send(new PublishCommand({TopicArn: process.env.TOPIC, Message: "x",
            MessageAttributes: {kind: {DataType: "String", StringValue: "result"}}}));
        };
    """
    body = SNS_PUBLISH + "Environment:\n  Variables:\n    TOPIC: !Ref Topic\n"
    filtered = SNS_EVENT + "    FilterPolicy:\n      origin: [upload]\n"
    assert rules(findings_of, res("Topic", "AWS::SNS::Topic"),
                 fn("Fn", body, filtered, runtime="nodejs20.x", code=code)) == ["IL105"]
    matching = SNS_EVENT + "    FilterPolicy:\n      kind: [result]\n"
    assert rules(findings_of, res("Topic", "AWS::SNS::Topic"),
                 fn("Fn", body, matching, runtime="nodejs20.x", code=code)) == ["WL102"]


def test_s3_to_sns_to_lambda(findings_of):
    template = (
        res("Bucket", "AWS::S3::Bucket", """\
            NotificationConfiguration:
              TopicConfigurations:
                - Event: s3:ObjectCreated:*
                  Topic: !Ref Topic
            """)
        + res("Topic", "AWS::SNS::Topic")
        + fn("Fn", "Policies:\n  - S3CrudPolicy:\n      BucketName: !Ref Bucket\n", SNS_EVENT)
    )
    assert cycles(findings_of, template) == [("Bucket", "Topic", "Fn", "Bucket")]
    assert rules(findings_of, template) == ["EL101"]


def test_s3_to_sns_with_attribute_filter_is_guarded(findings_of):
    """S3 notifications carry no message attributes: an attribute filter never matches them."""
    template = (
        res("Bucket", "AWS::S3::Bucket", """\
            NotificationConfiguration:
              TopicConfigurations:
                - Event: s3:ObjectCreated:*
                  Topic: !Ref Topic
            """)
        + res("Topic", "AWS::SNS::Topic")
        + fn("Fn", "Policies:\n  - S3CrudPolicy:\n      BucketName: !Ref Bucket\n",
             SNS_EVENT + "    FilterPolicy:\n      kind: [manual]\n")
    )
    assert rules(findings_of, template) == ["IL105"]


def test_sns_to_sqs_to_lambda(findings_of):
    template = (
        res("Topic", "AWS::SNS::Topic") + res("Jobs", "AWS::SQS::Queue")
        + res("Sub", "AWS::SNS::Subscription",
              "TopicArn: !Ref Topic\nProtocol: sqs\nEndpoint: !GetAtt Jobs.Arn\n")
        + fn("Fn", SNS_PUBLISH, SQS_EVENT)
    )
    assert cycles(findings_of, template) == [("Topic", "Jobs", "Fn", "Topic")]


# -- S3 to SQS, S3 to EventBridge ------------------------------------------------------------------


def test_s3_to_sqs_cdk_shape(findings_of):
    template = (
        res("Bucket", "AWS::S3::Bucket")
        + res("Notif", "Custom::S3BucketNotifications", """\
            BucketName: !Ref Bucket
            NotificationConfiguration:
              QueueConfigurations:
                - Events: [s3:ObjectCreated:*]
                  QueueArn: !GetAtt Jobs.Arn
                  Filter: {Key: {FilterRules: [{Name: prefix, Value: in/}]}}
            """)
        + res("Jobs", "AWS::SQS::Queue")
        + fn("Fn", "Policies:\n  - S3CrudPolicy:\n      BucketName: !Ref Bucket\n", SQS_EVENT)
    )
    assert rules(findings_of, template) == ["WL102"]


def _s3_eventbridge(pattern: str, write: str = "!Sub '${Bucket}/*'") -> str:
    return (
        res("Bucket", "AWS::S3::Bucket", "NotificationConfiguration:\n  EventBridgeConfiguration:\n"
            "    EventBridgeEnabled: true\n")
        + fn("Fn", f"Policies:\n  - Statement:\n      - Effect: Allow\n        Action: s3:PutObject\n"
                   f"        Resource: !Sub 'arn:aws:s3:::{write[6:-1]}'\n",
             "E:\n  Type: EventBridgeRule\n  Properties:\n    Pattern:\n"
             + textwrap.indent(textwrap.dedent(pattern), "      "))
    )


def test_s3_to_eventbridge_loop(findings_of):
    template = _s3_eventbridge("source: [aws.s3]\ndetail-type: [Object Created]\n")
    found = without_alarm_advice(findings_of, HEAD + template)
    assert [f.rule for f in found] == ["EL107"]
    assert found[0].cycle == ["Bucket", "default", "Fn", "Bucket"]


@pytest.mark.parametrize("pattern", [
    "source: [aws.s3]\ndetail-type: [Object Deleted]\n",
    "detail:\n  object:\n    key: [{prefix: uploads/}]\n",
    "detail:\n  bucket:\n    name: [some-other-bucket]\n",
])
def test_s3_to_eventbridge_pattern_excludes_the_writes(findings_of, pattern):
    template = _s3_eventbridge(pattern, write="!Sub '${Bucket}/processed/*'")
    assert rules(findings_of, template) == ["IL105"]


OTHER_BUCKET = res("Other", "AWS::S3::Bucket")


@pytest.mark.parametrize("name", ["!Ref Bucket", "!Sub '${Bucket}'", "{Ref: Bucket}"])
def test_s3_to_eventbridge_pattern_naming_the_bucket_by_intrinsic_matches(findings_of, name):
    """`name: [!Ref Bucket]` resolves to the bucket's name: an exact match, not a maybe."""
    template = _s3_eventbridge(f"detail:\n  bucket:\n    name: [{name}]\n") + OTHER_BUCKET
    assert rules(findings_of, template) == ["EL107"]


@pytest.mark.parametrize("pattern", [
    "detail:\n  bucket:\n    name: [!Ref Other]\n",
    "detail:\n  bucket:\n    name: [{prefix: !Sub '${Other}'}]\n",
    "detail:\n  bucket:\n    name: [{anything-but: [!Ref Bucket]}]\n",
])
def test_s3_to_eventbridge_pattern_naming_another_bucket_by_intrinsic_is_guarded(findings_of, pattern):
    assert rules(findings_of, _s3_eventbridge(pattern) + OTHER_BUCKET) == ["IL105"]


def test_s3_to_eventbridge_pattern_with_a_parameter_default(findings_of):
    params = "Parameters:\n  Name: {Type: String, Default: media}\n"
    template = _s3_eventbridge("detail:\n  bucket:\n    name: [!Ref Name]\n").replace(
        "      NotificationConfiguration:", "      BucketName: media\n      NotificationConfiguration:", 1)
    found = findings_of(params + HEAD + template)
    assert [f.rule for f in found if f.rule != "IL109"] == ["EL107"]


def test_intrinsic_with_alternatives_in_a_pattern_stays_a_maybe(findings_of):
    cond = "Conditions:\n  Prod: !Equals [!Ref 'AWS::Region', eu-west-1]\n"
    pattern = "detail:\n  bucket:\n    name: [!If [Prod, !Ref Bucket, !Ref Other]]\n"
    found = findings_of(cond + HEAD + _s3_eventbridge(pattern) + OTHER_BUCKET)
    assert [f.rule for f in found if f.rule != "IL109"] == ["WL102"]


# -- DynamoDB streams and Kinesis -----------------------------------------------------------------

DDB_EVENT = """\
S:
  Type: DynamoDB
  Properties:
    Stream: !GetAtt Table.StreamArn
    StartingPosition: LATEST
"""
CRUD = "Policies:\n  - DynamoDBCrudPolicy: {TableName: !Ref Table}\n"
TABLE = res("Table", "AWS::DynamoDB::Table", "StreamSpecification: {StreamViewType: NEW_IMAGE}\n")


def test_dynamodb_stream_self_update_is_never_stopped(findings_of):
    found = without_alarm_advice(findings_of, HEAD + TABLE + fn("Fn", CRUD, DDB_EVENT))
    assert [f.rule for f in found] == ["EL107"]
    assert "nothing at runtime will stop it" in found[0].message


def test_dynamodb_filter_on_remove_with_put_only_is_guarded(findings_of):
    events = DDB_EVENT + ("    FilterCriteria:\n      Filters:\n"
                          "        - Pattern: '{\"eventName\": [\"REMOVE\"]}'\n")
    put_only = ("Policies:\n  - Statement:\n      - Effect: Allow\n        Action: [dynamodb:PutItem, "
                "dynamodb:UpdateItem]\n        Resource: !GetAtt Table.Arn\n")
    assert rules(findings_of, TABLE, fn("Fn", put_only, events)) == ["IL105"]
    # BatchWriteItem (in DynamoDBWritePolicy) can delete: REMOVE records are possible
    assert rules(findings_of, TABLE, fn("Fn", "Policies:\n  - DynamoDBWritePolicy: {TableName: !Ref Table}\n",
                                        events)) == ["WL102"]


def test_dynamodb_event_source_mapping_raw(findings_of):
    template = (TABLE + fn("Fn", "Policies:\n  - DynamoDBWritePolicy: {TableName: !Ref Table}\n")
                + res("Map", "AWS::Lambda::EventSourceMapping",
                      "FunctionName: !Ref Fn\nEventSourceArn: !GetAtt Table.StreamArn\n"))
    assert rules(findings_of, template) == ["EL107"]


def test_kinesis_re_put(findings_of):
    template = (res("Stream", "AWS::Kinesis::Stream", "ShardCount: 1\n")
                + fn("Fn", "Policies:\n  - KinesisCrudPolicy: {StreamName: !Ref Stream}\n",
                     "K:\n  Type: Kinesis\n  Properties:\n    Stream: !GetAtt Stream.Arn\n"))
    assert rules(findings_of, template) == ["EL107"]


# -- EventBridge PutEvents ----------------------------------------------------------------------

PUT_EVENTS_CODE = """\
    const { EventBridgeClient, PutEventsCommand } = require("@aws-sdk/client-eventbridge");
    const eb = new EventBridgeClient({});
    exports.handler = async () => {
      await eb.send(new PutEventsCommand({Entries: [{Source: "app.orders", DetailType: "OrderPlaced",
        Detail: "{}"}]}));
    };
"""


def _bus_rule(source: str, code: str = PUT_EVENTS_CODE) -> str:
    return fn("Fn", "Policies:\n  - EventBridgePutEventsPolicy: {EventBusName: default}\n",
              f"E:\n  Type: EventBridgeRule\n  Properties:\n    Pattern:\n      source: [{source}]\n",
              runtime="nodejs20.x", code=code)


def test_put_events_onto_the_bus_whose_rule_triggers_it(findings_of):
    assert rules(findings_of, _bus_rule("app.orders")) == ["EL107"]


def test_put_events_with_a_distinct_source_is_guarded(findings_of):
    assert rules(findings_of, _bus_rule("app.uploads")) == ["IL105"]


def test_put_events_permission_only_cannot_emit_aws_sources(findings_of):
    template = fn("Fn", "Policies:\n  - EventBridgePutEventsPolicy: {EventBusName: default}\n",
                  "E:\n  Type: EventBridgeRule\n  Properties:\n    Pattern:\n      source: [aws.ec2]\n")
    assert rules(findings_of, template) == ["IL105"]


def test_events_rule_resource_with_custom_bus(findings_of):
    template = (
        res("Bus", "AWS::Events::EventBus", "Name: orders\n")
        + fn("Fn", "Policies:\n  - EventBridgePutEventsPolicy: {EventBusName: !Ref Bus}\n")
        + res("Rule", "AWS::Events::Rule", """\
            EventBusName: !Ref Bus
            EventPattern: {source: [{prefix: app.}]}
            Targets: [{Id: fn, Arn: !GetAtt Fn.Arn}]
            """)
    )
    assert cycles(findings_of, template) == [("Bus", "Fn", "Bus")]
    assert rules(findings_of, template) == ["WL102"]


# -- Step Functions, Lambda invoke, destinations, redrive ----------------------------------------


START = "Policies:\n  - StepFunctionsExecutionPolicy:\n      StateMachineName: !GetAtt Machine.Name\n"


def test_step_functions_loop(findings_of):
    template = (
        res("Machine", "AWS::Serverless::StateMachine", """\
            Definition:
              StartAt: Work
              States:
                Work:
                  Type: Task
                  Resource: arn:aws:states:::lambda:invoke
                  Parameters:
                    FunctionName: !GetAtt Fn.Arn
                  End: true
            """)
        + fn("Fn", START)
    )
    found = without_alarm_advice(findings_of, HEAD + template)
    # Fn's code is not there: its StartExecution grant names the machine, but which workflow
    # it starts, on which event, is only in its code (fixtures/step-functions-loop has code).
    assert [f.rule for f in found] == ["WL110"]
    assert found[0].cycle[0] == found[0].cycle[-1]
    assert "states:StartExecution grant" in " ".join(found[0].notes)


def test_step_functions_definition_string_sub(findings_of):
    template = (
        res("Machine", "AWS::StepFunctions::StateMachine", """\
            RoleArn: arn:aws:iam::1:role/x
            DefinitionString: !Sub '{"StartAt": "A", "States": {"A": {"Type": "Task",
              "Resource": "${Fn.Arn}", "End": true}}}'
            """)
        + fn("Fn", START)
    )
    assert rules(findings_of, template) == ["WL110"]  # the loop is found; no code shows the start


def test_lambda_self_invoke(findings_of):
    template = fn("Fn", "FunctionName: worker\nPolicies:\n  - LambdaInvokePolicy: {FunctionName: worker}\n")
    found = without_alarm_advice(findings_of, HEAD + template)
    assert [f.rule for f in found] == ["WL110"]  # an invoke grant with no code read: a doubt
    assert found[0].cycle == ["Fn", "Fn"]


def test_lambda_invoke_of_another_function_is_clean(findings_of):
    template = (fn("Fn", "Policies:\n  - LambdaInvokePolicy: {FunctionName: !Ref Other}\n")
                + fn("Other", "Policies: []\n"))
    assert rules(findings_of, template) == []


def test_on_failure_destination_feeds_its_own_queue(findings_of):
    body = ("Policies: []\nEventInvokeConfig:\n  DestinationConfig:\n    OnFailure:\n      Type: SQS\n"
            "      Destination: !GetAtt Jobs.Arn\n")
    assert rules(findings_of, res("Jobs", "AWS::SQS::Queue"), fn("Fn", body, SQS_EVENT)) == ["EL101"]


def test_dead_letter_queue_consumed_by_the_function_itself(findings_of):
    body = "Policies: []\nDeadLetterQueue:\n  Type: SQS\n  TargetArn: !GetAtt Jobs.Arn\n"
    assert rules(findings_of, res("Jobs", "AWS::SQS::Queue"), fn("Fn", body, SQS_EVENT)) == ["EL101"]


def test_redrive_to_a_dead_letter_queue_that_feeds_the_source(findings_of):
    template = (
        res("Jobs", "AWS::SQS::Queue",
            "RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 3}\n")
        + res("Dead", "AWS::SQS::Queue")
        + fn("Retry", "Policies:\n  - SQSSendMessagePolicy: {QueueName: !GetAtt Jobs.QueueName}\n",
             "D:\n  Type: SQS\n  Properties:\n    Queue: !GetAtt Dead.Arn\n")
    )
    assert cycles(findings_of, template) == [("Jobs", "Dead", "Retry", "Jobs")]


# -- the DynamoDB dedupe design --------------------------------------------------------------------


def _dedupe(filter_insert: bool, ttl: bool = True, f2_writes_table: bool = False) -> str:
    table_props = "StreamSpecification: {StreamViewType: NEW_IMAGE}\n"
    if ttl:
        table_props += "TimeToLiveSpecification: {AttributeName: expires, Enabled: true}\n"
    events = DDB_EVENT
    if filter_insert:
        events += "    FilterCriteria:\n      Filters:\n        - Pattern: '{\"eventName\": [\"INSERT\"]}'\n"
    f2_policies = "Policies:\n  - S3CrudPolicy: {BucketName: !Ref Bucket}\n"
    if f2_writes_table:
        f2_policies += "  - DynamoDBWritePolicy: {TableName: !Ref Table}\n"
    return (
        res("Bucket", "AWS::S3::Bucket")
        + res("Table", "AWS::DynamoDB::Table", table_props)
        + fn("Record", "Policies:\n  - DynamoDBWritePolicy: {TableName: !Ref Table}\n",
             "U:\n  Type: S3\n  Properties:\n    Bucket: !Ref Bucket\n    Events: s3:ObjectCreated:*\n")
        + fn("Process", f2_policies, events)
    )


def test_dedupe_with_insert_only_mapping_holds(findings_of):
    found = without_alarm_advice(findings_of, HEAD + _dedupe(filter_insert=True))
    assert sorted(f.rule for f in found) == ["IL105", "IL105"]
    assert any("dedupe through Table" in note for f in found for note in f.notes)


def test_dedupe_accepting_modify_is_only_possible(findings_of):
    found = without_alarm_advice(findings_of, HEAD + _dedupe(filter_insert=False))
    assert [f.rule for f in found] == ["WL102"]
    assert "timestamp" in found[0].message


def test_dedupe_without_ttl_warns(findings_of):
    assert "WL108" in rules(findings_of, _dedupe(filter_insert=True, ttl=False))


def test_dedupe_where_the_consumer_writes_the_table(findings_of):
    """Process's own puts of new keys are INSERT records its mapping accepts."""
    found = without_alarm_advice(findings_of, HEAD + _dedupe(filter_insert=True, f2_writes_table=True))
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


def _dedupe_with_code(item: str, f2_writes_table: bool = False) -> str:
    """_dedupe with RecordFn's code: `item` is what its put_item passes."""
    text = _dedupe(filter_insert=False, f2_writes_table=f2_writes_table)
    source = textwrap.dedent(RECORD_CODE).replace("ITEM", item)
    code = "      InlineCode: |\n" + textwrap.indent(source, " " * 8)
    env = "      Environment:\n        Variables:\n          TABLE: !Ref Table\n"
    head = "  Record:\n    Type: AWS::Serverless::Function\n    Properties:\n"
    start = text.index(head) + len(head)
    return text[:start] + "      Handler: index.handler\n      Runtime: python3.12\n" + code + env + text[
        text.index("      Policies:", start):]


def test_dedupe_holds_when_the_code_puts_the_same_item(findings_of):
    found = without_alarm_advice(findings_of, HEAD + _dedupe_with_code('Item={"pk": key, "kind": "upload"}'))
    assert sorted(f.rule for f in found) == ["IL105", "IL105"]
    assert any("puts the same item for the same key" in note for note in found[0].notes)


def test_dedupe_holds_when_the_put_only_creates_items(findings_of):
    item = 'Item={"pk": key, "exp": int(time.time()) + 60}, ConditionExpression="attribute_not_exists(pk)"'
    found = without_alarm_advice(findings_of, HEAD + _dedupe_with_code(item))
    assert sorted(f.rule for f in found) == ["IL105", "IL105"]
    assert any("only creates items" in note for note in found[0].notes)


def test_dedupe_with_an_item_that_changes_on_every_put_is_a_loop(findings_of):
    template = _dedupe_with_code('Item={"pk": key, "at": int(time.time())}')
    found = without_alarm_advice(findings_of, HEAD + template)
    assert [f.rule for f in found] == ["EL107"]
    assert any("changes on every put" in note and "time.time()" in note for note in found[0].notes)


def test_dedupe_with_an_item_the_code_does_not_show_stays_a_warning(findings_of):
    found = without_alarm_advice(findings_of, HEAD + _dedupe_with_code("Item=make_item(key)"))
    assert [f.rule for f in found] == ["WL102"]


def test_dedupe_with_a_stable_item_but_a_consumer_writing_the_table(findings_of):
    template = _dedupe_with_code('Item={"pk": key}', f2_writes_table=True)
    found = without_alarm_advice(findings_of, HEAD + template)
    assert sorted((f.rule, tuple(f.cycle)) for f in found) == [
        ("EL107", ("Table", "Process", "Table")),
        ("WL102", ("Bucket", "Record", "Table", "Process", "Bucket")),
    ]
    assert "Process also writes Table" in found[[f.rule for f in found].index("WL102")].message


# -- mitigations --------------------------------------------------------------------------------


def test_alarm_on_concurrency_is_recognised(findings_of):
    from loopcheck.load.loader import Template, parse_text
    from loopcheck.model.resources import build_model

    text = HEAD + fn("Fn", "Policies: []\n") + res("Alarm", "AWS::CloudWatch::Alarm", """\
        Namespace: AWS/Lambda
        MetricName: ConcurrentExecutions
        Dimensions: [{Name: FunctionName, Value: !Ref Fn}]
        """)
    loaded = parse_text("t.yaml", text, True)
    assert isinstance(loaded, Template)
    assert "Fn" in build_model("t.yaml", loaded.data).alarmed


ALARM = res("Alarm", "AWS::CloudWatch::Alarm", """\
    Namespace: AWS/Lambda
    MetricName: ConcurrentExecutions
    Dimensions: [{Name: FunctionName, Value: !Ref Fn}]
    """)


def test_loop_aws_never_stops_without_alarm_gets_advice(findings_of):
    found = findings_of(HEAD + TABLE + fn("Fn", CRUD, DDB_EVENT))
    assert sorted(f.rule for f in found) == ["EL107", "IL109"]
    assert sorted(f.rule for f in findings_of(HEAD + TABLE + fn("Fn", CRUD, DDB_EVENT) + ALARM)) == ["EL107"]


def test_sqs_loop_needs_no_alarm_advice(findings_of):
    body = "Policies:\n  - SQSSendMessagePolicy: {QueueName: !GetAtt Jobs.QueueName}\n"
    found = findings_of(HEAD + res("Jobs", "AWS::SQS::Queue") + fn("Worker", body, SQS_EVENT))
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
