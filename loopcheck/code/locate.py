"""Where a function's handler code is: a file under its code folder, inline text, or nowhere
loopcheck can read (an S3 object, a container image, a zip), with the reason.

SAM: `CodeUri` (Globals merged) + `Handler`, or `InlineCode`. CloudFormation: `Code.ZipFile`
(string, or `Fn::Join`/`Fn::Sub` of lines), or a local `Code` path left for
`aws cloudformation package`. CDK: `Metadata: aws:asset:path`, relative to the template in
`cdk.out`. A folder outside the repository that holds the template is refused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from loopcheck.model import Function, Model
from loopcheck.values import Resolver

PYTHON_SUFFIXES = (".py",)
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")


@dataclass
class CodeSource:
    """What to analyse for one function, or why nothing can be."""

    language: Optional[str] = None  # "python" | "javascript" | "typescript"
    entry: Optional[Path] = None  # handler file
    root: Optional[Path] = None  # the function's code folder: imports are followed inside it
    function_name: str = ""
    inline_text: Optional[str] = None
    inline_name: str = ""  # a file name to show for inline code
    reason: str = ""  # set when there is nothing to analyse
    escapes: bool = False  # the template names a code folder outside its repository

    @property
    def found(self) -> bool:
        return self.entry is not None or self.inline_text is not None


def _language_of(runtime: Any) -> Optional[str]:
    if isinstance(runtime, str):
        if runtime.startswith("python"):
            return "python"
        if runtime.startswith("nodejs"):
            return "javascript"
    return None


def _split_handler(handler: Any) -> Optional[Tuple[str, str]]:
    """`src/handlers/app.handler` -> ("src/handlers/app", "handler")."""
    if not isinstance(handler, str) or "." not in handler:
        return None
    module, _, function_name = handler.rpartition(".")
    return module, function_name


def repository_root(start: Path) -> Path:
    """The folder holding `.git` above `start`, else `start` itself: code folders a template
    names must stay inside it."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def _resolved(path: Path, cache: Dict[str, Path]) -> Path:
    """`path.resolve()`, once per path and template: hundreds of functions share a folder."""
    key = str(path)
    if key not in cache:
        cache[key] = path.resolve()
    return cache[key]


def _inside(path: Path, root: Path, cache: Dict[str, Path]) -> bool:
    try:
        _resolved(path, cache).relative_to(_resolved(root, cache))
        return True
    except ValueError:
        return False


def _find_entry(folder: Path, module: str, language: Optional[str]) -> Optional[Path]:
    candidates: List[Path] = []
    if language in (None, "python"):
        python_module = module if "/" in module else module.replace(".", "/")
        candidates += [folder / (python_module + s) for s in PYTHON_SUFFIXES]
    if language in (None, "javascript", "typescript"):
        candidates += [folder / (module + s) for s in JS_SUFFIXES]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def _language_of_file(path: Path) -> str:
    if path.suffix == ".py":
        return "python"
    if path.suffix in (".ts", ".mts", ".cts"):
        return "typescript"
    return "javascript"


def _inline_text(node: Any, resolver: Resolver) -> Optional[str]:
    if isinstance(node, str):
        return str(node)
    alternatives = resolver.value(node)
    return str(alternatives[0]) if alternatives else None


def locate_code(model: Model, function: Function, paths: Optional[Dict[str, Path]] = None) -> CodeSource:
    """The handler source of one function (never raises; a reason when not found). `paths`
    caches resolved folders across the functions of one template."""
    try:
        return _locate(model, function, {} if paths is None else paths)
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, a loop of symlinks
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return CodeSource(reason=f"code folder cannot be read ({reason})")


def _locate(model: Model, function: Function, paths: Dict[str, Path]) -> CodeSource:
    props: Dict[str, Any] = function.properties
    language = _language_of(props.get("Runtime"))
    handler = _split_handler(props.get("Handler"))
    if props.get("PackageType") == "Image" or "ImageUri" in props:
        return CodeSource(reason="container image")
    inline = props.get("InlineCode")
    code = props.get("Code")
    if inline is None and isinstance(code, dict) and "ZipFile" in code:
        inline = code["ZipFile"]
    if inline is not None:
        text = _inline_text(inline, model.resolver)
        if text is None or handler is None:
            return CodeSource(reason="inline code that cannot be read")
        inline_language = language or "javascript"
        suffix = ".py" if inline_language == "python" else ".js"
        return CodeSource(language=inline_language, function_name=handler[1], inline_text=text,
                          inline_name=f"{function.id} inline code ({handler[0]}{suffix})")
    if handler is None:
        return CodeSource(reason="no Handler")
    template_dir = Path(model.file_of(function.id)).parent
    folder = _code_folder(model, function, code, template_dir)
    if isinstance(folder, str):
        return CodeSource(reason=folder)
    resolved_dir = _resolved(template_dir, paths)
    root_key = "repository root of " + str(resolved_dir)
    if root_key not in paths:
        paths[root_key] = repository_root(resolved_dir)
    boundary = paths[root_key]
    if not _inside(folder, boundary, paths):
        return CodeSource(
            reason=f"code folder {folder} is outside the repository {boundary}: not read",
            escapes=True,
        )
    entry = _find_entry(folder, handler[0], language)
    if entry is None:
        return CodeSource(reason=f"handler file for {props.get('Handler')} not found in {folder}")
    return CodeSource(language=_language_of_file(entry), entry=entry, root=folder,
                      function_name=handler[1])


def _code_folder(model: Model, function: Function, code: Any, template_dir: Path):
    """The code folder as a Path, or a string saying why there is none."""
    resource = model.data.get("Resources", {}).get(function.id, {})
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    asset = metadata.get("aws:asset:path") if isinstance(metadata, dict) else None
    if isinstance(asset, str):
        folder = template_dir / asset
        return folder if folder.is_dir() else f"CDK asset {asset} not found next to the template"
    location = function.properties.get("CodeUri") if "CodeUri" in function.properties else code
    if isinstance(location, dict):
        return "code in S3"
    if not isinstance(location, str):
        return "no CodeUri"
    if location.startswith("s3://"):
        return "code in S3"
    folder = Path(location) if os.path.isabs(location) else template_dir / location
    if folder.is_file():
        return f"code is an archive ({folder.name})"
    if not folder.is_dir():
        return f"code folder {location} not found"
    return folder
