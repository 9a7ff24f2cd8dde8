"""Judging a hop: what a writer emits into the first node of a hop, and whether each trigger
along the way (to the next writer) lets it through.

Every hop, of every service, is judged the same way: the writer's side gives candidates
(`_candidates`: a hop resting on one piece of evidence, and what it emits), each is passed
along the hop's triggers (`_follow`), and the strongest decides. Every trigger is passed by
one function (`_link`): by its service's own passer when it has one (S3's event types and key
filter, SQS redrive, Firehose delivery; loopcheck.services), else by matching its patterns
(the service's matcher, or the EventBridge-shape one, loopcheck.resolve.filters): a filter
that provably drops everything the writer emits guards the hop; one that may let it through
leaves it possible.

The writer's side: its effect comes from IAM grants, handler-code writes, Step Functions
tasks or the platform's own writes (Lambda destinations, log output). A function's write into
a bucket is judged against each notification as one candidate per notification and piece of
evidence, because the verdict rests on both at once (a grant's object scope, or the key the
code writes and the guards it runs, against the key filter: loopcheck.services.s3).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from loopcheck.code.evidence import (
    S3_API_ACTION,
    SERVICE_KINDS,
    FunctionCode,
    ResolvedWrite,
    guard_breaks_loop,
    key_tokens,
    render_key,
)
from loopcheck.code.facts import Guard
from loopcheck.code.item_change import CHANGING, INSERT_ONLY, STABLE, UNKNOWN
from loopcheck.graph.event_graph import Effect, EventGraph, WriteGrant
from loopcheck.judge.breadth import broad_grant_reason
from loopcheck.judge.message_guards import MESSAGE_GUARD_KINDS
from loopcheck.judge.verdicts import GUARDED, LOOP, NONE, POSSIBLE, Hop, Loop
from loopcheck.knowledge.event_paths import API_ACTIONS, API_EVENT_NAMES
from loopcheck.model.resources import Trigger
from loopcheck.resolve.filters import MAYBE, NO, YES, Emission, literals, match_any
from loopcheck.resolve.globs import STAR, Tokens
from loopcheck.services import registry
from loopcheck.services.base import NOTHING
from loopcheck.services.registry import JUDGED_WITH_TRIGGER, KIND_SERVICE, WRITE_ACTIONS
from loopcheck.services.s3 import (
    action_events,
    api_events,
    grant_key,
    grant_verdict,
    key_verdict,
    s3_task_events,
    sent_on,
)

_VERDICT_LEVEL = {YES: LOOP, NO: GUARDED, MAYBE: POSSIBLE}


# -- emissions -----------------------------------------------------------------------------


def _from_permission(action: str, kind: str) -> Emission:
    if kind == "table":
        return Emission({"eventName": literals(*WRITE_ACTIONS[action][1])}, what=action)
    if kind == "bus":
        return Emission({"source": None}, custom_source=True, what=f"{action} (any source but aws.*)")
    return Emission(what=action)


def _from_code(service: str, api: str, details: dict, kind: str) -> Emission:
    if kind == "table":
        return Emission({"eventName": literals(*API_EVENT_NAMES.get(api, ("INSERT", "MODIFY", "REMOVE")))})
    if kind == "bus":
        fields = {"source": literals(details["Source"]) if "Source" in details else None}
        if "DetailType" in details:
            fields["detail-type"] = literals(details["DetailType"])
        return Emission(fields, custom_source=True)
    if kind == "topic" and "MessageAttributes" in details:
        names = [n for n in details["MessageAttributes"].split(",") if n]
        return Emission({f"MessageAttributes.{n}": None for n in names},
                        absent_prefixes=("MessageAttributes.",))
    return Emission()


def _names(graph: EventGraph):
    """The names a node may have, for what a service sends on (a bucket's, in an S3 event)."""
    buckets = graph.model.buckets
    return lambda node: tuple(buckets[node].names) if node in buckets else ()


# -- links ---------------------------------------------------------------------------------


_PATTERN_TEXT = {YES: "everything the writer emits matches it",
                 NO: "the filter drops everything the writer emits",
                 MAYBE: "nothing shows the filter drops what the writer emits"}
_LEVEL = {YES: LOOP, NO: GUARDED, MAYBE: POSSIBLE, NOTHING: NONE}


def _link(graph: EventGraph, link: Trigger, emission: Emission) -> Tuple[int, str, Emission]:
    """How one trigger passes what reached its source on, for every service: by the service's
    own passer (S3's event types and key filter, redrive, Firehose delivery), else by
    matching its patterns (the service's matcher, or the EventBridge-shape one)."""
    own = registry.passer(link.service)
    if own is not None:
        verdict, why, onward = own(link, emission, _names(graph))
        return _LEVEL[verdict], why, onward
    if not link.patterns:
        return LOOP, "", emission
    verdict = (registry.matcher(link.service) or match_any)(link.patterns, emission)
    return _LEVEL[verdict], _PATTERN_TEXT[verdict], emission


def _follow(graph: EventGraph, hop: Hop, edges: List[Tuple[str, str]], emission: Emission) -> Hop:
    """Apply every trigger along the hop's remaining edges, keeping the weakest."""
    for source, consumer in edges:
        best: Optional[Tuple[int, str, Emission, object]] = None
        for link in graph.triggers_between(source, consumer):
            level, why, onward = _link(graph, link, emission)
            if best is None or level > best[0]:
                best = (level, why, onward, link)
        if best is None:
            hop.level = NONE
            return hop
        level, why, emission, link = best
        hop.links.append((link, why))
        if level < hop.level:
            hop.level = level
            hop.why = f"{hop.why}; {why}" if hop.why else why
    return hop


# -- the writer's side ---------------------------------------------------------------------


# A candidate: a hop resting on one piece of evidence, what it sends on, and how many of the
# hop's edges it has passed already (a write into a bucket is judged with its notification).
Candidate = Tuple[Hop, Emission, int]


def _candidates(graph: EventGraph, effect: Effect, writer: str, first: str, consumer: str,
                edges: List[Tuple[str, str]], incoming: List[Trigger]) -> List[Candidate]:
    """Every piece of evidence that the writer writes `first`, each as a candidate hop."""
    model = graph.model
    kind = model.kind_of(first)
    out: List[Tuple[Hop, Emission]] = []
    for destination in effect.destinations:
        emission = Emission(what=destination.origin)
        level, why = LOOP, destination.why
        if destination.patterns:  # a delivery with a filter (a function's log output to a subscriber)
            level, text, emission = _link(graph, destination, emission)
            why = f"{why}; {text}"
        out.append((Hop(writer, first, consumer, level, why=why, destination=destination), emission))
    for task in effect.tasks:
        fields = {}
        if "Source" in task.details:
            fields["source"] = literals(task.details["Source"])
        if "DetailType" in task.details:
            fields["detail-type"] = literals(task.details["DetailType"])
        if kind == "bus":
            emission = Emission(fields, custom_source=True)
        elif kind == "bucket":  # an S3 write: its event types, and its key when the task shows it
            emission = Emission(key=task.key or (STAR,), s3_events=s3_task_events(task.action))
        elif task.action in WRITE_ACTIONS:
            emission = _from_permission(task.action, kind)
        else:
            emission = Emission()
        if kind == "bus" and "source" not in fields:
            emission.fields["source"] = None
        out.append((Hop(writer, first, consumer, LOOP, why=f"task {task.state} calls {task.action}",
                        task=task), emission))
    candidates: List[Candidate] = [(hop, emission, 0) for hop, emission in out]
    if kind in JUDGED_WITH_TRIGGER and writer in model.functions and edges:
        return candidates + _object_candidates(graph, effect, edges[0][1], consumer, incoming)
    return candidates + [(hop, emission, 0) for hop, emission in _write_candidates(graph, effect, consumer)]


def _write_candidates(graph: EventGraph, effect: Effect, consumer: str) -> List[Tuple[Hop, Emission]]:
    """The writer's own writes into a node: its code's writes (with the grants that allow
    them), else its grants and the permissions loopcheck cannot see."""
    model = graph.model
    writer, first = effect.function, effect.target
    kind = model.kind_of(first)
    out: List[Tuple[Hop, Emission]] = []
    code = graph.code.get(writer)
    decided = False
    note = ""
    if code is not None and code.analysed:
        reached = False
        for resolved in code.writes:
            if SERVICE_KINDS.get(resolved.write.service) != kind:
                continue
            if resolved.targets is not None and first not in resolved.targets:
                continue
            reached = True
            action = API_ACTIONS.get((resolved.write.service, resolved.write.api), "")
            grant = next((g for g in effect.grants if g.action == action), None)
            if grant is None and resolved.write.api == "TransactWriteItems":
                grant = next((g for g in effect.grants if g.action.startswith("dynamodb:")), None)
            if grant is None and not effect.unknown:
                continue
            unknown = None if grant else effect.unknown[0]
            level = LOOP if grant else POSSIBLE
            broad = ""
            if resolved.targets is None:  # the code does not name its target
                level, broad = unnamed_write(graph, grant, first, resolved)
            elif grant is not None and grant.generated_name:
                level, broad = POSSIBLE, generated_name_reason(graph, grant, first)
            out.append((Hop(writer, first, consumer, level, grant=grant, unknown=unknown,
                            why="", write=resolved, broad=broad),
                        _from_code(resolved.write.service, resolved.write.api, resolved.write.details, kind)))
        decided = reached or code.facts.complete
        if not reached and code.facts.complete and effect.grants:
            grant = effect.grants[0]
            out.append((Hop(writer, first, consumer, NONE, grant=grant, unused_permission=True,
                            why=(f"{grant.action} on {grant.resource}, but the code never writes "
                                 f"{model.display(first)}")),
                        Emission()))
        if not decided:
            note = code.why_incomplete
    elif code is not None:
        note = code.why_not
    if not decided:
        for grant in effect.grants:
            broad = (broad_grant_reason(model, grant.action, grant.resource_tokens, str(grant.resource), first)
                     or _cannot_start(graph, writer))
            hop = Hop(writer, first, consumer, POSSIBLE if broad else LOOP, grant=grant,
                      why=f"{grant.action} on {grant.resource}", code_note=note, broad=broad)
            out.append((hop, _from_permission(grant.action, kind)))
        if effect.unknown:
            unknown = effect.unknown[0]
            out.append((Hop(writer, first, consumer, POSSIBLE, unknown=unknown, code_note=note,
                            why=f"{unknown.reason}: it may write {model.display(first)}"), Emission()))
    return out


def _cannot_start(graph: EventGraph, writer: str) -> str:
    """Why the writer's grant shows no write at all: it cannot start (its exact package lacks
    its handler module, loopcheck.code.exact_package); "" when it can."""
    code = graph.code.get(writer)
    if code is None or not code.source.cannot_start:
        return ""
    return f"{graph.model.display(writer)} cannot start as written, so its grant shows no write"


def _object_candidates(graph: EventGraph, effect: Effect, after: str, consumer: str,
                       incoming: List[Trigger]) -> List[Candidate]:
    """A function's writes into a bucket, each judged with each notification to `after`: by
    its code when it was analysed (the key it writes, the guards it runs, for writes its
    permissions allow), else by its grants' object scope. Permission the code never uses
    gives a candidate at NONE, marked as unused."""
    code = graph.code.get(effect.function)
    if code is not None and code.analysed:
        out, reached = _object_code_candidates(graph, effect, after, consumer, code, incoming)
        if reached or code.facts.complete:
            if not reached and effect.grants:
                grant = effect.grants[0]
                hop = Hop(effect.function, effect.target, consumer, NONE, grant=grant, unused_permission=True,
                          why=(f"{grant.action} on {grant.resource}, but the code never writes "
                               f"{graph.model.display(effect.target)}"))
                out.append((hop, _sent_on(graph, effect.target, grant_key(grant.resource_tokens), ()), 1))
            return out
        note = code.why_incomplete  # a missing write proves nothing
    else:
        note = code.why_not if code is not None else ""
    return _object_grant_candidates(graph, effect, after, consumer, note)


def _object_grant_candidates(graph: EventGraph, effect: Effect, after: str, consumer: str,
                             note: str) -> List[Candidate]:
    """From permissions: every grant whose action emits an event type a notification
    subscribes to, judged by its object scope against the key filter; permissions loopcheck
    cannot see make the hop possible when no grant does more."""
    writer, bucket = effect.function, effect.target
    arns = graph.node_arns.get(bucket, [])
    out: List[Candidate] = []
    strongest = NONE
    for trigger in graph.triggers_between(bucket, after):
        for grant in effect.grants:
            events = action_events(trigger, grant.action)
            if not events:
                continue
            verdict, why = grant_verdict(trigger, grant.action, str(grant.resource), grant.resource_tokens,
                                         arns, effect.denies)
            level, broad = _LEVEL[verdict], ""
            if level == LOOP:
                broad = (broad_grant_reason(graph.model, grant.action, grant.resource_tokens,
                                            str(grant.resource), bucket, bucket_arns=arns)
                         or _cannot_start(graph, writer))
                level = POSSIBLE if broad else LOOP
            hop = Hop(writer, bucket, consumer, level, grant=grant, why=why, broad=broad, code_note=note)
            hop.links.append((trigger, ""))
            out.append((hop, _sent_on(graph, bucket, grant_key(grant.resource_tokens), events), 1))
            strongest = max(strongest, level)
        if effect.unknown and strongest < POSSIBLE and trigger.events:
            unknown = effect.unknown[0]
            hop = Hop(writer, bucket, consumer, POSSIBLE, unknown=unknown, code_note=note,
                      why=f"{unknown.reason}: it may write {graph.model.display(bucket)}")
            hop.links.append((trigger, ""))
            out.append((hop, _sent_on(graph, bucket, (STAR,), tuple(trigger.events)), 1))
            strongest = POSSIBLE
    return out


def _object_code_candidates(graph: EventGraph, effect: Effect, after: str, consumer: str,
                            code: FunctionCode, incoming: List[Trigger]) -> Tuple[List[Candidate], bool]:
    """From the handler code: every write that reaches the bucket, for each event that ran
    the function, judged against each notification; and whether any write reaches it."""
    writer, bucket = effect.function, effect.target
    out: List[Candidate] = []
    reached = False
    writes = [w for w in code.writes if w.write.service == "s3"]
    keys: Dict[Tuple[int, int], Tokens] = {}  # (write, arrival) -> the key it writes
    for arrival in incoming or [None]:
        for trigger in graph.triggers_between(bucket, after):
            for resolved in writes:
                if not resolved.reaches(bucket, arrival.source if arrival else None):
                    continue
                reached = True
                events = api_events(trigger, resolved.write.api)
                if not events:
                    continue
                allowed, grant = _permission_for(effect, resolved.write.api)
                if not allowed:
                    continue
                arrival_key = _written_key(keys, resolved, arrival)
                level, why, guard = _code_verdict(resolved, arrival_key, trigger, consumer == writer)
                broad = ""
                if level == LOOP and resolved.targets is None:  # the code does not name its bucket
                    level, broad = unnamed_write(graph, grant, bucket, resolved)
                hop = Hop(writer, bucket, consumer, level, grant=grant,
                          unknown=None if grant else (effect.unknown or [None])[0], why=why, write=resolved,
                          guard=guard, broad=broad)
                hop.links.append((trigger, ""))
                key = _written_key(keys, resolved, incoming[0] if incoming else None)
                out.append((hop, _sent_on(graph, bucket, key, events), 1))
    return out, reached


def _written_key(keys: Dict[Tuple[int, int], Tokens], resolved: ResolvedWrite,
                 arrival: Optional[Trigger]) -> Tokens:
    """The key a code write uses, for an event that arrived through `arrival`: what the key
    filter and the key checks before the write say of the incoming key carries into it. The
    same for every trigger, so `keys` keeps it per write and arrival."""
    slot = (id(resolved), id(arrival))
    if slot not in keys:
        keys[slot] = key_tokens(resolved.write.key, arrival, resolved.write.guards)
    return keys[slot]


def _sent_on(graph: EventGraph, bucket: str, key: Tokens, events: Tuple[str, ...]) -> Emission:
    """What the bucket sends on after a write of `key` emitting `events`."""
    return sent_on(_names(graph)(bucket), Emission(key=key), events)


def _permission_for(effect: Effect, api: str) -> Tuple[bool, Optional[WriteGrant]]:
    """Whether the permissions let this API call reach the bucket, and the grant that does."""
    action = S3_API_ACTION.get(api)
    for grant in effect.grants:
        if grant.action == action:
            return True, grant
    return bool(effect.unknown), None


def _code_verdict(resolved: ResolvedWrite, key: Tokens, trigger: Trigger,
                  own_trigger: bool = True) -> Tuple[int, str, Optional[Guard]]:
    """A code write into a bucket against one notification: the guards it runs before the
    write, then the key it writes (`key`: as tokens, for the event that ran the function)
    against the key filter (loopcheck.services.s3). `own_trigger`: the notification runs the
    writer itself; else its key checks test keys another function writes, not this one."""
    write = resolved.write
    doubtful: Optional[Guard] = None
    passed: List[str] = []  # key checks the output key passes
    for guard in write.guards:
        where = f"{guard.file or write.file}:{guard.line}"
        if guard.kind == "metadata":
            return GUARDED, f"metadata guard ({where}: {guard.text}) runs before the write", guard
        if guard.kind == "key":
            skips = guard_breaks_loop(guard, key) if own_trigger else None
            if skips:
                return GUARDED, f"key guard ({where}: {guard.text}) runs before the write", guard
            if skips is False:  # the output key passes the check: the key filter decides
                passed.append(f"{where}: {guard.text}")
                continue
        elif guard.kind in MESSAGE_GUARD_KINDS:
            continue  # judged against the hop that feeds the function (loopcheck.judge.message_guards)
        doubtful = guard  # a check that cannot be shown to skip the output
    verdict, why = key_verdict(trigger, key, render_key(write.key))
    if passed and verdict != NO:
        why += f"; the key check ({passed[0]}) lets it through"
    if verdict != NO and doubtful is not None:
        return POSSIBLE, (
            f"writes key {render_key(write.key)} after a {doubtful.kind} check "
            f"({doubtful.file or write.file}:{doubtful.line}: {doubtful.text}) that cannot be shown to skip "
            "its own output"
        ), doubtful
    return _LEVEL[verdict], why, None


def unnamed_write(graph: EventGraph, grant: Optional[WriteGrant], target: str,
                  resolved: ResolvedWrite) -> Tuple[int, str]:
    """A code write whose target the code does not name (a bucket, queue, topic... computed at
    run time) is a loop only when a grant names the trigger itself; through a wildcard grant,
    or permissions loopcheck cannot see, it may be. (level, why the grant is not enough)."""
    if grant is None:
        return POSSIBLE, ""
    arns = graph.node_arns.get(target, []) if graph.model.kind_of(target) == "bucket" else None
    broad = broad_grant_reason(graph.model, grant.action, grant.resource_tokens, str(grant.resource),
                               target, bucket_arns=arns, code_read=True)
    if not broad:
        return LOOP, ""
    return POSSIBLE, f"the code writes {resolved.target_text}, and {broad}"


def generated_name_reason(graph: EventGraph, grant: WriteGrant, target: str) -> str:
    """Why a grant that matches a target's generated name cannot make the hop a loop: it
    matches only through a wildcard, and CloudFormation may cut a long name short."""
    return (f"the grant matches {graph.model.display(target)}'s generated name {grant.generated_name} "
            "(the template sets no name) only through a wildcard, and CloudFormation cuts a name too "
            "long for the service short")


def judge_hop(graph: EventGraph, writer: str, chain: List[str], consumer: str,
              incoming: List[Trigger]) -> Hop:
    """writer -> chain... -> consumer, judged: every candidate of the writer's side passed
    along the hop's triggers; the strongest decides, the weakest link of each its level."""
    first = chain[0] if chain else consumer
    best = Hop(writer, first, consumer, NONE, chain=tuple(chain))
    effect = graph.effects.get((writer, first))
    if effect is None:
        return best
    edges = list(zip(chain, chain[1:] + [consumer])) if chain else []
    for hop, emission, passed in _candidates(graph, effect, writer, first, consumer, edges, incoming):
        hop.chain = tuple(chain)
        # Unused permission on a bucket still shows the triggers after it (what the loop would take).
        if hop.level > NONE or passed and hop.unused_permission:
            hop = _follow(graph, hop, edges[passed:], emission)
        unused_first = best.level == NONE and hop.unused_permission and not best.unused_permission
        if hop.rank > best.rank or unused_first:
            best = hop
    return best


# -- the DynamoDB dedupe design ----------------------------------------------------------------


def judge_dedupe(graph: EventGraph, loop: Loop) -> None:
    """bucket -> f1 -> table (stream) -> f2 -> bucket: f1 records each object key, the stream
    runs f2, f2 writes back under the same key. It holds when f2 (or its mapping) accepts
    only INSERT records: a repeated put of a key already there is a MODIFY, or no record at
    all when the item is identical (DynamoDB Streams change data capture)."""
    hops = loop.hops
    if len(hops) < 2:
        return
    model = graph.model
    for index, hop in enumerate(hops):
        before, after = hops[index - 1], hops[(index + 1) % len(hops)]
        if model.kind_of(hop.target) != "table" or hop.level < POSSIBLE:
            continue
        if model.kind_of(before.target) != "bucket" or after.target != before.target:
            continue
        hop.dedupe = hop.target
        # The texts name nodes as their templates wrote them (a combined template renames them).
        writer, target, consumer = (model.display(node) for node in (hop.writer, hop.target, hop.consumer))
        modify = Emission({"eventName": literals("MODIFY")})
        links = [link for link, _ in hop.links if isinstance(link, Trigger) and link.service == "dynamodb"]
        if links and all(match_any(link.patterns, modify) == NO for link in links):
            hop.level = GUARDED
            hop.why = (f"dedupe through {target}: {consumer}'s mapping accepts only INSERT, and "
                       f"a repeated put of a key already in the table is a MODIFY (or no record when the "
                       f"item is identical); holds while {consumer} writes back under the key it got")
            continue
        guards = [g for g in (after.write.write.guards if after.write else ())
                  if g.kind == "event-name" and "INSERT" in g.text]
        if guards:
            hop.level = GUARDED
            hop.guard = guards[0]
            hop.why = (f"dedupe through {target}: {consumer} skips all but INSERT records "
                       f"({guards[0].text}) before writing back")
            continue
        verdict, put, why = _item_change(graph, hop.writer, hop.target)
        where = _where(put) if put is not None else ""
        hop.dedupe_write = put
        consumer_writes = _writes_table(graph, hop.consumer, hop.target)
        if verdict == CHANGING:  # the hop keeps the level its trigger gave it: a loop
            hop.why = (f"dedupe through {target} does not hold: {writer}'s item changes on every put "
                       f"({where}: {why}), so a repeated key is a MODIFY record, and {consumer} "
                       "accepts MODIFY")
            continue
        if verdict in (STABLE, INSERT_ONLY) and consumer_writes:
            hop.level = min(hop.level, POSSIBLE)
            hop.why = (f"dedupe through {target} holds only while the item stays as {writer} wrote "
                       f"it, but {consumer} also writes {target}: {writer}'s repeated put may then "
                       f"change the item (a MODIFY record) or find it deleted (an INSERT), and "
                       f"{consumer} accepts both")
            continue
        if verdict == INSERT_ONLY:
            hop.level = GUARDED
            hop.why = (f"dedupe through {target}: {writer}'s put only creates items ({where}: {why}): "
                       f"a key already in the table is rejected and writes no stream record; holds while "
                       f"{consumer} writes back under the key it got")
            continue
        if verdict == STABLE:
            hop.level = GUARDED
            hop.why = (f"dedupe through {target}: {writer} puts the same item for the same key "
                       f"({where}: only literals, environment values and the object key), and a put "
                       f"that changes nothing writes no stream record; holds while {consumer} writes "
                       f"back under the key it got")
            continue
        hop.level = min(hop.level, POSSIBLE)
        hop.why = (f"dedupe through {target} holds only if {writer} puts an identical item for a "
                   f"key it has seen (no stream record); an item that changes on every put (a timestamp, "
                   f"a counter) is a MODIFY record, and {consumer} accepts MODIFY")


def _item_change(graph: EventGraph, writer: str, table: str) -> Tuple[str, Optional[ResolvedWrite], str]:
    """(verdict, the put it rests on, why) of the writer's puts into the table, from its code
    (loopcheck.code.item_change): any write that changes on every call decides; all of them
    stable or insert-only give the weaker of the two; anything else (no code, a write the
    analyser could not classify, calls it could not follow) is UNKNOWN."""
    code = graph.code.get(writer)
    if code is None or not code.analysed or not code.facts.complete:
        return UNKNOWN, None, ""
    writes = [w for w in code.writes
              if SERVICE_KINDS.get(w.write.service) == "table" and (w.targets is None or table in w.targets)]
    if not writes:
        return UNKNOWN, None, ""
    for resolved in writes:
        if resolved.write.details.get("Item") == CHANGING:
            return CHANGING, resolved, resolved.write.details.get("ItemWhy", "")
    verdicts = [w.write.details.get("Item", UNKNOWN) for w in writes]
    if UNKNOWN in verdicts or any(v not in (STABLE, INSERT_ONLY) for v in verdicts):
        return UNKNOWN, None, ""
    pick = next((w for w in writes if w.write.details.get("Item") == STABLE), writes[0])
    return pick.write.details["Item"], pick, pick.write.details.get("ItemWhy", "")


def _where(resolved: ResolvedWrite) -> str:
    return f"{resolved.write.file}:{resolved.write.line}"


def _writes_table(graph: EventGraph, function: str, table: str) -> bool:
    """Whether a function may write the table: its code says so when it was read completely,
    else its permissions (any grant on the table, or permissions loopcheck cannot see)."""
    code = graph.code.get(function)
    if code is not None and code.analysed and code.facts.complete:
        return any(SERVICE_KINDS.get(w.write.service) == "table" and (w.targets is None or table in w.targets)
                   for w in code.writes)
    effect = graph.effects.get((function, table))
    return bool(effect and (effect.grants or effect.unknown))


def uncovered_services(graph: EventGraph, loop: Loop) -> List[str]:
    """"DynamoDB (OrdersTable)"-style names of the nodes runtime detection cannot see."""
    delivered = {hop.target: registry.label(hop.destination.service) for hop in loop.hops
                 if hop.destination is not None and hop.destination.service in registry.UNCOVERED_SERVICES}
    return [f"{delivered.get(n) or KIND_SERVICE.get(graph.model.kind_of(n), n)} ({graph.model.display(n)})"
            for n in loop.uncovered]
