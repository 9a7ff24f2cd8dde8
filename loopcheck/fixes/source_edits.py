"""Line edits on a template's own text: replace a scalar on its line, add a key to a mapping,
add a resource to Resources. Only the lines a change needs are touched, so comments, quoting
and layout elsewhere stay as written.

Every edit is checked before it is offered: the edited text is parsed again with loopcheck's
loader and must decode to the original data with exactly the intended change (`Source.verified`:
one parse for all the fixes of a template, one per fix only when that fails).
An edit that cannot be placed with certainty (a flow-style mapping, a value computed by an
intrinsic, line endings the parser counts differently) raises NotMechanical: no fix is better
than a wrong one.

YAML keys are added after the mapping's last entry, at its indentation; JSON keys before its
first key, with a trailing comma, so the brace and comma layout around them is left alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from loopcheck.load.loader import Template, parse_text
from loopcheck.load.nodes import MDict
from loopcheck.rulebase.finding import LineEdit

Path = Sequence[Any]

# Plain YAML scalars written without quotes: a name-like text that YAML 1.1 reads as a string.
_PLAIN = re.compile(r"[A-Za-z_/](?:[A-Za-z0-9_./:-]*[A-Za-z0-9_./-])?")
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}
# What may stand before a block mapping's first key on its line: indentation and sequence dashes.
_BLOCK_LEAD = re.compile(r" *(?:- +)*")
# Line breaks PyYAML counts that str.split("\n") would not: such a text gets no fixes.
_ODD_BREAKS = re.compile("\r(?!\n)|[\x85\u2028\u2029]")


class NotMechanical(Exception):
    """The change cannot be made as a sure line edit on this text."""


ABSENT = object()  # a Change's `previous` when it adds the key


@dataclass(frozen=True)
class Change:
    """What an edit does to the decoded template: the value at `path` becomes `value`."""

    path: Tuple[Any, ...]
    value: Any
    previous: Any = ABSENT


@dataclass(frozen=True)
class Candidate:
    """A fix before it is checked: its description, its edits and the change they make."""

    description: str
    edits: Tuple[LineEdit, ...]
    changes: Tuple[Change, ...]


# Beyond one parse for all of a template's fixes, at most this many are checked one by one.
MAX_SINGLE_CHECKS = 20


@dataclass
class Source:
    """One template's text as the analysis read it, split into lines (ends kept)."""

    file: str
    text: str
    data: MDict
    lines: List[str]
    newline: str
    is_json: bool

    @classmethod
    def of(cls, file: str, text: str, data: MDict) -> Optional[Source]:
        """The source, or None for a text whose line breaks the YAML reader counts otherwise."""
        if _ODD_BREAKS.search(text):
            return None
        lines = split_lines(text)
        newline = "\r\n" if "\r\n" in text else "\n"
        is_json = file.lower().endswith(".json") or text.lstrip()[:1] == "{"
        return cls(file, text, data, lines, newline, is_json)

    # -- reading -------------------------------------------------------------------------

    def node(self, path: Path) -> Any:
        node: Any = self.data
        for step in path:
            if isinstance(node, dict) and step in node:
                node = node[step]
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                node = node[step]
            else:
                raise NotMechanical(f"no {'.'.join(map(str, path))}")
        return node

    def mapping(self, path: Path) -> MDict:
        node = self.node(path)
        if not isinstance(node, MDict) or not node:
            raise NotMechanical("not a mapping with keys")
        return node

    def key_position(self, path: Path) -> Tuple[int, int]:
        """(line, column), 1-based, of the key that ends `path`."""
        parent = self.mapping(path[:-1])
        mark = parent.key_mark(path[-1])
        if mark is None or mark[0] > len(self.lines):
            raise NotMechanical("key position unknown")
        return mark

    def key_column(self, path: Path) -> int:
        """The 0-based column of the keys of the block mapping at `path`."""
        mapping = self.mapping(path)
        line, column = self.key_position(list(path) + [next(iter(mapping))])
        lead = self.lines[line - 1][:column - 1]
        if self.is_json:
            if lead.strip():
                raise NotMechanical("JSON key not on a line of its own")
        elif not _BLOCK_LEAD.fullmatch(lead):
            raise NotMechanical("not a block mapping")
        return column - 1

    def indent_step(self, path: Path) -> int:
        """The indentation one level adds in this document (a mapping's keys against its parent's)."""
        try:
            inner, outer = self.key_column(path), self.key_column(path[:-1])
        except NotMechanical:
            return 2
        return inner - outer if inner > outer else 2

    def _block_end(self, path: Path, column: int) -> int:
        """The 0-based index of the last line holding the YAML block mapping at `path`."""
        mapping = self.mapping(path)
        last = max(self.key_position(list(path) + [key])[0] for key in mapping) - 1
        index = last + 1
        while index < len(self.lines):
            line = self.lines[index]
            body = line.strip()
            if not body or body.startswith("#"):
                index += 1
                continue
            indent = len(line) - len(line.lstrip(" "))
            if indent > column or (indent == column and body.startswith("-")):
                last = index
                index += 1
                continue
            break
        return last

    # -- edits ---------------------------------------------------------------------------

    def replace_scalar(self, path: Path, old: str, new: str) -> LineEdit:
        """`Key: old` -> `Key: new` on the key's own line, quotes and comment kept."""
        line, column = self.key_position(path)
        text = self.lines[line - 1]
        head, tail = text[:column - 1], text[column - 1:]
        key = re.escape(json.dumps(path[-1]) if self.is_json else str(path[-1]))
        pattern = re.compile(rf"({key}\s*:\s*)([\"']?){re.escape(old)}\2(?=\s*(?:[,#}}]|$))")
        replaced, count = pattern.subn(lambda m: m.group(1) + m.group(2) + new + m.group(2), tail, count=1)
        if count != 1:
            raise NotMechanical("the value is not a plain scalar on the key's line")
        return LineEdit(self.file, line, 1, head + replaced)

    def add_key(self, path: Path, key: str, value: Any) -> LineEdit:
        """`key: value` as a new entry of the mapping at `path` (which must not hold `key`)."""
        mapping = self.mapping(path)
        if key in mapping:
            raise NotMechanical(f"{key} is already set")
        column = self.key_column(path)
        step = self.indent_step(path)
        if self.is_json:
            first_line = self.key_position(list(path) + [next(iter(mapping))])[0]
            rendered = json.dumps({key: value}, indent=step, ensure_ascii=False)
            body = rendered[1:-1].strip("\n")  # the entry without the braces around it
            lines = [" " * column + entry[step:] for entry in body.split("\n")]
            lines[-1] += ","
            return LineEdit(self.file, first_line, 0, self._join(lines))
        lines = _yaml_entry(key, value, column, step)
        last = self._block_end(path, column)
        return self._insert_after(last, lines)

    def add_resource(self, logical_id: str, resource: Dict[str, Any]) -> LineEdit:
        """A resource at the end of Resources (YAML, after a blank line) or at its start (JSON)."""
        if self.is_json:
            return self.add_key(["Resources"], logical_id, resource)
        if logical_id in self.mapping(["Resources"]):
            raise NotMechanical(f"{logical_id} already exists")
        column = self.key_column(["Resources"])
        step = self.indent_step(["Resources"])
        last = self._block_end(["Resources"], column)
        return self._insert_after(last, [""] + _yaml_entry(logical_id, resource, column, step))

    def _insert_after(self, index: int, lines: List[str]) -> LineEdit:
        text = self._join(lines)
        previous = self.lines[index]
        if not previous.endswith("\n"):  # the last line of a file without a final newline
            return LineEdit(self.file, index + 1, 1, previous + self.newline + text)
        return LineEdit(self.file, index + 2, 0, text)

    def _join(self, lines: List[str]) -> str:
        return "".join(line + self.newline for line in lines)

    # -- checking ------------------------------------------------------------------------

    def verified(self, candidates: Sequence[Candidate]) -> List[Candidate]:
        """The candidates whose edits read back as their changes: all of them when their
        edits together do (one parse), else each one checked alone."""
        if not candidates or self._reads_back(candidates):
            return list(candidates)
        if len(candidates) == 1:
            return []
        return [c for c in candidates[:MAX_SINGLE_CHECKS] if self._reads_back([c])]

    def _reads_back(self, candidates: Sequence[Candidate]) -> bool:
        edits = unique(edit for candidate in candidates for edit in candidate.edits)
        changes = unique(change for candidate in candidates for change in candidate.changes)
        if overlapping(edits) or len({change.path for change in changes}) != len(changes):
            return False
        loaded = parse_text(self.file, apply_merged(self.text, edits), True)
        if not isinstance(loaded, Template):
            return False
        data: Any = loaded.data
        # Undo each change on the new reading (newest paths first: a key added inside an
        # added mapping goes before it); what is left must be the original, unchanged.
        for change in sorted(changes, key=lambda c: len(c.path), reverse=True):
            try:
                parent = _walk(data, change.path[:-1])
                if not isinstance(parent, dict) or change.path[-1] not in parent \
                        or parent[change.path[-1]] != change.value:
                    return False
            except (KeyError, IndexError, TypeError):
                return False
            if change.previous is ABSENT:
                del parent[change.path[-1]]
            else:
                parent[change.path[-1]] = change.previous
        return data == self.data


def _walk(data: Any, path: Sequence[Any]) -> Any:
    for step in path:
        data = data[step]
    return data


def unique(items) -> list:
    """Items once each, in their first order."""
    out: list = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def overlaps(a: LineEdit, b: LineEdit) -> bool:
    """Whether two edits of one file touch the same lines (inserts at one point do not)."""
    if a.file != b.file or (a.removed == 0 and b.removed == 0):
        return False
    a_end, b_end = a.line + a.removed, b.line + b.removed
    if a.removed == 0:
        return b.line < a.line < b_end
    if b.removed == 0:
        return a.line < b.line < a_end
    return a.line < b_end and b.line < a_end


def overlapping(edits: Sequence[LineEdit]) -> bool:
    return any(overlaps(a, b) for i, a in enumerate(edits) for b in edits[i + 1:])


def _indent(edit: LineEdit) -> int:
    first = edit.text.lstrip("\r\n")
    return len(first) - len(first.lstrip(" "))


def merged_edits(edits: Sequence[LineEdit]) -> List[LineEdit]:
    """Non-overlapping edits of one file in line order, inserts at one line joined into one,
    deepest first: a key added to a function's Properties stays there when a resource is
    appended at the same place."""
    ordered = sorted(edits, key=lambda e: (e.line, e.removed, -_indent(e)))
    merged: List[LineEdit] = []
    for edit in ordered:
        if merged and edit.removed == 0 and merged[-1].removed == 0 and merged[-1].line == edit.line:
            merged[-1] = LineEdit(edit.file, edit.line, 0, merged[-1].text + edit.text)
        else:
            merged.append(edit)
    return merged


def apply_merged(text: str, edits: Sequence[LineEdit]) -> str:
    """The text with non-overlapping edits of one file applied (merged_edits' order)."""
    return apply_edits(text, merged_edits(edits))


def split_lines(text: str) -> List[str]:
    """Lines with their ends, split at "\n" only (as the edits count them)."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def apply_edits(text: str, edits: Sequence[LineEdit]) -> str:
    """The text with non-overlapping line edits applied (they may come in any order)."""
    lines = split_lines(text)
    for edit in sorted(edits, key=lambda e: (e.line, e.removed), reverse=True):
        lines[edit.line - 1:edit.line - 1 + edit.removed] = [edit.text]
    return "".join(lines)


# -- a small YAML writer for the values fixes add ------------------------------------------


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _ref(value: Any) -> Optional[str]:
    """`!Ref X` for {"Ref": "X"}: the short form the templates we edit use."""
    if isinstance(value, dict) and list(value) == ["Ref"] and isinstance(value["Ref"], str):
        return "!Ref " + _yaml_scalar(value["Ref"])
    return None


def _yaml_entry(key: str, value: Any, column: int, step: int) -> List[str]:
    """`key: value` at `column`, nested values `step` further in (block style)."""
    pad = " " * column
    inline = _ref(value)
    if inline is None and not isinstance(value, (dict, list)):
        inline = _yaml_scalar(value)
    if inline is not None:
        return [f"{pad}{_yaml_scalar(key)}: {inline}"]
    return [f"{pad}{_yaml_scalar(key)}:"] + _yaml_block(value, column + step, step)


def _yaml_block(value: Any, column: int, step: int) -> List[str]:
    if isinstance(value, dict):
        lines: List[str] = []
        for key, item in value.items():
            lines.extend(_yaml_entry(key, item, column, step))
        return lines
    lines = []
    for item in value:
        inner = _yaml_block(item, column + 2, step) if isinstance(item, (dict, list)) else \
            [" " * (column + 2) + (_ref(item) or _yaml_scalar(item))]
        first = inner[0]
        lines.append(" " * column + "- " + first[column + 2:])
        lines.extend(inner[1:])
    return lines
