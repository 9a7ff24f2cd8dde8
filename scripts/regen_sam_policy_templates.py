"""Regenerate loopcheck/knowledge/sam_policy_templates.json from aws-sam-translator.

SAM's policy templates are defined in aws-sam-translator's
`policy_templates_data/policy_templates.json` (Apache-2.0). loopcheck keeps the parameter
names and the IAM statements of each, plus the version they came from.

    pip install aws-sam-translator==<version>
    python scripts/regen_sam_policy_templates.py
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import samtranslator

SOURCE = Path(samtranslator.__file__).parent / "policy_templates_data" / "policy_templates.json"
TARGET = Path(__file__).resolve().parent.parent / "loopcheck" / "knowledge" / "sam_policy_templates.json"


def main() -> None:
    raw = json.loads(SOURCE.read_text())
    templates = {
        name: {
            "parameters": sorted(body.get("Parameters", {})),
            "statements": body["Definition"]["Statement"],
        }
        for name, body in sorted(raw["Templates"].items())
    }
    out = {
        "source": {
            "package": "aws-sam-translator",
            "version": metadata.version("aws-sam-translator"),
            "file": "samtranslator/policy_templates_data/policy_templates.json",
            "schema_version": raw.get("Version"),
            "license": "Apache-2.0",
        },
        "templates": templates,
    }
    TARGET.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(templates)} templates to {TARGET}")


if __name__ == "__main__":
    main()
