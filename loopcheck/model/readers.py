"""Stage 3, model: small readers every model module shares (a literal mapping, S3 event type
lists and key filters from loopcheck.services.s3, JSON-or-object properties, resolved filter
values, a resource's Type).
"""

from __future__ import annotations

import json
from typing import Any, Dict

from loopcheck.resolve.filters import Resolved
from loopcheck.resolve.globs import tokens
from loopcheck.resolve.props import is_intrinsic, literal_str, mapping
from loopcheck.services.s3 import event_types as _event_types  # noqa: F401  (S3's own readers)
from loopcheck.services.s3 import key_filter as _key_filter  # noqa: F401

# A literal mapping or {}: the accessor of loopcheck.resolve.props, by the name this stage's readers use.
_dict = mapping


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
