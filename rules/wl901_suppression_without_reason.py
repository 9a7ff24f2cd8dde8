"""WL901: a loopcheck suppression in a resource's Metadata that gives no reason (or names no
rule); it suppresses nothing until it does."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import Finding, Rule, RuleContext, suppressions


def check(ctx: RuleContext) -> Iterable[Finding]:
    _found, problems = ctx.suppressions()
    for problem in problems:
        if problem.kind == suppressions.INCOMPLETE:  # an unknown rule id is WL903's
            yield ctx.finding(RULE, problem.resource, problem.path, problem.message)


RULE = Rule(
    id="WL901",
    title="Suppression without a reason",
    rationale=(
        "A suppression hides a loop from every later review. Without a written reason nobody "
        "can tell whether the loop was judged safe or just silenced, so loopcheck does not "
        "honour it."
    ),
    remediation=(
        "give the entry a reason: Metadata: {loopcheck: {ignore: [{rule: EL101, reason: "
        "\"why this loop cannot run away\"}]}}; or fix the loop and remove the entry."
    ),
    check=check,
    examples=("suppression-without-reason", "suppression-with-reason"),
)
