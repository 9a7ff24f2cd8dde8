"""What a scan returns to the reporters: findings, unreadable files, skipped files, notes.

Plain data, so a reporter imports this and nothing of the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from loopcheck.load.loader import Skipped
from loopcheck.rulebase.finding import Finding
from loopcheck.rulebase.suppressions import Suppressed


@dataclass
class ErrorEntry:
    """A file that could not be read or analysed, with where and why."""

    file: str
    message: str
    line: Optional[int] = None
    column: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message}


@dataclass
class ScanResult:
    """What a scan found (findings, unreadable and skipped files, suppressions) and how to report it."""

    findings: List[Finding] = field(default_factory=list)
    errors: List[ErrorEntry] = field(default_factory=list)
    skipped: List[Skipped] = field(default_factory=list)
    templates: int = 0
    seconds: float = 0.0
    roots: List[str] = field(default_factory=list)  # the paths the scan was given
    files: List[str] = field(default_factory=list)  # templates analysed, in scan order
    suppressed: List[Suppressed] = field(default_factory=list)  # kept out of `findings`
    show_suppressed: bool = False  # reporters list `suppressed` too
    sarif_root: Optional[str] = None  # SARIF/GitLab paths are relative to it; None: the working directory
    show_fixes: bool = False  # the text report prints each rule's long fix under every finding
    excluded: List[str] = field(default_factory=list)  # files left out by configuration
    baseline: Optional[Any] = None  # loopcheck.app.baseline.Comparison, when --baseline was given
    notes: List[str] = field(default_factory=list)  # where the analysis stopped short, for stderr
    loops: List[Any] = field(default_factory=list)  # loopcheck.pipeline.inventory.LoopEntry, with inventory set
    # Suppressions that suppressed nothing (rulebase.suppressions.SuppressionSite), in scan order;
    # reporters list them only with show_unused_suppressions.
    unused_suppressions: List[Any] = field(default_factory=list)
    show_unused_suppressions: bool = False
    # The text analysed, of each template with a mechanical fix: `--diff` is made against it.
    sources: Dict[str, str] = field(default_factory=dict)
