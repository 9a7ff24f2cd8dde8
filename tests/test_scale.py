"""Scale (issue 16): the graph's indexes answer as the plain scans they replace, on a generated
benchmark template, and the collector pause around a template leaves nothing frozen."""

from __future__ import annotations

import gc
import importlib.util
from pathlib import Path

import pytest

from loopcheck.load.loader import Template, load_file
from loopcheck.pipeline.analysis import analyse

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A 600-resource benchmark template (benchmarks/generate.py), loaded and analysed."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = module.write_templates([600], tmp_path_factory.mktemp("bench"))[600]
    loaded = load_file(str(path))
    assert isinstance(loaded, Template)
    return analyse(str(path), loaded.data)


def test_trigger_index_answers_as_a_linear_scan(generated):
    graph = generated.graph
    nodes = sorted({n for t in graph.triggers for n in (t.source, t.consumer)})
    assert len(nodes) > 100
    asked = 0
    for source in nodes:
        for consumer in nodes:  # pairs without a trigger too: the index must answer []
            expected = [t for t in graph.triggers if t.source == source and t.consumer == consumer]
            assert graph.triggers_between(source, consumer) == expected
            asked += bool(expected)
    assert asked >= len(graph.triggers) // 2


def test_loops_share_one_set_of_functions(generated):
    loops = generated.loops
    assert len(loops) > 5
    assert all(loop.function_ids is loops[0].function_ids for loop in loops)
    assert loops[0].function_ids == set(generated.model.functions)


def test_a_template_leaves_nothing_frozen(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")
    frozen_before = gc.get_freeze_count()
    loaded = load_file(str(path))
    assert gc.get_freeze_count() > frozen_before  # the decoded tree is out of young collections
    analyse(str(path), loaded.data)
    assert gc.get_freeze_count() == 0  # and back with the collector once analysed


def test_a_file_that_is_no_template_leaves_nothing_frozen(tmp_path):
    """Read in full (it names Resources, but not at the top), it is skipped: no analysis
    follows to thaw it, so the loader does."""
    path = tmp_path / "values.yaml"
    path.write_text("chart:\n  Resources:\n    cpu: 1\n")
    assert not isinstance(load_file(str(path)), Template)
    assert gc.get_freeze_count() == 0


def test_a_host_s_own_freeze_is_left_alone(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")
    gc.freeze()  # as a pre-forking host would
    try:
        frozen = gc.get_freeze_count()
        analyse(str(path), load_file(str(path)).data)
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
