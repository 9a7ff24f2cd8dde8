"""AWS facts for the non-S3 event paths: code APIs and the IAM action each needs (from the SDK
catalog, loopcheck.knowledge.sdk_catalog), and Step Functions task resources.

Sources (see /work/shared/AWS-FACTS.md):
- IAM Service Authorization Reference for SQS, SNS, DynamoDB, Kinesis, EventBridge, Step
  Functions, Lambda, Firehose (SendMessageBatch is authorised by sqs:SendMessage; PartiQL
  statements by dynamodb:PartiQLInsert/Update/Delete).
- DynamoDB Streams developer guide ("Change data capture for DynamoDB Streams"): records carry
  eventName INSERT, MODIFY or REMOVE; a write that changes no data writes no record.
- Lambda developer guide "invocation-recursion": runtime loop detection covers Lambda, SQS,
  SNS and S3 only.
- Step Functions developer guide "Integrating services": arn:aws:states:::SERVICE:ACTION
  optimized integrations and arn:aws:states:::aws-sdk:SERVICE:ACTION SDK integrations.
- S3 user guide "Using EventBridge": source aws.s3, detail-type Object Created / Object
  Deleted, detail.bucket.name, detail.object.key.
"""

from __future__ import annotations

from typing import Dict, Tuple

from loopcheck.knowledge.sdk_catalog import iam_actions

# Resource types, write actions, runtime coverage and message verbs per service:
# loopcheck.services (one module per service).

# Lambda's runtime loop detection stops a chain after about this many invocations (Lambda
# developer guide "invocation-recursion"): a loop bounded above it is cut before its bound.
RUNTIME_DETECTION_HOPS = 16

# The default EventBridge bus has no resource; loopcheck gives it this node id.
DEFAULT_BUS = "default"

# Handler-code API (facts.Write service, api) -> IAM action, for every service but S3 (its
# hop reads code.evidence.S3_API_ACTION): the SDK catalog's rows. And the DynamoDB event names.
API_ACTIONS: Dict[Tuple[str, str], str] = {
    call: action for call, action in iam_actions().items() if call[0] != "s3"
}
API_EVENT_NAMES: Dict[str, Tuple[str, ...]] = {
    "PutItem": ("INSERT", "MODIFY"),
    "UpdateItem": ("INSERT", "MODIFY"),
    "DeleteItem": ("REMOVE",),
    "BatchWriteItem": ("INSERT", "MODIFY", "REMOVE"),
    "TransactWriteItems": ("INSERT", "MODIFY", "REMOVE"),
    "ExecuteStatement": ("INSERT", "MODIFY", "REMOVE"),
}

# Step Functions task Resource (after arn:aws:states:::) -> IAM-style action it performs.
# `.sync` / `.waitForTaskToken` suffixes are stripped first; aws-sdk:SERVICE:ACTION maps to
# SERVICE:Action.
STATES_TASKS: Dict[str, str] = {
    "lambda:invoke": "lambda:InvokeFunction",
    "sqs:sendMessage": "sqs:SendMessage",
    "sns:publish": "sns:Publish",
    "dynamodb:putItem": "dynamodb:PutItem",
    "dynamodb:updateItem": "dynamodb:UpdateItem",
    "dynamodb:deleteItem": "dynamodb:DeleteItem",
    "events:putEvents": "events:PutEvents",
    "states:startExecution": "states:StartExecution",
    "kinesis:putRecord": "kinesis:PutRecord",
    "firehose:putRecord": "firehose:PutRecord",
    "s3:putObject": "s3:PutObject",
}
# Task parameter naming the target, per action.
STATES_TARGET_PARAMETER: Dict[str, Tuple[str, ...]] = {
    "lambda:InvokeFunction": ("FunctionName",),
    "sqs:SendMessage": ("QueueUrl",),
    "sns:Publish": ("TopicArn",),
    "dynamodb:PutItem": ("TableName",),
    "dynamodb:UpdateItem": ("TableName",),
    "dynamodb:DeleteItem": ("TableName",),
    "events:PutEvents": ("Entries",),
    "states:StartExecution": ("StateMachineArn",),
    "kinesis:PutRecord": ("StreamName", "StreamARN"),
    "firehose:PutRecord": ("DeliveryStreamName",),
    "s3:PutObject": ("Bucket",),
}

# Writes that only remove data: a chain of them ends when the data is gone (a delete emits
# ObjectRemoved / REMOVE, and deleting what is already deleted emits nothing: S3 event
# notifications and DynamoDB Streams record changes only).
DELETE_ACTIONS = frozenset({"s3:DeleteObject", "s3:DeleteObjectVersion", "dynamodb:DeleteItem",
                            "dynamodb:PartiQLDelete"})
DELETE_APIS = frozenset({("s3", "DeleteObject"), ("s3", "DeleteObjects"), ("dynamodb", "DeleteItem")})

# S3 -> EventBridge: emitted detail-type per S3 IAM action (S3 user guide, EventBridge).
S3_DETAIL_TYPES: Dict[str, Tuple[str, ...]] = {
    "s3:PutObject": ("Object Created",),
    "s3:DeleteObject": ("Object Deleted",),
    "s3:DeleteObjectVersion": ("Object Deleted",),
    "s3:PutObjectTagging": ("Object Tags Added",),
    "s3:DeleteObjectTagging": ("Object Tags Deleted",),
    "s3:PutObjectAcl": ("Object ACL Updated",),
    "s3:RestoreObject": ("Object Restore Initiated", "Object Restore Completed"),
}

# SAM connectors: knowledge.sam_connectors (SAM's connector profiles).

# CloudWatch metrics whose alarm tells a person a function is looping (AWS/Lambda namespace).
ALARM_METRICS = frozenset({"ConcurrentExecutions", "Invocations"})
