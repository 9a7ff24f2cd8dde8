"""Stage 6a, loops: judge every cycle of the event graph hop by hop.

A hop is "writer -> bucket -> consumer". It is a LOOP when some granted write emits an
event type the consumer's notification subscribes to and every key the write may use falls
inside the notification's filter (or there is no filter); POSSIBLE when the write scope only
overlaps the filter, or the writer's permissions cannot be seen; GUARDED when the filter
provably excludes every key the writer may write. A cycle is as strong as its weakest hop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from loopcheck.globs import covers, intersects
from loopcheck.graph import EventGraph, WriteGrant, object_tokens
from loopcheck.knowledge.s3_events import ACTION_EVENTS, matching_events
from loopcheck.model import S3Trigger, UnknownPermission

NONE, GUARDED, POSSIBLE, LOOP = 0, 1, 2, 3
LEVEL_NAMES = {NONE: "none", GUARDED: "guarded", POSSIBLE: "possible", LOOP: "loop"}


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
    evidence: str = "permission"


@dataclass
class Loop:
    cycle: List[str]  # logical ids, first == last
    hops: List[Hop] = field(default_factory=list)

    @property
    def level(self) -> int:
        return min((hop.level for hop in self.hops), default=NONE)

    @property
    def functions(self) -> List[str]:
        return [hop.writer for hop in self.hops]

    @property
    def rests_on_unknown_permissions(self) -> bool:
        return any(hop.level == POSSIBLE and hop.unknown is not None for hop in self.hops)

    @property
    def path_text(self) -> str:
        return " -> ".join(self.cycle)


def _judge(graph: EventGraph, writer: str, bucket: str, consumer: str) -> Hop:
    effect = graph.effects.get((writer, bucket))
    best = Hop(writer, bucket, consumer, NONE)
    if effect is None:
        return best
    arns = graph.bucket_tokens.get(bucket, [])
    for trigger in graph.triggers_between(bucket, consumer):
        for grant in effect.grants:
            events = matching_events(trigger.events, ACTION_EVENTS[grant.action])
            if not events:
                continue
            level, why = _filter_verdict(trigger, grant, arns, effect.denies)
            if level > best.level:
                best = Hop(writer, bucket, consumer, level, trigger, grant, events, why=why)
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


def find_loops(graph: EventGraph) -> List[Loop]:
    """Every cycle with its hops judged; cycles with an impossible hop are dropped."""
    loops = []
    for cycle in graph.cycles():
        loop = Loop(cycle)
        # cycle alternates bucket, function, bucket, function, ..., bucket (closed)
        for index in range(1, len(cycle) - 1, 2):
            writer, bucket = cycle[index], cycle[index + 1]
            consumer = cycle[index + 2] if index + 2 < len(cycle) else cycle[1]
            loop.hops.append(_judge(graph, writer, bucket, consumer))
        if loop.level > NONE:
            loops.append(loop)
    return loops
