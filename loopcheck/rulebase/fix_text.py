"""The case fix of a finding: one sentence naming the loop's own resources, from the per-service
ways out in loopcheck.knowledge.loop_fixes. A bucket's key filter is derived from the key the
writer's code is seen to write, where the analysis has one, and is then the way named.

Rules call these through the rule base for Finding.fix, which JSON, SARIF and the text report
carry; the rule's long fix (Rule.remediation), printed once per run, lists every way.
"""

from __future__ import annotations

from typing import List, Optional, Protocol, Tuple

from loopcheck.code.evidence import key_tokens
from loopcheck.judge.loops import GUARDED, POSSIBLE, Hop, Loop
from loopcheck.knowledge import loop_fixes
from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.model.resources import Model
from loopcheck.resolve.globs import literal_prefix


class FixContext(Protocol):
    """What the fix text reads of a rule's context (loopcheck.rulebase.rule.RuleContext, which
    sits above this module): the model and how text names a node."""

    model: Model

    def display(self, node: str) -> str: ...


def break_fix(ctx: FixContext, loop: Loop) -> str:
    """How to break an unguarded loop, in one sentence: the best way out of its first hop that
    runs again. The rule's long fix (printed once per run) lists the other ways and mitigations."""
    return _sentence(best_way(ctx, loop))


def best_way(ctx: FixContext, loop: Loop) -> str:
    """The first way out of the first hop that runs again ("" when every hop is guarded)."""
    for index, hop in enumerate(loop.hops):
        if hop.level > GUARDED:
            return hop_ways(ctx, loop, index)[0]
    return ""


def filter_fix(ctx: FixContext, loop: Loop) -> str:
    """WL102: how to make the filter loopcheck could not prove into one that provably drops the
    writer's output, said for the service of that filter."""
    ways = []
    for index, hop in enumerate(loop.hops):
        if hop.level != POSSIBLE:
            continue
        if hop.dedupe:
            table, consumer = ctx.display(hop.dedupe), ctx.display(hop.consumer)
            ways.append(f"let only {ctx.display(hop.writer)} write {table}, so its repeated put changes "
                        f"nothing, and filter {consumer}'s stream of {table} to INSERT records")
            continue
        link = _filtering_link(hop)
        template = loop_fixes.FILTER_BY_SERVICE.get(link.service) if link is not None else None
        if template is None or hop.destination is not None or hop.task is not None:
            ways.append(hop_ways(ctx, loop, index)[0])
            continue
        node = ctx.display(link.source)
        ways.append(template.format(writer=ctx.display(hop.writer), node=node, feeder=node,
                                    notified=ctx.display(link.consumer), consumer=ctx.display(hop.consumer),
                                    outside=_outside_filter(link)))
    return _sentence(ways[0] if ways else "make the filter drop what the writer emits")


def hop_ways(ctx: FixContext, loop: Loop, index: int) -> List[str]:
    """One hop's ways out, for the kind of node its writer writes, the best first: a bucket's key
    filter leads when it is derived from the key the writer's code writes."""
    hop = loop.hops[index]
    writer, node, consumer = ctx.display(hop.writer), ctx.display(hop.target), ctx.display(hop.consumer)
    if hop.destination is not None and ctx.model.kind_of(hop.target) != NodeKind.LOG_GROUP:
        return [loop_fixes.BREAK_DESTINATION.format(writer=writer, origin=hop.destination.origin,
                                                    consumer=consumer)]
    last = _last_link(hop)
    feeder = ctx.display(last.source) if last is not None else node
    kind = ctx.model.kind_of(hop.target)
    templates = loop_fixes.BREAK_BY_KIND.get(kind, (loop_fixes.BREAK_FALLBACK,))
    notified = _next_after(hop, hop.target)
    shown = ctx.display(notified)
    if kind == NodeKind.BUCKET and ctx.model.kind_of(notified) == NodeKind.BUS:
        # S3 sends every event to EventBridge: the key filter is the rule's pattern.
        shown = f"{consumer} through the rule on {shown} (a pattern on detail.object.key)"
    key_filter, derived = _key_filter(ctx, loop, index)
    ways = [template.format(writer=writer, node=node, consumer=consumer, feeder=feeder, notified=shown,
                            key_filter=key_filter) for template in templates]
    if kind == NodeKind.BUCKET and derived:
        ways.insert(0, ways.pop(loop_fixes.BUCKET_KEY_FILTER_WAY))
    return ways


def alarm_fix(ctx: FixContext, function_id: str) -> str:
    """IL109: the alarm to add, with the function's own logical id in the snippet."""
    name = ctx.display(function_id)
    return (f"add an AWS::CloudWatch::Alarm on the AWS/Lambda ConcurrentExecutions (or Invocations) "
            f"metric with Dimensions [{{Name: FunctionName, Value: !Ref {name}}}].")


def reserve_fix(ctx: FixContext, function_id: str) -> str:
    """IL105: cap the function a guard protects."""
    name = ctx.display(function_id)
    return f"set ReservedConcurrentExecutions on {name}, and alarm on {name}'s ConcurrentExecutions."


def narrow_grant_fix(ctx: FixContext, hop: Hop) -> str:
    """IL106: take away the write the code never uses, said for the granted action's service."""
    action = hop.grant.action if hop.grant is not None else ""
    service = action.split(":", 1)[0].lower() if ":" in action else ""
    template = loop_fixes.NARROW_GRANT_BY_SERVICE.get(service, loop_fixes.NARROW_GRANT_FALLBACK)
    return _sentence(template.format(writer=ctx.display(hop.writer), node=ctx.display(hop.target),
                                     grant=action or "write"))


def _key_filter(ctx: FixContext, loop: Loop, index: int) -> Tuple[str, bool]:
    """A bucket key filter the writer's output cannot match, and whether it is derived from the
    key its code writes: ("a prefix that `thumbnails/` keys cannot match (e.g. uploads/)", True)."""
    hop = loop.hops[index]
    generic = f"a prefix or suffix {ctx.display(hop.writer)}'s output keys never have"
    if hop.write is None or hop.write.write.key is None:
        return generic, False
    incoming = _incoming_s3(loop, index)
    tokens = key_tokens(hop.write.write.key, incoming, hop.write.write.guards)
    prefix = literal_prefix(tokens)
    suffix = literal_prefix(tuple(reversed(tokens)))[::-1]
    watched = incoming.prefix if incoming is not None and incoming.prefix else ""
    if prefix and watched and prefix.startswith(watched):
        return (f"a prefix its output keys cannot match (they start `{prefix}`, inside today's filter "
                f"`{watched}`: write them outside it)"), True
    if prefix:
        return f"a prefix that `{prefix}` keys cannot match (e.g. {_other_prefix(prefix)})", True
    if suffix and (incoming is None or not incoming.suffix):
        return f"a suffix that keys ending `{suffix}` cannot match", True
    return generic, False


def _outside_filter(link) -> str:
    """WL102, S3: the keys a notification's filter cannot match, as an example to write under."""
    prefix, suffix = getattr(link, "prefix", None), getattr(link, "suffix", None)
    if prefix:
        return f"outside `{prefix}`, e.g. {_other_prefix(prefix)}*"
    if suffix:
        return f"not ending `{suffix}`"
    return "a prefix or suffix it does not filter on"


def _other_prefix(prefix: str) -> str:
    """A folder to suggest that `prefix` does not start with (and that does not start it)."""
    for candidate in ("uploads/", "incoming/", "processed/"):
        if not prefix.startswith(candidate[:-1]) and not candidate.startswith(prefix):
            return candidate
    return "input/"


def _incoming_s3(loop: Loop, index: int) -> Optional[object]:
    """The S3 notification that runs this hop's writer (from the hop before it), if any."""
    for link, _why in loop.hops[index - 1].links:
        if getattr(link, "service", "") == "s3":
            return link
    return None


def _next_after(hop: Hop, node: str) -> str:
    """What `node` passes events to on this hop: the consumer of its trigger link."""
    for link, _why in hop.links:
        if getattr(link, "source", None) == node:
            return link.consumer
    return hop.consumer


def _filtering_link(hop: Hop) -> Optional[object]:
    """WL102: the trigger whose filter is in doubt: a bucket's notification (the key filter)
    when the hop passes one, else the trigger that runs the consumer."""
    for link, _why in hop.links:
        if getattr(link, "service", "") == "s3":
            return link
    return _last_link(hop)


def _last_link(hop: Hop) -> Optional[object]:
    """The trigger that runs the hop's consumer (the last link of its chain)."""
    for link, _why in reversed(hop.links):
        if getattr(link, "consumer", None) == hop.consumer:
            return link
    return hop.links[-1][0] if hop.links else None


def _sentence(text: str) -> str:
    return text if not text or text.endswith(".") else text + "."
