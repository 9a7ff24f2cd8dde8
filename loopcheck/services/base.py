"""The shape of one service's knowledge (`Service`), and the reading context its readers get
from the model stage (`ReadContext`), so a service module never imports the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Tuple

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.load.location import Location
from loopcheck.resolve.globs import Tokens, covers

Path = Tuple[Any, ...]


class ReadContext(Protocol):
    """What a service's readers may ask of the model being built, and add to it."""

    # loopcheck.resolve.values.Resolver of the stack instance whose resource is being read: the
    # one to resolve that resource's expressions with (linked templates have one per instance).
    resolver: Any
    functions: Mapping[str, Any]  # function id -> loopcheck.model.types.Function

    def resolver_of(self, node_id: Any) -> Any:
        """The resolver of the stack instance that wrote a node (its properties resolve with it)."""

    def node(self, logical_id: str) -> Any:
        """The node of a logical id written in the resource being read."""

    def ids(self, node: Any, *kinds: str) -> List[str]:
        """Event nodes an expression may name (only of `kinds` when given)."""

    def kind_of(self, node_id: str) -> NodeKind:
        """The kind of a node of the model."""

    def nodes_of(self, kind: NodeKind) -> List[str]:
        """The nodes of one kind, in template order."""

    def add_node(self, node_id: str, kind: NodeKind, path: Path, rtype: str) -> None:
        """A node the template implies but does not declare (a function's own log group)."""

    def add(self, source: str, consumer: str, service: str, path: Path, origin: str,
            patterns: Optional[List[Dict[str, Any]]] = None, why: str = "", write: bool = False) -> None:
        """A trigger (or, with `write`, a write the platform makes for `source`)."""

    def add_notification(self, bucket: str, consumer: str, events: Tuple[str, ...], prefix: Optional[str],
                         suffix: Optional[str], path: Path, origin: str, rank: int) -> None:
        """An S3 notification (`rank`: where it is listed among them, see services.s3)."""

    def default_bus(self) -> str:
        """The default event bus's node (it has no resource in the template)."""

    def sam_event(self, consumer: str, event: Dict[str, Any], path: Path) -> None:
        """Read one SAM event of a function or state machine (by the service of its Type)."""

    def file_of(self, node_id: str) -> str:
        """The file that defines a logical id (a DefinitionUri is relative to it)."""

    def unknown_definition(self, machine: str, why: str) -> None:
        """A state machine whose definition could not be read, and why."""

    def add_task(self, machine: str, action: str, targets: Optional[List[str]], path: Path, state: str,
                 details: Dict[str, Any], target_path: str, key: Optional[Tuple[Any, ...]],
                 written_at: Optional[Location]) -> None:
        """A state machine task that calls a service (loopcheck.model.types.TaskWrite)."""

    def trigger_sources(self, kind: NodeKind) -> List[str]:
        """The nodes of one kind that some trigger read so far leaves, in template order."""


# A raw CloudFormation reader: (context, logical id, its Properties, ("Resources", id)).
ResourceReader = Callable[[ReadContext, str, Dict[str, Any], Path], None]
# A SAM event reader: (context, the function or state machine's id, the event's Properties, its path).
EventReader = Callable[[ReadContext, str, Dict[str, Any], Path], None]
# A per-function reader, run after every trigger is read: (context, function id).
FunctionReader = Callable[[ReadContext, str], None]
# A filter matcher: (the trigger's patterns, what the writer emits) -> filters.YES | NO | MAYBE.
Matcher = Callable[[List[Dict[str, Any]], Any], str]
# A trigger's own way to pass what reached its source on: (the trigger, what reached its
# source (a resolve.filters.Emission), the names a node may have) -> (verdict, why, what it
# sends on). The verdict is filters.YES | NO | MAYBE, or NOTHING when it subscribes to
# nothing the writer emits. Triggers of a service without one: their patterns are matched.
Passer = Callable[[Any, Any, Callable[[str], Tuple[Any, ...]]], Tuple[str, str, Any]]
NOTHING = "nothing"

# Parts of a generated name (Service.generated_name): the stack's name, the node's logical id,
# and the random suffix CloudFormation adds.
STACK_NAME = "<stack name>"
LOGICAL_ID = "<logical id>"
SUFFIX = "<suffix>"


# -- how IAM grants reach a service's nodes (the graph stage's effect edges) ------------------


@dataclass
class Permissions:
    """What one writer (a function) may do, as the graph stage hands it to each service's
    grant index. Statements, grants and unknown permissions are loopcheck.model.iam /
    loopcheck.graph objects; a service only reads them."""

    writer: str
    allows: List[Any]  # its Allow statements, as written
    denies: List[Any]  # its Deny statements
    unknown: List[Any]  # permissions loopcheck cannot see (managed policies, ...)
    writes: List[Any]  # its handler code's resolved writes (loopcheck.code.evidence.ResolvedWrite)
    # (statement, action, resource, its tokens[, generated_name=the name it matches]) -> a grant
    grant: Callable[..., Any]
    not_read: Callable[[str], Any]  # why its policy was not read in full -> an unknown permission


@dataclass
class Reached:
    """One node a writer's permissions (or code) reach: the grants that do, in statement,
    action, resource order, and the permissions loopcheck cannot see that may."""

    grants: List[Any] = field(default_factory=list)
    unknown: List[Any] = field(default_factory=list)


class GrantIndex(Protocol):
    """A service's write targets in one template, indexed once so that each policy resource
    is matched against the few nodes it can name (large templates stay linear)."""

    arns: Dict[str, List[Tokens]]  # the nodes, in order, with their ARN tokens

    def reach(self, permissions: Permissions) -> Tuple[Dict[str, Reached], str]:
        """The nodes one writer reaches, in the order their edges are made, and a note
        ("" or where the bounds left its policy unread)."""


# (the service's write targets in order with their ARN tokens, the triggers leaving them) -> its index.
GrantIndexFactory = Callable[[Dict[str, List[Tokens]], List[Any]], GrantIndex]


def denied(deny: Any, action: str, resource: Tokens) -> bool:
    """Whether a Deny statement covers an action on every resource a pattern names."""
    return deny.grants(action) and any(covers(d, resource) for d in deny.resource_tokens)


@dataclass(frozen=True)
class Service:
    """One AWS service: the resource types it owns, how they are read, and the writes it knows."""

    name: str  # as in IAM actions and in Trigger.service
    label: str  # for messages: "DynamoDB", "CloudWatch Logs"
    resource_types: Dict[str, NodeKind] = field(default_factory=dict)  # CloudFormation type -> node kind
    # IAM write action -> the node kind it writes, and what it emits there (DynamoDB: the
    # stream record event names; others "message" / "event" / "record" / "invoke").
    write_actions: Dict[str, Tuple[NodeKind, Tuple[str, ...]]] = field(default_factory=dict)
    verbs: Dict[str, str] = field(default_factory=dict)  # Trigger.service -> verb: "SQS triggers f"
    runtime_covered: bool = False  # Lambda's recursive loop detection stops loops through it
    # A function's writes into its nodes are judged together with each trigger leaving the node
    # (S3: what an object write emits depends on the notification's event types and key filter).
    writes_judged_with_trigger: bool = False
    resource_readers: Dict[str, ResourceReader] = field(default_factory=dict)  # by CloudFormation type
    event_readers: Dict[str, EventReader] = field(default_factory=dict)  # by SAM event Type
    # Per-function readers of the function's own configuration (destinations, dead-letter
    # queues), run with each function's SAM events, in template order.
    configuration_readers: Tuple[FunctionReader, ...] = ()
    function_readers: Tuple[FunctionReader, ...] = ()  # run after every trigger is read
    matcher: Optional[Matcher] = None  # None: the EventBridge-shape matcher (resolve.filters.match_any)
    passers: Dict[str, Passer] = field(default_factory=dict)  # by Trigger.service
    # How the graph stage finds which of its nodes an IAM grant reaches. None: a grant for one
    # of `write_actions` whose resource matches the node's own ARN (loopcheck.graph.arn_targets);
    # S3 has its own (object ARNs, and only actions a notification subscribes to).
    grant_index: Optional[GrantIndexFactory] = None
    # Writing a node runs it (Lambda invoke, Step Functions start execution): every node of it is
    # a write target, but only a grant naming this service and one node (after `named_by`,
    # "function:") reaches it: a grant on every function would make each function with
    # AWSLambdaRole invoke itself. Permissions loopcheck cannot see are not taken to reach them.
    invoked: bool = False
    named_by: str = ""
    # The name CloudFormation gives a node of this service whose template sets no name property,
    # as parts: STACK_NAME, LOGICAL_ID, SUFFIX (random letters and digits) or literal text. Only
    # used to check whether a grant allows a write the handler code shows (arn_targets).
    generated_name: Tuple[str, ...] = ()

    @property
    def kinds(self) -> Tuple[NodeKind, ...]:
        return tuple(dict.fromkeys(self.resource_types.values()))
