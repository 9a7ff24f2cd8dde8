"""Linked templates, for the cross-stack stage (loopcheck.stacks.cross_stack).

Each template of a linked group is deployed once as itself, and once more under every parent
that nests it: each such stack instance gets a number and its own resolver
(loopcheck.resolve.values.Resolver with that number and this linker as its `Link`). Nothing is
rewritten: a node of an instance is `NodeKey(number, logical id)`, and what links instances is
answered when a resolver asks for it: a nested stack's parameter is what its parent passes
(resolved by the parent's resolver), `Stack.Outputs.X` is the child's output, an import is the
exported value, an SSM reference is the published parameter's value (every stack's that
publishes it, as alternatives).

Readers that take a property only when it is written as a literal (an S3 key filter's
`Value`, event types) see what a parent passes, too: where a parent passes a literal, the
child's `Ref` to that parameter is replaced by it in the resources the model reads
(`Instance.data`). A literal means the same in every stack; an expression is left to the
resolvers, which resolve it in the stack that wrote it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

from loopcheck.load.nodes import MDict, MList
from loopcheck.resolve.values import Resolver, Targets
from loopcheck.stacks.links import (
    MAX_INSTANCES,
    MAX_NESTING,
    NESTED_STACK,
    SAR_APPLICATION,
    SSM_PARAMETER,
    local_template,
)

_SSM_EXACT = re.compile(r"\{\{resolve:ssm:([^}:]+)(?::\d+)?\}\}")
_SSM_TYPE = "AWS::SSM::Parameter::Value<"
MAX_DEPTH = 60  # nesting of a resource's properties, beyond which nothing is replaced


@dataclass
class Source:
    """One decoded template of the scan."""

    file: str
    data: Dict[str, Any]


@dataclass
class Instance:
    """A template as deployed once: itself, or a nested stack under a parent."""

    number: int
    source: Source
    resolver: Resolver  # linked: reaches the other instances through the Linker
    plain: Resolver  # the template alone: export, import and SSM names as the template writes them
    parent: Optional[Instance] = None
    bindings: Dict[str, Any] = field(default_factory=dict)  # parameter -> what the parent passes
    children: Dict[str, Instance] = field(default_factory=dict)  # stack resource -> child
    nested: bool = False
    # The template's Resources as the model reads them: as written, with the literals the
    # parent passes in place of the `Ref`s to those parameters (see the module docstring).
    resources: Any = None


def _dict(node: Any) -> Dict[str, Any]:
    return node if isinstance(node, dict) else {}


class Linker:
    """The stack instances of a linked group, and the links between them (the resolvers' Link)."""

    def __init__(self, sources: List[Source]):
        self.sources = sources
        self.by_path = {_abs(s.file): s for s in sources}
        self.instances: List[Instance] = []
        self.exports: Dict[str, List[Tuple[Instance, str]]] = {}  # export name -> (exporter, output)
        self.ssm: Dict[str, List[Tuple[Instance, Any]]] = {}  # parameter name -> (publisher, value)
        self.busy: Set[Tuple[int, int]] = set()

    # -- instances ----------------------------------------------------------------------
    def _children_of(self, source: Source) -> List[Tuple[str, Source, Dict[str, Any]]]:
        out = []
        for logical_id, resource in _dict(source.data.get("Resources")).items():
            resource = _dict(resource)
            props = _dict(resource.get("Properties"))
            location = (props.get("TemplateURL") if resource.get("Type") == NESTED_STACK
                        else props.get("Location") if resource.get("Type") == SAR_APPLICATION else None)
            path = local_template(source.file, location)
            if path and path in self.by_path:
                out.append((str(logical_id), self.by_path[path], _dict(props.get("Parameters"))))
        return out

    def _instantiate(self, source: Source, parent: Optional[Instance], chain: Tuple[str, ...]) -> Instance:
        number = len(self.instances)
        linked = Resolver(source.data, stack=number, link=self)
        instance = Instance(number, source, linked, Resolver(source.data), parent=parent,
                            nested=parent is not None)
        self.instances.append(instance)
        for stack_id, child, params in self._children_of(source):
            if len(chain) >= MAX_NESTING or _abs(child.file) in chain or len(self.instances) >= MAX_INSTANCES:
                continue
            nested = self._instantiate(child, instance, chain + (_abs(child.file),))
            nested.bindings = {str(k): v for k, v in params.items()}
            instance.children[stack_id] = nested
        return instance

    def link(self) -> List[Instance]:
        nested_files = {_abs(child.file) for s in self.sources for _, child, _ in self._children_of(s)}
        roots = [s for s in self.sources if _abs(s.file) not in nested_files]
        if not roots:  # every template nests another: start from the first
            roots = self.sources[:1]
        for source in roots:
            self._instantiate(source, None, (_abs(source.file),))
        for instance in self.instances:  # what each instance offers
            for name, output in _dict(instance.source.data.get("Outputs")).items():
                export = _dict(_dict(output).get("Export"))
                if "Name" in export and "Value" in _dict(output):
                    for pattern in instance.plain.value(export["Name"]):
                        if pattern.literal:
                            self.exports.setdefault(pattern.literal, []).append((instance, str(name)))
            for _logical_id, resource in _dict(instance.source.data.get("Resources")).items():
                resource = _dict(resource)
                props = _dict(resource.get("Properties"))
                if resource.get("Type") == SSM_PARAMETER and "Name" in props and "Value" in props:
                    for pattern in instance.plain.value(props["Name"]):
                        if pattern.literal:
                            self.ssm.setdefault(pattern.literal, []).append((instance, props["Value"]))
        for instance in self.instances:
            instance.resources = _with_literals(instance)
        return self.instances

    # -- the resolvers' Link ------------------------------------------------------------
    def resolver(self, stack: int) -> Resolver:
        return self.instances[stack].resolver

    def targets(self, stack: int, kind: str, name: Any, attribute: str = "") -> Optional[Targets]:
        instance = self.instances[stack]
        if kind == "parameter":
            return self._parameter(instance, name)
        if kind == "output":
            child = instance.children.get(name)
            return self._output(child, attribute) if child is not None else None
        if kind == "import":
            found = [target for pattern in instance.plain.value(name)
                     for exporter, output in self.exports.get(pattern.literal or "", [])
                     for target in self._output(exporter, output)]
            return found or None
        if kind == "ssm":
            match = _SSM_EXACT.fullmatch(name) if isinstance(name, str) else None
            return self._published(match.group(1)) if match else None
        return None

    def _parameter(self, instance: Instance, name: str) -> Optional[Targets]:
        params = _dict(instance.source.data.get("Parameters"))
        if name not in params:
            return None
        if name in instance.bindings and instance.parent is not None:
            return [(instance.parent.resolver, instance.bindings[name])]
        param = _dict(params[name])
        default = param.get("Default")
        if str(param.get("Type", "")).startswith(_SSM_TYPE) and isinstance(default, str):
            # The parameter's value is the SSM parameter's: a stack of the group may publish it.
            return self._published(default) or [(instance.resolver, "{{resolve:ssm:" + default + "}}")]
        return None

    def _published(self, name: str) -> Optional[Targets]:
        found = [(owner.resolver, value) for owner, value in self.ssm.get(name, [])]
        return found or None

    def _output(self, instance: Instance, name: str) -> Targets:
        output = _dict(_dict(instance.source.data.get("Outputs")).get(name))
        if "Value" not in output:
            return [(instance.resolver, {"Fn::GetAZs": f"output {name}"})]  # missing: unknown
        return [(instance.resolver, output["Value"])]


def _with_literals(instance: Instance) -> Any:
    """The instance's Resources with each `Ref` to a parameter its parent passes a literal
    replaced by that literal (the Resources as written when there is none). Nodes shared
    through YAML aliases are copied once and stay shared."""
    written = instance.source.data.get("Resources")
    declared = _dict(instance.source.data.get("Parameters"))
    literals = {name: value for name, value in instance.bindings.items()
                if name in declared and name not in _dict(written) and _is_literal(value)}
    if not literals:
        return written
    copies: Dict[int, Tuple[Any, Any]] = {}

    def copy(node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH or not isinstance(node, (dict, list)):
            return node
        ref = node.get("Ref") if isinstance(node, dict) and len(node) == 1 else None
        if isinstance(ref, str) and ref in literals:
            return literals[ref]
        known = copies.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        if isinstance(node, dict):
            out: Any = like(MDict({key: copy(value, depth + 1) for key, value in node.items()}), node)
        else:
            out = like(MList(copy(item, depth + 1) for item in node), node)
        copies[id(node)] = (node, out)  # the node is kept alive with its copy: its id stays its own
        return out

    return copy(written, 0)


def _is_literal(value: Any) -> bool:
    """A value that means the same in every stack: a string (not an SSM reference, which a
    stack of the group may publish), a number, a boolean, or a list of those."""
    if isinstance(value, list):
        return all(_is_literal(item) and not isinstance(item, list) for item in value)
    if isinstance(value, str):
        return not value.startswith("{{resolve:")
    return isinstance(value, (int, float, bool))


def like(new: Any, old: Any) -> Any:
    """A new mapping or list where `old` was written: its position, and its keys' or items'
    when it has as many (a copy keeps them in order)."""
    mark = getattr(old, "mark", None)
    if mark is not None:
        new.mark = mark
    for attribute in ("key_marks", "item_marks"):
        positions = getattr(old, attribute, None)
        if positions is not None and len(positions) == len(new):
            setattr(new, attribute, positions)
    return new


def _abs(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def link(sources: List[Source]) -> List[Instance]:
    """The stack instances of linked templates (in scan order); see the module docstring."""
    return Linker(sources).link()
