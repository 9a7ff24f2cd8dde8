"""IL114: a loop its code bounds: a counter or a deadline carried in the message is checked
before the write back, and the chain ends within what AWS's runtime detection allows, or on a
path detection never sees, or with RecursiveLoop: Allow set for it."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import RUNTIME_TEXT, Finding, Rule, RuleContext, bound_text


def check(ctx: RuleContext) -> Iterable[Finding]:
    for loop in ctx.loops:
        bound = loop.bound
        if bound is None or bound.runtime == "stops-at-16":
            continue  # WL115's
        writer = bound.writer
        yield ctx.finding(
            RULE, writer, ctx.actor_path(writer),
            f"loop {ctx.path_text(loop)} is {bound_text(bound)}: {RUNTIME_TEXT[bound.runtime]}",
            cycle=loop.cycle, notes=ctx.loop_notes(loop), evidence=loop.evidence,
            fix=(f"nothing to fix while the bound holds; keep the check before {ctx.display(writer)}'s "
                 f"write, and set ReservedConcurrentExecutions on {ctx.display(writer)} to cap a burst."),
        )


RULE = Rule(
    id="IL114",
    title="Loop bounded in code",
    rationale=(
        "A function re-sends into its own trigger on purpose (a retry with an attempt counter, a "
        "wait until a deadline), and checks a counter or a deadline carried in the message before "
        "each re-send, so the chain ends. It is listed so that a person confirms the bound and "
        "knows what AWS's runtime loop detection will do to it."
    ),
    remediation=(
        "nothing to fix while the bound holds; keep the limit small, keep the check before the "
        "write, and set ReservedConcurrentExecutions to cap a burst."
    ),
    check=check,
    examples=("sqs-bounded-retry", "s3-two-buckets"),
)
