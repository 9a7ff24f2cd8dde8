"""S3 (buckets). Its notification readers are still in loopcheck.model.resources and
loopcheck.model.events; its write actions and event types in loopcheck.knowledge.s3_events.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.services.base import Service

SERVICE = Service(
    name="s3", label="S3",
    resource_types={"AWS::S3::Bucket": NodeKind.BUCKET},
    runtime_covered=True,
)
