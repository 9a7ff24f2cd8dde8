"""The neutral view of a value handed to an SDK call, whatever language computed it.

Each language's evaluator wraps its own abstract values in a `Value` subclass; the request
readers (loopcheck.code.requests, loopcheck.code.item_change) see only this view, so what a
request means is decided once for every language. The base class knows nothing: every
question gets "unknown", and a language overrides what its values can answer.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from loopcheck.code.facts import AnyText, KeyExpr, Target

UNKNOWN_CHANGE = ("", "")  # item_change.UNKNOWN with no reason


class Value:
    """One value as an SDK request reader sees it."""

    def why(self) -> str:
        """Why the value is not known better, for messages ("" when it is known)."""
        return ""

    def literal(self) -> Optional[str]:
        """The text of a literal string, else None."""
        return None

    def target(self) -> Target:
        """The value as the name of a bucket, queue, topic, table, ..."""
        return Target("unknown", self.why() or "not resolved")

    def key(self) -> KeyExpr:
        """The value as an S3 object key."""
        return AnyText(self.why())

    def change(self) -> Tuple[str, str]:
        """(item_change verdict, why) of the value written into a DynamoDB item."""
        return UNKNOWN_CHANGE

    def is_record(self) -> bool:
        """Whether the value is a dict / object literal whose fields can be read."""
        return False

    def field(self, name: str) -> Optional[Value]:
        """A record's field; None when it is certainly absent, a value saying why when it may
        be there but cannot be read."""
        return None

    def field_names(self) -> Optional[List[Value]]:
        """A record's keys, in order; None when they are not all known."""
        return None

    def items(self) -> Optional[List[Value]]:
        """A list's items; a list of unknown length built from one pattern gives that one
        item; None when not known."""
        return None

    def serialised(self) -> Optional[Value]:
        """The value this JSON text was made from (json.dumps(x), JSON.stringify(x)), else None."""
        return None

    def is_message(self) -> bool:
        """Whether the value is the incoming message (its body, parsed or not, an EventBridge
        detail or a whole invoke payload), possibly with fields set on it (then field_names
        gives those fields)."""
        return False

    def first(self) -> Optional[Value]:
        """The first item of a list, None when there is none to read."""
        found = self.items()
        return found[0] if found else None


class Request:
    """The parameters of one SDK call."""

    def arg(self, name: str) -> Optional[Value]:
        """The parameter `name`; None when the call certainly does not pass it."""
        return None

    def missing(self, names: Tuple[str, ...]) -> str:
        """Why a value is unknown when none of `names` is passed (the language's wording)."""
        return f"no {' or '.join(names)} given"
