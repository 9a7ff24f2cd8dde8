"""SQS (queues): messages sent trigger event source mappings; redrive moves failed
messages to the dead-letter queue.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.services.base import Service

SERVICE = Service(
    name="sqs", label="SQS",
    resource_types={"AWS::SQS::Queue": NodeKind.QUEUE},
    write_actions={"sqs:SendMessage": (NodeKind.QUEUE, ("message",))},
    verbs={"sqs": "triggers", "redrive": "moves failed messages to"},
    runtime_covered=True,
)
