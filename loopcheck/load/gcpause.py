"""Pause Python's cyclic garbage collector around work that only builds acyclic data."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one template is read and analysed.

    Reading a template allocates one object per YAML node and the analysis keeps them all
    alive, so every collection the allocations trigger walks the whole, growing tree and
    frees nothing: on a 5,000-resource template that is more than half the time. The decoded
    values are acyclic (reference counting frees them); whatever cycles the analysis makes
    are collected when the collector resumes, as soon as the template is done, except
    what a step that makes many cycles frees itself with `collect_young` (handler analysis).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def collect_young() -> None:
    """Free the reference cycles made since the last collection, while the collector is paused.

    Handler analysis makes cycles (syntax trees, scopes) that are garbage as soon as one
    handler's facts are built; left to the end of a paused template, 200 long handlers hold
    about a gigabyte. A youngest-generation collection looks only at objects made since the
    previous one, so after each handler it costs about what that handler allocated, never
    a rescan of the whole live template (the survivors move to an older generation). With
    the collector running it has nothing to do that the collector does not do itself.
    """
    if not gc.isenabled():
        gc.collect(0)
