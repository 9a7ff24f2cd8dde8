"""Every service loopcheck knows, in one list, and the tables the engine reads, derived from
it. Adding a service: a module in this folder that declares SERVICE, and its line here."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.services import dynamodb, events, firehose, kinesis, lambda_, logs, s3, sns, sqs, stepfunctions
from loopcheck.services.base import EventReader, FunctionReader, Matcher, Passer, ResourceReader, Service

# The order is the order write actions are tried in (it keeps grants in a stable order).
SERVICES: List[Service] = [
    sqs.SERVICE, sns.SERVICE, dynamodb.SERVICE, kinesis.SERVICE, events.SERVICE, stepfunctions.SERVICE,
    lambda_.SERVICE, firehose.SERVICE, s3.SERVICE, logs.SERVICE,
]

# CloudFormation type -> node kind.
RESOURCE_KINDS: Dict[str, NodeKind] = {t: k for s in SERVICES for t, k in s.resource_types.items()}
# IAM write action -> (the node kind it writes, what it emits there).
WRITE_ACTIONS: Dict[str, Tuple[NodeKind, Tuple[str, ...]]] = {
    a: w for s in SERVICES for a, w in s.write_actions.items()}
# Node kinds Lambda's recursive loop detection can stop a loop through.
RUNTIME_COVERED = frozenset(k for s in SERVICES if s.runtime_covered for k in s.kinds)
# Node kinds whose writes the hop judge weighs with each trigger leaving the node (S3).
JUDGED_WITH_TRIGGER = frozenset(k for s in SERVICES if s.writes_judged_with_trigger for k in s.kinds)
# Node kind -> the service whose nodes they are.
KIND_OWNER: Dict[NodeKind, Service] = {k: s for s in SERVICES for k in s.kinds}
# Node kinds a write runs (functions, state machines) -> the ARN part after which a grant names one.
INVOKED_KINDS: Dict[NodeKind, str] = {k: s.named_by for s in SERVICES if s.invoked for k in s.kinds}
# Node kinds a write runs -> the parts of the name CloudFormation generates for one without a name.
GENERATED_NAMES: Dict[NodeKind, Tuple[str, ...]] = {
    k: s.generated_name for s in SERVICES if s.invoked and s.generated_name for k in s.kinds}
# Node kind -> the service's name in messages, for the kinds runtime detection does not cover.
KIND_SERVICE: Dict[NodeKind, str] = {k: s.label for s in SERVICES if not s.runtime_covered for k in s.kinds}
# Trigger.service -> the service's name in messages, for the services runtime detection does not cover.
UNCOVERED_SERVICES: Dict[str, str] = {s.name: s.label for s in SERVICES if not s.runtime_covered}
_VERBS: Dict[str, str] = {key: verb for s in SERVICES for key, verb in s.verbs.items()}
_MATCHERS: Dict[str, Matcher] = {key: s.matcher for s in SERVICES if s.matcher for key in s.verbs}
_PASSERS: Dict[str, Passer] = {key: passer for s in SERVICES for key, passer in s.passers.items()}
RESOURCE_READERS: Dict[str, ResourceReader] = {t: r for s in SERVICES for t, r in s.resource_readers.items()}
EVENT_READERS: Dict[str, EventReader] = {t: r for s in SERVICES for t, r in s.event_readers.items()}
CONFIGURATION_READERS: Tuple[FunctionReader, ...] = tuple(r for s in SERVICES for r in s.configuration_readers)
FUNCTION_READERS: Tuple[FunctionReader, ...] = tuple(r for s in SERVICES for r in s.function_readers)


def verb(trigger_service: str) -> str:
    """How a message says a trigger of this service runs its consumer ("SQS triggers f")."""
    return _VERBS.get(trigger_service, "triggers")


def matcher(trigger_service: str) -> Optional[Matcher]:
    """The service's own filter matcher; None: the EventBridge-shape matcher."""
    return _MATCHERS.get(trigger_service)


def label(trigger_service: str) -> str:
    """The service's name in messages ("CloudWatch Logs"); the key itself when unknown."""
    return next((s.label for s in SERVICES if s.name == trigger_service), trigger_service)


def passer(trigger_service: str) -> Optional[Passer]:
    """The service's own way a trigger passes events on; None: its patterns are matched."""
    return _PASSERS.get(trigger_service)
