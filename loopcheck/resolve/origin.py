"""Which stack instance a node belongs to, when several linked templates are analysed together
(loopcheck.stacks.linker).

One template keys its nodes by their logical ids (plain `str`). A linked group keys them by
`NodeKey(stack, logical_id)`: two templates may write the same logical id, and one template
nested twice is two stack instances, so a logical id alone does not say which node it is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class NodeKey:
    """A node of a linked group: its stack instance's number and its logical id as written."""

    stack: int
    logical_id: str
