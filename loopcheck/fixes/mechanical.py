"""Mechanical fixes: the findings whose fix is a sure change to the template, as line edits
(loopcheck.fixes.source_edits) attached to the finding as `Finding.fixes`.

The table FIXERS says which rule's findings have one; each fixer builds its edits from the
analysis (the model, the judged loops) and the text the loader read, so a template from stdin
gets them too. A fixer returns None, or raises NotMechanical, when the change is not sure:
then the finding simply has no mechanical fix.

  EL104  RecursiveLoop: Allow -> Terminate on the function (a `RecursiveLoop: Terminate` of its
         own when Globals sets Allow: the resource's value wins, other functions keep theirs)
  IL105  ReservedConcurrentExecutions: RESERVED_CONCURRENCY on the function
  IL109  an AWS::CloudWatch::Alarm on the function's Invocations, at the end of Resources
  EL101  an S3 prefix filter on the loop's notification, when the handler rewrites a known
         input prefix (`key.replace("incoming/", "done/")`): the prefix it reads is one its
         output can never match
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from loopcheck.code.facts import IncomingKey, Replace
from loopcheck.fixes.source_edits import Candidate, Change, NotMechanical, Source
from loopcheck.rulebase.finding import Finding, Fix

# A cap small enough to limit what a broken guard can spend, for the user to size: requests
# above it are throttled, and it is taken from the account's unreserved concurrency.
RESERVED_CONCURRENCY = 10
# The alarm's threshold, invocations per minute: a placeholder for the user to size against
# the function's normal traffic.
ALARM_THRESHOLD = 1000


class FixContext:
    """What a fixer reads: the template's source and the analysis of it."""

    def __init__(self, source: Source, analysis: Any):
        self.source = source
        self.analysis = analysis

    def function_path(self, finding: Finding) -> Tuple[Any, ...]:
        if len(finding.path) < 2 or finding.path[0] != "Resources":
            raise NotMechanical("not a resource")
        return ("Resources", finding.path[1])


def _set_property(ctx: FixContext, resource: Tuple[Any, ...], key: str, value: Any) -> tuple:
    """(edits, changes) that add `key: value` to a resource's Properties (adding Properties
    if it has none)."""
    source = ctx.source
    if "Properties" in source.mapping(resource):
        edit = source.add_key(resource + ("Properties",), key, value)
        return (edit,), (Change(resource + ("Properties", key), value),)
    edit = source.add_key(resource, "Properties", {key: value})
    return (edit,), (Change(resource + ("Properties",), {key: value}),)


def terminate(ctx: FixContext, finding: Finding) -> Optional[Candidate]:
    """EL104: RecursiveLoop: Terminate on the function."""
    resource = ctx.function_path(finding)
    name = resource[1]
    properties = ctx.source.node(resource).get("Properties")
    if isinstance(properties, dict) and "RecursiveLoop" in properties:
        if properties["RecursiveLoop"] != "Allow":
            return None  # an intrinsic or a parameter: not a one-line change
        path = resource + ("Properties", "RecursiveLoop")
        edits = (ctx.source.replace_scalar(path, "Allow", "Terminate"),)
        changes: tuple = (Change(path, "Terminate", "Allow"),)
        where = ""
    else:
        edits, changes = _set_property(ctx, resource, "RecursiveLoop", "Terminate")
        where = " (Globals sets Allow; the function's own setting wins)"
    return Candidate(f"set RecursiveLoop: Terminate on {name}{where}, so that Lambda's recursive loop "
                     "detection stops the loop", edits, changes)


def reserve(ctx: FixContext, finding: Finding) -> Optional[Candidate]:
    """IL105: ReservedConcurrentExecutions on the function."""
    resource = ctx.function_path(finding)
    edits, changes = _set_property(ctx, resource, "ReservedConcurrentExecutions", RESERVED_CONCURRENCY)
    return Candidate(f"set ReservedConcurrentExecutions: {RESERVED_CONCURRENCY} on {resource[1]} to cap "
                     "what a broken guard can spend; review the number: requests above it are throttled, "
                     "and it is taken from the account's unreserved concurrency", edits, changes)


def alarm(ctx: FixContext, finding: Finding) -> Optional[Candidate]:
    """IL109: a CloudWatch alarm on the function's Invocations, added to Resources."""
    name = ctx.function_path(finding)[1]
    resources = ctx.source.mapping(("Resources",))
    alarm_id = f"{name}LoopAlarm"
    number = 2
    while alarm_id in resources:
        alarm_id, number = f"{name}LoopAlarm{number}", number + 1
    resource: Dict[str, Any] = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": f"{name} is on a loop that AWS never stops: review the threshold "
                                "and add AlarmActions to tell someone",
            "Namespace": "AWS/Lambda",
            "MetricName": "Invocations",
            "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": name}}],
            "Statistic": "Sum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": ALARM_THRESHOLD,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        },
    }
    edit = ctx.source.add_resource(alarm_id, resource)
    return Candidate(f"add the alarm {alarm_id} on {name}'s Invocations (over {ALARM_THRESHOLD} a minute); "
                     "review the threshold and add AlarmActions", (edit,),
                     (Change(("Resources", alarm_id), resource),))


def prefix_filter(ctx: FixContext, finding: Finding) -> Optional[Candidate]:
    """EL101: a prefix filter on the notification, from a prefix the handler rewrites."""
    loop = next((loop for loop in ctx.analysis.loops if loop.cycle == finding.cycle), None)
    if loop is None:
        return None
    for hop in loop.hops:
        prefix = _rewritten_prefix(hop)
        if prefix is None:
            continue
        for trigger, _verdict in hop.links:
            if getattr(trigger, "service", "") != "s3" or trigger.has_filter or trigger.outside is not None:
                continue
            target = _filter_owner(ctx.source, tuple(trigger.path))
            if target is None:
                continue
            rules = {"S3Key": {"Rules": [{"Name": "prefix", "Value": prefix[0]}]}}
            edit = ctx.source.add_key(target, "Filter", rules)
            return Candidate(f"filter {trigger.source}'s notification of {trigger.consumer} to the prefix "
                             f"'{prefix[0]}': {hop.writer} rewrites keys under it to '{prefix[1]}', which "
                             "the filter never matches", (edit,), (Change(target + ("Filter",), rules),))
    return None


def _rewritten_prefix(hop: Any) -> Optional[tuple]:
    """(input prefix, output prefix) when the hop's write is the incoming key with one folder
    prefix replaced by another that can never start with it (nor it with the other)."""
    write = getattr(hop, "write", None)
    key = getattr(getattr(write, "write", None), "key", None)
    if not isinstance(key, Replace) or not isinstance(key.source, IncomingKey):
        return None
    old, new = key.old, key.new
    if not old.endswith("/") or not new or old.startswith(new) or new.startswith(old):
        return None
    return old, new


def _filter_owner(source: Source, path: Tuple[Any, ...]) -> Optional[Tuple[Any, ...]]:
    """The mapping a notification's Filter goes in: a SAM S3 event's Properties, or a
    NotificationConfiguration LambdaConfigurations entry; None for other shapes."""
    node = source.node(path)
    if not isinstance(node, dict):
        return None
    if node.get("Type") == "S3" and isinstance(node.get("Properties"), dict):
        return path + ("Properties",) if "Filter" not in node["Properties"] else None
    if len(path) >= 2 and path[-2] == "LambdaConfigurations" and "Function" in node and "Filter" not in node:
        return path
    return None


FIXERS: Dict[str, Callable[[FixContext, Finding], Optional[Candidate]]] = {
    "EL104": terminate,
    "IL105": reserve,
    "IL109": alarm,
    "EL101": prefix_filter,
}


def attach_fixes(analysis: Any, text: str) -> bool:
    """Give each finding of one template's analysis the mechanical fix it has, if any;
    whether one had. The fixes of the template are checked together (one parse)."""
    wanted = [f for f in analysis.findings if f.rule in FIXERS and not f.across_stacks
              and f.file == analysis.model.file]
    source = Source.of(analysis.model.file, text, analysis.model.data) if wanted else None
    if source is None:
        return False
    ctx = FixContext(source, analysis)
    proposed: List[Tuple[Finding, Candidate]] = []
    for finding in wanted:
        try:
            candidate = FIXERS[finding.rule](ctx, finding)
        except NotMechanical:
            continue
        if candidate is not None:
            proposed.append((finding, candidate))
    good = source.verified([candidate for _, candidate in proposed])
    for finding, candidate in proposed:
        if candidate in good:
            finding.fixes.append(Fix(candidate.description, candidate.edits))
    return any(finding.fixes for finding in wanted)
