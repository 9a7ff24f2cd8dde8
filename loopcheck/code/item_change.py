"""Whether a DynamoDB PutItem / UpdateItem writes something new on every call.

The DynamoDB dedupe design (DESIGN.md, guard 3) holds when a repeated write for a key already
in the table changes nothing: DynamoDB writes no stream record for a write that changes no
data (DynamoDB Streams developer guide, "Change data capture for DynamoDB Streams"). So the
code analysers record, for each put or update, one of:

  INSERT_ONLY  a ConditionExpression `attribute_not_exists(...)` (alone or ANDed): a write for
               a key already there is rejected, so it only ever creates items (INSERT records)
  STABLE       every value written is a literal, an environment variable or built from the
               incoming object key (or kept by `if_not_exists`): a repeat writes identical data
  CHANGING     some value changes on every call (a clock, a random id, an `ADD` or `n = n + 1`
               counter, `list_append`): a repeat is a MODIFY record
  ""           anything else (values the analyser cannot follow): unknown, nothing is claimed

Each language's evaluator says what one value is (loopcheck.code.values.Value.change); the
request (ConditionExpression, Item, UpdateExpression and its values) is read here, once.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, Iterable, Optional, Tuple

from loopcheck.code.facts import AnyText, Basename, Concat, IncomingKey, KeyExpr, Lit, Replace, Slice, Stem
from loopcheck.code.values import Request, Value

INSERT_ONLY, STABLE, CHANGING, UNKNOWN = "insert-only", "stable", "changing", ""

# An evaluator that turns a changing value into key text marks it so (AnyText(CHANGING_TEXT +
# why)): a key or value built from it still changes on every call.
CHANGING_TEXT = "changes on every call: "

# Calls whose result differs on every invocation. Python: the dotted name the analyser
# resolves an import to; JavaScript: the callee as written (member chain or imported name).
PYTHON_CHANGING_CALLS = frozenset({
    "time.time", "time.time_ns", "time.monotonic", "time.monotonic_ns", "time.perf_counter",
    "time.localtime", "time.gmtime", "time.strftime",
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
    "datetime.date.today",
    "uuid.uuid1", "uuid.uuid4", "uuid.uuid6", "uuid.uuid7",
    "random.random", "random.randint", "random.randrange", "random.choice", "random.getrandbits",
    "random.uniform", "secrets.token_hex", "secrets.token_urlsafe", "secrets.token_bytes",
    "os.urandom",
})
JS_CHANGING_CALLS = frozenset({
    "Date.now", "Math.random", "crypto.randomUUID", "randomUUID", "uuid", "uuidv4", "v4",
    "uuid.v4", "uuidv1", "v1", "uuid.v1", "ulid", "nanoid", "performance.now", "process.hrtime",
    "process.hrtime.bigint", "crypto.randomBytes", "randomBytes",
})
JS_CHANGING_CONSTRUCTORS = frozenset({"Date"})  # `new Date()` with no argument
# Java: static calls as written (`Class.method`); `new Date()` is read by the analyser.
JAVA_CHANGING_CALLS = frozenset({
    "System.currentTimeMillis", "System.nanoTime", "Instant.now", "LocalDateTime.now", "LocalDate.now",
    "ZonedDateTime.now", "OffsetDateTime.now", "UUID.randomUUID", "Math.random", "ThreadLocalRandom.current",
})

_INSERT_ONLY_CONDITION = re.compile(r"\battribute_not_exists\s*\(", re.IGNORECASE)
_CLAUSE = re.compile(r"\b(SET|REMOVE|ADD|DELETE)\b", re.IGNORECASE)


def condition_is_insert_only(condition: Optional[str]) -> bool:
    """`attribute_not_exists(pk)`, possibly ANDed with more conditions (they can only
    reject more writes): the write never touches an existing item. An OR could let an
    existing item through, so it is not taken."""
    if not condition or re.search(r"\b(OR|NOT)\b", condition, re.IGNORECASE):
        return False
    return _INSERT_ONLY_CONDITION.search(condition) is not None


def classify_update(expression: str, value_of: Callable[[str], Tuple[str, str]]) -> Tuple[str, str]:
    """(verdict, why) for an UpdateExpression; `value_of(":name")` gives (verdict, why) for
    one ExpressionAttributeValues entry."""
    pieces = _CLAUSE.split(expression)
    verdicts = []
    for index in range(1, len(pieces) - 1, 2):
        clause, body = pieces[index].upper(), pieces[index + 1]
        if clause == "ADD":
            return CHANGING, f"ADD {body.strip()[:40]}: a counter or set that grows on every call"
        if clause in ("REMOVE", "DELETE"):
            verdicts.append(STABLE)  # removing twice changes nothing the second time
            continue
        for assignment in _split_top(body):
            name, _, value = assignment.partition("=")
            name, value = name.strip(), value.strip()
            if value.lower().startswith("if_not_exists"):
                verdicts.append(STABLE)  # kept once set: a repeat writes the same value
            elif value.lower().startswith("list_append") or re.search(r"[+-]", value):
                return CHANGING, f"SET {name} = {value[:40]}: changes on every call"
            elif re.fullmatch(r":\w+", value):
                verdict, why = value_of(value)
                if verdict == CHANGING:
                    return CHANGING, f"SET {name} = {value}, which is {why}"
                verdicts.append(verdict)
            else:
                verdicts.append(UNKNOWN)
    return combine(verdicts), ""


def _split_top(body: str) -> Iterable[str]:
    """Comma-separated assignments, not splitting inside function-call parentheses."""
    depth, start = 0, 0
    for index, char in enumerate(body):
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            yield body[start:index]
            start = index + 1
    if body[start:].strip():
        yield body[start:]


def combine(verdicts: Iterable[str]) -> str:
    """Several values: any CHANGING wins, all STABLE is STABLE, else UNKNOWN."""
    seen = list(verdicts)
    if CHANGING in seen:
        return CHANGING
    return STABLE if seen and all(v == STABLE for v in seen) else UNKNOWN


def key_change(expr: KeyExpr) -> Tuple[str, str]:
    """(verdict, why) of text written into an item: STABLE when built only of literals and
    the incoming object key, CHANGING when some part is marked so, else UNKNOWN."""
    if isinstance(expr, AnyText):
        marked = expr.why.startswith(CHANGING_TEXT)
        return (CHANGING, expr.why[len(CHANGING_TEXT):]) if marked else (UNKNOWN, "")
    if isinstance(expr, (Lit, IncomingKey)):
        return STABLE, ""
    parts: Tuple[KeyExpr, ...] = ()
    if isinstance(expr, Concat):
        parts = expr.parts
    elif isinstance(expr, (Replace, Stem, Basename, Slice)):
        parts = (expr.source,)
    found = [key_change(part) for part in parts]
    return combine(v for v, _ in found), next((why for v, why in found if v == CHANGING), "")


def item_change(api: str, request: Request) -> Dict[str, str]:
    """details "Item" (the verdict) and "ItemWhy" for a PutItem / UpdateItem request."""
    if api not in ("PutItem", "UpdateItem"):
        return {}
    condition = _literal(request.arg("ConditionExpression"))
    if condition is not None and condition_is_insert_only(condition):
        return {"Item": INSERT_ONLY, "ItemWhy": f"ConditionExpression {condition.strip()[:60]}"}
    if api == "PutItem":
        verdict, why = _change(request.arg("Item"))
    else:
        expression = _literal(request.arg("UpdateExpression"))
        values = request.arg("ExpressionAttributeValues")
        key_verdict, key_why = _change(request.arg("Key"))

        def value_of(name: str) -> Tuple[str, str]:
            return _change(values.field(name) if values is not None else None)

        verdict, why = classify_update(expression, value_of) if expression else (UNKNOWN, "")
        if key_verdict == CHANGING:
            verdict, why = CHANGING, f"the Key is {key_why}"
        elif verdict == STABLE:
            verdict = key_verdict
    return {"Item": verdict, **({"ItemWhy": why} if why else {})} if verdict else {}


def _literal(value: Optional[Value]) -> Optional[str]:
    return value.literal() if value is not None else None


def _change(value: Optional[Value]) -> Tuple[str, str]:
    return value.change() if value is not None else (UNKNOWN, "")
