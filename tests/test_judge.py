"""Hop judging, directly: templates from tests/builder.py run through the model and the graph,
then `find_loops`; each test reads the verdicts (the loop's level, each hop's level, why and
evidence), never the judge's private helpers, so the judge can change inside.

Levels, weakest first: NONE (no loop), GUARDED (a guard breaks it), POSSIBLE (cannot be ruled
out), LOOP (shown). A loop is as strong as its weakest hop."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

from builder import (
    S3_EVENT,
    bucket,
    bus,
    dynamodb_crud,
    dynamodb_event,
    environment,
    eventbridge_event,
    function,
    get_att,
    kinesis_crud,
    kinesis_event,
    model_and_graph,
    policy_template,
    put_events,
    put_statement,
    queue,
    ref,
    s3_crud,
    s3_event,
    s3_read,
    s3_write,
    sns_event,
    sns_publish,
    sqs_event,
    sqs_send,
    stream,
    sub,
    subscription,
    table,
    template,
    topic,
)

from loopcheck.judge.loops import Loop, find_loops
from loopcheck.rulebase import GUARDED, LOOP, NONE, POSSIBLE


def loops_of(resources: Dict, tmp_path: Optional[Path] = None, code: Optional[Dict[str, str]] = None
             ) -> List[Loop]:
    """The judged loops of a SAM template of `resources`; with tmp_path, its code is read."""
    _model, graph = model_and_graph(template(resources), tmp_path, code)
    return find_loops(graph)


def only_loop(resources: Dict, tmp_path: Optional[Path] = None, code: Optional[Dict[str, str]] = None) -> Loop:
    loops = loops_of(resources, tmp_path, code)
    assert len(loops) == 1, [loop.cycle for loop in loops]
    return loops[0]


def media_writer(policies, events=None, **extra) -> Dict:
    """Media notifies Fn; Fn holds `policies` (no code folder: permissions decide)."""
    return {"Media": bucket(), "Fn": function(policies, events or S3_EVENT, code_uri=None, **extra)}


# -- permission only --------------------------------------------------------------------------


def test_a_grant_naming_the_trigger_is_a_loop_on_permission_alone():
    loop = only_loop(media_writer([s3_crud("Media")]))
    assert loop.cycle == ["Media", "Fn", "Media"]
    assert loop.level == LOOP
    [hop] = loop.hops
    assert (hop.writer, hop.consumer, hop.level) == ("Fn", "Fn", LOOP)
    assert hop.evidence == "permission" and loop.evidence == "permission"
    assert not hop.broad and not loop.rests_on_broad_grant


def test_a_wildcard_grant_alone_is_possible_and_says_it_is_broad():
    loop = only_loop(media_writer(put_statement("*")))
    assert loop.level == POSSIBLE
    assert loop.rests_on_broad_grant and not loop.rests_on_unknown_permissions
    [hop] = loop.hops
    assert hop.broad and hop.evidence == "permission"


def test_permissions_that_cannot_be_seen_make_the_hop_possible():
    loop = only_loop(media_writer(["SomeCustomerManagedThing"]))
    assert loop.level == POSSIBLE and loop.rests_on_unknown_permissions
    assert "may write Media" in loop.hops[0].why


def test_a_read_only_grant_is_no_loop():
    assert loops_of(media_writer([s3_read("Media")])) == []


def test_a_grant_on_another_bucket_is_no_loop():
    assert loops_of({**media_writer([s3_write("Output")]), "Output": bucket()}) == []


def test_writes_of_an_event_type_the_trigger_does_not_subscribe_to_are_no_loop():
    deletes = put_statement(sub("${Media.Arn}/*"), "s3:DeleteObject")
    assert loops_of(media_writer(deletes)) == []
    removed = only_loop(media_writer(deletes, {"Gone": s3_event("Media", "s3:ObjectRemoved:*")}))
    assert removed.level == LOOP and removed.is_cascade  # deletes on removals end with the data


# -- filtered -----------------------------------------------------------------------------------


def test_a_key_filter_the_writes_never_match_guards_the_hop():
    loop = only_loop(media_writer(put_statement(sub("${Media.Arn}/processed/*")),
                                  {"Up": s3_event("Media", prefix="uploads/")}))
    assert loop.level == GUARDED
    [hop] = loop.hops
    assert hop.level == GUARDED and "prefix 'uploads/'" in hop.why and "never matches" in hop.why


def test_a_key_filter_a_whole_bucket_grant_may_match_is_possible():
    loop = only_loop(media_writer([s3_crud("Media")], {"Up": s3_event("Media", prefix="uploads/")}))
    assert loop.level == POSSIBLE and "overlaps the prefix 'uploads/'" in loop.hops[0].why


def test_an_sns_filter_policy_on_an_attribute_a_permission_cannot_show_stays_possible():
    resources = {"Notes": topic(),
                 "Fn": function([sns_publish("Notes")],
                                {"Note": sns_event("Notes", {"kind": ["order"]})}, code_uri=None)}
    loop = only_loop(resources)
    assert loop.level == POSSIBLE and "nothing shows the filter drops" in loop.hops[0].why


def test_a_stream_filter_that_drops_every_record_the_writer_makes_guards_the_hop():
    inserts_only = policy_template("DynamoDBWritePolicy", TableName=ref("Items"))
    events = {"Changes": dynamodb_event("Items", filters=[{"eventName": ["NOTHING"]}])}
    loop = only_loop({"Items": table(), "Fn": function([inserts_only], events, code_uri=None)})
    assert loop.level == GUARDED and "drops everything" in loop.hops[0].why


# -- code writes --------------------------------------------------------------------------------

WRITES_BACK = """\
    import boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        for record in event["Records"]:
            bucket = record["s3"]["bucket"]["name"]
            s3.put_object(Bucket=bucket, Key="copy-" + record["s3"]["object"]["key"], Body=b"")
    """

READS_ONLY = """\
    import boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        record = event["Records"][0]
        s3.get_object(Bucket=record["s3"]["bucket"]["name"], Key=record["s3"]["object"]["key"])
    """

METADATA_GUARD = """\
    import boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        for record in event["Records"]:
            bucket = record["s3"]["bucket"]["name"]
            key = record["s3"]["object"]["key"]
            head = s3.head_object(Bucket=bucket, Key=key)
            if head["Metadata"].get("done") == "true":
                continue
            s3.put_object(Bucket=bucket, Key=key, Body=b"", Metadata={"done": "true"})
    """


def code_writer(policies) -> Dict:
    return {"Media": bucket(), "Fn": function(policies, S3_EVENT)}


def test_code_that_writes_the_incoming_bucket_is_a_loop_with_both_kinds_of_evidence(tmp_path):
    loop = only_loop(code_writer([s3_crud("Media")]), tmp_path, {"src/app.py": WRITES_BACK})
    assert loop.level == LOOP
    [hop] = loop.hops
    assert hop.evidence == "both" and loop.evidence == "both"


def test_code_makes_a_wildcard_grant_a_loop(tmp_path):
    loop = only_loop(code_writer(put_statement("*")), tmp_path, {"src/app.py": WRITES_BACK})
    assert loop.level == LOOP and not loop.rests_on_broad_grant


def test_a_written_key_outside_the_filter_guards_the_hop(tmp_path):
    resources = {"Media": bucket(),
                 "Fn": function([s3_crud("Media")], {"Up": s3_event("Media", suffix=".jpg")})}
    loop = only_loop(resources, tmp_path, {"src/app.py": WRITES_BACK.replace('"copy-" + ', "").replace(
        'record["s3"]["object"]["key"], Body', 'record["s3"]["object"]["key"] + ".webp", Body')})
    assert loop.level == GUARDED


def test_a_metadata_check_before_the_write_guards_the_hop(tmp_path):
    loop = only_loop(code_writer([s3_crud("Media")]), tmp_path, {"src/app.py": METADATA_GUARD})
    assert loop.level == GUARDED
    assert "metadata guard" in loop.hops[0].why and loop.hops[0].evidence == "both"


def test_a_permission_the_code_never_uses_closes_the_loop_only_as_advice(tmp_path):
    loop = only_loop(code_writer([s3_crud("Media")]), tmp_path, {"src/app.py": READS_ONLY})
    assert loop.level == NONE
    assert loop.closed_only_by_unused_permission
    assert loop.hops[0].unused_permission


# -- through other services ---------------------------------------------------------------------


def test_a_queue_self_loop_is_seen_by_the_runtime():
    loop = only_loop({"Jobs": {"Type": "AWS::SQS::Queue"},
                      "Fn": function([sqs_send("Jobs")], {"Jobs": sqs_event("Jobs")}, code_uri=None)})
    assert loop.cycle == ["Jobs", "Fn", "Jobs"] and loop.level == LOOP
    assert loop.uncovered == []


def test_a_table_stream_loop_is_not_seen_by_the_runtime():
    events = {"Changes": dynamodb_event("Items")}
    loop = only_loop({"Items": table(), "Fn": function([dynamodb_crud("Items")], events, code_uri=None)})
    assert loop.level == LOOP and loop.uncovered == ["Items"]


def test_a_hop_through_a_topic_and_a_queue_is_one_hop_with_its_chain():
    resources = {
        "Notes": topic(), "Inbox": {"Type": "AWS::SQS::Queue"},
        "Sub": {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": ref("Notes"), "Protocol": "sqs", "Endpoint": {"Fn::GetAtt": ["Inbox", "Arn"]}}},
        "Fn": function([sns_publish("Notes")], {"In": sqs_event("Inbox")}, code_uri=None),
    }
    loop = only_loop(resources)
    assert loop.cycle == ["Notes", "Inbox", "Fn", "Notes"]
    [hop] = loop.hops
    assert (hop.writer, hop.consumer, hop.chain) == ("Fn", "Fn", ("Notes", "Inbox"))
    assert hop.level == LOOP


def test_the_weakest_hop_decides_the_loop():
    """A -> F1 -> B (whole bucket: a loop hop) and B -> F2 -> A (outside F1's filter: guarded)."""
    resources = {
        "A": bucket(), "B": bucket(),
        "F1": function([s3_write("B")], {"E": s3_event("A", prefix="in/")}, code_uri=None),
        "F2": function(put_statement(sub("${A.Arn}/out/*")), {"E": s3_event("B")}, code_uri=None),
    }
    loop = only_loop(resources)
    assert sorted(hop.level for hop in loop.hops) == [GUARDED, LOOP]
    assert loop.level == GUARDED
    assert loop.writers in (["F1", "F2"], ["F2", "F1"])


# -- the DynamoDB dedupe design -------------------------------------------------------------------

RECORD_KEY = """\
    import os
    import boto3
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    def handler(event, context):
        for record in event["Records"]:
            table.put_item(Item={"pk": record["s3"]["object"]["key"], "origin": "upload"})
    """

PROCESS = """\
    import os
    import boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        for record in event["Records"]:
            key = record["dynamodb"]["Keys"]["pk"]["S"]
            s3.put_object(Bucket=os.environ["BUCKET"], Key=key, Body=b"done")
    """


def dedupe_resources() -> Dict:
    return {
        "Media": bucket(), "Seen": table(stream="KEYS_ONLY", ttl="expires"),
        "RecordKey": function([policy_template("DynamoDBWritePolicy", TableName=ref("Seen"))], S3_EVENT,
                              handler="record.handler", Environment=environment(TABLE=ref("Seen"))),
        "Process": function([s3_crud("Media")], {"NewKeys": dynamodb_event("Seen")},
                            handler="process.handler", Environment=environment(BUCKET=ref("Media"))),
    }


def test_the_dedupe_table_guards_the_loop(tmp_path):
    loop = only_loop(dedupe_resources(), tmp_path, {"src/record.py": RECORD_KEY, "src/process.py": PROCESS})
    assert loop.level == GUARDED
    guarded = [hop for hop in loop.hops if hop.level == GUARDED]
    assert [hop.dedupe for hop in guarded] == ["Seen"]
    assert "dedupe through Seen" in guarded[0].why


def test_a_dedupe_item_that_changes_on_every_put_guards_nothing(tmp_path):
    changing = RECORD_KEY.replace('"origin": "upload"', '"at": str(context.aws_request_id)')
    loop = only_loop(dedupe_resources(), tmp_path, {"src/record.py": changing, "src/process.py": PROCESS})
    assert loop.level > GUARDED
    assert all(not hop.dedupe or hop.level > GUARDED for hop in loop.hops)


# -- message markers and record selection ---------------------------------------------------------

MARKED_REPUBLISH = """\
    import json
    import os

    import boto3

    sns = boto3.client("sns")


    def handler(event, context):
        for record in event["Records"]:
            alert = json.loads(record["Sns"]["Message"])
            if alert.get("escalated"):
                continue
            {prepare}
            sns.publish(TopicArn=os.environ["TOPIC"], Message={message})
    """


def republisher() -> Dict:
    return {"Alerts": topic(), "Fn": function([sns_publish("Alerts")], {"In": sns_event("Alerts")},
                                              Environment=environment(TOPIC=ref("Alerts")))}


def republishing(prepare: str = "pass", message: str = "json.dumps(alert)") -> Dict[str, str]:
    return {"src/app.py": MARKED_REPUBLISH.format(prepare=prepare, message=message)}


def test_a_marker_check_guards_the_hop_when_the_write_sets_the_marker(tmp_path):
    loop = only_loop(republisher(), tmp_path, republishing('alert["escalated"] = True'))
    assert loop.level == GUARDED
    [hop] = loop.hops
    assert hop.guard is not None and hop.guard.marker == "body.escalated"
    assert "src/app.py:12: alert.get(" in hop.why and "sets body.escalated" in hop.why


def test_a_marker_check_the_write_does_not_set_is_no_guard_and_says_so(tmp_path):
    loop = only_loop(republisher(), tmp_path, republishing(message='json.dumps({"id": alert["id"]})'))
    assert loop.level == LOOP
    assert "is no guard" in loop.hops[0].why and "does not set body.escalated" in loop.hops[0].why


def test_a_marker_check_with_marks_the_analyser_cannot_read_is_possible(tmp_path):
    loop = only_loop(republisher(), tmp_path, republishing(message="render(alert)"))
    assert loop.level == POSSIBLE
    assert "nothing shows Fn sets it" in loop.hops[0].why


def test_a_marker_check_does_not_make_an_s3_write_doubtful(tmp_path):
    code = WRITES_BACK.replace('    for record in event["Records"]:',
                               '    if event.get("detail", {}).get("replayed"):\n        return\n'
                               '    for record in event["Records"]:')
    assert "replayed" in code
    loop = only_loop(code_writer([s3_crud("Media")]), tmp_path, {"src/app.py": code})
    assert loop.level == LOOP


TOTALS = """\
    import os

    import boto3

    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


    def handler(event, context):
        for record in event["Records"]:
            if not record["dynamodb"]["Keys"]["sk"]["S"].startswith("entry#"):
                continue
            {write}
    """


def totaller() -> Dict:
    return {"Ledger": table(), "Fn": function([dynamodb_crud("Ledger")], {"In": dynamodb_event("Ledger")},
                                              Environment=environment(TABLE=ref("Ledger")))}


def test_record_selection_the_written_item_fails_guards_the_hop(tmp_path):
    write = 'table.update_item(Key={"pk": "a", "sk": "total"}, UpdateExpression="ADD n :one")'
    loop = only_loop(totaller(), tmp_path, {"src/app.py": TOTALS.format(write=write)})
    assert loop.level == GUARDED
    why = loop.hops[0].why
    assert "record selection (" in why and "src/app.py:10: not record" in why
    assert "dynamodb.Keys.sk starts with 'entry#'" in why
    assert "dynamodb.Keys.sk 'total'" in why


def test_record_selection_the_written_item_passes_is_no_guard(tmp_path):
    write = 'table.update_item(Key={"pk": "a", "sk": "entry#total"}, UpdateExpression="ADD n :one")'
    loop = only_loop(totaller(), tmp_path, {"src/app.py": TOTALS.format(write=write)})
    assert loop.level == LOOP and "is no guard" in loop.hops[0].why


def test_record_selection_on_a_key_the_code_does_not_name_guards_nothing(tmp_path):
    write = ('table.update_item(Key={"pk": "a", "sk": record["dynamodb"]["Keys"]["sk"]["S"]}, '
             'UpdateExpression="x")')
    loop = only_loop(totaller(), tmp_path, {"src/app.py": TOTALS.format(write=write)})
    assert loop.level == LOOP


ENRICHER = """\
    import json
    import os

    import boto3

    sqs = boto3.client("sqs")


    def handler(event, context):
        for record in event["Records"]:
            order = json.loads(record["body"])
            if order.get("type") != "order.created":
                continue
            sqs.send_message(QueueUrl=os.environ["QUEUE"], MessageBody={message})
    """


def enricher() -> Dict:
    return {"Orders": queue(), "Fn": function([sqs_send("Orders")], {"In": sqs_event("Orders")},
                                              Environment=environment(QUEUE=ref("Orders")))}


def enriching(message: str) -> Dict[str, str]:
    return {"src/app.py": ENRICHER.format(message=message)}


def test_queue_record_selection_the_sent_message_fails_guards_the_hop(tmp_path):
    loop = only_loop(enricher(), tmp_path, enriching('json.dumps({"type": "order.enriched", "id": 1})'))
    assert loop.level == GUARDED
    [hop] = loop.hops
    assert hop.guard is not None and hop.guard.kind == "record"
    assert "record selection (" in hop.why and "src/app.py:12: order.get(" in hop.why
    assert "acts only on messages whose body.type is 'order.created'" in hop.why
    assert "src/app.py:14) sends body.type 'order.enriched'" in hop.why


def test_queue_record_selection_the_sent_message_passes_is_no_guard_and_says_so(tmp_path):
    loop = only_loop(enricher(), tmp_path, enriching('json.dumps({"type": "order.created", "id": 1})'))
    assert loop.level == LOOP
    assert "is no guard" in loop.hops[0].why and "lets its own output through" in loop.hops[0].why


def test_queue_record_selection_on_a_body_the_code_does_not_give_guards_nothing(tmp_path):
    loop = only_loop(enricher(), tmp_path, enriching('json.dumps({"type": order["next"]})'))
    assert loop.level == LOOP and "record selection" not in loop.hops[0].why


def test_queue_record_selection_through_a_topic_envelope_is_not_judged(tmp_path):
    resources = {"Orders": queue(), "Fanout": topic(),
                 "Sub": subscription(ref("Fanout"), "sqs", get_att("Orders", "Arn")),
                 "Fn": function([sns_publish("Fanout")], {"In": sqs_event("Orders")},
                                Environment=environment(TOPIC=ref("Fanout")))}
    code = ENRICHER.format(message='json.dumps({"type": "order.enriched"})').replace(
        'sqs.send_message(QueueUrl=os.environ["QUEUE"], MessageBody=',
        'boto3.client("sns").publish(TopicArn=os.environ["TOPIC"], Message=')
    loop = only_loop(resources, tmp_path, {"src/app.py": code})
    assert loop.level == LOOP and "record selection" not in loop.hops[0].why


def test_topic_attribute_selection_against_the_attributes_the_publish_sends(tmp_path):
    code = MARKED_REPUBLISH.replace('if alert.get("escalated"):',
                                    'if record["Sns"]["MessageAttributes"]["kind"]["Value"] != "request":')
    attributes = ', MessageAttributes={{"kind": {{"DataType": "String", "StringValue": "{kind}"}}}})'
    for kind, level in (("response", GUARDED), ("request", LOOP)):
        sent = code.format(prepare="pass", message="json.dumps(alert)").replace(
            "Message=json.dumps(alert))", "Message=json.dumps(alert)" + attributes.format(kind=kind))
        loop = only_loop(republisher(), tmp_path, {"src/app.py": sent})
        assert loop.level == level, loop.hops[0].why
        assert f"sends attribute.kind '{kind}'" in loop.hops[0].why


STAGER = """\
    import json
    import os

    import boto3

    events = boto3.client("events")


    def handler(event, context):
        if event["detail"]["stage"] != "start":
            return
        events.put_events(Entries=[{{"Source": "app.orders", "DetailType": "order",
                                    "EventBusName": os.environ["BUS"],
                                    "Detail": json.dumps({{"stage": "{stage}"}})}}])
    """


def test_bus_detail_selection_against_the_detail_put_events_sends(tmp_path):
    trigger = eventbridge_event({"source": ["app.orders"]}, "Bus")
    resources = {"Bus": bus("orders"),
                 "Fn": function([put_events("Bus")], {"In": trigger}, Environment=environment(BUS=ref("Bus")))}
    for stage, level in (("done", GUARDED), ("start", LOOP)):
        loop = only_loop(resources, tmp_path, {"src/app.py": STAGER.format(stage=stage)})
        assert loop.level == level, loop.hops[0].why
        assert f"sends body.stage '{stage}'" in loop.hops[0].why


READINGS = """\
    import base64
    import json
    import os

    import boto3

    kinesis = boto3.client("kinesis")


    def handler(event, context):
        for record in event["Records"]:
            reading = json.loads(base64.b64decode(record["kinesis"]["data"]))
            {check}
            kinesis.put_record(StreamName=os.environ["STREAM"], PartitionKey="k", Data={data})
    """


def reader() -> Dict:
    return {"Readings": stream(), "Fn": function([kinesis_crud("Readings")], {"In": kinesis_event("Readings")},
                                                 Environment=environment(STREAM=ref("Readings")))}


def reading(check: str, data: str) -> Dict[str, str]:
    return {"src/app.py": READINGS.format(check=check, data=data)}


def test_stream_record_selection_against_the_data_put_record_sends(tmp_path):
    check = 'if reading["type"] != "reading":\n                continue'
    for sent, level in (("summary", GUARDED), ("reading", LOOP)):
        loop = only_loop(reader(), tmp_path, reading(check, f'json.dumps({{"type": "{sent}"}})'))
        assert loop.level == level, loop.hops[0].why
        assert f"sends body.type '{sent}'" in loop.hops[0].why
    guarded = only_loop(reader(), tmp_path, reading(check, 'json.dumps({"type": "summary"})'))
    assert "acts only on records whose body.type is 'reading'" in guarded.hops[0].why


def test_a_stream_marker_check_guards_the_hop_when_put_record_sets_the_marker(tmp_path):
    check = 'if reading.get("enriched"):\n                continue'
    loop = only_loop(reader(), tmp_path, reading(check, 'json.dumps({**reading, "enriched": True}).encode()'))
    assert loop.level == GUARDED
    assert loop.hops[0].guard is not None and loop.hops[0].guard.marker == "body.enriched"
    unmarked = only_loop(reader(), tmp_path, reading(check, "json.dumps(reading)"))
    assert unmarked.level == LOOP and "does not set body.enriched" in unmarked.hops[0].why


def test_selecting_event_names_the_write_never_causes_guards_the_hop(tmp_path):
    code = TOTALS.replace('not record["dynamodb"]["Keys"]["sk"]["S"].startswith("entry#")',
                          'record["eventName"] != "REMOVE"')
    write = 'table.update_item(Key={"pk": "a", "sk": "x"}, UpdateExpression="ADD n :one")'
    loop = only_loop(totaller(), tmp_path, {"src/app.py": code.format(write=write)})
    assert loop.level == GUARDED and "eventName is 'REMOVE'" in loop.hops[0].why
    insert_only = code.replace('!= "REMOVE"', '!= "INSERT"')
    loop = only_loop(totaller(), tmp_path, {"src/app.py": insert_only.format(write=write)})
    assert loop.level == LOOP  # an UpdateItem of a new key is an INSERT
