"""Stage 3b, model: the event paths beyond S3-to-function notifications.

Queues, topics, tables with streams, Kinesis streams, event buses, state machines and
Firehose delivery streams become `Resource` nodes; event source mappings, SNS
subscriptions, EventBridge rules, S3 notifications to topics/queues/EventBridge, SQS
redrive, Lambda destinations and dead-letter queues become `Trigger`s; Step Functions tasks
become `TaskWrite`s; SAM connectors add IAM statements; CloudWatch alarms on a function's
ConcurrentExecutions/Invocations are noted. SAM and raw CloudFormation (and CDK's
`Custom::S3BucketNotifications`) land in the same shapes.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Tuple

from loopcheck.knowledge.event_paths import (
    ALARM_METRICS,
    DEFAULT_BUS,
    STATES_TARGET_PARAMETER,
    STATES_TASKS,
)
from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.knowledge.s3_events import ACTION_EVENTS, API_EVENTS
from loopcheck.knowledge.sam_connectors import CONNECTOR_GRANTS, PERMISSIONS
from loopcheck.model.external import add_external_triggers
from loopcheck.model.iam import statements_from_document
from loopcheck.model.readers import _dict, _event_types, _json, _key_filter, _resolve_values, _type_of
from loopcheck.model.types import SAM_FUNCTION, Function, Model, Resource, S3Trigger, TaskWrite, Trigger
from loopcheck.resolve.globs import STAR, tokens
from loopcheck.resolve.props import is_intrinsic, literal_list, literal_str
from loopcheck.resolve.values import Pattern, Symbol, branches, items_of
from loopcheck.services.registry import EVENT_READERS, FUNCTION_READERS, RESOURCE_KINDS, RESOURCE_READERS

Path = Tuple[Any, ...]

_DEFAULT_BUS_ARN = Pattern(("arn:aws:events:", Symbol("pseudo", "AWS::Region"), ":",
                            Symbol("pseudo", "AWS::AccountId"), ":event-bus/default"))


# -- lookup --------------------------------------------------------------------------------


def _index(model: Model) -> None:
    """Every name, ARN and URL of every event node, for references by value."""
    resolver = model.resolver

    def add(pattern: Pattern, node_id: str) -> None:
        ids = model.by_pattern.setdefault(pattern.parts, [])
        if node_id not in ids:
            ids.append(node_id)

    for node_id in dict.fromkeys([*model.functions, *model.buckets, *model.resources]):
        if node_id == DEFAULT_BUS:
            continue
        rtype = resolver.resource_type(node_id) or ""
        values = resolver.resource_name(node_id) + resolver.resource_arn(node_id)
        if rtype == "AWS::SQS::Queue":
            values += resolver.resource_url(node_id)
        for pattern in values:
            add(pattern, node_id)
    add(Pattern(("default",)), DEFAULT_BUS)
    add(_DEFAULT_BUS_ARN, DEFAULT_BUS)


def resource_ids(model: Model, node: Any, kinds: Optional[Tuple[str, ...]] = None) -> List[str]:
    """Event nodes an expression may name (loopcheck.model.types.Model.resource_ids)."""
    return model.resource_ids(node, kinds)


def _default_bus(model: Model) -> str:
    if DEFAULT_BUS not in model.resources:
        model.resources[DEFAULT_BUS] = Resource(DEFAULT_BUS, NodeKind.BUS, (), "AWS::Events::EventBus", {})
        model.order.setdefault(DEFAULT_BUS, len(model.order))
    return DEFAULT_BUS


def bus_ids(model: Model, node: Any) -> List[str]:
    """The buses an EventBusName names (none given: the default bus)."""
    if node is None:
        return [DEFAULT_BUS]
    return resource_ids(model, node, ("bus",))


# -- filters -------------------------------------------------------------------------------


def _criteria(node: Any) -> List[Dict[str, Any]]:
    """FilterCriteria.Filters[].Pattern, ORed."""
    out = []
    for item in items_of(_dict(node).get("Filters")):
        pattern = _json(_dict(item).get("Pattern"))
        if isinstance(pattern, dict):
            out.append(pattern)
    return out


def _sns_patterns(policy: Any, scope: Any) -> List[Dict[str, Any]]:
    policy = _json(policy)
    if not isinstance(policy, dict) or not policy:
        return []
    key = "Message" if scope == "MessageBody" else "MessageAttributes"
    return [{key: policy}]


# -- the builder ---------------------------------------------------------------------------


class _EventPaths:
    def __init__(self, builder: Any, model: Model):
        self.builder = builder
        self.model = model
        self.raw: Dict[str, Any] = builder.resources

    # -- the reading context service readers get (loopcheck.services.base.ReadContext) -------
    @property
    def resolver(self) -> Any:
        return self.model.resolver

    @property
    def functions(self) -> Dict[str, Function]:
        return self.model.functions

    def kind_of(self, node_id: str) -> NodeKind:
        return self.model.kind_of(node_id)

    def nodes_of(self, kind: NodeKind) -> List[str]:
        return [r for r, res in self.model.resources.items() if res.kind == kind]

    def add_node(self, node_id: str, kind: NodeKind, path: Path, rtype: str) -> None:
        if node_id not in self.model.resources:
            self.model.resources[node_id] = Resource(node_id, kind, path, rtype, {})
            self.model.order.setdefault(node_id, len(self.model.order))

    def has_trigger_from(self, node_id: str) -> bool:
        return any(t.source == node_id and not t.write for t in self.model.event_triggers)

    def ids(self, node: Any, *kinds: str) -> List[str]:
        return resource_ids(self.model, node, kinds or None)

    def add(self, source: str, consumer: str, service: str, path: Path, origin: str,
            patterns: Optional[List[Dict[str, Any]]] = None, scope: str = "", why: str = "",
            write: bool = False) -> None:
        self.model.event_triggers.append(
            Trigger(source, consumer, service, path, origin, list(patterns or []), scope, why,
                    write=write or service == "destination")
        )

    def run(self) -> None:
        for logical_id, resource in self.raw.items():
            if isinstance(resource, dict) and _type_of(resource) in RESOURCE_KINDS:
                kind = RESOURCE_KINDS[resource["Type"]]
                if kind not in ("bucket", "function"):
                    self.model.resources[str(logical_id)] = Resource(
                        str(logical_id), kind, ("Resources", logical_id), resource["Type"],
                        _dict(resource.get("Properties")),
                    )
        _default_bus(self.model)  # always a node: handler code may put events on it
        _index(self.model)
        handlers = {
            "AWS::Lambda::EventSourceMapping": self._mapping,
            "AWS::SNS::Subscription": self._subscription,
            "AWS::SNS::Topic": self._topic,
            "AWS::Events::Rule": self._rule,
            "AWS::S3::Bucket": self._bucket,
            "Custom::S3BucketNotifications": self._cdk_bucket,
            "AWS::SQS::Queue": self._queue,
            "AWS::Lambda::EventInvokeConfig": self._invoke_config,
            "AWS::Serverless::Connector": self._connector,
            "AWS::CloudWatch::Alarm": self._alarm,
            "AWS::KinesisFirehose::DeliveryStream": self._firehose,
            "AWS::StepFunctions::StateMachine": self._state_machine,
            "AWS::Serverless::StateMachine": self._state_machine,
        }
        for logical_id, resource in self.raw.items():
            if not isinstance(resource, dict):
                continue
            handler = handlers.get(_type_of(resource))
            if handler is not None:
                handler(str(logical_id), _dict(resource.get("Properties")), ("Resources", logical_id))
            reader = RESOURCE_READERS.get(_type_of(resource))
            if reader is not None:
                reader(self, str(logical_id), _dict(resource.get("Properties")), ("Resources", logical_id))
        for function in self.model.functions.values():
            self._function(function)
        for function_reader in FUNCTION_READERS:  # after every trigger: they may ask what leaves a node
            for function_id in list(self.model.functions):
                function_reader(self, function_id)
        _event_bucket_targets(self.model)
        # Last: a permission or custom resource adds a trigger only where none of the above
        # connects the same pair.
        add_external_triggers(self)

    # -- functions (SAM events, destinations, dead-letter queues, connectors) ---------------
    def _function(self, function: Function) -> None:
        props = function.properties
        base = function.path + ("Properties",)
        if function.type == SAM_FUNCTION:
            for name, event in _dict(props.get("Events")).items():
                self._sam_event(function.id, _dict(event), base + ("Events", name))
            config = _dict(props.get("EventInvokeConfig"))
            self._destinations(function.id, config.get("DestinationConfig"), base + ("EventInvokeConfig",))
            dlq = _dict(props.get("DeadLetterQueue"))
            for target in self.ids(dlq.get("TargetArn"), "queue", "topic"):
                self.add(function.id, target, "destination", base + ("DeadLetterQueue",),
                         "DeadLetterQueue", why="dead-letter queue: every failed async invocation")
            for name, connector in _dict(props.get("Connectors")).items():
                cprops = _dict(_dict(connector).get("Properties"))
                self._connector_grant(function.id, cprops, base + ("Connectors", name), str(name))
        dead = _dict(props.get("DeadLetterConfig"))
        for target in self.ids(dead.get("TargetArn"), "queue", "topic"):
            self.add(function.id, target, "destination", base + ("DeadLetterConfig",),
                     "DeadLetterConfig", why="dead-letter queue: every failed async invocation")

    def _sam_event(self, consumer: str, event: Dict[str, Any], path: Path) -> None:
        etype = event.get("Type")
        props = _dict(event.get("Properties"))
        reader = EVENT_READERS.get(etype) if isinstance(etype, str) else None
        if reader is not None:
            reader(self, consumer, props, path)
        if etype == "SQS":
            for queue in self.ids(props.get("Queue"), "queue"):
                self.add(queue, consumer, "sqs", path, "SAM SQS event", _criteria(props.get("FilterCriteria")))
        elif etype == "SNS":
            patterns = _sns_patterns(props.get("FilterPolicy"), props.get("FilterPolicyScope"))
            for topic in self.ids(props.get("Topic"), "topic"):
                self.add(topic, consumer, "sns", path, "SAM SNS event", patterns)
        elif etype in ("DynamoDB", "Kinesis"):
            kind = "table" if etype == "DynamoDB" else "stream"
            for source in self.ids(props.get("Stream"), kind):
                self.add(source, consumer, etype.lower(), path, f"SAM {etype} event",
                         _criteria(props.get("FilterCriteria")))
        elif etype in ("EventBridgeRule", "CloudWatchEvent"):
            pattern = _resolve_values(self.model.resolver, _json(props.get("Pattern")))
            for bus in bus_ids(self.model, props.get("EventBusName")):
                self.add(bus, consumer, "events", path, f"SAM {etype} event",
                         [pattern] if isinstance(pattern, dict) else [])

    def _destinations(self, function_id: str, config: Any, path: Path) -> None:
        for outcome, why in (("OnSuccess", "on success: every successful async invocation"),
                             ("OnFailure", "on failure: every failed async invocation")):
            destination = _dict(_dict(config).get(outcome)).get("Destination")
            if destination is None:
                continue
            for target in self.ids(destination, "queue", "topic", "bus", "function"):
                self.add(function_id, target, "destination", path + ("DestinationConfig", outcome),
                         f"{outcome} destination", why=why)

    def _invoke_config(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        for function_id in self.ids(props.get("FunctionName"), "function"):
            self._destinations(function_id, props.get("DestinationConfig"), path + ("Properties",))

    # -- raw CloudFormation --------------------------------------------------------------
    def _mapping(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        patterns = _criteria(props.get("FilterCriteria"))
        for consumer in self.ids(props.get("FunctionName"), "function"):
            for source in self.ids(props.get("EventSourceArn"), "queue", "table", "stream"):
                service = {"queue": "sqs", "table": "dynamodb", "stream": "kinesis"}[self.model.kind_of(source)]
                self.add(source, consumer, service, path, "event source mapping", patterns)

    def _subscription(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        protocol = literal_str(props.get("Protocol"))
        kinds = {"lambda": ("function",), "sqs": ("queue",)}.get(protocol or "")
        if not kinds:
            return
        patterns = _sns_patterns(props.get("FilterPolicy"), props.get("FilterPolicyScope"))
        for topic in self.ids(props.get("TopicArn"), "topic"):
            for consumer in self.ids(props.get("Endpoint"), *kinds):
                self.add(topic, consumer, "sns", path, "SNS subscription", patterns)

    def _topic(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        for index, item in enumerate(items_of(props.get("Subscription"))):
            item = _dict(item)
            kinds = {"lambda": ("function",), "sqs": ("queue",)}.get(literal_str(item.get("Protocol")) or "")
            for consumer in self.ids(item.get("Endpoint"), *kinds) if kinds else ():
                self.add(logical_id, consumer, "sns", path + ("Properties", "Subscription", index),
                         "SNS topic subscription")

    def _rule(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        if props.get("EventPattern") is None:
            return  # a schedule: nothing in the template triggers it
        pattern = _resolve_values(self.model.resolver, _json(props.get("EventPattern")))
        targets = props.get("Targets")
        for bus in bus_ids(self.model, props.get("EventBusName")):
            for index, target in enumerate(literal_list(targets)):
                for consumer in self.ids(_dict(target).get("Arn"), "function", "queue", "topic",
                                         "statemachine", "stream", "bus", "firehose"):
                    self.add(bus, consumer, "events", path + ("Properties", "Targets", index),
                             f"EventBridge rule {self.resolver.display(logical_id)}",
                             [pattern] if isinstance(pattern, dict) else [])

    def _s3_to(self, bucket: str, entries: Any, path: Path, arn_key: str, kinds: Tuple[str, ...],
               event_key: str, filter_keys: Tuple[str, str], origin: str) -> None:
        for index, entry in enumerate(literal_list(entries)):
            for alternative in branches(entry):
                alternative = _dict(alternative)
                rules = _dict(_dict(alternative.get("Filter")).get(filter_keys[0])).get(filter_keys[1])
                prefix, suffix = _key_filter(rules)
                events = _event_types(alternative.get(event_key))
                for consumer in self.ids(alternative.get(arn_key), *kinds):
                    self.model.triggers.append(
                        S3Trigger(bucket, consumer, events, prefix, suffix, path + (index,), origin)
                    )

    def _bucket(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        config = _dict(props.get("NotificationConfiguration"))
        base = path + ("Properties", "NotificationConfiguration")
        self._s3_to(logical_id, config.get("TopicConfigurations"), base + ("TopicConfigurations",),
                    "Topic", ("topic",), "Event", ("S3Key", "Rules"), "NotificationConfiguration")
        self._s3_to(logical_id, config.get("QueueConfigurations"), base + ("QueueConfigurations",),
                    "Queue", ("queue",), "Event", ("S3Key", "Rules"), "NotificationConfiguration")
        eventbridge = _dict(config.get("EventBridgeConfiguration"))
        if eventbridge.get("EventBridgeEnabled") in (True, "true", "True"):
            self.model.triggers.append(S3Trigger(
                logical_id, DEFAULT_BUS, ("s3:*",), None, None,
                base + ("EventBridgeConfiguration",), "EventBridgeConfiguration"))

    def _cdk_bucket(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        config = _dict(props.get("NotificationConfiguration"))
        base = path + ("Properties", "NotificationConfiguration")
        for bucket in self.builder.bucket_ids(props.get("BucketName")):
            self._s3_to(bucket, config.get("TopicConfigurations"), base + ("TopicConfigurations",),
                        "TopicArn", ("topic",), "Events", ("Key", "FilterRules"), "CDK bucket notifications")
            self._s3_to(bucket, config.get("QueueConfigurations"), base + ("QueueConfigurations",),
                        "QueueArn", ("queue",), "Events", ("Key", "FilterRules"), "CDK bucket notifications")
            if "EventBridgeConfiguration" in config:
                self.model.triggers.append(S3Trigger(
                    bucket, DEFAULT_BUS, ("s3:*",), None, None,
                    base + ("EventBridgeConfiguration",), "CDK EventBridgeConfiguration"))

    def _queue(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        policy = _json(props.get("RedrivePolicy"))
        if isinstance(policy, dict):
            for dlq in self.ids(policy.get("deadLetterTargetArn"), "queue"):
                self.add(logical_id, dlq, "redrive", path + ("Properties", "RedrivePolicy"),
                         "RedrivePolicy", why="messages that fail maxReceiveCount times")

    def _firehose(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        for key in ("ExtendedS3DestinationConfiguration", "S3DestinationConfiguration"):
            config = _dict(props.get(key))
            if not config:
                continue
            why = literal_str(config.get("Prefix")) or ""
            for bucket in self.builder.bucket_ids(config.get("BucketARN")):
                self.add(logical_id, bucket, "firehose", path + ("Properties", key),
                         "Firehose S3 destination", why=why)

    def _alarm(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        metrics = [props] + [_dict(_dict(m.get("MetricStat")).get("Metric"))
                             for m in map(_dict, items_of(props.get("Metrics")))]
        for metric in metrics:
            if literal_str(metric.get("MetricName")) not in ALARM_METRICS:  # an intrinsic: not known
                continue
            for dimension in map(_dict, items_of(metric.get("Dimensions"))):
                if dimension.get("Name") == "FunctionName":
                    for function_id in self.ids(dimension.get("Value"), "function"):
                        self.model.alarmed.setdefault(function_id, path)

    # -- connectors -----------------------------------------------------------------------
    def _connector(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        """AWS::Serverless::Connector: the source by Id, or by Type with RoleName (or Arn)."""
        source = _dict(props.get("Source"))
        for source_id in self._connector_sources(source):
            self._connector_grant(source_id, props, path + ("Properties",), logical_id)

    def _connector_sources(self, source: Dict[str, Any]) -> List[str]:
        """Functions a connector's Source names. SAM puts the policy on the source's role, so
        a source given by RoleName is every function of this template with that role (a SAM
        function's generated role is `<Id>Role`). State machines are not returned: their
        writes come from their definition's tasks, whatever their role allows."""
        source_id = literal_str(source.get("Id"))
        if source_id is not None:
            return [source_id] if source_id in self.model.functions else []
        if "RoleName" in source:
            return self._functions_with_role(source["RoleName"])
        if "Arn" in source:
            return self.ids(source["Arn"], "function")
        return []

    def _functions_with_role(self, node: Any) -> List[str]:
        resolver = self.model.resolver
        target = resolver.refers_to(node)
        if is_intrinsic(node) and literal_str(node.get("Ref")) and target is None:
            target = node["Ref"]  # a role SAM generates (`<FunctionId>Role`) is not in the template
        if target is not None:
            role_ids = [target]
        else:
            names = {p.parts for p in resolver.value(node)}
            role_ids = [r for r, res in self.raw.items() if isinstance(res, dict)
                        and res.get("Type") == "AWS::IAM::Role"
                        and isinstance(_dict(res.get("Properties")).get("RoleName"), (str, dict))
                        and any(p.parts in names
                                for p in resolver.value(_dict(res.get("Properties")).get("RoleName")))]
        found = []
        for function in self.model.functions.values():
            role = function.properties.get("Role")
            own = resolver.refers_to(role) if role is not None else f"{function.id}Role"
            if own in role_ids and function.id not in found:
                found.append(function.id)
        return found

    def _connector_grant(self, function_id: str, props: Dict[str, Any], path: Path, name: str = "") -> None:
        """The statements SAM's connector profile gives the source's role, for each
        destination (one reference or a list) and each of Read / Write."""
        permissions = [p for p in items_of(props.get("Permissions")) if literal_str(p) in PERMISSIONS]
        for destination in items_of(props.get("Destination")):
            destination = _dict(destination)
            target_id = literal_str(destination.get("Id"))
            if target_id is not None:
                kind = self.model.kind_of(target_id)
                arn_node: Any = {"Fn::GetAtt": [target_id, "Arn"]}
                name_node: Any = {"Fn::GetAtt": [target_id, "Name"]} if kind == "statemachine" else {
                    "Ref": target_id}
            else:
                kind = RESOURCE_KINDS.get(literal_str(destination.get("Type")) or "", "unknown")
                arn_node = destination.get("Arn")
                name_node = destination.get("Name")
                if arn_node is None and name_node is not None and kind == "bucket":
                    arn_node = {"Fn::Sub": ["arn:aws:s3:::${Name}", {"Name": name_node}]}
            profile = CONNECTOR_GRANTS.get(("function", kind), {})
            statements = []
            for permission in permissions:
                for actions, resources in profile.get(permission, ()):
                    nodes = [_connector_resource(text, arn_node, name_node) for text in resources]
                    if all(n is not None for n in nodes):
                        statements.append({"Effect": "Allow", "Action": list(actions), "Resource": nodes})
            if statements:
                source = f"SAM connector {name}" if name else "SAM connector"
                self.model.functions[function_id].statements += statements_from_document(
                    {"Statement": statements}, self.model.resolver, source, path
                )

    # -- Step Functions ---------------------------------------------------------------------
    def _state_machine(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        base = path + ("Properties",)
        for name, event in _dict(props.get("Events")).items():
            self._sam_event(logical_id, _dict(event), base + ("Events", name))
        substitutions = _dict(props.get("DefinitionSubstitutions"))
        definition = props.get("Definition")
        where = base + ("Definition",)
        written: Any = None  # a DefinitionUri file: each task says where in it it is written
        if definition is None and "DefinitionUri" in props:
            from loopcheck.load.definition_file import read_definition

            written = read_definition(self.model.file_of(logical_id), props.get("DefinitionUri"))
            definition, where = written.definition, base + ("DefinitionUri",)
            if written.why_unknown:
                self.model.unknown_definitions[logical_id] = written.why_unknown
        elif definition is None:
            definition, extra = _definition_string(props.get("DefinitionString"))
            substitutions = {**extra, **substitutions}
            where = base + ("DefinitionString",)
        for state, task in _tasks(_dict(definition)):
            self._task(logical_id, state, task, substitutions, where,
                       written.where(task) if written is not None else "")

    def _task(self, machine: str, state: str, task: Dict[str, Any], subs: Dict[str, Any],
              path: Path, written_at: str = "") -> None:
        resource = _placeholder(task.get("Resource"), subs)
        params = _dict(task.get("Parameters") or task.get("Arguments"))
        texts = [p.literal for p in self.model.resolver.value(resource)]
        text = texts[0] if len(texts) == 1 and texts[0] else None
        action: Optional[str] = None
        target_node: Any = None
        if text and text.startswith("arn:aws:states:::"):
            service_action = re.sub(r"\.(sync|waitForTaskToken)(:\d+)?$", "", text[len("arn:aws:states:::"):])
            if service_action.startswith("aws-sdk:"):
                pieces = service_action.split(":", 2)
                if len(pieces) == 3:
                    action = f"{pieces[1]}:{pieces[2][:1].upper()}{pieces[2][1:]}"
            else:
                action = STATES_TASKS.get(service_action)
            for name in STATES_TARGET_PARAMETER.get(action or "", ()):
                for key in (name, name + ".$"):
                    if key in params:
                        target_node = _placeholder(params[key], subs) if not key.endswith(".$") else None
                        break
            if action == "events:PutEvents":
                entries = literal_list(params.get("Entries"))
                entry = _dict(entries[0]) if entries else {}
                target_node = _placeholder(entry.get("EventBusName", "default"), subs)
                details = {k: v for k, v in entry.items()
                           if k in ("Source", "DetailType") and literal_str(v) is not None}
            else:
                details = {}
        else:
            action, target_node, details = "lambda:InvokeFunction", resource, {}  # a bare Lambda ARN
        if action is None:
            return
        targets = self.ids(target_node) if target_node is not None else None
        task_path = path if written_at else path + ("States", state)
        task = TaskWrite(machine, action, targets, task_path, state, details, written_at=written_at)
        _runtime_target(task, params, self.model.resolver, subs)
        self.model.tasks.append(task)


# The task parameter paths that name the bucket of the S3 event that started the execution
# (EventBridge's `detail.bucket.name`, S3 user guide "Using EventBridge"), in JSONPath and
# JSONata. The execution's input is the event itself when a rule starts the state machine.
_EVENT_BUCKET_PATH = re.compile(
    r"(\$|\$\$\.Execution\.Input)\.detail\.bucket\.name"
    r"|\{%\s*\$states\.input\.detail\.bucket\.name\s*%\}")


def _runtime_target(task: TaskWrite, params: Dict[str, Any], resolver: Any, subs: Dict[str, Any]) -> None:
    """What the definition says about a target named at run time (`"Bucket.$": "$.detail.
    bucket.name"`, or JSONata's `"{% $states.input.detail.bucket.name %}"`), and for an S3
    write the key it writes, as a glob."""
    if not task.action.startswith("s3:"):
        return
    for key in ("Bucket.$", "Bucket"):
        value = params.get(key)
        if isinstance(value, str) and (key.endswith(".$") or value.startswith("{%")):
            task.target_path = value.strip()
    written = params.get("Key")
    if written is not None and not (isinstance(written, str) and written.startswith("{%")):
        values = resolver.value(_placeholder(written, subs))
        task.key = tokens(values[0], wildcards=False) if len(values) == 1 and not values[0].is_unknown else None
    elif isinstance(params.get("Key.$"), str):
        task.key = _format_glob(params["Key.$"])


def s3_task_events(action: str) -> Tuple[str, ...]:
    """The S3 event types a task's S3 action emits (`s3:PutObject`, `s3:CopyObject`...)."""
    return API_EVENTS.get(action.partition(":")[2], ()) or ACTION_EVENTS.get(action, ())


def _format_glob(path: str) -> Optional[Tuple[Any, ...]]:
    """The key a `States.Format('text-{}', ...)` intrinsic builds, as a glob (each `{}` any
    text); None for any other JSONPath (the key comes from the input: unknown)."""
    match = re.fullmatch(r"\s*States\.Format\(\s*'((?:[^'\\]|\\.)*)'.*\)\s*", path, re.S)
    if not match:
        return None
    out: List[Any] = []
    for index, piece in enumerate(match.group(1).replace("\\", "").split("{}")):
        if index:
            out.append(STAR)
        out.extend(piece)
    return tuple(out)


def _event_bucket_targets(model: Model) -> None:
    """A task writing the bucket its input event names (`$.detail.bucket.name`) writes the
    buckets whose EventBridge events reach its state machine: a bucket with EventBridge
    enabled sends to the default bus, and a rule on that bus (or a bus it forwards to)
    starts the machine. Which of those events the rule lets through is judged later, on
    the loop (loopcheck.judge.hops), against the rule's pattern."""
    for task in model.tasks:
        if task.targets or not _EVENT_BUCKET_PATH.fullmatch(task.target_path or ""):
            continue
        if not s3_task_events(task.action):
            continue  # a read (HeadObject, GetObject): no event
        buses = {task.machine}
        frontier = [task.machine]
        while frontier:  # the buses whose events reach the machine, through forwarding rules
            node = frontier.pop()
            for link in model.event_triggers:
                if link.consumer == node and link.service == "events" and link.source not in buses:
                    buses.add(link.source)
                    frontier.append(link.source)
        found = [t.bucket for t in model.triggers
                 if t.function in buses and model.kind_of(t.function) == "bus" and t.bucket in model.buckets]
        if found:
            task.targets = list(dict.fromkeys(found))


def _connector_resource(text: str, arn: Any, name: Any) -> Any:
    """A connector profile's resource with its %{Destination.Arn} / %{Destination.Name}
    filled in (None when the destination does not give the one it needs)."""
    variables = {}
    for placeholder, key, node in (("%{Destination.Arn}", "DestinationArn", arn),
                                   ("%{Destination.Name}", "DestinationName", name)):
        if placeholder in text:
            if node is None:
                return None
            if text == placeholder:
                return node
            text = text.replace(placeholder, "${" + key + "}")
            variables[key] = node
    return {"Fn::Sub": [text, variables]} if variables else text


def _placeholder(node: Any, subs: Dict[str, Any]) -> Any:
    """A definition string's `${Name}`: the node DefinitionSubstitutions (or Fn::Sub's
    variables) give for it, or a `Fn::Sub` of the text the resolver can read."""
    if isinstance(node, str) and "${" in node:
        match = re.fullmatch(r"\$\{([^}]+)\}", node)
        if match and match.group(1) in subs:
            return subs[match.group(1)]
        return {"Fn::Sub": [node, subs]} if subs else {"Fn::Sub": node}
    return node


def _definition_string(node: Any) -> Tuple[Any, Dict[str, Any]]:
    """A DefinitionString as an object, with the Fn::Sub variables it was written with."""
    variables: Dict[str, Any] = {}
    if isinstance(node, dict) and len(node) == 1 and "Fn::Sub" in node:
        arg = node["Fn::Sub"]
        if isinstance(arg, list) and len(arg) == 2:
            arg, variables = arg[0], _dict(arg[1])
        node = arg
    elif isinstance(node, dict) and len(node) == 1 and "Fn::Join" in node:
        arg = node["Fn::Join"]
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            pieces = []
            for piece in arg[1]:
                if isinstance(piece, str):
                    pieces.append(piece)
                else:
                    key = f"join{len(variables)}"
                    variables[key] = piece
                    pieces.append("${" + key + "}")
            node = str(arg[0]).join(pieces)
    if not isinstance(node, str):
        return {}, variables
    try:
        return json.loads(node), variables
    except ValueError:
        return {}, variables


def _tasks(definition: Dict[str, Any], depth: int = 0) -> List[Tuple[str, Dict[str, Any]]]:
    """Every Task state, nested Parallel branches and Map iterators included."""
    out: List[Tuple[str, Dict[str, Any]]] = []
    if depth > 8:
        return out
    for name, state in _dict(definition.get("States")).items():
        state = _dict(state)
        if state.get("Type") == "Task":
            out.append((str(name), state))
        for branch in items_of(state.get("Branches")):
            out.extend(_tasks(_dict(branch), depth + 1))
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                out.extend(_tasks(_dict(state[key]), depth + 1))
    return out


def add_event_paths(builder: Any, model: Model) -> None:
    """Fill `model`'s resources, triggers, tasks, alarms (and connector grants)."""
    _EventPaths(builder, model).run()


__all__ = ["add_event_paths", "resource_ids", "s3_task_events"]
