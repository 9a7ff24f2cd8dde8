"""Which files a scan reads: the template-looking files under the given paths.

Folders are walked in a stable order (a folder's files by name, then its subfolders by
name); hidden folders, `node_modules` and `__pycache__` are not entered, nor are folders and
files git ignores (loopcheck.load.ignore) unless `gitignore` is off. A file named on the command
line is always taken, ignored or not. loopcheck's own files (its configuration, whatever
its name when the scan names it in `own`, its baselines and JSON reports, pre-commit's
configuration, pyproject.toml) are never taken, walked or named (pre-commit names every
file that changed): they are not templates, and reporting them as skipped would only be noise.

A folder that holds `.tf` files is one Terraform unit, found as the folder itself (at the
place of its first `.tf` file); a `.tf` file named on the command line stands for its folder.
Each unit comes once, however often it is reached. `.terraform/` (hidden: downloaded modules
and providers) is never entered, nor is a named `.tf` file in it taken.

A folder that cannot be listed comes back as an error naming it; the walk goes on.
"""

from __future__ import annotations

import os
import re
import stat
from typing import TYPE_CHECKING, Callable, Collection, Iterator, List, Optional, Sequence, Set, Tuple

if TYPE_CHECKING:  # imported when a folder is walked: a scan of named files never reads .gitignore
    from loopcheck.load.ignore import IgnoreRules

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
TERRAFORM_SUFFIX = ".tf"
_SKIPPED_DIRS = {"node_modules", "__pycache__"}
OWN_NAMES = {".loopcheck.yaml", ".loopcheck.yml", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml",
             "pyproject.toml",
             # The GitLab Code Quality report (`--format gitlab`), by the name GitLab's recipes give it.
             "gl-code-quality-report.json"}
# loopcheck's JSON documents (a baseline, a `--format json` report) start or end with this
# key: the report writes it first, the baseline (sorted keys) last.
_OWN_JSON_HEAD = re.compile(rb'\A\s*\{\s*"tool"\s*:\s*"loopcheck"')
_OWN_JSON_TAIL = re.compile(rb'"tool"\s*:\s*"loopcheck"\s*\}\s*\Z')
_SNIFF = 512

Found = Tuple[str, Optional[str]]  # (path, None) or (path, why it cannot be scanned)


def discover(paths: Sequence[str], exclude: Optional[Callable[[str], bool]] = None,
             gitignore: bool = True, own: Collection[str] = ()) -> Iterator[Found]:
    """(path, error) pairs: every template-looking file under the given paths, in a stable
    order; a missing path or a folder that cannot be listed comes back with its error.
    Folders `exclude` matches are not entered; files it matches are left out by the caller
    (pipeline.scan counts them). `own`: more files of loopcheck's (the configuration file
    in use), never taken."""
    own_files = {os.path.abspath(path) for path in own}
    units: Set[str] = set()  # the Terraform folders already found, by absolute path
    for given in paths:
        if os.path.isdir(given):
            from loopcheck.load.ignore import IgnoreRules

            rules = IgnoreRules.above(given) if gitignore else None
            for found in _walk(given, rules, exclude, own_files):
                if found[1] is None and os.path.isdir(found[0]):
                    if not _first_time(found[0], units):
                        continue
                yield found
        elif given.lower().endswith(TERRAFORM_SUFFIX) and os.path.isfile(given):
            folder = terraform_unit_of(given)
            if folder is not None and _first_time(folder, units):
                yield folder, None
        elif os.path.exists(given):
            if not is_own_file(given, own_files):
                yield given, None
        else:
            yield given, "no such file or directory"


def terraform_unit_of(tf_file: str) -> Optional[str]:
    """The Terraform unit (its folder, as linters print it) a named `.tf` file stands for;
    None inside `.terraform/`, where Terraform keeps the modules it downloaded."""
    folder = os.path.normpath(os.path.dirname(tf_file) or os.curdir)
    if ".terraform" in folder.replace("\\", "/").split("/"):
        return None
    return folder


def _first_time(folder: str, units: Set[str]) -> bool:
    key = os.path.abspath(folder)
    if key in units:
        return False
    units.add(key)
    return True


def joined(folder: str, name: str) -> str:
    """A walked path as linters print it: `infra/t.yaml` when the current folder is walked, not
    `./infra/t.yaml` (pre-commit names files the same way, so both spellings of a file agree)."""
    return name if folder == os.curdir else os.path.join(folder, name)


def _walk(top: str, rules: Optional[IgnoreRules], exclude: Optional[Callable[[str], bool]],
          own_files: Collection[str]) -> Iterator[Found]:
    """Depth first without recursion (a deep tree must not exhaust the stack): each folder's
    files, then its subfolders. Symbolic links to folders are not followed."""
    stack: List[Tuple[str, str, Optional[IgnoreRules]]] = [(top, os.path.abspath(top), rules)]
    while stack:
        folder, absolute, rules = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            yield folder, f"cannot read folder: {exc.strerror or exc}; the templates in it were not scanned"
            continue
        if rules is not None:
            rules = rules.enter(absolute, [entry.name for entry in entries])
        files, folders = [], []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:  # a link loop: the loader reports it if it looks like a template
                is_dir = False
            if not is_dir:
                files.append(entry)
            elif not entry.is_symlink() and not entry.name.startswith(".") and entry.name not in _SKIPPED_DIRS:
                folders.append(entry.name)
        unit_found = False
        for entry in sorted(files, key=lambda e: e.name):
            name = entry.name
            lowered = name.lower()
            terraform = lowered.endswith(TERRAFORM_SUFFIX)
            if not terraform and not lowered.endswith(TEMPLATE_SUFFIXES):
                continue
            if terraform and unit_found:
                continue
            if rules is not None and rules.ignored(os.path.join(absolute, name), False):
                continue
            if terraform:  # the folder is the unit, where its first .tf file is
                unit_found = True
                yield os.path.normpath(folder), None
                continue
            path = joined(folder, name)
            if not is_own_file(path, own_files):
                yield path, None
        below = []
        for name in sorted(folders):
            path = joined(folder, name)
            if exclude and exclude(path):
                continue
            if rules is not None and rules.ignored(os.path.join(absolute, name), True):
                continue
            below.append((path, os.path.join(absolute, name), rules))
        stack.extend(reversed(below))


def is_own_file(path: str, own_files: Collection[str] = ()) -> bool:
    """A file of loopcheck's or pre-commit's own, not a template: by name, by its absolute
    path in `own_files`, or (JSON) a loopcheck baseline or report by its first or last bytes."""
    name = os.path.basename(path)
    if name in OWN_NAMES or (own_files and os.path.abspath(path) in own_files):
        return True
    if not name.lower().endswith(".json"):
        return False
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # never open a pipe or a device here
            return False
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF)
            tail = head
            if info.st_size > _SNIFF:
                handle.seek(info.st_size - _SNIFF)
                tail = handle.read(_SNIFF)
    except OSError:  # the loader reports why it cannot be read
        return False
    return bool(_OWN_JSON_HEAD.match(head) or _OWN_JSON_TAIL.search(tail))
