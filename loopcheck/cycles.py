"""Bounded simple-cycle search on the event graph: strongly connected components (Tarjan),
then, inside each, the simple cycles up to a length, a count and a work budget.

In-house rather than networkx: the scan needs only these two algorithms, and importing
networkx took more than a third of a pre-commit run's start-up. Nodes are the integers
0..n-1 and successor lists are sorted, so the search never depends on hash order.
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Set, Tuple


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


def simple_cycles(component: Sequence[int], successors: Sequence[Sequence[int]], *,
                  max_length: int, max_count: int, max_steps: int) -> Tuple[List[List[int]], bool]:
    """(cycles, complete): the simple cycles inside one strongly connected component, each
    listed once, from its smallest node; at most `max_count` of them, of at most
    `max_length` nodes, and at most `max_steps` edges followed in all (dense graphs hold
    exponentially many cycles). `complete` is False when a bound stopped the search."""
    found: List[List[int]] = []
    complete = _search(component, successors, found, max_length, max_count, max_steps)
    return found, complete


def _search(component: Sequence[int], successors: Sequence[Sequence[int]], found: List[List[int]],
            max_length: int, max_count: int, max_steps: int) -> bool:
    members: Set[int] = set(component)
    predecessors: Dict[int, List[int]] = {}
    for node in component:
        for nxt in successors[node]:
            if nxt in members:
                predecessors.setdefault(nxt, []).append(node)
    steps = 0
    for start in component:  # sorted: cycles from smaller starts come first
        allowed = _reaching(start, members, predecessors)
        steps += len(allowed)
        path = [start]
        on_path = {start}
        work = [iter(successors[start])]
        while work:
            if steps >= max_steps:
                return False
            for nxt in work[-1]:
                steps += 1
                if nxt == start:
                    if len(found) >= max_count:
                        return False
                    found.append(list(path))
                elif nxt in allowed and nxt not in on_path and len(path) < max_length:
                    path.append(nxt)
                    on_path.add(nxt)
                    work.append(iter(successors[nxt]))
                    break
            else:
                work.pop()
                on_path.discard(path.pop())
        members.discard(start)
    return True


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
