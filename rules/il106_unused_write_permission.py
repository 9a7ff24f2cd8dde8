"""IL106: the only thing closing a loop is a write permission the handler code never uses."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import Finding, Rule, RuleContext, fix_text


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
                loop, fix=fix_text.narrow_grant_fix(ctx, hop),
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
        "remove the write the code never uses from the grant that reaches the trigger: read-only "
        "access to a trigger bucket, table or stream (S3ReadPolicy, DynamoDBReadPolicy, "
        "KinesisStreamReadPolicy instead of their Crud/Write policies), no send or publish grant on a "
        "trigger queue or topic, an invoke or start grant scoped to the functions or state machines "
        "the code calls; and write access only to what the code writes."
    ),
    check=check,
    examples=("s3-crud-unused-write", "s3-two-buckets"),
)
