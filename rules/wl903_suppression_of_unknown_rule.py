"""WL903: a suppression that names no loopcheck rule (a typo such as EL1O1, or a rule that
does not exist): it suppresses nothing. Checked in loopcheck's own entries and in cfn-lint's
`ignore_checks` (on a resource or the template) where an id is in loopcheck's shape; cfn-lint's
own ids there (E3012, W2001) are cfn-lint's business."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import Finding, Rule, RuleContext, suppressions


def check(ctx: RuleContext) -> Iterable[Finding]:
    _found, problems = ctx.suppressions()
    for problem in problems:
        if problem.kind == suppressions.UNKNOWN_RULE:
            yield ctx.finding(RULE, problem.resource, problem.path, problem.message)


RULE = Rule(
    id="WL903",
    title="Suppression of an unknown rule",
    rationale=(
        "A suppression whose rule id is misspelled looks like a decision on record but "
        "suppresses nothing: the finding it was meant for still fails the build, or, once the "
        "id is corrected, a different finding than the one reviewed is hidden."
    ),
    remediation=(
        "spell the id as `loopcheck rules` lists it (EL101, not EL1O1), or remove the entry; "
        "in a resource's cfn-lint ignore_checks write whole ids, since cfn-lint matches "
        "prefixes only in the template's own Metadata."
    ),
    check=check,
    examples=("suppression-unknown-rule", "suppression-with-reason"),
)
