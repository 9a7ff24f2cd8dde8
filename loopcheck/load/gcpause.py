"""Pause Python's cyclic garbage collector around work that only builds acyclic data."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator, List


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
# Scale (issue 16): when gc_paused ends, the collector's youngest generation holds every
# object allocated while it was paused, so the first collection after a template is read
# walks the whole decoded tree and frees nothing (0.05 s at 5,000 resources, 0.2 s at
# 20,000: benchmarks/README.md, "Scale"). Freezing the tree once it is built moves it out of
# the collector's generations (an O(1) list move) until the template's analysis ends;
# reference counting still frees it.
_froze: List[bool] = [False]  # whether loopcheck froze what is frozen now (not its host)


def freeze_loaded() -> None:
    """Keep every object alive now (the template just decoded) out of cyclic collections
    until `thaw_loaded`: the decoded values are acyclic, so no collection would free them.
    Left alone when a host process (the cfn-lint plugin's) froze objects of its own."""
    if _froze[0] or gc.get_freeze_count() == 0:
        gc.freeze()
        _froze[0] = True


def thaw_loaded() -> None:
    """Give what `freeze_loaded` froze back to the collector's oldest generation (an O(1) list
    move), at the end of a template's analysis: a cycle frozen with it is collected again
    later, and a young collection still never walks it."""
    if _froze[0]:
        gc.unfreeze()
        _froze[0] = False
