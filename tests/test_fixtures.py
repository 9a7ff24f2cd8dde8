"""Every reference fixture's full output is pinned beside it (expected.txt, expected-json.txt),
and the same template flipped between YAML and JSON with cfn-flip gives the same findings
(for a fixture of several templates, tests/test_cross_stack.py flips them all)."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest
from cfn_flip import to_json, to_yaml
from snapshots import (
    FIXTURES,
    fixture_target,
    fixture_template,
    is_multi_template,
    is_terraform,
    render_fixture,
)

from loopcheck.load.loader import parse_text
from loopcheck.pipeline.analysis import analyse_template

IDS = [folder.name for folder in FIXTURES]
SINGLE = [folder for folder in FIXTURES if not is_multi_template(folder) and not is_terraform(folder)]


@pytest.mark.parametrize("folder", FIXTURES, ids=IDS)
def test_output_matches_pinned_snapshot(folder):
    if any(folder.rglob("*.go")) and importlib.util.find_spec("tree_sitter_go") is None:
        pytest.skip("tree-sitter-go is installed on Python 3.10 and newer only")
    text, document = render_fixture(fixture_target(folder))
    assert text == (folder / "expected.txt").read_text()
    assert document == (folder / "expected-json.txt").read_text()


def _position_free(findings):
    """Findings without line/column, and notes without their file:line references."""
    out = []
    for finding in findings:
        data = finding.to_dict()
        data.pop("line"), data.pop("column"), data.pop("file")
        data["notes"] = [re.sub(r"\([^()]*:\d+\)", "(...)", note) for note in data["notes"]]
        out.append(data)
    return out


@pytest.mark.parametrize("folder", SINGLE, ids=[folder.name for folder in SINGLE])
def test_yaml_and_json_renderings_give_the_same_findings(folder):
    template = fixture_template(folder)
    original = template.read_text()
    flipped = to_json(original) if template.suffix != ".json" else to_yaml(original)
    flipped_name = "flipped.json" if template.suffix != ".json" else "flipped.yaml"
    a = parse_text(template.name, original, True)
    b = parse_text(flipped_name, flipped, True)
    # A flipped template cannot hold a duplicate key (cfn-flip keeps the last value, as
    # loopcheck does): every other finding must be the same.
    original_findings = [f for f in analyse_template("t", a.data) if f.rule != "WL112"]
    assert _position_free(original_findings) == _position_free(analyse_template("t", b.data))


def test_fixture_set_has_guarded_and_failing_designs():
    """The fixtures cover both verdicts: this is what the README's quickstart shows."""
    severities = set()
    for folder in FIXTURES:
        findings = json.loads((folder / "expected-json.txt").read_text())["findings"]
        severities |= {f["severity"] for f in findings} or {"clean"}
    assert {"error", "warning", "info", "clean"} <= severities
