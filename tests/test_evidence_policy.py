"""The evidence policy: what may be an error (README, "How loopcheck decides").

Templates are built with tests/builder.py (dicts dumped with yaml.safe_dump); handler code is written next to
them, so each case runs the whole pipeline from the file."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from builder import (
    QUEUE_EVENT,
    S3_EVENT,
    bucket,
    dynamodb_crud,
    dynamodb_event,
    environment,
    function,
    get_att,
    parameter,
    put_statement,
    queue,
    ref,
    rules_of,
    s3_crud,
    s3_event,
    scan,
    sns_event,
    state_machine,
    sub,
    table,
    task_state,
    topic,
)

from loopcheck.judge.breadth import broad_grant_reason, names_bucket
from loopcheck.model.resources import build_model
from loopcheck.resolve.globs import tokens
from loopcheck.resolve.values import Pattern

# -- permission only, code not found ------------------------------------------------------------


@pytest.mark.parametrize("resource", ["*", "arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:aws:s3:::med*"])
def test_a_wildcard_grant_without_code_is_a_warning(tmp_path, resource):
    findings = scan(tmp_path, {"Media": bucket("media"),
                               "Fn": function(put_statement(resource), S3_EVENT)})
    assert rules_of(findings) == ["WL110"]
    finding = findings[0]
    assert finding.severity == "warning"
    assert "only a broad grant" in finding.message
    assert "its code could not be read" in finding.message
    assert any("not found at" in note for note in finding.notes)  # and why
    assert any("only through a wildcard" in note for note in finding.notes)


@pytest.mark.parametrize("resource", [
    "arn:aws:s3:::media/*", sub("${Media.Arn}/*"), sub("arn:aws:s3:::${Media}/out/*"),
])
def test_a_grant_naming_the_trigger_bucket_is_an_error_without_code(tmp_path, resource):
    findings = scan(tmp_path, {"Media": bucket("media"),
                               "Fn": function(put_statement(resource), S3_EVENT)})
    assert rules_of(findings) == ["EL101"]


def test_a_managed_policy_is_broad(tmp_path):
    findings = scan(tmp_path, {"Media": bucket(),
                               "Fn": function(["AmazonS3FullAccess"], S3_EVENT)})
    assert rules_of(findings) == ["WL110"]


def test_a_service_wide_queue_grant_is_broad_and_a_named_one_is_not(tmp_path):
    jobs = queue(QueueName="jobs")
    broad = scan(tmp_path, {"Jobs": jobs, "Fn": function(put_statement("*", "sqs:*"), QUEUE_EVENT)})
    assert rules_of(broad) == ["WL110"]
    named = scan(tmp_path, {"Jobs": jobs,
                            "Fn": function(put_statement("arn:aws:sqs:*:*:jobs", "sqs:SendMessage"),
                                           QUEUE_EVENT)})
    assert rules_of(named) == ["EL101"]
    other = scan(tmp_path, {"Jobs": jobs,
                            "Fn": function(put_statement("arn:aws:sqs:*:*:jobs-dead", "sqs:SendMessage"),
                                           QUEUE_EVENT)})
    assert rules_of(other) == []


def test_an_invoke_grant_naming_the_function_is_a_warning_without_code(tmp_path):
    invoke = put_statement(get_att("Fn"), "lambda:InvokeFunction")
    findings = scan(tmp_path, {"Media": bucket(),
                               "Fn": function(invoke, S3_EVENT)})
    assert rules_of(findings) == ["WL110"]
    assert "lambda:InvokeFunction grant" in " ".join(findings[0].notes)


def test_an_invoke_grant_with_code_that_invokes_itself_is_an_error(tmp_path):
    invoke = put_statement(get_att("Fn"), "lambda:InvokeFunction")
    code = {"src/app.py": """\
        import json, os, boto3
        client = boto3.client("lambda")
        def handler(event, context):
            client.invoke(FunctionName=context.function_name, InvocationType="Event",
                          Payload=json.dumps(event))
        """}
    findings = scan(tmp_path, {"Media": bucket(), "Fn": function(invoke, S3_EVENT)}, code)
    assert rules_of(findings) == ["EL101"]


SELF_INVOKE = {"src/app.py": """\
    import json, boto3
    client = boto3.client("lambda")
    def handler(event, context):
        client.invoke(FunctionName=context.function_name, InvocationType="Event",
                      Payload=json.dumps(event))
    """}


def _invoke_on(name: str):
    return put_statement(sub(f"arn:aws:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{name}"),
                         "lambda:InvokeFunction")


@pytest.mark.parametrize("name", ["*Resize*", "${AWS::StackName}-*", "*-ResizeFn-*"])
def test_code_invoking_a_function_without_a_name_through_its_generated_name_is_a_warning(tmp_path, name):
    # CloudFormation names it `<stack>-ResizeFn-<suffix>`: the grant matches that only through a wildcard.
    resources = {"Media": bucket(), "ResizeFn": function(_invoke_on(name), S3_EVENT)}
    findings = scan(tmp_path, resources, SELF_INVOKE)
    assert rules_of(findings) == ["WL110"]
    assert "generated name only through a wildcard" in findings[0].message
    assert any("${AWS::StackName}-ResizeFn-<suffix>" in note for note in findings[0].notes)
    assert "!GetAtt ResizeFn.Arn" in findings[0].fix  # the fix fits this case, not "read the handler"


@pytest.mark.parametrize("name", ["*", "*-*", "*Thumbnail*", "Resize*"])
def test_a_grant_not_naming_a_fragment_of_the_generated_name_allows_no_invoke(tmp_path, name):
    # `function:*` names no function (a grant on every function is not taken to allow any
    # invoke, even one the code shows); `Resize*` would need the stack's name to start so.
    resources = {"Media": bucket(), "ResizeFn": function(_invoke_on(name), S3_EVENT)}
    findings = scan(tmp_path, resources, SELF_INVOKE)
    assert rules_of(findings) == []


def test_a_grant_matching_a_generated_name_reaches_nothing_without_code(tmp_path):
    findings = scan(tmp_path, {"Media": bucket(), "ResizeFn": function(_invoke_on("*Resize*"), S3_EVENT)})
    assert rules_of(findings) == []


def test_a_function_with_a_name_is_matched_by_it_not_by_a_generated_one(tmp_path):
    named = scan(tmp_path, {"Media": bucket(), "ResizeFn": function(_invoke_on("resize-*"), S3_EVENT,
                                                                     FunctionName="resize-worker")},
                 SELF_INVOKE)
    assert rules_of(named) == ["EL101"]
    other = scan(tmp_path, {"Media": bucket(), "ResizeFn": function(_invoke_on("*Resize*"), S3_EVENT,
                                                                     FunctionName="resize-worker")},
                 SELF_INVOKE)
    assert rules_of(other) == []


START_FLOW = {"src/app.py": """\
    import json, os, boto3
    sfn = boto3.client("stepfunctions")
    def handler(event, context):
        sfn.start_execution(stateMachineArn=os.environ["FLOW"], input=json.dumps(event))
    """}


@pytest.mark.parametrize("name, rules", [("*Flow*", ["WL110"]), ("Flow-*", ["WL110"]),
                                         ("${AWS::StackName}-*", []), ("*", [])])
def test_code_starting_a_state_machine_without_a_name_through_its_generated_name(tmp_path, name, rules):
    # CloudFormation names a state machine `Flow-<suffix>`, without the stack's name.
    flow = state_machine({"StartAt": "Run", "States": {
        "Run": task_state("arn:aws:states:::lambda:invoke", {"FunctionName": get_att("Fn")})}})
    start = put_statement(sub(f"arn:aws:states:${{AWS::Region}}:${{AWS::AccountId}}:stateMachine:{name}"),
                          "states:StartExecution")
    fn = function(start, Environment=environment(FLOW=ref("Flow")))
    findings = scan(tmp_path, {"Flow": flow, "Fn": fn}, START_FLOW)
    assert [f.rule for f in findings if f.rule.startswith(("E", "W"))] == rules
    if rules:
        assert any("Flow-<suffix>" in note for note in findings[0].notes)


# -- code that does not name its target ---------------------------------------------------------


CRUD_MEDIA = [s3_crud("Media")]

UNRESOLVED_PUT = {"src/app.py": """\
    import boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        s3.put_object(Bucket=lookup_bucket(), Key="out.json", Body=b"{}")
    """}


def test_code_writing_an_unresolved_bucket_through_a_wildcard_is_a_warning(tmp_path):
    findings = scan(tmp_path, {"Media": bucket(),
                               "Fn": function(put_statement("arn:aws:s3:::*/*"), S3_EVENT)}, UNRESOLVED_PUT)
    assert rules_of(findings) == ["WL110"]
    assert "does not name what it writes" in findings[0].message


def test_code_writing_an_unresolved_bucket_with_a_named_grant_is_an_error(tmp_path):
    findings = scan(tmp_path, {"Media": bucket(),
                               "Fn": function(CRUD_MEDIA, S3_EVENT)},
                    UNRESOLVED_PUT)
    assert rules_of(findings) == ["EL101"]


def test_code_writing_the_incoming_bucket_is_an_error_whatever_the_grant(tmp_path):
    code = {"src/app.py": """\
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            for record in event["Records"]:
                bucket = record["s3"]["bucket"]["name"]
                s3.put_object(Bucket=bucket, Key="copy-" + record["s3"]["object"]["key"], Body=b"")
        """}
    findings = scan(tmp_path, {"Media": bucket(),
                               "Fn": function(put_statement("*"), S3_EVENT)}, code)
    assert rules_of(findings) == ["EL101"]


# -- the event's own topic or queue ------------------------------------------------------------


def test_publishing_to_the_topic_the_event_came_from_closes_the_loop(tmp_path):
    code = {"src/app.py": """\
        import boto3
        sns = boto3.client("sns")
        def handler(event, context):
            topic = event["Records"][0]["Sns"]["TopicArn"]
            sns.publish(TopicArn=topic, Message="again")
        """}
    events = {"Note": sns_event("Notes")}
    findings = scan(tmp_path, {"Notes": topic(),
                               "Fn": function(put_statement("*", "sns:Publish"), events)}, code)
    assert rules_of(findings) == ["EL101"]
    assert any("the topic the event came from" in note for note in findings[0].notes)


# -- computed bucket names ----------------------------------------------------------------------


PARAMS = {"PhotosName": parameter("photos")}


def derived_template(second_name: Any) -> Dict[str, Any]:
    resources = {
        "Media": bucket(ref("PhotosName")),
        "Fn": function(["AWSLambdaExecute"], S3_EVENT),
    }
    if second_name is not None:
        resources["Second"] = bucket(second_name)
    return resources


@pytest.mark.parametrize("expression", ['bucket + "-resized"', 'f"{bucket}-resized"', '"%s-resized" % bucket'])
def test_a_name_computed_from_the_incoming_bucket_is_another_bucket(tmp_path, expression):
    code = {"src/app.py": f"""\
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            bucket = event["Records"][0]["s3"]["bucket"]["name"]
            s3.put_object(Bucket={expression}, Key="x.png", Body=b"")
        """}
    # Outside the template: nothing comes back.
    assert "EL101" not in rules_of(scan(tmp_path, derived_template(None), code, PARAMS))
    # The template's own bucket of that name: a write there, still not the trigger.
    findings = scan(tmp_path, derived_template(sub("${PhotosName}-resized")), code, PARAMS)
    assert "EL101" not in rules_of(findings)


def test_a_derived_name_that_loops_back_through_a_second_function_is_found(tmp_path):
    """Media -> Fn writes '<Media>-out' (= Second); Second -> Back writes Media by name."""
    code = {
        "src/app.py": """\
            import boto3
            s3 = boto3.client("s3")
            def handler(event, context):
                bucket = event["Records"][0]["s3"]["bucket"]["name"]
                s3.put_object(Bucket=bucket + "-out", Key="a", Body=b"")
            """,
        "back/app.py": """\
            import os, boto3
            s3 = boto3.client("s3")
            def handler(event, context):
                s3.put_object(Bucket=os.environ["TARGET"], Key="b", Body=b"")
            """,
    }
    resources = derived_template(sub("${PhotosName}-out"))
    second_event = {"Up": s3_event("Second")}
    resources["Back"] = function(["AWSLambdaExecute"], second_event, code_uri="back/",
                                 Environment=environment(TARGET=ref("PhotosName")))
    findings = [f for f in scan(tmp_path, resources, code, PARAMS) if f.rule == "EL101"]
    assert len(findings) == 1  # (each function's unused grant on its own trigger is IL106)
    assert findings[0].cycle in (["Media", "Fn", "Second", "Back", "Media"],
                                 ["Second", "Back", "Media", "Fn", "Second"])


# -- delete-only chains -------------------------------------------------------------------------


def test_a_removal_triggered_function_that_only_deletes_is_a_cascade(tmp_path):
    code = {"src/app.py": """\
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            bucket = event["Records"][0]["s3"]["bucket"]["name"]
            s3.delete_object(Bucket=bucket, Key="index/" + event["Records"][0]["s3"]["object"]["key"])
        """}
    events = {"Gone": s3_event("Media", "s3:ObjectRemoved:*")}
    findings = scan(tmp_path, {"Media": bucket(), "Fn": function(CRUD_MEDIA, events)}, code)
    assert rules_of(findings) == ["WL111"]
    assert "ends when the data is gone" in findings[0].message


def test_a_function_that_deletes_and_writes_is_still_a_loop(tmp_path):
    code = {"src/app.py": """\
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            bucket = event["Records"][0]["s3"]["bucket"]["name"]
            key = event["Records"][0]["s3"]["object"]["key"]
            s3.delete_object(Bucket=bucket, Key=key)
            s3.put_object(Bucket=bucket, Key="moved/" + key, Body=b"")
        """}
    events = {"Any": s3_event("Media", ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"])}
    findings = scan(tmp_path, {"Media": bucket(), "Fn": function(CRUD_MEDIA, events)}, code)
    assert rules_of(findings) == ["EL101"]


def test_a_stream_function_that_only_deletes_items_is_a_cascade(tmp_path):
    code = {"src/app.py": """\
        import os, boto3
        table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
        def handler(event, context):
            for record in event["Records"]:
                if record["eventName"] == "REMOVE":
                    table.delete_item(Key={"pk": record["dynamodb"]["Keys"]["pk"]["S"] + "#child"})
        """}
    resources = {
        "Items": table(stream="KEYS_ONLY"),
        "Fn": function([dynamodb_crud("Items")], {"Changes": dynamodb_event("Items")},
                       Environment=environment(TABLE=ref("Items"))),
    }
    assert rules_of(scan(tmp_path, resources, code)) == ["IL109", "WL111"]


# -- the breadth check itself -------------------------------------------------------------------


def toks(text: str):
    return tokens(Pattern((text,)), wildcards=True)


def test_names_bucket_needs_the_whole_name_before_any_wildcard():
    media = [tokens(Pattern(("arn:aws:s3:::media",)), wildcards=False)]
    assert names_bucket(toks("arn:aws:s3:::media"), media)
    assert names_bucket(toks("arn:aws:s3:::media/*"), media)
    assert not names_bucket(toks("arn:aws:s3:::media-archive/*"), media)
    assert not names_bucket(toks("arn:aws:s3:::med*"), media)
    assert not names_bucket(toks("arn:aws:s3:::*/media/*"), media)
    assert not names_bucket(toks("*"), media)


def test_orchestration_grants_are_broad_only_without_code(tmp_path):
    model = build_model("template.yaml", {"Resources": {}})  # the reason names Flow through it
    reason = broad_grant_reason(model, "states:StartExecution", toks("*"), "*", "Flow")
    assert "is in its code" in reason
