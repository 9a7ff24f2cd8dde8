"""The write APIs handler code can call, one row each, whatever the language or SDK.

Every handler analyser (loopcheck.code.python_facts, js_facts, and the next ones) maps its
SDK's method or command names to a row here; what the row says (which parameter names the
target, which the S3 key, which request shape to read) is then read by loopcheck.code.requests,
once for all. The IAM action of each row is also what the permission checks ask for
(knowledge.event_paths.API_ACTIONS and code.evidence.S3_API_ACTION are read from here).

Sources: the AWS API references of S3, SQS, SNS, DynamoDB, Kinesis, EventBridge, Step
Functions, Lambda and Firehose (request parameters); the IAM Service Authorization Reference
(the action each API needs: SendMessageBatch is authorised by sqs:SendMessage, PartiQL
statements by dynamodb:PartiQLInsert/Update/Delete, TransactWriteItems by the per-item
actions); S3 user guide "Event notification types" and DynamoDB Streams developer guide for
what each write emits. UploadFile is not an AWS API: it stands for the SDKs' managed upload
helpers (boto3 upload_file / upload_fileobj, JS lib-storage Upload, SDK v2 s3.upload), which
switch between PutObject and a multipart upload.
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Tuple

# How a row's request names its target(s); loopcheck.code.requests reads each shape.
NAMED = "named"  # the first of `targets` present names the one target
ENTRIES = "entries"  # PutEvents: the EventBusName of the first entry (the default bus without one)
TABLE_MAP = "table-map"  # BatchWriteItem: the keys of RequestItems, one write per table
TRANSACTION = "transaction"  # TransactWriteItems: the TableName of each Put / Update / Delete
STATEMENT = "statement"  # ExecuteStatement: the table a PartiQL INSERT / UPDATE / DELETE names


class WriteApi(NamedTuple):
    """One write API."""

    service: str  # facts.Write.service
    api: str  # facts.Write.api (the AWS API name)
    iam_action: str  # the IAM action it needs
    targets: Tuple[str, ...]  # request parameters naming the target (first present wins)
    emits: str  # what it causes at the target, for people reading the table
    key: str = ""  # S3: the parameter holding the object key
    shape: str = NAMED


CATALOG: Tuple[WriteApi, ...] = (
    WriteApi("s3", "PutObject", "s3:PutObject", ("Bucket",), "s3:ObjectCreated:Put", key="Key"),
    WriteApi("s3", "CopyObject", "s3:PutObject", ("Bucket",), "s3:ObjectCreated:Copy", key="Key"),
    WriteApi("s3", "UploadFile", "s3:PutObject", ("Bucket",),
             "s3:ObjectCreated:Put or CompleteMultipartUpload", key="Key"),
    WriteApi("s3", "CompleteMultipartUpload", "s3:PutObject", ("Bucket",),
             "s3:ObjectCreated:CompleteMultipartUpload", key="Key"),
    WriteApi("s3", "DeleteObject", "s3:DeleteObject", ("Bucket",), "s3:ObjectRemoved:*", key="Key"),
    WriteApi("s3", "DeleteObjects", "s3:DeleteObject", ("Bucket",), "s3:ObjectRemoved:*", key="Delete"),
    WriteApi("sqs", "SendMessage", "sqs:SendMessage", ("QueueUrl",), "a message"),
    WriteApi("sqs", "SendMessageBatch", "sqs:SendMessage", ("QueueUrl",), "messages"),
    WriteApi("sns", "Publish", "sns:Publish", ("TopicArn", "TargetArn"), "a message"),
    WriteApi("sns", "PublishBatch", "sns:Publish", ("TopicArn",), "messages"),
    WriteApi("dynamodb", "PutItem", "dynamodb:PutItem", ("TableName",), "stream INSERT / MODIFY"),
    WriteApi("dynamodb", "UpdateItem", "dynamodb:UpdateItem", ("TableName",), "stream INSERT / MODIFY"),
    WriteApi("dynamodb", "DeleteItem", "dynamodb:DeleteItem", ("TableName",), "stream REMOVE"),
    WriteApi("dynamodb", "BatchWriteItem", "dynamodb:BatchWriteItem", ("RequestItems",),
             "stream INSERT / MODIFY / REMOVE", shape=TABLE_MAP),
    WriteApi("dynamodb", "TransactWriteItems", "dynamodb:PutItem", ("TransactItems",),
             "stream INSERT / MODIFY / REMOVE", shape=TRANSACTION),
    WriteApi("dynamodb", "ExecuteStatement", "dynamodb:PartiQLUpdate", ("Statement",),
             "stream INSERT / MODIFY / REMOVE (SELECT: nothing)", shape=STATEMENT),
    WriteApi("kinesis", "PutRecord", "kinesis:PutRecord", ("StreamName", "StreamARN"), "a record"),
    WriteApi("kinesis", "PutRecords", "kinesis:PutRecords", ("StreamName", "StreamARN"), "records"),
    WriteApi("events", "PutEvents", "events:PutEvents", ("Entries",), "events", shape=ENTRIES),
    WriteApi("states", "StartExecution", "states:StartExecution", ("stateMachineArn",), "an execution"),
    WriteApi("states", "StartSyncExecution", "states:StartSyncExecution", ("stateMachineArn",),
             "an execution"),
    WriteApi("lambda", "Invoke", "lambda:InvokeFunction", ("FunctionName",), "an invocation"),
    WriteApi("lambda", "InvokeAsync", "lambda:InvokeFunction", ("FunctionName",), "an invocation"),
    WriteApi("firehose", "PutRecord", "firehose:PutRecord", ("DeliveryStreamName",), "a record"),
    WriteApi("firehose", "PutRecordBatch", "firehose:PutRecordBatch", ("DeliveryStreamName",), "records"),
)

BY_API: Dict[Tuple[str, str], WriteApi] = {(row.service, row.api): row for row in CATALOG}


def row(service: str, api: str) -> WriteApi:
    """The catalog row of `service`'s `api` (a KeyError names a method table out of step)."""
    return BY_API[(service, api)]


def iam_actions(service: str = "") -> Dict[Tuple[str, str], str]:
    """(service, api) -> the IAM action the call needs, for `service`'s rows (all: "")."""
    return {(each.service, each.api): each.iam_action for each in CATALOG if service in ("", each.service)}


def identifying_params(service: str) -> Tuple[str, ...]:
    """Parameters only `service`'s write APIs take: they make a call on an object the
    analyser could not identify recognisable as that service's SDK call."""
    found: Dict[str, None] = {}
    for each in CATALOG:
        if each.service == service:
            found.update(dict.fromkeys(each.targets))
    return tuple(found)
