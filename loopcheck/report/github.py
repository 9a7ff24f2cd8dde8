"""`--format github`: GitHub Actions workflow commands, one line per finding, which the runner
turns into annotations on the pull request's diff:

    ::error file=PATH,line=L,col=C,title=RULE TITLE::MESSAGE

error -> `::error`, warning -> `::warning`, info -> `::notice`. The message carries the
verdict, then the loop, one line per hop and the fix, joined by escaped newlines (the
annotation shows them as lines). A file that could not be read is an `::error` at its line
when known. Escaping follows the runner (actions/toolkit, command.ts): in the message `%`,
CR and LF become %25, %0D and %0A; in a property also `:` and `,` become %3A and %2C.

Paths are printed as the scan found them, with forward slashes; an absolute path inside
the working folder is made relative to it, since annotations name files relative to the
repository root (the workspace, where a workflow runs by default).
"""

from __future__ import annotations

import os
from pathlib import PurePath
from typing import Dict, Optional

from loopcheck.pipeline.result import ScanResult
from loopcheck.rulebase.finding import Finding
from loopcheck.rulebase.rule import all_rules

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: Optional[object]) -> str:
    """One workflow command line; properties that are None are left out."""
    given = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items()
                     if value is not None)
    return f"::{name}{' ' + given if given else ''}::{escape_data(message)}"


def annotation_path(path: str) -> str:
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path)
        except ValueError:  # another drive
            relative = path
        if not relative.startswith(os.pardir):
            path = relative
    return PurePath(path).as_posix()


def render(result: ScanResult) -> str:
    titles: Dict[str, str] = {rule.id: rule.title for rule in all_rules()}
    lines = [_finding(finding, titles) for finding in result.findings]
    for error in result.errors:
        lines.append(command("error", f"unreadable: {error.message}", file=annotation_path(error.file),
                             line=error.line or None, col=(error.column or None) if error.line else None,
                             title="loopcheck: unreadable template"))
    return "".join(line + "\n" for line in lines)


def _finding(finding: Finding, titles: Dict[str, str]) -> str:
    parts = [finding.message]
    if finding.cycle:
        parts.append("loop: " + " -> ".join(finding.cycle))
    parts.extend(note.strip() for note in finding.notes)
    if finding.fix:
        parts.append("fix: " + finding.fix)
    title = f"{finding.rule} {titles[finding.rule]}" if finding.rule in titles else finding.rule
    return command(COMMANDS.get(finding.severity, "warning"), "\n".join(parts),
                   file=annotation_path(finding.file), line=finding.line or None,
                   col=finding.column or None, title=title)
