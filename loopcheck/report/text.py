"""Human-readable output, in the style of rustc and ruff: verdict, loop, evidence, fix.

Each finding carries its own one-line fix (the case); each rule's long, generic fix is printed
once per run after the findings, or under every finding with --show-fixes."""

from __future__ import annotations

import textwrap
from typing import Dict, List, Optional

from loopcheck.pipeline.result import ScanResult
from loopcheck.rulebase.finding import Finding


def _finding_lines(finding: Finding, suppressed_by: str = "",
                   long_fixes: Optional[Dict[str, str]] = None) -> List[str]:
    """A finding as rustc prints a diagnostic: the verdict, the loop, its evidence, its one-line
    fix; with `long_fixes` (--show-fixes) its rule's long fix under it too."""
    lines = [
        f"{finding.file}:{finding.line}:{finding.column}: {finding.rule} "
        f"{finding.severity}: {finding.message}"
    ]
    if suppressed_by:
        lines.append(f"  suppressed: {suppressed_by}")
    if finding.cycle and finding.cycle_files:
        lines.append("  loop: " + " -> ".join(f"{node} [{file}]"
                                             for node, file in zip(finding.cycle, finding.cycle_files)))
    elif finding.cycle:
        lines.append("  loop: " + " -> ".join(finding.cycle))
    lines.extend("  " + note for note in finding.notes)
    if finding.fix:  # one line, as ruff prints its help: the terminal wraps it, grep finds it whole
        lines.append("  fix: " + " ".join(finding.fix.split()))
    if long_fixes is not None and finding.fix and long_fixes.get(finding.rule, finding.fix) != finding.fix:
        lines.extend(_wrapped("how to fix: ", long_fixes[finding.rule]))
    return lines


def _wrapped(label: str, text: str, indent: str = "  ") -> List[str]:
    """One labelled paragraph, wrapped only when it is long, continuation lines indented."""
    return [indent + line for line in textwrap.wrap(label + text, width=92, subsequent_indent="       ")]


def _long_fixes() -> Dict[str, str]:
    """Each rule's generic fix (Rule.remediation), by id."""
    from loopcheck.rulebase.rule import all_rules

    return {rule.id: rule.remediation for rule in all_rules()}


def _how_to_fix(findings: List[Finding], long_fixes: Dict[str, str]) -> List[str]:
    """The long fix of each rule that fired, once per run, after the findings: the rules whose
    findings carry a case fix of their own (a rule with no case text printed its long fix already)."""
    fired = sorted({f.rule for f in findings if f.fix and long_fixes.get(f.rule, f.fix) != f.fix})
    if not fired:
        return []
    lines = ["", "how to fix:"]
    for rule in fired:
        lines.extend(_wrapped(f"{rule}: ", long_fixes[rule]))
    return lines


def render(result: ScanResult) -> str:
    lines = []
    long_fixes = _long_fixes()
    under_each = long_fixes if result.show_fixes else None
    shown = list(result.findings)
    for finding in result.findings:
        lines.extend(_finding_lines(finding, long_fixes=under_each))
    if result.show_suppressed:
        for item in result.suppressed:
            lines.extend(_finding_lines(item.finding, item.reason, long_fixes=under_each))
            shown.append(item.finding)
    if result.show_unused_suppressions:
        lines.extend(site.text for site in result.unused_suppressions)
    for error in result.errors:
        where = error.file
        if error.line:
            where += f":{error.line}" + (f":{error.column}" if error.column else "")
        lines.append(f"{where}: unreadable: {error.message}")
    if not result.show_fixes:
        lines.extend(_how_to_fix(shown, long_fixes))
    return "\n".join(lines) + ("\n" if lines else "")


def summary(result: ScanResult) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for finding in result.findings:
        counts[finding.severity] += 1

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    extra = ""
    if result.suppressed:
        extra += f", {len(result.suppressed)} suppressed"
    if result.show_unused_suppressions:
        unused = len(result.unused_suppressions)
        extra += f", {unused} unused suppression{'' if unused == 1 else 's'}"
    if result.excluded:
        extra += f", {len(result.excluded)} excluded"
    return (
        f"{plural(result.templates, 'template')} scanned: {plural(counts['error'], 'error')}, "
        f"{plural(counts['warning'], 'warning')}, {counts['info']} info, "
        f"{len(result.errors)} unreadable, {len(result.skipped)} skipped{extra} ({result.seconds:.2f} s)"
    )
