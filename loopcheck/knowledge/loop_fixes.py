"""How to break a loop at each kind of node, and how to narrow a write grant per service: the
AWS advice the case fix text (loopcheck.rulebase.fix_text) fills in with the loop's own names.

Kept as tables so the advice for a service is written once. Placeholders:
  {writer}    the function or state machine that writes the node
  {node}      the node it writes (the queue, topic, bucket...)
  {consumer}  the next function (or state machine) on the loop, which the writes run again
  {feeder}    the node that triggers {consumer} directly (the node itself, or a queue after it)
  {notified}  what the node passes events to: {consumer}, or a queue or topic in between
  {key_filter} (buckets) a key filter the writer's output cannot match, from its observed key
  {outside}   (WL102, buckets) the keys the notification's filter cannot match
"""

from __future__ import annotations

from typing import Dict, Tuple

from loopcheck.knowledge.node_kinds import NodeKind

# Per kind of node a writer writes into: the ways out, the simplest first. The case fix names
# one (loopcheck.rulebase.fix_text.best_way); the rule's long fix lists them all.
BREAK_BY_KIND: Dict[str, Tuple[str, ...]] = {
    NodeKind.BUCKET: (
        "write {writer}'s output to a second bucket, not {node}",
        "filter {node}'s notification to {notified} on {key_filter}",
        "set a metadata marker on what {writer} writes and skip marked objects (HeadObject first)",
    ),
    NodeKind.QUEUE: (
        "send {writer}'s messages to a second queue, not {node}",
        "carry a retry counter in a message attribute and stop re-sending above a limit",
        "filter {consumer}'s event source mapping of {feeder} (FilterCriteria) on a marker {writer} "
        "sets in its messages",
    ),
    NodeKind.TOPIC: (
        "publish {writer}'s messages to a second topic, not {node}",
        "give {notified}'s subscription to {node} a FilterPolicy on a message attribute that {writer}'s "
        "re-published messages lack",
    ),
    NodeKind.TABLE: (
        "write {writer}'s items to a second table, not {node}",
        "filter {notified}'s stream of {node} with FilterCriteria that {writer}'s own writes cannot "
        "match (eventName, or an attribute only they set)",
        "skip the write when nothing changes (a ConditionExpression)",
    ),
    NodeKind.STREAM: (
        "put {writer}'s records on a second stream, not {node}",
        "filter {notified}'s event source mapping of {node} with FilterCriteria on a field {writer}'s "
        "records carry and others lack",
    ),
    NodeKind.BUS: (
        "give the rule on {node} that targets {notified} a pattern {writer}'s events cannot match "
        "(a `source` {writer} never uses)",
        "put {writer}'s events on a second bus",
    ),
    NodeKind.FUNCTION: (
        "carry a depth counter in the payload {writer} sends to {node} and stop above a small limit",
        "hand the next step to a queue",
    ),
    NodeKind.STATE_MACHINE: (
        "carry a depth counter in {node}'s execution input, checked by a Choice state before it "
        "writes back, and have {writer} pass it on incremented",
    ),
    NodeKind.FIREHOSE: (
        "deliver {node} to a bucket or prefix that does not notify {notified}",
    ),
    NodeKind.LOG_GROUP: (
        "narrow the subscription filter on {node} so {writer}'s own lines (START, END, REPORT and "
        "what it logs) cannot match",
        "subscribe {consumer} to other functions' log groups only",
    ),
}

# Which of a bucket's ways is its key filter: the case fix names it first when the filter is
# derived from the key the writer's code writes.
BUCKET_KEY_FILTER_WAY = 1

# A platform write (Lambda destination, dead-letter queue) into the loop.
BREAK_DESTINATION = "point {writer}'s {origin} at a resource that does not trigger {consumer}"

BREAK_FALLBACK = "stop {writer} writing {node}, or filter what {node} passes to {consumer}"

# The filter loopcheck could not prove drops the writer's output, by the trigger's service
# (Trigger.service): how to make it one that provably does.
FILTER_BY_SERVICE: Dict[str, str] = {
    "s3": (
        "make {writer} write only keys {node}'s notification to {notified} cannot match ({outside}), "
        "and scope its write grant on {node} to them"
    ),
    "sqs": (
        "filter {consumer}'s event source mapping of {feeder} (FilterCriteria) on a field {writer}'s "
        "messages never carry"
    ),
    "sns": (
        "give {consumer}'s subscription to {feeder} a FilterPolicy on a message attribute {writer}'s "
        "messages lack"
    ),
    "dynamodb": (
        "give {consumer}'s stream of {node} FilterCriteria that {writer}'s writes cannot match "
        "(eventName, or an attribute only they set)"
    ),
    "kinesis": (
        "give {consumer}'s event source mapping of {node} FilterCriteria on a field {writer}'s records "
        "carry and others lack"
    ),
    "events": (
        "give the rule on {node} that targets {consumer} a pattern {writer}'s events cannot match "
        "(a `source` or `detail-type` it never uses)"
    ),
    "logs": (
        "narrow the subscription filter on {node} so {writer}'s own lines (START, END, REPORT and "
        "what it logs) cannot match"
    ),
}

# IL106: an unused write grant on the trigger, by the granted action's service prefix. {grant}:
# the action; {node}: the trigger it reaches; {writer}: the function holding it.
NARROW_GRANT_BY_SERVICE: Dict[str, str] = {
    "s3": (
        "grant {writer} read-only access to {node} (S3ReadPolicy instead of S3CrudPolicy, or an "
        "exact bucket/prefix ARN), and write access only to the bucket or prefix its code writes"
    ),
    "lambda": (
        "scope {writer}'s {grant} grant to the functions its code calls (LambdaInvokePolicy with "
        "their names), so it no longer covers {node}"
    ),
    "sqs": (
        "drop {writer}'s {grant} on {node} (keep SQSPollerPolicy to read it), and grant sending only "
        "to the queues its code sends to"
    ),
    "sns": (
        "drop {writer}'s {grant} on {node}, and grant SNSPublishMessagePolicy only on the topics its "
        "code publishes to"
    ),
    "dynamodb": (
        "grant {writer} read-only access to {node} (DynamoDBReadPolicy / DynamoDBStreamReadPolicy "
        "instead of DynamoDBCrudPolicy), and write access only to the tables its code writes"
    ),
    "kinesis": (
        "grant {writer} read-only access to {node} (KinesisStreamReadPolicy), and {grant} only on "
        "the streams its code writes"
    ),
    "events": (
        "scope {writer}'s {grant} grant to the buses its code puts to, so it no longer covers {node}"
    ),
    "states": (
        "scope {writer}'s {grant} grant to the state machines its code starts, so it no longer "
        "covers {node}"
    ),
}

NARROW_GRANT_FALLBACK = "remove {writer}'s {grant} grant on {node}, which its code never uses"
