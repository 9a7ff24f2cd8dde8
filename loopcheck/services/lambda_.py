"""Lambda (functions): a direct invoke runs the function; destinations and dead-letter
queues are writes the platform makes for it.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.services.base import Service

SERVICE = Service(
    name="lambda", label="Lambda",
    resource_types={"AWS::Lambda::Function": NodeKind.FUNCTION, "AWS::Serverless::Function": NodeKind.FUNCTION},
    write_actions={"lambda:InvokeFunction": (NodeKind.FUNCTION, ("invoke",))},
    runtime_covered=True,
)
