"""Decoded template values that remember where they were written (line and column, 1-based).

The loader builds these; every later stage reads them like plain dicts, lists and strings.
Strings are plain `str`: a mapping keeps the positions of its keys and a sequence those of
its items, packed in an array (a str subclass with a position costs ~8 times the string;
on a 5,000-resource template that was a third of the memory). `locate` turns a JSON path
back into a position, for our own nodes and for cfn-lint's (which carry a `start_mark`), so
both front-ends report the same place.
"""

from __future__ import annotations

from array import array
from typing import Any, Optional, Sequence, Tuple

Mark = Tuple[int, int]  # (line, column), both 1-based

COLUMN_BITS = 24  # a 5 MB file cannot hold a longer line


def pack(line: int, column: int) -> int:
    return (line << COLUMN_BITS) | column


def unpack(packed: int) -> Optional[Mark]:
    return (packed >> COLUMN_BITS, packed & ((1 << COLUMN_BITS) - 1)) if packed else None


def marks() -> array:
    """An empty array of packed positions."""
    return array("Q")


class MDict(dict):
    """A mapping with its own position and those of its keys (in insertion order)."""

    __slots__ = ("mark", "end", "key_marks", "_key_index")

    def key_mark(self, key: Any) -> Optional[Mark]:
        key_marks = getattr(self, "key_marks", None)
        if key_marks is None or len(key_marks) != len(self):
            return None
        # Built once per mapping that is located (Resources of a large template is located
        # hundreds of times): a dict hands back values, not the key's place in the order.
        index = getattr(self, "_key_index", None)
        if index is None:
            index = self._key_index = {k: i for i, k in enumerate(self)}
        position = index.get(key)
        return None if position is None else unpack(key_marks[position])


class MList(list):
    """A sequence with its own position and those of its items."""

    __slots__ = ("mark", "end", "item_marks")

    def item_mark(self, index: int) -> Optional[Mark]:
        item_marks = getattr(self, "item_marks", None)
        if item_marks is None or len(item_marks) != len(self):
            return None
        return unpack(item_marks[index])


def mark_of(node: Any) -> Optional[Mark]:
    """The position a mapping or sequence was read from, or None for values that carry
    none (strings and numbers: ask their container, see `locate`)."""
    mark = getattr(node, "mark", None)
    if mark is not None and mark != (0, 0):
        return mark
    start = getattr(node, "start_mark", None)  # cfn-lint's nodes
    if start is not None:
        return (start.line + 1, start.column + 1)
    return None


def _key_mark(mapping: dict, key: Any) -> Optional[Mark]:
    if isinstance(mapping, MDict):
        return mapping.key_mark(key)
    for candidate in mapping:  # cfn-lint's mappings: the key objects carry the marks
        if candidate == key:
            return mark_of(candidate)
    return None


def _item_mark(sequence: list, index: int) -> Optional[Mark]:
    if isinstance(sequence, MList):
        found = sequence.item_mark(index)
        if found is not None:
            return found
    return mark_of(sequence[index])


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
            best = _item_mark(node, step) or best
            node = node[step]
        else:
            break
    return best
