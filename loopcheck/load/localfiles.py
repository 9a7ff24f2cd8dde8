"""Files a template names next to itself (handler code, Dockerfiles, tsconfig.json, source
maps, state machine definitions), read only inside the repository that holds the template.

A template must not make loopcheck read arbitrary files (`CodeUri: ../../..`, `/etc`,
`DefinitionUri: /etc/passwd`): every path is resolved (symlinks followed) and kept only when
it lies inside the folder holding `.git` above the template (or the template's own folder).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

MAX_TEXT_BYTES = 1024 * 1024  # a Dockerfile, tsconfig or definition larger than this is not read


def repository_root(start: Path) -> Path:
    """The folder holding `.git` above `start`, else `start` itself: code folders a template
    names must stay inside it."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def resolved(path: Path, cache: Optional[Dict[str, Path]] = None) -> Path:
    """`path.resolve()`, once per path and template: hundreds of functions share a folder."""
    if cache is None:
        return path.resolve()
    key = str(path)
    if key not in cache:
        cache[key] = path.resolve()
    return cache[key]


def inside(path: Path, root: Path, cache: Optional[Dict[str, Path]] = None) -> bool:
    """Whether `path` (symlinks followed) lies inside `root`."""
    try:
        resolved(path, cache).relative_to(resolved(root, cache))
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def read_text(path: Path, root: Path, max_bytes: int = MAX_TEXT_BYTES) -> Optional[str]:
    """The UTF-8 text of a small regular file inside `root`, else None (missing, outside,
    too large, binary or not UTF-8): callers treat all of these as "not there"."""
    try:
        if not inside(path, root) or not path.is_file():
            return None
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except (OSError, ValueError):
        return None
    if len(raw) > max_bytes or b"\x00" in raw:
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
