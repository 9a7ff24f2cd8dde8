"""How long the pre-commit hook takes on a repository of hundreds of templates: generates a
git repository of `--templates` SAM stacks (each with its Python or JavaScript handler, pairs
of them linked by exports, a package.json and tsconfig.json beside the JavaScript ones) and
a gitignored virtual environment, build output and cdk.out of thousands of files (JSON and
YAML among them, as botocore's data files are), then times `loopcheck scan .` run in it as
the hook runs it, and the same with `--no-gitignore` for comparison.

    python benchmarks/hook_repo.py                      # 300 templates, 5 runs each
    python benchmarks/hook_repo.py --templates 600 --runs 3 --keep /tmp/hook-repo

Prints the median wall time of each, and what each scan read.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List

STACK = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: "Service {index}: uploads are {verb} into the next stage."
Resources:
  Uploads:
    Type: AWS::S3::Bucket
  Results:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: {handler}
      Runtime: {runtime}
      Environment:
        Variables:
          RESULTS_URL: !Ref Results
          NEXT_BUCKET: {next_bucket}
      Policies:
        - S3ReadPolicy:
            BucketName: !Ref Uploads
        - SQSSendMessagePolicy:
            QueueName: !GetAtt Results.QueueName
{extra_policy}      Events:
        Uploaded:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules:
                  - Name: prefix
                    Value: incoming/
Outputs:
  UploadsName:
    Value: !Ref Uploads
    Export:
      Name: service-{index}-uploads
"""

PYTHON = """import os

import boto3

s3 = boto3.client("s3")
sqs = boto3.client("sqs")


def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        sqs.send_message(QueueUrl=os.environ["RESULTS_URL"], MessageBody=key)
        s3.put_object(Bucket=os.environ["NEXT_BUCKET"], Key="incoming/" + key, Body=b"")
"""

JAVASCRIPT = """const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");
const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");

const s3 = new S3Client({});
const sqs = new SQSClient({});

exports.handler = async (event) => {
  for (const record of event.Records) {
    const key = record.s3.object.key;
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.RESULTS_URL, MessageBody: key }));
    await s3.send(new PutObjectCommand({ Bucket: process.env.NEXT_BUCKET, Key: `incoming/${key}`, Body: "" }));
  }
};
"""


def generate(root: Path, templates: int, ignored_files: int) -> None:
    """The repository: `templates` stacks under services/, each writing into the next one's
    bucket (an import: the stacks link in chains), and `ignored_files` files under gitignored
    folders."""
    for index in range(templates):
        folder = root / "services" / f"service-{index:03d}"
        (folder / "src").mkdir(parents=True)
        javascript = index % 3 == 0
        chained = index % 10 != 9  # chains of ten stacks, each importing the next one's bucket
        next_bucket = f"!ImportValue service-{index + 1}-uploads" if chained else "archive-bucket-name"
        extra = (f"        - S3WritePolicy:\n            BucketName: !ImportValue service-{index + 1}-uploads\n"
                 if chained else "")
        (folder / "template.yaml").write_text(STACK.format(
            index=index, verb="indexed" if javascript else "copied", next_bucket=next_bucket,
            extra_policy=extra,
            handler="index.handler" if javascript else "app.handler",
            runtime="nodejs20.x" if javascript else "python3.12"))
        if javascript:
            (folder / "src" / "index.js").write_text(JAVASCRIPT)
            (folder / "package.json").write_text(json.dumps({"name": f"service-{index}", "version": "1.0.0"}))
            (folder / "tsconfig.json").write_text(json.dumps({"compilerOptions": {"strict": True}}))
        else:
            (folder / "src" / "app.py").write_text(PYTHON)
    (root / ".gitignore").write_text("venv/\nbuild/\ncdk.out/\n")
    # a virtual environment: mostly Python files, a fifth JSON/YAML data files (botocore-like)
    site = root / "venv" / "lib" / "python3.12" / "site-packages"
    for index in range(ignored_files):
        package = site / f"package{index // 50:03d}" / ("data" if index % 5 == 0 else "module")
        package.mkdir(parents=True, exist_ok=True)
        if index % 5 == 0:
            data = {"metadata": {"id": index}, "shapes": {}}
            (package / f"service-{index}.json").write_text(json.dumps(data))
        else:
            (package / f"module_{index}.py").write_text("VALUE = 1\n")
    # build output and a CDK synth: copies of the templates
    for index in range(0, templates, 3):
        for copy in (root / "build" / f"service-{index:03d}", root / "cdk.out" / f"asset.{index:03d}"):
            copy.mkdir(parents=True)
            shutil.copy(root / "services" / f"service-{index:03d}" / "template.yaml", copy / "template.yaml")


def executable() -> str:
    beside = Path(sys.executable).parent / "loopcheck"
    return str(beside) if beside.exists() else (shutil.which("loopcheck") or "loopcheck")


def time_scan(root: Path, extra: List[str], runs: int) -> tuple:
    """(median wall seconds, median CPU seconds of the process and its workers, exit status,
    summary line) of `loopcheck scan [extra] .` in root. CPU time is the steadier figure on a
    busy machine."""
    walls, cpus, completed = [], [], None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        completed = subprocess.run([executable(), "scan", *extra, "."], cwd=root, capture_output=True,
                                   text=True, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    summary = completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else ""
    return statistics.median(walls), statistics.median(cpus), completed.returncode, summary


def time_discovery(root: Path, gitignore: bool, runs: int) -> tuple:
    """(median seconds, files found) of the folder walk alone, in this process."""
    from loopcheck.load.discovery import discover

    times, found = [], []
    previous = os.getcwd()
    os.chdir(root)
    try:
        for _ in range(runs):
            started = time.perf_counter()
            found = list(discover(["."], gitignore=gitignore))
            times.append(time.perf_counter() - started)
    finally:
        os.chdir(previous)
    return statistics.median(times), len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--templates", type=int, default=300)
    parser.add_argument("--ignored-files", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", help="generate into this folder (emptied first) and keep it")
    args = parser.parse_args()
    if args.keep:
        shutil.rmtree(args.keep, ignore_errors=True)
        root = Path(args.keep)
        root.mkdir(parents=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="loopcheck-hook-repo-"))
    try:
        generate(root, args.templates, args.ignored_files)
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        counted = sum(len(files) for _, _, files in os.walk(root))
        print(f"{args.templates} templates, {counted} files in all ({args.ignored_files} in a gitignored "
              f"venv/, plus build/ and cdk.out/ copies); cores: {os.cpu_count()}; "
              f"load average {os.getloadavg()[0]:.2f}")
        for label, extra in (("loopcheck scan .", []), ("loopcheck scan --no-gitignore .", ["--no-gitignore"])):
            wall, cpu, status, summary = time_scan(root, extra, args.runs)
            print(f"{label:34} median of {args.runs}: {wall:6.2f} s wall, {cpu:6.2f} s CPU; "
                  f"exit {status}; {summary}")
        for gitignore in (True, False):
            seconds, found = time_discovery(root, gitignore, args.runs)
            state = "on " if gitignore else "off"
            print(f"discovery alone, gitignore {state}: median {seconds * 1000:6.1f} ms, {found} files found")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
