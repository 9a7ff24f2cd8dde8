"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; `tool.driver.rules` lists every registered rule (not only those that fired), so a
viewer can show a rule's help even for alerts it has closed. Each result points at the
finding's node, lists the loop's hops as `relatedLocations` and as one `codeFlows` thread,
and carries a `partialFingerprints` entry hashed from (rule, file, cycle) that does not move
when lines do. Unreadable templates become error notifications of the one invocation, whose
`executionSuccessful` is then false; skipped non-templates become notes.

URIs are relative to the source root (`uriBaseId` "%SRCROOT%"): the current working
directory, which is the repository root where CI runs (code scanning resolves URIs against
it), so `loopcheck scan infra/` from the root gives `infra/...` URIs. `--sarif-root DIR`
(config key `sarif-root`) names another root; the environment variable LOOPCHECK_SRCROOT
still does too, and the flag wins over it. A file outside the root gets an absolute file
URI. The output holds no timestamp and no duration, so two runs on the same
tree give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from loopcheck import __version__
from loopcheck.pipeline.result import ScanResult
from loopcheck.rulebase.finding import Finding, Fix
from loopcheck.rulebase.rule import Rule, all_rules, doc_url

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/loopcheck/loopcheck"
SRCROOT = "%SRCROOT%"
SRCROOT_ENV = "LOOPCHECK_SRCROOT"
FINGERPRINT_KEY = "loopcheckLoop/v1"

LEVELS = {"error": "error", "warning": "warning", "info": "note"}
PRECISION = {"error": "high", "warning": "medium", "info": "medium"}

def render(result: ScanResult) -> str:
    base = source_root(result.sarif_root)
    rules = all_rules()
    index = {rule.id: position for position, rule in enumerate(rules)}
    run: Dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "loopcheck",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "invocations": [_invocation(result, base)],
        "originalUriBaseIds": {SRCROOT: {"uri": Path(base).as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(finding, index, base) for finding in result.findings],
    }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# Paths ---------------------------------------------------------------------------------------


def choose_root(flag: Optional[str], configured: Optional[str]) -> Optional[str]:
    """The root the user named, by precedence: the --sarif-root flag, LOOPCHECK_SRCROOT, the
    configuration's `sarif-root`; None leaves it to `source_root` (the working directory)."""
    return flag or os.environ.get(SRCROOT_ENV) or configured or None


def source_root(named: Optional[str] = None) -> str:
    """The absolute folder URIs are relative to: `named`, else LOOPCHECK_SRCROOT, else the
    current working directory."""
    return os.path.abspath(named or os.environ.get(SRCROOT_ENV) or os.curdir)


def relative_path(path: str, base: str) -> Optional[str]:
    """`path` relative to `base` with forward slashes, or None when it lies outside `base` (or
    on another drive): the one rule SARIF URIs and GitLab paths share."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, base)
    except ValueError:  # another drive on Windows
        return None
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return Path(relative).as_posix()


def artifact_location(path: str, base: str) -> Dict[str, Any]:
    """{"uri", "uriBaseId"} with a forward-slash URI relative to `base`, or an absolute file
    URI for a path outside it."""
    relative = relative_path(path, base)
    if relative is None:
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    return {"uri": relative, "uriBaseId": SRCROOT}


def _physical(path: str, base: str, line: Optional[int], column: Optional[int] = None) -> Dict[str, Any]:
    physical: Dict[str, Any] = {"artifactLocation": artifact_location(path, base)}
    if line and line > 0:
        region: Dict[str, Any] = {"startLine": line}
        if column and column > 0:
            region["startColumn"] = column
        physical["region"] = region
    return physical


# Rules ---------------------------------------------------------------------------------------


def rule_name(rule: Rule) -> str:
    """A PascalCase name from the rule's module (el101_unguarded_loop -> UnguardedLoop)."""
    module = getattr(rule.check, "__module__", "") or ""
    words = module.rsplit(".", 1)[-1].split("_")
    if words and words[0].lower() == rule.id.lower():
        words = words[1:]
    name = "".join(word[:1].upper() + word[1:] for word in words if word)
    return name or rule.id


def _rule(rule: Rule) -> Dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule_name(rule),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {
            "text": rule.remediation,
            "markdown": f"**{rule.title}**\n\n{rule.rationale}\n\n**Fix:** {rule.remediation}",
        },
        "helpUri": doc_url(rule.id),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": ["aws", "lambda", "s3", "recursive-loop", "reliability", "cost"],
            "precision": PRECISION[rule.severity],
        },
    }


# Results -------------------------------------------------------------------------------------


def fingerprint(finding: Finding, uri: str) -> str:
    """A hash of what the alert is about, not where it is: rule, file, and the loop (or the
    resource when the finding is not about one loop)."""
    subject = finding.cycle or [finding.resource]
    text = "\x1f".join([finding.rule, uri, *subject])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hops(finding: Finding) -> List[Tuple[str, str, int, Optional[int]]]:
    """(message, file, line, column) for each step of the finding: the step's own location
    when it has one, else the finding's."""
    out = []
    for step in finding.steps:
        message = step.text.strip()
        if step.location is not None:
            out.append((message, step.location.file, step.location.line, step.location.column))
        else:
            out.append((message, finding.file, finding.line, finding.column))
    return out


def _result(finding: Finding, index: Dict[str, int], base: str) -> Dict[str, Any]:
    location = _physical(finding.file, base, finding.line, finding.column)
    result: Dict[str, Any] = {
        "ruleId": finding.rule,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": location,
                "logicalLocations": [{"name": finding.resource, "kind": "resource"}],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding, location["artifactLocation"]["uri"])},
        "properties": {
            "resource": finding.resource,
            "path": [str(part) for part in finding.path],
            "cycle": list(finding.cycle),
            "evidence": finding.evidence,
            "fix": finding.fix,
        },
    }
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    if finding.fixes:
        result["fixes"] = [_fix(fix, base) for fix in finding.fixes]
    steps = hops(finding)
    if not steps and len(finding.cycle) > 1:  # no notes: name each edge of the loop
        steps = [(f"{a} -> {b}", finding.file, finding.line, finding.column)
                 for a, b in zip(finding.cycle, finding.cycle[1:])]
    if steps:
        result["relatedLocations"] = [
            {
                "id": number,
                "message": {"text": message},
                "physicalLocation": _physical(path, base, line, column),
            }
            for number, (message, path, line, column) in enumerate(steps, start=1)
        ]
    if finding.cycle and steps:
        result["codeFlows"] = [
            {
                "message": {"text": "loop: " + " -> ".join(finding.cycle)},
                "threadFlows": [
                    {
                        "locations": [
                            {
                                "location": {
                                    "message": {"text": message},
                                    "physicalLocation": _physical(path, base, line, column),
                                },
                                "nestingLevel": 0,
                                "executionOrder": order,
                            }
                            for order, (message, path, line, column) in enumerate(steps, start=1)
                        ]
                    }
                ],
            }
        ]
    return result


def _fix(fix: Fix, base: str) -> Dict[str, Any]:
    """A finding's mechanical fix (loopcheck.fixes) as SARIF `fixes`: one artifact change per
    file, a replacement per line edit (whole lines: the deleted region runs from column 1 of
    its first line to column 1 of the line after it; an insert deletes the empty region
    before `line`)."""
    files: Dict[str, List[Dict[str, Any]]] = {}
    for edit in fix.edits:
        files.setdefault(edit.file, []).append({
            "deletedRegion": {"startLine": edit.line, "startColumn": 1,
                              "endLine": edit.line + edit.removed, "endColumn": 1},
            "insertedContent": {"text": edit.text},
        })
    return {
        "description": {"text": fix.description},
        "artifactChanges": [{"artifactLocation": artifact_location(path, base), "replacements": replacements}
                            for path, replacements in files.items()],
    }


# Invocation ----------------------------------------------------------------------------------


def _invocation(result: ScanResult, base: str) -> Dict[str, Any]:
    notifications = []
    for error in result.errors:
        notifications.append({
            "level": "error",
            "message": {"text": f"{error.file}: {error.message}"},
            "descriptor": {"id": "unreadable"},
            "locations": [{"physicalLocation": _physical(error.file, base, error.line, error.column)}],
        })
    for skipped in result.skipped:
        notifications.append({
            "level": "note",
            "message": {"text": f"skipped {skipped.path}: {skipped.reason}"},
            "descriptor": {"id": "skipped"},
            "locations": [{"physicalLocation": _physical(skipped.path, base, None)}],
        })
    return {"executionSuccessful": not result.errors, "toolExecutionNotifications": notifications}
