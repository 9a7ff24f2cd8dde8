"""The one pipeline every front-end uses: find files, then per template
load -> resolve -> model -> graph -> loops -> rules -> suppressions.

`analyse_template` is the seam the cfn-lint plugin uses: it takes an already decoded
template, so cfn-lint's own parse is reused rather than repeated. `analyse` is the same with
everything it computed (suppressed findings, model, graph, loops) for front-ends that need
more than the findings (`--show-suppressed`, `loopcheck graph`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Sequence

from loopcheck import suppressions
from loopcheck.code.evidence import code_notes
from loopcheck.discovery import TEMPLATE_SUFFIXES, discover  # noqa: F401 - the pipeline's names for them
from loopcheck.findings import Finding
from loopcheck.gcpause import gc_paused
from loopcheck.graph import EventGraph, build_graph
from loopcheck.loader import DEFAULT_MAX_BYTES, LoadError, Skipped, Template, load_file
from loopcheck.loops import Loop, find_loops
from loopcheck.model import Model, build_model
from loopcheck.rulebase import RuleContext, all_rules
from loopcheck.suppressions import Suppressed


@dataclass
class AnalysisOptions:
    """What configuration changes in the analysis of one template (loopcheck.config builds
    it from `[tool.loopcheck]` / `.loopcheck.yaml`); the defaults change nothing."""

    managed_policies: Mapping[str, List[Dict[str, Any]]] = field(default_factory=dict)
    skip: FrozenSet[str] = frozenset()  # rule ids not run
    severity: Mapping[str, str] = field(default_factory=dict)  # rule id -> reported severity
    suppressions: bool = True  # honour Metadata suppressions in the template
    cross_stack: bool = True  # link the templates of one scan (loopcheck.stacks)


@dataclass
class ScanOptions:
    strict: bool = False  # a named or found YAML/JSON file that is not a template is an error
    max_bytes: int = DEFAULT_MAX_BYTES
    analysis: AnalysisOptions = field(default_factory=AnalysisOptions)
    exclude: Optional[Callable[[str], bool]] = None  # path -> True to leave it out
    link_keys: bool = False  # workers also return what cross-stack linking needs (scan sets it)
    gitignore: bool = True  # folders are walked as git sees them (loopcheck.ignore)


@dataclass
class ErrorEntry:
    file: str
    message: str
    line: Optional[int] = None
    column: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message}


@dataclass
class ScanResult:
    findings: List[Finding] = field(default_factory=list)
    errors: List[ErrorEntry] = field(default_factory=list)
    skipped: List[Skipped] = field(default_factory=list)
    templates: int = 0
    seconds: float = 0.0
    roots: List[str] = field(default_factory=list)  # the paths the scan was given
    files: List[str] = field(default_factory=list)  # templates analysed, in scan order
    suppressed: List[Suppressed] = field(default_factory=list)  # kept out of `findings`
    show_suppressed: bool = False  # reporters list `suppressed` too
    excluded: List[str] = field(default_factory=list)  # files left out by configuration
    baseline: Optional[Any] = None  # loopcheck.baseline.Comparison, when --baseline was given
    notes: List[str] = field(default_factory=list)  # where the analysis stopped short, for stderr


@dataclass
class Analysis:
    """Everything the pipeline computed for one template."""

    findings: List[Finding]  # reported, in a stable order
    suppressed: List[Suppressed]  # suppressed by the template's Metadata
    model: Model
    graph: EventGraph
    loops: List[Loop]
    notes: List[str] = field(default_factory=list)  # where the analysis stopped short


@dataclass
class FileOutcome:
    """What the scan of one file sends back, from a worker process too (the whole Analysis,
    with its model and graph, would be heavy to pickle)."""

    findings: List[Finding] = field(default_factory=list)
    suppressed: List[Suppressed] = field(default_factory=list)
    error: Optional[ErrorEntry] = None
    skipped: Optional[Skipped] = None
    link: Optional[Any] = None  # loopcheck.links.LinkKeys, when the scan links templates
    notes: List[str] = field(default_factory=list)


def analyse(file: str, data: Dict[str, Any], options: Optional[AnalysisOptions] = None) -> Analysis:
    """Every rule on one decoded template, then its Metadata suppressions, then configured
    severities (a finding keeps its rule id and reports the configured severity)."""
    with gc_paused():
        return _analyse(file, data, options)


def _analyse(file: str, data: Dict[str, Any], options: Optional[AnalysisOptions]) -> Analysis:
    options = options or AnalysisOptions()
    model = build_model(file, data, managed_policies=options.managed_policies)
    analysis = analyse_model(model, options)
    # A state machine whose DefinitionUri could not be read has no tasks: its loops are unseen.
    analysis.notes.extend(f"{file}: state machine {machine}: definition unknown ({why}), its tasks not read"
                          for machine, why in model.unknown_definitions.items())
    return analysis


def analyse_model(model: Model, options: AnalysisOptions) -> Analysis:
    """The stages after the model: graph, loops, rules, suppressions, severities (the
    cross-stack stage enters here with a model of several templates combined)."""
    data = model.data
    graph = build_graph(model)
    loops = find_loops(graph)
    context = RuleContext(model, graph, loops)
    findings: List[Finding] = []
    for rule in all_rules():
        if rule.id not in options.skip:
            findings.extend(rule.check(context))
    findings.sort(key=Finding.sort_key)
    suppressed: List[Suppressed] = []
    if options.suppressions:
        findings, suppressed = suppressions.apply(findings, suppressions.read(data)[0])
    for finding in findings + [s.finding for s in suppressed]:
        finding.severity = options.severity.get(finding.rule, finding.severity)
    notes = code_notes(model.file, graph.code)  # where handler analysis stopped short
    notes += [f"{model.file}: {note}" for note in graph.notes]
    if graph.cycles_cut:
        notes.append(f"{model.file}: more loops than loopcheck lists ({graph.cycles_cut}); "
                     "fix the ones reported and scan again")
    return Analysis(findings, suppressed, model, graph, loops, notes)


def analyse_template(file: str, data: Dict[str, Any], *,
                     options: Optional[AnalysisOptions] = None) -> List[Finding]:
    """Every reported finding on one decoded template, in a stable order (suppressed ones
    left out)."""
    return analyse(file, data, options).findings


def scan_file(path: str, options: ScanOptions) -> tuple:
    """(findings, error, skipped) for one file. Never raises: an internal failure becomes an
    error entry that asks for a bug report, and the scan goes on."""
    analysis, error, skipped = _scan_file(path, options)
    return (analysis.findings if analysis else []), error, skipped


def _scan_outcome(path: str, options: ScanOptions) -> FileOutcome:
    """The FileOutcome of one file."""
    analysis, error, skipped = _scan_file(path, options)
    if analysis is None:
        return FileOutcome(error=error, skipped=skipped)
    keys = None
    if options.link_keys:
        from loopcheck.links import link_keys

        try:
            keys = link_keys(path, analysis.model.data, analysis.model.resolver)
        except Exception:  # noqa: BLE001 - linking is extra; the file's own findings stand
            keys = None
    return FileOutcome(analysis.findings, analysis.suppressed, error, skipped, keys, analysis.notes)


def _scan_file(path: str, options: ScanOptions) -> tuple:
    """(analysis or None, error, skipped) for one file."""
    try:
        loaded = load_file(path, options.max_bytes)
        if isinstance(loaded, LoadError):
            return None, ErrorEntry(path, loaded.message, loaded.line, loaded.column), None
        if isinstance(loaded, Skipped):
            if options.strict and not loaded.empty:  # a template with no resources is one
                return None, ErrorEntry(path, f"{loaded.reason} (--strict)"), None
            return None, None, loaded
        assert isinstance(loaded, Template)
        return analyse(path, loaded.data, options.analysis), None, None
    except Exception as exc:  # noqa: BLE001 - the guard that keeps one file from stopping a scan
        message = (
            f"internal error ({type(exc).__name__}: {exc}); please report it at "
            "https://github.com/loopcheck/loopcheck/issues with this file if you can share it"
        )
        return None, ErrorEntry(path, message), None


# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 16


def _results(paths: List[str], options: ScanOptions, jobs: int,
             progress: Optional[Callable[[int, int], None]]) -> Iterator[FileOutcome]:
    """_scan_outcome for every path, in the given order, in `jobs` processes when worth it."""
    total = len(paths)
    if jobs <= 1 or total < PARALLEL_THRESHOLD:
        outcomes: Iterable[FileOutcome] = (_scan_outcome(path, options) for path in paths)
        pool = None
    else:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=jobs)
        chunk = max(1, min(32, total // (jobs * 8)))
        worker_options = replace(options, exclude=None)  # applied here; a closure does not pickle
        outcomes = pool.map(_scan_outcome, paths, [worker_options] * total, chunksize=chunk)
    try:
        for done, outcome in enumerate(outcomes, 1):
            if progress is not None:
                progress(done, total)
            yield outcome
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def scan(paths: Sequence[str], options: Optional[ScanOptions] = None, jobs: int = 1,
         progress: Optional[Callable[[int, int], None]] = None) -> ScanResult:
    """Scan files and folders. Output order is the discovery order whatever `jobs` is, so
    `--jobs 1` and `--jobs N` print the same bytes."""
    options = options or ScanOptions()
    started = time.perf_counter()
    result = ScanResult(roots=list(paths))
    found = list(discover(paths, options.exclude, options.gitignore))
    excluded = {path for path, missing in found
                if not missing and options.exclude is not None and options.exclude(path)}
    files = [path for path, missing in found if not missing and path not in excluded]
    linking = options.analysis.cross_stack and len(files) > 1
    if linking:
        options = replace(options, link_keys=True)
    keys: Dict[str, Any] = {}
    outcomes = _results(files, options, jobs, progress)
    for path, missing in found:
        if missing:
            result.errors.append(ErrorEntry(path, missing))
            continue
        if path in excluded:
            result.excluded.append(path)
            continue
        outcome = next(outcomes)
        if outcome.error is not None:
            result.errors.append(outcome.error)
        elif outcome.skipped is not None:
            result.skipped.append(outcome.skipped)
        else:
            result.templates += 1
            result.files.append(path)
            result.findings.extend(outcome.findings)
            result.suppressed.extend(outcome.suppressed)
            result.notes.extend(outcome.notes)
            if outcome.link is not None:  # a template with no keys of its own may still be a nested child
                keys[path] = outcome.link
    if linking and len(keys) > 1:
        from loopcheck.stacks import cross_stack

        found_findings, found_suppressed, problems, notes = cross_stack(
            keys, list(paths), options, result.findings + [s.finding for s in result.suppressed])
        result.findings.extend(found_findings)
        result.suppressed.extend(found_suppressed)
        result.errors.extend(problems)
        result.notes.extend(notes)
    result.seconds = time.perf_counter() - started
    return result
