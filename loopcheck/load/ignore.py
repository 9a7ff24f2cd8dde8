"""What git ignores, for the folder walk: `.gitignore` files (in the scanned folder, the
folders below it, and the folders above it up to the repository root) and the repository's
`.git/info/exclude`, matched by the `pathspec` library as git matches them.

Precedence is git's: a `.gitignore` deeper in the tree overrides one higher up, every
`.gitignore` overrides `info/exclude`, and within one file the last matching pattern wins
(`!pattern` re-includes). A folder git ignores is not entered, so nothing below it can be
re-included, as in git. Outside a repository the `.gitignore` files at and below the
scanned folder still apply. The user's global excludes file (`core.excludesFile`) is not
read: it is a setting of one machine, and the scan should not depend on whose machine runs it.

A folder named on the command line is walked even if it is ignored: patterns of the folders
above it that match the named folder itself, or everything in it, are dropped for that walk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

if TYPE_CHECKING:  # imported where a spec is built: a scan of named files never needs pathspec
    from pathspec import GitIgnoreSpec

GITIGNORE = ".gitignore"
# A name no pattern written for real files would match: a pattern that matches it inside the
# named folder ignores everything in that folder (`build/**`, `build/*`).
_PROBE = "\x00loopcheck-probe"


@dataclass(frozen=True)
class _Level:
    base: str  # absolute folder the patterns are relative to
    spec: GitIgnoreSpec


class IgnoreRules:
    """The rules in force in one folder of a walk, shallowest first; immutable, so each
    folder of the walk keeps its own chain."""

    def __init__(self, levels: Sequence[_Level] = ()) -> None:
        self.levels: Tuple[_Level, ...] = tuple(levels)

    @classmethod
    def above(cls, top: str) -> IgnoreRules:
        """The rules in force at `top` from outside it: the repository's info/exclude and the
        `.gitignore` of every folder from the repository root down to `top`'s parent, less
        the patterns that would ignore `top` itself (it was named, so it is walked).
        `top`'s own `.gitignore` is read by `enter` as the walk starts."""
        top = os.path.abspath(top)
        root = repository_root(top)
        if root is None:
            return cls()
        levels: List[_Level] = []
        exclude = _info_exclude(root)
        if exclude is not None:
            spec = _read_spec(exclude)
            if spec is not None:
                levels.append(_Level(root, spec))
        folder = root
        parts = _relative(top, root).split("/") if top != root else []
        for part in [""] + parts[:-1]:
            folder = os.path.join(folder, part) if part else folder
            spec = _read_spec(os.path.join(folder, GITIGNORE))
            if spec is not None:
                levels.append(_Level(folder, spec))
        return cls([_without_patterns_for(level, top) for level in levels])

    def enter(self, folder: str, names: Sequence[str]) -> IgnoreRules:
        """The rules inside `folder` (absolute), whose entries are `names`: these rules plus
        its own `.gitignore`, if it has one."""
        if GITIGNORE not in names:
            return self
        spec = _read_spec(os.path.join(folder, GITIGNORE))
        if spec is None:
            return self
        return IgnoreRules(self.levels + (_Level(folder, spec),))

    def ignored(self, path: str, is_dir: bool) -> bool:
        """Whether git ignores `path` (absolute, below every level's folder)."""
        for level in reversed(self.levels):  # the deepest file that has a say decides
            relative = _relative(path, level.base)
            result = level.spec.check_file(relative + "/" if is_dir else relative)
            if result.include is not None:
                return bool(result.include)
        return False


def repository_root(folder: str) -> Optional[str]:
    """The nearest folder at or above `folder` (absolute) holding `.git` (a folder, or the
    file of a worktree or submodule); None outside a repository."""
    current = folder
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _info_exclude(root: str) -> Optional[str]:
    """The repository's info/exclude file: in `.git/`, or for a worktree (whose `.git` is a
    file saying `gitdir: ...`) in the common git folder it shares with the main checkout."""
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return os.path.join(dot_git, "info", "exclude")
    try:
        with open(dot_git, encoding="utf-8") as handle:
            first = handle.readline().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not first.startswith("gitdir:"):
        return None
    git_dir = os.path.join(root, first[len("gitdir:"):].strip())
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            git_dir = os.path.join(git_dir, handle.read().strip())
    except (OSError, UnicodeDecodeError):
        pass  # a submodule's git folder, or an old layout: info/ is in the git folder itself
    return os.path.join(git_dir, "info", "exclude")


def _read_spec(path: str) -> Optional[GitIgnoreSpec]:
    """The patterns of one ignore file; None when it is absent, unreadable or empty (git
    passes over an unreadable ignore file too)."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    from pathspec import GitIgnoreSpec

    spec = GitIgnoreSpec.from_lines(lines)
    return spec if any(p.include is not None for p in spec.patterns) else None


def _without_patterns_for(level: _Level, top: str) -> _Level:
    """`level` less its patterns that match `top` (a folder below its base) or everything
    in it."""
    if top == level.base:
        return level
    relative = _relative(top, level.base)
    kept = [p for p in level.spec.patterns
            if p.include is None or not (p.match_file(relative + "/") or p.match_file(f"{relative}/{_PROBE}"))]
    if len(kept) == len(level.spec.patterns):
        return level
    from pathspec import GitIgnoreSpec

    return _Level(level.base, GitIgnoreSpec(kept))


def _relative(path: str, base: str) -> str:
    """`path` relative to `base` (a folder above it, both absolute and normalised alike), with
    `/` separators as in ignore files."""
    start = len(base) if base.endswith(os.sep) else len(base) + 1
    relative = path[start:]
    return relative.replace(os.sep, "/") if os.sep != "/" else relative
