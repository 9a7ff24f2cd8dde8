"""Reporters: each turns a ScanResult into text for one output format.

A reporter is a function `render(result: ScanResult) -> str`; FORMATS maps a format name
to the module that holds it (`module:function` when the function is not `render`), imported
only when that format is asked for. The formats in COLOURED also take `color=True`.
"""

from __future__ import annotations

import functools
import importlib
from typing import Callable

FORMATS = {
    "text": "loopcheck.report.text",
    "concise": "loopcheck.report.text:render_concise",
    "json": "loopcheck.report.json_report",
    "sarif": "loopcheck.report.sarif",
    "junit": "loopcheck.report.junit",
    "github": "loopcheck.report.github",
    "gitlab": "loopcheck.report.gitlab",
}
COLOURED = {"text", "concise"}  # read by people in a terminal; the others are read by tools


def renderer(format_name: str, color: bool = False) -> Callable:
    function = FORMATS[format_name].partition(":")[2] or "render"
    render = getattr(importlib.import_module(FORMATS[format_name].partition(":")[0]), function)
    return functools.partial(render, color=True) if color and format_name in COLOURED else render
