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

from loopcheck.fixes.source_edits import apply_edits
from loopcheck.rulebase.finding import Finding, LineEdit


@dataclass
class Patch:
    """The diff text, and one line for each fix left out."""

    text: str = ""
    skipped: List[str] = field(default_factory=list)
    fixes: int = 0


def _indent(edit: LineEdit) -> int:
    first = edit.text.lstrip("\r\n")
    return len(first) - len(first.lstrip(" "))


def _overlaps(a: LineEdit, b: LineEdit) -> bool:
    """Whether two edits of one file touch the same lines (inserts at one point do not)."""
    if a.removed == 0 and b.removed == 0:
        return False
    a_end, b_end = a.line + a.removed, b.line + b.removed
    if a.removed == 0:
        return b.line < a.line < b_end
    if b.removed == 0:
        return a.line < b.line < a_end
    return a.line < b_end and b.line < a_end


def _plan(findings: List[Finding]) -> Tuple[Dict[str, List[LineEdit]], List[str], int]:
    """Edits per file, in the order found; a fix whose edits clash with one taken is skipped whole."""
    files: Dict[str, List[LineEdit]] = {}
    skipped: List[str] = []
    taken = 0
    for finding in findings:
        for fix in finding.fixes:
            new = [edit for edit in fix.edits if edit not in files.get(edit.file, [])]
            if any(_overlaps(edit, other) for edit in new for other in files.get(edit.file, [])):
                skipped.append(f"{finding.file}:{finding.line}: {finding.rule}: {fix.description} "
                               "(it changes lines another fix changes)")
                continue
            taken += 1
            for edit in new:
                files.setdefault(edit.file, []).append(edit)
    return files, skipped, taken


def _display(path: str) -> str:
    """The path as a diff names it: relative to the working folder, forward slashes."""
    relative = os.path.relpath(os.path.abspath(path))
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
        # Deepest insert first at one line: apply_edits applies them bottom-up, so the
        # shallower one (a resource appended) must come later in its order.
        edits = sorted(files[path], key=lambda e: (e.line, e.removed, -_indent(e)))
        after = _apply_in_order(before, edits)
        name = _display(path)
        diff = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                    f"a/{name}", f"b/{name}")
        for line in diff:
            chunks.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return Patch("".join(chunks), skipped, taken)


def _apply_in_order(text: str, edits: List[LineEdit]) -> str:
    """Apply edits sorted by line, inserts at one line kept in the given order."""
    merged: List[LineEdit] = []
    for edit in edits:
        if merged and edit.removed == 0 and merged[-1].removed == 0 and merged[-1].line == edit.line:
            merged[-1] = LineEdit(edit.file, edit.line, 0, merged[-1].text + edit.text)
        else:
            merged.append(edit)
    return apply_edits(text, merged)
