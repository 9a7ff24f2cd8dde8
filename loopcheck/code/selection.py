"""Record selection, decided once for every handler language: which record field a test of
an incoming stream or queue record reads, the item attribute values a DynamoDB write names, and
the literal body field and message attribute values a message write sends.

A stream handler that acts only on records of one shape (`sk` starting `product#`, eventName
INSERT) and writes items of another never acts on its own output; nor does a queue handler that
acts only on messages whose body has `type` "order.created" and sends "order.enriched" (a Kinesis
record's data, decoded and parsed as JSON, is read as such a body).
loopcheck.judge.message_guards holds the test (facts.RecordTest) against what the previous hop
writes (facts.Write.item, facts.Write.mark_values).

Sources: the DynamoDB Streams developer guide and the Lambda developer guide's DynamoDB, SQS,
SNS, Kinesis and EventBridge event examples (Records[].eventName, Records[].dynamodb.Keys /
NewImage in the attribute-value format {"S": ...}, Records[].body,
Records[].messageAttributes.<name>.stringValue, Records[].Sns.Message,
Records[].Sns.MessageAttributes.<name>.Value, Records[].kinesis.data as base64 text, detail);
boto3 TypeDeserializer and @aws-sdk/util-dynamodb unmarshall (the attribute-value format decoded
to plain values); the DynamoDB PutItem / UpdateItem / DeleteItem API references (Item, Key); the
SQS SendMessage and SNS Publish API references (MessageAttributes.<name>.StringValue); the
Kinesis PutRecord / PutRecords API references (Data).
"""

from __future__ import annotations

import json
from typing import List, Optional, Sequence, Tuple

from loopcheck.code.facts import AnyText, KeyExpr, Lit, RecordTest
from loopcheck.code.inputs import ANY_ITEM
from loopcheck.code.markers import ATTRIBUTE_PATHS, BODY_TEXT_PATHS, JSON, message_parts
from loopcheck.code.values import Request, Value
from loopcheck.knowledge.sdk_catalog import WriteApi

DECODED = "<decoded>"  # an event path step: attribute values decoded from {"S": ...} to plain values

# DynamoDB attribute-value type descriptors whose value is text a test can read.
TEXT_TYPES = ("S", "N")
_IMAGES = ("Keys", "NewImage")
# The request parameter holding the item's attributes, per DynamoDB write (PutItem: the whole
# item; the others: its key only).
ITEM_PARAMETERS = {"PutItem": "Item", "UpdateItem": "Key", "DeleteItem": "Key"}
# Where a record (below Records[*]) carries a message attribute's text value (SQS, SNS) and its
# message body as JSON text (SQS, SNS, Kinesis decoded): markers' tables, read from inside a record.
_ATTRIBUTE_VALUES = tuple((path[2:], text) for path, text in ATTRIBUTE_PATHS.items())
_BODIES = tuple(path[2:] for path in BODY_TEXT_PATHS)


def record_field(path: Sequence[str]) -> Optional[str]:
    """The facts.RecordTest field a value read at the event path `path` is, or None: a
    record's eventName, a DynamoDB stream record's key or new-image attribute (raw, with its
    "S"/"N" descriptor, or decoded), a field of an SQS or SNS message's JSON body, of a Kinesis
    record's decoded JSON data or of an EventBridge event's detail ("body.<field>"), the text of
    an SQS or SNS message attribute ("attribute.<name>")."""
    decoded = DECODED in path
    steps = [step for step in path if step != DECODED]
    if len(steps) == 2 and steps[0] == "detail" and steps[1] not in (JSON, ANY_ITEM):
        return f"body.{steps[1]}"
    if steps[:2] != ["Records", ANY_ITEM]:
        return None
    rest = steps[2:]
    if rest == ["eventName"]:
        return "eventName"
    if len(rest) >= 3 and rest[0] == "dynamodb" and rest[1] in _IMAGES:
        typed = len(rest) == 4 and rest[3] in TEXT_TYPES
        if typed or (decoded and len(rest) == 3):
            return f"dynamodb.{rest[1]}.{rest[2]}"
        return None
    for body in _BODIES:
        if rest[:-1] == [*body, JSON] and rest[-1] not in (JSON, ANY_ITEM):
            return f"body.{rest[-1]}"
    for attributes, text in _ATTRIBUTE_VALUES:
        if len(rest) == len(attributes) + 2 and rest[:len(attributes)] == list(attributes) and rest[-1] == text:
            return f"attribute.{rest[-2]}"
    return None


def record_test(field: str, operation: str, values: Sequence[str], positive: bool, holds: bool) -> RecordTest:
    """A RecordTest for a check that is true when `operation` holds for one of `values`
    (`positive`; false then, when not) and is `holds` where the write runs."""
    return RecordTest(field, operation, tuple(values), selects=positive == holds)


def read_item(api: WriteApi, request: Request) -> Tuple[Tuple[str, KeyExpr], ...]:
    """The item attributes a DynamoDB write names, as (name, value) with literal text where
    the code gives it (typed {"S": "x"} values of the client form, plain values of the document
    and resource forms)."""
    name = ITEM_PARAMETERS.get(api.api) if api.service == "dynamodb" else None
    item = request.arg(name) if name else None
    names = item.field_names() if item is not None else None
    if item is None or names is None:
        return ()
    found = []
    for key in names:
        text = key.literal()
        value = item.field(text) if text is not None else None
        if text is not None and value is not None:
            found.append((text, _attribute_text(value)))
    return tuple(found)


def _attribute_text(value: Value) -> KeyExpr:
    text = value.literal()
    if text is None and value.is_record():
        texts = [found.literal() for found in map(value.field, TEXT_TYPES) if found is not None]
        text = next((found for found in texts if found is not None), None)
    return Lit(text) if text is not None else AnyText("an attribute value the analyser cannot read")


def read_mark_values(api: WriteApi, request: Request) -> Tuple[Tuple[str, str], ...]:
    """The literal text a message write sends in its body fields ("body.<field>") and message
    attributes ("attribute.<name>", the StringValue), named as facts.Write.marks names them;
    a batch's first entry is read."""
    body, attributes = message_parts(api, request)
    found: List[Tuple[str, str]] = []
    if body is not None:
        found += [("body." + name, text) for name, text in _body_values(body)]
    for name, value in _named_fields(attributes):
        text = value.field("StringValue")
        literal = text.literal() if text is not None else None
        if literal is not None:
            found.append(("attribute." + name, literal))
    return tuple(found)


def _body_values(body: Value) -> List[Tuple[str, str]]:
    """The literal text fields of a body: JSON text, a record serialised to JSON, or a record."""
    text = body.literal()
    if text is not None:
        try:
            parsed = json.loads(text)
        except ValueError:
            return []
        if not isinstance(parsed, dict):
            return []
        return [(str(name), value) for name, value in parsed.items() if isinstance(value, str)]
    source = body.serialised()
    found = []
    for name, value in _named_fields(source if source is not None else body):
        literal = value.literal()
        if literal is not None:
            found.append((name, literal))
    return found


def _named_fields(record: Optional[Value]) -> List[Tuple[str, Value]]:
    """(literal name, value) of each field of a record whose name the code gives."""
    names = record.field_names() if record is not None else None
    found = []
    for name in names or ():
        text = name.literal()
        value = record.field(text) if record is not None and text is not None else None
        if text is not None and value is not None:
            found.append((text, value))
    return found
