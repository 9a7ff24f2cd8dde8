"""Stage 5, graph: trigger edges (a node runs or feeds the next: a notification, a queue's
event source mapping, a subscription, a rule...) and effect edges (a function or state
machine may write a node: its grants, handler code, tasks, destinations).

Which nodes a writer's grants reach is each service's own question (its grant index:
loopcheck.services.base.Service.grant_index; by the node's ARN when it has none,
loopcheck.graph.arn_targets); this module only asks every service, writer by writer. Filters
are not applied here: whether one guards a hop depends on what the writer emits and on which
trigger the loop goes through next, which loopcheck.judge decides per cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from loopcheck.code.evidence import FunctionCode
from loopcheck.graph.arn_targets import ArnGrants, names_service
from loopcheck.graph.cycles import COUNT, LENGTH, STEPS, is_cyclic, simple_cycles, strongly_connected
from loopcheck.model.iam import Statement
from loopcheck.model.resources import Model, TaskWrite, Trigger, UnknownPermission
from loopcheck.resolve.globs import Tokens, tokens
from loopcheck.resolve.values import Pattern, Symbol
from loopcheck.services.base import GrantIndex, Permissions
from loopcheck.services.registry import INVOKED_KINDS, KIND_OWNER, SERVICES, WRITE_ACTIONS

# Cycles enumerated per strongly connected component (independent loops never share a
# budget), and in all per template: both bound the work on pathological graphs. The length
# bound only keeps reports readable: the search's work does not grow with cycle length.
MAX_CYCLES = 200
MAX_CYCLES_TOTAL = 20000
MAX_CYCLE_LENGTH = 256  # resources on one loop (a ring of 128 functions through queues)
MAX_SEARCH_STEPS = 200_000  # steps per component while enumerating its cycles
MAX_SEARCH_STEPS_TOTAL = 2_000_000  # and per template
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
    """One allowed write action on one resource pattern that reaches a node (a bucket's
    objects, a queue...)."""

    statement: Statement
    action: str
    resource: Pattern
    resource_tokens: Tokens
    # Set when the grant reaches a function or state machine without a name only through the
    # name CloudFormation generates for it (this name, as text; loopcheck.graph.arn_targets).
    generated_name: str = ""


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
    """The template's events: who triggers whom, and what each function may write."""

    model: Model
    triggers: List[Trigger]  # every trigger edge, of every service, in the order the model read them
    effects: Dict[Tuple[str, str], Effect]
    node_arns: Dict[str, List[Tokens]]  # every node a grant may reach: its ARN tokens per name alternative
    code: Dict[str, FunctionCode] = field(default_factory=dict)  # per triggered function
    cycles_cut: str = ""  # set by cycles() when a bound stopped the search: why
    cut_components: List[CutComponent] = field(default_factory=list)  # set by cycles()
    notes: List[str] = field(default_factory=list)  # where building the edges stopped short
    _between: Optional[Dict[Tuple[str, str], List[Trigger]]] = field(default=None, repr=False)
    _function_ids: Optional[frozenset] = field(default=None, repr=False)

    def triggers_between(self, source: str, consumer: str) -> List[Trigger]:
        """The triggers from one node to the next (a bucket's notifications to a function, a
        queue's mapping...), in the order the model read them; indexed once, as every hop of
        every cycle asks."""
        if self._between is None:
            self._between = {}
            for t in self.triggers:
                self._between.setdefault((t.source, t.consumer), []).append(t)
        return list(self._between.get((source, consumer), ()))

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
        """Every edge: triggers, then effects (writes)."""
        return [(t.source, t.consumer) for t in self.triggers] + list(self.effects)

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
    triggers = [t for t in model.event_triggers if not t.write]
    indexes = _grant_indexes(model, triggers)
    node_arns: Dict[str, List[Tokens]] = {}
    for index in indexes:
        node_arns.update(index.arns)
    effects: Dict[Tuple[str, str], Effect] = {}
    notes: List[str] = []
    writer_ids = writers(model)
    code = {f: code[f] for f in writer_ids if f in code}
    for function_id in writer_ids:
        function = model.functions[function_id]
        writer_code = code.get(function_id)
        permissions = Permissions(
            function_id,
            allows=[s for s in function.statements if s.effect == "Allow"],
            denies=[s for s in function.statements if s.effect == "Deny"],
            unknown=function.unknown_permissions,
            writes=writer_code.writes if writer_code is not None else [],
            grant=WriteGrant,
            not_read=lambda why, path=function.path: UnknownPermission(why, path),
        )
        for index in indexes:
            reached, note = index.reach(permissions)
            if note:
                notes.append(note)
            for target, found in reached.items():
                effects[(function_id, target)] = Effect(function_id, target, grants=found.grants,
                                                        denies=permissions.denies, unknown=found.unknown)
    for trigger in model.event_triggers:  # destinations and dead-letter queues
        if trigger.write:
            effect = effects.setdefault((trigger.source, trigger.consumer),
                                        Effect(trigger.source, trigger.consumer))
            effect.destinations.append(trigger)
    by_kind: Dict[str, List[str]] = {}  # where a task that does not name its target may write
    if any(task.targets is None for task in model.tasks):
        for node in sorted(node_arns, key=lambda n: model.order.get(n, 0)):
            by_kind.setdefault(model.kind_of(node), []).append(node)
    for task in model.tasks:
        kind = WRITE_ACTIONS.get(task.action, ("", ()))[0]
        for target in task.targets if task.targets is not None else by_kind.get(kind, []):
            effect = effects.setdefault((task.machine, target), Effect(task.machine, target))
            effect.tasks.append(task)
    if model.stacks:
        _named_across_stacks(model, effects, code, node_arns)
    return EventGraph(model, triggers, effects, node_arns, code, notes=notes)


def _grant_indexes(model: Model, triggers: List[Trigger]) -> List[GrantIndex]:
    """The nodes a write can reach, indexed for IAM grants: every node some trigger leaves,
    and every node a write runs (functions, state machines). A service with a grant index of
    its own gets its nodes (registry order); every other node goes into one ARN index, so a
    writer's statements are read once, in the order they are written."""
    own: Dict[str, Dict[str, List[Tokens]]] = {}  # service name -> its nodes, in order
    pooled: Dict[str, List[Tokens]] = {}
    kinds: Dict[str, str] = {}

    def add(node: str) -> None:
        if node in kinds:  # many triggers leave one node
            return
        kind = model.kind_of(node)
        owner = KIND_OWNER.get(kind)
        nodes = own.setdefault(owner.name, {}) if owner is not None and owner.grant_index else pooled
        nodes[node] = _arns(model, node)
        kinds[node] = kind

    for trigger in triggers:
        add(trigger.source)
    for node in list(model.functions) + list(model.resources):
        if model.kind_of(node) in INVOKED_KINDS:
            add(node)
    indexes: List[GrantIndex] = []
    for service in SERVICES:
        if service.grant_index is not None and service.name in own:
            nodes = own[service.name]
            indexes.append(service.grant_index(nodes, [t for t in triggers if t.source in nodes]))
    indexes.append(ArnGrants(pooled, kinds))
    return indexes


def _arns(model: Model, node: str) -> List[Tokens]:
    """A node's ARN tokens, one per name alternative (the default bus has no resource)."""
    arns = model.resolver.resource_arn(node) if model.raw(node) is not None else (_DEFAULT_BUS_ARN,)
    return [tokens(a, wildcards=False) for a in arns]


_DEFAULT_BUS_ARN = Pattern(("arn:aws:events:", Symbol("pseudo", "AWS::Region"), ":",
                            Symbol("pseudo", "AWS::AccountId"), ":event-bus/default"))


def _named_across_stacks(model: Model, effects: Dict[Tuple[str, str], Effect],
                         code: Dict[str, FunctionCode], node_arns: Dict[str, List[Tokens]]) -> None:
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
        if any(r.targets and target in r.targets for r in (writer_code.writes if writer_code else ())):
            continue  # the code names it: keep every grant that lets that write through
        arns = node_arns.get(target, [])
        effect.grants = [g for g in effect.grants
                         if any(a and g.resource_tokens[:len(a)] == a for a in arns)]
        effect.unknown = []
        effect.tasks = [t for t in effect.tasks if t.targets is not None]
        if not (effect.grants or effect.tasks or effect.destinations):
            del effects[key]


def _any_invoke(model: Model) -> bool:
    if any(t.action == "lambda:InvokeFunction" for t in model.tasks):
        return True
    if any(t.write and t.consumer in model.functions for t in model.event_triggers):
        return True
    return any(s.effect == "Allow" and s.grants("lambda:InvokeFunction")
               and names_service(s, "lambda:InvokeFunction")
               for f in model.functions.values() for s in f.statements)
