"""SQS (queues): messages sent trigger event source mappings; redrive moves failed
messages to the dead-letter queue.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.resolve.filters import YES
from loopcheck.services.base import Path, ReadContext, Service
from loopcheck.services.reading import json_or_object, mapping_event_reader


def _queue(ctx: ReadContext, logical_id: str, props: Dict[str, Any], path: Path) -> None:
    """RedrivePolicy: messages that fail too often move to the dead-letter queue."""
    policy = json_or_object(props.get("RedrivePolicy"))
    if isinstance(policy, dict):
        for dlq in ctx.ids(policy.get("deadLetterTargetArn"), NodeKind.QUEUE):
            ctx.add(logical_id, dlq, "redrive", path + ("Properties", "RedrivePolicy"),
                    "RedrivePolicy", why="messages that fail maxReceiveCount times")


def _redrive(link: Any, emission: Any, names: Callable[[str], Tuple[Any, ...]]) -> Tuple[str, str, Any]:
    """Redrive moves the failed messages themselves: whatever reached the queue goes on."""
    return YES, link.why, emission


SERVICE = Service(
    name="sqs", label="SQS",
    resource_types={"AWS::SQS::Queue": NodeKind.QUEUE},
    write_actions={"sqs:SendMessage": (NodeKind.QUEUE, ("message",))},
    verbs={"sqs": "triggers", "redrive": "moves failed messages to"},
    runtime_covered=True,
    resource_readers={"AWS::SQS::Queue": _queue},
    event_readers={"SQS": mapping_event_reader("Queue", NodeKind.QUEUE, "sqs", "SAM SQS event")},
    passers={"redrive": _redrive},
)
