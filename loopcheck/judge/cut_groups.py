"""Stage 6c, cut groups: a group of connected resources whose cycle search a bound cut short
(loopcheck.graph.event_graph.CutComponent), judged hop by hop instead of loop by loop, so a loop that was
not listed is never taken for no loop (rule WL113 reports what this finds)."""

from __future__ import annotations

from typing import Dict, List, Set

from loopcheck.graph.cycles import is_cyclic, strongly_connected
from loopcheck.graph.event_graph import CutComponent, EventGraph
from loopcheck.judge.hops import judge_hop
from loopcheck.judge.verdicts import POSSIBLE, Hop
from loopcheck.model.resources import Trigger

# Hops are writer -> non-writers... -> writer inside the component; real ones pass through
# one to three resources. Past these bounds a hop is not judged but assumed possible.
MAX_CHAIN = 8
MAX_PATHS = 20_000


def possible_ring(graph: EventGraph, cut: CutComponent) -> tuple:
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
           incoming: List[Trigger], unjudged: bool) -> Hop:
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


def _arrivals(graph: EventGraph, writer: str, predecessors: Dict[str, List[str]]) -> List[Trigger]:
    """The S3 notifications whose objects may reach the writer: from the nearest buckets
    upstream inside the component, directly or through the non-writers in between."""
    found: List[Trigger] = []
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
