"""The bounds that keep a scan's work finite, each checked just under and just past itself:
the cycle search (length, count, steps, the template's totals) and the S3 grant matching
(checks per function, grants per bucket). Under a bound, every loop is listed and judged;
past it, a `loopcheck: note:` names the bound and the template, and what was not listed is
not reported as clean (WL113, or hops taken as possible)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from builder import bucket, dump, function, function_globals, s3_event, statement, sub, template

import loopcheck.graph.event_graph as graph_module
import loopcheck.services.s3_grants as s3_grants
from loopcheck.graph.cycles import COUNT, LENGTH, STEPS
from loopcheck.graph.event_graph import MAX_CYCLE_LENGTH, TOTAL
from loopcheck.load.loader import Template, load_file
from loopcheck.pipeline.analysis import Analysis, analyse

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
_spec = importlib.util.spec_from_file_location("stress_templates", ROOT / "scripts" / "stress_templates.py")
stress = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stress)


def _analyse(tmp_path: Path, text: str, name: str = "template.yaml") -> Analysis:
    path = tmp_path / name
    path.write_text(text)
    loaded = load_file(str(path), 50_000_000)
    assert isinstance(loaded, Template), loaded
    return analyse(str(path), loaded.data)


def _rules(analysis: Analysis) -> List[Tuple[str, int]]:
    return [(f.rule, len(f.cycle)) for f in analysis.findings]


# -- the cycle-length bound ------------------------------------------------------------------


@pytest.mark.parametrize("via", ["sqs", "s3"])
@pytest.mark.parametrize("functions", [6, 7, 13, 30])
def test_a_ring_of_functions_is_one_error_whatever_its_length(tmp_path, via, functions):
    # 12 resources used to be the longest loop listed: a ring of 7 functions (14 resources)
    # was silently "no loop".
    analysis = _analyse(tmp_path, stress.ring_template(functions, via))
    assert _rules(analysis) == [("EL101", 2 * functions + 1)]
    assert analysis.notes == []
    assert analysis.graph.cut_components == []


def test_a_ring_at_the_length_bound_is_listed_and_one_past_it_is_not_called_clean(tmp_path):
    at = MAX_CYCLE_LENGTH // 2  # functions; each brings its queue: 2 resources
    analysis = _analyse(tmp_path, stress.ring_template(at, "sqs"))
    assert _rules(analysis) == [("EL101", MAX_CYCLE_LENGTH + 1)] and analysis.notes == []
    past = _analyse(tmp_path, stress.ring_template(at + 1, "sqs"), "past.yaml")
    assert [f.rule for f in past.findings] == ["WL113"]
    assert past.findings[0].severity == "warning" and "cycle-length bound" in past.findings[0].message
    [cut] = past.graph.cut_components
    assert cut.bounds == [LENGTH] and cut.listed == 0 and len(cut.nodes) == 2 * (at + 1)
    [note] = past.notes
    assert "past.yaml" in note and f"more than {MAX_CYCLE_LENGTH} resources" in note


# -- the cycle-count bound -------------------------------------------------------------------


STAGE_GLOBALS = function_globals(Runtime="python3.12", Handler="app.handler",
                                 CodeUri="s3://media-artifacts/stages.zip", ReservedConcurrentExecutions=5)


def _stages(count: int, ring_guarded: bool) -> Dict[str, Any]:
    """The loops-not-all-listed fixture with `count` stages: stage i is triggered by in/ of
    its bucket and may write out/ of every stage's bucket (guarded by the in/ filters), and
    in/ of the previous one, a ring (out/ when `ring_guarded`: the ring is guarded too)."""
    previous_key = "out/" if ring_guarded else "in/"
    resources: Dict[str, Any] = {}
    for index in range(count):
        writes = statement("s3:PutObject", [
            sub("arn:aws:s3:::${AWS::StackName}-stage-?/out/*"),
            sub(f"arn:aws:s3:::${{AWS::StackName}}-stage-{(index - 1) % count}/{previous_key}*")])
        resources[f"Stage{index}Bucket"] = bucket(sub(f"${{AWS::StackName}}-stage-{index}"))
        resources[f"Stage{index}Fn"] = function([{"Statement": [writes]}],
                                                {"Upload": s3_event(f"Stage{index}Bucket", prefix="in/")},
                                                code_uri=None, handler=None, runtime=None)
    return template(resources, globals_=STAGE_GLOBALS)


@pytest.mark.parametrize("ring_guarded, fixture", [(False, "loops-not-all-listed"),
                                                   (True, "loops-not-all-listed-guarded")])
def test_six_built_stages_are_the_fixture(ring_guarded, fixture):
    loaded = load_file(str(FIXTURES / fixture / "template.yaml"))
    assert isinstance(loaded, Template), loaded
    built = _stages(6, ring_guarded)
    assert loaded.data["Globals"] == built["Globals"] and loaded.data["Resources"] == built["Resources"]


def test_five_stages_are_listed_in_full_and_the_ring_is_an_error(tmp_path):
    # 5 stages, each able to write every stage: 5 self loops + 84 longer cycles, under 200.
    analysis = _analyse(tmp_path, dump(_stages(5, ring_guarded=False)))
    assert analysis.notes == [] and analysis.graph.cut_components == []
    assert _rules(analysis) == [("EL101", 11)]


def test_six_stages_pass_the_count_bound_and_the_unlisted_ring_is_a_warning(tmp_path):
    analysis = _analyse(tmp_path, dump(_stages(6, ring_guarded=False)))
    [cut] = analysis.graph.cut_components
    assert cut.bounds == [COUNT] and cut.listed == 200
    # the ring is the depth-first search's last cycle from Stage0Bucket: not among the 200
    assert [f.rule for f in analysis.findings] == ["WL113"]
    finding = analysis.findings[0]
    assert finding.resource == "Stage0Fn" and finding.cycle == []
    assert len(finding.notes) == 6 and all("all inside the prefix 'in/'" in n for n in finding.notes)
    [note] = analysis.notes
    assert "cycle-count bound" in note


def test_a_cut_group_whose_every_cycle_has_a_guarded_hop_is_only_a_note(tmp_path):
    analysis = _analyse(tmp_path, dump(_stages(6, ring_guarded=True)))
    assert [c.bounds for c in analysis.graph.cut_components] == [[COUNT]]
    assert analysis.findings == []
    assert len(analysis.notes) == 1


# -- the search-step bounds ------------------------------------------------------------------


def _steps_for(tmp_path, text) -> int:
    used = []
    real = graph_module.simple_cycles

    def spy(*args, **kwargs):
        search = real(*args, **kwargs)
        used.append(search.steps)
        return search

    graph_module.simple_cycles = spy
    try:
        _analyse(tmp_path, text, "probe.yaml")
    finally:
        graph_module.simple_cycles = real
    return sum(used)


def test_the_search_step_bound_at_and_just_under_what_a_ring_needs(tmp_path, monkeypatch):
    text = stress.ring_template(7, "sqs")
    needed = _steps_for(tmp_path, text)
    monkeypatch.setattr(graph_module, "MAX_SEARCH_STEPS", needed)
    assert _rules(_analyse(tmp_path, text)) == [("EL101", 15)]
    monkeypatch.setattr(graph_module, "MAX_SEARCH_STEPS", needed - 1)
    analysis = _analyse(tmp_path, text)
    assert [c.bounds for c in analysis.graph.cut_components] == [[STEPS]]
    # the ring was found, but the search had not finished: the group is not called complete
    assert [f.rule for f in analysis.findings] == ["EL101", "WL113"]
    assert "search-step bound" in analysis.notes[0]
    monkeypatch.setattr(graph_module, "MAX_SEARCH_STEPS", 5)  # not even one way round
    analysis = _analyse(tmp_path, text)
    assert [(c.bounds, c.listed) for c in analysis.graph.cut_components] == [([STEPS], 0)]
    assert [f.rule for f in analysis.findings] == ["WL113"]


def test_the_template_totals_leave_later_groups_unsearched_and_say_so(tmp_path, monkeypatch):
    ring = stress.ring_template(3, "sqs")
    other = re.sub(r"\b(Queue|Fn)(\d)", r"Other\1\2", ring.split("Resources:\n", 1)[1])
    two_rings = ring + other
    assert _rules(_analyse(tmp_path, two_rings)) == [("EL101", 7), ("EL101", 7)]
    monkeypatch.setattr(graph_module, "MAX_CYCLES_TOTAL", 1)
    analysis = _analyse(tmp_path, two_rings)
    assert [(c.bounds, c.listed) for c in analysis.graph.cut_components] == [([TOTAL], 0)]
    assert [f.rule for f in analysis.findings] == ["EL101", "WL113"]
    assert "template's bounds" in analysis.notes[0]


# -- S3 grant matching -----------------------------------------------------------------------


def _count_checks(monkeypatch) -> List[int]:
    calls = [0]
    real = s3_grants.intersects

    def counting(a, b):
        calls[0] += 1
        return real(a, b)

    monkeypatch.setattr(s3_grants, "intersects", counting)
    return calls


@pytest.mark.parametrize("buckets", [50, 400])
def test_patterns_naming_one_bucket_each_cost_one_check_each(tmp_path, monkeypatch, buckets):
    # Every bucket name starts with the same parameter: indexing names by their first token
    # alone made each of the 2N patterns check all N buckets.
    calls = _count_checks(monkeypatch)
    analysis = _analyse(tmp_path, stress.wide_template(buckets, "prefix"))
    effects = analysis.graph.effects
    assert len(effects) == buckets
    assert all(len(e.grants) == 2 and not e.unknown for e in effects.values())  # GetObject is no write
    assert calls[0] <= 2 * buckets + 2 * min(buckets, 200)  # the build, then the judged hops
    assert [n for n in analysis.notes if "grants were not read" in n] == []


def test_the_grant_check_bound_takes_unchecked_buckets_as_writable(tmp_path, monkeypatch):
    text = stress.wide_template(30, "any")  # 60 patterns, each reaching all 30 buckets
    full = _analyse(tmp_path, text)
    assert all(len(e.grants) == 60 and not e.unknown for e in full.graph.effects.values())
    monkeypatch.setattr(s3_grants, "MAX_GRANT_CHECKS", 30 * 60)  # just enough
    assert not [n for n in _analyse(tmp_path, text).notes if "grant-check bound" in n]
    monkeypatch.setattr(s3_grants, "MAX_GRANT_CHECKS", 30 * 10)  # ten patterns' worth
    cut = _analyse(tmp_path, text)
    [note] = [n for n in cut.notes if "grant-check bound" in n]
    assert "Worker" in note and "50 S3 resource pattern(s) left unchecked" in note and "30 bucket(s)" in note
    effects = cut.graph.effects.values()
    assert all(len(e.grants) == 10 and e.unknown for e in effects)
    assert "not read in full" in next(iter(effects)).unknown[0].reason
    # the grants read still show every loop: the verdicts do not weaken
    assert [f.rule for f in cut.findings] == [f.rule for f in full.findings]


def test_the_grants_per_bucket_bound(tmp_path, monkeypatch):
    text = stress.wide_template(5, "any")  # each bucket reached by 10 grants
    monkeypatch.setattr(s3_grants, "MAX_GRANTS_PER_EFFECT", 10)
    analysis = _analyse(tmp_path, text)
    assert all(len(e.grants) == 10 and not e.unknown for e in analysis.graph.effects.values())
    assert analysis.notes == []
    monkeypatch.setattr(s3_grants, "MAX_GRANTS_PER_EFFECT", 9)
    analysis = _analyse(tmp_path, text)
    assert all(len(e.grants) == 9 and e.unknown for e in analysis.graph.effects.values())
    [note] = analysis.notes
    assert "grants-per-bucket bound" in note and "5 bucket(s)" in note


def test_indexed_trigger_lookups_match_a_plain_filter():
    services = set()
    for path in sorted(FIXTURES.glob("*/template.*")):
        loaded = load_file(str(path), 5_000_000)
        graph = analyse(str(path), loaded.data).graph
        # one list of trigger edges, every service's, as the model read them (writes are effects)
        assert graph.triggers == [t for t in graph.model.event_triggers if not t.write]
        for link in graph.model.event_triggers:
            services.add(link.service)
            assert graph.triggers_between(link.source, link.consumer) == [
                t for t in graph.model.event_triggers
                if t.source == link.source and t.consumer == link.consumer and not t.write]
    assert {"s3", "sqs", "sns", "events", "dynamodb"} <= services
