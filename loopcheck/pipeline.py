"""The one pipeline every front-end uses: find files, then per template
load -> resolve -> model -> graph -> loops -> rules.

`analyse_template` is the seam the cfn-lint plugin will use: it takes an already decoded
template, so cfn-lint's own parse is reused rather than repeated.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence

from loopcheck.findings import Finding
from loopcheck.graph import build_graph
from loopcheck.loader import DEFAULT_MAX_BYTES, LoadError, Skipped, Template, load_file
from loopcheck.loops import find_loops
from loopcheck.model import build_model
from loopcheck.rulebase import RuleContext, all_rules

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
_SKIPPED_DIRS = {"node_modules", "__pycache__"}


@dataclass
class ScanOptions:
    strict: bool = False  # a named or found YAML/JSON file that is not a template is an error
    max_bytes: int = DEFAULT_MAX_BYTES


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


def analyse_template(file: str, data: Dict[str, Any]) -> List[Finding]:
    """Every finding of every rule on one decoded template, in a stable order."""
    model = build_model(file, data)
    graph = build_graph(model)
    context = RuleContext(model, graph, find_loops(graph))
    findings: List[Finding] = []
    for rule in all_rules():
        findings.extend(rule.check(context))
    findings.sort(key=Finding.sort_key)
    return findings


def discover(paths: Sequence[str]) -> Iterator[tuple]:
    """(path, error) pairs: every template-looking file under the given paths, in a
    stable order; a missing path comes back with its error."""
    for given in paths:
        if os.path.isdir(given):
            for root, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
                for name in sorted(files):
                    if name.lower().endswith(TEMPLATE_SUFFIXES):
                        yield os.path.join(root, name), None
        elif os.path.exists(given):
            yield given, None
        else:
            yield given, "no such file or directory"


def scan_file(path: str, options: ScanOptions) -> tuple:
    """(findings, error, skipped) for one file. Never raises: an internal failure becomes an
    error entry that asks for a bug report, and the scan goes on."""
    try:
        loaded = load_file(path, options.max_bytes)
        if isinstance(loaded, LoadError):
            return [], ErrorEntry(path, loaded.message, loaded.line, loaded.column), None
        if isinstance(loaded, Skipped):
            if options.strict:
                return [], ErrorEntry(path, f"{loaded.reason} (--strict)"), None
            return [], None, loaded
        assert isinstance(loaded, Template)
        return analyse_template(path, loaded.data), None, None
    except Exception as exc:  # noqa: BLE001 - the guard that keeps one file from stopping a scan
        message = (
            f"internal error ({type(exc).__name__}: {exc}); please report it at "
            "https://github.com/loopcheck/loopcheck/issues with this file if you can share it"
        )
        return [], ErrorEntry(path, message), None


# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 16


def _results(paths: List[str], options: ScanOptions, jobs: int,
             progress: Optional[Callable[[int, int], None]]) -> Iterator[tuple]:
    """scan_file for every path, in the given order, in `jobs` processes when worth it."""
    total = len(paths)
    if jobs <= 1 or total < PARALLEL_THRESHOLD:
        outcomes: Iterable[tuple] = (scan_file(path, options) for path in paths)
        pool = None
    else:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=jobs)
        chunk = max(1, min(32, total // (jobs * 8)))
        outcomes = pool.map(scan_file, paths, [options] * total, chunksize=chunk)
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
    found = list(discover(paths))
    files = [path for path, missing in found if not missing]
    outcomes = _results(files, options, jobs, progress)
    for path, missing in found:
        if missing:
            result.errors.append(ErrorEntry(path, missing))
            continue
        findings, error, skipped = next(outcomes)
        if error is not None:
            result.errors.append(error)
        elif skipped is not None:
            result.skipped.append(skipped)
        else:
            result.templates += 1
            result.files.append(path)
            result.findings.extend(findings)
    result.seconds = time.perf_counter() - started
    return result


def display_path(path: str) -> str:
    return str(Path(path))
