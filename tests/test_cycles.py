"""The in-house bounded cycle search (loopcheck.graph.cycles) against a brute-force oracle."""

from __future__ import annotations

import random
from typing import List, Set, Tuple

import pytest

from loopcheck.graph.cycles import COUNT, LENGTH, STEPS, is_cyclic, simple_cycles, strongly_connected


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
                                       max_steps=10**7).cycles]
    assert len(ours) == len({_canonical(c) for c in ours}), "a cycle was listed twice"
    assert {_canonical(c) for c in ours} == _oracle_cycles(successors, max_length)
    assert all(c[0] == min(c) for c in ours), "each cycle starts at its smallest node"


def test_self_loop_is_a_cycle_and_a_lone_node_is_not():
    successors = [[0], [], [1]]
    cyclic = [c for c in strongly_connected(successors) if is_cyclic(c, successors)]
    assert cyclic == [[0]]
    search = simple_cycles([0], successors, max_length=12, max_count=5, max_steps=100)
    assert (search.cycles, search.cut) == ([[0]], [])


def test_count_and_work_bounds_hold_on_a_complete_graph():
    nodes = 9
    successors = [[b for b in range(nodes) if b != a] for a in range(nodes)]
    component = list(range(nodes))
    capped = simple_cycles(component, successors, max_length=12, max_count=200, max_steps=10**7)
    assert len(capped.cycles) == 200 and capped.cut == [COUNT]
    few_steps = simple_cycles(component, successors, max_length=12, max_count=10**6, max_steps=50)
    assert 0 < len(few_steps.cycles) < 50 and few_steps.cut == [STEPS]
    triangle = [[1], [2], [0]]
    exact = simple_cycles([0, 1, 2], triangle, max_length=12, max_count=1, max_steps=100)
    assert (exact.cycles, exact.cut) == ([[0, 1, 2]], [])


def test_long_chain_does_not_hit_the_recursion_limit():
    length = 20000
    successors = [[n + 1] for n in range(length - 1)] + [[0]]
    components = strongly_connected(successors)
    assert components == [list(range(length))]
    search = simple_cycles(components[0], successors, max_length=length, max_count=5, max_steps=10**6)
    assert (search.cycles, search.cut) == ([list(range(length))], [])


def _ring(length: int) -> List[List[int]]:
    return [[(n + 1) % length] for n in range(length)]


@pytest.mark.parametrize("length", [2, 12, 13, 40])
def test_a_ring_at_the_length_bound_is_listed_and_one_past_it_is_cut_by_length(length):
    at = simple_cycles(list(range(length)), _ring(length), max_length=length, max_count=10, max_steps=10**6)
    assert (at.cycles, at.cut) == ([list(range(length))], [])
    past = simple_cycles(list(range(length + 1)), _ring(length + 1), max_length=length, max_count=10,
                         max_steps=10**6)
    assert (past.cycles, past.cut) == ([], [LENGTH])


def test_the_length_bound_is_named_only_when_a_longer_cycle_exists():
    # 0 -> 1 -> 2 -> 3 -> 0 and a long tail 1 -> 4 -> 5 -> 6 -> 3: both cycles exist; with
    # a bound of 4 the 7-node one is left out and the search says so.
    successors = [[1], [2, 4], [3], [0], [5], [6], [3]]
    search = simple_cycles(list(range(7)), successors, max_length=4, max_count=10, max_steps=10**6)
    assert search.cycles == [[0, 1, 2, 3]] and search.cut == [LENGTH]
    # A path that reaches the bound but can only get back through its own nodes is no
    # longer cycle: a ladder 0 -> 1 -> 2 -> 3 with every node also going back to 0.
    ladder = [[1], [0, 2], [0, 3], [0]]
    search = simple_cycles(list(range(4)), ladder, max_length=2, max_count=10, max_steps=10**6)
    assert sorted(search.cycles) == [[0, 1]] and search.cut == [LENGTH]
    search = simple_cycles(list(range(4)), ladder, max_length=4, max_count=10, max_steps=10**6)
    assert sorted(search.cycles) == [[0, 1], [0, 1, 2], [0, 1, 2, 3]] and search.cut == []


def test_count_bound_is_exact():
    # A complete graph on 4 nodes holds 20 simple cycles: 20 allowed lists them all, 19 is cut.
    successors = [[b for b in range(4) if b != a] for a in range(4)]
    full = simple_cycles(list(range(4)), successors, max_length=12, max_count=20, max_steps=10**6)
    assert len(full.cycles) == 20 and full.cut == []
    short = simple_cycles(list(range(4)), successors, max_length=12, max_count=19, max_steps=10**6)
    assert len(short.cycles) == 19 and short.cut == [COUNT]


def test_work_grows_with_cycles_not_paths():
    # 0 <-> x; x -> a_i -> h -> c_j -> d -> x: from 0, every one of the k*k paths x-a-h-c-d
    # dead-ends on x (already on the path). Following them all costs k*k steps; blocking h
    # after its first failure costs about 4k. The count bound stops the search at the first
    # cycle from x, so the steps measure the search from 0 alone.
    k = 40
    x, a, h, c, d = 1, list(range(2, 2 + k)), 2 + k, list(range(3 + k, 3 + 2 * k)), 3 + 2 * k
    successors: List[List[int]] = [[] for _ in range(d + 1)]
    successors[0] = [x]
    successors[x] = [0] + a
    for node in a:
        successors[node] = [h]
    successors[h] = c
    for node in c:
        successors[node] = [d]
    successors[d] = [x]
    component = list(range(d + 1))
    assert strongly_connected(successors) == [component]
    search = simple_cycles(component, successors, max_length=100, max_count=2, max_steps=10**6)
    assert search.cycles == [[0, x], [x, a[0], h, c[0], d]] and search.cut == [COUNT]
    assert search.steps < 12 * k
