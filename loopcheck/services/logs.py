"""CloudWatch Logs: a subscription filter on a log group delivers its lines to a function, a
Kinesis stream or a Firehose delivery stream. A Lambda function always writes its own log
group (`/aws/lambda/<its name>`, or LoggingConfig.LogGroup): START, END and REPORT lines on
every invocation, whatever its code does, with no grant beyond the execution role's
logs:PutLogEvents. So a filter on that group that delivers back to the function loops on
every line it logs.

A filter pattern is not taken as a guard: the platform's START/END/REPORT lines match any
pattern that matches a term they contain, and loopcheck does not read patterns, so a
pattern leaves the hop possible; an empty pattern delivers every line (a loop).
Lambda's recursive loop detection does not cover CloudWatch Logs.
Sources: CloudWatch Logs user guide "Real-time processing of log data with subscriptions",
"Filter and pattern syntax"; Lambda developer guide "Using CloudWatch Logs with Lambda".
"""

from __future__ import annotations

from typing import Any, Dict, List

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.resolve.filters import MAYBE
from loopcheck.resolve.props import literal_str, mapping
from loopcheck.resolve.values import Pattern, concat, literal
from loopcheck.services.base import Path, ReadContext, Service

LOG_GROUP_TYPE = "AWS::Logs::LogGroup"
_OWN_LOGS = "it writes START, END and REPORT lines there on every invocation, and whatever it logs"


def _own_names(ctx: ReadContext, function_id: str) -> List[Pattern]:
    """The names a function's own log group may have."""
    props = ctx.functions[function_id].properties
    chosen = mapping(props.get("LoggingConfig")).get("LogGroup")
    resolver = ctx.resolver_of(function_id)  # the function's own stack instance wrote its properties
    if chosen is not None:
        return list(resolver.value(chosen))
    out = []
    for name in resolver.resource_name(function_id):
        joined = concat([literal("/aws/lambda/"), name])
        if joined is not None:
            out.append(joined)
    return out


def _declared_names(ctx: ReadContext, group_id: str) -> List[Pattern]:
    """The names of a log group node: a Logs::LogGroup's LogGroupName, or, for a group the
    template implies and names by the subscription filter on it, that filter's LogGroupName."""
    resolver = ctx.resolver_of(group_id)
    props = mapping(mapping(resolver.resource(group_id)).get("Properties"))
    name = props.get("LogGroupName")
    return list(resolver.value(name)) if name is not None else []


def _declared_groups(ctx: ReadContext, node: Any) -> List[str]:
    """The Logs::LogGroup resources a LogGroupName names (by Ref or by name)."""
    target = ctx.resolver.refers_to(node)
    if target is not None and ctx.kind_of(target) == NodeKind.LOG_GROUP:
        return [target]
    wanted = {p.parts for p in ctx.resolver.value(node) if not p.is_unknown}
    return [g for g in ctx.nodes_of(NodeKind.LOG_GROUP)
            if ctx.resolver.resource_type(g) == LOG_GROUP_TYPE
            and any(p.parts in wanted for p in _declared_names(ctx, g))]


def _owners(ctx: ReadContext, node: Any) -> List[str]:
    """The functions whose own log group (a group the template implies) a LogGroupName names."""
    wanted = {p.parts for p in ctx.resolver.value(node) if not p.is_unknown}
    return [f for f in ctx.functions if any(p.parts in wanted for p in _own_names(ctx, f))]


def _patterns(node: Any) -> List[Dict[str, Any]]:
    text = literal_str(node)
    if text is not None and not text.strip():
        return []  # an empty pattern delivers every line
    return [{"FilterPattern": text if text is not None else "<computed>"}] if node is not None else []


def _group_name(ctx: ReadContext, node: Any) -> str:
    values = ctx.resolver.value(node)
    return str(values[0]) if values else "?"


def _subscription_filter(ctx: ReadContext, logical_id: str, props: Dict[str, Any], path: Path) -> None:
    """A filter on a Logs::LogGroup of the template delivers from that group's node; a filter on
    a function's own group (which the template implies, not declares) delivers from a node
    named by the filter's own logical id: the cycle holds only ids written in the template."""
    consumers = ctx.ids(props.get("DestinationArn"), NodeKind.FUNCTION, NodeKind.STREAM, NodeKind.FIREHOSE)
    if not consumers:
        return
    node = props.get("LogGroupName")
    groups = _declared_groups(ctx, node)
    origin = "subscription filter"
    if not groups and _owners(ctx, node):
        ctx.add_node(logical_id, NodeKind.LOG_GROUP, path, "AWS::Logs::SubscriptionFilter")
        groups = [logical_id]
        origin = f"subscription filter on the log group {_group_name(ctx, node)}"
    for group in groups:
        for consumer in consumers:
            ctx.add(group, consumer, "logs", path, origin, _patterns(props.get("FilterPattern")))


def _sam_event(ctx: ReadContext, consumer: str, props: Dict[str, Any], path: Path) -> None:
    """A SAM CloudWatchLogs event. On a Logs::LogGroup of the template: a trigger from it. On a
    function's own log group, which has no logical id of its own (SAM generates the filter):
    the platform's delivery of that function's log output to the consumer, a write from the
    function to the consumer (a self-loop when it is the consumer's own group), carrying the
    filter pattern."""
    if consumer not in ctx.functions:
        return
    node = props.get("LogGroupName")
    patterns = _patterns(props.get("FilterPattern"))
    groups = _declared_groups(ctx, node)
    for group in groups:
        ctx.add(group, consumer, "logs", path, "SAM CloudWatchLogs event", patterns)
    if groups:
        return
    for owner in _owners(ctx, node):
        shown = f"filter pattern {patterns[0]['FilterPattern']!r}" if patterns else "no filter pattern"
        why = (f"a SAM CloudWatchLogs event delivers its log group {_group_name(ctx, node)} to "
               f"{ctx.resolver.display(consumer)} "
               f"with {shown}; " + _OWN_LOGS)
        ctx.add(owner, consumer, "logs", path, "log output", patterns, why=why, write=True)


def _own_log_group(ctx: ReadContext, function_id: str) -> None:
    """The write every invocation makes, into the function's own log group, when something
    subscribes to that group (else the edge could not close a loop)."""
    subscribed = ctx.trigger_sources(NodeKind.LOG_GROUP)
    if not subscribed:  # most templates: no name is worth resolving
        return
    names = {p.parts for p in _own_names(ctx, function_id)}
    chosen = mapping(ctx.functions[function_id].properties.get("LoggingConfig")).get("LogGroup")
    for group in subscribed:
        declared = _declared_names(ctx, group)
        by_ref = chosen is not None and ctx.resolver_of(function_id).refers_to(chosen) == group
        if by_ref or any(p.parts in names for p in declared):
            shown = declared[0] if declared else ctx.resolver.display(group)
            why = _OWN_LOGS.replace("there", f"to its log group {shown}", 1)
            path = ctx.functions[function_id].path
            ctx.add(function_id, group, "logs", path, "log output", why=why, write=True)


def _any_pattern(patterns: List[Dict[str, Any]], emission: Any) -> str:
    return MAYBE  # loopcheck does not read filter patterns: one may let the platform's lines through


SERVICE = Service(
    name="logs", label="CloudWatch Logs",
    resource_types={LOG_GROUP_TYPE: NodeKind.LOG_GROUP},
    verbs={"logs": "delivers log lines to"},
    resource_readers={"AWS::Logs::SubscriptionFilter": _subscription_filter},
    event_readers={"CloudWatchLogs": _sam_event},
    function_readers=(_own_log_group,),
    matcher=_any_pattern,
)
