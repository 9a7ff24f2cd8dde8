"""Cross-stack stage: loops whose hops live in two or more templates of one scan.

After the per-file pass (loopcheck.app.scan), templates that refer to each other
(loopcheck.stacks.links: exports and imports, nested stacks, SSM parameters, literal names) are
linked (loopcheck.stacks.linker: one stack instance per deployment of a template, each with its
own resolver) and run as one model through the same stages as any template: model, graph,
loops, rules, suppressions. Nothing is judged here.

What is reported: loops that cross two stack instances. A loop inside one template is the
per-file pass's, and is not reported twice; a loop inside a nested stack that only exists
with the parameters its parent passes (the per-file pass saw the child's defaults) is
reported too, unless the per-file pass already reported the same cycle. Findings name the
original logical ids, and their node references each node's own file (`cycle_files` beside
`cycle` in the reports). For `loopcheck loops` (options.inventory), the same loops of the same
analysis are listed too (loopcheck.pipeline.inventory), on the same terms.

Nothing is renamed: the model keys a node by `NodeKey(stack instance, logical id)`
(loopcheck.resolve.origin), so two templates may write the same logical id, and each node's
expressions are resolved by its own instance's resolver (Model.resolver_of). Every stage that
writes a node into a message or a step names it through the model's `display` (its logical id
as written), and a resolved value's symbols hold their name as written and their stack
instance. What is mapped here is data: the cycle (from the node references), the finding's
resource and JSON path, a suppression's resource, from NodeKeys to the ids as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Sequence, Set, Tuple

from loopcheck.load.loader import Template
from loopcheck.load.nodes import MDict, locate, marks, pack
from loopcheck.model.resources import _merge_globals, build_model
from loopcheck.model.types import SAM_FUNCTION, Model, Stack
from loopcheck.resolve.origin import NodeKey
from loopcheck.rulebase import suppressions
from loopcheck.rulebase.finding import Finding, NodeRef
from loopcheck.rulebase.suppressions import Suppressed, SuppressionSite
from loopcheck.stacks.linker import Instance, Source, like, link
from loopcheck.stacks.links import MAX_GROUP, LinkKeys, groups, project_scope


@dataclass
class CrossStack:
    """What the cross-stack stage adds to a scan."""

    findings: List[Finding] = field(default_factory=list)
    suppressed: List[Suppressed] = field(default_factory=list)
    errors: List[Any] = field(default_factory=list)  # loopcheck.pipeline.result.ErrorEntry
    notes: List[str] = field(default_factory=list)
    loops: List[Any] = field(default_factory=list)  # pipeline.inventory.LoopEntry, with options.inventory
    # SuppressionSite keys of the suppressions this stage used: not unused, whatever the
    # per-file pass (which saw no cross-stack loop) says.
    used_suppressions: Set[tuple] = field(default_factory=set)


def cross_stack(keys: Dict[str, LinkKeys], roots: Sequence[str], options: Any,
                per_file: List[Finding], per_file_loops: Sequence[Any] = ()) -> CrossStack:
    """The findings, suppressed findings, errors, notes (and inventory entries) of every
    linked group of templates, in scan order. `options` is the scan's ScanOptions; `per_file`
    what the per-file pass found (reported or suppressed) and `per_file_loops` the loops it
    listed, so a cycle is never reported or listed twice."""
    from loopcheck.pipeline.result import ErrorEntry

    seen = {(f.file, f.rule, tuple(f.cycle)) for f in per_file if f.cycle}
    listed = {(entry.file, tuple(entry.cycle)) for entry in per_file_loops}
    out = CrossStack()
    for group in groups(keys, project_scope(roots)):
        if len(group) > MAX_GROUP:  # a folder of unrelated templates sharing names: not one application
            out.notes.append(f"{group[0]} and {len(group) - 1} more templates refer to each other: more than "
                         f"{MAX_GROUP}, so loops across them are not looked for")
            continue
        try:
            found, hidden, loops, used = _analyse_group(group, options, seen, listed)
        except Exception as exc:  # noqa: BLE001 - the guard that keeps the scan's other output
            out.errors.append(ErrorEntry(group[0], (
                f"internal error in cross-stack analysis of {', '.join(group)} ({type(exc).__name__}: "
                f"{exc}); please report it at https://github.com/loopcheck/loopcheck/issues")))
            continue
        out.findings.extend(found)
        out.suppressed.extend(hidden)
        out.loops.extend(loops)
        out.used_suppressions |= used
    return out


@dataclass
class LinkedGroup:
    """One linked group analysed as one model: the analysis, its stack instances, and the
    templates they are instances of."""

    analysis: Any  # loopcheck.pipeline.analysis.Analysis
    instances: List[Instance]
    sources: List[Source]

    def owns(self, cycle: Sequence[Any]) -> bool:
        """Whether a cycle of this group's model is this stage's to report: it crosses two
        stack instances, or lies inside a nested one (the per-file pass saw the child alone)."""
        return _owned(cycle, self.analysis.model, self.instances)


def _owned(cycle: Sequence[Any], model: Model, instances: List[Instance]) -> bool:
    stacks = {model.stack_of(node) for node in cycle}
    if len(stacks) > 1:
        return True
    stack = next(iter(stacks), None)
    return stack is not None and instances[stack].nested


def linked_groups(analyses: Dict[str, Any], roots: Sequence[str], options: Any) -> List[LinkedGroup]:
    """The linked groups of already analysed templates (path -> Analysis), each analysed as
    one model, for front-ends that draw rather than report (`loopcheck graph`). `options`
    is a ScanOptions. A group too large or failing inside is left out: the per-file
    drawings stand."""
    from loopcheck.stacks.links import link_keys

    if not options.analysis.cross_stack or len(analyses) < 2:
        return []
    keys = {path: link_keys(path, analysis.model.data, analysis.model.resolver)
            for path, analysis in analyses.items()}
    found = []
    for group in groups(keys, project_scope(roots)):
        if len(group) > MAX_GROUP:
            continue
        try:
            linked = analyse_group(group, options)
        except Exception:  # noqa: BLE001 - the drawing's extra; `scan` reports such a failure
            linked = None
        if linked is not None:
            found.append(linked)
    return found


def analyse_group(group: List[str], options: Any) -> Any:
    """The LinkedGroup of templates that refer to each other (None when fewer than two can
    be read): linked into stack instances and run through the pipeline as one model."""
    from loopcheck.pipeline.analysis import analyse_model

    sources = []
    for path in group:
        loaded = options.load(path)  # ScanOptions.load: a template read from stdin too
        if isinstance(loaded, Template):  # read fine in the per-file pass; still, be sure
            sources.append(Source(path, loaded.data))
    if len(sources) < 2:
        return None
    instances = link(sources)
    label = " + ".join(s.file for s in sources)
    model = build_model(label, _resources(instances), managed_policies=options.analysis.managed_policies,
                        stacks=[Stack(i.number, i.source.file, i.resolver) for i in instances])
    return LinkedGroup(analyse_model(model, options.analysis), instances, sources)


def _analyse_group(group: List[str], options: Any, seen: Set[tuple],
                   listed: Set[tuple]) -> Tuple[List[Finding], List[Suppressed], List[Any], Set[tuple]]:
    from loopcheck.pipeline.analysis import suppression_site

    linked = analyse_group(group, options)
    if linked is None:
        return [], [], [], set()
    analysis, instances, sources = linked.analysis, linked.instances, linked.sources
    model = analysis.model
    kept = [f for f in (_report(f, model, instances, seen) for f in analysis.findings) if f is not None]
    hidden = []
    for item in analysis.suppressed:
        finding = _report(item.finding, model, instances, seen)
        if finding is not None:
            suppression = replace(item.suppression, resource=model.display(item.suppression.resource))
            hidden.append(Suppressed(finding, suppression))
    # Any suppression the combined analysis used counts as used: one it used on a loop inside
    # one template, the per-file pass used on the same loop.
    used = {suppression_site(analysis.context, item.suppression).key for item in analysis.suppressed}
    if options.analysis.suppressions:
        kept, by_template, used_at_top = _template_suppressions(kept, sources)
        hidden.extend(by_template)
        used |= used_at_top
    kept.sort(key=Finding.sort_key)
    loops = _loops(analysis, instances, listed) if options.inventory else []
    return kept, hidden, loops, used


def _template_suppressions(findings: List[Finding], sources: List[Source]) -> Tuple[
        List[Finding], List[Suppressed], Set[tuple]]:
    """(kept, suppressed, used keys) under the templates' own cfn-lint ignore_checks (the
    combined model holds resources only): as any resource on a loop may vouch for it, so may
    the template of any of its nodes."""
    by_file = {source.file: source for source in sources}
    entries = {source.file: suppressions.read_template_level(source.data)[0] for source in sources}
    kept: List[Finding] = []
    hidden: List[Suppressed] = []
    used: Set[tuple] = set()
    for finding in findings:
        files = dict.fromkeys([finding.file, *(node.file for node in finding.nodes)])
        match = next(((by_file[file], entry) for file in files if file in entries
                      for entry in entries[file] if entry.covers(finding.rule)), None)
        if match is None:
            kept.append(finding)
            continue
        source, entry = match
        hidden.append(Suppressed(finding, entry))
        line, column = locate(source.data, entry.path)
        used.add(SuppressionSite(source.file, line, column, entry.resource, entry.rule, entry.source).key)
    return kept, hidden, used


def _loops(analysis: Any, instances: List[Instance], listed: Set[tuple]) -> List[Any]:
    """The inventory entries of the group's loops that are this stage's to list: across two
    stack instances, or inside a nested one when the per-file pass did not list the cycle (the
    same terms as `_report`)."""
    from loopcheck.pipeline.inventory import loop_entry

    context = analysis.context
    model = context.model
    findings = analysis.findings + [item.finding for item in analysis.suppressed]
    entries = []
    for loop in context.loops:
        stacks = {model.stack_of(node) for node in loop.cycle}
        entry = loop_entry(context, loop, findings)
        listed_per_file = len(stacks) < 2 and (entry.file, tuple(entry.cycle)) in listed
        if listed_per_file or not _owned(loop.cycle, model, instances):
            continue
        entry.across_stacks = True
        entries.append(entry)
    return entries


def _resources(instances: List[Instance]) -> MDict:
    """The model's template: every instance's resources by NodeKey, each where its own file
    wrote it (the line markers), a SAM function with its own template's Globals merged."""
    resources = MDict()
    resources.key_marks = marks()
    for instance in instances:
        data = instance.source.data
        written = instance.resources
        globals_function = _dict(_dict(_dict(data.get("Globals")).get("Function")))
        for logical_id, resource in _dict(written).items():
            if (isinstance(resource, dict) and resource.get("Type") == SAM_FUNCTION and globals_function
                    and isinstance(resource.get("Properties", {}), dict)):
                merged = _merge_globals(globals_function, _dict(resource.get("Properties")))
                properties = like(MDict(merged), resource.get("Properties"))
                resource = like(MDict({**resource, "Properties": properties}), resource)
            mark = written.key_mark(logical_id) if isinstance(written, MDict) else None
            resources[NodeKey(instance.number, str(logical_id))] = resource
            resources.key_marks.append(pack(*mark) if mark else 0)
    return MDict({"Resources": resources})


def _dict(node: Any) -> Dict[str, Any]:
    return node if isinstance(node, dict) else {}


def _report(finding: Finding, model: Model, instances: List[Instance], seen: Set[tuple]) -> Any:
    """The finding as the user sees it (its resource and path by their written ids, its
    cycle from its node references), or None when it is not about a loop across stacks (or
    the per-file pass reported it)."""
    if not finding.nodes:
        return None
    stacks = {model.stack_of(node) for node in finding.cycle}
    # The model names the file of a node no template defines (the default event bus) by the
    # group's label; here it has none.
    nodes = [NodeRef(model.file_of(node) if model.stack_of(node) is not None else "", model.display(node))
             for node in finding.cycle]
    files = [node.file for node in nodes]
    cycle = [node.logical_id for node in nodes]
    reported = len(stacks) < 2 and (files[0], finding.rule, tuple(cycle)) in seen  # by the per-file pass
    if reported or not _owned(finding.cycle, model, instances):
        return None
    path = [model.display(step) if isinstance(step, NodeKey) else step for step in finding.path]
    across = ", ".join(dict.fromkeys(f for f in files if f))
    message = finding.message + (
        f" (across {across})" if len(set(files)) > 1 else f" (in {across} as nested in its parent)")
    return replace(finding, resource=model.display(finding.resource), path=path, message=message, cycle=cycle,
                   nodes=nodes, across_stacks=True)
