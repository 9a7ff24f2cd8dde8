"""WL112: a mapping key written twice in the template; the last value is the one analysed
and deployed (SAM CLI's parser keeps it silently), the earlier one is ignored."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from loopcheck.rulebase import Finding, Rule, RuleContext


def check(ctx: RuleContext) -> Iterable[Finding]:
    # The loader records duplicates on the template's top-level mapping (loopcheck.load.loader.
    # TemplateData); a combined cross-stack model or cfn-lint's decoded template has none.
    data = ctx.model.data
    duplicates = getattr(data, "duplicates", None) or []
    cut = getattr(data, "duplicates_cut", 0) or 0
    for index, duplicate in enumerate(duplicates):
        path = list(duplicate.path)
        key = path[-1]
        resource = str(path[1]) if len(path) >= 2 and path[0] == "Resources" else ""
        first = f"line {duplicate.first_line}" if duplicate.first_line else "earlier"
        notes = []
        if cut and index == len(duplicates) - 1:
            notes.append(f"{cut} more duplicate key{'s' if cut != 1 else ''} in this file not listed")
        finding = ctx.finding(
            RULE, resource, path,
            f"duplicate key '{key}': its value here replaces the one on {first}, which is ignored",
            notes=notes,
        )
        # At the second occurrence itself (`locate` may land elsewhere through an alias).
        yield replace(finding, line=duplicate.line, column=duplicate.column)


RULE = Rule(
    id="WL112",
    title="Duplicate mapping key",
    rationale=(
        "YAML and JSON both say a mapping's keys are unique, but SAM CLI's parser (PyYAML) and "
        "most JSON readers keep the last value without a word, so the template deploys with "
        "part of what was written silently dropped: a second `Events` or `Policies` block, or a "
        "whole resource written twice under one logical id. loopcheck analyses what deploys (the "
        "last value) and says so; cfn-lint refuses such a template outright."
    ),
    remediation=(
        "keep one copy of the key: merge the two values, or rename one of them if both were "
        "meant to exist (two resources need two logical ids)."
    ),
    check=check,
    examples=("duplicate-key", "s3-two-buckets"),
)
