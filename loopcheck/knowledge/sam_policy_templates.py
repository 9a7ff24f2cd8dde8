"""SAM policy templates: the IAM statements each one grants, read from the JSON data file
generated from aws-sam-translator by scripts/regen_sam_policy_templates.py."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional

_DATA = Path(__file__).with_name("sam_policy_templates.json")


@lru_cache(maxsize=1)
def _templates() -> Dict[str, Any]:
    return json.loads(_DATA.read_text(encoding="utf-8"))["templates"]


def policy_template(name: str) -> Optional[Dict[str, Any]]:
    """{"parameters": [...], "statements": [...]} for a SAM policy template name."""
    return _templates().get(name)


def source_version() -> str:
    return json.loads(_DATA.read_text(encoding="utf-8"))["source"]["version"]


def expand(name: str, arguments: Any) -> Optional[list]:
    """The statements of template `name` with its `Ref: Param` replaced by the arguments
    the template passed (as written: intrinsics are resolved later, like any policy)."""
    template = policy_template(name)
    if template is None:
        return None
    given = arguments if isinstance(arguments, dict) else {}
    params = set(template["parameters"])

    def substitute(node: Any) -> Any:
        if isinstance(node, dict):
            if len(node) == 1 and "Ref" in node and node["Ref"] in params:
                return given.get(node["Ref"], {"Ref": "<missing parameter>"})
            return {key: substitute(value) for key, value in node.items()}
        if isinstance(node, list):
            return [substitute(item) for item in node]
        return node

    return substitute(template["statements"])
