"""Stage 3c, model: triggers the template shows but does not configure.

A bucket, topic or EventBridge rule of the template may run a function of the template
through a notification, subscription or rule target set up outside it (by hand, by a
script, or by a custom resource at deploy time). Two shapes give it away:

- an `AWS::Lambda::Permission` that lets `s3.amazonaws.com`, `sns.amazonaws.com` or
  `events.amazonaws.com` invoke the function, with a `SourceArn` naming the bucket, topic or
  rule (a permission limited only by `SourceAccount` names no resource: no trigger);
- a custom resource (`Custom::*`, `AWS::CloudFormation::CustomResource`) whose properties
  name both a bucket and a function: the "apply bucket notification" helpers. Its own
  handler (`ServiceToken`) runs at deploy time, not on object events, so naming it does not
  count; CDK's `Custom::S3BucketNotifications` is read exactly by loopcheck.model.resources.

Each becomes the same `Trigger` a notification or subscription in the template gives, with
`outside` saying what it rests on. What the template cannot show is assumed as AWS's most
common setting, and the note says so: an S3 notification on `s3:ObjectCreated:*` with no
key filter (unless the custom resource's properties carry events or a key filter), an SNS
subscription with no filter policy. A pair the template already connects gets nothing more.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from loopcheck.knowledge.event_paths import DEFAULT_BUS
from loopcheck.model.readers import _dict, _event_types, _json, _key_filter, _resolve_values, _type_of
from loopcheck.model.types import CDK_NOTIFICATIONS, Outside, Trigger
from loopcheck.resolve.props import literal_str

Path = Tuple[Any, ...]

# Service principal -> the kind of node its SourceArn names (Lambda developer guide,
# "Granting function access to AWS services"; `${AWS::URLSuffix}` resolves to amazonaws.com).
PRINCIPALS = {"s3.amazonaws.com": "bucket", "sns.amazonaws.com": "topic", "events.amazonaws.com": "rule"}
_INVOKE_ACTIONS = ("lambda:InvokeFunction", "lambda:*", "*")
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
ASSUMED_S3 = "event types and key filter assumed"
DEFAULT_S3_EVENTS = ("s3:ObjectCreated:*",)


def add_external_triggers(paths: Any) -> None:
    """Triggers from Lambda permissions and notification custom resources, after every
    trigger the template configures is known (`paths` is model_events' builder)."""
    _External(paths).run()


class _External:
    def __init__(self, paths: Any):
        self.paths = paths
        self.model = paths.model
        # Pairs the template connects itself, and pairs an earlier resource here connected.
        self.connected: Set[Tuple[str, str]] = {(t.source, t.consumer) for t in self.model.triggers}
        self.connected |= {(t.source, t.consumer) for t in self.model.event_triggers if t.service == "sns"}
        self.claimed: Dict[Tuple[str, str], str] = {}
        linked = bool(self.model.stacks)
        self.rules = [r if linked else str(r) for r, res in paths.raw.items()
                      if isinstance(res, dict) and _type_of(res) == "AWS::Events::Rule"]
        # (rule, function) pairs a rule's own Targets connect.
        self.targeted = {(t.path[1], t.consumer) for t in self.model.event_triggers
                         if t.service == "events" and len(t.path) > 1 and t.path[0] == "Resources"}

    @property
    def resolver(self) -> Any:
        """The resolver of the stack instance whose resource is being read."""
        return self.paths.resolver

    def run(self) -> None:
        linked = bool(self.model.stacks)
        for logical_id, resource in self.paths.raw.items():
            if not isinstance(resource, dict):
                continue
            rtype = _type_of(resource)
            path = ("Resources", logical_id)
            props = _dict(resource.get("Properties"))
            node_id = logical_id if linked else str(logical_id)
            if rtype == "AWS::Lambda::Permission":
                self.paths._reading(node_id)
                self._permission(node_id, props, path)
            elif rtype == CUSTOM_RESOURCE or rtype.startswith("Custom::") and rtype != CDK_NOTIFICATIONS:
                self.paths._reading(node_id)
                self._custom_resource(node_id, props, path)

    def _free(self, pair: Tuple[str, str], owner: str) -> bool:
        """Whether `owner` may add a trigger for this pair: not connected by the template,
        nor by another permission or custom resource."""
        if pair in self.connected:
            return False
        return self.claimed.setdefault(pair, owner) == owner

    # -- Lambda permissions ------------------------------------------------------------
    def _permission(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        principal = self._principal(props.get("Principal"))
        if principal is None or not self._invokes(props.get("Action")):
            return
        source = props.get("SourceArn")
        if source is None:
            return  # SourceAccount alone: any bucket, topic or rule of the account
        functions = self.paths.ids(props.get("FunctionName"), "function")
        kind = PRINCIPALS[principal]
        where = path  # the permission itself: that is where the template shows the trigger
        for function in functions:
            if kind == "bucket":
                for bucket in self.paths.ids(source, "bucket"):
                    if self._free((bucket, function), logical_id):
                        self.model.event_triggers.append(Trigger(
                            bucket, function, "s3", where,
                            f"Lambda permission {self.resolver.display(logical_id)}",
                            outside=Outside("permission", principal, "notification", ASSUMED_S3),
                            events=DEFAULT_S3_EVENTS))
            elif kind == "topic":
                for topic in self.paths.ids(source, "topic"):
                    if self._free((topic, function), logical_id):
                        self.model.event_triggers.append(Trigger(
                            topic, function, "sns", where,
                            f"Lambda permission {self.resolver.display(logical_id)}",
                            outside=Outside("permission", principal, "subscription",
                                            "no filter policy assumed")))
            else:
                for rule in self._rule_ids(source):
                    self._rule_trigger(rule, function, logical_id, principal, where)

    def _principal(self, node: Any) -> Optional[str]:
        """The service principal (s3/sns/events) a Principal names, in any of its spellings."""
        for pattern in self.resolver.value(node) if node is not None else ():
            text = pattern.literal
            if text in PRINCIPALS:
                return text
        return None

    def _invokes(self, node: Any) -> bool:
        values = self.resolver.value(node) if node is not None else ()
        return any(p.literal is None or p.literal in _INVOKE_ACTIONS for p in values)

    def _rule_ids(self, node: Any) -> List[str]:
        """EventBridge rules of the template an ARN names: by Ref/GetAtt, or by an ARN whose
        last segment is the rule's Name."""
        rules = self.rules
        target = self.resolver.refers_to(node)
        if target is not None:
            return [target] if target in rules else []
        found: List[str] = []
        # A part loopcheck cannot read prints as `<unknown>` on both sides: never a match.
        arns = [p.key for p in self.resolver.value(node) if ":rule/" in p.key and not p.is_unknown]
        for rule in rules:
            name = _dict(_dict(self.paths.raw[rule]).get("Properties")).get("Name")
            resolver = self.model.resolver_of(rule)
            names = [p.key for p in resolver.value(name) if not p.is_unknown] if name is not None else []
            if any(arn.endswith("/" + n) for arn in arns for n in names if n):
                found.append(rule)
        return found

    def _rule_trigger(self, rule: str, function: str, owner: str, principal: str, where: Path) -> None:
        props = _dict(_dict(self.paths.raw[rule]).get("Properties"))
        if props.get("EventPattern") is None:
            return  # a schedule: nothing the template writes runs it
        if (rule, function) in self.targeted or not self._free((rule, function), owner):
            return  # the rule's own Targets name the function, or another permission did
        resolver = self.model.resolver_of(rule)
        pattern = _resolve_values(resolver, _json(props.get("EventPattern")))
        bus_name = props.get("EventBusName")
        buses = [DEFAULT_BUS] if bus_name is None else self.model.resource_ids(bus_name, ("bus",), resolver)
        for bus in buses:
            self.model.event_triggers.append(Trigger(
                bus, function, "events", where, f"EventBridge rule {self.resolver.display(rule)}",
                [pattern] if isinstance(pattern, dict) else [],
                outside=Outside("permission", principal,
                                f"target of EventBridge rule {self.resolver.display(rule)}")))

    # -- custom resources ----------------------------------------------------------------
    def _custom_resource(self, logical_id: str, props: Dict[str, Any], path: Path) -> None:
        named = {key: value for key, value in props.items() if key != "ServiceToken"}
        base = path + ("Properties",)
        buckets: List[str] = []
        functions: List[str] = []
        configurations: List[Tuple[Dict[str, Any], Path]] = []
        for node, where in _values(named, base):
            if isinstance(node, dict) and "$configurations" in node:
                configurations.append((node["$configurations"], where))
                continue
            for found in self.paths.ids(node, "bucket", "function"):
                into = buckets if self.model.kind_of(found) == "bucket" else functions
                if found not in into:
                    into.append(found)
        if not buckets:
            return
        if configurations:  # the S3 API (or CloudFormation) shape: one notification per entry
            for entry, where in configurations:
                prefix, suffix = _key_filter(_entry_rules(entry))
                events = _event_types(entry.get("Events", entry.get("Event"))) or DEFAULT_S3_EVENTS
                arn = entry.get("LambdaFunctionArn", entry.get("Function"))
                for function in self.paths.ids(arn, "function"):
                    self._custom_trigger(logical_id, buckets, function, events, prefix, suffix, where, "")
            return
        given = tuple(e for e in _event_types(_find(named, _EVENT_KEYS)) if e.startswith("s3:"))
        events = given or DEFAULT_S3_EVENTS
        prefix, suffix = _key_filter(_find(named, ("filterrules", "rules")))
        prefix = prefix or _text(_find(named, _PREFIX_KEYS))
        suffix = suffix or _text(_find(named, _SUFFIX_KEYS))
        said = given or prefix or suffix
        assumed = "" if said else "its properties name no event types or key filter: these are assumed"
        for function in functions:
            self._custom_trigger(logical_id, buckets, function, events, prefix, suffix, path, assumed)

    def _custom_trigger(self, owner: str, buckets: List[str], function: str, events: Tuple[str, ...],
                        prefix: Optional[str], suffix: Optional[str], path: Path, assumed: str) -> None:
        for bucket in buckets:
            if self._free((bucket, function), owner):
                self.model.event_triggers.append(Trigger(
                    bucket, function, "s3", path, f"custom resource {self.resolver.display(owner)}",
                    outside=Outside("custom resource", self.resolver.display(owner), "notification", assumed),
                    events=events, prefix=prefix, suffix=suffix))


_CONFIGURATION_KEYS = ("LambdaFunctionConfigurations", "LambdaConfigurations")
# How helpers name their inputs (compared lower-case): `Events`, `S3Event`, `Prefix`,
# `S3Prefix`, `KeyPrefix`... A name outside these lists is not read as a filter.
_EVENT_KEYS = ("events", "event", "s3event", "s3events", "eventtype", "eventtypes", "notificationevents")
_PREFIX_KEYS = ("prefix", "s3prefix", "keyprefix", "filterprefix", "objectprefix")
_SUFFIX_KEYS = ("suffix", "s3suffix", "keysuffix", "filtersuffix", "objectsuffix")


def _values(node: Any, path: Path, depth: int = 0) -> Iterator[Tuple[Any, Path]]:
    """Every value a custom resource's properties hold (an intrinsic counts as one value),
    with the notification configuration entries (S3 API or CloudFormation shape) apart."""
    if depth > 12:
        return
    if isinstance(node, dict):
        if len(node) == 1 and (next(iter(node)) == "Ref" or str(next(iter(node))).startswith("Fn::")):
            yield node, path
            return
        for key, value in node.items():
            if key in _CONFIGURATION_KEYS and isinstance(value, list):
                for index, entry in enumerate(value):
                    if isinstance(entry, dict):
                        yield {"$configurations": entry}, path + (key, index)
                continue
            yield from _values(value, path + (key,), depth + 1)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _values(item, path + (index,), depth + 1)
    elif isinstance(node, str):
        yield node, path


def _entry_rules(entry: Dict[str, Any]) -> Any:
    """Filter.Key.FilterRules (S3 API) or Filter.S3Key.Rules (CloudFormation)."""
    found = _dict(entry.get("Filter"))
    return _dict(found.get("Key")).get("FilterRules") or _dict(found.get("S3Key")).get("Rules")


def _find(node: Any, keys: Tuple[str, ...], depth: int = 0) -> Any:
    """The first value under one of `keys` (lower-case), anywhere in the properties."""
    if depth > 12:
        return None
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).lower() in keys:
                return value
        for value in node.values():
            found = _find(value, keys, depth + 1)
            if found is not None:
                return found
    elif isinstance(node, list):
        for item in node:
            found = _find(item, keys, depth + 1)
            if found is not None:
                return found
    return None


def _text(node: Any) -> Optional[str]:
    return literal_str(node) or None


__all__ = ["add_external_triggers"]
