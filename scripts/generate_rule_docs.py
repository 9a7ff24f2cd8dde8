"""Regenerate the rule documentation from the rule modules and their example fixtures:

    python scripts/generate_rule_docs.py          # docs/rules/<ID>.md, loopcheck/app/rule_examples.json
    python scripts/generate_rule_docs.py --check  # exit 1 if either is out of date

loopcheck/app/rule_examples.json is package data: `loopcheck explain` reads it, so it works from
an installed wheel (which has no fixtures/). tests/test_ruledocs.py runs the --check.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loopcheck.app import ruledocs  # noqa: E402
from loopcheck.rulebase.rule import all_rules  # noqa: E402

DOCS = ROOT / "docs" / "rules"


def expected() -> dict:
    """Every generated file's path and contents."""
    examples = ruledocs.extract(all_rules(), ROOT / "fixtures")
    files = {ruledocs.EXAMPLES_FILE: ruledocs.render_examples_file(examples)}
    for name, text in ruledocs.pages(examples).items():
        files[DOCS / name] = text
    return files


def main(argv: list) -> int:
    files = expected()
    stale = [path for path, text in files.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    extra = sorted(set(DOCS.glob("*.md")) - set(files)) if DOCS.exists() else []
    if "--check" in argv:
        for path in stale + extra:
            print(f"out of date: {path.relative_to(ROOT)}")
        if stale or extra:
            print("run: python scripts/generate_rule_docs.py")
        return 1 if stale or extra else 0
    DOCS.mkdir(parents=True, exist_ok=True)
    for path in stale:
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    for path in extra:
        path.unlink()
        print(f"removed {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
