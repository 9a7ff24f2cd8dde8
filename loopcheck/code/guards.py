"""What a check before a write guards against, decided once for every handler language.

Each language finds the checks that dominate a write in its own syntax and says which values
each check reads and, for a test of the incoming key, which (operation, literal) pairs it
makes; this module turns that into facts.Guard kinds and key_test values.
"""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence, Tuple

from loopcheck.code.keys import KeyOperation

# A check reading several kinds of value counts as the first kind it reads, in this order.
GUARD_KIND_ORDER = ("metadata", "key", "event-name", "source")
GUARD_TEXT_LIMIT = 80  # characters of a check's text kept for messages

# facts.Guard.key_test: (operation, literal, exits_when_true)
KeyTest = Tuple[str, str, bool]

_SOURCE_FIELDS = {("source",), ("detail-type",)}  # EventBridge event.source / detail-type


def event_field_kind(path: Sequence[str]) -> Optional[str]:
    """The guard kind of a check reading the event field at `path` ("event-name": a record's
    eventName, S3 or DynamoDB stream; "source": an EventBridge source or detail-type)."""
    if path[-1:] == ("eventName",):
        return "event-name"
    if tuple(path) in _SOURCE_FIELDS:
        return "source"
    return None


def first_kind(kinds: Iterable[str]) -> Optional[str]:
    """The kind a check reading values of all these kinds counts as."""
    found = set(kinds)
    return next((kind for kind in GUARD_KIND_ORDER if kind in found), None)


def key_tests(alternatives: Sequence[KeyOperation], passes: bool) -> List[Optional[KeyTest]]:
    """facts.Guard.key_test values for a check that the incoming key passes any of the
    (operation, literal) `alternatives`; `passes` says whether it does where the write runs.

    A key that passes none where the write runs: each alternative exits when it holds. A key
    that passes the one alternative: the write runs only then. A key that passes one of
    several: nothing literal is known (None)."""
    if not passes:
        return [(operation, text, True) for operation, text in alternatives]
    if len(alternatives) == 1:
        return [(alternatives[0][0], alternatives[0][1], False)]
    return [None]


def shorten(text: str, limit: int = GUARD_TEXT_LIMIT) -> str:
    """A check's text as messages show it: cut at `limit` characters with "..."."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
