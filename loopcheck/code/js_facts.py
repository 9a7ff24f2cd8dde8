"""JavaScript / TypeScript handler code -> the writes a Lambda function makes (loopcheck.code.facts).

Why: a template says which buckets a function *may* write (its IAM policy); the handler code says
which bucket and key it *does* write, and which checks run first. This module finds the AWS SDK
calls that can emit events (S3 puts and copies, SQS sends, SNS publishes, DynamoDB writes, ...)
in SDK v2 and v3 code, resolves the bucket / queue / topic ... they name and, for S3, the object
key, and the guards (`if (...) return;`) that run before them.

How: tree-sitter parses the files (the code is never run, imported or evaluated); a small
abstract evaluator follows constants, destructuring, `process.env`, the event object, imports of
sibling modules and helper-function arguments. Whatever it cannot follow becomes a "unknown"
target or an AnyText key part: never a guess.
"""

from __future__ import annotations

import bisect
import os
import pathlib
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set, Tuple, Union

from loopcheck.code import source_files, syntax_trees
from loopcheck.code.bounds import JS_CLOCK_CALLS, JS_CLOCK_SCALE, Side, bound_of, comparison_check
from loopcheck.code.budget import Budget
from loopcheck.code.facts import (
    WAITS_ON,
    AnyText,
    Bound,
    CodeFacts,
    Guard,
    IncomingBucket,
    IncomingKey,
    KeyExpr,
    Lit,
    RecordTest,
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
    JS_CHANGING_CALLS,
    JS_CHANGING_CONSTRUCTORS,
    STABLE,
    UNKNOWN,
    combine,
    key_change,
)
from loopcheck.code.keys import basename, concat, mentions_incoming, regex_test, separated, sliced, stem
from loopcheck.code.markers import BASE64, JSON, is_message, marker_at
from loopcheck.code.requests import read_write
from loopcheck.code.selection import DECODED, record_field, record_test
from loopcheck.code.source_files import CodeFolder, import_not_followed, read_bytes
from loopcheck.code.syntax_trees import field as _field
from loopcheck.code.syntax_trees import first_syntax_error as _first_syntax_error
from loopcheck.code.syntax_trees import named_nodes as _named_nodes
from loopcheck.code.syntax_trees import node_text as _text
from loopcheck.code.syntax_trees import walk as _walk
from loopcheck.code.values import Request
from loopcheck.code.values import Value as NeutralValue
from loopcheck.knowledge import sdk_catalog

if TYPE_CHECKING:  # pragma: no cover - typing only; tree-sitter is imported lazily
    from tree_sitter import Node
else:
    Node = Any

__all__ = ["analyse_js", "analyse_js_source"]

# -- limits: every loop over code is bounded --------------------------------------------------

MAX_FILES = 40
MAX_CACHED_PARENTS = 200_000  # parents remembered while climbing out of nested code
MAX_EVAL_DEPTH = 60  # nested evaluations (variables, members, parameters) before giving up
MAX_CALLER_DEPTH = 4  # helper -> caller -> caller ... followed for guards at call sites
MAX_BOUND_PATHS = 32  # call paths to a write weighed one by one for a bound
MAX_EVENT_PATH = 10

# -- languages and module resolution ---------------------------------------------------------

_LANGUAGE_BY_SUFFIX = {
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
}
_RESOLVE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".jsx")
# TypeScript ESM code imports "./x.js" while the file on disk is x.ts
_TS_TWINS = {".js": (".ts", ".tsx"), ".mjs": (".mts",), ".cjs": (".cts",), ".jsx": (".tsx",)}

# -- AWS SDK knowledge -----------------------------------------------------------------------

# SDK v3 client package -> (service, bare client class (send only), aggregated client class)
_V3_PACKAGES: Dict[str, Tuple[str, str, str]] = {
    "@aws-sdk/client-s3": ("s3", "S3Client", "S3"),
    "@aws-sdk/client-sqs": ("sqs", "SQSClient", "SQS"),
    "@aws-sdk/client-sns": ("sns", "SNSClient", "SNS"),
    "@aws-sdk/client-dynamodb": ("dynamodb", "DynamoDBClient", "DynamoDB"),
    "@aws-sdk/client-kinesis": ("kinesis", "KinesisClient", "Kinesis"),
    "@aws-sdk/client-eventbridge": ("events", "EventBridgeClient", "EventBridge"),
    "@aws-sdk/client-cloudwatch-events": ("events", "CloudWatchEventsClient", "CloudWatchEvents"),
    "@aws-sdk/client-sfn": ("states", "SFNClient", "SFN"),
    "@aws-sdk/client-lambda": ("lambda", "LambdaClient", "Lambda"),
    "@aws-sdk/client-firehose": ("firehose", "FirehoseClient", "Firehose"),
}
_LIB_DYNAMODB = "@aws-sdk/lib-dynamodb"
_LIB_STORAGE = "@aws-sdk/lib-storage"

# Method tables: method name on an aggregated v3 client or an SDK v2 client -> AWS API name.
# "dynamodb-doc" is the DocumentClient (v2) / DynamoDBDocument (v3 lib-dynamodb) surface.
_METHODS: Dict[str, Dict[str, str]] = {
    "s3": {
        "putObject": "PutObject",
        "copyObject": "CopyObject",
        "deleteObject": "DeleteObject",
        "deleteObjects": "DeleteObjects",
        "completeMultipartUpload": "CompleteMultipartUpload",
        "upload": "UploadFile",
        "headObject": "HeadObject",
        "getObject": "GetObject",
    },
    "sqs": {"sendMessage": "SendMessage", "sendMessageBatch": "SendMessageBatch"},
    "sns": {"publish": "Publish", "publishBatch": "PublishBatch"},
    "dynamodb": {
        "putItem": "PutItem",
        "updateItem": "UpdateItem",
        "deleteItem": "DeleteItem",
        "batchWriteItem": "BatchWriteItem",
        "transactWriteItems": "TransactWriteItems",
        "executeStatement": "ExecuteStatement",
    },
    "dynamodb-doc": {
        "put": "PutItem",
        "update": "UpdateItem",
        "delete": "DeleteItem",
        "batchWrite": "BatchWriteItem",
        "transactWrite": "TransactWriteItems",
        "executeStatement": "ExecuteStatement",
    },
    "kinesis": {"putRecord": "PutRecord", "putRecords": "PutRecords"},
    "events": {"putEvents": "PutEvents"},
    "states": {"startExecution": "StartExecution", "startSyncExecution": "StartSyncExecution"},
    "lambda": {"invoke": "Invoke", "invokeAsync": "InvokeAsync"},
    "firehose": {"putRecord": "PutRecord", "putRecordBatch": "PutRecordBatch"},
}
_READ_APIS = frozenset({"HeadObject", "GetObject"})
_ALL_METHOD_NAMES = frozenset(name for table in _METHODS.values() for name in table)


def _service_of_table(table: str) -> str:
    return "dynamodb" if table == "dynamodb-doc" else table


def _v3_command_table() -> Dict[Tuple[str, str], Tuple[str, str]]:
    """(package, command class) -> (service, api), derived from the method tables: v3 command
    classes are the API name + "Command" (lib-dynamodb: the DocumentClient method + "Command")."""
    table: Dict[Tuple[str, str], Tuple[str, str]] = {}
    for package, (service, _, _) in _V3_PACKAGES.items():
        for api in _METHODS[service].values():
            if api != "UploadFile":
                table[(package, api + "Command")] = (service, api)
    for method, api in _METHODS["dynamodb-doc"].items():
        table[(_LIB_DYNAMODB, method[0].upper() + method[1:] + "Command")] = ("dynamodb", api)
    return table


_V3_COMMANDS = _v3_command_table()

# SDK v2: AWS.<Class> -> method table; require("aws-sdk/clients/<module>") -> AWS class name
_V2_CLASSES = {
    "S3": "s3",
    "SQS": "sqs",
    "SNS": "sns",
    "DynamoDB": "dynamodb",
    "DynamoDB.DocumentClient": "dynamodb-doc",
    "Kinesis": "kinesis",
    "EventBridge": "events",
    "CloudWatchEvents": "events",
    "StepFunctions": "states",
    "Lambda": "lambda",
    "Firehose": "firehose",
}
_V2_CLIENT_MODULES = {
    "s3": "S3",
    "sqs": "SQS",
    "sns": "SNS",
    "dynamodb": "DynamoDB",
    "kinesis": "Kinesis",
    "eventbridge": "EventBridge",
    "cloudwatchevents": "CloudWatchEvents",
    "stepfunctions": "StepFunctions",
    "lambda": "Lambda",
    "firehose": "Firehose",
}

# The functions that decode DynamoDB attribute values ({"S": "x"} to "x").
_UNMARSHALL = frozenset({
    ("@aws-sdk/util-dynamodb", "unmarshall"),
    ("aws-sdk", "DynamoDB.Converter.unmarshall"),
})
# String methods a record selection test uses, as facts.RecordTest operations.
_RECORD_METHODS = {"startsWith": "startswith", "endsWith": "endswith", "includes": "contains"}
_ARRAY_CALLBACKS = frozenset({"forEach", "map", "flatMap", "filter", "some", "every", "find", "reduce"})
_EXTENSION_PATTERNS = frozenset(
    {r"\.[^.]+$", r"\.[^/.]+$", r"\.[^./]+$", r"\.\w+$", r"\.[^.]*$", r"\.[a-zA-Z0-9]+$", r"\.[a-z0-9]+$"}
)
_PLAIN_INTEGER = re.compile(r"0|[1-9][0-9]{0,14}")

# -- syntax tree vocabulary ------------------------------------------------------------------

_FUNCTIONS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "function",
        "generator_function",
        "arrow_function",
        "method_definition",
    }
)
_BLOCKS = frozenset({"program", "statement_block", "switch_case", "switch_default", "class_static_block"})
_TRANSPARENT = frozenset(
    {
        "parenthesized_expression",
        "await_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
        "type_assertion",
        "sequence_expression",
    }
)
_EXITS = frozenset({"return_statement", "continue_statement", "throw_statement", "break_statement"})
_COMPARISONS = frozenset({"===", "!==", "==", "!=", "<", ">", "<=", ">="})
# key method -> the facts.Guard key_test operation it performs
_KEY_METHODS = {
    "startsWith": "startswith",
    "endsWith": "endswith",
    "includes": "contains",
    "indexOf": "contains",
}


# =============================================================================================
# Abstract values: what the analyser knows an expression holds
# =============================================================================================


@dataclass(frozen=True)
class Unknown:
    why: str = ""


@dataclass(frozen=True)
class Text:
    """A string whose text is known."""

    text: str


@dataclass(frozen=True)
class NumberLit:
    """A plain integer literal: text as String(n) writes it (not a string itself: 1 + 2 is 3)."""

    text: str


@dataclass(frozen=True)
class Computed:
    """A string built from parts (a key expression)."""

    expr: KeyExpr


@dataclass(frozen=True)
class Env:
    name: str


@dataclass(frozen=True)
class EnvObject:
    """process.env itself."""


@dataclass(frozen=True)
class ProcessObject:
    """The global `process`."""


@dataclass(frozen=True)
class EventPart:
    """The invocation event or a part of it; array indexes are recorded as "[]", JSON.parse as
    markers.JSON. `var` / `scope`: the const holding an incoming message, whose later
    `var.field = x` sets fields on what it sends on (not part of the value's identity)."""

    path: Tuple[str, ...] = ()
    var: str = field(default="", compare=False)
    scope: Optional[Node] = field(default=None, compare=False)


@dataclass(frozen=True)
class JsonText:
    """JSON.stringify(value)."""

    value: Value


@dataclass(frozen=True)
class ContextPart:
    path: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Package:
    """An npm package (or node built-in) or something reached from it: name is dotted."""

    spec: str
    name: str = ""


@dataclass(frozen=True)
class Client:
    service: str
    methods: str  # key into _METHODS; "" for a bare v3 client (send only)


@dataclass(frozen=True)
class Command:
    """`new XxxCommand(params)`: a write only when it is sent."""

    service: str
    api: str
    params: Value
    mod: int
    node: Node


@dataclass(frozen=True)
class ObjectLit:
    mod: int
    node: Node
    var: str = ""  # the const/let holding it, whose later `var.Prop = x` changes count
    scope: Optional[Node] = None


@dataclass(frozen=True)
class ArrayLit:
    mod: int
    node: Node


@dataclass(frozen=True)
class Function:
    mod: int
    node: Node


@dataclass(frozen=True)
class ModuleNs:
    """A sibling module read from disk (its exports)."""

    mod: int


@dataclass(frozen=True)
class HeadResult:
    """The response of HeadObject / GetObject; incoming: on the object that triggered us."""

    incoming: bool


@dataclass(frozen=True)
class MetadataPart:
    incoming: bool


@dataclass(frozen=True)
class ParsedPath:
    """path.parse(source)."""

    source: KeyExpr


@dataclass(frozen=True)
class TextCodec:
    """new TextEncoder() / new TextDecoder(): encode / decode give the same text as bytes, or back."""


@dataclass(frozen=True)
class SplitText:
    """source.split(sep), possibly with the last part sliced off."""

    source: KeyExpr
    sep: str
    dropped_last: bool = False


Value = Union[
    Unknown,
    Text,
    NumberLit,
    Computed,
    Env,
    EnvObject,
    ProcessObject,
    EventPart,
    JsonText,
    ContextPart,
    Package,
    Client,
    Command,
    ObjectLit,
    ArrayLit,
    Function,
    ModuleNs,
    HeadResult,
    MetadataPart,
    ParsedPath,
    SplitText,
    TextCodec,
]


# =============================================================================================
# Key expressions
# =============================================================================================


def _neutral_path(path: Tuple[str, ...]) -> Tuple[str, ...]:
    """An EventPart path as loopcheck.code.inputs spells it ("*" for any list item)."""
    return tuple(ANY_ITEM if part == "[]" else part for part in path)


def _is_key_path(path: Tuple[str, ...]) -> bool:
    return _neutral_path(path) in INCOMING_KEY_PATHS


def _is_bucket_path(path: Tuple[str, ...]) -> bool:
    return _neutral_path(path) in INCOMING_BUCKET_PATHS


def _key_of(value: Value) -> KeyExpr:
    """The key expression a value stands for when used as text."""
    if isinstance(value, (Text, NumberLit)):
        return Lit(value.text)
    if isinstance(value, Computed):
        return value.expr
    if isinstance(value, EventPart) and _is_key_path(value.path):
        return IncomingKey()
    if isinstance(value, EventPart) and _is_bucket_path(value.path):
        return IncomingBucket("event bucket name")
    if isinstance(value, EventPart):
        return AnyText("event field " + ".".join(value.path).replace(".[]", "[]"))
    if isinstance(value, Env):
        return env_text(value.name)
    if isinstance(value, Unknown):
        return AnyText(value.why)
    return AnyText("not text")


def _text_value(expr: KeyExpr) -> Value:
    return Text(expr.text) if isinstance(expr, Lit) else Computed(expr)


def _decoded_base64(value: Value) -> Value:
    """The base64 text `value` decoded: of an event field (a Kinesis record's data), its content."""
    return EventPart(value.path + (BASE64,)) if isinstance(value, EventPart) else Unknown("decoded base64")


def _is_stringy(value: Value) -> bool:
    if isinstance(value, (Text, Computed, Env)):
        return True
    return isinstance(value, EventPart) and (_is_key_path(value.path) or _is_bucket_path(value.path))


# =============================================================================================
# Syntax tree helpers
# =============================================================================================


def _kids(node: Optional[Node]) -> List[Node]:
    """Named children without comments."""
    if node is None:
        return []
    return [child for child in node.named_children if child.type != "comment"]


def _strip(node: Optional[Node]) -> Optional[Node]:
    """The expression inside parentheses, await, TypeScript casts and non-null assertions."""
    while node is not None and node.type in _TRANSPARENT:
        kids = _kids(node)
        if not kids:
            return None
        node = kids[-1] if node.type in ("type_assertion", "sequence_expression") else kids[0]
    return node


def _args(call: Node) -> List[Node]:
    arguments = _field(call, "arguments")
    if arguments is None or arguments.type != "arguments":
        return []
    return _kids(arguments)


def _method_name(call: Node) -> Optional[str]:
    """`m` for a call `x.m(...)`, else None."""
    callee = _field(call, "function")
    if callee is None or callee.type != "member_expression":
        return None
    return _text(_field(callee, "property"))


def _unescape(sequence: str) -> str:
    simple = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
    body = sequence[1:]
    if body[:1] in simple and len(body) == 1:
        return simple[body]
    if body.startswith("u{") and body.endswith("}"):
        return chr(int(body[2:-1], 16))
    if body[:1] in ("u", "x") and len(body) > 1:
        try:
            return chr(int(body[1:], 16))
        except ValueError:
            return body
    return body.lstrip("\r\n")  # line continuations and escaped punctuation


def _string_text(node: Node) -> str:
    """The value of a string literal node."""
    pieces = []
    for child in node.named_children:
        if child.type == "string_fragment":
            pieces.append(_text(child))
        elif child.type == "escape_sequence":
            pieces.append(_unescape(_text(child)))
    return "".join(pieces)


def _property_name(node: Optional[Node]) -> Optional[str]:
    """The name a property key node spells literally (None for computed keys)."""
    if node is None:
        return None
    if node.type in ("property_identifier", "identifier", "private_property_identifier", "number"):
        return _text(node)
    if node.type == "string":
        return _string_text(node)
    return None


def _is_number(node: Optional[Node], text: str) -> bool:
    node = _strip(node)
    if node is None or node.type not in ("number", "unary_expression"):
        return False
    return _text(node).replace(" ", "") == text


def _exports_target(left: Optional[Node]) -> Optional[str]:
    """For an assignment target: "" for `module.exports`, "X" for `exports.X` /
    `module.exports.X`, None for anything else."""
    left = _strip(left)
    if left is None or left.type not in ("member_expression", "subscript_expression"):
        return None
    obj = _strip(_field(left, "object"))
    if left.type == "member_expression":
        prop: Optional[str] = _text(_field(left, "property"))
    else:
        index = _field(left, "index")
        prop = _string_text(index) if index is not None and index.type == "string" else None
    if obj is not None and obj.type == "identifier" and _text(obj) == "module" and prop == "exports":
        return ""
    if prop is None or obj is None:
        return None
    if obj.type == "identifier" and _text(obj) == "exports":
        return prop
    return prop if _exports_target(obj) == "" else None


# =============================================================================================
# Scopes: which declaration an identifier refers to
# =============================================================================================


@dataclass(frozen=True)
class _Binding:
    """Where a name comes from.

    kind: "decl" (const/let/var; node = declarator, detail = const|let|var), "param" (node =
    function, index), "loop" (node = for statement), "function" (node = declaration), "import"
    (node = import statement, detail = imported name, "*", "default" or "require"), "other".
    path: the property / index steps of a destructuring pattern leading to the name.
    """

    kind: str
    node: Node
    var: str
    path: Tuple[str, ...] = ()
    index: int = 0
    detail: str = ""


_Named = Tuple[str, Tuple[str, ...]]  # a name a pattern binds, and its destructuring path


class _Scopes:
    """Name lookup: the innermost declaration of a name visible from an identifier. Each
    block's declarations are indexed once (bundled code has blocks of thousands of statements)."""

    def __init__(self, budget: Budget) -> None:
        self._blocks: Dict[Node, Dict[str, _Binding]] = {}
        self._budget = budget
        self._parents: Dict[Node, Optional[Node]] = {}
        self._found: Dict[Tuple[Node, str], Optional[_Binding]] = {}

    def parent(self, node: Node) -> Optional[Node]:
        """node.parent, remembered: tree-sitter finds a parent by descending from the root,
        so climbing out of deeply nested code would cost the square of the depth."""
        if node in self._parents:
            return self._parents[node]
        self._budget.tick()
        found = node.parent
        if len(self._parents) < MAX_CACHED_PARENTS:
            self._parents[node] = found
        return found

    def find(self, ident: Node, name: str) -> Optional[_Binding]:
        """None: a global. What a name means from a block on up is remembered: looking names
        up from deeply nested code would otherwise climb the whole nest for each of them."""
        child, scope = ident, self.parent(ident)
        passed: List[Node] = []  # blocks climbed through, whose answer is the one found
        found: Optional[_Binding] = None
        while scope is not None:
            self._budget.tick()
            if scope.type in _BLOCKS:
                if (scope, name) in self._found:
                    found = self._found[(scope, name)]
                    break
                passed.append(scope)
                found = self._declarations(scope).get(name)
            else:
                found = _declared_in(scope, child, name)
            if found is not None:
                break
            child, scope = scope, self.parent(scope)
        if len(self._found) < MAX_CACHED_PARENTS:
            self._found.update(((block, name), found) for block in passed)
        return found

    def _declarations(self, block: Node) -> Dict[str, _Binding]:
        if block not in self._blocks:
            table: Dict[str, _Binding] = {}
            for statement in _kids(block):
                self._budget.tick()
                for binding in _statement_bindings(statement):
                    table.setdefault(binding.var, binding)  # the first declaration wins
            self._blocks[block] = table
        return self._blocks[block]


def _statement_bindings(statement: Node) -> List[_Binding]:
    """Every binding one statement of a block makes, in source order (a name may repeat:
    the first one counts). Reads the declaring patterns only, never the initialisers."""
    kind = statement.type
    if kind in ("lexical_declaration", "variable_declaration"):
        decl_kind = _text(_field(statement, "kind")) or "var"
        return [_Binding("decl", declarator, name, path, detail=decl_kind)
                for declarator in _kids(statement) if declarator.type == "variable_declarator"
                for name, path in _pattern_bindings(_field(declarator, "name"))]
    if kind in ("function_declaration", "generator_function_declaration"):
        name = _field(statement, "name")
        return [_Binding("function", statement, _text(name))] if name is not None else []
    if kind in ("class_declaration", "abstract_class_declaration", "enum_declaration"):
        name = _field(statement, "name")
        return [_Binding("other", statement, _text(name))] if name is not None else []
    if kind == "import_statement":
        return _import_bindings(statement)
    if kind == "export_statement":
        declaration = _field(statement, "declaration")
        return [] if declaration is None else _statement_bindings(declaration)
    return []


def _declared_in(scope: Node, child: Node, name: str) -> Optional[_Binding]:
    """The binding of name a non-block scope (function, loop, catch clause) makes."""
    kind = scope.type
    if kind in _FUNCTIONS:
        return _param_binding(scope, name)
    if kind == "for_in_statement" and child != _field(scope, "right") and _field(scope, "kind") is not None:
        path = _pattern_path(_field(scope, "left"), name)
        return None if path is None else _Binding("loop", scope, name, path)
    if kind == "for_statement":
        initializer = _field(scope, "initializer")
        return None if initializer is None else _declared_by(initializer, name)
    if kind == "catch_clause" and _pattern_path(_field(scope, "parameter"), name) is not None:
        return _Binding("other", scope, name)
    return None


def _declared_by(statement: Node, name: str) -> Optional[_Binding]:
    """The binding of name made by one statement of a block, if any."""
    return next((binding for binding in _statement_bindings(statement) if binding.var == name), None)


def _import_bindings(statement: Node) -> List[_Binding]:
    found: List[_Binding] = []
    for clause in _kids(statement):
        if clause.type == "import_require_clause":
            ident = _kids(clause)[0] if _kids(clause) else None
            if ident is not None:
                found.append(_Binding("import", statement, _text(ident), detail="require"))
        if clause.type != "import_clause":
            continue
        for part in _kids(clause):
            if part.type == "identifier":
                found.append(_Binding("import", statement, _text(part), detail="default"))
            if part.type == "namespace_import" and _kids(part):
                found.append(_Binding("import", statement, _text(_kids(part)[-1]), detail="*"))
            if part.type == "named_imports":
                for spec in _kids(part):
                    imported = _field(spec, "name")
                    local = _field(spec, "alias") or imported
                    if local is None or imported is None:
                        continue
                    label = _string_text(imported) if imported.type == "string" else _text(imported)
                    found.append(_Binding("import", statement, _text(local), detail=label))
    return found


def _param_binding(function: Node, name: str) -> Optional[_Binding]:
    single = _field(function, "parameter")  # `x => ...`
    if single is not None:
        return _Binding("param", function, name) if _text(single) == name else None
    for index, param in enumerate(_kids(_field(function, "parameters"))):
        path = _pattern_path(param, name)
        if path is not None:
            return _Binding("param", function, name, path, index)
    return None


def _pattern_path(pattern: Optional[Node], name: str) -> Optional[Tuple[str, ...]]:
    """The destructuring steps from the whole value to name in a binding pattern; "*" steps
    (rest elements, computed keys) cannot be followed."""
    if pattern is None:
        return None
    kind = pattern.type
    if kind in ("identifier", "shorthand_property_identifier_pattern"):
        return () if _text(pattern) == name else None
    if kind in ("required_parameter", "optional_parameter"):
        return _pattern_path(_field(pattern, "pattern"), name)
    if kind == "assignment_pattern":
        return _pattern_path(_field(pattern, "left"), name)
    if kind == "rest_pattern":
        inner = _pattern_path(_kids(pattern)[0] if _kids(pattern) else None, name)
        return None if inner is None else ("*rest",) + inner
    if kind == "object_pattern":
        return _object_pattern_path(pattern, name)
    if kind == "array_pattern":
        for index, element in enumerate(_kids(pattern)):
            inner = _pattern_path(element, name)
            if inner is not None:
                return (str(index),) + inner
    return None


def _object_pattern_path(pattern: Node, name: str) -> Optional[Tuple[str, ...]]:
    for element in _kids(pattern):
        kind = element.type
        if kind == "shorthand_property_identifier_pattern" and _text(element) == name:
            return (name,)
        if kind == "object_assignment_pattern" and _text(_field(element, "left")) == name:
            return (name,)
        if kind == "pair_pattern":
            inner = _pattern_path(_field(element, "value"), name)
            if inner is not None:
                return (_property_name(_field(element, "key")) or "*computed",) + inner
        if kind == "rest_pattern":
            inner = _pattern_path(element, name)
            if inner is not None:
                return inner
    return None


def _pattern_bindings(pattern: Optional[Node], prefix: Tuple[str, ...] = ()) -> List[_Named]:
    """Every (name, path) a binding pattern binds, in the order _pattern_path searches it:
    for each name, its first pair is the one _pattern_path(pattern, name) gives."""
    if pattern is None:
        return []
    kind = pattern.type
    if kind in ("identifier", "shorthand_property_identifier_pattern"):
        return [(_text(pattern), prefix)]
    if kind in ("required_parameter", "optional_parameter"):
        return _pattern_bindings(_field(pattern, "pattern"), prefix)
    if kind == "assignment_pattern":
        return _pattern_bindings(_field(pattern, "left"), prefix)
    if kind == "rest_pattern":
        return _pattern_bindings(_kids(pattern)[0] if _kids(pattern) else None, prefix + ("*rest",))
    found: List[_Named] = []
    if kind == "object_pattern":
        for element in _kids(pattern):
            kind = element.type
            if kind == "shorthand_property_identifier_pattern":
                found.append((_text(element), prefix + (_text(element),)))
            elif kind == "object_assignment_pattern":
                left = _text(_field(element, "left"))
                found.append((left, prefix + (left,)))
            elif kind == "pair_pattern":
                step = _property_name(_field(element, "key")) or "*computed"
                found.extend(_pattern_bindings(_field(element, "value"), prefix + (step,)))
            elif kind == "rest_pattern":
                found.extend(_pattern_bindings(element, prefix))
    elif kind == "array_pattern":
        for index, element in enumerate(_kids(pattern)):
            found.extend(_pattern_bindings(element, prefix + (str(index),)))
    return found


def _declaration_scope(declarator: Node) -> Node:
    """The block (or function) a declaration belongs to: where later assignments are looked for."""
    node = declarator.parent
    while node is not None and node.type not in _BLOCKS and node.type not in _FUNCTIONS:
        node = node.parent
    return node if node is not None else declarator


# =============================================================================================
# The files: the entry module and the relative modules it imports
# =============================================================================================


@dataclass
class _Source:
    display: str  # the path as reported in facts
    real: Optional[pathlib.Path]  # resolved path on disk (None for inline code)
    tree: Any
    root: Node
    data: bytes
    depth: int
    index: Optional[_Index] = None


def _language_of(path: str) -> Optional[str]:
    return _LANGUAGE_BY_SUFFIX.get(os.path.splitext(path)[1].lower())


def _tree_sitter_available() -> bool:
    return syntax_trees.available("tree_sitter_javascript", "tree_sitter_typescript")


def _make_parser(language: str) -> Any:
    if language == "javascript":
        import tree_sitter_javascript

        return syntax_trees.make_parser(tree_sitter_javascript.language())
    import tree_sitter_typescript

    if language == "tsx":
        return syntax_trees.make_parser(tree_sitter_typescript.language_tsx())
    return syntax_trees.make_parser(tree_sitter_typescript.language_typescript())


def _is_relative(spec: str) -> bool:
    return spec in (".", "..") or spec.startswith(("./", "../"))


def _normalise_package(spec: str) -> str:
    spec = spec[5:] if spec.startswith("node:") else spec
    return "path" if spec == "path/posix" else spec


_REFERENCES = frozenset({"identifier", "property_identifier", "shorthand_property_identifier"})


_INDEXED = _REFERENCES | {
    "call_expression", "new_expression", "assignment_expression", "augmented_assignment_expression",
    "update_expression", "function_declaration", "generator_function_declaration", "method_definition",
    "variable_declarator", "pair", "import_statement", "export_statement", "import_require_clause",
}


def _is_require_name(callee: Node) -> bool:
    return callee.type == "identifier" and _text(callee) == "require"  # never the text of a large callee


def _is_object_assign(callee: Node) -> bool:
    obj = _field(callee, "object")  # checked first: the text of `(function(){...}).call` is the whole function
    return obj is not None and obj.type == "identifier" and _text(callee) == "Object.assign"


class _Index:
    """What the analysis looks up in one module, gathered in one walk of its tree: looking
    things up per name by re-walking a scope made bundled code quadratic.

    Updates of a name (and property assignments to it) are kept in source order with their
    start offsets, so the ones inside any scope are a slice found by bisection.
    """

    def __init__(self, root: Node, budget: Budget) -> None:
        self.specifiers: List[str] = []  # import / export-from / require() / import() sources
        self.calls: List[Node] = []  # call and new expressions, in source order
        self.references: List[Node] = []  # identifiers that may name a function (see _CallIndex)
        self.candidates: Set[str] = set()  # names that may refer to a function of this module
        # name -> (offsets, entries): a plain `name = x` (the assignment) or None for any other update
        self.assignments: Dict[str, Tuple[List[int], List[Optional[Node]]]] = {}
        # name -> (offsets, entries): (property, assignment) for `name.p = x`; property None for
        # a change that cannot be followed (Object.assign(name, ...), `name.p += x`, name[computed])
        self.mutations: Dict[str, Tuple[List[int], List[Tuple[Optional[str], Node]]]] = {}
        for node in _named_nodes(root, budget):
            kind = node.type
            if kind not in _INDEXED:
                continue
            if kind in _REFERENCES:
                self.references.append(node)
            elif kind in ("call_expression", "new_expression"):
                self.calls.append(node)
                if kind == "call_expression":
                    self._call(node)
            elif kind == "assignment_expression":
                self._assignment(node)
            elif kind in ("augmented_assignment_expression", "update_expression"):
                self._update(node)
            elif kind in ("function_declaration", "generator_function_declaration", "method_definition"):
                self.candidates.add(_text(_field(node, "name")))
            elif kind in ("variable_declarator", "pair"):
                value = _strip(_field(node, "value"))
                if value is not None and (value.type in _FUNCTIONS or _is_require(value)):
                    target = _field(node, "name") or _field(node, "key")
                    self.candidates.update(_text(n) for n in _walk(target) if n.child_count == 0)
            if kind == "import_statement":
                self.candidates.update(_text(n) for n in _walk(node) if n.type == "identifier")
            if kind in ("import_statement", "export_statement", "import_require_clause"):
                self._specifier(_field(node, "source"))
        self.candidates.discard("")

    def _specifier(self, source: Optional[Node]) -> None:
        if source is not None and source.type == "string":
            self.specifiers.append(_string_text(source))

    def _call(self, node: Node) -> None:
        callee = _field(node, "function")
        if callee is None:
            return
        args = _args(node)
        if callee.type == "import" or _is_require_name(callee):
            self._specifier(args[0] if args else None)
        elif callee.type == "member_expression" and _is_object_assign(callee):
            if args and args[0].type == "identifier":
                self._add(self.mutations, _text(args[0]), node.start_byte, (None, node))

    def _assignment(self, node: Node) -> None:
        left = _field(node, "left")
        exported = _exports_target(left)
        if exported:
            self.candidates.add(exported)
        if left is not None and left.type == "identifier":
            self._add(self.assignments, _text(left), node.start_byte, node)
        elif left is not None and left.type in ("object_pattern", "array_pattern"):
            for name, _ in _pattern_bindings(left):
                self._add(self.assignments, name, node.start_byte, None)
        self._mutation(node)

    def _update(self, node: Node) -> None:
        target = _field(node, "left") or _field(node, "argument")
        if target is not None and target.type == "identifier":
            self._add(self.assignments, _text(target), node.start_byte, None)
        if node.type == "augmented_assignment_expression":
            self._mutation(node)

    def _mutation(self, node: Node) -> None:
        left = _strip(_field(node, "left"))
        if left is None or left.type not in ("member_expression", "subscript_expression"):
            return
        obj = _field(left, "object")
        if obj is None or obj.type != "identifier":
            return
        if left.type == "member_expression":
            prop: Optional[str] = _text(_field(left, "property"))
        else:
            index = _field(left, "index")
            prop = _string_text(index) if index is not None and index.type == "string" else None
        if node.type == "augmented_assignment_expression":
            prop = None
        self._add(self.mutations, _text(obj), node.start_byte, (prop, node))

    @staticmethod
    def _add(table: Dict[str, Tuple[List[int], List[Any]]], name: str, offset: int, entry: Any) -> None:
        offsets, entries = table.setdefault(name, ([], []))
        offsets.append(offset)
        entries.append(entry)

    @staticmethod
    def inside(table: Dict[str, Tuple[List[int], List[Any]]], name: str, scope: Node) -> List[Any]:
        """The entries of name whose node starts inside scope, in source order."""
        found = table.get(name)
        if found is None:
            return []
        offsets, entries = found
        first = bisect.bisect_left(offsets, scope.start_byte)
        return entries[first:bisect.bisect_left(offsets, scope.end_byte, first)]


class _Program:
    """The files of one function's code: the entry module, then the relative modules it imports
    (inside the code folder, at most max_depth imports away, at most MAX_FILES files)."""

    def __init__(self, folder: CodeFolder, result: FactsBuilder) -> None:
        self.folder = folder
        self.result = result  # files read, problems, notes: what the facts will say
        self.budget = result.budget  # grows with every file read; OutOfBudget abandons the analysis
        self.sources: List[_Source] = []
        # (importing module, specifier) -> module index, or why it was not read
        self.imports: Dict[Tuple[int, str], Union[int, str]] = {}
        self._parsers: Dict[str, Any] = {}
        self._by_real: Dict[pathlib.Path, int] = {}

    def add(self, display: str, real: Optional[pathlib.Path], data: bytes, language: str, depth: int) -> int:
        """Parse one file's bytes and register it; a syntax error makes the facts not analysed."""
        if language not in self._parsers:
            self._parsers[language] = _make_parser(language)
        self.result.read_file(display, len(data))
        tree = self._parsers[language].parse(data)
        self.result.parsed(len(data))
        line = _first_syntax_error(tree.root_node)
        if line is not None:
            self.result.fail(f"{display}:{line}: syntax error")
        self.sources.append(_Source(display, real, tree, tree.root_node, data, depth,
                                    _Index(tree.root_node, self.budget)))
        if real is not None:
            self._by_real[real] = len(self.sources) - 1
        return len(self.sources) - 1

    def follow_imports(self) -> None:
        """Breadth-first over relative imports, up to max_depth from the entry."""
        index = 0
        while index < len(self.sources):
            source = self.sources[index]
            for spec in source.index.specifiers if source.index is not None else []:
                if _is_relative(spec) and (index, spec) not in self.imports:
                    self.imports[(index, spec)] = self._import(index, source, spec)
            index += 1

    def _import(self, index: int, source: _Source, spec: str) -> Union[int, str]:
        """Load one relative import of source; why not, as a problem, when it is not read."""
        if source.real is None:
            return "inline code: imports are not followed"
        found, escapes = self.folder.first_file(self._candidates(source.real.parent, spec))
        if found is None:
            loaded: Union[int, str] = source_files.LEAVES_FOLDER if escapes else source_files.NOT_IN_FOLDER
        elif found in self._by_real:
            return self._by_real[found]
        else:
            depth = source.depth + 1
            loaded = self.folder.why_not_follow(depth, len(self.sources)) or self._load(found, depth)
        if isinstance(loaded, int):
            return loaded
        text = f"{source.display}: {import_not_followed(repr(spec), loaded)}"
        if self._is_data_file(source.real.parent, spec):
            self.result.problem(text)
        else:
            self.result.unfollowed(text)
        return loaded

    def _load(self, real: pathlib.Path, depth: int) -> Union[int, str]:
        """Read and parse one file of the code folder; a string says why it was not read."""
        display = self.folder.display(real)
        data, problem = read_bytes(real, display)
        if data is None:
            return problem or f"{display}: not read"
        return self.add(display, real, data, _language_of(str(real)) or "javascript", depth)

    @staticmethod
    def _is_data_file(directory: pathlib.Path, spec: str) -> bool:
        """require("./config.json"), import "./styles.css": a file that holds no code."""
        suffix = os.path.splitext(spec)[1].lower()
        if not suffix or suffix in _LANGUAGE_BY_SUFFIX:
            return False
        return os.path.isfile(os.path.join(str(directory), spec))

    @staticmethod
    def _candidates(directory: pathlib.Path, spec: str) -> List[pathlib.Path]:
        """Node-style resolution of a relative specifier: the files it may name, in order (no
        package.json lookups)."""
        base = os.path.join(str(directory), spec)
        stem, suffix = os.path.splitext(base)
        candidates = []
        if suffix in _LANGUAGE_BY_SUFFIX:
            candidates.append(base)
            candidates.extend(stem + twin for twin in _TS_TWINS.get(suffix, ()))
        if spec not in (".", ".."):
            candidates.extend(base + ext for ext in _RESOLVE_SUFFIXES)
        candidates.extend(os.path.join(base, "index" + ext) for ext in _RESOLVE_SUFFIXES)
        return [pathlib.Path(candidate) for candidate in candidates]


# =============================================================================================
# The evaluator: expression -> abstract value
# =============================================================================================


@dataclass(frozen=True)
class _Site:
    """One place a named function is called from ("call"), or handed to an array method as a
    callback ("callback")."""

    mod: int
    call: Node
    kind: str


class _Evaluator:
    """Computes what expressions hold, context-insensitively: a helper's parameter holds what
    all its callers pass when they agree, else it is unknown."""

    def __init__(self, program: _Program) -> None:
        self.program = program
        self.budget = program.budget
        self.scopes = _Scopes(program.budget)
        self.handler: Optional[Tuple[int, Node]] = None
        self.calls: Optional[_CallIndex] = None  # set once built; parameters are unknown before
        self._memo: Dict[Tuple[int, Node], Value] = {}
        self._active: Set[Tuple[int, Node]] = set()
        self._assignments: Dict[Tuple[Node, str], Optional[List[Node]]] = {}
        self._mutations: Dict[Tuple[Node, str], Optional[Dict[str, List[Node]]]] = {}
        self._exporting: Set[Tuple[int, str]] = set()
        self._export_tables: Dict[int, Dict[str, List[_ExportEntry]]] = {}
        self._whole: Dict[int, bool] = {}
        self._scope_index: Dict[Node, Optional[_Index]] = {}

    def forget(self) -> None:
        """Drop cached values (computed before parameters could be resolved)."""
        self._memo.clear()

    # -- dispatch ----------------------------------------------------------------------------

    def value(self, mod: int, node: Optional[Node]) -> Value:
        if node is None:
            return Unknown("missing")
        key = (mod, node)
        if key in self._memo:
            return self._memo[key]
        if key in self._active or len(self._active) >= MAX_EVAL_DEPTH:
            return Unknown("too deep to follow")
        self.budget.tick()
        self._active.add(key)
        try:
            result = self._compute(mod, node)
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def _compute(self, mod: int, node: Node) -> Value:
        kind = node.type
        if kind in _TRANSPARENT:
            return self.value(mod, _strip(node))
        if kind == "string":
            return Text(_string_text(node))
        if kind == "number":
            text = _text(node)
            return NumberLit(text) if _PLAIN_INTEGER.fullmatch(text) else Unknown("number")
        if kind in ("identifier", "shorthand_property_identifier"):
            return self._identifier(mod, node)
        if kind in ("member_expression", "subscript_expression"):
            return self._member_expression(mod, node)
        if kind in _FUNCTIONS:
            return Function(mod, node)
        simple = {
            "template_string": self._template,
            "call_expression": self._call_expression,
            "new_expression": self._new_expression,
            "binary_expression": self._binary,
            "ternary_expression": self._ternary,
        }
        if kind in simple:
            return simple[kind](mod, node)
        if kind == "object":
            return ObjectLit(mod, node)
        if kind == "array":
            return ArrayLit(mod, node)
        return Unknown(kind.replace("_", " "))

    # -- names -------------------------------------------------------------------------------

    def _identifier(self, mod: int, node: Node) -> Value:
        name = _text(node)
        binding = self.scopes.find(node, name)
        if binding is None:
            return ProcessObject() if name == "process" else Unknown(f"global {name}")
        return self._destructure(mod, self._binding_base(mod, binding), binding.path)

    def _binding_base(self, mod: int, binding: _Binding) -> Value:
        """The whole value a binding's pattern destructures."""
        if binding.kind == "function":
            return Function(mod, binding.node)
        if binding.kind == "decl":
            return self._declared(mod, binding)
        if binding.kind == "param":
            return self._parameter(mod, binding.node, binding.index)
        if binding.kind == "loop":
            if _text(_field(binding.node, "operator")) != "of":
                return Unknown("for-in key")
            return self._element(self.value(mod, _field(binding.node, "right")))
        if binding.kind == "import":
            return self._imported(mod, binding.node, binding.detail)
        return Unknown(f"{binding.var} is not a constant")

    def _declared(self, mod: int, binding: _Binding) -> Value:
        """A const, or a let/var assigned once (at its declaration or in one later assignment)."""
        declarator = binding.node
        init = _field(declarator, "value")
        scope = _declaration_scope(declarator)
        if binding.detail != "const":
            assigned = self._assignments_to(scope, binding.var)
            if assigned is None or (assigned and init is not None) or len(assigned) > 1:
                return Unknown(f"{binding.var} is reassigned")
            if init is None:
                if not assigned or binding.path:
                    return Unknown(f"{binding.var} is not assigned")
                return self.value(mod, _field(assigned[0], "right"))
        value = self.value(mod, init)
        if isinstance(value, ObjectLit) and not binding.path:
            return ObjectLit(value.mod, value.node, binding.var, scope)
        if isinstance(value, EventPart) and not binding.path and is_message(_neutral_path(value.path)):
            return EventPart(value.path, binding.var, scope)
        return value

    def _assignments_to(self, scope: Node, name: str) -> Optional[List[Node]]:
        """Plain `name = x` assignments under scope; None when it is also updated otherwise."""
        key = (scope, name)
        if key not in self._assignments:
            self._assignments[key] = self._scan_assignments(scope, name)
        return self._assignments[key]

    def _scan_assignments(self, scope: Node, name: str) -> Optional[List[Node]]:
        index = self._index_of(scope)
        found = _Index.inside(index.assignments, name, scope) if index is not None else []
        self.budget.tick(len(found))
        return None if None in found else found

    def _index_of(self, scope: Node) -> Optional[_Index]:
        """The index of the module a scope belongs to (a value may come from another module
        than the name that holds it, so the scope's own tree is looked up)."""
        if scope not in self._scope_index:
            tree_root = scope
            while self.scopes.parent(tree_root) is not None:
                tree_root = self.scopes.parent(tree_root)
            self._scope_index[scope] = next(
                (source.index for source in self.program.sources if source.root == tree_root), None)
        return self._scope_index[scope]

    def _destructure(self, mod: int, value: Value, path: Tuple[str, ...]) -> Value:
        for step in path:
            if step.startswith("*"):
                return Unknown("rest or computed destructuring")
            value = self.member(mod, value, step)
        return value

    def _element(self, collection: Value) -> Value:
        """What iterating over a collection yields."""
        if isinstance(collection, EventPart):
            return EventPart(collection.path + ("[]",))
        if isinstance(collection, Unknown):
            return collection
        if isinstance(collection, ArrayLit):
            values = {self.value(collection.mod, element) for element in _kids(collection.node)}
            if len(values) == 1:
                return values.pop()
        return Unknown("element of a collection")

    # -- parameters --------------------------------------------------------------------------

    def _parameter(self, mod: int, function: Node, index: int) -> Value:
        if self.handler == (mod, function):
            return EventPart() if index == 0 else ContextPart() if index == 1 else Unknown("handler parameter")
        parent = function.parent
        if parent is not None and parent.type == "arguments" and parent.parent is not None:
            return self._callback_parameter(mod, parent.parent, index)
        sites = self.calls.sites_of(mod, function) if self.calls is not None else None
        if not sites:
            return Unknown("parameter")
        # A recursive call passing the parameter on unchanged (`walk(context, next)` inside walk)
        # adds no value of its own: the outside callers decide it.
        outside = [site for site in sites if not self._passes_itself_on(site, mod, function, index)]
        values = {self._argument(site, mod, function, index) for site in outside or sites}
        return values.pop() if len(values) == 1 else Unknown("callers pass different values")

    @staticmethod
    def _passes_itself_on(site: _Site, mod: int, function: Node, index: int) -> bool:
        """Whether a call site inside `function` passes its own parameter `index` as that
        same argument."""
        if site.kind == "callback" or site.mod != mod:
            return False
        if not (function.start_byte <= site.call.start_byte and site.call.end_byte <= function.end_byte):
            return False
        args, params = _args(site.call), _kids(_field(function, "parameters"))
        if index >= len(args) or index >= len(params) or params[index].type != "identifier":
            return False
        argument = _strip(args[index])
        same = argument is not None and argument.type == "identifier"
        return same and _text(argument) == _text(params[index])

    def _callback_parameter(self, mod: int, call: Node, index: int) -> Value:
        """A callback of records.forEach / map / ...: its element parameter is a record."""
        method = _method_name(call)
        if method not in _ARRAY_CALLBACKS:
            return Unknown("callback parameter")
        if index != (1 if method == "reduce" else 0):
            return Unknown("callback parameter")
        return self._element(self.value(mod, _field(_field(call, "function"), "object")))

    def _argument(self, site: _Site, mod: int, function: Node, index: int) -> Value:
        if site.kind == "callback":
            return self._callback_parameter(site.mod, site.call, index)
        args = _args(site.call)
        if any(arg.type == "spread_element" for arg in args[: index + 1]):
            return Unknown("spread arguments")
        if index < len(args):
            return self.value(site.mod, args[index])
        params = _kids(_field(function, "parameters"))
        if index < len(params) and params[index].type == "assignment_pattern":
            return self.value(mod, _field(params[index], "right"))
        return Unknown("argument not passed")

    # -- members -----------------------------------------------------------------------------

    def _member_expression(self, mod: int, node: Node) -> Value:
        target = self.value(mod, _field(node, "object"))
        if node.type == "member_expression":
            prop: Optional[str] = _text(_field(node, "property"))
        else:
            prop = self._index_name(mod, _field(node, "index"))
        if prop is None:
            return Unknown("computed member")
        return self.member(mod, target, prop)

    def _index_name(self, mod: int, index: Optional[Node]) -> Optional[str]:
        """A subscript as a property name; "#last" for `[x.length - 1]`."""
        index = _strip(index)
        if index is None:
            return None
        if index.type == "number":
            return _text(index)
        if index.type == "binary_expression" and _text(_field(index, "operator")) == "-":
            left = _field(index, "left")
            is_length = left is not None and left.type == "member_expression"
            is_length = is_length and _text(_field(left, "property")) == "length"
            if is_length and _is_number(_field(index, "right"), "1"):
                return "#last"
        value = self.value(mod, index)
        return value.text if isinstance(value, Text) else None

    def member(self, mod: int, target: Value, prop: str) -> Value:
        """target[prop]."""
        if isinstance(target, Unknown):
            return target
        if isinstance(target, ProcessObject):
            return EnvObject() if prop == "env" else Unknown(f"process.{prop}")
        if isinstance(target, EnvObject):
            return Env(prop)
        if isinstance(target, EventPart):
            if len(target.path) >= MAX_EVENT_PATH:
                return Unknown("event path too long")
            step = "[]" if prop.isdigit() or prop == "#last" else prop
            return EventPart(target.path + (step,))
        if isinstance(target, ContextPart):
            return ContextPart(target.path + (prop,))
        if isinstance(target, Package):
            return self._package_member(target, prop)
        if isinstance(target, ModuleNs):
            return self.export_value(target.mod, prop)
        if isinstance(target, ObjectLit):
            found = self.object_property(target, prop)
            return Unknown(f"no {prop} given") if found is None else found
        return self._member_of_data(target, prop)

    def _member_of_data(self, target: Value, prop: str) -> Value:
        if isinstance(target, Text) and prop == "length" and all(ord(char) < 0x10000 for char in target.text):
            return NumberLit(str(len(target.text)))  # UTF-16 units: one per character below U+10000
        if isinstance(target, ArrayLit):
            elements = _kids(target.node)
            if any(element.type == "spread_element" for element in elements):
                return Unknown("spread elements")
            if prop == "#last" and elements:
                return self.value(target.mod, elements[-1])
            if prop.isdigit() and int(prop) < len(elements):
                return self.value(target.mod, elements[int(prop)])
            return Unknown(f"element {prop}")
        if isinstance(target, HeadResult):
            return MetadataPart(target.incoming) if prop == "Metadata" else Unknown("response field")
        if isinstance(target, MetadataPart):
            return target
        if isinstance(target, ParsedPath):
            if prop == "name":
                return _text_value(basename(stem(target.source)))
            if prop == "base":
                return _text_value(basename(target.source))
            return Computed(AnyText(f"path.parse().{prop}"))
        if isinstance(target, SplitText) and prop == "#last":
            return self._split_last(target)
        if isinstance(target, SplitText) and prop.isdigit():
            return Computed(AnyText("part of a split"))
        return Unknown(f"{prop} of {type(target).__name__.lower()}")

    @staticmethod
    def _package_member(package: Package, prop: str) -> Value:
        if not package.name and prop == "default":
            return package
        if package.spec == "path" and not package.name and prop == "posix":
            return package
        return Package(package.spec, f"{package.name}.{prop}" if package.name else prop)

    def object_property(self, obj: ObjectLit, prop: str) -> Optional[Value]:
        """The value of an object literal's property; None when it is certainly absent."""
        found: Optional[Value] = None
        for element in _kids(obj.node):
            kind = element.type
            if kind == "pair":
                key = self._pair_key(obj.mod, element)
                if key is None:
                    found = Unknown("computed property name")
                elif key == prop:
                    found = self.value(obj.mod, _field(element, "value"))
            elif kind == "shorthand_property_identifier" and _text(element) == prop:
                found = self.value(obj.mod, element)
            elif kind == "method_definition" and _text(_field(element, "name")) == prop:
                found = Function(obj.mod, element)
            elif kind == "spread_element":
                found = Unknown("spread arguments")
        return self._after_mutation(obj, prop, found)

    def _pair_key(self, mod: int, pair: Node) -> Optional[str]:
        key = _field(pair, "key")
        literal = _property_name(key)
        if literal is not None or key is None or key.type != "computed_property_name":
            return literal
        value = self.value(mod, _kids(key)[0] if _kids(key) else None)
        return value.text if isinstance(value, Text) else None

    def object_keys(self, obj: ObjectLit, skip_spreads: bool = False) -> Optional[List[Value]]:
        """The keys of an object literal as values (Env for `[process.env.T]`); None if spread
        (the keys written beside the spreads, with `skip_spreads`)."""
        keys: List[Value] = []
        for element in _kids(obj.node):
            if element.type == "pair":
                key = _field(element, "key")
                literal = _property_name(key)
                if literal is not None:
                    keys.append(Text(literal))
                else:
                    keys.append(self.value(obj.mod, _kids(key)[0] if _kids(key) else None))
            elif element.type == "shorthand_property_identifier":
                keys.append(Text(_text(element)))
            elif element.type == "spread_element" and not skip_spreads:
                return None
        return keys

    def _after_mutation(self, obj: ObjectLit, prop: str, found: Optional[Value]) -> Optional[Value]:
        """Account for `params.Prop = x` / Object.assign(params, ...) after the literal."""
        if not obj.var or obj.scope is None:
            return found
        key = (obj.scope, obj.var)
        if key not in self._mutations:
            self._mutations[key] = self._scan_mutations(obj.scope, obj.var)
        changes = self._mutations[key]
        if changes is None:
            return Unknown("object changed after creation")
        assigned = changes.get(prop, [])
        if not assigned:
            return found
        if found is None and len(assigned) == 1:
            return self.value(obj.mod, _field(assigned[0], "right"))
        return Unknown(f"{prop} reassigned")

    def _scan_mutations(self, scope: Node, var: str) -> Optional[Dict[str, List[Node]]]:
        index = self._index_of(scope)
        found = _Index.inside(index.mutations, var, scope) if index is not None else []
        self.budget.tick(len(found))
        changes: Dict[str, List[Node]] = {}
        for prop, node in found:
            if prop is None:
                return None
            changes.setdefault(prop, []).append(node)
        return changes

    # -- strings and keys --------------------------------------------------------------------

    def _template(self, mod: int, node: Node) -> Value:
        parts: List[KeyExpr] = []
        pieces = _kids(node)
        if len(pieces) == 1 and pieces[0].type == "template_substitution":
            return self.value(mod, _kids(pieces[0])[0] if _kids(pieces[0]) else None)
        for piece in pieces:
            if piece.type == "string_fragment":
                parts.append(Lit(_text(piece)))
            elif piece.type == "escape_sequence":
                parts.append(Lit(_unescape(_text(piece))))
            elif piece.type == "template_substitution":
                inner = _kids(piece)
                parts.append(_key_of(self.value(mod, inner[0] if inner else None)))
        return _text_value(concat(parts))

    def _binary(self, mod: int, node: Node) -> Value:
        operator = _text(_field(node, "operator"))
        left = self.value(mod, _field(node, "left"))
        if operator in ("||", "??"):
            # `process.env.X || "fallback"`: the variable the template sets is what counts
            return left if isinstance(left, (Env, Text)) else Unknown("fallback expression")
        if operator != "+":
            return Unknown(f"{operator} expression")
        right = self.value(mod, _field(node, "right"))
        if _is_stringy(left) or _is_stringy(right):
            return _text_value(concat([_key_of(left), _key_of(right)]))
        return Unknown("arithmetic")

    def _ternary(self, mod: int, node: Node) -> Value:
        first = self.value(mod, _field(node, "consequence"))
        second = self.value(mod, _field(node, "alternative"))
        return first if first == second else Unknown("conditional expression")

    def _string_method(self, mod: int, receiver: Value, method: str, args: List[Node]) -> Value:
        source = _key_of(receiver)
        if method in ("toString", "valueOf"):
            return receiver
        if method in ("replace", "replaceAll"):
            return self._replace(mod, source, method == "replace", args)
        if method == "split" and args:
            separator = self.value(mod, args[0])
            if isinstance(separator, Text):
                return SplitText(source, separator.text)
        if method in ("slice", "substring", "substr"):
            return self._substring(mod, source, method, args)
        if method == "concat":
            return _text_value(concat([source] + [_key_of(self.value(mod, arg)) for arg in args]))
        if method in ("startsWith", "endsWith", "includes", "indexOf", "lastIndexOf", "match", "search"):
            return Unknown(f"{method}() result")
        return Computed(AnyText(f"{method}()"))

    def _replace(self, mod: int, source: KeyExpr, first_only: bool, args: List[Node]) -> Value:
        if len(args) < 2:
            return Computed(AnyText("replace"))
        pattern = _strip(args[0])
        new = self.value(mod, args[1])
        if pattern is not None and pattern.type == "regex":
            return self._regex_replace(source, pattern, new)
        old = self.value(mod, pattern)
        if not (isinstance(old, Text) and isinstance(new, Text)):
            return Computed(AnyText("replace with computed text"))
        if isinstance(source, Lit):
            return Text(source.text.replace(old.text, new.text, 1 if first_only else -1))
        return Computed(Replace(source, old.text, new.text, first_only))

    @staticmethod
    def _regex_replace(source: KeyExpr, regex: Node, new: Value) -> Value:
        pattern = _text(_field(regex, "pattern"))
        if pattern == r"\+" and new == Text(" ") and source == IncomingKey():
            return Computed(IncomingKey())  # decoding the '+' of an S3 event key
        if pattern in _EXTENSION_PATTERNS and isinstance(new, Text):
            return _text_value(concat([stem(source), Lit(new.text)]))
        return Computed(AnyText("regex replace"))

    def _substring(self, mod: int, source: KeyExpr, method: str, args: List[Node]) -> Value:
        """k.slice(0, k.lastIndexOf(".")) is the stem; k.substring(k.lastIndexOf("/") + 1) the
        base name; anything else is unknown text."""
        if method != "substr" and len(args) == 2 and _is_number(args[0], "0"):
            if self._is_last_index_of(mod, args[1], ".", source):
                return _text_value(stem(source))
        if len(args) == 1:
            arg = _strip(args[0])
            if arg is not None and arg.type == "binary_expression" and _text(_field(arg, "operator")) == "+":
                if _is_number(_field(arg, "right"), "1") and self._is_last_index_of(
                    mod, _field(arg, "left"), "/", source
                ):
                    return _text_value(basename(source))
        numbers = [self._whole_number(mod, arg) for arg in args]
        if 1 <= len(args) <= 2 and all(number is not None for number in numbers):
            start, end = numbers[0], numbers[1] if len(numbers) == 2 else None
            assert start is not None
            if method == "slice":  # negative positions count from the end, as in Python
                return _text_value(sliced(source, start, end))
            if method == "substring" and start >= 0 and (end is None or start <= end):
                return _text_value(sliced(source, start, end))  # (negatives clamp, swapped ends swap: not here)
            if method == "substr" and (end is None or (start >= 0 and end >= 0)):
                return _text_value(sliced(source, start, None if end is None else start + end))
        return Computed(AnyText(f"{method}()"))

    def _whole_number(self, mod: int, node: Optional[Node]) -> Optional[int]:
        """A position argument: an integer literal, `-n`, or a known length (`PREFIX.length`)."""
        node = _strip(node)
        if node is None:
            return None
        if node.type == "unary_expression" and _text(_field(node, "operator")) == "-":
            inner = self._whole_number(mod, _field(node, "argument"))
            return -inner if inner is not None else None
        value = self.value(mod, node)
        return int(value.text) if isinstance(value, NumberLit) else None

    def _is_last_index_of(self, mod: int, node: Optional[Node], char: str, source: KeyExpr) -> bool:
        node = _strip(node)
        if node is None or node.type != "call_expression" or _method_name(node) != "lastIndexOf":
            return False
        args = _args(node)
        receiver = self.value(mod, _field(_field(node, "function"), "object"))
        return bool(args) and self.value(mod, args[0]) == Text(char) and _key_of(receiver) == source

    def _split_method(self, mod: int, split: SplitText, method: str, args: List[Node]) -> Value:
        if method == "pop" or (method == "at" and args and _is_number(args[0], "-1")):
            return self._split_last(split)
        if method == "slice" and len(args) == 2 and _is_number(args[0], "0") and _is_number(args[1], "-1"):
            return SplitText(split.source, split.sep, True)
        if method == "join" and args and self.value(mod, args[0]) == Text(split.sep):
            if not split.dropped_last:
                return _text_value(split.source)
            if split.sep == ".":
                return _text_value(stem(split.source))
        return Computed(AnyText("part of a split"))

    @staticmethod
    def _split_last(split: SplitText) -> Value:
        if split.sep == "/" and not split.dropped_last:
            return _text_value(basename(split.source))
        return Computed(AnyText("part of a split"))

    def _array_join(self, mod: int, array: ArrayLit, args: List[Node]) -> Value:
        separator = self.value(mod, args[0]) if args else Text(",")
        elements = _kids(array.node)
        if not isinstance(separator, Text) or any(e.type == "spread_element" for e in elements):
            return Computed(AnyText("join"))
        parts = [_key_of(self.value(array.mod, element)) for element in elements]
        return _text_value(separated(separator.text, parts))

    def _path_join(self, mod: int, args: List[Node]) -> Value:
        """path.join(a, b, ...) as a / b / ..., with the slashes literal parts bring merged."""
        parts: List[KeyExpr] = []
        for position, arg in enumerate(args):
            if arg.type == "spread_element":
                return Computed(AnyText("spread arguments"))
            part = _key_of(self.value(mod, arg))
            if isinstance(part, Lit):
                text = part.text.lstrip("/") if parts else part.text
                text = text.rstrip("/") if position < len(args) - 1 else text
                if not text:
                    continue
                part = Lit(text)
            if parts:
                parts.append(Lit("/"))
            parts.append(part)
        return _text_value(concat(parts))

    def _decoded(self, mod: int, args: List[Node]) -> Value:
        key = _key_of(self.value(mod, args[0]) if args else Unknown("no argument"))
        if key == IncomingKey():
            return Computed(key)
        if isinstance(key, Lit):
            return Text(urllib.parse.unquote(key.text))
        return Computed(AnyText("decoded text"))

    # -- calls -------------------------------------------------------------------------------

    def _call_expression(self, mod: int, node: Node) -> Value:
        callee = _strip(_field(node, "function"))
        args = _args(node)
        if callee is None:
            return Unknown("call")
        if callee.type == "import":
            return self._required(mod, args)
        if callee.type == "identifier":
            name = _text(callee)
            if self.scopes.find(callee, name) is None:
                return self._global_call(mod, name, args)
            function = self.value(mod, callee)
            if isinstance(function, Package):
                return self._package_call(mod, function, args)
            return Unknown(f"{name}() result")
        if callee.type == "member_expression":
            owner = _field(callee, "object")
            if owner is not None and _text(owner) == "JSON" and self.scopes.find(owner, "JSON") is None:
                return self._json_call(mod, _text(_field(callee, "property")), args)
            if (owner is not None and _text(owner) == "Buffer" and self.scopes.find(owner, "Buffer") is None
                    and _text(_field(callee, "property")) == "from"):
                return self._buffer_from(mod, args)
            receiver = self.value(mod, owner)
            return self._method_call(mod, receiver, _text(_field(callee, "property")), args)
        return Unknown("function call result")

    def _json_call(self, mod: int, method: str, args: List[Node]) -> Value:
        """JSON.parse of an event field (a message body) and JSON.stringify of anything."""
        value = self.value(mod, args[0]) if args else Unknown("no argument")
        if method == "parse" and isinstance(value, EventPart):
            return EventPart(value.path + (JSON,))
        if method == "stringify":
            return JsonText(value)
        return Unknown(f"JSON.{method}() result")

    def _buffer_from(self, mod: int, args: List[Node]) -> Value:
        """Buffer.from(text, "base64") of an event field (a Kinesis record's data) is its decoded
        content; Buffer.from(text) / (text, "utf8") is that text as bytes."""
        value = self.value(mod, args[0]) if args else Unknown("no argument")
        encoding = self.value(mod, args[1]) if len(args) > 1 else Text("utf8")
        name = encoding.text.lower() if isinstance(encoding, Text) else ""
        if name == "base64":
            return _decoded_base64(value)
        return value if name in ("utf8", "utf-8") else Unknown("Buffer.from() result")

    def _mutated_fields(self, part: EventPart) -> Optional[List[Value]]:
        """The fields set on an incoming message held in a const (`body.enriched = true`), as
        names (Unknown for a computed one); None when it is not held in one."""
        if not part.var or part.scope is None:
            return None
        key = (part.scope, part.var)
        if key not in self._mutations:
            self._mutations[key] = self._scan_mutations(part.scope, part.var)
        changes = self._mutations[key]
        if changes is None:
            return [Unknown("a field set with a computed name")]
        return [Text(name) for name in changes]

    def _global_call(self, mod: int, name: str, args: List[Node]) -> Value:
        if name == "require":
            return self._required(mod, args)
        if name in ("decodeURIComponent", "decodeURI", "unescape"):
            return self._decoded(mod, args)
        if name == "String" and args:
            value = self.value(mod, args[0])
            return value if _is_stringy(value) else Unknown("String() result")
        if name == "atob" and args:
            value = self.value(mod, args[0])
            return _decoded_base64(value)
        return Unknown(f"{name}() result")

    def _method_call(self, mod: int, receiver: Value, method: str, args: List[Node]) -> Value:
        if isinstance(receiver, Package):
            return self._package_call(mod, self._package_member(receiver, method), args)
        if method == "send" and args:
            command = self.value(mod, args[0])
            if isinstance(command, Command) and command.api in _READ_APIS:
                return self._head_result(mod, command.params)
            return Unknown("SDK response")
        if method in ("headObject", "getObject") and args and isinstance(receiver, (Client, Unknown)):
            return self._head_result(mod, self.value(mod, args[0]))
        if isinstance(receiver, HeadResult) and method == "promise":
            return receiver
        if isinstance(receiver, SplitText):
            return self._split_method(mod, receiver, method, args)
        if isinstance(receiver, ArrayLit) and method == "join":
            return self._array_join(mod, receiver, args)
        if isinstance(receiver, TextCodec) and method in ("encode", "decode"):
            return self.value(mod, args[0]) if args else Unknown(f"{method}() result")
        if isinstance(receiver, EventPart) and method == "toString" and receiver.path[-1:] == (BASE64,):
            return receiver  # decoded bytes as text (a Kinesis record's data)
        if _is_stringy(receiver):
            return self._string_method(mod, receiver, method, args)
        return Unknown(f"{method}() result")

    def _head_result(self, mod: int, params: Value) -> Value:
        return HeadResult(_key_of(self.member(mod, params, "Key")) == IncomingKey())

    def _package_call(self, mod: int, function: Package, args: List[Node]) -> Value:
        if (function.spec, function.name) in _UNMARSHALL:  # a DynamoDB image decoded to plain values
            image = self.value(mod, args[0]) if args else Unknown("no argument")
            return EventPart(image.path + (DECODED,)) if isinstance(image, EventPart) else Unknown("unmarshall")
        if function.spec == "path":
            return self._path_call(mod, function.name, args)
        if function.spec == _LIB_DYNAMODB and function.name == "DynamoDBDocumentClient.from":
            return Client("dynamodb", "")
        if function.spec == _LIB_DYNAMODB and function.name == "DynamoDBDocument.from":
            return Client("dynamodb", "dynamodb-doc")
        return Unknown(f"{function.name or function.spec}() result")

    def _path_call(self, mod: int, name: str, args: List[Node]) -> Value:
        if name == "join":
            return self._path_join(mod, args)
        source = _key_of(self.value(mod, args[0])) if args else AnyText("no argument")
        if name == "basename" and len(args) == 1:
            return _text_value(basename(source))
        if name == "basename" and len(args) == 2 and self._is_extname_of(mod, args[1], source):
            return _text_value(basename(stem(source)))  # path.basename(k, path.extname(k))
        if name == "parse" and args:
            return ParsedPath(source)
        return Computed(AnyText(f"path.{name}()"))

    def _is_extname_of(self, mod: int, node: Optional[Node], source: KeyExpr) -> bool:
        """Whether `node` is path.extname(<source>)."""
        node = _strip(node)
        if node is None or node.type != "call_expression" or _method_name(node) != "extname":
            return False
        owner = self.value(mod, _field(_field(node, "function"), "object"))
        args = _args(node)
        return (isinstance(owner, Package) and owner.spec == "path" and len(args) == 1
                and _key_of(self.value(mod, args[0])) == source)

    def _new_expression(self, mod: int, node: Node) -> Value:
        constructor = _strip(_field(node, "constructor"))
        args = _args(node)
        made = self.value(mod, constructor)
        if isinstance(made, Package):
            return self._constructed(mod, node, made, args)
        if constructor is not None and constructor.type == "identifier" and isinstance(made, Unknown):
            binding = self.scopes.find(constructor, _text(constructor))
            if binding is None and _text(constructor) in ("TextEncoder", "TextDecoder"):
                return TextCodec()
            if binding is None or binding.kind in ("import", "decl"):  # not a local class
                return self._command_by_name(mod, node, _text(constructor), args)
        return Unknown("constructed object")

    def _constructed(self, mod: int, node: Node, package: Package, args: List[Node]) -> Value:
        """new <something from an SDK package>(...): a client or a command."""
        spec, name = package.spec, package.name
        params = self.value(mod, args[0]) if args else Unknown("no parameters")
        if (spec, name) in _V3_COMMANDS:
            service, api = _V3_COMMANDS[(spec, name)]
            return Command(service, api, params, mod, node)
        if spec in _V3_PACKAGES:
            service, bare, aggregated = _V3_PACKAGES[spec]
            if name in (bare, aggregated):
                return Client(service, "" if name == bare else service)
        if spec == _LIB_DYNAMODB and name == "DynamoDBDocument":
            return Client("dynamodb", "dynamodb-doc")
        v2_class = self._v2_class(spec, name)
        if v2_class in _V2_CLASSES:
            table = _V2_CLASSES[v2_class]
            return Client(_service_of_table(table), table)
        return Unknown(f"new {name or spec}")

    @staticmethod
    def _v2_class(spec: str, name: str) -> Optional[str]:
        if spec == "aws-sdk":
            return name
        if spec.startswith("aws-sdk/clients/"):
            base = _V2_CLIENT_MODULES.get(spec[len("aws-sdk/clients/") :])
            if base is not None:
                return f"{base}.{name}" if name else base
        return None

    def _command_by_name(self, mod: int, node: Node, name: str, args: List[Node]) -> Value:
        """`new PutObjectCommand(...)` whose import could not be followed: known by its name
        when only one SDK package has a command of that name."""
        matches = {value for (_, command), value in _V3_COMMANDS.items() if command == name}
        if len(matches) != 1:
            return Unknown(f"new {name}")
        service, api = matches.pop()
        params = self.value(mod, args[0]) if args else Unknown("no parameters")
        return Command(service, api, params, mod, node)

    # -- modules -----------------------------------------------------------------------------

    def _required(self, mod: int, args: List[Node]) -> Value:
        """require(spec) / import(spec)."""
        arg = _strip(args[0]) if args else None
        if arg is None or arg.type != "string":
            return Unknown("dynamic require")
        spec = _string_text(arg)
        if not _is_relative(spec):
            return Package(_normalise_package(spec))
        target = self.program.imports.get((mod, spec), "not read")
        return ModuleNs(target) if isinstance(target, int) else Unknown(f"module {spec} not read")

    def _imported(self, mod: int, statement: Node, imported: str) -> Value:
        source = _field(statement, "source")
        if source is None:
            clause = next((k for k in _kids(statement) if k.type == "import_require_clause"), None)
            source = _field(clause, "source")
        spec = _string_text(source) if source is not None and source.type == "string" else ""
        if not _is_relative(spec):
            package = Package(_normalise_package(spec))
            return package if imported in ("*", "default", "require") else Package(package.spec, imported)
        target = self.program.imports.get((mod, spec), "not read")
        if not isinstance(target, int):
            return Unknown(f"module {spec} not read")
        if imported in ("*", "require"):
            return ModuleNs(target)
        return self.export_value(target, imported)

    def export_value(self, mod: int, name: str) -> Value:
        """What module mod exports under name (ESM or CommonJS)."""
        key = (mod, name)
        if key in self._exporting:
            return Unknown("circular export")
        self._exporting.add(key)
        try:
            found = self.export_node(mod, name)
            if found is not None:
                return self.value(*found)
            whole = self.export_node(mod, "default")
            if name != "default" and whole is not None and self._exports_whole(mod):
                return self.member(mod, self.value(*whole), name)
            return ModuleNs(mod) if name == "default" else Unknown(f"{name} is not exported")
        finally:
            self._exporting.discard(key)

    def export_node(self, mod: int, name: str) -> Optional[Tuple[int, Node]]:
        """The expression (or declaration) module mod exports under name; the last wins."""
        for direct, reexport in reversed(self._export_table(mod).get(name, [])):
            if direct is not None:
                return direct
            found = self._reexport(mod, *reexport) if reexport is not None else None
            if found is not None:
                return found
        return None

    def _export_table(self, mod: int) -> Dict[str, List[_ExportEntry]]:
        """Every name module mod exports, with each statement that exports it in order, read
        once (a bundle has thousands of top-level statements and imports many names)."""
        if mod not in self._export_tables:
            table: Dict[str, List[_ExportEntry]] = {}
            for statement in _kids(self.program.sources[mod].root):
                self.budget.tick()
                if statement.type == "export_statement":
                    entries = self._esm_exports(mod, statement)
                elif statement.type == "expression_statement":
                    entries = _cjs_exports(mod, statement)
                else:
                    continue
                for name, entry in entries.items():
                    table.setdefault(name, []).append(entry)
            self._export_tables[mod] = table
        return self._export_tables[mod]

    @staticmethod
    def _esm_exports(mod: int, statement: Node) -> Dict[str, _ExportEntry]:
        """name -> what one `export ...` statement exports under it (the first match in it)."""
        declaration = _field(statement, "declaration")
        is_default = any(child.type == "default" for child in statement.children)
        if declaration is not None:
            if is_default:
                return {"default": ((mod, declaration), None)}
            if declaration.type in _FUNCTIONS:
                return {_text(_field(declaration, "name")): ((mod, declaration), None)}
            found: Dict[str, _ExportEntry] = {}
            for declarator in _kids(declaration):
                name = _field(declarator, "name")
                if declarator.type == "variable_declarator":
                    found.setdefault(_text(name), ((mod, name), None))
            return found
        value = _field(statement, "value")
        if value is not None:
            return {"default": ((mod, value), None)} if is_default else {}
        clause = next((kid for kid in _kids(statement) if kid.type == "export_clause"), None)
        found = {}
        for spec in _kids(clause):
            local = _field(spec, "name")
            exported = _field(spec, "alias") or local
            reexport = _field(statement, "source") is not None
            found.setdefault(_text(exported), (None, (statement, local)) if reexport else ((mod, local), None))
        return found

    def _exports_whole(self, mod: int) -> bool:
        if mod not in self._whole:
            self.budget.tick(len(_kids(self.program.sources[mod].root)))
            self._whole[mod] = _exports_whole(self.program.sources[mod].root)
        return self._whole[mod]

    def _reexport(self, mod: int, statement: Node, local: Node) -> Optional[Tuple[int, Node]]:
        spec = _string_text(_field(statement, "source"))
        target = self.program.imports.get((mod, spec))
        if not isinstance(target, int) or (target, _text(local)) in self._exporting:
            return None
        return self.export_node(target, _text(local))

    # -- the handler -------------------------------------------------------------------------

    def find_handler(self, name: str) -> Optional[Tuple[int, Node]]:
        """The function the Lambda runtime calls: the entry module's export `name`, unwrapped
        from wrappers such as middy(fn).use(...); a top-level function of that name otherwise."""
        found = self.export_node(0, name)
        if found is not None:
            return self._unwrap_function(*found)
        exported = self.export_value(0, name)  # module.exports = require("./impl") ...
        if isinstance(exported, Function):
            return exported.mod, exported.node
        top = _find_binding_at_top(self.program.sources[0].root, name)
        return None if top is None else self._unwrap_function(0, top)

    def _unwrap_function(self, mod: int, node: Optional[Node]) -> Optional[Tuple[int, Node]]:
        for _ in range(8):
            node = _strip(node)
            if node is None:
                return None
            value = self.value(mod, node)
            if isinstance(value, Function):
                return value.mod, value.node
            if node.type == "identifier":
                binding = self.scopes.find(node, _text(node))
                if binding is None or binding.kind != "decl" or binding.path:
                    return None
                node = _field(binding.node, "value")
            elif node.type == "call_expression":
                callee = _strip(_field(node, "function"))
                args = _args(node)
                functions = [self.value(mod, arg) for arg in args]
                function = next((f for f in functions if isinstance(f, Function)), None)
                if function is not None:
                    return function.mod, function.node
                if callee is not None and callee.type == "member_expression":
                    node = _field(callee, "object")  # middy(fn).use(...): look at middy(fn)
                else:
                    node = args[0] if args else None
            else:
                return None
        return None


# what an export statement gives a name: the node, or (statement, local) of a re-export
_ExportEntry = Tuple[Optional[Tuple[int, Node]], Optional[Tuple[Node, Node]]]


def _cjs_exports(mod: int, statement: Node) -> Dict[str, _ExportEntry]:
    """name -> what one `module.exports... = x` statement exports under it."""
    expression = _kids(statement)[0] if _kids(statement) else None
    if expression is None or expression.type != "assignment_expression":
        return {}
    target = _exports_target(_field(expression, "left"))
    right = _field(expression, "right")
    if target is None or right is None:
        return {}
    if target != "":
        return {target: ((mod, right), None)}
    found: Dict[str, _ExportEntry] = {"default": ((mod, right), None)}
    whole = _strip(right)
    if whole is not None and whole.type == "object":
        for element in _kids(whole):  # the last of a name wins
            if element.type == "pair":
                name, node = _property_name(_field(element, "key")), _field(element, "value")
            elif element.type == "shorthand_property_identifier":
                name, node = _text(element), element
            elif element.type == "method_definition":
                name, node = _text(_field(element, "name")), element
            else:
                continue
            if name is not None and name != "default":
                found[name] = ((mod, node), None)
    return found


def _exports_whole(root: Node) -> bool:
    """Whether a module assigns module.exports itself (not only its properties)."""
    for statement in _kids(root):
        kids = _kids(statement) if statement.type == "expression_statement" else []
        expression = kids[0] if kids else None
        if expression is not None and expression.type == "assignment_expression":
            if _exports_target(_field(expression, "left")) == "":
                return True
    return False


def _find_binding_at_top(root: Node, name: str) -> Optional[Node]:
    """A top-level function or function-valued const named name (no export needed)."""
    for statement in _kids(root):
        binding = _declared_by(statement, name)
        if binding is None:
            continue
        if binding.kind == "function":
            return binding.node
        if binding.kind == "decl" and not binding.path:
            return _field(binding.node, "value")
    return None


# =============================================================================================
# Call sites of named functions
# =============================================================================================


class _CallIndex:
    """For every named function: where it is called (or handed to records.forEach / map) from.
    A function also used any other way (stored, passed elsewhere) "escapes": its parameters
    stay unknown, because callers we cannot see may pass anything."""

    def __init__(self, evaluator: _Evaluator) -> None:
        self.evaluator = evaluator
        self.sites: Dict[Tuple[int, Node], List[_Site]] = {}
        self.escaped: Set[Tuple[int, Node]] = set()

    def build(self) -> None:
        names = self._candidate_names()
        for mod, source in enumerate(self.evaluator.program.sources):
            for node in source.index.references if source.index is not None else []:
                if _text(node) in names:
                    self._reference(mod, node)

    def sites_of(self, mod: int, function: Node) -> Optional[List[_Site]]:
        key = (mod, function)
        return None if key in self.escaped else self.sites.get(key)

    def _candidate_names(self) -> Set[str]:
        """Names that may refer to a function of ours: declared functions, function-valued
        variables, properties and exports, and names imported from sibling modules."""
        names: Set[str] = set()
        for source in self.evaluator.program.sources:
            if source.index is not None:
                names |= source.index.candidates
        return names

    def _reference(self, mod: int, node: Node) -> None:
        role = _reference_role(node)
        if role == "definition":
            return
        target = node.parent if role == "callee-member" else node
        value = self.evaluator.value(mod, target)
        if not isinstance(value, Function):
            return
        key = (value.mod, value.node)
        if role in ("callee", "callee-member"):
            self.sites.setdefault(key, []).append(_Site(mod, target.parent, "call"))
        elif role == "callback":
            self.sites.setdefault(key, []).append(_Site(mod, node.parent.parent, "callback"))
        else:
            self.escaped.add(key)


def _is_require(node: Node) -> bool:
    """require("./x") or import("./x") of a sibling module."""
    callee = _field(node, "function") if node.type == "call_expression" else None
    if callee is None or not (callee.type == "import" or _is_require_name(callee)):
        return False
    args = _args(node)
    return bool(args) and args[0].type == "string" and _is_relative(_string_text(args[0]))


_DEFINITION_PARENTS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "class_declaration",
        "import_specifier",
        "export_specifier",
        "import_clause",
        "namespace_import",
        "method_definition",
        "formal_parameters",
        "required_parameter",
        "optional_parameter",
        "assignment_pattern",
        "export_statement",
        "import_require_clause",
        "pair_pattern",
    }
)


def _reference_role(node: Node) -> str:
    """How an identifier uses the function it names: "callee" (f(...)), "callee-member"
    (lib.f(...)), "callback" (records.map(f)), "definition" (declaring or exporting it),
    "value" (anything else)."""
    parent = node.parent
    if parent is None:
        return "definition"
    if node.type == "property_identifier":
        grand = parent.parent
        if parent.type == "member_expression" and _field(parent, "property") == node and grand is not None:
            if grand.type == "call_expression" and _field(grand, "function") == parent:
                return "callee-member"
        return "definition"
    if parent.type == "call_expression" and _field(parent, "function") == node:
        return "callee"
    if parent.type == "arguments":
        return "callback" if _method_name(parent.parent) in _ARRAY_CALLBACKS else "value"
    if parent.type in _DEFINITION_PARENTS:
        return "definition"
    if parent.type == "variable_declarator" and _field(parent, "name") == node:
        return "definition"
    if parent.type == "assignment_expression":
        if _field(parent, "left") == node or _exports_target(_field(parent, "left")) is not None:
            return "definition"
    if node.type == "shorthand_property_identifier" and parent.parent is not None:
        holder = parent.parent
        if holder.type == "export_statement":
            return "definition"
        if holder.type == "assignment_expression" and _exports_target(_field(holder, "left")) is not None:
            return "definition"
    return "value"


# =============================================================================================
# Guards: the checks that run before a write and skip it
# =============================================================================================


# (operation, literal, positive, key) and (method, operation, literal, key), see _Guards
_KeyTest = Tuple[Optional[str], Optional[str], bool, KeyExpr]
_KeyCall = Tuple[str, Optional[str], Optional[str], KeyExpr]


class _Guards:
    """Finds the `if (test) return|continue|throw` (and `if (test) { ...write... }`) checks that
    dominate a write: in its block or an enclosing one, inside its function (and the callbacks
    it sits in), and at every call site of the helper it sits in."""

    def __init__(self, evaluator: _Evaluator) -> None:
        self.evaluator = evaluator
        self.budget = evaluator.budget
        self._order: Dict[Guard, Tuple[int, int]] = {}  # (module, offset) of a guard's test
        self._exiting: Dict[Tuple[int, Node], Set[Guard]] = {}  # a statement's exit guards, once

    def at(self, mod: int, node: Node) -> Tuple[Guard, ...]:
        """The guards dominating node, in source order."""
        found = self._dominating(mod, node, 0, frozenset())
        return tuple(sorted(found, key=lambda guard: (self._order.get(guard, (0, 0)), guard.line)))

    def _dominating(self, mod: int, node: Node, depth: int, visiting: frozenset) -> Set[Guard]:
        self.budget.tick()
        found, boundary = self._local(mod, node)
        if boundary is None or depth >= MAX_CALLER_DEPTH or (mod, boundary) == self.evaluator.handler:
            return found
        calls = self.evaluator.calls
        sites = calls.sites_of(mod, boundary) if calls is not None else None
        if not sites or (mod, boundary) in visiting:
            return found
        inner = visiting | {(mod, boundary)}
        common: Optional[Set[Guard]] = None
        for site in sites:
            at_site = self._dominating(site.mod, site.call, depth + 1, inner)
            common = at_site if common is None else common & at_site
        return found | (common or set())

    def _local(self, mod: int, node: Node) -> Tuple[Set[Guard], Optional[Node]]:
        """Guards inside the function holding node, and that function (None at top level)."""
        guards: Set[Guard] = set()
        parents = self.evaluator.scopes
        child, parent = node, parents.parent(node)
        while parent is not None:
            self.budget.tick()
            if parent.type in _FUNCTIONS:
                is_callback = parent.parent is not None and parent.parent.type == "arguments"
                if (mod, parent) == self.evaluator.handler or not is_callback:
                    return guards, parent
            elif parent.type in _BLOCKS:
                for statement in _kids(parent):
                    if statement.end_byte > child.start_byte:
                        break
                    self.budget.tick()
                    key = (mod, statement)
                    if key not in self._exiting:
                        self._exiting[key] = self._exit_guards(mod, statement)
                    guards |= self._exiting[key]
            elif parent.type == "if_statement":
                condition = _field(parent, "condition")
                if child == _field(parent, "consequence"):
                    guards |= self.classify(mod, condition, exits_when_true=False)
                elif child == _field(parent, "alternative"):
                    guards |= self.classify(mod, condition, exits_when_true=True)
            child, parent = parent, parents.parent(parent)
        return guards, None

    def _exit_guards(self, mod: int, statement: Node) -> Set[Guard]:
        if statement.type != "if_statement":
            return set()
        condition = _field(statement, "condition")
        alternative = _field(statement, "alternative")
        if _exits(_field(statement, "consequence")):
            return self.classify(mod, condition, exits_when_true=True)
        if alternative is not None and _exits(_kids(alternative)[-1] if _kids(alternative) else None):
            return self.classify(mod, condition, exits_when_true=False)
        return set()

    def classify(self, mod: int, condition: Optional[Node], exits_when_true: bool) -> Set[Guard]:
        found: Set[Guard] = set()
        atoms = _atoms(condition, exits_when_true)
        for atom, exits in atoms:
            # the test as written; each part of an `a || b` test stands alone
            shown = _strip(condition) if len(atoms) == 1 else atom
            guard = self._guard(mod, atom, exits, shorten(" ".join(_text(shown).split())))
            if guard is not None:
                found.add(guard)
                self._order.setdefault(guard, (mod, atom.start_byte))
        return found

    def _guard(self, mod: int, atom: Node, exits: bool, text: str) -> Optional[Guard]:
        line = atom.start_point[0] + 1
        if self._reads(mod, atom, lambda v: isinstance(v, MetadataPart) and v.incoming):
            return Guard("metadata", line, text)
        key = self._key_guard(mod, atom, exits)
        if key is not None:
            return Guard("key", line, text, key[0])
        selection = self._record_test(mod, atom, exits)
        if selection is not None:
            return Guard("event-name" if selection.field == "eventName" else "record", line, text,
                         record_test=selection)
        for kind in ("event-name", "source"):
            if self._reads(mod, atom, lambda v, kind=kind: _event_field_kind(v) == kind):
                return Guard(kind, line, text)
        marker = self._marker_test(mod, atom)
        if marker is not None and marker[1] == exits:  # exits when the message carries it
            return Guard("marker", line, text, marker=marker[0])
        return None

    def _record_test(self, mod: int, atom: Node, exits: bool) -> Optional[RecordTest]:
        """Record selection: `field.startsWith("x")` / endsWith / includes, `field === "x"` /
        `!==`, `["x", "y"].includes(field)`, on a record field (selection.record_field)."""
        atom = _strip(atom)
        if atom is None:
            return None
        holds = not exits  # the atom's value where the write runs
        if atom.type == "binary_expression":
            operator = _text(_field(atom, "operator"))
            if operator not in ("===", "==", "!==", "!="):
                return None
            left, right = _field(atom, "left"), _field(atom, "right")
            for side, other in ((left, right), (right, left)):
                field = self._record_read(mod, side)
                value = self.evaluator.value(mod, other)
                if field and isinstance(value, Text):
                    return record_test(field, "equals", [value.text], operator in ("===", "=="), holds)
            return None
        method = _method_name(atom) if atom.type == "call_expression" else None
        operation = _RECORD_METHODS.get(method or "")
        args = _args(atom) if operation else []
        if not operation or len(args) != 1:
            return None
        receiver = _strip(_field(_field(atom, "function"), "object"))
        field = self._record_read(mod, receiver)
        literal = self.evaluator.value(mod, args[0])
        if field and isinstance(literal, Text):
            return record_test(field, operation, [literal.text], True, holds)
        if method == "includes" and receiver is not None and receiver.type == "array":
            field = self._record_read(mod, args[0])
            values = [self.evaluator.value(mod, element) for element in _kids(receiver)]
            texts = [value.text for value in values if isinstance(value, Text)]
            if field and texts and len(texts) == len(values):
                return record_test(field, "equals", texts, True, holds)
        return None

    def _record_read(self, mod: int, node: Optional[Node]) -> Optional[str]:
        node = _strip(node)
        if node is None or node.type not in ("identifier", "member_expression", "subscript_expression"):
            return None
        value = self.evaluator.value(mod, node)
        return record_field(_neutral_path(value.path)) if isinstance(value, EventPart) else None

    def _marker_test(self, mod: int, atom: Node) -> Optional[Tuple[str, bool]]:
        """(marker, whether the atom is true when the incoming message carries it) for
        `body.enriched`, `"processed" in attributes`, `x === undefined`, `x === true` ..."""
        atom = _strip(atom)
        if atom is None:
            return None
        if atom.type == "binary_expression":
            operator = _text(_field(atom, "operator"))
            left, right = _strip(_field(atom, "left")), _strip(_field(atom, "right"))
            if left is None or right is None:
                return None
            if operator == "in":
                needle, haystack = self.evaluator.value(mod, left), self.evaluator.value(mod, right)
                if isinstance(needle, Text) and isinstance(haystack, EventPart):
                    marker = marker_at(_neutral_path(haystack.path) + (needle.text,))
                    return (marker, True) if marker else None
                return None
            other = _text(right)
            if operator not in ("===", "==", "!==", "!=") or other not in ("undefined", "null", "true"):
                return None
            found = self._marker_read(mod, left)
            equal = operator in ("===", "==")
            return (found, equal == (other == "true")) if found else None
        found = self._marker_read(mod, atom)
        return (found, True) if found else None

    def _marker_read(self, mod: int, node: Node) -> Optional[str]:
        if node.type not in ("identifier", "member_expression", "subscript_expression"):
            return None
        value = self.evaluator.value(mod, node)
        return marker_at(_neutral_path(value.path)) if isinstance(value, EventPart) else None

    def _reads(self, mod: int, atom: Node, wanted: Any) -> bool:
        for node in _walk(atom, limit=300):
            self.budget.tick()
            if node.type in ("identifier", "member_expression", "subscript_expression"):
                if wanted(self.evaluator.value(mod, node)):
                    return True
        return False

    # -- key tests ---------------------------------------------------------------------------

    def _key_guard(self, mod: int, atom: Node, exits: bool) -> Optional[Tuple[Optional[Tuple[str, str, bool]]]]:
        """(key_test,) when atom tests the incoming key (key_test None when not literal)."""
        test = self._key_test(mod, atom)
        if test is None:
            nested = any(
                node.type == "call_expression" and self._key_call(mod, node) is not None
                for node in _walk(atom, limit=300)
            )
            return (None,) if nested else None
        operation, literal, positive, source = test
        if operation is None or literal is None or source != IncomingKey():
            return (None,)
        # where the write runs the atom is `not exits`; the key passes when that is `positive`
        return (key_tests([(operation, literal)], (not exits) == positive)[0],)

    def _key_test(self, mod: int, atom: Node) -> Optional[_KeyTest]:
        """(operation, literal, positive, key) for a test of the key: positive says whether
        the atom is true when the operation holds."""
        atom = _strip(atom)
        if atom is None:
            return None
        if atom.type == "binary_expression" and _text(_field(atom, "operator")) in _COMPARISONS:
            return self._key_comparison(mod, atom)
        call = self._key_call(mod, atom)
        if call is None:
            return None
        method, operation, literal, source = call
        if method in ("indexOf", "lastIndexOf", "search"):
            return None, None, True, source
        return operation, literal, True, source

    def _key_comparison(self, mod: int, atom: Node) -> Optional[_KeyTest]:
        operator = _text(_field(atom, "operator"))
        left, right = _field(atom, "left"), _field(atom, "right")
        call = self._key_call(mod, left)
        if call is not None:
            method, operation, literal, source = call
            read = _comparison_meaning(method, operation, operator, _text(_strip(right)))
            if read is None:
                return None, None, True, source
            return read[0], literal, read[1], source
        for side, other in ((left, right), (right, left)):
            key = _key_of(self.evaluator.value(mod, side))
            if mentions_incoming(key) and other is not None and _strip(other) is not None:
                return None, None, True, key
        return None

    def _key_call(self, mod: int, node: Optional[Node]) -> Optional[_KeyCall]:
        """(method, operation, literal, key) for key.startsWith("x"), /re/.test(key), ..."""
        node = _strip(node)
        method = _method_name(node) if node is not None and node.type == "call_expression" else None
        if method is None:
            return None
        receiver = _strip(_field(_field(node, "function"), "object"))
        args = _args(node)
        if not args or receiver is None:
            return None
        if method == "test" and receiver.type == "regex":
            source = _key_of(self.evaluator.value(mod, args[0]))
            operation, literal = _regex_operation(receiver) or (None, None)
            return (method, operation, literal, source) if mentions_incoming(source) else None
        names = _KEY_METHODS
        if method not in names and method not in ("lastIndexOf", "match", "search"):
            return None
        source = _key_of(self.evaluator.value(mod, receiver))
        if not mentions_incoming(source):
            return None
        pattern = _strip(args[0])
        if method in ("match", "search"):
            found = _regex_operation(pattern) if pattern is not None and pattern.type == "regex" else None
            return (method,) + (found or (None, None)) + (source,)
        literal = self.evaluator.value(mod, pattern)
        text = literal.text if isinstance(literal, Text) else None
        return method, names.get(method), text, source


def _event_field_kind(value: Value) -> Optional[str]:
    return event_field_kind(value.path) if isinstance(value, EventPart) else None


def _negated(node: Node) -> Optional[Node]:
    if node.type == "unary_expression" and _text(_field(node, "operator")) == "!":
        return _field(node, "argument")
    return None


_GUARD_SYNTAX = syntax_trees.GuardSyntax(_strip, _negated, _EXITS, frozenset({"statement_block"}))


def _atoms(condition: Optional[Node], exits_when_true: bool) -> List[Tuple[Node, bool]]:
    return syntax_trees.condition_atoms(condition, exits_when_true, _GUARD_SYNTAX)


def _exits(statement: Optional[Node]) -> bool:
    return syntax_trees.always_exits(statement, _GUARD_SYNTAX)


def _comparison_meaning(
    method: str, operation: Optional[str], operator: str, other: str
) -> Optional[Tuple[Optional[str], bool]]:
    """(operation, positive) for `key.indexOf("x") === 0`, `key.match(/re/) !== null`,
    `key.startsWith("x") === false` ...; None when the comparison says nothing usable."""
    equal, unequal = operator in ("===", "=="), operator in ("!==", "!=")
    if method in ("indexOf", "search") and other == "0" and (equal or unequal):
        return ("startswith" if method == "indexOf" else None), equal
    if method in ("indexOf", "search", "lastIndexOf"):
        op = "contains" if method == "indexOf" else None
        if other == "-1" and (equal or unequal):
            return op, unequal
        if (other == "-1" and operator == ">") or (other == "0" and operator == ">="):
            return op, True
        if other == "0" and operator == "<":
            return op, False
        return None
    if method == "match" and other == "null" and (equal or unequal):
        return operation, unequal
    if other in ("true", "false") and (equal or unequal):
        return operation, (other == "true") == equal
    return None


def _regex_operation(regex: Node) -> Optional[Tuple[str, str]]:
    """("startswith", "out/") for /^out\\//, ("endswith", ".png") for /\\.png$/, ("contains",
    x) for an unanchored literal; None for case-insensitive or non-literal patterns."""
    return regex_test(_text(_field(regex, "pattern")), ignore_case="i" in _text(_field(regex, "flags")))


# =============================================================================================
# Writes
# =============================================================================================


class _Writes:
    """Every SDK call in the files read that can emit an event, as facts.Write."""

    def __init__(self, evaluator: _Evaluator, guards: _Guards) -> None:
        self.evaluator = evaluator
        self.guards = guards
        self.bounds = _Bounds(evaluator)
        self.result = evaluator.program.result  # where the writes go
        self.sent: Set[Tuple[int, Node]] = set()
        self.commands: Dict[Tuple[int, Node], Command] = {}

    def find(self) -> None:
        for mod, source in enumerate(self.evaluator.program.sources):
            for node in source.index.calls if source.index is not None else []:
                if node.type == "call_expression":
                    self._call(mod, node)
                elif node.type == "new_expression":
                    self._new(mod, node)
        for (mod, node), command in self.commands.items():
            if (mod, node) not in self.sent:  # built but sent some way we did not see
                self._add(command.service, command.api, command.params, mod, node)

    def _call(self, mod: int, node: Node) -> None:
        method = self._called_method(mod, node)
        if method is None:
            return
        args = _args(node)
        if method == "send" and args:
            command = self.evaluator.value(mod, args[0])
            if isinstance(command, Command):
                self.sent.add((command.mod, command.node))
                if command.api not in _READ_APIS:
                    self._add(command.service, command.api, command.params, mod, node)
            return
        if method not in _ALL_METHOD_NAMES:
            return
        receiver = self.evaluator.value(mod, _field(_strip(_field(node, "function")), "object"))
        params = self.evaluator.value(mod, args[0]) if args else Unknown("no parameters")
        if isinstance(receiver, Client):
            api = _METHODS.get(receiver.methods, {}).get(method)
            if api is not None and api not in _READ_APIS:
                self._add(receiver.service, api, params, mod, node)
        elif isinstance(receiver, Unknown) or (isinstance(receiver, Package) and receiver.spec != "path"):
            guess = self._recognise(method, params)
            if guess is not None:
                self._add(guess[0], guess[1], params, mod, node)

    def _called_method(self, mod: int, node: Node) -> Optional[str]:
        """The method a call invokes: `x.m(...)`, or `x[name](...)` with a constant name. A
        computed name on an SDK client is noted as a problem: that call is not analysed."""
        callee = _strip(_field(node, "function"))
        if callee is None or callee.type != "subscript_expression":
            return _method_name(node)
        index = self.evaluator.value(mod, _field(callee, "index"))
        if isinstance(index, Text):
            return index.text
        if isinstance(self.evaluator.value(mod, _field(callee, "object")), Client):
            line, _ = _position(self.evaluator.program.sources[mod], node)
            self.result.incomplete(f"{self.evaluator.program.sources[mod].display}:{line}: "
                                   "SDK method chosen at run time; that call is not analysed")
        return None

    def _recognise(self, method: str, params: Value) -> Optional[Tuple[str, str]]:
        """A call on an object we could not identify (this.s3, a parameter, a client from an
        unknown package) that looks like an SDK call: its method name and a parameter only that
        service takes."""
        if not isinstance(params, ObjectLit):
            return None
        for table, methods in _METHODS.items():
            api = methods.get(method)
            if api is None or api in _READ_APIS:
                continue
            service = _service_of_table(table)
            identifying = sdk_catalog.identifying_params(service)
            if any(self.evaluator.object_property(params, name) is not None for name in identifying):
                return service, api
        return None

    def _new(self, mod: int, node: Node) -> None:
        constructor = self.evaluator.value(mod, _field(node, "constructor"))
        if constructor == Package(_LIB_STORAGE, "Upload"):
            args = _args(node)
            options = self.evaluator.value(mod, args[0]) if args else Unknown("no options")
            self._add("s3", "UploadFile", self.evaluator.member(mod, options, "params"), mod, node)
            return
        built = self.evaluator.value(mod, node)
        if isinstance(built, Command) and built.api not in _READ_APIS:
            self.commands[(mod, node)] = built

    # -- one write ---------------------------------------------------------------------------

    def _add(self, service: str, api: str, params: Value, mod: int, node: Node) -> None:
        source = self.evaluator.program.sources[mod]
        line, column = _position(source, node)
        read = read_write(sdk_catalog.row(service, api), _JsRequest(self.evaluator, params, mod))
        found = read.writes(source.display, line, column, self.guards.at(mod, node))
        bound, waits = self.bounds.at(mod, node, params) if found else (None, "")
        for slot, write in enumerate(found):
            write.bound = bound
            if bound is None and waits:
                write.details[WAITS_ON] = waits
            self.result.write(write, slot)


# =============================================================================================
# Bounds: a counter or deadline carried in the message, checked before a re-send
# =============================================================================================

# One step of a path from a write up to the handler: a helper function and the call into it.
_Level = Tuple[Node, _Site]
_JSON = "<json>"  # path step: JSON.parse of an event field
_EQUALITY = ("===", "!==", "==", "!=")


class _Bounds:
    """What bounds a write (loopcheck.code.bounds), read along every path of calls from the
    handler down to it, each path with its own arguments: a helper's parameter is what its
    caller on that path passes. A path whose checks select messages the write never sends
    (`body.Service === "X"` where the write sends Service "Y") only starts the chain; every
    other path must carry the bound for the write to have it."""

    def __init__(self, evaluator: _Evaluator) -> None:
        self.evaluator = evaluator
        self.budget = evaluator.budget
        self._active: Set[Tuple[int, Node]] = set()  # expressions being read (`const x = f(x)` ends)

    def at(self, mod: int, node: Node, params: Value) -> Tuple[Optional[Bound], str]:
        """(the bound of the write at node, the status check it runs under on every path: what
        re-sends it until outside state changes, "" when there is none)."""
        paths = self._paths(mod, node, 0, ())
        if len(paths) > MAX_BOUND_PATHS:
            return None, ""  # too many ways in to weigh each: no bound is claimed
        waits = self._waits_on(paths)
        if not isinstance(params, ObjectLit):
            return None, waits
        found: Optional[Bound] = None
        for path in paths:
            bound = self._on_path(mod, node, params, path)
            if bound is not None:
                found = found or bound
            elif not self._starts_chain(params, path):
                return None, waits
        return found, waits

    def _waits_on(self, paths: List[Tuple[Tuple[_Level, ...], List[Tuple[int, Node, bool]]]]) -> str:
        """The status check (a value read at run time, not from the event, compared with literal
        text) every path runs the write under, as `<test> (file:line)`; "" when a path has none
        or the paths differ (as a detail callers disagree on is dropped)."""
        found = []
        for levels, conditions in paths:
            found.append(next((text for test_mod, atom, _ in conditions
                               for text in [self._state_check(levels, test_mod, atom)] if text), ""))
        return found[0] if found and all(text == found[0] for text in found) else ""

    def _state_check(self, levels: Tuple[_Level, ...], mod: int, atom: Node) -> str:
        """`status !== "DONE"` where status is a value read at run time: the test as text."""
        if atom.type != "binary_expression" or _text(_field(atom, "operator")) not in _EQUALITY:
            return ""
        left, right = _field(atom, "left"), _field(atom, "right")
        for status_node, literal_node in ((left, right), (right, left)):
            if not isinstance(self.evaluator.value(mod, literal_node), Text):
                continue
            if isinstance(self._value(levels, mod, status_node), Unknown):
                display = self.evaluator.program.sources[mod].display
                return f"{shorten(' '.join(_text(atom).split()))} ({display}:{atom.start_point[0] + 1})"
        return ""

    # -- paths -------------------------------------------------------------------------------

    def _paths(self, mod: int, node: Node, depth: int, levels: Tuple[_Level, ...]
               ) -> List[Tuple[Tuple[_Level, ...], List[Tuple[int, Node, bool]]]]:
        """(levels, conditions) for each way the handler reaches node: the helpers entered and
        the tests (module, test, value where node runs) that dominate it on that way."""
        conditions, boundary = self._local(mod, node)
        if boundary is None or (mod, boundary) == self.evaluator.handler or depth >= MAX_CALLER_DEPTH:
            return [(levels, conditions)]
        calls = self.evaluator.calls
        sites = calls.sites_of(mod, boundary) if calls is not None else None
        if not sites or any(level[0] == boundary for level in levels):
            return [(levels, conditions)]
        out = []
        for site in sites:
            if site.kind != "call":
                out.append((levels, conditions))
                continue
            for above, more in self._paths(site.mod, site.call, depth + 1, levels + ((boundary, site),)):
                out.append((above, conditions + more))
        return out

    def _local(self, mod: int, node: Node) -> Tuple[List[Tuple[int, Node, bool]], Optional[Node]]:
        """The tests dominating node inside its function (as loopcheck's guards see them), and
        that function."""
        found: List[Tuple[int, Node, bool]] = []
        child, parent = node, self.evaluator.scopes.parent(node)
        while parent is not None:
            self.budget.tick()
            if parent.type in _FUNCTIONS:
                is_callback = parent.parent is not None and parent.parent.type == "arguments"
                if (mod, parent) == self.evaluator.handler or not is_callback:
                    return found, parent
            elif parent.type in _BLOCKS:
                for statement in _kids(parent):
                    if statement.end_byte > child.start_byte:
                        break
                    if statement.type == "if_statement" and _exits(_field(statement, "consequence")):
                        found.extend((mod, atom, not exits)
                                     for atom, exits in _atoms(_field(statement, "condition"), True))
            elif parent.type == "if_statement":
                condition = _field(parent, "condition")
                if child == _field(parent, "consequence"):
                    found.extend((mod, atom, not exits) for atom, exits in _atoms(condition, False))
                elif child == _field(parent, "alternative"):
                    found.extend((mod, atom, not exits) for atom, exits in _atoms(condition, True))
            child, parent = parent, self.evaluator.scopes.parent(parent)
        return found, None

    # -- one path ----------------------------------------------------------------------------

    def _on_path(self, mod: int, node: Node, params: ObjectLit, path: Tuple[Tuple[_Level, ...], list]
                 ) -> Optional[Bound]:
        levels, conditions = path
        checks = []
        for test_mod, atom, holds in conditions:
            if atom.type != "binary_expression":
                continue
            operator = _text(_field(atom, "operator"))
            left = self._side(levels, test_mod, _field(atom, "left"))
            right = self._side(levels, test_mod, _field(atom, "right"))
            if operator not in ("<", "<=", ">", ">=") or left is None or right is None:
                continue
            carried = _field(atom, "left") if left.kind in ("field", "elapsed") else _field(atom, "right")
            text = shorten(" ".join(_text(atom).split()))
            line = atom.start_point[0] + 1
            check = comparison_check(left, operator, right, holds, _text(carried), line, text,
                                     self.evaluator.program.sources[test_mod].display)
            if check is not None:
                checks.append(check)
        if not checks:
            return None
        incremented: List[Tuple[str, ...]] = []
        carried_paths: List[Tuple[str, ...]] = []
        self._sent(levels, params, incremented, carried_paths, 0)
        delay_node = _property_node(params, "DelaySeconds")
        delay = self._side(levels, params.mod, delay_node) if delay_node is not None else None
        seconds = delay.number if delay is not None and delay.kind == "number" else None
        display = self.evaluator.program.sources[mod].display
        return bound_of(checks, incremented, carried_paths, seconds, display)

    def _sent(self, levels: Tuple[_Level, ...], obj: ObjectLit, incremented: List[Tuple[str, ...]],
              carried: List[Tuple[str, ...]], depth: int) -> None:
        """The message fields an object literal sends on: incremented counters, and parts of
        the incoming message carried unchanged (in its properties, spreads and JSON text)."""
        if depth > 4:
            return
        for element in _kids(obj.node):
            self.budget.tick()
            if element.type == "pair":
                value_node = _field(element, "value")
            elif element.type == "shorthand_property_identifier":
                value_node = element
            elif element.type == "spread_element" and _kids(element):
                value_node = _kids(element)[0]
            else:
                continue
            side = self._side(levels, obj.mod, value_node)
            if side is not None and side.kind == "field":
                (incremented if side.step else carried).append(side.field)
                continue
            value = self._value(levels, obj.mod, value_node)
            if isinstance(value, ObjectLit):
                self._sent(levels, value, incremented, carried, depth + 1)

    def _starts_chain(self, params: ObjectLit, path: Tuple[Tuple[_Level, ...], list]) -> bool:
        """Whether a test on this path selects messages whose field the write sets otherwise:
        `body.Service === "X"` holds where the write runs, and it sends Service "Y"."""
        levels, conditions = path
        sent = self._sent_literals(levels, params, 0)
        for test_mod, atom, holds in conditions:
            if atom.type != "binary_expression" or _text(_field(atom, "operator")) not in ("===", "=="):
                continue
            if not holds:
                continue
            for field_node, literal_node in ((_field(atom, "left"), _field(atom, "right")),
                                             (_field(atom, "right"), _field(atom, "left"))):
                field = self._value(levels, test_mod, field_node)
                literal = self.evaluator.value(test_mod, literal_node)
                if isinstance(field, EventPart) and isinstance(literal, Text) and field.path:
                    written = sent.get(field.path[-1])
                    if written is not None and written != literal.text:
                        return True
        return False

    def _sent_literals(self, levels: Tuple[_Level, ...], obj: ObjectLit, depth: int) -> Dict[str, str]:
        """The literal text fields a message object sends (through JSON.stringify too)."""
        found: Dict[str, str] = {}
        for element in _kids(obj.node):
            if element.type != "pair":
                continue
            name = self.evaluator._pair_key(obj.mod, element)
            value = self._value(levels, obj.mod, _field(element, "value"))
            if name is not None and isinstance(value, Text):
                found[name] = value.text
            elif isinstance(value, ObjectLit) and depth < 4:
                found.update(self._sent_literals(levels, value, depth + 1))
        return found

    # -- values along a path -----------------------------------------------------------------

    def _value(self, levels: Tuple[_Level, ...], mod: int, node: Optional[Node]) -> Value:
        """What node holds on this path: a helper's parameter is its caller's argument here;
        JSON.parse of a message field is that field's content."""
        node = _strip(node)
        if node is None or (mod, node) in self._active or len(self._active) >= MAX_EVAL_DEPTH:
            return Unknown("missing")
        self._active.add((mod, node))
        try:
            return self._path_value(levels, mod, node)
        finally:
            self._active.discard((mod, node))

    def _path_value(self, levels: Tuple[_Level, ...], mod: int, node: Node) -> Value:
        self.budget.tick()
        if node.type in ("identifier", "shorthand_property_identifier"):
            binding = self.evaluator.scopes.find(node, _text(node))
            base: Optional[Value] = None
            if binding is not None and binding.kind == "param":
                site = next((level[1] for level in levels if level[0] == binding.node), None)
                args = _args(site.call) if site is not None else []
                if site is not None and binding.index < len(args):
                    base = self._value(levels, site.mod, args[binding.index])
            elif binding is not None and binding.kind == "decl" and binding.detail == "const":
                base = self._value(levels, mod, _field(binding.node, "value"))
            if base is not None:
                for step in binding.path:  # type: ignore[union-attr]
                    base = self.evaluator.member(mod, base, step)
                return base
        if node.type in ("member_expression", "subscript_expression"):
            target = self._value(levels, mod, _field(node, "object"))
            if node.type == "member_expression":
                prop: Optional[str] = _text(_field(node, "property"))
            else:
                prop = self.evaluator._index_name(mod, _field(node, "index"))
            if prop is not None and not isinstance(target, Unknown):
                return self.evaluator.member(mod, target, prop)
        callee = _text(_field(node, "function")) if node.type == "call_expression" else ""
        if callee in ("JSON.parse", "JSON.stringify"):
            args = _args(node)
            inner = self._value(levels, mod, args[0]) if args else Unknown("no argument")
            if callee == "JSON.stringify":
                return inner
            return EventPart(inner.path + (_JSON,)) if isinstance(inner, EventPart) else Unknown("parsed JSON")
        return self.evaluator.value(mod, node)

    def _side(self, levels: Tuple[_Level, ...], mod: int, node: Optional[Node]) -> Optional[Side]:
        """One side of a comparison (or a value sent) as loopcheck.code.bounds reads it."""
        node = _strip(node)
        key = (mod, node, "side")
        if node is None or key in self._active or len(self._active) >= MAX_EVAL_DEPTH:
            return None
        self._active.add(key)  # type: ignore[arg-type]
        try:
            return self._read_side(levels, mod, node)
        finally:
            self._active.discard(key)  # type: ignore[arg-type]

    def _read_side(self, levels: Tuple[_Level, ...], mod: int, node: Node) -> Optional[Side]:
        self.budget.tick()
        kind = node.type
        if kind == "number":
            try:
                return Side("number", number=float(_text(node)))
            except ValueError:
                return None
        if kind == "binary_expression":
            return self._arithmetic(levels, mod, node)
        if kind == "new_expression" and _text(_field(node, "constructor")) == "Date":
            args = _args(node)
            return Side("clock") if not args else self._side(levels, mod, args[0])
        if kind == "call_expression":
            callee = _strip(_field(node, "function"))
            name = _text(callee) if callee is not None else ""
            args = _args(node)
            if name in JS_CLOCK_CALLS:
                return Side("clock")
            if name in ("Number", "parseInt", "parseFloat", "Date.parse") and args:
                return self._side(levels, mod, args[0])
            is_method = callee is not None and callee.type == "member_expression"
            method = _text(_field(callee, "property")) if is_method else ""
            if method in ("getTime", "valueOf"):
                return self._side(levels, mod, _field(callee, "object"))
        if kind == "identifier":
            binding = self.evaluator.scopes.find(node, _text(node))
            if binding is not None and (binding.kind, binding.detail, binding.path) == ("decl", "const", ()):
                init = _strip(_field(binding.node, "value"))
                if init is not None and init.type in ("binary_expression", "call_expression", "new_expression",
                                                      "number"):
                    return self._side(levels, mod, init)
        value = self._value(levels, mod, node)
        if isinstance(value, EventPart):
            return Side("field", value.path)
        if isinstance(value, Env):
            return Side("env", env=value.name)
        if isinstance(value, NumberLit):
            return Side("number", number=float(value.text))
        return None

    def _arithmetic(self, levels: Tuple[_Level, ...], mod: int, node: Node) -> Optional[Side]:
        """A carried number plus a constant; the clock minus a carried time; that scaled."""
        operator = _text(_field(node, "operator"))
        left = self._side(levels, mod, _field(node, "left"))
        if operator in ("||", "??"):  # `body.attempt || 0`: the carried value, or its start
            return left
        right = self._side(levels, mod, _field(node, "right"))
        if left is None or right is None:
            return None
        number = right.number if right.kind == "number" else None
        positive_whole = number is not None and number > 0 and number.is_integer()
        if operator == "+" and left.kind == "field" and positive_whole:
            return Side("field", left.field, step=left.step + int(number or 0))
        if operator == "-" and left.kind == "clock" and right.kind == "field" and not right.step:
            return Side("elapsed", right.field, scale=JS_CLOCK_SCALE)
        if left.kind == "elapsed" and number:
            if operator == "/":
                return Side("elapsed", left.field, scale=left.scale * number)
            if operator == "*":
                return Side("elapsed", left.field, scale=left.scale / number)
        return None


class _JsValue(NeutralValue):
    """An abstract value of this evaluator as loopcheck.code.requests reads it; `node` is the
    expression that computed it, when known (item changes are read from its syntax)."""

    def __init__(self, evaluator: _Evaluator, value: Value, mod: int, node: Optional[Node] = None) -> None:
        self.evaluator = evaluator
        self.value = value
        self.mod = mod
        self.node = node

    def _wrap(self, value: Value, node: Optional[Node] = None, mod: Optional[int] = None) -> _JsValue:
        return _JsValue(self.evaluator, value, self.mod if mod is None else mod, node)

    def why(self) -> str:
        return self.value.why if isinstance(self.value, Unknown) else ""

    def literal(self) -> Optional[str]:
        return self.value.text if isinstance(self.value, Text) else None

    def target(self) -> Target:
        return _target_of(self.value)

    def key(self) -> KeyExpr:
        return _key_of(self.value)

    def change(self) -> Tuple[str, str]:
        if self.node is None:
            return UNKNOWN, ""
        return _ItemChange(self.evaluator).of_node(self.mod, self.node)

    def is_record(self) -> bool:
        return isinstance(self.value, ObjectLit)

    def field(self, name: str) -> Optional[NeutralValue]:
        if isinstance(self.value, ObjectLit):
            found = self.evaluator.object_property(self.value, name)
            if found is None:
                return None
            return self._wrap(found, _property_node(self.value, name), self.value.mod)
        return self._wrap(self.value if isinstance(self.value, Unknown) else Unknown(f"{name} of a non-object"))

    def field_names(self) -> Optional[List[NeutralValue]]:
        if isinstance(self.value, EventPart):
            keys = self.evaluator._mutated_fields(self.value)
        elif isinstance(self.value, ObjectLit):
            keys = self.evaluator.object_keys(self.value)
            if keys is None and self._spreads_message_only():
                keys = self.evaluator.object_keys(self.value, skip_spreads=True)
        else:
            keys = None
        return None if keys is None else [self._wrap(key) for key in keys]

    def _spreads_message_only(self) -> bool:
        """`{ ...body, enriched: true }`: every spread is the incoming message."""
        assert isinstance(self.value, ObjectLit)
        spreads = [element for element in _kids(self.value.node) if element.type == "spread_element"]
        values = [self.evaluator.value(self.value.mod, _kids(spread)[0] if _kids(spread) else None)
                  for spread in spreads]
        return all(isinstance(value, EventPart) and is_message(_neutral_path(value.path)) for value in values)

    def is_message(self) -> bool:
        if isinstance(self.value, ObjectLit):
            return self.field_names() is not None and self.evaluator.object_keys(self.value) is None
        return isinstance(self.value, EventPart) and is_message(_neutral_path(self.value.path))

    def serialised(self) -> Optional[NeutralValue]:
        return self._wrap(self.value.value) if isinstance(self.value, JsonText) else None


    def items(self) -> Optional[List[NeutralValue]]:
        if not isinstance(self.value, ArrayLit):
            return None
        elements = _kids(self.value.node)
        if any(element.type == "spread_element" for element in elements):
            return None
        mod = self.value.mod
        return [self._wrap(self.evaluator.value(mod, element), element, mod) for element in elements]

    def first(self) -> Optional[NeutralValue]:
        elements = _kids(self.value.node) if isinstance(self.value, ArrayLit) else []
        node = elements[0] if elements and elements[0].type != "spread_element" else None
        mod = self.value.mod if isinstance(self.value, ArrayLit) else self.mod
        return self._wrap(self.evaluator.member(mod, self.value, "0"), node, mod)


class _JsRequest(Request):
    """The parameters object of an SDK call (v2 method argument, v3 command input)."""

    def __init__(self, evaluator: _Evaluator, params: Value, mod: int) -> None:
        self.params = _JsValue(evaluator, params, mod)

    def arg(self, name: str) -> Optional[NeutralValue]:
        if isinstance(self.params.value, (ObjectLit, Unknown)):
            return self.params.field(name)
        return self.params._wrap(Unknown("parameters are not an object"))


def _property_node(obj: ObjectLit, name: str) -> Optional[Node]:
    """The expression of an object literal's property `name` (its last `name: value` pair;
    None after a spread or when absent)."""
    found: Optional[Node] = None
    for element in _kids(obj.node):
        if element.type == "pair" and _property_name(_field(element, "key")) == name:
            found = _field(element, "value")
        elif element.type == "shorthand_property_identifier" and _text(element) == name:
            found = element
        elif element.type == "spread_element":
            found = None
    return found


class _ItemChange:
    """Whether a PutItem / UpdateItem writes something new on every call (see
    loopcheck.code.item_change): read from the syntax of the values, following constants."""

    _CONVERSIONS = frozenset({"Math.floor", "Math.round", "Math.ceil", "Math.trunc", "String", "Number",
                              "BigInt", "parseInt", "parseFloat", "JSON.stringify"})

    def __init__(self, evaluator: _Evaluator) -> None:
        self.evaluator = evaluator
        self.depth = 0

    def of_value(self, value: Optional[Value]) -> Tuple[str, str]:
        if isinstance(value, (Text, NumberLit, Env)):
            return STABLE, ""
        if isinstance(value, EventPart):
            return (STABLE, "") if _is_key_path(value.path) else (UNKNOWN, "")
        if isinstance(value, Computed):
            return key_change(value.expr)
        if isinstance(value, (ObjectLit, ArrayLit)):
            return self.of_node(value.mod, value.node)
        return UNKNOWN, ""

    def of_node(self, mod: int, node: Optional[Node]) -> Tuple[str, str]:
        """The verdict of an expression written into an item, from its syntax."""
        node = _strip(node)
        if node is None or self.depth > 40:
            return UNKNOWN, ""
        self.depth += 1
        try:
            return self._of_node(mod, node)
        finally:
            self.depth -= 1

    def _of_node(self, mod: int, node: Node) -> Tuple[str, str]:
        kind = node.type
        if kind in ("string", "number", "true", "false", "null"):
            return STABLE, ""
        if kind == "new_expression":
            constructor = _text(_field(node, "constructor"))
            if constructor in JS_CHANGING_CONSTRUCTORS and not _args(node):
                return CHANGING, f"new {constructor}()"
            return UNKNOWN, ""
        if kind == "call_expression":
            callee = _strip(_field(node, "function"))
            name = _text(callee)
            if name in JS_CHANGING_CALLS:
                return CHANGING, f"{name}()"
            if callee is not None and callee.type == "member_expression":  # new Date().toISOString()
                verdict, why = self.of_node(mod, _field(callee, "object"))
                if verdict == CHANGING:
                    return verdict, why
            if name in self._CONVERSIONS:
                return self._combined(mod, _args(node))
            return UNKNOWN, ""
        if kind == "binary_expression":
            return self._combined(mod, [_field(node, "left"), _field(node, "right")])
        if kind == "template_string":
            return self._combined(mod, [_strip(_kids(k)[0]) if _kids(k) else None for k in _kids(node)
                                        if k.type == "template_substitution"])
        if kind in ("object", "array"):
            parts: List[Optional[Node]] = []
            for element in _kids(node):
                if element.type == "pair":
                    parts.append(_field(element, "value"))
                elif element.type in ("spread_element", "method_definition"):
                    return UNKNOWN, ""
                else:
                    parts.append(element)
            return self._combined(mod, parts)
        known = self.of_value(self.evaluator.value(mod, node))  # constants, env, the incoming key
        if known[0] == UNKNOWN and kind in ("identifier", "shorthand_property_identifier"):
            binding = self.evaluator.scopes.find(node, _text(node))
            constant = binding is not None and binding.kind == "decl" and binding.detail == "const"
            if constant and not binding.path:
                return self.of_node(mod, _field(binding.node, "value"))  # const now = Date.now()
        return known

    def _combined(self, mod: int, nodes: List[Optional[Node]]) -> Tuple[str, str]:
        found = [self.of_node(mod, n) for n in nodes]
        return combine(v for v, _ in found), next((why for v, why in found if v == CHANGING), "")


def _target_of(value: Value) -> Target:
    if isinstance(value, Text):
        return Target("literal", value.text)
    if isinstance(value, Env):
        return env_target(value.name)
    if isinstance(value, EventPart) and names_event_source(_neutral_path(value.path)):
        return Target("event-source")
    if isinstance(value, ContextPart) and value.path in (("functionName",), ("invokedFunctionArn",)):
        return Target("self")
    if isinstance(value, Unknown):
        return Target("unknown", value.why or "not resolved")
    if isinstance(value, Computed):
        return event_source_target(value.expr) or Target("unknown", "computed text")
    return Target("unknown", f"a {type(value).__name__.lower()}, not a name")


def _position(source: _Source, node: Node) -> Tuple[int, int]:
    """1-based line and character column of node."""
    row, byte_column = node.start_point[0], node.start_point[1]
    return row + 1, source_files.character_column(source.data, node.start_byte - byte_column, node.start_byte)


# =============================================================================================
# Public entry points
# =============================================================================================


def _facts_language(language: Optional[str]) -> str:
    return "typescript" if language in ("typescript", "tsx") else "javascript"


def _analyse_program(program: _Program, function_name: str) -> None:
    """Find the writes of the files read (unless one does not parse) into program.result."""
    result = program.result
    if not result.analysed:  # a syntax error: nothing trustworthy
        return
    evaluator = _Evaluator(program)
    handler_name = function_name.rsplit(".", 1)[-1]
    evaluator.handler = evaluator.find_handler(handler_name)
    if evaluator.handler is None:
        result.problem(f"{result.files[0]}: handler {handler_name!r} not found; the event is not followed")
    calls = _CallIndex(evaluator)
    calls.build()
    evaluator.calls = calls
    evaluator.forget()
    _Writes(evaluator, _Guards(evaluator)).find()


def _analyse(program: _Program, display: str, real: Optional[pathlib.Path], data: bytes, grammar: str,
             function_name: str) -> CodeFacts:
    """Parse the entry file, follow its imports and find the writes."""

    def analysis() -> None:
        program.add(display, real, data, grammar, 0)
        program.follow_imports()
        _analyse_program(program, function_name)

    return program.result.run(display, analysis)


def analyse_js(
    entry_file: pathlib.Path, function_name: str, root: pathlib.Path, max_depth: int = 3
) -> CodeFacts:
    """Facts about the handler `function_name` exported by entry_file, following relative
    imports inside root (at most max_depth imports away). Never runs the code; never raises for
    bad code (syntax errors give analysed=False; a budget used up too, with a note)."""
    language = _facts_language(_language_of(str(entry_file)))
    if not _tree_sitter_available():
        return not_analysed(language, syntax_trees.NOT_INSTALLED)
    folder = CodeFolder(pathlib.Path(root), max_depth, MAX_FILES)
    real, data, problem = folder.entry(pathlib.Path(entry_file))
    if real is None or data is None:
        return not_analysed(language, problem or f"{entry_file}: not read", [str(entry_file)])
    grammar = _language_of(str(real)) or "javascript"
    program = _Program(folder, FactsBuilder(language))
    return _analyse(program, str(entry_file), real, data, grammar, function_name)


def analyse_js_source(text: str, filename: str, function_name: str, typescript: bool = False) -> CodeFacts:
    """Facts about inline handler code (a template's ZipFile / InlineCode); imports of sibling
    modules cannot be followed."""
    language = "typescript" if typescript else "javascript"
    if not _tree_sitter_available():
        return not_analysed(language, syntax_trees.NOT_INSTALLED)
    data, problem = source_files.inline_bytes(text, filename)
    if data is None:
        return not_analysed(language, problem or f"{filename}: not read", [filename])
    grammar = "tsx" if typescript and filename.endswith(".tsx") else language
    return _analyse(_Program(CodeFolder(None, 0), FactsBuilder(language)), filename, None, data, grammar,
                    function_name)
