"""Where a Go function's handler is: the `package main` of its code folder whose main() hands
the handler to lambda.Start (loopcheck.code.go_facts finds the handler from there).

Go functions: `Runtime: go1.x`, or a `provided.*` runtime built by SAM with
`Metadata: BuildMethod: go1.x` (SAM runs `go build` in CodeUri; `Handler` names the binary,
usually `bootstrap`, so it says nothing about the source). A `provided.*` function without that
build method may be any language and stays unsupported. The code folder reaches up to the
go.mod of its module (inside the repository), so that the module's other packages can be read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Tuple, Union

GO_RUNTIME = "go1.x"
GO_BUILD_METHOD = "go1.x"
_MAX_GO_FILES = 200  # files looked at for package main in one folder


def is_go(runtime: Any, metadata: Dict[str, Any]) -> bool:
    """Whether a function's code is Go: the go1.x runtime, or provided.* built as Go."""
    if runtime == GO_RUNTIME:
        return True
    build = metadata.get("BuildMethod")
    provided = runtime is None or (isinstance(runtime, str) and runtime.startswith("provided"))
    return provided and isinstance(build, str) and build.lower() == GO_BUILD_METHOD


def main_file(folder: Path, boundary: Path) -> Union[Tuple[Path, Path], str]:
    """(the file of package main that calls lambda.Start -- or else holds func main --, the
    folder imports resolve in: the module's folder), or why there is none."""
    if not folder.is_dir():
        return f"not found at {folder}"
    candidates = sorted(p for p in folder.glob("*.go") if not p.name.endswith("_test.go"))[:_MAX_GO_FILES]
    mains = []
    for path in candidates:
        try:
            head = path.read_bytes()[:1_000_000]
        except OSError:
            continue
        if b"package main" not in head:
            continue
        mains.append((b"lambda.Start" not in head, b"func main(" not in head, path))
    if not mains:
        return f"not found at {folder / '*.go'} (no package main)"
    entry = min(mains)[2]
    return entry, _module_folder(folder, boundary)


def _module_folder(folder: Path, boundary: Path) -> Path:
    """The nearest folder up from `folder` (inside `boundary`) holding go.mod, else `folder`;
    spelled from `folder` as the template named it."""
    current = folder.resolve()
    top = boundary.resolve()
    for up in range(20):
        if (current / "go.mod").is_file():
            return Path(os.path.normpath(folder / "/".join([".."] * up))) if up else folder
        if current == top or current.parent == current or top not in current.parents:
            return folder
        current = current.parent
    return folder
