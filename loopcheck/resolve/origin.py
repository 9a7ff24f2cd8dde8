"""Where a key of a template combined from several stacks comes from (loopcheck.stacks.combine).

A combined template holds the logical ids, parameters and per-stack pseudo parameters of every
stack instance of a linked group under internal keys. `Origin` says what such a key stands for:
the stack instance it belongs to, the file that instance was read from, and the name as that
file wrote it. Every stage that names, places or tells apart a key of a combined template reads
it through its Origin, never from the key's text. A single template has no origins.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    """A key of a combined template: its stack instance, its file, its name as written."""

    stack: int
    file: str
    name: str
