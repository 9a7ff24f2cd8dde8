"""WL113: a group of connected resources holds more loops than loopcheck lists (a bound cut
its cycle search short), and judged hop by hop, some of its functions can still trigger one
another round a loop no guard stops: a loop loopcheck did not list cannot be ruled out."""

from __future__ import annotations

from typing import Iterable

from loopcheck.rulebase import Finding, Rule, RuleContext, possible_ring

MAX_NOTES = 12


def check(ctx: RuleContext) -> Iterable[Finding]:
    for cut in ctx.graph.cut_components:
        ring, hops = possible_ring(ctx.graph, cut)
        if not ring:
            continue
        first = ring[0]
        listed = f"listed {cut.listed} of them" if cut.listed else "listed none of them"
        shown = ", ".join(ctx.display(node) for node in ring[:6]) + (f" and {len(ring) - 6} more"
                                                                     if len(ring) > 6 else "")
        notes = [" -> ".join(ctx.display(node) for node in (hop.writer,) + hop.chain + (hop.consumer,))
                 + f": {hop.why or 'possible'}" for hop in hops[:MAX_NOTES]]
        if len(hops) > MAX_NOTES:
            notes.append(f"... and {len(hops) - MAX_NOTES} more hops")
        yield ctx.finding(
            RULE, first, ctx.actor_path(first),
            # The group is named by its size and the functions on the ring: where buckets and
            # queues sit in the file differs once SAM is transformed (the cfn-lint plugin).
            f"loops not all listed: a group of {len(cut.nodes)} connected resources holds {cut.why}; "
            f"loopcheck {listed}, and judged hop by hop {shown} can still trigger one another "
            "round a loop no guard stops",
            notes=notes,
        )


RULE = Rule(
    id="WL113",
    title="Loops not all listed: a bound cut the cycle search, and a loop cannot be ruled out",
    rationale=(
        "loopcheck lists the loops of each group of connected resources up to bounds (200 "
        "loops, 256 resources on one loop, a number of search steps) that keep its run time "
        "bounded. Past them, the loops it did not list are not judged one by one; when the "
        "group's functions can still trigger one another round a loop whose every hop is "
        "possible, one of those unlisted loops may be real."
    ),
    remediation=(
        "break the group into independent parts (each function writing only what does not "
        "trigger the others), or guard the hops the notes list (a filter the output cannot "
        "match, a second bucket or queue); then scan again to see every loop listed."
    ),
    check=check,
    examples=("loops-not-all-listed", "loops-not-all-listed-guarded"),
)
