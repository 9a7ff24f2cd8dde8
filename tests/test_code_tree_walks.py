"""Handler analysis walks a tree a bounded number of times (issue 16): the work grows
linearly with the handler, never with the square of its length or of a test's depth.

Counting hooks, not timings: every work unit the analysers spend (a statement interpreted, a
value evaluated, a node walked or a scope climbed; loopcheck.code.budget), the nodes the
Python analyser's `ast.walk` yields and the nodes the JavaScript analyser's tree walks yield.
"""

from __future__ import annotations

import ast
from typing import Callable, Dict, Iterator

import handler_bundles as hb
import pytest
from code_js_support import needs_tree_sitter

from loopcheck.code import budget, js_facts
from loopcheck.code.facts import CodeFacts
from loopcheck.code.js_facts import analyse_js_source
from loopcheck.code.python_facts import analyse_python_source

LINEAR = 2.2  # twice the code may cost at most this many times the work


class Counter:
    """Work units spent, and nodes yielded by each counted walk, during one analysis."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.units = 0
        self.walked: Dict[str, int] = {}
        self.calls: Dict[str, int] = {}
        spend = budget.Budget.tick

        def tick(spent: budget.Budget, units: int = 1) -> None:
            self.units += units
            spend(spent, units)

        monkeypatch.setattr(budget.Budget, "tick", tick)
        monkeypatch.setattr(ast, "walk", self.counted("ast.walk", ast.walk))
        monkeypatch.setattr(js_facts, "_named_nodes", self.counted("named_nodes", js_facts._named_nodes))
        monkeypatch.setattr(js_facts, "_walk", self.counted("walk", js_facts._walk))

    def counted(self, name: str, walk: Callable[..., Iterator]) -> Callable[..., Iterator]:
        def counting(*args: object, **kwargs: object) -> Iterator:
            self.calls[name] = self.calls.get(name, 0) + 1
            for node in walk(*args, **kwargs):
                self.walked[name] = self.walked.get(name, 0) + 1
                yield node
        return counting

    def visits(self, analyse: Callable[[], CodeFacts]) -> int:
        """Units plus walked nodes of one analysis, which must find a write and finish."""
        self.units, self.walked, self.calls = 0, {}, {}
        facts = analyse()
        assert facts.analysed and facts.complete and facts.writes, facts.problems
        return self.units + sum(self.walked.values())


def _python(text: str) -> Callable[[], CodeFacts]:
    return lambda: analyse_python_source(text, "app.py", "handler")


def _js(text: str) -> Callable[[], CodeFacts]:
    return lambda: analyse_js_source(text, "index.js", "handler")


def _deep_python_test(depth: int) -> str:
    """One `if` whose test reads the key through `depth` calls, in both of its parts."""
    chain = "key" + ".strip()" * depth
    return ("import os\nimport boto3\n\ns3 = boto3.client('s3')\n\n\ndef handler(event, context):\n"
            "    key = event['Records'][0]['s3']['object']['key']\n"
            f"    if {chain}.endswith('.x') and {chain}.startswith('y'):\n        return None\n"
            "    s3.put_object(Bucket=os.environ['BUCKET'], Key='out/' + key, Body=b'')\n")


PYTHON_SHAPES = {
    "long handler": lambda n: _python(hb.py_long_handler(n)),
    "many ifs": lambda n: _python(hb.py_many_ifs(n // 2)),
    "many names": lambda n: _python(hb.py_many_names(n)),
    "deep if test": lambda n: _python(_deep_python_test(n // 10)),
}
JS_SHAPES = {
    "long handler": lambda n: _js(hb.js_long_handler(n)),
    "many names": lambda n: _js(hb.js_many_names(n)),
}


@pytest.mark.parametrize("shape", sorted(PYTHON_SHAPES))
def test_python_work_grows_linearly_with_the_handler(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch)
    small, large = (counter.visits(PYTHON_SHAPES[shape](lines)) for lines in (1000, 2000))
    assert large <= LINEAR * small, (small, large)


def test_python_if_test_is_evaluated_once_per_branch_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard readers ask for a test's values many times; each value is worked out once,
    so an `if` costs a few units per node of its test (it cost the square of the depth)."""
    counter = Counter(monkeypatch)
    shallow, deep = (counter.visits(_python(_deep_python_test(depth))) for depth in (100, 200))
    assert deep - shallow <= 20 * 100, (shallow, deep)  # 100 more calls in each of the two parts


@needs_tree_sitter
@pytest.mark.parametrize("shape", sorted(JS_SHAPES))
def test_js_work_grows_linearly_with_the_handler(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch)
    small, large = (counter.visits(JS_SHAPES[shape](lines)) for lines in (1000, 2000))
    assert large <= LINEAR * small, (small, large)


@needs_tree_sitter
def test_js_walks_the_whole_tree_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """One walk indexes the module; later questions read the index or small subtrees."""
    counter = Counter(monkeypatch)
    counter.visits(_js(hb.js_long_handler(2000)))
    assert counter.calls["named_nodes"] == 1
    whole_tree = counter.walked["named_nodes"]
    assert counter.walked.get("walk", 0) < whole_tree / 2, counter.walked
