"""Bounded simple-cycle search on the event graph: strongly connected components (Tarjan),
then, inside each, the simple cycles up to a length, a count and a work budget.

The cycle search is Johnson's: a node from which the current path cannot get back to the
start stays blocked until that changes, so the work grows with the cycles found, not with
the paths tried, and long cycles cost no more than short ones. Whichever bound stops the
search is named in the result (LENGTH, COUNT, STEPS), so the caller can say so.

In-house rather than networkx: the scan needs only these two algorithms, and importing
networkx took more than a third of a pre-commit run's start-up. Nodes are the integers
0..n-1 and successor lists are sorted, so the search never depends on hash order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Set

LENGTH, COUNT, STEPS = "length", "count", "steps"


def strongly_connected(successors: Sequence[Sequence[int]]) -> List[List[int]]:
    """Every strongly connected component, each as a sorted list (Tarjan's algorithm,
    iterative so a long chain cannot exhaust Python's recursion limit)."""
    count = len(successors)
    index = [-1] * count
    low = [0] * count
    on_stack = [False] * count
    stack: List[int] = []
    components: List[List[int]] = []
    counter = 0
    for root in range(count):
        if index[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            recurse = False
            edges = successors[node]
            while position < len(edges):
                nxt = edges[position]
                position += 1
                if index[nxt] == -1:
                    work.append((node, position))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if on_stack[nxt]:
                    low[node] = min(low[node], index[nxt])
            if recurse:
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def is_cyclic(component: Sequence[int], successors: Sequence[Sequence[int]]) -> bool:
    """Whether a component holds a cycle: more than one node, or a node with a self-edge."""
    return len(component) > 1 or component[0] in successors[component[0]]


@dataclass
class Search:
    """What one bounded search found: the cycles (node lists, each from its smallest node),
    the bounds that cut it (empty when every cycle was listed) and the steps it used."""

    cycles: List[List[int]] = field(default_factory=list)
    cut: List[str] = field(default_factory=list)  # LENGTH, COUNT and/or STEPS
    steps: int = 0

    @property
    def complete(self) -> bool:
        return not self.cut


def simple_cycles(component: Sequence[int], successors: Sequence[Sequence[int]], *,
                  max_length: int, max_count: int, max_steps: int) -> Search:
    """The simple cycles inside one strongly connected component, each listed once, from its
    smallest node, in depth-first order over sorted successors; at most `max_count` of them,
    of at most `max_length` nodes, within `max_steps` steps (edges followed, nodes copied
    into listed cycles, blocking bookkeeping; dense graphs hold exponentially many cycles; a
    search that needs more is cut). LENGTH is in `cut` only when a longer cycle really
    exists and was left out."""
    search = Search()
    members: Set[int] = set(component)
    predecessors: Dict[int, List[int]] = {}
    for node in component:
        for nxt in successors[node]:
            if nxt in members:
                predecessors.setdefault(nxt, []).append(node)
    for start in component:  # sorted: cycles from smaller starts come first
        allowed = _reaching(start, members, predecessors)
        search.steps += len(allowed)
        stop = STEPS if search.steps > max_steps else _cycles_from(
            start, allowed, successors, search, max_length, max_count, max_steps)
        if stop:
            search.cut.append(stop)
            break
        members.discard(start)
    return search


def _cycles_from(start: int, allowed: Set[int], successors: Sequence[Sequence[int]], search: Search,
                 max_length: int, max_count: int, max_steps: int) -> str:
    """Johnson's circuit search from `start` within `allowed`, iterative; "" when it ran to
    its end, else the bound (COUNT, STEPS) that stopped it. A path stopped by the length
    bound counts as closed, so blocking stays sound (it only costs steps)."""
    found = search.cycles
    blocked = {start}
    waiting: Dict[int, Set[int]] = {}  # node -> the blocked nodes to free when it is freed
    path = [start]
    # frames: [node, iterator over its successors, whether a cycle closed below it]
    frames: List[list] = [[start, iter(successors[start]), False]]
    while frames:
        frame = frames[-1]
        pushed = False
        for nxt in frame[1]:
            search.steps += 1
            if search.steps > max_steps:
                return STEPS
            if nxt == start:
                if len(found) >= max_count:
                    return COUNT
                found.append(list(path))
                search.steps += len(path)
                if search.steps > max_steps:
                    return STEPS
                frame[2] = True
            elif nxt in allowed and nxt not in blocked:
                if len(path) >= max_length:
                    frame[2] = True
                    if LENGTH not in search.cut and _closes(nxt, start, allowed, set(path), successors, search):
                        search.cut.append(LENGTH)
                    if search.steps > max_steps:
                        return STEPS
                    continue
                path.append(nxt)
                blocked.add(nxt)
                frames.append([nxt, iter(successors[nxt]), False])
                pushed = True
                break
        if pushed:
            continue
        node, _, closed = frames.pop()
        path.pop()
        if closed:
            _unblock(node, blocked, waiting)
            if frames:
                frames[-1][2] = True
        else:
            for nxt in successors[node]:
                if nxt in allowed:
                    waiting.setdefault(nxt, set()).add(node)
            search.steps += len(successors[node])
            if search.steps > max_steps:
                return STEPS
    return ""


def _unblock(node: int, blocked: Set[int], waiting: Dict[int, Set[int]]) -> None:
    pending = [node]
    while pending:
        current = pending.pop()
        if current in blocked:
            blocked.discard(current)
            pending.extend(waiting.pop(current, ()))


def _closes(node: int, start: int, allowed: Set[int], on_path: Set[int],
            successors: Sequence[Sequence[int]], search: Search) -> bool:
    """Whether `node` gets back to `start` without the path's nodes: then a cycle longer
    than the length bound really exists (its steps are counted too)."""
    seen = {node}
    frontier = [node]
    while frontier:
        current = frontier.pop()
        for nxt in successors[current]:
            search.steps += 1
            if nxt == start:
                return True
            if nxt in allowed and nxt not in on_path and nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return False


def _reaching(start: int, members: Set[int], predecessors: Dict[int, List[int]]) -> Set[int]:
    """Members that can reach `start` through members (the only nodes a cycle through
    `start` can visit)."""
    reached = {start}
    frontier = [start]
    while frontier:
        node = frontier.pop()
        for before in predecessors.get(node, ()):
            if before in members and before not in reached:
                reached.add(before)
                frontier.append(before)
    return reached
