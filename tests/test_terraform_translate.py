"""The Terraform translator: hand-built configurations of each design run through
to_template + analyse give the findings their SAM twins (fixtures/) give: the same rule,
severity and message (with Terraform addresses for logical ids), on the Terraform address, at
the .tf file and the line of the resource's block."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from loopcheck.load.loader import Template, load_file
from loopcheck.load.nodes import locate
from loopcheck.pipeline.analysis import Analysis, analyse
from loopcheck.terraform.config import (
    Encoded,
    Interpolation,
    Reference,
    TfConfiguration,
    TfModuleCall,
    TfResource,
    Unknown,
)
from loopcheck.terraform.translate import to_template

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
R = Reference
ASSUME_LAMBDA = Encoded(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


class Config:
    """A module folder in tmp_path with the twin's handler code under src/, and resources
    written into main.tf at increasing lines."""

    def __init__(self, tmp_path: Path, twin: str):
        self.folder = tmp_path / "stack"
        self.folder.mkdir()
        if (FIXTURES / twin / "src").is_dir():
            shutil.copytree(FIXTURES / twin / "src", self.folder / "src")
        (self.folder / "main.tf").write_text("# written by hand in the test\n")
        self.resources: List[TfResource] = []
        self.calls: List[TfModuleCall] = []
        self.line = 1

    @property
    def main(self) -> str:
        return str(self.folder / "main.tf")

    def add(self, address: str, values: Dict, suppressions: List[Tuple[str, str]] = ()) -> TfResource:
        mode = "data" if address.startswith("data.") else "managed"
        tf_type = address.split(".")[1 if mode == "data" else 0]
        self.line += 10
        resource = TfResource(
            address, mode, tf_type, values, self.main, self.line, str(self.folder), list(suppressions)
        )
        self.resources.append(resource)
        return resource

    def module(self, address: str, source: str, values: Dict) -> TfModuleCall:
        self.line += 10
        call = TfModuleCall(address, source, values, self.main, self.line, str(self.folder))
        self.calls.append(call)
        return call

    def archive(self, name: str = "code") -> Reference:
        self.add(
            f"data.archive_file.{name}",
            {
                "type": "zip",
                "source_dir": Interpolation((Unknown("path.module"), "/src")),
                "output_path": Interpolation((Unknown("path.module"), f"/build/{name}.zip")),
            },
        )
        return R(f"data.archive_file.{name}", "output_path")

    def role(self, name: str, **values) -> Reference:
        self.add(f"aws_iam_role.{name}", {"name": name, "assume_role_policy": ASSUME_LAMBDA, **values})
        return R(f"aws_iam_role.{name}", "arn")

    def configuration(self) -> TfConfiguration:
        return TfConfiguration(str(self.folder), self.resources, self.calls)

    def analyse(self) -> Analysis:
        template = to_template(self.configuration())
        return analyse(str(self.folder), template.data, None, resource_files=template.files)

    def line_of(self, address: str) -> int:
        for resource in self.resources:
            if resource.address == address:
                return resource.line
        return next(call.line for call in self.calls if address.startswith(call.address + "."))


def twin_findings(name: str) -> Analysis:
    loaded = load_file(FIXTURES / name / "template.yaml")
    assert isinstance(loaded, Template)
    return analyse(loaded.path, loaded.data)


def renamed(text: str, names: Dict[str, str]) -> str:
    for logical_id in sorted(names, key=len, reverse=True):
        text = text.replace(logical_id, names[logical_id])
    return text


def assert_same_as_twin(config: Config, twin: str, names: Dict[str, str]) -> Analysis:
    """The Terraform findings are the twin's, with addresses for logical ids, at the .tf
    file and the line of each finding's resource block."""
    ours = config.analyse()
    theirs = twin_findings(twin)
    expected = sorted(
        (f.rule, f.severity.value, names[f.resource], renamed(f.message, names), renamed(f.fix, names))
        for f in theirs.findings
    )
    got = sorted((f.rule, f.severity.value, f.resource, f.message, f.fix) for f in ours.findings)
    assert got == expected
    for finding in ours.findings:
        assert finding.file == config.main
        assert finding.line == config.line_of(finding.resource)
        assert set(finding.cycle) <= set(names.values())  # the loop is named by Terraform addresses
    return ours


def test_same_bucket_loop_with_a_heredoc_policy(tmp_path):
    c = Config(tmp_path, "s3-same-bucket-loop")
    c.add("aws_s3_bucket.media", {"bucket_prefix": "media-"})
    code = c.archive()
    role = c.role("resize")
    c.add(
        "aws_iam_role_policy.s3",
        {
            "role": R("aws_iam_role.resize", "id"),
            "policy": Interpolation(
                (
                    '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow",\n'
                    '    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],\n    "Resource": "',
                    R("aws_s3_bucket.media", "arn"),
                    '/*"}]\n}\n',
                )
            ),
        },
    )
    c.add(
        "aws_lambda_function.resize",
        {
            "function_name": "resize",
            "handler": "app.handler",
            "runtime": "python3.12",
            "role": role,
            "filename": code,
            "source_code_hash": R("data.archive_file.code", "output_base64sha256"),
            "environment": [{"variables": {"OUTPUT_BUCKET": R("aws_s3_bucket.media", "id")}}],
        },
    )
    c.add(
        "aws_lambda_permission.s3",
        {
            "function_name": R("aws_lambda_function.resize", "function_name"),
            "action": "lambda:InvokeFunction",
            "principal": "s3.amazonaws.com",
            "source_arn": R("aws_s3_bucket.media", "arn"),
        },
    )
    c.add(
        "aws_s3_bucket_notification.media",
        {
            "bucket": R("aws_s3_bucket.media", "id"),
            "lambda_function": [
                {
                    "lambda_function_arn": R("aws_lambda_function.resize", "arn"),
                    "events": ["s3:ObjectCreated:*"],
                }
            ],
        },
    )
    ours = assert_same_as_twin(
        c,
        "s3-same-bucket-loop",
        {"MediaBucket": "aws_s3_bucket.media", "ResizeFn": "aws_lambda_function.resize"},
    )
    (finding,) = ours.findings
    assert finding.rule == "EL101" and finding.cycle == [
        "aws_s3_bucket.media",
        "aws_lambda_function.resize",
        "aws_s3_bucket.media",
    ]
    # Each step points at the block that says it: the notification, the policy, the handler line.
    notified, granted, done = finding.steps[:3]
    assert (notified.location.file, notified.location.line) == (
        c.main,
        c.line_of("aws_s3_bucket_notification.media"),
    )
    assert (granted.location.file, granted.location.line) == (c.main, c.line_of("aws_iam_role_policy.s3"))
    assert done.location.file.endswith(os.path.join("src", "app.py"))


def test_prefix_guard_with_a_policy_document_data_source(tmp_path):
    c = Config(tmp_path, "s3-prefix-scoped")
    c.add("aws_s3_bucket.documents", {"bucket": "example-documents"})
    c.add(
        "data.aws_iam_policy_document.convert",
        {
            "statement": [
                {
                    "actions": ["s3:GetObject"],
                    "resources": [Interpolation((R("aws_s3_bucket.documents", "arn"), "/*"))],
                },
                {
                    "effect": "Allow",
                    "actions": ["s3:PutObject"],
                    "resources": [
                        Interpolation(("arn:aws:s3:::", R("aws_s3_bucket.documents", "bucket"), "/processed/*"))
                    ],
                },
            ]
        },
    )
    role = c.role("convert")
    c.add(
        "aws_iam_role_policy.convert",
        {
            "role": "convert",  # by its literal name
            "policy": R("data.aws_iam_policy_document.convert", "json"),
        },
    )
    c.add(
        "aws_lambda_function.convert",
        {
            "function_name": "convert",
            "handler": "app.handler",
            "runtime": "python3.12",
            "role": role,
            "filename": c.archive(),
        },
    )
    c.add(
        "aws_s3_bucket_notification.documents",
        {
            "bucket": R("aws_s3_bucket.documents", "id"),
            "lambda_function": [
                {
                    "lambda_function_arn": R("aws_lambda_function.convert", "arn"),
                    "events": ["s3:ObjectCreated:*"],
                    "filter_prefix": "uploads/",
                }
            ],
        },
    )
    ours = assert_same_as_twin(
        c,
        "s3-prefix-scoped",
        {"DocumentsBucket": "aws_s3_bucket.documents", "ConvertFn": "aws_lambda_function.convert"},
    )
    assert [f.rule for f in ours.findings] == ["IL105"]


def test_metadata_guard_with_a_jsonencode_managed_policy(tmp_path):
    c = Config(tmp_path, "s3-metadata-guard-python")
    c.add("aws_s3_bucket.photos", {"bucket": "example-photos"})
    c.add(
        "aws_iam_policy.crud",
        {
            "name": "photos-crud",
            "policy": Encoded(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:PutObject"],
                            "Resource": [Interpolation((R("aws_s3_bucket.photos", "arn"), "/*"))],
                        }
                    ],
                }
            ),
        },
    )
    role = c.role("optimise")
    c.add(
        "aws_iam_role_policy_attachment.crud",
        {"role": R("aws_iam_role.optimise", "name"), "policy_arn": R("aws_iam_policy.crud", "arn")},
    )
    c.add(
        "aws_iam_role_policy_attachment.logs",
        {
            "role": R("aws_iam_role.optimise", "name"),
            "policy_arn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        },
    )
    c.add(
        "aws_lambda_function.optimise",
        {
            "function_name": "optimise",
            "handler": "app.handler",
            "runtime": "python3.12",
            "role": role,
            "filename": c.archive(),
        },
    )
    c.add(
        "aws_s3_bucket_notification.photos",
        {
            "bucket": "example-photos",
            "lambda_function": [  # by name
                {
                    "lambda_function_arn": R("aws_lambda_function.optimise", "arn"),
                    "events": ["s3:ObjectCreated:*"],
                }
            ],
        },
    )
    ours = assert_same_as_twin(
        c,
        "s3-metadata-guard-python",
        {"PhotosBucket": "aws_s3_bucket.photos", "OptimiseFn": "aws_lambda_function.optimise"},
    )
    assert [f.rule for f in ours.findings] == ["IL105"]


def dedupe_design(c: Config) -> None:
    c.add("aws_s3_bucket.uploads", {})
    c.add(
        "aws_dynamodb_table.seen",
        {
            "name": "seen-keys",
            "billing_mode": "PAY_PER_REQUEST",
            "hash_key": "objectKey",
            "attribute": [{"name": "objectKey", "type": "S"}],
            "stream_enabled": True,
            "stream_view_type": "KEYS_ONLY",
            "ttl": [{"attribute_name": "expiresAt", "enabled": True}],
        },
    )
    code = c.archive()
    record_role = c.role(
        "record",
        inline_policy=[
            {
                "name": "table",
                "policy": Encoded(
                    {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["dynamodb:PutItem"],
                                "Resource": R("aws_dynamodb_table.seen", "arn"),
                            }
                        ]
                    }
                ),
            }
        ],
    )
    process_role = c.role(
        "process",
        inline_policy=[
            {
                "name": "bucket",
                "policy": Encoded(
                    {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["s3:GetObject", "s3:PutObject"],
                                "Resource": Interpolation((R("aws_s3_bucket.uploads", "arn"), "/*")),
                            }
                        ]
                    }
                ),
            }
        ],
    )
    c.add(
        "aws_lambda_function.record",
        {
            "function_name": "record",
            "handler": "record.handler",
            "runtime": "python3.12",
            "role": record_role,
            "filename": code,
            "environment": [{"variables": {"TABLE": R("aws_dynamodb_table.seen", "name")}}],
        },
    )
    c.add(
        "aws_lambda_function.process",
        {
            "function_name": "process",
            "handler": "process.handler",
            "runtime": "python3.12",
            "role": process_role,
            "filename": code,
            "environment": [{"variables": {"BUCKET": R("aws_s3_bucket.uploads", "id")}}],
        },
    )
    c.add(
        "aws_lambda_event_source_mapping.keys",
        {
            "event_source_arn": R("aws_dynamodb_table.seen", "stream_arn"),
            "function_name": R("aws_lambda_function.process", "arn"),
            "starting_position": "LATEST",
        },
    )
    c.add(
        "aws_s3_bucket_notification.uploads",
        {
            "bucket": R("aws_s3_bucket.uploads", "id"),
            "lambda_function": [
                {
                    "lambda_function_arn": R("aws_lambda_function.record", "arn"),
                    "events": ["s3:ObjectCreated:*"],
                }
            ],
        },
    )


def test_dynamodb_dedupe_with_inline_policies_and_a_stream_mapping(tmp_path):
    c = Config(tmp_path, "dynamodb-dedupe-guard")
    dedupe_design(c)
    ours = assert_same_as_twin(
        c,
        "dynamodb-dedupe-guard",
        {
            "UploadsBucket": "aws_s3_bucket.uploads",
            "SeenKeysTable": "aws_dynamodb_table.seen",
            "RecordKeyFn": "aws_lambda_function.record",
            "ProcessFn": "aws_lambda_function.process",
        },
    )
    assert {f.rule for f in ours.findings} == {"IL105", "IL109"}


def sqs_self_loop(c: Config, suppressions=()) -> None:
    c.add("aws_sqs_queue.jobs", {"name": "jobs"})
    c.add(
        "aws_iam_policy.send",
        {
            "policy": Encoded(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sqs:SendMessage",
                            "Resource": R("aws_sqs_queue.jobs", "arn"),
                        }
                    ],
                }
            )
        },
    )
    role = c.role("worker", managed_policy_arns=[R("aws_iam_policy.send", "arn")])
    c.add(
        "aws_lambda_function.worker",
        {
            "function_name": "worker",
            "handler": "app.handler",
            "runtime": "nodejs20.x",
            "role": role,
            "filename": c.archive(),
            "environment": [{"variables": {"QUEUE_URL": R("aws_sqs_queue.jobs", "url")}}],
        },
        suppressions,
    )
    c.add(
        "aws_lambda_event_source_mapping.jobs",
        {
            "event_source_arn": R("aws_sqs_queue.jobs", "arn"),
            "function_name": R("aws_lambda_function.worker", "function_name"),
        },
    )


def test_sqs_self_loop_through_an_event_source_mapping(tmp_path):
    c = Config(tmp_path, "sqs-self-loop")
    sqs_self_loop(c)
    ours = assert_same_as_twin(
        c, "sqs-self-loop", {"JobsQueue": "aws_sqs_queue.jobs", "WorkerFn": "aws_lambda_function.worker"}
    )
    assert [(f.rule, f.severity.value) for f in ours.findings] == [("EL101", "error")]


def test_a_suppression_comment_suppresses_and_points_at_the_block(tmp_path):
    c = Config(tmp_path, "sqs-self-loop")
    sqs_self_loop(c, suppressions=[("EL101", "jobs stop after 3 attempts, see ADR-7")])
    analysis = c.analyse()
    assert analysis.findings == []
    (suppressed,) = analysis.suppressed
    assert suppressed.finding.rule == "EL101" and suppressed.reason == "jobs stop after 3 attempts, see ADR-7"
    assert suppressed.finding.file == c.main


def test_an_unknown_rule_in_a_suppression_is_reported_like_sams(tmp_path):
    c = Config(tmp_path, "sqs-self-loop")
    sqs_self_loop(c, suppressions=[("EL1O1", "typo")])
    analysis = c.analyse()
    unknown = [f for f in analysis.findings if f.rule == "WL903"]
    assert unknown and unknown[0].file == c.main and unknown[0].line == c.line_of("aws_lambda_function.worker")


def test_s3_eventbridge_state_machine_loop(tmp_path):
    c = Config(tmp_path, "s3-eventbridge-state-machine-loop")
    c.add("aws_s3_bucket.receipts", {"bucket": "example-receipts"})
    c.add(
        "aws_s3_bucket_notification.receipts",
        {"bucket": R("aws_s3_bucket.receipts", "id"), "eventbridge": True},
    )
    c.add(
        "aws_sfn_state_machine.receipt",
        {
            "name": "receipt",
            "role_arn": Unknown("var.role_arn"),
            "definition": Encoded(
                {
                    "StartAt": "Describe",
                    "States": {
                        "Describe": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::aws-sdk:s3:headObject",
                            "Parameters": {"Bucket.$": "$.detail.bucket.name", "Key.$": "$.detail.object.key"},
                            "ResultPath": "$.head",
                            "Next": "WriteReceipt",
                        },
                        "WriteReceipt": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                            "Parameters": {
                                "Bucket.$": "$.detail.bucket.name",
                                "Key.$": "States.Format('{}.receipt.json', $.detail.object.key)",
                                "Body.$": "$.head",
                            },
                            "End": True,
                        },
                    },
                }
            ),
        },
    )
    c.add(
        "aws_cloudwatch_event_rule.arrived",
        {
            "name": "arrived",
            "event_pattern": Encoded(
                {
                    "source": ["aws.s3"],
                    "detail-type": ["Object Created"],
                    "detail": {"bucket": {"name": [R("aws_s3_bucket.receipts", "id")]}},
                }
            ),
        },
    )
    c.add(
        "aws_cloudwatch_event_target.start",
        {
            "rule": R("aws_cloudwatch_event_rule.arrived", "name"),
            "arn": R("aws_sfn_state_machine.receipt", "arn"),
        },
    )
    ours = c.analyse()
    theirs = twin_findings("s3-eventbridge-state-machine-loop")
    assert [(f.rule, f.severity) for f in ours.findings] == [(f.rule, f.severity) for f in theirs.findings]
    (finding,) = ours.findings
    assert finding.rule == "EL107" and finding.resource == "aws_sfn_state_machine.receipt"
    assert finding.cycle == [
        "aws_s3_bucket.receipts",
        "default",
        "aws_sfn_state_machine.receipt",
        "aws_s3_bucket.receipts",
    ]
    assert finding.line == c.line_of("aws_sfn_state_machine.receipt")
    routed = next(step for step in finding.steps if "routes to" in step.text)
    assert routed.location.line == c.line_of("aws_cloudwatch_event_target.start")


def test_the_community_lambda_module(tmp_path):
    c = Config(tmp_path, "sqs-self-loop")
    c.add("aws_sqs_queue.jobs", {"name": "jobs"})
    c.module(
        "module.worker",
        "terraform-aws-modules/lambda/aws",
        {
            "source": "terraform-aws-modules/lambda/aws",
            "version": "~> 7.0",
            "function_name": "worker",
            "handler": "app.handler",
            "runtime": "nodejs20.x",
            "source_path": Interpolation((Unknown("path.module"), "/src")),
            "environment_variables": {"QUEUE_URL": R("aws_sqs_queue.jobs", "url")},
            "attach_policy_statements": True,
            "policy_statements": {
                "send": {
                    "effect": "Allow",
                    "actions": ["sqs:SendMessage"],
                    "resources": [R("aws_sqs_queue.jobs", "arn")],
                }
            },
            "event_source_mapping": {"jobs": {"event_source_arn": R("aws_sqs_queue.jobs", "arn")}},
            "allowed_triggers": {"sqs": {"service": "sqs", "source_arn": R("aws_sqs_queue.jobs", "arn")}},
        },
    )
    # A reference to the module's output names the function the module makes.
    c.add(
        "aws_cloudwatch_metric_alarm.busy",
        {
            "alarm_name": "worker-busy",
            "namespace": "AWS/Lambda",
            "metric_name": "ConcurrentExecutions",
            "dimensions": {"FunctionName": R("module.worker", "lambda_function_name")},
        },
    )
    ours = assert_same_as_twin(
        c,
        "sqs-self-loop",
        {"JobsQueue": "aws_sqs_queue.jobs", "WorkerFn": "module.worker.aws_lambda_function.this"},
    )
    (finding,) = ours.findings
    assert finding.line == c.line_of("module.worker.aws_lambda_function.this")
    assert any("does: " in step.text and "app.js" in step.text for step in finding.steps)
    template = to_template(c.configuration())
    assert "module.worker.aws_lambda_function.this" in template.data["Resources"]
    assert template.files["module.worker.aws_iam_role.lambda"] == c.main


@pytest.mark.parametrize(
    "inputs, granted",
    [
        (
            {
                "attach_policy_json": True,
                "policy_json": Encoded(
                    {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sqs:SendMessage",
                                "Resource": R("aws_sqs_queue.jobs", "arn"),
                            }
                        ]
                    }
                ),
            },
            True,
        ),
        ({"attach_policies": True, "policies": ["arn:aws:iam::aws:policy/AmazonSQSFullAccess"]}, True),
        ({"attach_policy": True, "policy": "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"}, False),
        ({}, False),
    ],
)
def test_the_modules_policy_inputs_grant_what_they_say(tmp_path, inputs, granted):
    c = Config(tmp_path, "sqs-self-loop")
    c.add("aws_sqs_queue.jobs", {"name": "jobs"})
    c.module(
        "module.worker",
        "terraform-aws-modules/lambda/aws",
        {
            "function_name": "worker",
            "handler": "app.handler",
            "runtime": "nodejs20.x",
            "source_path": "./src",
            "event_source_mapping": {"jobs": {"event_source_arn": R("aws_sqs_queue.jobs", "arn")}},
            **inputs,
        },
    )
    writes = [f for f in c.analyse().findings if f.cycle and f.rule[0] in "EW"]  # a loop it may write
    assert bool(writes) == granted


def test_a_notification_on_a_bucket_made_elsewhere_is_a_bucket_named_by_its_value(tmp_path):
    c = Config(tmp_path, "s3-same-bucket-loop")
    c.add(
        "aws_lambda_function.resize",
        {
            "function_name": "resize",
            "handler": "app.handler",
            "runtime": "python3.12",
            "role": c.role(
                "resize",
                inline_policy=[
                    {
                        "name": "s3",
                        "policy": Encoded(
                            {
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": "s3:PutObject",
                                        "Resource": Interpolation(
                                            ("arn:aws:s3:::", Unknown("var.bucket"), "/*")
                                        ),
                                    }
                                ]
                            }
                        ),
                    }
                ],
            ),
            "filename": c.archive(),
            "environment": [{"variables": {"OUTPUT_BUCKET": Unknown("var.bucket")}}],
        },
    )
    c.add("aws_lambda_function_recursion_config.resize", {"function_name": "resize", "recursive_loop": "Allow"})
    c.add(
        "aws_s3_bucket_notification.media",
        {
            "bucket": Unknown("var.bucket"),
            "lambda_function": [
                {
                    "lambda_function_arn": R("aws_lambda_function.resize", "arn"),
                    "events": ["s3:ObjectCreated:*"],
                }
            ],
        },
    )
    template = to_template(c.configuration())
    bucket = template.data["Resources"]["aws_s3_bucket_notification.media"]
    assert bucket["Type"] == "AWS::S3::Bucket" and bucket["Properties"]["BucketName"] == {"Ref": "var.bucket"}
    assert template.data["Resources"]["aws_lambda_function.resize"]["Properties"]["RecursiveLoop"] == "Allow"
    errors = [f for f in c.analyse().findings if f.rule.startswith("E")]
    assert sorted(f.rule for f in errors) == ["EL101", "EL104"]  # as the SAM twin s3-recursive-loop-allow
    el104 = next(f for f in errors if f.rule == "EL104")
    assert el104.line == c.line_of("aws_lambda_function_recursion_config.resize")  # where Allow is written
    for finding in errors:
        assert finding.cycle[0] == "aws_s3_bucket_notification.media"
        assert any(
            "RecursiveLoop is Allow on aws_lambda_function.resize" in step.text for step in finding.steps
        )


def test_lines_of_folded_blocks_and_files_of_resources(tmp_path):
    c = Config(tmp_path, "s3-same-bucket-loop")
    c.add("aws_s3_bucket.media", {})
    c.add("aws_cloudwatch_event_rule.r", {"event_pattern": '{"source": ["aws.s3"]}'})
    c.add("aws_cloudwatch_event_target.t", {"rule": "r", "arn": "arn:aws:sqs:eu-west-1:1:q"})
    c.add("aws_cloudwatch_event_target.orphan", {"rule": "missing", "arn": "x"})
    other = c.add(
        "aws_s3_bucket_notification.media",
        {
            "bucket": R("aws_s3_bucket.media", "bucket"),
            "queue": [{"queue_arn": "arn:aws:sqs:eu-west-1:1:q", "events": ["s3:ObjectRemoved:*"]}],
        },
    )
    c.resources[1].values["name"] = "r"
    template = to_template(c.configuration())
    data = template.data
    base = (
        "Resources",
        "aws_s3_bucket.media",
        "Properties",
        "NotificationConfiguration",
        "QueueConfigurations",
        0,
    )
    assert locate(data, base)[0] == other.line
    assert locate(data, ("Resources", "aws_s3_bucket.media"))[0] == c.line_of("aws_s3_bucket.media")
    assert data["Resources"]["aws_cloudwatch_event_rule.r"]["Properties"]["EventPattern"] == {
        "source": ["aws.s3"]
    }
    targets = ("Resources", "aws_cloudwatch_event_rule.r", "Properties", "Targets", 0)
    assert locate(data, targets)[0] == c.line_of("aws_cloudwatch_event_target.t")
    assert template.files == {"aws_s3_bucket.media": c.main, "aws_cloudwatch_event_rule.r": c.main}
    assert any(
        "aws_cloudwatch_event_target.orphan" in note and "not declared" in note for note in template.notes
    )


def test_values_references_interpolations_unknowns_and_json_text(tmp_path):
    c = Config(tmp_path, "s3-same-bucket-loop")
    c.add(
        "aws_sqs_queue.q",
        {
            "name": "q",
            "redrive_policy": Interpolation(
                ('{"deadLetterTargetArn": "', R("aws_sqs_queue.dlq", "arn"), '", "maxReceiveCount": 3}')
            ),
        },
    )
    c.add("aws_sqs_queue.dlq", {"name": Interpolation((Unknown("var.prefix"), "-dlq"))})
    c.add("aws_sns_topic.t", {})
    c.add(
        "aws_sns_topic_subscription.s",
        {
            "topic_arn": R("aws_sns_topic.t", "arn"),
            "protocol": "sqs",
            "endpoint": R("aws_sqs_queue.q", "arn"),
            "filter_policy": '{"kind": ["job"]}',
            "filter_policy_scope": "MessageBody",
        },
    )
    c.add("aws_dynamodb_table.t", {"name": "t", "stream_enabled": True, "stream_view_type": "NEW_IMAGE"})
    c.add("aws_kinesis_stream.k", {"name": "k"})
    c.add("data.aws_caller_identity.me", {})
    c.add(
        "aws_lambda_function.f",
        {
            "function_name": "f",
            "s3_bucket": "artifacts",
            "s3_key": "f.zip",
            "reserved_concurrent_executions": -1,
            "environment": [
                {
                    "variables": {
                        "ACCOUNT": R("data.aws_caller_identity.me", "account_id"),
                        "STREAM": R("aws_kinesis_stream.k", "name"),
                        "TOPIC": R("aws_sns_topic.t", "id"),
                        "OTHER": R("random_pet.p", "id"),
                    }
                }
            ],
        },
    )
    c.add(
        "aws_lambda_event_source_mapping.m",
        {
            "event_source_arn": R("aws_dynamodb_table.t", "stream_arn"),
            "function_name": "f",
            "filter_criteria": [{"filter": [{"pattern": Encoded({"eventName": ["INSERT"]})}]}],
        },
    )
    c.add(
        "aws_lambda_function_event_invoke_config.c",
        {
            "function_name": "f",
            "destination_config": [{"on_failure": [{"destination": R("aws_sqs_queue.dlq", "arn")}]}],
        },
    )
    data = to_template(c.configuration()).data
    resources = data["Resources"]
    assert resources["aws_sqs_queue.q"]["Properties"]["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["aws_sqs_queue.dlq", "Arn"]},
        "maxReceiveCount": 3,
    }
    assert resources["aws_sqs_queue.dlq"]["Properties"]["QueueName"] == {
        "Fn::Join": ["", [{"Ref": "var.prefix"}, "-dlq"]]
    }
    assert data["Parameters"]["var.prefix"] == {"Type": "String"}
    subscription = resources["aws_sns_topic_subscription.s"]["Properties"]
    assert subscription["FilterPolicy"] == {"kind": ["job"]} and subscription["TopicArn"] == {
        "Ref": "aws_sns_topic.t"
    }
    assert resources["aws_dynamodb_table.t"]["Properties"]["StreamSpecification"] == {
        "StreamViewType": "NEW_IMAGE"
    }
    function = resources["aws_lambda_function.f"]["Properties"]
    assert "ReservedConcurrentExecutions" not in function
    assert function["Code"] == {"S3Bucket": "artifacts", "S3Key": "f.zip"}
    variables = function["Environment"]["Variables"]
    assert variables["ACCOUNT"] == {"Ref": "AWS::AccountId"}
    assert variables["STREAM"] == {"Ref": "aws_kinesis_stream.k"} and variables["TOPIC"] == {
        "Ref": "aws_sns_topic.t"
    }
    assert variables["OTHER"] == {"Ref": "random_pet.p.id"}
    mapping = resources["aws_lambda_event_source_mapping.m"]["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["aws_dynamodb_table.t", "StreamArn"]}
    assert mapping["FilterCriteria"] == {"Filters": [{"Pattern": {"eventName": ["INSERT"]}}]}
    invoke = resources["aws_lambda_function_event_invoke_config.c"]["Properties"]
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["aws_sqs_queue.dlq", "Arn"]
    }


def test_an_unknown_module_is_a_note_and_a_layer_of_the_lambda_module_is_nothing(tmp_path):
    c = Config(tmp_path, "s3-same-bucket-loop")
    c.module("module.vpc", "terraform-aws-modules/vpc/aws", {"name": "main"})
    c.module(
        "module.layer",
        "github.com/terraform-aws-modules/terraform-aws-lambda?ref=v7.2.0",
        {"create_layer": True, "layer_name": "common", "source_path": "./layer"},
    )
    template = to_template(c.configuration())
    assert template.data["Resources"] == {}
    assert not any("module.layer" in note for note in template.notes)
    assert any("module.vpc" in note and "terraform-aws-modules/vpc/aws" in note for note in template.notes)


def test_a_plan_resource_without_a_line_points_at_the_plan_file(tmp_path):
    c = Config(tmp_path, "sqs-self-loop")
    sqs_self_loop(c)
    plan = str(c.folder / "plan.json")
    for resource in c.resources:
        resource.file, resource.line, resource.module_dir = plan, 0, str(c.folder)
    template = to_template(TfConfiguration(plan, c.resources))
    analysis = analyse(plan, template.data, None, resource_files=template.files)
    (finding,) = analysis.findings
    assert (finding.file, finding.line, finding.resource) == (plan, 1, "aws_lambda_function.worker")
    assert any("app.js" in step.text for step in finding.steps)  # the code is still found


def test_a_cloudformation_analysis_is_unchanged_by_resource_files():
    loaded = load_file(FIXTURES / "s3-same-bucket-loop" / "template.yaml")
    assert isinstance(loaded, Template)
    plain = analyse(loaded.path, loaded.data)
    again = analyse(loaded.path, loaded.data, None, resource_files={})
    assert [f.to_dict() for f in plain.findings] == [f.to_dict() for f in again.findings]


def test_an_alarm_on_a_functions_concurrency_is_the_alarm_mitigation(tmp_path):
    """The dedupe design of the test above, with an alarm on one function: IL109 only on the other."""
    c = Config(tmp_path, "dynamodb-dedupe-guard")
    dedupe_design(c)
    c.add(
        "aws_cloudwatch_metric_alarm.record",
        {
            "alarm_name": "record-busy",
            "namespace": "AWS/Lambda",
            "metric_name": "ConcurrentExecutions",
            "dimensions": {"FunctionName": R("aws_lambda_function.record", "function_name")},
        },
    )
    unalarmed = [f.resource for f in c.analyse().findings if f.rule == "IL109"]
    assert unalarmed == ["aws_lambda_function.process"]


def test_a_policy_attachment_to_several_roles_points_at_the_attachment(tmp_path):
    c = Config(tmp_path, "sqs-self-loop")
    c.add("aws_sqs_queue.jobs", {"name": "jobs"})
    role = c.role("worker")
    c.add(
        "aws_iam_policy_attachment.sqs",
        {
            "name": "sqs",
            "roles": [R("aws_iam_role.worker", "name"), "other"],
            "policy_arn": "arn:aws:iam::aws:policy/AmazonSQSFullAccess",
        },
    )
    c.add(
        "aws_lambda_function.worker",
        {
            "function_name": "worker",
            "handler": "app.handler",
            "runtime": "nodejs20.x",
            "role": role,
            "filename": c.archive(),
        },
    )
    c.add(
        "aws_lambda_event_source_mapping.jobs",
        {
            "event_source_arn": R("aws_sqs_queue.jobs", "arn"),
            "function_name": R("aws_lambda_function.worker", "arn"),
        },
    )
    template = to_template(c.configuration())
    path = ("Resources", "aws_iam_role.worker", "Properties", "ManagedPolicyArns", 0)
    assert locate(template.data, path)[0] == c.line_of("aws_iam_policy_attachment.sqs")
    assert any("aws_iam_policy_attachment.sqs" in note and "role" in note for note in template.notes)  # "other"
    (finding,) = [
        f
        for f in analyse(str(c.folder), template.data, None, resource_files=template.files).findings
        if f.cycle
    ]
    granted = next(step for step in finding.steps if "AmazonSQSFullAccess" in step.text)
    assert granted.location.line == c.line_of("aws_iam_policy_attachment.sqs")


def test_a_role_given_by_its_arn_is_the_configurations_role(tmp_path):
    c = Config(tmp_path, "sqs-self-loop")
    sqs_self_loop(c)
    function = next(r for r in c.resources if r.address == "aws_lambda_function.worker")
    function.values["role"] = "arn:aws:iam::123456789012:role/service/worker"
    template = to_template(c.configuration())
    assert template.data["Resources"]["aws_lambda_function.worker"]["Properties"]["Role"] == {
        "Ref": "aws_iam_role.worker"
    }
    assert [f.rule for f in c.analyse().findings] == ["EL101"]


def test_a_state_machine_definition_read_from_a_template_file_with_interpolated_arns(tmp_path):
    c = Config(tmp_path, "s3-same-bucket-loop")
    c.add("aws_lambda_function.step", {"function_name": "step"})
    c.add(
        "aws_sfn_state_machine.text",
        {
            "definition": Interpolation(
                (
                    '{"StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": "',
                    R("aws_lambda_function.step", "arn"),
                    '", "End": true}}}',
                )
            )
        },
    )
    c.add("aws_sfn_state_machine.unknown", {"definition": Unknown("local.definition")})
    resources = to_template(c.configuration()).data["Resources"]
    run = resources["aws_sfn_state_machine.text"]["Properties"]["Definition"]["States"]["Run"]
    assert run["Resource"] == {"Fn::GetAtt": ["aws_lambda_function.step", "Arn"]}
    assert resources["aws_sfn_state_machine.unknown"]["Properties"] == {
        "DefinitionString": {"Ref": "local.definition"}
    }


def test_a_block_folded_from_another_file_points_at_its_targets_block(tmp_path):
    """A finding names one file per resource: a notification written in another file than its
    bucket points at the bucket's block, never at a line of the wrong file."""
    c = Config(tmp_path, "s3-same-bucket-loop")
    c.add("aws_s3_bucket.media", {})
    notification = c.add(
        "aws_s3_bucket_notification.media",
        {
            "bucket": R("aws_s3_bucket.media", "id"),
            "queue": [{"queue_arn": "arn:aws:sqs:eu-west-1:1:q", "events": ["s3:ObjectCreated:*"]}],
        },
    )
    notification.file = str(c.folder / "notifications.tf")
    data = to_template(c.configuration()).data
    path = (
        "Resources",
        "aws_s3_bucket.media",
        "Properties",
        "NotificationConfiguration",
        "QueueConfigurations",
        0,
    )
    assert locate(data, path)[0] == c.line_of("aws_s3_bucket.media")
