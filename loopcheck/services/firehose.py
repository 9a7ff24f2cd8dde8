"""Firehose (delivery streams): put records are delivered as objects to the S3
destination, under its prefix.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.services.base import Service

SERVICE = Service(
    name="firehose", label="Firehose",
    resource_types={"AWS::KinesisFirehose::DeliveryStream": NodeKind.FIREHOSE},
    write_actions={"firehose:PutRecord": (NodeKind.FIREHOSE, ("record",)),
                   "firehose:PutRecordBatch": (NodeKind.FIREHOSE, ("record",))},
    verbs={"firehose": "delivers objects to"},
)
