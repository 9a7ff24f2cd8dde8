"""Rules: the metadata each rule module declares, the context its check reads, and the
registry that finds every module in loopcheck.rules (the repository's rules/ folder), so the
core never names a rule."""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from loopcheck.graph.event_graph import EventGraph
from loopcheck.judge.loops import POSSIBLE, Hop, Loop
from loopcheck.load.nodes import locate
from loopcheck.model.resources import Model
from loopcheck.rulebase import suppressions as suppression_entries
from loopcheck.rulebase.finding import EvidenceKind, Finding, Level, Location, NodeRef, Step
from loopcheck.services import registry

_SEVERITY_BY_LETTER = {"E": Level.ERROR, "W": Level.WARNING, "I": Level.INFO}
RULE_DOCS = "https://github.com/loopcheck/loopcheck/blob/main/docs/rules/"


def doc_url(rule_id: str) -> str:
    """A rule's documentation page (docs/rules/<ID>.md): SARIF's helpUri, the cfn-lint
    plugin's source_url and `loopcheck explain` all link it."""
    return f"{RULE_DOCS}{rule_id}.md"


@dataclass(frozen=True)
class Rule:
    """One rule: its id, title, why it matters, how to fix it, its check and its examples."""

    id: str  # a valid cfn-lint id: severity letter, "L" for loopcheck, digits
    title: str
    rationale: str  # why it is bad
    remediation: str  # how to fix it
    check: Callable[[RuleContext], Iterable[Finding]]
    # (failing fixture, passing fixture): folders of fixtures/ whose templates document the rule
    # (`loopcheck explain`, docs/rules/); scripts/generate_rule_docs.py packages the snippets.
    examples: Tuple[str, str] = ("", "")

    @property
    def summary(self) -> str:
        """What the rule detects: its module's docstring, without the leading id."""
        import sys

        doc = (sys.modules[self.check.__module__].__doc__ or "").strip()
        doc = re.sub(r"^[A-Z]{2}\d+:\s*", "", doc)
        doc = " ".join(doc.split())
        return doc[:1].upper() + doc[1:]

    @property
    def severity(self) -> Level:
        return _SEVERITY_BY_LETTER[self.id[0]]


# What a template's Metadata says: its suppressions, and the problems with them.
_Entries = Tuple[List[suppression_entries.Suppression], List[suppression_entries.Problem]]


@dataclass
class RuleContext:
    """What a rule may look at: the model, the graph and the judged loops of one template."""

    model: Model
    graph: EventGraph
    loops: List[Loop]
    _suppressions: Optional[_Entries] = field(default=None, init=False, repr=False)

    def suppressions(self) -> _Entries:
        """The template's suppressions and the problems with them (suppressions.read), read
        once: rules (WL901, WL903) and the pipeline all ask, and reading walks every resource."""
        if self._suppressions is None:
            known = [rule.id for rule in all_rules()]
            self._suppressions = suppression_entries.read(self.model.data, known)
        return self._suppressions

    def display(self, node: str) -> str:
        """A node's logical id as text names it (Model.display): messages and steps use it."""
        return self.model.display(node)

    def path_text(self, loop: Loop) -> str:
        """The loop's nodes in order, as text names them: `A -> B -> A`."""
        return " -> ".join(self.display(node) for node in loop.cycle)

    def file_of(self, path: Sequence[Any]) -> str:
        """The file a JSON path is in: the template's, or for a combined template (cross-stack)
        the file of the resource the path starts at."""
        if len(path) > 1 and path[0] == "Resources":
            return self.model.file_of(path[1])
        return self.model.file

    def location(self, path: Sequence[Any]) -> Location:
        """Where a JSON path is written. Without its column: a step names the line it is on."""
        line, _column = locate(self.model.data, path)
        return Location(self.file_of(path), line)

    def position(self, path: Sequence[Any]) -> str:
        """`file:line` of a JSON path, as the step texts print it."""
        return _position(self.location(path))

    def finding(
        self, rule: Rule, resource: str, path: Sequence[Any], message: str,
        cycle: Optional[List[str]] = None, notes: Optional[Sequence[Union[str, Step]]] = None,
        evidence: str = EvidenceKind.PERMISSION, fix: Optional[str] = None,
    ) -> Finding:
        """A finding of `rule` at `path`; notes (steps, or plain text for a step with no
        location of its own) and evidence usually come from a loop; `fix` is the rule's
        remediation unless the finding names its own (with the resources of the case)."""
        line, column = locate(self.model.data, path)
        cycle = list(cycle or [])
        return Finding(
            rule=rule.id, severity=rule.severity, file=self.file_of(path), line=line,
            column=column, resource=resource, path=list(path), message=message,
            cycle=cycle, steps=[note if isinstance(note, Step) else Step(note) for note in notes or []],
            fix=fix or rule.remediation, evidence=EvidenceKind(evidence),
            nodes=[NodeRef(self.model.file_of(node), self.display(node)) for node in cycle],
        )

    def loop_finding(self, rule: Rule, resource: str, path: Sequence[Any], message: str,
                     loop: Loop, fix: Optional[str] = None) -> Finding:
        """A finding about one loop: its cycle, one step per hop, and its evidence."""
        return self.finding(rule, resource, path, message, cycle=loop.cycle,
                            notes=self.loop_notes(loop), evidence=loop.evidence, fix=fix)

    def actor_path(self, actor: str) -> Sequence[Any]:
        """Where a writer (function or state machine) is defined."""
        if actor in self.model.functions:
            return self.model.functions[actor].path
        resource = self.model.resources.get(actor)
        return resource.path if resource else ("Resources", actor)

    def loop_notes(self, loop: Loop) -> List[Step]:
        """One step per trigger and per write, each with its own location, then what the
        runtime will do. Reads in loop order: a resource triggers a writer, the writer writes."""
        notes: List[Step] = []
        for index, hop in enumerate(loop.hops):
            for link, why in loop.hops[index - 1].links:  # what runs this writer
                notes.append(self._link_note(link, why))
            notes.extend(self._write_note(hop))
        if loop.level < POSSIBLE:
            return notes
        notes.append(self.runtime_note(loop))
        return notes

    def runtime_note(self, loop: Loop) -> Step:
        return Step(self._runtime_text(loop))

    def _runtime_text(self, loop: Loop) -> str:
        allowed = [f for f in loop.functions if self.model.functions[f].recursive_loop == "Allow"]
        if loop.uncovered:
            from loopcheck.judge.hops import uncovered_services  # noqa: I001

            return ("runtime: the loop passes through " + ", ".join(uncovered_services(self.graph, loop))
                    + ", which Lambda's recursive loop detection does not see: nothing at runtime "
                    "will stop it")
        if allowed:
            return ("runtime: RecursiveLoop is Allow on " + ", ".join(self.display(f) for f in allowed)
                    + ": AWS will not stop this loop")
        return ("runtime: RecursiveLoop is Terminate (default): AWS stops this after "
                "~16 billed invocations")

    def _link_note(self, link: Any, why: str) -> Step:
        # A trigger configured outside the template: where the template shows it instead.
        location = self.location(link.path)
        outside = link.outside.describe(_position(location)) if link.outside else ""
        where = "" if outside else f" ({_position(location)})"
        if link.service == "s3":
            events = ", ".join(link.events) or "no event types"
            text = (f"{self.display(link.source)}{where} notifies "
                    f"{self.display(link.consumer)} on {events} with {link.describe_filter()}")
        else:
            verb = registry.verb(link.service)
            origin = "" if outside else f" ({link.origin})"
            text = (f"{self.display(link.source)}{where} {verb} {self.display(link.consumer)}{origin} "
                    f"with {link.describe()}")
        text = f"{text} ({outside})" if outside else text
        return Step(f"{text}: {why}" if why else text, location)

    def _write_note(self, hop: Hop) -> List[Step]:
        """The writer's side of a hop: its permission, then what its code does (or why the
        code could not be read), each with its location."""
        steps = []
        writer, target = self.display(hop.writer), self.display(hop.target)
        if hop.destination is not None:
            location = self.location(hop.destination.path)
            steps.append(Step(f"{writer} sends to {target} as its {hop.destination.origin} "
                              f"({_position(location)}): {hop.destination.why}", location))
            return steps
        if hop.task is not None:
            named = f" on the bucket of its input ({hop.task.target_path})" if hop.task.target_path else ""
            written = hop.task.written_at
            if written is not None:  # in a DefinitionUri file (line 0: the file alone)
                where = _position(written) if written.line else written.file
                location = written if written.line else None
            else:
                location = self.location(hop.task.path)
                where = _position(location)
            steps.append(Step(f"{writer} writes {target}: task {hop.task.state} "
                              f"({where}) calls {hop.task.action}{named}", location))
            return steps
        if hop.grant is not None:
            statement = hop.grant.statement
            location = self.location(statement.path)
            steps.append(Step(
                f"{writer} may write {target}: {statement.source} "
                f"({_position(location)}) grants "
                + (f"{hop.grant.action} on {hop.grant.resource}"
                   if hop.write or hop.unused_permission or hop.dedupe else hop.why),
                location,
            ))
        elif hop.unknown is not None:
            location = self.location(hop.unknown.path)
            steps.append(Step(f"{writer} may write {target}: {hop.unknown.reason} "
                              f"({_position(location)})", location))
        else:
            steps.append(Step(f"{writer} may write {target}"))
        if hop.write is not None:
            write = hop.write.write
            steps.append(Step(
                f"and does: {write.file}:{write.line} {write.api} to {hop.write.target_text}"
                + (f": {hop.why}" if hop.why and not hop.dedupe else ""),  # dedupe: its own line
                self._code_location(hop.writer, write.file, write.line), depth=1,
            ))
            bound = hop.bound
            if bound is not None:
                file = bound.file or write.file
                checked = f"checked at {file}:{bound.line}: {bound.text}"
                steps.append(Step(f"bound: {bound.kind} {bound.variable}, {checked}",
                                  self._code_location(hop.writer, file, bound.line), depth=1))
        elif hop.unused_permission:
            steps.append(Step(f"but its code never writes {target}", depth=1))
        elif hop.code_note:
            steps.append(Step(f"code not analysed ({hop.code_note}): permissions decide", depth=1))
        if hop.broad and hop.level == POSSIBLE:
            steps.append(Step(f"not proof of a loop: {hop.broad}", depth=1))
        if hop.dedupe:
            steps.append(Step(hop.why, depth=1))
        return steps

    def _code_location(self, writer: str, file: str, line: int) -> Optional[Location]:
        """Where a write is in the writer's handler code; None for inline code, whose shown
        name ("Fn inline code (index.py)") is no file: the step is then about the function."""
        code = self.graph.code.get(writer)
        if code is not None and code.source.inline_name and file == code.source.inline_name:
            return None
        return Location(file, line)


def _position(location: Location) -> str:
    return f"{location.file}:{location.line}"


_REGISTRY: Optional[List[Rule]] = None


def _rules_package() -> Any:
    """loopcheck.rules: the repository's rules/ folder, which an install maps to that name
    (pyproject package-dir). A source checkout imported as it is (scripts/, `python -m` or
    cfn-lint run in the checkout put it first on sys.path) has rules/ beside loopcheck/
    instead, so it is loaded from there under the same name."""
    try:
        return importlib.import_module("loopcheck.rules")
    except ModuleNotFoundError as missing:
        folder = Path(__file__).resolve().parent.parent.parent / "rules"
        if missing.name != "loopcheck.rules" or not (folder / "__init__.py").is_file():
            raise
    # rules/__init__.py holds only its docstring, so the package is named, not run.
    package = types.ModuleType("loopcheck.rules", "loopcheck's rules, from rules/ of a source checkout")
    package.__file__ = str(folder / "__init__.py")
    package.__path__ = [str(folder)]
    sys.modules["loopcheck.rules"] = package
    return package


def all_rules() -> List[Rule]:
    """Every rule module's RULE, by id."""
    global _REGISTRY
    if _REGISTRY is None:
        package = _rules_package()
        rules: Dict[str, Rule] = {}
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"loopcheck.rules.{info.name}")
            rule = getattr(module, "RULE", None)
            if isinstance(rule, Rule):
                if rule.id in rules:
                    raise RuntimeError(f"two rules share the id {rule.id}")
                rules[rule.id] = rule
        _REGISTRY = [rules[key] for key in sorted(rules)]
    return _REGISTRY
