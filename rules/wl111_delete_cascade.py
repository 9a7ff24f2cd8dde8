"""WL111: a chain of deletes: a function triggered by removals whose only writes back are
deletes. It re-runs once per item it removes and stops when the data is gone."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import LOOP, Finding, Rule, RuleContext


def check(ctx: RuleContext) -> Iterable[Finding]:
    for loop in ctx.loops:
        if loop.level != LOOP or not loop.is_cascade:
            continue
        writer = loop.writers[0]
        yield ctx.loop_finding(
            RULE, writer, ctx.actor_path(writer),
            f"delete cascade {ctx.path_text(loop)}: {ctx.display(writer)}'s only writes back are deletes, "
            "so each removal may trigger it again; it ends when the data is gone, not endlessly",
            loop, fix=_fix(ctx, loop),
        )


def _fix(ctx: RuleContext, loop) -> str:
    """Where to narrow the cascade: the trigger of the first hop, by its own names."""
    hop = loop.hops[0]
    node, consumer = ctx.display(hop.target), ctx.display(hop.consumer)
    return (f"if not every delete from {node} is meant to cascade, filter {node}'s trigger of {consumer} "
            "to the removals that should (a key prefix, FilterCriteria on the record).")


RULE = Rule(
    id="WL111",
    title="Delete cascade",
    rationale=(
        "A function triggered by removals (S3 ObjectRemoved, a DynamoDB stream REMOVE) that "
        "deletes more items of the same bucket or table runs again for each item it removes. "
        "Deleting what is gone emits no event, so the chain ends with the data, but one delete "
        "can fan out into many invocations, and a mistaken match deletes more than intended."
    ),
    remediation=(
        "make sure the cascade is meant and bounded by the data you intend to delete; filter "
        "the trigger to the removals that should cascade (a key prefix, FilterCriteria on the "
        "record); set ReservedConcurrentExecutions to cap the fan-out."
    ),
    check=check,
    examples=("delete-cascade", "s3-same-bucket-loop"),
)
