"""Human-readable output, in the style of rustc and ruff: verdict, loop, evidence, fix."""

from __future__ import annotations

import textwrap

from loopcheck.pipeline.result import ScanResult


def _finding_lines(finding, suppressed_by: str = "") -> list:
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
    if finding.fix:
        wrapped = textwrap.wrap("fix: " + finding.fix, width=92, subsequent_indent="       ")
        lines.extend("  " + line for line in wrapped)
    return lines


def render(result: ScanResult) -> str:
    lines = []
    for finding in result.findings:
        lines.extend(_finding_lines(finding))
    if result.show_suppressed:
        for item in result.suppressed:
            lines.extend(_finding_lines(item.finding, item.reason))
    if result.show_unused_suppressions:
        lines.extend(site.text for site in result.unused_suppressions)
    for error in result.errors:
        where = error.file
        if error.line:
            where += f":{error.line}" + (f":{error.column}" if error.column else "")
        lines.append(f"{where}: unreadable: {error.message}")
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
