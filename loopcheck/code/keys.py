"""S3 key expressions (loopcheck.code.facts.KeyExpr) and the tests handler code makes of a
key, worked out once for every handler language.

A language's evaluator builds key expressions with these helpers (joining parts, a file's
stem or base name) and turns the key tests it recognises in its own syntax (`startswith`,
`startsWith`, a regular expression, a glob) into the (operation, literal) pairs of
facts.Guard.key_test with `regex_test` / `glob_test`.
"""

from __future__ import annotations

import posixpath
from typing import Iterable, List, Optional, Sequence, Tuple

from loopcheck.code.facts import AnyText, Basename, Concat, IncomingKey, KeyExpr, Lit, Replace, Slice, Stem

# Literal characters plus parts in one key expression; beyond it the key is AnyText. It keeps
# `k = k + k` in a loop from growing without end, and is far above S3's 1,024-byte key limit.
MAX_KEY_SIZE = 2000
TOO_LONG = "a string too long to follow"

# A key test: (operation, literal), operation "startswith" | "endswith" | "contains".
KeyOperation = Tuple[str, str]

_REGEX_SPECIAL = ".^$*+?{}[]|()"


def concat(parts: Iterable[KeyExpr]) -> KeyExpr:
    """Join key parts: nested Concats flattened, adjacent literals merged, empty ones dropped;
    one part stands for itself."""
    flat: List[KeyExpr] = []
    for part in parts:
        for item in part.parts if isinstance(part, Concat) else (part,):
            if isinstance(item, Lit):
                if not item.text:
                    continue
                if flat and isinstance(flat[-1], Lit):
                    flat[-1] = Lit(flat[-1].text + item.text)
                    continue
            flat.append(item)
    if not flat:
        return Lit("")
    return bounded(flat[0] if len(flat) == 1 else Concat(tuple(flat)))


def separated(separator: str, parts: Sequence[KeyExpr]) -> KeyExpr:
    """The parts joined with `separator` between them (Python sep.join, JS array.join)."""
    joined: List[KeyExpr] = []
    for index, part in enumerate(parts):
        if index:
            joined.append(Lit(separator))
        joined.append(part)
    return concat(joined)


def size(expr: KeyExpr) -> int:
    """Literal characters plus parts."""
    if isinstance(expr, Lit):
        return 1 + len(expr.text)
    if isinstance(expr, Concat):
        return 1 + sum(size(part) for part in expr.parts)
    if isinstance(expr, (Replace, Stem, Basename, Slice)):
        return 1 + size(expr.source) + (len(expr.old) + len(expr.new) if isinstance(expr, Replace) else 0)
    return 1


def bounded(expr: KeyExpr) -> KeyExpr:
    """The expression, or AnyText when it is larger than MAX_KEY_SIZE."""
    return expr if size(expr) <= MAX_KEY_SIZE else AnyText(TOO_LONG)


def stem(expr: KeyExpr) -> KeyExpr:
    """The key without its extension (a literal's is worked out)."""
    return Lit(posixpath.splitext(expr.text)[0]) if isinstance(expr, Lit) else bounded(Stem(expr))


def basename(expr: KeyExpr) -> KeyExpr:
    """The key's last path segment (a literal's is worked out)."""
    return Lit(expr.text.rsplit("/", 1)[-1]) if isinstance(expr, Lit) else bounded(Basename(expr))


def sliced(expr: KeyExpr, start: int = 0, end: Optional[int] = None) -> KeyExpr:
    """Part of the key by character position (a literal's is worked out)."""
    if isinstance(expr, Lit):
        return Lit(expr.text[start:end])
    if start == 0 and end is None:
        return expr
    return bounded(Slice(expr, start, end))


def mentions_incoming(expr: object) -> bool:
    """Whether a key expression is built from the incoming object's key."""
    if isinstance(expr, IncomingKey):
        return True
    if isinstance(expr, Concat):
        return any(mentions_incoming(part) for part in expr.parts)
    if isinstance(expr, (Replace, Stem, Basename, Slice)):
        return mentions_incoming(expr.source)
    return False


# -- key tests -----------------------------------------------------------------------------------


def regex_literal(pattern: str) -> Optional[str]:
    """The text a regular expression matches when it is plain text (escaped punctuation
    allowed: `\\.`, `\\/`), else None; `\\d`, `\\w`, `\\b` ... are classes, not characters."""
    out: List[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if index + 1 < len(pattern) and not pattern[index + 1].isalnum():
                out.append(pattern[index + 1])
                index += 2
                continue
            return None
        if char in _REGEX_SPECIAL:
            return None
        out.append(char)
        index += 1
    return "".join(out) or None


def regex_test(
    pattern: str, anchored_start: bool = False, anchored_end: bool = False, ignore_case: bool = False
) -> Optional[KeyOperation]:
    """A regular expression tested against the key as (operation, literal) when it is one
    literal with `^` / `$` anchors and `.*` around it, else None.

    anchored_start / anchored_end: the function anchors the match itself (Python re.match at
    the start, re.fullmatch at both ends; a JS regex .test / match / search at neither). A
    case-insensitive pattern is no literal test."""
    if ignore_case:
        return None
    at_start, at_end = anchored_start, anchored_end
    if pattern.startswith("^"):
        pattern, at_start = pattern[1:], True
    if pattern.startswith(".*"):
        pattern, at_start = pattern[2:], False
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern, at_end = pattern[:-1], True
    if pattern.endswith(".*") and not pattern.endswith("\\.*"):
        pattern, at_end = pattern[:-2], False
    text = regex_literal(pattern)
    if text is None or (at_start and at_end):
        return None
    return ("startswith" if at_start else "endswith" if at_end else "contains", text)


def glob_test(pattern: str) -> Optional[KeyOperation]:
    """Glob patterns "lit*", "*lit", "*lit*" (Python fnmatch) as (operation, literal)."""
    core = pattern.strip("*")
    if not core or any(char in core for char in "*?[") or core == pattern:
        return None
    if pattern.startswith("*") and pattern.endswith("*"):
        return ("contains", core) if pattern == f"*{core}*" else None
    if pattern == f"{core}*":
        return ("startswith", core)
    return ("endswith", core) if pattern == f"*{core}" else None
