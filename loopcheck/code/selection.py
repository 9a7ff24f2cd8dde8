"""Record selection, decided once for every handler language: which record field a test of
an incoming stream or queue record reads, and the item attribute values a DynamoDB write names.

A stream handler that acts only on records of one shape (`sk` starting `product#`, eventName
INSERT) and writes items of another never acts on its own output; loopcheck.judge.message_guards
holds the test (facts.RecordTest) against the item the previous hop writes (facts.Write.item).

Sources: the DynamoDB Streams developer guide and the Lambda developer guide's DynamoDB and
SQS event examples (Records[].eventName, Records[].dynamodb.Keys / NewImage in the attribute-value
format {"S": ...}, Records[].body); boto3 TypeDeserializer and @aws-sdk/util-dynamodb unmarshall
(the attribute-value format decoded to plain values); the DynamoDB PutItem / UpdateItem /
DeleteItem API references (Item, Key).
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from loopcheck.code.facts import AnyText, KeyExpr, Lit, RecordTest
from loopcheck.code.inputs import ANY_ITEM
from loopcheck.code.markers import JSON
from loopcheck.code.values import Request, Value
from loopcheck.knowledge.sdk_catalog import WriteApi

DECODED = "<decoded>"  # an event path step: attribute values decoded from {"S": ...} to plain values

# DynamoDB attribute-value type descriptors whose value is text a test can read.
TEXT_TYPES = ("S", "N")
_IMAGES = ("Keys", "NewImage")
# The request parameter holding the item's attributes, per DynamoDB write (PutItem: the whole
# item; the others: its key only).
ITEM_PARAMETERS = {"PutItem": "Item", "UpdateItem": "Key", "DeleteItem": "Key"}


def record_field(path: Sequence[str]) -> Optional[str]:
    """The facts.RecordTest field a value read at the event path `path` is, or None: a
    record's eventName, a DynamoDB stream record's key or new-image attribute (raw, with its
    "S"/"N" descriptor, or decoded), a field of an SQS message's JSON body."""
    decoded = DECODED in path
    steps = [step for step in path if step != DECODED]
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
    if len(rest) == 3 and rest[:2] == ["body", JSON]:
        return f"body.{rest[2]}"
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
