"""Stage 5, graph: trigger edges (bucket -> function) and effect edges (function -> bucket).

An effect edge exists when the function may make a call that emits an event type some
notification of the bucket subscribes to, on objects of that bucket (IAM evidence now; the
`evidence` field leaves room for handler-code facts). Key filters are not applied here:
whether a filter guards a hop depends on which notification the loop goes through next,
which loopcheck.judge.loops decides per cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from loopcheck.code.evidence import FunctionCode
from loopcheck.graph.cycles import COUNT, LENGTH, STEPS, is_cyclic, simple_cycles, strongly_connected
from loopcheck.knowledge.s3_events import ACTION_EVENTS, matching_events
from loopcheck.model.iam import Statement
from loopcheck.model.resources import Model, Path, TaskWrite, Trigger, UnknownPermission
from loopcheck.resolve.globs import ONE, STAR, Tokens, covers, intersects, literal_prefix, tokens
from loopcheck.resolve.values import Pattern, Symbol, concat, literal
from loopcheck.services.registry import WRITE_ACTIONS
from loopcheck.services.s3 import object_tokens

# Cycles enumerated per strongly connected component (independent loops never share a
# budget), and in all per template: both bound the work on pathological graphs. The length
# bound only keeps reports readable: the search's work does not grow with cycle length.
MAX_CYCLES = 200
MAX_CYCLES_TOTAL = 20000
MAX_CYCLE_LENGTH = 256  # resources on one loop (a ring of 128 functions through queues)
MAX_SEARCH_STEPS = 200_000  # steps per component while enumerating its cycles
MAX_SEARCH_STEPS_TOTAL = 2_000_000  # and per template
# Glob checks of one function's S3 resource patterns against the trigger buckets they may
# name (after the name index has narrowed them); a check costs microseconds.
MAX_GRANT_CHECKS = 50_000
MAX_GRANTS_PER_EFFECT = 64  # grants kept per function and bucket (real templates: at most 4)
TOTAL = "total"  # a component not searched because the template's budget was spent

def _bound_text(bound: str) -> str:
    """What a bound is, in a note or a finding (read when used: tests lower the bounds)."""
    return {
        LENGTH: f"a loop through more than {MAX_CYCLE_LENGTH} resources (the cycle-length bound)",
        COUNT: f"more than {MAX_CYCLES} loops (the cycle-count bound)",
        STEPS: f"more paths than {MAX_SEARCH_STEPS:,} search steps cover (the search-step bound)",
        TOTAL: (f"loops not searched: the template's bounds ({MAX_CYCLES_TOTAL:,} loops, "
                f"{MAX_SEARCH_STEPS_TOTAL:,} search steps) were spent"),
    }[bound]


@dataclass
class CutComponent:
    """A strongly connected component whose cycles were not all listed, and why."""

    nodes: List[str]  # in template order
    bounds: List[str]  # cycles.LENGTH, COUNT, STEPS, or TOTAL
    listed: int  # cycles listed from it

    @property
    def why(self) -> str:
        """The bounds that cut it, in words."""
        return "; ".join(_bound_text(b) for b in self.bounds)

    def describe(self, display: Callable[[str], str] = str) -> str:
        """The group in words; `display` names a node as text does (Model.display)."""
        shown = ", ".join(display(node) for node in self.nodes[:3])
        more = f" and {len(self.nodes) - 3} more" if len(self.nodes) > 3 else ""
        return f"the group {shown}{more} ({len(self.nodes)} resources) holds {self.why}"


@dataclass
class WriteGrant:
    """One allowed S3 action on one resource pattern that reaches a bucket's objects."""

    statement: Statement
    action: str
    resource: Pattern
    resource_tokens: Tokens


@dataclass
class Effect:
    """What one writer (a function or state machine) may write into one node: the grants,
    denies and unseen permissions, destinations and Step Functions tasks that say so."""

    function: str
    target: str  # the node written: a bucket, queue, topic, table, stream, bus, state machine or function
    grants: List[WriteGrant] = field(default_factory=list)
    denies: List[Statement] = field(default_factory=list)
    unknown: List[UnknownPermission] = field(default_factory=list)
    destinations: List[Trigger] = field(default_factory=list)  # Lambda destinations, DLQs
    tasks: List[TaskWrite] = field(default_factory=list)  # Step Functions tasks


@dataclass
class EventGraph:
    model: Model
    triggers: List[Trigger]  # the S3 notifications
    effects: Dict[Tuple[str, str], Effect]
    bucket_tokens: Dict[str, List[Tokens]]  # bucket ARN tokens per name alternative
    code: Dict[str, FunctionCode] = field(default_factory=dict)  # per triggered function
    cycles_cut: str = ""  # set by cycles() when a bound stopped the search: why
    cut_components: List[CutComponent] = field(default_factory=list)  # set by cycles()
    notes: List[str] = field(default_factory=list)  # where building the edges stopped short
    _s3_index: Optional[Dict[Tuple[str, str], List[Trigger]]] = field(default=None, repr=False)
    _link_index: Optional[Dict[Tuple[str, str], List[Trigger]]] = field(default=None, repr=False)
    _function_ids: Optional[frozenset] = field(default=None, repr=False)

    def triggers_between(self, bucket: str, function: str) -> List[Trigger]:
        """The S3 notifications from a bucket to a function (or queue, topic), in template
        order; indexed once, as every hop of every cycle asks."""
        if self._s3_index is None:
            self._s3_index = {}
            for t in self.triggers:
                self._s3_index.setdefault((t.source, t.consumer), []).append(t)
        return list(self._s3_index.get((bucket, function), ()))

    def links_between(self, source: str, consumer: str) -> List[Trigger]:
        """Non-S3 trigger edges from one node to the next (destinations are effects)."""
        if self._link_index is None:
            self._link_index = {}
            for t in self.model.event_triggers:
                if not t.write and t.service != "s3":
                    self._link_index.setdefault((t.source, t.consumer), []).append(t)
        return list(self._link_index.get((source, consumer), ()))

    @property
    def function_ids(self) -> frozenset:
        """The template's functions, as one shared set (every Loop holds it)."""
        if self._function_ids is None:
            self._function_ids = frozenset(self.model.functions)
        return self._function_ids

    def is_actor(self, node: str) -> bool:
        """Functions and state machines run code of their own: they are the writers."""
        return node in self.model.functions or self.model.kind_of(node) == "statemachine"

    def edges(self) -> List[Tuple[str, str]]:
        """Every edge: S3 notifications, other triggers, then effects (writes)."""
        edges = [(t.source, t.consumer) for t in self.triggers]
        edges += [(link.source, link.consumer) for link in self.model.event_triggers
                  if not link.write and link.service != "s3"]
        return edges + list(self.effects)

    def cycles(self) -> List[List[str]]:
        """Simple cycles through at least one writer, each rotated to start at the first
        node (in template order) a writer writes, closed (first == last), in a
        deterministic order; at most MAX_CYCLES per strongly connected component."""
        if not self.effects:
            return []
        # Nodes are numbered in template order and successor lists sorted, so which cycles
        # fall under MAX_CYCLES never depends on PYTHONHASHSEED.
        edges = self.edges()
        order = self.model.order
        names = sorted({n for edge in edges for n in edge}, key=lambda n: (order.get(n, len(order)), n))
        number = {name: index for index, name in enumerate(names)}
        successors: List[List[int]] = [[] for _ in names]
        for a, b in edges:
            successors[number[a]].append(number[b])
        successors = [sorted(set(nexts)) for nexts in successors]
        found: List[List[str]] = []
        numbered_cycles, cut = _bounded_cycles(successors)
        self.cut_components = [
            CutComponent(sorted((names[n] for n in nodes), key=lambda n: (order.get(n, len(order)), n)),
                         bounds, listed)
            for nodes, bounds, listed in cut
        ]
        self.cycles_cut = ""
        if cut:
            shown = [c.describe(self.model.display) for c in self.cut_components[:3]]
            if len(cut) > 3:
                shown.append(f"{len(cut) - 3} more groups")
            self.cycles_cut = "; ".join(shown)
        for numbered in numbered_cycles:
            ids = [names[n] for n in numbered]
            actors = [i for i, node in enumerate(ids) if self.is_actor(node)]
            if not actors:
                continue
            written = [i for i in range(len(ids)) if i - 1 in actors or (i == 0 and len(ids) - 1 in actors)]
            written = [i for i in written if not self.is_actor(ids[i])] or written or list(range(len(ids)))
            start = min(written, key=lambda i: (order.get(ids[i], 0), i))
            rotated = ids[start:] + ids[:start]
            found.append(rotated + [rotated[0]])
        found.sort(key=lambda c: [order.get(i, 0) for i in c])
        return found


_Cut = Tuple[List[int], List[str], int]  # a component, the bounds that cut it, cycles listed


def _bounded_cycles(successors: List[List[int]]) -> Tuple[List[List[int]], List[_Cut]]:
    """(cycles, components cut short as (nodes, bounds, cycles listed)): simple cycles,
    component by component in node order, at most MAX_CYCLES each and MAX_CYCLES_TOTAL in
    all, within the search-step budgets."""
    components = [c for c in strongly_connected(successors) if is_cyclic(c, successors)]
    components.sort(key=lambda c: c[0])
    found: List[List[int]] = []
    cut: List[_Cut] = []
    steps = 0
    for component in components:
        if len(found) >= MAX_CYCLES_TOTAL or steps >= MAX_SEARCH_STEPS_TOTAL:
            cut.append((component, [TOTAL], 0))
            continue
        search = simple_cycles(component, successors, max_length=MAX_CYCLE_LENGTH,
                               max_count=min(MAX_CYCLES, MAX_CYCLES_TOTAL - len(found)),
                               max_steps=min(MAX_SEARCH_STEPS, MAX_SEARCH_STEPS_TOTAL - steps))
        found += search.cycles
        steps += search.steps
        if search.cut:
            cut.append((component, search.cut, len(search.cycles)))
    return found, cut


def _bucket_arns(model: Model, bucket_id: str) -> List[Tokens]:
    head = literal("arn:aws:s3:::")
    out = []
    for name in model.buckets[bucket_id].names:
        joined = concat([head, name])
        if joined is not None:
            out.append(tokens(joined, wildcards=False))
    return out


def writers(model: Model) -> List[str]:
    """The functions whose writes the graph needs, in template order: those some trigger
    runs, and every other one too when any function, task or destination invokes functions.
    The pipeline runs the code stage on these before it builds the graph."""
    triggered = {t.consumer for t in model.event_triggers if t.consumer in model.functions}
    found = sorted(triggered, key=lambda f: model.order.get(f, 0))
    if _any_invoke(model):  # a function invoked by another is triggered too
        found += [f for f in model.functions if f not in triggered]
    return found


def build_graph(model: Model, code: Mapping[str, FunctionCode]) -> EventGraph:
    """The event graph of a model, with the code stage's result for the functions `writers`
    names (a function missing from `code` is judged on its permissions alone)."""
    events_by_bucket: Dict[str, set] = {}
    for trigger in model.triggers:
        events_by_bucket.setdefault(trigger.source, set()).update(trigger.events)
    bucket_tokens = {b: _bucket_arns(model, b) for b in events_by_bucket}
    effects: Dict[Tuple[str, str], Effect] = {}
    targets = _event_targets(model)
    _EXACT.clear()
    buckets = _BucketIndex(events_by_bucket, bucket_tokens)
    notes: List[str] = []
    code = {f: code[f] for f in writers(model) if f in code}
    for function_id in writers(model):
        function = model.functions[function_id]
        denies = [s for s in function.statements if s.effect == "Deny"]
        allows = [s for s in function.statements if s.effect == "Allow"]
        note = _bucket_effects(function_id, function.path, allows, denies, function.unknown_permissions,
                               buckets, effects)
        if note:
            notes.append(note)
        _service_effects(model, function_id, allows, denies, targets, effects,
                         function.unknown_permissions, code.get(function_id))
    for trigger in model.event_triggers:  # destinations and dead-letter queues
        if trigger.write:
            effect = effects.setdefault((trigger.source, trigger.consumer),
                                        Effect(trigger.source, trigger.consumer))
            effect.destinations.append(trigger)
    for task in model.tasks:
        for target in task.targets if task.targets is not None else _kind_targets(model, targets, task.action):
            effect = effects.setdefault((task.machine, target), Effect(task.machine, target))
            effect.tasks.append(task)
    if model.origins:
        _named_across_stacks(model, effects, code, bucket_tokens, targets)
    return EventGraph(model, model.triggers, effects, bucket_tokens, code, notes=notes)


def _named_across_stacks(model: Model, effects: Dict[Tuple[str, str], Effect],
                         code: Dict[str, FunctionCode],
                         bucket_tokens: Dict[str, List[Tokens]],
                         targets: Dict[str, Dict[str, List[Tokens]]]) -> None:
    """In a template combined from several stacks (loopcheck.stacks.cross_stack), a write into another
    stack must name its target: a grant whose resource starts with the target's own ARN, a
    Lambda destination or Step Functions task that resolves to it, or handler code whose
    write resolves to it. A wildcard grant (`arn:aws:s3:::*`, `sqs:*` on `*`) or permissions
    loopcheck cannot see would otherwise join every stack of the scan to every other one.
    The account's default event bus belongs to no stack: writes to it must name it too."""
    for key in list(effects):
        writer, target = key
        stack = model.stack_of(writer)
        if stack is not None and stack == model.stack_of(target):
            continue
        effect = effects[key]
        writer_code = code.get(writer)
        written = writer_code.s3_writes + writer_code.other_writes if writer_code else []
        if any(r.targets and target in r.targets for r in written):
            continue  # the code names it: keep every grant that lets that write through
        arns = bucket_tokens.get(target) or targets.get(model.kind_of(target), {}).get(target, [])
        effect.grants = [g for g in effect.grants
                         if any(a and g.resource_tokens[:len(a)] == a for a in arns)]
        effect.unknown = []
        effect.tasks = [t for t in effect.tasks if t.targets is not None]
        if not (effect.grants or effect.tasks or effect.destinations):
            del effects[key]


_S3_ARN = tuple("arn:aws:s3:::")
_EVERY_OBJECT = {(STAR,), _S3_ARN + (STAR,)}  # `*`, `arn:aws:s3:::*`: no need to intersect


class _BucketIndex:
    """The trigger buckets by the first token of their name, with what each subscribes to,
    so a policy resource is matched against the few buckets it can name rather than all of
    them (templates with thousands of resources stay linear)."""

    def __init__(self, events_by_bucket: Dict[str, set], bucket_tokens: Dict[str, List[Tokens]]):
        self.order = list(events_by_bucket)
        self.position = {b: index for index, b in enumerate(self.order)}
        # Buckets subscribing to the same events share one tuple, so a statement's grants
        # are checked once per distinct tuple, not once per bucket.
        shared: Dict[frozenset, Tuple[str, ...]] = {}
        self.useful: Dict[str, Tuple[str, ...]] = {}
        for b, subscribed in events_by_bucket.items():
            key = frozenset(subscribed)
            if key not in shared:
                shared[key] = tuple(a for a, emitted in ACTION_EVENTS.items()
                                    if matching_events(subscribed, emitted))
            self.useful[b] = shared[key]
        self.objects = {b: [object_tokens(arn) for arn in bucket_tokens[b]] for b in events_by_bucket}
        self.arns = bucket_tokens
        self.by_first: Dict[object, List[str]] = {}
        self.by_name: Dict[Tokens, List[str]] = {}
        self.by_start: Dict[int, Dict[Tokens, List[str]]] = {}  # built per width when asked
        for bucket_id in self.order:
            for arn in bucket_tokens[bucket_id]:
                name = arn[len(_S3_ARN):]
                for index, key in ((self.by_first, name[:1]), (self.by_name, name)):
                    bucket_list = index.setdefault(key, [])
                    if bucket_id not in bucket_list:
                        bucket_list.append(bucket_id)

    def candidates(self, toks: Tokens) -> List[str]:
        """Buckets a resource pattern may reach (a superset; `intersects` decides)."""
        if toks[:len(_S3_ARN)] == _S3_ARN and len(toks) > len(_S3_ARN):
            rest = toks[len(_S3_ARN):]
            name = rest[:rest.index("/")] if "/" in rest else rest
            if name and not any(t is STAR or t is ONE for t in name):
                return self.by_name.get(name, [])  # the usual case: one bucket, named exactly
            width = next(i for i, t in enumerate(rest) if t is STAR or t is ONE)
            if width == 0:
                return self.order
            if width == 1:
                return self.by_first.get(rest[:1], [])
            # The tokens before the first wildcard must be the start of the bucket name
            # (a bucket's name tokens hold no wildcards): index the names by that start.
            return self._by_start(width).get(rest[:width], [])
        head = literal_prefix(toks)
        if len(head) < len(toks) and "".join(_S3_ARN).startswith(head):
            return self.order  # a wildcard before the bucket name: any bucket
        return []

    def _by_start(self, width: int) -> Dict[Tokens, List[str]]:
        index = self.by_start.get(width)
        if index is None:
            index = self.by_start[width] = {}
            for bucket_id in self.order:
                for arn in self.arns[bucket_id]:
                    name = arn[len(_S3_ARN):]
                    if len(name) >= width:
                        listed = index.setdefault(name[:width], [])
                        if bucket_id not in listed:
                            listed.append(bucket_id)
        return index


def _bucket_effects(writer: str, path: Path, allows: List[Statement], denies: List[Statement],
                    unknown: List[UnknownPermission], buckets: _BucketIndex,
                    effects: Dict[Tuple[str, str], Effect]) -> str:
    """Effect edges from one function to the trigger buckets its grants reach. Grants keep
    the order statement, action, resource within each bucket, as written.

    Two bounds keep a policy of thousands of wildcard patterns linear: MAX_GRANT_CHECKS
    pattern-against-bucket checks per function (each a glob intersection), and
    MAX_GRANTS_PER_EFFECT grants kept per bucket (every loop through the bucket judges each
    one). A bucket either bound leaves unread is taken as writable through permissions
    loopcheck did not read (its hops are at least possible), and the returned note says so;
    "" when nothing was left unread."""
    found: Dict[str, List[Tuple[Tuple[int, int, int], WriteGrant]]] = {}
    checks = 0
    unchecked: Dict[str, None] = {}  # buckets that patterns past the check bound may reach
    unchecked_patterns = 0
    full: Dict[str, None] = {}  # buckets with MAX_GRANTS_PER_EFFECT grants already
    for s_index, statement in enumerate(allows):
        granted: Dict[int, Tuple[str, ...]] = {}  # per distinct list of useful actions
        for r_index, (resource, toks) in enumerate(zip(statement.resources, statement.resource_tokens)):
            everything = toks in _EVERY_OBJECT
            candidates = buckets.candidates(toks)
            if checks >= MAX_GRANT_CHECKS and not everything:
                unchecked_patterns += 1
                if len(unchecked) < len(buckets.order):
                    unchecked.update(dict.fromkeys(candidates))
                continue
            allowed: Dict[str, bool] = {}  # action -> not denied on this pattern (any bucket)
            shared: Dict[str, WriteGrant] = {}  # one grant object per action, for every bucket
            for bucket_id in candidates:
                if bucket_id in full:
                    continue
                useful = buckets.useful[bucket_id]
                actions = granted.get(id(useful))
                if actions is None:
                    actions = granted[id(useful)] = statement.granted(useful)
                if not actions:
                    continue
                if not everything:
                    checks += 1
                    if not any(intersects(toks, obj) for obj in buckets.objects[bucket_id]):
                        continue
                for a_index, action in enumerate(actions):
                    if action not in allowed:
                        allowed[action] = not any(_denied(d, action, toks) for d in denies)
                    if allowed[action]:
                        grant = shared.get(action)
                        if grant is None:
                            grant = shared[action] = WriteGrant(statement, action, resource, toks)
                        kept = found.setdefault(bucket_id, [])
                        if len(kept) >= MAX_GRANTS_PER_EFFECT:
                            full[bucket_id] = None
                            break
                        kept.append(((s_index, a_index, r_index), grant))
    unread = dict(unchecked)
    unread.update(full)
    note = ""
    budget: List[UnknownPermission] = []
    if unread:
        why = []
        if unchecked_patterns:
            why.append(f"{unchecked_patterns} S3 resource pattern(s) left unchecked after "
                       f"{MAX_GRANT_CHECKS:,} pattern-bucket checks (the grant-check bound)")
        if full:
            why.append(f"{len(full)} bucket(s) reached by more than {MAX_GRANTS_PER_EFFECT} grants, "
                       "the rest not read (the grants-per-bucket bound)")
        budget = [UnknownPermission("its policy was not read in full: " + "; ".join(why), path)]
        note = (f"{writer}'s S3 grants were not read in full: " + "; ".join(why)
                + f"; the {len(unread)} bucket(s) concerned are taken as writable")
    # Unknown permissions may reach every trigger bucket; otherwise only the ones found (and
    # the ones unchecked patterns may name).
    if unknown:
        reach = buckets.order
    else:
        reach = sorted(set(found) | set(unchecked), key=buckets.position.__getitem__)
    for bucket_id in reach:
        grants = [grant for _, grant in sorted(found.get(bucket_id, []), key=lambda item: item[0])]
        doubt = unknown or (budget if bucket_id in unread else [])
        if grants or doubt:
            effects[(writer, bucket_id)] = Effect(writer, bucket_id, denies=denies, grants=grants,
                                                  unknown=list(doubt))
    return note


def _names_service(statement: Statement, action: str) -> bool:
    service = action.split(":", 1)[0] + ":"
    return not statement.not_action and any(a.startswith(service) for a in statement.actions)


def _any_invoke(model: Model) -> bool:
    if any(t.action == "lambda:InvokeFunction" for t in model.tasks):
        return True
    if any(t.write and t.consumer in model.functions for t in model.event_triggers):
        return True
    return any(s.effect == "Allow" and s.grants("lambda:InvokeFunction")
               and _names_service(s, "lambda:InvokeFunction")
               for f in model.functions.values() for s in f.statements)


def _event_targets(model: Model) -> Dict[str, Dict[str, List[Tokens]]]:
    """kind -> node id -> its ARN tokens: every non-S3 node some event can go on from."""
    sources = {t.source for t in model.event_triggers if not t.write}

    out: Dict[str, Dict[str, List[Tokens]]] = {}
    for node_id in sources | set(model.functions) | {
        r for r, res in model.resources.items() if res.kind == "statemachine"
    }:
        kind = model.kind_of(node_id)
        if kind == "bucket":
            continue
        arns = model.resolver.resource_arn(node_id) if node_id in model.resolver.resources else (
            _DEFAULT_BUS_ARN,)
        out.setdefault(kind, {})[node_id] = [tokens(a, wildcards=False) for a in arns]
    return out


_DEFAULT_BUS_ARN = Pattern(("arn:aws:events:", Symbol("pseudo", "AWS::Region"), ":",
                            Symbol("pseudo", "AWS::AccountId"), ":event-bus/default"))


_EXACT: Dict[int, Dict[str, Dict[Tokens, List[str]]]] = {}


def _reached(targets: Dict[str, Dict[str, List[Tokens]]], kind: str, toks: Tokens) -> List[str]:
    """Targets of a kind whose ARN a resource pattern matches: a dictionary look-up for a
    pattern without wildcards (most policies), else a scan (keeps large templates fast)."""
    if not any(t is STAR or t is ONE for t in toks):
        exact = _EXACT.setdefault(id(targets), {})
        if kind not in exact:
            index: Dict[Tokens, List[str]] = {}
            for target, arns in targets[kind].items():
                for arn in arns:
                    index.setdefault(arn, []).append(target)
            exact[kind] = index
        return list(dict.fromkeys(exact[kind].get(toks, [])))
    width = next(i for i, t in enumerate(toks) if t is STAR or t is ONE)
    if width == 0:
        return [t for t, arns in targets[kind].items() if any(intersects(toks, arn) for arn in arns)]
    # Only targets whose ARN starts like the pattern can match: index them by that prefix.
    exact = _EXACT.setdefault(id(targets), {})
    index_key = f"{kind}/{width}"
    if index_key not in exact:
        by_prefix: Dict[Tokens, List[str]] = {}
        for target, arns in targets[kind].items():
            for arn in arns:
                listed = by_prefix.setdefault(arn[:width], [])
                if target not in listed:
                    listed.append(target)
        exact[index_key] = by_prefix
    candidates = exact[index_key].get(toks[:width], [])
    return [t for t in candidates if any(intersects(toks, arn) for arn in targets[kind][t])]


def _kind_targets(model: Model, targets: Dict[str, Dict[str, List[Tokens]]], action: str) -> List[str]:
    kind = WRITE_ACTIONS.get(action, ("", ()))[0]
    return sorted(targets.get(kind, {}), key=lambda t: model.order.get(t, 0))


def _service_effects(model: Model, writer: str, allows: List[Statement], denies: List[Statement],
                     targets: Dict[str, Dict[str, List[Tokens]]], effects: Dict[Tuple[str, str], Effect],
                     unknown: List[UnknownPermission], code: Optional[FunctionCode]) -> None:
    """Effect edges from one function to queues, topics, tables, streams, buses, state
    machines and functions: from IAM grants, and from code writes (which need no grant to
    be seen: the grant check happens when a hop is judged)."""
    for statement in allows:
        for action, (kind, _emits) in WRITE_ACTIONS.items():
            if kind not in targets or not statement.grants(action):
                continue
            if kind in ("function", "statemachine") and not _names_service(statement, action):
                continue  # `*` alone is not taken to mean a function invokes itself
            for resource, toks in zip(statement.resources, statement.resource_tokens):
                if kind in ("function", "statemachine") and not _names_one(toks):
                    continue  # nor is invoking `function:*`: that needs the code to show it
                for target in _reached(targets, kind, toks):
                    if any(_denied(d, action, toks) for d in denies):
                        continue
                    effect = effects.setdefault((writer, target), Effect(writer, target, denies=denies))
                    effect.grants.append(WriteGrant(statement, action, resource, toks))
    for resolved in code.other_writes if code is not None else ():
        for target in resolved.targets or ():
            if model.kind_of(target) in targets and target in targets[model.kind_of(target)]:
                effects.setdefault((writer, target), Effect(writer, target, denies=denies))
    if unknown:  # invisible permissions may reach any queue, topic, table, stream or bus
        for kind, kind_targets in targets.items():
            if kind in ("function", "statemachine"):
                continue  # not every function is assumed to invoke every other one
            for target in kind_targets:
                effect = effects.setdefault((writer, target), Effect(writer, target, denies=denies))
                effect.unknown = list(unknown)


def _names_one(toks: Tokens) -> bool:
    """Whether an invoke/start-execution grant names its function or state machine: a grant
    on every function (`*`, `...:function:*`) would make every function with AWSLambdaRole a
    self-invoking loop; only handler code can show which one it really invokes."""
    for marker in (tuple("function:"), tuple("stateMachine:")):
        for index in range(len(toks) - len(marker) + 1):
            if toks[index:index + len(marker)] == marker:
                rest = toks[index + len(marker):]
                return bool(rest) and rest[0] is not STAR
    return False


def _denied(deny: Statement, action: str, target: Tokens) -> bool:
    return deny.grants(action) and any(covers(d, target) for d in deny.resource_tokens)
