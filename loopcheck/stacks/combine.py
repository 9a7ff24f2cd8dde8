"""Several linked templates rewritten into one, for the cross-stack stage (loopcheck.stacks.cross_stack).

Each template instance gets a number; its logical ids, parameters, conditions and mappings
are renamed `<Name>Zq<n>` (alphanumeric, so `!Sub '${X.Arn}'` still parses), and the
per-stack pseudo parameters (`AWS::StackName`...) become parameters of their own, so two
stacks' `${AWS::StackName}-bucket` never name the same bucket. What links stacks is written
in place: an import becomes the exported value, a nested stack's parameter becomes what
its parent passes, `Stack.Outputs.X` becomes the child's output, an SSM reference becomes
the published parameter's value. Nodes keep their line markers, so findings still point at
the line in the template that wrote them.

The renamed keys are internal: `Combined.origins` says what each stands for (its instance,
its file, its name as written, loopcheck.resolve.origin); the model is built with them, and
every message and step names a node, parameter or pseudo parameter through them
(Model.display, the resolver's symbols), as its own template wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from loopcheck.load.nodes import MDict, MList, marks, pack
from loopcheck.model.resources import SAM_FUNCTION, _merge_globals
from loopcheck.resolve.origin import Origin
from loopcheck.resolve.values import Resolver
from loopcheck.stacks.links import (
    MAX_INSTANCES,
    MAX_NESTING,
    NESTED_STACK,
    SAR_APPLICATION,
    SSM_PARAMETER,
    local_template,
)

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_SSM_EXACT = re.compile(r"\{\{resolve:ssm:([^}:]+)(?::\d+)?\}\}")
_SSM_TYPE = "AWS::SSM::Parameter::Value<"
_PER_STACK_PSEUDO = {"AWS::StackName": "PseudoStackName", "AWS::StackId": "PseudoStackId",
                     "AWS::NotificationARNs": "PseudoNotificationARNs"}
MAX_DEPTH = 60


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
    resolver: Resolver
    bindings: Dict[str, Any] = field(default_factory=dict)  # parameter -> parent's (rewritten) value
    children: Dict[str, Instance] = field(default_factory=dict)  # stack resource -> child
    nested: bool = False

    def q(self, name: str) -> str:
        return f"{name}Zq{self.number}"

    def origin(self, name: str) -> Origin:
        """What `q(name)` stands for."""
        return Origin(self.number, self.source.file, name)


@dataclass
class Combined:
    data: Dict[str, Any]
    # qualified name (logical ids, parameters, per-stack pseudo parameters) -> its instance,
    # file and name as written
    origins: Dict[str, Origin]
    instances: List[Instance]


def _copy_mark(new: Any, old: Any) -> Any:
    """The old container's position, and its keys' or items' when the new one has as many
    (a rewrite keeps keys and items in order)."""
    mark = getattr(old, "mark", None)
    if mark is not None:
        new.mark = mark
    for attribute in ("key_marks", "item_marks"):
        positions = getattr(old, attribute, None)
        if positions is not None and len(positions) == len(new):
            setattr(new, attribute, positions)
    return new


def _mdict(items: Dict[Any, Any], like: Any = None) -> MDict:
    out = MDict(items)
    return _copy_mark(out, like) if like is not None else out


def _dict(node: Any) -> Dict[str, Any]:
    return node if isinstance(node, dict) else {}


class _Combiner:
    def __init__(self, sources: List[Source]):
        self.sources = sources
        self.by_path = {_abs(s.file): s for s in sources}
        self.instances: List[Instance] = []
        self.exports: Dict[str, List[Tuple[Instance, Any]]] = {}
        self.ssm: Dict[str, List[Tuple[Instance, Any]]] = {}
        self._output_cache: Dict[Tuple[int, str], Any] = {}
        self._busy: set = set()
        self._fresh = 0
        self.extra_conditions: Dict[str, Any] = {}
        # (node id, instance) -> its rewrite: a node shared through YAML aliases is rewritten
        # once and stays shared (an alias bomb stays linear); the node is kept alive with it.
        self._memo: Dict[Tuple[int, int], Tuple[Any, Any]] = {}

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

    def _instantiate(self, source: Source, nested: bool, chain: Tuple[str, ...]) -> Instance:
        instance = Instance(len(self.instances), source, Resolver(source.data), nested=nested)
        self.instances.append(instance)
        for stack_id, child, _params in self._children_of(source):
            if len(chain) >= MAX_NESTING or _abs(child.file) in chain or len(self.instances) >= MAX_INSTANCES:
                continue
            instance.children[stack_id] = self._instantiate(child, True, chain + (_abs(child.file),))
        return instance

    def build(self) -> Combined:
        nested_files = {_abs(child.file) for s in self.sources for _, child, _ in self._children_of(s)}
        roots = [s for s in self.sources if _abs(s.file) not in nested_files]
        if not roots:  # every template nests another: start from the first
            roots = self.sources[:1]
        for source in roots:
            self._instantiate(source, False, (_abs(source.file),))
        for instance in self.instances:  # what each instance offers, before anything is rewritten
            for name, output in _dict(instance.source.data.get("Outputs")).items():
                export = _dict(_dict(output).get("Export"))
                if "Name" in export and "Value" in _dict(output):
                    for pattern in instance.resolver.value(export["Name"]):
                        if pattern.literal:
                            self.exports.setdefault(pattern.literal, []).append((instance, str(name)))
            for _logical_id, resource in _dict(instance.source.data.get("Resources")).items():
                resource = _dict(resource)
                props = _dict(resource.get("Properties"))
                if resource.get("Type") == SSM_PARAMETER and "Name" in props and "Value" in props:
                    for pattern in instance.resolver.value(props["Name"]):
                        if pattern.literal:
                            self.ssm.setdefault(pattern.literal, []).append((instance, props["Value"]))
        for instance in self.instances:  # parents before children: bindings use the parent's names
            source = instance.source
            for stack_id, child in instance.children.items():
                stack = _dict(source.data["Resources"][stack_id])
                params = _dict(_dict(stack.get("Properties")).get("Parameters"))
                child.bindings = {str(k): self.rewrite(v, instance) for k, v in params.items()}
        return self._assemble()

    def _assemble(self) -> Combined:
        parameters: Dict[str, Any] = {}
        mappings: Dict[str, Any] = {}
        conditions: Dict[str, Any] = {}
        resources = MDict()
        resources.key_marks = marks()
        origins: Dict[str, Origin] = {}
        for instance in self.instances:
            data = instance.source.data
            for name, param in _dict(data.get("Parameters")).items():
                origins[instance.q(str(name))] = instance.origin(str(name))
                if str(name) not in instance.bindings:
                    parameters[instance.q(str(name))] = param
            for pseudo, short in _PER_STACK_PSEUDO.items():
                parameters[instance.q(short)] = {"Type": "String"}
                origins[instance.q(short)] = instance.origin(pseudo)
            for name, table in _dict(data.get("Mappings")).items():
                mappings[instance.q(str(name))] = table
            for name, condition in _dict(data.get("Conditions")).items():
                conditions[instance.q(str(name))] = self.rewrite(condition, instance)
            globals_function = _dict(_dict(_dict(data.get("Globals")).get("Function")))
            for logical_id, resource in _dict(data.get("Resources")).items():
                qid = instance.q(str(logical_id))
                origins[qid] = instance.origin(str(logical_id))
                if (isinstance(resource, dict) and resource.get("Type") == SAM_FUNCTION and globals_function
                        and isinstance(resource.get("Properties", {}), dict)):
                    merged = _merge_globals(globals_function, _dict(resource.get("Properties")))
                    resource = _mdict({**resource, "Properties": _mdict(merged, resource.get("Properties"))},
                                      resource)
                written = data["Resources"]
                mark = written.key_mark(logical_id) if isinstance(written, MDict) else None
                resources[qid] = self.rewrite(resource, instance)
                resources.key_marks.append(pack(*mark) if mark else 0)
        conditions.update(self.extra_conditions)
        data = MDict({"Parameters": parameters, "Mappings": mappings, "Conditions": conditions,
                      "Resources": resources})
        return Combined(data, origins, self.instances)

    # -- rewriting ------------------------------------------------------------------------
    def rewrite(self, node: Any, instance: Instance, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return {"Fn::GetAZs": "too deep"}  # an opaque value: resolves to unknown
        if isinstance(node, (dict, list)):
            key = (id(node), instance.number)
            remembered = self._memo.get(key)
            if remembered is not None and remembered[0] is node:
                return remembered[1]
            value = self._rewrite(node, instance, depth)
            self._memo[key] = (node, value)
            return value
        return self._rewrite(node, instance, depth)

    def _rewrite(self, node: Any, instance: Instance, depth: int) -> Any:
        if isinstance(node, dict):
            if len(node) == 1:
                (key, arg), = node.items()
                handler = _INTRINSIC.get(key)
                if handler is not None:
                    return handler(self, arg, instance, depth + 1, node)
            out = {}
            for key, value in node.items():
                if key == "Condition" and isinstance(value, str):
                    out[key] = instance.q(value)
                else:
                    out[key] = self.rewrite(value, instance, depth + 1)
            return _mdict(out, node)
        if isinstance(node, list):
            return _copy_mark(MList(self.rewrite(item, instance, depth + 1) for item in node), node)
        if isinstance(node, str):
            match = _SSM_EXACT.fullmatch(node)
            if match and match.group(1) in self.ssm:
                return self._published(match.group(1), depth)
        return node

    def _published(self, name: str, depth: int) -> Any:
        values = [self.rewrite(value, owner, depth + 1) for owner, value in self.ssm[name]]
        return self._alternatives(values)

    def _alternatives(self, values: List[Any]) -> Any:
        """One value, or `Fn::If` arms over a made-up condition: the resolver keeps both."""
        if len(values) == 1:
            return values[0]
        self._fresh += 1
        name = f"LinkChoiceZq{self._fresh}"
        return {"Fn::If": [name, values[0], self._alternatives(values[1:])]}

    def _name(self, name: str, instance: Instance, depth: int) -> Optional[Any]:
        """What `Ref name` becomes in `instance`: a node, or None to keep it as written."""
        data = instance.source.data
        if name in _PER_STACK_PSEUDO:
            return {"Ref": instance.q(_PER_STACK_PSEUDO[name])}
        if name in _dict(data.get("Resources")):
            return {"Ref": instance.q(name)}
        params = _dict(data.get("Parameters"))
        if name in params:
            if name in instance.bindings:
                return instance.bindings[name]
            param = _dict(params[name])
            default = param.get("Default")
            if str(param.get("Type", "")).startswith(_SSM_TYPE) and isinstance(default, str):
                text = "{{resolve:ssm:" + default + "}}"
                return self._published(default, depth) if default in self.ssm else text
            return {"Ref": instance.q(name)}
        return None

    def _ref(self, arg: Any, instance: Instance, depth: int, node: Any) -> Any:
        if isinstance(arg, str):
            found = self._name(arg, instance, depth)
            if found is not None:
                return found
        return node

    def _getatt(self, arg: Any, instance: Instance, depth: int, node: Any) -> Any:
        if isinstance(arg, str) and "." in arg:
            target, _, attribute = arg.partition(".")
        elif isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
            target, attribute = arg
        else:
            return node
        if target in instance.children and attribute.startswith("Outputs."):
            return self._output(instance.children[target], attribute[len("Outputs."):], depth)
        if target in _dict(instance.source.data.get("Resources")):
            return {"Fn::GetAtt": [instance.q(target), attribute]}
        return node

    def _output(self, instance: Instance, name: str, depth: int) -> Any:
        key = (instance.number, name)
        if key in self._output_cache:
            return self._output_cache[key]
        output = _dict(_dict(instance.source.data.get("Outputs")).get(name))
        if "Value" not in output or key in self._busy:
            return {"Fn::GetAZs": f"output {name}"}  # unknown: missing, or refers to itself
        self._busy.add(key)
        try:
            value = self.rewrite(output["Value"], instance, depth + 1)
        finally:
            self._busy.discard(key)
        self._output_cache[key] = value
        return value

    def _sub(self, arg: Any, instance: Instance, depth: int, node: Any) -> Any:
        variables: Dict[str, Any] = {}
        text = arg
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text, variables = arg[0], arg[1]
        if not isinstance(text, str):
            return node
        local = {str(k): self.rewrite(v, instance, depth) for k, v in variables.items()}
        extra: Dict[str, Any] = {}

        def replace(match: re.Match) -> str:
            name = match.group(1).strip()
            if name.startswith("!") or name in local:
                return match.group(0)
            if "." in name and not name.startswith("AWS::"):
                target, _, attribute = name.partition(".")
                value = self._getatt([target, attribute], instance, depth, None)
            else:
                value = self._name(name, instance, depth)
            if value is None:
                return match.group(0)
            if isinstance(value, dict) and len(value) == 1 and "Ref" in value:
                return "${" + value["Ref"] + "}"
            if isinstance(value, dict) and len(value) == 1 and "Fn::GetAtt" in value:
                target, attribute = value["Fn::GetAtt"]
                return "${" + target + "." + attribute + "}"
            self._fresh += 1
            variable = f"LinkValueZq{self._fresh}"
            extra[variable] = value
            return "${" + variable + "}"

        rewritten = _SUB_VAR.sub(replace, text)
        whole = _SUB_VAR.fullmatch(rewritten)
        if not local and whole and whole.group(1) in extra:
            return extra[whole.group(1)]  # `!Sub '${Param}'` bound to a node: the node itself
        if not local and not extra:
            return _mdict({"Fn::Sub": rewritten}, node)
        return _mdict({"Fn::Sub": [rewritten, {**local, **extra}]}, node)

    def _import(self, arg: Any, instance: Instance, depth: int, node: Any) -> Any:
        values = []
        for pattern in instance.resolver.value(arg):
            for exporter, output in self.exports.get(pattern.literal or "", []):
                values.append(self._output(exporter, output, depth))
        if values:
            return self._alternatives(values)
        return _mdict({"Fn::ImportValue": self.rewrite(arg, instance, depth)}, node)

    def _if(self, arg: Any, instance: Instance, depth: int, node: Any) -> Any:
        if isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
            return _mdict({"Fn::If": [instance.q(arg[0]), self.rewrite(arg[1], instance, depth),
                                      self.rewrite(arg[2], instance, depth)]}, node)
        return node

    def _find_in_map(self, arg: Any, instance: Instance, depth: int, node: Any) -> Any:
        if isinstance(arg, list) and len(arg) >= 3 and isinstance(arg[0], str):
            return _mdict({"Fn::FindInMap": [instance.q(arg[0])]
                           + [self.rewrite(a, instance, depth) for a in arg[1:]]}, node)
        return node

    def _condition(self, arg: Any, instance: Instance, depth: int, node: Any) -> Any:
        return {"Condition": instance.q(arg)} if isinstance(arg, str) else node

    def _other(self, arg: Any, instance: Instance, depth: int, node: Any) -> Any:
        key = next(iter(node))
        return _mdict({key: self.rewrite(arg, instance, depth)}, node)


_INTRINSIC = {
    "Ref": _Combiner._ref,
    "Fn::GetAtt": _Combiner._getatt,
    "Fn::Sub": _Combiner._sub,
    "Fn::ImportValue": _Combiner._import,
    "Fn::If": _Combiner._if,
    "Fn::FindInMap": _Combiner._find_in_map,
    "Condition": _Combiner._condition,
    **{key: _Combiner._other for key in ("Fn::Join", "Fn::Select", "Fn::Split", "Fn::Base64",
                                         "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Fn::Cidr",
                                         "Fn::GetAZs", "Fn::ToJsonString", "Fn::Length")},
}


def _abs(path: str) -> str:
    import os

    return os.path.normpath(os.path.abspath(path))


def combine(sources: List[Source]) -> Combined:
    """One template for linked templates (in scan order); see the module docstring."""
    return _Combiner(sources).build()
