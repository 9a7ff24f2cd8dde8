"""The inventory of loops (`loopcheck loops`): every loop the judge kept for one template (or,
from the cross-stack stage, for templates linked into one model), as plain data a reporter
prints: its path, what guards or bounds it (with file and line), what Lambda's runtime loop
detection will do to it, and the rules that reported it.

Built from the Analysis the scan already computed (no second analysis).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

from loopcheck.judge.bounds import RUNTIME_TEXT, bound_text, waits_on
from loopcheck.judge.loops import GUARDED, LOOP, NONE, POSSIBLE, Hop, Loop
from loopcheck.model.resources import Trigger
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

    # guard: metadata | key | event-name | source | marker | record | filter | dedupe | unused-permission;
    # bound: counter | deadline
    kind: str
    text: str  # the check as written, or why it holds
    file: str = ""
    line: int = 0


@dataclass
class BoundInfo(Place):
    """A bound the code puts on a loop: the variable, and the hops or limit it allows."""

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
    cycle_files: List[str]  # the template of each cycle entry ("" for the default event bus)
    status: str  # unguarded | possible | guarded | bounded | cascade | unused-permission
    guard: Optional[Place] = None
    bound: Optional[BoundInfo] = None
    runtime: str = ""  # not-seen | allowed | stops-at-16 | bound-first (bounded loops only)
    runtime_text: str = ""
    findings: List[str] = field(default_factory=list)  # rule ids reported on this loop
    summary: str = ""  # one line: the guard or bound as a message says it
    across_stacks: bool = False  # found by the cross-stack stage (its nodes in two or more templates)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def loop_entries(context: RuleContext, findings: List[Finding]) -> List[LoopEntry]:
    """Every loop of one analysed template, in the judge's order. `findings` are the rules'
    findings on the same model (reported or suppressed), their cycles as the model names nodes."""
    return [loop_entry(context, loop, findings) for loop in context.loops]


def loop_entry(ctx: RuleContext, loop: Loop, findings: List[Finding]) -> LoopEntry:
    """One loop as the inventory lists it."""
    writer = loop.writers[0] if loop.writers else loop.cycle[0]
    path = ctx.actor_path(writer)
    location = ctx.location(path)
    cycle = [ctx.display(node) for node in loop.cycle]
    rules = sorted({f.rule for f in findings if f.cycle == list(loop.cycle)})
    entry = LoopEntry(location.file, location.line, ctx.display(writer), cycle, cycle_files(ctx, loop),
                      _STATUS[loop.level], findings=rules)
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
        index, hop = next((i, hop) for i, hop in enumerate(loop.hops) if hop.level == GUARDED)
        entry.guard = _guard_place(ctx, hop, loop.hops[(index + 1) % len(loop.hops)])
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


def cycle_files(ctx: RuleContext, loop: Loop) -> List[str]:
    """The template that defines each node of the loop; "" for a node no template defines
    (the default event bus), as the findings' `cycle_files` say it."""
    model = ctx.model
    if model.stacks:  # a model of linked templates: each node's own
        return [model.file_of(node) if model.stack_of(node) is not None else "" for node in loop.cycle]
    resources = model.data.get("Resources")
    written = resources if isinstance(resources, dict) else {}
    return [model.file if node in written else "" for node in loop.cycle]


def _guard_place(ctx: RuleContext, hop: Hop, after: Hop) -> Place:
    """What guards a hop and where it is checked: a guard in the code (at its line, in the
    file of the write it guards), the put a DynamoDB dedupe rests on, or the trigger whose
    filter drops what the writer sends (where the template configures it)."""
    guard = hop.guard
    if guard is not None:
        # A dedupe's INSERT-only check is in the consumer's code, which writes back (`after`).
        guarded = after.write if hop.dedupe and after.write is not None else hop.write
        write_file = guarded.write.file if guarded is not None else ""
        return Place(guard.kind, guard.text, guard.file or write_file, guard.line)
    if hop.dedupe and hop.dedupe_write is not None:
        put = hop.dedupe_write.write
        return Place("dedupe", hop.why, put.file, put.line)
    triggers = [link for link, _why in hop.links if isinstance(link, Trigger)]
    filtered = [link for link in triggers if link.has_filter or link.patterns] or triggers
    if filtered:
        location = ctx.location(filtered[0].path)
        return Place("dedupe" if hop.dedupe else "filter", hop.why, location.file, location.line)
    return Place("filter", hop.why)

