"""Stage 7, suppressions: the findings a template's own Metadata says to ignore.

Two spellings are honoured, per resource:

    Metadata:
      loopcheck:
        ignore:
          - rule: EL101
            reason: "bounded by the uploads/ prefix, see ADR-12"
      cfn-lint:
        config:
          ignore_checks: [WL102]

A loopcheck entry needs a reason; one without it (or one that names no rule) suppresses
nothing and is reported by WL901 instead. cfn-lint's `ignore_checks` has no place for a
reason, so it is honoured as written (exact ids, as cfn-lint matches them).

A finding about a loop (one with a cycle) is suppressed when ANY resource on the cycle
suppresses its rule: whoever owns a part of the loop can vouch for it. Any other finding is
suppressed when the finding's own resource does.

The pipeline runs this after the rules (loopcheck.pipeline.analysis.analyse), so the CLI and the
cfn-lint plugin behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from loopcheck.resolve.origin import NodeKey
from loopcheck.rulebase.finding import Finding

Path = Tuple[Any, ...]


@dataclass(frozen=True)
class Suppression:
    """One rule a resource's Metadata ignores."""

    resource: str
    rule: str
    reason: str  # "" when none was given (then it does not apply)
    source: str  # "loopcheck" | "cfn-lint"
    path: Path  # where it is written

    @property
    def valid(self) -> bool:
        """cfn-lint's ignore_checks has no reason field; loopcheck's own entries need one."""
        return bool(self.rule) and (self.source == "cfn-lint" or bool(self.reason))


@dataclass(frozen=True)
class Problem:
    """A loopcheck suppression entry that cannot apply, and why (WL901 reports it)."""

    resource: str
    path: Path
    message: str


@dataclass
class Suppressed:
    """A finding kept out of the report, with the suppression that did it."""

    finding: Finding
    suppression: Suppression

    @property
    def reason(self) -> str:
        if self.suppression.source == "cfn-lint":
            return f"cfn-lint ignore_checks on {self.suppression.resource}"
        return self.suppression.reason

    def to_dict(self) -> Dict[str, Any]:
        data = self.finding.to_dict()
        data["suppressed"] = {
            "reason": self.reason,
            "resource": self.suppression.resource,
            "source": self.suppression.source,
        }
        return data


def _dict(node: Any) -> Dict[Any, Any]:
    return node if isinstance(node, dict) else {}


def _text(node: Any) -> str:
    return node.strip() if isinstance(node, str) else ""


def read(data: Dict[str, Any]) -> Tuple[List[Suppression], List[Problem]]:
    """Every suppression written in the template's resources, and every loopcheck entry that
    cannot apply (no reason, no rule, not a mapping), in template order."""
    found: List[Suppression] = []
    problems: List[Problem] = []
    for logical_id, resource in _dict(data.get("Resources")).items():
        metadata = _dict(_dict(resource).get("Metadata"))
        base: Path = ("Resources", logical_id, "Metadata")
        # A model of linked templates keys its resources by NodeKey (loopcheck.resolve.origin).
        resource = logical_id if isinstance(logical_id, NodeKey) else str(logical_id)
        if "loopcheck" in metadata:
            _read_loopcheck(resource, metadata["loopcheck"], base + ("loopcheck",), found, problems)
        checks = _dict(_dict(metadata.get("cfn-lint")).get("config")).get("ignore_checks")
        for index, rule in enumerate(checks if isinstance(checks, list) else []):
            if isinstance(rule, str) and rule:
                found.append(Suppression(
                    resource, rule, "", "cfn-lint",
                    base + ("cfn-lint", "config", "ignore_checks", index),
                ))
    return found, problems


def _read_loopcheck(resource: str, node: Any, path: Path, found: List[Suppression],
                    problems: List[Problem]) -> None:
    entries = _dict(node).get("ignore")
    if not isinstance(entries, list):
        problems.append(Problem(resource, path, "Metadata.loopcheck needs `ignore:`, a list of "
                                "{rule: ID, reason: \"...\"} entries"))
        return
    for index, entry in enumerate(entries):
        entry_path = path + ("ignore", index)
        if not isinstance(entry, dict):
            problems.append(Problem(resource, entry_path,
                                    "suppression entry is not a mapping {rule: ID, reason: \"...\"}"))
            continue
        rule, reason = _text(entry.get("rule")), _text(entry.get("reason"))
        suppression = Suppression(resource, rule, reason, "loopcheck", entry_path)
        if not rule:
            problems.append(Problem(resource, entry_path, "suppression names no rule; it is ignored"))
        elif not reason:
            problems.append(Problem(
                resource, entry_path,
                f"suppression of {rule} on {resource} has no reason; it is ignored until one is given",
            ))
        found.append(suppression)


def _matching(finding: Finding, by_resource: Dict[str, List[Suppression]]) -> Optional[Suppression]:
    resources = list(dict.fromkeys(finding.cycle)) if finding.cycle else [finding.resource]
    if finding.resource not in resources:
        resources.insert(0, finding.resource)
    for resource in resources:
        for suppression in by_resource.get(resource, []):
            if suppression.rule == finding.rule:
                return suppression
    return None


def apply(findings: List[Finding], suppressions: List[Suppression]) -> Tuple[List[Finding], List[Suppressed]]:
    """(kept, suppressed): each finding is kept unless a valid suppression covers it."""
    by_resource: Dict[str, List[Suppression]] = {}
    for suppression in suppressions:
        if suppression.valid:
            by_resource.setdefault(suppression.resource, []).append(suppression)
    kept: List[Finding] = []
    suppressed: List[Suppressed] = []
    for finding in findings:
        match = _matching(finding, by_resource)
        if match is None:
            kept.append(finding)
        else:
            suppressed.append(Suppressed(finding, match))
    return kept, suppressed
