"""Stage 6, judge: the verdict types every judging module shares: the levels (NONE < GUARDED <
POSSIBLE < LOOP), a judged hop (writer -> the nodes an event passes -> consumer) and a judged loop.

They sit below the modules that judge (loopcheck.judge.hops, loops, cut_groups) so that none of those
needs another for its types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import List, Optional, Tuple

from loopcheck.code.evidence import ResolvedWrite
from loopcheck.code.facts import Bound, Guard
from loopcheck.graph.event_graph import WriteGrant
from loopcheck.knowledge.event_paths import DELETE_ACTIONS, DELETE_APIS
from loopcheck.model.resources import TaskWrite, Trigger, UnknownPermission


class Verdict(IntEnum):
    """How sure the judge is that a hop (or a loop) runs again; ordered, so the weakest hop of
    a loop is its `min` and the strongest reading of a hop its `max`."""

    NONE = 0  # no event reaches the consumer
    GUARDED = 1  # a filter or a guard provably stops it
    POSSIBLE = 2  # it cannot be ruled out
    LOOP = 3  # it runs again

    def __str__(self) -> str:  # as the plain numbers printed before (Python 3.9 and 3.10 too)
        return str(int(self))


NONE, GUARDED, POSSIBLE, LOOP = Verdict.NONE, Verdict.GUARDED, Verdict.POSSIBLE, Verdict.LOOP


@dataclass
class Hop:
    """One step of a loop: a writer's write reaching the next consumer, and its verdict."""

    writer: str
    target: str  # the first node the writer writes: a bucket, queue, topic, table, bus...
    consumer: str
    level: Verdict
    grant: Optional[WriteGrant] = None
    unknown: Optional[UnknownPermission] = None
    why: str = ""  # one line: what makes this hop a loop, a doubt or a guard
    write: Optional[ResolvedWrite] = None  # the code write the verdict rests on
    guard: Optional[Guard] = None
    code_note: str = ""  # why code did not decide, when it did not
    unused_permission: bool = False  # code analysed, permission granted, no write here
    chain: Tuple[str, ...] = ()  # the nodes the event passes through, writer and consumer excluded
    links: List[Tuple[object, str]] = field(default_factory=list)  # (Trigger, verdict)
    task: Optional[TaskWrite] = None  # the Step Functions task that writes
    destination: Optional[Trigger] = None  # the Lambda destination / DLQ that writes
    dedupe: str = ""  # the table, when this hop is the DynamoDB dedupe design
    dedupe_write: Optional[ResolvedWrite] = None  # the writer's put into it that the dedupe verdict rests on
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
    def bound(self) -> Optional[Bound]:
        """What the code checks before this hop's write to end the chain (facts.Bound)."""
        return self.write.write.bound if self.write is not None else None

    @property
    def rank(self) -> Tuple[int, bool, bool, bool]:
        """For picking a hop's strongest evidence: its level; at the same level, a grant that
        names the target over a wildcard, a write that adds data over a delete, and a write no
        bound stops over a bounded one."""
        return self.level, not self.broad, not self.deletes_only, self.bound is None


@dataclass(frozen=True)
class LoopBound:
    """A loop's bound as the judge sees it: the code's check (facts.Bound) on one writer's
    write, the most hops it allows (the limit, or the template's value of its environment
    variable; None: unknown), and what Lambda's runtime detection will do to the loop:
      "not-seen"     the loop passes a service detection does not see: the bound alone ends it
      "allowed"      a function on it sets RecursiveLoop: Allow: the bound alone ends it
      "bound-first"  the bound ends it within the ~16 hops after which detection would stop it
      "stops-at-16"  detection stops it after ~16 hops, before the bound (or the bound is unknown)
    """

    bound: Bound
    writer: str
    file: str  # where the check is
    line: int
    hops: Optional[int]
    runtime: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Loop:
    """A cycle of the event graph and the verdict of each of its hops."""

    cycle: List[str]  # logical ids, first == last
    hops: List[Hop] = field(default_factory=list)

    @property
    def level(self) -> Verdict:
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
    bound: Optional[LoopBound] = None  # what the code checks to end it (loopcheck.judge.bounds)

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
