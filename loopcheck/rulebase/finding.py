"""The Finding every rule produces and every reporter prints (DESIGN.md "Contracts")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}


@dataclass
class Finding:
    rule: str
    severity: str  # "error" | "warning" | "info"
    file: str
    line: int
    column: int
    resource: str  # logical id as written in the template
    path: List[Any]  # JSON path to the node the finding is about
    message: str
    cycle: List[str] = field(default_factory=list)  # first == last, or [] when not one loop
    notes: List[str] = field(default_factory=list)  # evidence, one hop per line
    fix: str = ""
    evidence: str = "permission"  # what the verdict rests on: permission | code | both
    # The file of each cycle entry, for a loop across stacks (loopcheck.stacks.cross_stack); else empty.
    cycle_files: List[str] = field(default_factory=list)

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.rule, self.cycle, self.message)

    def to_dict(self) -> Dict[str, Any]:
        data = {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "resource": self.resource,
            "path": list(self.path),
            "message": self.message,
            "cycle": list(self.cycle),
            "evidence": self.evidence,
            "notes": list(self.notes),
            "fix": self.fix,
        }
        if self.cycle_files:  # only loops across stacks carry it: other output stays as it was
            data["cycle_files"] = list(self.cycle_files)
        return data
