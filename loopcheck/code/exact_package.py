"""Whether a function whose package is known exactly holds its handler module.

A package is known exactly only when the template says so (the front-end's
EXACT_PACKAGE_METADATA, which the Terraform translator writes for a function that deploys an
`archive_file` of one folder or file): a SAM `CodeUri` folder is not, because `sam build` may
add to it. The check leans towards "present": any file or folder whose name is the module's
(`app`, `app.py`, `app.mjs`, `app.cpython-312-x86_64-linux-gnu.so`, a package folder `app/`)
counts, so only a module that is plainly absent makes the function one that cannot start.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional

from loopcheck.knowledge.handler_files import EXACT_PACKAGE_METADATA


def package_of(metadata: Dict[str, Any], template_dir: Path) -> Optional[Path]:
    """The folder or file the function's package is made of exactly, when the template says."""
    package = metadata.get(EXACT_PACKAGE_METADATA)
    if not isinstance(package, str) or not package:
        return None
    return Path(package) if os.path.isabs(package) else template_dir / package


def lacks_module(package: Path, module: str, language: Optional[str]) -> bool:
    """Whether handler module `module` (as the Handler setting writes it) is plainly not in
    `package`, a folder (its content, as archive_file source_dir zips it) or a file (alone at the
    package's root, as source_file zips it). False whenever that cannot be told."""
    spellings = []
    if language in (None, "python"):
        spellings.append(module if "/" in module else module.replace(".", "/"))
    if language in (None, "javascript", "typescript"):
        spellings.append(module)
    return all(_absent(package, spelling) for spelling in spellings)


def _absent(package: Path, relative: str) -> bool:
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return False
    *folders, name = parts
    if package.is_file():
        return bool(folders) or not _names_module(package.name, name)
    if not package.is_dir():
        return False  # not there at all: the code stage says so as it always has
    try:
        entries = os.listdir(package.joinpath(*folders))
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return not any(_names_module(entry, name) for entry in entries)


def _names_module(entry: str, name: str) -> bool:
    return entry == name or entry.startswith(name + ".")
