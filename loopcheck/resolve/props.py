"""The one way loopcheck reads a template property's value: as a literal, an intrinsic, or
unknown.

CloudFormation lets nearly every property be an intrinsic (`!Sub`, `!Ref`, `!If`, ...), and
real templates put lists, numbers, booleans and nulls where the documentation says string.
A reading site asks this module for the shape it needs (`literal_str`, `literal_list`,
`mapping`) and gets that shape or an empty answer (None, [], {}): a value of any other shape
makes the fact it carries unknown, and never raises. Intrinsics are resolved elsewhere
(loopcheck.resolve.values.Resolver); this module only says that a node is one.

tests/test_property_catalogue.py feeds every property the model and the rules read every
value shape, and checks that every read is catalogued.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

LITERAL = "literal"  # a string, number, boolean, list or mapping written as such
INTRINSIC = "intrinsic"  # `{"Ref": ...}` or `{"Fn::...": ...}`, to be resolved
UNKNOWN = "unknown"  # null, or anything a decoder should not have produced

NO_VALUE = "AWS::NoValue"


def is_intrinsic(node: Any) -> bool:
    """A one-key mapping `Ref` or `Fn::*` (known or not: `Fn::Foo` is still not a literal)."""
    if not isinstance(node, dict) or len(node) != 1:
        return False
    key = next(iter(node))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


def is_no_value(node: Any) -> bool:
    """`!Ref AWS::NoValue`: the property is treated as not written."""
    return is_intrinsic(node) and node.get("Ref") == NO_VALUE


def kind(node: Any) -> str:
    """LITERAL, INTRINSIC or UNKNOWN."""
    if is_intrinsic(node):
        return INTRINSIC
    if isinstance(node, (str, bool, int, float, list, dict)):
        return LITERAL
    return UNKNOWN


def literal_str(node: Any, numbers: bool = False) -> Optional[str]:
    """The text of a literal string; with `numbers`, a literal number's text too (where
    CloudFormation takes `5` for `"5"`). None for any other shape, booleans included."""
    if isinstance(node, str):
        return node
    if numbers and isinstance(node, (int, float)) and not isinstance(node, bool):
        return str(node)
    return None


def literal_list(node: Any) -> List[Any]:
    """The items of a literal list; [] for any other shape (an intrinsic that builds a list,
    such as `!Split` or `!If`, is not read here: see loopcheck.resolve.values.items_of)."""
    return node if isinstance(node, list) else []


def mapping(node: Any) -> Dict[Any, Any]:
    """A literal mapping; {} for any other shape, an intrinsic included."""
    return node if isinstance(node, dict) and not is_intrinsic(node) else {}


__all__ = ["INTRINSIC", "LITERAL", "NO_VALUE", "UNKNOWN", "is_intrinsic", "is_no_value", "kind",
           "literal_list", "literal_str", "mapping"]
