"""Python handler analyser: which calls in a Lambda function's Python code can emit events.

It reads the handler's source with the standard `ast` module -- never importing, executing or
compiling it to run -- and reports every S3 write (plus SQS, SNS, DynamoDB, Kinesis,
EventBridge, Step Functions, Lambda and Firehose sends) as `loopcheck.code.facts.CodeFacts`:
which bucket/queue/... it names, which key it writes, and which `if` tests must pass first.

How: a small abstract interpreter walks the handler the way Python would run it, statement by
statement, keeping for every variable an abstract value -- a boto3 client for "s3", "the
environment variable OUT", "the event's bucket", a key expression such as
Concat(Lit("thumb/"), IncomingKey()) -- and follows calls into functions of the analysed files
(binding their parameters to the caller's arguments; a call site reached from several callers
keeps only what they agree on) and imports of modules that are files inside the function's code
folder. Branches are walked separately and merged; a branch that always leaves (return, raise,
continue, break) turns its `if` test into guards for what follows.

Reported: writes reachable from the handler, plus writes in functions handed to code the
analyser cannot follow (callbacks, decorated or registered functions, methods of instantiated
classes), walked with unknown arguments. Without the named handler, every function is walked.

Not followed (the value becomes Target("unknown", why) / AnyText(why), never a guess): values
computed at run time (dict lookups with computed keys, calls into unanalysed code, getattr with
a computed name -- reported as a problem, since its API is unknown), SDK calls through
wrappers outside the code folder (clients made by third-party libraries), string
slicing and case changes of keys, mutation of lists, and globals rebound after the first use.

Work is bounded: files of at most MAX_FILE_BYTES, at most MAX_FILES files, imports followed at
most `max_depth` deep, calls followed MAX_CALL_DEPTH deep, and a work budget that grows with
the code read (loopcheck.code.budget: statements walked and expressions evaluated, and CPU
time). An import not followed makes the facts incomplete; a budget used up, unanalysed.
"""

from __future__ import annotations

import ast
import contextlib
import posixpath
import re
import string
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

from loopcheck.code import source_files
from loopcheck.code.bounds import (
    PYTHON_CLOCK_CALLS,
    PYTHON_CLOCK_SCALE,
    Check,
    Side,
    bound_of,
    comparison_check,
    fresh_start,
)
from loopcheck.code.facts import (
    WAITS_ON,
    AnyText,
    Basename,
    Bound,
    CodeFacts,
    Concat,
    Guard,
    IncomingBucket,
    IncomingKey,
    KeyExpr,
    Lit,
    RecordTest,
    Replace,
    Slice,
    Stem,
    Target,
    event_source_target,
)
from loopcheck.code.facts_builder import FactsBuilder, not_analysed
from loopcheck.code.guards import event_field_kind, first_kind, key_tests, shorten
from loopcheck.code.inputs import (
    INCOMING_BUCKET_PATHS,
    INCOMING_KEY_PATHS,
    env_target,
    env_text,
    names_event_source,
)
from loopcheck.code.item_change import (
    CHANGING,
    CHANGING_TEXT,
    PYTHON_CHANGING_CALLS,
    STABLE,
    UNKNOWN,
    combine,
    key_change,
)
from loopcheck.code.keys import (
    KeyOperation,
    basename,
    bounded,
    concat,
    glob_test,
    mentions_incoming,
    regex_test,
    separated,
    sliced,
    stem,
)
from loopcheck.code.markers import BASE64, JSON, is_message, marker_at
from loopcheck.code.requests import read_write
from loopcheck.code.selection import DECODED, record_field, record_test
from loopcheck.code.source_files import CodeFolder, import_not_followed, read_text, safe_resolve
from loopcheck.code.values import Request, Value
from loopcheck.knowledge import sdk_catalog

MAX_FILES = source_files.MAX_FILES
MAX_CALL_DEPTH = 6
MAX_PREDICATE_DEPTH = 2

# Never followed into, even when a copy is vendored inside the code folder: these are the SDK.
_SDK_PACKAGES = frozenset({"boto3", "botocore", "aioboto3", "aiobotocore", "s3transfer"})

_COMPARISONS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
MAX_SENT_VALUES = 200  # parts of a write's request looked at for what it carries on
MAX_FIELD_DEPTH = 4  # nested message fields looked into for a counter a fresh message starts
_JSON = JSON  # path marker: json.loads of an event field (S3 events wrapped in SQS / SNS)

# AWS Lambda Powertools data classes read the same fields through attributes.
_EVENT_ATTRIBUTES: Dict[str, Tuple[str, ...]] = {
    "records": ("Records",),
    "s3": ("s3",),
    "bucket": ("bucket",),
    "name": ("name",),
    "get_object": ("object",),
    "key": ("key",),
    "event_name": ("eventName",),
    "detail": ("detail",),
    "detail_type": ("detail-type",),
    "source": ("source",),
    "body": ("body",),
    "json_body": ("body", _JSON),
    "object_key": ("Records", "*", "s3", "object", "key"),
    "bucket_name": ("Records", "*", "s3", "bucket", "name"),
    "raw_event": (),
}

# -- abstract values ---------------------------------------------------------------------------
# Strings are facts.KeyExpr values (Lit, IncomingKey, Concat, ...); everything else is below.


@dataclass(frozen=True)
class _Unknown:
    """A value the analyser cannot name; `why` ends up in messages."""

    why: str


@dataclass(frozen=True)
class _Changing:
    """A value that differs on every call (time.time(), uuid4(), ...), and anything computed
    from it; as text it is AnyText marked CHANGING_TEXT (see loopcheck.code.item_change)."""

    why: str




@dataclass(frozen=True)
class _Clock(_Changing):
    """The clock (time.time(), datetime.now()): changing, and what a deadline is compared with."""


@dataclass(frozen=True)
class _Incremented:
    """A number carried in the incoming message (the event field at `path`) plus `step`."""

    path: Tuple[str, ...]
    step: int


@dataclass(frozen=True)
class _Elapsed(_Changing):
    """The clock minus a time carried in the message (the event field at `path`), in units of
    `scale` seconds (changing, as the clock it is computed from)."""

    path: Tuple[str, ...] = ()
    scale: float = PYTHON_CLOCK_SCALE


@dataclass(frozen=True)
class _EnvNumber:
    """int(os.environ["X"]): a number the template may set (a limit a bound compares with)."""

    name: str


@dataclass(frozen=True)
class _Serialized:
    """json.dumps(value): text whose content is `value` (what a message carries on)."""

    value: object


@dataclass(frozen=True)
class _Const:
    """A non-string constant (number, bool, None): indexes, split counts, `x = None` defaults."""

    value: object


@dataclass(frozen=True)
class _Env:
    """The value of an environment variable (os.environ["X"], os.getenv("X"))."""

    name: str


@dataclass(frozen=True)
class _Event:
    """The handler's event argument, or a part of it reached through `path`
    ("Records", "*", "s3", ...; "*" stands for any list item)."""

    path: Tuple[str, ...]


@dataclass(frozen=True)
class _Context:
    """The handler's context argument."""


@dataclass(frozen=True)
class _SelfName:
    """This function's own name or ARN (context.function_name)."""


@dataclass(frozen=True)
class _Ext:
    """A name from outside the analysed files, by dotted name (os.path.join, boto3.client, str)."""

    qualname: str


@dataclass(frozen=True)
class _Session:
    """A boto3 / botocore session."""


@dataclass(frozen=True)
class _Client:
    """A boto3 client of `service`."""

    service: str


@dataclass(frozen=True)
class _Resource:
    """A boto3 resource (boto3.resource) of `service`."""

    service: str


@dataclass(frozen=True)
class _ResourceMeta:
    """`resource.meta`, whose `.client` is the plain client."""

    service: str


@dataclass(frozen=True)
class _ResourceObj:
    """A boto3 resource sub-object: s3 Object / Bucket / Objects, dynamodb Table / BatchWriter,
    sqs Queue, sns Topic. `target` names the bucket/table/...; `key` the S3 key (Object) or the
    keys a collection covers (Objects)."""

    service: str
    kind: str
    target: object
    key: object = None


@dataclass(frozen=True)
class _Response:
    """An API response whose fields matter: head_object's Metadata, get_queue_url's QueueUrl."""

    fields: Tuple[Tuple[str, object], ...] = ()


@dataclass(frozen=True)
class _Metadata:
    """The user Metadata of an object; `incoming`: of the object whose event invoked us."""

    incoming: bool


@dataclass(frozen=True)
class _MetaValue:
    """Something read out of _Metadata."""

    incoming: bool


@dataclass(frozen=True)
class _Updated:
    """The incoming message (a parsed body, a detail, an invoke payload) with fields set on it
    (`body["enriched"] = True`): `items` are the fields set, the rest is `base`'s."""

    base: _Event
    items: Tuple[Tuple[object, object], ...]


@dataclass(frozen=True)
class _Deserializer:
    """boto3's TypeDeserializer: .deserialize({"S": "x"}) is "x"."""


@dataclass(frozen=True)
class _Filled:
    """A collection made empty (Counter(), defaultdict(...), set()) and filled later; `guards`
    are those every addition so far ran under (None: nothing added yet). A loop over its items
    runs only after an addition, so under those guards (records counted only when they pass a
    test, then written)."""

    guards: Optional[Tuple[Guard, ...]] = None

    def added(self, guards: Tuple[Guard, ...]) -> _Filled:
        if self.guards is None:
            return _Filled(guards)
        return _Filled(tuple(guard for guard in self.guards if guard in guards))


@dataclass(frozen=True)
class _Tuple:
    """A list or tuple display whose items are known."""

    items: Tuple[object, ...]


@dataclass(frozen=True)
class _Many:
    """A list of unknown length whose items all look like `element` (a comprehension)."""

    element: object


@dataclass(frozen=True)
class _Dict:
    """A dict display; keys are abstract values too."""

    items: Tuple[Tuple[object, object], ...]


@dataclass(frozen=True)
class _Split:
    """text.split(sep, maxsplit) / text.rsplit(...): indexed later."""

    source: KeyExpr
    sep: str
    from_right: bool
    maxsplit: int


@dataclass(frozen=True)
class _Enumerate:
    """enumerate(inner): (index, item) pairs of `inner`'s items."""

    inner: object


@dataclass(frozen=True)
class _PathVal:
    """pathlib.PurePosixPath(text) and friends."""

    source: KeyExpr


@dataclass(frozen=True)
class _Regex:
    """re.compile(pattern)."""

    pattern: str


@dataclass(frozen=True)
class _Member:
    """`receiver.name` that is not data: a method about to be called (or passed on)."""

    receiver: object
    name: str


@dataclass(frozen=True)
class _Dynamic:
    """getattr(client, <computed name>): a call whose API cannot be known."""

    receiver: object


@dataclass(frozen=True)
class _Func:
    """A function (or lambda) defined in an analysed file, with the scope it closes over."""

    module: _Module
    node: Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]
    closure: _Frame


@dataclass(frozen=True)
class _Bound:
    """A method bound to an instance."""

    func: _Func
    instance: object


@dataclass(frozen=True)
class _ClassRef:
    """A class defined in the analysed files."""

    info: _ClassInfo


@dataclass(frozen=True)
class _Instance:
    """An instance of a class defined in the analysed files."""

    info: _ClassInfo


@dataclass(frozen=True)
class _ModuleRef:
    """A module of the analysed files, imported by name."""

    module: _Module


_NONE = _Const(None)
# Methods that add to a collection, and those that give a view of it (looped over the same).
_ADDING_METHODS = frozenset({"update", "add", "append", "appendleft", "extend", "setdefault", "insert"})
_VIEW_METHODS = frozenset({"items", "keys", "values", "most_common", "elements", "copy"})
_KEY_TYPES = (Lit, IncomingKey, AnyText, Concat, Replace, Stem, Basename, Slice)
_TEXT_TYPES = _KEY_TYPES + (_Env, _SelfName)
_AWS_OBJECTS = (_Client, _Resource, _ResourceObj)


class _Module:
    """One analysed file: its tree, its global scope, where its package lives."""

    def __init__(self, display: str, tree: ast.Module, text: str, package_dir: Optional[Path], depth: int):
        self.display = display
        self.tree = tree
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.package_dir = package_dir
        self.depth = depth
        self.is_package = False
        self.frame = _Frame(self, {}, None, "module")
        self.may_yield = "yield" in text  # no function here is a generator otherwise

    def column(self, node: ast.AST) -> int:
        """1-based column in characters (ast counts UTF-8 bytes)."""
        offset = getattr(node, "col_offset", 0)
        line_no = getattr(node, "lineno", 1)
        if 0 < line_no <= len(self.lines):
            line = self.lines[line_no - 1]
            if not line.isascii():
                return source_files.character_column(line.encode("utf-8"), 0, offset)
        return offset + 1


class _ClassInfo:
    """A class defined in an analysed file; instance attributes share its namespace."""

    def __init__(self, name: str, frame: _Frame):
        self.name = name
        self.frame = frame


class _Frame:
    """One scope being walked: a module, a class body, a function call or a comprehension."""

    def __init__(self, module: _Module, variables: Dict[str, object], parent: Optional[_Frame], kind: str):
        self.module = module
        self.vars = variables
        self.parent = parent
        self.kind = kind  # "module" | "class" | "function" | "comprehension"
        self.declared_global: set = set()
        self.returns: List[object] = []
        # The guards (facts.Guard) and bound checks (bounds.Check) that hold here.
        self.guards: Tuple[Union[Guard, Check], ...] = ()


class _Outcome(NamedTuple):
    """What a statement means for the rest of its block."""

    leaves: bool = False  # always returns / raises / continues / breaks
    guards: Tuple[Union[Guard, Check], ...] = ()  # guards and bound checks holding for the statements after it


@dataclass
class _Args:
    """The arguments of one call, evaluated."""

    positional: Tuple[object, ...] = ()
    keywords: Optional[Dict[str, object]] = None
    star: str = ""  # why positions beyond `positional` are unknown (*args at the call site)
    double_star: str = ""  # why missing keywords are unknown (**kwargs at the call site)

    def get(self, name: str, position: Optional[int] = None) -> Optional[object]:
        """The argument for parameter `name` (at `position` when passed positionally), an
        _Unknown when *args / **kwargs may carry it, None when it is certainly absent."""
        keywords = self.keywords or {}
        if name in keywords:
            return keywords[name]
        if position is not None and position < len(self.positional):
            return self.positional[position]
        if self.star and position is not None:
            return _Unknown(self.star)
        if self.double_star:
            return _Unknown(self.double_star)
        return None


# -- boto3's method names for the catalog's write APIs (loopcheck.knowledge.sdk_catalog) ----------


@dataclass(frozen=True)
class _Method:
    """A boto3 method that calls one catalog write API."""

    service: str
    api: str
    positional: Tuple[str, ...] = ()  # parameter order when they may be passed positionally


_CLIENT_APIS: Dict[str, Dict[str, _Method]] = {
    "s3": {
        "put_object": _Method("s3", "PutObject"),
        "copy_object": _Method("s3", "CopyObject"),
        "copy": _Method("s3", "CopyObject", ("CopySource", "Bucket", "Key")),
        "upload_file": _Method("s3", "UploadFile", ("Filename", "Bucket", "Key")),
        "upload_fileobj": _Method("s3", "UploadFile", ("Fileobj", "Bucket", "Key")),
        "delete_object": _Method("s3", "DeleteObject"),
        "delete_objects": _Method("s3", "DeleteObjects"),
        "complete_multipart_upload": _Method("s3", "CompleteMultipartUpload"),
    },
    "sqs": {
        "send_message": _Method("sqs", "SendMessage"),
        "send_message_batch": _Method("sqs", "SendMessageBatch"),
    },
    "sns": {"publish": _Method("sns", "Publish"), "publish_batch": _Method("sns", "PublishBatch")},
    "dynamodb": {
        "put_item": _Method("dynamodb", "PutItem"),
        "update_item": _Method("dynamodb", "UpdateItem"),
        "delete_item": _Method("dynamodb", "DeleteItem"),
        "batch_write_item": _Method("dynamodb", "BatchWriteItem"),
        "transact_write_items": _Method("dynamodb", "TransactWriteItems"),
        "execute_statement": _Method("dynamodb", "ExecuteStatement"),
    },
    "kinesis": {"put_record": _Method("kinesis", "PutRecord"), "put_records": _Method("kinesis", "PutRecords")},
    "events": {"put_events": _Method("events", "PutEvents")},
    "stepfunctions": {
        "start_execution": _Method("states", "StartExecution"),
        "start_sync_execution": _Method("states", "StartSyncExecution"),
    },
    "lambda": {"invoke": _Method("lambda", "Invoke"), "invoke_async": _Method("lambda", "InvokeAsync")},
    "firehose": {
        "put_record": _Method("firehose", "PutRecord"),
        "put_record_batch": _Method("firehose", "PutRecordBatch"),
    },
}

# Resource sub-objects: the target (and an Object's key) come from the object, the rest from the call.
_RESOURCE_APIS: Dict[Tuple[str, str], Dict[str, _Method]] = {
    ("s3", "Object"): {
        "put": _Method("s3", "PutObject"),
        "copy_from": _Method("s3", "CopyObject"),
        "copy": _Method("s3", "CopyObject"),
        "upload_file": _Method("s3", "UploadFile"),
        "upload_fileobj": _Method("s3", "UploadFile"),
        "delete": _Method("s3", "DeleteObject"),
    },
    ("s3", "Bucket"): {
        "put_object": _Method("s3", "PutObject"),
        "upload_file": _Method("s3", "UploadFile", ("Filename", "Key")),
        "upload_fileobj": _Method("s3", "UploadFile", ("Fileobj", "Key")),
        "copy": _Method("s3", "CopyObject", ("CopySource", "Key")),
        "delete_objects": _Method("s3", "DeleteObjects"),
    },
    ("s3", "Objects"): {"delete": _Method("s3", "DeleteObjects")},
    ("dynamodb", "Table"): {
        "put_item": _Method("dynamodb", "PutItem"),
        "update_item": _Method("dynamodb", "UpdateItem"),
        "delete_item": _Method("dynamodb", "DeleteItem"),
    },
    ("dynamodb", "BatchWriter"): {
        "put_item": _Method("dynamodb", "BatchWriteItem"),
        "delete_item": _Method("dynamodb", "BatchWriteItem"),
    },
    ("sqs", "Queue"): {
        "send_message": _Method("sqs", "SendMessage"),
        "send_messages": _Method("sqs", "SendMessageBatch"),
    },
    ("sns", "Topic"): {"publish": _Method("sns", "Publish")},
}

# resource.Factory(...) parameters: (target, key) by keyword name, also positional in that order.
_RESOURCE_FACTORIES: Dict[Tuple[str, str], Tuple[str, ...]] = {
    ("s3", "Object"): ("bucket_name", "key"),
    ("s3", "Bucket"): ("name",),
    ("dynamodb", "Table"): ("name",),
    ("sqs", "Queue"): ("url",),
    ("sns", "Topic"): ("arn",),
}


# -- key expressions -------------------------------------------------------------------------------


def _ends_with_slash(expr: KeyExpr) -> bool:
    last = expr.parts[-1] if isinstance(expr, Concat) else expr
    return isinstance(last, Lit) and last.text.endswith("/")


def _path_join(parts: Sequence[KeyExpr]) -> KeyExpr:
    """os.path.join: "/" between parts unless one is already there; an absolute part restarts."""
    result = parts[0] if parts else Lit("")
    for part in parts[1:]:
        if isinstance(part, Lit) and part.text.startswith("/"):
            result = part
        elif result == Lit("") or _ends_with_slash(result):
            result = concat([result, part])
        else:
            result = concat([result, Lit("/"), part])
    return result


def _mentions_incoming(value: object) -> bool:
    """Whether a key expression (or split of one) is built from the incoming key."""
    return mentions_incoming(value.source if isinstance(value, (_Split, _PathVal)) else value)


def _strip_json(path: Tuple[str, ...]) -> Tuple[str, ...]:
    """The path inside the innermost json.loads'ed event field (the whole path without one)."""
    if _JSON in path:
        return path[len(path) - path[::-1].index(_JSON) :]
    return path


def _event_value(path: Tuple[str, ...]) -> object:
    """The value at `path` in the event: the incoming key is a key expression of its own."""
    return IncomingKey() if _strip_json(path) in INCOMING_KEY_PATHS else _Event(path)


def _describe(value: object) -> str:
    """A short reason why `value` is not a concrete name, for Target("unknown", ...)."""
    if isinstance(value, _Unknown):
        return value.why
    if isinstance(value, _Serialized):
        return "the result of json.dumps()"
    if isinstance(value, _EnvNumber):
        return "the result of int()"
    if isinstance(value, _Incremented):
        return "the result of arithmetic"
    if isinstance(value, AnyText):
        return value.why or "computed text"
    if isinstance(value, _Event):
        return "read from the event (" + ".".join(value.path) + ")"
    if _mentions_incoming(value):
        return "derived from the incoming object key"
    if isinstance(value, Concat):
        return "built from parts: " + "".join(
            part.text if isinstance(part, Lit) else "{" + _describe(part) + "}" for part in value.parts
        )
    if isinstance(value, (_Tuple, _Many, _Dict)):
        return "a list or dict, not a name"
    if isinstance(value, _Const):
        return f"the constant {value.value!r}"
    if isinstance(value, _Ext):
        return f"{value.qualname} (outside the analysed code)"
    if isinstance(value, _Changing):
        return CHANGING_TEXT + value.why
    return "not a value the analyser can follow"


def _key_of(value: object) -> KeyExpr:
    """An abstract value as an S3 key expression."""
    if isinstance(value, _KEY_TYPES):
        return value
    if isinstance(value, _PathVal):
        return value.source
    if isinstance(value, _Env):
        return env_text(value.name)
    if isinstance(value, _Changing):
        return AnyText(CHANGING_TEXT + value.why)
    if isinstance(value, _Const) and value.value is not None:
        return Lit(str(value.value))
    if isinstance(value, _Event) and _strip_json(value.path) in INCOMING_BUCKET_PATHS:
        return IncomingBucket(_describe(value))
    return AnyText(_describe(value))


def _target_of(value: object) -> Target:
    """An abstract value as the name of a bucket, queue, topic, table, ..."""
    if isinstance(value, Lit):
        return Target("literal", value.text)
    if isinstance(value, _Env):
        return env_target(value.name)
    if isinstance(value, _Event) and names_event_source(_strip_json(value.path)):
        return Target("event-source")
    if isinstance(value, _SelfName):
        return Target("self")
    return event_source_target(value) or Target("unknown", _describe(value))


def _merge(first: object, second: object) -> object:
    """The value of a variable that holds `first` on one path and `second` on another.
    None is taken for a placeholder (`client = None` ... `client = boto3.client(...)`)."""
    if first == second or second == _NONE:
        return first
    if first == _NONE:
        return second
    if isinstance(first, _Filled) and isinstance(second, _Filled):  # added to on one path only
        return first.added(second.guards) if second.guards is not None else first
    return _Unknown("set differently on different paths")


def _merge_all(values: Sequence[object]) -> object:
    result = values[0]
    for value in values[1:]:
        result = _merge(result, value)
    return result


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _restarted(on_true: object, on_false: object, absent: Tuple[List[Tuple[str, ...]], List[Tuple[str, ...]]]
               ) -> Optional[object]:
    """The value of a variable that holds, after an if, a message built afresh on the branch
    whose test proves a field missing and the incoming message with a counter incremented on
    the other: the incremented message, when the fresh one only starts the chain (see
    loopcheck.code.bounds.fresh_start). None otherwise."""
    for fresh, carried, missing in ((on_true, on_false, absent[0]), (on_false, on_true, absent[1])):
        if not isinstance(fresh, _Dict) or not isinstance(carried, _Updated) or not missing:
            continue
        base = carried.base.path
        inside = [path[len(base):] for path in missing if path[: len(base)] == base and len(path) > len(base)]
        counters = [path[len(base):] for path in _incremented_paths(carried, 0) if path[: len(base)] == base]
        if fresh_start(inside, _literal_fields(fresh, (), 0), counters):
            return carried
    return None


def _incremented_paths(value: object, depth: int) -> List[Tuple[str, ...]]:
    """The counters a message with fields set increments (nested fields too)."""
    if depth > MAX_FIELD_DEPTH or not isinstance(value, (_Updated, _Dict)):
        return [value.path] if isinstance(value, _Incremented) else []
    return [path for _, item in value.items for path in _incremented_paths(item, depth + 1)]


def _literal_fields(value: _Dict, prefix: Tuple[str, ...], depth: int
                    ) -> Dict[Tuple[str, ...], Optional[float]]:
    """The fields a dict display sets, by path: a number when it is a literal one, else None."""
    found: Dict[Tuple[str, ...], Optional[float]] = {}
    for key, item in value.items:
        if not isinstance(key, Lit):
            continue
        path = prefix + (key.text,)
        found[path] = _const_number(item)
        if isinstance(item, _Dict) and depth < MAX_FIELD_DEPTH:
            found.update(_literal_fields(item, path, depth + 1))
    return found


class _Vars(dict):
    """A scope's variables, logging every name set; copies share the log. A branch then
    merges only the names set since it began (merging every variable of a long function at
    each of its `if`s was quadratic)."""

    __slots__ = ("log",)

    def __init__(self, items: Dict[str, object], log: Optional[List[str]] = None):
        super().__init__(items)
        self.log: List[str] = [] if log is None else log

    def __setitem__(self, name: str, value: object) -> None:
        self.log.append(name)
        super().__setitem__(name, value)


def _copy_vars(variables: Dict[str, object]) -> _Vars:
    return _Vars(variables, variables.log if isinstance(variables, _Vars) else None)


def _merge_vars(
    first: Dict[str, object], second: Dict[str, object], names: Optional[Iterable[str]] = None
) -> Dict[str, object]:
    """first and second merged; `names`, when given, are the only names whose values may
    differ between the two (the rest are the very same objects)."""
    merged = _copy_vars(first)
    pairs = second.items() if names is None else ((name, second[name]) for name in names if name in second)
    for name, value in pairs:
        # both sides mostly still hold what they held before the branch: the same object
        old = first.get(name, merged)  # merged: a marker for "absent"
        if old is not value:
            merged[name] = value if old is merged else _merge(old, value)
    return merged


def _set_since(before: _Vars, start: int, *after: Dict[str, object]) -> Optional[Iterable[str]]:
    """The names set in `after` (copies of before) since the log was `start` long, in the
    order they were first set; None when one of them does not share before's log."""
    if any(not isinstance(variables, _Vars) or variables.log is not before.log for variables in after):
        return None
    return dict.fromkeys(before.log[start:])


def _lit_text(value: object) -> Optional[str]:
    return value.text if isinstance(value, Lit) else None


def _int_value(value: object) -> Optional[int]:
    if isinstance(value, _Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return value.value
    return None


def _dict_get(value: object, name: str) -> Optional[object]:
    """dict_display[name] when the display has that literal key."""
    if isinstance(value, _Dict):
        for key, item in value.items:
            if key == Lit(name):
                return item
    return None


def _dict_is_complete(value: object) -> bool:
    return isinstance(value, _Dict) and all(isinstance(key, Lit) for key, _ in value.items)


_PERCENT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<conv>[a-zA-Z%])")


def _percent_format(template: str, operand: object) -> KeyExpr:
    """`template % operand` with %s placeholders as key parts."""
    values = list(operand.items) if isinstance(operand, _Tuple) else [operand]
    parts: List[KeyExpr] = []
    position = 0
    used = 0
    for match in _PERCENT.finditer(template):
        parts.append(Lit(template[position : match.start()]))
        position = match.end()
        conversion = match.group("conv")
        if conversion == "%":
            parts.append(Lit("%"))
            continue
        if "*" in match.group(0):
            return AnyText("a %-format with * widths")
        if match.group("name") is not None:
            value = _dict_get(operand, match.group("name"))
        else:
            value = values[used] if used < len(values) else None
            used += 1
        if value is None:
            return AnyText("a %-format whose values are not known")
        parts.append(_key_of(value) if conversion == "s" else AnyText("a formatted value"))
    parts.append(Lit(template[position:]))
    return concat(parts)


def _str_format(template: str, args: _Args) -> KeyExpr:
    """`template.format(...)` with {} / {0} / {name} fields as key parts."""
    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError:
        return AnyText("a format string the analyser cannot read")
    parts: List[KeyExpr] = []
    automatic = 0
    for literal, field_name, spec, conversion in pieces:
        parts.append(Lit(literal))
        if field_name is None:
            continue
        if field_name == "":
            value = args.get("", automatic)
            automatic += 1
        elif field_name.isdigit():
            value = args.get("", int(field_name))
        elif field_name.isidentifier():
            value = args.get(field_name)
        else:
            value = _Unknown("a format field with an attribute or index")
        if spec or conversion == "r":
            value = _Unknown("a formatted value")
        parts.append(_key_of(value) if value is not None else AnyText("a missing format argument"))
    return concat(parts)


def _split_item(split: _Split, index: int) -> KeyExpr:
    """text.split(...)[index] / text.rsplit(...)[index] as a key expression."""
    if isinstance(split.source, Lit):
        method = split.source.text.rsplit if split.from_right else split.source.text.split
        pieces = method(split.sep, split.maxsplit)
        return Lit(pieces[index]) if -len(pieces) <= index < len(pieces) else AnyText("out of range")
    single_right = split.from_right and split.maxsplit == 1
    if split.sep == "/" and (index == -1 or (single_right and index == 1)):
        return basename(split.source)
    if split.sep == "." and single_right and index == 0:
        return stem(split.source)
    if split.sep == "." and (index == -1 or (single_right and index == 1)):
        return AnyText("a file extension")
    return AnyText(f"part {index} of a split key")


def _shorten(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - unparse of an odd tree: the message just loses its text
        text = "<test>"
    return shorten(text)


def _conditions(test: ast.expr, holds: bool) -> List[Tuple[ast.expr, bool, bool]]:
    """What is known at code that runs when `test` is `holds`: (atom, atom value, exact) for
    each conjunct; a disjunction stays one atom with exact=False (only its kind is known)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _conditions(test.operand, not holds)
    if isinstance(test, ast.BoolOp):
        if isinstance(test.op, ast.And) == holds:  # every operand has the value of the whole
            return [found for value in test.values for found in _conditions(value, holds)]
        return [(test, holds, False)]
    return [(test, holds, True)]


def _is_main_check(test: ast.expr) -> bool:
    """`if __name__ == "__main__":` -- local test code, not what Lambda runs."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _single_return(func: _Func) -> Optional[ast.expr]:
    """The expression of a function whose body is just `return <expr>` (docstring allowed)."""
    if isinstance(func.node, ast.Lambda):
        return func.node.body
    body = list(func.node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
        return body[0].value
    return None


def _function_name(func: _Func) -> str:
    return "lambda" if isinstance(func.node, ast.Lambda) else func.node.name


def _memo_key(
    func: _Func, args: _Args, guards: Tuple[Guard, ...], instance: object
) -> Optional[Tuple[object, ...]]:
    """What a call's walk depends on, or None when some argument cannot be a dict key."""
    keywords = tuple(sorted((args.keywords or {}).items(), key=lambda item: item[0]))
    key = (func, instance, args.positional, keywords, args.star, args.double_star, guards)
    try:
        hash(key)
    except TypeError:
        return None
    return key


# -- parsing -----------------------------------------------------------------------------------------


def _parse(text: str, display: str) -> Tuple[Optional[ast.Module], Optional[str]]:
    """(tree, None) or (None, "<file>:<line>: syntax error: <msg>"). Parsing only: the tree is
    never compiled or run."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            return ast.parse(text, filename=display), None
    except SyntaxError as error:
        return None, f"{display}:{error.lineno or 0}: syntax error: {error.msg}"
    except (ValueError, RecursionError, MemoryError) as error:
        return None, f"{display}:0: syntax error: {error or type(error).__name__}"


class _Sources(CodeFolder):
    """The function's code folder as Python imports see it: packages, and what is not read."""

    def __init__(self, root: Optional[Path], max_depth: int):
        super().__init__(root, max_depth, MAX_FILES)
        self._vendored: Optional[FrozenSet[str]] = None

    def package_base(self, package_dir: Optional[Path], level: int) -> Optional[Path]:
        """Where `from <level dots>x import y` looks, or None when that leaves the folder."""
        if self.root is None:
            return None
        if level == 0:
            return self.root
        base = package_dir
        for _ in range(level - 1):
            base = base.parent if base is not None else None
        return base if base is not None and self.inside(base) else None

    def locate(self, base: Path, parts: Sequence[str]) -> Tuple[Optional[Path], bool]:
        """(file or package folder of module `parts` under `base`, escapes): escapes is True
        when it exists but resolves outside the code folder (a symlink out)."""
        folder = base.joinpath(*parts)
        candidates = [folder / "__init__.py", folder]
        if parts:
            candidates.insert(0, folder.with_name(parts[-1] + ".py"))
        return self.first_file(candidates, folder)

    def is_external(self, top: str) -> bool:
        """SDK packages and packages installed into the folder (`pip install -t`) are not read."""
        return top in _SDK_PACKAGES or top.lower() in self._vendored_names()

    def _vendored_names(self) -> FrozenSet[str]:
        if self._vendored is None:
            self._vendored = frozenset(self._scan_vendored())
        return self._vendored

    def _scan_vendored(self) -> Iterator[str]:
        if self.root is None:
            return
        try:
            entries = sorted(self.root.iterdir())[:5000]
        except OSError:
            return
        for entry in entries:
            if not entry.name.endswith((".dist-info", ".egg-info")):
                continue
            yield entry.name.split("-", 1)[0].lower()
            top_level = entry / "top_level.txt"
            resolved = safe_resolve(top_level)
            if resolved is not None and self.inside(resolved):
                text, _ = read_text(resolved, str(top_level))
                yield from (line.strip().lower() for line in (text or "").splitlines() if line.strip())


# -- the interpreter ------------------------------------------------------------------------------


class _Analyser:
    """Walks one function's code and collects its writes."""

    def __init__(self, sources: _Sources):
        self.sources = sources
        self.result = FactsBuilder("python")
        self.budget = self.result.budget  # grows with every file read
        self.modules: Dict[Path, _Module] = {}
        self._quiet = 0
        self._stack: List[ast.AST] = []
        self._walked: set = set()
        self._seen: Dict[int, object] = {}
        self._memo: Dict[Tuple[object, ...], Tuple[object, bool]] = {}
        # While one test is read (see _test_values): (node id, frame id) -> (node, frame, value),
        # and (node id, frame id, "kind") -> (node, frame, _test_kind's answer). The node and
        # frame are kept so that no other object can take their ids while the memo lives.
        self._test_memo: Optional[Dict[Tuple[object, ...], Tuple[ast.AST, _Frame, object]]] = None
        self._generators: Dict[int, bool] = {}

    # -- driving -----------------------------------------------------------------------------

    def run(self, text: str, display: str, function_name: str, path: Optional[Path]) -> CodeFacts:
        """Analyse the entry file `text` and its handler `function_name`."""
        self.result.read_file(display, len(text))
        tree, problem = _parse(text, display)
        if tree is None:
            self.result.fail(problem or "")
            return self.result.facts()

        def analysis() -> None:
            self.result.parsed(len(text))
            module = _Module(display, tree, text, path.parent if path else None, 0)
            if path is not None:
                self.modules[path] = module
            self._execute(module)
            self._call_handler(module, function_name)
            self._walk_unreached()

        return self.result.run(display, analysis)

    def _note(self, frame: _Frame, node: ast.AST, message: str) -> None:
        if not self._quiet:
            self.result.problem(f"{frame.module.display}:{getattr(node, 'lineno', 0)}: {message}")

    def _tick(self) -> None:
        self.budget.tick()

    def _unfollowed(self, frame: _Frame, node: ast.AST, message: str) -> None:
        """Code that was not read: what it writes is unknown, so a missing write proves nothing."""
        self.result.unfollowed(f"{frame.module.display}:{getattr(node, 'lineno', 0)}: {message}")

    @contextlib.contextmanager
    def _test_values(self) -> Iterator[None]:
        """Evaluate each expression of one test once: the guard readers (_guards_from_test,
        _absent_fields, _test_kind...) ask again and again for the values of the test's
        subexpressions, which cannot change while no statement runs, so re-evaluating them
        made an `if` cost quadratically in its test's depth. Statements walked meanwhile (a
        called function's body) evaluate afresh (_walk_block suspends the memo)."""
        outer = self._test_memo
        if outer is None:
            self._test_memo = {}
        try:
            yield
        finally:
            self._test_memo = outer

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Evaluate without recording writes (guard tests, the first pass over a loop body)."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _execute(self, module: _Module) -> None:
        """Run a module's top-level code, as importing it would, recording its writes."""
        saved_quiet, saved_stack = self._quiet, self._stack
        self._quiet, self._stack = 0, []
        try:
            self._walk_block(module.tree.body, module.frame, ())
        finally:
            self._quiet, self._stack = saved_quiet, saved_stack

    def _call_handler(self, module: _Module, function_name: str) -> None:
        handler = module.frame.vars.get(function_name)
        if isinstance(handler, _Instance):  # an object with __call__
            handler = self._class_attr(handler, "__call__")
        if isinstance(handler, (_Func, _Bound)):
            func = handler.func if isinstance(handler, _Bound) else handler
            instance = handler.instance if isinstance(handler, _Bound) else None
            self._invoke(func, _Args((_Event(()), _Context())), module.frame, instance)
            return
        self.result.problems.append(
            f"{module.display}: handler function {function_name!r} not found; every function was analysed"
        )
        for value in list(module.frame.vars.values()):
            if isinstance(value, _Func) and value.module is module:
                self._seen.setdefault(id(value.node), value)
            if isinstance(value, _ClassRef):
                self._seen_methods(value.info, _Instance(value.info))

    def _walk_unreached(self) -> None:
        """Walk the functions the code referenced but the walk never entered (callbacks,
        decorated functions, methods), with unknown arguments."""
        while True:
            pending = [value for key, value in self._seen.items() if key not in self._walked]
            if not pending:
                return
            for value in pending:
                func = value.func if isinstance(value, _Bound) else value
                instance = value.instance if isinstance(value, _Bound) else None
                self._walked.add(id(func.node))
                self._invoke(func, self._guessed_args(func), func.module.frame, instance)

    @staticmethod
    def _guessed_args(func: _Func) -> _Args:
        """Arguments for a function called from code the analyser did not follow: parameters
        named like the Lambda event / context / an S3 record are taken for them."""
        guesses = {"event": _Event(()), "evt": _Event(()), "context": _Context(), "ctx": _Context()}
        guesses.update({"record": _Event(("Records", "*")), "s3_record": _Event(("Records", "*"))})
        names = [
            arg.arg for arg in (*func.node.args.posonlyargs, *func.node.args.args, *func.node.args.kwonlyargs)
        ]
        why = f"a parameter of {_function_name(func)}, called from code the analyser did not follow"
        return _Args((), {name: guesses[name] for name in names if name in guesses}, why, why)

    # -- statements --------------------------------------------------------------------------

    def _walk_block(self, body: Sequence[ast.stmt], frame: _Frame, guards: Tuple[Guard, ...]) -> bool:
        """Walk statements in order; False once one of them always leaves the block. Guards
        found along the way hold for the statements after them."""
        outer_memo, self._test_memo = self._test_memo, None  # statements change values
        try:
            for stmt in body:
                frame.guards = guards
                self._tick()
                handler = getattr(self, "_stmt_" + type(stmt).__name__, self._stmt_other)
                outcome = handler(stmt, frame)
                if outcome.leaves:
                    return False
                guards = guards + outcome.guards
            return True
        finally:
            self._test_memo = outer_memo

    def _stmt_other(self, stmt: ast.stmt, frame: _Frame) -> _Outcome:
        """Statements without a meaning here (pass, del, ...): still evaluate what they contain."""
        self._eval_children(stmt, frame)
        return _Outcome()

    def _eval_children(self, node: ast.AST, frame: _Frame) -> None:
        """Evaluate the expressions directly inside `node`, for the calls (and writes) in them."""
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self._eval(child, frame)

    def _stmt_Expr(self, stmt: ast.Expr, frame: _Frame) -> _Outcome:
        self._eval(stmt.value, frame)
        return _Outcome()

    def _stmt_Assign(self, stmt: ast.Assign, frame: _Frame) -> _Outcome:
        value = self._eval(stmt.value, frame)
        for target in stmt.targets:
            self._bind(target, value, frame)
        return _Outcome()

    def _stmt_AnnAssign(self, stmt: ast.AnnAssign, frame: _Frame) -> _Outcome:
        if stmt.value is not None:
            self._bind(stmt.target, self._eval(stmt.value, frame), frame)
        return _Outcome()

    def _stmt_AugAssign(self, stmt: ast.AugAssign, frame: _Frame) -> _Outcome:
        current = self._eval(stmt.target, frame)
        self._bind(stmt.target, self._binop(current, stmt.op, self._eval(stmt.value, frame)), frame)
        return _Outcome()

    def _stmt_Return(self, stmt: ast.Return, frame: _Frame) -> _Outcome:
        frame.returns.append(self._eval(stmt.value, frame) if stmt.value is not None else _NONE)
        return _Outcome(leaves=True)

    def _stmt_Raise(self, stmt: ast.Raise, frame: _Frame) -> _Outcome:
        self._eval_children(stmt, frame)
        return _Outcome(leaves=True)

    def _stmt_Continue(self, stmt: ast.stmt, frame: _Frame) -> _Outcome:
        return _Outcome(leaves=True)

    _stmt_Break = _stmt_Continue

    def _stmt_Assert(self, stmt: ast.Assert, frame: _Frame) -> _Outcome:
        with self._test_values():
            self._eval(stmt.test, frame)
            return _Outcome(guards=self._guards_from_test(stmt.test, frame, True))

    def _stmt_Global(self, stmt: ast.Global, frame: _Frame) -> _Outcome:
        frame.declared_global.update(stmt.names)
        return _Outcome()

    def _stmt_If(self, stmt: ast.If, frame: _Frame) -> _Outcome:
        """Both branches, each under the guards its test gives it; a branch that always leaves
        makes the other branch's guards hold for the rest of the block."""
        guards = frame.guards
        if frame.kind == "module" and _is_main_check(stmt.test):
            return _Outcome(leaves=not self._walk_block(stmt.orelse, frame, guards))
        with self._test_values():
            self._eval(stmt.test, frame)
            when_true = self._guards_from_test(stmt.test, frame, True)
            when_false = self._guards_from_test(stmt.test, frame, False)
            absent = (self._absent_fields(stmt.test, frame, True), self._absent_fields(stmt.test, frame, False))
        before = frame.vars if isinstance(frame.vars, _Vars) else _Vars(frame.vars)
        start = len(before.log)
        frame.vars = _copy_vars(before)
        body_falls = self._walk_block(stmt.body, frame, guards + when_true)
        after_body, frame.vars = frame.vars, _copy_vars(before)
        else_falls = self._walk_block(stmt.orelse, frame, guards + when_false)
        after_else = frame.vars
        if body_falls and else_falls:
            names = _set_since(before, start, after_body, after_else)
            frame.vars = _merge_vars(after_body, after_else, names)
            if absent[0] or absent[1]:
                for name in names if names is not None else list(frame.vars):
                    started = _restarted(after_body.get(name), after_else.get(name), absent)
                    if started is not None:
                        frame.vars[name] = started
            return _Outcome()
        if body_falls:
            frame.vars = after_body
            return _Outcome(guards=when_true)
        frame.vars = after_else if else_falls else after_body
        return _Outcome(leaves=not else_falls, guards=when_false)

    def _loop(self, frame: _Frame, body: Sequence[ast.stmt], bind) -> None:
        """A loop body: one quiet pass finds what later iterations start from, then the real
        pass; afterwards variables may hold what they held before (zero iterations)."""
        guards = frame.guards
        before = _copy_vars(frame.vars)
        with self._quietly():
            bind()
            self._walk_block(body, frame, guards)
        frame.vars = _merge_vars(before, frame.vars)
        bind()
        self._walk_block(body, frame, guards)
        frame.vars = _merge_vars(before, frame.vars)
        frame.guards = guards

    def _stmt_For(self, stmt: Union[ast.For, ast.AsyncFor], frame: _Frame) -> _Outcome:
        iterated = self._eval(stmt.iter, frame)
        element = self._element_of(iterated)
        outside = frame.guards
        if isinstance(iterated, _Filled) and iterated.guards:  # runs only after an addition
            frame.guards = outside + tuple(guard for guard in iterated.guards if guard not in outside)
        self._loop(frame, stmt.body, lambda: self._bind(stmt.target, element, frame))
        frame.guards = outside
        return _Outcome(leaves=not self._walk_block(stmt.orelse, frame, frame.guards))

    _stmt_AsyncFor = _stmt_For

    def _stmt_While(self, stmt: ast.While, frame: _Frame) -> _Outcome:
        self._eval(stmt.test, frame)
        self._loop(frame, stmt.body, lambda: None)
        return _Outcome(leaves=not self._walk_block(stmt.orelse, frame, frame.guards))

    def _stmt_With(self, stmt: Union[ast.With, ast.AsyncWith], frame: _Frame) -> _Outcome:
        for item in stmt.items:
            value = self._eval(item.context_expr, frame)
            if item.optional_vars is not None:
                self._bind(item.optional_vars, value, frame)
        return _Outcome(leaves=not self._walk_block(stmt.body, frame, frame.guards))

    _stmt_AsyncWith = _stmt_With

    def _stmt_Try(self, stmt: ast.Try, frame: _Frame) -> _Outcome:
        """Handlers start from what the body may have done so far; the block leaves only if
        the body and every handler do (or the finally clause does)."""
        guards = frame.guards
        before = _copy_vars(frame.vars)
        falls = self._walk_block(stmt.body, frame, guards) and self._walk_block(stmt.orelse, frame, guards)
        after_body = frame.vars
        ends = [after_body] if falls else []
        for handler in stmt.handlers:
            frame.vars = _merge_vars(before, after_body)
            if handler.name:
                frame.vars[handler.name] = _Unknown("an exception")
            if self._walk_block(handler.body, frame, guards):
                ends.append(frame.vars)
        frame.vars = _merge_all_vars(ends) if ends else after_body
        final_falls = self._walk_block(stmt.finalbody, frame, guards)
        return _Outcome(leaves=not ends or not final_falls)

    _stmt_TryStar = _stmt_Try

    def _stmt_Match(self, stmt: ast.AST, frame: _Frame) -> _Outcome:
        guards = frame.guards
        self._eval(stmt.subject, frame)  # type: ignore[attr-defined]
        before = frame.vars
        ends = [before]
        for case in stmt.cases:  # type: ignore[attr-defined]
            frame.vars = _copy_vars(before)
            for node in ast.walk(case.pattern):
                for name in (getattr(node, "name", None), getattr(node, "rest", None)):
                    if isinstance(name, str):
                        frame.vars[name] = _Unknown("captured by a match pattern")
            if self._walk_block(case.body, frame, guards):
                ends.append(frame.vars)
        frame.vars = _merge_all_vars(ends)
        return _Outcome()

    def _stmt_FunctionDef(self, stmt: Union[ast.FunctionDef, ast.AsyncFunctionDef], frame: _Frame) -> _Outcome:
        closure = frame.parent if frame.kind == "class" and frame.parent is not None else frame
        func = _Func(frame.module, stmt, closure)
        frame.vars[stmt.name] = func
        if stmt.decorator_list and frame.kind != "class":
            self._seen.setdefault(id(stmt), func)  # registered somewhere (routers, event sources)
        return _Outcome()

    _stmt_AsyncFunctionDef = _stmt_FunctionDef

    def _stmt_ClassDef(self, stmt: ast.ClassDef, frame: _Frame) -> _Outcome:
        info = _ClassInfo(stmt.name, _Frame(frame.module, {}, frame, "class"))
        self._walk_block(stmt.body, info.frame, ())
        frame.vars[stmt.name] = _ClassRef(info)
        return _Outcome()

    def _stmt_Import(self, stmt: ast.Import, frame: _Frame) -> _Outcome:
        for alias in stmt.names:
            parts = alias.name.split(".")
            module = self._import(parts, 0, frame, stmt)
            if alias.asname:
                self._bind_name(alias.asname, module, frame)
            else:
                self._bind_name(parts[0], self._import(parts[:1], 0, frame, stmt), frame)
        return _Outcome()

    def _stmt_ImportFrom(self, stmt: ast.ImportFrom, frame: _Frame) -> _Outcome:
        parts = stmt.module.split(".") if stmt.module else []
        source = self._import(parts, stmt.level, frame, stmt)
        for alias in stmt.names:
            if alias.name == "*":
                if isinstance(source, _ModuleRef):
                    for name, value in source.module.frame.vars.items():
                        if not name.startswith("_"):
                            self._bind_name(name, value, frame)
                continue
            if isinstance(source, _ModuleRef) and self._missing_submodule(source.module, alias.name):
                package = "." * stmt.level + (stmt.module + "." if stmt.module else "")
                missing = import_not_followed(package + alias.name, source_files.NOT_IN_FOLDER)
                self._unfollowed(frame, stmt, missing)
            self._bind_name(alias.asname or alias.name, self._attribute(source, alias.name), frame)
        return _Outcome()

    def _missing_submodule(self, package: _Module, name: str) -> bool:
        """`from <package of the code folder> import name` where name is neither defined by
        the package nor a module in it: code the function needs that is not there to read."""
        if not package.is_package or package.package_dir is None or name in package.frame.vars:
            return False
        return self.sources.locate(package.package_dir, [name])[0] is None

    # -- imports ---------------------------------------------------------------------------------

    def _import(self, parts: List[str], level: int, frame: _Frame, stmt: ast.stmt) -> object:
        """The module `parts` (relative by `level`) as a _ModuleRef when it is a file inside the
        code folder (loading it on first use), else an _Ext for code the analyser does not read."""
        dotted = "." * level + ".".join(parts)
        base = self.sources.package_base(frame.module.package_dir, level)
        if base is None or (level == 0 and parts and self.sources.is_external(parts[0])):
            if level and self.sources.root is not None:
                self._unfollowed(frame, stmt, import_not_followed(dotted, source_files.LEAVES_FOLDER))
            return _Ext(dotted) if level == 0 else _Unknown(f"module {dotted} not analysed")
        module: Optional[_Module] = None
        for end in range(1 if parts else 0, len(parts) + 1):
            located, escapes = self.sources.locate(base, parts[:end])
            if escapes:
                self._unfollowed(frame, stmt, import_not_followed(dotted, source_files.LEAVES_FOLDER))
                return _Unknown(f"module {dotted} is outside the code folder")
            if located is None and level == 0:
                return _Ext(dotted)  # an installed package, a layer: not the function's own code
            if located is None:
                self._unfollowed(frame, stmt, import_not_followed(dotted, source_files.NOT_IN_FOLDER))
                return _Unknown(f"module {dotted} not found")
            module = self._load(located, frame, stmt, dotted)
            if module is None:
                return _Unknown(f"module {dotted} not analysed")
        assert module is not None
        return _ModuleRef(module)

    def _load(self, path: Path, frame: _Frame, stmt: ast.stmt, dotted: str) -> Optional[_Module]:
        """The module in file (or namespace folder) `path`, read and run once."""
        if path in self.modules:
            return self.modules[path]
        depth = frame.module.depth + 1
        why_not = self.sources.why_not_follow(depth, len(self.result.files))
        if why_not is not None:
            self._unfollowed(frame, stmt, import_not_followed(dotted, why_not))
            return None
        if path.is_dir():
            module = _Module(self.sources.display(path), ast.Module(body=[], type_ignores=[]), "", path, depth)
            module.is_package = True
            self.modules[path] = module
            return module
        display = self.sources.display(path)
        text, problem = read_text(path, display)
        if text is None:
            self.result.fail(problem or f"{display}: not read")
            return None
        self.result.read_file(display, len(text))
        tree, problem = _parse(text, display)
        self.result.parsed(len(text))
        if tree is None:
            self.result.fail(problem or f"{display}: not parsed")
            return None
        module = _Module(display, tree, text, path.parent, depth)
        module.is_package = path.name == "__init__.py"
        self.modules[path] = module
        self._execute(module)
        return module

    def _module_attr(self, module: _Module, name: str, frame: Optional[_Frame] = None) -> object:
        """module.name: a global of the module, else a submodule of a package."""
        if name in module.frame.vars:
            return module.frame.vars[name]
        if module.is_package and module.package_dir is not None:
            located, _ = self.sources.locate(module.package_dir, [name])
            if located is not None:
                loaded = self._load(located, frame or module.frame, ast.Pass(), name)
                if loaded is not None:
                    return _ModuleRef(loaded)
        return _Unknown(f"{module.display}: {name} not found")

    # -- binding -----------------------------------------------------------------------------

    def _bind(self, target: ast.expr, value: object, frame: _Frame) -> None:
        """Assign `value` to an assignment target (name, tuple, self.attribute, dict[item])."""
        if isinstance(target, ast.Name):
            self._bind_name(target.id, value, frame)
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = self._unpack(value, len(target.elts))
            starred = any(isinstance(element, ast.Starred) for element in target.elts)
            for index, element in enumerate(target.elts):
                item = items[index] if items is not None and not starred else _Unknown("unpacked from a value")
                self._bind(element.value if isinstance(element, ast.Starred) else element, item, frame)
        elif isinstance(target, ast.Attribute):
            owner = self._eval(target.value, frame)
            if isinstance(owner, _Instance):
                namespace = owner.info.frame.vars
                namespace[target.attr] = (
                    _merge(namespace[target.attr], value) if target.attr in namespace else value
                )
        elif isinstance(target, ast.Subscript):
            self._bind_item(target, value, frame)

    def _bind_item(self, target: ast.Subscript, value: object, frame: _Frame) -> None:
        """d["k"] = v on a dict display or the incoming message held in a variable, and
        d["a"]["k"] = v: the inner dict updated, then bound as d["a"]."""
        if isinstance(target.value, ast.Subscript):
            owner = self._eval(target.value, frame)
            if isinstance(owner, _Event):  # a field of the message (the variable decides below)
                owner = _Updated(owner, ())
            updated = self._item_set(owner, target, value, frame)
            if updated is not None:
                self._bind_item(target.value, updated, frame)
            return
        if not isinstance(target.value, ast.Name):
            return
        current = self._lookup(target.value.id, frame)
        if isinstance(current, _Event) and is_message(current.path):
            current = _Updated(current, ())
        if isinstance(current, _Filled):
            self._bind_name(target.value.id, current.added(frame.guards), frame)
            return
        updated = self._item_set(current, target, value, frame)
        if updated is not None:
            self._bind_name(target.value.id, updated, frame)

    def _item_set(self, current: object, target: ast.Subscript, value: object, frame: _Frame
                  ) -> Optional[object]:
        """A dict or message with the item `target` names set to `value`; None when the
        analyser does not follow what it holds."""
        if not isinstance(current, (_Dict, _Updated)):
            return None
        key = self._eval(target.slice, frame)
        if not isinstance(key, Lit):
            return _Unknown("a dict updated with a computed key")
        items = tuple(item for item in current.items if item[0] != key) + ((key, value),)
        return _Updated(current.base, items) if isinstance(current, _Updated) else _Dict(items)

    def _bind_name(self, name: str, value: object, frame: _Frame) -> None:
        if name in frame.declared_global:
            module_vars = frame.module.frame.vars
            module_vars[name] = _merge(module_vars[name], value) if name in module_vars else value
        else:
            frame.vars[name] = value

    def _unpack(self, value: object, count: int) -> Optional[List[object]]:
        """a, b = value."""
        if isinstance(value, _Tuple) and len(value.items) == count:
            return list(value.items)
        if isinstance(value, _Split) and count == 2 and value.from_right and value.maxsplit == 1:
            if isinstance(value.source, Lit):
                pieces = value.source.text.rsplit(value.sep, 1)
                return [Lit(piece) for piece in pieces] if len(pieces) == 2 else None
            if value.sep == ".":
                return [stem(value.source), AnyText("a file extension")]
            if value.sep == "/":
                return [AnyText("the folder of a key"), basename(value.source)]
        return None

    def _lookup(self, name: str, frame: _Frame) -> object:
        scope: Optional[_Frame] = frame.module.frame if name in frame.declared_global else frame
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        return _Ext(name)  # a builtin, or a name the code never defines

    # -- expressions -----------------------------------------------------------------------------

    def _eval(self, node: ast.expr, frame: _Frame) -> object:
        """The abstract value of an expression; calls in it are followed (and writes recorded)."""
        memo = self._test_memo
        if memo is not None:
            known = memo.get((id(node), id(frame)))
            if known is not None:
                return known[2]
        self._tick()
        handler = getattr(self, "_eval_" + type(node).__name__, None)
        if handler is None:
            self._eval_children(node, frame)
            value: object = _Unknown(f"a {type(node).__name__} expression")
        else:
            try:
                value = handler(node, frame)
            except RecursionError:
                value = _Unknown("an expression nested too deeply to follow")
            if isinstance(value, _Func):
                self._seen.setdefault(id(value.node), value)
            elif isinstance(value, _Bound):
                self._seen.setdefault(id(value.func.node), value)
        if memo is not None:
            memo[(id(node), id(frame))] = (node, frame, value)
        return value

    def _eval_Constant(self, node: ast.Constant, frame: _Frame) -> object:
        if isinstance(node.value, str):
            return Lit(node.value)
        if isinstance(node.value, bytes):
            return _Unknown("bytes")
        return _Const(node.value)

    def _eval_JoinedStr(self, node: ast.JoinedStr, frame: _Frame) -> object:
        """f-strings: literal parts and formatted values; f"{x}" alone is just x."""
        parts: List[object] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                inner = self._eval(value.value, frame)
                plain = value.format_spec is None and value.conversion in (-1, ord("s"))
                parts.append(inner if plain else AnyText("a formatted value"))
            elif isinstance(value, ast.Constant):
                parts.append(Lit(str(value.value)))
        if len(parts) == 1 and isinstance(parts[0], _TEXT_TYPES + (_Event,)):
            return parts[0]
        return concat([_key_of(part) for part in parts])

    def _eval_Name(self, node: ast.Name, frame: _Frame) -> object:
        return self._lookup(node.id, frame)

    def _eval_Attribute(self, node: ast.Attribute, frame: _Frame) -> object:
        return self._attribute(self._eval(node.value, frame), node.attr, frame)

    def _eval_Subscript(self, node: ast.Subscript, frame: _Frame) -> object:
        owner = self._eval(node.value, frame)
        if isinstance(node.slice, ast.Slice):
            if isinstance(owner, (_Event, _Many)):
                self._eval_children(node.slice, frame)
                return owner
            if not isinstance(owner, _TEXT_TYPES):
                self._eval_children(node.slice, frame)
                return _Unknown("a slice")
            return self._text_slice(_key_of(owner), node.slice, frame)
        return self._subscript(owner, self._eval(node.slice, frame))

    def _text_slice(self, text: KeyExpr, part: ast.Slice, frame: _Frame) -> object:
        """k[start:end] with whole-number bounds (`k[8:]`, `k[:-4]`, `k[len("in/"):]`)."""
        bounds = [self._eval(bound, frame) if bound is not None else None for bound in (part.lower, part.upper)]
        step = self._eval(part.step, frame) if part.step is not None else None
        start, end = (_int_value(bound) if bound is not None else None for bound in bounds)
        known = all(bound is None or number is not None for bound, number in zip(bounds, (start, end)))
        if not known or (step is not None and _int_value(step) != 1):
            return AnyText("a slice of a string")
        return sliced(text, start or 0, end)

    def _eval_Call(self, node: ast.Call, frame: _Frame) -> object:
        callee = self._eval(node.func, frame)
        args = self._arguments(node, frame)
        if isinstance(callee, _Member) and isinstance(callee.receiver, _Filled):
            return self._collection_call(callee.receiver, callee.name, node, frame)
        return self._call(callee, args, node, frame)

    def _collection_call(self, collection: _Filled, name: str, node: ast.Call, frame: _Frame) -> object:
        """counter.update(...) / items.add(...) on a collection held in a variable: it now holds
        something added under the current guards; .items() / .keys() ... loop over the same."""
        held = node.func.value if isinstance(node.func, ast.Attribute) else None
        if name in _ADDING_METHODS and isinstance(held, ast.Name):
            self._bind_name(held.id, collection.added(frame.guards), frame)
        return collection if name in _VIEW_METHODS else _Unknown(f"the result of .{name}()")

    def _eval_BinOp(self, node: ast.BinOp, frame: _Frame) -> object:
        return self._binop(self._eval(node.left, frame), node.op, self._eval(node.right, frame))

    def _eval_UnaryOp(self, node: ast.UnaryOp, frame: _Frame) -> object:
        """Negative numbers matter (k.split("/")[-1]); the rest is just evaluated."""
        operand = self._eval(node.operand, frame)
        number = _int_value(operand)
        if isinstance(node.op, ast.USub) and number is not None:
            return _Const(-number)
        return _Unknown("the result of a unary operator")

    def _eval_IfExp(self, node: ast.IfExp, frame: _Frame) -> object:
        self._eval(node.test, frame)
        return _merge(self._eval(node.body, frame), self._eval(node.orelse, frame))

    def _eval_BoolOp(self, node: ast.BoolOp, frame: _Frame) -> object:
        """`a or b` is taken for a (os.environ.get("X") or "default" names X); `a and b` for b."""
        values = [self._eval(value, frame) for value in node.values]
        if isinstance(node.op, ast.Or):
            known = [value for value in values if value != _NONE]
            return known[0] if known else _NONE
        return values[-1]

    def _eval_Tuple(self, node: Union[ast.Tuple, ast.List, ast.Set], frame: _Frame) -> object:
        if any(isinstance(element, ast.Starred) for element in node.elts):
            self._eval_children(node, frame)
            return _Unknown("a list built with *")
        return _Tuple(tuple(self._eval(element, frame) for element in node.elts))

    _eval_List = _eval_Tuple
    _eval_Set = _eval_Tuple

    def _eval_Dict(self, node: ast.Dict, frame: _Frame) -> object:
        items: List[Tuple[object, object]] = []
        message: Optional[_Event] = None  # {**body, "enriched": True}: the incoming message, updated
        for key, value in zip(node.keys, node.values):
            evaluated = self._eval(value, frame)
            if key is None and isinstance(evaluated, _Event) and is_message(evaluated.path) and message is None:
                message = evaluated
            elif key is None:  # {**other}
                if isinstance(evaluated, _Event):  # the incoming event's fields, carried on
                    items.append((_Unknown("the keys of " + _describe(evaluated)), evaluated))
                    continue
                if not isinstance(evaluated, _Dict):
                    return _Unknown("a dict built with ** from an unknown dict")
                items.extend(evaluated.items)
            else:
                items.append((self._eval(key, frame), evaluated))
        return _Updated(message, tuple(items)) if message is not None else _Dict(tuple(items))

    def _eval_Await(self, node: ast.Await, frame: _Frame) -> object:
        return self._eval(node.value, frame)

    def _eval_NamedExpr(self, node: ast.NamedExpr, frame: _Frame) -> object:
        value = self._eval(node.value, frame)
        self._bind(node.target, value, frame)
        return value

    def _eval_Lambda(self, node: ast.Lambda, frame: _Frame) -> object:
        return _Func(frame.module, node, frame)

    def _eval_ListComp(self, node: ast.expr, frame: _Frame) -> object:
        """Comprehensions: the element evaluated once, with each target bound to an element."""
        scope = _Frame(frame.module, {}, frame, "comprehension")
        scope.guards = frame.guards
        for generator in node.generators:  # type: ignore[attr-defined]
            self._bind(generator.target, self._element_of(self._eval(generator.iter, scope)), scope)
            for condition in generator.ifs:
                self._eval(condition, scope)
        if isinstance(node, ast.DictComp):
            self._eval(node.key, scope)
            decoded = self._decoded_map(node, frame)
            self._eval(node.value, scope)
            return decoded if decoded is not None else _Unknown("a dict comprehension")
        return _Many(self._eval(node.elt, scope))  # type: ignore[attr-defined]

    def _decoded_map(self, node: ast.DictComp, frame: _Frame) -> Optional[_Event]:
        """`{k: deserializer.deserialize(v) for k, v in image.items()}` over a DynamoDB image of
        the event: the image with its values decoded."""
        if len(node.generators) != 1 or node.generators[0].ifs:
            return None
        generator = node.generators[0]
        iterated = generator.iter
        target = generator.target
        if not (isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Attribute)
                and iterated.func.attr == "items" and not iterated.args):
            return None
        if not (isinstance(target, ast.Tuple) and len(target.elts) == 2
                and all(isinstance(element, ast.Name) for element in target.elts)):
            return None
        image = self._eval(iterated.func.value, frame)
        if not isinstance(image, _Event):
            return None
        scope = _Frame(frame.module, {}, frame, "comprehension")
        key_name, value_name = (element.id for element in target.elts)  # type: ignore[attr-defined]
        marker = _Event(image.path + ("<each>",))
        scope.vars[key_name] = _Unknown("a key of the image")
        scope.vars[value_name] = marker
        with self._quietly():
            value = self._eval(node.value, scope)
        if value == marker:
            return image
        if value == _Event(marker.path + (DECODED,)):
            return _Event(image.path + (DECODED,))
        return None

    _eval_SetComp = _eval_ListComp
    _eval_GeneratorExp = _eval_ListComp
    _eval_DictComp = _eval_ListComp

    def _binop(self, left: object, op: ast.operator, right: object) -> object:
        """`+` of strings concatenates; `"..." % x` formats; `path / "x"` joins."""
        if isinstance(op, ast.Add) and _text_operands(left, right):
            return concat([_key_of(left), _key_of(right)])
        if isinstance(op, ast.Mod) and isinstance(left, Lit):
            return _percent_format(left.text, right)
        if isinstance(op, ast.Div) and isinstance(left, _PathVal):
            return _PathVal(_path_join([left.source, _key_of(right)]))
        counted = _counted(left, op, right)
        if counted is not None:
            return counted
        changing = next((v for v in (left, right) if isinstance(v, _Changing)), None)
        return changing or _Unknown("the result of arithmetic")

    def _arguments(self, node: ast.Call, frame: _Frame) -> _Args:
        positional: List[object] = []
        keywords: Dict[str, object] = {}
        star = double_star = ""
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self._eval(arg.value, frame)
                star = star or "passed through *args"
            elif not star:
                positional.append(self._eval(arg, frame))
            else:
                self._eval(arg, frame)
        for keyword in node.keywords:
            value = self._eval(keyword.value, frame)
            if keyword.arg is not None:
                keywords[keyword.arg] = value
            elif _dict_is_complete(value):
                assert isinstance(value, _Dict)
                keywords.update({key.text: item for key, item in value.items if isinstance(key, Lit)})
            else:
                double_star = "passed through **kwargs"
        return _Args(tuple(positional), keywords, star, double_star)

    # -- attributes and items ----------------------------------------------------------------------

    def _attribute(self, owner: object, name: str, frame: Optional[_Frame] = None) -> object:
        """owner.name: data when the analyser knows it, else a _Member to be called."""
        if isinstance(owner, _Ext):
            return _Ext(f"{owner.qualname}.{name}")
        if isinstance(owner, _ModuleRef):
            return self._module_attr(owner.module, name, frame)
        if isinstance(owner, _Context):
            return (
                _SelfName()
                if name in ("function_name", "invoked_function_arn")
                else _Unknown(f"context.{name}")
            )
        if isinstance(owner, _Event) and name in _EVENT_ATTRIBUTES:
            return _event_value(owner.path + _EVENT_ATTRIBUTES[name])
        if isinstance(owner, (_Instance, _ClassRef)):
            return self._class_attr(owner, name)
        if isinstance(owner, _Resource) and name == "meta":
            return _ResourceMeta(owner.service)
        if isinstance(owner, _ResourceMeta) and name == "client":
            return _Client(owner.service)
        if isinstance(owner, _ResourceObj):
            return self._resource_attr(owner, name)
        if isinstance(owner, _PathVal):
            return self._path_attr(owner, name)
        if isinstance(owner, _Changing):  # uuid4().hex, datetime.now().isoformat
            return owner
        return _Member(owner, name)

    @staticmethod
    def _class_attr(owner: Union[_Instance, _ClassRef], name: str) -> object:
        value = owner.info.frame.vars.get(name)
        if value is None:
            return _Unknown(f"attribute {name} of {owner.info.name}")
        if isinstance(value, _Func) and isinstance(owner, _Instance):
            decorators = getattr(value.node, "decorator_list", [])
            if not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in decorators):
                return _Bound(value, owner)
        return value

    @staticmethod
    def _resource_attr(owner: _ResourceObj, name: str) -> object:
        if owner.kind == "Object" and name == "metadata":
            return _Metadata(_key_of(owner.key) == IncomingKey())
        if owner.kind == "Object" and name == "key":
            return owner.key
        if owner.kind == "Bucket" and name == "objects":
            return _ResourceObj("s3", "Objects", owner.target, AnyText("every key in the bucket"))
        if name in ("name", "bucket_name", "table_name", "url", "arn"):
            return owner.target
        return _Member(owner, name)

    @staticmethod
    def _path_attr(owner: _PathVal, name: str) -> object:
        if name == "name":
            return basename(owner.source)
        if name == "stem":
            return (
                basename(stem(owner.source))
                if not isinstance(owner.source, Lit)
                else Lit(posixpath.splitext(posixpath.basename(owner.source.text))[0])
            )
        if name == "parent":
            return _PathVal(AnyText("the folder of a path"))
        if name in ("with_suffix", "with_name", "as_posix"):
            return _Member(owner, name)  # called next: _path_method
        return AnyText(f"path .{name}")

    def _subscript(self, owner: object, index: object) -> object:
        """owner[index]."""
        if isinstance(owner, _Event):
            if isinstance(index, Lit):
                return _event_value(owner.path + (index.text,))
            if _int_value(index) is not None:
                return _event_value(owner.path + ("*",))
            return _Unknown("an event field chosen at run time")
        if isinstance(owner, _Ext) and owner.qualname == "os.environ":
            return (
                _Env(index.text)
                if isinstance(index, Lit)
                else _Unknown("an environment variable chosen at run time")
            )
        position = _int_value(index)
        if isinstance(owner, _Tuple) and position is not None:
            in_range = -len(owner.items) <= position < len(owner.items)
            return owner.items[position] if in_range else _Unknown("out of range")
        if isinstance(owner, _Many):
            return owner.element
        if isinstance(owner, _Split) and position is not None:
            return _split_item(owner, position)
        if isinstance(owner, _Dict):
            return self._dict_item(owner, index)
        if isinstance(owner, _Updated):
            found = dict(owner.items).get(index)
            return found if found is not None else self._subscript(owner.base, index)
        if isinstance(owner, _Response):
            found = dict(owner.fields).get(index.text) if isinstance(index, Lit) else None
            return found if found is not None else _Unknown("a field of an API response")
        if isinstance(owner, (_Metadata, _MetaValue)):
            return _MetaValue(owner.incoming)
        if isinstance(owner, _TEXT_TYPES):
            return AnyText("a character of a string")
        return _Unknown(f"an item of {_describe(owner)}")

    @staticmethod
    def _dict_item(owner: _Dict, index: object, default: Optional[object] = None) -> object:
        if not isinstance(index, (Lit, _Const)):
            return _Unknown("looked up in a dict with a computed key")
        for key, value in owner.items:
            if key == index:
                return value
        if default is not None and _dict_is_complete(owner):
            return default
        return _Unknown("a key the dict does not have")

    def _element_of(self, value: object) -> object:
        """What `for x in value` binds x to."""
        if isinstance(value, _Event):
            return _event_value(value.path + ("*",))
        if isinstance(value, _Tuple):
            return _merge_all(value.items) if value.items else _Unknown("an item of an empty list")
        if isinstance(value, _Many):
            return value.element
        if isinstance(value, _Enumerate):
            return _Tuple((_Unknown("a loop index"), self._element_of(value.inner)))
        if isinstance(value, _Dict):
            return _merge_all([key for key, _ in value.items]) if value.items else _Unknown("no keys")
        if isinstance(value, _Split):
            return AnyText("a part of a split string")
        return _Unknown("an item of something the analyser cannot follow")

    # -- calls -----------------------------------------------------------------------------------

    def _call(self, callee: object, args: _Args, node: ast.Call, frame: _Frame) -> object:
        if isinstance(callee, _Func):
            return self._invoke(callee, args, frame)
        if isinstance(callee, _Bound):
            return self._invoke(callee.func, args, frame, callee.instance)
        if isinstance(callee, _ClassRef):
            return self._instantiate(callee.info, args, frame)
        if isinstance(callee, _Ext):
            return self._call_external(callee.qualname, args, node, frame)
        if isinstance(callee, _Changing):  # datetime.now().isoformat()
            return callee
        if isinstance(callee, _Member):
            return self._call_method(callee.receiver, callee.name, args, node, frame)
        if isinstance(callee, _Dynamic):
            service = getattr(callee.receiver, "service", "AWS")
            self._note(
                frame, node, f"call on a boto3 {service} object with a computed method name; not analysed"
            )
            self.result.complete = False
        return _Unknown("the result of a call the analyser cannot follow")

    def _invoke(self, func: _Func, args: _Args, caller: _Frame, instance: object = None) -> object:
        """Walk a function of the analysed files with its parameters bound to `args`; writes in
        it inherit the caller's guards. Returns what it returns (merged over its returns)."""
        if func.node in self._stack or len(self._stack) >= MAX_CALL_DEPTH:
            return _Unknown(f"the result of {_function_name(func)}() (not followed: recursion or depth)")
        memo_key = _memo_key(func, args, caller.guards, instance)
        remembered = self._memo.get(memo_key) if memo_key is not None else None
        if remembered is not None and (remembered[1] or self._quiet):
            return remembered[0]  # walked with these very arguments and guards already
        result = self._walk_call(func, args, caller, instance)
        if memo_key is not None:
            self._memo[memo_key] = (result, not self._quiet or bool(remembered and remembered[1]))
        return result

    def _walk_call(self, func: _Func, args: _Args, caller: _Frame, instance: object) -> object:
        frame = self._call_frame(func, args, instance)
        if not self._quiet:
            self._walked.add(id(func.node))
        self._stack.append(func.node)
        try:
            if isinstance(func.node, ast.Lambda):
                frame.guards = caller.guards
                return self._eval(func.node.body, frame)
            self._walk_block(func.node.body, frame, caller.guards)
        finally:
            self._stack.pop()
        if func.module.may_yield and self._is_generator(func.node):
            return _Unknown(f"a generator from {_function_name(func)}()")
        return _merge_all(frame.returns) if frame.returns else _NONE

    def _is_generator(self, node: ast.AST) -> bool:
        """Whether a function body yields (calling it then runs nothing yet)."""
        if id(node) not in self._generators:
            self._generators[id(node)] = any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(node))
        return self._generators[id(node)]

    def _call_frame(self, func: _Func, args: _Args, instance: object = None) -> _Frame:
        """A fresh scope for `func` with parameters bound the way Python binds them."""
        frame = _Frame(func.module, {}, func.closure, "function")
        spec = func.node.args
        positional = ((instance,) if instance is not None else ()) + args.positional
        params = [*spec.posonlyargs, *spec.args]
        defaults: List[Optional[ast.expr]] = [None] * (len(params) - len(spec.defaults)) + list(spec.defaults)
        for index, (param, default) in enumerate(zip(params, defaults)):
            frame.vars[param.arg] = self._parameter(param.arg, index, default, positional, args, func)
        for param, default in zip(spec.kwonlyargs, spec.kw_defaults):
            frame.vars[param.arg] = self._parameter(param.arg, None, default, (), args, func)
        if spec.vararg is not None:
            extra = positional[len(params) :]
            frame.vars[spec.vararg.arg] = _Unknown(args.star) if args.star else _Tuple(tuple(extra))
        if spec.kwarg is not None:
            named = {param.arg for param in (*params, *spec.kwonlyargs)}
            rest = tuple(
                (Lit(name), value) for name, value in (args.keywords or {}).items() if name not in named
            )
            frame.vars[spec.kwarg.arg] = _Unknown(args.double_star) if args.double_star else _Dict(rest)
        return frame

    def _parameter(
        self,
        name: str,
        index: Optional[int],
        default: Optional[ast.expr],
        positional: Tuple[object, ...],
        args: _Args,
        func: _Func,
    ) -> object:
        if index is not None and index < len(positional):
            return positional[index]
        found = (args.keywords or {}).get(name)
        if found is not None:
            return found
        if (args.star and index is not None) or args.double_star:
            return _Unknown(args.star if args.star and index is not None else args.double_star)
        if default is not None:
            with self._quietly():
                return self._eval(default, func.closure)
        return _Unknown(f"parameter {name} not passed")

    def _instantiate(self, info: _ClassInfo, args: _Args, frame: _Frame) -> object:
        """Cls(...): run __init__; every method may be called later, so each is noted."""
        instance = _Instance(info)
        init = info.frame.vars.get("__init__")
        if isinstance(init, _Func):
            self._invoke(init, args, frame, instance)
        self._seen_methods(info, instance)
        return instance

    def _seen_methods(self, info: _ClassInfo, instance: _Instance) -> None:
        for value in info.frame.vars.values():
            if isinstance(value, _Func):
                self._seen.setdefault(id(value.node), _Bound(value, instance))

    def _call_external(self, qualname: str, args: _Args, node: ast.Call, frame: _Frame) -> object:
        """Calls into the standard library, builtins and boto3."""
        if qualname in PYTHON_CLOCK_CALLS:
            return _Clock(f"{qualname}()")
        if qualname in PYTHON_CHANGING_CALLS:
            return _Changing(f"{qualname}()")
        if qualname in _CARRYING_CALLS and args.positional and isinstance(args.positional[0], _CARRIED):
            return args.positional[0]  # int(body["attempt"]), datetime.fromisoformat(body["started"])
        if qualname in _CARRYING_CALLS and args.positional and isinstance(args.positional[0], _Env):
            return _EnvNumber(args.positional[0].name)
        if qualname in _CONVERSIONS and args.positional and isinstance(args.positional[0], _Changing):
            return args.positional[0]  # int(time.time()), Decimal(str(uuid4()))
        handler = _EXTERNAL_CALLS.get(qualname)
        if handler is not None:
            return handler(self, args, node, frame)
        return _Unknown(f"the result of {qualname}()")

    def _call_method(self, owner: object, name: str, args: _Args, node: ast.Call, frame: _Frame) -> object:
        """owner.name(...)."""
        if isinstance(owner, _Client):
            return self._client_call(owner, name, args, node, frame)
        if isinstance(owner, _Session) and name in ("client", "create_client"):
            return _ext_client(self, args, node, frame)
        if isinstance(owner, _Session) and name == "resource":
            return _ext_resource(self, args, node, frame)
        if isinstance(owner, _Resource):
            return self._resource_call(owner, name, args)
        if isinstance(owner, _ResourceObj):
            return self._resource_obj_call(owner, name, args, node, frame)
        if name in ("timestamp", "total_seconds") and isinstance(owner, _CARRIED):
            return owner
        if name == "get" and isinstance(owner, (_Event, _Dict, _Response, _Metadata, _MetaValue, _Updated)):
            return self._get(owner, args)
        if isinstance(owner, _Metadata):
            return _MetaValue(owner.incoming)
        if isinstance(owner, _Deserializer) and name == "deserialize":
            value = _first(args)
            return _Event(value.path + (DECODED,)) if isinstance(value, _Event) else _Unknown("a decoded value")
        if isinstance(owner, _Dict) and name == "copy":
            return owner
        if name == "decode" and isinstance(owner, _Event):
            return owner  # decoded bytes as text: the same content (a Kinesis record's data)
        if name == "encode" and isinstance(owner, _Serialized):
            return owner  # JSON text as bytes: the same content (a Kinesis record's Data)
        if isinstance(owner, _TEXT_TYPES + (_Event,)):
            return self._string_method(owner, name, args)
        if isinstance(owner, _PathVal):
            return self._path_method(owner, name, args)
        if name in ("map", "submit") and args.positional:
            return self._callback(name, args, node, frame)
        return _Unknown(f"the result of .{name}()")

    @staticmethod
    def _path_method(owner: _PathVal, name: str, args: _Args) -> object:
        """PurePosixPath(k).with_suffix(".png") / .with_name("x") / .as_posix()."""
        first = _lit_text(args.get("", 0))
        if name == "with_suffix" and first is not None:
            return _PathVal(concat([stem(owner.source), Lit(first)]))
        if name == "with_name" and first is not None:
            return _PathVal(concat([AnyText("the folder of a path"), Lit(first)]))
        if name == "as_posix":
            return owner
        return _Unknown(f"the result of .{name}()")

    def _get(self, owner: object, args: _Args) -> object:
        """mapping.get(key[, default])."""
        index = args.get("key", 0) or _Unknown("no key")
        if isinstance(owner, _Dict):
            return self._dict_item(owner, index, args.get("default", 1) or _NONE)
        return self._subscript(owner, index)

    def _callback(self, name: str, args: _Args, node: ast.Call, frame: _Frame) -> object:
        """executor.map(f, items) / executor.submit(f, *args): f runs with those arguments."""
        func = args.positional[0]
        if name == "map" and len(args.positional) > 1:
            return _Many(self._call(func, _Args((self._element_of(args.positional[1]),)), node, frame))
        rest = _Args(args.positional[1:], args.keywords, args.star, args.double_star)
        self._call(func, rest, node, frame)
        return _Unknown("a future")

    def _string_method(self, owner: object, name: str, args: _Args) -> object:
        """str methods that matter for keys; the rest give unknown text (or a boolean)."""
        text = _key_of(owner)
        first, second = args.get("", 0), args.get("", 1)
        if name == "replace":
            old, new = _lit_text(first), _lit_text(second)
            count = args.get("count", 2)
            if old is None or new is None or (count is not None and _int_value(count) not in (1, -1)):
                return AnyText("a replace() the analyser cannot follow")
            first_only = _int_value(count) == 1
            if isinstance(text, Lit):
                return bounded(Lit(text.text.replace(old, new, 1 if first_only else -1)))
            return bounded(Replace(text, old, new, first_only))
        if name in ("split", "rsplit"):
            sep = _lit_text(first if first is not None else args.get("sep"))
            maxsplit = _int_value(second if second is not None else args.get("maxsplit") or _Const(-1))
            if not sep or maxsplit is None:
                return _Unknown("a split the analyser cannot follow")
            return _Split(text, sep, name == "rsplit", maxsplit)
        if name == "format" and isinstance(text, Lit):
            return _str_format(text.text, args)
        if name == "join" and isinstance(text, Lit):
            items = first
            if isinstance(items, _Tuple):
                return separated(text.text, [_key_of(item) for item in items.items])
            return AnyText("a join of a list the analyser cannot follow")
        if (
            name in ("lower", "upper", "strip", "lstrip", "rstrip")
            and isinstance(text, Lit)
            and not args.positional
        ):
            return Lit(getattr(text.text, name)())
        if name.startswith(("is", "starts", "ends")) or name in ("find", "rfind", "index", "count", "encode"):
            return _Unknown(f"the result of str.{name}()")
        return AnyText(f"the result of .{name}()")

    # -- AWS calls -----------------------------------------------------------------------------

    def _client_call(self, client: _Client, name: str, args: _Args, node: ast.Call, frame: _Frame) -> object:
        method = _CLIENT_APIS.get(client.service, {}).get(name)
        if method is not None:
            return self._write(method, args, node, frame, "client")
        if client.service == "s3" and name in ("head_object", "get_object"):
            incoming = _key_of(args.get("Key") or _NONE) == IncomingKey()
            return _Response((("Metadata", _Metadata(incoming)),))
        if client.service == "sqs" and name == "get_queue_url":
            return _Response((("QueueUrl", args.get("QueueName") or _Unknown("no QueueName")),))
        return _Unknown(f"the response of {name}()")

    def _resource_call(self, resource: _Resource, name: str, args: _Args) -> object:
        params = _RESOURCE_FACTORIES.get((resource.service, name))
        if params is not None:
            target = args.get(params[0], 0) or _Unknown(f"no {params[0]} argument")
            key = (args.get(params[1], 1) or AnyText("no key argument")) if len(params) > 1 else None
            return _ResourceObj(resource.service, name, target, key)
        if resource.service == "sqs" and name == "get_queue_by_name":
            return _ResourceObj("sqs", "Queue", args.get("QueueName") or _Unknown("no QueueName"))
        return _Unknown(f"the result of {resource.service} resource .{name}()")

    def _resource_obj_call(
        self, obj: _ResourceObj, name: str, args: _Args, node: ast.Call, frame: _Frame
    ) -> object:
        method = _RESOURCE_APIS.get((obj.service, obj.kind), {}).get(name)
        if method is not None:
            key = obj.key if obj.kind in ("Object", "Objects") else None
            return self._write(method, args, node, frame, "resource", obj.target, key)
        if obj.kind == "Bucket" and name == "Object":
            return _ResourceObj("s3", "Object", obj.target, args.get("key", 0) or AnyText("no key argument"))
        if obj.kind == "Objects" and name in ("all", "filter", "limit", "page_size"):
            prefix = args.get("Prefix")
            if prefix is None:
                return obj
            return _ResourceObj(
                "s3", "Objects", obj.target, concat([_key_of(prefix), AnyText("any key under it")])
            )
        if obj.kind == "Table" and name == "batch_writer":
            return _ResourceObj("dynamodb", "BatchWriter", obj.target)
        if obj.kind == "Object" and name == "get":
            return _Response((("Metadata", _Metadata(_key_of(obj.key) == IncomingKey())),))
        return _Unknown(f"the result of .{name}()")

    def _write(
        self,
        method: _Method,
        args: _Args,
        node: ast.Call,
        frame: _Frame,
        form: str,
        target: object = None,
        key: object = None,
    ) -> object:
        """Record the write `method` calls, read by loopcheck.code.requests."""
        api = sdk_catalog.row(method.service, method.api)
        read = read_write(
            api,
            _PyRequest(args, method.positional),
            form,
            _PyValue(target) if target is not None else None,
            _PyValue(key) if key is not None else None,
        )
        if not self._quiet:
            guards = tuple(guard for guard in frame.guards if isinstance(guard, Guard))
            found = read.writes(frame.module.display, node.lineno, frame.module.column(node), guards)
            bound = self._bound(args, frame)
            waits = self._waits_on(frame) if bound is None else ""
            for slot, write in enumerate(found):
                write.bound = bound
                if waits:
                    write.details[WAITS_ON] = waits
                self.result.write(write, slot)
        return _Unknown(f"the response of {api.api}")

    def _bound(self, args: _Args, frame: _Frame) -> Optional[Bound]:
        """What bounds a write run under the frame's bound checks, from what it sends."""
        checks = [check for check in frame.guards if isinstance(check, Check)]
        if not checks:
            return None
        incremented: List[Tuple[str, ...]] = []
        carried: List[Tuple[str, ...]] = []
        values = list(args.positional) + list((args.keywords or {}).values())
        looked = 0
        while values and looked < MAX_SENT_VALUES:
            looked += 1
            value = values.pop()
            if isinstance(value, _Incremented):
                incremented.append(value.path)
            elif isinstance(value, _Event):
                carried.append(value.path)
            elif isinstance(value, _Dict):
                values.extend(item for _, item in value.items)
            elif isinstance(value, _Updated):  # {**body, ...}: the body carried on, some fields set
                carried.append(value.base.path)
                values.extend(item for _, item in value.items)
            elif isinstance(value, _Tuple):
                values.extend(value.items)
            elif isinstance(value, _Many):
                values.append(value.element)
            elif isinstance(value, _Serialized):
                values.append(value.value)
            elif isinstance(value, Concat):  # an f-string body: its parts
                values.extend(value.parts)
        delay = _const_number(args.get("DelaySeconds"))
        return bound_of(checks, incremented, carried, delay, frame.module.display)

    @staticmethod
    def _waits_on(frame: _Frame) -> str:
        """The status check a write runs under, when no bound ends the chain: `<test> (file:line)`."""
        states = [check for check in frame.guards if isinstance(check, Check) and check.kind == "state"]
        state = states[-1] if states else None  # the nearest check the write runs under
        return f"{state.text} ({state.file}:{state.line})" if state is not None else ""

    # -- guards --------------------------------------------------------------------------------

    def _guards_from_test(self, test: ast.expr, frame: _Frame, holds: bool) -> Tuple[Union[Guard, Check], ...]:
        """The guards and bound checks that hold for code that runs only when `test` is `holds`."""
        guards: List[Union[Guard, Check]] = []
        with self._quietly(), self._test_values():
            for atom, atom_holds, exact in _conditions(test, holds):
                guards.extend(self._atom_guards(atom, atom_holds, exact, frame, test, 0))
                if exact:
                    guards.extend(self._bound_checks(atom, atom_holds, frame, test))
        return tuple(dict.fromkeys(guards))

    def _absent_fields(self, test: ast.expr, frame: _Frame, holds: bool) -> List[Tuple[str, ...]]:
        """The message fields that code run when `test` is `holds` knows are missing:
        `"k" not in body`, `body.get("k") is None` (and `"k" in body` that fails)."""
        found: List[Tuple[str, ...]] = []
        with self._test_values():
            return self._absent_in(test, frame, holds, found)

    def _absent_in(self, test: ast.expr, frame: _Frame, holds: bool,
                   found: List[Tuple[str, ...]]) -> List[Tuple[str, ...]]:
        for atom, atom_holds, exact in _conditions(test, holds):
            if not exact or not isinstance(atom, ast.Compare) or len(atom.ops) != 1:
                continue
            op, right = atom.ops[0], atom.comparators[0]
            if isinstance(op, (ast.In, ast.NotIn)) and isinstance(atom.left, ast.Constant):
                missing, owner, name = atom_holds == isinstance(op, ast.NotIn), right, atom.left.value
            elif isinstance(op, (ast.Is, ast.IsNot)) and _is_none(right):
                missing, owner, name = atom_holds == isinstance(op, ast.Is), atom.left, None
            else:
                continue
            with self._quietly():
                value = self._eval(owner, frame)
            if not missing or not isinstance(value, _Event) or (name is not None and not isinstance(name, str)):
                continue
            found.append(value.path + ((name,) if name is not None else ()))
        return found

    def _bound_checks(self, atom: ast.expr, holds: bool, frame: _Frame, where: ast.expr) -> List[Check]:
        """A comparison of a carried counter with a limit, or of a carried time with the clock."""
        if isinstance(atom, ast.Call) and not self._reads_event(atom, frame) \
                and isinstance(self._eval(atom, frame), _Unknown):
            # `if tasks_running(instance):` -- a value the code works out at run time, not a bound
            shown = _shorten(where)
            return [Check("state", (), _shorten(atom), where.lineno, shown, file=frame.module.display)]
        if not isinstance(atom, ast.Compare) or len(atom.ops) != 1:
            return []
        if isinstance(atom.ops[0], (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
            return self._state_check(atom, frame, where)
        op = _COMPARISONS.get(type(atom.ops[0]))
        left, right = self._side(atom.left, frame), self._side(atom.comparators[0], frame)
        if op is None or left is None or right is None:
            return []
        carried = atom.left if left.kind in ("field", "elapsed") else atom.comparators[0]
        found = comparison_check(left, op, right, holds, _shorten(carried), where.lineno, _shorten(where),
                                 frame.module.display)
        return [found] if found is not None else []

    def _state_check(self, atom: ast.Compare, frame: _Frame, where: ast.expr) -> List[Check]:
        """A status read at run time (an API response, not the event) compared with literal
        text or a whole number (`status == "RUNNING"`, `tasks_running(i) == 1`): code run while
        it holds (or fails) waits on outside state, not on a bound."""
        left, right = self._eval(atom.left, frame), self._eval(atom.comparators[0], frame)
        sides = [(left, right, atom.left)]
        if not isinstance(atom.ops[0], (ast.In, ast.NotIn)):  # `"x" in response` is no status
            sides.append((right, left, atom.comparators[0]))
        for status, literal, node in sides:
            texts = literal.items if isinstance(literal, _Tuple) else (literal,)
            if not isinstance(status, _Unknown) or self._reads_event(node, frame):
                continue
            if texts and all(_is_state_literal(text) for text in texts):
                shown = _shorten(where)
                return [Check("state", (), _shorten(node), where.lineno, shown, file=frame.module.display)]
        return []

    def _reads_event(self, node: ast.expr, frame: _Frame) -> bool:
        """Whether a value is worked out from the incoming event (`msg["k"].find("x")`,
        `key.startswith("a")`): its object, or the object of a call on it, is an event field.
        A status read at run time is not; a helper's arguments do not count."""
        current: Optional[ast.expr] = node
        while current is not None:
            value = self._eval(current, frame)
            if isinstance(value, (_Event, _Updated, IncomingBucket)) or _mentions_incoming(value):
                return True
            if isinstance(current, ast.Call):
                current = current.func
            elif isinstance(current, (ast.Attribute, ast.Subscript)):
                current = current.value
            else:
                current = None
        return False

    def _side(self, node: ast.expr, frame: _Frame) -> Optional[Side]:
        """One side of a comparison as loopcheck.code.bounds reads it."""
        value = self._eval(node, frame)
        if isinstance(value, _Event):
            return Side("field", value.path)
        if isinstance(value, _Incremented):
            return Side("field", value.path, step=value.step)
        if isinstance(value, _Elapsed):
            return Side("elapsed", value.path, scale=value.scale)
        if isinstance(value, _Clock):
            return Side("clock")
        if isinstance(value, (_Env, _EnvNumber)):
            return Side("env", env=value.name)
        number = _const_number(value)
        return Side("number", number=number) if number is not None else None

    def _atom_guards(
        self, atom: ast.expr, holds: bool, exact: bool, frame: _Frame, where: ast.expr, depth: int
    ) -> List[Guard]:
        inlined = self._inline_predicate(atom, frame, depth) if exact else None
        if inlined is not None:
            body, scope = inlined
            return [
                guard
                for found in _conditions(body, holds)
                for guard in self._atom_guards(*found, scope, where, depth + 1)
            ]
        kind = self._test_kind(atom, frame)
        selection = self._record_test(atom, holds, frame) if exact and kind in (None, "event-name") else None
        if selection is not None:
            kind = "event-name" if selection.field == "eventName" else "record"
            return [Guard(kind, where.lineno, _shorten(where), record_test=selection)]
        if kind is None:
            marker = self._marker_test(atom, frame) if exact else None
            if marker is None or marker[1] == holds:  # the write must run where the marker is absent
                return []
            return [Guard("marker", where.lineno, _shorten(where), marker=marker[0])]
        tests = self._key_tests(atom, holds, frame) if exact and kind == "key" else [None]
        return [Guard(kind, where.lineno, _shorten(where), test) for test in tests]

    def _inline_predicate(self, atom: ast.expr, frame: _Frame, depth: int) -> Optional[Tuple[ast.expr, _Frame]]:
        """`if is_output(key):` where is_output is `return <test>`: the test, in its scope."""
        if depth >= MAX_PREDICATE_DEPTH or not isinstance(atom, ast.Call):
            return None
        callee = self._eval(atom.func, frame)
        func = callee.func if isinstance(callee, _Bound) else callee
        if not isinstance(func, _Func):
            return None
        body = _single_return(func)
        if body is None:
            return None
        instance = callee.instance if isinstance(callee, _Bound) else None
        return body, self._call_frame(func, self._arguments(atom, frame), instance)

    def _test_kind(self, test: ast.expr, frame: _Frame) -> Optional[str]:
        """Which guard kind a test is: what the values it reads are."""
        memo = self._test_memo
        if memo is None:
            return self._read_test_kind(test, frame)
        known = memo.get((id(test), id(frame), "kind"))
        if known is None:
            known = memo[(id(test), id(frame), "kind")] = (test, frame, self._read_test_kind(test, frame))
        return known[2]  # type: ignore[return-value]

    def _read_test_kind(self, test: ast.expr, frame: _Frame) -> Optional[str]:
        kinds = set()
        for node in ast.walk(test):
            if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
                kind = _value_kind(self._eval(node, frame))
                if kind is not None:
                    kinds.add(kind)
        return first_kind(kinds)

    def _marker_test(self, atom: ast.expr, frame: _Frame) -> Optional[Tuple[str, bool]]:
        """(marker, whether the atom is true when the incoming message carries it) for a test of
        a marker: `body.get("enriched")`, `"processed" in message["MessageAttributes"]`,
        `x is None`, `x == True` (and their negations)."""
        if isinstance(atom, ast.Compare) and len(atom.ops) == 1:
            op, right = atom.ops[0], atom.comparators[0]
            if isinstance(op, (ast.In, ast.NotIn)):
                needle, haystack = self._eval(atom.left, frame), self._eval(right, frame)
                if isinstance(needle, Lit) and isinstance(haystack, _Event):
                    marker = marker_at(haystack.path + (needle.text,))
                    return (marker, isinstance(op, ast.In)) if marker else None
                return None
            constant = right.value if isinstance(right, ast.Constant) else ()
            if isinstance(op, (ast.Is, ast.IsNot)) and constant is None:
                found = self._marker_read(atom.left, frame)
                return (found, isinstance(op, ast.IsNot)) if found else None
            if isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)) and constant is True:
                found = self._marker_read(atom.left, frame)
                return (found, isinstance(op, (ast.Eq, ast.Is))) if found else None
            return None
        found = self._marker_read(atom, frame)
        return (found, True) if found else None

    def _record_test(self, atom: ast.expr, holds: bool, frame: _Frame) -> Optional[RecordTest]:
        """Record selection: `field.startswith("x")` / endswith, `field == "x"` / `!=`,
        `field in ("x", "y")` / `not in`, `"x" in field`, on a record field
        (loopcheck.code.selection.record_field); None for anything else."""
        if isinstance(atom, ast.Call) and isinstance(atom.func, ast.Attribute) \
                and atom.func.attr in ("startswith", "endswith") and len(atom.args) == 1 and not atom.keywords:
            field = self._record_read(atom.func.value, frame)
            values = self._literals(atom.args[0], frame)
            return record_test(field, atom.func.attr, values, True, holds) if field and values else None
        if not (isinstance(atom, ast.Compare) and len(atom.ops) == 1):
            return None
        op, left, right = atom.ops[0], atom.left, atom.comparators[0]
        if isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
            field = self._record_read(left, frame)
            values = self._literals(right, frame)
            if field and values and (isinstance(op, (ast.Eq, ast.NotEq)) == (len(values) == 1 and
                                                                            not isinstance(right, ast.Tuple))):
                return record_test(field, "equals", values, isinstance(op, (ast.Eq, ast.In)), holds)
        if isinstance(op, (ast.In, ast.NotIn)):
            field = self._record_read(right, frame)
            values = self._literals(left, frame)
            if field and len(values) == 1:
                return record_test(field, "contains", values, isinstance(op, ast.In), holds)
        return None

    def _record_read(self, node: ast.expr, frame: _Frame) -> Optional[str]:
        value = self._eval(node, frame)
        return record_field(value.path) if isinstance(value, _Event) else None

    def _literals(self, node: ast.expr, frame: _Frame) -> List[str]:
        """The literal text of a string, or of every item of a tuple / list / set of strings."""
        value = self._eval(node, frame)
        items = value.items if isinstance(value, _Tuple) else (value,)
        texts = [item.text for item in items if isinstance(item, Lit)]
        return texts if items and len(texts) == len(items) else []

    def _marker_read(self, node: ast.expr, frame: _Frame) -> Optional[str]:
        value = self._eval(node, frame)
        return marker_at(value.path) if isinstance(value, _Event) else None

    def _key_tests(self, atom: ast.expr, holds: bool, frame: _Frame) -> List[Optional[Tuple[str, str, bool]]]:
        """Guard.key_test values for a key test that is `holds` where the write runs."""
        found = self._key_alternatives(atom, frame)
        if found is None:
            return [None]
        alternatives, negated = found
        return key_tests(alternatives, holds != negated)

    def _key_alternatives(self, atom: ast.expr, frame: _Frame) -> Optional[Tuple[List[Tuple[str, str]], bool]]:
        """(alternatives, negated): the atom is true when the incoming key passes any of the
        (operation, literal) tests (false, when negated); None when it is not that simple."""
        if (
            isinstance(atom, ast.Compare)
            and len(atom.ops) == 1
            and isinstance(atom.ops[0], (ast.In, ast.NotIn))
        ):
            needle, haystack = self._eval(atom.left, frame), self._eval(atom.comparators[0], frame)
            if isinstance(needle, Lit) and haystack == IncomingKey():
                return [("contains", needle.text)], isinstance(atom.ops[0], ast.NotIn)
            return None
        if not isinstance(atom, ast.Call):
            return None
        args = self._arguments(atom, frame)
        callee = self._eval(atom.func, frame)
        if isinstance(callee, _Member) and callee.name in ("startswith", "endswith"):
            if callee.receiver != IncomingKey() or len(args.positional) != 1:
                return None
            texts = args.positional[0].items if isinstance(args.positional[0], _Tuple) else args.positional[:1]
            if not texts or not all(isinstance(text, Lit) for text in texts):
                return None
            return [(callee.name, text.text) for text in texts], False  # type: ignore[attr-defined]
        return self._pattern_test(callee, args)

    @staticmethod
    def _pattern_test(callee: object, args: _Args) -> Optional[Tuple[List[KeyOperation], bool]]:
        """re.match / search / fullmatch and fnmatch of the incoming key with a simple pattern
        (re.match anchors at the start, fullmatch at both ends; flags such as re.IGNORECASE
        make it no literal test)."""
        found: Optional[KeyOperation] = None
        if isinstance(callee, _Ext) and callee.qualname in ("re.match", "re.search", "re.fullmatch"):
            pattern, subject = _lit_text(args.get("pattern", 0)), args.get("string", 1)
            if pattern is not None and subject == IncomingKey() and len(args.positional) == 2:
                found = _regex_call(callee.qualname[3:], pattern, args.get("flags", 2) is not None)
        elif isinstance(callee, _Member) and isinstance(callee.receiver, _Regex):
            if callee.name in ("match", "search", "fullmatch") and args.positional[:1] == (IncomingKey(),):
                found = _regex_call(callee.name, callee.receiver.pattern, False)
        elif isinstance(callee, _Ext) and callee.qualname in ("fnmatch.fnmatch", "fnmatch.fnmatchcase"):
            if args.get("name", 0) == IncomingKey() and _lit_text(args.get("pat", 1)) is not None:
                found = glob_test(_lit_text(args.get("pat", 1)) or "")
        return ([found], False) if found is not None else None


def _regex_call(function: str, pattern: str, flags: bool) -> Optional[KeyOperation]:
    """re.<function>(pattern, key) as a key test."""
    return regex_test(pattern, function in ("match", "fullmatch"), function == "fullmatch", ignore_case=flags)


def _value_kind(value: object) -> Optional[str]:
    """The guard kind of a test that reads `value`."""
    if isinstance(value, (_Metadata, _MetaValue)) and value.incoming:
        return "metadata"
    if _mentions_incoming(value):
        return "key"
    if isinstance(value, _Event):
        return event_field_kind(_strip_json(value.path))
    return None


_CONVERSIONS = frozenset({"int", "float", "round", "str", "decimal.Decimal", "math.floor", "math.ceil"})
# Calls that keep what a number or time read from the message (or the clock) means for a bound.
_CARRYING_CALLS = frozenset({
    "int", "float", "round", "decimal.Decimal", "math.floor", "math.ceil",
    "datetime.datetime.fromisoformat", "datetime.datetime.fromtimestamp",
})
_CARRIED = (_Event, _Incremented, _Elapsed, _Clock)


def _counted(left: object, op: ast.operator, right: object) -> Optional[object]:
    """Arithmetic that keeps a bound's meaning: a carried number plus a positive constant, the
    clock minus a carried time, and that difference scaled (`/ 1000`)."""
    number = _const_number(right)
    if isinstance(op, ast.Add) and number is not None and number > 0 and float(number).is_integer():
        if isinstance(left, _Event):
            return _Incremented(left.path, int(number))
        if isinstance(left, _Incremented):
            return _Incremented(left.path, left.step + int(number))
    if isinstance(op, ast.Sub) and isinstance(left, _Clock) and isinstance(right, _Event):
        return _Elapsed(left.why, right.path)
    if isinstance(left, _Elapsed) and number:
        if isinstance(op, ast.Div):
            return _Elapsed(left.why, left.path, left.scale * number)
        if isinstance(op, ast.Mult):
            return _Elapsed(left.why, left.path, left.scale / number)
    return None


def _is_state_literal(value: object) -> bool:
    """Literal text, or a whole number (not a bool), that a status read at run time is compared with."""
    if isinstance(value, Lit):
        return True
    number = value.value if isinstance(value, _Const) else None
    return isinstance(number, int) and not isinstance(number, bool)


def _const_number(value: object) -> Optional[float]:
    number = value.value if isinstance(value, _Const) else None
    if isinstance(number, (int, float)) and not isinstance(number, bool):
        return float(number)
    return None


def _value_change(value: object) -> Tuple[str, str]:
    """(verdict, why) of an abstract value written into an item: CHANGING with its cause,
    STABLE (literals, environment variables, the incoming object key), or UNKNOWN."""
    if isinstance(value, _Changing):
        return CHANGING, value.why
    if isinstance(value, _KEY_TYPES):
        return key_change(value)
    if isinstance(value, (_Const, _Env)):
        return STABLE, ""
    parts: Sequence[object] = ()
    if isinstance(value, _Dict):
        parts = [v for pair in value.items for v in pair]
    elif isinstance(value, _Tuple):
        parts = value.items
    if not parts:
        return UNKNOWN, ""
    found = [_value_change(part) for part in parts]
    verdict = combine(v for v, _ in found)
    return verdict, next((why for v, why in found if v == CHANGING), "")


class _PyValue(Value):
    """An abstract value of this analyser as loopcheck.code.requests reads it."""

    def __init__(self, value: object) -> None:
        self.value = value

    def why(self) -> str:
        return self.value.why if isinstance(self.value, _Unknown) else ""

    def literal(self) -> Optional[str]:
        return _lit_text(self.value)

    def target(self) -> Target:
        return _target_of(self.value)

    def key(self) -> KeyExpr:
        return _key_of(self.value)

    def change(self) -> Tuple[str, str]:
        return _value_change(self.value)

    def is_record(self) -> bool:
        return isinstance(self.value, _Dict)

    def field(self, name: str) -> Optional[Value]:
        found = _dict_get(self.value, name)
        if isinstance(self.value, _Updated):  # a field set on the incoming message: the last setting
            found = next((item for key, item in reversed(self.value.items) if key == Lit(name)), None)
        if found is not None:
            return _PyValue(found)
        if isinstance(self.value, _Dict) and not _dict_is_complete(self.value):
            return _PyValue(_Unknown("a dict with computed keys"))
        return None

    def field_names(self) -> Optional[List[Value]]:
        if not isinstance(self.value, (_Dict, _Updated)):
            return None
        return [_PyValue(key) for key, _ in self.value.items]

    def serialised(self) -> Optional[Value]:
        return _PyValue(self.value.value) if isinstance(self.value, _Serialized) else None

    def is_message(self) -> bool:
        value = self.value
        if isinstance(value, _Updated):  # (a field of the message with fields set is not the message)
            return is_message(value.base.path)
        return isinstance(value, _Event) and is_message(value.path)

    def items(self) -> Optional[List[Value]]:
        if isinstance(self.value, _Tuple):
            return [_PyValue(item) for item in self.value.items]
        if isinstance(self.value, _Many):
            return [_PyValue(self.value.element)]
        return None


class _PyRequest(Request):
    """A boto3 call's arguments, keyword or (in `positional` order) positional."""

    def __init__(self, args: _Args, positional: Tuple[str, ...]) -> None:
        self.args = args
        self.positional = positional

    def arg(self, name: str) -> Optional[Value]:
        position = self.positional.index(name) if name in self.positional else None
        value = self.args.get(name, position)
        return _PyValue(value) if value is not None else None

    def missing(self, names: Tuple[str, ...]) -> str:
        return f"no {names[0]} argument"


def _text_operands(left: object, right: object) -> bool:
    """`a + b` is string concatenation when one side is text and neither is clearly not."""
    not_text = (_Tuple, _Many, _Dict, _Const)
    if isinstance(left, not_text) or isinstance(right, not_text):
        return False
    return isinstance(left, _TEXT_TYPES) or isinstance(right, _TEXT_TYPES)


def _merge_all_vars(scopes: Sequence[Dict[str, object]]) -> Dict[str, object]:
    merged = scopes[0]
    for scope in scopes[1:]:
        merged = _merge_vars(merged, scope)
    return merged


# -- standard library, builtins and boto3 ------------------------------------------------------------


def _first(args: _Args) -> object:
    return args.get("", 0) or _Unknown("no argument")


def _ext_client(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    service = args.get("service_name", 0)
    return _Client(service.text) if isinstance(service, Lit) else _Unknown("a client for a computed service")


def _ext_resource(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    service = args.get("service_name", 0)
    return (
        _Resource(service.text) if isinstance(service, Lit) else _Unknown("a resource for a computed service")
    )


def _ext_session(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    return _Session()


def _ext_getenv(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    name = args.get("key", 0)
    return _Env(name.text) if isinstance(name, Lit) else _Unknown("an environment variable chosen at run time")


def _ext_path_join(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    if args.star:
        return AnyText("a path joined from a list")
    return _path_join([_key_of(value) for value in args.positional])


def _ext_basename(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    return basename(_key_of(_first(args)))


def _ext_splitext(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    source = _key_of(_first(args))
    if isinstance(source, Lit):
        return _Tuple(tuple(Lit(part) for part in posixpath.splitext(source.text)))
    return _Tuple((stem(source), AnyText("a file extension")))


def _ext_len(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    """len("uploads/") is a number (`key[len(PREFIX):]`); other lengths are not known."""
    value = _first(args)
    return _Const(len(value.text)) if isinstance(value, Lit) else _Unknown("the result of len()")


def _ext_dirname(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    source = _key_of(_first(args))
    return Lit(posixpath.dirname(source.text)) if isinstance(source, Lit) else AnyText("the folder of a key")


def _ext_same(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    """unquote_plus(k), list(xs), sorted(xs): the argument itself, for our purposes."""
    return _first(args)


def _ext_str(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    value = _first(args)
    return _key_of(value) if isinstance(value, (_Const, _PathVal)) else value


def _ext_getattr(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    owner, name = args.get("", 0), args.get("", 1)
    if isinstance(name, Lit):
        return analyser._attribute(owner, name.text, frame)
    if isinstance(owner, _AWS_OBJECTS):
        return _Dynamic(owner)
    return _Unknown("getattr with a computed name")


def _ext_enumerate(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    return _Enumerate(_first(args))


def _ext_next(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    return analyser._element_of(_first(args))


def _ext_json_loads(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    value = _first(args)
    return _Event(value.path + (_JSON,)) if isinstance(value, _Event) else _Unknown("parsed JSON")


def _ext_b64decode(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    """base64.b64decode of an event field: a Kinesis record's data as sent."""
    value = _first(args)
    return _Event(value.path + (BASE64,)) if isinstance(value, _Event) else _Unknown("decoded base64")


def _ext_json_dumps(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    return _Serialized(_first(args))


def _ext_deserializer(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    return _Deserializer()


def _ext_filled(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    if not args.positional or _is_factory(args):
        return _Filled()
    return _Unknown("a collection made from values")


def _is_factory(args: _Args) -> bool:
    """defaultdict(int): the argument is a factory, not initial contents."""
    return len(args.positional) == 1 and isinstance(args.positional[0], _Ext)


def _ext_map(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    if len(args.positional) < 2:
        return _Unknown("map()")
    return analyser._callback("map", args, node, frame)


def _ext_dict(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    if args.positional:
        return args.positional[0]
    if args.double_star:
        return _Unknown(args.double_star)
    return _Dict(tuple((Lit(name), value) for name, value in (args.keywords or {}).items()))


def _ext_path(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    if args.star:
        return _PathVal(AnyText("a path built from a list"))
    return _PathVal(_path_join([_key_of(value) for value in args.positional]))


def _ext_re_compile(analyser: _Analyser, args: _Args, node: ast.Call, frame: _Frame) -> object:
    pattern = args.get("pattern", 0)
    flags = args.get("flags", 1)
    return (
        _Regex(pattern.text) if isinstance(pattern, Lit) and flags is None else _Unknown("a regular expression")
    )


_EXTERNAL_CALLS = {
    "boto3.client": _ext_client,
    "boto3.resource": _ext_resource,
    **dict.fromkeys(
        [
            "boto3.Session",
            "boto3.session.Session",
            "botocore.session.get_session",
            "botocore.session.Session",
            "aioboto3.Session",
        ],
        _ext_session,
    ),
    **dict.fromkeys(["os.environ.get", "os.getenv", "os.environ.setdefault"], _ext_getenv),
    **dict.fromkeys(["os.path.join", "posixpath.join"], _ext_path_join),
    **dict.fromkeys(["os.path.basename", "posixpath.basename"], _ext_basename),
    **dict.fromkeys(["os.path.splitext", "posixpath.splitext"], _ext_splitext),
    **dict.fromkeys(["os.path.dirname", "posixpath.dirname"], _ext_dirname),
    **dict.fromkeys(
        ["urllib.parse.unquote_plus", "urllib.parse.unquote", "list", "tuple", "sorted", "reversed", "iter"],
        _ext_same,
    ),
    "str": _ext_str,
    "len": _ext_len,
    "getattr": _ext_getattr,
    "enumerate": _ext_enumerate,
    "next": _ext_next,
    "json.loads": _ext_json_loads,
    **dict.fromkeys(["base64.b64decode", "base64.standard_b64decode"], _ext_b64decode),
    "json.dumps": _ext_json_dumps,
    "boto3.dynamodb.types.TypeDeserializer": _ext_deserializer,
    **dict.fromkeys(["collections.Counter", "collections.defaultdict", "collections.OrderedDict",
                     "collections.deque", "set"], _ext_filled),
    "map": _ext_map,
    "dict": _ext_dict,
    **dict.fromkeys(
        ["pathlib.Path", "pathlib.PurePosixPath", "pathlib.PurePath", "pathlib.PosixPath"], _ext_path
    ),
    "re.compile": _ext_re_compile,
}


# -- public API ------------------------------------------------------------------------------------


def analyse_python(entry_file: Path, function_name: str, root: Path, max_depth: int = 3) -> CodeFacts:
    """The writes of handler `function_name` in `entry_file`, following imports of modules
    that are files inside `root` (the function's code folder) at most `max_depth` deep."""
    display = str(entry_file)
    sources = _Sources(Path(root), max_depth)
    resolved, data, problem = sources.entry(Path(entry_file))
    text, problem = source_files.decode_utf8(data, display) if data is not None else (None, problem)
    if text is None:
        return not_analysed("python", problem or f"{display}: not read", [display])
    return _Analyser(sources).run(text, display, function_name, resolved)


def analyse_python_source(text: str, filename: str, function_name: str) -> CodeFacts:
    """The writes of handler `function_name` in inline code (InlineCode / Code.ZipFile);
    imports are not followed."""
    data, problem = source_files.inline_bytes(text, filename)
    if data is None:
        return not_analysed("python", problem or f"{filename}: not read", [filename])
    return _Analyser(_Sources(None, 0)).run(text, filename, function_name, None)
