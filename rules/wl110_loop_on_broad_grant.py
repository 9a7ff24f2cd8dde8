"""WL110: a loop that only a broad grant shows: a wildcard permission (or an invoke/start
grant) reaches the trigger, and no code that loopcheck could read writes it; or the code
invokes a function (or starts a state machine) without a name, and the grant matches the name
CloudFormation generates for it only through a wildcard; or the function cannot start as
written (its package, built from a folder with nothing added, lacks its handler module), so its
grant shows no write."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import POSSIBLE, Finding, Rule, RuleContext


def check(ctx: RuleContext) -> Iterable[Finding]:
    for loop in ctx.loops:
        if loop.level != POSSIBLE or loop.rests_on_unknown_permissions or not loop.rests_on_broad_grant:
            continue
        hop = next(h for h in loop.hops if h.level == POSSIBLE and h.broad)
        writer, target = ctx.display(hop.writer), ctx.display(hop.target)
        code = ctx.graph.code.get(hop.writer)
        if hop.write is None and code is not None and code.source.cannot_start:
            yield ctx.loop_finding(
                RULE, loop.writers[0], ctx.actor_path(loop.writers[0]),
                f"possible recursive loop {ctx.path_text(loop)}: only a grant lets {writer} write {target}, "
                f"and {writer} cannot start as written (its handler module is not in its package)",
                loop, fix=(f"put {writer}'s handler module in the folder its package is built from, or correct "
                           f"its handler; then let loopcheck read what it writes, and write to a second "
                           f"resource rather than {target} if it does."),
            )
            continue
        if hop.grant is not None and hop.grant.generated_name and hop.write is not None:
            unread = f"it matches {target}'s generated name only through a wildcard"
            fix = (f"name {target} in the grant (!GetAtt {target}.Arn) so the permission is exact, and bound "
                   "the re-run in the code (a depth counter in the payload) or remove the call.")
        else:
            if hop.write is not None:
                unread = "its code does not name what it writes"
            elif hop.code_note:  # why, in the notes: the message stays the same in every front-end
                unread = "its code could not be read"
            else:
                unread = "its code does not show the write"
            fix = (f"scope {writer}'s grant to what it really writes (name it instead of `*`), so it no "
                   f"longer covers {target}.")
        yield ctx.loop_finding(
            RULE, loop.writers[0], ctx.actor_path(loop.writers[0]),
            f"possible recursive loop {ctx.path_text(loop)}: only a broad grant lets "
            f"{ctx.display(hop.writer)} write {ctx.display(hop.target)}, and {unread}",
            loop, fix=fix,
        )


RULE = Rule(
    id="WL110",
    title="Loop shown only by a broad grant",
    rationale=(
        "A wildcard permission (`s3:PutObject` on `*`, `sqs:*` on `*`, a full-access managed "
        "policy) or a Lambda invoke / Step Functions start grant reaches the resource that "
        "triggers the function, but nothing shows the function writes it: the handler code "
        "could not be read, or it does not name its target. Most such grants are just broad, "
        "so this is a doubt, not an error; reading the code settles it. A function whose "
        "package is built from a folder with nothing added (Terraform's `archive_file` of "
        "`source_dir` or `source_file`) and lacks its handler module cannot start, so its "
        "grant shows no write: that loop is this doubt too."
    ),
    remediation=(
        "let loopcheck read the handler (a CodeUri with the sources; Metadata.DockerContext for "
        "an image; BuildProperties.EntryPoints for esbuild), and scope the grant to the resources "
        "the function really writes (name the output bucket, queue or topic instead of `*`)."
    ),
    check=check,
    examples=("wildcard-grant-no-code", "s3-two-buckets"),
)
