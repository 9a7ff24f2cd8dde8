"""Stage 7, suppressions: the findings a template's own Metadata says to ignore.

Three spellings are honoured:

    Metadata:                     # on a resource
      loopcheck:
        ignore:
          - rule: EL101
            reason: "bounded by the uploads/ prefix, see ADR-12"
      cfn-lint:
        config:
          ignore_checks: [WL102]

    Metadata:                     # at the template's top level (cfn-lint's template config)
      cfn-lint:
        config:
          ignore_checks: [EL101]

A loopcheck entry needs a reason; one without it (or one that names no rule) suppresses
nothing and is reported by WL901 instead. cfn-lint's `ignore_checks` has no place for a
reason, so it is honoured as written, with cfn-lint's own matching (checked in cfn-lint 1.x:
`cfnlint.runner.template.runner._check_metadata_directives` and
`cfnlint.rules._rule._rule_is_enabled`): a resource's entries match a rule id exactly, and the
template's entries are prefixes (`[W]` turns off every warning rule, `[EL1]` EL101, EL104,
EL107), because cfn-lint turns those rules off for the whole template. (cfn-lint's own
`--ignore-checks` flag replaces the template's list unless `--merge-configs` is given; the
loopcheck pipeline cannot see cfn-lint's flags and always honours the template's list.)

An entry that names no loopcheck rule suppresses nothing and is reported by WL903: any unknown
id in a loopcheck entry, and in `ignore_checks` an id that looks like loopcheck's (`EL1O1`) but
is not one (cfn-lint's own ids, E3012 or W2001, belong there and are left alone).

A finding about a loop (one with a cycle) is suppressed when ANY resource on the cycle
suppresses its rule: whoever owns a part of the loop can vouch for it. Any other finding is
suppressed when the finding's own resource does. A template-level entry covers every finding
of its template.

The pipeline runs this after the rules (loopcheck.pipeline.analysis.analyse), so the CLI and the
cfn-lint plugin behave the same. `unused` lists the entries that suppressed nothing
(`loopcheck scan --show-unused-suppressions`, ruff's RUF100 idea).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Collection, Dict, Iterable, List, Optional, Set, Tuple

from loopcheck.resolve.origin import NodeKey
from loopcheck.rulebase.finding import Finding

Path = Tuple[Any, ...]

TEMPLATE = ""  # the `resource` of a template-level entry
TEMPLATE_REASON = "cfn-lint ignore_checks in the template's Metadata"
# An id in loopcheck's shape: a severity letter, "L", then digits (a typo may slip a letter in:
# EL1O1); a bare "EL"/"WL"/"IL" is a template-level prefix of loopcheck's rules.
_LOOPCHECK_SHAPE = re.compile(r"[EWI]L(?:[0-9][0-9A-Za-z]*)?")

INCOMPLETE = "incomplete"  # no reason, no rule, not a mapping (WL901)
UNKNOWN_RULE = "unknown-rule"  # names no loopcheck rule (WL903)


def looks_like_loopcheck(rule: str) -> bool:
    """Whether an ignore_checks entry is in loopcheck's id shape rather than cfn-lint's."""
    return bool(_LOOPCHECK_SHAPE.fullmatch(rule))


@dataclass(frozen=True)
class Suppression:
    """One rule a resource's (or the template's) Metadata ignores."""

    resource: str  # TEMPLATE for the template's own cfn-lint config
    rule: str
    reason: str  # "" when none was given (then it does not apply)
    source: str  # "loopcheck" | "cfn-lint"
    path: Path  # where it is written

    @property
    def valid(self) -> bool:
        """cfn-lint's ignore_checks has no reason field; loopcheck's own entries need one."""
        return bool(self.rule) and (self.source == "cfn-lint" or bool(self.reason))

    @property
    def template_level(self) -> bool:
        return self.resource == TEMPLATE

    def covers(self, rule_id: str) -> bool:
        """Whether it names `rule_id`: by prefix at the template level, as cfn-lint does."""
        return rule_id.startswith(self.rule) if self.template_level else rule_id == self.rule

    @property
    def loopcheck_owned(self) -> bool:
        """Whether loopcheck answers for it: its own entries, and ignore_checks in its id shape."""
        return self.source == "loopcheck" or looks_like_loopcheck(self.rule)


@dataclass(frozen=True)
class Problem:
    """A suppression entry that cannot apply, and why (WL901 or WL903 reports it by kind)."""

    resource: str
    path: Path
    message: str
    kind: str = INCOMPLETE


@dataclass(frozen=True)
class SuppressionSite:
    """A suppression where it is written (file:line:column), as reports name it."""

    file: str
    line: int
    column: int
    resource: str  # TEMPLATE for a template-level entry
    rule: str
    source: str

    @property
    def key(self) -> tuple:
        return (self.file, self.line, self.column, self.rule)

    @property
    def text(self) -> str:
        if self.resource == TEMPLATE:
            where = "in the template's Metadata (cfn-lint ignore_checks)"
        elif self.source == "cfn-lint":
            where = f"on {self.resource} (cfn-lint ignore_checks)"
        else:
            where = f"on {self.resource}"
        return (f"{self.file}:{self.line}:{self.column}: unused suppression of {self.rule} {where}: "
                "it suppressed nothing")

    def to_dict(self) -> Dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column,
                "resource": self.resource or None, "rule": self.rule, "source": self.source}


@dataclass
class Suppressed:
    """A finding kept out of the report, with the suppression that did it."""

    finding: Finding
    suppression: Suppression

    @property
    def reason(self) -> str:
        if self.suppression.template_level:
            return TEMPLATE_REASON
        if self.suppression.source == "cfn-lint":
            return f"cfn-lint ignore_checks on {self.suppression.resource}"
        return self.suppression.reason

    def to_dict(self) -> Dict[str, Any]:
        data = self.finding.to_dict()
        data["suppressed"] = {
            "reason": self.reason,
            "resource": self.suppression.resource or None,
            "source": self.suppression.source,
        }
        return data


def _dict(node: Any) -> Dict[Any, Any]:
    return node if isinstance(node, dict) else {}


def _text(node: Any) -> str:
    return node.strip() if isinstance(node, str) else ""


def _ignore_checks(metadata: Any) -> List[Any]:
    checks = _dict(_dict(_dict(metadata).get("cfn-lint")).get("config")).get("ignore_checks")
    return checks if isinstance(checks, list) else []


def read(data: Dict[str, Any], known: Collection[str] = ()) -> Tuple[List[Suppression], List[Problem]]:
    """Every suppression written in the template (its resources', then its own cfn-lint
    config), and every entry that cannot apply (no reason, no rule, not a mapping; with
    `known`, the registered rule ids, an id that is not one of them), in template order."""
    found: List[Suppression] = []
    problems: List[Problem] = []
    for logical_id, resource in _dict(data.get("Resources")).items():
        metadata = _dict(_dict(resource).get("Metadata"))
        base: Path = ("Resources", logical_id, "Metadata")
        # A model of linked templates keys its resources by NodeKey (loopcheck.resolve.origin).
        resource = logical_id if isinstance(logical_id, NodeKey) else str(logical_id)
        if "loopcheck" in metadata:
            _read_loopcheck(resource, metadata["loopcheck"], base + ("loopcheck",), found, problems, known)
        _read_ignore_checks(resource, metadata, base, found, problems, known)
    found_at_top, problems_at_top = read_template_level(data, known)
    return found + found_at_top, problems + problems_at_top


def read_template_level(data: Dict[str, Any],
                        known: Collection[str] = ()) -> Tuple[List[Suppression], List[Problem]]:
    """The template's own `Metadata: cfn-lint: config: ignore_checks` (prefixes, as cfn-lint
    reads them), and the entries in loopcheck's shape that prefix no known rule."""
    found: List[Suppression] = []
    problems: List[Problem] = []
    _read_ignore_checks(TEMPLATE, data.get("Metadata"), ("Metadata",), found, problems, known)
    return found, problems


def _read_ignore_checks(resource: str, metadata: Any, base: Path, found: List[Suppression],
                        problems: List[Problem], known: Collection[str]) -> None:
    for index, rule in enumerate(_ignore_checks(metadata)):
        if not (isinstance(rule, str) and rule):
            continue
        path = base + ("cfn-lint", "config", "ignore_checks", index)
        suppression = Suppression(resource, rule, "", "cfn-lint", path)
        found.append(suppression)
        if known and suppression.loopcheck_owned and not any(suppression.covers(rule_id) for rule_id in known):
            problems.append(Problem(resource, suppression.path, _unknown_message(suppression, known),
                                    UNKNOWN_RULE))


def _unknown_message(suppression: Suppression, known: Collection[str]) -> str:
    rule = suppression.rule
    if suppression.template_level:
        where = "the template's cfn-lint ignore_checks"
    elif suppression.source == "cfn-lint":
        where = f"cfn-lint ignore_checks on {suppression.resource}"
    else:
        where = f"the suppression on {suppression.resource}"
    message = f"{where} names {rule}, which is not a loopcheck rule: it suppresses nothing"
    import difflib  # only for an unknown id: a scan's start-up does without it

    close = difflib.get_close_matches(rule.upper(), sorted(known), n=1, cutoff=0.6)
    if close:
        message += f" (did you mean {close[0]}?)"
    elif not suppression.template_level and suppression.source == "cfn-lint" and any(
            rule_id.startswith(rule) for rule_id in known):
        message += (" (cfn-lint matches a resource's ignore_checks by whole id; prefixes only at the "
                    "template level)")
    return message


def _read_loopcheck(resource: str, node: Any, path: Path, found: List[Suppression],
                    problems: List[Problem], known: Collection[str]) -> None:
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
        if rule and known and rule not in known:
            problems.append(Problem(resource, entry_path, _unknown_message(suppression, known), UNKNOWN_RULE))
        found.append(suppression)


def _matching(finding: Finding, by_resource: Dict[str, List[Suppression]]) -> Optional[Suppression]:
    resources = list(dict.fromkeys(finding.cycle)) if finding.cycle else [finding.resource]
    if finding.resource not in resources:
        resources.insert(0, finding.resource)
    if TEMPLATE not in resources:
        resources.append(TEMPLATE)  # the template's own entries cover all its findings
    for resource in resources:
        for suppression in by_resource.get(resource, []):
            if suppression.covers(finding.rule):
                return suppression
    return None


def apply(findings: List[Finding],
          suppressions: Iterable[Suppression]) -> Tuple[List[Finding], List[Suppressed]]:
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


def unused(suppressions: Iterable[Suppression], suppressed: Iterable[Suppressed],
           ran: Collection[str]) -> List[Suppression]:
    """The entries loopcheck answers for that suppressed nothing, in template order. Left out:
    entries that cannot apply (WL901 and WL903 report them), ignore_checks entries in
    cfn-lint's own id shape (cfn-lint's business), and entries whose rules did not run
    (`skip`): nobody can tell whether they would have matched."""
    used: Set[Suppression] = {item.suppression for item in suppressed}
    return [suppression for suppression in suppressions
            if suppression.valid and suppression.loopcheck_owned and suppression not in used
            and any(suppression.covers(rule_id) for rule_id in ran)]
