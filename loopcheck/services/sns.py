"""SNS (topics): a published message is delivered to each subscription whose filter
policy lets it through.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from __future__ import annotations

from typing import Any, Dict, List

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.resolve.props import literal_str, mapping
from loopcheck.resolve.values import items_of
from loopcheck.services.base import Path, ReadContext, Service
from loopcheck.services.reading import json_or_object

# A subscription's Protocol -> the node kinds its Endpoint may name (the others reach no node).
_PROTOCOL_KINDS = {"lambda": (NodeKind.FUNCTION,), "sqs": (NodeKind.QUEUE,)}


def _patterns(policy: Any, scope: Any) -> List[Dict[str, Any]]:
    """A FilterPolicy in EventBridge pattern shape, on the body or on the attributes."""
    policy = json_or_object(policy)
    if not isinstance(policy, dict) or not policy:
        return []
    key = "Message" if scope == "MessageBody" else "MessageAttributes"
    return [{key: policy}]


def _sam_event(ctx: ReadContext, consumer: str, props: Dict[str, Any], path: Path) -> None:
    patterns = _patterns(props.get("FilterPolicy"), props.get("FilterPolicyScope"))
    for topic in ctx.ids(props.get("Topic"), NodeKind.TOPIC):
        ctx.add(topic, consumer, "sns", path, "SAM SNS event", patterns)


def _subscription(ctx: ReadContext, logical_id: str, props: Dict[str, Any], path: Path) -> None:
    kinds = _PROTOCOL_KINDS.get(literal_str(props.get("Protocol")) or "")
    if not kinds:
        return
    patterns = _patterns(props.get("FilterPolicy"), props.get("FilterPolicyScope"))
    for topic in ctx.ids(props.get("TopicArn"), NodeKind.TOPIC):
        for consumer in ctx.ids(props.get("Endpoint"), *kinds):
            ctx.add(topic, consumer, "sns", path, "SNS subscription", patterns)


def _topic(ctx: ReadContext, logical_id: str, props: Dict[str, Any], path: Path) -> None:
    """A topic's own Subscription list."""
    for index, item in enumerate(items_of(props.get("Subscription"))):
        item = mapping(item)
        kinds = _PROTOCOL_KINDS.get(literal_str(item.get("Protocol")) or "")
        for consumer in ctx.ids(item.get("Endpoint"), *kinds) if kinds else ():
            ctx.add(logical_id, consumer, "sns", path + ("Properties", "Subscription", index),
                    "SNS topic subscription")


SERVICE = Service(
    name="sns", label="SNS",
    resource_types={"AWS::SNS::Topic": NodeKind.TOPIC},
    write_actions={"sns:Publish": (NodeKind.TOPIC, ("message",))},
    verbs={"sns": "delivers to"},
    runtime_covered=True,
    resource_readers={"AWS::SNS::Subscription": _subscription, "AWS::SNS::Topic": _topic},
    event_readers={"SNS": _sam_event},
)
