"""Human-readable output, in the style of rustc and ruff: verdict, loop, evidence, fix
(`render`), or one line per finding (`render_concise`, `--format concise`).

Each finding carries its own one-line fix (the case); each rule's long, generic fix is printed
once per run after the findings, or under every finding with --show-fixes. With `color` (the
CLI decides: a terminal, NO_COLOR, FORCE_COLOR) the location is bold and the rule id and
severity take the severity's colour; without it the bytes are plain text."""

from __future__ import annotations

import textwrap
from typing import Callable, Dict, List, Optional

import click

from loopcheck.pipeline.result import ScanResult
from loopcheck.rulebase.finding import Finding

Paint = Callable[[str, str], str]  # (text, role) -> the text, styled for its role or not
_STYLES = {"location": {"bold": True}, "error": {"fg": "red", "bold": True},
           "warning": {"fg": "yellow", "bold": True}, "info": {"fg": "cyan", "bold": True},
           "fix": {"fg": "green"}}


def _plain(text: str, role: str) -> str:
    return text


def _styled(text: str, role: str) -> str:
    return click.style(text, **_STYLES[role])


def _heading(finding: Finding, paint: Paint) -> str:
    """`file:line:col: ID severity: message`."""
    severity = str(finding.severity)
    return (f"{paint(f'{finding.file}:{finding.line}:{finding.column}', 'location')}: "
            f"{paint(finding.rule, severity)} {paint(severity, severity)}: {finding.message}")


def _finding_lines(finding: Finding, suppressed_by: str = "",
                   long_fixes: Optional[Dict[str, str]] = None, paint: Paint = _plain) -> List[str]:
    """A finding as rustc prints a diagnostic: the verdict, the loop, its evidence, its one-line
    fix; with `long_fixes` (--show-fixes) its rule's long fix under it too."""
    lines = [_heading(finding, paint)]
    if suppressed_by:
        lines.append(f"  suppressed: {suppressed_by}")
    if finding.cycle and finding.cycle_files:
        lines.append("  loop: " + " -> ".join(f"{node} [{file}]"
                                             for node, file in zip(finding.cycle, finding.cycle_files)))
    elif finding.cycle:
        lines.append("  loop: " + " -> ".join(finding.cycle))
    lines.extend("  " + note for note in finding.notes)
    if finding.fix:  # one line, as ruff prints its help: the terminal wraps it, grep finds it whole
        lines.append(f"  {paint('fix:', 'fix')} " + " ".join(finding.fix.split()))
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


def render(result: ScanResult, color: bool = False) -> str:
    paint = _styled if color else _plain
    lines = []
    long_fixes = _long_fixes()
    under_each = long_fixes if result.show_fixes else None
    shown = list(result.findings)
    for finding in result.findings:
        lines.extend(_finding_lines(finding, long_fixes=under_each, paint=paint))
    if result.show_suppressed:
        for item in result.suppressed:
            lines.extend(_finding_lines(item.finding, item.reason, long_fixes=under_each, paint=paint))
            shown.append(item.finding)
    if result.show_unused_suppressions:
        lines.extend(site.text for site in result.unused_suppressions)
    lines.extend(_error_lines(result))
    if not result.show_fixes:
        lines.extend(_how_to_fix(shown, long_fixes))
    return _text(lines)


def render_concise(result: ScanResult, color: bool = False) -> str:
    """`file:line:col: ID severity: message`, one line per finding and nothing else (a
    suppressed one, with --show-suppressed, ends with its reason), then the one-line entries
    of unused suppressions (--show-unused-suppressions) and unreadable files."""
    paint = _styled if color else _plain
    lines = [_heading(finding, paint) for finding in result.findings]
    if result.show_suppressed:
        lines.extend(f"{_heading(item.finding, paint)} [suppressed: {item.reason}]"
                     for item in result.suppressed)
    if result.show_unused_suppressions:
        lines.extend(site.text for site in result.unused_suppressions)
    return _text(lines + _error_lines(result))


def _error_lines(result: ScanResult) -> List[str]:
    lines = []
    for error in result.errors:
        where = error.file
        if error.line:
            where += f":{error.line}" + (f":{error.column}" if error.column else "")
        lines.append(f"{where}: unreadable: {error.message}")
    return lines


def _text(lines: List[str]) -> str:
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
