"""Stage 6a, loops: judge every cycle of the event graph hop by hop.

A hop is "writer -> bucket -> consumer". From permissions alone it is a LOOP when some
granted write emits an event type the consumer's notification subscribes to and every key
the write may use falls inside the notification's filter (or there is no filter); POSSIBLE
when the write scope only overlaps the filter, or the writer's permissions cannot be seen;
GUARDED when the filter provably excludes every key the writer may write.

When the writer's handler code was analysed, the code decides instead (still only for
writes the permissions allow): the key it writes against the filter, and the guards that
run before the write. Permission the code never uses leaves the hop at NONE, marked as
unused. A cycle is as strong as its weakest hop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
from loopcheck.knowledge.event_paths import DELETE_ACTIONS, DELETE_APIS
from loopcheck.knowledge.s3_events import ACTION_EVENTS, API_EVENTS, matching_events
from loopcheck.model.resources import S3Trigger, TaskWrite, Trigger, UnknownPermission
from loopcheck.resolve.globs import STAR, covers, intersects

NONE, GUARDED, POSSIBLE, LOOP = 0, 1, 2, 3


@dataclass
class Hop:
    writer: str
    bucket: str
    consumer: str
    level: int
    trigger: Optional[S3Trigger] = None
    grant: Optional[WriteGrant] = None
    events: Tuple[str, ...] = ()
    unknown: Optional[UnknownPermission] = None
    why: str = ""  # one line: what makes this hop a loop, a doubt or a guard
    write: Optional[ResolvedWrite] = None  # the code write the verdict rests on
    guard: Optional[Guard] = None
    code_note: str = ""  # why code did not decide, when it did not
    unused_permission: bool = False  # code analysed, permission granted, no write here
    chain: Tuple[str, ...] = ()  # the nodes the event passes through, writer and consumer excluded
    links: List[Tuple[object, str]] = field(default_factory=list)  # (S3Trigger | Trigger, verdict)
    task: Optional[TaskWrite] = None  # the Step Functions task that writes
    destination: Optional[Trigger] = None  # the Lambda destination / DLQ that writes
    dedupe: str = ""  # the table, when this hop is the DynamoDB dedupe design
    broad: str = ""  # why the grant alone cannot make this hop a loop (loopcheck.judge.breadth)

    @property
    def evidence(self) -> str:
        if self.write is None:
            return "permission"
        return "both" if self.grant is not None else "code"

    @property
    def deletes_only(self) -> bool:
        """The write this hop rests on removes data (DeleteObject, DeleteItem)."""
        if self.write is not None:
            return (self.write.write.service, self.write.write.api) in DELETE_APIS
        if self.task is not None:
            return self.task.action in DELETE_ACTIONS
        return self.grant is not None and self.destination is None and self.grant.action in DELETE_ACTIONS

    @property
    def rank(self) -> Tuple[int, bool, bool]:
        """For picking a hop's strongest evidence: its level; at the same level, a grant that
        names the target over a wildcard, and a write that adds data over a delete."""
        return self.level, not self.broad, not self.deletes_only


@dataclass
class Loop:
    cycle: List[str]  # logical ids, first == last
    hops: List[Hop] = field(default_factory=list)

    @property
    def level(self) -> int:
        return min((hop.level for hop in self.hops), default=NONE)

    @property
    def writers(self) -> List[str]:
        """Functions and state machines, in loop order."""
        return [hop.writer for hop in self.hops]

    @property
    def functions(self) -> List[str]:
        return [w for w in self.writers if w in self.function_ids]

    function_ids: frozenset = frozenset()
    uncovered: List[str] = field(default_factory=list)  # nodes runtime detection cannot see

    @property
    def rests_on_unknown_permissions(self) -> bool:
        return any(hop.level == POSSIBLE and hop.unknown is not None for hop in self.hops)

    @property
    def is_cascade(self) -> bool:
        """Every write back only deletes: the chain ends when the data is gone."""
        return bool(self.hops) and all(hop.deletes_only for hop in self.hops)

    @property
    def rests_on_broad_grant(self) -> bool:
        """Possible only because a wildcard or invoke grant reaches a node the code does not
        show it writes (the evidence policy: such a grant is never proof of a loop)."""
        return any(hop.level == POSSIBLE and hop.broad for hop in self.hops)

    @property
    def closed_only_by_unused_permission(self) -> bool:
        """Every hop is possible or guarded, except hops whose permission the code never uses."""
        blocked = [hop for hop in self.hops if hop.level == NONE]
        return bool(blocked) and all(hop.unused_permission for hop in blocked)

    @property
    def evidence(self) -> str:
        kinds = {hop.evidence for hop in self.hops}
        return kinds.pop() if len(kinds) == 1 else "both"

    @property
    def path_text(self) -> str:
        return " -> ".join(self.cycle)


def _judge(graph: EventGraph, writer: str, bucket: str, consumer: str,
           incoming: List[S3Trigger]) -> Hop:
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
    writer, bucket = effect.function, effect.bucket
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
                       why=f"{unknown.reason}: it may write {bucket}")
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
                   incoming: List[S3Trigger]) -> Hop:
    writer, bucket = effect.function, effect.bucket
    best = Hop(writer, bucket, consumer, NONE)
    reached = False
    for arrival in incoming or [None]:
        for trigger in graph.triggers_between(bucket, consumer):
            for resolved in code.s3_writes:
                if not resolved.reaches(bucket, arrival.bucket if arrival else None):
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
                if level == LOOP and resolved.buckets is None:  # the code does not name its bucket
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
        best.why = f"{best.grant.action} on {best.grant.resource}, but the code never writes {bucket}"
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


def _code_verdict(resolved: ResolvedWrite, arrival: Optional[S3Trigger],
                  trigger: S3Trigger) -> Tuple[int, str, Optional[Guard]]:
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


def _arrivals(graph: EventGraph, nodes: List[str], writer_index: int) -> List[S3Trigger]:
    """The S3 notifications whose objects reach the writer on this cycle: from the nearest
    bucket upstream, directly or through the queues, topics or bus in between (a handler
    reading `record.s3.bucket.name` out of an SQS body or an EventBridge detail still means
    that bucket)."""
    count = len(nodes)
    downstream = nodes[writer_index]
    for step in range(1, count):
        node = nodes[(writer_index - step) % count]
        if graph.is_actor(node):
            return []
        if graph.model.kind_of(node) == "bucket":
            return graph.triggers_between(node, downstream)
        downstream = node
    return []


def find_loops(graph: EventGraph) -> List[Loop]:
    """Every cycle with its hops judged; cycles with an impossible hop are dropped, except
    those closed only by permission the code never uses (advice).

    A hop runs from one writer (function or state machine) to the next, through the nodes
    between them (a bucket; a topic then a queue; a table's stream; a bus...)."""
    from loopcheck.judge.hops import judge_dedupe, judge_hop
    from loopcheck.knowledge.event_paths import RUNTIME_COVERED

    model = graph.model
    loops = []
    for cycle in graph.cycles():
        loop = Loop(cycle)
        loop.function_ids = graph.function_ids
        nodes = cycle[:-1]
        count = len(nodes)
        actors = [i for i in range(count) if graph.is_actor(nodes[i])]
        for k, i in enumerate(actors):
            j = actors[(k + 1) % len(actors)]
            chain = []
            position = (i + 1) % count
            while position != j:
                chain.append(nodes[position])
                position = (position + 1) % count
            incoming = _arrivals(graph, nodes, i)
            loop.hops.append(judge_hop(graph, nodes[i], chain, nodes[j], incoming))
        judge_dedupe(graph, loop)
        loop.uncovered = [n for n in nodes if model.kind_of(n) not in RUNTIME_COVERED]
        if loop.level > NONE or loop.closed_only_by_unused_permission:
            loops.append(loop)
    return loops
