"""Run the composite action in action.yml on this machine, as a GitHub runner would.

    python scripts/run_action.py --with format=github
    python scripts/run_action.py --workspace ../myrepo --with paths=infra/ --with upload-sarif=false

Each `run:` step runs with bash (as `shell: bash` does on a runner: `bash --noprofile --norc
-eo pipefail`) in the workspace, after `${{ ... }}` is evaluated in its `if:`, `env:` and
script from the inputs (with their defaults), earlier steps' outputs and the `github`,
`runner` and `env` contexts; GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY,
RUNNER_TEMP, GITHUB_WORKSPACE and GITHUB_ACTION_PATH are set as on a runner. `uses:` steps
are not run: setup-python answers with this machine's Python (or --python), the cache with
a miss, and any other (the SARIF upload) is recorded with the `with:` values it would have
been given. `--replace install.bin=PATH` stands in for a step (it is recorded as replaced,
its outputs as given): the tests use it to skip the pip install where it is not the subject.

Without --workspace the action runs in a temporary folder holding a copy of
fixtures/s3-same-bucket-loop under infra/. The script prints the log, then each step's fate
and the action's outputs, and exits with the status of the first failing step (0 if none).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
DEFAULT_FIXTURE = ROOT / "fixtures" / "s3-same-bucket-loop"
STATUS_FUNCTIONS = ("always", "success", "failure", "cancelled")


class ExpressionError(Exception):
    """An expression this runner cannot evaluate (a syntax error, an unknown function)."""


# Expressions ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:
    (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>'(?:[^']|'')*')
  | (?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\],.])
  | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
)""", re.X)


def _tokens(text: str) -> List[tuple]:
    out, index = [], 0
    text = text.strip()
    while index < len(text):
        match = _TOKEN.match(text, index)
        if not match or match.end() == index:
            raise ExpressionError(f"cannot read expression at {text[index:]!r}")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        index = match.end()
    return out


def _number(value: Any) -> float:
    """The runner's coercion to a number, for comparing values of different types."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0.0
        try:
            return float(text)
        except ValueError:
            return math.nan
    return math.nan


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()  # the runner compares strings ignoring case
    if type(left) is type(right) and not isinstance(left, (int, float, bool)):
        return left == right
    return _number(left) == _number(right)


def truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "") or isinstance(value, (dict, list))


def text_of(value: Any) -> str:
    """A value as `${{ }}` puts it into text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    return str(value)


class _Parser:
    def __init__(self, text: str, contexts: Dict[str, Any], status: Dict[str, bool]):
        self.tokens = _tokens(text)
        self.position = 0
        self.contexts = contexts
        self.status = status

    def parse(self) -> Any:
        value = self._or()
        if self.position != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.position][1]!r}")
        return value

    def _peek(self) -> Optional[str]:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def _take(self, expected: Optional[str] = None) -> tuple:
        if self.position >= len(self.tokens):
            raise ExpressionError("expression ends too soon")
        token = self.tokens[self.position]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r}, got {token[1]!r}")
        self.position += 1
        return token

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._comparison()
        while self._peek() == "&&":
            self._take()
            right = self._comparison()
            value = right if truthy(value) else value
        return value

    def _comparison(self) -> Any:
        left = self._unary()
        operator = self._peek()
        if operator in ("==", "!=", "<", ">", "<=", ">="):
            self._take()
            right = self._unary()
            if operator == "==":
                return _equal(left, right)
            if operator == "!=":
                return not _equal(left, right)
            a, b = _number(left), _number(right)
            return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[operator]
        return left

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if text == "(":
            value = self._or()
            self._take(")")
            return value
        if kind == "number":
            return float(text)
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self._peek() == "(":
            return self._call(text)
        value = self.contexts.get(text)
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                key = self._take()[1]
            else:
                key = self._or()
                self._take("]")
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def _call(self, name: str) -> Any:
        self._take("(")
        arguments = []
        while self._peek() != ")":
            arguments.append(self._or())
            if self._peek() == ",":
                self._take()
        self._take(")")
        lowered = name.lower()
        if lowered in STATUS_FUNCTIONS:
            return {"always": True, "success": not self.status["failed"], "failure": self.status["failed"],
                    "cancelled": False}[lowered]
        if lowered == "contains":
            haystack, needle = arguments
            if isinstance(haystack, list):
                return any(_equal(item, needle) for item in haystack)
            return text_of(needle).lower() in text_of(haystack).lower()
        if lowered == "startswith":
            return text_of(arguments[0]).lower().startswith(text_of(arguments[1]).lower())
        if lowered == "endswith":
            return text_of(arguments[0]).lower().endswith(text_of(arguments[1]).lower())
        if lowered == "format":
            out = text_of(arguments[0])
            for index, argument in enumerate(arguments[1:]):
                out = out.replace(f"{{{index}}}", text_of(argument))
            return out
        if lowered == "tojson":
            return json.dumps(arguments[0], indent=2)
        if lowered == "fromjson":
            return json.loads(text_of(arguments[0]))
        raise ExpressionError(f"function {name}() is not known to this runner")


def evaluate(expression: str, contexts: Dict[str, Any], status: Dict[str, bool]) -> Any:
    return _Parser(expression, contexts, status).parse()


_EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def substitute(text: str, contexts: Dict[str, Any], status: Dict[str, bool]) -> str:
    """`text` with each `${{ expression }}` replaced by its value, as the runner does."""
    return _EMBEDDED.sub(lambda m: text_of(evaluate(m.group(1), contexts, status)), text)


def condition(text: Any, contexts: Dict[str, Any], status: Dict[str, bool]) -> bool:
    """A step's `if:` (`${{ }}` optional); without a status function it means `success() && (...)`."""
    if text is None:
        return not status["failed"]
    if isinstance(text, bool):
        return text and not status["failed"]
    expression = str(text).strip()
    match = re.fullmatch(r"\$\{\{(.*)\}\}", expression, re.S)
    if match:
        expression = match.group(1)
    if not re.search(r"\b(" + "|".join(STATUS_FUNCTIONS) + r")\s*\(", expression, re.I):
        expression = f"success() && ({expression})"
    return truthy(evaluate(expression, contexts, status))


# Running -------------------------------------------------------------------------------------


@dataclass
class StepRun:
    name: str
    id: Optional[str]
    fate: str  # "ran", "skipped", "stubbed" (a `uses:` step), "replaced"
    status: Optional[int] = None  # a `run:` step's exit status
    outputs: Dict[str, str] = field(default_factory=dict)
    uses: Optional[str] = None
    inputs: Dict[str, str] = field(default_factory=dict)  # a `uses:` step's evaluated `with:`


@dataclass
class ActionRun:
    log: str
    steps: List[StepRun]
    outputs: Dict[str, str]
    status: int  # the first failing step's exit status, else 0

    def step(self, key: str) -> StepRun:
        """The step with this id, or whose `uses:` starts with `key`."""
        for step in self.steps:
            if step.id == key or (step.uses or "").startswith(key):
                return step
        raise KeyError(key)


def parse_output_file(text: str) -> Dict[str, str]:
    """GITHUB_OUTPUT / GITHUB_ENV lines: `name=value`, or `name<<DELIMITER` ... `DELIMITER`."""
    values: Dict[str, str] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            while index < len(lines) and lines[index] != delimiter:
                body.append(lines[index])
                index += 1
            index += 1
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def _stub(uses: str, python: str) -> Dict[str, str]:
    """The outputs a `uses:` step would give, for those later steps read."""
    if uses.startswith("actions/setup-python@"):
        return {"python-path": python, "python-version": platform.python_version(), "cache-hit": "false"}
    if uses.startswith("actions/cache@"):
        return {"cache-hit": "false"}
    return {}


def run_action(workspace: Path, inputs: Optional[Dict[str, str]] = None, *, action: Path = ACTION,
               python: str = sys.executable, replace: Optional[Dict[str, Dict[str, str]]] = None,
               env: Optional[Dict[str, str]] = None, github: Optional[Dict[str, Any]] = None) -> ActionRun:
    """Run the action's steps in `workspace` with these inputs; see the module docstring."""
    definition = yaml.safe_load(action.read_text(encoding="utf-8"))
    declared = definition.get("inputs") or {}
    given = dict(inputs or {})
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ValueError(f"{action.name} has no input {', '.join(unknown)}")
    values = {name: text_of(given.get(name, (spec or {}).get("default", "")))
              for name, spec in declared.items()}
    replace = replace or {}
    workspace = workspace.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="run-action-"))
    temp = scratch / "runner-temp"
    temp.mkdir()
    system = {"Darwin": "macOS"}.get(platform.system(), platform.system())
    contexts: Dict[str, Any] = {
        "inputs": values,
        "steps": {},
        "github": {"action_path": str(action.parent.resolve()), "workspace": str(workspace),
                   "event_name": "push", "repository": "example/repository", "sha": "0" * 40,
                   "ref": "refs/heads/main", "action_ref": "", **(github or {})},
        "runner": {"os": system, "arch": "X64" if platform.machine() in ("x86_64", "AMD64") else "ARM64",
                   "temp": str(temp), "tool_cache": str(scratch / "tool-cache")},
        "env": dict(env or {}),
    }
    # No INPUT_* variables: a runner sets none for a composite action's steps, so an input
    # reaches a script only through the step's `env:`, as it must on GitHub.
    base_env = {**os.environ, **(env or {}), "CI": "true", "GITHUB_ACTIONS": "true",
                "GITHUB_WORKSPACE": str(workspace), "GITHUB_ACTION_PATH": contexts["github"]["action_path"],
                "RUNNER_TEMP": str(temp), "RUNNER_OS": system,
                "GITHUB_EVENT_NAME": contexts["github"]["event_name"]}
    status = {"failed": False}
    exit_status = 0
    log: List[str] = []
    runs: List[StepRun] = []
    try:
        for number, step in enumerate(definition["runs"]["steps"], start=1):
            step_id = step.get("id")
            name = step.get("name") or step.get("uses") or f"step {number}"
            record = StepRun(name=name, id=step_id, fate="skipped", uses=step.get("uses"))
            runs.append(record)
            if not condition(step.get("if"), contexts, status):
                log.append(f"## {name}: skipped\n")
                continue
            if step_id in replace:
                record.fate, record.outputs = "replaced", dict(replace[step_id])
            elif "uses" in step:
                record.fate = "stubbed"
                record.inputs = {key: substitute(text_of(value), contexts, status)
                                 for key, value in (step.get("with") or {}).items()}
                record.outputs = _stub(step["uses"], python)
                given_with = json.dumps(record.inputs, sort_keys=True)
                log.append(f"## {name}: would run {step['uses']} with {given_with}\n")
            else:
                record.fate = "ran"
                record.status, record.outputs, text = _run_shell(step, number, contexts, status, base_env,
                                                                 workspace, temp)
                log.append(f"## {name}\n{text}")
                if record.status != 0:
                    log.append(f"## {name}: exit status {record.status}\n")
                    if not step.get("continue-on-error"):
                        status["failed"] = True
                        exit_status = exit_status or record.status
            if step_id:
                contexts["steps"][step_id] = {"outputs": record.outputs,
                                              "outcome": "failure" if record.status else "success"}
        outputs = {name: substitute(str((spec or {}).get("value", "")), contexts, status)
                   for name, spec in (definition.get("outputs") or {}).items()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return ActionRun(log="".join(log), steps=runs, outputs=outputs, status=exit_status)


def _run_shell(step: Dict[str, Any], number: int, contexts: Dict[str, Any], status: Dict[str, bool],
               base_env: Dict[str, str], workspace: Path, temp: Path):
    shell = step.get("shell")
    if shell != "bash":
        raise ValueError(f"step {number}: this runner runs `shell: bash` steps only, not {shell!r}")
    files = {key: temp / f"{key.lower()}-{number}-{uuid.uuid4().hex}"
             for key in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")}
    for path in files.values():
        path.write_text("")
    environment = {**base_env, **{key: str(path) for key, path in files.items()}}
    for key, value in (step.get("env") or {}).items():
        environment[key] = substitute(text_of(value), contexts, status)
    script = temp / f"step-{number}.sh"
    script.write_text(substitute(step["run"], contexts, status), encoding="utf-8")
    cwd = workspace / step["working-directory"] if step.get("working-directory") else workspace
    completed = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd,
                               env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               check=False, stdin=subprocess.DEVNULL)
    outputs = parse_output_file(files["GITHUB_OUTPUT"].read_text())
    base_env.update(parse_output_file(files["GITHUB_ENV"].read_text()))
    contexts["env"].update(parse_output_file(files["GITHUB_ENV"].read_text()))
    added = [line for line in files["GITHUB_PATH"].read_text().splitlines() if line]
    if added:
        base_env["PATH"] = os.pathsep.join([*reversed(added), base_env.get("PATH", "")])
    return completed.returncode, outputs, completed.stdout


# Command line --------------------------------------------------------------------------------


def _pairs(items: List[str], what: str) -> Dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise SystemExit(f"run_action: {what} {item!r} is not NAME=VALUE")
        key, value = item.split("=", 1)
        out[key] = value
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--with", dest="inputs", action="append", default=[], metavar="INPUT=VALUE",
                        help="an input of the action, as in a workflow's `with:`")
    parser.add_argument("--workspace", type=Path,
                        help="the checked-out repository [default: a temporary copy of a fixture]")
    parser.add_argument("--action", type=Path, default=ACTION, help="the action.yml to run")
    parser.add_argument("--python", default=sys.executable, help="the Python setup-python answers with")
    parser.add_argument("--replace", action="append", default=[], metavar="STEP.OUTPUT=VALUE",
                        help="do not run the step with this id; give it this output instead")
    parser.add_argument("--github", action="append", default=[], metavar="KEY=VALUE",
                        help="a `github` context value, e.g. event_name=pull_request")
    options = parser.parse_args(argv)
    replace: Dict[str, Dict[str, str]] = {}
    for key, value in _pairs(options.replace, "--replace").items():
        step, _, output = key.partition(".")
        replace.setdefault(step, {})[output] = value
    github = _pairs(options.github, "--github")
    inputs = _pairs(options.inputs, "--with")
    if options.workspace:
        result = run_action(options.workspace, inputs, action=options.action, python=options.python,
                            replace=replace, github=github)
    else:
        with tempfile.TemporaryDirectory(prefix="run-action-workspace-") as folder:
            shutil.copytree(DEFAULT_FIXTURE, Path(folder) / "infra" / DEFAULT_FIXTURE.name)
            result = run_action(Path(folder), inputs, action=options.action, python=options.python,
                                replace=replace, github=github)
    sys.stdout.write(result.log)
    print("## steps")
    for step in result.steps:
        detail = f" (exit {step.status})" if step.status is not None else ""
        if step.fate == "stubbed":
            detail = f" with {json.dumps(step.inputs, sort_keys=True)}"
        print(f"  {step.fate:8} {step.name}{detail}")
    print("## outputs")
    for name, value in result.outputs.items():
        print(f"  {name}={value}")
    return result.status


if __name__ == "__main__":
    sys.exit(main())
