"""Where a function's sources are when the template names what a build makes of them: a
container image (its Dockerfile's `CMD` and `COPY`/`ADD` lines), or built JavaScript (a
`tsconfig.json` whose `outDir` holds it, or a source map next to it).

Everything here is read as text: no Dockerfile instruction is run, no build is made, no
configuration is evaluated. A file that cannot be read is "not there".
"""

from __future__ import annotations

import fnmatch
import json
import os
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from loopcheck.knowledge.handler_files import BUILT_SUFFIXES, TS_SOURCE_SUFFIXES
from loopcheck.load.localfiles import inside, read_text

LAMBDA_TASK_ROOT = "/var/task"  # the Lambda base images' working folder and $LAMBDA_TASK_ROOT
_BUILD_FOLDERS = ("dist", "build", "out", "lib", ".aws-sam", ".esbuild", ".build")


# -- Dockerfiles ---------------------------------------------------------------------------


@dataclass
class _Copy:
    sources: List[str]  # as written, variables expanded
    dest: str  # absolute path in the image
    dest_is_folder: bool
    stage: Optional[int] = None  # COPY --from=<stage>: the stage index; None: the build context


@dataclass
class _Stage:
    name: str
    workdir: str
    image: str = ""  # the FROM image (of the first stage in a FROM-stage chain)
    copies: List[_Copy] = field(default_factory=list)
    cmd: Optional[List[str]] = None
    cmd_line: int = 0


@dataclass
class Dockerfile:
    """What loopcheck reads of a Dockerfile: its stages' COPY/ADD lines and the last CMD."""

    stages: List[_Stage]
    problem: str = ""  # "could not be parsed (<file>:<line>)" when a line could not be read

    @property
    def final(self) -> Optional[_Stage]:
        return self.stages[-1] if self.stages else None

    @property
    def cmd(self) -> Optional[List[str]]:
        """The final stage's CMD (inherited from the stage it was built FROM)."""
        return self.final.cmd if self.final else None


def _logical_lines(text: str) -> List[Tuple[int, str]]:
    """(first line number, instruction) with continuations joined and comments dropped."""
    out: List[Tuple[int, str]] = []
    pending: List[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        out.append((start, " ".join(p for p in pending if p)))
        pending = []
    if pending:
        out.append((start, " ".join(p for p in pending if p)))
    return out


_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))")


def _expand(text: str, variables: Dict[str, str]) -> str:
    """`$NAME` / `${NAME}` from ENV/ARG lines seen so far; unknown ones stay as written."""
    return _VARIABLE.sub(lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), text)


def _words(arguments: str) -> Optional[List[str]]:
    """An instruction's arguments: the exec (JSON array) form, else shell-like words."""
    if arguments.startswith("["):
        try:
            value = json.loads(arguments)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    try:
        return shlex.split(arguments, posix=True)
    except ValueError:
        return None


def _key_values(arguments: str) -> Dict[str, str]:
    """ENV/ARG: `K=V K2=V2`, or the legacy `ENV K V` form; `ARG K` with no default is skipped."""
    words = _words(arguments) or []
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])} if len(words) > 1 else {}
    return dict(w.split("=", 1) for w in words if "=" in w)


def parse_dockerfile(text: str, display: str) -> Dockerfile:
    """The stages, COPY/ADD lines and CMD of a Dockerfile's text (`display` names it in the
    problem, if any). A line that cannot be split into words leaves that line out."""
    stages: List[_Stage] = []
    variables: Dict[str, str] = {"LAMBDA_TASK_ROOT": LAMBDA_TASK_ROOT}
    problem = ""
    for line, instruction in _logical_lines(text):
        keyword, _, arguments = instruction.partition(" ")
        keyword, arguments = keyword.upper(), arguments.strip()
        if keyword == "FROM":
            words = (_words(arguments) or [""])
            words = [w for w in words if not w.startswith("--")]
            image = _expand(words[0], variables) if words else ""
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else str(len(stages))
            parent = next((s for s in stages if s.name == image), None)
            if parent is not None:  # FROM an earlier stage: its files and CMD come along
                stage = _Stage(name, parent.workdir, parent.image, list(parent.copies), parent.cmd,
                               parent.cmd_line)
            else:
                workdir = LAMBDA_TASK_ROOT if "lambda" in image.lower() else "/"
                stage = _Stage(name, workdir, image)
            stages.append(stage)
            continue
        if not stages:
            if keyword == "ARG":
                variables.update(_key_values(arguments))
            continue  # ARG before FROM, parser directives
        stage = stages[-1]
        if keyword in ("ENV", "ARG"):
            variables.update({k: _expand(v, variables) for k, v in _key_values(arguments).items()})
        elif keyword == "WORKDIR":
            stage.workdir = posixpath.normpath(posixpath.join(stage.workdir, _expand(arguments, variables)))
        elif keyword in ("COPY", "ADD"):
            words = _words(arguments)
            if words is None:
                problem = problem or f"could not be parsed ({display}:{line})"
                continue
            copy = _copy(words, stage, stages, variables)
            if copy is not None:
                stage.copies.append(copy)
        elif keyword == "CMD":
            words = _words(arguments)
            if words is None:
                problem = problem or f"could not be parsed ({display}:{line})"
                continue
            stage.cmd, stage.cmd_line = words, line
    return Dockerfile(stages, problem)


def _copy(words: List[str], stage: _Stage, stages: List[_Stage], variables: Dict[str, str]) -> Optional[_Copy]:
    source_stage: Optional[int] = None
    plain: List[str] = []
    for word in words:
        if word.startswith("--"):
            option, _, value = word[2:].partition("=")
            if option == "from":
                index = next((i for i, s in enumerate(stages) if s.name == value), None)
                if index is None or index == len(stages) - 1:
                    return None  # an outside image: nothing from the build context
                source_stage = index
            continue
        plain.append(_expand(word, variables))
    if len(plain) < 2:
        return None
    *sources, dest_text = plain
    sources = [s for s in sources if "://" not in s]  # ADD <url>: not from the context
    if not sources:
        return None
    dest = posixpath.normpath(posixpath.join(stage.workdir, dest_text))
    folder = dest_text.endswith("/") or dest_text in (".", "./") or len(sources) > 1
    return _Copy(sources, dest, folder, source_stage)


def image_sources(dockerfile: Dockerfile, image_path: str, context: Path,
                  stage_index: Optional[int] = None, depth: int = 0) -> List[Path]:
    """Where in the build context the file the image holds at `image_path` comes from, as
    the COPY/ADD lines say (latest line first; the files may not exist: a build step may make
    them). COPY --from another stage is followed into that stage's own copies."""
    if depth > 8:
        return []
    stages = dockerfile.stages
    stage = stages[-1 if stage_index is None else stage_index] if stages else None
    if stage is None:
        return []
    found: List[Path] = []
    for copy in reversed(stage.copies):
        for source in copy.sources:
            relative = _copied_from(copy, source, image_path, context)
            if relative is None:
                continue
            if copy.stage is None:
                path = context / relative if relative not in ("", ".") else context
                if path not in found:
                    found.append(path)
            else:
                inner = posixpath.normpath(posixpath.join("/", relative))
                found += [p for p in image_sources(dockerfile, inner, context, copy.stage, depth + 1)
                          if p not in found]
    if not found and depth > 0:  # inside a build stage: made by its build from copied sources
        relative = _beside_context_files(stage, image_path)
        if relative is not None:
            found.append(context / relative)
    return found


def _copied_from(copy: _Copy, source: str, image_path: str, context: Path) -> Optional[str]:
    """The source-side path that lands at `image_path` by this COPY of `source`, or None."""
    source = posixpath.normpath(source.lstrip("/") if copy.stage is None else source)
    dest = copy.dest
    if any(ch in source for ch in "*?["):  # a glob: matching files keep their names
        parent, pattern = posixpath.split(source)
        name = posixpath.basename(image_path)
        if posixpath.dirname(image_path) == dest and fnmatch.fnmatchcase(name, pattern):
            return posixpath.join(parent, name) if parent else name
        return None
    is_folder = source in (".", "") or (copy.stage is None and (context / source).is_dir())
    if copy.stage is not None and not is_folder:  # another stage's path: no suffix, a folder
        is_folder = not posixpath.splitext(source)[1]
    if is_folder:  # a folder's contents land in dest
        if image_path.startswith(dest.rstrip("/") + "/"):
            rest = image_path[len(dest.rstrip("/")) + 1:]
            return posixpath.join(source, rest) if source not in (".", "") else rest
        return None
    # `COPY app.py /var/task` puts app.py inside /var/task when that folder exists in the
    # image, which the Dockerfile alone does not say: take either reading
    landing = posixpath.join(dest, posixpath.basename(source))
    return source if image_path == landing or not copy.dest_is_folder and image_path == dest else None


def _beside_context_files(stage: _Stage, image_path: str) -> Optional[str]:
    """A path no COPY makes (a build step does) in a folder that holds files copied from
    the top of the build context (`WORKDIR /app`, `COPY package.json tsconfig.json ./`,
    `RUN npm run build` makes /app/dist/...): the same place in the context."""
    for copy in reversed(stage.copies):
        if copy.stage is not None or not copy.dest_is_folder:
            continue
        if not all("/" not in posixpath.normpath(s.lstrip("./") or ".") for s in copy.sources):
            continue
        if image_path.startswith(copy.dest.rstrip("/") + "/"):
            return image_path[len(copy.dest.rstrip("/")) + 1:]
    return None


_LAMBDA_BASE = re.compile(r"(?:^|/)(?:lambda/|aws-lambda-)([a-z]+)(?::([\w.-]+))?$")


def base_runtime(dockerfile: Dockerfile) -> Optional[str]:
    """The runtime an AWS Lambda base image of the final stage stands for
    (`public.ecr.aws/lambda/java:21` -> `java21`, `lambda/provided:al2023` -> `provided.al2023`);
    None for any other image."""
    image = dockerfile.final.image if dockerfile.final else ""
    match = _LAMBDA_BASE.search(image.split("@")[0])
    if match is None:
        return None
    name, tag = match.group(1), match.group(2) or ""
    tag = "" if tag == "latest" else tag
    return f"{name}.{tag}" if name == "provided" and tag else name + tag


def handler_of_command(words: Optional[List[str]]) -> Optional[str]:
    """The handler in a CMD / ImageConfig.Command: its last word of the form `module.function`
    (`["app.handler"]`, `["python", "-m", "awslambdaric", "app.handler"]`, `app.handler`)."""
    if not words:
        return None
    last = words[-1]
    if len(words) == 1 and " " in last.strip():  # shell form kept as one string
        last = last.split()[-1]
    return last if re.fullmatch(r"[\w./@-]+\.[\w$]+", last) else None


# -- built JavaScript ----------------------------------------------------------------------


def looks_built(folder: Path) -> bool:
    """A folder a build writes (`dist/`, `build/`, `.aws-sam/build/...`)."""
    return any(part in _BUILD_FOLDERS for part in folder.parts)


def _json_with_comments(text: str) -> Optional[object]:
    """tsconfig.json allows comments and trailing commas: drop them outside strings."""
    out: List[str] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == '"':
            end = index + 1
            while end < length and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[index:end + 1])
            index = end + 1
        elif text.startswith("//", index):
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
        elif text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = length if close < 0 else close + 2
        else:
            out.append(char)
            index += 1
    cleaned = re.sub(r",(\s*[}\]])", r"\1", "".join(out))
    try:
        return json.loads(cleaned)
    except ValueError:
        return None


@dataclass
class TsConfig:
    path: Path
    out_dir: Optional[Path]
    root_dir: Path


def find_tsconfig(start: Path, boundary: Path, cache: Dict[str, object]) -> Optional[TsConfig]:
    """The nearest tsconfig.json in `start` or a folder above it, up to `boundary`."""
    key = "tsconfig of " + str(start)
    if key in cache:
        return cache[key]  # type: ignore[return-value]
    found: Optional[TsConfig] = None
    absolute = start.resolve()
    for up, folder in enumerate((absolute, *absolute.parents)):
        if not inside(folder, boundary):
            break
        if (folder / "tsconfig.json").is_file():
            # spelled from `start` (`dist/..`), so the paths shown stay as the user gave them
            shown = Path(os.path.normpath(start.joinpath(*[".."] * up))) if up else start
            read_key = "tsconfig " + str(folder)
            if read_key not in cache:  # functions in many folders share one tsconfig
                cache[read_key] = _read_tsconfig(shown / "tsconfig.json", boundary)
            found = cache[read_key]  # type: ignore[assignment]
            break
    cache[key] = found
    return found


def _read_tsconfig(path: Path, boundary: Path) -> Optional[TsConfig]:
    text = read_text(path, boundary)
    data = _json_with_comments(text) if text is not None else None
    if not isinstance(data, dict):
        return None
    options = data.get("compilerOptions")
    options = options if isinstance(options, dict) else {}
    folder = path.parent
    out_dir = options.get("outDir")
    root_dir = options.get("rootDir")
    if not isinstance(root_dir, str):
        root_dir = _root_from_include(data.get("include"))
    out = folder / out_dir if isinstance(out_dir, str) else None
    if isinstance(root_dir, str):
        return TsConfig(path, out, folder / root_dir)
    return TsConfig(path, out, _common_source_folder(folder, out, data.get("files")))


_WALK_LIMIT = 20000  # folders and files looked at for tsc's default rootDir


def _common_source_folder(folder: Path, out_dir: Optional[Path], files: object) -> Path:
    """tsc's default rootDir: the deepest folder holding every input file (`files`, else the
    .ts files below the tsconfig, leaving out node_modules, the outDir and declarations)."""
    if isinstance(files, list) and files and all(isinstance(f, str) for f in files):
        found = [folder / f for f in files]
    else:
        found = []
        skip = {"node_modules", ".git"}
        out_resolved = out_dir.resolve() if out_dir is not None else None
        seen = 0
        for current, dirs, names in os.walk(folder):
            seen += len(dirs) + len(names)
            if seen > _WALK_LIMIT:
                return folder
            dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith(".")
                             and (out_resolved is None or (Path(current) / d).resolve() != out_resolved))
            found += [Path(current) / n for n in names
                      if n.endswith(TS_SOURCE_SUFFIXES) and not n.endswith(".d.ts")]
    common = common_folder(found)
    return common if common is not None else folder


def _root_from_include(include: object) -> Optional[str]:
    """No rootDir: the fixed start every `include` pattern shares (`src/**/*` -> `src`)."""
    if not isinstance(include, list) or not include:
        return None
    heads = set()
    for pattern in include:
        if not isinstance(pattern, str):
            return None
        fixed = []
        for part in pattern.split("/"):
            if any(ch in part for ch in "*?") or "." in part:
                break
            fixed.append(part)
        heads.add("/".join(fixed))
    return heads.pop() if len(heads) == 1 and "" not in heads else None


def source_by_tsconfig(built: Path, tsconfig: TsConfig) -> Optional[Path]:
    """The TypeScript source (it may not exist) of a built file (which may not exist either)
    under the tsconfig's outDir: rootDir + the same relative path, with a TypeScript suffix."""
    if tsconfig.out_dir is None:
        return None
    try:
        relative = built.resolve().relative_to(tsconfig.out_dir.resolve())
    except (ValueError, OSError, RuntimeError):
        return None
    stem = Path(os.path.normpath(tsconfig.root_dir / relative))
    stem = stem.with_suffix("") if stem.suffix in BUILT_SUFFIXES else stem
    for suffix in TS_SOURCE_SUFFIXES + BUILT_SUFFIXES:  # allowJs builds copy .js sources
        candidate = stem.with_name(stem.name + suffix)
        if candidate.is_file() and candidate.resolve() != built.resolve():
            return candidate
    return None


def sources_by_map(built: Path, boundary: Path) -> Tuple[Optional[Path], List[Path]]:
    """(the source a built file's source map names for it, every source it names) from
    `//# sourceMappingURL=` or `<file>.map` next to it. Sources outside `boundary`, under
    node_modules, or missing, are left out."""
    text = read_text(built, boundary)
    map_path = built.with_name(built.name + ".map")
    if text is not None:
        match = re.search(r"//[#@]\s*sourceMappingURL=(\S+)\s*$", text[-4096:])
        if match and not match.group(1).startswith("data:") and "://" not in match.group(1):
            map_path = built.parent / match.group(1)
    map_text = read_text(map_path, boundary)
    data = json.loads(map_text) if map_text is not None and _is_json(map_text) else None
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        return None, []
    root = data.get("sourceRoot") if isinstance(data.get("sourceRoot"), str) else ""
    sources: List[Path] = []
    for source in data["sources"]:
        if not isinstance(source, str) or "node_modules" in source:
            continue
        source = re.sub(r"^webpack://[^/]*/", "", source)
        if "://" in source or (root and "://" in root):
            continue
        path = Path(os.path.normpath(map_path.parent / root / source))
        if path.is_file() and inside(path, boundary) and path not in sources:
            sources.append(path)
    stem = built.name.split(".")[0]
    named = next((s for s in sources if s.name.split(".")[0] == stem), None)
    if named is None and len(sources) == 1:
        named = sources[0]
    return named, sources


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def common_folder(paths: List[Path]) -> Optional[Path]:
    """The deepest folder holding every path."""
    try:
        return Path(os.path.commonpath([os.path.normpath(p.parent) for p in paths])) if paths else None
    except ValueError:  # relative and absolute mixed
        return None
