"""What bounds a chain of re-sends, decided once for every handler language.

Each language finds, in its own syntax, the comparisons that dominate a write and reads their
sides as values: a field carried in the incoming message (a counter, possibly already
incremented), the time elapsed since a carried time, the clock, a literal limit or an
environment variable. It hands them here as `Side`s; `comparison_check` says whether the
comparison can bound a chain (a `Check`), and `bound_of` whether the write really carries the
bound on: a counter only when the write sends the value incremented, a deadline only when it
sends the carried time unchanged. A comparison without that is no bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Sequence, Tuple

from loopcheck.code.facts import Bound

# Calls that read the clock (Python qualified names; JS: `Date.now()` and `new Date()`).
# Source: the Python standard library's time and datetime modules; ECMAScript Date.
PYTHON_CLOCK_CALLS = frozenset({
    "time.time", "time.time_ns", "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
})
JS_CLOCK_CALLS = frozenset({"Date.now"})
# Seconds per unit of what each clock returns (time.time(): seconds; Date.now(): milliseconds).
PYTHON_CLOCK_SCALE = 1.0
JS_CLOCK_SCALE = 0.001


# The comparison operators, as each language's analyser names them, and their negation.
_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True)
class Side:
    """One side of a comparison, as the analyser read it.

    kind:
      "field"    a field carried in the incoming message (`field`), `step` already added to it:
                 a counter when compared with a number, a deadline when compared with the clock
      "elapsed"  the clock minus a time carried in the message (`field`), in `scale` seconds
      "clock"    the clock itself
      "number"   a literal number (`number`)
      "env"      an environment variable (`env`), a number the template may set
    """

    kind: str
    field: Tuple[str, ...] = ()
    step: int = 0
    scale: float = 1.0
    number: Optional[float] = None
    env: str = ""


@dataclass(frozen=True)
class Check:
    """A comparison that holds where a write runs and bounds the chain if the write carries
    its value on. limit: counter: the hops it allows; deadline: the seconds it allows."""

    kind: str  # "counter" | "deadline" | "state" (a status read at run time, compared with text)
    field: Tuple[str, ...]
    variable: str
    line: int
    text: str
    limit: Optional[float] = None
    limit_env: str = ""
    file: str = ""  # the file the comparison is in


def comparison_check(left: Side, op: str, right: Side, holds: bool, variable: str, line: int,
                     text: str, file: str) -> Optional[Check]:
    """The bound a comparison `left op right` gives code that runs when it is `holds`, or None.
    The carried value is put on the left; the write must run only while it is below its limit."""
    if op not in _NEGATED:
        return None
    if (left.kind in ("number", "env") or right.kind in ("elapsed", "clock")
            or right.kind == "field" and left.kind != "clock"):
        left, right, op = right, left, _FLIPPED[op]
    if not holds:
        op = _NEGATED[op]
    if op not in ("<", "<="):
        return None
    if left.kind == "clock" and right.kind == "field" and not right.step:  # now < a deadline carried
        return Check("deadline", right.field, variable, line, text, file=file)
    if right.kind not in ("number", "env"):
        return None
    if left.kind == "field":
        hops = None
        if right.number is not None:
            hops = max(0, math.floor(right.number) + (1 if op == "<=" else 0) - left.step)
        return Check("counter", left.field, variable, line, text, hops, right.env, file)
    if left.kind == "elapsed":
        # A timeout read from the environment counts in seconds only when the elapsed time does.
        seconds = right.number * left.scale if right.number is not None else None
        env = right.env if left.scale == 1.0 else ""
        return Check("deadline", left.field, variable, line, text, seconds, env, file)
    return None


def bound_of(checks: Iterable[Check], incremented: Sequence[Tuple[str, ...]],
             carried: Sequence[Tuple[str, ...]], delay: Optional[float], write_file: str) -> Optional[Bound]:
    """The bound of a write run under `checks` that sends the fields `incremented` (a counter
    plus something) and `carried` (a field, or a whole part of the message, unchanged), with
    `delay` seconds before it is delivered (SQS DelaySeconds), if known.

    A deadline's hop count is its time over the delay when both are known numbers."""
    for check in checks:
        file = check.file if check.file != write_file else ""
        if check.kind == "counter" and check.field in incremented:
            limit = int(check.limit) if check.limit is not None else None
            return Bound("counter", check.variable, check.line, check.text, limit, check.limit_env, file)
        if check.kind == "deadline" and any(check.field[: len(path)] == path for path in carried):
            hops = None
            if check.limit is not None and delay:
                hops = math.ceil(check.limit / delay)
            env = check.limit_env if delay else ""
            return Bound("deadline", check.variable, check.line, check.text, hops, env, file,
                         int(delay) if delay else None)
    return None


def fresh_start(absent: Iterable[Tuple[str, ...]], fresh: Dict[Tuple[str, ...], Optional[float]],
                counters: Iterable[Tuple[str, ...]]) -> bool:
    """Whether a message built afresh only starts a chain that the other branch re-sends with
    its counter incremented (`payload = {"meta": {"count": 1}, ...}` where the body has no
    "meta", else the body with meta.count + 1), so the pair counts as the incremented body.

    All paths are relative to the incoming message. `absent`: fields the branch test proves
    missing where the fresh message is built; `fresh`: the fields that message sets (a number
    when it is a literal one, else None); `counters`: the fields the other branch increments.
    The fresh message must set a field the test proves missing (so its own copy, received
    again, takes the other branch) and start a counter at a literal number of at least zero
    (the counter's limit then allows no more hops than it says)."""
    if not any(path in fresh for path in absent):
        return False
    starts = [fresh.get(path) for path in counters]
    return any(start is not None and start >= 0 for start in starts)
