"""A state machine's `DefinitionUri` (AWS::Serverless::StateMachine): the Amazon States
Language file next to the template, read as JSON or YAML with positions kept, so its tasks
are read like an inline `Definition` and each task can say where it is written.

Only a local file inside the repository that holds the template is read; an S3 location,
a missing file or one that cannot be parsed leaves the definition unknown, with the reason.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

from loopcheck.load.localfiles import inside, read_text, repository_root
from loopcheck.load.location import Location
from loopcheck.load.nodes import mark_of
from loopcheck.load.yaml_values import Builder, NestingTooDeep, TemplateLoader


@dataclass
class DefinitionFile:
    definition: Any  # the decoded definition ({} when unknown)
    shown: str = ""  # the file as messages show it (relative to where the template was named)
    why_unknown: str = ""  # set when the definition could not be read

    def where(self, node: Any) -> Location:
        """Where a node of the definition was written (line 0: the file alone)."""
        mark = mark_of(node)
        return Location(self.shown, mark[0] if mark else 0)


def read_definition(template_file: str, uri: Any) -> DefinitionFile:
    """The definition `uri` names, relative to the template's folder."""
    if isinstance(uri, dict) or isinstance(uri, str) and uri.startswith("s3://"):
        return DefinitionFile({}, why_unknown="definition in an S3 location")
    if not isinstance(uri, str) or not uri:
        return DefinitionFile({}, why_unknown="DefinitionUri is not a file name")
    template_dir = Path(template_file).parent
    path = Path(uri) if os.path.isabs(uri) else template_dir / uri
    shown = os.path.normpath(str(path))
    try:
        boundary = repository_root(template_dir.resolve())
        if not inside(path, boundary):
            return DefinitionFile({}, shown, f"definition file {shown} is outside the repository: not read")
        text = read_text(path, boundary)
    except (OSError, ValueError, RuntimeError):
        text = None
    if text is None:
        return DefinitionFile({}, shown, f"not found at {shown}")
    loader = TemplateLoader(text)
    try:
        data = Builder(loader).build()
    except (yaml.YAMLError, NestingTooDeep, RecursionError) as exc:
        data = _plain_json(text)
        if data is None:
            return DefinitionFile({}, shown, f"could not be parsed ({shown}:{_line_of(exc)})")
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return DefinitionFile({}, shown, f"could not be parsed ({shown}:1)")
    return DefinitionFile(data, shown)


def _plain_json(text: str) -> Optional[Any]:
    """JSON that YAML rejects (tabs): decoded without positions."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _line_of(exc: BaseException) -> int:
    line = getattr(exc, "line", None)
    if isinstance(line, int):
        return line
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else 1
