"""Whether a permission names the resource it reaches, or reaches it only by a wildcard.

The evidence policy (README, "How loopcheck decides"): where the handler code cannot decide,
an error needs a grant that names the trigger resource itself (Ref, GetAtt, Sub, its literal
name or ARN). A grant that reaches it only through a wildcard (`*`, `arn:aws:s3:::*`, a
service-wide action on `*`, an AWS managed policy) is what nearly every real template holds
for unrelated reasons, so it can only make a loop possible. Invoke and StartExecution grants
are held by orchestrators for many purposes: which function or workflow they start, on which
event, is only in their code.
"""

from __future__ import annotations

from typing import List, Optional

from loopcheck.model.resources import Model
from loopcheck.resolve.globs import Tokens, tokens

# Actions whose grant alone never shows a loop, however exactly it names its target.
ORCHESTRATION_ACTIONS = ("lambda:InvokeFunction", "lambda:InvokeAsync", "states:StartExecution",
                         "states:StartSyncExecution")

_ARN_FIELDS = 5  # arn:partition:service:region:account:<resource>


def _resource_part(toks: Tokens) -> Optional[Tokens]:
    """The tokens after an ARN's fifth colon, or None when the pattern is no ARN (e.g. `*`)."""
    colons = 0
    for index, token in enumerate(toks):
        if token == ":":
            colons += 1
            if colons == _ARN_FIELDS:
                return toks[index + 1:]
    return None


def _starts_with(toks: Tokens, head: Tokens, separators: str) -> bool:
    if not head or toks[:len(head)] != head:
        return False
    return len(toks) == len(head) or toks[len(head)] in tuple(separators)


def names_bucket(grant_tokens: Tokens, bucket_arns: List[Tokens]) -> bool:
    """An S3 grant names the bucket when its ARN spells the bucket's whole name before any
    wildcard: `arn:aws:s3:::media/*` names `media`; `arn:aws:s3:::*`, `arn:aws:s3:::med*`
    and `*` do not."""
    return any(_starts_with(grant_tokens, arn, "/") for arn in bucket_arns if arn)


def names_resource(model: Model, grant_tokens: Tokens, target: str) -> bool:
    """A grant names a queue, topic, table, stream, bus, function or state machine when the
    resource part of its ARN starts with the target's own (region and account may be
    wildcards): `arn:aws:sqs:*:*:jobs` names `jobs`; `arn:aws:sqs:*:*:*` and `*` do not."""
    resolver = model.resolver
    if model.raw(target) is None:
        return False
    for arn in resolver.resource_arn(target):
        arn_tokens = tokens(arn, wildcards=False)
        own = _resource_part(arn_tokens)
        if own is None:  # an ARN loopcheck only knows as GetAtt X.Arn: the grant must be it
            if _starts_with(grant_tokens, arn_tokens, ":/"):
                return True
            continue
        granted = _resource_part(grant_tokens)
        if granted is not None and _starts_with(granted, own, ":/"):
            return True
    return False


def broad_grant_reason(model: Model, action: str, grant_tokens: Tokens, resource_text: str,
                       target: str, bucket_arns: Optional[List[Tokens]] = None,
                       code_read: bool = False) -> str:
    """Why this grant alone cannot make a loop an error ("" when it can): it reaches the
    target only through a wildcard, or it is an invoke/start grant and no code was read."""
    if action in ORCHESTRATION_ACTIONS and not code_read:
        return (f"a {action} grant shows only that it may start {model.display(target)}; which one it starts, "
                "and on which event, is in its code")
    named = (names_bucket(grant_tokens, bucket_arns) if bucket_arns is not None
             else names_resource(model, grant_tokens, target))
    if named:
        return ""
    return f"{action} on {resource_text} reaches {model.display(target)} only through a wildcard"
