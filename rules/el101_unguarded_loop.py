"""EL101: a loop whose every hop is possible and that no guard breaks."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import LOOP, Finding, Rule, RuleContext, fix_text, waits_on


def check(ctx: RuleContext) -> Iterable[Finding]:
    for loop in ctx.loops:
        if loop.level != LOOP or loop.uncovered or loop.is_cascade or loop.bound is not None:
            continue  # loops through services AWS never stops are EL107's; bounded ones IL114's / WL115's
        function = loop.writers[0]
        yield ctx.loop_finding(
            RULE, function, ctx.actor_path(function),
            f"recursive loop {ctx.path_text(loop)}: {ctx.display(function)}'s writes can trigger it again, "
            "and no guard stops them" + _outside_state(loop),
            loop, fix=fix_text.break_fix(ctx, loop),
        )


def _outside_state(loop) -> str:
    """When the code re-sends while a status check fails: only that outside state ends it."""
    status = waits_on(loop)
    return f"; it re-sends until outside state changes ({status}), and only that ends it" if status else ""


RULE = Rule(
    id="EL101",
    title="Unguarded recursive loop",
    rationale=(
        "A function triggered by a bucket writes objects that bucket notifies it of, so "
        "every invocation causes another one. Lambda scales the loop out and bills every "
        "invocation; runtime loop detection stops it only after about 16 hops, and not at "
        "all with RecursiveLoop: Allow."
    ),
    remediation=(
        "write to a different resource than the one that triggers the function (a second "
        "bucket, queue or topic); or filter the trigger so the function's own output cannot "
        "match it (an S3 prefix/suffix the output key never has, an SNS filter policy, "
        "FilterCriteria, an EventBridge pattern); or mark what it writes and skip marked input "
        "(S3 user metadata checked with HeadObject, a message attribute); or dedupe keys "
        "through a DynamoDB table with TTL and a stream. Meanwhile set "
        "ReservedConcurrentExecutions."
    ),
    check=check,
    examples=("s3-same-bucket-loop", "s3-two-buckets"),
)
