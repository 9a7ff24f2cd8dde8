"""Facts from C# Lambda handlers (the AWS SDK for .NET), read with the tree-sitter-c-sharp grammar.

What is C#'s own here: the parser; which files make up the program (every .cs file of the
project folder, bin/ and obj/ skipped: C# has no imports, a project compiles all its files
together); the evaluator of C# expressions (locals, fields, properties and constants, the
event object of Amazon.Lambda.*Events, `Environment.GetEnvironmentVariable`, string
interpolation, `Replace` / `Substring` / `Path.GetFileName...`, request objects built with
object initializers); the SDK's client classes and method names; guards as C# writes them.
What a request means, what a key test means and what a guard is are decided in the shared
modules (loopcheck.code.requests, keys, guards, inputs), as for every language.
The code is never run or compiled.
"""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Set, Tuple

from loopcheck.code import keys, source_files, syntax_trees
from loopcheck.code.budget import Budget
from loopcheck.code.facts import AnyText, CodeFacts, Guard, IncomingBucket, IncomingKey, KeyExpr, Lit, Target
from loopcheck.code.facts_builder import FactsBuilder, not_analysed
from loopcheck.code.guards import event_field_kind, first_kind, key_tests, shorten
from loopcheck.code.inputs import (
    INCOMING_BUCKET_PATHS,
    INCOMING_KEY_PATHS,
    SELF_NAME_VARIABLE,
    env_target,
    env_text,
    names_event_source,
)
from loopcheck.code.item_change import CHANGING_TEXT, UNKNOWN, key_change
from loopcheck.code.requests import read_write
from loopcheck.code.source_files import CodeFolder
from loopcheck.code.syntax_trees import Node, field, node_text
from loopcheck.code.values import Request, Value
from loopcheck.knowledge import sdk_catalog

LANGUAGE = "csharp"
GRAMMAR_PACKAGE = "tree_sitter_c_sharp"
SKIPPED_FOLDERS = frozenset({"bin", "obj", ".git", "node_modules"})  # build output, not sources
MAX_EVAL_DEPTH = 40  # nested evaluations before a value is unknown
MAX_CALLER_DEPTH = 3  # helper -> caller -> ... followed for arguments and guards
MAX_CALL_SITES = 8  # call sites of one helper followed

# -- the AWS SDK for .NET --------------------------------------------------------------------------
# Client classes and interfaces (AWSSDK.* packages), by service as facts.Write names it.
CONTEXT_SERVICE = "dynamodb-context"  # the object persistence model: the table is the item class's
CLIENT_TYPES: Dict[str, str] = {
    "AmazonS3Client": "s3", "IAmazonS3": "s3", "TransferUtility": "s3", "ITransferUtility": "s3",
    "AmazonSQSClient": "sqs", "IAmazonSQS": "sqs",
    "AmazonSimpleNotificationServiceClient": "sns", "IAmazonSimpleNotificationService": "sns",
    "AmazonDynamoDBClient": "dynamodb", "IAmazonDynamoDB": "dynamodb",
    "AmazonKinesisClient": "kinesis", "IAmazonKinesis": "kinesis",
    "AmazonKinesisFirehoseClient": "firehose", "IAmazonKinesisFirehose": "firehose",
    "AmazonEventBridgeClient": "events", "IAmazonEventBridge": "events",
    "AmazonCloudWatchEventsClient": "events", "IAmazonCloudWatchEvents": "events",
    "AmazonLambdaClient": "lambda", "IAmazonLambda": "lambda",
    "AmazonStepFunctionsClient": "states", "IAmazonStepFunctions": "states",
    "DynamoDBContext": CONTEXT_SERVICE, "IDynamoDBContext": CONTEXT_SERVICE,
}

# Method name (async and the older synchronous form) -> catalog API, per service. Lambda's
# `InvokeAsync` is the Invoke API (the deprecated InvokeAsync API is `InvokeAsyncAsync`).
METHODS: Dict[str, Dict[str, str]] = {
    "s3": {"PutObject": "PutObject", "CopyObject": "CopyObject", "DeleteObject": "DeleteObject",
           "DeleteObjects": "DeleteObjects", "CompleteMultipartUpload": "CompleteMultipartUpload",
           "Upload": "UploadFile"},
    "sqs": {"SendMessage": "SendMessage", "SendMessageBatch": "SendMessageBatch"},
    "sns": {"Publish": "Publish", "PublishBatch": "PublishBatch"},
    "dynamodb": {"PutItem": "PutItem", "UpdateItem": "UpdateItem", "DeleteItem": "DeleteItem",
                 "BatchWriteItem": "BatchWriteItem", "TransactWriteItems": "TransactWriteItems",
                 "ExecuteStatement": "ExecuteStatement"},
    "kinesis": {"PutRecord": "PutRecord", "PutRecords": "PutRecords"},
    "firehose": {"PutRecord": "PutRecord", "PutRecordBatch": "PutRecordBatch"},
    "events": {"PutEvents": "PutEvents"},
    "lambda": {"Invoke": "Invoke", "InvokeAsyncAsync": "InvokeAsync"},
    "states": {"StartExecution": "StartExecution", "StartSyncExecution": "StartSyncExecution"},
}

# DynamoDBContext (Amazon.DynamoDBv2.DataModel): the item's class names its table with
# [DynamoDBTable("Name")]; SaveAsync puts the item, DeleteAsync deletes it.
CONTEXT_METHODS: Dict[str, str] = {"Save": "PutItem", "Delete": "DeleteItem"}
# Settings that put the item in another table than the attribute names: then it is unknown.
TABLE_OVERRIDES = (b"OverrideTableName", b"TableNamePrefix", b"TypeMappings")
TABLE_ATTRIBUTE = re.compile(r'\bDynamoDBTable(?:Attribute)?\s*\(\s*"([^"]+)"')

# The request class of a call on a client the evaluator could not identify names its service.
REQUEST_SERVICES: Dict[str, str] = {
    "PutObjectRequest": "s3", "CopyObjectRequest": "s3", "DeleteObjectRequest": "s3",
    "DeleteObjectsRequest": "s3", "TransferUtilityUploadRequest": "s3",
    "SendMessageRequest": "sqs", "SendMessageBatchRequest": "sqs",
    "PublishRequest": "sns", "PublishBatchRequest": "sns",
    "PutItemRequest": "dynamodb", "UpdateItemRequest": "dynamodb", "DeleteItemRequest": "dynamodb",
    "BatchWriteItemRequest": "dynamodb", "TransactWriteItemsRequest": "dynamodb",
    "ExecuteStatementRequest": "dynamodb", "PutRecordsRequest": "kinesis", "PutRecordBatchRequest": "firehose",
    "PutEventsRequest": "events", "InvokeRequest": "lambda", "StartExecutionRequest": "states",
    "StartSyncExecutionRequest": "states",
}

# Positional overloads: the catalog parameters their arguments give, in order.
POSITIONAL: Dict[Tuple[str, str], Tuple[str, ...]] = {
    ("s3", "DeleteObject"): ("Bucket", "Key"),
    ("s3", "CopyObject"): ("SourceBucket", "SourceKey", "Bucket", "Key"),
    ("s3", "UploadFile"): ("FilePath", "Bucket", "Key"),
    ("sqs", "SendMessage"): ("QueueUrl", "MessageBody"),
    ("sqs", "SendMessageBatch"): ("QueueUrl", "Entries"),
    ("sns", "Publish"): ("TopicArn", "Message", "Subject"),
    ("dynamodb", "PutItem"): ("TableName", "Item"),
    ("dynamodb", "UpdateItem"): ("TableName", "Key", "AttributeUpdates"),
    ("dynamodb", "DeleteItem"): ("TableName", "Key"),
    ("dynamodb", "BatchWriteItem"): ("RequestItems",),
}

# Catalog parameter -> the .NET request property (per API where they differ).
PROPERTY_NAMES: Dict[str, str] = {"Bucket": "BucketName", "stateMachineArn": "StateMachineArn"}
COPY_PROPERTIES: Dict[str, str] = {"Bucket": "DestinationBucket", "Key": "DestinationKey"}

# Amazon.Lambda.*Events classes: the C# property names that differ from the event's JSON
# names in loopcheck.code.inputs (record.S3.Object.Key is Records[*].s3.object.key).
EVENT_FIELDS: Dict[str, str] = {
    "S3": "s3", "Bucket": "bucket", "Object": "object", "Name": "name", "Key": "key",
    "EventSourceArn": "eventSourceARN", "EventName": "eventName", "Source": "source",
    "DetailType": "detail-type", "Detail": "detail", "Body": "body",
}
# Parameter types that are one record of an event (a helper handed `record`).
RECORD_TYPES = frozenset({
    "S3EventNotificationRecord", "SQSMessage", "SNSRecord", "DynamodbStreamRecord", "KinesisEventRecord",
})
EVENT_TYPES = frozenset({"S3Event", "SQSEvent", "SNSEvent", "DynamoDBEvent", "KinesisEvent"})
CONTEXT_TYPES = frozenset({"ILambdaContext"})
ATTRIBUTE_FIELDS = frozenset({"MessageAttributes"})  # SQS and SNS message attributes
BODY_FIELDS = frozenset({"body", "Message", "detail"})  # a message body a handler parses

PARSED_GETTERS = frozenset({"GetValue", "Value", "GetProperty", "TryGetProperty"})
PARSE_CALLS = frozenset({"Parse", "Deserialize", "DeserializeObject", "ParseValue"})
SERIALIZE_CALLS = frozenset({"Serialize", "SerializeObject", "ToJsonString"})
DECODE_CALLS = frozenset({"UrlDecode", "UnescapeDataString", "ToString", "Trim"})
CHANGING_MEMBERS = frozenset({"Now", "UtcNow", "NewGuid", "Ticks"})  # DateTime.UtcNow, Guid.NewGuid()
KEY_TEST_METHODS = {"StartsWith": "startswith", "EndsWith": "endswith", "Contains": "contains"}
METADATA_PREFIX = "x-amz-meta-"  # .NET's MetadataCollection adds it to a name without one

_BLOCKS = frozenset({"block", "switch_section", "compilation_unit", "global_statement"})
_EXITS = frozenset({"return_statement", "continue_statement", "throw_statement", "break_statement"})
_METHODS = frozenset({"method_declaration", "local_function_statement", "constructor_declaration"})
_TYPES = frozenset({"class_declaration", "struct_declaration", "record_declaration", "interface_declaration"})
_STRINGS = frozenset({"string_literal", "verbatim_string_literal", "raw_string_literal", "character_literal"})


# -- abstract values -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Unknown:
    why: str = ""


@dataclass(frozen=True)
class Text:
    """A string: literal text (Lit) or a key expression."""

    expr: KeyExpr


@dataclass(frozen=True)
class Number:
    value: int


@dataclass(frozen=True)
class Env:
    name: str


@dataclass(frozen=True)
class EventPart:
    path: Tuple[str, ...]  # in the event's JSON names (loopcheck.code.inputs)


@dataclass(frozen=True)
class ContextObject:
    pass


@dataclass(frozen=True)
class Client:
    service: str


@dataclass(frozen=True)
class TypeName:
    """A class named in an expression (Path, Environment, a class of the program)."""

    name: str


@dataclass(frozen=True)
class Built:
    """An object or dictionary built with an initializer (`new PutObjectRequest { ... }`,
    `new Dictionary<...> { ["k"] = v }`): `node` is the creation expression; `var` the
    local variable holding it, whose later mutations count (`request.Metadata.Add(...)`)."""

    type_name: str
    node: Node
    file: int
    var: Optional[int] = None  # node id of the variable declarator holding it (see _mutations)


@dataclass(frozen=True)
class ListOf:
    nodes: Tuple[Node, ...]
    file: int


@dataclass(frozen=True)
class SplitText:
    """`key.Split('/')`: its last item is the base name."""

    source: KeyExpr
    separator: str


@dataclass(frozen=True)
class HeadResult:
    """GetObjectMetadataAsync's response; `incoming`: for the object whose event invoked us."""

    incoming: bool


@dataclass(frozen=True)
class MetadataPart:
    incoming: bool


@dataclass(frozen=True)
class Parsed:
    """A message body parsed as JSON; `fields` set on it in the code (markers)."""

    source: object
    fields: Tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedField:
    parsed: Parsed
    name: str


@dataclass(frozen=True)
class Serialized:
    """JSON text of a value (JsonSerializer.Serialize(x), x.ToJsonString())."""

    of: object


@dataclass(frozen=True)
class Attribute:
    """A message attribute of the incoming record, by name."""

    name: str


def key_of(value: object) -> KeyExpr:
    if isinstance(value, Text):
        return value.expr
    if isinstance(value, Env):
        return env_text(value.name)
    if isinstance(value, EventPart):
        if value.path in INCOMING_KEY_PATHS:
            return IncomingKey()
        if value.path in INCOMING_BUCKET_PATHS:
            return IncomingBucket()
        return AnyText("a field of the event")
    if isinstance(value, Number):
        return Lit(str(value.value))
    return AnyText(value.why if isinstance(value, Unknown) else "computed text")


def target_of(value: object) -> Target:
    if isinstance(value, Text):
        if isinstance(value.expr, Lit):
            return Target("literal", value.expr.text)
        return Target("unknown", "computed text")
    if isinstance(value, Env):
        return env_target(value.name)
    if isinstance(value, EventPart) and names_event_source(value.path):
        return Target("event-source")
    if isinstance(value, Unknown):
        return Target("unknown", value.why or "not resolved")
    return Target("unknown", f"a {type(value).__name__.lower()}, not a name")


def _by_type(type_name: str) -> Optional[object]:
    """A parameter's value told by its declared type: an SDK client, the event, one record, the context."""
    if type_name in CLIENT_TYPES:
        return Client(CLIENT_TYPES[type_name])
    if type_name in EVENT_TYPES:
        return EventPart(())
    if type_name in RECORD_TYPES:
        return EventPart(("Records", "*"))
    if type_name in CONTEXT_TYPES:
        return ContextObject()
    return None


def _strip(node: Optional[Node]) -> Optional[Node]:
    """The expression inside parentheses, `await`, casts and `!` null-forgiving."""
    while node is not None and node.type in ("parenthesized_expression", "await_expression",
                                             "cast_expression", "postfix_unary_expression", "argument"):
        if node.type == "cast_expression":
            node = field(node, "value")
        elif node.type == "postfix_unary_expression" and not node_text(node).endswith("!"):
            return node
        else:
            node = node.named_children[-1] if node.named_children else None
    return node


def _args(call: Node) -> List[Node]:
    arguments = field(call, "arguments") or next(
        (child for child in call.named_children if child.type == "argument_list"), None)
    return [] if arguments is None else [a for a in arguments.named_children if a.type == "argument"]


def _arg_value_node(argument: Node) -> Optional[Node]:
    """An argument's expression (`name: value` and `out var x` forms included)."""
    kids = [k for k in argument.named_children if k.type != "identifier" or field(argument, "name") != k]
    return kids[-1] if kids else None


def _string_text(node: Node) -> Optional[str]:
    """A literal string's text, or None when it holds interpolations."""
    if node.type == "verbatim_string_literal":
        return node_text(node)[2:-1].replace('""', '"')
    if node.type in ("string_literal", "raw_string_literal", "character_literal"):
        parts = []
        for child in node.named_children:
            if child.type.endswith("_content"):
                parts.append(node_text(child))
            elif child.type == "escape_sequence":
                parts.append(_unescape(node_text(child)))
        return "".join(parts)
    return None


def _unescape(sequence: str) -> str:
    simple = {"\\n": "\n", "\\t": "\t", "\\r": "\r", "\\0": "\0", "\\\\": "\\", '\\"': '"', "\\'": "'"}
    return simple.get(sequence, sequence[1:])


def _type_name(node: Optional[Node]) -> str:
    """`Dictionary<string, X>` -> Dictionary; `Amazon.S3.AmazonS3Client` -> AmazonS3Client;
    `SQSEvent.SQSMessage` -> SQSMessage."""
    if node is None:
        return ""
    if node.type == "generic_name":
        return node_text(node.named_children[0]) if node.named_children else ""
    if node.type in ("qualified_name", "member_access_expression"):
        return _type_name(field(node, "name"))
    if node.type == "nullable_type":
        return _type_name(field(node, "type"))
    return node_text(node)


# -- the program: the project's files -----------------------------------------------------------


@dataclass
class _Source:
    display: str
    data: bytes
    root: Node


class _Program:
    def __init__(self, folder: CodeFolder, result: FactsBuilder) -> None:
        self.folder = folder
        self.result = result
        self.sources: List[_Source] = []
        self.parser = syntax_trees.make_parser(_grammar())
        self.classes: Dict[str, List[Tuple[int, Node]]] = {}
        self.methods: Dict[str, List[Tuple[int, Node]]] = {}

    def add(self, display: str, data: bytes) -> bool:
        """Parse one file; a syntax error fails the analysis (False)."""
        self.result.read_file(display, len(data))
        tree = self.parser.parse(data)
        self.result.parsed(len(data))
        line = syntax_trees.first_syntax_error(tree.root_node)
        if line is not None:
            self.result.fail(f"{display}:{line}: syntax error")
            return False
        index = len(self.sources)
        self.sources.append(_Source(display, data, tree.root_node))
        for node in syntax_trees.named_nodes(tree.root_node, self.result.budget):
            if node.type in _TYPES:
                self.classes.setdefault(node_text(field(node, "name")), []).append((index, node))
            elif node.type in _METHODS:
                self.methods.setdefault(node_text(field(node, "name")), []).append((index, node))
        return True

    def project_files(self, entry: pathlib.Path) -> List[pathlib.Path]:
        """The other .cs files of the project (the code folder), sorted, build output skipped."""
        root = self.folder.root
        if root is None:
            return []
        found: List[pathlib.Path] = []
        for path in sorted(root.rglob("*.cs")):
            relative = path.relative_to(root).parts
            if any(part in SKIPPED_FOLDERS for part in relative[:-1]) or path == entry:
                continue
            found.append(path)
        return found

    def read_project(self, entry: pathlib.Path) -> None:
        for path in self.project_files(entry):
            real = source_files.safe_resolve(path)
            display = self.folder.display(path) if real is not None else str(path)
            if real is None or not self.folder.inside(real):
                continue  # a symlink out of the folder is not deployed code
            if len(self.sources) >= self.folder.max_files:
                limit = source_files.too_many_files(self.folder.max_files)
                self.result.unfollowed(f"{display}: not read: {limit}")
                return
            data, problem = source_files.read_bytes(real, display)
            if data is None:
                self.result.unfollowed(problem or f"{display}: not read")
                continue
            self.add(display, data)


def _grammar() -> object:
    import tree_sitter_c_sharp  # imported here: only a C# handler needs the grammar

    return tree_sitter_c_sharp.language()


# -- the evaluator ------------------------------------------------------------------------------


class _Evaluator:
    def __init__(self, program: _Program) -> None:
        self.program = program
        self.budget: Budget = program.result.budget
        self.cache: Dict[Tuple[int, int], object] = {}
        self.depth = 0
        self.handler: Optional[Tuple[int, Node]] = None
        self.calls: Optional[Dict[str, List[Tuple[int, Node]]]] = None  # see call_sites

    def value(self, file: int, node: Optional[Node]) -> object:
        node = _strip(node)
        if node is None:
            return Unknown("nothing there")
        ident = (file, node.id)
        if ident in self.cache:
            return self.cache[ident]
        if self.depth >= MAX_EVAL_DEPTH:
            return Unknown("too deep to follow")
        self.budget.tick()
        self.cache[ident] = Unknown("defined in terms of itself")
        self.depth += 1
        try:
            found = self._compute(file, node)
        finally:
            self.depth -= 1
        self.cache[ident] = found
        return found

    def _compute(self, file: int, node: Node) -> object:
        kind = node.type
        text = _string_text(node) if kind in _STRINGS else None
        if text is not None:
            return Text(Lit(text))
        if kind == "integer_literal":
            digits = node_text(node).rstrip("uUlL")
            return Number(int(digits)) if digits.isdigit() else Unknown("a number")
        if kind == "interpolated_string_expression":
            return self._interpolated(file, node)
        if kind == "identifier":
            return self._name(file, node, node_text(node))
        if kind == "member_access_expression":
            owner_node = field(node, "expression")
            name = node_text(field(node, "name"))
            if owner_node is None or owner_node.type == "this":
                return self._name(file, node, name, members_only=True)
            return self.member(file, self.value(file, owner_node), name)
        if kind == "element_access_expression":
            return self._element(file, self.value(file, field(node, "expression")), field(node, "subscript"))
        if kind == "conditional_access_expression":
            return self._conditional_access(file, node)
        if kind == "binary_expression":
            return self._binary(file, node)
        if kind == "conditional_expression":
            return Unknown("chosen at run time")
        if kind == "invocation_expression":
            return self._invocation(file, node)
        if kind in ("object_creation_expression", "implicit_object_creation_expression"):
            return self._creation(file, node)
        if kind in ("implicit_array_creation_expression", "array_creation_expression"):
            init = next((c for c in node.named_children if c.type == "initializer_expression"), None)
            return ListOf(tuple(init.named_children) if init is not None else (), file)
        if kind == "collection_expression":
            items = [e.named_children[0].named_children[0] for e in node.named_children
                     if e.named_children and e.named_children[0].named_children]
            return ListOf(tuple(items), file)
        if kind == "this":
            return Unknown("this")
        return Unknown(f"a {kind.replace('_', ' ')}")

    # -- strings ---------------------------------------------------------------------------

    def _interpolated(self, file: int, node: Node) -> object:
        parts: List[KeyExpr] = []
        for child in node.named_children:
            if child.type == "string_content":
                parts.append(Lit(node_text(child)))
            elif child.type == "escape_sequence":
                parts.append(Lit(_unescape(node_text(child))))
            elif child.type == "interpolation":
                inner = [c for c in child.named_children if c.type not in (
                    "interpolation_brace", "interpolation_format_clause", "interpolation_alignment_clause")]
                formatted = any(c.type == "interpolation_format_clause" for c in child.named_children)
                value = self.value(file, inner[0]) if inner else Unknown("")
                parts.append(AnyText("formatted") if formatted else key_of(value))
        return Text(keys.concat(parts))

    def _binary(self, file: int, node: Node) -> object:
        operator = node_text(field(node, "operator")) if field(node, "operator") is not None else ""
        if not operator:
            operator = next((node_text(c) for c in node.children if not c.is_named), "")
        if operator == "??":
            return self.value(file, field(node, "left"))
        if operator != "+":
            return Unknown("a computed value")
        left, right = self.value(file, field(node, "left")), self.value(file, field(node, "right"))
        if isinstance(left, Number) and isinstance(right, Number):
            return Number(left.value + right.value)
        return Text(keys.concat([key_of(left), key_of(right)]))

    # -- names ----------------------------------------------------------------------------

    def _name(self, file: int, at: Node, name: str, members_only: bool = False) -> object:
        child, parent = at, at.parent
        while parent is not None:
            if not members_only:
                found = self._local(file, parent, child, name)
                if found is not None:
                    return found
            if parent.type in _TYPES:
                member = self._member_of_class(file, parent, name)
                if member is None and not members_only:
                    member = self._parameter(file, parent, name)  # a primary constructor's
                if member is not None:
                    return member
            child, parent = parent, parent.parent
        if name in self.program.classes or name[:1].isupper():
            return TypeName(name)
        return Unknown(f"{name} not resolved")

    def type_of(self, file: int, node: Optional[Node]) -> str:
        """The class of an expression, when its syntax says: `new Order {...}`, or a local,
        parameter or field declared with a type."""
        node = _strip(node)
        if node is None:
            return ""
        if node.type == "object_creation_expression":
            return _type_name(field(node, "type"))
        if node.type != "identifier":
            return ""
        name = node_text(node)
        current = node.parent
        while current is not None:
            self.budget.tick()
            for declared in _declarations(current):
                if node_text(field(declared, "name")) == name:
                    owner = declared.parent if declared.type == "variable_declarator" else declared
                    type_name = _type_name(field(owner, "type"))
                    if type_name == "var":
                        kids = [k for k in declared.named_children if k != field(declared, "name")]
                        return self.type_of(file, kids[-1]) if kids else ""
                    return type_name
            current = current.parent
        return ""

    def _local(self, file: int, scope: Node, child: Node, name: str) -> Optional[object]:
        """`name` declared or assigned in `scope` before `child`; assigned inside a branch or
        loop in between: unknown (which assignment ran is not known)."""
        if scope.type in _BLOCKS:
            found: Optional[object] = None
            for statement in scope.named_children:
                if statement == child:
                    break
                declared = self._declared_in(file, statement, name)
                if declared is not None:
                    found = declared
                elif found is not None and statement.type not in ("local_declaration_statement",
                                                                  "expression_statement") \
                        and _assigns(statement, name, self.budget):
                    found = Unknown(f"{name} assigned in a branch")
            return found
        if scope.type == "foreach_statement" and child == field(scope, "body"):
            left = field(scope, "left")
            if left is not None and left.type == "identifier" and node_text(left) == name:
                return self._element_of(file, self.value(file, field(scope, "right")))
        if scope.type == "for_statement":
            for declaration in scope.named_children:
                if declaration.type == "variable_declaration" and declaration != child:
                    found = self._declarator(file, declaration, name)
                    if found is not None:
                        return found
        if scope.type in _METHODS:
            return self._parameter(file, scope, name)
        if scope.type in ("lambda_expression", "anonymous_method_expression"):
            params = field(scope, "parameters")
            listed = params.named_children if params is not None else []
            names = [node_text(field(p, "name") or p) for p in listed]
            if params is not None and params.type == "identifier":
                names = [node_text(params)]
            for param in listed:
                if param.type == "parameter" and node_text(field(param, "name")) == name:
                    typed = _by_type(_type_name(field(param, "type")))
                    return typed if typed is not None else Unknown(f"lambda parameter {name}")
            if name in names:
                return Unknown(f"lambda parameter {name}")
        return None

    def _declared_in(self, file: int, statement: Node, name: str) -> Optional[object]:
        if statement.type == "global_statement" and statement.named_children:
            statement = statement.named_children[0]
        if statement.type in ("local_declaration_statement", "field_declaration"):
            for declaration in statement.named_children:
                if declaration.type == "variable_declaration":
                    found = self._declarator(file, declaration, name)
                    if found is not None:
                        return found
        if statement.type == "expression_statement" and statement.named_children:
            expression = statement.named_children[0]
            if expression.type == "assignment_expression" and node_text(field(expression, "left")) == name:
                if node_text(field(expression, "operator")) in ("=", ""):
                    return self.value(file, field(expression, "right"))
        return None

    def _declarator(self, file: int, declaration: Node, name: str) -> Optional[object]:
        type_node = field(declaration, "type")
        for declarator in declaration.named_children:
            if declarator.type == "variable_declarator" and node_text(field(declarator, "name")) == name:
                kids = [k for k in declarator.named_children if k != field(declarator, "name")]
                value = self.value(file, kids[-1]) if kids else Unknown(f"{name} not initialised")
                return self._typed(value, type_node, declarator)
        return None

    def _typed(self, value: object, type_node: Optional[Node], declarator: Optional[Node] = None) -> object:
        """A value whose declared type says more than its initializer (an SDK client
        interface set by dependency injection)."""
        type_name = _type_name(type_node)
        target_typed = isinstance(value, Built) and not value.type_name  # `new()`: the declared type
        if (isinstance(value, Unknown) or target_typed) and type_name in CLIENT_TYPES:
            return Client(CLIENT_TYPES[type_name])
        if target_typed and isinstance(value, Built):
            value = replace(value, type_name=type_name)
        if isinstance(value, Built) and declarator is not None:
            return replace(value, var=declarator.id)
        return value

    def _parameter(self, file: int, method: Node, name: str) -> Optional[object]:
        """A method's parameter, or a class's primary constructor's."""
        params = field(method, "parameters") or next(
            (child for child in method.named_children if child.type == "parameter_list"), None)
        found = [p for p in (params.named_children if params is not None else []) if p.type == "parameter"]
        for index, param in enumerate(found):
            if node_text(field(param, "name")) != name:
                continue
            type_name = _type_name(field(param, "type"))
            if self.handler is not None and method == self.handler[1] and file == self.handler[0]:
                if index == 0:
                    return EventPart(())
                return ContextObject() if type_name in CONTEXT_TYPES else Unknown(name)
            typed = _by_type(type_name)
            return typed if typed is not None else self._argument(file, method, index, name)
        return None

    def _argument(self, file: int, method: Node, index: int, name: str) -> object:
        """A helper's parameter: the argument every call site passes, when they agree."""
        sites = self.call_sites(file, method)
        if not sites or len(sites) > MAX_CALL_SITES:
            return Unknown(f"parameter {name}")
        values = set()
        for site_file, call in sites:
            args = _args(call)
            values.add(self.value(site_file, _arg_value_node(args[index])) if index < len(args)
                       else Unknown(f"parameter {name}"))
        return values.pop() if len(values) == 1 else Unknown(f"parameter {name} differs between callers")

    def call_sites(self, file: int, method: Node) -> List[Tuple[int, Node]]:
        """Calls of a method by its name (overloads by name only), inside the program; for a
        class's primary constructor, the `new Class(...)` expressions."""
        if self.calls is None:
            self.calls = self._index_calls()
        name = node_text(field(method, "name"))
        return [(index, node) for index, node in self.calls.get(name, [])
                if not (index == file and _inside(node, method))]

    def _index_calls(self) -> Dict[str, List[Tuple[int, Node]]]:
        """Every call and object creation of the program by the name it calls, read once."""
        found: Dict[str, List[Tuple[int, Node]]] = {}
        for index, source in enumerate(self.program.sources):
            for node in syntax_trees.named_nodes(source.root, self.budget):
                if node.type == "invocation_expression":
                    function = field(node, "function")
                    called = field(function, "name") if function is not None and function.type == \
                        "member_access_expression" else function
                    name = _type_name(called)
                elif node.type == "object_creation_expression":
                    name = _type_name(field(node, "type"))
                elif node.type == "implicit_object_creation_expression":
                    name = _declared_type(node)
                else:
                    continue
                if name:
                    found.setdefault(name, []).append((index, node))
        return found

    def _member_of_class(self, file: int, cls: Node, name: str) -> Optional[object]:
        body = field(cls, "body")
        for member in body.named_children if body is not None else []:
            if member.type == "field_declaration":
                found = self._declared_in(file, member, name)
                if found is not None:
                    if isinstance(found, Unknown):
                        assigned = self._constructor_assignment(file, body, name)
                        if assigned is not None:
                            return assigned
                    return found
            elif member.type == "property_declaration" and node_text(field(member, "name")) == name:
                value_node = field(member, "value")
                if value_node is not None and value_node.type == "arrow_expression_clause":
                    value_node = value_node.named_children[0] if value_node.named_children else None
                value = self.value(file, value_node) if value_node is not None else Unknown(name)
                if isinstance(value, Unknown):
                    assigned = self._constructor_assignment(file, body, name)
                    value = assigned if assigned is not None else value
                return self._typed(value, field(member, "type"))
        return None

    def _constructor_assignment(self, file: int, body: Node, name: str) -> Optional[object]:
        """`_bucket = Environment.GetEnvironmentVariable("X")` or `this.x = ...` in a constructor."""
        for member in body.named_children:
            if member.type != "constructor_declaration":
                continue
            block = field(member, "body")
            for statement in block.named_children if block is not None else []:
                expression = statement.named_children[0] if statement.named_children else None
                if expression is None or expression.type != "assignment_expression":
                    continue
                left = field(expression, "left")
                left_name = node_text(field(left, "name")) if left is not None and left.type == \
                    "member_access_expression" else node_text(left)
                if left_name == name:
                    return self.value(file, field(expression, "right"))
        return None

    # -- members --------------------------------------------------------------------------

    def member(self, file: int, owner: object, name: str) -> object:
        if isinstance(owner, EventPart):
            return EventPart(owner.path + (EVENT_FIELDS.get(name, name),))
        if isinstance(owner, ContextObject):
            return Env(SELF_NAME_VARIABLE) if name in ("FunctionName", "InvokedFunctionArn") else Unknown(name)
        if isinstance(owner, HeadResult) and name == "Metadata":
            return MetadataPart(owner.incoming)
        if isinstance(owner, (MetadataPart, Parsed, ParsedField)):
            return owner
        if isinstance(owner, Built):
            found = self.built_field(owner, name)
            return found if found is not None else Unknown(f"{name} not set")
        if isinstance(owner, TypeName):
            if owner.name in ("DateTime", "DateTimeOffset", "Guid") and name in CHANGING_MEMBERS:
                return Text(AnyText(CHANGING_TEXT + f"{owner.name}.{name}"))
            for index, cls in self.program.classes.get(owner.name, []):
                found = self._member_of_class(index, cls, name)
                if found is not None:
                    return found
            if owner.name not in self.program.classes and name[:1].isupper():
                return TypeName(name)  # System.Environment, System.IO.Path: a namespace, then a class
            return Unknown(f"{owner.name}.{name}")
        if isinstance(owner, Text) and name == "Length":
            return Unknown("a length")
        return Unknown(f"{name} of something not followed")

    def _element(self, file: int, owner: object, subscript: Optional[Node]) -> object:
        index_node = _strip(subscript.named_children[0]) if subscript is not None and subscript.named_children \
            else None
        index = self.value(file, index_node) if index_node is not None else Unknown("")
        if isinstance(owner, EventPart):
            if isinstance(index, Number):
                return EventPart(owner.path + ("*",))
            if isinstance(index, Text) and isinstance(index.expr, Lit):
                if owner.path[-1:] and owner.path[-1] in ATTRIBUTE_FIELDS:
                    return Attribute(index.expr.text)
                return EventPart(owner.path + (index.expr.text,))
            return Unknown("an element of the event")
        if isinstance(owner, Parsed) and isinstance(index, Text) and isinstance(index.expr, Lit):
            return ParsedField(owner, index.expr.text)
        if isinstance(owner, (MetadataPart, ParsedField)):
            return owner
        if isinstance(owner, ListOf) and isinstance(index, Number) and index.value < len(owner.nodes):
            return self.value(owner.file, owner.nodes[index.value])
        return Unknown("an element not followed")

    def _conditional_access(self, file: int, node: Node) -> object:
        owner = self.value(file, field(node, "condition"))
        for binding in node.named_children[1:]:
            if binding.type == "member_binding_expression":
                name = field(binding, "name") or binding.named_children[-1]
                owner = self.member(file, owner, node_text(name))
            elif binding.type == "element_binding_expression":
                owner = self._element(file, owner, binding)
        return owner

    def _element_of(self, file: int, collection: object) -> object:
        if isinstance(collection, EventPart):
            return EventPart(collection.path + ("*",))
        if isinstance(collection, ListOf) and len(collection.nodes) == 1:
            return self.value(collection.file, collection.nodes[0])
        return Unknown("an item of a collection")

    # -- calls ----------------------------------------------------------------------------

    def _invocation(self, file: int, node: Node) -> object:
        function = _strip(field(node, "function"))
        args = [_arg_value_node(a) for a in _args(node)]
        if function is None or function.type not in ("member_access_expression", "generic_name", "identifier"):
            return Unknown("a call")
        if function.type != "member_access_expression":
            return Unknown(f"the result of {_type_name(function)}")
        method = _type_name(field(function, "name"))
        owner = self.value(file, field(function, "expression"))
        if isinstance(owner, TypeName):
            return self._static_call(file, owner.name, method, args)
        if isinstance(owner, Client):
            if owner.service == "s3" and method in ("GetObjectMetadataAsync", "GetObjectMetadata",
                                                     "GetObjectAsync", "GetObject"):
                return self._head(file, args)
            return Unknown(f"the result of {method}")
        if method in ("ConfigureAwait", "GetAwaiter", "GetResult"):
            return owner
        if isinstance(owner, SplitText) and method in ("Last", "LastOrDefault") and owner.separator == "/":
            return Text(keys.basename(owner.source))
        if method in ("First", "FirstOrDefault", "Single", "SingleOrDefault", "ElementAt"):
            return self._element_of(file, owner)
        if isinstance(owner, Parsed) and method in PARSED_GETTERS and args:
            name = self.value(file, args[0])
            if isinstance(name, Text) and isinstance(name.expr, Lit):
                return ParsedField(owner, name.expr.text)
        if method in SERIALIZE_CALLS or (method == "ToString" and isinstance(owner, Parsed)):
            return Serialized(owner)
        if isinstance(owner, (Text, EventPart, Env)):
            return self._string_method(file, key_of(owner), owner, method, args)
        return Unknown(f"the result of {method}")

    def _static_call(self, file: int, type_name: str, method: str, args: List[Optional[Node]]) -> object:
        values = [self.value(file, a) for a in args]
        if type_name == "Environment" and method == "GetEnvironmentVariable" and values:
            name = values[0]
            if isinstance(name, Text) and isinstance(name.expr, Lit):
                return Env(name.expr.text)
            return Unknown("an environment variable named at run time")
        if type_name == "Path" and values:
            source = key_of(values[0])
            if method == "GetFileName":
                return Text(keys.basename(source))
            if method == "GetFileNameWithoutExtension":
                return Text(keys.basename(keys.stem(source)))
            if method == "ChangeExtension" and len(values) == 2:
                extension = key_of(values[1])
                if isinstance(extension, Lit) and extension.text and not extension.text.startswith("."):
                    extension = Lit("." + extension.text)
                return Text(keys.concat([keys.stem(source), extension]))
            if method == "Combine":
                return Text(keys.separated("/", [key_of(v) for v in values]))
            return Unknown(f"Path.{method}")
        if type_name in ("WebUtility", "HttpUtility", "Uri") and method in DECODE_CALLS and values:
            return values[0]
        if type_name in ("string", "String") and method == "Concat":
            return Text(keys.concat([key_of(v) for v in values]))
        if type_name in ("string", "String") and method == "Join" and len(values) > 1:
            separator = key_of(values[0])
            if isinstance(separator, Lit):
                return Text(keys.separated(separator.text, [key_of(v) for v in values[1:]]))
        if method in PARSE_CALLS and values:
            return Parsed(values[0])
        if method in SERIALIZE_CALLS and values:
            return Serialized(values[0])
        if type_name == "Guid" and method == "NewGuid":
            return Text(AnyText(CHANGING_TEXT + "Guid.NewGuid()"))
        return Unknown(f"{type_name}.{method}")

    def _string_method(self, file: int, source: KeyExpr, owner: object, method: str,
                       args: List[Optional[Node]]) -> object:
        values = [self.value(file, a) for a in args]
        if method in DECODE_CALLS:
            return owner
        if method == "Replace" and len(values) == 2:
            old, new = key_of(values[0]), key_of(values[1])
            if isinstance(old, Lit) and isinstance(new, Lit):
                if isinstance(source, Lit):
                    return Text(Lit(source.text.replace(old.text, new.text)))
                return Text(keys.bounded(keys.Replace(source, old.text, new.text)))
            return Text(AnyText("a replacement not followed"))
        separator = key_of(values[0]) if len(values) == 1 else None
        if method == "Split" and isinstance(separator, Lit):
            return SplitText(source, separator.text)
        if method == "Substring" and values and isinstance(values[0], Number):
            start = values[0].value
            if len(values) == 1:
                return Text(keys.sliced(source, start))
            if isinstance(values[1], Number):
                return Text(keys.sliced(source, start, start + values[1].value))
        return Text(AnyText(f"the result of {method}"))

    def _head(self, file: int, args: List[Optional[Node]]) -> object:
        """GetObjectMetadataAsync(bucket, key) or (new GetObjectMetadataRequest { ... })."""
        values = [self.value(file, a) for a in args]
        key: object = Unknown("")
        if len(values) >= 2:
            key = values[1]
        elif values and isinstance(values[0], Built):
            key = self.built_field(values[0], "Key") or Unknown("")
        return HeadResult(key_of(key) == IncomingKey())

    def _creation(self, file: int, node: Node) -> object:
        type_name = _type_name(field(node, "type"))
        if type_name in CLIENT_TYPES:
            return Client(CLIENT_TYPES[type_name])
        if type_name in ("List", "HashSet", "Collection") or type_name.endswith("[]"):
            init = field(node, "initializer")
            return ListOf(tuple(init.named_children) if init is not None else (), file)
        return Built(type_name, node, file)

    # -- built objects -----------------------------------------------------------------------

    def built_entries(self, built: Built) -> List[Tuple[Node, Node]]:
        """(name node, value node) of an initializer: `Name = v`, `["k"] = v`, `{ "k", v }`,
        then of later statements on the variable holding it (`x.Name = v`, `x.Name.Add(k, v)`,
        `x.Name[k] = v`: those give ("Name", a dictionary entry) pairs)."""
        init = field(built.node, "initializer") or next(
            (child for child in built.node.named_children if child.type == "initializer_expression"), None)
        entries: List[Tuple[Node, Node]] = []
        for item in init.named_children if init is not None else []:
            if item.type == "assignment_expression":
                entries.append((field(item, "left"), field(item, "right")))
            elif item.type == "initializer_expression" and len(item.named_children) == 2:
                entries.append((item.named_children[0], item.named_children[1]))
        return entries

    def built_field(self, built: Built, name: str) -> Optional[object]:
        for left, right in self.built_entries(built):
            if left is not None and left.type == "identifier" and node_text(left) == name:
                if right is not None and right.type == "initializer_expression":
                    return _Nested(right, built.file)
                return self.value(built.file, right)
        return self._mutations(built, name)

    def built_keys(self, built: Built) -> Optional[List[object]]:
        found: List[object] = []
        for left, _ in self.built_entries(built):
            key = left.named_children[0] if left is not None and left.type == "element_binding_expression" \
                and left.named_children else left
            if key is not None and key.type == "argument":
                key = _arg_value_node(key)
            found.append(self.value(built.file, key))
        return found

    def _mutations(self, built: Built, name: str) -> Optional[object]:
        """`request.Name = v;` and `request.Name.Add(k, v)` / `request.Name[k] = v` after the
        declaration of the variable holding `built`, in the same block."""
        if built.var is None:
            return None
        declarator = _find_by_id(built.node, built.var)
        if declarator is None:
            return None
        variable = node_text(field(declarator, "name"))
        statement = _enclosing_statement(declarator)
        block = statement.parent if statement is not None else None
        if block is None:
            return None
        entries: List[Tuple[str, Node]] = []
        assigned: Optional[object] = None
        for sibling in block.named_children:
            if sibling.start_byte <= statement.start_byte or sibling.type != "expression_statement":
                continue
            expression = sibling.named_children[0] if sibling.named_children else None
            if expression is None:
                continue
            if expression.type == "assignment_expression":
                left = field(expression, "left")
                if node_text(left) == f"{variable}.{name}":
                    assigned = self.value(built.file, field(expression, "right"))
                elif left is not None and left.type == "element_access_expression" and \
                        node_text(field(left, "expression")) == f"{variable}.{name}":
                    entries.append(("index", left))
            elif expression.type == "invocation_expression" and \
                    node_text(field(expression, "function")) == f"{variable}.{name}.Add":
                entries.append(("add", expression))
        if assigned is not None:
            return assigned
        if entries:
            return _Added(tuple(node for _, node in entries), built.file)
        return None


@dataclass(frozen=True)
class _Nested:
    """A nested initializer (`Metadata = { ["k"] = "v" }`): a dictionary or collection."""

    node: Node
    file: int


@dataclass(frozen=True)
class _Added:
    """Entries added to a request's dictionary after it was built (`.Add(k, v)`, `[k] = v`)."""

    nodes: Tuple[Node, ...]
    file: int


def _find_by_id(node: Node, ident: int) -> Optional[Node]:
    """The declarator of a built object: the creation expression's ancestor with that id."""
    current: Optional[Node] = node
    while current is not None:
        if current.id == ident:
            return current
        current = current.parent
    return None


def _enclosing_statement(node: Node) -> Optional[Node]:
    current: Optional[Node] = node
    while current is not None and current.parent is not None and current.parent.type not in _BLOCKS:
        current = current.parent
    return current


def _table_of_class(program: _Program, class_name: str) -> str:
    """The table a [DynamoDBTable("Name")] attribute on the class names ("" if none)."""
    for _, cls in program.classes.get(class_name, []):
        for child in cls.named_children:
            if child.type == "attribute_list":
                match = TABLE_ATTRIBUTE.search(node_text(child))
                if match:
                    return match.group(1)
    return ""


def _enclosing_method(node: Node) -> Optional[Node]:
    current = node.parent
    while current is not None and current.type not in _METHODS:
        current = current.parent
    return current


def _declarations(scope: Node) -> List[Node]:
    """Parameters and variable declarators directly in scope (a method, block or class body)."""
    found: List[Node] = []
    for child in scope.named_children:
        if child.type == "parameter_list":
            found += [p for p in child.named_children if p.type == "parameter"]
        elif child.type in ("local_declaration_statement", "field_declaration", "variable_declaration"):
            declarations = [child] if child.type == "variable_declaration" else \
                [d for d in child.named_children if d.type == "variable_declaration"]
            for declaration in declarations:
                found += [d for d in declaration.named_children if d.type == "variable_declarator"]
        elif child.type == "declaration_list":
            found += _declarations(child)
    return found


def _declared_type(node: Node) -> str:
    """The declared type of the variable or field a target-typed `new(...)` initialises."""
    parent = node.parent
    if parent is not None and parent.type == "variable_declarator":
        declaration = parent.parent
        return _type_name(field(declaration, "type")) if declaration is not None else ""
    return ""


def _assigns(statement: Node, name: str, budget: Budget) -> bool:
    """Whether `name` is assigned anywhere inside statement (`name = ...`, `name += ...`)."""
    for node in syntax_trees.named_nodes(statement, budget):
        if node.type == "assignment_expression" and node_text(field(node, "left")) == name:
            return True
    return False


def _inside(node: Node, container: Node) -> bool:
    return container.start_byte <= node.start_byte and node.end_byte <= container.end_byte


# -- the neutral view ----------------------------------------------------------------------------


class _CsValue(Value):
    def __init__(self, evaluator: _Evaluator, value: object) -> None:
        self.evaluator = evaluator
        self.value = value

    def _wrap(self, value: object) -> _CsValue:
        return _CsValue(self.evaluator, value)

    def why(self) -> str:
        return self.value.why if isinstance(self.value, Unknown) else ""

    def literal(self) -> Optional[str]:
        if isinstance(self.value, Text) and isinstance(self.value.expr, Lit):
            return self.value.expr.text
        return None

    def target(self) -> Target:
        return target_of(self.value)

    def key(self) -> KeyExpr:
        return key_of(self.value)

    def change(self) -> Tuple[str, str]:
        if isinstance(self.value, (Text, Env, EventPart)):
            return key_change(key_of(self.value))
        return UNKNOWN, ""

    def is_record(self) -> bool:
        return isinstance(self.value, (Built, _Nested, _Added))

    def field(self, name: str) -> Optional[Value]:
        if isinstance(self.value, Built):
            found = self.evaluator.built_field(self.value, PROPERTY_NAMES.get(name, name))
            return None if found is None else self._wrap(found)
        if isinstance(self.value, Unknown):
            return self
        return self._wrap(Unknown(f"{name} of a value not followed"))

    def field_names(self) -> Optional[List[Value]]:
        if isinstance(self.value, Built):
            found = self.evaluator.built_keys(self.value)
        elif isinstance(self.value, (_Nested, _Added)):
            found = _dictionary_keys(self.evaluator, self.value)
        else:
            return None
        return None if found is None else [self._wrap(each) for each in found]

    def items(self) -> Optional[List[Value]]:
        if isinstance(self.value, (ListOf, _Nested)):
            value = self.value
            nodes = value.nodes if isinstance(value, ListOf) else tuple(value.node.named_children)
            return [self._wrap(self.evaluator.value(self.value.file, node)) for node in nodes]
        return None


def _dictionary_keys(evaluator: _Evaluator, value: object) -> List[object]:
    """The keys of a nested dictionary initializer or of entries added later."""
    found: List[object] = []
    if isinstance(value, _Nested):
        for item in value.node.named_children:
            if item.type == "assignment_expression":
                left = field(item, "left")
                inner = left.named_children[0] if left is not None and left.named_children else None
                found.append(evaluator.value(value.file, inner))
            elif item.type == "initializer_expression" and item.named_children:
                found.append(evaluator.value(value.file, item.named_children[0]))
    elif isinstance(value, _Added):
        for node in value.nodes:
            if node.type == "element_access_expression":
                subscript = field(node, "subscript")
                found.append(evaluator.value(value.file, subscript.named_children[0] if subscript is not None
                                             and subscript.named_children else None))
            else:
                args = _args(node)
                found.append(evaluator.value(value.file, _arg_value_node(args[0])) if args else Unknown(""))
    return found


class _CsRequest(Request):
    """A call's parameters: a request object, or the positional arguments of an overload."""

    def __init__(self, evaluator: _Evaluator, file: int, service: str, api: str, args: List[Optional[Node]]):
        self.evaluator = evaluator
        self.file = file
        self.api = api
        self.request: Optional[Built] = None
        self.positional: Dict[str, Optional[Node]] = {}
        first = evaluator.value(file, args[0]) if args else Unknown("no request")
        if isinstance(first, Built) and (len(args) == 1 or first.type_name.endswith("Request")):
            self.request = first
        else:
            names = POSITIONAL.get((service, api), ())
            self.positional = dict(zip(names, args))

    def _property(self, name: str) -> str:
        if self.api == "CopyObject" and name in COPY_PROPERTIES:
            return COPY_PROPERTIES[name]
        return PROPERTY_NAMES.get(name, name)

    def raw(self, name: str) -> Optional[object]:
        if self.request is not None:
            if name == "Delete":  # DeleteObjectsRequest holds Objects itself
                return self.request
            return self.evaluator.built_field(self.request, self._property(name))
        if name in self.positional:
            return self.evaluator.value(self.file, self.positional[name])
        return None

    def arg(self, name: str) -> Optional[Value]:
        found = self.raw(name)
        return None if found is None else _CsValue(self.evaluator, found)


# -- guards ---------------------------------------------------------------------------------------


class _Guards:
    def __init__(self, evaluator: _Evaluator) -> None:
        self.evaluator = evaluator

    def at(self, file: int, node: Node, depth: int = 0) -> Tuple[Guard, ...]:
        found: List[Guard] = []
        child, parent = node, node.parent
        while parent is not None:
            self.evaluator.budget.tick()
            if parent.type in _BLOCKS:
                for statement in parent.named_children:
                    if statement == child:
                        break
                    if statement.type == "if_statement" and field(statement, "alternative") is None and \
                            _exits(field(statement, "consequence")):
                        found += self.classify(file, field(statement, "condition"), True)
            elif parent.type == "if_statement":
                if child == field(parent, "consequence"):
                    found += self.classify(file, field(parent, "condition"), False)
                elif child == field(parent, "alternative"):
                    found += self.classify(file, field(parent, "condition"), True)
            elif parent.type in _METHODS:
                handler = self.evaluator.handler
                if depth < MAX_CALLER_DEPTH and not (handler is not None and parent == handler[1]):
                    found = self._callers(file, parent, depth) + found
                break
            child, parent = parent, parent.parent
        return tuple(dict.fromkeys(found))

    def _callers(self, file: int, method: Node, depth: int) -> List[Guard]:
        """Guards every call site of a helper has (in the caller's file)."""
        sites = self.evaluator.call_sites(file, method)
        if not sites or len(sites) > MAX_CALL_SITES:
            return []
        common: Optional[List[Guard]] = None
        for site_file, call in sites:
            guards = [replace(g, file=g.file or self.evaluator.program.sources[site_file].display)
                      if site_file != file else g for g in self.at(site_file, call, depth + 1)]
            common = guards if common is None else [g for g in common if g in guards]
        return common or []

    def classify(self, file: int, condition: Optional[Node], exits_when_true: bool) -> List[Guard]:
        found: List[Guard] = []
        for atom, exits in _atoms(condition, exits_when_true):
            guard = self._guard(file, atom, exits)
            if guard is not None:
                found.append(guard)
        return found

    def _guard(self, file: int, atom: Node, exits: bool) -> Optional[Guard]:
        kinds: List[str] = []
        markers: List[str] = []
        for node in syntax_trees.walk(atom, 400):
            value = self.evaluator.value(file, node)
            if isinstance(value, (HeadResult, MetadataPart)) and value.incoming:
                kinds.append("metadata")
            elif isinstance(value, Text) and keys.mentions_incoming(value.expr):
                kinds.append("key")
            elif isinstance(value, EventPart):
                if value.path in INCOMING_KEY_PATHS:
                    kinds.append("key")
                kind = event_field_kind(value.path) if value.path else None
                if kind:
                    kinds.append(kind)
                marker = _attribute_marker(self.evaluator, file, node, value)
                if marker:
                    markers.append(marker)
            elif isinstance(value, Attribute):
                markers.append(f"attribute.{value.name}")
            elif isinstance(value, ParsedField) and isinstance(value.parsed.source, EventPart) and \
                    value.parsed.source.path[-1:] and value.parsed.source.path[-1] in BODY_FIELDS:
                markers.append(f"body.{value.name}")
        kind = first_kind(kinds)
        text = shorten(" ".join(node_text(atom).split()))
        line = atom.start_point[0] + 1
        if kind is None and markers:
            return Guard("marker", line, text, marker=markers[0])
        if kind is None:
            return None
        test = None
        if kind == "key":
            operation = self._key_test(file, atom)
            if operation is not None:
                test = key_tests([operation], not exits)[0]
        return Guard(kind, line, text, key_test=test)

    def _key_test(self, file: int, atom: Node) -> Optional[Tuple[str, str]]:
        """`key.StartsWith("x")`, `EndsWith`, `Contains`, `Regex.IsMatch(key, "...")`."""
        if atom.type != "invocation_expression":
            return None
        function = field(atom, "function")
        if function is None or function.type != "member_access_expression":
            return None
        method = node_text(field(function, "name"))
        values = [self.evaluator.value(file, _arg_value_node(a)) for a in _args(atom)]
        literals = [v.expr.text if isinstance(v, Text) and isinstance(v.expr, Lit) else None for v in values]
        ignore_case = any("IgnoreCase" in node_text(a) for a in _args(atom))
        if method in KEY_TEST_METHODS and literals and literals[0] and not ignore_case:
            return KEY_TEST_METHODS[method], literals[0]
        if method == "IsMatch" and node_text(field(function, "expression")) == "Regex" and len(literals) >= 2 \
                and literals[1] is not None:
            return keys.regex_test(literals[1], ignore_case=ignore_case)
        return None


def _attribute_marker(evaluator: _Evaluator, file: int, node: Node, value: EventPart) -> str:
    """`record.MessageAttributes.ContainsKey("x")` / `.TryGetValue("x", out _)`: attribute.x."""
    if not value.path or value.path[-1] not in ATTRIBUTE_FIELDS:
        return ""
    parent = node.parent
    call = parent.parent if parent is not None and parent.type == "member_access_expression" else None
    if call is None or call.type != "invocation_expression" or field(call, "function") != parent:
        return ""
    if node_text(field(parent, "name")) not in ("ContainsKey", "TryGetValue", "Contains"):
        return ""
    args = _args(call)
    name = evaluator.value(file, _arg_value_node(args[0])) if args else None
    return f"attribute.{name.expr.text}" if isinstance(name, Text) and isinstance(name.expr, Lit) else ""


def _in_parentheses(node: Optional[Node]) -> Optional[Node]:
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node


def _negated(node: Node) -> Optional[Node]:
    if node.type == "prefix_unary_expression" and node_text(node).startswith("!") and node.named_children:
        return node.named_children[-1]
    return None


_GUARD_SYNTAX = syntax_trees.GuardSyntax(_in_parentheses, _negated, _EXITS, frozenset({"block"}))


def _atoms(condition: Optional[Node], exits_when_true: bool) -> List[Tuple[Node, bool]]:
    return syntax_trees.condition_atoms(condition, exits_when_true, _GUARD_SYNTAX)


def _exits(statement: Optional[Node]) -> bool:
    return syntax_trees.always_exits(statement, _GUARD_SYNTAX)


# -- writes and markers -----------------------------------------------------------------------------


class _Writes:
    def __init__(self, evaluator: _Evaluator, guards: _Guards) -> None:
        self.evaluator = evaluator
        self.guards = guards
        self.result = evaluator.program.result

    def find(self) -> None:
        reachable = self._reachable()
        for file, source in enumerate(self.evaluator.program.sources):
            for node in syntax_trees.named_nodes(source.root, self.evaluator.budget):
                if node.type == "invocation_expression":
                    method = _enclosing_method(node)
                    if reachable is None or method is None or (file, method.id) in reachable:
                        self._call(file, node)

    def _reachable(self) -> Optional[Set[Tuple[int, int]]]:
        """(file, node id) of the methods the handler may run: the methods and constructors it
        calls or names, by name, transitively (all of them when the handler is not found). A
        project holds several functions' handlers; each function runs only its own."""
        handler = self.evaluator.handler
        if handler is None:
            return None
        program = self.evaluator.program
        seen: Set[Tuple[int, int]] = {(handler[0], handler[1].id)}
        queue = [handler]
        while queue:
            file, method = queue.pop()
            own_name = field(method, "name")
            for node in syntax_trees.named_nodes(method, self.evaluator.budget):
                name = ""
                if node.type == "identifier" and node != own_name:
                    name = node_text(node)
                elif node.type == "object_creation_expression":
                    name = _type_name(field(node, "type"))
                elif node.type == "implicit_object_creation_expression":
                    name = _declared_type(node)
                for found in program.methods.get(name, []) if name else []:
                    if (found[0], found[1].id) not in seen:
                        seen.add((found[0], found[1].id))
                        queue.append(found)
        return seen

    def _call(self, file: int, node: Node) -> None:
        function = field(node, "function")
        if function is None or function.type != "member_access_expression":
            return
        method = _type_name(field(function, "name"))
        base = method[:-len("Async")] if method.endswith("Async") else method
        if not any(base in table for table in METHODS.values()) and base not in CONTEXT_METHODS:
            return
        owner = self.evaluator.value(file, field(function, "expression"))
        args = [_arg_value_node(a) for a in _args(node)]
        if isinstance(owner, Client) and owner.service == CONTEXT_SERVICE:
            if base in CONTEXT_METHODS and args:
                self._context_write(file, node, CONTEXT_METHODS[base], field(function, "name"), args[0])
            return
        service = owner.service if isinstance(owner, Client) else None
        if service is None:
            if not isinstance(owner, Unknown) or not args:
                return
            first = self.evaluator.value(file, args[0])
            service = REQUEST_SERVICES.get(first.type_name) if isinstance(first, Built) else None
            if service is None:
                return
        if service == "kinesis" and base == "PutRecordBatch":
            return
        api = METHODS.get(service, {}).get(base)
        if service == "s3" and base == "Upload" and not isinstance(owner, Client):
            return
        if api is None:
            return
        self._add(file, node, service, api, args)

    def _context_write(self, file: int, node: Node, api: str, method: Optional[Node],
                       item: Optional[Node]) -> None:
        """`context.SaveAsync(item)` / `SaveAsync<Order>(...)`: a write to the table the item's
        class names in its [DynamoDBTable] attribute."""
        type_arguments = next((c for c in method.named_children if c.type == "type_argument_list"), None) \
            if method is not None and method.type == "generic_name" else None
        class_name = _type_name(type_arguments.named_children[0]) if type_arguments is not None and \
            type_arguments.named_children else self.evaluator.type_of(file, item)
        program = self.evaluator.program
        overridden = any(word in source.data for source in program.sources for word in TABLE_OVERRIDES)
        table = "" if overridden else _table_of_class(program, class_name)
        why = f"the table of {class_name or 'an item not followed'}" + (" (overridden)" if overridden else "")
        target = Text(Lit(table)) if table else Unknown(why)
        source = self.evaluator.program.sources[file]
        row = sdk_catalog.row("dynamodb", api)
        read = read_write(row, Request(), "resource", target=_CsValue(self.evaluator, target))
        line_start = node.start_byte - node.start_point[1]
        column = source_files.character_column(source.data, line_start, node.start_byte)
        for slot, write in enumerate(read.writes(source.display, node.start_point[0] + 1, column,
                                                 self.guards.at(file, node))):
            self.result.write(write, slot)

    def _add(self, file: int, node: Node, service: str, api: str, args: List[Optional[Node]]) -> None:
        source = self.evaluator.program.sources[file]
        request = _CsRequest(self.evaluator, file, service, api, args)
        read = read_write(sdk_catalog.row(service, api), request)
        line = node.start_point[0] + 1
        line_start = node.start_byte - node.start_point[1]
        column = source_files.character_column(source.data, line_start, node.start_byte)
        guards = self.guards.at(file, node)
        # What the write sets, whether or not this function tests it (facts.Write.marks): the
        # shared request reading's marks and what only the C# evaluator follows.
        own = _marks(self.evaluator, request, service, api)
        for slot, write in enumerate(read.writes(source.display, line, column, guards)):
            marks = tuple(dict.fromkeys(write.marks + own))
            self.result.write(replace(write, marks=marks) if marks != write.marks else write, slot)


def _marks(evaluator: _Evaluator, request: _CsRequest, service: str, api: str) -> Tuple[str, ...]:
    """Markers a write sets on what it sends: message attributes, fields set on a parsed body
    before it is serialised back, S3 user metadata."""
    found: List[str] = []
    if service in ("sqs", "sns"):
        attributes = request.raw("MessageAttributes")
        for name in _literal_names(evaluator, attributes):
            found.append(f"attribute.{name}")
        body = request.raw("MessageBody" if service == "sqs" else "Message")
        if isinstance(body, Serialized) and isinstance(body.of, Parsed):
            found += [f"body.{name}" for name in body.of.fields]
    if service == "s3" and api in ("PutObject", "CopyObject"):
        for name in _literal_names(evaluator, request.raw("Metadata")):
            lowered = name.lower()
            found.append("metadata." + (lowered[len(METADATA_PREFIX):] if lowered.startswith(METADATA_PREFIX)
                                        else lowered))
    return tuple(dict.fromkeys(found))


def _literal_names(evaluator: _Evaluator, value: Optional[object]) -> List[str]:
    if value is None:
        return []
    names = _CsValue(evaluator, value).field_names() or []
    return [text for text in (name.literal() for name in names) if text is not None]


def _set_fields(evaluator: _Evaluator, file: int, root: Node) -> None:
    """Record the fields set on parsed bodies (`body["enriched"] = true;`) as their markers:
    the Parsed value of the variable is replaced by one carrying those field names."""
    for node in syntax_trees.named_nodes(root, evaluator.budget):
        if node.type != "assignment_expression":
            continue
        left = field(node, "left")
        if left is None or left.type != "element_access_expression":
            continue
        owner_node = _strip(field(left, "expression"))
        owner = evaluator.value(file, owner_node)
        subscript = field(left, "subscript")
        name = evaluator.value(file, subscript.named_children[0] if subscript is not None
                               and subscript.named_children else None)
        if isinstance(owner, Parsed) and isinstance(name, Text) and isinstance(name.expr, Lit) \
                and owner_node is not None and owner_node.type == "identifier":
            _remember_field(evaluator, file, owner_node, owner, name.expr.text)


def _remember_field(evaluator: _Evaluator, file: int, at: Node, parsed: Parsed, name: str) -> None:
    """Every later use of the variable holding `parsed` sees the field set."""
    marked = Parsed(parsed.source, tuple(dict.fromkeys(parsed.fields + (name,))))
    for ident, value in list(evaluator.cache.items()):
        if value == parsed:
            evaluator.cache[ident] = marked
        elif isinstance(value, Serialized) and value.of == parsed:
            evaluator.cache[ident] = Serialized(marked)


# -- the handler ---------------------------------------------------------------------------------


def find_handler(program: _Program, function_name: str) -> Optional[Tuple[int, Node]]:
    """The handler method: `Namespace.Class::Method` (or `Class::Method`, or `Method`)."""
    type_path, _, method = function_name.rpartition("::")
    class_name = type_path.rsplit(".", 1)[-1] if type_path else ""
    for index, node in program.methods.get(method, []):
        owner = node.parent
        while owner is not None and owner.type not in _TYPES:
            owner = owner.parent
        if not class_name or (owner is not None and node_text(field(owner, "name")) == class_name):
            return index, node
    return None


def _analyse_program(program: _Program, function_name: str) -> None:
    result = program.result
    if not result.analysed:
        return
    evaluator = _Evaluator(program)
    evaluator.handler = find_handler(program, function_name)
    if evaluator.handler is None and function_name and not function_name.startswith("::"):
        result.problem(f"{result.files[0]}: handler {function_name!r} not found; the event is not followed")
    for file, source in enumerate(program.sources):
        _set_fields(evaluator, file, source.root)
    _Writes(evaluator, _Guards(evaluator)).find()


def analyse_csharp(entry_file: pathlib.Path, function_name: str, root: pathlib.Path,
                   max_depth: int = 3) -> CodeFacts:
    """Facts about the handler method `function_name` (`Namespace.Class::Method`) in
    entry_file, reading the other .cs files of the project folder `root` too. Never runs the
    code; never raises for bad code."""
    if not syntax_trees.available(GRAMMAR_PACKAGE):
        return not_analysed(LANGUAGE, syntax_trees.NOT_INSTALLED)
    folder = CodeFolder(pathlib.Path(root), max_depth)
    real, data, problem = folder.entry(pathlib.Path(entry_file))
    if real is None or data is None:
        return not_analysed(LANGUAGE, problem or f"{entry_file}: not read", [str(entry_file)])
    program = _Program(folder, FactsBuilder(LANGUAGE))

    def analysis() -> None:
        if program.add(str(entry_file), data):
            program.read_project(real)
        _analyse_program(program, function_name)

    return program.result.run(str(entry_file), analysis)


def analyse_csharp_source(text: str, filename: str, function_name: str) -> CodeFacts:
    """Facts about C# code given as text (one file; nothing else is read)."""
    if not syntax_trees.available(GRAMMAR_PACKAGE):
        return not_analysed(LANGUAGE, syntax_trees.NOT_INSTALLED)
    data, problem = source_files.inline_bytes(text, filename)
    if data is None:
        return not_analysed(LANGUAGE, problem or f"{filename}: not read", [filename])
    program = _Program(CodeFolder(None, 0), FactsBuilder(LANGUAGE))

    def analysis() -> None:
        program.add(filename, data)
        _analyse_program(program, function_name)

    return program.result.run(filename, analysis)


