"""Java handler code, read with the tree-sitter-java grammar: the writes it makes through the AWS
SDK for Java (v2 builders and consumer lambdas, v1 positional calls and `with...` requests), their
targets and S3 keys, and the checks that guard them.

What is Java's own here: the parser, which classes the entry names (same package, or imported
from the same source tree), the evaluator over Java's syntax (locals, fields, parameters from
call sites, the event's getters, String methods, Map.of / HashMap.put), the SDK's client classes
and method names, and the guards as Java writes them. What a request means is read by
loopcheck.code.requests from the neutral view (loopcheck.code.values); key expressions and key
tests come from loopcheck.code.keys and guards.

Sources of the names: the AWS SDK for Java 2.x developer guide and API reference (service client
classes `S3Client`, `SqsClient`, ..., request builders `PutObjectRequest.builder()`), the 1.x API
reference (`AmazonS3.putObject(bucket, key, ...)`, `AmazonSQS.sendMessage(url, body)`, ...), the
aws-lambda-java-events library (S3Event records, `getS3().getObject().getUrlDecodedKey()`,
SQSEvent `getEventSourceArn()`, SNSEvent `getSNS().getTopicArn()`), and the Lambda developer guide
"Define Lambda function handler in Java" (`Handler: package.Class::method`, handleRequest).
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional, Set, Tuple

from loopcheck.code import keys, source_files, syntax_trees
from loopcheck.code.budget import Budget
from loopcheck.code.facts import (
    AnyText,
    CodeFacts,
    Guard,
    IncomingBucket,
    IncomingKey,
    KeyExpr,
    Lit,
    Replace,
    Target,
    event_source_target,
)
from loopcheck.code.facts_builder import FactsBuilder, not_analysed
from loopcheck.code.guards import event_field_kind, key_tests, shorten
from loopcheck.code.inputs import (
    ANY_ITEM,
    INCOMING_BUCKET_PATHS,
    INCOMING_KEY_PATHS,
    env_target,
    env_text,
    names_event_source,
)
from loopcheck.code.item_change import (
    CHANGING,
    CHANGING_TEXT,
    JAVA_CHANGING_CALLS,
    STABLE,
    UNKNOWN,
    combine,
    key_change,
)
from loopcheck.code.requests import read_write
from loopcheck.code.source_files import CodeFolder
from loopcheck.code.values import Request
from loopcheck.code.values import Value as NeutralValue
from loopcheck.knowledge import sdk_catalog
from loopcheck.knowledge.handler_files import JAVA_SUFFIXES

Node = syntax_trees.Node
LANGUAGE = "java"
GRAMMAR_PACKAGE = "tree_sitter_java"
MAX_FILES = 30
MAX_EVAL_DEPTH = 60
MAX_CALLER_DEPTH = 4  # helper -> caller -> ... followed for guards and parameter values
MAX_EVENT_PATH = 12  # fields deep into the event
DEFAULT_METHOD = "handleRequest"  # `Handler: pkg.Class` alone (RequestHandler / RequestStreamHandler)

# -- the SDK: client classes, method names, positional (v1) parameters ----------------------------

# A client class name without its "Client" / "AsyncClient" / "ClientBuilder" ending -> service.
_CLIENT_BASES = {
    "S3": "s3", "AmazonS3": "s3", "S3TransferManager": "s3", "TransferManager": "s3",
    "Sqs": "sqs", "AmazonSQS": "sqs", "Sns": "sns", "AmazonSNS": "sns",
    "DynamoDb": "dynamodb", "AmazonDynamoDB": "dynamodb", "DynamoDbEnhanced": "dynamodb",
    "DynamoDB": "dynamodb",  # the v1 Document API's entry object
    "Kinesis": "kinesis", "AmazonKinesis": "kinesis",
    "EventBridge": "events", "AmazonEventBridge": "events", "AmazonCloudWatchEvents": "events",
    "Lambda": "lambda", "AWSLambda": "lambda",
    "Sfn": "states", "AWSStepFunctions": "states",
    "Firehose": "firehose", "AmazonKinesisFirehose": "firehose",
}
_CLIENT_ENDINGS = ("AsyncClientBuilder", "ClientBuilder", "AsyncClient", "Client", "Async", "Builder", "")

# Java method name -> AWS API name, per service (v1 and v2 name them alike).
_METHODS: Dict[str, Dict[str, str]] = {
    "s3": {"putObject": "PutObject", "copyObject": "CopyObject", "deleteObject": "DeleteObject",
           "deleteObjects": "DeleteObjects", "completeMultipartUpload": "CompleteMultipartUpload",
           "upload": "UploadFile", "uploadFile": "UploadFile"},
    "sqs": {"sendMessage": "SendMessage", "sendMessageBatch": "SendMessageBatch"},
    "sns": {"publish": "Publish", "publishBatch": "PublishBatch"},
    "dynamodb": {"putItem": "PutItem", "updateItem": "UpdateItem", "deleteItem": "DeleteItem",
                 "batchWriteItem": "BatchWriteItem", "transactWriteItems": "TransactWriteItems",
                 "executeStatement": "ExecuteStatement"},
    "kinesis": {"putRecord": "PutRecord", "putRecords": "PutRecords"},
    "events": {"putEvents": "PutEvents"},
    "lambda": {"invoke": "Invoke", "invokeAsync": "InvokeAsync"},
    "states": {"startExecution": "StartExecution", "startSyncExecution": "StartSyncExecution"},
    "firehose": {"putRecord": "PutRecord", "putRecordBatch": "PutRecordBatch"},
}
_TABLE_METHODS = {"putItem": "PutItem", "updateItem": "UpdateItem", "deleteItem": "DeleteItem"}
_READ_METHODS = {"headObject": "HeadObject", "getObjectMetadata": "HeadObject", "getObject": "GetObject"}

# v1 calls and request constructors that take their parameters by position.
_POSITIONAL_CALLS: Dict[Tuple[str, str], Tuple[str, ...]] = {
    ("s3", "putObject"): ("Bucket", "Key"), ("s3", "upload"): ("Bucket", "Key"),
    ("s3", "copyObject"): ("SourceBucket", "SourceKey", "Bucket", "Key"),
    ("s3", "deleteObject"): ("Bucket", "Key"), ("s3", "getObjectMetadata"): ("Bucket", "Key"),
    ("s3", "getObject"): ("Bucket", "Key"),
    ("sqs", "sendMessage"): ("QueueUrl", "MessageBody"), ("sns", "publish"): ("TopicArn", "Message"),
    ("dynamodb", "putItem"): ("TableName", "Item"), ("dynamodb", "updateItem"): ("TableName", "Key"),
    ("dynamodb", "deleteItem"): ("TableName", "Key"),
    ("kinesis", "putRecord"): ("StreamName", "Data", "PartitionKey"),
}
_POSITIONAL_CONSTRUCTORS: Dict[str, Tuple[str, ...]] = {
    "PutObjectRequest": ("Bucket", "Key"), "CopyObjectRequest": ("SourceBucket", "SourceKey", "Bucket", "Key"),
    "DeleteObjectRequest": ("Bucket", "Key"), "DeleteObjectsRequest": ("Bucket",),
    "GetObjectMetadataRequest": ("Bucket", "Key"), "GetObjectRequest": ("Bucket", "Key"),
    "SendMessageRequest": ("QueueUrl", "MessageBody"), "PublishRequest": ("TopicArn", "Message"),
    "PutItemRequest": ("TableName", "Item"), "UpdateItemRequest": ("TableName", "Key"),
    "DeleteItemRequest": ("TableName", "Key"),
}
# v2 CopyObject names its destination destinationBucket / destinationKey.
_PARAMETER_ALIASES = {"bucket": ("destinationbucket",), "key": ("destinationkey",)}

# aws-lambda-java-events getters whose JSON field is not the getter's name lower-cased.
_EVENT_GETTERS = {
    "getRecords": "Records", "getUrlDecodedKey": "key", "getEventSourceArn": "eventSourceARN",
    "getEventSourceARN": "eventSourceARN", "getSNS": "Sns", "getSns": "Sns", "getTopicArn": "TopicArn",
    "getMessage": "Message", "getMessageAttributes": "MessageAttributes", "getDetailType": "detail-type",
}
_SAME_TEXT = frozenset({"toString", "intern", "asText", "textValue", "getAsString", "stream", "get",
                        "orElseThrow"})
_DERIVED_TEXT = frozenset({"toLowerCase", "toUpperCase", "trim", "strip"})
_PARSE_METHODS = frozenset({"readTree", "readValue", "parseString", "parse", "fromJson"})
_SERIALISE_METHODS = frozenset({"writeValueAsString", "toJson", "writeValueAsBytes"})
_MUTATORS = frozenset({"put", "addProperty", "set", "putIfAbsent", "add", "addUserMetadata"})
_FIELD_READS = frozenset({"has", "get", "path", "containsKey", "getOrDefault", "hasNonNull", "getString",
                          "getBoolean", "getUserMetaDataOf"})
_ELEMENT_CALLBACKS = frozenset({"forEach", "map", "filter", "flatMap", "anyMatch", "allMatch", "peek"})
_KEY_METHODS = {"startsWith": "startswith", "endsWith": "endswith", "contains": "contains"}
_BLOCKS = frozenset({"block", "switch_block_statement_group", "constructor_body", "program"})
_METHODS_NODES = frozenset({"method_declaration", "constructor_declaration"})
_EXITS = frozenset({"return_statement", "continue_statement", "throw_statement", "break_statement"})
_CLASSES = frozenset({"class_declaration", "enum_declaration", "record_declaration"})


# -- abstract values --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unknown:
    why: str = ""


@dataclass(frozen=True)
class Text:
    expr: KeyExpr


@dataclass(frozen=True)
class Derived:
    """Text transformed so that nothing literal is known of it (`key.toLowerCase()`)."""

    source: KeyExpr


@dataclass(frozen=True)
class Num:
    value: int


@dataclass(frozen=True)
class Env:
    name: str


@dataclass(frozen=True)
class EnvMap:
    """System.getenv() with no argument."""


@dataclass(frozen=True)
class EventPart:
    path: Tuple[str, ...]


@dataclass(frozen=True)
class ContextValue:
    pass


@dataclass(frozen=True)
class SelfName:
    pass


@dataclass(frozen=True)
class ClassRef:
    name: str


@dataclass(frozen=True)
class Client:
    service: str
    built: bool = True  # False: still a builder (`S3Client.builder().region(...)`)


@dataclass(frozen=True)
class Record:
    """A request builder, a v1 request, a Map.of / HashMap: its fields in order."""

    cls: str
    fields: Tuple[Tuple[str, Any], ...] = ()
    names_known: bool = True


@dataclass(frozen=True)
class TableRef:
    """A DynamoDB table object: the v2 Enhanced Client's `enhanced.table(name, schema)`, the v1
    Document API's `dynamoDB.getTable(name)`; its putItem / updateItem / deleteItem write it."""

    name: Any


@dataclass(frozen=True)
class ListValue:
    items: Tuple[Any, ...]


@dataclass(frozen=True)
class HeadResult:
    incoming: bool


@dataclass(frozen=True)
class Metadata:
    """User metadata of an object read with HeadObject / GetObject; `name`: the entry read."""

    incoming: bool
    name: str = ""


@dataclass(frozen=True)
class Body:
    """A message body parsed from the event (Jackson / Gson / a Map), and the fields set on it."""

    fields: Tuple[str, ...] = ()


@dataclass(frozen=True)
class BodyField:
    name: str


@dataclass(frozen=True)
class Serialised:
    """JSON text written from a body or a map with these fields."""

    fields: Tuple[str, ...]


@dataclass(frozen=True)
class PathValue:
    expr: KeyExpr


@dataclass(frozen=True)
class Regex:
    pattern: Optional[str]
    ignore_case: bool


@dataclass(frozen=True)
class Matcher:
    regex: Regex
    source: KeyExpr


@dataclass(frozen=True)
class Instance:
    cls: str


# -- syntax helpers ---------------------------------------------------------------------------------


def _text(node: Optional[Node]) -> str:
    return syntax_trees.node_text(node)


def _field(node: Optional[Node], name: str) -> Optional[Node]:
    return syntax_trees.field(node, name)


def _strip(node: Optional[Node]) -> Optional[Node]:
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node


def _args(call: Node) -> List[Node]:
    arguments = _field(call, "arguments")
    return [kid for kid in arguments.named_children if kid.type != "comment"] if arguments is not None else []


def _string(node: Node) -> str:
    """The value of a string literal (escapes of quotes, backslashes and \\n read)."""
    out: List[str] = []
    for kid in node.named_children:
        if kid.type == "string_fragment":
            out.append(_text(kid))
        elif kid.type == "escape_sequence":
            raw = _text(kid)
            out.append({"\\n": "\n", "\\t": "\t", "\\r": "\r"}.get(raw, raw[1:]))
    return "".join(out)


def _is_upper(name: str) -> bool:
    return bool(name) and name[0].isupper()


def _getter_field(name: str) -> Optional[str]:
    if name in _EVENT_GETTERS:
        return _EVENT_GETTERS[name]
    if name.startswith("get") and len(name) > 3 and name[3].isupper():
        return name[3].lower() + name[4:]
    return None


def _key_of(value: Any) -> KeyExpr:
    if isinstance(value, Text):
        return value.expr
    if isinstance(value, Env):
        return env_text(value.name)
    if isinstance(value, Num):
        return Lit(str(value.value))
    if isinstance(value, EventPart):
        if value.path in INCOMING_KEY_PATHS:
            return IncomingKey()
        if value.path in INCOMING_BUCKET_PATHS:
            return IncomingBucket("the incoming bucket")
        return AnyText("a field of the event")
    if isinstance(value, Unknown):
        return AnyText(value.why)
    return AnyText(f"a {type(value).__name__.lower()}")


def _target_of(value: Any) -> Target:
    if isinstance(value, Text):
        if isinstance(value.expr, Lit):
            return Target("literal", value.expr.text)
        return event_source_target(value.expr) or Target("unknown", "computed text")
    if isinstance(value, Env):
        return env_target(value.name)
    if isinstance(value, EventPart) and names_event_source(value.path):
        return Target("event-source")
    if isinstance(value, SelfName):
        return Target("self")
    if isinstance(value, Unknown):
        return Target("unknown", value.why or "not resolved")
    return Target("unknown", f"a {type(value).__name__.lower()}, not a name")


def _record_field(record: Record, name: str) -> Optional[Any]:
    """The last value set for `name` (exact, then case-insensitive, then the v2 aliases)."""
    found = [value for key, value in record.fields if key == name]
    if not found:
        wanted = (name.lower(),) + _PARAMETER_ALIASES.get(name.lower(), ())
        found = [value for key, value in record.fields if key.lower() in wanted]
    return found[-1] if found else None


def _with(record: Record, name: str, value: Any) -> Record:
    return Record(record.cls, record.fields + ((name, value),), record.names_known)


# -- the files read ---------------------------------------------------------------------------------


@dataclass
class _Source:
    display: str
    real: Optional[pathlib.Path]
    root: Node
    data: bytes
    depth: int
    package: str = ""
    imports: Dict[str, str] = field(default_factory=dict)  # simple name -> qualified name
    classes: Dict[str, Node] = field(default_factory=dict)  # top-level and nested class declarations


class _Program:
    """The entry class's file, then the classes it names from the same package or source tree."""

    def __init__(self, folder: CodeFolder, result: FactsBuilder) -> None:
        self.folder = folder
        self.result = result
        self.budget: Budget = result.budget
        self.sources: List[_Source] = []
        self.classes: Dict[str, Tuple[int, Node]] = {}
        self._parser: Any = None
        self._looked: Set[str] = set()

    def add(self, display: str, real: Optional[pathlib.Path], data: bytes, depth: int) -> int:
        if self._parser is None:
            import tree_sitter_java

            self._parser = syntax_trees.make_parser(tree_sitter_java.language())
        self.result.read_file(display, len(data))
        tree = self._parser.parse(data)
        self.result.parsed(len(data))
        line = syntax_trees.first_syntax_error(tree.root_node)
        if line is not None:
            self.result.fail(f"{display}:{line}: syntax error")
        source = _Source(display, real, tree.root_node, data, depth)
        mod = len(self.sources)
        self.sources.append(source)
        for node in syntax_trees.named_nodes(tree.root_node, self.budget):
            if node.type == "package_declaration" and node.named_children:
                source.package = _text(node.named_children[0])
            elif node.type == "import_declaration" and node.named_children:
                name = _text(node.named_children[0])
                source.imports[name.rsplit(".", 1)[-1]] = name
            elif node.type in _CLASSES or node.type == "interface_declaration":
                name = _text(_field(node, "name"))
                source.classes.setdefault(name, node)
                self.classes.setdefault(name, (mod, node))
        return mod

    def follow(self) -> None:
        """Read the classes the files read name (type names and static receivers) that live in
        the same package folder or, imported, in the same source tree."""
        index = 0
        while index < len(self.sources):
            source = self.sources[index]
            names: Dict[str, Node] = {}
            for node in syntax_trees.named_nodes(source.root, self.budget):
                if node.type == "type_identifier" or (node.type == "identifier" and _is_upper(_text(node))):
                    names.setdefault(_text(node), node)
            for name, node in names.items():
                if name not in self.classes and name not in self._looked:
                    self._read_class(index, name, node)
            index += 1

    def _read_class(self, mod: int, name: str, node: Node) -> None:
        source = self.sources[mod]
        if source.real is None or self.folder.root is None:
            return
        self._looked.add(name)
        package_dir = source.real.parent
        candidates = [package_dir / (name + suffix) for suffix in JAVA_SUFFIXES]
        qualified = source.imports.get(name)
        if qualified is not None:
            tree_root = package_dir
            for _ in source.package.split(".") if source.package else ():
                tree_root = tree_root.parent
            candidates += [tree_root / (qualified.replace(".", "/") + suffix) for suffix in JAVA_SUFFIXES]
        real, escapes = self.folder.first_file(candidates)
        line = node.start_point[0] + 1
        if escapes:
            self.result.unfollowed(f"{source.display}:{line}: "
                                   + source_files.import_not_followed(name, source_files.LEAVES_FOLDER))
            return
        if real is None:
            return  # a library or JDK class: not the function's own code
        why = self.folder.why_not_follow(source.depth + 1, len(self.sources))
        if why is not None:
            self.result.unfollowed(f"{source.display}:{line}: " + source_files.import_not_followed(name, why))
            return
        data, problem = source_files.read_bytes(real, self.folder.display(real))
        if data is None:
            self.result.unfollowed(problem or f"{name}: not read")
            return
        self.add(self.folder.display(real), real, data, source.depth + 1)


# -- the evaluator ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    mod: int
    call: Node


class _Evaluator:
    """Abstract values of Java expressions: what a value can be, never running anything."""

    def __init__(self, program: _Program) -> None:
        self.program = program
        self.budget = program.budget
        self.handler: Optional[Tuple[int, Node]] = None
        self._cache: Dict[Tuple[int, int], Any] = {}
        self._active: Set[Tuple[int, int]] = set()
        self._sites: Optional[Dict[str, List[_Site]]] = None
        self._scans: Dict[Tuple[int, int], Dict[str, Tuple[List[Node], List[Node]]]] = {}

    # -- entry ------------------------------------------------------------------------------

    def value(self, mod: int, node: Optional[Node]) -> Any:
        node = _strip(node)
        if node is None:
            return Unknown("no value")
        self.budget.tick()
        ident = (mod, node.id)
        if ident in self._cache:
            return self._cache[ident]
        if ident in self._active or len(self._active) > MAX_EVAL_DEPTH:
            return Unknown("defined in terms of itself")
        self._active.add(ident)
        try:
            found = self._compute(mod, node)
        finally:
            self._active.discard(ident)
        self._cache[ident] = found
        return found

    def _compute(self, mod: int, node: Node) -> Any:
        kind = node.type
        if kind == "string_literal":
            return Text(Lit(_string(node)))
        if kind == "character_literal":
            return Text(Lit(_text(node)[1:-1]))
        if kind == "decimal_integer_literal":
            digits = _text(node).rstrip("lL").replace("_", "")
            return Num(int(digits)) if digits.isdigit() else Unknown("a number")
        if kind == "identifier":
            return self._identifier(mod, node)
        if kind == "cast_expression":
            return self.value(mod, _field(node, "value"))
        if kind == "field_access":
            return self._field_access(mod, node)
        if kind == "method_invocation":
            return self._invocation(mod, node)
        if kind == "object_creation_expression":
            return self._creation(mod, node)
        if kind == "binary_expression":
            return self._binary(mod, node)
        if kind == "ternary_expression":
            first = self.value(mod, _field(node, "consequence"))
            second = self.value(mod, _field(node, "alternative"))
            return first if first == second else Unknown("one of two values")
        if kind == "this":
            return Instance(self._class_of(node))
        if kind == "array_access":
            return self._element(self.value(mod, _field(node, "array")))
        return Unknown(f"a {kind.replace('_', ' ')}")

    # -- names ------------------------------------------------------------------------------

    def _identifier(self, mod: int, node: Node) -> Any:
        name = _text(node)
        scope = node
        child = node
        while scope.parent is not None:
            child, scope = scope, scope.parent
            self.budget.tick()
            if scope.type in _BLOCKS and scope.type != "program":
                for statement in scope.named_children:
                    if statement.start_byte >= child.start_byte:
                        break
                    declarator = _declarator(statement, name)
                    if declarator is not None:
                        return self._local(mod, scope, declarator, name, node)
            elif scope.type == "enhanced_for_statement" and _text(_field(scope, "name")) == name:
                if child != _field(scope, "value"):
                    return self._element(self.value(mod, _field(scope, "value")))
            elif scope.type == "for_statement":
                for init in scope.children_by_field_name("init"):
                    declarator = _declarator(init, name)
                    if declarator is not None:
                        return Unknown("a loop variable")
            elif scope.type == "try_with_resources_statement":
                for resource in syntax_trees.walk(_field(scope, "resources") or scope, limit=50):
                    if resource.type == "resource" and _text(_field(resource, "name")) == name:
                        return self.value(mod, _field(resource, "value"))
            elif scope.type == "lambda_expression":
                index = _lambda_param_index(scope, name)
                if index is not None:
                    return self._lambda_param(mod, scope, index)
            elif scope.type == "catch_clause" and child != _field(scope, "body"):
                pass
            elif scope.type == "catch_clause":
                parameters = [kid for kid in scope.named_children if kid.type == "catch_formal_parameter"]
                parameter = parameters[0] if parameters else None
                if _text(_field(parameter, "name")) == name:
                    return Unknown("an exception")
            elif scope.type in _METHODS_NODES:
                index = _param_index(scope, name)
                if index is not None:
                    return self._parameter(mod, scope, index)
            elif scope.type == "class_body":
                found = self._class_field(mod, scope, name)
                if found is not None:
                    return found
        if name == "System" or _is_upper(name):
            return ClassRef(name)
        return Unknown(f"{name} is not defined here")

    def _local(self, mod: int, scope: Node, declarator: Node, name: str, use: Node) -> Any:
        assignments, mutations = self._writes_to(mod, scope, name)
        initial = _field(declarator, "value")
        others = [self.value(mod, _field(node, "right")) for node in assignments
                  if node.start_byte < use.start_byte or not _inside(use, node)]
        if initial is not None and initial.type == "null_literal" and others:
            value = others.pop(0)  # `X request = null;` then set before use
        else:
            value = self.value(mod, initial) if initial is not None else Unknown(f"{name} has no value")
        if any(other != value for other in others):
            return Unknown(f"{name} is assigned more than one value")
        puts = [node for node in mutations if node.start_byte < use.start_byte]
        return self._mutated(mod, value, puts) if puts else value

    def _writes_to(self, mod: int, scope: Node, name: str) -> Tuple[List[Node], List[Node]]:
        """The assignments to `name` and its put / add / addProperty calls in `scope`, once per
        scope (every use of a variable asks)."""
        ident = (mod, scope.id)
        if ident not in self._scans:
            table: Dict[str, Tuple[List[Node], List[Node]]] = {}
            for node in syntax_trees.walk(scope):
                self.budget.tick()
                if node.type == "assignment_expression":
                    left = _field(node, "left")
                    target = _text(_field(left, "field")) if left is not None and left.type == "field_access" \
                        else _text(left)
                    table.setdefault(target, ([], []))[0].append(node)
                elif node.type == "method_invocation" and _text(_field(node, "name")) in _MUTATORS:
                    receiver = _field(node, "object")
                    if receiver is not None and receiver.type == "identifier":
                        table.setdefault(_text(receiver), ([], []))[1].append(node)
            self._scans[ident] = table
        return self._scans[ident].get(name, ([], []))

    def _mutated(self, mod: int, value: Any, puts: List[Node]) -> Any:
        """A map, list, JSON object or ObjectMetadata after its put / add / addProperty calls."""
        for call in puts:
            args = _args(call)
            method = _text(_field(call, "name"))
            if isinstance(value, ListValue) and method == "add" and len(args) == 1:
                value = ListValue(value.items + (self.value(mod, args[0]),))
                continue
            key = self.value(mod, args[0]) if args else Unknown("")
            name = key.expr.text if isinstance(key, Text) and isinstance(key.expr, Lit) else None
            if isinstance(value, Body):
                value = Body(value.fields + ((name,) if name else ()))
            elif isinstance(value, Record) and len(args) == 2:
                if name is None:
                    value = Record(value.cls, value.fields, names_known=False)
                else:
                    value = _with(value, name, self.value(mod, args[1]))
        return value

    def _class_of(self, node: Node) -> str:
        scope = node.parent
        while scope is not None and scope.type not in _CLASSES:
            scope = scope.parent
        return _text(_field(scope, "name")) if scope is not None else ""

    def _class_field(self, mod: int, body: Node, name: str) -> Optional[Any]:
        for member in body.named_children:
            if member.type not in ("field_declaration", "constant_declaration"):
                continue
            declarator = _declarator(member, name)
            if declarator is None:
                continue
            values: List[Any] = []
            initial = _field(declarator, "value")
            if initial is not None:
                values.append(self.value(mod, initial))
            values += [self.value(mod, _field(node, "right")) for node in self._writes_to(mod, body, name)[0]]
            client = _client_of_type(_text(_field(member, "type")))
            if values and all(each == values[0] for each in values) and not isinstance(values[0], Unknown):
                return values[0]
            if client is not None:
                return client
            return values[0] if len(values) == 1 else Unknown(f"field {name} is assigned more than one value")
        return None

    def _parameter(self, mod: int, method: Node, index: int) -> Any:
        parameters = _formal_parameters(method)
        type_name = _text(_field(parameters[index], "type")) if index < len(parameters) else ""
        if (mod, method) == self.handler:
            last = index == len(parameters) - 1 and index > 0 and type_name != "OutputStream"
            if type_name == "Context" or last:
                return ContextValue()
            return EventPart(()) if index == 0 else Unknown("a handler parameter")
        client = _client_of_type(type_name)
        values = [self.value(site.mod, _args(site.call)[index]) for site in self.sites_of(mod, method)
                  if index < len(_args(site.call))]
        if values and all(value == values[0] for value in values):
            return values[0]
        if client is not None:
            return client
        if type_name == "Context":
            return ContextValue()
        return Unknown("differs between callers" if values else f"parameter {index + 1} of a method")

    def _lambda_param(self, mod: int, lam: Node, index: int) -> Any:
        call = lam.parent.parent if lam.parent is not None and lam.parent.type == "argument_list" else None
        if call is None or call.type != "method_invocation":
            return Unknown("a lambda parameter")
        method = _text(_field(call, "name"))
        receiver = self.value(mod, _field(call, "object")) if _field(call, "object") is not None else None
        if isinstance(receiver, (Client, Record)):
            return Record("")  # a consumer builder: `s3.putObject(b -> b.bucket(...).key(...), ...)`
        if method in _ELEMENT_CALLBACKS and index == 0 and receiver is not None:
            return self._element(receiver)
        return Unknown("a lambda parameter")

    def _element(self, collection: Any) -> Any:
        if isinstance(collection, EventPart):
            return EventPart(collection.path + (ANY_ITEM,))
        if isinstance(collection, ListValue) and len(set(collection.items)) == 1:
            return collection.items[0]
        return Unknown("an element of a collection")

    # -- calls ------------------------------------------------------------------------------

    def sites_of(self, mod: int, method: Node) -> List[_Site]:
        """The calls in the files read that may call `method` (same name and arity; an
        unqualified or `this.` call from the same class, or a call on that class or object)."""
        if self._sites is None:
            self._sites = {}
            for index, source in enumerate(self.program.sources):
                for node in syntax_trees.named_nodes(source.root, self.budget):
                    if node.type == "method_invocation":
                        self._sites.setdefault(_text(_field(node, "name")), []).append(_Site(index, node))
        name = _text(_field(method, "name")) if method.type == "method_declaration" else ""
        arity = len(_formal_parameters(method))
        owner = self._class_of(method)
        found = []
        for site in self._sites.get(name, []):
            if len(_args(site.call)) != arity:
                continue
            receiver = _field(site.call, "object")
            if receiver is None or receiver.type == "this":
                if self._class_of(site.call) == owner:
                    found.append(site)
                continue
            value = self.value(site.mod, receiver)
            if value in (Instance(owner), ClassRef(owner)):
                found.append(site)
        return found

    def _field_access(self, mod: int, node: Node) -> Any:
        target = _field(node, "object")
        name = _text(_field(node, "field"))
        if target is not None and target.type == "this":
            scope = node.parent
            while scope is not None and scope.type != "class_body":
                scope = scope.parent
            found = self._class_field(mod, scope, name) if scope is not None else None
            return found if found is not None else Unknown(f"field {name}")
        receiver = self.value(mod, target)
        if isinstance(receiver, EventPart):
            return EventPart(receiver.path + (name,))
        if isinstance(receiver, ClassRef) and receiver.name in self.program.classes:
            cls_mod, cls = self.program.classes[receiver.name]
            body = _field(cls, "body")
            found = self._class_field(cls_mod, body, name) if body is not None else None
            return found if found is not None else Unknown(f"{receiver.name}.{name}")
        return Unknown(f"field {name}")

    def _creation(self, mod: int, node: Node) -> Any:
        type_node = _field(node, "type")
        name = _text(type_node.named_children[0] if type_node is not None and type_node.type == "generic_type"
                     and type_node.named_children else type_node).rsplit(".", 1)[-1]
        args = _args(node)
        if name in ("HashMap", "LinkedHashMap", "TreeMap", "ConcurrentHashMap"):
            if not args:
                return Record("Map")
            if isinstance(self.value(mod, args[0]), EventPart):
                return Body()  # a copy of the incoming message's fields
            return Unknown("a copied map")
        if name in ("ArrayList", "LinkedList") and not args:
            return ListValue(())
        if name == "ObjectMetadata":
            return Record("Metadata")
        if name in ("ObjectNode", "JsonObject", "JSONObject") and not args:
            return Record("Map")
        if name in ("String", "StringBuilder") and len(args) == 1:
            return self.value(mod, args[0])
        if name in self.program.classes:
            return Instance(name)
        client = _client_of_type(name)
        if client is not None:
            return client
        if name.endswith("Request") or name.endswith("Entry") or name.endswith("Item"):
            positions = _POSITIONAL_CONSTRUCTORS.get(name, ())
            fields = tuple((param, self.value(mod, arg)) for param, arg in zip(positions, args))
            return Record(name, fields)
        if name == "Date" and not args:
            return Text(AnyText(CHANGING_TEXT + "new Date()"))
        return Unknown(f"a new {name}")

    def _binary(self, mod: int, node: Node) -> Any:
        operator = _text(_field(node, "operator"))
        left, right = self.value(mod, _field(node, "left")), self.value(mod, _field(node, "right"))
        if operator == "+":
            if isinstance(left, Num) and isinstance(right, Num):
                return Num(left.value + right.value)
            if any(isinstance(side, (Text, Env, EventPart)) for side in (left, right)):
                return Text(keys.concat([_key_of(left), _key_of(right)]))
        if operator == "-" and isinstance(left, Num) and isinstance(right, Num):
            return Num(left.value - right.value)
        return Unknown("computed")

    def _invocation(self, mod: int, node: Node) -> Any:
        name = _text(_field(node, "name"))
        args = _args(node)
        receiver_node = _field(node, "object")
        if receiver_node is None:
            return Unknown(f"the result of {name}()")
        receiver = self.value(mod, receiver_node)
        if isinstance(receiver, ClassRef):
            return self._static_call(mod, receiver.name, name, args)
        return self._method_call(mod, receiver, name, args, node)

    def _static_call(self, mod: int, cls: str, name: str, args: List[Node]) -> Any:
        qualified = f"{cls}.{name}"
        if qualified in JAVA_CHANGING_CALLS:
            return Text(AnyText(f"{CHANGING_TEXT}{qualified}()"))
        if cls == "System" and name == "getenv":
            if not args:
                return EnvMap()
            return self._env(self.value(mod, args[0]))
        if name == "builder" and not args:
            client = _client_of_type(cls)
            return Client(client.service, built=False) if client is not None else Record(cls)
        if name in ("create", "defaultClient", "standard", "defaultTransferManager"):
            client = _client_of_type(cls)
            if client is not None:
                return Client(client.service, built=name != "standard")
        if cls == "Map" and name == "of":
            return self._map(mod, args)
        if cls in ("Map", "Collections") and name in ("entry", "singletonMap"):
            return self._map(mod, args)
        if cls == "Map" and name == "ofEntries":
            fields: Tuple[Tuple[str, Any], ...] = ()
            for arg in args:
                entry = self.value(mod, arg)
                fields += entry.fields if isinstance(entry, Record) else ()
            return Record("Map", fields, all(isinstance(self.value(mod, a), Record) for a in args))
        if (cls, name) in (("List", "of"), ("Arrays", "asList"), ("Collections", "singletonList"),
                           ("Stream", "of")):
            return ListValue(tuple(self.value(mod, arg) for arg in args))
        if (cls, name) in (("String", "valueOf"), ("Objects", "toString"), ("Optional", "of"),
                           ("Optional", "ofNullable"), ("URLDecoder", "decode"), ("Objects", "requireNonNull")):
            return self.value(mod, args[0]) if args else Unknown("")
        if cls == "String" and name == "join" and args:
            separator = self.value(mod, args[0])
            if isinstance(separator, Text) and isinstance(separator.expr, Lit):
                parts = [_key_of(self.value(mod, arg)) for arg in args[1:]]
                return Text(keys.separated(separator.expr.text, parts))
        if cls == "String" and name == "format" and args:
            return self._format(mod, args)
        if cls in ("Paths", "Path") and name in ("get", "of") and len(args) == 1:
            return PathValue(_key_of(self.value(mod, args[0])))
        if cls == "FilenameUtils" and len(args) == 1:
            source = _key_of(self.value(mod, args[0]))
            transform = {"getName": keys.basename, "getBaseName": lambda e: keys.basename(keys.stem(e)),
                         "removeExtension": keys.stem}.get(name)
            return Text(transform(source)) if transform else Derived(source)
        if cls == "Pattern" and name == "compile" and args:
            pattern = self.value(mod, args[0])
            text = pattern.expr.text if isinstance(pattern, Text) and isinstance(pattern.expr, Lit) else None
            return Regex(text, len(args) > 1)
        if cls == "Pattern" and name == "matches" and len(args) == 2:
            regex = self._static_call(mod, cls, "compile", args[:1])
            if not isinstance(regex, Regex):
                return Unknown("a regular expression")
            return Matcher(regex, _key_of(self.value(mod, args[1])))
        if cls == "AttributeValue" and name.startswith("from") and args:
            return Record("AttributeValue", ((name[4:].lower(), self.value(mod, args[0])),))
        if name in _PARSE_METHODS | _SERIALISE_METHODS and args:
            return self._json(mod, name, args)
        if cls in self.program.classes:
            return Unknown(f"the result of {cls}.{name}()")
        return Unknown(f"the result of {qualified}()")

    def _env(self, name: Any) -> Any:
        if isinstance(name, Text) and isinstance(name.expr, Lit):
            return Env(name.expr.text)
        return Unknown("an environment variable chosen at run time")

    def _map(self, mod: int, args: List[Node]) -> Any:
        fields: List[Tuple[str, Any]] = []
        known = True
        for index in range(0, len(args) - 1, 2):
            key = self.value(mod, args[index])
            if isinstance(key, Text) and isinstance(key.expr, Lit):
                fields.append((key.expr.text, self.value(mod, args[index + 1])))
            else:
                known = False
        return Record("Map", tuple(fields), known)

    def _format(self, mod: int, args: List[Node]) -> Any:
        template = self.value(mod, args[0])
        if not (isinstance(template, Text) and isinstance(template.expr, Lit)):
            return Unknown("formatted text")
        pieces = template.expr.text.replace("%d", "%s").split("%s")
        if "%" in "".join(pieces) or len(pieces) - 1 != len(args) - 1:
            return Unknown("formatted text")
        parts: List[KeyExpr] = []
        for index, piece in enumerate(pieces):
            parts.append(Lit(piece))
            if index + 1 < len(pieces):
                parts.append(_key_of(self.value(mod, args[index + 1])))
        return Text(keys.concat(parts))

    def _method_call(self, mod: int, receiver: Any, name: str, args: List[Node], node: Node) -> Any:
        if isinstance(receiver, Text):
            return self._string_method(mod, receiver.expr, name, args)
        if isinstance(receiver, Derived):
            return Derived(receiver.source) if name in _DERIVED_TEXT | _SAME_TEXT else Unknown("")
        if isinstance(receiver, EnvMap) and name in ("get", "getOrDefault") and args:
            return self._env(self.value(mod, args[0]))
        if isinstance(receiver, EventPart):
            named = receiver.path in INCOMING_KEY_PATHS or receiver.path in INCOMING_BUCKET_PATHS
            if named and name not in _SAME_TEXT:
                return self._string_method(mod, _key_of(receiver), name, args)
            return self._event_call(mod, receiver, name, args)
        if isinstance(receiver, ContextValue):
            if name in ("getFunctionName", "getInvokedFunctionArn"):
                return SelfName()
            return Unknown(f"context.{name}()")
        if isinstance(receiver, SelfName) and name in _SAME_TEXT:
            return receiver
        if isinstance(receiver, Client):
            if not receiver.built:
                return Client(receiver.service, built=name == "build")
            if receiver.service == "dynamodb" and name in ("table", "getTable") and args:
                return TableRef(self.value(mod, args[0]))
            if name in _READ_METHODS:
                request = _request_of(self, mod, receiver.service, name, args)
                key = _record_field(request, "Key") if isinstance(request, Record) else None
                incoming = key is not None and keys.mentions_incoming(_key_of(key))
                return HeadResult(incoming)
            return Unknown(f"the result of {name}()")
        if isinstance(receiver, Record):
            return self._record_call(mod, receiver, name, args)
        if isinstance(receiver, ListValue):
            if name == "get" and len(receiver.items) == 1:
                return receiver.items[0]
            return receiver if name in ("stream", "toList") else Unknown("")
        if isinstance(receiver, HeadResult):
            if name in ("metadata", "getUserMetadata"):
                return Metadata(receiver.incoming)
            if name == "getUserMetaDataOf" and args:
                return self._method_call(mod, Metadata(receiver.incoming), "get", args, node)
            return receiver if name in ("response", "join", "get", "getObjectMetadata") else Unknown("")
        if isinstance(receiver, Metadata):
            entry = self.value(mod, args[0]) if args and name in _FIELD_READS else None
            if isinstance(entry, Text) and isinstance(entry.expr, Lit) and not receiver.name:
                return Metadata(receiver.incoming, entry.expr.text)
            return receiver
        if isinstance(receiver, Body):
            if name in _FIELD_READS and args:
                key = self.value(mod, args[0])
                if isinstance(key, Text) and isinstance(key.expr, Lit):
                    return BodyField(key.expr.text)
            if name in ("getAsJsonObject", "deepCopy"):
                return receiver
            if name == "toString":
                return Serialised(receiver.fields)
            return Unknown("")
        if isinstance(receiver, BodyField):
            return receiver
        if isinstance(receiver, PathValue):
            if name == "getFileName":
                return PathValue(keys.basename(receiver.expr))
            if name == "toString":
                return Text(receiver.expr)
            return Unknown("a path")
        if isinstance(receiver, Regex) and name == "matcher" and args:
            return Matcher(receiver, _key_of(self.value(mod, args[0])))
        if name in _PARSE_METHODS | _SERIALISE_METHODS and args:
            return self._json(mod, name, args)
        if isinstance(receiver, Unknown) and name in _SAME_TEXT | _DERIVED_TEXT:
            return receiver
        return Unknown(f"the result of {name}()")

    def _json(self, mod: int, name: str, args: List[Node]) -> Any:
        """JSON parsed (the event from an input stream; a message body, whose fields may be
        markers) or written (a body or a map with the fields it holds)."""
        value = self.value(mod, args[0])
        if name in _PARSE_METHODS:
            if isinstance(value, EventPart):
                return EventPart(()) if value.path == () else Body()
            return Unknown("parsed JSON")
        if isinstance(value, Body):
            return Serialised(value.fields)
        if isinstance(value, Record) and value.names_known:
            return Serialised(tuple(key for key, _ in value.fields))
        return Unknown("JSON text")

    def _event_call(self, mod: int, receiver: EventPart, name: str, args: List[Node]) -> Any:
        if len(receiver.path) >= MAX_EVENT_PATH:
            return Unknown("an event path too deep to follow")
        getter = _getter_field(name)
        if getter is not None and not args:
            return EventPart(receiver.path + (getter,))
        if name in ("get", "path", "getString", "getJSONObject", "getJSONArray", "getAsJsonObject",
                    "getAsJsonArray", "containsKey", "has") and args:
            key = self.value(mod, args[0])
            if isinstance(key, Num):
                return EventPart(receiver.path + (ANY_ITEM,))
            if isinstance(key, Text) and isinstance(key.expr, Lit):
                return EventPart(receiver.path + (key.expr.text,))
            return Unknown("a field of the event chosen at run time")
        if name in _SAME_TEXT or name in ("getAsJsonObject", "getAsJsonArray", "iterator"):
            return receiver
        if name in _DERIVED_TEXT:
            return Derived(_key_of(receiver))
        return Unknown(f"the result of {name}()")

    def _record_call(self, mod: int, receiver: Record, name: str, args: List[Node]) -> Any:
        if name in ("build", "toBuilder"):
            return receiver
        if receiver.cls in ("Map", "Metadata"):
            if name in ("get", "getOrDefault") and args:
                key = self.value(mod, args[0])
                if isinstance(key, Text) and isinstance(key.expr, Lit):
                    found = _record_field(receiver, key.expr.text)
                    return found if found is not None else Unknown("")
            return Unknown(f"the result of {name}()")
        setter = name[4].lower() + name[5:] if name.startswith("with") and len(name) > 4 else name
        if setter.startswith("set") and len(setter) > 3:
            return Unknown("")
        values = [self.value(mod, arg) for arg in args]
        first = _strip(args[0]) if len(args) == 1 else None
        if first is not None and first.type == "lambda_expression":  # `.delete(d -> d.objects(...))`
            values = [self.value(mod, _field(first, "body"))]
        value = values[0] if len(values) == 1 else ListValue(tuple(values))
        return _with(receiver, setter, value)

    def _string_method(self, mod: int, source: KeyExpr, name: str, args: List[Node]) -> Any:
        values = [self.value(mod, arg) for arg in args]
        literals = [value.expr.text if isinstance(value, Text) and isinstance(value.expr, Lit) else None
                    for value in values]
        if name in ("toString", "intern", "valueOf") or (name == "concat" and not args):
            return Text(source)
        if name == "concat" and len(values) == 1:
            return Text(keys.concat([source, _key_of(values[0])]))
        if name in ("replace", "replaceAll", "replaceFirst") and len(args) == 2 and None not in literals:
            old, new = literals[0] or "", literals[1] or ""
            if name != "replace":
                old_text = keys.regex_literal(old)
                if old_text is None or "$" in new or "\\" in new:
                    return Derived(source)
                old = old_text
            if isinstance(source, Lit):
                return Text(Lit(source.text.replace(old, new, 1 if name == "replaceFirst" else -1)))
            return Text(keys.bounded(_replace(source, old, new, name == "replaceFirst")))
        if name == "substring" and 1 <= len(args) <= 2:
            return self._substring(mod, source, args, values)
        if name in _DERIVED_TEXT:
            if isinstance(source, Lit):
                text = source.text
                return Text(Lit(text.lower() if name == "toLowerCase" else text.upper() if name == "toUpperCase"
                                else text.strip()))
            return Derived(source)
        if name in ("lastIndexOf", "indexOf", "length"):
            if isinstance(source, Lit) and (literals[:1] != [None] or name == "length"):
                text = source.text
                wanted = literals[0] if literals else ""
                found = (len(text) if name == "length" else
                         text.rfind(wanted or "") if name == "lastIndexOf" else text.find(wanted or ""))
                return Num(found)
            return Unknown(f"{name} of a key")
        return Unknown(f"the result of {name}()")

    def _substring(self, mod: int, source: KeyExpr, args: List[Node], values: List[Any]) -> Any:
        if all(isinstance(value, Num) for value in values):
            return Text(keys.sliced(source, *(value.value for value in values)))
        if len(args) == 1 and _is_last_index_of(args[0], "/", plus_one=True):
            return Text(keys.basename(source))
        if len(args) == 2 and isinstance(values[0], Num) and values[0].value == 0 \
                and _is_last_index_of(args[1], ".", plus_one=False):
            return Text(keys.stem(source))
        return Derived(source)



def _replace(source: KeyExpr, old: str, new: str, first_only: bool) -> KeyExpr:
    return Replace(source, old, new, first_only)


def _is_last_index_of(node: Node, char: str, plus_one: bool) -> bool:
    """`k.lastIndexOf('/') + 1` (plus_one) or `k.lastIndexOf(".")`."""
    node = _strip(node)
    if node is None:
        return False
    if plus_one:
        if node.type != "binary_expression" or _text(_field(node, "operator")) != "+" \
                or _text(_field(node, "right")) != "1":
            return False
        node = _strip(_field(node, "left"))
    if node is None or node.type != "method_invocation" or _text(_field(node, "name")) != "lastIndexOf":
        return False
    args = _args(node)
    return len(args) == 1 and _text(args[0])[1:-1] == char


def _declarator(statement: Node, name: str) -> Optional[Node]:
    if statement.type not in ("local_variable_declaration", "field_declaration", "constant_declaration"):
        return None
    for declarator in statement.children_by_field_name("declarator"):
        if _text(_field(declarator, "name")) == name:
            return declarator
    return None


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def _formal_parameters(method: Node) -> List[Node]:
    parameters = _field(method, "parameters")
    return [kid for kid in parameters.named_children if kid.type in ("formal_parameter", "spread_parameter")] \
        if parameters is not None else []


def _param_index(method: Node, name: str) -> Optional[int]:
    for index, parameter in enumerate(_formal_parameters(method)):
        if _text(_field(parameter, "name")) == name:
            return index
    return None


def _lambda_param_index(lam: Node, name: str) -> Optional[int]:
    parameters = _field(lam, "parameters")
    if parameters is None:
        return None
    if parameters.type == "identifier":
        return 0 if _text(parameters) == name else None
    names = [kid if kid.type == "identifier" else _field(kid, "name") for kid in parameters.named_children]
    for index, each in enumerate(names):
        if _text(each) == name:
            return index
    return None


def _client_of_type(type_name: str) -> Optional[Client]:
    """The client a class or declared type names (`S3Client`, `AmazonSQS`, `SqsAsyncClient`)."""
    name = type_name.rsplit(".", 1)[-1].split("<", 1)[0]
    for ending in _CLIENT_ENDINGS:
        if name.endswith(ending):
            service = _CLIENT_BASES.get(name[: len(name) - len(ending)] if ending else name)
            if service is not None:
                return Client(service)
    return None


def _request_of(evaluator: _Evaluator, mod: int, service: str, method: str, args: List[Node]) -> Any:
    """The request of an SDK call: its one request argument (a builder, a consumer lambda, a v1
    request object) or, for v1 calls that take them, its parameters by position."""
    if not args:
        return Record("")
    first_node = _strip(args[0])
    first = evaluator.value(mod, first_node)
    if first_node is not None and first_node.type == "lambda_expression":
        first = evaluator.value(mod, _field(first_node, "body"))
    if isinstance(first, Record):
        nested = _record_field(first, "putObjectRequest")  # v2 S3TransferManager upload / uploadFile
        return nested if isinstance(nested, Record) else first
    positions = _POSITIONAL_CALLS.get((service, method))
    if positions is not None and (len(args) >= 2 or isinstance(first, (Text, Env, EventPart))):
        return Record("", tuple((param, evaluator.value(mod, arg)) for param, arg in zip(positions, args)))
    return first


# -- the neutral view -------------------------------------------------------------------------------


class _JavaValue(NeutralValue):
    def __init__(self, value: Any) -> None:
        self.value = value

    def why(self) -> str:
        return self.value.why if isinstance(self.value, Unknown) else ""

    def literal(self) -> Optional[str]:
        value = self.value
        return value.expr.text if isinstance(value, Text) and isinstance(value.expr, Lit) else None

    def target(self) -> Target:
        return _target_of(self.value)

    def key(self) -> KeyExpr:
        return _key_of(self.value)

    def change(self) -> Tuple[str, str]:
        return _change(self.value)

    def is_record(self) -> bool:
        return isinstance(self.value, Record)

    def field(self, name: str) -> Optional[NeutralValue]:
        if isinstance(self.value, Record):
            found = _record_field(self.value, name)
            return None if found is None else _JavaValue(found)
        if isinstance(self.value, Unknown):
            return self
        return _JavaValue(Unknown(f"{name} of a {type(self.value).__name__.lower()}"))

    def field_names(self) -> Optional[List[NeutralValue]]:
        if isinstance(self.value, Record) and self.value.names_known:
            names = list(dict.fromkeys(name for name, _ in self.value.fields))
            return [_JavaValue(Text(Lit(name))) for name in names]
        return None

    def items(self) -> Optional[List[NeutralValue]]:
        if isinstance(self.value, ListValue):
            return [_JavaValue(item) for item in self.value.items]
        if isinstance(self.value, Record):  # one element passed to a varargs / collection setter
            return [self]
        return None


def _change(value: Any) -> Tuple[str, str]:
    if isinstance(value, Text):
        return key_change(value.expr)
    if isinstance(value, (Num, Env)):
        return STABLE, ""
    if isinstance(value, EventPart):
        return (STABLE, "") if value.path in INCOMING_KEY_PATHS else (UNKNOWN, "")
    parts = [each for _, each in value.fields] if isinstance(value, Record) else \
        list(value.items) if isinstance(value, ListValue) else None
    if parts is None:
        return UNKNOWN, ""
    found = [_change(part) for part in parts]
    return combine(v for v, _ in found), next((why for v, why in found if v == CHANGING), "")


class _JavaRequest(Request):
    def __init__(self, request: Any) -> None:
        self.request = request

    def arg(self, name: str) -> Optional[NeutralValue]:
        if isinstance(self.request, Record):
            found = _record_field(self.request, name)
            return None if found is None else _JavaValue(found)
        return _JavaValue(self.request if isinstance(self.request, Unknown) else Unknown("a request not read"))

    def missing(self, names: Tuple[str, ...]) -> str:
        shown = " or ".join(name[0].lower() + name[1:] + "(...)" for name in names)
        return f"no {shown} given"


def _marks(service: str, api: str, request: Any) -> Tuple[str, ...]:
    """What the write sets on what it sends: message attributes, S3 user metadata, fields of a
    JSON body (see facts.Write.marks)."""
    if not isinstance(request, Record):
        return ()
    found: List[str] = []
    attributes = _record_field(request, "MessageAttributes")
    if service in ("sqs", "sns") and isinstance(attributes, Record) and attributes.names_known:
        found += [f"attribute.{name}" for name, _ in attributes.fields]
    metadata = _record_field(request, "Metadata")
    if service == "s3" and isinstance(metadata, Record) and metadata.names_known:
        found += [f"metadata.{name}" for name, _ in metadata.fields]
    body = _record_field(request, {"sqs": "MessageBody", "sns": "Message"}.get(service, ""))
    if service == "events":
        entries = _record_field(request, "Entries")
        entry = entries.items[0] if isinstance(entries, ListValue) and entries.items else entries
        body = _record_field(entry, "Detail") if isinstance(entry, Record) else None
    if isinstance(body, Serialised):
        found += [f"body.{name}" for name in body.fields]
    return tuple(dict.fromkeys(found))


# -- guards -----------------------------------------------------------------------------------------


class _Guards:
    """The `if (test) return|continue|throw|break;` checks (and `if (test) { ...write... }`) that
    dominate a write: in its block or an enclosing one, in its method and the lambdas it sits
    in, and at every call site of the method it sits in."""

    def __init__(self, evaluator: _Evaluator) -> None:
        self.evaluator = evaluator
        self.budget = evaluator.budget
        self._order: Dict[Guard, Tuple[int, int]] = {}
        self._exiting: Dict[Tuple[int, int], Set[Guard]] = {}

    def at(self, mod: int, node: Node) -> Tuple[Guard, ...]:
        found = self._dominating(mod, node, 0, frozenset())
        return tuple(sorted(found, key=lambda guard: (self._order.get(guard, (0, 0)), guard.line)))

    def _dominating(self, mod: int, node: Node, depth: int, visiting: frozenset) -> Set[Guard]:
        self.budget.tick()
        found, method = self._local(mod, node)
        if method is None or depth >= MAX_CALLER_DEPTH or (mod, method) == self.evaluator.handler:
            return found
        if (mod, method.id) in visiting:
            return found
        sites = self.evaluator.sites_of(mod, method)
        common: Optional[Set[Guard]] = None
        for site in sites:
            at_site = self._dominating(site.mod, site.call, depth + 1, visiting | {(mod, method.id)})
            common = at_site if common is None else common & at_site
        return found | (common or set())

    def _local(self, mod: int, node: Node) -> Tuple[Set[Guard], Optional[Node]]:
        guards: Set[Guard] = set()
        child, parent = node, node.parent
        while parent is not None:
            self.budget.tick()
            if parent.type in _METHODS_NODES:
                return guards, parent
            if parent.type in _BLOCKS:
                for statement in parent.named_children:
                    if statement.end_byte > child.start_byte:
                        break
                    key = (mod, statement.id)
                    if key not in self._exiting:
                        self._exiting[key] = self._exit_guards(mod, statement)
                    guards |= self._exiting[key]
            elif parent.type == "if_statement":
                condition = _field(parent, "condition")
                if child == _field(parent, "consequence"):
                    guards |= self.classify(mod, condition, exits_when_true=False)
                elif child == _field(parent, "alternative"):
                    guards |= self.classify(mod, condition, exits_when_true=True)
            child, parent = parent, parent.parent
        return guards, None

    def _exit_guards(self, mod: int, statement: Node) -> Set[Guard]:
        if statement.type != "if_statement":
            return set()
        condition = _field(statement, "condition")
        alternative = _field(statement, "alternative")
        if _exits(_field(statement, "consequence")):
            return self.classify(mod, condition, exits_when_true=True)
        if alternative is not None and _exits(alternative):
            return self.classify(mod, condition, exits_when_true=False)
        return set()

    def classify(self, mod: int, condition: Optional[Node], exits_when_true: bool) -> Set[Guard]:
        found: Set[Guard] = set()
        atoms = _atoms(condition, exits_when_true)
        for atom, exits in atoms:
            shown = _strip(condition) if len(atoms) == 1 else atom
            guard = self._guard(mod, atom, exits, shorten(" ".join(_text(shown).split())))
            if guard is not None:
                found.add(guard)
                self._order.setdefault(guard, (mod, atom.start_byte))
        return found

    def _guard(self, mod: int, atom: Node, exits: bool, text: str) -> Optional[Guard]:
        line = atom.start_point[0] + 1
        values = self._values_read(mod, atom)
        metadata = [value for value in values if isinstance(value, Metadata) and value.incoming]
        if metadata:
            return Guard("metadata", line, text)
        marker = next((name for name in map(_marker_of, values) if name), None)
        if marker is not None:
            return Guard("marker", line, text, marker=marker)
        key = self._key_guard(mod, atom, exits)
        if key is not None:
            return Guard("key", line, text, key[0])
        for kind in ("event-name", "source"):
            if any(isinstance(value, EventPart) and event_field_kind(value.path) == kind for value in values):
                return Guard(kind, line, text)
        return None

    def _values_read(self, mod: int, atom: Node) -> List[Any]:
        found = []
        for node in syntax_trees.walk(atom, limit=300):
            self.budget.tick()
            if node.type in ("identifier", "method_invocation", "field_access"):
                found.append(self.evaluator.value(mod, node))
        return found

    def _key_guard(self, mod: int, atom: Node, exits: bool) -> Optional[Tuple[Optional[Tuple[str, str, bool]]]]:
        test = self._key_test(mod, atom)
        if test is None:
            reads_key = any(keys.mentions_incoming(_read_key(value)) for value in self._values_read(mod, atom))
            return (None,) if reads_key else None
        operation, literal, positive, source = test
        if operation is None or literal is None or source != IncomingKey():
            return (None,)
        return (key_tests([(operation, literal)], (not exits) == positive)[0],)

    def _key_test(self, mod: int, atom: Node) -> Optional[Tuple[Optional[str], Optional[str], bool, KeyExpr]]:
        """(operation, literal, positive, key) for a test of the incoming key."""
        atom = _strip(atom)
        if atom is None:
            return None
        if atom.type == "binary_expression" and _text(_field(atom, "operator")) in ("==", "!="):
            left, right = _strip(_field(atom, "left")), _text(_strip(_field(atom, "right")))
            inner = self._key_test(mod, left) if right in ("true", "false") else None
            if inner is None:
                return None
            operation, literal, positive, source = inner
            equal = _text(_field(atom, "operator")) == "=="
            return operation, literal, positive == ((right == "true") == equal), source
        if atom.type != "method_invocation":
            return None
        name = _text(_field(atom, "name"))
        args = _args(atom)
        receiver = self.evaluator.value(mod, _field(atom, "object")) if _field(atom, "object") else None
        if isinstance(receiver, Matcher) and name in ("matches", "find", "lookingAt") and not args:
            if not keys.mentions_incoming(receiver.source):
                return None
            pattern = receiver.regex.pattern
            found = keys.regex_test(pattern, anchored_start=name != "find", anchored_end=name == "matches",
                                    ignore_case=receiver.regex.ignore_case) if pattern is not None else None
            return (found[0], found[1], True, receiver.source) if found else (None, None, True, receiver.source)
        if isinstance(receiver, EventPart):
            receiver = Text(_key_of(receiver))
        if not isinstance(receiver, Text) or not keys.mentions_incoming(receiver.expr) or not args:
            return None
        argument = self.evaluator.value(mod, args[0])
        literal = argument.expr.text if isinstance(argument, Text) and isinstance(argument.expr, Lit) else None
        if name in _KEY_METHODS:
            return _KEY_METHODS[name], literal, True, receiver.expr
        if name == "matches" and literal is not None:
            found = keys.regex_test(literal, anchored_start=True, anchored_end=True)
            return (found[0], found[1], True, receiver.expr) if found else (None, None, True, receiver.expr)
        return None


def _read_key(value: Any) -> KeyExpr:
    if isinstance(value, Derived):
        return value.source
    if isinstance(value, Matcher):
        return value.source
    return _key_of(value) if isinstance(value, (Text, EventPart)) else AnyText("")


def _marker_of(value: Any) -> Optional[str]:
    """The marker a value read in a check names: a field of the parsed incoming body, or a
    message attribute of the incoming record."""
    if isinstance(value, BodyField):
        return f"body.{value.name}"
    if isinstance(value, EventPart) and len(value.path) >= 2 and value.path[0] == "detail" \
            and value.path[1] not in ("bucket", "object"):  # EventBridge detail (S3's names the object)
        return f"body.{value.path[1]}"
    if isinstance(value, EventPart) and "MessageAttributes" in value.path:
        at = value.path.index("MessageAttributes")
        if at + 1 < len(value.path) and value.path[at + 1] != ANY_ITEM:
            return f"attribute.{value.path[at + 1]}"
    return None


def _negated(node: Node) -> Optional[Node]:
    if node.type == "unary_expression" and _text(_field(node, "operator")) == "!":
        return _field(node, "operand")
    return None


_GUARD_SYNTAX = syntax_trees.GuardSyntax(_strip, _negated, _EXITS, frozenset({"block"}),
                                         frozenset({"line_comment", "block_comment"}))


def _atoms(condition: Optional[Node], exits_when_true: bool) -> List[Tuple[Node, bool]]:
    return syntax_trees.condition_atoms(condition, exits_when_true, _GUARD_SYNTAX)


def _exits(statement: Optional[Node]) -> bool:
    return syntax_trees.always_exits(statement, _GUARD_SYNTAX)


# -- writes -----------------------------------------------------------------------------------------


class _Writes:
    """Every SDK call in the files read that can emit an event, as facts.Write."""

    def __init__(self, evaluator: _Evaluator, guards: _Guards) -> None:
        self.evaluator = evaluator
        self.guards = guards
        self.result = evaluator.program.result

    def find(self) -> None:
        for mod, source in enumerate(self.evaluator.program.sources):
            for node in syntax_trees.named_nodes(source.root, self.evaluator.budget):
                if node.type == "method_invocation":
                    self._call(mod, node)

    def _call(self, mod: int, node: Node) -> None:
        method = _text(_field(node, "name"))
        if not any(method in table for table in _METHODS.values()):
            return
        receiver_node = _field(node, "object")
        if receiver_node is None:
            return
        receiver = self.evaluator.value(mod, receiver_node)
        args = _args(node)
        if isinstance(receiver, TableRef):
            self._table_write(mod, node, receiver, method)
            return
        if isinstance(receiver, Client) and receiver.built:
            service = receiver.service
        else:
            service = self._service_by_request(mod, method, args)
            if service is None:
                return
        api = _METHODS.get(service, {}).get(method)
        if api is None:
            return
        request = _request_of(self.evaluator, mod, service, method, args)
        read = read_write(sdk_catalog.row(service, api), _JavaRequest(request))
        self._add(mod, node, read, _marks(service, api, request))

    def _add(self, mod: int, node: Node, read: Any, candidates: Tuple[str, ...]) -> None:
        source = self.evaluator.program.sources[mod]
        row, byte_column = node.start_point
        column = source_files.character_column(source.data, node.start_byte - byte_column, node.start_byte)
        guards = self.guards.at(mod, node)
        # What the write sets, whether or not this function tests it (facts.Write.marks): the
        # shared request reading's marks and what only the Java evaluator follows.
        for slot, write in enumerate(read.writes(source.display, row + 1, column, guards)):
            marks = tuple(dict.fromkeys(write.marks + candidates))
            self.result.write(replace(write, marks=marks) if marks != write.marks else write, slot)

    def _table_write(self, mod: int, node: Node, table: TableRef, method: str) -> None:
        api = _TABLE_METHODS.get(method)
        if api is None:
            return
        read = read_write(sdk_catalog.row("dynamodb", api), _JavaRequest(Record("")), form="resource",
                          target=_JavaValue(table.name))
        self._add(mod, node, read, ())

    def _service_by_request(self, mod: int, method: str, args: List[Node]) -> Optional[str]:
        """A call on an object the evaluator cannot identify, recognised by its request class
        (`anyClient.putObject(PutObjectRequest.builder()...)`)."""
        if not args:
            return None
        request = self.evaluator.value(mod, args[0])
        if not isinstance(request, Record) or request.cls != method[:1].upper() + method[1:] + "Request":
            return None
        services = [service for service, table in _METHODS.items() if method in table]
        return services[0] if len(services) == 1 else None


# -- entry points -----------------------------------------------------------------------------------


def _find_handler(program: _Program, class_name: str, method_name: str) -> Optional[Tuple[int, Node]]:
    """The handler method: in the class named (the entry file's first class otherwise), the
    method of that name with the most parameters (an overload taking the Context)."""
    if not program.sources:
        return None
    entry = program.sources[0]
    cls = entry.classes.get(class_name) or next(iter(entry.classes.values()), None)
    body = _field(cls, "body")
    if body is None:
        return None
    methods = [member for member in body.named_children
               if member.type == "method_declaration" and _text(_field(member, "name")) == method_name]
    if not methods:
        return None
    return 0, max(methods, key=lambda method: len(_formal_parameters(method)))


def split_handler(function_name: str) -> Tuple[str, str]:
    """`com.example.App::handle` -> ("App", "handle"); `com.example.App` -> ("App", "handleRequest");
    a nested class `Outer$Inner` is read in Outer's file as Inner."""
    cls, _, method = function_name.partition("::")
    return cls.rsplit(".", 1)[-1].rsplit("$", 1)[-1], method or DEFAULT_METHOD


def _analyse(program: _Program, display: str, real: Optional[pathlib.Path], data: bytes,
             function_name: str) -> CodeFacts:
    result = program.result

    def analysis() -> None:
        program.add(display, real, data, 0)
        if not result.analysed:
            return
        program.follow()
        if not result.analysed:
            return
        evaluator = _Evaluator(program)
        class_name, method_name = split_handler(function_name)
        evaluator.handler = _find_handler(program, class_name, method_name)
        if evaluator.handler is None:
            result.problem(f"{display}: handler {class_name}::{method_name} not found; "
                           "the event is not followed")
        _Writes(evaluator, _Guards(evaluator)).find()

    return result.run(display, analysis)


def analyse_java(entry_file: pathlib.Path, function_name: str, root: pathlib.Path,
                 max_depth: int = 3) -> CodeFacts:
    """Facts about the handler `function_name` (`pkg.Class::method`) in entry_file, reading the
    classes it names inside root (at most max_depth classes away). Never runs the code; never
    raises for bad code (a syntax error or a budget used up makes the facts not analysed)."""
    if not syntax_trees.available(GRAMMAR_PACKAGE):
        return not_analysed(LANGUAGE, syntax_trees.NOT_INSTALLED)
    folder = CodeFolder(pathlib.Path(root), max_depth, MAX_FILES)
    real, data, problem = folder.entry(pathlib.Path(entry_file))
    if real is None or data is None:
        return not_analysed(LANGUAGE, problem or f"{entry_file}: not read", [str(entry_file)])
    return _analyse(_Program(folder, FactsBuilder(LANGUAGE)), str(entry_file), real, data, function_name)


def analyse_java_source(text: str, filename: str, function_name: str) -> CodeFacts:
    """Facts about Java source given as text (no other class can be read)."""
    if not syntax_trees.available(GRAMMAR_PACKAGE):
        return not_analysed(LANGUAGE, syntax_trees.NOT_INSTALLED)
    data, problem = source_files.inline_bytes(text, filename)
    if data is None:
        return not_analysed(LANGUAGE, problem or f"{filename}: not read", [filename])
    return _analyse(_Program(CodeFolder(None, 0), FactsBuilder(LANGUAGE)), filename, None, data, function_name)
