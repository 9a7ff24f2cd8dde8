"""IL109: a function on a loop AWS never stops, with no CloudWatch alarm on its
ConcurrentExecutions or Invocations."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import GUARDED, Finding, Rule, RuleContext, fix_text


def check(ctx: RuleContext) -> Iterable[Finding]:
    reported = set()
    for loop in ctx.loops:
        if loop.level < GUARDED or not loop.uncovered:
            continue
        for function_id in loop.functions:
            if function_id in ctx.model.alarmed or function_id in reported:
                continue
            reported.add(function_id)
            yield ctx.finding(
                RULE, function_id, ctx.model.functions[function_id].path,
                f"{ctx.display(function_id)} is on {ctx.path_text(loop)}, which nothing at runtime stops, "
                "and no CloudWatch alarm watches its ConcurrentExecutions or Invocations",
                cycle=loop.cycle,
                notes=["no AWS::CloudWatch::Alarm on ConcurrentExecutions or Invocations names "
                       + ctx.display(function_id)],
                fix=fix_text.alarm_fix(ctx, function_id),
            )


RULE = Rule(
    id="IL109",
    title="Loop AWS never stops, without an alarm",
    rationale=(
        "Loops through DynamoDB, Kinesis, EventBridge or Step Functions are invisible to "
        "Lambda's recursive loop detection. If a guard ever fails, an alarm on the function's "
        "concurrency or invocations is what tells a person."
    ),
    remediation=(
        "add an AWS::CloudWatch::Alarm on the AWS/Lambda ConcurrentExecutions (or Invocations) "
        "metric with Dimensions [{Name: FunctionName, Value: !Ref <the function's logical id>}]."
    ),
    check=check,
    examples=("eventbridge-put-events-loop", "s3-two-buckets"),
)
