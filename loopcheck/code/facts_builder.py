"""Collecting one function's CodeFacts while an analyser runs, the same for every language:
the files read (and the work budget they bring), the problems, the limits that cut the analysis
short, and the writes -- one per call site, slot, bound and target, merged when several walks reach
the site with the same.

Why one place: what "not analysed", "incomplete" and "out of budget" mean must not depend on
the language the handler is written in (loopcheck.code.evidence and the verdicts read them the
same way for all).
"""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence, Tuple

from loopcheck.code.budget import Budget, OutOfBudget
from loopcheck.code.facts import AnyText, CodeFacts, Target, Write


def too_deeply_nested(display: str) -> str:
    return f"{display}: code nested too deeply to analyse"


def not_analysed(language: str, problem: str, files: Sequence[str] = ()) -> CodeFacts:
    """Facts of code that could not be analysed at all (missing, too large, no parser)."""
    return CodeFacts(language, files=list(files), problems=[problem], analysed=False)


def merge_write(first: Write, second: Write) -> Write:
    """One call site reached from several callers: keep what they agree on."""
    target = first.target if first.target == second.target else Target("unknown", "differs between callers")
    key = first.key if first.key == second.key else AnyText("differs between callers")
    guards = tuple(guard for guard in first.guards if guard in second.guards)
    details = {name: value for name, value in first.details.items() if second.details.get(name) == value}
    bound = first.bound if first.bound == second.bound else None
    # A marker counts as set only when every caller's write sets it (a marker guard then holds).
    marks = tuple(mark for mark in first.marks if mark in second.marks)
    marks_unknown = first.marks_unknown or second.marks_unknown
    if not marks_unknown and set(first.marks) != set(second.marks):
        marks_unknown = "the marks differ between callers"
    item = first.item if first.item == second.item else ()
    mark_values = tuple(pair for pair in first.mark_values if pair in second.mark_values)
    return Write(first.service, first.api, target, first.file, first.line, first.column, key, guards, details,
                 marks=marks, bound=bound, marks_unknown=marks_unknown, item=item,
                 mark_values=mark_values)


class FactsBuilder:
    """What an analysis found so far; `facts()` turns it into CodeFacts."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.files: List[str] = []  # entry first, then in the order they were read
        self.problems: List[str] = []
        self.notes: List[str] = []  # limits that cut the analysis short (see CodeFacts.notes)
        self.analysed = True  # False: nothing trustworthy; permissions decide
        self.complete = True  # False once some code or call was not analysed: a missing write proves nothing
        self.budget = Budget()  # grows with every file read
        self._writes: Dict[Tuple[object, ...], Write] = {}

    def read_file(self, display: str, size: int) -> None:
        """A file joins the analysis: it is listed, and its share joins the budget."""
        self.files.append(display)
        self.budget.add_file(size)

    def parsed(self, size: int) -> None:
        """A file of `size` bytes or characters was parsed: parsing is work too (and the clock is read)."""
        self.budget.tick(size // 8)

    def problem(self, text: str) -> None:
        """Something not understood; the analysis goes on."""
        if text not in self.problems:
            self.problems.append(text)

    def fail(self, problem: str) -> None:
        """Something that makes the whole analysis untrustworthy (a syntax error, a file not
        read that was needed)."""
        self.problems.append(problem)
        self.analysed = False

    def unfollowed(self, text: str) -> None:
        """Code that was not read or a call not analysed: what it writes is unknown, so a
        missing write proves nothing."""
        self.problem(text)
        self.complete = False
        if text not in self.notes:
            self.notes.append(text)

    def incomplete(self, problem: str) -> None:
        """A call that could not be analysed (an SDK method chosen at run time), no note."""
        self.problem(problem)
        self.complete = False

    def out_of_budget(self, display: str) -> None:
        """The budget ran out while analysing `display`: the note leads the problems."""
        note = self.budget.note(display)
        self.problems.insert(0, note)
        self.analysed = False
        self.complete = False
        self.notes.append(note)

    def run(self, entry: str, analysis: Callable[[], None]) -> CodeFacts:
        """Run `analysis` (reading, parsing, evaluating into this builder), then the facts. It
        never raises for bad code: a budget used up, or code nested deeper than the evaluator's
        stack, makes the facts not analysed. `entry` names the entry file for the problem."""
        try:
            analysis()
        except OutOfBudget:
            self.out_of_budget(self.files[0] if self.files else entry)
        except RecursionError:
            self.fail(too_deeply_nested(entry))
        return self.facts()

    def write(self, write: Write, slot: int = 0) -> None:
        """A write at a call site; `slot` tells apart the writes of one call (a batch)."""
        # Callers that bound the write and callers that do not stay apart: the judge weighs each.
        # So do callers that name different targets (a helper sending to the queue or, past the
        # limit, to a dead-letter queue): one write per known target, not one to "unknown".
        target = write.target if write.target.kind != "unknown" else None
        ident = (write.file, write.line, write.column, write.service, write.api, slot, write.bound, target)
        found = self._writes.get(ident)
        self._writes[ident] = write if found is None else merge_write(found, write)

    def facts(self) -> CodeFacts:
        """The facts, writes in file order, then line and column (a write of facts not
        analysed is never used: they stay for debugging)."""
        order = {name: index for index, name in enumerate(self.files)}
        writes = sorted(self._writes.values(), key=lambda w: (order.get(w.file, len(order)), w.line, w.column))
        return CodeFacts(self.language, list(self.files), writes, list(self.problems), self.analysed,
                         complete=self.complete, notes=list(self.notes), work_units=self.budget.used)
