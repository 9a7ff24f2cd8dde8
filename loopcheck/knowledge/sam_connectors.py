"""SAM connectors (`AWS::Serverless::Connector`, a resource's `Connectors` property): the IAM
statements SAM adds to the source's role for `Permissions: [Read, Write]`, per source and
destination resource kind.

Source: aws-sam-translator `samtranslator/model/connector_profiles/profiles.json` (the
connector profiles SAM expands connectors with; profiles of type
AWS_IAM_ROLE_MANAGED_POLICY with `SourcePolicy: true`, i.e. a policy on the source's role),
read at commit 0841738924a3b62c32db0d9ce4e286e337789dcf; and the AWS SAM developer guide,
"AWS SAM connector reference" (supported source and destination resource types). Only
sources with a role of their own are listed (functions and state machines); the other
profiles (an EventBridge rule, SNS topic, SQS queue or S3 bucket as source) are resource
policies or Lambda permissions letting a service deliver to a target, which loopcheck
already models as triggers. SAM has no connector profile from a function to a Kinesis stream
or a Firehose delivery stream: a connector naming one fails SAM's transform and grants
nothing here.

Resources use SAM's placeholders: `%{Destination.Arn}`, `%{Destination.Name}`;
`${AWS::Partition}`-style pseudo parameters are left for the resolver.
"""

from __future__ import annotations

from typing import Dict, Tuple

# (actions, resources) of one statement
ConnectorStatement = Tuple[Tuple[str, ...], Tuple[str, ...]]

_ARN = ("%{Destination.Arn}",)
_EXECUTIONS = ("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:%{Destination.Name}:*",)
_S3_READ = ("s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectLegalHold", "s3:GetObjectRetention",
            "s3:GetObjectTorrent", "s3:GetObjectVersion", "s3:GetObjectVersionAcl",
            "s3:GetObjectVersionForReplication", "s3:GetObjectVersionTorrent", "s3:ListBucket",
            "s3:ListBucketMultipartUploads", "s3:ListBucketVersions", "s3:ListMultipartUploadParts")
_S3_WRITE = ("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject",
             "s3:PutObjectLegalHold", "s3:PutObjectRetention", "s3:RestoreObject")
_S3_RESOURCES = ("%{Destination.Arn}", "%{Destination.Arn}/*")
_DDB_READ = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem",
             "dynamodb:ConditionCheckItem", "dynamodb:PartiQLSelect")
_DDB_WRITE = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
              "dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate")
_DDB_RESOURCES = ("%{Destination.Arn}", "%{Destination.Arn}/index/*")
_INVOKE = ("lambda:InvokeAsync", "lambda:InvokeFunction")

# (source kind, destination kind) -> permission ("Read" | "Write") -> statements.
# Kinds are knowledge.event_paths.RESOURCE_KINDS values.
CONNECTOR_GRANTS: Dict[Tuple[str, str], Dict[str, Tuple[ConnectorStatement, ...]]] = {
    ("function", "function"): {"Write": ((_INVOKE, _ARN),)},
    ("function", "bucket"): {"Read": ((_S3_READ, _S3_RESOURCES),), "Write": ((_S3_WRITE, _S3_RESOURCES),)},
    ("function", "table"): {"Read": ((_DDB_READ, _DDB_RESOURCES),), "Write": ((_DDB_WRITE, _DDB_RESOURCES),)},
    ("function", "queue"): {
        "Read": ((("sqs:ReceiveMessage", "sqs:GetQueueAttributes"), _ARN),),
        "Write": ((("sqs:DeleteMessage", "sqs:SendMessage", "sqs:ChangeMessageVisibility", "sqs:PurgeQueue"),
                   _ARN),),
    },
    ("function", "topic"): {"Write": ((("sns:Publish",), _ARN),)},
    ("function", "statemachine"): {
        "Read": ((("states:DescribeStateMachine", "states:ListExecutions"), _ARN),
                 (("states:DescribeExecution", "states:DescribeStateMachineForExecution",
                   "states:GetExecutionHistory"), _EXECUTIONS)),
        "Write": ((("states:StartExecution", "states:StartSyncExecution"), _ARN),
                  (("states:StopExecution",), _EXECUTIONS)),
    },
    ("function", "bus"): {"Write": ((("events:PutEvents",), _ARN),)},
    ("statemachine", "function"): {"Write": ((_INVOKE, _ARN),)},
    ("statemachine", "topic"): {"Write": ((("sns:Publish",), _ARN),)},
    ("statemachine", "queue"): {"Write": ((("sqs:SendMessage",), _ARN),)},  # SFN -> SQS: send only
    ("statemachine", "bucket"): {"Read": ((_S3_READ, _S3_RESOURCES),), "Write": ((_S3_WRITE, _S3_RESOURCES),)},
    ("statemachine", "table"): {"Read": ((_DDB_READ, _DDB_RESOURCES),),
                                "Write": ((_DDB_WRITE, _DDB_RESOURCES),)},
    ("statemachine", "statemachine"): {
        "Read": ((("states:DescribeExecution",), _EXECUTIONS),),
        # (SAM also grants events:PutTargets/PutRule on the managed rule .sync needs: no event)
        "Write": ((("states:StartExecution",), _ARN), (("states:StopExecution",), _EXECUTIONS)),
    },
    ("statemachine", "bus"): {"Write": ((("events:PutEvents",), _ARN),)},
}

PERMISSIONS = ("Read", "Write")
