"""What is certain of a transformed key, as a glob (loopcheck.resolve.globs tokens: characters
and STAR).

loopcheck.code.evidence turns a key expression into the glob of every key it can be; this
module does the string transforms on such globs (replace, slice, stem, base name). Each
answer covers every key the transform can give: text is kept only where no key matching the
glob can change it, and becomes STAR where it may.
"""

from __future__ import annotations

import posixpath
from typing import List, Optional

from loopcheck.resolve.globs import STAR, Tokens


def segments(toks: Tokens) -> List[str]:
    """The literal runs between the STARs: one more than there are STARs (empty runs kept, so
    the first run is the key's known start and the last its known end)."""
    runs = [""]
    for tok in toks:
        if tok is STAR:
            runs.append("")
        else:
            runs[-1] += str(tok)
    return runs


def from_segments(runs: List[str]) -> Tokens:
    """The glob of literal runs joined by STARs (adjacent STARs merged)."""
    out: List[object] = []
    for index, run in enumerate(runs):
        if index and not (out and out[-1] is STAR):
            out.append(STAR)
        out.extend(run)
    return tuple(out)


def known_length(toks: Tokens) -> int:
    """The length of the shortest key matching the glob (every STAR empty)."""
    return sum(1 for tok in toks if tok is not STAR)


# -- replace -----------------------------------------------------------------------------------


def has_border(text: str) -> bool:
    """Whether two occurrences of `text` can overlap (a proper prefix is also a suffix)."""
    return any(text[:size] == text[-size:] for size in range(1, len(text)))


def _touched(run: str, old: str, open_left: bool, open_right: bool,
             skip_at: Optional[int] = None) -> List[bool]:
    """Which characters of a literal run some occurrence of `old` can cover, in any key the
    glob matches: inside the run, or reaching into it across an unknown part on either side
    (`open_left` / `open_right`); `skip_at` leaves out the occurrence starting there."""
    size = len(old)
    marks = [False] * len(run)

    def mark(start: int, end: int) -> None:
        for index in range(max(start, 0), min(end, len(run))):
            marks[index] = True

    for at in range(len(run) - size + 1):
        if at != skip_at and run.startswith(old, at):
            mark(at, at + size)
    for reach in range(1, min(size - 1, len(run)) + 1):
        if open_left and run[:reach] == old[-reach:]:
            mark(0, reach)
        if open_right and run[-reach:] == old[:reach]:
            mark(len(run) - reach, len(run))
    if open_left and open_right and run and old.find(run, 1, size - 1) != -1:
        mark(0, len(run))  # the whole run inside one occurrence
    return marks


def _kept(run: str, marks: List[bool]) -> List[str]:
    """The run with each stretch of marked characters made unknown: its literal pieces."""
    pieces = [""]
    for char, marked in zip(run, marks):
        if marked:
            if pieces[-1] or len(pieces) == 1:
                pieces.append("")
        else:
            pieces[-1] += char
    return pieces


def _join(parts: List[List[str]]) -> Tokens:
    """Runs given as their literal pieces: unknown text between pieces and between runs."""
    return from_segments([piece for pieces in parts for piece in pieces])


def _common_suffix(first: str, second: str) -> str:
    size = 0
    while size < min(len(first), len(second)) and first[-1 - size] == second[-1 - size]:
        size += 1
    return first[len(first) - size:]


def replace(toks: Tokens, old: str, new: str, first_only: bool) -> Tokens:
    """The key after replacing `old` with `new`: every occurrence (Python str.replace, JS
    replaceAll) or only the first (`first_only`: JS String.replace with a string, Python
    count=1). Left-to-right, without overlaps, as both languages do."""
    if not old:  # an empty pattern matches at the start (and, replacing all, between characters)
        runs = segments(toks)
        if len(runs) == 1:
            return tuple(runs[0].replace(old, new, 1 if first_only else -1))
        return tuple(new) + toks if first_only else (STAR,)
    # In the known start the first occurrence is certain (none can start earlier): replace
    # it, then go on after it (all occurrences) or keep the rest (the first only).
    done = ""
    while True:
        runs = segments(toks)
        at = runs[0].find(old)
        if at == -1 or len(runs) == 1:
            break
        done += runs[0][:at] + new
        toks = toks[at + len(old):]
        if first_only:
            return tuple(done) + toks
    if len(runs) == 1:
        return tuple(done + runs[0].replace(old, new, 1 if first_only else -1))
    parts: List[List[str]] = []
    last = len(runs) - 1
    for index, run in enumerate(runs[:last]):
        parts.append(_kept(run, _touched(run, old, index > 0, True)))
    parts.append(_replace_end(runs[last], old, new, first_only))
    return tuple(done) + _join(parts)


def _replace_end(run: str, old: str, new: str, first_only: bool) -> List[str]:
    """The literal pieces of the key's known end after the replace, an unknown part before it."""
    ends_with_old = len(run) >= len(old) and run.endswith(old)
    if not ends_with_old:
        return _kept(run, _touched(run, old, True, False))
    final = len(run) - len(old)
    before = run[:final]
    if not first_only:
        if has_border(old):  # an earlier occurrence may overlap the last one and swallow it
            return _kept(run, _touched(run, old, True, False))
        pieces = _kept(before, _touched(before, old, True, False))
        pieces[-1] += new
        return pieces
    # Only the first occurrence changes: either it is the final one (the run ends with
    # before + new), or an earlier one (the run after the last character it can reach is kept).
    marks = _touched(run, old, True, False, skip_at=final)
    reach = max((index + 1 for index, marked in enumerate(marks) if marked), default=0)
    return ["", _common_suffix(before + new, run[reach:])]


# -- slices, stems, base names ------------------------------------------------------------------


def slice_of(toks: Tokens, start: int, end: Optional[int]) -> Tokens:
    """key[start:end] (Python slice positions: negative ones count from the end)."""
    runs = segments(toks)
    if len(runs) == 1:
        return tuple(runs[0][start:end])
    head, tail, shortest = runs[0], runs[-1], known_length(toks)
    kept_head = ""
    if start >= 0:
        if end is not None and 0 <= end <= len(head):
            return tuple(head[start:end])  # within the known start: exact
        if end is None or end >= 0:
            head_end = len(head)
        else:  # the end cut can reach into the known start of a short key
            head_end = min(len(head), shortest + end)
        kept_head = head[start:head_end] if start < head_end else ""
    kept_tail = ""
    if end is None:
        if start < 0 and len(tail) >= -start:
            return tuple(tail[start:])  # within the known end: exact
        # a short key's slice can start inside the known end: keep what every slice keeps
        room = len(tail) if start < 0 else max(0, shortest - start)
        kept_tail = tail[len(tail) - min(len(tail), room):]
    elif end < 0 and len(tail) > -end and 0 <= start <= shortest - len(tail):
        kept_tail = tail[:end]
    return tuple(kept_head) + (STAR,) + tuple(kept_tail)


def stem_of(toks: Tokens) -> Tokens:
    """The key without its extension (os.path.splitext / path.parse: the last dot of the last
    path segment, unless the segment starts with it)."""
    runs = segments(toks)
    if len(runs) == 1:
        return tuple(posixpath.splitext(runs[0])[0])
    head, tail = runs[0], runs[-1]
    folder, slash, name = head.rpartition("/")
    kept_head = folder + slash + name.split(".", 1)[0]  # a dot in the last segment may start the extension
    dot = tail.rfind(".")
    kept_tail = ""
    if dot != -1 and "/" not in tail[dot:]:
        named = tail[:dot].rsplit("/", 1)[-1]
        if named.strip("."):  # a name before the dot: the dot is the extension's (or a later one is)
            kept_tail = tail[:dot]
    return tuple(kept_head) + (STAR,) + tuple(kept_tail)


def basename_of(toks: Tokens) -> Tokens:
    """The key's last path segment."""
    runs = segments(toks)
    tail = runs[-1]
    if len(runs) == 1 or "/" in tail:
        return tuple(tail.rsplit("/", 1)[-1])
    return (STAR,) + tuple(tail)
