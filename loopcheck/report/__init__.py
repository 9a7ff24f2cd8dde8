"""Reporters: each turns a ScanResult into text for one output format.

A reporter is a function `render(result: ScanResult) -> str`; FORMATS maps a format name
to the module that holds it, imported only when that format is asked for.
"""

from __future__ import annotations

import importlib
from typing import Callable

FORMATS = {
    "text": "loopcheck.report.text",
    "json": "loopcheck.report.json_report",
    "sarif": "loopcheck.report.sarif",
    "junit": "loopcheck.report.junit",
    "github": "loopcheck.report.github",
    "gitlab": "loopcheck.report.gitlab",
}


def renderer(format_name: str) -> Callable:
    return importlib.import_module(FORMATS[format_name]).render
