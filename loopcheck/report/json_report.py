"""`--format json`: one object, {"tool", "version", "findings", "errors", "skipped"}, plus
"suppressed" with --show-suppressed, "unused_suppressions" with --show-unused-suppressions
and "baseline" with --baseline."""

from __future__ import annotations

import json

from loopcheck import __version__
from loopcheck.pipeline.result import ScanResult


def render(result: ScanResult) -> str:
    document = {
        "tool": "loopcheck",
        "version": __version__,
        "findings": [finding.to_dict() for finding in result.findings],
        "errors": [error.to_dict() for error in result.errors],
        "skipped": [{"file": s.path, "reason": s.reason} for s in result.skipped],
    }
    if result.show_suppressed:
        document["suppressed"] = [item.to_dict() for item in result.suppressed]
    if result.show_unused_suppressions:
        document["unused_suppressions"] = [site.to_dict() for site in result.unused_suppressions]
    if result.baseline is not None:
        document["baseline"] = result.baseline.to_dict()
    return json.dumps(document, indent=2) + "\n"
