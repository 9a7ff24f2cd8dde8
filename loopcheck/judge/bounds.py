"""Stage 6, judge: the bound a loop's code puts on it (a counter or a deadline checked before
a write back, facts.Bound), the hops it allows, and what Lambda's runtime loop detection
will do to the loop: cut it after about 16 invocations, never see it, or leave it to the
bound because a function sets RecursiveLoop: Allow.
"""

from __future__ import annotations

import math
from typing import Optional

from loopcheck.code.facts import WAITS_ON
from loopcheck.judge.verdicts import LOOP, Loop, LoopBound
from loopcheck.knowledge.event_paths import RUNTIME_DETECTION_HOPS
from loopcheck.model.resources import Model


def loop_bound(model: Model, loop: Loop) -> Optional[LoopBound]:
    """The bound of a loop whose every hop runs again, from the hop whose write carries one
    (the fewest hops when several do); None when no write back is bounded."""
    if loop.level != LOOP:
        return None
    found: Optional[LoopBound] = None
    for hop in loop.hops:
        bound = hop.bound
        if bound is None or hop.write is None:
            continue
        hops = bound.limit if bound.limit is not None else _env_number(model, hop.writer, bound.limit_env)
        if bound.limit is None and hops is not None and bound.kind == "deadline":
            hops = math.ceil(hops / bound.delay) if bound.delay else None  # the timeout, in seconds
        file = bound.file or hop.write.write.file
        candidate = LoopBound(bound, hop.writer, file, bound.line, hops, _runtime(model, loop, hops))
        if found is None or (hops is not None and (found.hops is None or hops < found.hops)):
            found = candidate
    return found


def bound_text(bound: LoopBound) -> str:
    """`bounded: at most N hops (by <variable>, <file>:<line>)`, as messages say it."""
    size = f"at most {bound.hops} hops" if bound.hops is not None else "an unknown number of hops"
    return f"bounded: {size} (by {bound.bound.variable}, {bound.where})"


# What Lambda's runtime loop detection does to a bounded loop, as messages say it.
RUNTIME_TEXT = {
    "not-seen": "AWS's runtime loop detection does not see this path, so the bound alone ends it",
    "allowed": "RecursiveLoop: Allow is set, so AWS leaves it to the bound",
    "bound-first": "the bound ends it before AWS's runtime loop detection (~16 invocations) would",
    "stops-at-16": "AWS's runtime loop detection will stop it after about 16 invocations, before the bound",
}


def waits_on(loop: Loop) -> str:
    """The status check a write back of the loop runs under, when the code shows that it is
    re-sent until outside state changes (and no bound ends it): `<test> (file:line)`."""
    for hop in loop.hops:
        if hop.write is not None and hop.write.write.details.get(WAITS_ON):
            return hop.write.write.details[WAITS_ON]
    return ""


def _runtime(model: Model, loop: Loop, hops: Optional[int]) -> str:
    if loop.uncovered:
        return "not-seen"
    if any(model.functions[f].recursive_loop == "Allow" for f in loop.functions):
        return "allowed"
    return "bound-first" if hops is not None and hops <= RUNTIME_DETECTION_HOPS else "stops-at-16"


def _env_number(model: Model, function_id: str, name: str) -> Optional[int]:
    """The writer's environment variable `name` as the template sets it, when a literal number."""
    function = model.functions.get(function_id)
    if not name or function is None:
        return None
    value = function.environment.get(name)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
