"""A Terraform plan in JSON (`terraform show -json plan.out`, format_version 1.x) read into a
TfConfiguration: every resource instance of `planned_values` (root module and child modules,
registry modules already expanded, addresses with their `[0]` / `["key"]` as Terraform prints
them), and the data sources read at plan time (`prior_state`).

A plan holds values, not expressions: a value known only after apply is missing from
`planned_values` (`after_unknown` marks it). It becomes the Reference its configuration
expression names (the expression's `references`, the most specific one, e.g.
`aws_s3_bucket.x.arn` rather than `aws_s3_bucket.x`, in the referring instance's module and at
the matching instance). A known string that equals the attribute its expression references
(a function's `filename` = the archive's `output_path`) is that Reference too, so the
translator links objects as it does for `.tf` files. Positions: the plan file, line 0; a
finding names the resource by its address.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from loopcheck.terraform.config import Reference, TfConfiguration, TfResource, Unknown

# Attributes that hold a JSON document as a string: a document known only after apply cannot
# be one Reference (its text is lost), so it stays Unknown.
DOCUMENT_ATTRIBUTES = frozenset({
    "policy", "assume_role_policy", "json", "minified_json", "definition", "filter_policy",
    "redrive_policy", "redrive_allow_policy", "event_pattern", "input", "delivery_policy",
    "access_policy", "policy_document",
})
# Names a reference can start with that are not objects of the configuration.
_NOT_OBJECTS = ("count.", "each.", "path.", "self.", "terraform.", "local.")
_MAX_HOPS = 16  # var -> caller's argument -> ... -> module output: a chain this long is not real
_INDEX = re.compile(r"\[[^\]]*\]")


class PlanError(ValueError):
    """A document with a plan's top-level keys whose contents are not a plan's shape."""


@dataclass
class _ModuleConfig:
    """One module's `configuration` entry: its resources' expressions by configuration
    address, its calls, and its caller (for `var.*` of a child module)."""

    resources: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    calls: Dict[str, _ModuleConfig] = field(default_factory=dict)
    call_expressions: Dict[str, Any] = field(default_factory=dict)  # this module's arguments, in its caller
    outputs: Dict[str, Any] = field(default_factory=dict)
    parent: Optional[_ModuleConfig] = None


def read_plan(path: str, document: Dict[str, Any]) -> TfConfiguration:
    """The plan's resources as a TfConfiguration. PlanError when the document is not the shape
    of a plan of format 1.x."""
    version = document.get("format_version")
    if not isinstance(version, str) or version.split(".")[0] != "1":
        raise PlanError(f"unsupported plan format_version {version!r} (loopcheck reads 1.x)")
    planned = _mapping(document.get("planned_values", {}), "planned_values")
    config = TfConfiguration(source=path)
    instances: List[Tuple[Dict[str, Any], str]] = []  # (planned resource, module path of its address)
    _collect(_mapping(planned.get("root_module", {}), "planned_values.root_module"), instances,
             "planned_values.root_module")
    seen = {resource.get("address") for resource, _ in instances}
    prior = document.get("prior_state")
    if isinstance(prior, dict) and isinstance(prior.get("values"), dict):
        # Data sources read while planning are in the prior state, not in planned_values.
        before: List[Tuple[Dict[str, Any], str]] = []
        _collect(_mapping(prior["values"].get("root_module", {}), "prior_state.values.root_module"), before,
                 "prior_state.values.root_module")
        instances.extend(item for item in before
                         if item[0].get("mode") == "data" and item[0].get("address") not in seen)
    unknowns = _after_unknown(document.get("resource_changes", []))
    root_config = _module_config(_configuration_root(document))
    reader = _Reader(instances, root_config, config.notes)
    folder = os.path.dirname(path)
    for resource, _module in instances:
        address = resource["address"]
        values = reader.values_of(resource, unknowns.get(address))
        config.resources.append(TfResource(
            address=address, mode=resource.get("mode", "managed"), type=str(resource.get("type", "")),
            values=values, file=path, line=0, module_dir=folder))
    config.notes = list(dict.fromkeys(config.notes))
    return config


def _mapping(value: Any, where: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise PlanError(f"{where} is not an object")
    return value


def _collect(module: Dict[str, Any], out: List[Tuple[Dict[str, Any], str]], where: str) -> None:
    """The resources of a planned module and its child modules, depth first, in plan order."""
    stack = [(module, where)]
    while stack:
        current, at = stack.pop()
        resources = current.get("resources", [])
        if not isinstance(resources, list):
            raise PlanError(f"{at}.resources is not a list")
        for index, resource in enumerate(resources):
            if not isinstance(resource, dict) or not isinstance(resource.get("address"), str) \
                    or not isinstance(resource.get("values") or {}, dict):
                raise PlanError(f"{at}.resources[{index}] is not a resource "
                                "(an object with an address and values)")
            out.append((resource, str(current.get("address", ""))))
        children = current.get("child_modules", [])
        if not isinstance(children, list) or not all(isinstance(child, dict) for child in children):
            raise PlanError(f"{at}.child_modules is not a list of modules")
        stack.extend(reversed([(child, f"{at}.child_modules[{i}]") for i, child in enumerate(children)]))


def _after_unknown(changes: Any) -> Dict[str, Any]:
    """address -> the change's after_unknown tree (True where a value is known only after apply)."""
    if not isinstance(changes, list):
        raise PlanError("resource_changes is not a list")
    found: Dict[str, Any] = {}
    for change in changes:
        if isinstance(change, dict) and isinstance(change.get("change"), dict):
            unknown = change["change"].get("after_unknown")
            if isinstance(change.get("address"), str) and unknown:
                found[change["address"]] = unknown
    return found


def _configuration_root(document: Dict[str, Any]) -> Dict[str, Any]:
    configuration = document.get("configuration")
    if not isinstance(configuration, dict):
        return {}
    root = configuration.get("root_module")
    return root if isinstance(root, dict) else {}


def _module_config(module: Dict[str, Any], parent: Optional[_ModuleConfig] = None,
                   arguments: Optional[Dict[str, Any]] = None, depth: int = 0) -> _ModuleConfig:
    node = _ModuleConfig(parent=parent, call_expressions=arguments or {})
    for resource in module.get("resources", []) if isinstance(module.get("resources"), list) else []:
        if isinstance(resource, dict) and isinstance(resource.get("address"), str):
            expressions = resource.get("expressions")
            node.resources[resource["address"]] = expressions if isinstance(expressions, dict) else {}
    outputs = module.get("outputs")
    if isinstance(outputs, dict):
        node.outputs = {name: output.get("expression") for name, output in outputs.items()
                        if isinstance(output, dict)}
    calls = module.get("module_calls")
    if isinstance(calls, dict) and depth < _MAX_HOPS:
        for name, call in calls.items():
            if isinstance(call, dict) and isinstance(call.get("module"), dict):
                expressions = call.get("expressions")
                arguments = expressions if isinstance(expressions, dict) else {}
                node.calls[name] = _module_config(call["module"], node, arguments, depth + 1)
    return node


def _module_names(module_address: str) -> List[str]:
    """`module.a["x"].module.b[0]` -> ["a", "b"]: the configuration path of a module instance."""
    parts = _INDEX.sub("", module_address).split(".") if module_address else []
    return [parts[i + 1] for i in range(0, len(parts) - 1, 2) if parts[i] == "module"]


def _split_address(address: str) -> Tuple[str, str]:
    """`module.a[0].aws_s3_bucket.b["k"]` -> ('module.a[0]', 'aws_s3_bucket.b["k"]')."""
    steps = _address_steps(address)
    cut = 0
    while cut + 1 < len(steps) and steps[cut].startswith("module"):
        cut += 2
    return ".".join(steps[:cut]), ".".join(steps[cut:])


def _address_steps(address: str) -> List[str]:
    """An address split at its dots, a bracketed key (which may hold dots) kept whole."""
    steps, current, depth = [], [], 0
    for char in address:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "." and depth == 0:
            steps.append("".join(current))
            current = []
        else:
            current.append(char)
    steps.append("".join(current))
    return steps


class _Reader:
    """Values of planned resources, with unknowns and references put back from the configuration."""

    def __init__(self, instances: List[Tuple[Dict[str, Any], str]], root: _ModuleConfig, notes: List[str]):
        self.root = root
        self.notes = notes
        self.by_address = {resource["address"]: resource for resource, _ in instances}
        # (module instance, resource address without its index) -> instance addresses, in plan order
        self.instances: Dict[Tuple[str, str], List[str]] = {}
        for resource, _ in instances:
            module, local = _split_address(resource["address"])
            self.instances.setdefault((module, _INDEX.sub("", local)), []).append(resource["address"])

    def values_of(self, resource: Dict[str, Any], unknown: Any) -> Dict[str, Any]:
        address = resource["address"]
        module, local = _split_address(address)
        config = self._config_of(module)
        expressions = config.resources.get(_INDEX.sub("", local), {}) if config else {}
        context = _Context(module, local, config)
        values = dict(resource.get("values") or {})
        written = config is not None and _INDEX.sub("", local) in config.resources
        if isinstance(unknown, dict):
            for name, marks in unknown.items():
                if written and name not in expressions and values.get(name) is None:
                    values.pop(name, None)  # an attribute the provider computes (arn, id): not an argument
                elif name not in values or values[name] is None:
                    values[name] = self._unknown_value(marks, expressions.get(name), context, name)
                else:
                    values[name] = self._fill(values[name], marks, expressions.get(name), context, name)
        for name, value in list(values.items()):
            values[name] = self._relink(value, expressions.get(name), context)
        return values

    def _config_of(self, module: str) -> Optional[_ModuleConfig]:
        node: Optional[_ModuleConfig] = self.root
        for name in _module_names(module):
            node = node.calls.get(name) if node else None
        return node

    def _fill(self, value: Any, marks: Any, expression: Any, context: _Context, name: str) -> Any:
        """`value` with the parts `marks` says are unknown put back, walking both together."""
        if marks is True:
            return self._unknown_value(True, expression, context, name)
        if isinstance(value, list) and isinstance(marks, list):
            items = expression if isinstance(expression, list) else [expression] * len(value)
            filled = list(value)
            for index, mark in enumerate(marks[:len(value)]):
                if mark:
                    sub = items[index] if index < len(items) else expression
                    filled[index] = self._fill(value[index], mark, sub, context, name)
            filled.extend(self._unknown_value(mark, expression, context, name)
                          for mark in marks[len(value):] if mark)
            return filled
        if isinstance(value, dict) and isinstance(marks, dict):
            filled = dict(value)
            block = expression if isinstance(expression, dict) and "references" not in expression \
                and "constant_value" not in expression else None
            for key, mark in marks.items():
                if not mark:
                    continue
                sub = block.get(key) if block is not None else expression
                if block is not None and sub is None and filled.get(key) is None:
                    filled.pop(key, None)  # computed inside a block, not written
                elif key in filled and filled[key] is not None:
                    filled[key] = self._fill(filled[key], mark, sub, context, key)
                else:
                    filled[key] = self._unknown_value(mark, sub, context, key)
            return filled
        return value

    def _unknown_value(self, marks: Any, expression: Any, context: _Context, name: str) -> Any:
        """What stands for a value known only after apply."""
        if isinstance(marks, list):
            if isinstance(expression, list) and len(expression) == len(marks):  # blocks, one by one
                return [self._unknown_value(mark, sub, context, name) for mark, sub in zip(marks, expression)]
            if isinstance(expression, list):
                expression = expression[0] if len(expression) == 1 else None
            return [self._unknown_value(mark, expression, context, name) for mark in marks]
        if isinstance(expression, list):  # one nested block
            expression = expression[0] if len(expression) == 1 else None
        if isinstance(marks, dict):
            block = expression if isinstance(expression, dict) and "references" not in expression else None
            return {key: self._unknown_value(mark, block.get(key) if block else expression, context, key)
                    for key, mark in marks.items()}
        references = _references(expression)
        if name not in DOCUMENT_ATTRIBUTES:
            target = self._most_specific(references, context)
            if target is not None:
                return target
        return Unknown("(known after apply" + (": " + ", ".join(references) if references else "") + ")")

    def _relink(self, value: Any, expression: Any, context: _Context) -> Any:
        """A known string is the Reference its expression names when it equals that attribute's
        value (the expression is then that reference, not text built around it)."""
        if isinstance(value, str) and isinstance(expression, dict):
            for text in _references(expression):
                target = self._resolve(text, context, 0)
                if target is not None and target.attribute:
                    planned = self.by_address.get(target.address)
                    if planned is not None and (planned.get("values") or {}).get(target.attribute) == value:
                        return target
            return value
        if isinstance(expression, dict) and "references" in expression and isinstance(value, (list, dict)):
            # one expression for a whole list or map: each string in it checked against its references
            items = value.items() if isinstance(value, dict) else enumerate(value)
            relinked = {key: self._relink(item, expression, context) for key, item in items}
            return relinked if isinstance(value, dict) else list(relinked.values())
        if isinstance(value, list) and isinstance(expression, list) and len(expression) == len(value):
            return [self._relink(item, sub, context) for item, sub in zip(value, expression)]
        if isinstance(value, dict) and isinstance(expression, dict) and "references" not in expression \
                and "constant_value" not in expression:
            return {key: self._relink(item, expression.get(key), context) for key, item in value.items()}
        return value

    def _most_specific(self, references: List[str], context: _Context, hops: int = 0) -> Optional[Reference]:
        """The Reference the expression's references name, when they name one object (the
        longest of them); None when they name none or several."""
        targets: List[Reference] = []
        for text in references:
            target = self._resolve(text, context, hops)
            if target is not None:
                targets.append(target)
        objects = {target.address for target in targets}
        if len(objects) != 1:
            return None
        with_attribute = [target for target in targets if target.attribute]
        return with_attribute[0] if with_attribute else targets[0]

    def _resolve(self, text: str, context: _Context, hops: int) -> Optional[Reference]:
        """A reference as written in a module -> the Reference to a planned instance."""
        if hops > _MAX_HOPS or text.startswith(_NOT_OBJECTS):
            return None
        steps = _address_steps(text)
        if steps[0] == "var" and len(steps) >= 2:
            return self._through_caller(steps[1], context, hops)
        if steps[0] == "module":  # `module.m` alone is the whole call: its output names the object
            return self._through_output(steps[1], steps[2], context, hops) if len(steps) >= 3 else None
        size = 3 if steps[0] == "data" else 2
        if len(steps) < size:
            return None
        local = ".".join(steps[:size])
        attribute = steps[size] if len(steps) > size else ""
        return Reference(self._instance(context, local), _INDEX.sub("", attribute))

    def _instance(self, context: _Context, local: str) -> str:
        """The planned instance a reference names: its own index when written, else the
        referrer's index where the target has the same one, else its only instance."""
        prefix = f"{context.module}." if context.module else ""
        plain = _INDEX.sub("", local)
        found = self.instances.get((context.module, plain), [])
        if prefix + local in found or local != plain:
            return prefix + local
        own_key = _INDEX.findall(context.local)
        for candidate in found:
            if own_key and candidate.endswith(own_key[-1]):
                return candidate
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            self.notes.append(f"{context.module or 'root module'}: {plain} has {len(found)} instances; "
                              f"a reference to it is read as the first, {found[0]}")
            return found[0]
        return prefix + local

    def _through_caller(self, variable: str, context: _Context, hops: int) -> Optional[Reference]:
        config = context.config
        if config is None or config.parent is None or not context.module:
            return None
        caller_module = context.module.rsplit(".module.", 1)[0] if ".module." in context.module else ""
        caller = _Context(caller_module, context.local, config.parent)
        return self._most_specific(_references(config.call_expressions.get(variable)), caller, hops + 1)

    def _through_output(self, call: str, output: str, context: _Context, hops: int) -> Optional[Reference]:
        config = context.config.calls.get(call) if context.config else None
        if config is None:
            return None
        prefix = f"{context.module}." if context.module else ""
        instances = sorted({module for module, _ in self.instances
                            if _INDEX.sub("", module) == _INDEX.sub("", f"{prefix}module.{call}")})
        module = instances[0] if instances else f"{prefix}module.{call}"
        inside = _Context(module, "", config)
        return self._most_specific(_references(config.outputs.get(output)), inside, hops + 1)


@dataclass
class _Context:
    """Where a reference is written: the referring instance's module and local address."""

    module: str
    local: str
    config: Optional[_ModuleConfig]


def _references(expression: Any) -> List[str]:
    """The `references` of one expression (or of every expression of a block), in order."""
    if isinstance(expression, dict):
        if isinstance(expression.get("references"), list):
            return [text for text in expression["references"] if isinstance(text, str)]
        if "constant_value" in expression:
            return []
        found: List[str] = []
        for sub in expression.values():
            found.extend(_references(sub))
        return found
    if isinstance(expression, list):
        found = []
        for sub in expression:
            found.extend(_references(sub))
        return found
    return []
