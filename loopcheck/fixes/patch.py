"""`loopcheck scan --diff`: every mechanical fix of a scan as one unified diff, for
`git apply` or `patch -p1`.

The edits of all findings in one file are merged in line order under one `--- a/` `+++ b/`
header; an edit that overlaps one already taken (two fixes changing the same lines) is
skipped and named. The same edit proposed by two findings is taken once. Inserts at the same
line go deepest first, so a key added to a function's Properties stays there when a resource
is appended after it. Nothing is written: the diff is made against the text the scan
analysed (ScanResult.sources), so a template read from stdin has one too.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from loopcheck.fixes.source_edits import apply_merged, overlaps
from loopcheck.rulebase.finding import Finding, LineEdit


@dataclass
class Patch:
    """The diff text, and one line for each fix left out."""

    text: str = ""
    skipped: List[str] = field(default_factory=list)
    fixes: int = 0


def _plan(findings: List[Finding]) -> Tuple[Dict[str, List[LineEdit]], List[str], int]:
    """Edits per file, in the order found; a fix whose edits clash with one taken is skipped whole."""
    files: Dict[str, List[LineEdit]] = {}
    skipped: List[str] = []
    taken = 0
    for finding in findings:
        for fix in finding.fixes:
            new = [edit for edit in fix.edits if edit not in files.get(edit.file, [])]
            if any(overlaps(edit, other) for edit in new for other in files.get(edit.file, [])):
                skipped.append(f"{finding.file}:{finding.line}: {finding.rule}: {fix.description} "
                               "(it changes lines another fix changes)")
                continue
            taken += 1
            for edit in new:
                files.setdefault(edit.file, []).append(edit)
    return files, skipped, taken


def _display(path: str) -> str:
    """The path as a diff names it: relative to the working folder, forward slashes."""
    try:
        relative = os.path.relpath(os.path.abspath(path))
    except ValueError:  # another drive (Windows)
        relative = os.pardir
    if relative.startswith(os.pardir):
        relative = os.path.abspath(path).lstrip("/")
    return relative.replace(os.sep, "/")


def build_patch(findings: List[Finding], sources: Dict[str, str]) -> Patch:
    """The unified diff of every mechanical fix of these findings, against the text each
    template had when analysed (`sources`, by file)."""
    files, skipped, taken = _plan(findings)
    chunks: List[str] = []
    for path in sorted(files):
        before = sources.get(path)
        if before is None:
            skipped.append(f"{path}: its fixes are not shown: the text analysed was not kept")
            continue
        after = apply_merged(before, files[path])
        name = _display(path)
        diff = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                    f"a/{name}", f"b/{name}")
        for line in diff:
            chunks.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return Patch("".join(chunks), skipped, taken)
