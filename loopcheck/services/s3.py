"""S3 (buckets): a bucket notifies functions, topics and queues on object events (optionally
filtered by key prefix and suffix), and sends every event to EventBridge when enabled.

Its notifications are read here, in one parser for both shapes they come in: the bucket's own
`NotificationConfiguration` (raw CloudFormation) and CDK's `Custom::S3BucketNotifications`
(the S3 API shape), plus SAM `S3` events. Its write actions and event types are in
loopcheck.knowledge.s3_events.

Sources: /work/shared/AWS-FACTS.md; S3 user guide "Event notifications" and "Using
EventBridge"; IAM Service Authorization Reference; Lambda developer guide
"invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.knowledge.s3_events import ACTION_EVENTS, API_EVENTS
from loopcheck.resolve.props import literal_list, literal_str, mapping
from loopcheck.resolve.values import branches, items_of
from loopcheck.services.base import Path, ReadContext, Service

BUCKET_TYPE = "AWS::S3::Bucket"
CDK_NOTIFICATIONS = "Custom::S3BucketNotifications"

# The order notifications are listed in (Model.triggers), kept stable for every output: SAM
# events, then notifications to functions, then to topics, queues and EventBridge.
SAM_EVENTS, TO_FUNCTIONS, TO_OTHERS = 0, 1, 2


@dataclass(frozen=True)
class _Shape:
    """Where one shape of a notification configuration keeps each part."""

    origin: str  # for messages
    event_key: str  # the event types of one entry
    filter_keys: Tuple[str, str]  # Filter.<a>.<b>: the key filter rules
    # (configuration list, the consumer's ARN key in an entry, the consumer's node kind)
    configurations: Tuple[Tuple[str, str, NodeKind], ...]
    eventbridge_origin: str


_RAW = _Shape("NotificationConfiguration", "Event", ("S3Key", "Rules"), (
    ("LambdaConfigurations", "Function", NodeKind.FUNCTION),
    ("TopicConfigurations", "Topic", NodeKind.TOPIC),
    ("QueueConfigurations", "Queue", NodeKind.QUEUE)), "EventBridgeConfiguration")
_CDK = _Shape("CDK bucket notifications", "Events", ("Key", "FilterRules"), (
    ("LambdaFunctionConfigurations", "LambdaFunctionArn", NodeKind.FUNCTION),
    ("TopicConfigurations", "TopicArn", NodeKind.TOPIC),
    ("QueueConfigurations", "QueueArn", NodeKind.QUEUE)), "CDK EventBridgeConfiguration")


def event_types(node: Any) -> Tuple[str, ...]:
    """The literal event types of a notification (`s3:ObjectCreated:*`), once each."""
    out = []
    for item in items_of(node):
        text = literal_str(item)
        if text is not None and text not in out:
            out.append(str(text))
    return tuple(out)


def key_filter(rules: Any) -> Tuple[Optional[str], Optional[str]]:
    """(prefix, suffix) of a notification's key filter rules."""
    prefix = suffix = None
    for rule in items_of(rules):
        rule = mapping(rule)
        name, value = literal_str(rule.get("Name")), literal_str(rule.get("Value"), numbers=True)
        if name is None or value is None:
            continue
        if name.lower() == "prefix":
            prefix = str(value)
        elif name.lower() == "suffix":
            suffix = str(value)
    return prefix, suffix


def _eventbridge_enabled(shape: _Shape, config: Dict[str, Any]) -> bool:
    if shape is _CDK:
        return "EventBridgeConfiguration" in config
    enabled = mapping(config.get("EventBridgeConfiguration")).get("EventBridgeEnabled")
    return enabled in (True, "true", "True")


def _notifications(ctx: ReadContext, bucket: str, config: Dict[str, Any], base: Path, shape: _Shape) -> None:
    """Every notification of one NotificationConfiguration, in either shape."""
    for list_key, arn_key, kind in shape.configurations:
        rank = TO_FUNCTIONS if kind == NodeKind.FUNCTION else TO_OTHERS
        for index, entry in enumerate(literal_list(config.get(list_key))):
            for alternative in branches(entry):
                alternative = mapping(alternative)
                rules = mapping(mapping(alternative.get("Filter")).get(shape.filter_keys[0])).get(
                    shape.filter_keys[1])
                prefix, suffix = key_filter(rules)
                events = event_types(alternative.get(shape.event_key))
                for consumer in ctx.ids(alternative.get(arn_key), kind):
                    ctx.add_notification(bucket, consumer, events, prefix, suffix, base + (list_key, index),
                                         shape.origin, rank)
    if _eventbridge_enabled(shape, config):
        ctx.add_notification(bucket, ctx.default_bus(), ("s3:*",), None, None,
                             base + ("EventBridgeConfiguration",), shape.eventbridge_origin, TO_OTHERS)


def _bucket(ctx: ReadContext, logical_id: str, props: Dict[str, Any], path: Path) -> None:
    base = path + ("Properties", "NotificationConfiguration")
    _notifications(ctx, logical_id, mapping(props.get("NotificationConfiguration")), base, _RAW)


def _cdk_notifications(ctx: ReadContext, logical_id: str, props: Dict[str, Any], path: Path) -> None:
    base = path + ("Properties", "NotificationConfiguration")
    config = mapping(props.get("NotificationConfiguration"))
    for bucket in ctx.ids(props.get("BucketName"), NodeKind.BUCKET):
        _notifications(ctx, bucket, config, base, _CDK)


def _sam_event(ctx: ReadContext, consumer: str, props: Dict[str, Any], path: Path) -> None:
    if consumer not in ctx.functions:
        return  # SAM has S3 events on functions only
    prefix, suffix = key_filter(mapping(mapping(props.get("Filter")).get("S3Key")).get("Rules"))
    events = event_types(props.get("Events"))
    for bucket in ctx.ids(props.get("Bucket"), NodeKind.BUCKET):
        ctx.add_notification(bucket, consumer, events, prefix, suffix, path, "SAM S3 event", SAM_EVENTS)


def s3_task_events(action: str) -> Tuple[str, ...]:
    """The S3 event types a task's S3 action emits (`s3:PutObject`, `s3:CopyObject`...)."""
    return API_EVENTS.get(action.partition(":")[2], ()) or ACTION_EVENTS.get(action, ())


SERVICE = Service(
    name="s3", label="S3",
    resource_types={BUCKET_TYPE: NodeKind.BUCKET},
    runtime_covered=True,
    resource_readers={BUCKET_TYPE: _bucket, CDK_NOTIFICATIONS: _cdk_notifications},
    event_readers={"S3": _sam_event},
)
