"""Stage 6, judge: one hop that goes through a bucket's notification to a function.

A hop is "writer -> bucket -> consumer". From permissions alone it is a LOOP when some
granted write emits an event type the consumer's notification subscribes to and every key
the write may use falls inside the notification's filter (or there is no filter); POSSIBLE
when the write scope only overlaps the filter, or the writer's permissions cannot be seen;
GUARDED when the filter provably excludes every key the writer may write.

When the writer's handler code was analysed, the code decides instead (still only for
writes the permissions allow): the key it writes against the filter, and the guards that
run before the write. Permission the code never uses leaves the hop at NONE, marked as
unused.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from loopcheck.code.evidence import (
    S3_API_ACTION,
    FunctionCode,
    ResolvedWrite,
    guard_breaks_loop,
    key_tokens,
    render_key,
)
from loopcheck.code.facts import Guard
from loopcheck.graph.event_graph import Effect, EventGraph, WriteGrant, object_tokens
from loopcheck.judge.breadth import broad_grant_reason
from loopcheck.judge.verdicts import GUARDED, LOOP, NONE, POSSIBLE, Hop
from loopcheck.knowledge.s3_events import ACTION_EVENTS, API_EVENTS, matching_events
from loopcheck.model.resources import Trigger
from loopcheck.resolve.globs import STAR, covers, intersects


def judge_s3_hop(graph: EventGraph, writer: str, bucket: str, consumer: str,
           incoming: List[Trigger]) -> Hop:
    effect = graph.effects.get((writer, bucket))
    if effect is None:
        return Hop(writer, bucket, consumer, NONE)
    code = graph.code.get(writer)
    if code is not None and code.analysed:
        return _judge_by_code(graph, effect, code, consumer, incoming)
    hop = _judge_by_permission(graph, effect, consumer)
    if code is not None:
        hop.code_note = code.why_not
    return hop


def _judge_by_permission(graph: EventGraph, effect: Effect, consumer: str) -> Hop:
    writer, bucket = effect.function, effect.target
    best = Hop(writer, bucket, consumer, NONE)
    arns = graph.bucket_tokens.get(bucket, [])
    for trigger in graph.triggers_between(bucket, consumer):
        for grant in effect.grants:
            events = matching_events(trigger.events, ACTION_EVENTS[grant.action])
            if not events:
                continue
            level, why = _filter_verdict(trigger, grant, arns, effect.denies)
            broad = ""
            if level == LOOP:
                broad = broad_grant_reason(graph.model, grant.action, grant.resource_tokens,
                                           str(grant.resource), bucket, bucket_arns=arns)
                level = POSSIBLE if broad else LOOP
            hop = Hop(writer, bucket, consumer, level, trigger, grant, events, why=why, broad=broad)
            if hop.rank > best.rank:
                best = hop
        if effect.unknown and best.level < POSSIBLE and trigger.events:
            unknown = effect.unknown[0]
            best = Hop(writer, bucket, consumer, POSSIBLE, trigger, None, trigger.events, unknown,
                       why=f"{unknown.reason}: it may write {graph.model.display(bucket)}")
    return best


def _filter_verdict(trigger, grant: WriteGrant, arns, denies) -> Tuple[int, str]:
    scope = str(grant.resource)
    targets = [object_tokens(arn, trigger.prefix or "", trigger.suffix or "") for arn in arns]
    reachable = [
        t for t in targets
        if intersects(grant.resource_tokens, t)
        and not any(d.grants(grant.action) and any(covers(x, t) for x in d.resource_tokens)
                    for d in denies)
    ]
    if not reachable:
        if not trigger.has_filter:
            return NONE, f"{grant.action} on {scope} is denied for every key"
        return GUARDED, (
            f"{grant.action} only on {scope}, which the {trigger.describe_filter()} never matches"
        )
    if not trigger.has_filter:
        return LOOP, f"{grant.action} on {scope}"
    if any(covers(t, grant.resource_tokens) for t in reachable):
        return LOOP, f"{grant.action} on {scope}, all inside the {trigger.describe_filter()}"
    return POSSIBLE, (
        f"{grant.action} on {scope}, which overlaps the {trigger.describe_filter()}: "
        "nothing shows the output keys fall outside it"
    )


def _permission_for(effect: Effect, api: str) -> Tuple[bool, Optional[WriteGrant]]:
    """Whether the permissions let this API call reach the bucket, and the grant that does."""
    action = S3_API_ACTION.get(api)
    for grant in effect.grants:
        if grant.action == action:
            return True, grant
    return bool(effect.unknown), None


def _judge_by_code(graph: EventGraph, effect: Effect, code: FunctionCode, consumer: str,
                   incoming: List[Trigger]) -> Hop:
    writer, bucket = effect.function, effect.target
    best = Hop(writer, bucket, consumer, NONE)
    reached = False
    for arrival in incoming or [None]:
        for trigger in graph.triggers_between(bucket, consumer):
            for resolved in code.s3_writes:
                if not resolved.reaches(bucket, arrival.source if arrival else None):
                    continue
                reached = True
                events = matching_events(trigger.events, API_EVENTS.get(resolved.write.api, ()))
                if not events:
                    continue
                allowed, grant = _permission_for(effect, resolved.write.api)
                if not allowed:
                    continue
                level, why, guard = _code_verdict(resolved, arrival, trigger)
                broad = ""
                if level == LOOP and resolved.targets is None:  # the code does not name its bucket
                    level, broad = unnamed_write(graph, grant, bucket, resolved)
                hop = Hop(writer, bucket, consumer, level, trigger, grant, events,
                          None if grant else (effect.unknown or [None])[0], why, resolved, guard,
                          broad=broad)
                if hop.rank > best.rank:
                    best = hop
    if best.level == NONE and not reached and not code.facts.complete:
        hop = _judge_by_permission(graph, effect, consumer)  # a missing write proves nothing
        hop.code_note = code.why_incomplete
        return hop
    if best.level == NONE and effect.grants and not reached:
        best.unused_permission = True
        best.grant = effect.grants[0]
        best.why = (f"{best.grant.action} on {best.grant.resource}, but the code never writes "
                    f"{graph.model.display(bucket)}")
    return best


def unnamed_write(graph: EventGraph, grant: Optional[WriteGrant], target: str,
                  resolved: ResolvedWrite) -> Tuple[int, str]:
    """A code write whose target the code does not name (a bucket, queue, topic... computed at
    run time) is a loop only when a grant names the trigger itself; through a wildcard grant,
    or permissions loopcheck cannot see, it may be. (level, why the grant is not enough)."""
    if grant is None:
        return POSSIBLE, ""
    arns = graph.bucket_tokens.get(target, []) if graph.model.kind_of(target) == "bucket" else None
    broad = broad_grant_reason(graph.model, grant.action, grant.resource_tokens, str(grant.resource),
                               target, bucket_arns=arns, code_read=True)
    if not broad:
        return LOOP, ""
    return POSSIBLE, f"the code writes {resolved.target_text}, and {broad}"


def _code_verdict(resolved: ResolvedWrite, arrival: Optional[Trigger],
                  trigger: Trigger) -> Tuple[int, str, Optional[Guard]]:
    write = resolved.write
    key = key_tokens(write.key, arrival)
    shown = render_key(write.key)
    doubtful: Optional[Guard] = None
    for guard in write.guards:
        where = f"{guard.file or write.file}:{guard.line}"
        if guard.kind == "metadata":
            return GUARDED, f"metadata guard ({where}: {guard.text}) runs before the write", guard
        if guard.kind == "key":
            if guard_breaks_loop(guard, key) is False:
                continue  # the check can never stop the function's own output
            return GUARDED, f"key guard ({where}: {guard.text}) runs before the write", guard
        doubtful = guard
    filter_set = tuple(trigger.prefix or "") + (STAR,) + tuple(trigger.suffix or "")
    if not intersects(key, filter_set):
        return GUARDED, f"writes key {shown}, which the {trigger.describe_filter()} never matches", None
    if doubtful is not None:
        return POSSIBLE, (
            f"writes key {shown} after a {doubtful.kind} check ({doubtful.file or write.file}:{doubtful.line}: "
            f"{doubtful.text}) that cannot be shown to skip its own output"
        ), doubtful
    if not trigger.has_filter:
        return LOOP, f"writes key {shown}", None
    if key == (STAR,):
        return POSSIBLE, (
            f"writes a key loopcheck cannot determine; it may match the {trigger.describe_filter()}"
        ), None
    return LOOP, f"writes key {shown}, which the {trigger.describe_filter()} matches", None
