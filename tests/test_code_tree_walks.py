"""Handler analysis walks a tree a bounded number of times (issue 16): the work grows
linearly with the handler, never with the square of its length or of a test's depth; and
what one handler's analysis leaves behind is freed before the next one.

Counting hooks, not timings: every work unit the analysers spend (a statement interpreted, a
value evaluated, a node walked or a scope climbed; loopcheck.code.budget), the nodes the
Python analyser's `ast.walk` yields and the nodes the JavaScript analyser's tree walks yield.
"""

from __future__ import annotations

import ast
import gc
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import handler_bundles as hb
import pytest
from code_js_support import needs_tree_sitter

from loopcheck.code import budget, evidence, js_facts
from loopcheck.code.facts import CodeFacts
from loopcheck.code.js_facts import analyse_js_source
from loopcheck.code.python_facts import analyse_python_source
from loopcheck.load.loader import Template, load_file
from loopcheck.pipeline.analysis import analyse

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


def _long_handler_template(folder: Path, functions: int, lines: int) -> Path:
    """`functions` SAM functions, each triggered by its own bucket, each with its own handler."""
    resources = []
    for i in range(functions):
        (folder / f"f{i}").mkdir()
        (folder / f"f{i}" / "app.py").write_text(hb.py_long_handler(lines))
        resources.append(f"  In{i}:\n    Type: AWS::S3::Bucket\n  F{i}:\n    Type: AWS::Serverless::Function\n"
                         f"    Properties:\n      CodeUri: f{i}/\n      Handler: app.handler\n"
                         f"      Runtime: python3.12\n      Environment:\n        Variables:\n"
                         f"          OUTPUT_BUCKET: !Ref In{i}\n      Policies:\n        - S3CrudPolicy:\n"
                         f"            BucketName: !Ref In{i}\n      Events:\n        Up:\n          Type: S3\n"
                         f"          Properties:\n            Bucket: !Ref In{i}\n"
                         "            Events: s3:ObjectCreated:*\n")
    path = folder / "template.yaml"
    path.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n" + "".join(resources))
    return path


def test_a_handlers_garbage_is_freed_before_the_next_one(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The collector is paused through a template's analysis; each handler's cyclic garbage
    (syntax trees, scopes) is still freed before the next handler is read, so the objects alive
    do not grow with the handlers analysed (on main they grew by every handler's garbage)."""
    template = load_file(_long_handler_template(tmp_path, 4, 200))
    assert isinstance(template, Template)
    alive: List[int] = []
    run = evidence._run_analyser

    def counting(source: object) -> CodeFacts:
        alive.append(len(gc.get_objects()))
        facts = run(source)  # type: ignore[arg-type]
        made.append(gc.get_count()[0])  # objects made by this analysis and not freed yet
        return facts

    made: List[int] = []
    monkeypatch.setattr(evidence, "_run_analyser", counting)
    findings = analyse(template.path, template.data).findings
    assert len(alive) == 4 and len([f for f in findings if f.rule == "EL101"]) == 4
    assert alive[-1] - alive[1] < min(made) / 4, (alive, made)
