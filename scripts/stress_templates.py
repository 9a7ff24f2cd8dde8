"""Templates that push loopcheck's bounds, for tests and for measuring (see README,
"Robustness and safety").

- `ring N --via sqs|s3`: N functions in one loop, each writing the queue (or bucket) that
  triggers the next one. With the code in S3 (not readable), the grant that names the next
  queue decides: every ring is one EL101 loop of 2N resources.
- `wide N --patterns prefix|any`: one function triggered by N buckets whose policy holds 2N
  wildcard S3 patterns. `prefix`: each pattern names one bucket by the start of its name
  (`arn:aws:s3:::${Env}-data-7-*`), the usual shape; `any`: every pattern reaches every
  bucket (`arn:aws:s3:::${Env}-*/in-7/*`), the worst case.

    python scripts/stress_templates.py ring 30 --out /tmp/ring30
    python scripts/stress_templates.py wide 2000 --patterns any --out /tmp/wide2000

writes OUT/template.yaml.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List


def ring_template(functions: int, via: str = "sqs") -> str:
    """A loop of `functions` SAM functions through SQS queues or S3 buckets."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31",
             "Resources:"]
    for i in range(functions):
        after = (i + 1) % functions
        if via == "sqs":
            lines += [f"  Queue{i}:", "    Type: AWS::SQS::Queue"]
            policy = ["        - SQSSendMessagePolicy:",
                      f"            QueueName: !GetAtt Queue{after}.QueueName"]
            event = ["          Type: SQS", "          Properties:", f"            Queue: !GetAtt Queue{i}.Arn"]
        elif via == "s3":
            lines += [f"  Bucket{i}:", "    Type: AWS::S3::Bucket", "    Properties:",
                      f"      BucketName: !Sub '${{AWS::StackName}}-ring-{i}'"]
            policy = ["        - S3WritePolicy:",
                      f"            BucketName: !Sub '${{AWS::StackName}}-ring-{after}'"]
            event = ["          Type: S3", "          Properties:", f"            Bucket: !Ref Bucket{i}",
                     "            Events: s3:ObjectCreated:*"]
        else:
            raise ValueError(f"unknown ring kind {via!r}")
        lines += [f"  Fn{i}:", "    Type: AWS::Serverless::Function", "    Properties:",
                  "      CodeUri: s3://artifacts/code.zip", "      Handler: index.handler",
                  "      Runtime: python3.12", "      Policies:", *policy,
                  "      Events:", "        In:", *event]
    return "\n".join(lines) + "\n"


def wide_template(buckets: int, patterns: str = "prefix") -> str:
    """One function, `buckets` trigger buckets, 2 * `buckets` wildcard S3 patterns."""
    lines: List[str] = [
        "AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31",
        "Parameters:", "  Env:", "    Type: String", "Resources:",
        "  Worker:", "    Type: AWS::Serverless::Function", "    Properties:",
        "      CodeUri: s3://artifacts/code.zip", "      Handler: index.handler", "      Runtime: python3.12",
        "      Policies:", "        - Statement:", "            - Effect: Allow",
        "              Action: ['s3:GetObject', 's3:PutObject']", "              Resource:",
    ]
    for i in range(buckets):
        if patterns == "prefix":
            shapes = (f"${{Env}}-data-{i}-*", f"${{Env}}-data-{i}-*/*")
        elif patterns == "any":
            shapes = (f"${{Env}}-*/in-{i}/*", f"${{Env}}-*/out-{i}/*")
        else:
            raise ValueError(f"unknown pattern kind {patterns!r}")
        lines += [f"                - !Sub 'arn:aws:s3:::{shape}'" for shape in shapes]
    lines.append("      Events:")
    for i in range(buckets):
        lines += [f"        B{i}:", "          Type: S3", "          Properties:",
                  f"            Bucket: !Ref Bucket{i}", "            Events: s3:ObjectCreated:*"]
    for i in range(buckets):
        lines += [f"  Bucket{i}:", "    Type: AWS::S3::Bucket", "    Properties:",
                  f"      BucketName: !Sub '${{Env}}-data-{i}-${{AWS::AccountId}}'"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shape", choices=("ring", "wide"))
    parser.add_argument("size", type=int)
    parser.add_argument("--via", choices=("sqs", "s3"), default="sqs", help="ring: what links the functions")
    parser.add_argument("--patterns", choices=("prefix", "any"), default="prefix", help="wide: pattern shape")
    parser.add_argument("--out", type=Path, required=True, help="folder to write template.yaml into")
    args = parser.parse_args()
    if args.shape == "ring":
        text = ring_template(args.size, args.via)
    else:
        text = wide_template(args.size, args.patterns)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "template.yaml").write_text(text)


if __name__ == "__main__":
    main()
