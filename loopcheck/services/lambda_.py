"""Lambda (functions): a direct invoke runs the function; destinations and dead-letter
queues are writes the platform makes for it.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from __future__ import annotations

from typing import Any, Dict

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.resolve.props import mapping
from loopcheck.services.base import LOGICAL_ID, STACK_NAME, SUFFIX, Path, ReadContext, Service
from loopcheck.services.reading import filter_criteria

SAM_FUNCTION = "AWS::Serverless::Function"
# An event source mapping's source kind -> the service its trigger belongs to.
_MAPPED = {NodeKind.QUEUE: "sqs", NodeKind.TABLE: "dynamodb", NodeKind.STREAM: "kinesis"}
_DEAD_LETTER = "dead-letter queue: every failed async invocation"


def _mapping(ctx: ReadContext, logical_id: str, props: Dict[str, Any], path: Path) -> None:
    patterns = filter_criteria(props.get("FilterCriteria"))
    for consumer in ctx.ids(props.get("FunctionName"), NodeKind.FUNCTION):
        for source in ctx.ids(props.get("EventSourceArn"), *_MAPPED):
            ctx.add(source, consumer, _MAPPED[ctx.kind_of(source)], path, "event source mapping", patterns)


def _destinations(ctx: ReadContext, function_id: str, config: Any, path: Path) -> None:
    for outcome, why in (("OnSuccess", "on success: every successful async invocation"),
                         ("OnFailure", "on failure: every failed async invocation")):
        destination = mapping(mapping(config).get(outcome)).get("Destination")
        if destination is None:
            continue
        for target in ctx.ids(destination, NodeKind.QUEUE, NodeKind.TOPIC, NodeKind.BUS, NodeKind.FUNCTION):
            ctx.add(function_id, target, "destination", path + ("DestinationConfig", outcome),
                    f"{outcome} destination", why=why, write=True)


def _invoke_config(ctx: ReadContext, logical_id: str, props: Dict[str, Any], path: Path) -> None:
    for function_id in ctx.ids(props.get("FunctionName"), NodeKind.FUNCTION):
        _destinations(ctx, function_id, props.get("DestinationConfig"), path + ("Properties",))


def _own_configuration(ctx: ReadContext, function_id: str) -> None:
    """A function's own destinations and dead-letter queue (SAM's and raw CloudFormation's)."""
    function = ctx.functions[function_id]
    props = function.properties
    base = function.path + ("Properties",)
    if function.type == SAM_FUNCTION:
        config = mapping(props.get("EventInvokeConfig"))
        _destinations(ctx, function_id, config.get("DestinationConfig"), base + ("EventInvokeConfig",))
        dlq = mapping(props.get("DeadLetterQueue"))
        for target in ctx.ids(dlq.get("TargetArn"), NodeKind.QUEUE, NodeKind.TOPIC):
            ctx.add(function_id, target, "destination", base + ("DeadLetterQueue",), "DeadLetterQueue",
                    why=_DEAD_LETTER, write=True)
    dead = mapping(props.get("DeadLetterConfig"))
    for target in ctx.ids(dead.get("TargetArn"), NodeKind.QUEUE, NodeKind.TOPIC):
        ctx.add(function_id, target, "destination", base + ("DeadLetterConfig",), "DeadLetterConfig",
                why=_DEAD_LETTER, write=True)


SERVICE = Service(
    name="lambda", label="Lambda",
    resource_types={"AWS::Lambda::Function": NodeKind.FUNCTION, "AWS::Serverless::Function": NodeKind.FUNCTION},
    write_actions={"lambda:InvokeFunction": (NodeKind.FUNCTION, ("invoke",))},
    invoked=True, named_by="function:",
    # A function without FunctionName is named `<stack name>-<logical id>-<suffix>`
    # (CloudFormation User Guide, "Name type": `MyStack-MyBucket-abcdefghijk1`; Lambda's
    # FunctionName: "If you don't specify a name, CloudFormation generates a unique physical
    # ID"). A name is at most 64 characters: a longer one has its stack name and logical id
    # cut short (the documentation does not say how), so a match is never certain.
    generated_name=(STACK_NAME, "-", LOGICAL_ID, "-", SUFFIX),
    runtime_covered=True,
    resource_readers={"AWS::Lambda::EventSourceMapping": _mapping,
                      "AWS::Lambda::EventInvokeConfig": _invoke_config},
    configuration_readers=(_own_configuration,),
)
