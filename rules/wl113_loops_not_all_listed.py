"""WL113: a group of connected resources holds more loops than loopcheck lists (a bound cut
its cycle search short), and judged hop by hop, some of its functions can still trigger one
another round a loop no guard stops: a loop loopcheck did not list cannot be ruled out."""

from __future__ import annotations

from typing import Dict, Iterable, List, Set

from loopcheck.cycles import is_cyclic, strongly_connected
from loopcheck.findings import Finding
from loopcheck.graph import CutComponent, EventGraph
from loopcheck.hops import judge_hop
from loopcheck.loops import POSSIBLE, Hop
from loopcheck.model import S3Trigger
from loopcheck.rulebase import Rule, RuleContext

# Hops are writer -> non-writers... -> writer inside the component; real ones pass through
# one to three resources. Past these bounds a hop is not judged but assumed possible.
MAX_CHAIN = 8
MAX_PATHS = 20_000
MAX_NOTES = 12


def check(ctx: RuleContext) -> Iterable[Finding]:
    for cut in ctx.graph.cut_components:
        ring, hops = _possible_ring(ctx.graph, cut)
        if not ring:
            continue
        first = ring[0]
        listed = f"listed {cut.listed} of them" if cut.listed else "listed none of them"
        shown = ", ".join(ring[:6]) + (f" and {len(ring) - 6} more" if len(ring) > 6 else "")
        notes = [f"{hop.writer} -> {' -> '.join(hop.chain + (hop.consumer,)) if hop.chain else hop.consumer}: "
                 f"{hop.why or 'possible'}" for hop in hops[:MAX_NOTES]]
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


def _possible_ring(graph: EventGraph, cut: CutComponent) -> tuple:
    """(writers, hops): the writers of the component that lie on a cycle of hops each judged
    possible or worse (in template order), and those hops; ([], []) when every cycle of the
    component has a guarded or impossible hop."""
    members: Set[str] = set(cut.nodes)
    successors: Dict[str, List[str]] = {node: [] for node in cut.nodes}
    predecessors: Dict[str, List[str]] = {node: [] for node in cut.nodes}
    for a, b in dict.fromkeys(graph.edges()):
        if a in members and b in members:
            successors[a].append(b)
            predecessors[b].append(a)
    writers = [node for node in cut.nodes if graph.is_actor(node)]
    next_writers: Dict[str, List[str]] = {w: [] for w in writers}
    judged: Dict[tuple, Hop] = {}
    paths = 0
    for writer in writers:
        incoming = _arrivals(graph, writer, predecessors)
        stack = [(writer, [])]  # (node, chain so far)
        while stack:
            node, chain = stack.pop()
            for nxt in successors[node]:
                paths += 1
                if graph.is_actor(nxt):
                    if nxt in next_writers[writer]:
                        continue  # one possible hop to it is enough
                    hop = _judge(graph, writer, chain, nxt, incoming, paths > MAX_PATHS)
                    if hop.level >= POSSIBLE:
                        judged.setdefault((writer, nxt), hop)
                        if nxt not in next_writers[writer]:
                            next_writers[writer].append(nxt)
                elif nxt not in chain and nxt != writer:
                    if len(chain) >= MAX_CHAIN or paths > MAX_PATHS:
                        judged.setdefault((writer, nxt), Hop(writer, nxt, nxt, POSSIBLE,
                                                             why="not judged (search bound)"))
                        next_writers[writer].extend(w for w in writers if w not in next_writers[writer])
                        continue
                    stack.append((nxt, chain + [nxt]))
    number = {w: i for i, w in enumerate(writers)}
    numbered = [sorted({number[n] for n in next_writers[w]}) for w in writers]
    ring: List[str] = []
    for component in strongly_connected(numbered):
        if is_cyclic(component, numbered):
            ring += [writers[i] for i in component]
    ring.sort(key=number.__getitem__)
    on_ring = set(ring)
    hops = [hop for (a, b), hop in judged.items() if a in on_ring and b in on_ring]
    hops.sort(key=lambda hop: (number[hop.writer], number.get(hop.consumer, len(number))))
    return ring, hops


def _judge(graph: EventGraph, writer: str, chain: List[str], consumer: str,
           incoming: List[S3Trigger], unjudged: bool) -> Hop:
    """The hop judged with every S3 arrival the writer may have on some cycle, and with none;
    the stronger verdict counts."""
    if unjudged:
        return Hop(writer, chain[0] if chain else consumer, consumer, POSSIBLE, chain=tuple(chain),
                   why="not judged (search bound)")
    hop = judge_hop(graph, writer, chain, consumer, incoming)
    if incoming:
        bare = judge_hop(graph, writer, chain, consumer, [])
        if bare.level > hop.level:
            hop = bare
    return hop


def _arrivals(graph: EventGraph, writer: str, predecessors: Dict[str, List[str]]) -> List[S3Trigger]:
    """The S3 notifications whose objects may reach the writer: from the nearest buckets
    upstream inside the component, directly or through the non-writers in between."""
    found: List[S3Trigger] = []
    seen = {writer}
    frontier = [writer]
    while frontier:
        node = frontier.pop()
        for before in predecessors.get(node, ()):
            if before in seen or graph.is_actor(before):
                continue
            seen.add(before)
            if graph.model.kind_of(before) == "bucket":
                found += [t for t in graph.triggers_between(before, node) if t not in found]
            else:
                frontier.append(before)
    return found


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
