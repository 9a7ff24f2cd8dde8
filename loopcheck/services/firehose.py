"""Firehose (delivery streams): put records are delivered as objects to the S3
destination, under its prefix.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Lambda developer
guide "invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.resolve.filters import YES, Emission
from loopcheck.resolve.globs import STAR
from loopcheck.resolve.props import literal_str, mapping
from loopcheck.services.base import Path, ReadContext, Service


def _delivery_stream(ctx: ReadContext, logical_id: str, props: Dict[str, Any], path: Path) -> None:
    """An S3 destination: the stream writes objects under its Prefix into the bucket."""
    for key in ("ExtendedS3DestinationConfiguration", "S3DestinationConfiguration"):
        config = mapping(props.get(key))
        if not config:
            continue
        why = literal_str(config.get("Prefix")) or ""
        for bucket in ctx.ids(config.get("BucketARN"), NodeKind.BUCKET):
            ctx.add(logical_id, bucket, "firehose", path + ("Properties", key), "Firehose S3 destination",
                    why=why)


def _deliver(link: Any, emission: Any, names: Callable[[str], Tuple[Any, ...]]) -> Tuple[str, str, Any]:
    """Whatever reaches the stream is delivered, as new objects under its Prefix (a Prefix with
    `!{...}` expressions, or none, puts them anywhere)."""
    prefix = link.why
    key = tuple(prefix) + (STAR,) if prefix and "!{" not in prefix else (STAR,)
    events = ("s3:ObjectCreated:Put", "s3:ObjectCreated:CompleteMultipartUpload")
    return YES, f"objects under '{prefix or '<date>/'}'", Emission(key=key, s3_events=events)


SERVICE = Service(
    name="firehose", label="Firehose",
    resource_types={"AWS::KinesisFirehose::DeliveryStream": NodeKind.FIREHOSE},
    write_actions={"firehose:PutRecord": (NodeKind.FIREHOSE, ("record",)),
                   "firehose:PutRecordBatch": (NodeKind.FIREHOSE, ("record",))},
    verbs={"firehose": "delivers objects to"},
    resource_readers={"AWS::KinesisFirehose::DeliveryStream": _delivery_stream},
    passers={"firehose": _deliver},
)
