"""`loopcheck scan --diff`: every mechanical fix of a scan as one unified diff, for
`git apply` or `patch -p1`.

The edits of all findings in one file are merged in line order under one `--- a/` `+++ b/`
header; an edit that overlaps one already taken (two fixes changing the same lines) is
skipped and named. The same edit proposed by two findings is taken once. Inserts at the same
line go deepest first, so a key added to a function's Properties stays there when a resource
is appended after it. Nothing is written: the diff is made against the text the scan
analysed (ScanResult.sources), so a template read from stdin has one too, and its hunks are
made from the edits themselves (the bytes `difflib.unified_diff` gives, without its line
matching, which took half a minute on a 5,000-resource template).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from loopcheck.fixes.source_edits import merged_edits, overlaps, split_lines
from loopcheck.rulebase.finding import Finding, LineEdit

CONTEXT = 3  # unchanged lines around each change, as diff -u prints


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
        name = _display(path)
        chunks.append(f"--- a/{name}\n+++ b/{name}\n")
        chunks.extend(_hunks(split_lines(before), merged_edits(files[path])))
    return Patch("".join(chunks), skipped, taken)


def _range(start: int, count: int) -> str:
    """A hunk header's range (0-based start): an empty one names the line before it."""
    if count == 1:
        return str(start + 1)
    return f"{start + 1 if count else start},{count}"


def _lines(prefix: str, lines: List[str]) -> List[str]:
    out = []
    for line in lines:
        out.append(prefix + line if line.endswith("\n") else prefix + line + "\n\\ No newline at end of file\n")
    return out


def _hunks(before: List[str], edits: List[LineEdit]) -> List[str]:
    """Unified-diff hunks for sorted, non-overlapping edits, with CONTEXT lines around each
    change (made from the edits themselves: a line matcher over a large template is slow)."""
    changes = [(edit.line - 1, edit.removed, split_lines(edit.text)) for edit in edits]
    out: List[str] = []
    shift = 0  # new-file lines minus old-file lines before the current hunk
    index = 0
    while index < len(changes):
        group = [changes[index]]
        while index + len(group) < len(changes):
            following = changes[index + len(group)]
            last_start, last_removed, _ = group[-1]
            if following[0] - CONTEXT > last_start + last_removed + CONTEXT:
                break
            group.append(following)
        index += len(group)
        start = max(0, group[0][0] - CONTEXT)
        end = min(len(before), group[-1][0] + group[-1][1] + CONTEXT)
        body: List[str] = []
        cursor, added = start, 0
        for first, removed, new in group:
            body += _lines(" ", before[cursor:first])
            body += _lines("-", before[first:first + removed])
            body += _lines("+", new)
            cursor, added = first + removed, added + len(new) - removed
        body += _lines(" ", before[cursor:end])
        old_count, new_count = end - start, end - start + added
        out.append(f"@@ -{_range(start, old_count)} +{_range(start + shift, new_count)} @@\n")
        out.extend(body)
        shift += added
    return out
