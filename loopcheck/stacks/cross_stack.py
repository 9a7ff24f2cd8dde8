"""Cross-stack stage: loops whose hops live in two or more templates of one scan.

After the per-file pass (loopcheck.app.scan), templates that refer to each other
(loopcheck.stacks.links: exports and imports, nested stacks, SSM parameters, literal names) are
combined into one template (loopcheck.stacks.combine) that runs through the same stages as any
template: model, graph, loops, rules, suppressions. Nothing is judged here.

What is reported: loops that cross two stack instances. A loop inside one template is the
per-file pass's, and is not reported twice; a loop inside a nested stack that only exists
with the parameters its parent passes (the per-file pass saw the child's defaults) is
reported too, unless the per-file pass already reported the same cycle. Findings name the
original logical ids, and their node references each node's own file (`cycle_files` beside
`cycle` in the reports).

The combined template keys its resources, parameters and conditions by internal names
(`<Name>Zq<n>`, loopcheck.stacks.combine): two templates may write the same logical id, and
the model keys a node by one id. Those keys never reach the user as text: the model is built
with `Combined.origins` (internal name -> its instance, file and name as written), every stage
that writes a node into a message or a step names it through the model's `display`, and a
resolved value's symbols hold their name as written and their stack instance, so text is right
when it is made; node references carry the written id and each node's own file. What is mapped
here is data, by exact lookup in the origins: the cycle (from the node references), the
finding's resource and JSON path, a suppression's resource.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Sequence, Set, Tuple

from loopcheck.load.loader import Template, load_file
from loopcheck.model.resources import build_model
from loopcheck.rulebase.finding import Finding, NodeRef
from loopcheck.rulebase.suppressions import Suppressed
from loopcheck.stacks.combine import Combined, Source, combine
from loopcheck.stacks.links import MAX_GROUP, LinkKeys, groups, project_scope


def cross_stack(keys: Dict[str, LinkKeys], roots: Sequence[str], options: Any,
                per_file: List[Finding]) -> Tuple[List[Finding], List[Suppressed], List[Any], List[str]]:
    """(findings, suppressed, errors, notes) of every linked group of templates, in scan order.
    `options` is the scan's ScanOptions; `per_file` what the per-file pass found (reported
    or suppressed), so a cycle is never reported twice."""
    from loopcheck.pipeline.result import ErrorEntry

    seen = {(f.file, f.rule, tuple(f.cycle)) for f in per_file if f.cycle}
    findings: List[Finding] = []
    suppressed: List[Suppressed] = []
    errors: List[Any] = []
    notes: List[str] = []
    for group in groups(keys, project_scope(roots)):
        if len(group) > MAX_GROUP:  # a folder of unrelated templates sharing names: not one application
            notes.append(f"{group[0]} and {len(group) - 1} more templates refer to each other: more than "
                         f"{MAX_GROUP}, so loops across them are not looked for")
            continue
        try:
            found, hidden = _analyse_group(group, options, seen)
        except Exception as exc:  # noqa: BLE001 - the guard that keeps the scan's other output
            errors.append(ErrorEntry(group[0], (
                f"internal error in cross-stack analysis of {', '.join(group)} ({type(exc).__name__}: "
                f"{exc}); please report it at https://github.com/loopcheck/loopcheck/issues")))
            continue
        findings.extend(found)
        suppressed.extend(hidden)
    return findings, suppressed, errors, notes


def _analyse_group(group: List[str], options: Any, seen: Set[tuple]) -> Tuple[List[Finding], List[Suppressed]]:
    from loopcheck.pipeline.analysis import analyse_model

    sources = []
    for path in group:
        loaded = load_file(path, options.max_bytes)
        if isinstance(loaded, Template):  # read fine in the per-file pass; still, be sure
            sources.append(Source(path, loaded.data))
    if len(sources) < 2:
        return [], []
    combined = combine(sources)
    label = " + ".join(s.file for s in sources)
    model = build_model(label, combined.data, managed_policies=options.analysis.managed_policies,
                        origins=combined.origins)
    analysis = analyse_model(model, options.analysis)
    kept = [f for f in (_report(f, combined, seen) for f in analysis.findings) if f is not None]
    hidden = []
    for item in analysis.suppressed:
        finding = _report(item.finding, combined, seen)
        if finding is not None:
            suppression = replace(item.suppression, resource=_written(item.suppression.resource, combined))
            hidden.append(Suppressed(finding, suppression))
    kept.sort(key=Finding.sort_key)
    return kept, hidden


def _report(finding: Finding, combined: Combined, seen: Set[tuple]) -> Any:
    """The finding as the user sees it (its resource and path by their written ids, its
    cycle from its node references), or None when it is not about a loop across stacks (or
    the per-file pass reported it)."""
    if not finding.nodes:
        return None
    origins = [combined.origins.get(internal) for internal in finding.cycle]
    instances = {origin.stack if origin is not None else None for origin in origins}
    # The model names the file of a node no template defines (the default event bus) by the
    # group's label; here it has none.
    nodes = [NodeRef(origin.file if origin is not None else "", node.logical_id)
             for origin, node in zip(origins, finding.nodes)]
    files = [node.file for node in nodes]
    cycle = [node.logical_id for node in nodes]
    if len(instances) < 2:
        instance = combined.instances[next(iter(instances))] if None not in instances else None
        if instance is None or not instance.nested or (files[0], finding.rule, tuple(cycle)) in seen:
            return None
    resource = _written(finding.resource, combined)
    path = [_written(step, combined) if isinstance(step, str) else step for step in finding.path]
    across = ", ".join(dict.fromkeys(f for f in files if f))
    message = finding.message + (
        f" (across {across})" if len(set(files)) > 1 else f" (in {across} as nested in its parent)")
    return replace(finding, resource=resource, path=path, message=message, cycle=cycle, nodes=nodes,
                   across_stacks=True)


def _written(key: str, combined: Combined) -> str:
    """A key of the combined template as its own template wrote it (other text as it is)."""
    origin = combined.origins.get(key)
    return origin.name if origin is not None else key
