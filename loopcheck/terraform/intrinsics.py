"""Terraform values (loopcheck.terraform.config) as CloudFormation values: a Reference becomes
the `Ref`/`Fn::GetAtt` with the same meaning, an Interpolation an `Fn::Join`, an Encoded value
the value itself, an Unknown a parameter named by its text (so the same unknown expression on
two sides still names the same thing, as one parameter does in a template). JSON written as a
string (a heredoc policy, a `file()` definition), with interpolated references, is parsed into
the object CloudFormation would take.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, List, Optional

from loopcheck.terraform.config import Encoded, Interpolation, Reference, Unknown

# Stands for an interpolated part while a JSON text is parsed: no JSON text or ARN holds it.
_HOLE = "@@loopcheck-hole-{}@@"
_HOLE_PATTERN = re.compile(r"@@loopcheck-hole-(\d+)@@")


class ValueTranslator:
    """Turns Terraform values into CloudFormation ones; `reference` says what a Reference is
    (the translator knows the configuration's resources), `parameters` collects the names of
    the unknowns met."""

    def __init__(self, reference: Callable[[Reference], Any]):
        self._reference = reference
        self.parameters: Dict[str, Dict[str, str]] = {}

    def value(self, node: Any) -> Any:
        if isinstance(node, Reference):
            return self._reference(node)
        if isinstance(node, Interpolation):
            return self.join([self.value(part) for part in node.parts])
        if isinstance(node, Unknown):
            return self.unknown(node.text)
        if isinstance(node, Encoded):
            return self.value(node.value)
        if isinstance(node, dict):
            return {key: self.value(item) for key, item in node.items()}
        if isinstance(node, (list, tuple)):
            return [self.value(item) for item in node]
        return node

    def unknown(self, text: str) -> Dict[str, str]:
        """A value known only at plan or apply time: a parameter without a default."""
        self.parameters.setdefault(text, {"Type": "String"})
        return {"Ref": text}

    @staticmethod
    def join(parts: List[Any]) -> Any:
        """Parts in order as one string: the text itself when every part is literal."""
        pieces: List[Any] = []
        for part in parts:
            if isinstance(part, (int, float)) and not isinstance(part, bool):
                part = str(part)
            if isinstance(part, str) and pieces and isinstance(pieces[-1], str):
                pieces[-1] += part
            elif part != "":
                pieces.append(part)
        if not pieces:
            return ""
        if len(pieces) == 1:
            return pieces[0]
        return {"Fn::Join": ["", pieces]}

    def json_value(self, node: Any) -> Any:
        """A JSON document argument (a policy, a pattern, a definition) as an object when it can
        be read as one; else as the value it is."""
        if isinstance(node, Encoded):
            return self.value(node.value)
        if isinstance(node, str):
            try:
                return json.loads(node)
            except ValueError:
                return node
        if isinstance(node, Interpolation):
            parsed = self._interpolated_json(node)
            return parsed if parsed is not None else self.value(node)
        return self.value(node)

    def _interpolated_json(self, node: Interpolation) -> Optional[Any]:
        """JSON text with `${...}` parts: each part held by a placeholder while the text is
        parsed, then put back where it stood (inside a string: an Fn::Join)."""
        holes: List[Any] = []
        text = []
        for part in node.parts:
            if isinstance(part, str):
                text.append(part)
            else:
                text.append(_HOLE.format(len(holes)))
                holes.append(self.value(part))
        try:
            parsed = json.loads("".join(text))
        except ValueError:
            return None
        return _fill(parsed, holes)


def _fill(node: Any, holes: List[Any]) -> Any:
    if isinstance(node, str):
        if "@@loopcheck-hole-" not in node:
            return node
        parts: List[Any] = []
        last = 0
        for match in _HOLE_PATTERN.finditer(node):
            parts.append(node[last:match.start()])
            parts.append(holes[int(match.group(1))])
            last = match.end()
        parts.append(node[last:])
        return ValueTranslator.join(parts)
    if isinstance(node, dict):
        return {key: _fill(value, holes) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(item, holes) for item in node]
    return node
