"""A Terraform configuration as the CloudFormation-shaped template the rest of the pipeline
reads: one resource per Terraform resource that matters to loops, its logical id the Terraform
address, its type the CloudFormation type with the same meaning (the table in
loopcheck.knowledge.terraform_types), references turned into `Ref`/`Fn::GetAtt`.

Some Terraform resources are parts of one CloudFormation resource and are folded into it: a
bucket's notification into its NotificationConfiguration, a rule's targets into its Targets, a
role's policy attachments into its ManagedPolicyArns, a recursion config into its function's
RecursiveLoop, a queue's redrive policy resource into its RedrivePolicy. The community Lambda
module is expanded into the resources it creates (loopcheck.terraform.lambda_module).

Every node carries the line of the block that wrote it (a folded part the line of its own
block), so findings point at the `.tf` line; `files` says which file each resource is in.
Handler code: a function's Code is its code folder (an `archive_file`'s source_dir or
source_file, a `filename`, the module's source_path) written relative to the folder of the
function's own file, which is where the code stage looks. When the function deploys exactly what
an `archive_file` of the configuration zips (its `filename` is the archive's output_path, or it
names the S3 object an `aws_s3_object` uploads the archive to), nothing is added to that folder
or file: its Metadata says so (EXACT_PACKAGE_METADATA), and a handler module missing from it
is missing from the function.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from loopcheck.knowledge.handler_files import EXACT_PACKAGE_METADATA
from loopcheck.knowledge.terraform_types import (
    ATTRIBUTES,
    DATA_NODE_TYPES,
    PROPERTIES,
    PSEUDO_DATA,
    RESOURCE_TYPES,
)
from loopcheck.load.nodes import MDict, MList, marks, pack
from loopcheck.terraform import lambda_module
from loopcheck.terraform.config import Interpolation, Reference, TfConfiguration, TfResource, Unknown
from loopcheck.terraform.intrinsics import ValueTranslator

Properties = Dict[str, Any]

# The argument that names a resource of a type, for arguments that name it by a literal.
_NAME_ARGUMENTS = {"aws_iam_role": "name", "aws_lambda_function": "function_name", "aws_s3_bucket": "bucket",
                   "aws_cloudwatch_event_rule": "name", "aws_sqs_queue": "name"}
_PATH_PREFIXES = ("path.module", "path.root", "path.cwd")


@dataclass
class TfTemplate:
    """The template of one Terraform unit, with the file of each resource and what was left out."""

    data: MDict
    files: Dict[str, str] = field(default_factory=dict)  # logical id (address) -> its .tf file
    notes: List[str] = field(default_factory=list)


def to_template(config: TfConfiguration) -> TfTemplate:
    """The CloudFormation-shaped template of a Terraform configuration."""
    return _Translator(config).run()


@dataclass
class _Out:
    """A resource of the template being built, with where it was written."""

    address: str
    cfn_type: str
    properties: Properties
    source: TfResource
    ignore: List[Tuple[str, str]] = field(default_factory=list)
    # Where a folded block wrote a scalar (a path under Properties -> its block's line): a
    # folded mapping carries its own line, a string cannot.
    lines: Dict[Tuple[Any, ...], int] = field(default_factory=dict)


def _first_block(node: Any) -> Dict[str, Any]:
    """A nested block's first (usually only) instance: blocks are lists of dicts."""
    if isinstance(node, list):
        node = node[0] if node else {}
    return node if isinstance(node, dict) else {}


def _blocks(node: Any) -> List[Dict[str, Any]]:
    if isinstance(node, dict):
        return [node]
    return [item for item in node if isinstance(item, dict)] if isinstance(node, list) else []


def _true(node: Any) -> bool:
    return node is True or (isinstance(node, str) and node.lower() == "true")


class _Translator:
    def __init__(self, config: TfConfiguration):
        self.config = config
        self.notes: List[str] = []
        self.aliases: Dict[Tuple[str, str], Reference] = {}
        resources = list(config.resources)
        for call in config.module_calls:
            if not lambda_module.is_lambda_module(call.source):
                self.notes.append(f"{call.file}:{call.line}: {call.address}: module {call.source} is not read "
                                  "(loopcheck reads local modules and the community Lambda module; a plan "
                                  "expands the others)")
                continue
            expanded = lambda_module.expand(call)
            resources += expanded.resources
            self.aliases.update(expanded.outputs)
        self.resources = resources
        self.by_address: Dict[str, TfResource] = {resource.address: resource for resource in resources}
        self.values = ValueTranslator(self._reference)
        self.out: Dict[str, _Out] = {}
        self.metadata: Dict[str, Dict[str, Any]] = {}  # address -> Metadata entries beside suppressions
        root = config.source
        self.root_dir = root if os.path.isdir(root) else os.path.dirname(root)

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> TfTemplate:
        for resource in self.resources:
            cfn_type = self._cfn_type(resource)
            if cfn_type is None:
                continue
            properties = self._properties(resource)
            self.out[resource.address] = _Out(resource.address, cfn_type, properties, resource,
                                              list(resource.suppressions))
        for resource in self.resources:
            fold = _FOLDS.get(resource.type) if resource.mode == "managed" else None
            if fold is not None:
                fold(self, resource)
        return self._template()

    def _cfn_type(self, resource: TfResource) -> Optional[str]:
        if resource.mode == "data":
            return DATA_NODE_TYPES.get(resource.type)
        return RESOURCE_TYPES.get(resource.type)

    def _properties(self, resource: TfResource) -> Properties:
        props: Properties = {}
        for argument, prop in PROPERTIES.get(resource.type, {}).items():
            value = resource.values.get(argument)
            if value is not None:
                props[prop] = self.value(value)
        extra = _EXTRAS.get(resource.type) if resource.mode == "managed" else None
        if extra is not None:
            extra(self, resource, props)
        return props

    def _template(self) -> TfTemplate:
        resources: Dict[str, Any] = {}
        files: Dict[str, str] = {}
        for address, out in self.out.items():
            body: Dict[str, Any] = {"Type": out.cfn_type, "Properties": out.properties}
            metadata = dict(self.metadata.get(address, {}))
            if out.ignore:
                metadata["loopcheck"] = {"ignore": [{"rule": rule, "reason": reason}
                                                     for rule, reason in out.ignore]}
            if metadata:
                body["Metadata"] = metadata
            resources[address] = _marked(body, out.source.line)
            for path, line in out.lines.items():
                _remark(resources[address]["Properties"], path, line)
            files[address] = out.source.file
        data: Dict[str, Any] = {}
        if self.values.parameters:
            data["Parameters"] = self.values.parameters
        data["Resources"] = resources
        return TfTemplate(_marked(data, 0), files, self.notes + list(self.config.notes))

    # -- values ----------------------------------------------------------------------------
    def value(self, node: Any) -> Any:
        return self.values.value(node)

    def _reference(self, ref: Reference) -> Any:
        alias = self._alias(ref)
        if alias is not None:
            return self._reference(alias)
        target = self.by_address.get(ref.address)
        if target is None:
            return self.values.unknown(f"{ref.address}.{ref.attribute}" if ref.attribute else ref.address)
        if target.mode == "data" and target.type in PSEUDO_DATA:
            kind, value = PSEUDO_DATA[target.type].get(ref.attribute, ("", ""))
            if kind == "Ref":
                return {"Ref": value}
            if kind == "literal":
                return value
        if target.mode == "data" and target.type == "aws_iam_policy_document" and ref.attribute in (
                "json", "minified_json"):
            return self.policy_document(target)
        if ref.address in self.out or self._cfn_type(target) is not None:
            kind = ATTRIBUTES.get(target.type, {}).get(ref.attribute, ("GetAtt", ref.attribute))
            if not ref.attribute or kind[0] == "Ref":
                return {"Ref": ref.address}
            return {"Fn::GetAtt": [ref.address, kind[1]]}
        if ref.attribute in target.values and not isinstance(target.values[ref.attribute], (dict, list)):
            return self.value(target.values[ref.attribute])  # an argument read back: its value
        return self.values.unknown(f"{ref.address}.{ref.attribute}" if ref.attribute else ref.address)

    def _alias(self, ref: Reference) -> Optional[Reference]:
        """A module output the expansion of a module defines (`module.f.lambda_function_arn`),
        written either as the module with the output as attribute or as one address."""
        found = self.aliases.get((ref.address, ref.attribute))
        if found is None and not ref.attribute:
            head, _, output = ref.address.rpartition(".")
            found = self.aliases.get((head, output))
        return found

    def json_value(self, node: Any) -> Any:
        if isinstance(node, Reference):
            return self._reference(node)
        return self.values.json_value(node)

    def policy_document(self, source: TfResource) -> Dict[str, Any]:
        """An aws_iam_policy_document data source as the document it renders."""
        statements: List[Any] = []
        for key in ("source_policy_documents", "source_json"):
            for document in _as_list(source.values.get(key)):
                statements += _statements(self.json_value(document))
        for block in _blocks(source.values.get("statement")):
            statements.append(self.statement(block))
        for key in ("override_policy_documents", "override_json"):
            for document in _as_list(source.values.get(key)):
                statements += _statements(self.json_value(document))
        return {"Version": "2012-10-17", "Statement": statements}

    def statement(self, block: Dict[str, Any]) -> Dict[str, Any]:
        """A policy statement written in Terraform's shape (a policy document's `statement`
        block, a module's policy_statements entry) in IAM's."""
        statement: Dict[str, Any] = {"Effect": self.value(block.get("effect") or "Allow")}
        for key, name in (("sid", "Sid"), ("actions", "Action"), ("not_actions", "NotAction"),
                          ("resources", "Resource"), ("not_resources", "NotResource")):
            if block.get(key) is not None:
                statement[name] = self.value(block[key])
        conditions: Dict[str, Any] = {}
        for condition in _blocks(block.get("condition")):
            test, variable = condition.get("test"), condition.get("variable")
            if isinstance(test, str) and isinstance(variable, str):
                conditions.setdefault(test, {})[variable] = self.value(condition.get("values"))
        if conditions:
            statement["Condition"] = conditions
        return statement

    # -- finding what an argument names ------------------------------------------------------
    def named(self, node: Any, tf_type: str) -> Optional[str]:
        """The address of the resource of `tf_type` an argument names: by reference, or by the
        literal name it was given."""
        if isinstance(node, Reference):
            alias = self._alias(node)
            node = alias if alias is not None else node
            target = self.by_address.get(node.address)
            return node.address if target is not None and target.type == tf_type else None
        if isinstance(node, str):
            argument = _NAME_ARGUMENTS.get(tf_type)
            for resource in self.resources:
                if (resource.type == tf_type and argument is not None and resource.mode == "managed"
                        and resource.values.get(argument) == node):
                    return resource.address
            # An ARN that ends with a declared function's or role's name (a role's path between).
            marker = {"aws_lambda_function": ":function:", "aws_iam_role": ":role/"}.get(tf_type)
            for resource in self.resources if marker and marker in node else ():
                name = resource.values.get(argument or "")
                if (resource.type == tf_type and isinstance(name, str) and resource.mode == "managed"
                        and (node.endswith(marker + name) or node.endswith("/" + name))):
                    return resource.address
        return None

    def named_value(self, node: Any, tf_type: str) -> Any:
        """An argument that names a resource of `tf_type`: a Ref to it when it is one of the
        configuration's by a literal name (Terraform often writes role names), else its value."""
        if isinstance(node, str):
            address = self.named(node, tf_type)
            if address is not None:
                return {"Ref": address}
        return self.value(node)

    # -- paths -------------------------------------------------------------------------------
    def local_path(self, node: Any, module_dir: str) -> Optional[str]:
        """A file or folder argument as a path the scan can open: relative paths start at the
        module's folder (`path.module`), or at the root module's when only there it exists."""
        text = self._path_text(node, module_dir)
        if text is None:
            return None
        if os.path.isabs(text):
            return os.path.normpath(text)
        candidates = [os.path.join(module_dir, text) if module_dir else text, text,
                      os.path.join(self.root_dir, text) if self.root_dir else text]
        for candidate in candidates:
            if os.path.exists(candidate):
                return os.path.normpath(candidate)
        return os.path.normpath(candidates[0])

    def _path_text(self, node: Any, module_dir: str) -> Optional[str]:
        if isinstance(node, str):
            return node
        if not isinstance(node, Interpolation):
            return None
        text = ""
        for part in node.parts:
            if isinstance(part, str):
                text += part
            elif isinstance(part, (Unknown, Reference)) and _path_name(part) in _PATH_PREFIXES:
                text += module_dir if _path_name(part) == "path.module" else self.root_dir
                text = text or "."
            else:
                return None
        return text


def _path_name(part: Any) -> str:
    if isinstance(part, Unknown):
        return part.text
    return f"{part.address}.{part.attribute}" if part.attribute else part.address


def _as_list(node: Any) -> List[Any]:
    if node is None:
        return []
    return list(node) if isinstance(node, list) else [node]


def _statements(document: Any) -> List[Any]:
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        return [statements]
    return list(statements) if isinstance(statements, list) else []


def _marked(node: Any, line: int) -> Any:
    """Plain dicts and lists as MDict/MList at `line` (column 1, where a block starts); nodes
    already marked (a folded block's, at its own line) are kept, and their keys or items
    take their line. Line 0 (a plan) leaves positions unknown."""
    if isinstance(node, (MDict, MList)):
        return node
    if isinstance(node, dict):
        out = MDict()
        key_marks = marks()
        for key, value in node.items():
            marked = _marked(value, line)
            out[key] = marked
            key_marks.append(_packed(marked, line))
        out.mark = (line, 1) if line else (0, 0)
        out.key_marks = key_marks
        return out
    if isinstance(node, list):
        items = MList()
        item_marks = marks()
        for value in node:
            marked = _marked(value, line)
            items.append(marked)
            item_marks.append(_packed(marked, line))
        items.mark = (line, 1) if line else (0, 0)
        items.item_marks = item_marks
        return items
    return node


def _remark(node: Any, path: Tuple[Any, ...], line: int) -> None:
    """Give the key or item at `path` (under `node`) the position `line`."""
    for step in path[:-1]:
        node = node[step]
    last = path[-1]
    if isinstance(node, MDict) and last in node:
        node.key_marks[list(node).index(last)] = pack(line, 1) if line else 0
    elif isinstance(node, MList) and isinstance(last, int) and 0 <= last < len(node):
        node.item_marks[last] = pack(line, 1) if line else 0


def _packed(node: Any, line: int) -> int:
    own = getattr(node, "mark", None)
    if isinstance(node, (MDict, MList)) and own and own[0]:
        return pack(own[0], own[1])
    return pack(line, 1) if line else 0


# -- the arguments that need more than a rename -------------------------------------------------


def _lambda_function(t: _Translator, resource: TfResource, props: Properties) -> None:
    values = resource.values
    if isinstance(values.get("role"), str):  # a role of the configuration named by its ARN
        props["Role"] = t.named_value(values["role"], "aws_iam_role")
    variables = _first_block(values.get("environment")).get("variables")
    if variables is not None:
        props["Environment"] = {"Variables": t.value(variables)}
    reserved = values.get("reserved_concurrent_executions")
    if reserved is not None and reserved != -1:  # -1: the provider's "no reservation"
        props["ReservedConcurrentExecutions"] = t.value(reserved)
    dead = _first_block(values.get("dead_letter_config")).get("target_arn")
    if dead is not None:
        props["DeadLetterConfig"] = {"TargetArn": t.value(dead)}
    log_group = _first_block(values.get("logging_config")).get("log_group")
    if log_group is not None:
        props["LoggingConfig"] = {"LogGroup": t.value(log_group)}
    command = _first_block(values.get("image_config")).get("command")
    if command is not None:
        props["ImageConfig"] = {"Command": t.value(command)}
    code = _code(t, resource)
    if code is not None:
        props["Code"] = code
    package = _exact_package(t, resource)
    if package is not None:
        t.metadata.setdefault(resource.address, {})[EXACT_PACKAGE_METADATA] = package
    if values.get("image_uri") is not None:
        props["PackageType"] = "Image"


def _code(t: _Translator, resource: TfResource) -> Any:
    """Where the function's code is, as CloudFormation's Code: a folder (or file) path relative
    to the folder of the function's file, an S3 object, or an image."""
    values = resource.values
    if values.get("image_uri") is not None:
        return {"ImageUri": t.value(values["image_uri"])}
    archive = _archive_of(t, values)
    path: Optional[str] = None
    if archive is not None:
        source_dir, source_file = archive.values.get("source_dir"), archive.values.get("source_file")
        if source_dir is not None:
            path = t.local_path(source_dir, archive.module_dir)
        elif source_file is not None:
            found = t.local_path(source_file, archive.module_dir)
            path = os.path.dirname(found) if found else None
    elif values.get("filename") is not None:
        path = t.local_path(values["filename"], resource.module_dir)
    if path is not None:
        return _beside(resource, path)
    if values.get("s3_bucket") is not None:
        return {"S3Bucket": t.value(values["s3_bucket"]), "S3Key": t.value(values.get("s3_key"))}
    return None


def _beside(resource: TfResource, path: str) -> str:
    """A path relative to the folder of the resource's file, whether the reader gave absolute
    paths or not: messages name the code the way they name the function's file."""
    start = os.path.abspath(os.path.dirname(resource.file) or ".")
    try:
        return os.path.relpath(os.path.abspath(path), start)
    except ValueError:  # another drive
        return path


_ARCHIVE_CONTENTS = ("source_dir", "source_file", "source", "source_content", "source_content_filename")
_S3_OBJECT_TYPES = ("aws_s3_object", "aws_s3_bucket_object")


def _exact_package(t: _Translator, resource: TfResource) -> Optional[str]:
    """The folder or file (beside the function's file) the function's package is made of, with
    nothing added: an `archive_file` written in the configuration with only source_dir or only
    source_file (not the one a module call stands for: the community module's build may add
    to it), which the function deploys. None when that is not certain."""
    values = resource.values
    archive = _archive_of(t, values)
    if archive is None or not any(archive is declared for declared in t.config.resources):
        return None
    contents = [key for key in _ARCHIVE_CONTENTS if archive.values.get(key) is not None]
    if contents not in (["source_dir"], ["source_file"]) or not _deploys(t, values, archive):
        return None
    path = t.local_path(archive.values[contents[0]], archive.module_dir)
    return _beside(resource, path) if path is not None else None


def _deploys(t: _Translator, values: Dict[str, Any], archive: TfResource) -> bool:
    """Whether the function's code is the archive's output: its filename, or the S3 object an
    aws_s3_object uploads the archive to (same bucket and key)."""
    outputs = [Reference(archive.address, "output_path")]
    if archive.values.get("output_path") is not None:
        outputs.append(archive.values["output_path"])
    if values.get("filename") is not None:
        return values["filename"] in outputs
    key = values.get("s3_key")
    if key is None:
        return False
    return any(upload.type in _S3_OBJECT_TYPES and upload.mode == "managed"
               and upload.values.get("source") in outputs and upload.values.get("key") == key
               and _same_bucket(upload.values.get("bucket"), values.get("s3_bucket"))
               for upload in t.resources)


def _same_bucket(first: Any, second: Any) -> bool:
    """Two bucket arguments that name the same bucket: equal, or the same bucket's id / bucket."""
    if first == second:
        return True
    names = ("id", "bucket")
    return (isinstance(first, Reference) and isinstance(second, Reference) and first.address == second.address
            and first.attribute in names and second.attribute in names)


def _archive_of(t: _Translator, values: Dict[str, Any]) -> Optional[TfResource]:
    """The archive_file data source that packages the function's code: the one its filename
    or source_code_hash reads, or the one whose output_path is its filename."""
    for key in ("filename", "source_code_hash"):
        node = values.get(key)
        if isinstance(node, Reference):
            target = t.by_address.get(node.address)
            if target is not None and target.type == "archive_file":
                return target
    filename = values.get("filename")
    if filename is not None:
        for resource in t.resources:
            if resource.type == "archive_file" and resource.values.get("output_path") == filename:
                return resource
    return None


def _dynamodb_table(t: _Translator, resource: TfResource, props: Properties) -> None:
    values = resource.values
    if _true(values.get("stream_enabled")):
        view = values.get("stream_view_type") or "KEYS_ONLY"
        props["StreamSpecification"] = {"StreamViewType": t.value(view)}
    ttl = _first_block(values.get("ttl"))
    if _true(ttl.get("enabled")):
        props["TimeToLiveSpecification"] = {"AttributeName": t.value(ttl.get("attribute_name")),
                                            "Enabled": True}
    keys = [{"AttributeName": t.value(values[key]), "KeyType": kind}
            for key, kind in (("hash_key", "HASH"), ("range_key", "RANGE")) if values.get(key) is not None]
    if keys:
        props["KeySchema"] = keys
    attributes = [{"AttributeName": t.value(a.get("name")), "AttributeType": t.value(a.get("type"))}
                  for a in _blocks(values.get("attribute"))]
    if attributes:
        props["AttributeDefinitions"] = attributes


def _sqs_queue(t: _Translator, resource: TfResource, props: Properties) -> None:
    if resource.values.get("redrive_policy") is not None:
        props["RedrivePolicy"] = t.json_value(resource.values["redrive_policy"])


def _sns_subscription(t: _Translator, resource: TfResource, props: Properties) -> None:
    if resource.values.get("filter_policy") is not None:
        props["FilterPolicy"] = t.json_value(resource.values["filter_policy"])


def _event_source_mapping(t: _Translator, resource: TfResource, props: Properties) -> None:
    filters = [{"Pattern": t.json_value(f.get("pattern"))}
               for block in _blocks(resource.values.get("filter_criteria"))
               for f in _blocks(block.get("filter")) if f.get("pattern") is not None]
    if filters:
        props["FilterCriteria"] = {"Filters": filters}


def _event_invoke_config(t: _Translator, resource: TfResource, props: Properties) -> None:
    config = _first_block(resource.values.get("destination_config"))
    destinations = {}
    for key, outcome in (("on_success", "OnSuccess"), ("on_failure", "OnFailure")):
        destination = _first_block(config.get(key)).get("destination")
        if destination is not None:
            destinations[outcome] = {"Destination": t.value(destination)}
    if destinations:
        props["DestinationConfig"] = destinations


def _event_rule(t: _Translator, resource: TfResource, props: Properties) -> None:
    if resource.values.get("event_pattern") is not None:
        props["EventPattern"] = t.json_value(resource.values["event_pattern"])


def _state_machine(t: _Translator, resource: TfResource, props: Properties) -> None:
    definition = resource.values.get("definition")
    if definition is None:
        return
    parsed = t.json_value(definition)
    if isinstance(parsed, dict) and "Fn::Join" not in parsed and "Ref" not in parsed:
        props["Definition"] = parsed
    else:
        props["DefinitionString"] = parsed


def _metric_alarm(t: _Translator, resource: TfResource, props: Properties) -> None:
    dimensions = resource.values.get("dimensions")
    if isinstance(dimensions, dict):
        props["Dimensions"] = _dimensions(t, dimensions)
    metrics = []
    for query in _blocks(resource.values.get("metric_query")):
        metric = _first_block(query.get("metric"))
        if metric:
            metrics.append({"Id": t.value(query.get("id")), "MetricStat": {"Metric": {
                "MetricName": t.value(metric.get("metric_name")), "Namespace": t.value(metric.get("namespace")),
                "Dimensions": _dimensions(t, metric.get("dimensions") or {})}}})
    if metrics:
        props["Metrics"] = metrics


def _dimensions(t: _Translator, dimensions: Any) -> List[Dict[str, Any]]:
    if not isinstance(dimensions, dict):
        return []
    return [{"Name": name, "Value": t.value(value)} for name, value in dimensions.items()]


def _iam_role(t: _Translator, resource: TfResource, props: Properties) -> None:
    values = resource.values
    if values.get("assume_role_policy") is not None:
        props["AssumeRolePolicyDocument"] = t.json_value(values["assume_role_policy"])
    policies = [{"PolicyName": t.value(block.get("name") or f"inline_policy {index}"),
                 "PolicyDocument": t.json_value(block.get("policy"))}
                for index, block in enumerate(_blocks(values.get("inline_policy")))
                if block.get("policy") is not None]
    if policies:
        props["Policies"] = policies
    arns = values.get("managed_policy_arns")
    if arns is not None:
        props["ManagedPolicyArns"] = [t.named_value(arn, "aws_iam_policy") for arn in _as_list(arns)]


def _iam_role_policy(t: _Translator, resource: TfResource, props: Properties) -> None:
    props["Roles"] = [t.named_value(resource.values.get("role"), "aws_iam_role")]
    props["PolicyDocument"] = t.json_value(resource.values.get("policy"))


def _iam_policy(t: _Translator, resource: TfResource, props: Properties) -> None:
    props["PolicyDocument"] = t.json_value(resource.values.get("policy"))


_EXTRAS = {
    "aws_lambda_function": _lambda_function,
    "aws_dynamodb_table": _dynamodb_table,
    "aws_sqs_queue": _sqs_queue,
    "aws_sns_topic_subscription": _sns_subscription,
    "aws_lambda_event_source_mapping": _event_source_mapping,
    "aws_lambda_function_event_invoke_config": _event_invoke_config,
    "aws_cloudwatch_event_rule": _event_rule,
    "aws_sfn_state_machine": _state_machine,
    "aws_cloudwatch_metric_alarm": _metric_alarm,
    "aws_iam_role": _iam_role,
    "aws_iam_role_policy": _iam_role_policy,
    "aws_iam_policy": _iam_policy,
}


# -- resources folded into another ------------------------------------------------------------


def _fold_line(out: _Out, resource: TfResource) -> int:
    """The line a folded block's part points at: its own block's, when that block is in the file
    of the resource it is folded into (a finding names one file per resource); else the
    resource's own line, so that file and line always go together."""
    return resource.line if resource.file == out.source.file else out.source.line


def _fold_target(t: _Translator, resource: TfResource, node: Any, tf_type: str, what: str) -> Optional[_Out]:
    address = t.named(node, tf_type)
    out = t.out.get(address) if address else None
    if out is None:
        t.notes.append(f"{resource.file}:{resource.line}: {resource.address}: its {what} is not declared in "
                       "this configuration; not read")
        return None
    out.ignore += [entry for entry in resource.suppressions if entry not in out.ignore]
    return out


def _bucket_notification(t: _Translator, resource: TfResource) -> None:
    values = resource.values
    address = t.named(values.get("bucket"), "aws_s3_bucket")
    out = t.out.get(address) if address else None
    if out is None:
        # A bucket made elsewhere: a node of its own, named by the notification's value.
        out = _Out(resource.address, "AWS::S3::Bucket", {"BucketName": t.value(values.get("bucket"))}, resource)
        t.out[resource.address] = out
    out.ignore += [entry for entry in resource.suppressions if entry not in out.ignore]
    config = out.properties.setdefault("NotificationConfiguration", {})
    for block_key, list_key, arn_key, target_key in (
            ("lambda_function", "LambdaConfigurations", "lambda_function_arn", "Function"),
            ("topic", "TopicConfigurations", "topic_arn", "Topic"),
            ("queue", "QueueConfigurations", "queue_arn", "Queue")):
        for block in _blocks(values.get(block_key)):
            entry: Dict[str, Any] = {"Event": t.value(block.get("events") or []),
                                     target_key: t.value(block.get(arn_key))}
            rules = [{"Name": name, "Value": t.value(block[key])}
                     for key, name in (("filter_prefix", "prefix"), ("filter_suffix", "suffix"))
                     if block.get(key) not in (None, "")]
            if rules:
                entry["Filter"] = {"S3Key": {"Rules": rules}}
            config.setdefault(list_key, []).append(_marked(entry, _fold_line(out, resource)))
    if _true(values.get("eventbridge")):
        config["EventBridgeConfiguration"] = _marked({"EventBridgeEnabled": True}, _fold_line(out, resource))


def _event_target(t: _Translator, resource: TfResource) -> None:
    out = _fold_target(t, resource, resource.values.get("rule"), "aws_cloudwatch_event_rule", "rule")
    if out is None:
        return
    target: Dict[str, Any] = {"Id": t.value(resource.values.get("target_id") or resource.address),
                              "Arn": t.value(resource.values.get("arn"))}
    if resource.values.get("role_arn") is not None:
        target["RoleArn"] = t.value(resource.values["role_arn"])
    out.properties.setdefault("Targets", []).append(_marked(target, _fold_line(out, resource)))


def _recursion_config(t: _Translator, resource: TfResource) -> None:
    out = _fold_target(t, resource, resource.values.get("function_name"), "aws_lambda_function", "function")
    if out is not None and resource.values.get("recursive_loop") is not None:
        out.properties["RecursiveLoop"] = t.value(resource.values["recursive_loop"])
        out.lines[("RecursiveLoop",)] = _fold_line(out, resource)


def _policy_attachment(t: _Translator, resource: TfResource) -> None:
    roles = _as_list(resource.values.get("roles")) if resource.type == "aws_iam_policy_attachment" else [
        resource.values.get("role")]
    for role in roles:
        out = _fold_target(t, resource, role, "aws_iam_role", "role")
        if out is not None:
            arns = out.properties.setdefault("ManagedPolicyArns", [])
            arns.append(t.named_value(resource.values.get("policy_arn"), "aws_iam_policy"))
            out.lines[("ManagedPolicyArns", len(arns) - 1)] = _fold_line(out, resource)


def _queue_redrive(t: _Translator, resource: TfResource) -> None:
    out = _fold_target(t, resource, resource.values.get("queue_url"), "aws_sqs_queue", "queue")
    if out is not None and resource.values.get("redrive_policy") is not None:
        out.properties["RedrivePolicy"] = t.json_value(resource.values["redrive_policy"])
        out.lines[("RedrivePolicy",)] = _fold_line(out, resource)


_FOLDS = {
    "aws_s3_bucket_notification": _bucket_notification,
    "aws_cloudwatch_event_target": _event_target,
    "aws_lambda_function_recursion_config": _recursion_config,
    "aws_iam_role_policy_attachment": _policy_attachment,
    "aws_iam_policy_attachment": _policy_attachment,
    "aws_sqs_queue_redrive_policy": _queue_redrive,
}
