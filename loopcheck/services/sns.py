"""SNS (topics): a published message is delivered to each subscription whose filter
policy lets it through.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.services.base import Service

SERVICE = Service(
    name="sns", label="SNS",
    resource_types={"AWS::SNS::Topic": NodeKind.TOPIC},
    write_actions={"sns:Publish": (NodeKind.TOPIC, ("message",))},
    verbs={"sns": "delivers to"},
    runtime_covered=True,
)
