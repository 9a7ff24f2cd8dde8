"""The Finding every rule produces and every reporter prints (DESIGN.md "Contracts"), and the
evidence it carries as data: steps with their own locations, and node references.

Reporters derive their text from these (a step's `note` is the line the text report prints);
nothing is parsed back out of text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List, Optional, Tuple

from loopcheck.load.location import Location  # noqa: F401  (a finding's steps carry it; defined where files are read)


class Level(str, Enum):
    """How sure a finding is (DESIGN.md "Severity means"). A str, so JSON and text print the value."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:  # f-strings print "error", not "Level.ERROR", on every Python version
        return self.value


class EvidenceKind(str, Enum):
    """What a verdict rests on: the permissions, the handler code, or both."""

    PERMISSION = "permission"
    CODE = "code"
    BOTH = "both"

    def __str__(self) -> str:
        return self.value


SEVERITIES = tuple(Level)
SEVERITY_RANK = {Level.INFO: 1, Level.WARNING: 2, Level.ERROR: 3}


@dataclass(frozen=True)
class Step:
    """One line of evidence: a trigger, a write, a guard, what the runtime does."""

    text: str
    location: Optional[Location] = None  # None: the step is about the finding's own node
    depth: int = 0  # 1: a detail of the step before it, printed indented under it

    @property
    def note(self) -> str:
        """The step as the text report prints it (below the finding, before its own indent)."""
        return "  " * self.depth + self.text


@dataclass(frozen=True)
class NodeRef:
    """A resource by the template file (stack) that defines it and its logical id as written."""

    file: str
    logical_id: str


@dataclass(frozen=True)
class LineEdit:
    """A change to whole lines of one file: `removed` lines from `line` on (1-based) give way
    to `text` (lines, each ending in a newline); `removed` 0 inserts before `line`."""

    file: str
    line: int
    removed: int
    text: str


@dataclass(frozen=True)
class Fix:
    """A mechanical fix of a finding (loopcheck.fixes): what it does, and its edits, each
    computed from the text the analysis read and checked to re-parse as intended."""

    description: str
    edits: Tuple[LineEdit, ...]


@dataclass
class Finding:
    """One reported problem: rule, severity, where, message, loop path and fix."""

    rule: str
    severity: Level
    file: str
    line: int
    column: int
    resource: str  # logical id as written in the template
    path: List[Any]  # JSON path to the node the finding is about
    message: str
    cycle: List[str] = field(default_factory=list)  # first == last, or [] when not one loop
    steps: List[Step] = field(default_factory=list)  # evidence, one hop per step
    fix: str = ""
    evidence: EvidenceKind = EvidenceKind.PERMISSION  # what the verdict rests on
    # The cycle's entries as node references (nodes[i].logical_id == cycle[i]); [] when not one loop.
    nodes: List[NodeRef] = field(default_factory=list)
    # Found by the cross-stack stage (loopcheck.stacks.cross_stack): reports name each node's file.
    across_stacks: bool = False
    # Mechanical fixes (loopcheck.fixes): SARIF `fixes` and `loopcheck scan --diff` print them.
    fixes: List[Fix] = field(default_factory=list)

    @property
    def notes(self) -> List[str]:
        """The steps as text, one line each (the JSON `notes` and the text report's lines)."""
        return [step.note for step in self.steps]

    @property
    def cycle_files(self) -> List[str]:
        """The file of each cycle entry, for a loop across stacks; else empty."""
        return [node.file for node in self.nodes] if self.across_stacks else []

    def sort_key(self) -> tuple:
        cycle: List[Any] = self.cycle
        if not all(isinstance(node, str) for node in cycle):
            # A model of linked templates names its nodes by NodeKey (loopcheck.resolve.origin)
            # and the default bus by its text: the two never compare, their (stack, id) pairs do.
            cycle = [(-1, node) if isinstance(node, str) else (node.stack, node.logical_id) for node in cycle]
        return (self.file, self.line, self.column, self.rule, cycle, self.message)

    def to_dict(self) -> Dict[str, Any]:
        data = {
            "rule": self.rule,
            "severity": str(self.severity),
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "resource": self.resource,
            "path": list(self.path),
            "message": self.message,
            "cycle": list(self.cycle),
            "evidence": str(self.evidence),
            "notes": self.notes,
            "fix": self.fix,
        }
        if self.across_stacks:  # only loops across stacks carry it: other output stays as it was
            data["cycle_files"] = self.cycle_files
        return data
