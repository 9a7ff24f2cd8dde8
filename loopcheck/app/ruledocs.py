"""Rule documentation, in the style of ruff's rule pages: What it does / Why is this bad? /
Example / Use instead. One renderer serves `loopcheck explain ID` (which also prints the
page's URL, rulebase.rule.doc_url) and docs/rules/<ID>.md.

The examples are the relevant part of the fixture templates each rule names in
`Rule.examples` (failing, passing). Fixtures live in the repository, not in the wheel, so
scripts/generate_rule_docs.py extracts the snippets once into loopcheck/app/rule_examples.json
(package data) and writes the pages; `explain` reads only that JSON, so it works from an
installed wheel. A test checks both generated files are up to date with the fixtures.

Imported only by `loopcheck rules` / `loopcheck explain` and the script, never by `scan`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set

from loopcheck.rulebase.rule import Rule, all_rules, doc_url

EXAMPLES_FILE = Path(__file__).with_name("rule_examples.json")
_TOP_KEY = re.compile(r"^([A-Za-z][\w-]*):")
_RESOURCE_KEY = re.compile(r"^  ([A-Za-z0-9]+):")
_KEPT_SECTIONS = ("AWSTemplateFormatVersion", "Transform", "Globals", "Parameters", "Conditions",
                  "Mappings", "Resources")


def _sections(text: str) -> List[tuple]:
    """(top-level key, lines) in file order; lines before the first key are dropped."""
    sections: List[tuple] = []
    for line in text.splitlines():
        match = _TOP_KEY.match(line)
        if match:
            sections.append((match.group(1), [line]))
        elif sections:
            sections[-1][1].append(line)
    return sections


def _trim(lines: List[str]) -> List[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def description(text: str) -> str:
    """A template's Description, as one paragraph."""
    for key, lines in _sections(text):
        if key == "Description":
            head = lines[0].split(":", 1)[1].strip()
            body = [head] if head not in (">", "|", ">-", "|-", "") else []
            body += [line.strip() for line in lines[1:]]
            return " ".join(part for part in body if part).strip().strip('"')
    return ""


def relevant_part(text: str, resources: Optional[Set[str]] = None) -> str:
    """The template without its Description, Metadata and Outputs sections, and with only
    the given resources (all when None). YAML templates only."""
    out: List[str] = []
    for key, lines in _sections(text):
        if key not in _KEPT_SECTIONS:
            continue
        if key == "Resources" and resources is not None:
            kept = [lines[0]]
            current: Optional[str] = None
            for line in lines[1:]:
                match = _RESOURCE_KEY.match(line)
                if match:
                    current = match.group(1)
                if current in resources:
                    kept.append(line)
            lines = kept
        lines = _trim(lines)
        if key in ("Globals", "Parameters", "Resources", "Conditions", "Mappings") and out \
                and out[-1].strip():
            out.append("")
        out.extend(lines)
    return "\n".join(_trim(out)) + "\n"


def _fixture_template(folder: Path) -> Path:
    for name in ("template.yaml", "template.yml"):
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(f"no YAML template in {folder} (rule examples must be YAML)")


def extract(rules: Iterable[Rule], fixtures: Path) -> Dict[str, Any]:
    """Each rule's examples, read from the fixtures: the failing template cut down to the
    resources the rule's findings name, the passing one whole (both without Description)."""
    from loopcheck.load.loader import Template, load_file
    from loopcheck.pipeline.analysis import AnalysisOptions, analyse

    examples: Dict[str, Any] = {}
    for rule in rules:
        failing, passing = rule.examples
        if not failing:
            continue
        entry: Dict[str, Any] = {}
        for role, name in (("failing", failing), ("passing", passing)):
            template = _fixture_template(fixtures / name)
            text = template.read_text(encoding="utf-8")
            loaded = load_file(str(template))
            if not isinstance(loaded, Template):
                raise ValueError(f"{template}: not a template")
            findings = analyse(str(template), loaded.data, AnalysisOptions(suppressions=False)).findings
            ids = [f for f in findings if f.rule == rule.id]
            if role == "failing" and not ids:
                raise ValueError(f"{rule.id}: its failing example {name} gives no {rule.id} finding")
            if role == "passing":
                reported = analyse(str(template), loaded.data).findings
                if any(f.rule == rule.id for f in reported):
                    raise ValueError(f"{rule.id}: its passing example {name} gives a {rule.id} finding")
            keep = None
            if role == "failing":
                keep = set()
                for finding in ids:
                    keep.update(finding.cycle or [finding.resource])
                    keep.add(finding.resource)
            entry[role] = {
                "fixture": name,
                "file": f"fixtures/{name}/{template.name}",
                "about": description(text),
                "yaml": relevant_part(text, keep),
            }
        examples[rule.id] = entry
    return examples


def render_examples_file(examples: Dict[str, Any]) -> str:
    return json.dumps(examples, indent=2, sort_keys=True) + "\n"


def load_examples() -> Dict[str, Any]:
    try:
        return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def find_rule(rule_id: str) -> Optional[Rule]:
    wanted = rule_id.strip().upper()
    return next((rule for rule in all_rules() if rule.id == wanted), None)


def render(rule: Rule, examples: Optional[Dict[str, Any]] = None, links: bool = False) -> str:
    """The rule's page as Markdown. `links`: relative links to the fixtures (docs/rules/ pages)."""
    entry = (examples if examples is not None else load_examples()).get(rule.id, {})
    lines = [f"# {rule.id}: {rule.title}", "", f"Severity: **{rule.severity}**", ""]
    if not links:  # `explain` in a terminal: where the page is online (a docs page is that page)
        lines.extend([f"Documentation: {doc_url(rule.id)}", ""])
    lines.extend(["## What it does", "", rule.summary, "", "## Why is this bad?", "", rule.rationale, ""])

    def example(title: str, role: str) -> None:
        item = entry.get(role)
        lines.extend([f"## {title}", ""])
        if not item:
            lines.extend(["(no example recorded)", ""])
            return
        if item["about"]:
            lines.extend([item["about"], ""])
        lines.extend(["```yaml", item["yaml"].rstrip("\n"), "```", ""])
        source = item["file"]
        lines.extend([f"From [`{source}`](../../{source})." if links else f"From {source}.", ""])

    example("Example", "failing")
    example("Use instead", "passing")
    lines.extend(["## How to fix", "", rule.remediation[:1].upper() + rule.remediation[1:], ""])
    return "\n".join(lines)


def rules_table() -> str:
    """`loopcheck rules`: id, severity, title, one rule a line."""
    return "".join(f"{rule.id}  {rule.severity:<8} {rule.title}\n" for rule in all_rules())


def pages(examples: Dict[str, Any]) -> Dict[str, str]:
    """docs/rules/<ID>.md contents, by file name."""
    return {f"{rule.id}.md": render(rule, examples, links=True) for rule in all_rules()}
