"""Stage 3, model: small readers every model module shares (a literal mapping, event type
lists, S3 key filters, JSON-or-object properties, resolved filter values, a resource's Type).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Tuple

from loopcheck.resolve.filters import Resolved
from loopcheck.resolve.globs import tokens
from loopcheck.resolve.props import is_intrinsic, literal_str, mapping
from loopcheck.resolve.values import items_of

# A literal mapping or {}: the accessor of loopcheck.resolve.props, by the name this stage's readers use.
_dict = mapping


def _event_types(node: Any) -> Tuple[str, ...]:
    out = []
    for item in items_of(node):
        text = literal_str(item)
        if text is not None and text not in out:
            out.append(str(text))
    return tuple(out)


def _key_filter(rules: Any) -> Tuple[Optional[str], Optional[str]]:
    prefix = suffix = None
    for rule in items_of(rules):
        rule = _dict(rule)
        name, value = literal_str(rule.get("Name")), literal_str(rule.get("Value"), numbers=True)
        if name is None or value is None:
            continue
        if name.lower() == "prefix":
            prefix = str(value)
        elif name.lower() == "suffix":
            suffix = str(value)
    return prefix, suffix


def _json(node: Any) -> Any:
    """A JSON-or-object property (a filter pattern, a redrive policy) as a plain object;
    {"$unparsed": ...} when it is built by intrinsics loopcheck cannot read."""
    if isinstance(node, str):
        try:
            return json.loads(node)
        except ValueError:
            return {"$unparsed": node}
    if is_intrinsic(node):
        return {"$unparsed": "intrinsic"}
    return node


def _resolve_values(resolver: Any, node: Any, depth: int = 0) -> Any:
    """A pattern with its intrinsic values (`[!Ref Bucket]`, `{prefix: !Sub ...}`) replaced by
    what they resolve to: a literal string, or a Resolved glob when symbols remain. An
    intrinsic with several alternatives (Fn::If) is left as written: it matches MAYBE."""
    if depth > 20:
        return node
    if isinstance(node, dict) and len(node) == 1:
        (key, _arg), = node.items()
        if key == "Ref" or str(key).startswith("Fn::"):
            values = resolver.value(node)
            if len(values) != 1:
                return node
            pattern = values[0]
            if pattern.literal is not None:
                return pattern.literal
            return Resolved(tokens(pattern, wildcards=False), str(pattern))
    if isinstance(node, dict):
        return {key: _resolve_values(resolver, value, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve_values(resolver, item, depth + 1) for item in node]
    return node


def _type_of(resource: Dict[str, Any]) -> str:
    """A resource's Type when it is a string (malformed templates put anything there)."""
    return literal_str(resource.get("Type")) or ""
