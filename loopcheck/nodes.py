"""Decoded template values that remember where they were written (line and column, 1-based).

The loader builds these; every later stage reads them like plain dicts, lists and strings.
`locate` turns a JSON path back into a position, for our own nodes and for cfn-lint's
(which carry a `start_mark`), so both front-ends report the same place.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

Mark = Tuple[int, int]  # (line, column), both 1-based


class MDict(dict):
    """A mapping with the position of its first key."""

    mark: Mark = (0, 0)
    end: int = 0  # offset just past it, where the JSON fallback knows it
    key_marks: Optional[Dict[Any, Optional[Mark]]] = None  # built by _key_mark when first needed


class MList(list):
    """A sequence with the position of its first item."""

    mark: Mark = (0, 0)
    end: int = 0


class MStr(str):
    """A string scalar with its position."""

    mark: Mark = (0, 0)
    end: int = 0


def mark_of(node: Any) -> Optional[Mark]:
    """The position a node was read from, or None for values that carry none (numbers)."""
    mark = getattr(node, "mark", None)
    if mark is not None and mark != (0, 0):
        return mark
    start = getattr(node, "start_mark", None)  # cfn-lint's nodes
    if start is not None:
        return (start.line + 1, start.column + 1)
    return None


def _key_mark(mapping: dict, key: Any) -> Optional[Mark]:
    # A dict hands back values, not the key objects that carry the marks: index the keys
    # once per mapping (Resources of a large template is located hundreds of times).
    if isinstance(mapping, MDict):
        if mapping.key_marks is None or len(mapping.key_marks) != len(mapping):
            mapping.key_marks = {candidate: mark_of(candidate) for candidate in mapping}
        return mapping.key_marks.get(key)
    for candidate in mapping:
        if candidate == key:
            return mark_of(candidate)
    return None


def locate(root: Any, path: Sequence[Any]) -> Mark:
    """Position of the node at `path`: the key's own position for a mapping entry,
    else the deepest node on the way that has one."""
    best: Mark = mark_of(root) or (1, 1)
    node = root
    for step in path:
        if isinstance(node, dict) and step in node:
            best = _key_mark(node, step) or mark_of(node[step]) or best
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            best = mark_of(node) or best
        else:
            break
    return best
