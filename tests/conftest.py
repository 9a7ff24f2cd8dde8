"""Test helpers: scan a template given as text or as a document from tests/builder.py."""

from __future__ import annotations

from typing import Any, Dict, Union

import pytest
from builder import dump

from loopcheck.load.loader import Template, parse_text
from loopcheck.pipeline.analysis import analyse_template


@pytest.fixture
def findings_of():
    """findings_of(yaml_text or document) -> list of Finding for that template."""

    def run(text: Union[str, Dict[str, Any]], name: str = "template.yaml"):
        if not isinstance(text, str):
            text = dump(text)
        loaded = parse_text(name, text, True)
        assert isinstance(loaded, Template), loaded
        return analyse_template(name, loaded.data)

    return run
