"""A place in a file the scan read (a template, a state machine definition, handler code), as
data: the load stage knows where each node was written, and every later stage (a model's
task in a DefinitionUri file, a finding's steps) carries it on without turning it into text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Location:
    """A file and a line (and a column when known). Line 0: the file, line not known."""

    file: str
    line: int
    column: Optional[int] = None
