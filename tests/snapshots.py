"""Shared by the snapshot tests and scripts/update_fixture_snapshots.py: how a fixture's
pinned output is produced (the CLI run from inside the fixture's folder, so paths in the
output are the template's own name)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import List, Tuple

from click.testing import CliRunner

from loopcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES: List[Path] = sorted(p for p in (ROOT / "fixtures").iterdir() if p.is_dir())


def fixture_template(folder: Path) -> Path:
    for name in ("template.yaml", "template.yml", "template.json"):
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(f"no template in {folder}")


def run_cli(args: List[str], cwd: Path) -> Tuple[int, str]:
    runner = CliRunner()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(previous)
    return result.exit_code, result.stdout


def render_fixture(template: Path) -> Tuple[str, str]:
    """(text output, JSON output with the version blanked) of scanning one fixture."""
    _, text = run_cli(["scan", template.name], template.parent)
    _, raw = run_cli(["scan", "--format", "json", template.name], template.parent)
    document = json.loads(raw)
    document["version"] = "<version>"
    return text, json.dumps(document, indent=2) + "\n"
