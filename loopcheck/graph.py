"""Stage 5, graph: trigger edges (bucket -> function) and effect edges (function -> bucket).

An effect edge exists when the function may make a call that emits an event type some
notification of the bucket subscribes to, on objects of that bucket (IAM evidence now; the
`evidence` field leaves room for handler-code facts). Key filters are not applied here:
whether a filter guards a hop depends on which notification the loop goes through next,
which loopcheck.loops decides per cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from loopcheck.code.evidence import FunctionCode, function_code
from loopcheck.globs import STAR, Tokens, covers, intersects, tokens
from loopcheck.iam import Statement
from loopcheck.knowledge.s3_events import ACTION_EVENTS, matching_events
from loopcheck.model import Model, S3Trigger, UnknownPermission
from loopcheck.values import Pattern, concat, literal

MAX_CYCLES = 200  # per template; enough to show every distinct loop a person can act on
MAX_CYCLE_LENGTH = 12


@dataclass
class WriteGrant:
    """One allowed S3 action on one resource pattern that reaches a bucket's objects."""

    statement: Statement
    action: str
    resource: Pattern
    resource_tokens: Tokens


@dataclass
class Effect:
    function: str
    bucket: str
    grants: List[WriteGrant] = field(default_factory=list)
    denies: List[Statement] = field(default_factory=list)
    unknown: List[UnknownPermission] = field(default_factory=list)


@dataclass
class EventGraph:
    model: Model
    triggers: List[S3Trigger]
    effects: Dict[Tuple[str, str], Effect]
    bucket_tokens: Dict[str, List[Tokens]]  # bucket ARN tokens per name alternative
    code: Dict[str, FunctionCode] = field(default_factory=dict)  # per triggered function

    def triggers_between(self, bucket: str, function: str) -> List[S3Trigger]:
        return [t for t in self.triggers if t.bucket == bucket and t.function == function]

    def cycles(self) -> List[List[str]]:
        """Simple cycles, each rotated to start at its first bucket in template order,
        closed (first == last), in a deterministic order; at most MAX_CYCLES."""
        if not self.effects:
            return []
        import networkx  # only templates with both kinds of edges pay for the import

        digraph = networkx.DiGraph()
        for trigger in self.triggers:
            digraph.add_edge(("b", trigger.bucket), ("f", trigger.function))
        for function, bucket in self.effects:
            digraph.add_edge(("f", function), ("b", bucket))
        order = self.model.order
        found: List[List[str]] = []
        for cycle in networkx.simple_cycles(digraph, length_bound=MAX_CYCLE_LENGTH):
            ids = [name for _, name in cycle]
            buckets = [i for i, (kind, _) in enumerate(cycle) if kind == "b"]
            start = min(buckets, key=lambda i: order.get(ids[i], 0))
            rotated = ids[start:] + ids[:start]
            found.append(rotated + [rotated[0]])
            if len(found) >= MAX_CYCLES:
                break
        found.sort(key=lambda c: [order.get(i, 0) for i in c])
        return found


def object_tokens(bucket_arn: Tokens, prefix: str = "", suffix: str = "") -> Tokens:
    """Tokens for every object ARN in a bucket whose key starts/ends as given."""
    return bucket_arn + tuple("/" + prefix) + (STAR,) + tuple(suffix)


def _bucket_arns(model: Model, bucket_id: str) -> List[Tokens]:
    head = literal("arn:aws:s3:::")
    out = []
    for name in model.buckets[bucket_id].names:
        joined = concat([head, name])
        if joined is not None:
            out.append(tokens(joined, wildcards=False))
    return out


def build_graph(model: Model) -> EventGraph:
    triggered = {t.function for t in model.triggers}
    events_by_bucket: Dict[str, set] = {}
    for trigger in model.triggers:
        events_by_bucket.setdefault(trigger.bucket, set()).update(trigger.events)
    bucket_tokens = {b: _bucket_arns(model, b) for b in events_by_bucket}
    effects: Dict[Tuple[str, str], Effect] = {}
    code: Dict[str, FunctionCode] = {}
    for function_id in sorted(triggered, key=lambda f: model.order.get(f, 0)):
        function = model.functions[function_id]
        code[function_id] = function_code(model, function)
        denies = [s for s in function.statements if s.effect == "Deny"]
        allows = [s for s in function.statements if s.effect == "Allow"]
        for bucket_id, subscribed in events_by_bucket.items():
            useful = [a for a, emitted in ACTION_EVENTS.items() if matching_events(subscribed, emitted)]
            objects = [object_tokens(arn) for arn in bucket_tokens[bucket_id]]
            effect = Effect(function_id, bucket_id, denies=denies)
            for statement in allows:
                for action in statement.granted(useful):
                    for resource, toks in zip(statement.resources, statement.resource_tokens):
                        if not any(intersects(toks, obj) for obj in objects):
                            continue
                        if any(_denied(d, action, toks) for d in denies):
                            continue
                        effect.grants.append(WriteGrant(statement, action, resource, toks))
            if function.unknown_permissions:
                effect.unknown = list(function.unknown_permissions)
            if effect.grants or effect.unknown:
                effects[(function_id, bucket_id)] = effect
    return EventGraph(model, model.triggers, effects, bucket_tokens, code)


def _denied(deny: Statement, action: str, target: Tokens) -> bool:
    return deny.grants(action) and any(covers(d, target) for d in deny.resource_tokens)
