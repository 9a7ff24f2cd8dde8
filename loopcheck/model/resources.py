"""Stage 3, model: the typed resources loop detection needs, from SAM and CloudFormation.

SAM is read natively (cfn-lint >= 1.54 no longer transforms it): `AWS::Serverless::Function`
with `Globals.Function` merged, its S3 events and its `Policies`. Raw CloudFormation
(`AWS::S3::Bucket` notifications, `AWS::Lambda::Function`, roles and policies) and CDK's
`Custom::S3BucketNotifications` land in the same dataclasses (loopcheck.model.types), so later
stages never care which shape a template used.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from loopcheck.knowledge import sam_policy_templates
from loopcheck.knowledge.managed_policies import (
    aws_managed_policy_name,
    dataset_label,
    managed_policy_name,
    managed_policy_statements,
)
from loopcheck.model.events import add_event_paths
from loopcheck.model.iam import statements_from_document
from loopcheck.model.readers import _dict
from loopcheck.model.types import (
    BUCKET,
    FUNCTION_TYPES,
    LAMBDA_FUNCTION,
    SAM_FUNCTION,
    Bucket,
    Function,
    Model,
    Outside,
    Path,
    Resource,
    Stack,
    TaskWrite,
    Trigger,
    UnknownPermission,
)
from loopcheck.resolve.props import is_intrinsic, literal_list, literal_str, mapping
from loopcheck.resolve.values import Pattern, Resolver, branches, items_of


def _merge_globals(global_props: Dict[str, Any], own: Dict[str, Any]) -> Dict[str, Any]:
    """SAM's Globals rules: maps merge, lists concatenate, the resource's scalars win."""
    merged: Dict[str, Any] = dict(global_props)
    for key, value in own.items():
        base = merged.get(key)
        if isinstance(base, dict) and isinstance(value, dict):
            merged[key] = _merge_globals(base, value)
        elif isinstance(base, list) and isinstance(value, list):
            merged[key] = base + value
        else:
            merged[key] = value
    return merged


class _Builder:
    def __init__(self, file: str, data: Dict[str, Any],
                 managed_policies: Optional[Mapping[str, List[Dict[str, Any]]]] = None,
                 stacks: Optional[List[Stack]] = None, resource_files: Optional[Dict[str, str]] = None):
        self.file = file
        self.resource_files = dict(resource_files or {})
        self.extra_policies = dict(managed_policies or {})  # by policy name, from configuration
        self.data = data
        self.resources = _dict(data.get("Resources"))
        self.stacks = list(stacks or [])
        self.resolver = self.stacks[0].resolver if self.stacks else Resolver(data)
        self.buckets: Dict[str, Bucket] = {}
        self.functions: Dict[str, Function] = {}
        self._policies_by_role: Dict[str, List[str]] = {}

    def build(self) -> Model:
        globals_function = _dict(_dict(_dict(self.data.get("Globals")).get("Function")))
        for key, resource in self.resources.items():
            if not isinstance(resource, dict):
                continue
            rtype = resource.get("Type")
            path = ("Resources", key)
            logical_id = key if self.stacks else str(key)
            if rtype == BUCKET:
                bucket = Bucket(logical_id, path, self.resolver.resource_name(logical_id))
                self.buckets[bucket.id] = bucket
            elif rtype in FUNCTION_TYPES:
                props = _dict(resource.get("Properties"))
                if rtype == SAM_FUNCTION and globals_function:
                    props = _merge_globals(globals_function, props)
                self.functions[logical_id] = Function(logical_id, path, rtype, props)
            elif rtype in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                resolver = self.resolver_of(logical_id)
                for role in items_of(_dict(resource.get("Properties")).get("Roles")):
                    role_id = resolver.refers_to(role)
                    if role_id is None and literal_str(role):
                        role_id = resolver.node_key(literal_str(role))
                    if role_id:
                        self._policies_by_role.setdefault(role_id, []).append(logical_id)
        for function in self.functions.values():
            self._permissions(function)
        order = {key if self.stacks else str(key): index for index, key in enumerate(self.resources)}
        model = Model(self.file, self.data, self.resolver, self.buckets, self.functions, order,
                      stacks=self.stacks, resource_files=self.resource_files)
        add_event_paths(self, model)
        return model

    def resolver_of(self, node_id: Any) -> Resolver:
        """The resolver of the stack instance that wrote a node (Model.resolver_of)."""
        return self.stacks[node_id.stack].resolver if self.stacks else self.resolver

    # -- permissions ----------------------------------------------------------------------
    def _permissions(self, function: Function) -> None:
        props = function.properties
        prop_path = function.path + ("Properties",)
        if "Role" in props:
            self._role(function, props["Role"], prop_path + ("Role",))
        elif function.type == LAMBDA_FUNCTION:
            function.unknown_permissions.append(
                UnknownPermission("the function has no Role", prop_path)
            )
        else:
            self._sam_policies(function, props.get("Policies"), prop_path + ("Policies",))

    def _role(self, function: Function, node: Any, path: Path) -> None:
        resolver = self.resolver_of(function.id)
        for alternative in branches(node):
            role_id = resolver.refers_to(alternative)
            if role_id is None or resolver.resource_type(role_id) != "AWS::IAM::Role":
                shown = ", ".join(str(p) for p in resolver.value(alternative)) or "?"
                function.unknown_permissions.append(
                    UnknownPermission(f"role {shown} is not defined in this template", path)
                )
                continue
            role_path = ("Resources", role_id, "Properties")
            role_props = _dict(_dict(self.resources.get(role_id)).get("Properties"))
            policies = role_props.get("Policies")
            for index, policy in enumerate(literal_list(policies)):
                for entry in branches(policy):
                    entry = _dict(entry)
                    name = literal_str(entry.get("PolicyName"))
                    source = f"policy {index if name is None else name} of {self.resolver.display(role_id)}"
                    function.statements += statements_from_document(
                        entry.get("PolicyDocument"), self.resolver_of(role_id), source,
                        role_path + ("Policies", index, "PolicyDocument"),
                    )
            arns = role_props.get("ManagedPolicyArns")
            for index, arn in enumerate(literal_list(arns)):
                self._managed(function, arn, role_path + ("ManagedPolicyArns", index),
                              self.resolver_of(role_id))
            for policy_id in self._policies_by_role.get(role_id, []):
                policy_props = _dict(_dict(self.resources.get(policy_id)).get("Properties"))
                function.statements += statements_from_document(
                    policy_props.get("PolicyDocument"), self.resolver_of(policy_id),
                    self.resolver.display(policy_id),
                    ("Resources", policy_id, "Properties", "PolicyDocument"),
                )

    def _managed(self, function: Function, node: Any, path: Path, resolver: Resolver) -> None:
        for alternative in branches(node):
            policy_id = resolver.refers_to(alternative)
            if policy_id is not None and resolver.resource_type(policy_id) == "AWS::IAM::ManagedPolicy":
                document = _dict(_dict(self.resources.get(policy_id)).get("Properties")).get(
                    "PolicyDocument"
                )
                function.statements += statements_from_document(
                    document, self.resolver_of(policy_id), self.resolver.display(policy_id),
                    ("Resources", policy_id, "Properties", "PolicyDocument"),
                )
                continue
            for pattern in resolver.value(alternative):
                text = pattern.literal
                name = aws_managed_policy_name(text) if text else None
                extra = self._configured_policy(pattern)
                statements = managed_policy_statements(name) if name and extra is None else None
                if extra is not None:
                    function.statements += statements_from_document(
                        self.extra_policies[extra], resolver, f"{extra} (configured)", path
                    )
                elif statements is not None:
                    function.statements += statements_from_document(
                        statements, resolver, f"{name} (AWS managed)", path
                    )
                elif name:
                    function.unknown_permissions.append(UnknownPermission(
                        f"AWS managed policy {name} is not in the list loopcheck has ({dataset_label()}): "
                        "a typo, a deprecated policy, or one newer than that list", path))
                else:
                    function.unknown_permissions.append(
                        UnknownPermission(f"managed policy {pattern} is not known to loopcheck", path)
                    )

    def _configured_policy(self, pattern: Pattern) -> Optional[str]:
        """The configured managed policy a name or ARN names (by its last path segment, so
        `!Sub arn:aws:iam::${AWS::AccountId}:policy/MyPolicy` finds `MyPolicy`)."""
        if not self.extra_policies or not pattern.parts or not isinstance(pattern.parts[-1], str):
            return None
        tail = pattern.parts[-1]
        if len(pattern.parts) > 1 and "/" not in tail:
            return None
        name = managed_policy_name(tail)
        return name if name in self.extra_policies else None

    def _sam_policies(self, function: Function, node: Any, path: Path) -> None:
        if node is None:
            return
        resolver = self.resolver_of(function.id)
        items = node if isinstance(node, list) else [node]
        for index, item in enumerate(items):
            item_path = path + (index,) if isinstance(node, list) else path
            for entry in branches(item):
                if literal_str(entry) is not None or is_intrinsic(entry):  # a managed policy's name or ARN
                    self._managed(function, entry, item_path, resolver)
                elif "Statement" in mapping(entry):
                    function.statements += statements_from_document(
                        entry, resolver, f"inline policy of {self.resolver.display(function.id)}",
                        item_path,
                    )
                elif len(mapping(entry)) == 1:
                    (name, arguments), = entry.items()
                    expanded = sam_policy_templates.expand(str(name), arguments)
                    if expanded is not None:
                        function.statements += statements_from_document(
                            expanded, resolver, str(name), item_path
                        )
                    else:
                        function.unknown_permissions.append(
                            UnknownPermission(f"policy template {name} is not known to loopcheck", item_path)
                        )
                else:
                    function.unknown_permissions.append(
                        UnknownPermission("a Policies entry loopcheck cannot read", item_path)
                    )


def build_model(file: str, data: Dict[str, Any],
                managed_policies: Optional[Mapping[str, List[Dict[str, Any]]]] = None,
                stacks: Optional[List[Stack]] = None,
                resource_files: Optional[Dict[str, str]] = None) -> Model:
    """Typed resources of one decoded template. `managed_policies` adds policy documents
    (name -> statements) to the AWS managed policy table, and wins over it for the same name. With
    `stacks`, a model of linked templates (loopcheck.stacks.cross_stack): `data` holds every
    instance's resources keyed by NodeKey, each resolved by its own instance's resolver.
    `resource_files`: the file of each resource, for a template made from several files."""
    return _Builder(file, data, managed_policies, stacks, resource_files).build()


__all__ = ["Bucket", "Function", "Model", "Outside", "Pattern", "Resource", "TaskWrite", "Trigger",
           "UnknownPermission", "build_model"]
