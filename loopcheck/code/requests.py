"""What one SDK write request names: its targets, its S3 key and the details the event-path
rules use, read once for every handler language from the neutral view of its parameters
(loopcheck.code.values) and the call's catalog row (loopcheck.knowledge.sdk_catalog).

Shapes read here: PutEvents entries, BatchWriteItem's table map, TransactWriteItems' items,
PartiQL statements (a SELECT writes nothing), SNS message attribute names, DeleteObjects'
object list; the rest name their target in one parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from loopcheck.code.facts import AnyText, Guard, KeyExpr, Target, Write
from loopcheck.code.item_change import item_change
from loopcheck.code.markers import read_marks
from loopcheck.code.selection import read_item, read_mark_values
from loopcheck.code.values import Request, Value
from loopcheck.knowledge.sdk_catalog import ENTRIES, STATEMENT, TABLE_MAP, TRANSACTION, WriteApi

# The table a PartiQL INSERT / UPDATE / DELETE names, double-quoted, single-quoted or bare.
_STATEMENT_TABLE = re.compile(
    r"""^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_.-]+))""", re.I
)
_TRANSACTION_OPERATIONS = ("Put", "Update", "Delete")  # ConditionCheck writes nothing


@dataclass
class ReadWrite:
    """One request read: a write per target (none for a PartiQL SELECT)."""

    api: WriteApi
    targets: List[Target]
    key: Optional[KeyExpr] = None  # S3 only
    details: Dict[str, str] = field(default_factory=dict)
    marks: Tuple[str, ...] = ()  # facts.Write.marks
    marks_unknown: str = ""
    item: Tuple[Tuple[str, KeyExpr], ...] = ()  # facts.Write.item
    mark_values: Tuple[Tuple[str, str], ...] = ()  # facts.Write.mark_values

    def writes(self, file: str, line: int, column: int, guards: Tuple[Guard, ...]) -> List[Write]:
        """The facts.Write of each target, for the call at file:line:column."""
        service, api = self.api.service, self.api.api
        return [
            Write(service, api, target, file, line, column, self.key, guards, dict(self.details),
                  marks=self.marks, marks_unknown=self.marks_unknown, item=self.item,
                  mark_values=self.mark_values)
            for target in self.targets
        ]


def read_write(
    api: WriteApi, request: Request, form: str = "client",
    target: Optional[Value] = None, key: Optional[Value] = None,
) -> ReadWrite:
    """Read a call of `api`. `target` / `key`: given by the object the method is called on
    (a boto3 resource's Bucket / Object / Table ...), not by the request; `form` is "client"
    or "resource" (a DynamoDB detail)."""
    targets = [target.target()] if target is not None else read_targets(api, request)
    s3_key = None
    if api.service == "s3":
        s3_key = key.key() if key is not None else read_key(api, request)
    marks, marks_unknown = read_marks(api, request)
    return ReadWrite(api, targets, s3_key, read_details(api, request, form), marks, marks_unknown,
                     read_item(api, request), read_mark_values(api, request))


def read_targets(api: WriteApi, request: Request) -> List[Target]:
    if api.shape == ENTRIES:
        return [_event_bus(request)]
    if api.shape == TABLE_MAP:
        return _table_map(api, request)
    if api.shape == TRANSACTION:
        return _transaction_tables(api, request)
    if api.shape == STATEMENT:
        return _statement_table(request)
    for name in api.targets:
        value = request.arg(name)
        if value is not None:
            return [value.target()]
    return [Target("unknown", request.missing(api.targets))]


def _event_bus(request: Request) -> Target:
    """PutEvents: the bus of the first entry; an entry naming none goes to the default bus."""
    entries = request.arg("Entries")
    entry = entries.first() if entries is not None else None
    if entry is None or not entry.is_record():
        why = entry.why() if entry is not None else ""
        return Target("unknown", why or "entries the analyser cannot read")
    bus = entry.field("EventBusName")
    return Target("literal", "default") if bus is None else bus.target()


def _table_map(api: WriteApi, request: Request) -> List[Target]:
    """BatchWriteItem: RequestItems maps each table to its writes; one write per table."""
    items = request.arg("RequestItems")
    names = items.field_names() if items is not None else None
    found = list(dict.fromkeys(name.target() for name in names or ()))
    return found or [Target("unknown", f"tables listed in the {api.api} request")]


def _transaction_tables(api: WriteApi, request: Request) -> List[Target]:
    """TransactWriteItems: the table of each Put / Update / Delete; one write per table."""
    items = request.arg("TransactItems")
    found: List[Target] = []
    for entry in (items.items() if items is not None else None) or ():
        operations = [entry.field(name) for name in _TRANSACTION_OPERATIONS]
        operation = next((op for op in operations if op is not None), None)
        if operation is None:
            continue
        table = operation.field("TableName")
        found.append(table.target() if table is not None else Target("unknown", "no TableName given"))
    unique = list(dict.fromkeys(found))
    return unique or [Target("unknown", f"tables listed in the {api.api} request")]


def _statement_table(request: Request) -> List[Target]:
    """ExecuteStatement: the table a literal PartiQL write names; a SELECT is a read."""
    statement = request.arg("Statement")
    text = statement.literal() if statement is not None else None
    if text is not None:
        if text.lstrip().upper().startswith("SELECT"):
            return []
        match = _STATEMENT_TABLE.match(text)
        if match:
            return [Target("literal", next(group for group in match.groups() if group))]
    return [Target("unknown", "a table named inside a PartiQL statement")]


def read_key(api: WriteApi, request: Request) -> KeyExpr:
    """The S3 key a request writes (DeleteObjects: the one key its list holds, if one)."""
    value = request.arg(api.key)
    if api.api != "DeleteObjects":
        return value.key() if value is not None else AnyText(request.missing((api.key,)))
    objects = value.field("Objects") if value is not None else None
    listed = objects.items() if objects is not None else None
    if listed and len(listed) == 1:
        key = listed[0].field("Key")
        if key is not None:
            return key.key()
    return AnyText("the keys listed in Delete")


def read_details(api: WriteApi, request: Request, form: str) -> Dict[str, str]:
    """Literals the event-path rules use: the table form and item change (DynamoDB), the
    first entry's Source / DetailType / EventBusName (PutEvents), attribute names (Publish)."""
    if api.service == "dynamodb":
        return {"Table": form, **item_change(api.api, request)}
    if api.shape == ENTRIES:
        entries = request.arg("Entries")
        entry = entries.first() if entries is not None else None
        if entry is None or not entry.is_record():
            return {}
        found = {name: entry.field(name) for name in ("Source", "DetailType", "EventBusName")}
        texts = {name: value.literal() for name, value in found.items() if value is not None}
        return {name: text for name, text in texts.items() if text is not None}
    if api.api == "Publish":
        attributes = request.arg("MessageAttributes")
        names = attributes.field_names() if attributes is not None else None
        texts = [name.literal() for name in names] if names is not None else [None]
        if all(text is not None for text in texts):
            return {"MessageAttributes": ",".join(text for text in texts if text is not None)}
    return {}
