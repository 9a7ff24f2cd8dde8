"""`--format junit`: JUnit XML for CI test-report viewers (GitLab, Jenkins, Azure, ...).

`<testsuites>` holds one `<testsuite name="loopcheck">`; every file the scan looked at is one
`<testcase classname="loopcheck" name="FILE">`:

- each error or warning finding is one `<failure type="RULE" message="...">` of its file's
  test case (a test case may carry several), with the text report of the finding as body;
- info findings do not fail a test case: they are listed in its `<system-out>`;
- a file that could not be read is one `<error type="unreadable">`;
- a YAML/JSON file that is not a template is a `<skipped>` test case.

The counts follow JUnit's meaning: `tests` is the number of test cases, `failures`,
`errors` and `skipped` the number of test cases failed, in error, or skipped (so
`tests - failures - errors - skipped` is the number that passed), never the number of
`<failure>` elements. No time attribute is written, so the output is deterministic.

The list of clean templates comes from `result.files` when the pipeline provides it;
without it, only files with findings, errors or skips can be listed.
"""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from typing import Dict, List

from loopcheck.pipeline.result import ScanResult
from loopcheck.rulebase.finding import Finding

FAILING = ("error", "warning")
# Characters XML 1.0 cannot hold at all, even escaped (control characters other than tab/newline/CR).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(result: ScanResult) -> str:
    findings: Dict[str, List[Finding]] = {}
    for finding in result.findings:
        findings.setdefault(finding.file, []).append(finding)
    errors: Dict[str, list] = {}
    for error in result.errors:
        errors.setdefault(error.file, []).append(error)
    skipped = {entry.path: entry for entry in result.skipped}

    names = set(getattr(result, "files", None) or [])
    names.update(findings, errors, skipped)

    cases = []
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for name in sorted(names):
        case = ET.Element("testcase", {"classname": "loopcheck", "name": name})
        counts["tests"] += 1
        failing = [f for f in findings.get(name, []) if f.severity in FAILING]
        infos = [f for f in findings.get(name, []) if f.severity not in FAILING]
        for error in errors.get(name, []):
            element = ET.SubElement(case, "error", {"type": "unreadable", "message": error.message})
            element.text = _where(error.file, error.line, error.column) + ": " + error.message
        for finding in failing:
            element = ET.SubElement(case, "failure", {
                "type": finding.rule,
                "message": f"{finding.rule} {finding.severity}: {finding.message}",
            })
            element.text = _finding_text(finding)
        if name in skipped:
            ET.SubElement(case, "skipped", {"message": skipped[name].reason})
            counts["skipped"] += 1
        if infos:
            ET.SubElement(case, "system-out").text = "".join(_finding_text(f) for f in infos)
        if name in errors:
            counts["errors"] += 1
        elif failing:
            counts["failures"] += 1
        cases.append(case)

    stats = {key: str(value) for key, value in counts.items()}
    root = ET.Element("testsuites", {"name": "loopcheck", **stats})
    suite = ET.SubElement(root, "testsuite", {"name": "loopcheck", **stats})
    suite.extend(cases)
    for element in root.iter():
        element.attrib = {key: _clean(value) for key, value in element.attrib.items()}
        if element.text:
            element.text = _clean(element.text)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _where(file: str, line, column) -> str:
    where = file
    if line:
        where += f":{line}" + (f":{column}" if column else "")
    return where


def _finding_text(finding: Finding) -> str:
    """The finding as the text reporter shows it: position, verdict, loop, hops, fix."""
    lines = [f"{_where(finding.file, finding.line, finding.column)}: {finding.rule} "
             f"{finding.severity}: {finding.message}"]
    if finding.cycle:
        lines.append("  loop: " + " -> ".join(finding.cycle))
    lines.extend("  " + note for note in finding.notes)
    if finding.fix:
        lines.extend("  " + line for line in textwrap.wrap("fix: " + finding.fix, width=92,
                                                           subsequent_indent="       "))
    return "\n".join(lines) + "\n"
