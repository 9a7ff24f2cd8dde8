"""IL106: the only thing closing a loop is a write permission the handler code never uses."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import Finding, Rule, RuleContext


def check(ctx: RuleContext) -> Iterable[Finding]:
    reported = set()
    for loop in ctx.loops:
        if not loop.closed_only_by_unused_permission:
            continue
        for hop in loop.hops:
            if not hop.unused_permission or (hop.writer, hop.target) in reported:
                continue
            reported.add((hop.writer, hop.target))  # one piece of advice per permission
            function = ctx.model.functions[hop.writer]
            yield ctx.loop_finding(
                RULE, hop.writer, function.path,
                f"{ctx.display(hop.writer)} may write {ctx.display(hop.target)} but its code never does; "
                f"that unused permission is all that closes the loop {ctx.path_text(loop)}",
                loop,
            )


RULE = Rule(
    id="IL106",
    title="Unused write permission on a trigger bucket",
    rationale=(
        "The handler code never writes the bucket that triggers the loop, so today there is "
        "no loop; but the permission lets a future change (or a bug) close it, and least "
        "privilege says it should go."
    ),
    remediation=(
        "grant read-only access to the trigger bucket (S3ReadPolicy instead of S3CrudPolicy), "
        "and write access only to the bucket or prefix the code writes."
    ),
    check=check,
    examples=("s3-crud-unused-write", "s3-two-buckets"),
)
