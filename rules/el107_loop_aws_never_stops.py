"""EL107: an unguarded loop through DynamoDB, Kinesis, EventBridge, Step Functions or
Firehose, which Lambda's recursive loop detection never sees."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import LOOP, Finding, Rule, RuleContext, fix_text, uncovered_services, waits_on


def check(ctx: RuleContext) -> Iterable[Finding]:
    for loop in ctx.loops:
        if loop.level != LOOP or not loop.uncovered or loop.is_cascade or loop.bound is not None:
            continue  # a bounded loop is IL114's
        writer = loop.writers[0]
        through = ", ".join(uncovered_services(ctx.graph, loop))
        yield ctx.loop_finding(
            RULE, writer, ctx.actor_path(writer),
            f"recursive loop {ctx.path_text(loop)} through {through}: {ctx.display(writer)}'s writes can "
            "trigger it again, no guard stops them, and nothing at runtime will stop it" + _outside_state(loop),
            loop, fix=fix_text.break_fix(ctx, loop),
        )


def _outside_state(loop) -> str:
    """When the code re-sends while a status check fails: only that outside state ends it."""
    status = waits_on(loop)
    return f"; it re-sends until outside state changes ({status}), and only that ends it" if status else ""


RULE = Rule(
    id="EL107",
    title="Unguarded loop AWS never stops",
    rationale=(
        "Lambda's recursive loop detection only follows Lambda, SQS, SNS and S3. A loop that "
        "passes through a DynamoDB stream, Kinesis, EventBridge, Step Functions or Firehose "
        "runs, scales and bills until a person notices, whatever RecursiveLoop says."
    ),
    remediation=(
        "break the loop: write somewhere the trigger does not watch; filter the trigger so "
        "it cannot match the writer's output (event source mapping FilterCriteria on "
        "eventName, an EventBridge pattern on a source the writer never uses); or skip your "
        "own records in code before writing. Meanwhile set ReservedConcurrentExecutions and "
        "alarm on the function's ConcurrentExecutions."
    ),
    check=check,
    examples=("eventbridge-put-events-loop", "eventbridge-distinct-source"),
)
