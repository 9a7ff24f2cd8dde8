"""DynamoDB (tables with streams): a write that changes an item emits a stream record
(INSERT, MODIFY or REMOVE); one that changes nothing emits none (DynamoDB Streams developer
guide, "Change data capture for DynamoDB Streams").

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from __future__ import annotations

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.services.base import Service
from loopcheck.services.reading import mapping_event_reader

SERVICE = Service(
    name="dynamodb", label="DynamoDB",
    resource_types={"AWS::DynamoDB::Table": NodeKind.TABLE, "AWS::DynamoDB::GlobalTable": NodeKind.TABLE,
                    "AWS::Serverless::SimpleTable": NodeKind.TABLE},
    # TransactWriteItems needs the per-item actions (PutItem/UpdateItem/DeleteItem) in IAM.
    write_actions={
        "dynamodb:PutItem": (NodeKind.TABLE, ("INSERT", "MODIFY")),
        "dynamodb:UpdateItem": (NodeKind.TABLE, ("INSERT", "MODIFY")),
        "dynamodb:DeleteItem": (NodeKind.TABLE, ("REMOVE",)),
        "dynamodb:BatchWriteItem": (NodeKind.TABLE, ("INSERT", "MODIFY", "REMOVE")),
        "dynamodb:PartiQLInsert": (NodeKind.TABLE, ("INSERT",)),
        "dynamodb:PartiQLUpdate": (NodeKind.TABLE, ("INSERT", "MODIFY")),
        "dynamodb:PartiQLDelete": (NodeKind.TABLE, ("REMOVE",)),
    },
    verbs={"dynamodb": "streams to"},
    event_readers={
        "DynamoDB": mapping_event_reader("Stream", NodeKind.TABLE, "dynamodb", "SAM DynamoDB event"),
    },
)
