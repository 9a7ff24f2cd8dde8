"""Where a C# (.NET) function's handler is, inside its project folder (CodeUri).

Two handler forms (Lambda developer guide, "Define Lambda function handler in C#"):
- class library: `Handler: Assembly::Namespace.Class::Method`; the file is the .cs file that
  declares `class Class` (or a record / struct) in `namespace Namespace` (block or file-scoped);
- executable assembly: `Handler: AssemblyName`; the file is the one that starts the runtime
  client (`LambdaBootstrapBuilder.Create(...)`, usually top-level statements), and the handler
  is the method named as its first argument, or the lambda written there.

The project's .cs files are searched as text (bin/ and obj/ are build output: skipped); the
file found is then parsed by loopcheck.code.csharp_facts. Nothing is compiled.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple, Union

from loopcheck.code.budget import MAX_FILE_BYTES
from loopcheck.knowledge.handler_files import CSHARP_SUFFIXES

SKIPPED_FOLDERS = frozenset({"bin", "obj", ".git", "node_modules"})
MAX_PROJECT_FILES = 500  # .cs files looked at for one handler
_NAMESPACE = re.compile(r"^\s*namespace\s+([\w.]+)", re.MULTILINE)
_BOOTSTRAP = re.compile(r"LambdaBootstrapBuilder\s*\.\s*Create\s*(?:<[^>]*>)?\s*\(\s*([\w.]*)")


def project_files(folder: Path) -> List[Path]:
    """The .cs files under folder, in path order, build output skipped, at most MAX_PROJECT_FILES."""
    found: List[Path] = []
    for path in sorted(p for suffix in CSHARP_SUFFIXES for p in folder.rglob("*" + suffix)):
        if any(part in SKIPPED_FOLDERS for part in path.relative_to(folder).parts[:-1]):
            continue
        found.append(path)
        if len(found) >= MAX_PROJECT_FILES:
            break
    return found


def _text(path: Path) -> str:
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return ""
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def declares(text: str, namespace: str, class_name: str) -> bool:
    """Whether C# source text declares the type `class_name` in `namespace` (nested block
    namespaces joined with dots; "" for the global namespace)."""
    if not re.search(rf"\b(?:class|record|struct)\s+{re.escape(class_name)}\b", text):
        return False
    spaces = _NAMESPACE.findall(text)
    if not namespace:
        return not spaces
    return namespace in spaces or ".".join(spaces) == namespace


def find_entry(folder: Path, handler: object) -> Union[Tuple[Path, str], str]:
    """(entry file, the handler as csharp_facts takes it: `Namespace.Class::Method`, or ""
    for a lambda), or the reason it is not found."""
    if not isinstance(handler, str) or not handler.strip():
        return "no Handler"
    files = project_files(folder)
    parts = handler.split("::")
    if len(parts) == 3:
        _, type_path, method = parts
        namespace, _, class_name = type_path.rpartition(".")
        for path in files:
            if declares(_text(path), namespace, class_name):
                return path, f"{type_path}::{method}"
        return f"not found in {folder} (no .cs file declares {type_path})"
    if len(parts) == 1:
        for path in files:
            match = _BOOTSTRAP.search(_text(path))
            if match:
                named = match.group(1).rsplit(".", 1)[-1]
                return path, f"::{named}" if named else ""
        return f"not found in {folder} (no .cs file calls LambdaBootstrapBuilder.Create for {handler})"
    return f"handler {handler!r} is not Assembly::Namespace.Class::Method"
