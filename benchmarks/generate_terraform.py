"""Deterministic generator of a Terraform root module of N resources for the benchmark: the
same mix of designs as generate.py's templates, written as `.tf` files.

Units (each a handful of `resource` blocks with their IAM role and policy):
- S3 pipelines (input bucket -> function -> output bucket, suffix filter): guarded
- SQS workers (queue + DLQ redrive + table, event source mapping), SNS fan-outs (subscription),
  DynamoDB-stream archivers (stream -> function -> bucket)
- same-bucket designs guarded by a prefix (writes only under processed/) or by a metadata check
  in the handler code
- loops at fixed positions: same-bucket, two-function (as generate.py places them)
- API functions with a managed policy attachment and an alarm; log groups and SSM parameters
  as filler

Names go through `local.prefix` (`"${var.project}-${var.env}"`), policies through `jsonencode`
and `aws_iam_policy_document`, code through one `archive_file` of `src/` (the handlers
generate.py writes). Resources are spread over files by kind (storage.tf, functions.tf,
iam.tf, ...) as real configurations are. The same seed and size always give the same bytes.

    python benchmarks/generate.py --terraform --sizes 500

writes benchmarks/out/tf-<N>/ (its *.tf files and src/).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

Blocks = List[Tuple[str, str]]  # (file it goes in, block text); one "resource" block is one resource

HEADER = '''terraform {
  required_providers {
    aws     = { source = "hashicorp/aws", version = ">= 5.0" }
    archive = { source = "hashicorp/archive", version = ">= 2.4" }
  }
}

variable "project" {
  type    = string
  default = "loopcheck-bench"
}

variable "env" {
  type    = string
  default = "dev"
}

locals {
  prefix = "${var.project}-${var.env}"
  tags   = { project = var.project, env = var.env }
}

data "archive_file" "code" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/code.zip"
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}
'''


def _bucket(name: str, label: str) -> str:
    return f'''resource "aws_s3_bucket" "{name}" {{
  bucket = "${{local.prefix}}-{label}"
  tags   = local.tags
}}
'''


def _role(name: str, statements: Sequence[Tuple[Sequence[str], Sequence[str]]]) -> Blocks:
    """A function's role and its inline policy (jsonencode of the statements)."""
    rendered = ",\n".join(
        "      {\n        Effect   = \"Allow\"\n"
        f"        Action   = [{', '.join(repr(a).replace(chr(39), chr(34)) for a in actions)}]\n"
        f"        Resource = [{', '.join(resources)}]\n      }}"
        for actions, resources in statements)
    return [("iam.tf", f'''resource "aws_iam_role" "{name}" {{
  name               = "${{local.prefix}}-{name}"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}}
'''), ("iam.tf", f'''resource "aws_iam_role_policy" "{name}" {{
  role = aws_iam_role.{name}.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
{rendered}
    ]
  }})
}}
''')]


def _function(name: str, handler: str, env: Dict[str, str], extra: str = "") -> str:
    variables = "\n".join(f"      {key} = {value}" for key, value in env.items())
    environment = f"\n  environment {{\n    variables = {{\n{variables}\n    }}\n  }}" if env else ""
    return f'''resource "aws_lambda_function" "{name}" {{
  function_name    = "${{local.prefix}}-{name}"
  role             = aws_iam_role.{name}.arn
  handler          = "{handler}"
  runtime          = "python3.12"
  filename         = data.archive_file.code.output_path
  source_code_hash = data.archive_file.code.output_base64sha256{environment}{extra}
}}
'''


def _s3_trigger(bucket: str, function: str, prefix: str = "", suffix: str = "") -> Blocks:
    filters = (f'\n    filter_prefix       = "{prefix}"' if prefix else "") + \
        (f'\n    filter_suffix       = "{suffix}"' if suffix else "")
    return [("functions.tf", f'''resource "aws_lambda_permission" "{function}_s3" {{
  statement_id  = "AllowS3"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.{function}.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.{bucket}.arn
}}
'''), ("storage.tf", f'''resource "aws_s3_bucket_notification" "{bucket}" {{
  bucket = aws_s3_bucket.{bucket}.id
  lambda_function {{
    lambda_function_arn = aws_lambda_function.{function}.arn
    events              = ["s3:ObjectCreated:*"]{filters}
  }}
  depends_on = [aws_lambda_permission.{function}_s3]
}}
''')]


def _objects(bucket: str, under: str = "*") -> str:
    return f'"${{aws_s3_bucket.{bucket}.arn}}/{under}"'


def unit_s3_pipeline(i: int, rng: random.Random) -> Blocks:
    suffix = rng.choice([".jpg", ".png", ".csv", ".json"])
    f = f"transform_{i}"
    return [("storage.tf", _bucket(f"ingest_{i}", f"ingest-{i}")),
            ("storage.tf", _bucket(f"output_{i}", f"output-{i}")),
            ("functions.tf", _function(f, "resize.handler", {"OUTPUT_BUCKET": f"aws_s3_bucket.output_{i}.id"})),
            *_role(f, [(["s3:GetObject"], [_objects(f"ingest_{i}")]),
                       (["s3:PutObject"], [_objects(f"output_{i}")])]),
            *_s3_trigger(f"ingest_{i}", f, suffix=suffix)]


def unit_sqs_worker(i: int, rng: random.Random) -> Blocks:
    f = f"worker_{i}"
    return [("queues.tf", f'''resource "aws_sqs_queue" "jobs_dlq_{i}" {{
  name                      = "${{local.prefix}}-jobs-dlq-{i}"
  message_retention_seconds = 1209600
}}
'''), ("queues.tf", f'''resource "aws_sqs_queue" "jobs_{i}" {{
  name                       = "${{local.prefix}}-jobs-{i}"
  visibility_timeout_seconds = 180
  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.jobs_dlq_{i}.arn
    maxReceiveCount     = {rng.randint(3, 10)}
  }})
}}
'''), ("tables.tf", f'''resource "aws_dynamodb_table" "jobs_{i}" {{
  name         = "${{local.prefix}}-jobs-{i}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  attribute {{
    name = "pk"
    type = "S"
  }}
}}
'''), ("functions.tf", _function(f, "worker.handler", {"TABLE_NAME": f"aws_dynamodb_table.jobs_{i}.name"})),
        *_role(f, [(["dynamodb:PutItem", "dynamodb:GetItem"], [f"aws_dynamodb_table.jobs_{i}.arn"]),
                   (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                    [f"aws_sqs_queue.jobs_{i}.arn"])]),
        ("functions.tf", f'''resource "aws_lambda_event_source_mapping" "{f}" {{
  event_source_arn = aws_sqs_queue.jobs_{i}.arn
  function_name    = aws_lambda_function.{f}.arn
  batch_size       = {rng.choice([1, 10, 25])}
}}
''')]


def unit_sns_fanout(i: int, rng: random.Random) -> Blocks:
    f = f"fanout_{i}"
    return [("topics.tf", f'''resource "aws_sns_topic" "events_{i}" {{
  name = "${{local.prefix}}-events-{i}"
}}
'''), ("queues.tf", f'''resource "aws_sqs_queue" "fanout_{i}" {{
  name = "${{local.prefix}}-fanout-{i}"
}}
'''), ("functions.tf", _function(f, "fanout.handler", {"QUEUE_URL": f"aws_sqs_queue.fanout_{i}.id"})),
        *_role(f, [(["sqs:SendMessage"], [f"aws_sqs_queue.fanout_{i}.arn"])]),
        ("topics.tf", f'''resource "aws_sns_topic_subscription" "{f}" {{
  topic_arn = aws_sns_topic.events_{i}.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.{f}.arn
}}
'''), ("functions.tf", f'''resource "aws_lambda_permission" "{f}_sns" {{
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.{f}.function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.events_{i}.arn
}}
''')]


def unit_stream_archiver(i: int, rng: random.Random) -> Blocks:
    f = f"archive_{i}"
    return [("tables.tf", f'''resource "aws_dynamodb_table" "orders_{i}" {{
  name             = "${{local.prefix}}-orders-{i}"
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "id"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"
  attribute {{
    name = "id"
    type = "S"
  }}
}}
'''), ("storage.tf", _bucket(f"archive_{i}", f"archive-{i}")),
        ("functions.tf", _function(f, "archive.handler",
                                   {"ARCHIVE_BUCKET": f"aws_s3_bucket.archive_{i}.bucket"})),
        *_role(f, [(["s3:PutObject"], [_objects(f"archive_{i}")]),
                   (["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                     "dynamodb:ListStreams"], [f"aws_dynamodb_table.orders_{i}.stream_arn"])]),
        ("functions.tf", f'''resource "aws_lambda_event_source_mapping" "{f}" {{
  event_source_arn  = aws_dynamodb_table.orders_{i}.stream_arn
  function_name     = aws_lambda_function.{f}.arn
  starting_position = "LATEST"
  batch_size        = {rng.choice([10, 100])}
}}
''')]


def unit_prefix_scoped(i: int, rng: random.Random) -> Blocks:
    f = f"convert_{i}"
    return [("storage.tf", _bucket(f"documents_{i}", f"documents-{i}")),
            ("functions.tf", _function(f, "convert.handler", {"BUCKET": f"aws_s3_bucket.documents_{i}.id"})),
            *_role(f, [(["s3:GetObject"], [_objects(f"documents_{i}")]),
                       (["s3:PutObject"], [_objects(f"documents_{i}", "processed/*")])]),
            *_s3_trigger(f"documents_{i}", f, prefix="uploads/")]


def unit_metadata_guard(i: int, rng: random.Random) -> Blocks:
    f = f"optimise_{i}"
    reserved = f"\n  reserved_concurrent_executions = {rng.choice([2, 5, 10])}"
    return [("storage.tf", _bucket(f"photos_{i}", f"photos-{i}")),
            ("functions.tf", _function(f, "optimise.handler", {}, reserved)),
            *_role(f, [(["s3:GetObject", "s3:PutObject"], [_objects(f"photos_{i}")])]),
            *_s3_trigger(f"photos_{i}", f)]


def unit_same_bucket_loop(i: int, rng: random.Random) -> Blocks:
    f = f"resize_{i}"
    return [("storage.tf", _bucket(f"media_{i}", f"media-{i}")),
            ("functions.tf", _function(f, "copy_back.handler", {})),
            *_role(f, [(["s3:GetObject", "s3:PutObject"], [_objects(f"media_{i}")])]),
            *_s3_trigger(f"media_{i}", f)]


def unit_two_function_loop(i: int, rng: random.Random) -> Blocks:
    ingest, publish = f"ingest_fn_{i}", f"publish_fn_{i}"
    return [("storage.tf", _bucket(f"raw_{i}", f"raw-{i}")),
            ("storage.tf", _bucket(f"staging_{i}", f"staging-{i}")),
            ("functions.tf", _function(ingest, "relay.handler",
                                       {"TARGET_BUCKET": f"aws_s3_bucket.staging_{i}.id"})),
            *_role(ingest, [(["s3:GetObject"], [_objects(f"raw_{i}")]),
                            (["s3:PutObject"], [_objects(f"staging_{i}")])]),
            ("functions.tf", _function(publish, "relay.handler",
                                       {"TARGET_BUCKET": f"aws_s3_bucket.raw_{i}.id"})),
            *_role(publish, [(["s3:GetObject"], [_objects(f"staging_{i}")]),
                             (["s3:PutObject"], [_objects(f"raw_{i}")])]),
            ("storage.tf", f'''resource "aws_lambda_permission" "{ingest}_s3" {{
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.{ingest}.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.raw_{i}.arn
}}
'''), ("storage.tf", f'''resource "aws_lambda_permission" "{publish}_s3" {{
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.{publish}.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.staging_{i}.arn
}}
'''), ("storage.tf", f'''resource "aws_s3_bucket_notification" "raw_{i}" {{
  bucket = aws_s3_bucket.raw_{i}.id
  lambda_function {{
    lambda_function_arn = aws_lambda_function.{ingest}.arn
    events              = ["s3:ObjectCreated:*"]
  }}
}}
'''), ("storage.tf", f'''resource "aws_s3_bucket_notification" "staging_{i}" {{
  bucket = aws_s3_bucket.staging_{i}.id
  lambda_function {{
    lambda_function_arn = aws_lambda_function.{publish}.arn
    events              = ["s3:ObjectCreated:*"]
  }}
}}
''')]


def unit_api(i: int, rng: random.Random) -> Blocks:
    f = f"api_{i}"
    return [("functions.tf", _function(f, "api.handler", {})),
            ("iam.tf", f'''resource "aws_iam_role" "{f}" {{
  name               = "${{local.prefix}}-{f}"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}}
'''), ("iam.tf", f'''resource "aws_iam_role_policy_attachment" "{f}_read" {{
  role       = aws_iam_role.{f}.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}}
'''), ("alarms.tf", f'''resource "aws_cloudwatch_metric_alarm" "{f}_errors" {{
  alarm_name          = "${{local.prefix}}-{f}-errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = {rng.randint(1, 20)}
  comparison_operator = "GreaterThanOrEqualToThreshold"
  dimensions = {{
    FunctionName = aws_lambda_function.{f}.function_name
  }}
}}
''')]


def filler(i: int, rng: random.Random) -> Blocks:
    if rng.random() < 0.5:
        return [("misc.tf", f'''resource "aws_cloudwatch_log_group" "audit_{i}" {{
  name              = "/${{local.prefix}}/audit/{i}"
  retention_in_days = 30
}}
''')]
    return [("misc.tf", f'''resource "aws_ssm_parameter" "setting_{i}" {{
  name  = "/${{local.prefix}}/setting-{i}"
  type  = "String"
  value = join(",", ["a", "b", var.env])
}}
''')]


Unit = Callable[[int, random.Random], Blocks]
WEIGHTED_UNITS: Sequence[tuple] = (
    (unit_s3_pipeline, 20), (unit_sqs_worker, 15), (unit_sns_fanout, 10), (unit_stream_archiver, 10),
    (unit_prefix_scoped, 23), (unit_metadata_guard, 5), (unit_api, 12), (filler, 5),
)
LOOP_PERIOD = 60
LOOP_UNITS: Dict[int, Unit] = {1: unit_same_bucket_loop, 21: unit_two_function_loop, 41: unit_same_bucket_loop}


def _count(blocks: Blocks) -> int:
    return sum(text.startswith("resource ") for _file, text in blocks)


def generate(resources: int, seed: int) -> Tuple[Dict[str, str], int]:
    """({file name: text}, the unguarded loops placed) for a module of exactly `resources`
    resource blocks."""
    rng = random.Random(f"tf-{seed}-{resources}")
    files: Dict[str, List[str]] = {"main.tf": [HEADER]}
    total = index = loops = 0
    while total < resources:
        if index == 0:
            make: Unit = unit_prefix_scoped
        elif index % LOOP_PERIOD in LOOP_UNITS:
            make = LOOP_UNITS[index % LOOP_PERIOD]
        else:
            units, weights = zip(*WEIGHTED_UNITS)
            make = rng.choices(units, weights)[0]
        blocks = make(index, rng)
        if total + _count(blocks) > resources:
            blocks = filler(index, rng)
        elif make in LOOP_UNITS.values():
            loops += 1
        for file, text in blocks:
            files.setdefault(file, []).append(text)
        total += _count(blocks)
        index += 1
    return {name: "\n".join(parts) for name, parts in files.items()}, loops


def write_module(size: int, out_dir: Path, seed: int, handlers: Dict[str, str]) -> Tuple[Path, int]:
    """Write tf-<size>/ (its .tf files and src/): (its folder, the unguarded loops placed)."""
    folder = out_dir / f"tf-{size}"
    (folder / "src").mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.tf"):
        stale.unlink()
    for name, text in handlers.items():
        (folder / "src" / name).write_text(text)
    files, loops = generate(size, seed)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder, loops
