"""Shared by the snapshot tests and scripts/update_fixture_snapshots.py: how a fixture's
pinned output is produced (the CLI run from inside the fixture's folder, so paths in the
output are the template's own name). A fixture of several templates (a cross-stack one,
with no template.yaml) is scanned as its folder: `loopcheck scan .`. A Terraform fixture is
scanned as its unit: its folder of `.tf` files (`loopcheck scan .`), or its `plan.json`."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import List, Tuple

from clirunner import cli_runner

from loopcheck.app.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _awaits_terraform_scan(folder: Path) -> bool:
    """A Terraform fixture (.tf files, no template) while the Terraform scan is not there yet:
    it has no output to pin (issue 17 pins it once the translator lands)."""
    return any(folder.glob("*.tf")) and importlib.util.find_spec("loopcheck.terraform.translate") is None


FIXTURES: List[Path] = sorted(p for p in (ROOT / "fixtures").iterdir()
                              if p.is_dir() and not _awaits_terraform_scan(p))


def fixture_template(folder: Path) -> Path:
    for name in ("template.yaml", "template.yml", "template.json"):
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(f"no template in {folder}")


def is_terraform(folder: Path) -> bool:
    """A Terraform fixture: a root module (`.tf` files) or a plan (`plan.json`)."""
    return (folder / "plan.json").is_file() or any(folder.glob("*.tf"))


def is_multi_template(folder: Path) -> bool:
    """A fixture of several templates (cross-stack): no template.yaml, *.yaml files instead."""
    try:
        fixture_template(folder)
    except FileNotFoundError:
        return len(list(folder.glob("*.yaml"))) > 1 and not is_terraform(folder)
    return False


def fixture_target(folder: Path) -> Path:
    """What a fixture's snapshot scans: its template, or its folder when it has several or
    is a Terraform root module, or its plan."""
    if (folder / "plan.json").is_file():
        return folder / "plan.json"
    return folder if is_multi_template(folder) or is_terraform(folder) else fixture_template(folder)


def run_cli(args: List[str], cwd: Path) -> Tuple[int, str]:
    runner = cli_runner()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(previous)
    return result.exit_code, result.stdout


def render_fixture(template: Path) -> Tuple[str, str]:
    """(text output, JSON output with the version blanked) of scanning one fixture: one
    template file, or a folder of templates (scanned as `.` from inside it)."""
    name, cwd = (".", template) if template.is_dir() else (template.name, template.parent)
    _, text = run_cli(["scan", "--jobs", "1", name], cwd)
    _, raw = run_cli(["scan", "--jobs", "1", "--format", "json", name], cwd)
    document = json.loads(raw)
    document["version"] = "<version>"
    return text, json.dumps(document, indent=2) + "\n"
