"""The rule base: everything a rule module imports. A rule (`loopcheck.rules.<id>_<name>`)
declares a `Rule` with its metadata and a check over a `RuleContext` (the model, the event
graph and the judged loops), and returns `Finding`s.

Rules import this package and nothing else of loopcheck, so the stages below can change
without touching a rule.
"""

from loopcheck.judge.bounds import RUNTIME_TEXT, bound_text, waits_on
from loopcheck.judge.cut_groups import possible_ring
from loopcheck.judge.hops import uncovered_services
from loopcheck.judge.loops import GUARDED, LOOP, NONE, POSSIBLE
from loopcheck.resolve.props import mapping
from loopcheck.rulebase import fix_text, suppressions
from loopcheck.rulebase.finding import (
    SEVERITIES,
    SEVERITY_RANK,
    EvidenceKind,
    Finding,
    Level,
    Location,
    NodeRef,
    Step,
)
from loopcheck.rulebase.rule import Rule, RuleContext, all_rules

__all__ = [
    "EvidenceKind", "Finding", "GUARDED", "LOOP", "Level", "Location", "NONE", "NodeRef", "POSSIBLE",
    "RUNTIME_TEXT", "Rule", "RuleContext", "SEVERITIES", "SEVERITY_RANK", "Step", "all_rules", "bound_text",
    "fix_text", "mapping", "possible_ring", "suppressions", "uncovered_services",
    "waits_on",
]
