"""Step Functions (state machines): a started execution runs the definition's tasks.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.services.base import Service

SERVICE = Service(
    name="states", label="Step Functions",
    resource_types={"AWS::StepFunctions::StateMachine": NodeKind.STATE_MACHINE,
                    "AWS::Serverless::StateMachine": NodeKind.STATE_MACHINE},
    write_actions={"states:StartExecution": (NodeKind.STATE_MACHINE, ("invoke",)),
                   "states:StartSyncExecution": (NodeKind.STATE_MACHINE, ("invoke",))},
)
