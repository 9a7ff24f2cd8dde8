"""Kinesis Data Streams: a put record triggers the stream's event source mappings.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from __future__ import annotations

from typing import Any, Dict

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.services.base import Path, ReadContext, Service
from loopcheck.services.reading import filter_criteria


def _sam_event(ctx: ReadContext, consumer: str, props: Dict[str, Any], path: Path) -> None:
    for source in ctx.ids(props.get("Stream"), NodeKind.STREAM):
        patterns = filter_criteria(props.get("FilterCriteria"))
        ctx.add(source, consumer, "kinesis", path, "SAM Kinesis event", patterns)


SERVICE = Service(
    name="kinesis", label="Kinesis",
    resource_types={"AWS::Kinesis::Stream": NodeKind.STREAM},
    write_actions={"kinesis:PutRecord": (NodeKind.STREAM, ("record",)),
                   "kinesis:PutRecords": (NodeKind.STREAM, ("record",))},
    verbs={"kinesis": "triggers"},
    event_readers={"Kinesis": _sam_event},
)
