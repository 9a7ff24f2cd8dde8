"""The scan driver: find the template files under the given paths, analyse each (in worker
processes when there are many), link the templates of one scan (loopcheck.stacks), and
collect one ScanResult in discovery order. A template read from stdin (`loopcheck scan -`)
is scanned under the name it was given, in its place among the paths.

A Terraform unit (a folder of `.tf` files, or a plan's JSON) is read by the Terraform
front-end (loopcheck.terraform.frontend, imported only when there is one) and analysed like a
template; a folder another unit of the scan calls as a local module is not scanned alone.
Cross-stack linking stays with CloudFormation templates.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence

from loopcheck.load.discovery import TEMPLATE_SUFFIXES, discover  # noqa: F401 - the scan's names for them
from loopcheck.load.loader import (
    DEFAULT_MAX_BYTES,
    SIZE_LIMIT_HINT,
    LoadError,
    LoadResult,
    PlanDocument,
    Skipped,
    Template,
    load_bytes,
    load_file,
)
from loopcheck.pipeline.analysis import Analysis, AnalysisOptions, analyse
from loopcheck.pipeline.result import ErrorEntry, ScanResult
from loopcheck.rulebase.finding import Finding
from loopcheck.rulebase.suppressions import Suppressed


class StdinTemplate(NamedTuple):
    """A template read from stdin: the name it is reported under (its folder is where its
    handler code is looked for) and its bytes, at most max_bytes + 1 of them."""

    name: str
    raw: bytes


@dataclass
class ScanOptions:
    """How to scan: what counts as an error, size limits, analysis options, exclusions."""

    strict: bool = False  # a named or found YAML/JSON file that is not a template is an error
    max_bytes: int = DEFAULT_MAX_BYTES
    analysis: AnalysisOptions = field(default_factory=AnalysisOptions)
    exclude: Optional[Callable[[str], bool]] = None  # path -> True to leave it out
    link_keys: bool = False  # workers also return what cross-stack linking needs (scan sets it)
    gitignore: bool = True  # folders are walked as git sees them (loopcheck.load.ignore)
    inventory: bool = False  # also list every loop (`loopcheck loops`, loopcheck.pipeline.inventory)
    stdin: Optional[StdinTemplate] = None  # read by the CLI; scanned where its name is among the paths
    own: Sequence[str] = ()  # loopcheck's files of this run (the configuration), never scanned
    # Work out mechanical fixes (loopcheck.fixes: SARIF, --diff); off by default, as checking
    # them parses each template with one again.
    fixes: bool = False

    def load(self, path: str) -> LoadResult:
        """The file (or Terraform folder) at `path`, or the stdin template when `path` is its name."""
        if self.stdin is None or path != self.stdin.name:
            return load_unit(path, self.max_bytes)
        if len(self.stdin.raw) > self.max_bytes:
            return LoadError(path, f"stdin is over the {self.max_bytes}-byte limit{SIZE_LIMIT_HINT}")
        return _terraform_plan(load_bytes(path, self.stdin.raw))


def load_unit(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadResult:
    """One unit of a scan: a template file, a Terraform folder or a Terraform plan, as a
    Template (or why not)."""
    if os.path.isdir(path):
        from loopcheck.terraform.frontend import load_folder

        return load_folder(path)
    return _terraform_plan(load_file(path, max_bytes))


def _terraform_plan(loaded: LoadResult) -> LoadResult:
    if not isinstance(loaded, PlanDocument):
        return loaded
    from loopcheck.terraform.frontend import load_plan

    return load_plan(loaded.path, loaded.document)


def analyse_loaded(template: Template, options: AnalysisOptions) -> Analysis:
    """The pipeline over a loaded template; a Terraform unit's with the file of each resource,
    so each finding names its own `.tf` file, and with what its translation left out."""
    if template.resource_files is None:
        return analyse(template.path, template.data, options)
    analysis = analyse(template.path, template.data, options, resource_files=template.resource_files)
    analysis.notes = template.notes + analysis.notes
    return analysis


@dataclass
class FileOutcome:
    """What the scan of one file sends back, from a worker process too (the whole Analysis,
    with its model and graph, would be heavy to pickle)."""

    findings: List[Finding] = field(default_factory=list)
    suppressed: List[Suppressed] = field(default_factory=list)
    error: Optional[ErrorEntry] = None
    skipped: Optional[Skipped] = None
    link: Optional[Any] = None  # loopcheck.stacks.links.LinkKeys, when the scan links templates
    notes: List[str] = field(default_factory=list)
    loops: List[Any] = field(default_factory=list)  # inventory entries, when options.inventory
    unused_suppressions: List[Any] = field(default_factory=list)  # rulebase.suppressions.SuppressionSite
    source: str = ""  # the text analysed, when a finding has a mechanical fix
    files: List[str] = field(default_factory=list)  # a Terraform unit's files, reported as scanned


def scan_file(path: str, options: ScanOptions) -> tuple:
    """(findings, error, skipped) for one file. Never raises: an internal failure becomes an
    error entry that asks for a bug report, and the scan goes on."""
    analysis, error, skipped, _loaded = _scan_file(path, options)
    return (analysis.findings if analysis else []), error, skipped


def _scan_outcome(path: str, options: ScanOptions) -> FileOutcome:
    """The FileOutcome of one file."""
    analysis, error, skipped, loaded = _scan_file(path, options)
    if analysis is None:
        return FileOutcome(error=error, skipped=skipped)
    keys = None
    terraform = loaded.resource_files is not None
    if options.link_keys and not terraform:
        from loopcheck.stacks.links import link_keys

        try:
            keys = link_keys(path, analysis.model.data, analysis.model.resolver)
        except Exception:  # noqa: BLE001 - linking is extra; the file's own findings stand
            keys = None
    loops = []
    if options.inventory and analysis.context is not None:
        from loopcheck.pipeline.inventory import loop_entries

        loops = loop_entries(analysis.context, analysis.findings + [s.finding for s in analysis.suppressed])
    return FileOutcome(analysis.findings, analysis.suppressed, error, skipped, keys, analysis.notes, loops,
                       analysis.unused_suppressions, analysis.text, loaded.files if terraform else [])


def _scan_file(path: str, options: ScanOptions) -> tuple:
    """(analysis or None, error, skipped, the Template analysed) for one file or Terraform unit."""
    try:
        loaded = options.load(path)
        if isinstance(loaded, LoadError):
            # A Terraform unit's error names the .tf file it is in (the unit is a folder).
            return None, ErrorEntry(loaded.path, loaded.message, loaded.line, loaded.column), None, None
        if isinstance(loaded, Skipped):
            if options.strict and not loaded.empty:  # a template with no resources is one
                return None, ErrorEntry(path, f"{loaded.reason} (--strict)"), None, None
            return None, None, loaded, None
        assert isinstance(loaded, Template)
        analysis = analyse_loaded(loaded, options.analysis)
        # --diff and SARIF only: the fixes module is not imported otherwise. Fixes are edits of a
        # template's YAML/JSON text: a Terraform unit has none.
        if options.fixes and loaded.resource_files is None:
            from loopcheck.fixes.mechanical import attach_fixes

            if attach_fixes(analysis, loaded.text):
                analysis.text = loaded.text
        return analysis, None, None, loaded
    except Exception as exc:  # noqa: BLE001 - the guard that keeps one file from stopping a scan
        message = (
            f"internal error ({type(exc).__name__}: {exc}); please report it at "
            "https://github.com/loopcheck/loopcheck/issues with this file if you can share it"
        )
        return None, ErrorEntry(path, message), None, None


# Below this many files, starting worker processes costs more than it saves. Measured with
# benchmarks/targets.py (item 6: the first N corpus files in one process, the pool's threshold
# lifted): 2 workers lose up to 64 files (64: 36 vs 45 ms), break even at 96, win from 128
# (91 vs 70 ms).
PARALLEL_THRESHOLD = 96


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


def _found(paths: Sequence[str], options: ScanOptions) -> List[tuple]:
    """discover's (path, error) pairs, with the stdin template's name where it was given
    (and a file of that name a folder walk finds left out: stdin stands for it); Terraform
    folders another unit calls as local modules left out."""
    return without_child_modules(_discovered(paths, options))


def without_child_modules(found: List[tuple]) -> List[tuple]:
    """The (path, error) pairs without the Terraform folders only called as local child
    modules by another Terraform unit of the same scan (the caller reads them)."""
    folders = [path for path, missing in found if not missing and os.path.isdir(path)]
    if len(folders) < 2:
        return found
    from loopcheck.terraform.frontend import without_called_modules

    kept = without_called_modules(folders)
    return [(path, missing) for path, missing in found if missing or path not in folders or path in kept]


def _discovered(paths: Sequence[str], options: ScanOptions) -> List[tuple]:
    if options.stdin is None:
        return list(discover(paths, options.exclude, options.gitignore, options.own))
    stdin_file = os.path.abspath(options.stdin.name)
    found = []
    for given in paths:
        if given == options.stdin.name:
            found.append((given, None))
        else:
            found.extend(entry for entry in discover([given], options.exclude, options.gitignore, options.own)
                         if entry[1] is not None or os.path.abspath(entry[0]) != stdin_file)
    return found


def scan(paths: Sequence[str], options: Optional[ScanOptions] = None, jobs: int = 1,
         progress: Optional[Callable[[int, int], None]] = None) -> ScanResult:
    """Scan files and folders. Output order is the discovery order whatever `jobs` is, so
    `--jobs 1` and `--jobs N` print the same bytes."""
    options = options or ScanOptions()
    started = time.perf_counter()
    result = ScanResult(roots=list(paths))
    found = _found(paths, options)
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
            result.files.extend(outcome.files or [path])
            result.findings.extend(outcome.findings)
            result.suppressed.extend(outcome.suppressed)
            result.notes.extend(outcome.notes)
            result.loops.extend(outcome.loops)
            result.unused_suppressions.extend(outcome.unused_suppressions)
            if outcome.source:
                result.sources[path] = outcome.source
            if outcome.link is not None:  # a template with no keys of its own may still be a nested child
                keys[path] = outcome.link
    if linking and len(keys) > 1:
        from loopcheck.stacks.cross_stack import cross_stack

        per_file = result.findings + [s.finding for s in result.suppressed]
        linked = cross_stack(keys, list(paths), options, per_file, result.loops)
        result.findings.extend(linked.findings)
        result.suppressed.extend(linked.suppressed)
        result.errors.extend(linked.errors)
        result.notes.extend(linked.notes)
        result.loops.extend(linked.loops)
        result.unused_suppressions = [site for site in result.unused_suppressions
                                      if site.key not in linked.used_suppressions]
    result.seconds = time.perf_counter() - started
    return result
