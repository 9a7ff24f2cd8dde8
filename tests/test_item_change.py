"""Whether a DynamoDB put/update writes something new on every call (loopcheck.code.item_change),
as the Python and JavaScript analysers record it in `Write.details["Item"]`: the fact the
dedupe design's verdict rests on."""

from __future__ import annotations

import pytest

from loopcheck.code.item_change import CHANGING, INSERT_ONLY, STABLE, classify_update, condition_is_insert_only
from loopcheck.code.js_facts import analyse_js_source
from loopcheck.code.python_facts import analyse_python_source

PY_HEAD = """\
import os, time, uuid
from datetime import datetime, timezone
from urllib.parse import unquote_plus
import boto3
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
ddb = boto3.client("dynamodb")

def handler(event, context):
    for record in event["Records"]:
        key = unquote_plus(record["s3"]["object"]["key"])
        now = datetime.now(timezone.utc).isoformat()
"""


def _py(call: str) -> dict:
    facts = analyse_python_source(PY_HEAD + "        " + call + "\n", "index.py", "handler")
    [write] = facts.writes
    return write.details


@pytest.mark.parametrize("call, verdict, why", [
    ('table.put_item(Item={"pk": key, "kind": "upload"})', STABLE, None),
    ('table.put_item(Item={"pk": f"seen/{key}", "table": os.environ["TABLE"], "n": 3})', STABLE, None),
    ('table.put_item(Item={"pk": key, "expires": int(time.time()) + 86400})', CHANGING, "time.time()"),
    ('table.put_item(Item={"pk": key, "seen": now})', CHANGING, "datetime.datetime.now()"),
    ('table.put_item(Item={"pk": key, "id": str(uuid.uuid4())})', CHANGING, "uuid.uuid4()"),
    ('table.put_item(Item={"pk": key, "id": uuid.uuid4().hex})', CHANGING, "uuid.uuid4()"),
    ('table.put_item(Item={"pk": key, "at": f"{time.time()}"})', CHANGING, "time.time()"),
    ('table.put_item(Item={"pk": key, "expires": int(time.time()) + 60},'
     ' ConditionExpression="attribute_not_exists(pk)")', INSERT_ONLY,
     "ConditionExpression attribute_not_exists(pk)"),
    ('table.update_item(Key={"pk": key}, UpdateExpression="ADD hits :one",'
     ' ExpressionAttributeValues={":one": 1})', CHANGING,
     "ADD hits :one: a counter or set that grows on every call"),
    ('table.update_item(Key={"pk": key}, UpdateExpression="SET n = n + :one",'
     ' ExpressionAttributeValues={":one": 1})', CHANGING, "SET n = n + :one: changes on every call"),
    ('table.update_item(Key={"pk": key}, UpdateExpression="SET seen = :now",'
     ' ExpressionAttributeValues={":now": now})', CHANGING,
     "SET seen = :now, which is datetime.datetime.now()"),
    ('table.update_item(Key={"pk": key}, UpdateExpression="SET seen = if_not_exists(seen, :now), k = :k",'
     ' ExpressionAttributeValues={":now": now, ":k": "x"})', STABLE, None),
    ('ddb.put_item(TableName="t", Item={"pk": {"S": key}, "ts": {"N": str(int(time.time()))}})', CHANGING,
     "time.time()"),
])
def test_python_item_verdicts(call, verdict, why):
    details = _py(call)
    assert details.get("Item") == verdict
    assert details.get("ItemWhy") == why


@pytest.mark.parametrize("call", [
    # another event field (size, eventTime) may or may not differ between two events of a key
    'ddb.put_item(TableName="t", Item={"pk": {"S": key}, "size": {"N": str(record["s3"]["object"]["size"])}})',
    'table.put_item(Item=build_item(key))',
    'table.update_item(Key={"pk": key}, AttributeUpdates={"a": {"Value": 1}})',
])
def test_python_item_unknown_claims_nothing(call):
    assert "Item" not in _py(call)


JS_HEAD = """\
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const { DynamoDBDocumentClient, PutCommand, UpdateCommand } = require("@aws-sdk/lib-dynamodb");
const { randomUUID } = require("node:crypto");
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const raw = new DynamoDBClient({});
exports.handler = async (event) => {
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\\+/g, " "));
    const seen = new Date().toISOString();
    await CALL;
  }
};
"""


@pytest.mark.parametrize("call, verdict, why", [
    ('ddb.send(new PutCommand({TableName: "t", Item: {pk: key, kind: "upload"}}))', STABLE, None),
    ('raw.send(new PutItemCommand({TableName: "t", Item: {pk: {S: `seen/${key}`}}}))', STABLE, None),
    ('ddb.send(new PutCommand({TableName: "t", Item: {pk: key, exp: Math.floor(Date.now() / 1000) + 86400}}))',
     CHANGING, "Date.now()"),
    ('ddb.send(new PutCommand({TableName: "t", Item: {pk: key, seen}}))', CHANGING, "new Date()"),
    ('ddb.send(new PutCommand({TableName: "t", Item: {pk: key, id: randomUUID()}}))', CHANGING, "randomUUID()"),
    ('raw.send(new PutItemCommand({TableName: "t", Item: {pk: {S: key}, at: {N: `${Date.now()}`}}}))',
     CHANGING, "Date.now()"),
    ('ddb.send(new PutCommand({TableName: "t", Item: {pk: key, at: Date.now()},'
     ' ConditionExpression: "attribute_not_exists(pk)"}))', INSERT_ONLY,
     "ConditionExpression attribute_not_exists(pk)"),
    ('ddb.send(new UpdateCommand({TableName: "t", Key: {pk: key}, UpdateExpression: "SET seen = :now",'
     ' ExpressionAttributeValues: {":now": seen}}))', CHANGING, "SET seen = :now, which is new Date()"),
    ('ddb.send(new UpdateCommand({TableName: "t", Key: {pk: key}, UpdateExpression: "ADD hits :one",'
     ' ExpressionAttributeValues: {":one": 1}}))', CHANGING,
     "ADD hits :one: a counter or set that grows on every call"),
])
def test_js_item_verdicts(call, verdict, why):
    facts = analyse_js_source(JS_HEAD.replace("CALL", call), "index.js", "handler")
    [write] = facts.writes
    assert write.details.get("Item") == verdict
    assert write.details.get("ItemWhy") == why


def test_js_item_from_a_helper_claims_nothing():
    call = 'ddb.send(new PutCommand({TableName: "t", Item: make(key)}))'
    facts = analyse_js_source(JS_HEAD.replace("CALL", call), "index.js", "handler")
    assert "Item" not in facts.writes[0].details


def test_condition_and_update_grammar():
    assert condition_is_insert_only("attribute_not_exists(pk) AND attribute_not_exists(#sk)")
    assert not condition_is_insert_only("NOT attribute_not_exists(pk)")
    assert not condition_is_insert_only("attribute_exists(pk)")
    assert classify_update("REMOVE pending", lambda name: ("", "")) == (STABLE, "")
    assert classify_update("SET a = list_append(a, :x)", lambda name: (STABLE, ""))[0] == CHANGING
    assert classify_update("SET a = :x", lambda name: ("", "")) == ("", "")



def test_a_condition_with_or_is_not_insert_only():
    details = _py('table.put_item(Item={"pk": key, "at": time.time()},'
                  ' ConditionExpression="attribute_not_exists(pk) OR expired = :t")')
    assert details["Item"] == CHANGING
