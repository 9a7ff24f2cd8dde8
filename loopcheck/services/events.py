"""EventBridge (buses and rules): a put event is routed to each rule target whose event
pattern matches it. The default bus has no resource: it is the node `default`.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.services.base import Service

SERVICE = Service(
    name="events", label="EventBridge",
    resource_types={"AWS::Events::EventBus": NodeKind.BUS},
    write_actions={"events:PutEvents": (NodeKind.BUS, ("event",))},
    verbs={"events": "routes to"},
)
