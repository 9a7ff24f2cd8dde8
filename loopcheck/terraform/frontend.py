"""The Terraform front-end as the scan uses it: one call per unit.

A folder of `.tf` files is read by the HCL reader, a plan by the plan reader; either
configuration is translated into the CloudFormation-shaped template the pipeline reads, and
comes back as a loader Template whose `resource_files` name the `.tf` file (or the plan) of
each logical id (the scan hands them to the pipeline's `analyse`). python-hcl2 is imported
only when a folder is read (by the reader), never when the scan starts. Terraform itself is
never run, and no module is downloaded.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Sequence, Set

from loopcheck.load.loader import LoadError, LoadResult, Skipped, Template
from loopcheck.terraform.config import TfConfiguration

EMPTY = "a Terraform configuration with no resources"
HCL_MISSING = "python-hcl2 is not installed, so .tf files cannot be read (pip install python-hcl2)"


def load_folder(folder: str) -> LoadResult:
    """A root module folder (with the local child modules it calls) as a Template, or the
    LoadError naming the `.tf` file, line and column that could not be read."""
    try:
        from loopcheck.terraform.hcl_reader import read_folder

        read = read_folder(folder)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in ("hcl2", "lark"):
            return LoadError(folder, HCL_MISSING)
        raise
    if isinstance(read, LoadError):
        return read
    return _template(folder, read)


def load_plan(path: str, document: Dict[str, Any]) -> LoadResult:
    """A plan (`terraform show -json`) as a Template, or a LoadError saying what in it is not
    a plan's shape."""
    from loopcheck.terraform.plan_reader import PlanError, read_plan

    try:
        config = read_plan(path, document)
    except PlanError as exc:
        return LoadError(path, f"not a Terraform plan loopcheck can read: {exc}")
    return _template(path, config, [path])


def _template(unit: str, config: TfConfiguration, files: Sequence[str] = ()) -> LoadResult:
    if not config.resources and not config.module_calls:
        return Skipped(unit, EMPTY, empty=True)
    from loopcheck.terraform.translate import to_template

    translated = to_template(config)
    resource_files = {logical_id: shown(file) for logical_id, file in translated.files.items()}
    read = files or sorted({shown(item.file) for item in [*config.resources, *config.module_calls]})
    notes = [_note(unit, note) for note in [*config.notes, *translated.notes]]
    return Template(unit, translated.data, resource_files=resource_files, files=list(read),
                    notes=list(dict.fromkeys(notes)))


def shown(path: str) -> str:
    """A path as linters print it: `main.tf`, not `./main.tf`."""
    return os.path.normpath(path) if path else path


def _note(unit: str, note: str) -> str:
    return note if note.startswith(unit) else f"{unit}: {note}"


def without_called_modules(folders: Sequence[str]) -> Set[str]:
    """The Terraform folders of one scan that are scanned on their own: not those only
    called, directly or through another, as local child modules by a unit of the scan. A ring
    of folders calling each other with no caller outside it is kept (something must be read)."""
    from loopcheck.terraform.hcl_reader import called_module_folders

    by_key = {os.path.abspath(folder): folder for folder in folders}
    calls: Dict[str, List[str]] = {}
    for key, folder in by_key.items():
        try:
            called = called_module_folders(folder)
        except Exception:  # noqa: BLE001 - its own read reports what is wrong with the folder
            called = []
        calls[key] = [os.path.abspath(child) for child in called if os.path.abspath(child) in by_key]
    called_by_another = {child for key, children in calls.items() for child in children if child != key}
    roots = [key for key in by_key if key not in called_by_another]
    reached: Set[str] = set()
    stack = list(roots)
    while stack:
        for child in calls.get(stack.pop(), []):
            if child not in reached and child not in roots:
                reached.add(child)
                stack.append(child)
    return {folder for key, folder in by_key.items() if key not in reached}
