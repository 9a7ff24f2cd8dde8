"""Reading Terraform folders (loopcheck.terraform.hcl_reader): the Terraform fixtures' resources,
addresses, lines and references; expressions evaluated statically (each function, heredocs,
templates, references, variables, locals); local modules (arguments, outputs, cycles); tfvars;
suppression comments; syntax errors as LoadErrors with their position; and python-hcl2 kept
off the CloudFormation path."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, List

import pytest

from loopcheck.load.loader import LoadError
from loopcheck.terraform.config import Encoded, Interpolation, Reference, TfConfiguration, TfResource, Unknown
from loopcheck.terraform.hcl_reader import called_module_folders, read_folder
from loopcheck.terraform.suppression_comments import parse_directive

ROOT = Path(__file__).resolve().parent.parent
TF_FIXTURES = sorted(p for p in (ROOT / "fixtures").iterdir() if p.is_dir() and any(p.glob("*.tf")))


def write(folder: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return folder


def read(folder: Path, files: Dict[str, str]) -> TfConfiguration:
    config = read_folder(str(write(folder, files)))
    assert isinstance(config, TfConfiguration), config
    return config


def resource(config: TfConfiguration, address: str) -> TfResource:
    found = [r for r in config.resources if r.address == address]
    assert len(found) == 1, [r.address for r in config.resources]
    return found[0]


def value_of(tmp_path: Path, expression: str, extra: str = "") -> Any:
    """The value of one expression, written as an argument of a resource."""
    config = read(tmp_path, {"main.tf": f'resource "t_x" "probe" {{\n  v = {expression}\n}}\n{extra}'})
    return resource(config, "t_x.probe").values["v"]


def unknowns(value: Any) -> List[Unknown]:
    if isinstance(value, Unknown):
        return [value]
    if isinstance(value, dict):
        return [u for item in value.values() for u in unknowns(item)]
    if isinstance(value, (list, tuple)):
        return [u for item in value for u in unknowns(item)]
    if isinstance(value, Interpolation):
        return unknowns(list(value.parts))
    if isinstance(value, Encoded):
        return unknowns(value.value)
    return []


# --- the Terraform fixtures -------------------------------------------------------------

def test_there_are_terraform_fixtures():
    assert len(TF_FIXTURES) >= 6


@pytest.mark.parametrize("folder", TF_FIXTURES, ids=[f.name for f in TF_FIXTURES])
def test_each_fixture_block_is_read_at_its_own_line(folder):
    config = read_folder(str(folder))
    assert isinstance(config, TfConfiguration)
    assert config.resources
    written = 0
    for path in folder.rglob("*.tf"):
        text = path.read_text()
        written += len(re.findall(r'^(resource|data) "', text, re.M))
    # a module called twice is read twice: each call's resources carry its path
    assert len(config.resources) >= written
    for item in config.resources:
        lines = Path(item.file).read_text().splitlines()
        keyword = "data" if item.mode == "data" else "resource"
        header = f'{keyword} "{item.type}" "{item.address.split(".")[-1]}"'
        assert lines[item.line - 1].startswith(header), (item.address, item.line)
        assert os.path.dirname(item.file) == item.module_dir


@pytest.mark.parametrize("folder", TF_FIXTURES, ids=[f.name for f in TF_FIXTURES])
def test_each_fixture_is_static_and_its_code_is_where_the_archive_says(folder):
    config = read_folder(str(folder))
    assert [u for r in config.resources for u in unknowns(r.values)] == []
    archives = {r.address: r for r in config.resources if r.type == "archive_file"}
    for function in (r for r in config.resources if r.type == "aws_lambda_function"):
        archive = archives[function.values["filename"].address]
        assert function.values["filename"].attribute == "output_path"
        code = archive.values.get("source_dir") or os.path.dirname(archive.values["source_file"])
        assert os.path.isabs(code) and os.path.isdir(code)
        module = function.values["handler"].split(".")[0]
        assert any((Path(code) / f"{module}{suffix}").is_file() for suffix in (".py", ".js"))


def test_same_bucket_loop_fixture_references():
    config = read_folder(str(ROOT / "fixtures" / "tf-same-bucket-loop"))
    bucket = resource(config, "aws_s3_bucket.media")
    assert bucket.values["bucket"] == "media-resize-media"  # a local of a variable's default
    notification = resource(config, "aws_s3_bucket_notification.uploads")
    assert notification.values["bucket"] == Reference("aws_s3_bucket.media", "id")
    (target,) = notification.values["lambda_function"]
    assert target == {"lambda_function_arn": Reference("aws_lambda_function.resize", "arn"),
                      "events": ["s3:ObjectCreated:*"]}
    assert "depends_on" not in notification.values
    function = resource(config, "aws_lambda_function.resize")
    media_id = Reference("aws_s3_bucket.media", "id")
    assert function.values["environment"] == [{"variables": {"OUTPUT_BUCKET": media_id}}]
    policy = resource(config, "aws_iam_role_policy.resize_objects").values["policy"]
    assert isinstance(policy, Encoded)
    objects = Interpolation((Reference("aws_s3_bucket.media", "arn"), "/*"))
    assert policy.value["Statement"][0]["Resource"] == objects


def test_prefix_guard_fixture_reads_tfvars_defaults_and_a_policy_document():
    config = read_folder(str(ROOT / "fixtures" / "tf-prefix-guard"))
    assert resource(config, "aws_s3_bucket.documents").values["bucket"] == "example-documents"
    (target,) = resource(config, "aws_s3_bucket_notification.uploads").values["lambda_function"]
    assert target["filter_prefix"] == "uploads/"
    document = resource(config, "data.aws_iam_policy_document.convert")
    assert document.mode == "data" and document.type == "aws_iam_policy_document"
    statements = document.values["statement"]
    assert [s["sid"] for s in statements] == ["ReadUploads", "WriteProcessed"]
    assert statements[1]["resources"] == ["arn:aws:s3:::example-documents/processed/*"]
    role = resource(config, "aws_iam_role.convert")
    assert role.values["assume_role_policy"] == Reference("data.aws_iam_policy_document.assume_lambda", "json")
    assume = resource(config, "data.aws_iam_policy_document.assume_lambda").values["statement"][0]
    assert assume["principals"] == [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}]


def test_metadata_guard_fixture_heredoc_policies():
    config = read_folder(str(ROOT / "fixtures" / "tf-metadata-guard"))
    trust = resource(config, "aws_iam_role.optimise").values["assume_role_policy"]
    assert json.loads(trust)["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert trust.startswith("{\n  \"Version\"")  # <<- removed the common indentation
    policy = resource(config, "aws_iam_role_policy.optimise").values["policy"]
    assert isinstance(policy, Interpolation)
    assert Reference("aws_s3_bucket.photos", "arn") in policy.parts
    assert resource(config, "aws_s3_bucket.photos").values["tags"] == {"application": "photo-optimiser",
                                                                         "stage": "dev"}


def test_dynamodb_dedupe_fixture_reads_its_local_module_twice():
    folder = ROOT / "fixtures" / "tf-dynamodb-dedupe"
    config = read_folder(str(folder))
    module_file = str(folder / "modules" / "function" / "main.tf")
    for call, handler, variable, target in (
            ("record_key", "record.handler", "TABLE", Reference("aws_dynamodb_table.seen_keys", "name")),
            ("process", "process.handler", "BUCKET", Reference("aws_s3_bucket.uploads", "id"))):
        function = resource(config, f"module.{call}.aws_lambda_function.this")
        assert function.file == module_file and function.module_dir == str(folder / "modules" / "function")
        assert function.values["handler"] == handler
        assert function.values["environment"] == [{"variables": {variable: target}}]
        assert function.values["role"] == Reference(f"module.{call}.aws_iam_role.this", "arn")
        archive = resource(config, f"module.{call}.data.archive_file.this")
        assert archive.values["source_dir"] == str(folder / "src")  # path.module of the caller
    mapping = resource(config, "aws_lambda_event_source_mapping.new_keys")
    assert mapping.values["event_source_arn"] == Reference("aws_dynamodb_table.seen_keys", "stream_arn")
    assert mapping.values["function_name"] == Reference("module.process.aws_lambda_function.this", "arn")
    table = resource(config, "aws_dynamodb_table.seen_keys").values
    assert table["stream_enabled"] is True
    assert table["ttl"] == [{"attribute_name": "expiresAt", "enabled": True}]
    (notified,) = resource(config, "aws_s3_bucket_notification.uploads").values["lambda_function"]
    assert notified["lambda_function_arn"] == Reference("module.record_key.aws_lambda_function.this", "arn")


def test_sqs_self_loop_fixture_references_and_functions():
    config = read_folder(str(ROOT / "fixtures" / "tf-sqs-self-loop"))
    mapping = resource(config, "aws_lambda_event_source_mapping.jobs")
    assert mapping.values == {"event_source_arn": Reference("aws_sqs_queue.jobs", "arn"),
                              "function_name": Reference("aws_lambda_function.worker", "arn"), "batch_size": 10}
    function = resource(config, "aws_lambda_function.worker")
    assert function.values["function_name"] == "jobs-worker"  # join()
    assert function.values["environment"][0]["variables"]["QUEUE_URL"] == Reference("aws_sqs_queue.jobs", "url")
    assert resource(config, "aws_iam_policy.worker_queue").values["name"] == "jobs-worker-queue"  # format()
    attachment = resource(config, "aws_iam_role_policy_attachment.worker_queue")
    assert attachment.values["policy_arn"] == Reference("aws_iam_policy.worker_queue", "arn")


def test_eventbridge_state_machine_fixture_reads_its_definition_template():
    config = read_folder(str(ROOT / "fixtures" / "tf-eventbridge-sfn-loop"))
    definition = json.loads(resource(config, "aws_sfn_state_machine.receipt").values["definition"])
    write_state = definition["States"]["WriteReceipt"]
    assert write_state["Parameters"]["Key.$"] == "States.Format('{}.receipt.json', $.detail.object.key)"
    assert resource(config, "aws_s3_bucket_notification.to_eventbridge").values["eventbridge"] is True
    pattern = resource(config, "aws_cloudwatch_event_rule.object_created").values["event_pattern"]
    assert pattern == Encoded({"source": ["aws.s3"], "detail-type": ["Object Created"],
                               "detail": {"bucket": {"name": [Reference("aws_s3_bucket.receipts", "id")]}}})
    target = resource(config, "aws_cloudwatch_event_target.start_receipt")
    assert target.values["arn"] == Reference("aws_sfn_state_machine.receipt", "arn")
    assert target.values["rule"] == Reference("aws_cloudwatch_event_rule.object_created", "name")


# --- expressions ------------------------------------------------------------------------

def test_literals_lists_objects_and_escapes(tmp_path):
    assert value_of(tmp_path, '[1, 2.5, true, null, "a\\"b\\n\\u00e9"]') == [1, 2.5, True, None, 'a"b\né']
    assert value_of(tmp_path, '{ a = 1, "b-c" = "x", (local.k) = 2 }', 'locals {\n  k = "key"\n}\n') == \
        {"a": 1, "b-c": "x", "key": 2}
    assert value_of(tmp_path, "-3") == -3
    assert value_of(tmp_path, '"$${not.interpolated}"') == "${not.interpolated}"


def test_interpolation_gives_a_str_a_value_or_parts(tmp_path):
    assert value_of(tmp_path, '"${"a"}-${1}-${true}"') == "a-1-true"
    assert value_of(tmp_path, '"${aws_s3_bucket.b.arn}"') == Reference("aws_s3_bucket.b", "arn")
    assert value_of(tmp_path, '"${2 + 1}"') == "3" and value_of(tmp_path, '"${false}"') == "false"
    assert value_of(tmp_path, '"${aws_s3_bucket.b.arn}/*"') == \
        Interpolation((Reference("aws_s3_bucket.b", "arn"), "/*"))
    assert value_of(tmp_path, '"arn:aws:s3:::${var.missing}"') == Interpolation(("arn:aws:s3:::",
                                                                                 Unknown("var.missing")))


def test_references(tmp_path):
    assert value_of(tmp_path, "aws_s3_bucket.b.id") == Reference("aws_s3_bucket.b", "id")
    assert value_of(tmp_path, "aws_s3_bucket.b") == Reference("aws_s3_bucket.b", "")
    assert value_of(tmp_path, "data.aws_iam_policy_document.p.json") == \
        Reference("data.aws_iam_policy_document.p", "json")
    assert value_of(tmp_path, "aws_s3_bucket.b[0].arn") == Reference("aws_s3_bucket.b", "arn")
    assert value_of(tmp_path, 'aws_s3_bucket.b["logs"].arn') == Reference("aws_s3_bucket.b", "arn")
    assert value_of(tmp_path, "aws_s3_bucket.b[*].arn") == [Reference("aws_s3_bucket.b", "arn")]
    assert value_of(tmp_path, "aws_lambda_function.f.environment[0].variables") == \
        Reference("aws_lambda_function.f", "environment.variables")
    assert value_of(tmp_path, "self.arn") == Unknown("self.arn")


def test_variables_locals_and_paths(tmp_path):
    extra = '''
    variable "name" {
      default = "orders"
    }
    variable "no_default" {
      type = string
    }
    variable "settings" {
      default = { queue = { visibility = 30 }, names = ["a", "b"] }
    }
    locals {
      full  = "${var.name}-${local.stage}"
      stage = "prod"
    }
    '''
    assert value_of(tmp_path, "local.full", textwrap.dedent(extra)) == "orders-prod"
    assert value_of(tmp_path, "var.no_default", textwrap.dedent(extra)) == Unknown("var.no_default")
    assert value_of(tmp_path, "var.undeclared", textwrap.dedent(extra)) == Unknown("var.undeclared")
    assert value_of(tmp_path, "var.settings.queue.visibility", textwrap.dedent(extra)) == 30
    assert value_of(tmp_path, "var.settings.names[1]", textwrap.dedent(extra)) == "b"
    assert value_of(tmp_path, '"${path.module}/src"') == os.path.join(str(tmp_path), "src")
    assert value_of(tmp_path, "path.root") == str(tmp_path)
    assert value_of(tmp_path, "terraform.workspace") == "default"


def test_a_local_that_needs_itself_is_unknown_with_a_note(tmp_path):
    config = read(tmp_path, {"main.tf": '''
        locals {
          a = "${local.b}-x"
          b = local.a
        }
        resource "t_x" "probe" {
          v = local.a
        }
        '''})
    value = resource(config, "t_x.probe").values["v"]
    assert unknowns(value)
    assert any("refers to itself" in note for note in config.notes)


def test_format_and_join(tmp_path):
    assert value_of(tmp_path, 'format("%s-%03d-%%", "a", 7)') == "a-007-%"
    assert value_of(tmp_path, 'format("arn:aws:s3:::%s/*", aws_s3_bucket.b.id)') == \
        Interpolation(("arn:aws:s3:::", Reference("aws_s3_bucket.b", "id"), "/*"))
    assert value_of(tmp_path, 'format("%s", var.nope)') == Unknown('format("%s", var.nope)')
    assert value_of(tmp_path, 'join(",", ["a", "b"], ["c"])') == "a,b,c"
    assert value_of(tmp_path, 'join("", [aws_s3_bucket.b.arn, "/*"])') == \
        Interpolation((Reference("aws_s3_bucket.b", "arn"), "/*"))


def test_jsonencode_merge_concat_and_string_functions(tmp_path):
    assert value_of(tmp_path, 'jsonencode({ a = aws_sqs_queue.q.arn })') == \
        Encoded({"a": Reference("aws_sqs_queue.q", "arn")})
    assert value_of(tmp_path, '"x${jsonencode({ b = 1, a = [true] })}"') == 'x{"a":[true],"b":1}'
    assert value_of(tmp_path, 'merge({ a = 1, b = 1 }, { b = 2 })') == {"a": 1, "b": 2}
    assert value_of(tmp_path, 'concat(["a"], [aws_s3_bucket.b.arn])') == \
        ["a", Reference("aws_s3_bucket.b", "arn")]
    assert value_of(tmp_path, 'lower("ABC")') == "abc" and value_of(tmp_path, 'upper("abc")') == "ABC"
    assert value_of(tmp_path, 'lower(aws_s3_bucket.b.id)') == Unknown("lower(aws_s3_bucket.b.id)")
    assert value_of(tmp_path, "tostring(12)") == "12"
    assert value_of(tmp_path, "tostring(aws_s3_bucket.b.id)") == Reference("aws_s3_bucket.b", "id")
    assert value_of(tmp_path, 'replace("a-b-c", "-", "_")') == "a_b_c"
    assert value_of(tmp_path, 'replace("v1.2", "/v([0-9]+)\\\\..*/", "major-$1")') == "major-1"
    assert value_of(tmp_path, 'jsondecode("{\\"a\\": [1]}")') == {"a": [1]}
    assert value_of(tmp_path, 'lookup({ a = 1 }, "b", 0)') == 0
    assert value_of(tmp_path, 'try(var.nope, "fallback")') == "fallback"
    assert value_of(tmp_path, "one(aws_s3_bucket.b[*].arn)") == Reference("aws_s3_bucket.b", "arn")
    assert value_of(tmp_path, 'compact(["a", "", null, "b"])') == ["a", "b"]
    assert value_of(tmp_path, 'distinct(["a", "b", "a"])') == ["a", "b"]
    assert value_of(tmp_path, "keys({ b = 1, a = 2 })") == ["a", "b"]
    assert value_of(tmp_path, "values({ b = 1, a = 2 })") == [2, 1]
    assert value_of(tmp_path, 'split(",", "a,b")') == ["a", "b"]
    assert value_of(tmp_path, "uuid()") == Unknown("uuid()")
    assert value_of(tmp_path, 'provider::aws::arn_parse("x")') == Unknown('provider::aws::arn_parse("x")')


def test_conditionals_and_operators(tmp_path):
    assert value_of(tmp_path, 'true ? "a" : "b"') == "a"
    assert value_of(tmp_path, '1 + 2 > 2 && !false ? "yes" : "no"') == "yes"
    assert value_of(tmp_path, '"x" == "y" ? 1 : 2') == 2
    assert value_of(tmp_path, 'var.on ? "a" : "b"') == Unknown('var.on ? "a" : "b"')
    assert value_of(tmp_path, "aws_s3_bucket.b.id == \"x\"") == Unknown('aws_s3_bucket.b.id == "x"')


def test_for_expressions(tmp_path):
    assert value_of(tmp_path, '[for name in ["a", "b"] : "arn:aws:s3:::${name}/*"]') == \
        ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]
    assert value_of(tmp_path, '{ for k, v in { a = 1, b = 2 } : upper(k) => v if v > 1 }') == {"B": 2}
    assert value_of(tmp_path, "[for b in var.list : b]") == Unknown("[for b in var.list : b]")


def test_heredocs(tmp_path):
    plain = value_of(tmp_path, "<<EOT\n  {\"a\": 1}\nEOT\n")
    assert plain == '  {"a": 1}\n'
    trimmed = value_of(tmp_path, "<<-EOT\n    line one\n      line two\n    EOT\n")
    assert trimmed == "line one\n  line two\n"
    interpolated = value_of(tmp_path,
                            '<<-EOT\n  "Resource": "${aws_s3_bucket.b.arn}/*",\n  "Sid": "$${x}"\n  EOT\n')
    assert interpolated == Interpolation(
        ('"Resource": "', Reference("aws_s3_bucket.b", "arn"), '/*",\n"Sid": "${x}"\n'))


def test_file_and_templatefile(tmp_path):
    template = '{"Bucket": "${bucket}", "Name": "${upper(name)}", "Key": "$${literal}"}\n'
    write(tmp_path, {"policy.json": '{"Resource": "*"}\n', "machine.tpl": template})
    assert value_of(tmp_path, 'file("${path.module}/policy.json")') == '{"Resource": "*"}\n'
    assert value_of(tmp_path, 'file("policy.json")') == '{"Resource": "*"}\n'  # relative to the module
    rendered = value_of(tmp_path, 'templatefile("machine.tpl", { bucket = aws_s3_bucket.b.id, name = "n" })')
    assert rendered == Interpolation(('{"Bucket": "', Reference("aws_s3_bucket.b", "id"),
                                      '", "Name": "N", "Key": "${literal}"}\n'))
    config = read(tmp_path, {"main.tf": 'resource "t_x" "probe" {\n  v = file("missing.json")\n}\n'})
    assert resource(config, "t_x.probe").values["v"] == Unknown('file("missing.json")')
    assert any("missing.json" in note for note in config.notes)


def test_files_and_modules_outside_the_repository_are_not_read(tmp_path):
    write(tmp_path, {"secret.txt": "not for reports\n", "outside/main.tf": 'resource "aws_sqs_queue" "q" {}\n'})
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    config = read(tmp_path / "repo" / "infra", {
        "main.tf": 'resource "t_x" "probe" {\n  v = file("../../secret.txt")\n}\n'
                   'module "far" {\n  source = "../../outside"\n}\n'
                   'module "near" {\n  source = "../shared"\n}\n',
        "../shared/main.tf": 'resource "aws_sns_topic" "t" {}\n'})
    assert resource(config, "t_x.probe").values["v"] == Unknown('file("../../secret.txt")')
    assert [r.address for r in config.resources] == ["t_x.probe", "module.near.aws_sns_topic.t"]
    assert sum("outside the repository" in note for note in config.notes) == 2


def test_nested_and_dynamic_blocks(tmp_path):
    config = read(tmp_path, {"main.tf": '''
        resource "aws_s3_bucket_notification" "n" {
          bucket = "b"
          lambda_function {
            events = ["s3:ObjectCreated:*"]
            filter_prefix = "in/"
          }
          lambda_function {
            events = ["s3:ObjectRemoved:*"]
          }
          dynamic "queue" {
            for_each = { a = "in/", b = "raw/" }
            content {
              queue_arn     = aws_sqs_queue.q.arn
              filter_prefix = queue.value
            }
          }
          lifecycle {
            ignore_changes = [bucket]
          }
        }
        '''})
    values = resource(config, "aws_s3_bucket_notification.n").values
    assert [b.get("filter_prefix") for b in values["lambda_function"]] == ["in/", None]
    assert values["queue"] == [{"queue_arn": Reference("aws_sqs_queue.q", "arn"), "filter_prefix": "in/"},
                               {"queue_arn": Reference("aws_sqs_queue.q", "arn"), "filter_prefix": "raw/"}]
    assert "lifecycle" not in values


def test_count_and_for_each_read_one_instance(tmp_path):
    config = read(tmp_path, {"main.tf": '''
        resource "aws_sqs_queue" "q" {
          count = 3
          name  = "q-${count.index}"
        }
        resource "aws_s3_bucket" "b" {
          for_each = toset(["logs", "data"])
          bucket   = "b-${each.key}"
        }
        resource "aws_s3_bucket" "off" {
          count  = var.enabled ? 1 : 0
          bucket = "never"
        }
        resource "aws_sns_topic" "t" {
          for_each = var.topics
          name     = each.value
        }
        variable "enabled" {
          default = false
        }
        variable "topics" {
          type = map(string)
        }
        '''})
    assert resource(config, "aws_sqs_queue.q").values == {"name": "q-0"}
    assert resource(config, "aws_s3_bucket.b").values == {"bucket": "b-data"}  # a set is sorted: the first
    assert "aws_s3_bucket.off" not in [r.address for r in config.resources]
    assert resource(config, "aws_sns_topic.t").values == {"name": Unknown("each.value")}
    assert any("aws_sqs_queue.q: count" in note for note in config.notes)
    assert any("aws_s3_bucket.off: count is 0" in note for note in config.notes)


# --- modules ----------------------------------------------------------------------------

MODULE_FILES = {
    "main.tf": '''
        variable "env" {
          default = "dev"
        }
        locals {
          name = "shop-${var.env}"
        }
        module "images" {
          source      = "./modules/bucket"
          bucket_name = "${local.name}-images"
          notify_arn  = aws_lambda_function.f.arn
        }
        resource "aws_lambda_function" "f" {
          function_name = "f"
          environment {
            variables = {
              BUCKET = module.images.bucket_id
              NESTED = module.images.queue_arn
              MISSING = module.images.nope
            }
          }
        }
        module "remote" {
          # loopcheck: ignore WL102 the module's own filter covers it
          source  = "terraform-aws-modules/lambda/aws"
          version = "~> 7.0"
          function_name = local.name
          source_path   = "${path.module}/src"
        }
        resource "aws_s3_bucket" "uses_remote" {
          bucket = module.remote.lambda_function_arn
        }
        ''',
    "modules/bucket/main.tf": '''
        variable "bucket_name" {}
        variable "notify_arn" {}
        variable "suffix" {
          default = ".jpg"
        }
        resource "aws_s3_bucket" "this" {
          bucket = var.bucket_name
        }
        resource "aws_s3_bucket_notification" "this" {
          bucket = aws_s3_bucket.this.id
          lambda_function {
            lambda_function_arn = var.notify_arn
            filter_suffix       = var.suffix
          }
        }
        module "queue" {
          source = "../queue"
          name   = "${var.bucket_name}-q"
        }
        output "bucket_id" {
          value = aws_s3_bucket.this.id
        }
        output "queue_arn" {
          value = module.queue.arn
        }
        ''',
    "modules/queue/main.tf": '''
        variable "name" {}
        resource "aws_sqs_queue" "this" {
          name = var.name
        }
        output "arn" {
          value = aws_sqs_queue.this.arn
        }
        ''',
}


def test_local_modules_bind_arguments_and_answer_outputs(tmp_path):
    config = read(tmp_path, MODULE_FILES)
    bucket = resource(config, "module.images.aws_s3_bucket.this")
    assert bucket.values["bucket"] == "shop-dev-images"  # evaluated where the call is written
    assert bucket.file == os.path.join(str(tmp_path), "modules", "bucket", "main.tf")
    assert bucket.module_dir == os.path.join(str(tmp_path), "modules", "bucket")
    notification = resource(config, "module.images.aws_s3_bucket_notification.this")
    assert notification.values["bucket"] == Reference("module.images.aws_s3_bucket.this", "id")
    assert notification.values["lambda_function"] == [
        {"lambda_function_arn": Reference("aws_lambda_function.f", "arn"), "filter_suffix": ".jpg"}]
    queue = resource(config, "module.images.module.queue.aws_sqs_queue.this")
    assert queue.values["name"] == "shop-dev-images-q"
    variables = resource(config, "aws_lambda_function.f").values["environment"][0]["variables"]
    assert variables["BUCKET"] == Reference("module.images.aws_s3_bucket.this", "id")
    assert variables["NESTED"] == Reference("module.images.module.queue.aws_sqs_queue.this", "arn")
    assert isinstance(variables["MISSING"], Unknown)


def test_a_registry_module_is_a_module_call(tmp_path):
    config = read(tmp_path, MODULE_FILES)
    (call,) = config.module_calls
    assert call.address == "module.remote" and call.source == "terraform-aws-modules/lambda/aws"
    assert call.values == {"function_name": "shop-dev", "source_path": os.path.join(str(tmp_path), "src")}
    assert call.suppressions == [("WL102", "the module's own filter covers it")]
    assert call.file == os.path.join(str(tmp_path), "main.tf")
    assert Path(call.file).read_text().splitlines()[call.line - 1] == 'module "remote" {'
    assert resource(config, "aws_s3_bucket.uses_remote").values["bucket"] == \
        Reference("module.remote", "lambda_function_arn")


def test_module_files_are_named_as_the_scan_names_the_folder(tmp_path, monkeypatch):
    write(tmp_path, MODULE_FILES)
    monkeypatch.chdir(tmp_path)
    config = read_folder(".")
    assert isinstance(config, TfConfiguration)
    assert resource(config, "aws_lambda_function.f").file == "main.tf"
    queue = resource(config, "module.images.module.queue.aws_sqs_queue.this")
    assert queue.file == os.path.join("modules", "queue", "main.tf")
    assert queue.module_dir == os.path.join("modules", "queue")


def test_module_cycles_and_missing_folders_are_notes(tmp_path):
    config = read(tmp_path, {
        "main.tf": 'module "a" {\n  source = "./a"\n}\nmodule "gone" {\n  source = "./gone"\n}\n',
        "a/main.tf": 'resource "aws_sqs_queue" "q" {}\nmodule "b" {\n  source = "../b"\n}\n',
        "b/main.tf": 'resource "aws_sns_topic" "t" {}\nmodule "a" {\n  source = "../a"\n}\n',
    })
    assert [r.address for r in config.resources] == ["module.a.aws_sqs_queue.q",
                                                     "module.a.module.b.aws_sns_topic.t"]
    assert any("cycle" in note for note in config.notes)
    assert any("./gone" in note and "not a folder" in note for note in config.notes)


def test_called_module_folders(tmp_path):
    write(tmp_path, MODULE_FILES)
    assert called_module_folders(str(tmp_path)) == [str(tmp_path / "modules" / "bucket"),
                                                    str(tmp_path / "modules" / "queue")]
    assert called_module_folders(str(tmp_path / "modules" / "queue")) == []
    write(tmp_path / "cyc", {"main.tf": 'module "a" {\n  source = "./a"\n}\n',
                             "a/main.tf": 'module "root" {\n  source = "../"\n}\n'})
    assert called_module_folders(str(tmp_path / "cyc")) == [str(tmp_path / "cyc" / "a")]


# --- tfvars -----------------------------------------------------------------------------

def test_tfvars_override_defaults_in_terraform_order(tmp_path):
    config = read(tmp_path, {
        "main.tf": '''
            variable "a" {
              default = "default"
            }
            variable "b" {}
            variable "c" {}
            resource "t_x" "probe" {
              v = [var.a, var.b, var.c]
            }
            ''',
        "terraform.tfvars": 'a = "from-tfvars"\nb = "from-tfvars"\n',
        "x.auto.tfvars": 'b = "from-auto"\n',
        "y.auto.tfvars.json": '{"c": "from-json"}',
    })
    assert resource(config, "t_x.probe").values["v"] == ["from-tfvars", "from-auto", "from-json"]


def test_a_broken_tfvars_file_is_a_load_error(tmp_path):
    write(tmp_path, {"main.tf": 'variable "a" {}\n', "terraform.tfvars": 'a = "unterminated\n'})
    error = read_folder(str(tmp_path))
    assert isinstance(error, LoadError) and error.path.endswith("terraform.tfvars") and error.line == 1


# --- suppression comments ---------------------------------------------------------------

def test_suppression_comments_above_and_inside_a_block(tmp_path):
    config = read(tmp_path, {"main.tf": '''
        # loopcheck: ignore EL101 writes under processed/ only (ADR-4)
        // loopcheck: ignore WL102, IL105: both reviewed
        resource "aws_s3_bucket" "a" {
          bucket = "a" # loopcheck: ignore IL109 alarmed elsewhere
          /* loopcheck: ignore EL107 */
          policy = <<EOT
        # loopcheck: ignore EL999 inside a heredoc is text, not a comment
        EOT
        }

        # loopcheck: ignore EL101 a blank line separates this from the block

        resource "aws_s3_bucket" "b" {
          # loopcheck: ignore
        }
        # loopcheck: ignore EL101 after the block belongs to no block
        '''})
    assert resource(config, "aws_s3_bucket.a").suppressions == [
        ("EL101", "writes under processed/ only (ADR-4)"), ("WL102", "both reviewed"),
        ("IL105", "both reviewed"), ("IL109", "alarmed elsewhere"), ("EL107", "")]
    assert resource(config, "aws_s3_bucket.b").suppressions == [("", "")]


def test_parse_directive():
    assert parse_directive("loopcheck: ignore EL101 reason words") == [("EL101", "reason words")]
    assert parse_directive("LoopCheck:ignore EL101 - reason") == [("EL101", "reason")]
    assert parse_directive("loopcheck: ignore because it is fine") == [("", "because it is fine")]
    assert parse_directive("some other comment") == []


# --- errors -----------------------------------------------------------------------------

def test_syntax_errors_name_the_file_line_and_column(tmp_path):
    broken = 'resource "aws_s3_bucket" "c" {\n  bucket = "x"\n  tags = {\n    a = [1, 2\n  }\n}\n'
    write(tmp_path, {"a.tf": 'resource "aws_s3_bucket" "b" {}\n', "b.tf": broken})
    error = read_folder(str(tmp_path))
    assert isinstance(error, LoadError)
    assert error.path == os.path.join(str(tmp_path), "b.tf")
    assert (error.line, error.column) == (5, 3)
    assert error.message.startswith("invalid HCL: unexpected '}'")


def test_a_missing_closing_brace_says_what_was_expected(tmp_path):
    write(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n'})
    error = read_folder(str(tmp_path))
    assert isinstance(error, LoadError) and error.line is not None
    assert error.message == "invalid HCL: unexpected end of file, expected '}'"


def test_errors_in_a_child_module_and_undecodable_files(tmp_path):
    write(tmp_path, {"main.tf": 'module "m" {\n  source = "./m"\n}\n', "m/main.tf": 'resource "x" {\n'})
    error = read_folder(str(tmp_path))
    assert isinstance(error, LoadError) and error.path == os.path.join(str(tmp_path), "m", "main.tf")
    other = tmp_path / "latin"
    other.mkdir()
    (other / "main.tf").write_bytes(b'# caf\xe9\nresource "a" "b" {}\n')
    error = read_folder(str(other))
    assert isinstance(error, LoadError) and "not UTF-8" in error.message and error.line == 1


def test_duplicates_and_override_files_are_notes(tmp_path):
    config = read(tmp_path, {"a.tf": 'resource "aws_sqs_queue" "q" {\n  name = "a"\n}\n',
                             "b.tf": 'resource "aws_sqs_queue" "q" {\n  name = "b"\n}\n',
                             "override.tf": 'resource "aws_sqs_queue" "q" {\n  name = "o"\n}\n'})
    assert resource(config, "aws_sqs_queue.q").values == {"name": "a"}
    assert any("declared twice" in note for note in config.notes)
    assert any("override" in note for note in config.notes)


def test_windows_line_endings_read_the_same(tmp_path):
    source = ROOT / "fixtures" / "tf-metadata-guard"
    (tmp_path / "main.tf").write_bytes((source / "main.tf").read_bytes().replace(b"\n", b"\r\n"))
    crlf = read_folder(str(tmp_path))
    lf = read_folder(str(source))
    assert isinstance(crlf, TfConfiguration)
    different = [r.address for r, s in zip(lf.resources, crlf.resources)
                 if (r.address, r.line, r.suppressions) != (s.address, s.line, s.suppressions)
                 or (r.type != "archive_file" and r.values != s.values)]
    assert different == [] and len(lf.resources) == len(crlf.resources)


def test_deep_nesting_is_not_a_traceback(tmp_path):
    deep = "[" * 3000 + "]" * 3000
    config = read(tmp_path / "value", {"main.tf": f'resource "t_x" "probe" {{\n  v = {deep}\n}}\n'})
    assert isinstance(resource(config, "t_x.probe").values["v"], Unknown)
    nested = "a {\n" * 3000 + "}\n" * 3000
    config = read(tmp_path / "blocks", {"main.tf": f'resource "t_x" "probe" {{\n  b = 1\n{nested}}}\n'})
    assert resource(config, "t_x.probe").values["b"] == 1
    assert any("nested deeper" in note for note in config.notes)


# --- imports ----------------------------------------------------------------------------

def test_python_hcl2_is_not_imported_on_the_cli_path():
    code = ("import sys, loopcheck.app.cli, loopcheck.terraform.hcl_reader\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('hcl2', 'lark')))\n")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"
