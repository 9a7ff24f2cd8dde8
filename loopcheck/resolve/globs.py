"""Glob patterns over resolved values: IAM wildcards (`*`, `?`) next to symbolic parts.

A pattern becomes a tuple of tokens: single characters, `Symbol`s (equal only to the same
symbol) and the wildcards STAR and ONE. Two questions are asked of them: can some string
match both (`intersects`), and does one match every string the other does (`covers`,
a sufficient check that never claims coverage it cannot show).
"""

from __future__ import annotations

from functools import lru_cache
from typing import List, Tuple

from loopcheck.resolve.values import Pattern


class _Wildcard:
    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


STAR = _Wildcard("*")
ONE = _Wildcard("?")

Tokens = Tuple[object, ...]


@lru_cache(maxsize=8192)
def tokens(pattern: Pattern, wildcards: bool) -> Tokens:
    """Tokens of a pattern; with `wildcards`, literal `*` and `?` match anything (IAM)."""
    out: List[object] = []
    for part in pattern.parts:
        if isinstance(part, str):
            for char in part:
                if wildcards and char == "*":
                    if not (out and out[-1] is STAR):
                        out.append(STAR)
                elif wildcards and char == "?":
                    out.append(ONE)
                else:
                    out.append(char)
        else:
            out.append(part)
    return tuple(out)


def _single_match(a: object, b: object) -> bool:
    if a is ONE:
        return isinstance(b, str) or b is ONE
    if b is ONE:
        return isinstance(a, str)
    return a == b


def intersects(a: Tokens, b: Tokens) -> bool:
    """Whether one string can match both patterns."""
    seen = set()
    stack = [(0, 0)]
    len_a, len_b = len(a), len(b)
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        i, j = state
        if i == len_a and j == len_b:
            return True
        if i < len_a and a[i] is STAR:
            stack.append((i + 1, j))
            if j < len_b:
                stack.append((i, j + 1))
        if j < len_b and b[j] is STAR:
            stack.append((i, j + 1))
            if i < len_a:
                stack.append((i + 1, j))
        if (
            i < len_a and j < len_b and a[i] is not STAR and b[j] is not STAR
            and _single_match(a[i], b[j])
        ):
            stack.append((i + 1, j + 1))
    return False


def covers(general: Tokens, specific: Tokens) -> bool:
    """Whether every string matched by `specific` is matched by `general`."""
    seen = set()
    stack = [(0, 0)]
    len_g, len_s = len(general), len(specific)
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        i, j = state
        if i == len_g and j == len_s:
            return True
        if i < len_g and general[i] is STAR:
            stack.append((i + 1, j))
            if j < len_s:
                stack.append((i, j + 1))
        elif i < len_g and j < len_s and specific[j] is not STAR:
            g, s = general[i], specific[j]
            if (g is ONE and (isinstance(s, str) or s is ONE)) or (g is not ONE and g == s):
                stack.append((i + 1, j + 1))
    return False


def literal_prefix(toks: Tokens) -> str:
    """The plain characters a pattern starts with, up to its first wildcard or symbol."""
    out = []
    for tok in toks:
        if not isinstance(tok, str):
            break
        out.append(tok)
    return "".join(out)
