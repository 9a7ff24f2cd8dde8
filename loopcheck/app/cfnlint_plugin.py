"""cfn-lint front-end: every loopcheck rule as a cfn-lint rule.

    cfn-lint --include-checks I --append-rules loopcheck.cfnlint_plugin -- template.yaml

(`-a`/`--append-rules` takes several values, so end it with `--` or put the templates first;
`--include-checks I` shows the info rules, which cfn-lint hides by default.)

Nothing is analysed here: the template cfn-lint decoded goes through
`loopcheck.pipeline.analysis.analyse_template` once (the result is kept for the template object, so
the rule classes below share it), and each Finding becomes a RuleMatch on the same JSON
path, at the same line and column, with the same message. cfn-lint takes the severity from
the first letter of the id (E, W, I), as loopcheck does.

Two eras of cfn-lint hand rules different templates:
- cfn-lint >= 1.54 hands the SAM template as written, with `Globals` already merged into
  the resources; loopcheck reads it without the `Globals` section, so nothing is merged twice.
- cfn-lint < 1.54 runs the SAM transform first: rules see `AWS::Lambda::Function`, generated
  roles and `CodeUri` replaced by a placeholder (so the handler code could not be found).
  The template as written is read again with cfn-lint's own decoder and analysed instead,
  so both eras report the same loops. Only when there is no file to read (a template piped
  on stdin) is the transformed template analysed, and findings on generated resources
  (`<Fn>Role`, `<Fn><Event>Permission`, ...) are reported at the SAM function they came from.

This module imports cfnlint, which `pip install loopcheck` does not bring (the CLI never
needs it): `pip install 'loopcheck[cfn-lint]'` does. cfn-lint itself loads the plugin, so
wherever cfn-lint runs it is there; imported without it, the plugin says what to install.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

try:
    from cfnlint.rules import CloudFormationLintRule, RuleMatch
except ModuleNotFoundError as missing:
    if (missing.name or "").split(".")[0] != "cfnlint":
        raise
    raise ModuleNotFoundError(
        "loopcheck's cfn-lint plugin needs cfn-lint, which is not installed: "
        "pip install 'loopcheck[cfn-lint]'", name=missing.name) from missing

from loopcheck import __version__
from loopcheck.load.nodes import locate
from loopcheck.pipeline.analysis import analyse_template
from loopcheck.rulebase.finding import Finding
from loopcheck.rulebase.rule import Rule, all_rules, doc_url

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
TAGS = ["loopcheck", "lambda", "s3", "recursion"]

# The Globals section SAM merges into each resource type (as SAM and cfn-lint name them).
_GLOBALS_SECTION = {
    "AWS::Serverless::Function": "Function",
    "AWS::Serverless::Api": "Api",
    "AWS::Serverless::HttpApi": "HttpApi",
    "AWS::Serverless::SimpleTable": "SimpleTable",
    "AWS::Serverless::StateMachine": "StateMachine",
    "AWS::Serverless::LayerVersion": "LayerVersion",
}

# Resource types the SAM transform generates for a function, named `<Fn>...`.
_GENERATED_FOR_FUNCTION = (
    "AWS::IAM::Role",
    "AWS::Lambda::Permission",
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::Lambda::Url",
    "AWS::SNS::Subscription",
    "AWS::SQS::Queue",
    "AWS::Events::Rule",
    "AWS::Scheduler::Schedule",
    "AWS::CloudWatch::Alarm",
)

Position = Tuple[int, int]  # (line, column), 1-based


def _as_list(value: Any) -> List[Any]:
    return list(value) if isinstance(value, list) else ([] if value is None else [value])


def _dict(node: Any) -> Dict[Any, Any]:
    return node if isinstance(node, dict) else {}


@dataclass
class Analysis:
    """loopcheck's findings on one template, and the document their paths point into."""

    findings: List[Finding]
    data: Dict[str, Any]
    generated: Dict[str, str] = field(default_factory=dict)  # generated logical id -> SAM id
    mode: str = "as written"  # "as written" | "globals merged" | "transformed"

    def report_path(self, finding: Finding) -> List[Any]:
        """The finding's path, moved from a SAM-generated resource to its SAM resource."""
        path = list(finding.path)
        if len(path) >= 2 and path[0] == "Resources" and path[1] in self.generated:
            return ["Resources", self.generated[path[1]]]
        return path

    def location(self, path: Sequence[Any]) -> Tuple[int, int, int, int]:
        """Where `path` is written, as cfn-lint's 0-based (line, column, end line, end column):
        loopcheck's own `locate`, except that a property a SAM resource inherits from Globals
        is shown at its Globals entry."""
        inherited = _globals_path(self.data, path)
        written = inherited if inherited is not None else path
        line, column = locate(self.data, written)
        end_line, end_column = _end(self.data, written, (line, column))
        return line - 1, column - 1, end_line - 1, end_column - 1


def _globals_path(data: Dict[str, Any], path: Sequence[Any]) -> Optional[List[Any]]:
    if len(path) < 4 or path[0] != "Resources" or path[2] != "Properties":
        return None
    resource = _dict(_dict(data.get("Resources")).get(path[1]))
    rtype, ignored = resource.get("Type"), resource.get("IgnoreGlobals")
    section = _GLOBALS_SECTION.get(rtype) if isinstance(rtype, str) else None
    if section is None or path[3] in _dict(resource.get("Properties")):
        return None
    if ignored == "*" or (isinstance(ignored, list) and path[3] in ignored):
        return None
    if path[3] in _dict(_dict(data.get("Globals")).get(section)):
        return ["Globals", section, *path[3:]]
    return None


def _end(data: Dict[str, Any], path: Sequence[Any], start: Position) -> Position:
    """End of the key at `start` when that is the last step of `path`, else `start`."""
    node: Any = data
    for step in path[:-1]:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return start
    if isinstance(node, dict) and path:
        for key in node:
            if key == path[-1]:
                begin, end = getattr(key, "start_mark", None), getattr(key, "end_mark", None)
                if begin is not None and end is not None and (begin.line + 1, begin.column + 1) == start:
                    return end.line + 1, end.column + 1
    return start


def _sam_was_transformed(cfn: Any) -> bool:
    """cfn-lint < 1.54: the SAM transform replaced the template before rules ran."""
    declared = _as_list(getattr(cfn, "transform_pre", {}).get("Transform"))
    current = _as_list(_dict(cfn.template).get("Transform"))
    return SAM_TRANSFORM in declared and SAM_TRANSFORM not in current


def _read_as_written(filename: Optional[str]) -> Optional[Dict[str, Any]]:
    """The template file decoded again by cfn-lint's own decoder, or None (stdin, gone)."""
    if not filename or not os.path.isfile(filename):
        return None
    from cfnlint.decode import decode

    try:
        template, matches = decode(filename)
    except Exception:  # noqa: BLE001 - fall back to the transformed template
        return None
    return template if isinstance(template, dict) and not matches else None


def _generated_ids(template: Dict[str, Any]) -> Dict[str, str]:
    """Logical ids the SAM transform generated for a function (`<Fn>Role`,
    `<Fn><Event>Permission`, ...) -> that function's id."""
    resources = _dict(template.get("Resources"))
    functions = []
    for logical_id, resource in resources.items():
        resource = _dict(resource)
        tags = _dict(resource.get("Properties")).get("Tags")
        made_by_sam = any(
            _dict(tag).get("Key") == "lambda:createdBy" and _dict(tag).get("Value") == "SAM"
            for tag in _as_list(tags)
        )
        if resource.get("Type") == "AWS::Lambda::Function" and made_by_sam:
            functions.append(str(logical_id))
    functions.sort(key=len, reverse=True)  # the longest function id that prefixes a name wins
    generated: Dict[str, str] = {}
    for logical_id, resource in resources.items():
        if _dict(resource).get("Type") not in _GENERATED_FOR_FUNCTION:
            continue
        for function_id in functions:
            if str(logical_id) != function_id and str(logical_id).startswith(function_id):
                generated[str(logical_id)] = function_id
                break
    return generated


def analyse(cfn: Any) -> Analysis:
    """loopcheck's findings on the template cfn-lint hands its rules (see the module doc)."""
    filename = cfn.filename or "<stdin>"
    template = _dict(cfn.template)
    if _sam_was_transformed(cfn):
        original = _read_as_written(cfn.filename)
        if original is not None:
            return Analysis(analyse_template(filename, original), original)
        return Analysis(analyse_template(filename, template), template, _generated_ids(template),
                        "transformed")
    if "Globals" in template and SAM_TRANSFORM in _as_list(template.get("Transform")):
        # cfn-lint >= 1.54 merged Globals into the resources already: read it once.
        merged = {key: value for key, value in template.items() if key != "Globals"}
        return Analysis(analyse_template(filename, merged), merged, mode="globals merged")
    return Analysis(analyse_template(filename, template), template)


# One analysis per template object: cfn-lint runs every rule class on a template before it
# moves to the next, so the last one is all that needs keeping.
_last: Optional[Tuple[Any, Any, Optional[Analysis]]] = None


def analysis_for(cfn: Any) -> Optional[Analysis]:
    """The cached analysis of `cfn`. An internal error is raised once (cfn-lint reports it as
    E0002 against the rule that asked first); the other rules then report nothing."""
    global _last
    if _last is not None and _last[0] is cfn and _last[1] is cfn.template:
        return _last[2]
    _last = (cfn, cfn.template, None)
    try:
        result = analyse(cfn)
    except Exception as exc:
        raise RuntimeError(
            f"loopcheck {__version__} could not analyse this template ({type(exc).__name__}: {exc}); "
            "please report it at https://github.com/loopcheck/loopcheck/issues"
        ) from exc
    _last = (cfn, cfn.template, result)
    return result


def rule_matches(cfn: Any, rule_id: str) -> List[RuleMatch]:
    """The RuleMatches of one loopcheck rule on one template."""
    result = analysis_for(cfn)
    matches: List[RuleMatch] = []
    for finding in result.findings if result is not None else []:
        if finding.rule != rule_id:
            continue
        path = result.report_path(finding)
        matches.append(RuleMatch(path, finding.message, location=result.location(path)))
    return matches


def _class_name(rule: Rule) -> str:
    words = re.findall(r"[A-Za-z0-9]+", rule.title)
    return rule.id + "".join(word[:1].upper() + word[1:] for word in words)


def rule_class(rule: Rule) -> type:
    """The cfn-lint rule class of one loopcheck rule."""

    class LoopcheckRule(CloudFormationLintRule):
        id = rule.id
        shortdesc = rule.title
        description = f"{rule.rationale} Fix: {rule.remediation}"
        source_url = doc_url(rule.id)
        tags = TAGS

        def match(self, cfn: Any) -> List[RuleMatch]:
            return rule_matches(cfn, self.id)

    LoopcheckRule.__name__ = LoopcheckRule.__qualname__ = _class_name(rule)
    LoopcheckRule.__doc__ = f"{rule.id}: {rule.title}"
    return LoopcheckRule


# cfn-lint instantiates every CloudFormationLintRule subclass found at this module's top level.
RULE_CLASSES: List[type] = [rule_class(rule) for rule in all_rules()]
globals().update({cls.__name__: cls for cls in RULE_CLASSES})
__all__ = [cls.__name__ for cls in RULE_CLASSES]
