"""`--format gitlab`: GitLab Code Quality JSON, which the merge-request widget reads from a
job's `artifacts: reports: codequality:` file.

The report is one JSON array of issues, each with `description` (the finding's message),
`check_name` (the rule id), `fingerprint`, `severity` and `location` (`path` and
`lines.begin`). Paths are relative to the same root as SARIF's (the working directory,
`--sarif-root`, or LOOPCHECK_SRCROOT), which in a GitLab job is the project folder
(`$CI_PROJECT_DIR`), as GitLab expects; a file outside the root keeps its absolute path.

Severity: error -> critical (a loop with no guard bills without end), warning -> major (a
loop that cannot be ruled out), info -> info (advice). A template that could not be read
is a `major` issue named `loopcheck/unreadable`: the widget shows nothing else, and the loops
it may hold were not checked.

The fingerprint is SARIF's partial fingerprint (rule, path, loop), so it survives line
moves; GitLab keeps only the first issue of a fingerprint, so a repeat within one report is
told apart by its occurrence number.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional

from loopcheck.pipeline.result import ScanResult
from loopcheck.report.sarif import fingerprint, relative_path, source_root

SEVERITIES = {"error": "critical", "warning": "major", "info": "info"}
UNREADABLE_CHECK = "loopcheck/unreadable"
UNREADABLE_SEVERITY = "major"


def render(result: ScanResult) -> str:
    root = source_root(result.sarif_root)
    issues: List[Dict[str, Any]] = []
    for finding in result.findings:
        path = report_path(finding.file, root)
        issues.append(_issue(finding.message, finding.rule, fingerprint(finding, path),
                             SEVERITIES.get(finding.severity, "major"), path, finding.line))
    for error in result.errors:
        path = report_path(error.file, root)
        key = hashlib.sha256("\x1f".join([UNREADABLE_CHECK, path]).encode()).hexdigest()
        issues.append(_issue(f"unreadable template: {error.message}", UNREADABLE_CHECK, key,
                             UNREADABLE_SEVERITY, path, error.line))
    _make_fingerprints_unique(issues)
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def report_path(path: str, root: str) -> str:
    """`path` relative to `root` with forward slashes, or absolute when it lies outside."""
    return relative_path(path, root) or Path(os.path.abspath(path)).as_posix()


def _issue(description: str, check: str, key: str, severity: str, path: str,
           line: Optional[int]) -> Dict[str, Any]:
    return {
        "description": description,
        "check_name": check,
        "fingerprint": key,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": line if line and line > 0 else 1}},
    }


def _make_fingerprints_unique(issues: List[Dict[str, Any]]) -> None:
    seen: Dict[str, int] = {}
    for issue in issues:
        key = issue["fingerprint"]
        count = seen.get(key, 0)
        seen[key] = count + 1
        if count:
            issue["fingerprint"] = hashlib.sha256(f"{key}\x1f{count}".encode()).hexdigest()
