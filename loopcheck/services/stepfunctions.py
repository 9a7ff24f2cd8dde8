"""Step Functions (state machines): StartExecution runs a state machine; each Task state of
its definition calls a service (a write the graph follows). The definition is read inline
(Definition), from a DefinitionString (JSON, with Fn::Sub variables) or from a local
DefinitionUri file, with DefinitionSubstitutions filled in.

Sources: /work/shared/AWS-FACTS.md; IAM Service Authorization Reference; Step Functions
developer guide "Service integrations", "Intrinsic functions"; Lambda developer guide
"invocation-recursion" (runtime detection covers Lambda, SQS, SNS and S3 only).
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Tuple

from loopcheck.knowledge.event_paths import STATES_TARGET_PARAMETER, STATES_TASKS
from loopcheck.knowledge.node_kinds import NodeKind
from loopcheck.load.location import Location
from loopcheck.resolve.globs import STAR, tokens
from loopcheck.resolve.props import literal_list, literal_str, mapping
from loopcheck.resolve.values import items_of
from loopcheck.services.base import LOGICAL_ID, SUFFIX, Path, ReadContext, Service


def _state_machine(ctx: ReadContext, logical_id: str, props: Dict[str, Any], path: Path) -> None:
    base = path + ("Properties",)
    for name, event in mapping(props.get("Events")).items():
        ctx.sam_event(logical_id, mapping(event), base + ("Events", name))
    substitutions = mapping(props.get("DefinitionSubstitutions"))
    definition = props.get("Definition")
    where = base + ("Definition",)
    written: Any = None  # a DefinitionUri file: each task says where in it it is written
    if definition is None and "DefinitionUri" in props:
        from loopcheck.load.definition_file import read_definition  # only state machines with a file

        written = read_definition(ctx.file_of(logical_id), props.get("DefinitionUri"))
        definition, where = written.definition, base + ("DefinitionUri",)
        if written.why_unknown:
            ctx.unknown_definition(logical_id, written.why_unknown)
    elif definition is None:
        definition, extra = _definition_string(props.get("DefinitionString"))
        substitutions = {**extra, **substitutions}
        where = base + ("DefinitionString",)
    for state, task in _tasks(mapping(definition)):
        _task(ctx, logical_id, state, task, substitutions, where,
              written.where(task) if written is not None else None)


def _task(ctx: ReadContext, machine: str, state: str, task: Dict[str, Any], subs: Dict[str, Any],
          path: Path, written_at: Optional[Location] = None) -> None:
    resource = _placeholder(task.get("Resource"), subs)
    params = mapping(task.get("Parameters") or task.get("Arguments"))
    texts = [p.literal for p in ctx.resolver.value(resource)]
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
            entry = mapping(entries[0]) if entries else {}
            target_node = _placeholder(entry.get("EventBusName", "default"), subs)
            details = {k: v for k, v in entry.items()
                       if k in ("Source", "DetailType") and literal_str(v) is not None}
        else:
            details = {}
    else:
        action, target_node, details = "lambda:InvokeFunction", resource, {}  # a bare Lambda ARN
    if action is None:
        return
    targets = ctx.ids(target_node) if target_node is not None else None
    task_path = path if written_at is not None else path + ("States", state)
    target_path, key = _runtime_target(action, params, ctx.resolver, subs)
    ctx.add_task(machine, action, targets, task_path, state, details, target_path, key, written_at)


def _runtime_target(action: str, params: Dict[str, Any], resolver: Any, subs: Dict[str, Any]
                    ) -> Tuple[str, Optional[Tuple[Any, ...]]]:
    """What the definition says about a target named at run time (`"Bucket.$": "$.detail.
    bucket.name"`, or JSONata's `"{% $states.input.detail.bucket.name %}"`), and for an S3
    write the key it writes, as a glob: (target path, key)."""
    target_path, key = "", None
    if not action.startswith("s3:"):
        return target_path, key
    for name in ("Bucket.$", "Bucket"):
        value = params.get(name)
        if isinstance(value, str) and (name.endswith(".$") or value.startswith("{%")):
            target_path = value.strip()
    written = params.get("Key")
    if written is not None and not (isinstance(written, str) and written.startswith("{%")):
        values = resolver.value(_placeholder(written, subs))
        key = tokens(values[0], wildcards=False) if len(values) == 1 and not values[0].is_unknown else None
    elif isinstance(params.get("Key.$"), str):
        key = _format_glob(params["Key.$"])
    return target_path, key


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
            arg, variables = arg[0], mapping(arg[1])
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
    for name, state in mapping(definition.get("States")).items():
        state = mapping(state)
        if state.get("Type") == "Task":
            out.append((str(name), state))
        for branch in items_of(state.get("Branches")):
            out.extend(_tasks(mapping(branch), depth + 1))
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                out.extend(_tasks(mapping(state[key]), depth + 1))
    return out


SERVICE = Service(
    name="states", label="Step Functions",
    resource_types={"AWS::StepFunctions::StateMachine": NodeKind.STATE_MACHINE,
                    "AWS::Serverless::StateMachine": NodeKind.STATE_MACHINE},
    write_actions={"states:StartExecution": (NodeKind.STATE_MACHINE, ("invoke",)),
                   "states:StartSyncExecution": (NodeKind.STATE_MACHINE, ("invoke",))},
    invoked=True, named_by="stateMachine:",
    # A state machine without a name is named `<logical id>-<suffix>`, without the stack's name
    # (AWS::StepFunctions::StateMachine, StateMachineName: "If you do not specify a name one
    # will be generated that is similar to MyStateMachine-1234abcdefgh"); at most 80 characters.
    generated_name=(LOGICAL_ID, "-", SUFFIX),
    resource_readers={"AWS::StepFunctions::StateMachine": _state_machine,
                      "AWS::Serverless::StateMachine": _state_machine},
)
