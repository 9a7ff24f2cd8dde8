"""WL108: the DynamoDB dedupe design without TTL on its table: the table grows forever."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import Finding, Rule, RuleContext, mapping


def check(ctx: RuleContext) -> Iterable[Finding]:
    reported = set()
    for loop in ctx.loops:
        for hop in loop.hops:
            table = ctx.model.resources.get(hop.dedupe) if hop.dedupe else None
            if table is None or table.id in reported:
                continue
            ttl = mapping(table.properties.get("TimeToLiveSpecification"))
            if ttl.get("Enabled") in (True, "true", "True"):
                continue
            reported.add(table.id)
            yield ctx.finding(
                RULE, table.id, table.path,
                f"{ctx.display(table.id)} dedupes object keys for the loop {ctx.path_text(loop)} but has "
                "no TTL: every key is kept forever",
                cycle=loop.cycle, notes=[f"guard: {hop.why}"],
                fix=(f"enable TimeToLiveSpecification on {ctx.display(table.id)} and write an expiry "
                     f"attribute with each key; keep {ctx.display(hop.consumer)}'s stream filter on INSERT "
                     "(TTL deletes arrive as REMOVE records)."),
            )


RULE = Rule(
    id="WL108",
    title="Dedupe table without TTL",
    rationale=(
        "The dedupe design records every object key in a DynamoDB table so a repeated put "
        "emits no new stream record. Without TimeToLiveSpecification the table only grows, "
        "and its storage bill with it."
    ),
    remediation=(
        "enable TimeToLiveSpecification on the table and write an expiry attribute with each "
        "key (TTL deletes arrive as REMOVE records: keep the consumer's filter on INSERT)."
    ),
    check=check,
    examples=("dynamodb-dedupe-no-ttl", "dynamodb-dedupe-guard"),
)
