"""The abstract values of the Go handler analyser (loopcheck.code.go_facts), the Go SDK names
it knows, and the neutral view of both that loopcheck.code.requests reads.

Sources for the tables: the aws-sdk-go-v2 and aws-sdk-go (v1) service packages (one package
per service, `<Api>Input` request structs, `<Api>` / `<Api>WithContext` client methods, the
s3manager / feature/s3/manager upload helpers) and github.com/aws/aws-lambda-go/events (the
Go field names of the S3, SQS, SNS, DynamoDB, Kinesis and CloudWatch / EventBridge events and
the JSON names they map to).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, FrozenSet, List, Optional, Tuple

from loopcheck.code import inputs
from loopcheck.code.facts import AnyText, IncomingBucket, IncomingKey, KeyExpr, Lit, Target, event_source_target
from loopcheck.code.item_change import CHANGING, CHANGING_TEXT, STABLE, UNKNOWN, combine, key_change
from loopcheck.code.values import Request, Value

# -- SDK names -----------------------------------------------------------------------------------

SDK_PREFIXES = ("github.com/aws/aws-sdk-go-v2/", "github.com/aws/aws-sdk-go/")
# Package (path after the SDK prefix) -> the catalog's service name.
SERVICE_PACKAGES: Dict[str, str] = {
    "service/s3": "s3",
    "service/s3/s3manager": "s3manager",
    "feature/s3/manager": "s3manager",
    "service/sqs": "sqs",
    "service/sns": "sns",
    "service/dynamodb": "dynamodb",
    "service/kinesis": "kinesis",
    "service/eventbridge": "events",
    "service/cloudwatchevents": "events",
    "service/sfn": "states",
    "service/lambda": "lambda",
    "service/firehose": "firehose",
}
# (service, Go method / input-type stem) -> catalog (service, api). The input struct is named
# `<stem>Input`; methods may end in WithContext (v1).
METHODS: Dict[Tuple[str, str], Tuple[str, str]] = {
    **{
        ("s3", api): ("s3", api)
        for api in ("PutObject", "CopyObject", "CompleteMultipartUpload", "DeleteObject", "DeleteObjects")
    },
    ("s3manager", "Upload"): ("s3", "UploadFile"),
    **{("sqs", api): ("sqs", api) for api in ("SendMessage", "SendMessageBatch")},
    **{("sns", api): ("sns", api) for api in ("Publish", "PublishBatch")},
    **{
        ("dynamodb", api): ("dynamodb", api)
        for api in (
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "BatchWriteItem",
            "TransactWriteItems",
            "ExecuteStatement",
        )
    },
    **{("kinesis", api): ("kinesis", api) for api in ("PutRecord", "PutRecords")},
    ("events", "PutEvents"): ("events", "PutEvents"),
    **{("states", api): ("states", api) for api in ("StartExecution", "StartSyncExecution")},
    **{("lambda", api): ("lambda", api) for api in ("Invoke", "InvokeAsync")},
    **{("firehose", api): ("firehose", api) for api in ("PutRecord", "PutRecordBatch")},
}
HEAD_OBJECT = ("s3", "HeadObject")  # its Metadata is the object's user metadata
CLIENT_CONSTRUCTORS = frozenset({"New", "NewFromConfig", "NewUploader"})
RUNTIME_PACKAGE = "github.com/aws/aws-lambda-go/lambda"
START_FUNCTIONS = frozenset(
    {
        "Start",
        "StartWithOptions",
        "StartHandler",
        "StartWithContext",
        "StartHandlerFunc",
        "StartHandlerWithContext",
    }
)
LAMBDA_CONTEXT_PACKAGE = "github.com/aws/aws-lambda-go/lambdacontext"
# Calls whose result differs on every invocation, as `<package's last path element>.<name>`.
CHANGING_CALLS = frozenset(
    {
        "time.Now",
        "time.Since",
        "uuid.New",
        "uuid.NewString",
        "uuid.NewRandom",
        "uuid.Must",
        "rand.Int",
        "rand.Intn",
        "rand.Int63",
        "rand.Float64",
        "rand.Read",
        "ulid.Make",
        "ksuid.New",
        "xid.New",
    }
)

# aws-lambda-go/events Go field names whose JSON name is not the field name with its first
# letter lowered (URLDecodedKey is the key, URL-decoded: still the incoming key).
EVENT_FIELDS: Dict[str, str] = {
    "Records": "Records",
    "S3": "s3",
    "SNS": "Sns",
    "EventSourceARN": "eventSourceARN",
    "EventSourceArn": "eventSourceARN",
    "URLDecodedKey": "key",
    "DetailType": "detail-type",
    "MessageAttributes": "MessageAttributes",
    "TopicArn": "TopicArn",
    "Message": "Message",
}
# Event fields holding a message body (JSON text the function may unmarshal): fields read from
# it are "body.<name>" markers.
BODY_PATHS = frozenset(
    {
        ("Records", inputs.ANY_ITEM, "body"),
        ("Records", inputs.ANY_ITEM, "Sns", "Message"),
        ("Records", inputs.ANY_ITEM, "kinesis", "data"),
        ("detail",),
    }
)
ATTRIBUTES = "MessageAttributes"


def event_field(go_name: str) -> str:
    return EVENT_FIELDS.get(go_name) or go_name[:1].lower() + go_name[1:]


# -- values --------------------------------------------------------------------------------------

# Where a value came from, as far as a check of it is a guard (facts.Guard kinds and markers).
KEY, METADATA = "key", "metadata"
MARKER = "marker:"  # + the marker's name, e.g. "marker:body.enriched"


@dataclass(frozen=True)
class GoValue:
    """One abstract Go value. Most are text (a KeyExpr); the others are records (struct or map
    literals), lists, event parts (a path into the event), SDK clients, numbers and functions.

    kind: "text" | "number" | "record" | "list" | "event" | "client" | "head" | "function" |
          "regex" (text: its pattern) | "extension" (path.Ext of elements[0]) | "unknown"
    """

    kind: str = "unknown"
    text: Optional[KeyExpr] = None  # "text": the string as a key expression
    target: Optional[Target] = None  # an environment variable or the function's own name
    number: Optional[int] = None
    type_name: str = ""  # "s3.PutObjectInput" for a request struct (the package's service name)
    entries: Tuple[Tuple[GoValue, GoValue], ...] = ()  # record: (key, value) in order
    open: bool = False  # record: fields beyond `entries` may be set (unmarshalled, a parameter)
    elements: Tuple[GoValue, ...] = ()  # list
    path: Optional[Tuple[str, ...]] = None  # "event": the field path from the event's top
    service: str = ""  # "client": the SDK service package's name
    origins: FrozenSet[str] = frozenset()  # see KEY, METADATA, MARKER; plus event-name / source
    marks: FrozenSet[str] = frozenset()  # markers set on it (facts.Write.marks)
    why: str = ""
    node: object = None  # "function": its declaration or literal node
    bound: Tuple[GoValue, ...] = ()  # "function": a method value's receiver
    owner: object = None  # "function": the package source it belongs to

    def with_origins(self, more: FrozenSet[str]) -> GoValue:
        return replace(self, origins=self.origins | more) if more - self.origins else self


UNKNOWN_VALUE = GoValue()


def unknown(why: str, origins: FrozenSet[str] = frozenset(), marks: FrozenSet[str] = frozenset()) -> GoValue:
    return GoValue(why=why, origins=origins, marks=marks)


def text(
    expr: KeyExpr,
    origins: FrozenSet[str] = frozenset(),
    target: Optional[Target] = None,
    marks: FrozenSet[str] = frozenset(),
) -> GoValue:
    return GoValue("text", text=expr, origins=origins, target=target, marks=marks)


def literal(value: str) -> GoValue:
    return text(Lit(value))


def changing(why: str) -> GoValue:
    return text(AnyText(CHANGING_TEXT + why))


def is_changing(value: GoValue) -> bool:
    return isinstance(value.text, AnyText) and value.text.why.startswith(CHANGING_TEXT)


def event_value(path: Tuple[str, ...], origins: FrozenSet[str] = frozenset()) -> GoValue:
    """A part of the event at `path`: the incoming key and bucket are text."""
    from loopcheck.code.guards import event_field_kind

    kind = event_field_kind(path) if path else None
    origins = origins | ({kind} if kind else set())
    if path in inputs.INCOMING_KEY_PATHS:
        return text(IncomingKey(), origins | {KEY})
    if path in inputs.INCOMING_BUCKET_PATHS:
        return text(IncomingBucket(), origins)
    if inputs.names_event_source(path):
        return GoValue("event", path=path, origins=frozenset(origins), target=Target("event-source"))
    return GoValue("event", path=path, origins=frozenset(origins))


def key_of(value: GoValue) -> KeyExpr:
    if value.text is not None:
        return value.text
    if value.kind == "number" and value.number is not None:
        return Lit(str(value.number))
    return AnyText(value.why or "a value the analyser does not follow")


def change_of(value: GoValue) -> Tuple[str, str]:
    """(item_change verdict, why) of a value written into a DynamoDB item."""
    if value.text is not None:
        return key_change(value.text)
    if value.target is not None or value.kind == "number":
        return STABLE, ""
    if value.kind == "record" and not value.open:
        parts = [part for pair in value.entries for part in pair]
    elif value.kind == "list":
        parts = list(value.elements)
    else:
        return UNKNOWN, ""
    if not parts:
        return STABLE, ""
    found = [change_of(part) for part in parts]
    return combine(v for v, _ in found), next((why for v, why in found if v == CHANGING), "")


class GoView(Value):
    """A GoValue as the request readers see it."""

    def __init__(self, value: GoValue) -> None:
        self.value = value

    def why(self) -> str:
        return self.value.why

    def literal(self) -> Optional[str]:
        return self.value.text.text if isinstance(self.value.text, Lit) else None

    def target(self) -> Target:
        value = self.value
        if value.target is not None:
            return value.target
        if isinstance(value.text, Lit):
            return Target("literal", value.text.text)
        found = event_source_target(value.text) if value.text is not None else None
        return found or Target("unknown", value.why or "not resolved")

    def key(self) -> KeyExpr:
        return key_of(self.value)

    def change(self) -> Tuple[str, str]:
        return change_of(self.value)

    def is_record(self) -> bool:
        return self.value.kind == "record"

    def field(self, name: str) -> Optional[Value]:
        found = record_field(self.value, name)
        return GoView(found) if found is not None else None

    def field_names(self) -> Optional[List[Value]]:
        if self.value.kind != "record" or self.value.open:
            return None
        return [GoView(key) for key, _ in self.value.entries]

    def items(self) -> Optional[List[Value]]:
        return [GoView(item) for item in self.value.elements] if self.value.kind == "list" else None


def record_field(record: GoValue, name: str) -> Optional[GoValue]:
    """A record's field by name (Go struct fields are capitalised: the SDK's `stateMachineArn`
    is `StateMachineArn`); None when certainly absent, an unknown value when it may be set."""
    if record.kind != "record":
        return unknown(record.why) if record.kind == "unknown" else None
    lowered = name.lower()
    computed = False
    for key, value in record.entries:
        if isinstance(key.text, Lit):
            if key.text.text.lower() == lowered:
                return value
        else:
            computed = True
    return unknown("a field the analyser does not follow") if computed or record.open else None


@dataclass
class GoRequest(Request):
    """A Go SDK call's input struct."""

    input: GoValue = field(default_factory=GoValue)

    def arg(self, name: str) -> Optional[Value]:
        found = record_field(self.input, name)
        return GoView(found) if found is not None else None

    def missing(self, names: Tuple[str, ...]) -> str:
        return f"no {names[0]} field in the input" if self.input.kind == "record" else "an input not followed"
