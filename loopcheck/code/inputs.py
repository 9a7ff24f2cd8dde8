"""What a handler reads from outside its code, named once for every handler language: the
event fields that hold the incoming object's key and bucket or the queue / topic / stream
that delivered a record, and the environment variable that names the function itself.

Paths are the event's field names from the top, with "*" for any list item
(event["Records"][0]["s3"]["object"]["key"] is ("Records", "*", "s3", "object", "key")).
Sources: the Lambda developer guide's S3, SQS, SNS, Kinesis and DynamoDB event examples; the
S3 user guide "Using EventBridge" (detail.bucket.name, detail.object.key); the Lambda
developer guide "Defined runtime environment variables" (AWS_LAMBDA_FUNCTION_NAME).
"""

from __future__ import annotations

from loopcheck.code.facts import AnyText, Target

ANY_ITEM = "*"

# The key and bucket of the object whose S3 event (direct or through EventBridge) invoked us.
INCOMING_KEY_PATHS = {("Records", ANY_ITEM, "s3", "object", "key"), ("detail", "object", "key")}
INCOMING_BUCKET_PATHS = {("Records", ANY_ITEM, "s3", "bucket", "name"), ("detail", "bucket", "name")}

# Event fields that name the queue, topic or stream that delivered the record: a write to
# one of them goes back to where the event came from.
SOURCE_ARN_PATHS = {
    ("Records", ANY_ITEM, "Sns", "TopicArn"),
    ("Records", ANY_ITEM, "eventSourceARN"),
    ("Records", ANY_ITEM, "EventSourceArn"),
}

SELF_NAME_VARIABLE = "AWS_LAMBDA_FUNCTION_NAME"


def names_event_source(path: tuple) -> bool:
    """Whether the event field at `path` names the resource that triggered this invocation."""
    return path in INCOMING_BUCKET_PATHS or path in SOURCE_ARN_PATHS


def env_target(name: str) -> Target:
    """An environment variable used as a write's target: the function itself, or the
    resource the template sets the variable to."""
    return Target("self") if name == SELF_NAME_VARIABLE else Target("env", name)


def env_text(name: str) -> AnyText:
    """An environment variable as part of an S3 key: text the template may set, not a literal."""
    return AnyText(f"environment variable {name}")
