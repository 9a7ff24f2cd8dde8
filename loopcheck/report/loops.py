"""`loopcheck loops`: the loop inventory (loopcheck.pipeline.inventory) as text or JSON.

JSON: {"tool", "version", "loops": [...], "errors": [...], "skipped": [...]}; each loop is a
LoopEntry.to_dict() (README "The loop inventory" documents the fields).
"""

from __future__ import annotations

import json
from typing import List

from loopcheck import __version__
from loopcheck.pipeline.result import ScanResult


def render_json(result: ScanResult) -> str:
    document = {
        "tool": "loopcheck",
        "version": __version__,
        "loops": [entry.to_dict() for entry in result.loops],
        "errors": [error.to_dict() for error in result.errors],
        "skipped": [{"file": s.path, "reason": s.reason} for s in result.skipped],
    }
    return json.dumps(document, indent=2) + "\n"


def render_text(result: ScanResult) -> str:
    lines: List[str] = []
    for entry in result.loops:
        lines.append(f"{entry.file}:{entry.line}: {' -> '.join(entry.cycle)}: {entry.status}")
        if entry.across_stacks:  # each node's own template, as `scan` prints a loop across stacks
            nodes = [f"{node} [{file}]" if file else node for node, file in zip(entry.cycle, entry.cycle_files)]
            lines.append("  across stacks: " + " -> ".join(nodes))
        if entry.bound is not None:
            lines.append(f"  {entry.summary}")
            lines.append(f"    {entry.bound.kind} check: {entry.bound.text}")
        elif entry.guard is not None:
            text = entry.summary or entry.guard.text
            place = f"{entry.guard.file}:{entry.guard.line}"
            where = f" ({place})" if entry.guard.file and place not in text else ""  # said once
            lines.append(f"  guard: {entry.guard.kind}{where}: {text}")
        elif entry.summary:
            lines.append(f"  why: {entry.summary}")
        lines.append(f"  runtime: {entry.runtime_text}")
        lines.append(f"  findings: {', '.join(entry.findings) or 'none'}")
    for error in result.errors:
        lines.append(f"{error.file}: unreadable: {error.message}")
    return "".join(line + "\n" for line in lines)


def summary(result: ScanResult) -> str:
    counts: dict = {}
    for entry in result.loops:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    detail = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    loops = len(result.loops)
    return (f"{result.templates} template{'' if result.templates == 1 else 's'} scanned: "
            f"{loops} loop{'' if loops == 1 else 's'}" + (f" ({detail})" if detail else "")
            + f" ({result.seconds:.2f} s)")
