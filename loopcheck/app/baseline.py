"""Baselines: accept today's findings, report only new ones.

`loopcheck scan --write-baseline FILE` records every reported finding as
{file, rule, cycle} (a loop) or {file, rule, resource} (anything else): no line numbers or
messages, so edits elsewhere in the template do not break the match. `file` is relative to
the baseline file's folder, and a cycle is stored in a canonical rotation (starting at its
smallest logical id), so a reordered template or another working directory matches too.

`--baseline FILE` drops the findings the baseline holds (each entry matches one finding)
and counts the entries that no longer match any finding: "gone", counted only for
templates this scan analysed, so scanning a subset does not call the rest gone.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence, Tuple

from loopcheck.load import userfiles
from loopcheck.load.userfiles import UserFileError, read_text, write_text
from loopcheck.rulebase.finding import Finding

FORMAT = 1
Key = Tuple[str, str, str, Tuple[str, ...]]  # file, rule, resource ("" for loops), cycle


class BaselineError(Exception):
    """A baseline file that cannot be read."""


def canonical_cycle(cycle: Sequence[str]) -> Tuple[str, ...]:
    """The cycle (first == last) rotated to start at its smallest id, closed again."""
    if not cycle:
        return ()
    ring = list(cycle[:-1]) if len(cycle) > 1 and cycle[0] == cycle[-1] else list(cycle)
    start = min(range(len(ring)), key=lambda i: ring[i:] + ring[:i])
    rotated = ring[start:] + ring[:start]
    return tuple(rotated + [rotated[0]])


def _relative(file: str, folder: str) -> str:
    return Path(os.path.relpath(os.path.abspath(file), folder)).as_posix()


def key_of(finding: Finding, folder: str) -> Key:
    cycle = canonical_cycle(finding.cycle)
    return (_relative(finding.file, folder), finding.rule, "" if cycle else finding.resource, cycle)


def _entry(key: Key) -> Dict[str, Any]:
    file, rule, resource, cycle = key
    entry: Dict[str, Any] = {"file": file, "rule": rule}
    if cycle:
        entry["cycle"] = list(cycle)
    else:
        entry["resource"] = resource
    return entry


def _folder(baseline_path: str) -> str:
    return os.path.dirname(os.path.abspath(baseline_path))


def render(findings: Iterable[Finding], baseline_path: str) -> str:
    """The baseline file's text: entries sorted, so the same findings give the same bytes."""
    folder = _folder(baseline_path)
    keys = sorted(key_of(f, folder) for f in findings)
    document = {"tool": "loopcheck", "format": FORMAT, "findings": [_entry(k) for k in keys]}
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def write(findings: Sequence[Finding], baseline_path: str) -> int:
    """Write the baseline file; the number of entries written. BaselineError when it cannot
    be written (a missing folder, a full disk, a FIFO)."""
    try:
        write_text(baseline_path, render(findings, baseline_path))
    except UserFileError as exc:
        raise BaselineError(str(exc)) from exc
    return len(findings)


def check_writable(baseline_path: str) -> None:
    """BaselineError now, before a scan, if the baseline could not be written after it."""
    try:
        userfiles.check_writable(baseline_path)
    except UserFileError as exc:
        raise BaselineError(str(exc)) from exc


def read(baseline_path: str) -> List[Key]:
    """The entries of a baseline file: a regular file of at most 50 MB (loopcheck.load.userfiles)."""
    try:
        document = json.loads(read_text(baseline_path))
    except UserFileError as exc:
        raise BaselineError(str(exc)) from exc
    except (ValueError, RecursionError) as exc:
        raise BaselineError(f"{baseline_path}: not a loopcheck baseline (invalid JSON: {exc})") from exc
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(entries, list) or document.get("tool") != "loopcheck":
        raise BaselineError(f"{baseline_path}: not a loopcheck baseline (no \"findings\" list)")
    keys: List[Key] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) \
                or not isinstance(entry.get("rule"), str):
            raise BaselineError(f"{baseline_path}: malformed entry {entry!r}")
        cycle = entry.get("cycle") or []
        keys.append((entry["file"], entry["rule"], "" if cycle else str(entry.get("resource", "")),
                     canonical_cycle([str(c) for c in cycle])))
    return keys


@dataclass
class Comparison:
    file: str
    matched: int
    gone: int

    def to_dict(self) -> Dict[str, Any]:
        return {"file": self.file, "matched": self.matched, "gone": self.gone}

    def summary(self) -> str:
        return (f"baseline {self.file}: {self.matched} known finding{'s' if self.matched != 1 else ''} "
                f"not reported, {self.gone} gone (fixed or removed)")


def compare(findings: List[Finding], scanned_files: Sequence[str], baseline_path: str,
            keys: List[Key]) -> Tuple[List[Finding], Comparison]:
    """(new findings, comparison): findings the baseline holds are dropped, one per entry."""
    folder = _folder(baseline_path)
    remaining = Counter(keys)
    new: List[Finding] = []
    matched = 0
    for finding in findings:
        key = key_of(finding, folder)
        if remaining[key] > 0:
            remaining[key] -= 1
            matched += 1
        else:
            new.append(finding)
    scanned = {_relative(f, folder) for f in scanned_files}
    gone = sum(count for key, count in remaining.items() if count > 0 and key[0] in scanned)
    return new, Comparison(baseline_path, matched, gone)
