"""Stage 3, model: the typed resources every later stage reads (functions, buckets, event nodes,
triggers, state machine tasks) and the Model that holds them. The readers that fill them
(loopcheck.model.resources, events, external) import these; these import no reader.

The Model is frozen: build_model returns it complete (the default event bus included), and no
later stage assigns to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.load.location import Location
from loopcheck.model.iam import Statement
from loopcheck.resolve.origin import NodeKey
from loopcheck.resolve.props import literal_str, mapping
from loopcheck.resolve.values import Resolver, Value

Path = Tuple[Any, ...]

SAM_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
FUNCTION_TYPES = (SAM_FUNCTION, LAMBDA_FUNCTION)
BUCKET = "AWS::S3::Bucket"
CDK_NOTIFICATIONS = "Custom::S3BucketNotifications"



@dataclass
class Bucket:
    """An S3 bucket of the template and the names it may have."""

    id: str
    path: Path
    names: Value  # every name the bucket may have


@dataclass(frozen=True)
class Outside:
    """A trigger the template does not configure but shows (loopcheck.model.external): a
    Lambda permission for the service, or a custom resource that appears to configure it."""

    kind: str  # "permission" | "custom resource"
    name: str  # the service principal, or the custom resource's logical id
    what: str  # "notification" | "subscription" | "target of EventBridge rule <Id>"
    assumed: str = ""  # what loopcheck takes for what it cannot see, when it says so

    def describe(self, where: str) -> str:
        if self.kind == "permission":
            text = f"permission for {self.name} ({where}): the {self.what} is configured outside the template"
        else:
            text = f"custom resource {self.name} ({where}) appears to configure the {self.what}"
        return f"{text}; {self.assumed}" if self.assumed else text


@dataclass
class UnknownPermission:
    """A grant loopcheck cannot see into: an external role, a managed policy not in its table."""

    reason: str
    path: Path


@dataclass
class Function:
    """A Lambda function (or SAM function) of the template: its properties and permission statements."""

    id: str
    path: Path
    type: str
    properties: Dict[str, Any]  # Globals merged for SAM
    statements: List[Statement] = field(default_factory=list)
    unknown_permissions: List[UnknownPermission] = field(default_factory=list)

    @property
    def recursive_loop(self) -> str:
        value = self.properties.get("RecursiveLoop", "Terminate")
        return literal_str(value) or "Terminate"

    @property
    def reserved_concurrency(self) -> Optional[Any]:
        return self.properties.get("ReservedConcurrentExecutions")

    @property
    def environment(self) -> Dict[str, Any]:
        """Environment.Variables as written (unresolved), or {} when there are none."""
        environment = self.properties.get("Environment")
        variables = environment.get("Variables") if isinstance(environment, dict) else None
        return variables if isinstance(variables, dict) else {}


@dataclass
class Resource:
    """A queue, topic, table (with its stream), Kinesis stream, event bus, state machine or
    Firehose delivery stream: a node events pass through. The default bus has no resource
    in the template; it is the node `default`."""

    id: str
    kind: NodeKind
    path: Path
    type: str
    properties: Dict[str, Any]


@dataclass
class Trigger:
    """An edge between two nodes, of every service. A trigger: events moving from a resource
    to a consumer (a function, state machine, queue, topic or bus): S3 notifications, event
    source mappings, subscriptions, EventBridge rules, redrive. A write (`write` set): one
    the platform makes for a function whatever its code does (Lambda destinations,
    dead-letter queues, its own log group); the graph makes those effect edges.

    The filter: for S3 (`service` "s3") the event types a notification subscribes to
    (`events`) and its key filter (`prefix`, `suffix`); for the others `patterns`, in
    EventBridge pattern shape, ORed (event source mapping FilterCriteria, a rule's
    EventPattern, an SNS FilterPolicy). Empty means no filter.
    """

    source: str
    consumer: str
    service: str  # "sqs" | "sns" | "dynamodb" | "kinesis" | "events" | "redrive" | "destination" | "firehose"
    path: Path
    origin: str  # how the template says it, for messages
    patterns: List[Dict[str, Any]] = field(default_factory=list)
    scope: str = ""  # SNS FilterPolicyScope: MessageAttributes (default) | MessageBody
    why: str = ""  # for destinations: "on failure", "on success", "dead-letter queue"
    outside: Optional[Outside] = None  # set when the template does not configure it
    write: bool = False  # a write the platform makes for the source, not a trigger
    events: Tuple[str, ...] = ()  # S3: the event types it subscribes to
    prefix: Optional[str] = None  # S3: the key filter
    suffix: Optional[str] = None

    @property
    def has_filter(self) -> bool:
        """S3: whether the notification filters keys."""
        return bool(self.prefix or self.suffix)

    def describe_filter(self) -> str:
        """S3: the key filter, for messages."""
        parts = []
        if self.prefix:
            parts.append(f"prefix '{self.prefix}'")
        if self.suffix:
            parts.append(f"suffix '{self.suffix}'")
        return " and ".join(parts) if parts else "no key filter"

    def describe(self) -> str:
        if not self.patterns:
            return "no filter"
        shown = "; ".join(_short_json(p) for p in self.patterns)
        return f"filter {shown}"


def _short_json(node: Any) -> str:
    try:
        text = json.dumps(node, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = str(node)
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass
class TaskWrite:
    """A state machine task that calls a service (Step Functions definition)."""

    machine: str
    action: str  # IAM-style action, e.g. "lambda:InvokeFunction"
    targets: Optional[List[str]]  # resource ids; None: not resolved
    path: Path
    state: str
    details: Dict[str, str] = field(default_factory=dict)
    # The JSONPath (or JSONata expression) that names the target at run time, when the
    # definition does not name it (`"Bucket.$": "$.detail.bucket.name"`), and for an S3
    # write the key it writes as a glob (None: not known).
    target_path: str = ""
    key: Optional[Tuple[Any, ...]] = None
    written_at: Optional[Location] = None  # set when the task is in a DefinitionUri file, not the template


@dataclass(frozen=True)
class Stack:
    """One stack instance of a model of linked templates: its number, its file, its resolver."""

    number: int
    file: str
    resolver: Resolver


@dataclass(frozen=True)
class Model:
    """One template read into buckets, functions, triggers and the other nodes the graph joins."""

    file: str
    data: Dict[str, Any]
    resolver: Resolver
    buckets: Dict[str, Bucket]
    functions: Dict[str, Function]
    order: Dict[str, int]  # logical id -> position in the template
    resources: Dict[str, Resource] = field(default_factory=dict)  # non-bucket event nodes
    event_triggers: List[Trigger] = field(default_factory=list)  # every edge read from the template
    tasks: List[TaskWrite] = field(default_factory=list)
    alarmed: Dict[str, Path] = field(default_factory=dict)  # function id -> its alarm
    # state machine id -> why its DefinitionUri could not be read (S3, missing, unparsable)
    unknown_definitions: Dict[str, str] = field(default_factory=dict)
    by_pattern: Dict[Tuple[Any, ...], List[str]] = field(default_factory=dict)  # name/ARN/URL -> ids
    # The stack instances of a model of linked templates (loopcheck.stacks.cross_stack), by number:
    # its nodes are NodeKeys. Empty for one template, whose nodes are its logical ids.
    stacks: List[Stack] = field(default_factory=list)
    # The file each resource is written in, when a template is made from several files (a
    # Terraform configuration: logical id -> its .tf file). Empty: every resource is in `file`.
    resource_files: Dict[str, str] = field(default_factory=dict)

    @property
    def triggers(self) -> List[Trigger]:
        """The S3 notifications (the triggers of service "s3"), in the order they were read."""
        return [t for t in self.event_triggers if t.service == "s3"]

    def display(self, node_id: Any) -> str:
        """A node's logical id as text names it: as its own template wrote it."""
        return node_id.logical_id if isinstance(node_id, NodeKey) else node_id

    def file_of(self, node_id: Any) -> str:
        """The file that defines a node (the template's own file for one template; the
        resource's own file for a template made from several, as Terraform's is)."""
        if isinstance(node_id, NodeKey):
            return self.stacks[node_id.stack].file
        return self.resource_files.get(node_id, self.file) if self.resource_files else self.file

    def stack_of(self, node_id: Any) -> Optional[int]:
        """The stack instance a node belongs to in a model of linked templates; None for one
        template, and for a node no template defines (the default event bus)."""
        return node_id.stack if isinstance(node_id, NodeKey) else None

    def resolver_of(self, node_id: Any) -> Resolver:
        """The resolver of the stack instance that wrote a node (the template's for one template)."""
        return self.stacks[node_id.stack].resolver if isinstance(node_id, NodeKey) else self.resolver

    def raw(self, node_id: Any) -> Any:
        """A node's resource as its template wrote it (None for a node no template defines)."""
        return self.resolver.resource(node_id)

    def kind_of(self, node_id: str) -> NodeKind:
        if node_id in self.functions:
            return NodeKind.FUNCTION
        if node_id in self.buckets:
            return NodeKind.BUCKET
        resource = self.resources.get(node_id)
        return resource.kind if resource else NodeKind.UNKNOWN

    def resource_ids(self, node: Any, kinds: Optional[Tuple[str, ...]] = None,
                     resolver: Optional[Resolver] = None, _via: Tuple[Any, ...] = ()) -> List[Any]:
        """Event nodes (buckets, functions, queues, topics, ...) an expression may name: by
        Ref/GetAtt (a table's StreamArn names the table; an alias or version names its
        function), or by a name, ARN or URL that resolves to the same pattern; only nodes of
        `kinds` when given. The one resolver of "which node does this expression name".
        `resolver`: the one of the stack instance that wrote the expression, for linked templates."""
        resolver = resolver or self.resolver
        target = resolver.refers_to(node)
        found: List[str] = []
        if target is not None:
            rtype = resolver.resource_type(target)
            if rtype in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                if target in _via:
                    return []
                inner = mapping(mapping(resolver.resource(target)).get("Properties")).get("FunctionName")
                return self.resource_ids(inner, kinds, self.resolver_of(target), _via + (target,))
            found = [target] if self.kind_of(target) != NodeKind.UNKNOWN else []
        else:
            for pattern in resolver.value(node):
                ids = self.by_pattern.get(pattern.parts)
                if ids is None and pattern.parts and isinstance(pattern.parts[-1], str):
                    head, sep, _qualifier = pattern.parts[-1].rpartition(":")
                    if sep and ":function:" in str(pattern):  # a qualified Lambda ARN
                        ids = self.by_pattern.get(pattern.parts[:-1] + ((head,) if head else ()))
                for node_id in ids or ():
                    if node_id not in found:
                        found.append(node_id)
        return [f for f in found if kinds is None or self.kind_of(f) in kinds]

    def bucket_ids(self, node: Any, resolver: Optional[Resolver] = None) -> List[Any]:
        """Buckets of this template an expression may name (by Ref, by name or by ARN)."""
        return self.resource_ids(node, (NodeKind.BUCKET,), resolver)


# A literal mapping or {}: the accessor of loopcheck.resolve.props, by the name this stage's readers use.
