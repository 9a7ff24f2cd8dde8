"""WL103: a loop that cannot be ruled out because the function's permissions are not
visible (a role from outside the template, a managed policy loopcheck does not know)."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import POSSIBLE, Finding, Rule, RuleContext


def check(ctx: RuleContext) -> Iterable[Finding]:
    for loop in ctx.loops:
        if loop.level != POSSIBLE or not loop.rests_on_unknown_permissions:
            continue
        function = loop.writers[0]
        yield ctx.loop_finding(
            RULE, function, ctx.actor_path(function),
            f"possible recursive loop {ctx.path_text(loop)}: {ctx.display(function)}'s permissions are not "
            "visible in the template, so a write back cannot be ruled out",
            loop, fix=_fix(ctx, loop),
        )


def _fix(ctx: RuleContext, loop) -> str:
    """Name the writer whose role is outside the template and what it must not write."""
    hop = next((h for h in loop.hops if h.level == POSSIBLE and h.unknown is not None), loop.hops[0])
    writer, target = ctx.display(hop.writer), ctx.display(hop.target)
    return (f"define {writer}'s role in the template, with write permissions only on what its code "
            f"writes and none on {target}; or write to a resource that does not trigger the loop.")


RULE = Rule(
    id="WL103",
    title="Loop cannot be ruled out: permissions not visible",
    rationale=(
        "The function is triggered by a bucket, and its role or a managed policy it uses is "
        "defined outside the template or unknown to loopcheck, which therefore cannot show "
        "that the function never writes back to the bucket that triggers it."
    ),
    remediation=(
        "define the role in the template with permissions scoped to the output bucket or "
        "prefix; or write to a second bucket."
    ),
    check=check,
    examples=("s3-external-role-code-in-s3", "s3-two-buckets"),
)
