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
    if chosen is not None:
        return list(ctx.resolver.value(chosen))
    out = []
    for name in ctx.resolver.resource_name(function_id):
        joined = concat([literal("/aws/lambda/"), name])
        if joined is not None:
            out.append(joined)
    return out


def _declared_names(ctx: ReadContext, group_id: str) -> List[Pattern]:
    props = mapping(mapping(ctx.resolver.resources.get(group_id)).get("Properties"))
    name = props.get("LogGroupName")
    return list(ctx.resolver.value(name)) if name is not None else []


def _groups(ctx: ReadContext, node: Any) -> List[str]:
    """The log groups a LogGroupName names: a LogGroup resource of the template (by Ref or by
    name), else the own log group of each function of that name (a node the template implies)."""
    target = ctx.resolver.refers_to(node)
    if target is not None and ctx.kind_of(target) == NodeKind.LOG_GROUP:
        return [target]
    wanted = {p.parts for p in ctx.resolver.value(node) if not p.is_unknown}
    found = [g for g in ctx.nodes_of(NodeKind.LOG_GROUP)
             if any(p.parts in wanted for p in _declared_names(ctx, g))]
    if found:
        return found
    for function_id in ctx.functions:
        names = _own_names(ctx, function_id)
        if names and any(p.parts in wanted for p in names):
            group = str(names[0])
            ctx.add_node(group, NodeKind.LOG_GROUP, ctx.functions[function_id].path, LOG_GROUP_TYPE)
            found.append(group)
    return found


def _patterns(node: Any) -> List[Dict[str, Any]]:
    text = literal_str(node)
    if text is not None and not text.strip():
        return []  # an empty pattern delivers every line
    return [{"FilterPattern": text if text is not None else "<computed>"}] if node is not None else []


def _subscription_filter(ctx: ReadContext, logical_id: str, props: Dict[str, Any], path: Path) -> None:
    consumers = ctx.ids(props.get("DestinationArn"), NodeKind.FUNCTION, NodeKind.STREAM, NodeKind.FIREHOSE)
    for group in _groups(ctx, props.get("LogGroupName")) if consumers else ():
        for consumer in consumers:
            ctx.add(group, consumer, "logs", path, "subscription filter", _patterns(props.get("FilterPattern")))


def _sam_event(ctx: ReadContext, consumer: str, props: Dict[str, Any], path: Path) -> None:
    if consumer not in ctx.functions:
        return
    for group in _groups(ctx, props.get("LogGroupName")):
        patterns = _patterns(props.get("FilterPattern"))
        ctx.add(group, consumer, "logs", path, "SAM CloudWatchLogs event", patterns)


def _own_log_group(ctx: ReadContext, function_id: str) -> None:
    """The write every invocation makes, into the function's own log group, when something
    subscribes to that group (else the edge could not close a loop)."""
    names = {p.parts for p in _own_names(ctx, function_id)}
    for group in ctx.nodes_of(NodeKind.LOG_GROUP):
        own = str(group) in {str(Pattern(n)) for n in names} or any(
            p.parts in names for p in _declared_names(ctx, group))
        if own and ctx.has_trigger_from(group):
            ctx.add(function_id, group, "logs", ctx.functions[function_id].path, "log output",
                    why=_OWN_LOGS, write=True)


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
