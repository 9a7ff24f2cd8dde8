"""IL105: a function writes to its own trigger bucket behind a guard but has no
ReservedConcurrentExecutions to limit the damage if the guard ever fails."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import GUARDED, Finding, Rule, RuleContext, fix_text


def check(ctx: RuleContext) -> Iterable[Finding]:
    reported = set()
    for loop in ctx.loops:
        if loop.level != GUARDED:
            continue
        for function_id in loop.functions:
            function = ctx.model.functions[function_id]
            if function.reserved_concurrency is not None or function_id in reported:
                continue
            reported.add(function_id)
            guards = [hop.why for hop in loop.hops if hop.level == GUARDED]
            yield ctx.finding(
                RULE, function_id, function.path,
                f"{ctx.display(function_id)} writes back into its own trigger path {ctx.path_text(loop)} "
                "behind a guard, without ReservedConcurrentExecutions",
                cycle=loop.cycle, notes=[f"guard: {why}" for why in guards],
                fix=fix_text.reserve_fix(ctx, function_id),
            )


RULE = Rule(
    id="IL105",
    title="Guarded same-bucket write without reserved concurrency",
    rationale=(
        "A guard holds only as long as the code and the filter stay as they are. Reserved "
        "concurrency caps how fast a loop can spend if a later change breaks the guard, and "
        "a CloudWatch alarm on ConcurrentExecutions tells a person."
    ),
    remediation=(
        "set ReservedConcurrentExecutions on the function, and alarm on its "
        "ConcurrentExecutions metric."
    ),
    check=check,
    examples=("s3-prefix-scoped", "s3-prefix-scoped-reserved"),
)
