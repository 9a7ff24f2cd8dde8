"""The work allowance of one handler analysis: it grows with the code read, and running out
of it abandons the analysis (its facts become "not analysed": permissions decide).

Why: bundled handlers (esbuild, webpack, CDK NodejsFunction output) are megabytes of
minified code in one file. Each file read adds an allowance proportional to its size, so an
analysis that is linear in the code always fits, and one that is not (a shape nobody
foresaw) stops instead of taking minutes and gigabytes. Work units are counted
(deterministic: the same code always gets the same verdict); CPU time is a backstop for
work that units do not see, and reports which of the two ran out.
"""

from __future__ import annotations

import time
from typing import Optional

# Per file read: a fixed part (small handlers with deep helper chains) plus a part per byte.
# The JavaScript analysis of generated bundles spends about one unit per byte (a unit is a
# tree node walked, a value evaluated, a scope climbed, a statement interpreted), the Python
# one a few units per line; a 1 MB file gets 1 s CPU plus 1 s per MB, parsing included.
UNITS_PER_FILE = 200_000
MAX_FILE_BYTES = 1_000_000  # a larger source file is not read, in any language
UNITS_PER_BYTE = 2
SECONDS_PER_FILE = 1.0
SECONDS_PER_BYTE = 1.0 / 1_000_000
_CLOCK_EVERY = 4096  # units between two reads of the clock


class OutOfBudget(Exception):
    """The analysis used up its allowance; str() says which limit, for the note."""


class Budget:
    """Work units and CPU seconds left for one function's code, across the files it reads."""

    def __init__(self) -> None:
        self.units = 0  # allowance so far (grows as files are read)
        self.seconds = 0.0
        self.used = 0
        self.files = 0
        self._start = time.process_time()
        self._next_clock = _CLOCK_EVERY
        self.exceeded: Optional[str] = None  # the limit that ran out, once it did

    def add_file(self, size: int) -> None:
        """A file of `size` bytes joins the analysis: its share joins the allowance."""
        self.files += 1
        self.units += UNITS_PER_FILE + UNITS_PER_BYTE * size
        self.seconds += SECONDS_PER_FILE + SECONDS_PER_BYTE * size

    def tick(self, units: int = 1) -> None:
        """Spend units; raises OutOfBudget once the allowance (units or CPU time) is gone."""
        self.used += units
        if self.used > self.units:
            self._exceed(f"work budget of {self.units:,} units")
        if self.used >= self._next_clock:
            self._next_clock = self.used + _CLOCK_EVERY
            if time.process_time() - self._start > self.seconds:
                self._exceed(f"time budget of {self.seconds:.1f} s CPU")

    def _exceed(self, limit: str) -> None:
        self.exceeded = limit
        raise OutOfBudget(limit)

    def note(self, display: str) -> str:
        """The problem / note text once the budget ran out on file `display`."""
        size = "1 file" if self.files == 1 else f"{self.files} files"
        return (f"{display}: handler analysis stopped: {self.exceeded} for {size} used up; "
                "its writes are unknown, permissions decide")
