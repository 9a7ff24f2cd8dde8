"""WL102: a loop that a key filter may or may not break: nothing shows the output keys
fall outside the filter."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import POSSIBLE, Finding, Rule, RuleContext, fix_text


def check(ctx: RuleContext) -> Iterable[Finding]:
    for loop in ctx.loops:
        if loop.level != POSSIBLE or loop.rests_on_unknown_permissions or loop.rests_on_broad_grant:
            continue
        function = loop.writers[0]
        message = _message(ctx, loop, function)
        finding = ctx.loop_finding(RULE, function, ctx.actor_path(function), message, loop,
                                   fix=fix_text.filter_fix(ctx, loop))
        # The dedupe design's doubt is the message itself: its step would say it a second time.
        said = {hop.why for hop in loop.hops if hop.dedupe and hop.why and hop.why in message}
        finding.steps = [step for step in finding.steps if not (step.depth and step.text in said)]
        yield finding


def _message(ctx: RuleContext, loop, function: str) -> str:
    # Every hop is a function's write into a bucket judged with the notification it passes
    # (a Step Functions task's write is judged by the notification after it, not with it).
    s3_only = all(not hop.chain or len(hop.chain) == 1 and hop.task is None and bool(hop.links)
                  and hop.links[0][0].service == "s3" for hop in loop.hops)
    s3_only = s3_only and not any(hop.destination is not None and hop.destination.patterns for hop in loop.hops)
    # A check in the code that cannot be shown to skip the output is the doubt, not the filter.
    doubted_check = any(hop.level == POSSIBLE and hop.guard is not None for hop in loop.hops)
    if s3_only and not doubted_check and not any(hop.dedupe for hop in loop.hops):
        return (f"possible recursive loop {ctx.path_text(loop)}: the notification has a key filter, "
                f"but {ctx.display(function)} may write keys that match it")
    doubts = [hop.why for hop in loop.hops if hop.level == POSSIBLE and hop.why]
    return (f"possible recursive loop {ctx.path_text(loop)}: "
            + (doubts[0] if doubts else "a filter exists, but nothing shows it drops what the writer emits"))


RULE = Rule(
    id="WL102",
    title="Key filter does not provably break the loop",
    rationale=(
        "A prefix/suffix filter guards a same-bucket write only when the output key can "
        "never match it. The function may write anywhere in the bucket, so one key that "
        "matches the filter restarts the loop."
    ),
    remediation=(
        "make the filter one the writer's output provably cannot match, for the trigger's service: "
        "for an S3 notification, scope the write grant to keys outside its prefix/suffix (write "
        "processed/* under an uploads/ filter) or write to a second bucket; for a DynamoDB or "
        "Kinesis stream or an SQS queue, event source mapping FilterCriteria on a field the "
        "writer's records lack; for SNS, a subscription FilterPolicy; for EventBridge, a rule "
        "pattern on a source or detail-type the writer never uses."
    ),
    check=check,
    examples=("s3-prefix-code-in-s3", "s3-prefix-scoped"),
)
