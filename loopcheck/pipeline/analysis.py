"""The analysis of one decoded template, the seam every front-end shares:
resolve -> model -> code -> graph -> judge -> rules -> suppressions -> severities.

`analyse_template` is the seam the cfn-lint plugin uses: it takes an already decoded
template, so cfn-lint's own parse is reused rather than repeated. `analyse` is the same with
everything it computed (suppressed findings, model, graph, loops) for front-ends that need
more than the findings (`--show-suppressed`, `loopcheck graph`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Mapping, Optional

from loopcheck.code.evidence import FunctionCode, code_notes, function_code
from loopcheck.graph.event_graph import EventGraph, build_graph, writers
from loopcheck.judge.loops import Loop, find_loops
from loopcheck.load.gcpause import gc_paused, thaw_loaded
from loopcheck.load.nodes import locate
from loopcheck.model.resources import Model, build_model
from loopcheck.rulebase import suppressions
from loopcheck.rulebase.finding import Finding, Level
from loopcheck.rulebase.rule import RuleContext, all_rules
from loopcheck.rulebase.suppressions import Suppressed, Suppression, SuppressionSite


@dataclass
class AnalysisOptions:
    """What configuration changes in the analysis of one template (loopcheck.app.config builds
    it from `[tool.loopcheck]` / `.loopcheck.yaml`); the defaults change nothing."""

    managed_policies: Mapping[str, List[Dict[str, Any]]] = field(default_factory=dict)
    skip: FrozenSet[str] = frozenset()  # rule ids not run
    severity: Mapping[str, str] = field(default_factory=dict)  # rule id -> reported severity
    suppressions: bool = True  # honour Metadata suppressions in the template
    cross_stack: bool = True  # link the templates of one scan (loopcheck.stacks.cross_stack)


@dataclass
class Analysis:
    """Everything the pipeline computed for one template."""

    findings: List[Finding]  # reported, in a stable order
    suppressed: List[Suppressed]  # suppressed by the template's Metadata
    model: Model
    graph: EventGraph
    loops: List[Loop]
    notes: List[str] = field(default_factory=list)  # where the analysis stopped short
    context: Optional[RuleContext] = None  # what the rules read (the loop inventory reads it too)
    # Suppressions that suppressed nothing (suppressions.unused), where they are written.
    unused_suppressions: List[SuppressionSite] = field(default_factory=list)
    text: str = ""  # the template's text, when a finding has a mechanical fix (loopcheck.fixes)


def analyse(file: str, data: Dict[str, Any], options: Optional[AnalysisOptions] = None,
            resource_files: Optional[Dict[str, str]] = None) -> Analysis:
    """Every rule on one decoded template, then its Metadata suppressions, then configured
    severities (a finding keeps its rule id and reports the configured severity).
    `resource_files`: the file each resource is written in, for a template made from several
    files (a Terraform unit: `file` is its folder or plan, each resource in its .tf file)."""
    with gc_paused():
        try:
            return _analyse(file, data, options, resource_files)
        finally:
            thaw_loaded()  # the loader froze the decoded tree (loopcheck.load.gcpause)


def _analyse(file: str, data: Dict[str, Any], options: Optional[AnalysisOptions],
             resource_files: Optional[Dict[str, str]] = None) -> Analysis:
    options = options or AnalysisOptions()
    model = build_model(file, data, managed_policies=options.managed_policies, resource_files=resource_files)
    analysis = analyse_model(model, options)
    # A state machine whose DefinitionUri could not be read has no tasks: its loops are unseen.
    analysis.notes.extend(f"{file}: state machine {machine}: definition unknown ({why}), its tasks not read"
                          for machine, why in model.unknown_definitions.items())
    return analysis


def analyse_model(model: Model, options: AnalysisOptions) -> Analysis:
    """The stages after the model: graph, loops, rules, suppressions, severities (the
    cross-stack stage enters here with a model of several templates combined)."""
    graph = build_graph(model, run_code_stage(model))
    loops = find_loops(graph)
    context = RuleContext(model, graph, loops)
    findings: List[Finding] = []
    for rule in all_rules():
        if rule.id not in options.skip:
            findings.extend(rule.check(context))
    findings.sort(key=Finding.sort_key)
    suppressed: List[Suppressed] = []
    unused: List[SuppressionSite] = []
    if options.suppressions:
        written = context.suppressions()[0]
        findings, suppressed = suppressions.apply(findings, written)
        ran = [rule.id for rule in all_rules() if rule.id not in options.skip]
        unused = sorted((suppression_site(context, s) for s in suppressions.unused(written, suppressed, ran)),
                        key=lambda site: (site.file, site.line, site.column))
    for finding in findings + [s.finding for s in suppressed]:
        finding.severity = Level(options.severity.get(finding.rule, finding.severity))
    notes = code_notes(model.file, graph.code)  # where handler analysis stopped short
    notes += [f"{model.file}: {note}" for note in graph.notes]
    if graph.cycles_cut:
        notes.append(f"{model.file}: more loops than loopcheck lists ({graph.cycles_cut}); "
                     "fix the ones reported and scan again")
    return Analysis(findings, suppressed, model, graph, loops, notes, context, unused)


def suppression_site(context: RuleContext, suppression: Suppression) -> SuppressionSite:
    """Where a suppression is written, with the resource as text names it (the cross-stack
    stage's model keys resources by NodeKey)."""
    line, column = locate(context.model.data, suppression.path)
    resource = context.display(suppression.resource) if suppression.resource else suppression.resource
    return SuppressionSite(context.file_of(suppression.path), line, column, resource, suppression.rule,
                           suppression.source)


def run_code_stage(model: Model) -> Dict[str, FunctionCode]:
    """The code stage: each function the graph needs (loopcheck.graph.event_graph.writers),
    located, analysed and resolved against the model; handlers shared by several functions
    are read once."""
    analysed_handlers: Dict[tuple, Any] = {}
    resolved_paths: Dict[str, Any] = {}
    return {function_id: function_code(model, model.functions[function_id], analysed_handlers, resolved_paths)
            for function_id in writers(model)}


def analyse_template(file: str, data: Dict[str, Any], *,
                     options: Optional[AnalysisOptions] = None) -> List[Finding]:
    """Every reported finding on one decoded template, in a stable order (suppressed ones
    left out)."""
    return analyse(file, data, options).findings
