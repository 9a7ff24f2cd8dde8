"""The inventory of loops (`loopcheck loops`): every loop the judge kept for one template, as
plain data a reporter prints: its path, what guards or bounds it (with file and line), what
Lambda's runtime loop detection will do to it, and the rules that reported it.

Built from the Analysis the scan already computed (no second analysis).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

from loopcheck.judge.bounds import RUNTIME_TEXT, bound_text, waits_on
from loopcheck.judge.loops import GUARDED, LOOP, NONE, POSSIBLE, Loop
from loopcheck.rulebase.finding import Finding
from loopcheck.rulebase.rule import RuleContext

# Loop.level -> the inventory's status (a bounded loop and a delete cascade have their own).
_STATUS = {LOOP: "unguarded", POSSIBLE: "possible", GUARDED: "guarded", NONE: "unused-permission"}

# What runtime detection does to a loop with no bound, by Loop shape.
RUNTIME_UNBOUNDED = {
    "not-seen": "AWS's runtime loop detection does not see this path: nothing at runtime stops it",
    "allowed": "RecursiveLoop: Allow is set: AWS will not stop it",
    "stops-at-16": "AWS's runtime loop detection stops it after about 16 invocations",
}


@dataclass
class Place:
    """Where a guard or bound is checked, and how."""

    kind: str  # guard: metadata | key | event-name | source | marker | filter | ...; bound: counter | deadline
    text: str  # the check as written, or why it holds
    file: str = ""
    line: int = 0


@dataclass
class BoundInfo(Place):
    variable: str = ""
    hops: Optional[int] = None  # most hops it allows; None: unknown
    limit_env: str = ""


@dataclass
class LoopEntry:
    """One loop of the inventory (README "The loop inventory" documents the JSON)."""

    file: str  # the template that holds its first writer
    line: int
    resource: str  # its first writer (function or state machine), as the template names it
    cycle: List[str]  # the logical ids along the loop, first == last
    status: str  # unguarded | possible | guarded | bounded | cascade | unused-permission
    guard: Optional[Place] = None
    bound: Optional[BoundInfo] = None
    runtime: str = ""  # not-seen | allowed | stops-at-16 | bound-first (bounded loops only)
    runtime_text: str = ""
    findings: List[str] = field(default_factory=list)  # rule ids reported on this loop
    summary: str = ""  # one line: the guard or bound as a message says it

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def loop_entries(context: RuleContext, findings: List[Finding]) -> List[LoopEntry]:
    """Every loop of one analysed template, in the judge's order."""
    return [_entry(context, loop, findings) for loop in context.loops]


def _entry(ctx: RuleContext, loop: Loop, findings: List[Finding]) -> LoopEntry:
    writer = loop.writers[0] if loop.writers else loop.cycle[0]
    path = ctx.actor_path(writer)
    location = ctx.location(path)
    cycle = [ctx.display(node) for node in loop.cycle]
    rules = sorted({f.rule for f in findings if f.cycle == list(loop.cycle)})
    entry = LoopEntry(location.file, location.line, ctx.display(writer), cycle, _STATUS[loop.level],
                      findings=rules)
    if loop.bound is not None:
        bound = loop.bound
        entry.status = "bounded"
        entry.bound = BoundInfo(bound.bound.kind, bound.bound.text, bound.file, bound.line,
                                bound.bound.variable, bound.hops, bound.bound.limit_env)
        entry.runtime, entry.runtime_text = bound.runtime, RUNTIME_TEXT[bound.runtime]
        entry.summary = bound_text(bound)
        return entry
    if loop.level == LOOP and loop.is_cascade:
        entry.status = "cascade"
        entry.summary = "every write back deletes: it ends when the data is gone"
    if loop.level == GUARDED:
        hop = next(hop for hop in loop.hops if hop.level == GUARDED)
        if hop.guard is not None:
            write_file = hop.write.write.file if hop.write is not None else ""
            entry.guard = Place(hop.guard.kind, hop.guard.text, hop.guard.file or write_file, hop.guard.line)
        else:
            entry.guard = Place("filter", hop.why)
        entry.summary = hop.why
    elif loop.level == NONE:
        hop = next(hop for hop in loop.hops if hop.level == NONE)
        entry.guard = Place("unused-permission", hop.why)
        entry.summary = hop.why
    elif not entry.summary:
        status = waits_on(loop)
        entry.summary = (f"re-sent until outside state changes ({status}): only that ends it" if status
                         else next((hop.why for hop in loop.hops if hop.why), ""))
    allowed = any(ctx.model.functions[f].recursive_loop == "Allow" for f in loop.functions)
    entry.runtime = "not-seen" if loop.uncovered else "allowed" if allowed else "stops-at-16"
    entry.runtime_text = RUNTIME_UNBOUNDED[entry.runtime]
    return entry
