"""Event filters against what a writer emits: EventBridge patterns, event source mapping
`FilterCriteria` (the same pattern language) and SNS filter policies (written here in the
same shape under `MessageAttributes` or `Message`).

A filter answers YES (every event the writer can emit passes), NO (none can: the filter
breaks the loop) or MAYBE. Emitted values are globs (loopcheck.resolve.globs tokens); a field the
writer's emission does not know is unknown, so only a field it knows can make a NO.

Pattern language: EventBridge user guide "Event patterns" and "Content filtering"
(literal values ORed in a list; `prefix`, `suffix`, `wildcard`, `anything-but`,
`equals-ignore-case`, `exists`; fields ANDed); Lambda "Event filtering" uses the same
syntax; SNS "Subscription filter policies" uses it for attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from loopcheck.resolve.globs import STAR, Tokens, covers, intersects

YES, NO, MAYBE = "yes", "no", "maybe"


@dataclass
class Emission:
    """What a write puts on its way: field path -> possible values (None: unknown).

    `absent` names fields the writer provably does not set (SNS message attributes the code
    lists completely; an S3 notification carries none)."""

    fields: Dict[str, Optional[List[Tokens]]] = field(default_factory=dict)
    absent_prefixes: Tuple[str, ...] = ()
    key: Optional[Tokens] = None  # an S3 object key, when the emission is an S3 write
    s3_events: Tuple[str, ...] = ()
    custom_source: bool = False  # a PutEvents caller: its `source` never starts with "aws."
    what: str = ""  # how the emission is known, for messages

    def value(self, path: str) -> Tuple[bool, Optional[List[Tokens]]]:
        """(provably absent, values)."""
        if path in self.fields:
            return False, self.fields[path]
        if any(path.startswith(p) for p in self.absent_prefixes):
            return True, None
        return False, None


@dataclass(frozen=True)
class Resolved:
    """A pattern value written as an intrinsic (`name: [!Ref Bucket]`), resolved to the
    string it stands for (symbols kept, as the writer's emission keeps them)."""

    tokens: Tokens
    text: str

    def __str__(self) -> str:
        return self.text


def _flatten(pattern: Dict[str, Any], head: str = "") -> Iterable[Tuple[str, Any]]:
    for key, value in pattern.items():
        path = f"{head}.{key}" if head else str(key)
        if isinstance(value, dict):
            yield from _flatten(value, path)
        else:
            yield path, value


def _shape(condition: Any) -> Optional[Tokens]:
    if isinstance(condition, str):
        return tuple(condition)
    if isinstance(condition, Resolved):
        return condition.tokens
    if isinstance(condition, dict) and len(condition) == 1:
        (op, arg), = condition.items()
        if op == "prefix" and isinstance(arg, (str, Resolved)):
            return _shape(arg) + (STAR,)
        if op == "suffix" and isinstance(arg, (str, Resolved)):
            return (STAR,) + _shape(arg)
        if op == "wildcard" and isinstance(arg, str):
            out: List[object] = []
            for char in arg:
                out.append(STAR if char == "*" else char)
            return tuple(out)
    return None


def _one(condition: Any, value: Tokens) -> str:
    """One condition against one emitted glob."""
    if isinstance(condition, dict) and len(condition) == 1:
        (op, arg), = condition.items()
        if op == "anything-but":
            inner = _any(arg if isinstance(arg, list) else [arg], [value])
            return {YES: NO, NO: YES}.get(inner, MAYBE)
        if op == "exists":
            return YES if arg is True else NO
        if op == "equals-ignore-case" and isinstance(arg, str) and all(isinstance(t, str) for t in value):
            return YES if "".join(map(str, value)).lower() == arg.lower() else NO
    shape = _shape(condition)
    if shape is None:
        return MAYBE
    if covers(shape, value):
        return YES
    if not intersects(shape, value):
        return NO
    return MAYBE


def _any(conditions: List[Any], values: List[Tokens]) -> str:
    """A list of conditions (ORed) against every alternative the writer may emit."""
    verdicts = []
    for value in values:
        each = [_one(c, value) for c in conditions]
        verdicts.append(YES if YES in each else NO if all(v == NO for v in each) else MAYBE)
    if verdicts and all(v == YES for v in verdicts):
        return YES
    if verdicts and all(v == NO for v in verdicts):
        return NO
    return MAYBE


def match_pattern(pattern: Dict[str, Any], emission: Emission) -> str:
    """One pattern (fields ANDed) against an emission."""
    if "$unparsed" in pattern or "$or" in pattern:
        return MAYBE
    verdicts = []
    for path, conditions in _flatten(pattern):
        conditions = conditions if isinstance(conditions, list) else [conditions]
        absent, values = emission.value(path)
        if absent:
            exists_false = any(isinstance(c, dict) and c.get("exists") is False for c in conditions)
            verdicts.append(YES if exists_false else NO)
        elif values is None and path == "source" and emission.custom_source:
            verdicts.append(NO if all(_aws_only(c) for c in conditions) else MAYBE)
        elif values is None:
            verdicts.append(MAYBE)
        else:
            verdicts.append(_any(conditions, values))
    if NO in verdicts:
        return NO
    return YES if all(v == YES for v in verdicts) else MAYBE


def _aws_only(condition: Any) -> bool:
    """A source condition only AWS services can meet (EventBridge reserves `aws.`)."""
    if isinstance(condition, str):
        return condition.startswith("aws.")
    if isinstance(condition, dict) and len(condition) == 1:
        (op, arg), = condition.items()
        return op == "prefix" and isinstance(arg, str) and arg.startswith("aws.")
    return False


def match_any(patterns: List[Dict[str, Any]], emission: Emission) -> str:
    """Patterns ORed (FilterCriteria.Filters); no pattern means no filter: YES."""
    if not patterns:
        return YES
    verdicts = [match_pattern(p, emission) for p in patterns]
    if YES in verdicts:
        return YES
    return NO if all(v == NO for v in verdicts) else MAYBE


def literals(*texts: str) -> List[Tokens]:
    return [tuple(t) for t in texts]
