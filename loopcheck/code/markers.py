"""Message markers, decided once for every handler language: which marker a check on the incoming
event reads, and which markers a write sets on what it sends.

A function that skips input carrying a marker, and sets that marker on everything it writes
back, never acts on its own output. Markers are named as facts.Write.marks names them:
"body.<field>" (a field of the JSON body of an SQS message, an SNS Message, a Kinesis record's
data or a Lambda invoke payload, or of an EventBridge event's detail; a check of an invoke
payload's top-level field is not read as a marker check, see marker_at), "attribute.<name>"
(SQS messageAttributes, SNS MessageAttributes) and "metadata.<name>" (S3 user metadata; its
check is the "metadata" guard).

Sources: the Lambda developer guide's SQS, SNS, Kinesis and EventBridge event examples (where
the body and attributes sit in an event; a Kinesis record's kinesis.data is its Data as base64
text); the SQS SendMessage / SendMessageBatch, SNS Publish / PublishBatch, Kinesis PutRecord /
PutRecords, Lambda Invoke, EventBridge PutEvents and S3 PutObject / CopyObject API references
(the request parameters that carry them); boto3 S3Transfer ALLOWED_UPLOAD_ARGS (upload_file's
ExtraArgs carries Metadata).
"""

from __future__ import annotations

import json
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from loopcheck.code.inputs import ANY_ITEM
from loopcheck.code.values import Request, Value
from loopcheck.knowledge.sdk_catalog import WriteApi

JSON = "<json>"  # an event path step: the text of the field before it, parsed as JSON
BASE64 = "<base64>"  # an event path step: the base64 text of the field before it, decoded

# Event fields holding a message body as JSON text, one as an object, and the attribute maps.
BODY_TEXT_PATHS = (
    ("Records", ANY_ITEM, "body"),
    ("Records", ANY_ITEM, "Sns", "Message"),
    ("Records", ANY_ITEM, "kinesis", "data", BASE64),
)
BODY_OBJECT_PATHS = (("detail",),)
# The attribute maps, each with the field of an attribute that holds its text value.
ATTRIBUTE_PATHS = {
    ("Records", ANY_ITEM, "messageAttributes"): "stringValue",
    ("Records", ANY_ITEM, "Sns", "MessageAttributes"): "Value",
}


class MessageParts(NamedTuple):
    """Where a write request carries its message: `entries` (a batch's list, whose first entry
    is read), the body (JSON text, or an object for Detail), attributes and S3 metadata.
    `options`: a parameter that holds the metadata instead (boto3 upload_file's ExtraArgs)."""

    body: str = ""
    attributes: str = ""
    metadata: str = ""
    entries: str = ""
    options: str = ""


MESSAGE_PARTS: Dict[Tuple[str, str], MessageParts] = {
    ("sqs", "SendMessage"): MessageParts(body="MessageBody", attributes="MessageAttributes"),
    ("sqs", "SendMessageBatch"): MessageParts(body="MessageBody", attributes="MessageAttributes",
                                              entries="Entries"),
    ("sns", "Publish"): MessageParts(body="Message", attributes="MessageAttributes"),
    ("sns", "PublishBatch"): MessageParts(body="Message", attributes="MessageAttributes",
                                          entries="PublishBatchRequestEntries"),
    ("lambda", "Invoke"): MessageParts(body="Payload"),
    ("lambda", "InvokeAsync"): MessageParts(body="InvokeArgs"),
    ("events", "PutEvents"): MessageParts(body="Detail", entries="Entries"),
    ("kinesis", "PutRecord"): MessageParts(body="Data"),
    ("kinesis", "PutRecords"): MessageParts(body="Data", entries="Records"),
    ("s3", "PutObject"): MessageParts(metadata="Metadata"),
    ("s3", "CopyObject"): MessageParts(metadata="Metadata"),
    ("s3", "UploadFile"): MessageParts(metadata="Metadata", options="ExtraArgs"),
}


def _after(path: Sequence[str], base: Sequence[str]) -> Optional[Tuple[str, ...]]:
    """The rest of `path` below `base`, or None when path is not under it."""
    count = len(base)
    return tuple(path[count:]) if tuple(path[:count]) == tuple(base) else None


def marker_at(path: Sequence[str]) -> Optional[str]:
    """The marker a check reading the event field at `path` tests ("*" for any list item, JSON
    after a field parsed as JSON), or None when the field is no marker."""
    for base in ATTRIBUTE_PATHS:
        rest = _after(path, base)
        if rest:
            return "attribute." + rest[0]
    for base in BODY_TEXT_PATHS:
        rest = _after(path, tuple(base) + (JSON,))
        if rest and rest[0] != JSON:
            return "body." + rest[0]
    for base in BODY_OBJECT_PATHS:
        rest = _after(path, base)
        if rest and rest[0] != JSON:
            return "body." + rest[0]
    # A top-level field of the event is not taken for a marker: nothing tells an invoke
    # payload's field (`event.get("processed")`) from a switch of any other event
    # (`event.get("dry_run")`), and an exit on a switch is no guard.
    return None


def is_message(path: Sequence[str]) -> bool:
    """Whether the event field at `path` is an incoming message body as a whole (its JSON text,
    its parsed object, an EventBridge detail, or a whole invoke payload): sent on unchanged, it
    carries only what the incoming message carried."""
    bodies = [tuple(base) for base in BODY_TEXT_PATHS] + [tuple(base) + (JSON,) for base in BODY_TEXT_PATHS]
    return tuple(path) in bodies + list(BODY_OBJECT_PATHS) + [(), (JSON,)]


def _part_reader(parts: MessageParts, request: Request) -> Optional[Callable[[str], Optional[Value]]]:
    """What reads a request's message parts by parameter name: the request's own, or its batch's
    first entry's; None when the entries cannot be read."""
    carrier: Optional[Value] = None
    if parts.entries:
        entries = request.arg(parts.entries)
        carrier = entries.first() if entries is not None else None
        if carrier is None or not carrier.is_record():
            return None

    def part(name: str) -> Optional[Value]:
        if not name:
            return None
        return carrier.field(name) if carrier is not None else request.arg(name)

    return part


def message_parts(api: WriteApi, request: Request) -> Tuple[Optional[Value], Optional[Value]]:
    """(body, attributes) a message write request sends: its own, or its batch's first entry's;
    None where it sends none or the entries cannot be read."""
    parts = MESSAGE_PARTS.get((api.service, api.api))
    part = _part_reader(parts, request) if parts is not None else None
    if parts is None or part is None:
        return None, None
    return part(parts.body), part(parts.attributes)


# -- what a write sets -------------------------------------------------------------------------


def read_marks(api: WriteApi, request: Request) -> Tuple[Tuple[str, ...], str]:
    """(marks, why some may be missing) of one write request: the body fields, attribute names
    and metadata keys it sets; why is "" when the marks are known."""
    parts = MESSAGE_PARTS.get((api.service, api.api))
    if parts is None:
        return (), ""
    part = _part_reader(parts, request)
    if part is None:
        return (), "entries the analyser cannot read"
    marks: List[str] = []
    unknown: List[str] = []
    body = part(parts.body)
    if body is not None:
        found, why = body_marks(body)
        marks += found
        unknown += [why] if why else []
    for name, prefix in ((parts.attributes, "attribute."), (parts.metadata, "metadata.")):
        value = part(name)
        if value is None and name and parts.options:
            options = request.arg(parts.options)
            value = options.field(name) if options is not None else None
        if value is not None:
            found, why = name_marks(value, prefix)
            marks += found
            unknown += [why] if why else []
    return tuple(dict.fromkeys(marks)), "; ".join(unknown)


def name_marks(value: Value, prefix: str) -> Tuple[List[str], str]:
    """Marks from the literal keys of an attributes or metadata map."""
    names = value.field_names()
    texts = [name.literal() for name in names] if names is not None else None
    if texts is None or any(text is None for text in texts):
        return [], f"{prefix.rstrip('.')} names the analyser cannot read"
    return [prefix + text for text in texts if text is not None], ""


def body_marks(value: Value) -> Tuple[List[str], str]:
    """Marks from a message body: literal JSON text, a record serialised to JSON, a record (an
    EventBridge Detail given as an object in some SDKs), or the incoming message sent on."""
    text = value.literal()
    if text is not None:
        try:
            parsed = json.loads(text)
        except ValueError:
            return [], ""  # plain text carries no fields
        return (["body." + str(name) for name in parsed] if isinstance(parsed, dict) else []), ""
    source = value.serialised()
    return record_marks(source if source is not None else value)


def record_marks(record: Value) -> Tuple[List[str], str]:
    """Marks from a record sent as a body: its literal field names (on a copy of the incoming
    message, the fields the code sets on it)."""
    names = record.field_names()
    if names is not None:
        texts = [name.literal() for name in names]
        if all(text is not None for text in texts):
            return ["body." + text for text in texts if text is not None], ""
        return [], "a message body with computed field names"
    if record.is_message():
        return [], ""
    return [], "a message body the analyser cannot follow"
