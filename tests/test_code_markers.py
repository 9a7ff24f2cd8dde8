"""Message markers and record selection in handler code: the marker and record-selection checks
before a write (facts.Guard "marker", "record", "event-name" with a record_test), the markers a
write sets (facts.Write.marks, marks_unknown) and the item a DynamoDB write names
(facts.Write.item). Python first, then JavaScript; what both languages must answer alike is in
tests/conformance/ (sqs_body_marker, sns_attribute_marker, s3_metadata_marker)."""

from __future__ import annotations

import textwrap

import code_js_support as js
import pytest

from loopcheck.code.facts import Lit, RecordTest, Write
from loopcheck.code.python_facts import analyse_python_source

PY_PRELUDE = """\
import json
import os
from collections import Counter

import boto3
from boto3.dynamodb.types import TypeDeserializer

sqs = boto3.client("sqs")
sns = boto3.client("sns")
events = boto3.client("events")
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
"""


def py_writes(body: str) -> list[Write]:
    source = PY_PRELUDE + "\n\ndef handler(event, context):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    facts = analyse_python_source(source, "app.py", "handler")
    assert facts.analysed and not facts.problems, facts.problems
    return facts.writes


def py_write(body: str) -> Write:
    writes = py_writes(body)
    assert len(writes) == 1, writes
    return writes[0]


def markers(write: Write) -> list[str]:
    return [guard.marker for guard in write.guards if guard.kind == "marker"]


def selections(write: Write) -> list[RecordTest]:
    return [guard.record_test for guard in write.guards if guard.record_test is not None]


SQS_LOOP = """\
for record in event["Records"]:
    body = json.loads(record["body"])
    {check}
    {prepare}
    sqs.send_message(QueueUrl=os.environ["Q"], MessageBody={body})
"""


def sqs(check: str, prepare: str = "pass", body: str = "json.dumps(body)") -> Write:
    return py_write(SQS_LOOP.format(check=check, prepare=prepare, body=body))


# -- Python: marker checks -------------------------------------------------------------------------


@pytest.mark.parametrize("check", [
    'if body.get("enriched"): continue',
    'if body["enriched"]: continue',
    'if "enriched" in body: continue',
    'if body.get("enriched") is not None: continue',
    'if body.get("enriched") == True: continue',
    'if not body.get("enriched"):\n        pass\n    else:\n        continue',
])
def test_a_check_that_skips_marked_messages_is_a_marker_guard(check: str) -> None:
    assert markers(sqs(check)) == ["body.enriched"]


@pytest.mark.parametrize("check", [
    'if not body.get("enriched"): continue',  # acts only on marked messages
    'if "enriched" not in body: continue',
    'if body.get("enriched") is None: continue',
    'if body.get("enriched"): print("again")',  # does not leave
    'if event.get("dry_run"): return',  # a switch of the event, not a marker of the message
])
def test_checks_that_do_not_skip_marked_messages_are_no_marker_guard(check: str) -> None:
    assert markers(sqs(check)) == []


def test_message_attribute_and_eventbridge_detail_markers() -> None:
    write = py_write("""\
        for record in event["Records"]:
            if "processed" in record["messageAttributes"]:
                continue
            sqs.send_message(QueueUrl=os.environ["Q"], MessageBody=record["body"])
        """)
    assert markers(write) == ["attribute.processed"]
    write = py_write("""\
        if event["detail"].get("replayed"):
            return
        events.put_events(Entries=[{"Source": "app", "DetailType": "x", "Detail": "{}"}])
        """)
    assert markers(write) == ["body.replayed"]


# -- Python: what a write marks --------------------------------------------------------------------


def test_a_body_set_on_the_incoming_message_marks_that_field() -> None:
    write = sqs("pass", 'body["enriched"] = True')
    assert write.marks == ("body.enriched",) and write.marks_unknown == ""


def test_a_new_body_marks_its_literal_fields() -> None:
    write = sqs("pass", body='json.dumps({"id": body["id"], "stage": 2})')
    assert write.marks == ("body.id", "body.stage")


def test_a_copy_of_the_incoming_body_with_a_field_marks_that_field() -> None:
    write = sqs("pass", body='json.dumps({**body, "enriched": True})')
    assert write.marks == ("body.enriched",) and write.marks_unknown == ""


def test_the_incoming_body_sent_on_marks_nothing_and_is_known() -> None:
    write = sqs("pass", body='record["body"]')
    assert write.marks == () and write.marks_unknown == ""


def test_a_body_the_analyser_cannot_follow_leaves_the_marks_unknown() -> None:
    write = sqs("pass", body="build(body)")
    assert write.marks == () and write.marks_unknown


def test_literal_json_text_marks_its_fields_and_plain_text_nothing() -> None:
    assert sqs("pass", body="'{\"done\": true}'").marks == ("body.done",)
    assert sqs("pass", body='"done"').marks == ()


def test_attributes_detail_and_batch_entries_are_marks() -> None:
    write = py_write("""\
        sns.publish(TopicArn=os.environ["T"], Message="x",
                    MessageAttributes={"hop": {"DataType": "String", "StringValue": "1"}})
        """)
    assert write.marks == ("attribute.hop",)
    write = py_write("""\
        events.put_events(Entries=[{"Source": "app", "DetailType": "x",
                                    "Detail": json.dumps({"replayed": True})}])
        """)
    assert write.marks == ("body.replayed",)
    write = py_write("""\
        sqs.send_message_batch(QueueUrl=os.environ["Q"],
                               Entries=[{"Id": "1", "MessageBody": json.dumps({"retry": 1})}])
        """)
    assert write.marks == ("body.retry",)


def test_s3_metadata_is_a_mark() -> None:
    write = py_write("""\
        s3 = boto3.client("s3")
        s3.put_object(Bucket="b", Key="k", Body=b"", Metadata={"processed": "true"})
        """)
    assert write.marks == ("metadata.processed",)


# -- Python: record selection ----------------------------------------------------------------------


STREAM_LOOP = """\
for record in event["Records"]:
    {check}
    table.update_item(Key={{"pk": "p", "sk": "total"}}, UpdateExpression="ADD n :one")
"""


@pytest.mark.parametrize("check, expected", [
    ('if not record["dynamodb"]["Keys"]["sk"]["S"].startswith("entry#"): continue',
     RecordTest("dynamodb.Keys.sk", "startswith", ("entry#",), True)),
    ('if record["dynamodb"]["Keys"]["sk"]["S"].endswith("#total"): continue',
     RecordTest("dynamodb.Keys.sk", "endswith", ("#total",), False)),
    ('if record["dynamodb"]["NewImage"]["status"]["S"] != "new": continue',
     RecordTest("dynamodb.NewImage.status", "equals", ("new",), True)),
    ('if record["eventName"] not in ("INSERT", "MODIFY"): continue',
     RecordTest("eventName", "equals", ("INSERT", "MODIFY"), True)),
    ('if record["eventName"] == "REMOVE": continue',
     RecordTest("eventName", "equals", ("REMOVE",), False)),
    ('if "#" in record["dynamodb"]["Keys"]["pk"]["S"]: continue',
     RecordTest("dynamodb.Keys.pk", "contains", ("#",), False)),
])
def test_record_selection_tests(check: str, expected: RecordTest) -> None:
    write = py_write(STREAM_LOOP.format(check=check))
    assert selections(write) == [expected]
    kind = "event-name" if expected.field == "eventName" else "record"
    assert [guard.kind for guard in write.guards] == [kind]


def test_a_test_of_the_undecoded_attribute_map_is_no_record_selection() -> None:
    write = py_write(STREAM_LOOP.format(check='if not record["dynamodb"]["Keys"]["sk"]: continue'))
    assert selections(write) == []


def test_records_counted_under_a_test_carry_it_to_the_writes_of_the_count() -> None:
    write = py_write("""\
        decode = TypeDeserializer()
        totals = Counter()
        for record in event["Records"]:
            keys = {k: decode.deserialize(v) for k, v in record["dynamodb"]["Keys"].items()}
            if keys["sk"].startswith("entry#"):
                totals.update({keys["pk"]: 1})
        for pk, count in totals.items():
            table.update_item(Key={"pk": pk, "sk": "total"}, UpdateExpression="ADD n :c")
        """)
    assert selections(write) == [RecordTest("dynamodb.Keys.sk", "startswith", ("entry#",), True)]


def test_a_count_also_filled_without_the_test_carries_no_selection() -> None:
    write = py_write("""\
        totals = Counter()
        for record in event["Records"]:
            sk = record["dynamodb"]["Keys"]["sk"]["S"]
            if sk.startswith("entry#"):
                totals["entries"] += 1
            totals["all"] += 1
        for name, count in totals.items():
            table.update_item(Key={"pk": name, "sk": "total"}, UpdateExpression="ADD n :c")
        """)
    assert selections(write) == []


def test_a_dynamodb_write_names_its_literal_item_attributes() -> None:
    write = py_write('table.put_item(Item={"pk": event["id"], "sk": "total", "n": 1})')
    assert dict(write.item)["sk"] == Lit("total")
    assert not isinstance(dict(write.item)["pk"], Lit)
    client_write = py_write("""\
        db = boto3.client("dynamodb")
        db.update_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "total"}}, UpdateExpression="x")
        """)
    assert client_write.item == (("pk", Lit("a")), ("sk", Lit("total")))


# -- JavaScript --------------------------------------------------------------------------------------


JS_SQS = ('const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");\n'
          "const sqs = new SQSClient({});\n")


def js_sqs(check: str, prepare: str = "", body: str = "JSON.stringify(body)") -> Write:
    code = (JS_SQS + "exports.handler = async (event) => {\n  for (const record of event.Records) {\n"
            f"    const body = JSON.parse(record.body);\n    {check}\n    {prepare}\n"
            f"    await sqs.send(new SendMessageCommand({{ QueueUrl: process.env.Q, MessageBody: {body} }}));\n"
            "  }\n};\n")
    return js.one_write(code)


@js.needs_tree_sitter
@pytest.mark.parametrize("check", [
    "if (body.enriched) continue;",
    "if (body.enriched === true) continue;",
    "if (body.enriched !== undefined) continue;",
    'if ("enriched" in body) continue;',
    "if (!body.enriched) { } else { continue; }",
])
def test_js_marker_guards(check: str) -> None:
    assert markers(js_sqs(check)) == ["body.enriched"]


@js.needs_tree_sitter
@pytest.mark.parametrize("check", [
    "if (!body.enriched) continue;",
    "if (body.enriched === undefined) continue;",
    "if (event.dryRun) return;",
])
def test_js_checks_that_do_not_skip_marked_messages(check: str) -> None:
    assert markers(js_sqs(check)) == []


@js.needs_tree_sitter
def test_js_marks() -> None:
    assert js_sqs("", "body.enriched = true;").marks == ("body.enriched",)
    assert js_sqs("", body='JSON.stringify({ id: body.id, stage: 2 })').marks == ("body.id", "body.stage")
    assert js_sqs("", body="record.body").marks == ()
    spread = js_sqs("", body="JSON.stringify({ ...body, enriched: true })")
    assert spread.marks == ("body.enriched",) and spread.marks_unknown == ""
    other = js_sqs("", body="JSON.stringify({ ...other, enriched: true })")
    assert other.marks == () and other.marks_unknown
    unknown = js_sqs("", body="build(body)")
    assert unknown.marks == () and unknown.marks_unknown


JS_STREAM = """\
const { DynamoDBClient, UpdateItemCommand } = require("@aws-sdk/client-dynamodb");
const { unmarshall } = require("@aws-sdk/util-dynamodb");
const db = new DynamoDBClient({});
exports.handler = async (event) => {
  for (const record of event.Records) {
    %s
    await db.send(new UpdateItemCommand({ TableName: "t", Key: { pk: { S: "p" }, sk: { S: "total" } } }));
  }
};
"""


@js.needs_tree_sitter
@pytest.mark.parametrize("check, expected", [
    ('if (record.eventName !== "INSERT") continue;', RecordTest("eventName", "equals", ("INSERT",), True)),
    ('if (!["INSERT", "MODIFY"].includes(record.eventName)) continue;',
     RecordTest("eventName", "equals", ("INSERT", "MODIFY"), True)),
    ('if (!record.dynamodb.Keys.sk.S.startsWith("entry#")) continue;',
     RecordTest("dynamodb.Keys.sk", "startswith", ("entry#",), True)),
    ('const keys = unmarshall(record.dynamodb.Keys);\n    if (keys.sk.endsWith("#total")) continue;',
     RecordTest("dynamodb.Keys.sk", "endswith", ("#total",), False)),
])
def test_js_record_selection(check: str, expected: RecordTest) -> None:
    write = js.one_write(JS_STREAM % check)
    assert selections(write) == [expected]
    assert write.item == (("pk", Lit("p")), ("sk", Lit("total")))


# -- queue and topic record selection: the test, and the values a message write sends -----------


@pytest.mark.parametrize("check, expected", [
    ('if body.get("type") != "order.created": continue',
     RecordTest("body.type", "equals", ("order.created",), True)),
    ('if json.loads(record["Sns"]["Message"])["type"] == "order.enriched": continue',
     RecordTest("body.type", "equals", ("order.enriched",), False)),
    ('if record["Sns"]["MessageAttributes"]["kind"]["Value"] != "request": continue',
     RecordTest("attribute.kind", "equals", ("request",), True)),
    ('if record["messageAttributes"]["kind"]["stringValue"] not in ("a", "b"): continue',
     RecordTest("attribute.kind", "equals", ("a", "b"), True)),
    ('if not event["detail"]["type"].startswith("order."): return',
     RecordTest("body.type", "startswith", ("order.",), True)),
])
def test_queue_topic_and_bus_record_selection_tests(check: str, expected: RecordTest) -> None:
    write = sqs(check)
    assert selections(write) == [expected]
    assert [guard.kind for guard in write.guards] == ["record"]


def test_a_test_of_the_attribute_type_is_no_record_selection() -> None:
    assert selections(sqs('if record["Sns"]["MessageAttributes"]["kind"]["Type"] != "String": continue')) == []


def test_a_message_write_names_the_literal_values_it_sends() -> None:
    new = sqs("pass", body='json.dumps({"type": "order.enriched", "id": body["id"], "n": 1})')
    assert new.mark_values == (("body.type", "order.enriched"),)
    copied = sqs("pass", 'body["type"] = "order.enriched"')
    assert copied.mark_values == (("body.type", "order.enriched"),)
    text = sqs("pass", body="'{\"type\": \"ping\", \"n\": 2}'")
    assert text.mark_values == (("body.type", "ping"),)
    assert sqs("pass", body='record["body"]').mark_values == ()


def test_attribute_values_and_batch_entries_are_sent_values() -> None:
    published = py_write("""\
        sns.publish(TopicArn=os.environ["T"], Message="x",
                    MessageAttributes={"kind": {"DataType": "String", "StringValue": "result"},
                                       "at": {"DataType": "String", "StringValue": event["at"]}})
        """)
    assert published.mark_values == (("attribute.kind", "result"),)
    batch = py_write("""\
        events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": json.dumps({"stage": "done"})}])
        """)
    assert batch.mark_values == (("body.stage", "done"),)


JS_SQS_TYPED = ('const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");\n'
                "const sqs = new SQSClient({});\n"
                "exports.handler = async (event) => {\n  for (const record of event.Records) {\n"
                "    const body = JSON.parse(record.body);\n    %s\n"
                "    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.Q, MessageBody: %s,\n"
                '      MessageAttributes: { kind: { DataType: "String", StringValue: "result" } } }));\n'
                "  }\n};\n")


@js.needs_tree_sitter
@pytest.mark.parametrize("check, expected", [
    ('if (body.type !== "order.created") continue;',
     RecordTest("body.type", "equals", ("order.created",), True)),
    ('if (JSON.parse(record.Sns.Message).type === "order.enriched") continue;',
     RecordTest("body.type", "equals", ("order.enriched",), False)),
    ('if (record.Sns.MessageAttributes.kind.Value !== "request") continue;',
     RecordTest("attribute.kind", "equals", ("request",), True)),
    ('if (record.messageAttributes.kind.stringValue !== "request") continue;',
     RecordTest("attribute.kind", "equals", ("request",), True)),
    ('if (!event.detail.type.startsWith("order.")) return;',
     RecordTest("body.type", "startswith", ("order.",), True)),
])
def test_js_queue_topic_and_bus_record_selection(check: str, expected: RecordTest) -> None:
    write = js.one_write(JS_SQS_TYPED % (check, "JSON.stringify(body)"))
    assert selections(write) == [expected]


@js.needs_tree_sitter
def test_js_sent_values() -> None:
    new = js.one_write(JS_SQS_TYPED % ("", 'JSON.stringify({ type: "order.enriched", id: body.id })'))
    assert new.mark_values == (("body.type", "order.enriched"), ("attribute.kind", "result"))
    spread = js.one_write(JS_SQS_TYPED % ("", 'JSON.stringify({ ...body, type: "order.enriched" })'))
    assert spread.mark_values == (("body.type", "order.enriched"), ("attribute.kind", "result"))
    passed_on = js.one_write(JS_SQS_TYPED % ("", "record.body"))
    assert passed_on.mark_values == (("attribute.kind", "result"),)


# -- Kinesis: a record's data, base64-decoded and parsed as JSON, read as a message body -----------


PY_KINESIS = """\
kinesis = boto3.client("kinesis")
for record in event["Records"]:
    payload = json.loads({decoded})
    {check}
    {write}
"""
PUT_RECORD = 'kinesis.put_record(StreamName=os.environ["S"], PartitionKey="k", Data={data})'


def kinesis(check: str = "pass", data: str = "json.dumps(payload)",
            decoded: str = 'base64.b64decode(record["kinesis"]["data"])', write: str = PUT_RECORD) -> Write:
    body = PY_KINESIS.format(decoded=decoded, check=check, write=write.format(data=data))
    return py_write("import base64\n" + body)


@pytest.mark.parametrize("decoded", [
    'base64.b64decode(record["kinesis"]["data"])',
    'base64.b64decode(record["kinesis"]["data"]).decode("utf-8")',
    'base64.standard_b64decode(record["kinesis"]["data"]).decode()',
])
def test_kinesis_data_checks_are_marker_and_record_selection_guards(decoded: str) -> None:
    assert markers(kinesis('if payload.get("enriched"): continue', decoded=decoded)) == ["body.enriched"]
    write = kinesis('if payload["type"] != "reading": continue', decoded=decoded)
    assert selections(write) == [RecordTest("body.type", "equals", ("reading",), True)]
    assert [guard.kind for guard in write.guards] == ["record"]


def test_kinesis_data_read_without_decoding_is_no_message_body() -> None:
    assert markers(kinesis('if payload.get("enriched"): continue', decoded='record["kinesis"]["data"]')) == []


def test_put_record_and_put_records_data_are_marks_and_sent_values() -> None:
    new = kinesis(data='json.dumps({"type": "summary", "n": 1}).encode("utf-8")')
    assert new.marks == ("body.type", "body.n") and new.mark_values == (("body.type", "summary"),)
    copied = kinesis(data='json.dumps({**payload, "enriched": True})')
    assert copied.marks == ("body.enriched",) and copied.marks_unknown == ""
    passed_on = kinesis(data='base64.b64decode(record["kinesis"]["data"])')
    assert passed_on.marks == () and passed_on.marks_unknown == ""
    put_records = 'kinesis.put_records(StreamName="s", Records=[{{"Data": {data}, "PartitionKey": "k"}}])'
    batch = kinesis(write=put_records, data='json.dumps({"type": "summary"})')
    assert batch.marks == ("body.type",) and batch.mark_values == (("body.type", "summary"),)
    assert kinesis(data="render(payload)").marks_unknown


JS_KINESIS = """\
const { KinesisClient, PutRecordCommand, PutRecordsCommand } = require("@aws-sdk/client-kinesis");
const kinesis = new KinesisClient({});
exports.handler = async (event) => {
  for (const record of event.Records) {
    const payload = JSON.parse(%s);
    %s
    await kinesis.send(%s);
  }
};
"""
JS_PUT_RECORD = 'new PutRecordCommand({ StreamName: process.env.S, PartitionKey: "k", Data: %s })'


def js_kinesis(check: str = "", data: str = "Buffer.from(JSON.stringify(payload))",
               decoded: str = 'Buffer.from(record.kinesis.data, "base64").toString()',
               write: str = JS_PUT_RECORD) -> Write:
    return js.one_write(JS_KINESIS % (decoded, check, write % data))


@js.needs_tree_sitter
@pytest.mark.parametrize("decoded", [
    'Buffer.from(record.kinesis.data, "base64").toString()',
    'Buffer.from(record.kinesis.data, "base64").toString("utf8")',
    'Buffer.from(record.kinesis.data, "base64")',
    'new TextDecoder().decode(Buffer.from(record.kinesis.data, "base64"))',
    "atob(record.kinesis.data)",
])
def test_js_kinesis_data_checks_are_marker_and_record_selection_guards(decoded: str) -> None:
    assert markers(js_kinesis("if (payload.enriched) continue;", decoded=decoded)) == ["body.enriched"]
    write = js_kinesis('if (payload.type !== "reading") continue;', decoded=decoded)
    assert selections(write) == [RecordTest("body.type", "equals", ("reading",), True)]


@js.needs_tree_sitter
def test_js_kinesis_data_read_without_decoding_is_no_message_body() -> None:
    assert markers(js_kinesis("if (payload.enriched) continue;", decoded="record.kinesis.data")) == []
    assert markers(js_kinesis("if (payload.enriched) continue;",
                              decoded='Buffer.from(record.kinesis.data, "hex").toString()')) == []


@js.needs_tree_sitter
def test_js_put_record_and_put_records_data_are_marks_and_sent_values() -> None:
    new = js_kinesis(data='Buffer.from(JSON.stringify({ type: "summary", n: 1 }))')
    assert new.marks == ("body.type", "body.n") and new.mark_values == (("body.type", "summary"),)
    encoded = js_kinesis(data="new TextEncoder().encode(JSON.stringify({ ...payload, enriched: true }))")
    assert encoded.marks == ("body.enriched",) and encoded.marks_unknown == ""
    v2_text = js_kinesis(data='JSON.stringify({ type: "summary" })')
    assert v2_text.mark_values == (("body.type", "summary"),)
    put_records = 'new PutRecordsCommand({ StreamName: "s", Records: [{ PartitionKey: "k", Data: %s }] })'
    batch = js_kinesis(write=put_records, data='Buffer.from(JSON.stringify({ type: "summary" }), "utf8")')
    assert batch.marks == ("body.type",) and batch.mark_values == (("body.type", "summary"),)
    assert js_kinesis(data="render(payload)").marks_unknown
