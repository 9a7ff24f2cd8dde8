"""Guards on what reaches a function, judged against what the hop before it sends: message
markers (skip input carrying a field or attribute the function sets on what it writes back)
and record selection (act only on stream or queue records the previous writer's output fails).

Both are checks in the function's code that dominate its write (facts.Guard "marker",
"record", "event-name" with a record_test); whether they stop the loop depends on the hop
that feeds the function: its write's marks (facts.Write.marks), the stream records its
DynamoDB write causes (event names, item key and attribute values, facts.Write.item), the
body field and message attribute values its SQS, SNS, EventBridge or Kinesis write sends
(facts.Write.mark_values) when that write reaches the function directly (through the queue,
topic, bus or Kinesis stream it writes, not wrapped in another service's envelope on the way).
"""

from __future__ import annotations

from typing import List, Optional

from loopcheck.code.evidence import SERVICE_KINDS
from loopcheck.code.facts import Guard, Lit, RecordTest, Write
from loopcheck.graph.event_graph import EventGraph
from loopcheck.judge.verdicts import GUARDED, POSSIBLE, Hop, Loop
from loopcheck.knowledge.event_paths import API_EVENT_NAMES

# Guard kinds judged here, not by the hop's own verdict.
MESSAGE_GUARD_KINDS = frozenset({"marker", "record"})
# Nodes a message write reaches whose records carry its body and attributes as sent (SQS, SNS,
# EventBridge detail, a Kinesis record's data), and nodes that would wrap a message passed on to them.
MESSAGE_KINDS = frozenset({"queue", "topic", "bus", "stream"})
ENVELOPE_KINDS = frozenset({"queue", "topic", "bus", "stream", "firehose", "statemachine", "function"})

_OPERATIONS = {
    "equals": lambda text, value: text == value,
    "startswith": str.startswith,
    "endswith": str.endswith,
    "contains": lambda text, value: value in text,
}
_OPERATION_TEXT = {"equals": "is", "startswith": "starts with", "endswith": "ends with", "contains": "contains"}
_NEGATED_TEXT = {"equals": "is not", "startswith": "does not start with", "endswith": "does not end with",
                 "contains": "does not contain"}


def judge_message_guards(graph: EventGraph, loop: Loop) -> None:
    """Each hop whose write runs behind a marker or record-selection check, judged against the
    write of the hop that feeds its writer."""
    hops = loop.hops
    for index, hop in enumerate(hops):
        if hop.write is None or hop.level < POSSIBLE or hop.dedupe:
            continue
        before = hops[index - 1]
        feeding = before.write.write if before.write is not None else None
        for guard in hop.write.write.guards:
            if guard.kind == "marker" and _marker(graph, hop, before, feeding, guard):
                break
            if guard.record_test is not None and _selection(graph, hop, before, feeding, guard):
                break


def _where(hop: Hop, guard: Guard) -> str:
    assert hop.write is not None
    return f"{guard.file or hop.write.write.file}:{guard.line}"


def _marker(graph: EventGraph, hop: Hop, before: Hop, feeding: Optional[Write], guard: Guard) -> bool:
    """Apply one marker check; True when it guards the hop."""
    model = graph.model
    writer, sender = model.display(hop.writer), model.display(before.writer)
    check = f"marker check ({_where(hop, guard)}: {guard.text})"
    if feeding is not None and guard.marker in feeding.marks:
        hop.level = GUARDED
        hop.guard = guard
        hop.why = (f"{check}: {writer} skips input carrying {guard.marker}, and {sender} sets "
                   f"{guard.marker} on what it sends ({feeding.file}:{feeding.line})")
        return True
    if feeding is None or feeding.marks_unknown:
        why = feeding.marks_unknown if feeding is not None else "its write is not read from code"
        hop.level = min(hop.level, POSSIBLE)
        hop.guard = guard
        hop.why = (f"{check} skips input carrying {guard.marker}, but nothing shows {sender} sets it on "
                   f"what it sends ({why})")
        return True
    note = (f"{check} is no guard: {sender}'s write ({feeding.file}:{feeding.line}) does not set "
            f"{guard.marker}")
    hop.why = f"{hop.why}; {note}" if hop.why else note
    return False


def _selection(graph: EventGraph, hop: Hop, before: Hop, feeding: Optional[Write], guard: Guard) -> bool:
    """Apply one record-selection check; True when the records the feeding write causes, or the
    message it sends, fail it (a check they pass is noted as no guard)."""
    test = guard.record_test
    if test is None or feeding is None:
        return False
    model = graph.model
    writer, sender = model.display(hop.writer), model.display(before.writer)
    sent = f"{sender}'s {feeding.api} ({feeding.file}:{feeding.line})"
    kind = SERVICE_KINDS.get(feeding.service)
    if kind == "table":
        values = _record_values(test, feeding)
        written = f"the records {sent} causes have {test.field}"
        what, passing = "records", "which pass it"
    elif kind in MESSAGE_KINDS and _direct(graph, before, kind):
        values = [text for mark, text in feeding.mark_values if mark == test.field]
        written = f"{sent} sends {test.field}"
        what = "records" if kind == "stream" else "messages"
        passing = "which passes it: the check lets its own output through"
    else:
        return False
    if not values:
        return False
    wanted = " or ".join(repr(value) for value in test.values)
    selection = f"{(_OPERATION_TEXT if test.selects else _NEGATED_TEXT)[test.operation]} {wanted}"
    check = f"record selection ({_where(hop, guard)}: {guard.text})"
    written = f"{written} {' or '.join(repr(value) for value in values)}"
    if any(_passes(test, value) for value in values):
        if test.field != "eventName" and all(_passes(test, value) for value in values):
            note = f"{check} is no guard: {written}, {passing}"
            hop.why = f"{hop.why}; {note}" if hop.why else note
        return False
    hop.level = GUARDED
    hop.guard = guard
    hop.why = f"{check}: {writer} acts only on {what} whose {test.field} {selection}, and {written}"
    return True


def _direct(graph: EventGraph, before: Hop, kind: str) -> bool:
    """Whether the message the feeding hop writes reaches the function as written: its first node
    is the queue, topic, bus or stream written, and no later node carries it on wrapped in an envelope of
    its own (an SNS notification delivered to a queue, an EventBridge event sent to a queue)."""
    kinds = [graph.model.kind_of(node) for node in before.chain]
    return kinds[:1] == [kind] and not any(later in ENVELOPE_KINDS for later in kinds[1:])


def _record_values(test: RecordTest, write: Write) -> List[str]:
    """The values the tested field has in the stream records a DynamoDB write causes; empty
    when they cannot be known."""
    if test.field == "eventName":
        return list(API_EVENT_NAMES.get(write.api, ()))
    found = _item_value(test.field, write)
    return [found] if found is not None else []


def _item_value(field: str, write: Write) -> Optional[str]:
    """The literal value of the item attribute a record field names, when the write names it."""
    prefix, _, attribute = field.rpartition(".")
    if prefix not in ("dynamodb.Keys", "dynamodb.NewImage"):
        return None
    if write.api not in ("PutItem", "UpdateItem"):
        return None
    item = dict(write.item)
    found = item.get(attribute)
    return found.text if isinstance(found, Lit) else None


def _passes(test: RecordTest, value: str) -> bool:
    """Whether a record with this field value reaches the write."""
    hit = any(_OPERATIONS[test.operation](value, wanted) for wanted in test.values)
    return hit == test.selects

