"""Small readers the service modules share: a JSON-or-object property, an event pattern with
its intrinsic values resolved, and Lambda's FilterCriteria."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.resolve.filters import Resolved
from loopcheck.resolve.globs import tokens
from loopcheck.resolve.props import is_intrinsic, mapping
from loopcheck.resolve.values import items_of
from loopcheck.services.base import EventReader, Path, ReadContext


def json_or_object(node: Any) -> Any:
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


def resolved_pattern(resolver: Any, node: Any, depth: int = 0) -> Any:
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
        return {key: resolved_pattern(resolver, value, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [resolved_pattern(resolver, item, depth + 1) for item in node]
    return node


def filter_criteria(node: Any) -> List[Dict[str, Any]]:
    """An event source mapping's FilterCriteria.Filters[].Pattern, ORed."""
    out = []
    for item in items_of(mapping(node).get("Filters")):
        pattern = json_or_object(mapping(item).get("Pattern"))
        if isinstance(pattern, dict):
            out.append(pattern)
    return out


def mapping_event_reader(source_key: str, kind: NodeKind, service: str, origin: str) -> EventReader:
    """The SAM event reader of a polled source (SQS `Queue`, DynamoDB and Kinesis `Stream`): an
    event source mapping from the node its `source_key` names, with its FilterCriteria."""

    def read(ctx: ReadContext, consumer: str, props: Dict[str, Any], path: Path) -> None:
        for source in ctx.ids(props.get(source_key), kind):
            ctx.add(source, consumer, service, path, origin, filter_criteria(props.get("FilterCriteria")))

    return read
