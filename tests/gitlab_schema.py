"""A schema for GitLab Code Quality reports, written here from the fields GitLab documents for
its merge-request widget: an array of issues with description, check_name, fingerprint,
severity and location.path / location.lines.begin. Tighter than GitLab (no other keys, a
64-hex fingerprint, relative forward-slash paths) so that a slip in loopcheck's report shows."""

from __future__ import annotations

import pytest

ISSUE_SCHEMA = {
    "type": "object",
    "required": ["description", "check_name", "fingerprint", "severity", "location"],
    "additionalProperties": False,
    "properties": {
        "description": {"type": "string", "minLength": 1},
        "check_name": {"type": "string", "minLength": 1},
        "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
        "location": {
            "type": "object",
            "required": ["path", "lines"],
            "additionalProperties": False,
            "properties": {
                "path": {"type": "string", "minLength": 1, "not": {"pattern": r"\\|^\./"}},
                "lines": {
                    "type": "object",
                    "required": ["begin"],
                    "additionalProperties": False,
                    "properties": {"begin": {"type": "integer", "minimum": 1}},
                },
            },
        },
    },
}
REPORT_SCHEMA = {"type": "array", "items": ISSUE_SCHEMA}


def validate(issues):
    jsonschema = pytest.importorskip("jsonschema")
    errors = list(jsonschema.Draft7Validator(REPORT_SCHEMA).iter_errors(issues))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)  # GitLab keeps only the first of a repeat
