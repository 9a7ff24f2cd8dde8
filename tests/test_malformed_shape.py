"""Malformed input, template shape: YAML or JSON that is not a template, Resources of the
wrong shape, and properties of the wrong type in otherwise sound templates (see
tests/malformed.py for the contract every case checks)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Dict, Sequence

import pytest
import yaml
from malformed import (
    HEADER,
    NO_RESOURCES,
    NOT_A_TEMPLATE,
    Case,
    Scanned,
    Skip,
    check_bad_file_named_alone,
    check_bad_file_next_to_a_loop,
    run_cli,
    severity_exit,
)

SHAPE_CASES = [
    # -- not templates --------------------------------------------------------------------
    Case("empty-file", "empty.yaml", "", Skip(NOT_A_TEMPLATE)),
    Case("whitespace-only", "blank.yml", "\n\n   \n", Skip(NOT_A_TEMPLATE)),
    Case("comment-only", "comment.yaml", "# AWS::S3::Bucket\n",
         Skip(NOT_A_TEMPLATE)),
    Case("document-marker-only", "dash.yaml", "---\n", Skip(NOT_A_TEMPLATE)),
    Case("empty-json-file", "empty.json", "", Skip("not valid JSON, and not a template")),
    Case("template-is-a-list", "list.yaml", "- Resources: {}\n- AWS::S3::Bucket\n",
         Skip(NOT_A_TEMPLATE)),
    Case("template-is-a-scalar", "scalar.yaml", "AWS::S3::Bucket\n",
         Skip(NOT_A_TEMPLATE)),
    Case("json-template-is-a-list", "list.json", '[{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}]',
         Skip(NOT_A_TEMPLATE)),
    Case("json-template-is-null", "null.json", "null", Skip(NOT_A_TEMPLATE)),
    # -- Resources ------------------------------------------------------------------------
    Case("resources-is-a-list", "reslist.yaml", HEADER + "Resources:\n  - AWS::S3::Bucket\n",
         Skip("not a CloudFormation template (Resources is a list, not a mapping)")),
    Case("resources-is-a-scalar", "resscalar.yaml", HEADER + "Resources: AWS::S3::Bucket\n",
         Skip("not a CloudFormation template (Resources is a string, not a mapping)")),
    Case("resources-is-empty", "resnull.yaml", HEADER + "Resources:\n", Skip(NO_RESOURCES)),
    Case("json-resources-is-a-list", "reslist.json",
         '{\n  "AWSTemplateFormatVersion": "2010-09-09",\n  "Resources": []\n}\n',
         Skip("not a CloudFormation template (Resources is a list, not a mapping)")),
    Case("resources-is-an-empty-mapping", "resempty.yaml", HEADER + "Resources: {}\n", Skip(NO_RESOURCES)),
    Case("codedeploy-appspec", "appspec.yml",
         "version: 0.0\nResources:\n  - Fn:\n      Type: AWS::Lambda::Function\n      Properties:\n"
         "        Name: fn\n        Alias: live\n        CurrentVersion: 1\n        TargetVersion: 2\n"
         "Hooks:\n  - BeforeAllowTraffic: PreTrafficFn\n",
         Skip("not a CloudFormation template (a CodeDeploy AppSpec file)")),
    Case("macro-template-with-a-list-of-resources", "macro.yaml",
         HEADER + "Transform: [ExpandList]\nResources:\n  - Type: AWS::S3::Bucket\n    Count: 3\n",
         Skip("not a CloudFormation template (Resources is a list, not a mapping)")),
    Case("resource-without-type", "notype.yaml",
         HEADER + "Resources:\n  B:\n    Properties:\n      BucketName: b\n", Scanned(frozenset())),
    Case("resource-is-a-list", "reslistitem.yaml", HEADER + "Resources:\n  B: [AWS::S3::Bucket]\n",
         Scanned(frozenset())),
    Case("resource-is-null", "resnullitem.yaml", HEADER + "Resources:\n  B:\n  C: ~\n", Scanned(frozenset())),
    Case("resource-type-is-a-mapping", "typemap.yaml",
         HEADER + "Resources:\n  B:\n    Type: {Ref: T}\n    Properties: [1]\n", Scanned(frozenset())),
    Case("numeric-and-boolean-logical-ids", "ids.yaml",
         HEADER + "Resources:\n  1:\n    Type: AWS::S3::Bucket\n  true:\n    Type: AWS::S3::Bucket\n",
         Scanned(frozenset())),
    Case("unknown-tags", "tags.yaml",
         HEADER + "Resources:\n  B:\n    Type: !Foo AWS::S3::Bucket\n    Properties:\n"
         "      BucketName: !Foo bar\n"
         "      Tags: !Bar [a, b]\n      Other: !Baz {a: b}\n", Scanned(frozenset())),
]


@pytest.mark.parametrize("case", SHAPE_CASES, ids=[c.id for c in SHAPE_CASES])
def test_bad_file_next_to_a_loop(case: Case, tmp_path: Path):
    """The bad file is reported as expected, and the loop next to it is still found."""
    check_bad_file_next_to_a_loop(case, tmp_path)


@pytest.mark.parametrize("case", SHAPE_CASES, ids=[c.id for c in SHAPE_CASES])
def test_bad_file_named_alone(case: Case, tmp_path: Path):
    """Named on the command line by itself: 2 when unreadable, else 0/1 by its findings."""
    check_bad_file_named_alone(case, tmp_path)


# -- properties of the wrong type ----------------------------------------------------------

SAM_BASE: Dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Transform": "AWS::Serverless-2016-10-31",
    "Globals": {"Function": {"Runtime": "python3.12", "Timeout": 10}},
    "Resources": {
        "PhotoBucket": {"Type": "AWS::S3::Bucket", "Properties": {"Tags": [{"Key": "a", "Value": "b"}]}},
        "ThumbFn": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Handler": "app.handler",
                "ReservedConcurrentExecutions": 5,
                "Environment": {"Variables": {"OUT": {"Ref": "PhotoBucket"}}},
                "Policies": [{"Statement": [{
                    "Effect": "Allow", "Action": "s3:PutObject",
                    "Resource": {"Fn::Sub": "arn:aws:s3:::${PhotoBucket}/*"},
                }]}],
                "Events": {"Upload": {"Type": "S3", "Properties": {
                    "Bucket": {"Ref": "PhotoBucket"}, "Events": "s3:ObjectCreated:*",
                    "Filter": {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".jpg"}]}},
                }}},
            },
        },
    },
}

CFN_BASE: Dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"BucketName": {"Type": "String", "Default": "archive-bucket"}},
    "Resources": {
        "ArchiveBucket": {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": {"Ref": "BucketName"},
            "NotificationConfiguration": {"LambdaConfigurations": [{
                "Event": "s3:ObjectCreated:*", "Function": {"Fn::GetAtt": ["CompressFn", "Arn"]},
            }]},
        }},
        "CompressRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": "lambda.amazonaws.com"}}]},
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
            "Policies": [{"PolicyName": "put", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": {"Fn::Sub": "arn:aws:s3:::${BucketName}/*"},
            }]}}],
        }},
        "CompressFn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler",
            "Role": {"Fn::GetAtt": ["CompressRole", "Arn"]},
            "Code": {"S3Bucket": "artifacts", "S3Key": "compress.zip"},
        }},
    },
}

FN = ("Resources", "ThumbFn", "Properties")
EVENT = FN + ("Events", "Upload", "Properties")
RULES = EVENT + ("Filter", "S3Key", "Rules")
STATEMENT = FN + ("Policies", 0, "Statement")
BUCKET = ("Resources", "ArchiveBucket", "Properties")
LAMBDA_CONFIG = BUCKET + ("NotificationConfiguration", "LambdaConfigurations")
ROLE = ("Resources", "CompressRole", "Properties")
DELETE = object()

# kind: "same" = an unrelated property: the findings stay those of the unmutated template;
# "guard" = a broken key filter: it must not silence the loop (error or warning stays);
# "any" = the trigger or the permission itself is broken: any verdict, but no crash.
WRONG_TYPES = [
    # SAM function: triggers
    ("Events-as-a-list", SAM_BASE, FN + ("Events",), [{"Type": "S3"}], "any"),
    ("Events-as-a-string", SAM_BASE, FN + ("Events",), "S3", "any"),
    ("event-as-a-list", SAM_BASE, FN + ("Events", "Upload"), ["S3"], "any"),
    ("event-Properties-as-a-list", SAM_BASE, EVENT, ["x"], "any"),
    ("event-Bucket-as-a-list", SAM_BASE, EVENT + ("Bucket",), ["PhotoBucket"], "any"),
    ("event-Bucket-as-a-number", SAM_BASE, EVENT + ("Bucket",), 5, "any"),
    ("event-Events-as-a-mapping", SAM_BASE, EVENT + ("Events",), {"a": 1}, "any"),
    ("event-Events-as-a-number", SAM_BASE, EVENT + ("Events",), 3, "any"),
    # SAM function: the key filter
    ("Filter-as-a-list", SAM_BASE, EVENT + ("Filter",), ["suffix"], "guard"),
    ("Filter-as-a-string", SAM_BASE, EVENT + ("Filter",), ".jpg", "guard"),
    ("S3Key-as-a-list", SAM_BASE, EVENT + ("Filter", "S3Key"), [".jpg"], "guard"),
    ("Rules-as-a-string", SAM_BASE, RULES, "suffix=.jpg", "guard"),
    ("Rules-as-a-number", SAM_BASE, RULES, 7, "guard"),
    ("Rules-item-as-a-string", SAM_BASE, RULES + (0,), "suffix", "guard"),
    ("Rules-Value-as-a-list", SAM_BASE, RULES + (0, "Value"), [".jpg"], "guard"),
    ("Rules-Value-as-null", SAM_BASE, RULES + (0, "Value"), None, "guard"),
    ("Rules-Value-as-a-boolean", SAM_BASE, RULES + (0, "Value"), True, "guard"),
    ("Rules-Name-as-a-number", SAM_BASE, RULES + (0, "Name"), 7, "guard"),
    # SAM function: permissions
    ("Policies-as-a-number", SAM_BASE, FN + ("Policies",), 42, "any"),
    ("Policies-as-a-string", SAM_BASE, FN + ("Policies",), "AmazonS3FullAccess", "any"),
    ("Policies-as-null", SAM_BASE, FN + ("Policies",), None, "any"),
    ("Policies-item-as-a-number", SAM_BASE, FN + ("Policies", 0), 3, "any"),
    ("Policies-item-as-a-list", SAM_BASE, FN + ("Policies", 0), [1, 2], "any"),
    ("Statement-as-a-string", SAM_BASE, STATEMENT, "Allow everything", "any"),
    ("Statement-as-a-number", SAM_BASE, STATEMENT, 1, "any"),
    ("Statement-item-as-a-string", SAM_BASE, STATEMENT + (0,), "Allow", "any"),
    ("Action-as-a-mapping", SAM_BASE, STATEMENT + (0, "Action"), {"a": 1}, "any"),
    ("Action-as-a-number", SAM_BASE, STATEMENT + (0, "Action"), 5, "any"),
    ("Action-as-a-nested-list", SAM_BASE, STATEMENT + (0, "Action"), [["s3:PutObject"]], "any"),
    ("Resource-as-a-mapping", SAM_BASE, STATEMENT + (0, "Resource"), {"a": 1, "b": 2}, "any"),
    ("Resource-as-a-number", SAM_BASE, STATEMENT + (0, "Resource"), 5, "any"),
    ("Effect-as-a-list", SAM_BASE, STATEMENT + (0, "Effect"), ["Allow"], "any"),
    ("Role-as-a-number", SAM_BASE, FN + ("Role",), 5, "any"),
    ("Role-as-a-list", SAM_BASE, FN + ("Role",), ["arn:aws:iam::1:role/x"], "any"),
    ("Role-as-a-mapping", SAM_BASE, FN + ("Role",), {"a": 1, "b": 2}, "any"),
    # SAM function: properties loop detection reads but that do not decide this loop
    ("Environment-Variables-as-a-list", SAM_BASE, FN + ("Environment", "Variables"), ["OUT"], "same"),
    ("Environment-Variables-as-a-string", SAM_BASE, FN + ("Environment", "Variables"), "OUT=x", "same"),
    ("Environment-as-a-list", SAM_BASE, FN + ("Environment",), ["OUT"], "same"),
    ("environment-variable-as-a-mapping", SAM_BASE, FN + ("Environment", "Variables", "OUT"), {"a": 1, "b": 2},
     "same"),
    ("Handler-as-a-number", SAM_BASE, FN + ("Handler",), 5, "same"),
    ("Handler-as-a-list", SAM_BASE, FN + ("Handler",), ["app.handler"], "same"),
    ("Handler-as-a-mapping", SAM_BASE, FN + ("Handler",), {"Ref": "H"}, "same"),
    ("CodeUri-as-a-list", SAM_BASE, FN + ("CodeUri",), ["src/"], "same"),
    ("CodeUri-as-a-number", SAM_BASE, FN + ("CodeUri",), 5, "same"),
    ("CodeUri-as-a-mapping", SAM_BASE, FN + ("CodeUri",), {"Bucket": "b", "Key": "k"}, "same"),
    ("InlineCode-as-a-list", SAM_BASE, FN + ("InlineCode",), ["import boto3"], "same"),
    ("Runtime-as-a-list", SAM_BASE, FN + ("Runtime",), ["python3.12"], "same"),
    ("RecursiveLoop-as-a-list", SAM_BASE, FN + ("RecursiveLoop",), ["Allow"], "same"),
    ("ReservedConcurrentExecutions-as-a-string", SAM_BASE, FN + ("ReservedConcurrentExecutions",), "five",
     "same"),
    ("PackageType-as-a-list", SAM_BASE, FN + ("PackageType",), ["Image"], "same"),
    ("Metadata-as-a-list", SAM_BASE, ("Resources", "ThumbFn", "Metadata"), [1], "same"),
    ("Globals-as-a-list", SAM_BASE, ("Globals",), ["Function"], "same"),
    ("Globals-as-a-string", SAM_BASE, ("Globals",), "Function", "same"),
    ("Globals-Function-as-a-list", SAM_BASE, ("Globals", "Function"), ["Runtime"], "same"),
    ("Globals-Function-Policies-as-a-string", SAM_BASE, ("Globals", "Function", "Policies"), "x", "any"),
    ("Globals-Function-Events-as-a-list", SAM_BASE, ("Globals", "Function", "Events"), [1], "any"),
    ("Globals-Function-Environment-as-a-list", SAM_BASE, ("Globals", "Function", "Environment"), [1], "same"),
    ("Parameters-as-a-list", SAM_BASE, ("Parameters",), ["x"], "same"),
    ("Mappings-as-a-list", SAM_BASE, ("Mappings",), ["x"], "same"),
    ("Conditions-as-a-string", SAM_BASE, ("Conditions",), "x", "same"),
    ("Outputs-as-a-list", SAM_BASE, ("Outputs",), ["x"], "same"),
    ("Transform-as-a-mapping", SAM_BASE, ("Transform",), {"Name": "AWS::Include"}, "same"),
    ("bucket-Tags-as-a-string", SAM_BASE, ("Resources", "PhotoBucket", "Properties", "Tags"), "x", "same"),
    ("bucket-Properties-as-a-list", SAM_BASE, ("Resources", "PhotoBucket", "Properties"), [1], "same"),
    ("function-Properties-as-a-list", SAM_BASE, FN, ["x"], "any"),
    ("function-Properties-as-null", SAM_BASE, FN, None, "any"),
    ("function-Type-as-a-list", SAM_BASE, ("Resources", "ThumbFn", "Type"), ["AWS::Serverless::Function"],
     "any"),
    ("function-without-Type", SAM_BASE, ("Resources", "ThumbFn", "Type"), DELETE, "any"),
    ("bucket-without-Type", SAM_BASE, ("Resources", "PhotoBucket", "Type"), DELETE, "any"),
    ("BucketName-as-a-list", SAM_BASE, ("Resources", "PhotoBucket", "Properties", "BucketName"), ["a"], "any"),
    ("BucketName-as-a-boolean", SAM_BASE, ("Resources", "PhotoBucket", "Properties", "BucketName"), True,
     "any"),
    # raw CloudFormation
    ("NotificationConfiguration-as-a-list", CFN_BASE, BUCKET + ("NotificationConfiguration",),
     [{"LambdaConfigurations": []}], "any"),
    ("NotificationConfiguration-as-a-string", CFN_BASE, BUCKET + ("NotificationConfiguration",), "x", "any"),
    ("LambdaConfigurations-as-a-string", CFN_BASE, LAMBDA_CONFIG, "CompressFn", "any"),
    ("LambdaConfigurations-as-a-mapping", CFN_BASE, LAMBDA_CONFIG, {"Event": "s3:ObjectCreated:*"}, "any"),
    ("LambdaConfigurations-item-as-a-string", CFN_BASE, LAMBDA_CONFIG + (0,), "CompressFn", "any"),
    ("LambdaConfiguration-Function-as-a-list", CFN_BASE, LAMBDA_CONFIG + (0, "Function"), ["x"], "any"),
    ("LambdaConfiguration-Event-as-a-list", CFN_BASE, LAMBDA_CONFIG + (0, "Event"), ["s3:ObjectCreated:*"],
     "any"),
    ("LambdaConfiguration-Event-as-a-mapping", CFN_BASE, LAMBDA_CONFIG + (0, "Event"), {"a": 1}, "any"),
    ("LambdaConfiguration-Filter-as-a-string", CFN_BASE, LAMBDA_CONFIG + (0, "Filter"), "uploads/", "guard"),
    ("LambdaConfiguration-Filter-Rules-as-a-string", CFN_BASE, LAMBDA_CONFIG + (0, "Filter"),
     {"S3Key": {"Rules": "prefix=uploads/"}}, "guard"),
    ("Role-Policies-as-a-mapping", CFN_BASE, ROLE + ("Policies",), {"PolicyName": "x"}, "any"),
    ("Role-Policies-as-a-string", CFN_BASE, ROLE + ("Policies",), "put", "any"),
    ("Role-Policies-item-as-a-string", CFN_BASE, ROLE + ("Policies", 0), "put", "any"),
    ("PolicyDocument-as-a-string", CFN_BASE, ROLE + ("Policies", 0, "PolicyDocument"), "{}", "any"),
    ("PolicyDocument-as-a-list", CFN_BASE, ROLE + ("Policies", 0, "PolicyDocument"), ["x"], "any"),
    ("PolicyName-as-a-list", CFN_BASE, ROLE + ("Policies", 0, "PolicyName"), ["x"], "same"),
    ("ManagedPolicyArns-as-a-mapping", CFN_BASE, ROLE + ("ManagedPolicyArns",),
     {"a": "arn:aws:iam::aws:policy/AmazonS3FullAccess"}, "same"),
    ("ManagedPolicyArns-as-a-string", CFN_BASE, ROLE + ("ManagedPolicyArns",),
     "arn:aws:iam::aws:policy/AmazonS3FullAccess", "same"),
    ("ManagedPolicyArns-item-as-a-number", CFN_BASE, ROLE + ("ManagedPolicyArns", 0), 1, "any"),
    ("Role-Properties-as-a-list", CFN_BASE, ROLE, [1], "any"),
    ("function-Role-as-a-number", CFN_BASE, ("Resources", "CompressFn", "Properties", "Role"), 5, "any"),
    ("function-Role-as-a-list", CFN_BASE, ("Resources", "CompressFn", "Properties", "Role"), ["x"], "any"),
    ("function-Code-as-a-list", CFN_BASE, ("Resources", "CompressFn", "Properties", "Code"), ["x"], "same"),
    ("function-Code-ZipFile-as-a-list", CFN_BASE, ("Resources", "CompressFn", "Properties", "Code"),
     {"ZipFile": ["import boto3"]}, "same"),
    ("Parameter-Default-as-a-list", CFN_BASE, ("Parameters", "BucketName", "Default"), ["a", "b"], "any"),
    ("Parameter-as-a-string", CFN_BASE, ("Parameters", "BucketName"), "archive-bucket", "any"),
    ("IAM-Policy-Roles-as-a-mapping", CFN_BASE, ("Resources", "Extra"),
     {"Type": "AWS::IAM::Policy", "Properties": {"Roles": {"a": 1, "b": 2}, "PolicyDocument": "x"}}, "same"),
    ("CDK-notifications-with-wrong-types", CFN_BASE, ("Resources", "Notifications"),
     {"Type": "Custom::S3BucketNotifications", "Properties": {
         "BucketName": {"Ref": "ArchiveBucket"},
         "NotificationConfiguration": {"LambdaFunctionConfigurations": [
             {"Filter": {"Key": {"FilterRules": "x"}}, "Events": 5, "LambdaFunctionArn": [1]}]}}}, "same"),
]


def mutate(base: Dict[str, Any], path: Sequence[Any], value: Any) -> Dict[str, Any]:
    data = copy.deepcopy(base)
    node = data
    for step in path[:-1]:
        node = node[step]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


def render(data: Dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2)
    return yaml.safe_dump(data, sort_keys=False)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("case_id, base, path, value, kind", WRONG_TYPES, ids=[c[0] for c in WRONG_TYPES])
def test_property_of_the_wrong_type(case_id, base, path, value, kind, fmt, tmp_path: Path):
    baseline_file = tmp_path / "base" / f"template.{fmt}"
    baseline_file.parent.mkdir()
    baseline_file.write_text(render(base, fmt))
    baseline = run_cli(baseline_file)
    baseline_rules = sorted(f["rule"] for f in baseline.document["findings"])
    assert baseline_rules == (["WL102"] if base is SAM_BASE else ["EL101"])  # the designs still hold

    target = tmp_path / "case" / f"template.{fmt}"
    target.parent.mkdir()
    target.write_text(render(mutate(base, path, value), fmt))
    run = run_cli(target)
    assert run.document["errors"] == [] and run.document["skipped"] == []
    assert run.code == severity_exit(run.document["findings"])
    rules = sorted(f["rule"] for f in run.document["findings"])
    if kind == "same":
        assert rules == baseline_rules
    elif kind == "guard":
        assert set(rules) & {"EL101", "WL102"}, "a broken key filter silenced the loop"
    assert run_cli(target, fmt="text").code == run.code
