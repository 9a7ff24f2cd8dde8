"""The in-house bounded cycle search (loopcheck.cycles) against a brute-force oracle."""

from __future__ import annotations

import random
from typing import List, Set, Tuple

import pytest

from loopcheck.cycles import is_cyclic, simple_cycles, strongly_connected


def _canonical(cycle: List[int]) -> Tuple[int, ...]:
    start = cycle.index(min(cycle))
    return tuple(cycle[start:] + cycle[:start])


def _oracle_cycles(successors: List[List[int]], max_length: int) -> Set[Tuple[int, ...]]:
    """Every simple cycle, by walking every simple path from every node (no pruning)."""
    found: Set[Tuple[int, ...]] = set()

    def walk(path: List[int]) -> None:
        for nxt in successors[path[-1]]:
            if nxt == path[0]:
                found.add(_canonical(path))
            elif nxt not in path and len(path) < max_length:
                walk(path + [nxt])

    for node in range(len(successors)):
        walk([node])
    return found


def _oracle_components(successors: List[List[int]]) -> Set[frozenset]:
    reach = [{n} for n in range(len(successors))]
    changed = True
    while changed:
        changed = False
        for node, nexts in enumerate(successors):
            for nxt in nexts:
                if not reach[nxt] <= reach[node]:
                    reach[node] |= reach[nxt]
                    changed = True
    return {frozenset(m for m in range(len(successors)) if m in reach[n] and n in reach[m])
            for n in range(len(successors))}


def _random_graph(rng: random.Random, nodes: int, density: float) -> List[List[int]]:
    return [sorted({b for b in range(nodes) if rng.random() < density}) for _ in range(nodes)]


@pytest.mark.parametrize("seed", range(60))
def test_components_and_cycles_match_the_oracle(seed):
    rng = random.Random(seed)
    successors = _random_graph(rng, rng.randint(1, 7), rng.choice([0.15, 0.3, 0.5]))
    components = strongly_connected(successors)
    assert {frozenset(c) for c in components} == _oracle_components(successors)
    assert all(c == sorted(c) for c in components)
    max_length = rng.choice([2, 3, 12])
    ours = [cycle for c in components if is_cyclic(c, successors)
            for cycle in simple_cycles(c, successors, max_length=max_length, max_count=10**6,
                                       max_steps=10**7)[0]]
    assert len(ours) == len({_canonical(c) for c in ours}), "a cycle was listed twice"
    assert {_canonical(c) for c in ours} == _oracle_cycles(successors, max_length)
    assert all(c[0] == min(c) for c in ours), "each cycle starts at its smallest node"


def test_self_loop_is_a_cycle_and_a_lone_node_is_not():
    successors = [[0], [], [1]]
    cyclic = [c for c in strongly_connected(successors) if is_cyclic(c, successors)]
    assert cyclic == [[0]]
    assert simple_cycles([0], successors, max_length=12, max_count=5, max_steps=100) == ([[0]], True)


def test_count_and_work_bounds_hold_on_a_complete_graph():
    nodes = 9
    successors = [[b for b in range(nodes) if b != a] for a in range(nodes)]
    component = list(range(nodes))
    capped, complete = simple_cycles(component, successors, max_length=12, max_count=200, max_steps=10**7)
    assert len(capped) == 200 and not complete
    few_steps, complete = simple_cycles(component, successors, max_length=12, max_count=10**6, max_steps=50)
    assert 0 < len(few_steps) < 50 and not complete
    triangle = [[1], [2], [0]]
    assert simple_cycles([0, 1, 2], triangle, max_length=12, max_count=1, max_steps=100) == ([[0, 1, 2]], True)


def test_long_chain_does_not_hit_the_recursion_limit():
    length = 20000
    successors = [[n + 1] for n in range(length - 1)] + [[0]]
    components = strongly_connected(successors)
    assert components == [list(range(length))]
    assert simple_cycles(components[0], successors, max_length=length, max_count=5,
                         max_steps=10**6) == ([list(range(length))], True)
