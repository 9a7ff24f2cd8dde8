"""Stage 2, resolve: turn intrinsic-function expressions into symbolic string patterns.

A value is a tuple of alternatives (`Fn::If` keeps both branches, `Fn::FindInMap` with a
symbolic key keeps every row). Each alternative is a `Pattern`: literal text interleaved
with `Symbol`s for what a template cannot know (a generated name, a parameter without a
default, an import). Two expressions name the same thing when their patterns are equal, so
`!Sub '${AWS::StackName}-archive'` on both sides, or a bucket's `BucketName` and a policy
ARN built from the same parameter, line up without deploying anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import Any, Dict, FrozenSet, List, NamedTuple, Optional, Protocol, Set, Tuple, Union

from loopcheck.resolve.origin import NodeKey

MAX_ALTERNATIVES = 32
MAX_DEPTH = 24

# Pseudo parameters whose value is the same wherever they appear in one stack's ARNs.
# Fixing them keeps `arn:${AWS::Partition}:s3:::b` and `arn:aws:s3:::b` equal.
_FIXED_PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
# Pseudo parameters each stack instance has its own value of: two stacks'
# `${AWS::StackName}-bucket` never name the same bucket.
_PER_STACK_PSEUDO = ("AWS::StackName", "AWS::StackId", "AWS::NotificationARNs")
NO_VALUE = "AWS::NoValue"
_SSM_REFERENCE = "{{resolve:ssm:"
_NOT_LINKED = object()  # no link gives a name (refers_to goes on as for one template)


class Symbol(NamedTuple):
    """Something the template names but cannot spell out.

    A NamedTuple rather than a frozen dataclass: the resolver makes, hashes and compares
    symbols more than any other object, and a tuple does that in C (about 4% of an analysis).
    Nothing compares a symbol with a plain tuple."""

    kind: str  # "resource" | "parameter" | "pseudo" | "import" | "unknown"
    name: str  # as its template wrote it
    attribute: str = ""
    # The stack instance it belongs to in a group of linked templates (loopcheck.stacks.linker),
    # -1 for one template: `Ref Bucket` in two stacks names two buckets, and
    # `${AWS::StackName}` two stacks' names.
    stack: int = -1
    # An import's name as a pattern, when it holds symbols of a stack (its text alone does not tell
    # two stacks' apart).
    of: Optional[Pattern] = None

    def __str__(self) -> str:
        if self.kind == "unknown":
            return "<unknown>"
        if self.kind == "import":
            return f"${{ImportValue {self.name}}}"
        return f"${{{self.name}.{self.attribute}}}" if self.attribute else f"${{{self.name}}}"

    @property
    def key(self) -> str:
        """The symbol as text that keeps two different symbols apart (`str` may not)."""
        if self.of is not None:
            return f"${{ImportValue {self.of.key}}}"
        return str(self) if self.stack < 0 else f"{self}@{self.stack}"


Part = Union[str, Symbol]


@dataclass(frozen=True)
class Pattern:
    """One possible string: literal text and symbols, adjacent literals merged."""

    parts: Tuple[Part, ...]
    conditions: FrozenSet[str] = frozenset()  # "IsProd" / "!IsProd" for Fn::If branches

    def __str__(self) -> str:
        return "".join(str(part) for part in self.parts)

    @property
    def key(self) -> str:
        """The pattern as text that keeps two different patterns apart, for matching by text
        (`str` shows names as written, and two stacks may write the same name)."""
        return "".join(part if isinstance(part, str) else part.key for part in self.parts)

    @property
    def literal(self) -> Optional[str]:
        """The whole string when it has no symbolic part."""
        if all(isinstance(part, str) for part in self.parts):
            return "".join(self.parts)  # type: ignore[arg-type]
        return None

    @property
    def is_unknown(self) -> bool:
        return any(isinstance(p, Symbol) and p.kind == "unknown" for p in self.parts)


Value = Tuple[Pattern, ...]


@lru_cache(maxsize=4096)
def literal(text: str) -> Pattern:
    # Patterns are immutable and the same pieces (`arn:aws:s3:::`, `/*`, `:`) recur
    # thousands of times: share them rather than build each again.
    return Pattern((text,) if text else ())


def concat(pieces: List[Pattern]) -> Optional[Pattern]:
    """Join patterns; None when their Fn::If conditions contradict each other."""
    parts: List[Part] = []
    conditions: set = set()
    for piece in pieces:
        if piece.conditions:
            conditions |= piece.conditions
        for part in piece.parts:
            if type(part) is str:
                if not part:
                    continue
                if parts and type(parts[-1]) is str:
                    parts[-1] += part
                    continue
            parts.append(part)
    if conditions and any("!" + c in conditions for c in conditions if not c.startswith("!")):
        return None
    return Pattern(tuple(parts), frozenset(conditions))


def _combine(values: List[Value]) -> Value:
    """Every concatenation of one alternative per value, built left to right so that
    contradicting Fn::If arms and duplicates drop out at each step: the work stays
    proportional to the number of parts, never to the product of their alternatives."""
    if all(len(value) == 1 for value in values):  # the usual case: no alternatives
        joined = concat([value[0] for value in values])
        return (joined,) if joined is not None else ()
    combined: List[Pattern] = [Pattern(())]
    for value in values:
        step: List[Pattern] = []
        for head, tail in product(combined, value):
            joined = concat([head, tail])
            if joined is not None and joined not in step:
                step.append(joined)
                if len(step) >= MAX_ALTERNATIVES:
                    break
        combined = step
        if not combined:
            break
    return tuple(combined)


_SUB_VAR = re.compile(r"\$\{([^}]*)\}")

# What `Ref` and `Fn::GetAtt` give for the resource types whose names matter to the graph:
# the property that sets the name, and the ARN shape built from that name (CloudFormation
# resource reference, "Return values" of each type).
_REGION = Symbol("pseudo", "AWS::Region")
_ACCOUNT = Symbol("pseudo", "AWS::AccountId")


def _arn(service: str, resource_head: str) -> Tuple[Part, ...]:
    return (f"arn:aws:{service}:", _REGION, ":", _ACCOUNT, ":" + resource_head)


_NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::DynamoDB::GlobalTable": "TableName",
    "AWS::Serverless::SimpleTable": "TableName",
    "AWS::Kinesis::Stream": "Name",
    "AWS::Events::EventBus": "Name",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::Serverless::StateMachine": "Name",
    "AWS::KinesisFirehose::DeliveryStream": "DeliveryStreamName",
}
_ARN_PREFIX = {
    "AWS::S3::Bucket": ("arn:aws:s3:::",),
    "AWS::Lambda::Function": _arn("lambda", "function:"),
    "AWS::SQS::Queue": _arn("sqs", ""),
    "AWS::SNS::Topic": _arn("sns", ""),
    "AWS::DynamoDB::Table": _arn("dynamodb", "table/"),
    "AWS::Kinesis::Stream": _arn("kinesis", "stream/"),
    "AWS::Events::EventBus": _arn("events", "event-bus/"),
    "AWS::StepFunctions::StateMachine": _arn("states", "stateMachine:"),
    "AWS::KinesisFirehose::DeliveryStream": _arn("firehose", "deliverystream/"),
}
_ARN_PREFIX["AWS::Serverless::Function"] = _ARN_PREFIX["AWS::Lambda::Function"]
_ARN_PREFIX["AWS::DynamoDB::GlobalTable"] = _ARN_PREFIX["AWS::DynamoDB::Table"]
_ARN_PREFIX["AWS::Serverless::SimpleTable"] = _ARN_PREFIX["AWS::DynamoDB::Table"]
_ARN_PREFIX["AWS::Serverless::StateMachine"] = _ARN_PREFIX["AWS::StepFunctions::StateMachine"]
_NAME_ATTRIBUTES = {
    "AWS::S3::Bucket": ("Name",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::Events::EventBus": ("Name",),
    "AWS::StepFunctions::StateMachine": ("Name",),
    "AWS::Serverless::StateMachine": ("Name",),
}
# Attributes that give the ARN besides `Arn`.
_ARN_ATTRIBUTES = {"AWS::SNS::Topic": ("TopicArn",), "AWS::SQS::Queue": ("Arn",)}
# What `Ref` gives when it is not the name: SNS topics and state machines give the ARN, SQS
# queues the URL.
_REF_KIND = {
    "AWS::SNS::Topic": "arn",
    "AWS::StepFunctions::StateMachine": "arn",
    "AWS::Serverless::StateMachine": "arn",
    "AWS::SQS::Queue": "url",
}


# What a link gives for a name: the expressions (each with the resolver of the stack
# instance that wrote it) the name stands for; more than one when several stacks offer it.
Targets = List[Tuple["Resolver", Any]]


class Link(Protocol):
    """How the resolver of one stack instance of a linked group (loopcheck.stacks.linker) reaches
    the others: what a bound parameter, a nested stack's output, an import or an SSM reference
    stands for."""

    # (resolver, node) pairs being resolved through a link: a pair met again refers to itself.
    busy: Set[Tuple[int, int]]

    def resolver(self, stack: int) -> Resolver:
        """The resolver of a stack instance."""

    def targets(self, stack: int, kind: str, name: Any, attribute: str = "") -> Optional[Targets]:
        """What `name` stands for in stack instance `stack`, or None when no link gives it.
        `kind`: "parameter" (a parameter's name), "output" (a nested stack's logical id and,
        as `attribute`, its output's name), "import" (the argument of Fn::ImportValue) or
        "ssm" (a `{{resolve:ssm:...}}` reference)."""


class Resolver:
    """Resolves values of one template, or of one stack instance of a linked group (`stack` its
    number, `link` how it reaches the others; its public surface then names nodes by NodeKey).
    Bounded in depth and in alternatives."""

    def __init__(self, template: Dict[str, Any], stack: int = -1, link: Optional[Link] = None):
        self.stack = stack
        self.link = link
        self.parameters = _mapping(template.get("Parameters"))
        self.resources = _mapping(template.get("Resources"))
        self.mappings = _mapping(template.get("Mappings"))
        self._names: Dict[str, Value] = {}
        # Values of intrinsic nodes already resolved, by node identity: YAML aliases share
        # one node, and a chain of aliased Fn::If must not be walked once per path.
        self._memo: Dict[int, Tuple[Any, Value]] = {}
        self._subs: Dict[str, Value] = {}  # Fn::Sub text without variables -> its value
        self._arns: Dict[str, Value] = {}  # logical id -> its ARN patterns
        self._resolving: set = set()
        self._unknown_count = 0

    # -- public surface -------------------------------------------------------------------
    def display(self, name: Any) -> str:
        """A logical id (or parameter) as text names it: as its own template wrote it."""
        return name.logical_id if isinstance(name, NodeKey) else name

    def _symbol(self, kind: str, name: str, attribute: str = "") -> Symbol:
        return Symbol(kind, name, attribute, self.stack)

    def node_key(self, logical_id: str) -> Any:
        """How the public surface names a node of this template."""
        return logical_id if self.stack < 0 else NodeKey(self.stack, logical_id)

    def _owner(self, key: Any) -> Tuple[Resolver, str]:
        """The resolver of the stack instance a node belongs to, and its logical id there."""
        if isinstance(key, NodeKey):
            owner = self if key.stack == self.stack or self.link is None else self.link.resolver(key.stack)
            return owner, key.logical_id
        return self, key

    def resource(self, key: Any) -> Any:
        """A node's resource as its template wrote it (None when it has none)."""
        owner, logical_id = self._owner(key)
        return owner.resources.get(logical_id)

    def value(self, node: Any) -> Value:
        """All the strings `node` may stand for."""
        return self._value(node, 0)

    def refers_to(self, node: Any) -> Optional[Any]:
        """The node a `Ref`/`Fn::GetAtt` (or `!Sub '${X.Arn}'`) names, if any: its logical id,
        or for a stack instance of a linked group its NodeKey, through what links it to
        another instance (a bound parameter, an output, an import, an SSM reference) when
        that is one expression."""
        if isinstance(node, dict) and len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref" and isinstance(arg, str):
                if arg in self.resources:
                    return self.node_key(arg)
                return self._refers_through("parameter", arg, "", None)
            if key == "Fn::GetAtt":
                target = _getatt_args(arg)
                if target and target[1].startswith("Outputs."):
                    found = self._refers_through("output", target[0], target[1][len("Outputs."):], _NOT_LINKED)
                    if found is not _NOT_LINKED:
                        return found
                if target and target[0] in self.resources:
                    return self.node_key(target[0])
            if key == "Fn::Sub" and isinstance(arg, str):
                match = re.fullmatch(r"\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}", arg)
                if match and (match.group(2) or "").startswith(".Outputs."):
                    found = self._refers_through("output", match.group(1), match.group(2)[len(".Outputs."):],
                                                 _NOT_LINKED)
                    if found is not _NOT_LINKED:
                        return found
                if match and match.group(1) in self.resources:
                    return self.node_key(match.group(1))
                if match and not match.group(2):
                    return self._refers_through("parameter", match.group(1), "", None)
            if key == "Fn::ImportValue":
                return self._refers_through("import", arg, "", None)
        elif isinstance(node, str) and node.startswith(_SSM_REFERENCE):
            return self._refers_through("ssm", node, "", None)
        return None

    def _refers_through(self, kind: str, name: Any, attribute: str, otherwise: Any) -> Optional[Any]:
        """What a link's one expression refers to (None when it gives several, or comes back
        to itself), or `otherwise` when no link gives the name."""
        if self.link is None:
            return otherwise
        targets = self.link.targets(self.stack, kind, name, attribute)
        if not targets:
            return otherwise
        if len(targets) > 1:
            return None
        resolver, node = targets[0]
        guard = (id(resolver), id(node))
        if guard in self.link.busy:
            return None
        self.link.busy.add(guard)
        try:
            return resolver.refers_to(node)
        finally:
            self.link.busy.discard(guard)

    def _through(self, targets: Targets, depth: int) -> Value:
        """The value of what a link gives: every expression's alternatives, each resolved
        by its own stack instance's resolver (unknown where it comes back to itself)."""
        assert self.link is not None
        out: List[Pattern] = []
        for resolver, node in targets:
            guard = (id(resolver), id(node))
            if guard in self.link.busy:
                out.extend(self.unknown("refers to itself"))
                continue
            self.link.busy.add(guard)
            try:
                out.extend(resolver._value(node, depth))
            finally:
                self.link.busy.discard(guard)
        return tuple(out) if len(targets) == 1 else tuple(dict.fromkeys(out))[:MAX_ALTERNATIVES]

    def resource_name(self, logical_id: Any) -> Value:
        """The physical name of a resource: its name property when set, else a symbol."""
        if self.stack >= 0:
            owner, logical_id = self._owner(logical_id)
            if owner is not self:
                return owner.resource_name(logical_id)
        if logical_id in self._names:
            return self._names[logical_id]
        fallback: Value = (Pattern((self._symbol("resource", logical_id),)),)
        resource = self.resources.get(logical_id)
        rtype = resource.get("Type") if isinstance(resource, dict) else None
        name_prop = _NAME_PROPERTY.get(rtype) if isinstance(rtype, str) else None
        props = _mapping(resource.get("Properties")) if isinstance(resource, dict) else {}
        if not name_prop or name_prop not in props or logical_id in self._resolving:
            self._names[logical_id] = fallback
            return fallback
        self._resolving.add(logical_id)
        try:
            resolved = self._value(props[name_prop], 1) or fallback
        finally:
            self._resolving.discard(logical_id)
        self._names[logical_id] = resolved
        return resolved

    def resource_arn(self, logical_id: Any) -> Value:
        if self.stack >= 0:
            owner, logical_id = self._owner(logical_id)
            if owner is not self:
                return owner.resource_arn(logical_id)
        known = self._arns.get(logical_id)
        if known is None:
            known = self._arns[logical_id] = self._resource_arn(logical_id)
        return known

    def _resource_arn(self, logical_id: str) -> Value:
        rtype = self.resource_type(logical_id)
        prefix = _ARN_PREFIX.get(rtype or "")
        if prefix is None:
            return (Pattern((self._symbol("resource", logical_id, "Arn"),)),)
        head = Pattern(prefix)
        return tuple(p for p in (concat([head, name]) for name in self.resource_name(logical_id)) if p)

    def resource_url(self, logical_id: Any) -> Value:
        """An SQS queue's URL (what its `Ref` gives)."""
        if self.stack >= 0:
            owner, logical_id = self._owner(logical_id)
            if owner is not self:
                return owner.resource_url(logical_id)
        head = Pattern(("https://sqs.", _REGION, ".amazonaws.com/", _ACCOUNT, "/"))
        return tuple(p for p in (concat([head, name]) for name in self.resource_name(logical_id)) if p)

    def resource_type(self, logical_id: Any) -> Optional[str]:
        if self.stack >= 0:
            owner, logical_id = self._owner(logical_id)
            if owner is not self:
                return owner.resource_type(logical_id)
        resource = self.resources.get(logical_id)
        rtype = resource.get("Type") if isinstance(resource, dict) else None
        return rtype if isinstance(rtype, str) else None

    def unknown(self, why: str) -> Value:
        self._unknown_count += 1
        return (Pattern((Symbol("unknown", f"{why}#{self._unknown_count}", stack=self.stack),)),)

    # -- resolution -----------------------------------------------------------------------
    def _value(self, node: Any, depth: int) -> Value:
        if depth > MAX_DEPTH:
            return self.unknown("too deep")
        if isinstance(node, bool):
            return (literal("true" if node else "false"),)
        if isinstance(node, (str, int, float)):
            if self.link is not None and isinstance(node, str) and node.startswith(_SSM_REFERENCE):
                targets = self.link.targets(self.stack, "ssm", node)
                if targets:
                    return self._through(targets, depth)
            return (literal(str(node)),)
        if isinstance(node, dict) and len(node) == 1:
            (key, arg), = node.items()
            handler = _INTRINSICS.get(key)
            if handler is not None:
                remembered = self._memo.get(id(node))
                if remembered is not None and remembered[0] is node:
                    return remembered[1]
                value = handler(self, arg, depth + 1)
                self._memo[id(node)] = (node, value)
                return value
        return self.unknown("not a string")

    def _ref(self, arg: Any, depth: int) -> Value:
        if not isinstance(arg, str):
            return self.unknown("Ref of a non-string")
        if arg == NO_VALUE:
            return ()
        if arg in _FIXED_PSEUDO:
            return (literal(_FIXED_PSEUDO[arg]),)
        if arg.startswith("AWS::"):
            # One account and region for every stack of a scan; not one stack name.
            stack = self.stack if arg in _PER_STACK_PSEUDO else -1
            return (Pattern((Symbol("pseudo", arg, stack=stack),)),)
        if self.link is not None and arg in self.parameters:
            targets = self.link.targets(self.stack, "parameter", arg)
            if targets:
                return self._through(targets, depth)
        if arg in self.parameters:
            param = self.parameters[arg]
            default = param.get("Default") if isinstance(param, dict) else None
            if isinstance(default, (str, int, float)) and not isinstance(default, bool):
                return (literal(str(default)),)
            return (Pattern((self._symbol("parameter", arg),)),)
        if arg in self.resources:
            rtype = self.resource_type(arg)
            if _REF_KIND.get(rtype or "") == "arn":
                return self.resource_arn(arg)
            if _REF_KIND.get(rtype or "") == "url":
                return self.resource_url(arg)
            if rtype in _NAME_PROPERTY:
                return self.resource_name(arg)
            return (Pattern((self._symbol("resource", arg),)),)
        return self.unknown(f"Ref {arg}")

    def _getatt(self, arg: Any, depth: int) -> Value:
        target = _getatt_args(arg)
        if target is None:
            return self.unknown("malformed Fn::GetAtt")
        logical_id, attribute = target
        if self.link is not None and attribute.startswith("Outputs."):
            targets = self.link.targets(self.stack, "output", logical_id, attribute[len("Outputs."):])
            if targets:
                return self._through(targets, depth)
        if logical_id not in self.resources:
            return self.unknown(f"GetAtt {logical_id}")
        rtype = self.resource_type(logical_id) or ""
        if attribute == "Arn" or attribute in _ARN_ATTRIBUTES.get(rtype, ()):
            return self.resource_arn(logical_id)
        if attribute == "QueueUrl" and rtype == "AWS::SQS::Queue":
            return self.resource_url(logical_id)
        if attribute in _NAME_ATTRIBUTES.get(rtype, ()):
            return self.resource_name(logical_id)
        return (Pattern((self._symbol("resource", logical_id, attribute),)),)

    def _sub(self, arg: Any, depth: int) -> Value:
        if isinstance(arg, str):
            # The same text means the same value throughout a template (SAM policy templates
            # repeat `arn:${AWS::Partition}:...` once per function): resolve it once.
            known = self._subs.get(arg)
            if known is None:
                known = self._subs[arg] = self._sub_text(arg, {}, depth)
            return known
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            return self._sub_text(arg[0], arg[1], depth)
        return self.unknown("malformed Fn::Sub")

    def _sub_text(self, arg: str, variables: Dict[str, Any], depth: int) -> Value:
        pieces: List[Value] = []
        position = 0
        for match in _SUB_VAR.finditer(arg):
            pieces.append((literal(arg[position:match.start()]),))
            name = match.group(1).strip()
            if name.startswith("!"):
                pieces.append((literal("${" + name[1:] + "}"),))
            elif name in variables:
                pieces.append(self._value(variables[name], depth))
            elif "." in name and not name.startswith("AWS::"):
                resource, _, attribute = name.partition(".")
                pieces.append(self._getatt([resource, attribute], depth))
            else:
                pieces.append(self._ref(name, depth))
            position = match.end()
        pieces.append((literal(arg[position:]),))
        return _combine(pieces)

    def _join(self, arg: Any, depth: int) -> Value:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            return self.unknown("malformed Fn::Join")
        items = self._list(arg[1], depth)
        if items is None:
            return self.unknown("Fn::Join of an unknown list")
        pieces: List[Value] = []
        for index, item in enumerate(items):
            if index:
                pieces.append((literal(arg[0]),))
            pieces.append(item)
        return _combine(pieces) if pieces else (literal(""),)

    def _select(self, arg: Any, depth: int) -> Value:
        if not (isinstance(arg, list) and len(arg) == 2):
            return self.unknown("malformed Fn::Select")
        index_value = self._value(arg[0], depth)
        items = self._list(arg[1], depth)
        indexes = {p.literal for p in index_value}
        if items is None or len(indexes) != 1:
            return self.unknown("Fn::Select of an unknown list")
        index = next(iter(indexes))
        if index is None or not index.isdigit() or int(index) >= len(items):
            return self.unknown("Fn::Select out of range")
        return items[int(index)]

    def _list(self, node: Any, depth: int) -> Optional[List[Value]]:
        """A list-valued expression as a list of values, or None when it cannot be known."""
        if isinstance(node, list):
            out = []
            for item in node:
                value = self._value(item, depth)
                if value:  # AWS::NoValue drops out of a list
                    out.append(value)
            return out
        if isinstance(node, dict) and len(node) == 1:
            (key, arg), = node.items()
            if key == "Fn::Split" and isinstance(arg, list) and len(arg) == 2:
                delimiter, source = arg
                value = self._value(source, depth)
                if isinstance(delimiter, str) and delimiter and len(value) == 1:
                    text = value[0].literal
                    if text is not None:
                        return [(literal(piece),) for piece in text.split(delimiter)]
            if key == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
                return None
        return None

    def _find_in_map(self, arg: Any, depth: int) -> Value:
        if not (isinstance(arg, list) and len(arg) >= 3):
            return self.unknown("malformed Fn::FindInMap")
        table = self.mappings.get(arg[0]) if isinstance(arg[0], str) else None
        if not isinstance(table, dict):
            return self.unknown("Fn::FindInMap of an unknown map")
        rows = self._keys(table, arg[1], depth)
        out: List[Value] = []
        for row in rows:
            for cell in self._keys(row, arg[2], depth) if isinstance(row, dict) else ():
                out.append(self._value(cell, depth))
        merged = tuple(dict.fromkeys(p for value in out for p in value))[:MAX_ALTERNATIVES]
        return merged or self.unknown("Fn::FindInMap with no match")

    def _keys(self, table: Dict[str, Any], key_node: Any, depth: int) -> List[Any]:
        keys = self._value(key_node, depth)
        literal_keys = [p.literal for p in keys]
        if all(k is not None for k in literal_keys):
            return [table[k] for k in literal_keys if k in table]
        return list(table.values())  # a symbolic key may pick any row

    def _if(self, arg: Any, depth: int) -> Value:
        if not (isinstance(arg, list) and len(arg) == 3):
            return self.unknown("malformed Fn::If")
        # A linked group's stack instances each have their own conditions of a name.
        condition = str(arg[0]) if self.stack < 0 else f"{arg[0]}@{self.stack}"
        out: List[Pattern] = []
        for branch, tag in ((arg[1], condition), (arg[2], "!" + condition)):
            for pattern in self._value(branch, depth):
                tagged = concat([pattern, Pattern((), frozenset({tag}))])
                if tagged is not None:
                    out.append(tagged)
        return tuple(out[:MAX_ALTERNATIVES])

    def _import(self, arg: Any, depth: int) -> Value:
        if self.link is not None:
            targets = self.link.targets(self.stack, "import", arg)
            if targets:
                return self._through(targets, depth)
        names = self._value(arg, depth)
        imported = tuple(Pattern((Symbol("import", str(name), of=_scoped(name)),)) for name in names)
        return imported or self.unknown("Fn::ImportValue")

    def _opaque(self, arg: Any, depth: int) -> Value:
        return self.unknown("opaque intrinsic")


_INTRINSICS = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._getatt,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::If": Resolver._if,
    "Fn::ImportValue": Resolver._import,
    "Fn::GetAZs": Resolver._opaque,
    "Fn::Base64": Resolver._opaque,
    "Fn::Cidr": Resolver._opaque,
    "Fn::Split": Resolver._opaque,
}


def _scoped(name: Pattern) -> Optional[Pattern]:
    """An import name that holds a stack's symbols (its text alone does not tell two stacks'
    apart), without its Fn::If conditions; None for any other name."""
    return Pattern(name.parts) if name.key != str(name) else None


def _getatt_args(arg: Any) -> Optional[Tuple[str, str]]:
    if isinstance(arg, str) and "." in arg:
        resource, _, attribute = arg.partition(".")
        return resource, attribute
    if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
        return str(arg[0]), str(arg[1])
    return None


def _mapping(node: Any) -> Dict[str, Any]:
    return node if isinstance(node, dict) else {}


def branches(node: Any, _depth: int = 0) -> List[Any]:
    """The concrete alternatives of a structural node: both arms of `Fn::If`, minus
    `AWS::NoValue`; any other node is its own single alternative. Arms that are the same
    node (YAML aliases) count once, and at most MAX_ALTERNATIVES come back."""
    if isinstance(node, dict) and len(node) == 1 and _depth <= MAX_DEPTH:
        (key, arg), = node.items()
        if key == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
            arms = [arg[1]] if arg[1] is arg[2] else [arg[1], arg[2]]
            out: List[Any] = []
            for arm in arms:
                for alternative in branches(arm, _depth + 1):
                    if not any(alternative is seen for seen in out):
                        out.append(alternative)
            return out[:MAX_ALTERNATIVES]
        if key == "Ref" and arg == NO_VALUE:
            return []
    return [node]


def items_of(node: Any) -> List[Any]:
    """List items with `Fn::If` arms flattened; a lone item counts as a one-item list."""
    out: List[Any] = []
    for alternative in branches(node):
        if isinstance(alternative, list):
            for item in alternative:
                out.extend(branches(item))
        else:
            out.append(alternative)
    return out
