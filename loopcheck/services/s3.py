"""S3 (buckets): a bucket notifies functions, topics and queues on object events (optionally
filtered by key prefix and suffix), and sends every event to EventBridge when enabled.

Its notifications are read here, in one parser for both shapes they come in: the bucket's own
`NotificationConfiguration` (raw CloudFormation) and CDK's `Custom::S3BucketNotifications`
(the S3 API shape), plus SAM `S3` events. Its write actions and event types are in
loopcheck.knowledge.s3_events; which buckets a writer's grants reach, in
loopcheck.services.s3_grants.

Sources: /work/shared/AWS-FACTS.md; S3 user guide "Event notifications" and "Using
EventBridge"; IAM Service Authorization Reference; Lambda developer guide
"invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from loopcheck.knowledge.event_paths import S3_DETAIL_TYPES
from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.knowledge.s3_events import ACTION_EVENTS, API_EVENTS, matching_events
from loopcheck.resolve.filters import MAYBE, NO, YES, Emission, literals
from loopcheck.resolve.globs import STAR, Tokens, covers, intersects, tokens
from loopcheck.resolve.props import literal_list, literal_str, mapping
from loopcheck.resolve.values import branches, concat, items_of, literal
from loopcheck.services.base import NOTHING, Path, ReadContext, Service
from loopcheck.services.s3_grants import BucketGrants, object_tokens

BUCKET_TYPE = "AWS::S3::Bucket"
CDK_NOTIFICATIONS = "Custom::S3BucketNotifications"

# The order notifications are listed in (Model.triggers), kept stable for every output: SAM
# events, then notifications to functions, then to topics, queues and EventBridge.
SAM_EVENTS, TO_FUNCTIONS, TO_OTHERS = 0, 1, 2


class _Shape(NamedTuple):
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


# -- how a notification passes a write on ------------------------------------------------------

_EVENT_PREFIX = {
    "s3:PutObject": "s3:ObjectCreated:", "s3:DeleteObject": "s3:ObjectRemoved:",
    "s3:DeleteObjectVersion": "s3:ObjectRemoved:", "s3:PutObjectTagging": "s3:ObjectTagging:Put",
    "s3:DeleteObjectTagging": "s3:ObjectTagging:Delete", "s3:PutObjectAcl": "s3:ObjectAcl:Put",
    "s3:RestoreObject": "s3:ObjectRestore:",
}


def sent_on(bucket_names: Tuple[Any, ...], emission: Emission, action_events: Tuple[str, ...]) -> Emission:
    """What a bucket sends on: to EventBridge (source aws.s3, detail-type, bucket name,
    object key), or to SNS/SQS (an S3 event message, with no message attributes)."""
    names: List[Tokens] = []
    for name in bucket_names:
        joined = concat([literal(""), name])
        if joined is not None:
            names.append(tokens(joined, wildcards=False))
    return Emission(
        {"source": literals("aws.s3"), "detail-type": literals(*_detail_types(action_events)) or None,
         "detail.bucket.name": names or None,
         "detail.object.key": [emission.key] if emission.key is not None else None},
        absent_prefixes=("MessageAttributes.",), what="S3 event",
    )


@lru_cache(maxsize=1024)  # every hop through a bucket asks, with a handful of event lists
def _detail_types(action_events: Tuple[str, ...]) -> Tuple[str, ...]:
    """The EventBridge detail types of the S3 events a write emits."""
    detail_types: List[str] = []
    for event in action_events:
        for action, kinds in S3_DETAIL_TYPES.items():
            if matching_events([f"{_EVENT_PREFIX[action]}*"], [event]):
                detail_types += [k for k in kinds if k not in detail_types]
    return tuple(detail_types)


def _notify(trigger: Any, emission: Emission, names: Callable[[str], Tuple[Any, ...]]
            ) -> Tuple[str, str, Emission]:
    """A notification passes the event types it subscribes to, for keys its filter matches."""
    events = matching_events(trigger.events, emission.s3_events) if emission.s3_events else trigger.events
    if not events:
        return NOTHING, "no event type it subscribes to", emission
    onward = sent_on(names(trigger.source), emission, tuple(events))
    key = emission.key if emission.key is not None else (STAR,)
    shape = tuple(trigger.prefix or "") + (STAR,) + tuple(trigger.suffix or "")
    if not trigger.has_filter or covers(shape, key):
        return YES, "", onward
    if not intersects(shape, key):
        return NO, f"the {trigger.describe_filter()} never matches the keys written", onward
    return MAYBE, f"the {trigger.describe_filter()} may match the keys written", onward


# -- how a notification judges one write of a function's ---------------------------------------


def action_events(trigger: Any, action: str) -> Tuple[str, ...]:
    """The event types of a notification an IAM action (`s3:PutObject`) may emit."""
    return matching_events(trigger.events, ACTION_EVENTS.get(action, ()))


def api_events(trigger: Any, api: str) -> Tuple[str, ...]:
    """The event types of a notification an API call (`PutObject`) emits."""
    return matching_events(trigger.events, API_EVENTS.get(api, ()))


def grant_verdict(trigger: Any, action: str, scope: str, grant_tokens: Tokens, bucket_arns: List[Tokens],
                  denies: List[Any]) -> Tuple[str, str]:
    """(verdict, why) of a notification on the objects a grant lets its holder write: YES when
    every object it may write lies inside the key filter, NO when none does (NOTHING without a
    filter: the denies leave no key at all), MAYBE when they only overlap."""
    targets = [object_tokens(arn, trigger.prefix or "", trigger.suffix or "") for arn in bucket_arns]
    reachable = [
        t for t in targets
        if intersects(grant_tokens, t)
        and not any(d.grants(action) and any(covers(x, t) for x in d.resource_tokens) for d in denies)
    ]
    if not reachable:
        if not trigger.has_filter:
            return NOTHING, f"{action} on {scope} is denied for every key"
        return NO, f"{action} only on {scope}, which the {trigger.describe_filter()} never matches"
    if not trigger.has_filter:
        return YES, f"{action} on {scope}"
    if any(covers(t, grant_tokens) for t in reachable):
        return YES, f"{action} on {scope}, all inside the {trigger.describe_filter()}"
    return MAYBE, (f"{action} on {scope}, which overlaps the {trigger.describe_filter()}: "
                   "nothing shows the output keys fall outside it")


def key_verdict(trigger: Any, key: Tokens, shown: str) -> Tuple[str, str]:
    """(verdict, why) of a notification on the key handler code writes (`shown`, as written)."""
    filter_set = tuple(trigger.prefix or "") + (STAR,) + tuple(trigger.suffix or "")
    if not intersects(key, filter_set):
        return NO, f"writes key {shown}, which the {trigger.describe_filter()} never matches"
    if not trigger.has_filter:
        return YES, f"writes key {shown}"
    if key == (STAR,):
        return MAYBE, f"writes a key loopcheck cannot determine; it may match the {trigger.describe_filter()}"
    return YES, f"writes key {shown}, which the {trigger.describe_filter()} matches"


def grant_key(grant_tokens: Tokens) -> Tokens:
    """The key part of an object ARN pattern (after `bucket/`)."""
    for index, token in enumerate(grant_tokens):
        if token == "/":
            return grant_tokens[index + 1:] or (STAR,)
    return (STAR,)


SERVICE = Service(
    name="s3", label="S3",
    resource_types={BUCKET_TYPE: NodeKind.BUCKET},
    runtime_covered=True,
    writes_judged_with_trigger=True,
    resource_readers={BUCKET_TYPE: _bucket, CDK_NOTIFICATIONS: _cdk_notifications},
    event_readers={"S3": _sam_event},
    passers={"s3": _notify},
    grant_index=BucketGrants,
)
