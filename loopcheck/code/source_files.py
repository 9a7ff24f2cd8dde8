"""Reading a handler's files, the same for every language: the function's code folder, the
size bound, regular files only, UTF-8 with the line of a bad byte, and how far imports are
followed -- with one wording for each problem, whichever language met it.

Why one place: every analyser (Python, JavaScript / TypeScript, and the next ones) must stay
inside the function's code folder (a symlink out is not followed: that code is not deployed
with the function), must not read a FIFO or a 2 GB file, and must show a followed file as the
caller spelled the folder, so that the report names files the user recognises. Each analyser
keeps only what is its language's own: which file an import names (module dots, Node
resolution), and parsing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional, Sequence, Tuple

from loopcheck.code.budget import MAX_FILE_BYTES

MAX_FILES = 50  # files read for one function's code, entry included, unless a language says less
_BOM = b"\xef\xbb\xbf"

# -- problem wordings ---------------------------------------------------------------------------
# An import not followed: "<file>[:<line>]: import of <name> not followed: <reason>".
LEAVES_FOLDER = "leaves the function's code folder"
NOT_IN_FOLDER = "not found in the function's code folder"


def too_deep(max_depth: int) -> str:
    return f"more than {max_depth} imports deep"


def too_many_files(max_files: int) -> str:
    return f"more than {max_files} files"


def import_not_followed(name: str, reason: str) -> str:
    """Why the import of module `name` (as the code spells it) was not read."""
    return f"import of {name} not followed: {reason}"


def too_large(display: str) -> str:
    return f"{display}: larger than {MAX_FILE_BYTES} bytes; not read"


# -- reading one file ---------------------------------------------------------------------------


def safe_resolve(path: Path) -> Optional[Path]:
    """The real path of an existing file or folder, or None (missing, a symlink loop, no access)."""
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None


def read_bytes(path: Path, display: str) -> Tuple[Optional[bytes], Optional[str]]:
    """(bytes without a UTF-8 BOM, None) or (None, problem): regular files of at most
    MAX_FILE_BYTES only (a FIFO would block, a device never end)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, f"{display}: not a regular file; not read"
        if info.st_size > MAX_FILE_BYTES:
            return None, too_large(display)
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except OSError as error:
        return None, f"{display}: cannot read: {error.strerror or error}"
    if len(data) > MAX_FILE_BYTES:
        return None, too_large(display)
    return (data[len(_BOM):] if data.startswith(_BOM) else data), None


def decode_utf8(data: bytes, display: str) -> Tuple[Optional[str], Optional[str]]:
    """(text, None) or (None, "<file>:<line>: not UTF-8 text (<why>)"), for languages whose
    parser takes text (a parser that takes bytes, like tree-sitter, reads them as they are)."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, f"{display}:{line}: not UTF-8 text ({error.reason})"


def read_text(path: Path, display: str) -> Tuple[Optional[str], Optional[str]]:
    """read_bytes, then decode_utf8."""
    data, problem = read_bytes(path, display)
    return decode_utf8(data, display) if data is not None else (None, problem)


def inline_bytes(text: str, display: str) -> Tuple[Optional[bytes], Optional[str]]:
    """Code given as text (a template's ZipFile / InlineCode), encoded without a BOM, under the
    same size bound."""
    data = text.encode("utf-8", "replace")
    if len(data) > MAX_FILE_BYTES:
        return None, too_large(display)
    return (data[len(_BOM):] if data.startswith(_BOM) else data), None


def character_column(data: bytes, line_start: int, offset: int) -> int:
    """1-based column in characters of byte `offset` in UTF-8 `data` whose line starts at byte
    `line_start` (parsers count bytes; the report counts characters)."""
    return len(data[line_start:offset].decode("utf-8", "replace")) + 1


# -- the code folder ----------------------------------------------------------------------------


class CodeFolder:
    """The function's code folder: where its files and imports resolve, never outside it.
    `root` None: inline code, nothing else to read."""

    def __init__(self, root: Optional[Path], max_depth: int, max_files: int = MAX_FILES):
        self.root_given = root
        self.root = safe_resolve(root) if root is not None else None
        self.max_depth = max_depth
        self.max_files = max_files

    def inside(self, path: Path) -> bool:
        return self.root is not None and (path == self.root or path.is_relative_to(self.root))

    def display(self, resolved: Path) -> str:
        """The path of a followed file as the caller spelled the root."""
        assert self.root is not None and self.root_given is not None
        return str(self.root_given / resolved.relative_to(self.root))

    def entry(self, entry_file: Path) -> Tuple[Optional[Path], Optional[bytes], Optional[str]]:
        """(real path, bytes, None) of the handler file, or (None, None, problem)."""
        display = str(entry_file)
        resolved = safe_resolve(entry_file)
        if resolved is None:
            return None, None, f"{display}: cannot read: no such file"
        if not self.inside(resolved):
            return None, None, f"{display}: outside the function's code folder {self.root_given}; not read"
        data, problem = read_bytes(resolved, display)
        return (resolved, data, None) if data is not None else (None, None, problem)

    def first_file(self, candidates: Sequence[Path],
                   folder: Optional[Path] = None) -> Tuple[Optional[Path], bool]:
        """(real path of the first candidate that is a file -- or is `folder`, a package
        folder --, escapes): escapes is True when a candidate exists but resolves outside the
        code folder (a symlink out), which ends the search."""
        for candidate in candidates:
            if not os.path.exists(candidate):  # one stat: most candidates are missing
                continue
            resolved = safe_resolve(candidate)
            if resolved is None:
                continue
            if not self.inside(resolved):
                return None, True
            if resolved.is_file() or (candidate is folder and resolved.is_dir()):
                return resolved, False
        return None, False

    def why_not_follow(self, depth: int, files_read: int) -> Optional[str]:
        """Why a file `depth` imports away from the entry is not read, with `files_read` read
        already; None when it may be."""
        if depth > self.max_depth:
            return too_deep(self.max_depth)
        if files_read >= self.max_files:
            return too_many_files(self.max_files)
        return None
