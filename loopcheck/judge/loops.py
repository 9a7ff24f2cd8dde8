"""Stage 6a, loops: judge every cycle of the event graph hop by hop (loopcheck.judge.hops);
a cycle is as strong as its weakest hop.

The verdict types live in loopcheck.judge.verdicts; they are re-exported here, where the rule
base and the reporters have always found them.
"""

from __future__ import annotations

from typing import List

from loopcheck.graph.event_graph import EventGraph
from loopcheck.judge.bounds import loop_bound
from loopcheck.judge.hops import judge_dedupe, judge_hop
from loopcheck.judge.message_guards import judge_message_guards
from loopcheck.judge.verdicts import GUARDED, LOOP, NONE, POSSIBLE, Hop, Loop
from loopcheck.model.resources import Trigger
from loopcheck.services.registry import RUNTIME_COVERED, UNCOVERED_SERVICES

__all__ = ["GUARDED", "LOOP", "NONE", "POSSIBLE", "Hop", "Loop", "find_loops"]


def _arrivals(graph: EventGraph, nodes: List[str], writer_index: int) -> List[Trigger]:
    """The S3 notifications whose objects reach the writer on this cycle: from the nearest
    bucket upstream, directly or through the queues, topics or bus in between (a handler
    reading `record.s3.bucket.name` out of an SQS body or an EventBridge detail still means
    that bucket)."""
    count = len(nodes)
    downstream = nodes[writer_index]
    for step in range(1, count):
        node = nodes[(writer_index - step) % count]
        if graph.is_actor(node):
            return []
        if graph.model.kind_of(node) == "bucket":
            return graph.triggers_between(node, downstream)
        downstream = node
    return []


def find_loops(graph: EventGraph) -> List[Loop]:
    """Every cycle with its hops judged; cycles with an impossible hop are dropped, except
    those closed only by permission the code never uses (advice).

    A hop runs from one writer (function or state machine) to the next, through the nodes
    between them (a bucket; a topic then a queue; a table's stream; a bus...)."""
    model = graph.model
    loops = []
    for cycle in graph.cycles():
        loop = Loop(cycle)
        loop.function_ids = graph.function_ids
        nodes = cycle[:-1]
        count = len(nodes)
        actors = [i for i in range(count) if graph.is_actor(nodes[i])]
        for k, i in enumerate(actors):
            j = actors[(k + 1) % len(actors)]
            chain = []
            position = (i + 1) % count
            while position != j:
                chain.append(nodes[position])
                position = (position + 1) % count
            incoming = _arrivals(graph, nodes, i)
            loop.hops.append(judge_hop(graph, nodes[i], chain, nodes[j], incoming))
        judge_dedupe(graph, loop)
        judge_message_guards(graph, loop)
        loop.uncovered = [n for n in nodes if model.kind_of(n) not in RUNTIME_COVERED]
        # A delivery runtime detection cannot see (a function's log output to a subscriber).
        loop.uncovered += [hop.target for hop in loop.hops
                           if hop.destination is not None and hop.destination.service in UNCOVERED_SERVICES
                           and hop.target not in loop.uncovered]
        loop.bound = loop_bound(model, loop)
        if loop.level > NONE or loop.closed_only_by_unused_permission:
            loops.append(loop)
    return loops
