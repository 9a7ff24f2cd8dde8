"""AWS managed policies whose grants matter to loop detection, curated by hand.

AWS publishes these documents only online, so they cannot be read at scan time; each entry
was checked against the AWS Managed Policy Reference (docs.aws.amazon.com/aws-managed-policy/
latest/reference/<name>.html) and is summarised in ../shared/AWS-FACTS.md. A policy missing
here is reported as unknown, never taken as harmless. Read-only and logging policies are
listed too, so that the common ones are not reported as unknown.
"""

from __future__ import annotations

from typing import Any, Dict, List

_ALL = ["*"]

MANAGED_POLICIES: Dict[str, List[Dict[str, Any]]] = {
    # Writes
    "AWSLambdaExecute": [
        {"Effect": "Allow", "Action": ["logs:*"], "Resource": "arn:aws:logs:*:*:*"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*"},
    ],
    "AmazonS3FullAccess": [
        {"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": _ALL},
    ],
    "AdministratorAccess": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    "PowerUserAccess": [
        {
            "Effect": "Allow",
            "NotAction": ["iam:*", "organizations:*", "account:*"],
            "Resource": "*",
        },
    ],
    "AmazonSQSFullAccess": [{"Effect": "Allow", "Action": ["sqs:*"], "Resource": "*"}],
    "AmazonSNSFullAccess": [{"Effect": "Allow", "Action": ["sns:*"], "Resource": "*"}],
    "AmazonDynamoDBFullAccess": [{"Effect": "Allow", "Action": ["dynamodb:*"], "Resource": "*"}],
    "AmazonKinesisFullAccess": [{"Effect": "Allow", "Action": ["kinesis:*"], "Resource": "*"}],
    "AmazonEventBridgeFullAccess": [{"Effect": "Allow", "Action": ["events:*"], "Resource": "*"}],
    "AWSStepFunctionsFullAccess": [{"Effect": "Allow", "Action": ["states:*"], "Resource": "*"}],
    # No writes to event sources
    "AWSLambdaBasicExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        },
    ],
    "AWSLambdaVPCAccessExecutionRole": [
        {
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": "*",
        },
    ],
    "AWSXrayWriteOnlyAccess": [
        {
            "Effect": "Allow",
            "Action": [
                "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries",
            ],
            "Resource": "*",
        },
    ],
    "AWSLambdaKinesisExecutionRole": [
        {
            "Effect": "Allow",
            "Action": [
                "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
                "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:ListStreams",
                "kinesis:SubscribeToShard", "logs:CreateLogGroup", "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "Resource": "*",
        },
    ],
    "AWSLambdaDynamoDBExecutionRole": [
        {
            "Effect": "Allow",
            "Action": [
                "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                "dynamodb:ListStreams", "logs:CreateLogGroup", "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "Resource": "*",
        },
    ],
    "AWSLambdaSQSQueueExecutionRole": [
        {
            "Effect": "Allow",
            "Action": [
                "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
            ],
            "Resource": "*",
        },
    ],
    "AWSLambdaMSKExecutionRole": [
        {
            "Effect": "Allow",
            "Action": [
                "kafka:DescribeCluster", "kafka:DescribeClusterV2", "kafka:GetBootstrapBrokers",
                "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs",
                "ec2:DeleteNetworkInterface", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
                "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
            ],
            "Resource": "*",
        },
    ],
    # Grants invoking any function: matters for direct self-invocation loops.
    "AWSLambdaRole": [{"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": ["*"]}],
    "AmazonS3ReadOnlyAccess": [
        {
            "Effect": "Allow",
            "Action": ["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*",
                       "s3-object-lambda:List*"],
            "Resource": "*",
        },
    ],
    "CloudWatchLambdaInsightsExecutionRolePolicy": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda-insights:*"},
    ],
}


def managed_policy_name(arn_or_name: str) -> str:
    """`arn:aws:iam::aws:policy/service-role/X` or `X` -> `X`."""
    return arn_or_name.rsplit("/", 1)[-1] if "/" in arn_or_name else arn_or_name.rsplit(":", 1)[-1]


def is_aws_managed_arn(text: str) -> bool:
    return ":iam::aws:policy/" in text
