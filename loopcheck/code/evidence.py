"""Joins handler-code facts with the template: which bucket each write reaches, what its key
can be, and whether a guard in the code breaks the loop.

Code never runs: the facts come from loopcheck.code.python_facts / js_facts. Anything the
analysers could not pin down stays unknown here (an unresolved bucket counts as every bucket
the permissions allow; an unknown key part matches anything), so code evidence can only make
a verdict more exact, never silently safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from loopcheck.code import key_globs
from loopcheck.code.facts import (
    AnyText,
    Basename,
    CodeFacts,
    Concat,
    Guard,
    IncomingKey,
    KeyExpr,
    Lit,
    Replace,
    Slice,
    Stem,
    Write,
)
from loopcheck.code.locate import CodeSource, locate_code, problem_reason
from loopcheck.knowledge.sdk_catalog import iam_actions
from loopcheck.load.gcpause import collect_young
from loopcheck.model.resources import Function, Model, Trigger
from loopcheck.resolve.globs import STAR, Tokens, covers, intersects
from loopcheck.resolve.values import concat, literal

EVENT_SOURCE = "<event source>"

# S3 API call -> IAM action it needs: the SDK catalog's S3 rows.
S3_API_ACTION = {api: action for (_, api), action in iam_actions("s3").items()}


@dataclass
class ResolvedWrite:
    """A write found in handler code, with the template nodes it may target."""

    write: Write
    targets: Optional[List[str]]  # node ids; None: unresolved, any the permissions allow
    target_text: str  # how the code names the target, for messages
    # A name computed from the incoming bucket's: incoming bucket -> the template buckets of
    # that name (none: a bucket outside the template).
    derived: Optional[Dict[str, List[str]]] = None

    def reaches(self, bucket: str, incoming_bucket: Optional[str]) -> bool:
        if self.targets is None:
            return True
        if self.derived is not None:
            if incoming_bucket is None:
                return bucket in self.targets
            return bucket in self.derived.get(incoming_bucket, ())
        if EVENT_SOURCE in self.targets:
            return bucket == incoming_bucket
        return bucket in self.targets


@dataclass
class FunctionCode:
    """A function's code as far as loop detection needs it."""

    source: CodeSource
    facts: Optional[CodeFacts]
    # Its writes, of every service, in the order the code makes them, each resolved to the
    # nodes it names (`write.service` tells which service; a consumer wanting one filters by it).
    writes: List[ResolvedWrite] = field(default_factory=list)

    @property
    def analysed(self) -> bool:
        return self.facts is not None and self.facts.analysed

    @property
    def why_not(self) -> str:
        if self.facts is not None and self.facts.problems:
            return "; ".join(problem_reason(p) for p in self.facts.problems[:2])
        return self.source.reason or "code not analysed"

    @property
    def why_incomplete(self) -> str:
        """Why a write missing from analysed code proves nothing (facts.complete is False)."""
        if self.facts is not None and self.facts.notes:
            return self.facts.notes[0]
        return "some calls could not be analysed"


def code_notes(template: str, code: Dict[str, FunctionCode]) -> List[str]:
    """The `loopcheck: note:` lines for the limits that cut handler analysis short (an import
    not followed, a budget used up), one per function and limit, in function order: the
    verdicts on those functions come from their permissions."""
    notes: List[str] = []
    for function_id in sorted(code):
        facts = code[function_id].facts
        for note in facts.notes if facts is not None else []:
            if facts.analysed:
                note += "; a write there would be missed, so permissions decide where the code shows none"
            notes.append(f"{template}: {function_id}: {note}")
    return notes


def _run_analyser(source: CodeSource) -> CodeFacts:
    if source.language == "go" and source.entry is not None:
        from loopcheck.code import go_facts

        return go_facts.analyse_go(source.entry, source.function_name, source.root)
    if source.language == "python":
        from loopcheck.code import python_facts

        if source.inline_text is not None:
            return python_facts.analyse_python_source(source.inline_text, source.inline_name,
                                                      source.function_name)
        return python_facts.analyse_python(source.entry, source.function_name, source.root)
    if source.language == "java":
        from loopcheck.code import java_facts

        return java_facts.analyse_java(source.entry, source.function_name, source.root)
    if source.language == "csharp" and source.entry is not None and source.root is not None:
        from loopcheck.code import csharp_facts

        return csharp_facts.analyse_csharp(source.entry, source.function_name, source.root)
    from loopcheck.code import js_facts

    if source.inline_text is not None:
        return js_facts.analyse_js_source(source.inline_text, source.inline_name, source.function_name)
    return js_facts.analyse_js(source.entry, source.function_name, source.root)


def _analyse_archive(source: CodeSource) -> CodeFacts:
    """The facts of a handler inside a local .zip: analysed in a private copy that is removed
    afterwards, its files named inside the archive (`fn/x.zip/app.py`)."""
    from loopcheck.code import archives  # imported here: most code is a folder, and zipfile costs start-up

    assert source.archive is not None
    try:
        with archives.extracted(source.archive) as folder:
            copy = replace(source, entry=folder / source.member, root=folder)
            return archives.relabel(_run_analyser(copy), str(folder), source.shown)
    except archives.ArchiveError as error:
        return CodeFacts(source.language or "", analysed=False, problems=[archives.reason(source.shown, error)])


def function_code(model: Model, function: Function,
                  analysed: Optional[Dict[tuple, CodeFacts]] = None,
                  paths: Optional[Dict[str, Path]] = None) -> FunctionCode:
    """Locate, analyse and resolve one function's code. Never raises. `analysed` keeps the
    facts of handlers already read in this template: functions sharing a handler file are
    analysed once (resolution stays per function: each has its own environment). `paths`
    keeps the folders already resolved in this template."""
    source = locate_code(model, function, paths)
    if not source.found:
        return FunctionCode(source, None)
    key = (source.language, str(source.entry), str(source.root), source.function_name, source.inline_text,
           source.inline_name, str(source.archive), source.member)  # inline code is named after its function
    facts = analysed.get(key) if analysed is not None else None
    if facts is None:
        try:
            facts = _analyse_archive(source) if source.archive is not None else _run_analyser(source)
        except Exception as exc:  # noqa: BLE001 - an analyser bug must not stop the scan
            facts = CodeFacts(language=source.language or "", analysed=False,
                              problems=[f"internal error analysing code ({type(exc).__name__}: {exc})"])
        collect_young()  # this handler's syntax trees and scopes are garbage now
        if analysed is not None:
            analysed[key] = facts
    code = FunctionCode(source, facts)
    if facts.analysed:
        code.writes = [_resolve(model, function, w) if w.service == "s3" else _resolve_other(model, function, w)
                       for w in facts.writes if w.service == "s3" or w.service in SERVICE_KINDS]
    return code


# facts.Write service -> the kind of node it writes (knowledge.event_paths.RESOURCE_KINDS).
SERVICE_KINDS = {
    "sqs": "queue", "sns": "topic", "dynamodb": "table", "kinesis": "stream", "events": "bus",
    "states": "statemachine", "lambda": "function", "firehose": "firehose",
}


def _resolve_other(model: Model, function: Function, write: Write) -> ResolvedWrite:
    """Which queue, topic, table, stream, bus, state machine or function a write names
    (`targets` holds their ids; None: unresolved)."""
    kind = SERVICE_KINDS[write.service]
    target = write.target

    def ids(node: object) -> List[str]:
        return [i for i in model.resource_ids(node, resolver=model.resolver_of(function.id))
                if model.kind_of(i) == kind]

    if target.kind == "self":
        return ResolvedWrite(write, [function.id], "the function itself")
    if target.kind == "event-source":  # the queue, topic or stream the record came from
        found = [t.source for t in model.event_triggers
                 if t.consumer == function.id and model.kind_of(t.source) == kind]
        return ResolvedWrite(write, list(dict.fromkeys(found)), f"the {kind} the event came from")
    if target.kind == "literal":
        found = ids(target.value)
        if not found and "/" in target.value and kind == "queue":  # a queue URL: match by name
            found = ids(target.value.rsplit("/", 1)[-1])
        return ResolvedWrite(write, found, f"'{target.value}'")
    if target.kind == "env":
        variables = function.environment
        if target.value in variables:
            found = ids(variables[target.value])
            names = ", ".join(model.display(node) for node in found) or f"no {kind} of this template"
            return ResolvedWrite(write, found, f"env {target.value} (= {names})")
        return ResolvedWrite(write, None, f"env {target.value} (not set in the template)")
    return ResolvedWrite(write, None, f"an unresolved {kind} ({target.value or 'computed'})")


def _resolve(model: Model, function: Function, write: Write) -> ResolvedWrite:
    target = write.target
    if target.kind == "literal":
        return ResolvedWrite(write, model.bucket_ids(target.value), f"'{target.value}'")
    if target.kind == "event-source" and target.affixes != ("", ""):
        return _derived_bucket(model, write, target.affixes)
    if target.kind == "event-source":
        return ResolvedWrite(write, [EVENT_SOURCE], "the bucket of the incoming event")
    if target.kind == "env":
        variables = function.environment
        if target.value in variables:
            buckets = model.bucket_ids(variables[target.value], model.resolver_of(function.id))
            names = ", ".join(model.display(bucket) for bucket in buckets) or "no bucket of this template"
            return ResolvedWrite(write, buckets, f"env {target.value} (= {names})")
        return ResolvedWrite(write, None, f"env {target.value} (not set in the template)")
    return ResolvedWrite(write, None, f"an unresolved bucket ({target.value or 'computed'})")


def _derived_bucket(model: Model, write: Write, affixes: Tuple[str, str]) -> ResolvedWrite:
    """`bucket + "-resized"`: for each bucket, the template's buckets named that way."""
    before, after = affixes
    by_name: Dict[tuple, List[str]] = {}
    for bucket_id, bucket in model.buckets.items():
        for name in bucket.names:
            by_name.setdefault(name.parts, []).append(bucket_id)
    derived: Dict[str, List[str]] = {}
    for bucket_id, bucket in model.buckets.items():
        for name in bucket.names:
            joined = concat([literal(before), name, literal(after)])
            for other in by_name.get(joined.parts, []) if joined is not None else ():
                derived.setdefault(bucket_id, [])
                if other not in derived[bucket_id]:
                    derived[bucket_id].append(other)
    reached = sorted({b for targets in derived.values() for b in targets}, key=lambda b: model.order.get(b, 0))
    shown = " + ".join(part for part in (f"'{before}'" if before else "", "the incoming bucket's name",
                                         f"'{after}'" if after else "") if part)
    where = (", ".join(model.display(bucket) for bucket in reached) if reached
             else "a bucket outside the template")
    return ResolvedWrite(write, reached, f"{shown} (= {where})", derived)


# -- keys ------------------------------------------------------------------------------------


def key_tokens(expr: Optional[KeyExpr], incoming: Optional[Trigger], guards: Sequence[Guard] = ()) -> Tokens:
    """The output key as a glob. The incoming key is known to match the incoming filter, and
    to pass the key checks the write runs only after (`guards`: a write that runs only when the
    key ends with .jpg knows it does)."""
    known = incoming_shape(incoming, guards)
    return _tokens(expr, known)


def incoming_shape(incoming: Optional[Trigger], guards: Sequence[Guard] = ()) -> Tuple[str, str]:
    """(prefix, suffix) every incoming key has where the write runs: the notification's key
    filter and the key checks that let only such keys through (the longer of two that agree;
    checks that contradict the filter leave it as it is)."""
    prefix = incoming.prefix if incoming and incoming.prefix else ""
    suffix = incoming.suffix if incoming and incoming.suffix else ""
    for guard in guards:
        if guard.kind != "key" or guard.key_test is None or guard.key_test[2]:
            continue
        operation, text = guard.key_test[0], guard.key_test[1]
        if operation == "startswith" and text.startswith(prefix):
            prefix = text
        elif operation == "endswith" and text.endswith(suffix):
            suffix = text
    return prefix, suffix


def _tokens(expr: Optional[KeyExpr], known: Tuple[str, str]) -> Tokens:
    if expr is None or isinstance(expr, AnyText):
        return (STAR,)
    if isinstance(expr, Lit):
        return tuple(expr.text)
    if isinstance(expr, IncomingKey):
        return tuple(known[0]) + (STAR,) + tuple(known[1])
    if isinstance(expr, Concat):
        out: List[object] = []
        for part in expr.parts:
            for tok in _tokens(part, known):
                if not (tok is STAR and out and out[-1] is STAR):
                    out.append(tok)
        return tuple(out)
    if isinstance(expr, Replace):
        return key_globs.replace(_tokens(expr.source, known), expr.old, expr.new, expr.first_only)
    if isinstance(expr, Stem):
        return key_globs.stem_of(_tokens(expr.source, known))
    if isinstance(expr, Basename):
        return key_globs.basename_of(_tokens(expr.source, known))
    if isinstance(expr, Slice):
        return key_globs.slice_of(_tokens(expr.source, known), expr.start, expr.end)
    return (STAR,)


def render_key(expr: Optional[KeyExpr]) -> str:
    if expr is None:
        return "<unknown>"
    if isinstance(expr, Lit):
        return expr.text
    if isinstance(expr, IncomingKey):
        return "<key>"
    if isinstance(expr, AnyText):
        return "<?>"
    if isinstance(expr, Concat):
        return "".join(render_key(p) for p in expr.parts)
    if isinstance(expr, Replace):
        return f"{render_key(expr.source)}.replace('{expr.old}', '{expr.new}')"
    if isinstance(expr, Stem):
        return f"stem({render_key(expr.source)})"
    if isinstance(expr, Basename):
        return f"basename({render_key(expr.source)})"
    if isinstance(expr, Slice):
        return f"{render_key(expr.source)}[{expr.start}:{'' if expr.end is None else expr.end}]"
    return "<?>"


# -- guards ----------------------------------------------------------------------------------


def guard_breaks_loop(guard: Guard, output_key: Tokens) -> Optional[bool]:
    """True: the guard provably stops the invocation the output causes; False: it provably
    does not; None: it is a guard loopcheck cannot check against the key (metadata, regex)."""
    if guard.kind != "key" or guard.key_test is None:
        return None
    operation, text, exits_when_true = guard.key_test
    shape: Tuple[object, ...]
    if operation == "startswith":
        shape = tuple(text) + (STAR,)
    elif operation == "endswith":
        shape = (STAR,) + tuple(text)
    else:
        shape = (STAR,) + tuple(text) + (STAR,)
    always = covers(shape, output_key)
    never = not intersects(shape, output_key)
    if exits_when_true:
        return True if always else (False if never else None)
    return True if never else (False if always else None)
