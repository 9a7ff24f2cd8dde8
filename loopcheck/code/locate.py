"""Where a function's handler code is: a file under its code folder, inline text, or nowhere
loopcheck can read (an S3 object, an image without its build context, a zip, another
language), with a short reason.

SAM: `CodeUri` (Globals merged) + `Handler`; no `CodeUri` means the template's own folder, as
`sam build` does; `InlineCode`; `Metadata.BuildMethod: esbuild` with its `EntryPoints`;
`PackageType: Image` with `Metadata.DockerContext` (+ `Dockerfile`), the handler from
`ImageConfig.Command` or the Dockerfile's `CMD` and its file from the `COPY`/`ADD` lines.
CloudFormation: `Code.ZipFile` (string, or `Fn::Join`/`Fn::Sub` of lines), or a local `Code`
path left for `aws cloudformation package`. CDK: `Metadata: aws:asset:path`, relative to the
template in `cdk.out`. Built JavaScript (`dist/`, present or not) is traced back to the sources
its source map or tsconfig.json names (loopcheck.code.build_sources), and those are read.
Nothing outside the repository that holds the template is read.

Reasons when nothing is found: `not found at <path>`, `container image without a build
context (Metadata.DockerContext)`, `code in S3`, `unsupported language <runtime>`, a code
folder outside the repository, `could not be parsed (<file>:<line>)`, an archive loopcheck does
not read (`code archive <path> not read: <why>`, loopcheck.code.archives).

A local .zip (`CodeUri: fn.zip`, `Code: fn.zip`, Terraform `filename`) of a Python or Node.js
function is read: the handler's member is found in its listing here, and the code stage
analyses a private copy of it. A function whose package the template gives exactly (see
loopcheck.code.exact_package) and lacks its handler module cannot start: `cannot_start`.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from loopcheck.code import exact_package, locate_go
from loopcheck.knowledge.handler_files import BUILT_SUFFIXES, JS_SUFFIXES, PYTHON_SUFFIXES
from loopcheck.load.localfiles import inside, read_text, repository_root, resolved
from loopcheck.model.resources import SAM_FUNCTION, Function, Model
from loopcheck.resolve.props import literal_list, literal_str, mapping
from loopcheck.resolve.values import Resolver

__all__ = ["CodeSource", "locate_code", "problem_reason", "repository_root"]

@dataclass
class CodeSource:
    """What to analyse for one function, or why nothing can be."""

    language: Optional[str] = None  # "python" | "javascript" | "typescript" | "java" | "go" | "csharp"
    entry: Optional[Path] = None  # handler file
    root: Optional[Path] = None  # the function's code folder: imports are followed inside it
    function_name: str = ""
    inline_text: Optional[str] = None
    inline_name: str = ""  # a file name to show for inline code
    reason: str = ""  # set when there is nothing to analyse
    escapes: bool = False  # the template names a code folder outside its repository
    archive: Optional[Path] = None  # a local .zip holding the code; `member` is the handler's file in it
    member: str = ""
    shown: str = ""  # the archive as messages name it (`fn/process.zip`)
    cannot_start: bool = False  # its exact package lacks the handler module (`reason` says which)

    @property
    def found(self) -> bool:
        return self.entry is not None or self.inline_text is not None or self.archive is not None


def _language_of(runtime: Any) -> Optional[str]:
    if isinstance(runtime, str):
        if runtime.startswith("python"):
            return "python"
        if runtime.startswith("nodejs"):
            return "javascript"
        if runtime.startswith("java"):
            return "java"
        if runtime.startswith("dotnet"):
            return "csharp"
    return None


def _split_handler(handler: Any) -> Optional[Tuple[str, str]]:
    """`src/handlers/app.handler` -> ("src/handlers/app", "handler")."""
    if not isinstance(handler, str) or "." not in handler:
        return None
    module, _, function_name = handler.rpartition(".")
    return module, function_name


def _inside(path: Path, root: Path, cache: Dict[str, Any]) -> bool:
    return inside(path, root, cache)


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
    except (OSError, ValueError, RuntimeError) as exc:  # a name too long, a NUL byte, a loop of symlinks
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return CodeSource(reason=f"code folder cannot be read ({reason})")


_SYNTAX_ERROR = re.compile(r"^(.+?):(\d+): syntax error\b")


def problem_reason(problem: str) -> str:
    """An analyser's problem as a short reason: `app.py:3: syntax error: ...` becomes
    `could not be parsed (app.py:3)`; any other problem is kept as it is."""
    match = _SYNTAX_ERROR.match(problem)
    return f"could not be parsed ({match.group(1)}:{match.group(2)})" if match else problem


IMAGE_WITHOUT_CONTEXT = "container image without a build context (Metadata.DockerContext)"
CODE_IN_S3 = "code in S3"


def _shown(path: Path) -> str:
    """A path as the messages show it: relative to where the template was named from."""
    return os.path.normpath(str(path))


def _metadata(model: Model, function: Function) -> Dict[str, Any]:
    resource = model.raw(function.id) or {}
    return mapping(mapping(resource).get("Metadata"))


def _boundary(template_dir: Path, paths: Dict[str, Any]) -> Path:
    resolved_dir = resolved(template_dir, paths)
    root_key = "repository root of " + str(resolved_dir)
    if root_key not in paths:
        paths[root_key] = repository_root(resolved_dir)
    return paths[root_key]


def _outside(folder: Path, boundary: Path) -> CodeSource:
    return CodeSource(reason=f"code folder {folder} is outside the repository {boundary}: not read",
                      escapes=True)


def _locate(model: Model, function: Function, paths: Dict[str, Any]) -> CodeSource:
    props: Dict[str, Any] = function.properties
    runtime = props.get("Runtime")
    language = _language_of(runtime)
    handler = _split_handler(props.get("Handler"))
    code = props.get("Code")
    template_dir = Path(model.file_of(function.id)).parent
    metadata = _metadata(model, function)
    image_uri = "ImageUri" in props or isinstance(code, dict) and "ImageUri" in code
    if props.get("PackageType") == "Image" or image_uri:
        return _image(function, metadata, template_dir, paths)
    if language == "csharp":
        return _csharp(function, code, metadata, template_dir, paths)
    inline = props.get("InlineCode")
    if inline is None and isinstance(code, dict) and "ZipFile" in code:
        inline = code["ZipFile"]
    if inline is not None:
        text = _inline_text(inline, model.resolver_of(function.id))
        if text is None or handler is None:
            return CodeSource(reason="inline code that cannot be read")
        if language == "java":  # Lambda takes inline code for Python and Node.js only
            return CodeSource(reason=f"unsupported language {runtime}")
        inline_language = language or "javascript"
        suffix = ".py" if inline_language == "python" else ".js"
        return CodeSource(language=inline_language, function_name=handler[1], inline_text=text,
                          inline_name=f"{model.display(function.id)} inline code ({handler[0]}{suffix})")
    if locate_go.is_go(runtime, metadata):
        return _go(function, code, metadata, template_dir, paths)
    if isinstance(runtime, str) and language is None:
        return CodeSource(reason=f"unsupported language {runtime}")
    if language == "java":
        return _java(function, code, metadata, template_dir, paths)
    if handler is None:
        return CodeSource(reason="no Handler")
    folder = _code_location(function, code, metadata, template_dir)
    if isinstance(folder, str):
        return CodeSource(reason=folder)
    boundary = _boundary(template_dir, paths)
    if not _inside(folder, boundary, paths):
        return _outside(folder, boundary)
    module, function_name = handler
    if folder.is_file():
        return _archive(folder, module, function_name, language)
    package = exact_package.package_of(metadata, template_dir)
    if (package is not None and not props.get("Layers") and _inside(package, boundary, paths)
            and exact_package.lacks_module(package, module, language)):  # a layer may hold a Python handler
        return CodeSource(reason=f"handler module {module} is not in the package built from {_shown(package)}, "
                                 "so the function cannot start as written", cannot_start=True)
    entry: Optional[Path] = None
    if not folder.is_dir():
        source, source_root, _ = (_from_build(folder / (module + ".js"), boundary, paths)
                                  if language != "python" else (None, None, ""))
        if source is None or source_root is None:
            return CodeSource(reason=f"not found at {_shown(folder)}")
        return CodeSource(language=_language_of_file(source), entry=source, root=source_root,
                          function_name=function_name)
    if metadata.get("BuildMethod") == "esbuild":
        found = _esbuild_entry(folder, module, metadata)
        if isinstance(found, str):
            return CodeSource(reason=found)
        entry = found
    if entry is None:
        entry = _find_entry(folder, module, language)
    root = folder
    note = ""
    if entry is None or entry.suffix in BUILT_SUFFIXES:
        built = entry if entry is not None else folder / (module + ".js")
        source, source_root, note = _from_build(built, boundary, paths)
        if source is not None and source_root is not None:
            entry, root = source, source_root
    if entry is None:
        suffix = ".py" if language == "python" else ".js" if language else ".*"
        shown = module.replace(".", "/") if language == "python" and "/" not in module else module
        return CodeSource(reason=f"not found at {_shown(folder / (shown + suffix))}{note}")
    if not _inside(entry, boundary, paths):
        return _outside(entry, boundary)
    return CodeSource(language=_language_of_file(entry), entry=entry, root=root, function_name=function_name)


def _go(function: Function, code: Any, metadata: Dict[str, Any], template_dir: Path,
        paths: Dict[str, Any]) -> CodeSource:
    """A Go function: package main of its code folder (loopcheck.code.locate_go)."""
    folder = _code_folder(function, code, metadata, template_dir)
    if isinstance(folder, str):
        return CodeSource(reason=folder)
    boundary = _boundary(template_dir, paths)
    if not _inside(folder, boundary, paths):
        return _outside(folder, boundary)
    found = locate_go.main_file(folder, boundary)
    if isinstance(found, str):
        return CodeSource(reason=found)
    entry, root = found
    handler = function.properties.get("Handler")
    name = handler if isinstance(handler, str) else ""  # the binary's name: go_facts finds the handler
    return CodeSource(language="go", entry=entry, root=root, function_name=name)


def _csharp(function: Function, code: Any, metadata: Dict[str, Any], template_dir: Path,
            paths: Dict[str, Any]) -> CodeSource:
    """A .NET function: the project folder, and the .cs file its Handler names (locate_csharp)."""
    from loopcheck.code import locate_csharp  # imported here: most templates have no .NET function

    folder = _code_folder(function, code, metadata, template_dir)
    if isinstance(folder, str) or not folder.is_dir():
        return CodeSource(reason=folder if isinstance(folder, str) else f"not found at {_shown(folder)}")
    boundary = _boundary(template_dir, paths)
    if not _inside(folder, boundary, paths):
        return _outside(folder, boundary)
    found = locate_csharp.find_entry(folder, function.properties.get("Handler"))
    if isinstance(found, str):
        return CodeSource(reason=found)
    return CodeSource(language="csharp", entry=found[0], root=folder, function_name=found[1])


def _code_folder(function: Function, code: Any, metadata: Dict[str, Any], template_dir: Path):
    """The code folder as a Path, or a string saying why there is none (an archive, for the
    languages whose archives are not read)."""
    folder = _code_location(function, code, metadata, template_dir)
    if isinstance(folder, Path) and folder.is_file():
        if isinstance(metadata.get("aws:asset:path"), str):
            return f"not found at {_shown(folder)} (CDK asset)"
        return f"code is an archive ({folder.name})"
    return folder


def _code_location(function: Function, code: Any, metadata: Dict[str, Any], template_dir: Path):
    """The code folder, or the archive file, as a Path; or a string saying why there is none."""
    asset = metadata.get("aws:asset:path")
    if isinstance(asset, str):
        folder = template_dir / asset
        if folder.is_dir() or folder.is_file() and folder.suffix.lower() == ".zip":
            return folder
        return f"not found at {_shown(folder)} (CDK asset)"
    if "CodeUri" not in function.properties and function.type == SAM_FUNCTION:
        return template_dir  # `sam build` builds a function without CodeUri from the template's folder
    location = function.properties.get("CodeUri") if "CodeUri" in function.properties else code
    if isinstance(location, dict):
        return CODE_IN_S3
    if not isinstance(location, str):
        return "no Code"
    if location.startswith("s3://"):
        return CODE_IN_S3
    if "://" in location:
        return f"not found at {location}"
    folder = Path(location) if os.path.isabs(location) else template_dir / location
    return folder  # it may be missing: a build output folder, found from its sources below


def _archive(archive: Path, module: str, function_name: str, language: Optional[str]) -> CodeSource:
    """A Python or Node.js handler in a local .zip: its member, found in the listing (the code
    stage extracts and reads it), or why not."""
    from loopcheck.code import archives  # imported here: most code is a folder, and zipfile costs start-up

    shown = _shown(archive)
    if not archives.is_archive(archive):
        return CodeSource(reason=f"code is an archive ({archive.name})")
    try:
        files = set(archives.list_files(archive))
    except archives.ArchiveError as error:
        return CodeSource(reason=archives.reason(shown, error))
    python_module = module if "/" in module else module.replace(".", "/")
    candidates: List[str] = []
    if language in (None, "python"):
        candidates += [python_module + s for s in PYTHON_SUFFIXES]
    if language in (None, "javascript", "typescript"):
        candidates += [module + s for s in JS_SUFFIXES]
    for candidate in candidates:
        member = posixpath.normpath(candidate)
        if member in files:
            return CodeSource(language=_language_of_file(Path(member)), archive=archive, member=member,
                              shown=shown, function_name=function_name)
    suffix = ".py" if language == "python" else ".js" if language else ".*"
    shown_module = python_module if language == "python" else module
    return CodeSource(reason=f"not found at {shown}/{shown_module}{suffix}")


def _java(function: Function, code: Any, metadata: Dict[str, Any], template_dir: Path,
          paths: Dict[str, Any]) -> CodeSource:
    """A Java function: its handler class under the project's source folder (loopcheck.code.locate_java)."""
    from loopcheck.code import locate_java

    handler = locate_java.split_handler(function.properties.get("Handler"))
    if handler is None:
        return CodeSource(reason="no Handler")
    folder = _code_folder(function, code, metadata, template_dir)
    if isinstance(folder, str) and not folder.startswith("code is an archive"):
        return CodeSource(reason=folder)
    location = function.properties.get("CodeUri", code)
    given = folder if isinstance(folder, Path) else template_dir / str(location)
    project = locate_java.project_folder(given)
    boundary = _boundary(template_dir, paths)
    if not _inside(project, boundary, paths):
        return _outside(project, boundary)
    entry, shown = locate_java.find_entry(project, handler[0])
    if entry is None:
        return CodeSource(reason=f"not found at {_shown(shown)}")
    if not _inside(entry, boundary, paths):
        return _outside(entry, boundary)
    return CodeSource(language="java", entry=entry, root=project, function_name=f"{handler[0]}::{handler[1]}")


def _esbuild_entry(folder: Path, module: str, metadata: Dict[str, Any]):
    """`BuildMethod: esbuild`: the entry point (relative to CodeUri) the handler's module is
    built from (same path, same name, or the only one); None when EntryPoints names none;
    a reason when the one it names is missing."""
    points = [p for p in literal_list(mapping(metadata.get("BuildProperties")).get("EntryPoints"))
              if literal_str(p)]
    if not points:
        return None

    def stem(text: str) -> str:
        return os.path.splitext(os.path.normpath(text))[0]

    chosen = (next((p for p in points if stem(p) == os.path.normpath(module)), None)
              or next((p for p in points if os.path.basename(stem(p)) == os.path.basename(module)), None)
              or (points[0] if len(points) == 1 else None))
    if chosen is None:
        return f"not found at {_shown(folder / module)} (no esbuild EntryPoints entry for it)"
    entry = folder / chosen
    return entry if entry.is_file() else f"not found at {_shown(entry)}"


def _from_build(built: Path, boundary: Path, paths: Dict[str, Any]
                ) -> Tuple[Optional[Path], Optional[Path], str]:
    """(source, its root, a note for a not-found reason) for a built JavaScript file, which
    may not exist: its source map first, then the tsconfig.json whose outDir holds it."""
    key = "built from " + str(built)
    if key not in paths:  # hundreds of functions may share one handler file
        paths[key] = _built_from(built, boundary, paths)
    return paths[key]


def _built_from(built: Path, boundary: Path, paths: Dict[str, Any]
                ) -> Tuple[Optional[Path], Optional[Path], str]:
    # Imported here: most handlers are not build outputs, and start-up pays for every module.
    from loopcheck.code import build_sources

    if built.is_file():
        source, sources = build_sources.sources_by_map(built, boundary)
        if source is not None:
            return source, build_sources.common_folder(sources) or source.parent, ""
    tsconfig = build_sources.find_tsconfig(built.parent, boundary, paths)
    if tsconfig is None:
        return None, None, ""
    if tsconfig.out_dir is None:
        return None, None, f" ({_shown(tsconfig.path)} has no outDir)"
    source = build_sources.source_by_tsconfig(built, tsconfig)
    if source is None or not _inside(source, boundary, paths):
        return None, None, ""
    return source, tsconfig.root_dir, ""


def _image(function: Function, metadata: Dict[str, Any], template_dir: Path,
           paths: Dict[str, Any]) -> CodeSource:
    """A container image function: the handler from ImageConfig.Command or the Dockerfile's
    CMD, its file from the Dockerfile's COPY/ADD lines, inside Metadata.DockerContext (SAM)
    or aws:asset:path (CDK)."""
    from loopcheck.code import build_sources  # imported here: images are rare (see _built_from)

    context_text = metadata.get("DockerContext", metadata.get("aws:asset:path"))
    if not isinstance(context_text, str):
        return CodeSource(reason=IMAGE_WITHOUT_CONTEXT)
    context = template_dir / context_text
    boundary = _boundary(template_dir, paths)
    if not _inside(context, boundary, paths):
        return _outside(context, boundary)
    if not context.is_dir():
        return CodeSource(reason=f"not found at {_shown(context)} (Metadata.DockerContext)")
    name = metadata.get("Dockerfile", metadata.get("aws:asset:dockerfile-path", "Dockerfile"))
    dockerfile_path = context / (name if isinstance(name, str) else "Dockerfile")
    if not _inside(dockerfile_path, boundary, paths):
        return _outside(dockerfile_path, boundary)
    text = read_text(dockerfile_path, boundary)
    if text is None:
        return CodeSource(reason=f"not found at {_shown(dockerfile_path)}")
    dockerfile = build_sources.parse_dockerfile(text, _shown(dockerfile_path))
    runtime = build_sources.base_runtime(dockerfile)
    if runtime is not None and _language_of(runtime) not in ("python", "javascript"):  # other images: not read
        return CodeSource(reason=f"unsupported language {runtime}")
    image_config = mapping(function.properties.get("ImageConfig"))
    command = image_config.get("Command")
    if literal_str(command) is not None:
        command = [command]
    overridden = bool(literal_list(command)) and all(literal_str(w) is not None for w in command)
    words = command if overridden else dockerfile.cmd
    handler = _split_handler(build_sources.handler_of_command(words))
    if handler is None:
        return CodeSource(reason=dockerfile.problem or f"no handler in the CMD of {_shown(dockerfile_path)}")
    module, function_name = handler
    task_roots = []
    working = image_config.get("WorkingDirectory")
    for task_root in (literal_str(working),
                      dockerfile.final.workdir if dockerfile.final else None, build_sources.LAMBDA_TASK_ROOT):
        if task_root and task_root not in task_roots:
            task_roots.append(task_root)
    built: List[Path] = []
    looked: List[Path] = []
    for task_root in task_roots:
        for suffix in PYTHON_SUFFIXES + JS_SUFFIXES:
            relative = module.replace(".", "/") if suffix == ".py" and "/" not in module else module
            image_path = posixpath.normpath(posixpath.join(task_root, relative + suffix))
            for candidate in build_sources.image_sources(dockerfile, image_path, context):
                if not _inside(candidate, boundary, paths):
                    continue
                looked.append(candidate)
                if candidate.is_file():
                    return CodeSource(language=_language_of_file(candidate), entry=candidate,
                                      root=_module_root(candidate, relative), function_name=function_name)
                if suffix in BUILT_SUFFIXES and candidate not in built:
                    built.append(candidate)
    for candidate in built:  # a build step in the image makes it: find what it is built from
        source, source_root, _ = _from_build(candidate, boundary, paths)
        if source is not None and source_root is not None:
            return CodeSource(language=_language_of_file(source), entry=source, root=source_root,
                              function_name=function_name)
    if dockerfile.problem:
        return CodeSource(reason=dockerfile.problem)
    if looked:
        return CodeSource(reason=f"not found at {_shown(looked[0])}")
    return CodeSource(reason=f"not found at {_shown(dockerfile_path)} (no COPY or ADD brings {module})")


def _module_root(entry: Path, relative_module: str) -> Path:
    """The folder the handler's module path starts from (`src/pkg/app.py` for `pkg/app`:
    `src`), which is where its own imports are found."""
    depth = len([p for p in relative_module.split("/") if p not in ("", ".")])
    folder = entry.parent
    for _ in range(depth - 1):
        folder = folder.parent
    return folder
