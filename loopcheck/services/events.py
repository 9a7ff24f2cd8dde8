"""EventBridge (buses and rules): a put event is routed to each rule target whose event
pattern matches it. The default bus has no resource: it is the node `default`.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from __future__ import annotations

from typing import Any, Dict, List

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.resolve.props import literal_list, mapping
from loopcheck.services.base import EventReader, Path, ReadContext, Service
from loopcheck.services.reading import json_or_object, resolved_pattern

# What a rule's target may be.
_TARGET_KINDS = (NodeKind.FUNCTION, NodeKind.QUEUE, NodeKind.TOPIC, NodeKind.STATE_MACHINE, NodeKind.STREAM,
                 NodeKind.BUS, NodeKind.FIREHOSE)


def _buses(ctx: ReadContext, node: Any) -> List[str]:
    """The buses an EventBusName names (none given: the default bus)."""
    return [ctx.default_bus()] if node is None else ctx.ids(node, NodeKind.BUS)


def _patterns(ctx: ReadContext, node: Any) -> List[Dict[str, Any]]:
    pattern = resolved_pattern(ctx.resolver, json_or_object(node))
    return [pattern] if isinstance(pattern, dict) else []


def _sam_event_of(event_type: str) -> EventReader:
    """The reader of SAM's EventBridgeRule (or its older name, CloudWatchEvent) events."""
    def read(ctx: ReadContext, consumer: str, props: Dict[str, Any], path: Path) -> None:
        patterns = _patterns(ctx, props.get("Pattern"))
        for bus in _buses(ctx, props.get("EventBusName")):
            ctx.add(bus, consumer, "events", path, f"SAM {event_type} event", patterns)
    return read


def _rule(ctx: ReadContext, logical_id: str, props: Dict[str, Any], path: Path) -> None:
    if props.get("EventPattern") is None:
        return  # a schedule: nothing in the template triggers it
    patterns = _patterns(ctx, props.get("EventPattern"))
    for bus in _buses(ctx, props.get("EventBusName")):
        for index, target in enumerate(literal_list(props.get("Targets"))):
            for consumer in ctx.ids(mapping(target).get("Arn"), *_TARGET_KINDS):
                ctx.add(bus, consumer, "events", path + ("Properties", "Targets", index),
                        f"EventBridge rule {ctx.resolver.display(logical_id)}", patterns)


SERVICE = Service(
    name="events", label="EventBridge",
    resource_types={"AWS::Events::EventBus": NodeKind.BUS},
    write_actions={"events:PutEvents": (NodeKind.BUS, ("event",))},
    verbs={"events": "routes to"},
    resource_readers={"AWS::Events::Rule": _rule},
    event_readers={"EventBridgeRule": _sam_event_of("EventBridgeRule"),
                   "CloudWatchEvent": _sam_event_of("CloudWatchEvent")},
)
