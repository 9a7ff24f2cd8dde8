"""Rewrite each fixture's pinned output (expected.txt, expected-json.txt) from the current code.

Run after a deliberate change to what loopcheck reports, then read the diff before committing:

    python scripts/update_fixture_snapshots.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from snapshots import FIXTURES, fixture_target, render_fixture  # noqa: E402


def main() -> None:
    for folder in FIXTURES:
        text, document = render_fixture(fixture_target(folder))
        (folder / "expected.txt").write_text(text)
        (folder / "expected-json.txt").write_text(document)
        print(f"updated {folder.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
