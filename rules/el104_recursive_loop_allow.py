"""EL104: `RecursiveLoop: Allow` on a function that is on a loop."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import POSSIBLE, Finding, Rule, RuleContext, fix_text


def check(ctx: RuleContext) -> Iterable[Finding]:
    reported = set()
    for loop in ctx.loops:
        if loop.level < POSSIBLE or loop.bound is not None:
            continue  # Allow on a loop its code bounds is the right setting (IL114)
        for function_id in loop.functions:
            function = ctx.model.functions[function_id]
            if function.recursive_loop != "Allow" or function_id in reported:
                continue
            reported.add(function_id)
            yield ctx.loop_finding(
                RULE, function_id, function.path + ("Properties", "RecursiveLoop"),
                f"{ctx.display(function_id)} sets RecursiveLoop: Allow and is on the loop "
                f"{ctx.path_text(loop)}: AWS will never stop it",
                loop, fix=_fix(ctx, loop, function_id),
            )


def _fix(ctx: RuleContext, loop, function_id: str) -> str:
    """Take Allow away, then break the loop the way its hops allow."""
    text = (f"remove RecursiveLoop: Allow from {ctx.display(function_id)} (the default, Terminate, "
            "lets AWS stop the loop)")
    way = fix_text.best_way(ctx, loop)
    return f"{text}, and break the loop: {way}." if way else f"{text}."


RULE = Rule(
    id="EL104",
    title="RecursiveLoop: Allow on a function in a loop",
    rationale=(
        "Lambda's recursive loop detection is the last line of defence: it stops loops "
        "through SQS, SNS, S3 and Lambda after about 16 invocations. RecursiveLoop: Allow "
        "turns it off, so a loop runs and bills until someone notices."
    ),
    remediation=(
        "remove RecursiveLoop: Allow (the default is Terminate) and break the loop; keep "
        "Allow only for a deliberate, bounded recursion with its own stop condition."
    ),
    check=check,
    examples=("s3-recursive-loop-allow", "s3-two-buckets"),
)
