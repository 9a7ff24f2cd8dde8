"""The kinds of node the event graph holds: one enum, shared by every stage.

A kind is a `str` enum so that the tables written with plain names (SAM connector profiles,
the code stage's service table) still compare equal to it, and it prints as its value.
"""

from __future__ import annotations

from enum import Enum


class NodeKind(str, Enum):
    FUNCTION = "function"
    BUCKET = "bucket"
    QUEUE = "queue"
    TOPIC = "topic"
    TABLE = "table"  # a DynamoDB table, with its stream
    STREAM = "stream"  # a Kinesis data stream
    BUS = "bus"  # an EventBridge event bus
    STATE_MACHINE = "statemachine"
    FIREHOSE = "firehose"  # a Firehose delivery stream
    LOG_GROUP = "loggroup"  # a CloudWatch Logs log group
    UNKNOWN = "unknown"  # not an event node of this template

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)
