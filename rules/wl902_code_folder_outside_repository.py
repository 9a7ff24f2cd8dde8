"""WL902: a function's code folder lies outside the repository that holds the template, so
loopcheck refused to read it and its verdicts rest on permissions alone."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import Finding, Rule, RuleContext


def check(ctx: RuleContext) -> Iterable[Finding]:
    for function_id, code in ctx.graph.code.items():
        if not code.source.escapes:
            continue
        function = ctx.model.functions[function_id]
        properties = function.properties
        key = "CodeUri" if "CodeUri" in properties else "Code"
        yield ctx.finding(
            RULE, function_id, function.path + ("Properties", key),
            f"{ctx.display(function_id)}'s code folder is outside the repository, so loopcheck did not read "
            f"it: {code.source.reason}",
        )


RULE = Rule(
    id="WL902",
    title="Code folder outside the repository",
    rationale=(
        "loopcheck reads handler code only inside the repository that holds the template, so "
        "a template cannot make it read arbitrary files (`CodeUri: ../../..`, `/etc`). Such a "
        "function's loops are judged on its permissions alone, which may hide a guard or a write."
    ),
    remediation=(
        "keep the function's code inside the repository (a relative CodeUri below the "
        "template's folder), or scan from the repository that holds both."
    ),
    check=check,
)
