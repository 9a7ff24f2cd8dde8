"""Operations on the values of loopcheck.terraform.config (literals, References,
Interpolations, Unknowns, Encoded) that the evaluator and the function table share."""

from __future__ import annotations

import json
from typing import Any, List, Optional

from loopcheck.terraform.config import Encoded, Interpolation, Reference, Unknown


class NotStatic(Exception):
    """A value that cannot be known from what is written: the expression is Unknown."""


def concatenate(parts: List[Any], text: str = "") -> Any:
    """A string of parts: a plain str when every part is literal, the part itself when it is
    the only one, else an Interpolation (adjacent literal text merged). `text` names an Unknown
    for a part that cannot be in a string (a list, an object)."""
    flat: List[Any] = []
    for part in parts:
        if isinstance(part, Interpolation):
            flat.extend(part.parts)
        elif part is None:
            continue
        elif isinstance(part, (Reference, Unknown, str)):
            flat.append(part)
        else:
            shown = as_text(part)
            flat.append(shown if shown is not None else Unknown(text or repr(part)))
    merged: List[Any] = []
    for part in flat:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif not (isinstance(part, str) and not part):
            merged.append(part)
    if not merged:
        return ""
    if len(merged) == 1:
        return merged[0]
    return Interpolation(tuple(merged))


def is_literal(value: Any) -> bool:
    """Whether a value holds no Reference, Interpolation, Unknown or Encoded anywhere."""
    if isinstance(value, dict):
        return all(is_literal(item) for item in value.values())
    if isinstance(value, list):
        return all(is_literal(item) for item in value)
    return isinstance(value, (str, int, float, bool)) or value is None


def as_text(value: Any) -> Optional[str]:
    """A literal scalar as Terraform writes it into a string; None for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Encoded) and is_literal(value.value):
        return json.dumps(value.value, separators=(",", ":"), sort_keys=True)
    return None
