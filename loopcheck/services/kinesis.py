"""Kinesis Data Streams: a put record triggers the stream's event source mappings.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from __future__ import annotations

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.services.base import Service
from loopcheck.services.reading import mapping_event_reader

SERVICE = Service(
    name="kinesis", label="Kinesis",
    resource_types={"AWS::Kinesis::Stream": NodeKind.STREAM},
    write_actions={"kinesis:PutRecord": (NodeKind.STREAM, ("record",)),
                   "kinesis:PutRecords": (NodeKind.STREAM, ("record",))},
    verbs={"kinesis": "triggers"},
    event_readers={"Kinesis": mapping_event_reader("Stream", NodeKind.STREAM, "kinesis", "SAM Kinesis event")},
)
