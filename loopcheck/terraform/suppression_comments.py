"""`# loopcheck: ignore <ID> <reason>` comments (also `//` and `/* */`) on a Terraform block:
on the comment lines directly above it, or anywhere inside it. They become the same
suppressions a SAM resource's `Metadata: loopcheck: ignore` holds (an entry without a rule or
without a reason suppresses nothing and is reported, as there)."""

from __future__ import annotations

import re
from typing import List, Tuple

from loopcheck.terraform.hcl_syntax import Comments

_DIRECTIVE = re.compile(r"loopcheck\s*:\s*ignore\b(.*)$", re.IGNORECASE | re.DOTALL)


def parse_directive(comment: str) -> List[Tuple[str, str]]:
    """The (rule, reason) entries of one comment's text (without its `#`): `EL101 reason`,
    `EL101, WL102: reason`; ("", "") for a directive that names no rule."""
    match = _DIRECTIVE.match(comment.strip())
    if match is None:
        return []
    rest = match.group(1).strip()
    found = re.match(r"((?:[A-Za-z]+[0-9][0-9A-Za-z]*\s*,\s*)*[A-Za-z]+[0-9][0-9A-Za-z]*)[:,]?\s*(.*)$", rest,
                     re.DOTALL)
    if found is None:
        return [("", rest)]
    rules = [rule.strip() for rule in found.group(1).split(",")]
    reason = found.group(2).strip().lstrip("-\u2013\u2014: ").strip()
    return [(rule, reason) for rule in rules]


def block_suppressions(comments: Comments, line: int, end_line: int) -> List[Tuple[str, str]]:
    """The entries of the comments directly above a block (a run of comment-only lines ending
    on the line before it) and inside it, in line order."""
    above: List[int] = []
    previous = line - 1
    while previous in comments.comment_only:
        above.insert(0, previous)
        previous -= 1
    inside = [number for number in sorted(comments.by_line) if line <= number <= end_line]
    entries: List[Tuple[str, str]] = []
    for number in above + inside:
        for text in comments.by_line[number]:
            entries.extend(parse_directive(text))
    return entries
