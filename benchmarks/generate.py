"""Deterministic generator of realistic SAM / CloudFormation templates for the benchmark.

A template of N resources is built from "units", the small designs real stacks are made of:

- SAM S3 pipelines (input bucket -> function -> output bucket, suffix filter): guarded
- SAM SQS workers (queue + DLQ + table), SNS fan-outs, DynamoDB-stream archivers
- raw CloudFormation S3 -> Lambda (bucket NotificationConfiguration with prefix/suffix
  filters, AWS::Lambda::Permission, AWS::IAM::Role + AWS::IAM::Policy, inline ZipFile code)
- guarded same-bucket designs (prefix-scoped writes; a metadata guard in the handler code)
- a few loops, at fixed positions: same-bucket (SAM), two-function (SAM), raw CFN same-bucket
- API functions with managed policy names, log groups, alarms, SSM parameters as filler

Names are intrinsic-heavy (`!Sub '${AWS::StackName}-${Env}-x'`, `!Join`, `!GetAtt`,
`!FindInMap`, `!If` on Conditions). The same seed and size always give the same bytes.

    python benchmarks/generate.py --sizes 10,100,500 --seed 7 --json

writes benchmarks/out/template-<N>.yaml (and .json) plus the handler code they point to
(benchmarks/out/src/), git-ignored through benchmarks/.gitignore. With `--terraform` it writes
Terraform root modules of the same mix instead (benchmarks/out/tf-<N>/, generate_terraform.py).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import yaml

DEFAULT_SIZES = (10, 100, 500, 2000, 5000)
DEFAULT_SEED = 20240611
DEFAULT_OUT = Path(__file__).resolve().parent / "out"

Resources = Dict[str, Dict[str, Any]]


class Fn:
    """An intrinsic function, written as a short tag in YAML and as `{"Fn::X": ...}` in JSON."""

    def __init__(self, tag: str, value: Any):
        self.tag = tag  # "Ref", "Sub", "GetAtt", "Join", "If", "FindInMap", "Equals", ...
        self.value = value

    def long_form(self) -> Dict[str, Any]:
        key = self.tag if self.tag in ("Ref", "Condition") else "Fn::" + self.tag
        value = self.value
        if self.tag == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {key: to_plain(value)}


def to_plain(node: Any) -> Any:
    """The JSON form of a template: every `Fn` in its long form."""
    if isinstance(node, Fn):
        return node.long_form()
    if isinstance(node, dict):
        return {key: to_plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [to_plain(item) for item in node]
    return node


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Block-style YAML with CloudFormation short tags (sequence arguments in flow style)."""

    def ignore_aliases(self, data: Any) -> bool:  # a shared node is written out each time
        return True


def _represent_fn(dumper: yaml.SafeDumper, fn: Fn) -> yaml.Node:
    if isinstance(fn.value, list):
        return dumper.represent_sequence("!" + fn.tag, fn.value, flow_style=True)
    return dumper.represent_scalar("!" + fn.tag, str(fn.value))


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(Fn, _represent_fn)
_Dumper.add_representer(str, _represent_str)


def ref(name: str) -> Fn:
    return Fn("Ref", name)


def sub(text: str) -> Fn:
    return Fn("Sub", text)


def getatt(name: str) -> Fn:
    return Fn("GetAtt", name)


def stack_name(kind: str, index: int) -> Fn:
    """A bucket or queue name in the `${AWS::StackName}-${Env}-kind-N` style."""
    return sub(f"${{AWS::StackName}}-${{Env}}-{kind}-{index}")


def s3_event(bucket: str, prefix: str = "", suffix: str = "") -> Dict[str, Any]:
    props: Dict[str, Any] = {"Bucket": ref(bucket), "Events": "s3:ObjectCreated:*"}
    rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v]
    if rules:
        props["Filter"] = {"S3Key": {"Rules": rules}}
    return {"Type": "S3", "Properties": props}


def sam_function(handler: str, policies: List[Any], events: Dict[str, Any],
                 env: Optional[Dict[str, Any]] = None, **extra: Any) -> Dict[str, Any]:
    props: Dict[str, Any] = {"CodeUri": "src/", "Handler": handler}
    if env:
        props["Environment"] = {"Variables": env}
    props["Policies"] = policies
    props["Events"] = events
    props.update(extra)
    return {"Type": "AWS::Serverless::Function", "Properties": props}


def bucket(name: Any, **props: Any) -> Dict[str, Any]:
    base: Dict[str, Any] = {
        "BucketName": name,
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "BlockPublicPolicy": True,
            "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
    }
    base.update(props)
    return {"Type": "AWS::S3::Bucket", "Properties": base}


def assume_lambda() -> Dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


# -- units: each returns its resources, keyed by logical id ----------------------------------


def unit_s3_pipeline(i: int, rng: random.Random) -> Resources:
    """SAM: input bucket (suffix filter) -> function -> separate output bucket. Guarded."""
    suffix = rng.choice([".jpg", ".png", ".csv", ".json"])
    return {
        f"Ingest{i}Bucket": bucket(stack_name("ingest", i)),
        f"Output{i}Bucket": bucket(Fn("Join", ["-", [ref("AWS::StackName"), ref("Env"), "output", str(i)]]),
                                   VersioningConfiguration={"Status": "Enabled"}),
        f"Transform{i}Function": sam_function(
            "resize.handler",
            [{"S3ReadPolicy": {"BucketName": stack_name("ingest", i)}},
             {"S3CrudPolicy": {"BucketName": ref(f"Output{i}Bucket")}}],
            {"Upload": s3_event(f"Ingest{i}Bucket", suffix=suffix)},
            {"OUTPUT_BUCKET": ref(f"Output{i}Bucket")},
        ),
        f"Transform{i}LogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {
            "LogGroupName": sub(f"/aws/lambda/${{Transform{i}Function}}"),
            "RetentionInDays": Fn("FindInMap", ["EnvConfig", ref("Env"), "LogRetention"])}},
    }


def unit_sqs_worker(i: int, rng: random.Random) -> Resources:
    """SAM: SQS queue with DLQ -> function -> DynamoDB table."""
    return {
        f"Jobs{i}DeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": stack_name("jobs-dlq", i), "MessageRetentionPeriod": 1209600}},
        f"Jobs{i}Queue": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": stack_name("jobs", i), "VisibilityTimeout": 180,
            "RedrivePolicy": {"deadLetterTargetArn": getatt(f"Jobs{i}DeadLetterQueue.Arn"),
                              "maxReceiveCount": rng.randint(3, 10)}}},
        f"Jobs{i}Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "TableName": stack_name("jobs", i), "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}},
        f"Jobs{i}Worker": sam_function(
            "worker.handler",
            [{"DynamoDBCrudPolicy": {"TableName": ref(f"Jobs{i}Table")}},
             {"SQSPollerPolicy": {"QueueName": getatt(f"Jobs{i}Queue.QueueName")}},
             "AWSXrayWriteOnlyAccess"],
            {"Jobs": {"Type": "SQS", "Properties": {"Queue": getatt(f"Jobs{i}Queue.Arn"),
                                                     "BatchSize": rng.choice([1, 10, 25])}}},
            {"TABLE_NAME": ref(f"Jobs{i}Table")},
        ),
    }


def unit_sns_fanout(i: int, rng: random.Random) -> Resources:
    """SAM: SNS topic -> function -> SQS queue."""
    return {
        f"Events{i}Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": stack_name("events", i)}},
        f"Fanout{i}Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": stack_name("fanout", i)}},
        f"Fanout{i}Function": sam_function(
            "fanout.handler",
            [{"SQSSendMessagePolicy": {"QueueName": getatt(f"Fanout{i}Queue.QueueName")}},
             {"SNSPublishMessagePolicy": {"TopicName": getatt(f"Events{i}Topic.TopicName")}}],
            {"Notify": {"Type": "SNS", "Properties": {"Topic": ref(f"Events{i}Topic")}}},
            {"QUEUE_URL": ref(f"Fanout{i}Queue")},
        ),
    }


def unit_stream_archiver(i: int, rng: random.Random) -> Resources:
    """SAM: DynamoDB stream -> function -> archive bucket named by the same !Sub on both sides."""
    return {
        f"Orders{i}Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "TableName": stack_name("orders", i), "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"}}},
        f"Archive{i}Bucket": bucket(stack_name("archive", i)),
        f"Archive{i}Function": sam_function(
            "archive.handler",
            [{"DynamoDBStreamReadPolicy": {"TableName": ref(f"Orders{i}Table"), "StreamName": "*"}},
             {"S3WritePolicy": {"BucketName": stack_name("archive", i)}},
             {"Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                             "Resource": sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:"
                                             "key/*")}]}],
            {"Stream": {"Type": "DynamoDB", "Properties": {
                "Stream": getatt(f"Orders{i}Table.StreamArn"), "StartingPosition": "LATEST",
                "BatchSize": rng.choice([10, 100])}}},
            {"ARCHIVE_BUCKET": stack_name("archive", i)},
        ),
    }


_INLINE_CODE = """import os
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        body = s3.get_object(Bucket=record["s3"]["bucket"]["name"], Key=key)["Body"].read()
        s3.put_object(Bucket=os.environ["OUTPUT_BUCKET"], Key="reports/" + key, Body=body)
"""


def unit_cfn_s3_lambda(i: int, rng: random.Random, loop: bool = False) -> Resources:
    """Raw CloudFormation: bucket notification (prefix + suffix filter) -> AWS::Lambda::Function
    with an AWS::IAM::Role and an AWS::IAM::Policy. With `loop`, the role may put objects
    anywhere in the notifying bucket (named by the same !Sub on both sides) and there is no filter."""
    source = stack_name("landing", i)
    written = f"${{AWS::StackName}}-${{Env}}-{'landing' if loop else 'reports'}-{i}"
    notification: Dict[str, Any] = {"Event": "s3:ObjectCreated:*",
                                    "Function": getatt(f"Landing{i}Function.Arn")}
    if not loop:
        notification["Filter"] = {"S3Key": {"Rules": [{"Name": "prefix", "Value": "incoming/"},
                                                      {"Name": "suffix", "Value": ".csv"}]}}
    resources: Resources = {
        f"Landing{i}Bucket": {
            "Type": "AWS::S3::Bucket", "DependsOn": f"Landing{i}Permission",
            "Properties": bucket(source, NotificationConfiguration={"LambdaConfigurations": [notification]})[
                "Properties"]},
        f"Landing{i}Permission": {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": ref(f"Landing{i}Function"),
            "Principal": "s3.amazonaws.com", "SourceAccount": ref("AWS::AccountId"),
            "SourceArn": sub(f"arn:${{AWS::Partition}}:s3:::${{AWS::StackName}}-${{Env}}-landing-{i}")}},
        f"Landing{i}Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": assume_lambda(),
            "ManagedPolicyArns": [sub("arn:${AWS::Partition}:iam::aws:policy/service-role/"
                                      "AWSLambdaBasicExecutionRole")],
            "Policies": [{"PolicyName": "read-landing", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                     "Resource": [Fn("Join", ["", ["arn:aws:s3:::", source, "/*"]])]}]}}]}},
        f"Landing{i}WritePolicy": {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": sub(f"${{AWS::StackName}}-landing-{i}-write"), "Roles": [ref(f"Landing{i}Role")],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectTagging"],
                 "Resource": sub(f"arn:${{AWS::Partition}}:s3:::{written}/*")}]}}},
        f"Landing{i}Function": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler", "Role": getatt(f"Landing{i}Role.Arn"),
            "MemorySize": Fn("FindInMap", ["EnvConfig", ref("Env"), "MemorySize"]), "Timeout": 60,
            "ReservedConcurrentExecutions": Fn("If", ["IsProd", rng.choice([5, 20, 50]), ref("AWS::NoValue")]),
            "Environment": {"Variables": {"OUTPUT_BUCKET": sub(written)}},
            "Code": {"ZipFile": _INLINE_CODE}}},
    }
    if not loop:
        resources[f"Reports{i}Bucket"] = bucket(stack_name("reports", i))
    return resources


def unit_prefix_scoped(i: int, rng: random.Random) -> Resources:
    """SAM: same bucket, `uploads/` filter, writes only under `processed/`. Guarded (IL105)."""
    return {
        f"Documents{i}Bucket": bucket(Fn("If", ["IsProd", stack_name("documents", i), ref("AWS::NoValue")])),
        f"Convert{i}Function": sam_function(
            "convert.handler",
            [{"S3ReadPolicy": {"BucketName": ref(f"Documents{i}Bucket")}},
             {"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": sub(
                 f"arn:${{AWS::Partition}}:s3:::${{Documents{i}Bucket}}/processed/*")}]}],
            {"Upload": s3_event(f"Documents{i}Bucket", prefix="uploads/")},
            {"BUCKET": ref(f"Documents{i}Bucket")},
        ),
    }


def unit_metadata_guard(i: int, rng: random.Random) -> Resources:
    """SAM: writes back into its trigger bucket, behind a HeadObject metadata check in the code."""
    return {
        f"Photos{i}Bucket": bucket(stack_name("photos", i)),
        f"Optimise{i}Function": sam_function(
            "optimise.handler", [{"S3CrudPolicy": {"BucketName": ref(f"Photos{i}Bucket")}}],
            {"Upload": s3_event(f"Photos{i}Bucket")},
            ReservedConcurrentExecutions=rng.choice([2, 5, 10]),
        ),
    }


def unit_same_bucket_loop(i: int, rng: random.Random) -> Resources:
    """SAM loop: the function writes back into its trigger bucket, no filter, no guard (EL101)."""
    return {
        f"Media{i}Bucket": bucket(stack_name("media", i)),
        f"Resize{i}Function": sam_function(
            "copy_back.handler", [{"S3CrudPolicy": {"BucketName": ref(f"Media{i}Bucket")}}],
            {"Upload": s3_event(f"Media{i}Bucket")},
        ),
    }


def unit_two_function_loop(i: int, rng: random.Random) -> Resources:
    """SAM loop through two functions: Raw -> Ingest -> Staging -> Publish -> Raw (EL101)."""
    return {
        f"Raw{i}Bucket": bucket(stack_name("raw", i)),
        f"Staging{i}Bucket": bucket(stack_name("staging", i)),
        f"Ingest{i}Function": sam_function(
            "relay.handler",
            [{"S3ReadPolicy": {"BucketName": ref(f"Raw{i}Bucket")}},
             {"S3WritePolicy": {"BucketName": ref(f"Staging{i}Bucket")}}],
            {"Raw": s3_event(f"Raw{i}Bucket")}, {"TARGET_BUCKET": ref(f"Staging{i}Bucket")},
        ),
        f"Publish{i}Function": sam_function(
            "relay.handler",
            [{"S3ReadPolicy": {"BucketName": ref(f"Staging{i}Bucket")}},
             {"S3CrudPolicy": {"BucketName": ref(f"Raw{i}Bucket")}}],
            {"Staged": s3_event(f"Staging{i}Bucket")}, {"TARGET_BUCKET": ref(f"Raw{i}Bucket")},
        ),
    }


def unit_api(i: int, rng: random.Random) -> Resources:
    """SAM API function with managed policy names, and an alarm on its errors."""
    return {
        f"Api{i}Function": sam_function(
            "api.handler",
            ["AWSLambdaBasicExecutionRole", "AmazonS3ReadOnlyAccess",
             {"DynamoDBReadPolicy": {"TableName": sub(f"${{AWS::StackName}}-${{Env}}-lookup-{i}")}}],
            {"Get": {"Type": "Api", "Properties": {"Path": f"/items{i}/{{id}}", "Method": "get"}}},
            MemorySize=Fn("If", ["IsProd", 1024, 256]),
        ),
        f"Api{i}ErrorsAlarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": sub(f"${{AWS::StackName}}-api-{i}-errors"), "Namespace": "AWS/Lambda",
            "MetricName": "Errors", "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1,
            "Threshold": rng.randint(1, 20), "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Dimensions": [{"Name": "FunctionName", "Value": ref(f"Api{i}Function")}]}},
    }


def filler(i: int, rng: random.Random) -> Resources:
    """One unrelated resource: a log group or an SSM parameter."""
    if rng.random() < 0.5:
        return {f"Audit{i}LogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {
            "LogGroupName": sub(f"/${{AWS::StackName}}/audit/{i}"),
            "RetentionInDays": Fn("FindInMap", ["EnvConfig", ref("Env"), "LogRetention"])}}}
    return {f"Setting{i}Parameter": {"Type": "AWS::SSM::Parameter", "Properties": {
        "Name": sub(f"/${{AWS::StackName}}/${{Env}}/setting-{i}"), "Type": "String",
        "Value": Fn("Join", [",", ["a", "b", ref("Env")]])}}}


Unit = Callable[[int, random.Random], Resources]
# (unit, weight) for the ordinary units; loops are placed at fixed positions (see _unit_for).
WEIGHTED_UNITS: Sequence[tuple] = (
    (unit_s3_pipeline, 20), (unit_sqs_worker, 15), (unit_sns_fanout, 10), (unit_stream_archiver, 10),
    (unit_cfn_s3_lambda, 15), (unit_prefix_scoped, 8), (unit_metadata_guard, 5), (unit_api, 12), (filler, 5),
)
LOOP_PERIOD = 60  # one unit in LOOP_PERIOD is a loop of each kind


def unit_cfn_loop(i: int, rng: random.Random) -> Resources:
    """Raw CloudFormation loop: the role may put objects anywhere in the notifying bucket (EL101)."""
    return unit_cfn_s3_lambda(i, rng, loop=True)


# unit index % LOOP_PERIOD -> the loop placed there; each is exactly one unguarded cycle (one EL101)
LOOP_UNITS: Dict[int, Unit] = {1: unit_same_bucket_loop, 21: unit_two_function_loop, 41: unit_cfn_loop}


def _unit_for(index: int, rng: random.Random) -> Unit:
    if index == 0:
        return unit_prefix_scoped
    if index % LOOP_PERIOD in LOOP_UNITS:
        return LOOP_UNITS[index % LOOP_PERIOD]
    units, weights = zip(*WEIGHTED_UNITS)
    return rng.choices(units, weights)[0]


def generate(resources: int, seed: int = DEFAULT_SEED) -> Dict[str, Any]:
    """A template (with `Fn` nodes) of exactly `resources` resources. Its `Metadata` records
    how many unguarded loops were placed in it (`UnguardedLoops`), for checking the findings."""
    rng = random.Random(f"{seed}-{resources}")
    body: Resources = {}
    index = loops = 0
    while len(body) < resources:
        make = _unit_for(index, rng)
        unit = make(index, rng)
        if len(body) + len(unit) > resources:
            unit = filler(index, rng)
        elif make in LOOP_UNITS.values():
            loops += 1
        body.update(unit)
        index += 1
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": f"loopcheck benchmark: {resources} resources, seed {seed}",
        "Metadata": {"Benchmark": {"Seed": seed, "UnguardedLoops": loops}},
        "Parameters": {
            "Env": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "staging", "prod"]},
            "AlarmEmail": {"Type": "String", "Default": "ops@example.com"},
        },
        "Mappings": {"EnvConfig": {
            "dev": {"MemorySize": 512, "LogRetention": 7},
            "staging": {"MemorySize": 1024, "LogRetention": 30},
            "prod": {"MemorySize": 2048, "LogRetention": 365}}},
        "Conditions": {"IsProd": Fn("Equals", [ref("Env"), "prod"])},
        "Globals": {"Function": {
            "Runtime": "python3.12", "Timeout": 30, "Tracing": "Active",
            "MemorySize": Fn("FindInMap", ["EnvConfig", ref("Env"), "MemorySize"]),
            "Environment": {"Variables": {"ENV": ref("Env"),
                                          "POWERTOOLS_SERVICE_NAME": sub("${AWS::StackName}")}},
            "Tags": {"project": "loopcheck-bench"}}},
        "Resources": body,
        "Outputs": {"StackEnv": {"Value": ref("Env")}},
    }


# Handler code the SAM functions point to (CodeUri: src/), so code evidence is exercised too.
HANDLERS = {
    "resize.py": """import os
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        data = s3.get_object(Bucket=record["s3"]["bucket"]["name"], Key=key)["Body"].read()
        s3.put_object(Bucket=os.environ["OUTPUT_BUCKET"], Key="thumbnails/" + key, Body=data)
""",
    "convert.py": """import os
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        name = key.split("/")[-1]
        s3.put_object(Bucket=os.environ["BUCKET"], Key=f"processed/{name}.pdf", Body=b"")
""",
    "optimise.py": """import boto3

s3 = boto3.client("s3")
MARKER = "optimised"


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        head = s3.head_object(Bucket=bucket, Key=key)
        if head["Metadata"].get(MARKER) == "true":
            continue
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        s3.put_object(Bucket=bucket, Key=key, Body=body, Metadata={MARKER: "true"})
""",
    "copy_back.py": """import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        s3.put_object(Bucket=bucket, Key="resized-" + key, Body=body)
""",
    "relay.py": """import os
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        s3.copy_object(Bucket=os.environ["TARGET_BUCKET"], Key=key,
                       CopySource={"Bucket": record["s3"]["bucket"]["name"], "Key": key})
""",
    "worker.py": "def handler(event, context):\n    return len(event['Records'])\n",
    "fanout.py": "def handler(event, context):\n    return None\n",
    "archive.py": "def handler(event, context):\n    return None\n",
    "api.py": "def handler(event, context):\n    return {'statusCode': 200}\n",
}


def expected_loops(resources: int, seed: int = DEFAULT_SEED) -> int:
    """How many unguarded loops (EL101 findings) the template of this size holds."""
    return int(generate(resources, seed)["Metadata"]["Benchmark"]["UnguardedLoops"])


def write_templates(sizes: Sequence[int], out_dir: Path = DEFAULT_OUT, seed: int = DEFAULT_SEED,
                    json_too: bool = False) -> Dict[int, Path]:
    """Write template-<N>.yaml (and .json) for each size plus src/; return size -> YAML path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "src").mkdir(exist_ok=True)
    for name, text in HANDLERS.items():
        (out_dir / "src" / name).write_text(text)
    paths = {}
    for size in sizes:
        template = generate(size, seed)
        path = out_dir / f"template-{size}.yaml"
        path.write_text(yaml.dump(template, Dumper=_Dumper, sort_keys=False, width=120))
        if json_too:
            (out_dir / f"template-{size}.json").write_text(json.dumps(to_plain(template), indent=2) + "\n")
        paths[size] = path
    return paths


def write_terraform(sizes: Sequence[int], out_dir: Path = DEFAULT_OUT,
                    seed: int = DEFAULT_SEED) -> Dict[int, tuple]:
    """Write tf-<N>/ for each size (the same mix of designs as a Terraform root module, with
    src/); return size -> (its folder, the unguarded loops placed in it)."""
    from generate_terraform import write_module

    return {size: write_module(size, out_dir, seed, HANDLERS) for size in sizes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="comma-separated")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--json", action="store_true", help="also write template-<N>.json")
    parser.add_argument("--terraform", action="store_true",
                        help="write Terraform root modules (tf-<N>/) instead of templates")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.terraform:
        for size, (folder, loops) in write_terraform(sizes, args.out, args.seed).items():
            print(f"{size:>6} resources  {folder}  ({loops} unguarded loops)")
        return
    for size, path in write_templates(sizes, args.out, args.seed, args.json).items():
        print(f"{size:>6} resources  {path}")


if __name__ == "__main__":
    main()
