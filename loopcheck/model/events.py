"""Stage 3b, model: the event paths, read by the service modules (loopcheck.services).

It makes the event nodes (queues, topics, tables with streams, Kinesis streams, buses, state
machines, Firehose delivery streams, and the default bus), indexes their names, ARNs and URLs,
and gives each service's readers the reading context (loopcheck.services.base.ReadContext):
every resource to the reader of its type, every SAM event to the reader of its Type, every
function to the per-function readers. What belongs to no one service stays here: SAM
connectors (IAM statements), CloudWatch alarms on a function's ConcurrentExecutions or
Invocations, and a task writing the bucket of its input event. Last, the triggers the template
shows but does not configure (loopcheck.model.external).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Set, Tuple

from loopcheck.knowledge.event_paths import (
    ALARM_METRICS,
    DEFAULT_BUS,
)
from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.knowledge.sam_connectors import CONNECTOR_GRANTS, PERMISSIONS
from loopcheck.load.location import Location
from loopcheck.model.external import add_external_triggers
from loopcheck.model.iam import statements_from_document
from loopcheck.model.readers import _dict, _type_of
from loopcheck.model.types import SAM_FUNCTION, Function, Model, Resource, TaskWrite, Trigger
from loopcheck.resolve.props import is_intrinsic, literal_str
from loopcheck.resolve.values import Pattern, Symbol, items_of
from loopcheck.services.registry import (
    CONFIGURATION_READERS,
    EVENT_READERS,
    FUNCTION_READERS,
    RESOURCE_KINDS,
    RESOURCE_READERS,
)
from loopcheck.services.s3 import s3_task_events

Path = Tuple[Any, ...]

_DEFAULT_BUS_ARN = Pattern(("arn:aws:events:", Symbol("pseudo", "AWS::Region"), ":",
                            Symbol("pseudo", "AWS::AccountId"), ":event-bus/default"))


# -- lookup --------------------------------------------------------------------------------


def _index(model: Model) -> None:
    """Every name, ARN and URL of every event node, for references by value."""
    resolver = model.resolver

    def add(pattern: Pattern, node_id: str) -> None:
        ids = model.by_pattern.setdefault(pattern.parts, [])
        if node_id not in ids:
            ids.append(node_id)

    for node_id in dict.fromkeys([*model.functions, *model.buckets, *model.resources]):
        if node_id == DEFAULT_BUS:
            continue
        rtype = resolver.resource_type(node_id) or ""
        values = resolver.resource_name(node_id) + resolver.resource_arn(node_id)
        if rtype == "AWS::SQS::Queue":
            values += resolver.resource_url(node_id)
        for pattern in values:
            add(pattern, node_id)
    add(Pattern(("default",)), DEFAULT_BUS)
    add(_DEFAULT_BUS_ARN, DEFAULT_BUS)


def resource_ids(model: Model, node: Any, kinds: Optional[Tuple[str, ...]] = None) -> List[str]:
    """Event nodes an expression may name (loopcheck.model.types.Model.resource_ids)."""
    return model.resource_ids(node, kinds)


def _default_bus(model: Model) -> str:
    if DEFAULT_BUS not in model.resources:
        model.resources[DEFAULT_BUS] = Resource(DEFAULT_BUS, NodeKind.BUS, (), "AWS::Events::EventBus", {})
        model.order.setdefault(DEFAULT_BUS, len(model.order))
    return DEFAULT_BUS


# -- the builder ---------------------------------------------------------------------------


class _EventPaths:
    def __init__(self, builder: Any, model: Model):
        self.builder = builder
        self.model = model
        self.raw: Dict[str, Any] = builder.resources
        self._notifications: List[Tuple[int, int, Trigger]] = []  # (rank, order read, notification)
        # The sources of the (non-write) triggers read so far, and how many triggers that covers:
        # trigger_sources is asked once per function (its own log group), so it must not scan
        # every trigger or resource each time: what it found holds until either list grows.
        self._trigger_sources: Set[str] = set()
        self._sources_counted = 0
        self._sources_by_kind: Dict[NodeKind, List[str]] = {}
        # The nodes by kind, in template order, and how many resources that covers: nodes_of
        # is asked once per function (its own log group), so it must not scan every resource.
        self._by_kind: Dict[NodeKind, List[str]] = {}
        self._kinds_counted = -1
        # The resolver of the stack instance whose resource is being read (the template's for one
        # template): readers resolve that resource's expressions with it.
        self.resolver: Any = model.resolver

    def _reading(self, node_id: Any) -> None:
        """Read what `node_id`'s stack instance wrote from here on."""
        if self.model.stacks:
            self.resolver = self.model.resolver_of(node_id)

    # -- the reading context service readers get (loopcheck.services.base.ReadContext) -------
    def node(self, logical_id: str) -> Any:
        """The node of a logical id written in the resource being read."""
        return self.resolver.node_key(logical_id)

    def resolver_of(self, node_id: Any) -> Any:
        return self.model.resolver_of(node_id)

    @property
    def functions(self) -> Dict[str, Function]:
        return self.model.functions

    def kind_of(self, node_id: str) -> NodeKind:
        return self.model.kind_of(node_id)

    def nodes_of(self, kind: NodeKind) -> List[str]:
        if self._kinds_counted != len(self.model.resources):
            self._by_kind = {}
            for node_id, resource in self.model.resources.items():
                self._by_kind.setdefault(resource.kind, []).append(node_id)
            self._kinds_counted = len(self.model.resources)
        return list(self._by_kind.get(kind, ()))

    def add_node(self, node_id: str, kind: NodeKind, path: Path, rtype: str) -> None:
        if node_id not in self.model.resources:
            self.model.resources[node_id] = Resource(node_id, kind, path, rtype, {})
            self.model.order.setdefault(node_id, len(self.model.order))

    def add_notification(self, bucket: str, consumer: str, events: Tuple[str, ...], prefix: Optional[str],
                         suffix: Optional[str], path: Path, origin: str, rank: int) -> None:
        self._notifications.append((rank, len(self._notifications), Trigger(
            bucket, consumer, "s3", path, origin, events=events, prefix=prefix, suffix=suffix)))

    def default_bus(self) -> str:
        return DEFAULT_BUS

    def sam_event(self, consumer: str, event: Dict[str, Any], path: Path) -> None:
        self._sam_event(consumer, event, path)

    def file_of(self, node_id: str) -> str:
        return self.model.file_of(node_id)

    def unknown_definition(self, machine: str, why: str) -> None:
        self.model.unknown_definitions[machine] = why

    def add_task(self, machine: str, action: str, targets: Optional[List[str]], path: Path, state: str,
                 details: Dict[str, Any], target_path: str, key: Optional[Tuple[Any, ...]],
                 written_at: Optional[Location]) -> None:
        self.model.tasks.append(TaskWrite(machine, action, targets, path, state, details, target_path, key,
                                          written_at=written_at))

    def trigger_sources(self, kind: NodeKind) -> List[str]:
        triggers = self.model.event_triggers
        if len(triggers) != self._sources_counted or self._kinds_counted != len(self.model.resources):
            if len(triggers) < self._sources_counted:  # replaced, not appended to: count again
                self._trigger_sources, self._sources_counted = set(), 0
            for trigger in triggers[self._sources_counted:]:
                if not trigger.write:
                    self._trigger_sources.add(trigger.source)
            self._sources_counted = len(triggers)
            self._sources_by_kind = {}
        found = self._sources_by_kind.get(kind)
        if found is None:
            found = self._sources_by_kind[kind] = [n for n in self.nodes_of(kind) if n in self._trigger_sources]
        return list(found)

    def ids(self, node: Any, *kinds: str) -> List[str]:
        return self.model.resource_ids(node, kinds or None, self.resolver)

    def add(self, source: str, consumer: str, service: str, path: Path, origin: str,
            patterns: Optional[List[Dict[str, Any]]] = None, scope: str = "", why: str = "",
            write: bool = False) -> None:
        self.model.event_triggers.append(
            Trigger(source, consumer, service, path, origin, list(patterns or []), scope, why,
                    write=write or service == "destination")
        )

    def run(self) -> None:
        linked = bool(self.model.stacks)
        for logical_id, resource in self.raw.items():
            if isinstance(resource, dict) and _type_of(resource) in RESOURCE_KINDS:
                kind = RESOURCE_KINDS[resource["Type"]]
                if kind not in ("bucket", "function"):
                    node_id = logical_id if linked else str(logical_id)
                    self.model.resources[node_id] = Resource(
                        node_id, kind, ("Resources", logical_id), resource["Type"],
                        _dict(resource.get("Properties")),
                    )
        _default_bus(self.model)  # always a node: handler code may put events on it
        _index(self.model)
        handlers = {  # what is not one service's: SAM connectors, CloudWatch alarms
            "AWS::Serverless::Connector": self._connector,
            "AWS::CloudWatch::Alarm": self._alarm,
        }
        for logical_id, resource in self.raw.items():
            if not isinstance(resource, dict):
                continue
            rtype = _type_of(resource)
            handler = handlers.get(rtype)
            reader = RESOURCE_READERS.get(rtype)
            if handler is None and reader is None:
                continue
            node_id = logical_id if linked else str(logical_id)
            self._reading(node_id)
            if handler is not None:
                handler(node_id, _dict(resource.get("Properties")), ("Resources", logical_id))
            if reader is not None:
                reader(self, node_id, _dict(resource.get("Properties")), ("Resources", logical_id))
        for function in self.model.functions.values():
            self._reading(function.id)
            self._function(function)
        for function_reader in FUNCTION_READERS:  # after every trigger: they may ask what leaves a node
            for function_id in list(self.model.functions):
                self._reading(function_id)
                function_reader(self, function_id)
        # S3 notifications in the order services.s3 ranks them (SAM events first), stable.
        ranked = sorted(self._notifications, key=lambda n: n[:2])
        self.model.event_triggers.extend(trigger for _, _, trigger in ranked)
        _event_bucket_targets(self.model)
        # Last: a permission or custom resource adds a trigger only where none of the above
        # connects the same pair.
        add_external_triggers(self)

    # -- functions (SAM events, their own configuration, connectors) --------------------------
    def _function(self, function: Function) -> None:
        props = function.properties
        base = function.path + ("Properties",)
        if function.type == SAM_FUNCTION:
            for name, event in _dict(props.get("Events")).items():
                self._sam_event(function.id, _dict(event), base + ("Events", name))
        for reader in CONFIGURATION_READERS:
            reader(self, function.id)
        if function.type == SAM_FUNCTION:
            for name, connector in _dict(props.get("Connectors")).items():
                cprops = _dict(_dict(connector).get("Properties"))
                self._connector_grant(function.id, cprops, base + ("Connectors", name), str(name))

    def _sam_event(self, consumer: str, event: Dict[str, Any], path: Path) -> None:
        etype = event.get("Type")
        reader = EVENT_READERS.get(etype) if isinstance(etype, str) else None
        if reader is not None:
            reader(self, consumer, _dict(event.get("Properties")), path)

    def _alarm(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        metrics = [props] + [_dict(_dict(m.get("MetricStat")).get("Metric"))
                             for m in map(_dict, items_of(props.get("Metrics")))]
        for metric in metrics:
            if literal_str(metric.get("MetricName")) not in ALARM_METRICS:  # an intrinsic: not known
                continue
            for dimension in map(_dict, items_of(metric.get("Dimensions"))):
                if dimension.get("Name") == "FunctionName":
                    for function_id in self.ids(dimension.get("Value"), "function"):
                        self.model.alarmed.setdefault(function_id, path)

    # -- connectors -----------------------------------------------------------------------
    def _connector(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        """AWS::Serverless::Connector: the source by Id, or by Type with RoleName (or Arn)."""
        source = _dict(props.get("Source"))
        for source_id in self._connector_sources(source):
            self._connector_grant(source_id, props, path + ("Properties",), logical_id)

    def _connector_sources(self, source: Dict[str, Any]) -> List[str]:
        """Functions a connector's Source names. SAM puts the policy on the source's role, so
        a source given by RoleName is every function of this template with that role (a SAM
        function's generated role is `<Id>Role`). State machines are not returned: their
        writes come from their definition's tasks, whatever their role allows."""
        source_id = literal_str(source.get("Id"))
        if source_id is not None:
            return [self.node(source_id)] if self.node(source_id) in self.model.functions else []
        if "RoleName" in source:
            return self._functions_with_role(source["RoleName"])
        if "Arn" in source:
            return self.ids(source["Arn"], "function")
        return []

    def _functions_with_role(self, node: Any) -> List[str]:
        resolver = self.resolver
        target = resolver.refers_to(node)
        if is_intrinsic(node) and literal_str(node.get("Ref")) and target is None:
            target = self.node(node["Ref"])  # a role SAM generates (`<FunctionId>Role`) is not in the template
        if target is not None:
            role_ids = [target]
        else:
            names = {p.parts for p in resolver.value(node)}
            role_ids = [r for r, res in self.raw.items() if isinstance(res, dict)
                        and self.model.resolver_of(r) is resolver
                        and res.get("Type") == "AWS::IAM::Role"
                        and isinstance(_dict(res.get("Properties")).get("RoleName"), (str, dict))
                        and any(p.parts in names
                                for p in resolver.value(_dict(res.get("Properties")).get("RoleName")))]
        found = []
        for function in self.model.functions.values():
            role = function.properties.get("Role")
            own_resolver = self.model.resolver_of(function.id)
            own = (own_resolver.refers_to(role) if role is not None
                   else own_resolver.node_key(f"{self.model.display(function.id)}Role"))
            if own in role_ids and function.id not in found:
                found.append(function.id)
        return found

    def _connector_grant(self, function_id: str, props: Dict[str, Any], path: Path, name: str = "") -> None:
        """The statements SAM's connector profile gives the source's role, for each
        destination (one reference or a list) and each of Read / Write."""
        permissions = [p for p in items_of(props.get("Permissions")) if literal_str(p) in PERMISSIONS]
        for destination in items_of(props.get("Destination")):
            destination = _dict(destination)
            target_id = literal_str(destination.get("Id"))
            if target_id is not None:
                kind = self.model.kind_of(self.node(target_id))
                arn_node: Any = {"Fn::GetAtt": [target_id, "Arn"]}
                name_node: Any = {"Fn::GetAtt": [target_id, "Name"]} if kind == "statemachine" else {
                    "Ref": target_id}
            else:
                kind = RESOURCE_KINDS.get(literal_str(destination.get("Type")) or "", "unknown")
                arn_node = destination.get("Arn")
                name_node = destination.get("Name")
                if arn_node is None and name_node is not None and kind == "bucket":
                    arn_node = {"Fn::Sub": ["arn:aws:s3:::${Name}", {"Name": name_node}]}
            profile = CONNECTOR_GRANTS.get(("function", kind), {})
            statements = []
            for permission in permissions:
                for actions, resources in profile.get(permission, ()):
                    nodes = [_connector_resource(text, arn_node, name_node) for text in resources]
                    if all(n is not None for n in nodes):
                        statements.append({"Effect": "Allow", "Action": list(actions), "Resource": nodes})
            if statements:
                source = f"SAM connector {name}" if name else "SAM connector"
                self.model.functions[function_id].statements += statements_from_document(
                    {"Statement": statements}, self.resolver, source, path
                )

# The task parameter paths that name the bucket of the S3 event that started the execution
# (EventBridge's `detail.bucket.name`, S3 user guide "Using EventBridge"), in JSONPath and
# JSONata. The execution's input is the event itself when a rule starts the state machine.
_EVENT_BUCKET_PATH = re.compile(
    r"(\$|\$\$\.Execution\.Input)\.detail\.bucket\.name"
    r"|\{%\s*\$states\.input\.detail\.bucket\.name\s*%\}")


def _event_bucket_targets(model: Model) -> None:
    """A task writing the bucket its input event names (`$.detail.bucket.name`) writes the
    buckets whose EventBridge events reach its state machine: a bucket with EventBridge
    enabled sends to the default bus, and a rule on that bus (or a bus it forwards to)
    starts the machine. Which of those events the rule lets through is judged later, on
    the loop (loopcheck.judge.hops), against the rule's pattern."""
    for task in model.tasks:
        if task.targets or not _EVENT_BUCKET_PATH.fullmatch(task.target_path or ""):
            continue
        if not s3_task_events(task.action):
            continue  # a read (HeadObject, GetObject): no event
        buses = {task.machine}
        frontier = [task.machine]
        while frontier:  # the buses whose events reach the machine, through forwarding rules
            node = frontier.pop()
            for link in model.event_triggers:
                if link.consumer == node and link.service == "events" and link.source not in buses:
                    buses.add(link.source)
                    frontier.append(link.source)
        found = [t.source for t in model.triggers
                 if t.consumer in buses and model.kind_of(t.consumer) == "bus" and t.source in model.buckets]
        if found:
            task.targets = list(dict.fromkeys(found))


def _connector_resource(text: str, arn: Any, name: Any) -> Any:
    """A connector profile's resource with its %{Destination.Arn} / %{Destination.Name}
    filled in (None when the destination does not give the one it needs)."""
    variables = {}
    for placeholder, key, node in (("%{Destination.Arn}", "DestinationArn", arn),
                                   ("%{Destination.Name}", "DestinationName", name)):
        if placeholder in text:
            if node is None:
                return None
            if text == placeholder:
                return node
            text = text.replace(placeholder, "${" + key + "}")
            variables[key] = node
    return {"Fn::Sub": [text, variables]} if variables else text


def add_event_paths(builder: Any, model: Model) -> None:
    """Fill `model`'s resources, triggers, tasks, alarms (and connector grants)."""
    _EventPaths(builder, model).run()


__all__ = ["add_event_paths", "resource_ids"]
