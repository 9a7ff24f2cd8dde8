"""WL115: a loop bounded in code above ~16 hops (or by a bound whose size is unknown) on a path
Lambda's runtime loop detection watches: AWS will stop the chain after about 16 invocations,
before the bound, which breaks the feature."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import RUNTIME_TEXT, Finding, Rule, RuleContext, bound_text


def check(ctx: RuleContext) -> Iterable[Finding]:
    for loop in ctx.loops:
        bound = loop.bound
        if bound is None or bound.runtime != "stops-at-16":
            continue
        writer = bound.writer
        yield ctx.finding(
            RULE, writer, ctx.actor_path(writer),
            f"loop {ctx.path_text(loop)} is {bound_text(bound)}, but {RUNTIME_TEXT['stops-at-16']}",
            cycle=loop.cycle, notes=ctx.loop_notes(loop), evidence=loop.evidence,
            fix=(f"set RecursiveLoop: Allow on {ctx.display(writer)}, the bound in its code being the guard "
                 "(and set ReservedConcurrentExecutions); or lower the bound to at most 16 hops."),
        )


RULE = Rule(
    id="WL115",
    title="Bounded loop that AWS's runtime detection will cut short",
    rationale=(
        "Lambda stops a chain of invocations through SQS, SNS, S3 and Lambda after about 16 "
        "hops unless the function sets RecursiveLoop: Allow. A crawler, relay or poller bounded "
        "above that (or by a deadline whose hop count is unknown) is cut in production before "
        "its own bound ends it, and the work it was doing is left half done."
    ),
    remediation=(
        "set RecursiveLoop: Allow on that function, the bound in its code being the guard (and "
        "set ReservedConcurrentExecutions); or lower the bound to at most 16 hops."
    ),
    check=check,
    examples=("lambda-self-invoke-bounded-above-16", "lambda-self-invoke-bounded-allow"),
)
