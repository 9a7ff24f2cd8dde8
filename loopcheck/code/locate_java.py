"""Where a Java function's handler class is: `Handler: pkg.Class::method` (or `pkg.Class`, whose
handleRequest Lambda calls) is the file pkg/Class.java in the Maven / Gradle source folder
src/main/java under the code folder, or else directly under it.

A code folder that is a build output (`target/app.jar`, `build/distributions/app.zip`,
`build/libs/app.jar`, present or not) stands for the project that builds it: the folder holding
`target` / `build` is searched instead. Sources: the Lambda developer guide "Define Lambda
function handler in Java" (handler string) and "Deploy Java Lambda functions with .zip or JAR
file archives" (Gradle buildZip into build/distributions, Maven package into target).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import List, Optional, Tuple

from loopcheck.knowledge.handler_files import JAVA_SUFFIXES

SOURCE_FOLDERS = ("src/main/java", "")  # Maven and Gradle layout first, then the folder itself
BUILD_FOLDERS = ("target", "build")  # Maven, Gradle
ARCHIVE_SUFFIXES = (".jar", ".zip")
PROJECT_MARKERS = ("pom.xml", "build.gradle", "build.gradle.kts", "src/main/java")
DEFAULT_METHOD = "handleRequest"
MAX_SEARCHED = 5000  # folder entries looked at when a class is not at its package's path
PACKAGE_BYTES = 8192  # the package declaration comes first, after comments
_COMMENTS = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)\s*;", re.M)


def split_handler(handler: object) -> Optional[Tuple[str, str]]:
    """`com.example.App::handle` -> ("com.example.App", "handle"); `com.example.App` ->
    ("com.example.App", "handleRequest"); None when it names no class."""
    if not isinstance(handler, str) or not handler.strip():
        return None
    cls, _, method = handler.strip().partition("::")
    if not cls or not all(part.isidentifier() for part in cls.replace("$", ".").split(".")):
        return None
    return cls, method or DEFAULT_METHOD


def project_folder(folder: Path) -> Path:
    """The project a build output belongs to (`app/target/app.jar` -> `app`, when `app` holds a
    pom.xml, a Gradle build file or src/main/java); other folders as given (an archive: its folder)."""
    parts = folder.parts
    for index in range(len(parts) - 1, 0, -1):
        if parts[index] in BUILD_FOLDERS and (index < len(parts) - 1 or folder.suffix in ARCHIVE_SUFFIXES):
            project = Path(*parts[:index])
            if any((project / marker).exists() for marker in PROJECT_MARKERS):
                return project
    return folder.parent if folder.suffix in ARCHIVE_SUFFIXES else folder


def class_file(cls: str) -> str:
    """The source path of a class: `com.example.App` -> com/example/App.java (a nested class
    `Outer$Inner` lives in Outer's file)."""
    return cls.split("$", 1)[0].replace(".", "/") + JAVA_SUFFIXES[0]


def find_entry(folder: Path, cls: str) -> Tuple[Optional[Path], Path]:
    """(the handler class's file, or None; the path shown when it is not found). Where the file
    is not at its package's path, the source folder is searched for `Class.java` declaring that
    package: Maven and Gradle compile every file under src/main/java wherever it sits."""
    relative = class_file(cls)
    candidates = [folder / source / relative if source else folder / relative for source in SOURCE_FOLDERS]
    for candidate in candidates:
        if candidate.is_file():
            return candidate, candidate
    for source in SOURCE_FOLDERS:
        found = _search(folder / source if source else folder, cls)
        if found is not None:
            return found, found
    return None, candidates[0]


def _search(root: Path, cls: str) -> Optional[Path]:
    """The one file named like the class under root whose package declaration is the class's
    package (at most MAX_SEARCHED entries looked at; symlinks not followed)."""
    package, _, name = cls.split("$", 1)[0].rpartition(".")
    wanted = name + JAVA_SUFFIXES[0]
    seen = 0
    found: List[Path] = []
    for directory, folders, files in os.walk(root):
        seen += len(folders) + len(files)
        if seen > MAX_SEARCHED:
            return None
        folders[:] = sorted(folder for folder in folders if not folder.startswith("."))
        if wanted in files and _package_of(Path(directory) / wanted) == package:
            found.append(Path(directory) / wanted)
    return found[0] if len(found) == 1 else None


def _package_of(path: Path) -> Optional[str]:
    """The package a Java file declares ("" for none), read from its first bytes; None when unreadable."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(PACKAGE_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    match = _PACKAGE.search(_COMMENTS.sub(" ", head))
    return match.group(1) if match else ""
