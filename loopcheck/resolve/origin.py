"""Which stack instance a node belongs to, when several linked templates are analysed together
(loopcheck.stacks.link).

One template keys its nodes by their logical ids (plain `str`). A linked group keys them by
`NodeKey(stack, logical_id)`: two templates may write the same logical id, and one template
nested twice is two stack instances, so a logical id alone does not say which node it is.
`Origin` is what a key of the older combined template stood for (loopcheck.stacks.combine).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    """A key of a combined template: its stack instance, its file, its name as written."""

    stack: int
    file: str
    name: str


@dataclass(frozen=True, order=True)
class NodeKey:
    """A node of a linked group: its stack instance's number and its logical id as written."""

    stack: int
    logical_id: str
