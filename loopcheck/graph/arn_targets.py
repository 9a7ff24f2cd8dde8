"""Stage 5, graph: which queues, topics, tables, streams, buses, delivery streams, state machines
and functions a writer's IAM grants reach, by the node's own ARN: the grant index of every
service without one of its own (loopcheck.services.base.Service.grant_index).

A grant for one of the service's write actions reaches a node when its resource pattern
matches the node's ARN and no Deny covers it. Nodes that a write runs (functions, state
machines) need a grant naming them (Service.invoked). Handler code's writes add the node they
resolve to without a grant: the grant is checked when the hop is judged (loopcheck.judge.hops).
A function or state machine whose template sets no name has one CloudFormation generates
(Service.generated_name); a grant matching that name through a wildcard (`function:*Resize*`)
is taken to allow an invoke the code shows, and only that: it reaches no node by itself.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from loopcheck.resolve.globs import ONE, STAR, Tokens, intersects
from loopcheck.resolve.values import Symbol
from loopcheck.services.base import LOGICAL_ID, STACK_NAME, SUFFIX, Permissions, Reached, denied
from loopcheck.services.registry import GENERATED_NAMES, INVOKED_KINDS, WRITE_ACTIONS


def names_service(statement, action: str) -> bool:
    """Whether a statement names the action's service (`lambda:*`, not `*` alone)."""
    service = action.split(":", 1)[0] + ":"
    return not statement.not_action and any(a.startswith(service) for a in statement.actions)


def _name_part(toks: Tokens, marker: str) -> Optional[Tokens]:
    """What a grant's resource says after `marker` (`function:`, `stateMachine:`), or None."""
    marked = tuple(marker)
    for index in range(len(toks) - len(marked) + 1):
        if toks[index:index + len(marked)] == marked:
            return toks[index + len(marked):]
    return None


def _names_one(toks: Tokens, marker: str) -> bool:
    """Whether an invoke/start-execution grant names its function or state machine: a grant
    on every function (`*`, `...:function:*`) would make every function with AWSLambdaRole a
    self-invoking loop; only handler code can show which one it really invokes."""
    rest = _name_part(toks, marker)
    return bool(rest) and rest[0] is not STAR


def _names_fragment(toks: Tokens, marker: str) -> bool:
    """Whether a grant's name part (after `function:`) holds more than wildcards and hyphens:
    `function:*Resize*` names a fragment, `function:*` and `function:*-*` name none."""
    rest = _name_part(toks, marker) or ()
    return any(isinstance(t, Symbol) or (isinstance(t, str) and t.isalnum()) for t in rest)


def generated_arn(arn: Tokens, kind: str) -> Tuple[Tokens, str]:
    """The ARN of a node whose template sets no name, with the name CloudFormation generates
    spelled out as a glob: the logical id's letters between symbols for the stack's name and
    the random suffix (`${AWS::StackName}-Resize-<suffix>`), and that name as text; ((), "")
    for a node with a name of its own. Only for checking grants: a name longer than the
    service allows is cut short, so a grant that matches this one may miss the real name."""
    parts, marker = GENERATED_NAMES.get(kind), INVOKED_KINDS.get(kind, "")
    head = len(arn) - 1
    name = arn[-1] if arn else None
    if not parts or not isinstance(name, Symbol) or name.kind != "resource" or name.attribute:
        return (), ""
    if arn[head - len(marker):head] != tuple(marker):
        return (), ""
    out: List[object] = list(arn[:head])
    text: List[str] = []
    for part in parts:
        if part == STACK_NAME:
            out.append(Symbol("pseudo", "AWS::StackName", stack=name.stack))
            text.append("${AWS::StackName}")
        elif part == LOGICAL_ID:
            out.extend(name.name)
            text.append(name.name)
        elif part == SUFFIX:  # random: no grant names it
            out.append(Symbol("unknown", f"{name.name} suffix", stack=name.stack))
            text.append(SUFFIX)
        else:
            out.extend(part)
            text.append(part)
    return tuple(out), "".join(text)


class ArnGrants:
    """Write targets by kind, with an exact index of their ARNs and, per width, an index of
    their ARNs' starts, so a policy resource is matched only against the nodes it can name."""

    def __init__(self, arns: Dict[str, List[Tokens]], kinds: Dict[str, str]):
        self.arns = arns
        self.kinds = kinds
        self.by_kind: Dict[str, Dict[str, List[Tokens]]] = {}
        for node, node_arns in arns.items():
            self.by_kind.setdefault(kinds[node], {})[node] = node_arns
        self._exact: Dict[str, Dict[Tokens, List[str]]] = {}  # per kind, built when asked
        self._by_start: Dict[Tuple[str, int], Dict[Tokens, List[str]]] = {}  # per kind and width

    def reached(self, kind: str, toks: Tokens) -> List[str]:
        """Targets of a kind whose ARN a resource pattern matches: a dictionary look-up for a
        pattern without wildcards (most policies), else the nodes whose ARN starts as the
        pattern does, each checked."""
        targets = self.by_kind[kind]
        if not any(t is STAR or t is ONE for t in toks):
            exact = self._exact.get(kind)
            if exact is None:
                exact = self._exact[kind] = {}
                for target, arns in targets.items():
                    for arn in arns:
                        exact.setdefault(arn, []).append(target)
            return list(dict.fromkeys(exact.get(toks, [])))
        width = next(i for i, t in enumerate(toks) if t is STAR or t is ONE)
        if width == 0:
            return [t for t, arns in targets.items() if any(intersects(toks, arn) for arn in arns)]
        by_start = self._by_start.get((kind, width))
        if by_start is None:
            by_start = self._by_start[(kind, width)] = {}
            for target, arns in targets.items():
                for arn in arns:
                    listed = by_start.setdefault(arn[:width], [])
                    if target not in listed:
                        listed.append(target)
        return [t for t in by_start.get(toks[:width], []) if any(intersects(toks, arn) for arn in targets[t])]

    def reach(self, permissions: Permissions) -> Tuple[Dict[str, Reached], str]:
        """The nodes one writer reaches: by its grants (in statement, action, resource
        order), its code's writes, and permissions it has that loopcheck cannot see."""
        out: Dict[str, Reached] = {}
        for statement in permissions.allows:
            for action, (kind, _emits) in WRITE_ACTIONS.items():
                if kind not in self.by_kind or not statement.grants(action):
                    continue
                marker = INVOKED_KINDS.get(kind)
                if marker is not None and not names_service(statement, action):
                    continue  # `*` alone is not taken to mean a function invokes itself
                for resource, toks in zip(statement.resources, statement.resource_tokens):
                    if marker is not None and not _names_one(toks, marker):
                        continue  # nor is invoking `function:*`: that needs the code to show it
                    for target in self.reached(kind, toks):
                        if any(denied(d, action, toks) for d in permissions.denies):
                            continue
                        found = out.setdefault(target, Reached())
                        found.grants.append(permissions.grant(statement, action, resource, toks))
        for resolved in permissions.writes:
            for target in resolved.targets or ():
                if target in self.arns:
                    found = out.setdefault(target, Reached())
                    if not found.grants:
                        found.grants.extend(self._through_generated_name(permissions, target))
        if permissions.unknown:  # invisible permissions may reach any queue, topic, table, stream or bus
            for kind, targets in self.by_kind.items():
                if kind in INVOKED_KINDS:
                    continue  # not every function is assumed to invoke every other one
                for target in targets:
                    out.setdefault(target, Reached()).unknown = list(permissions.unknown)
        return out, ""

    def _through_generated_name(self, permissions: Permissions, target: str) -> List[object]:
        """Grants that allow a write the code shows into a function or state machine without a
        name only through the name CloudFormation generates for it (`function:*Resize*`); each
        says so (its generated_name). A grant naming no fragment (`function:*`) is not one: it
        names no function, and so no invoke, even one the code shows."""
        kind = self.kinds[target]
        marker = INVOKED_KINDS.get(kind)
        if marker is None:
            return []
        generated = [generated_arn(arn, kind) for arn in self.arns[target]]
        generated = [(toks, text) for toks, text in generated if toks]
        out: List[object] = []
        for statement in permissions.allows:
            for action, (action_kind, _emits) in WRITE_ACTIONS.items():
                if action_kind != kind or not statement.grants(action) or not names_service(statement, action):
                    continue
                for resource, toks in zip(statement.resources, statement.resource_tokens):
                    if not _names_fragment(toks, marker):
                        continue
                    text = next((t for arn, t in generated if intersects(toks, arn)), "")
                    if text and not any(denied(d, action, toks) for d in permissions.denies):
                        out.append(permissions.grant(statement, action, resource, toks, generated_name=text))
        return out
