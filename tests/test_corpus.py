"""The real-world corpus (`../shared/corpus`, 2,700+ public templates): every file is scanned,
skipped, or reported unreadable with the parser's reason, and nothing is an internal error.

The findings on the corpus are printed for a human to review: run with `-rA` (or `-s`) to see
them, e.g. `pytest tests/test_corpus.py -rA`. Skipped when the corpus is not there.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import pytest
from clirunner import cli_runner

from loopcheck.app.cli import main
from loopcheck.app.scan import TEMPLATE_SUFFIXES

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

# What an unreadable file may be reported as: the parser's own reasons, never a crash.
READER_REASONS = (
    "invalid YAML", "invalid JSON", "duplicate key", "nesting too deep", "Resources is not a mapping",
    "not UTF-8", "binary file", "file is ", "cannot read file",
)

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")


def corpus_files() -> List[Path]:
    out = []
    for path in CORPUS.rglob("*"):
        relative = path.relative_to(CORPUS)
        if any(part.startswith(".") or part == "node_modules" for part in relative.parts[:-1]):
            continue
        if path.is_file() and path.name.lower().endswith(TEMPLATE_SUFFIXES):
            out.append(path)
    return sorted(out)


@pytest.fixture(scope="module")
def report() -> Dict[str, Any]:
    started = time.perf_counter()
    result = cli_runner().invoke(main, ["scan", "--format", "json", str(CORPUS)])
    elapsed = time.perf_counter() - started
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stdout + result.stderr
    document = json.loads(result.stdout)
    document["exit_code"] = result.exit_code
    document["seconds"] = elapsed
    document["stderr"] = result.stderr
    return document


def test_no_internal_errors(report):
    internal = [e for e in report["errors"] if "internal error" in e["message"]]
    assert internal == [], json.dumps(internal, indent=2)


def test_every_unreadable_file_has_the_parsers_reason(report):
    unexplained = [e for e in report["errors"] if not e["message"].startswith(READER_REASONS)]
    assert unexplained == [], json.dumps(unexplained, indent=2)
    for error in report["errors"]:
        if error["message"].startswith(("invalid YAML", "invalid JSON", "duplicate key")):
            assert isinstance(error["line"], int) and error["line"] >= 1, error


def test_every_file_is_scanned_skipped_or_unreadable(report):
    files = {str(p) for p in corpus_files()}
    errors = {e["file"] for e in report["errors"]}
    skipped = {s["file"] for s in report["skipped"]}
    assert not errors & skipped
    # A scanned file is neither unreadable nor skipped; count them to see none went missing.
    scanned = files - errors - skipped
    assert errors | skipped <= files
    assert len(scanned) + len(errors) + len(skipped) == len(files)
    assert report["exit_code"] == (2 if errors else 1 if any(f["severity"] == "error"
                                                               for f in report["findings"]) else 0)
    findings_files = {f["file"] for f in report["findings"]}
    assert findings_files <= scanned, "a finding on a file that was not scanned"


def test_manifest_agrees_on_what_parses(report):
    """MANIFEST.tsv says which files parse as YAML or JSON; loopcheck must not read a file that
    does not parse, nor reject one that does for a reason other than its own stricter checks."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        pytest.skip("no MANIFEST.tsv")
    with manifest.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    errors = {e["file"]: e["message"] for e in report["errors"]}
    surprises = []
    for row in rows:
        path = str(CORPUS / row["path"])
        if row["parses"] == "true" and path in errors:
            # loopcheck is stricter than a plain parser on duplicate keys and on Resources.
            if not errors[path].startswith(("duplicate key", "Resources is not a mapping")):
                surprises.append((row["path"], "parses, but loopcheck: " + errors[path]))
    assert surprises == [], surprises


def test_scan_time(report):
    assert report["seconds"] < 45, f"the corpus scan took {report['seconds']:.1f} s"


def test_print_findings_for_review(report):
    """Not a check: the list a human reviews (shown with -rA)."""
    findings = report["findings"]
    unreadable = {e["file"] for e in report["errors"]}
    by_rule = Counter(f["rule"] for f in findings)
    by_reason = Counter(next((r for r in READER_REASONS if e["message"].startswith(r)), e["message"])
                        for e in report["errors"])
    scanned = len(corpus_files()) - len(report["errors"]) - len(report["skipped"])
    print(f"\ncorpus: {CORPUS}")
    print(f"{scanned} scanned, {len(report['errors'])} unreadable, {len(report['skipped'])} skipped, "
          f"{len(findings)} findings in {report['seconds']:.1f} s")
    print("findings by rule: " + (", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items())) or "none"))
    print("unreadable by reason: " + ", ".join(f"{reason} {n}" for reason, n in by_reason.most_common()))
    for finding in findings:
        where = Path(finding["file"]).relative_to(CORPUS)
        print(f"  {where}:{finding['line']}:{finding['column']}: {finding['rule']} {finding['severity']}: "
              f"{finding['message']}")
    manifest = CORPUS / "MANIFEST.tsv"
    if manifest.exists():
        with manifest.open(newline="", encoding="utf-8") as handle:
            lenient = [row["path"] for row in csv.DictReader(handle, delimiter="\t")
                       if row["parses"] == "false" and str(CORPUS / row["path"]) not in unreadable]
        print(f"files the manifest says do not parse, read by loopcheck: {len(lenient)}"
              + "".join(f"\n  {name}" for name in lenient))
    # SAM translator input/output pairs describe one design twice: their loops should agree.
    sam = CORPUS / "aws__serverless-application-model"
    per_file: Dict[str, set] = {}
    for finding in findings:
        per_file.setdefault(finding["file"], set()).add((finding["rule"], tuple(finding["cycle"])))
    differing = []
    for source in sorted(sam.glob("tests__translator__input__*")):
        output = sam / source.name.replace("__input__", "__output__")
        if output.exists() and per_file.get(str(source), set()) != per_file.get(str(output), set()):
            differing.append(source.name.replace("tests__translator__input__", ""))
    print(f"SAM translator input/output pairs whose loops differ: {len(differing)}"
          + "".join(f"\n  {name}" for name in differing))
