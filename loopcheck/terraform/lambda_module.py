"""The community Lambda module (`terraform-aws-modules/lambda/aws`, any version) as the
resources it creates, read from the arguments of its `module` block: the function (its
source_path as the code folder), its role and the policies the attach_* inputs add, a
permission per allowed_triggers entry, an event source mapping per event_source_mapping entry,
the async destinations. Addresses are the module's own (`module.<name>.aws_lambda_function.this`),
as a plan names them, and each resource is placed at the module block's line.

Facts from the module's inputs (variables.tf) and what main.tf and iam.tf make of them:
create_role (default true) makes `aws_iam_role.lambda`, else `lambda_role` is the role's ARN;
attach_policy_statements + policy_statements (a map of statements with effect, actions,
resources...), attach_policy_json + policy_json, attach_policy_jsons + policy_jsons,
attach_policy + policy (an ARN), attach_policies + policies (ARNs); reserved_concurrent_executions
defaults to -1 (none); allowed_triggers entries give a principal (or `<service>.amazonaws.com`)
and a source_arn; event_source_mapping entries an event_source_arn and filter_criteria (one
pattern, or a list of them in later versions); destination_on_failure / destination_on_success
with create_async_event_config.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

from loopcheck.knowledge.terraform_types import (
    LAMBDA_MODULE_FUNCTION,
    LAMBDA_MODULE_OUTPUTS,
    LAMBDA_MODULE_ROLE,
    LAMBDA_MODULE_SOURCE,
)
from loopcheck.terraform.config import Encoded, Reference, TfModuleCall, TfResource


@dataclass
class Expansion:
    """What a module call stands for: its resources, and its outputs as references to them."""

    resources: List[TfResource] = field(default_factory=list)
    outputs: Dict[Tuple[str, str], Reference] = field(default_factory=dict)


def is_lambda_module(source: str) -> bool:
    """Whether a module source is the community Lambda module (registry or its GitHub home)."""
    text = source.split("?")[0].rstrip("/")
    return (text == LAMBDA_MODULE_SOURCE or text.endswith("/" + LAMBDA_MODULE_SOURCE)
            or text.endswith("terraform-aws-modules/terraform-aws-lambda")
            or text.endswith("terraform-aws-modules/terraform-aws-lambda.git"))


def _on(node: Any) -> bool:
    return node is True or (isinstance(node, str) and node.lower() == "true")


def _entries(node: Any) -> List[Tuple[str, Dict[str, Any]]]:
    """A map input's entries (a list of maps is keyed by position)."""
    if isinstance(node, dict):
        return [(str(key), value) for key, value in node.items() if isinstance(value, dict)]
    if isinstance(node, list):
        return [(str(index), value) for index, value in enumerate(node) if isinstance(value, dict)]
    return []


def _source_path(node: Any) -> Any:
    """source_path: a path, or a map (or list of maps) with `path`; the first one is the code."""
    if isinstance(node, list):
        node = node[0] if node else None
    if isinstance(node, dict):
        node = node.get("path")
    return node


def expand(call: TfModuleCall) -> Expansion:
    """The resources one call of the module creates (none for a layer, or with create off)."""
    values = call.values
    if values.get("create") is False or values.get("create_function") is False or _on(
            values.get("create_layer")):
        return Expansion()
    prefix = call.address + "."
    expansion = Expansion()

    def add(address: str, tf_type: str, resource_values: Dict[str, Any], mode: str = "managed") -> TfResource:
        full = prefix + ("data." if mode == "data" else "") + address
        resource = TfResource(full, mode, tf_type, resource_values, call.file, call.line, call.module_dir,
                              list(call.suppressions) if tf_type == "aws_lambda_function" else [])
        expansion.resources.append(resource)
        return resource

    function_address = prefix + LAMBDA_MODULE_FUNCTION
    role_address = prefix + LAMBDA_MODULE_ROLE
    create_role = values.get("create_role") is not False
    function: Dict[str, Any] = {key: values[key] for key in (
        "function_name", "handler", "runtime", "image_uri", "package_type", "reserved_concurrent_executions")
        if values.get(key) is not None}
    function["role"] = Reference(role_address, "arn") if create_role else values.get("lambda_role")
    if values.get("environment_variables"):
        function["environment"] = [{"variables": values["environment_variables"]}]
    if values.get("dead_letter_target_arn") is not None:
        function["dead_letter_config"] = [{"target_arn": values["dead_letter_target_arn"]}]
    package = values.get("local_existing_package")
    s3_package = values.get("s3_existing_package")
    source = _source_path(values.get("source_path"))
    if package is not None:
        function["filename"] = package
    elif isinstance(s3_package, dict):
        function["s3_bucket"], function["s3_key"] = s3_package.get("bucket"), s3_package.get("key")
    elif source is not None and values.get("create_package") is not False:
        archive_key = "source_file" if isinstance(source, str) and os.path.splitext(source)[1] else "source_dir"
        archive = add("archive_file.source_path", "archive_file", {archive_key: source}, mode="data")
        function["filename"] = Reference(archive.address, "output_path")
    add(LAMBDA_MODULE_FUNCTION, "aws_lambda_function", function)
    if create_role:
        _role(call, add, role_address)
    for key, trigger in _entries(values.get("allowed_triggers")):
        service = trigger.get("service")
        principal = trigger.get("principal") or (
            f"{service}.amazonaws.com" if isinstance(service, str) else None)
        add(f'aws_lambda_permission.current_version_triggers["{key}"]', "aws_lambda_permission", {
            "function_name": Reference(function_address, "function_name"),
            "action": trigger.get("action") or "lambda:InvokeFunction", "principal": principal,
            "source_arn": trigger.get("source_arn"), "source_account": trigger.get("source_account")})
    for key, mapping in _entries(values.get("event_source_mapping")):
        criteria = mapping.get("filter_criteria")
        patterns = [c.get("pattern") for c in ([criteria] if isinstance(criteria, dict) else criteria or [])
                    if isinstance(c, dict) and c.get("pattern") is not None]
        add(f'aws_lambda_event_source_mapping.this["{key}"]', "aws_lambda_event_source_mapping", {
            "function_name": Reference(function_address, "arn"),
            "event_source_arn": mapping.get("event_source_arn"),
            "filter_criteria": [{"filter": [{"pattern": p} for p in patterns]}] if patterns else None})
    destinations = {outcome: [{"destination": values[key]}] for outcome, key in (
        ("on_failure", "destination_on_failure"), ("on_success", "destination_on_success"))
        if values.get(key) is not None}
    if destinations and values.get("create_async_event_config") is not False:
        add('aws_lambda_function_event_invoke_config.this["unqualified_alias"]',
            "aws_lambda_function_event_invoke_config",
            {"function_name": Reference(function_address, "function_name"),
             "destination_config": [destinations]})
    if values.get("recursive_loop") is not None:
        add("aws_lambda_function_recursion_config.this[0]", "aws_lambda_function_recursion_config",
            {"function_name": Reference(function_address, "function_name"),
             "recursive_loop": values["recursive_loop"]})
    for output, (address, attribute) in LAMBDA_MODULE_OUTPUTS.items():
        expansion.outputs[(call.address, output)] = Reference(prefix + address, attribute)
    return expansion


def _role(call: TfModuleCall, add: Any, role_address: str) -> None:
    """The role the module makes, with the policies its attach_* inputs add (each an
    aws_iam_policy of the module's, attached by the role's managed_policy_arns)."""
    values = call.values
    arns: List[Any] = []
    if _on(values.get("attach_policy_statements")):
        statements = [dict(statement, sid=statement.get("sid", key))
                      for key, statement in _entries(values.get("policy_statements"))]
        policy = add("aws_iam_policy.additional_inline", "aws_iam_policy", {
            "policy": Encoded({"Version": "2012-10-17", "Statement": [_statement(s) for s in statements]})})
        arns.append(Reference(policy.address, "arn"))
    if _on(values.get("attach_policy_json")) and values.get("policy_json") is not None:
        policy = add("aws_iam_policy.additional_json", "aws_iam_policy", {"policy": values["policy_json"]})
        arns.append(Reference(policy.address, "arn"))
    if _on(values.get("attach_policy_jsons")):
        documents = values.get("policy_jsons")
        for index, document in enumerate(documents if isinstance(documents, list) else []):
            policy = add(f"aws_iam_policy.additional_jsons[{index}]", "aws_iam_policy", {"policy": document})
            arns.append(Reference(policy.address, "arn"))
    if _on(values.get("attach_policy")) and values.get("policy") is not None:
        arns.append(values["policy"])
    if _on(values.get("attach_policies")) and isinstance(values.get("policies"), list):
        arns += values["policies"]
    add(LAMBDA_MODULE_ROLE, "aws_iam_role", {"name": values.get("role_name") or values.get("function_name"),
                                             "managed_policy_arns": arns})


def _statement(statement: Dict[str, Any]) -> Dict[str, Any]:
    """A policy_statements entry (Terraform's names) as an IAM statement."""
    out: Dict[str, Any] = {"Effect": statement.get("effect") or "Allow"}
    for key, name in (("sid", "Sid"), ("actions", "Action"), ("not_actions", "NotAction"),
                      ("resources", "Resource"), ("not_resources", "NotResource")):
        if statement.get(key) is not None:
            out[name] = statement[key]
    return out
