"""The shape of one service's knowledge (`Service`), and the reading context its readers get
from the model stage (`ReadContext`), so a service module never imports the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Tuple

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.load.location import Location

Path = Tuple[Any, ...]


class ReadContext(Protocol):
    """What a service's readers may ask of the model being built, and add to it."""

    resolver: Any  # loopcheck.resolve.values.Resolver
    functions: Mapping[str, Any]  # function id -> loopcheck.model.types.Function

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

    def has_trigger_from(self, node_id: str) -> bool:
        """Whether some trigger already leaves a node."""


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


@dataclass(frozen=True)
class Service:
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

    @property
    def kinds(self) -> Tuple[NodeKind, ...]:
        return tuple(dict.fromkeys(self.resource_types.values()))
