"""The facts a handler-code analyser reports, whatever the language.

Analysers (python_facts, js_facts) fill these; loopcheck.code.evidence joins them with the
template (environment variables -> resources, key expressions against notification filters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

# -- where a call writes -----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a write names as its bucket, queue, topic, table, stream, bus, state machine or
    function.

    kind:
      "literal"       value is the literal text written in the code (a name, ARN or URL)
      "env"           value is the environment variable name (os.environ["X"], os.getenv("X"),
                      process.env.X, or a module-level constant holding one of those)
      "event-source"  the resource that triggered this invocation (record["s3"]["bucket"]["name"],
                      event.Records[0].s3.bucket.name, EventBridge event.detail.bucket.name)
      "self"          the function itself (context.function_name, context.functionName,
                      AWS_LAMBDA_FUNCTION_NAME)
      "unknown"       anything else (computed, dynamic); value says why, for messages
    """

    kind: str
    value: str = ""
    # "event-source" only: text joined before and after the incoming bucket's name
    # (`bucket + "-resized"` is another bucket: the template's bucket of that name, if any).
    affixes: Tuple[str, str] = ("", "")


# -- what key an S3 write uses: a small expression the evaluator can reason about ---------


@dataclass(frozen=True)
class Lit:
    """Literal text of a key."""

    text: str


@dataclass(frozen=True)
class IncomingKey:
    """The key of the object whose event invoked the function (record.s3.object.key,
    possibly unquote_plus'ed / decodeURIComponent'ed)."""


@dataclass(frozen=True)
class AnyText:
    """A part whose value is not known (user input, a uuid, a timestamp...)."""

    why: str = ""


@dataclass(frozen=True)
class IncomingBucket(AnyText):
    """The name of the bucket whose event invoked the function: unknown text in a key, but
    in a bucket name it says which bucket (`bucket + "-out"` is not the incoming bucket)."""


def event_source_target(expr: object) -> Optional[Target]:
    """A bucket name built from the incoming bucket's name and literal text, as a Target."""
    if isinstance(expr, IncomingBucket):
        return Target("event-source")
    if not isinstance(expr, Concat):
        return None
    found = [i for i, part in enumerate(expr.parts) if isinstance(part, IncomingBucket)]
    others = [part for part in expr.parts if not isinstance(part, IncomingBucket)]
    if len(found) != 1 or not all(isinstance(part, Lit) for part in others):
        return None
    at = found[0]
    before = "".join(part.text for part in expr.parts[:at])  # type: ignore[union-attr]
    after = "".join(part.text for part in expr.parts[at + 1:])  # type: ignore[union-attr]
    return Target("event-source", affixes=(before, after))


@dataclass(frozen=True)
class Concat:
    """Key parts written one after the other."""

    parts: Tuple[KeyExpr, ...]


@dataclass(frozen=True)
class Replace:
    """source.replace(old, new) (Python, all occurrences, or count=1 when `first_only`);
    JS String.replace with a string pattern replaces the first occurrence only."""

    source: KeyExpr
    old: str
    new: str
    first_only: bool = False


@dataclass(frozen=True)
class Stem:
    """The source without its extension: os.path.splitext(k)[0], k.rsplit(".", 1)[0],
    path.parse(k).name is NOT this (it drops the folder too: use Basename(Stem(k)))."""

    source: KeyExpr


@dataclass(frozen=True)
class Basename:
    """The last path segment: os.path.basename(k), k.split("/")[-1], k.rsplit("/", 1)[-1],
    path.basename(k), k.split("/").pop()."""

    source: KeyExpr


@dataclass(frozen=True)
class Slice:
    """Part of the source by character position: k[start:end] (Python), k.slice(start, end) /
    k.substring(start, end) (JS), k.substring(start) (Java, C#), k[start:] (Go). end None:
    to the end; a negative position counts from the end, as in Python."""

    source: KeyExpr
    start: int = 0
    end: Optional[int] = None


KeyExpr = Union[Lit, IncomingKey, AnyText, Concat, Replace, Stem, Basename, Slice]


# -- guards ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordTest:
    """Record selection: a test of each incoming stream or queue record, before any write, that
    only some records pass (`if not keys["sk"].startswith("product#"): continue`,
    `if (record.eventName !== "INSERT") continue;`).

    field:     the record field tested: "eventName", "dynamodb.Keys.<attribute>",
               "dynamodb.NewImage.<attribute>" (a DynamoDB stream record), "body.<field>" (a field
               of an SQS / SNS message's JSON body or of an EventBridge event's detail),
               "attribute.<name>" (the value of an SQS / SNS message attribute); the message
               fields are named as Write.marks names them
    operation: "equals" | "startswith" | "endswith" | "contains"
    values:    the literals tested (any one of them)
    selects:   True: the function acts only on records that pass the test with one of the values;
               False: only on records that pass it with none of them.
    """

    field: str
    operation: str
    values: Tuple[str, ...]
    selects: bool


@dataclass(frozen=True)
class Guard:
    """A check that exits (return / continue / raise / throw) before a write when it holds.

    kind:
      "metadata"    HeadObject / head_object / headObject on the incoming object, then a test of
                    its Metadata (user metadata) before the write
      "key"         a test of the incoming key: startswith / endswith / `in` / includes /
                    indexOf / a regex test or match
      "event-name"  a test of the record's eventName (S3 or DynamoDB stream) or similar
      "source"      a test of EventBridge event.source / detail-type
      "record"      record selection: a test of a stream record's key or image attribute, or of a
                    queue message's body field, that only some records pass (record_test says which)
      "marker"      a test of a marker on the incoming message that the function sets on what it
                    writes back (`if body.get("enriched"): return`); `marker` names it
    """

    kind: str
    line: int
    text: str  # the test as written, shortened for messages (at most ~80 chars)
    # For "key" guards when determinable: (operation, literal, exits_when_true)
    # operation is "startswith" | "endswith" | "contains"; e.g. `if key.startswith("out/"): return`
    # gives ("startswith", "out/", True); `if (!key.startsWith("in/")) return;` gives
    # ("startswith", "in/", False).
    key_test: Optional[Tuple[str, str, bool]] = None
    file: str = ""  # where the check is, when not in the write's own file (a caller's guard)
    # "marker" guards: which marker the check tests, in the notation of Write.marks.
    marker: str = ""
    # "record" and "event-name" guards: which records the check lets through (record selection).
    record_test: Optional[RecordTest] = None


# -- what bounds a loop ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    """A check before a write that ends the chain after some hops: a counter carried in the
    message, incremented on each re-send and compared with a limit, or a deadline carried in
    it and compared with the clock.

    kind:      "counter" | "deadline"
    variable:  the carried value as written (`body["attempt"]`, `msg.retries`)
    limit:     the most hops the chain can take, when known (the compared literal, or an
               environment variable's value from the template); None: unknown
    limit_env: the environment variable the limit is read from, when it is one (a deadline's:
               its timeout in seconds, the hops being that over `delay`)
    delay:     a deadline's delay in seconds between hops (SQS DelaySeconds), when known
    """

    kind: str
    variable: str
    line: int
    text: str  # the comparison as written, shortened for messages
    limit: Optional[int] = None
    limit_env: str = ""
    file: str = ""  # where the check is, when not in the write's own file
    delay: Optional[int] = None


# Write.details key: the status check a write back runs under when no bound ends the chain
# (`status != "DONE" (app.py:8)`): it is re-sent until outside state changes.
WAITS_ON = "WaitsOn"


# -- the write itself ----------------------------------------------------------------------------


@dataclass
class Write:
    """One call that can emit an event somewhere.

    service/api use AWS API names: ("s3", "PutObject" | "CopyObject" | "UploadFile" |
    "CompleteMultipartUpload" | "DeleteObject" | "DeleteObjects"), ("sqs", "SendMessage" |
    "SendMessageBatch"), ("sns", "Publish" | "PublishBatch"), ("dynamodb", "PutItem" |
    "UpdateItem" | "DeleteItem" | "BatchWriteItem" | "TransactWriteItems" |
    "ExecuteStatement"), ("kinesis", "PutRecord" | "PutRecords"), ("events", "PutEvents"),
    ("states", "StartExecution" | "StartSyncExecution"), ("lambda", "Invoke" | "InvokeAsync"),
    ("firehose", "PutRecord" | "PutRecordBatch").
    UploadFile stands for boto3 upload_file / upload_fileobj / Bucket.upload_file and JS
    lib-storage Upload / SDK v2 s3.upload (they switch to multipart above a size threshold).
    """

    service: str
    api: str
    target: Target
    file: str  # path of the source file, as given to the analyser
    line: int  # 1-based
    column: int  # 1-based
    key: Optional[KeyExpr] = None  # S3 object key (destination key for CopyObject)
    guards: Tuple[Guard, ...] = ()  # guards that dominate this write (it runs only after them)
    details: Dict[str, str] = field(default_factory=dict)
    # Markers the write sets on what it sends: "body.<field>" (a field of a JSON message body or
    # of EventBridge Detail), "attribute.<name>" (an SQS/SNS message attribute), "metadata.<name>"
    # (S3 user metadata). A "marker" guard on the same name skips this write's own output.
    marks: Tuple[str, ...] = ()
    bound: Optional[Bound] = None  # what ends the chain when this write re-sends into a loop
    # Why `marks` may be incomplete (a body, attributes or metadata built in a way not followed);
    # "" when the marks are known.
    marks_unknown: str = ""
    # DynamoDB writes: attribute values of the item written, where the code names them (Key's
    # attributes; Item's for PutItem), for record selection (RecordTest) on the stream.
    item: Tuple[Tuple[str, KeyExpr], ...] = ()
    # Message writes: the literal text of marks the write sets, where the code gives it
    # (("body.type", "order.enriched"), ("attribute.kind", "result")), for record selection
    # (RecordTest) on the queue, topic or bus it writes; a mark missing here has a value not known.
    mark_values: Tuple[Tuple[str, str], ...] = ()
    # details carries literals the event-path rules use when present:
    #   events.PutEvents: "Source", "DetailType", "EventBusName"
    #   sns.Publish: "MessageAttributes" (comma-separated attribute names)
    #   dynamodb.*: "Table" resource form ("resource" vs "client")


@dataclass
class CodeFacts:
    """What the analyser learned from one function's code."""

    language: str  # "python" | "javascript" | "typescript" | "java" | "go" | "csharp"
    files: List[str] = field(default_factory=list)  # files read, entry first
    writes: List[Write] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)  # "app.py:12: syntax error ..." etc.
    analysed: bool = True  # False: nothing trustworthy; permissions decide
    # False when some call could not be analysed (an SDK method chosen at run time) or some
    # code was not read (an import not followed: too deep, too many files, not found): the
    # writes found are real, but the absence of a write proves nothing.
    complete: bool = True
    # Where a limit cut the analysis short (an import not followed, a budget used up), one
    # line each, for the `loopcheck: note:` lines on stderr; also listed in problems.
    notes: List[str] = field(default_factory=list)
    work_units: int = 0  # what the analysis spent of its budget (loopcheck.code.budget)
