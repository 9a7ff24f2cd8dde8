"""Test helpers: scan a template given as text."""

from __future__ import annotations

import pytest

from loopcheck.load.loader import Template, parse_text
from loopcheck.pipeline.analysis import analyse_template


@pytest.fixture
def findings_of():
    """findings_of(yaml_text) -> list of Finding for that template."""

    def run(text: str, name: str = "template.yaml"):
        loaded = parse_text(name, text, True)
        assert isinstance(loaded, Template), loaded
        return analyse_template(name, loaded.data)

    return run
