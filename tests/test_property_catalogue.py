"""Every property loopcheck reads, fed every value shape a template can hold.

The catalogue (tests/property_catalogue.py) lists each (resource type, property path) the
model, the rules and the front-ends read; BASE_TEMPLATE sets each to a valid value. Here:
- the catalogue is complete: every key the reading modules look up is in a row (or in
  NOT_PROPERTIES, with why), so a new read cannot be added without a row;
- every row is set in the base template, which exercises the readings (a loop, alarms,
  tasks, triggers of every service are found), so a replaced value is really read;
- every value shape (literals of each type, every intrinsic, an unknown `Fn::Foo`,
  `AWS::NoValue`) in place of every row goes through the pipeline and through the cfn-lint
  plugin without an exception. Rows are grouped by depth (rows of one depth never contain
  each other, and their parents keep valid values), one template per shape and depth; the
  rows where a crash was found also run one by one.

scripts/test_cfnlint_eras.sh runs the plugin tests here under the older cfn-lint era too
(the every-depth plugin matrix is marked slow: run it in that era's venv with
`pytest tests/test_property_catalogue.py -m slow`).
"""

from __future__ import annotations

import ast
import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple

import pytest
import yaml
from builder import bucket, dump, inline_function, parameter, ref, s3_crud, s3_event, sub, template
from builder import resource as resource_of_type
from clirunner import cli_runner
from property_catalogue import BASE_TEMPLATE, CATALOGUE, NOT_PROPERTIES, TEMPLATE

from loopcheck.app.cli import main
from loopcheck.app.scan import ScanOptions, scan_file
from loopcheck.load.loader import Template, parse_text
from loopcheck.pipeline.analysis import analyse
from loopcheck.resolve import props
from loopcheck.resolve.values import _NAME_PROPERTY

ROOT = Path(__file__).resolve().parent.parent

SHAPES: Dict[str, Any] = {
    "string": "some-text",
    "empty-string": "",
    "number": 42,
    "float": 1.5,
    "boolean": True,
    "null": None,
    "list": ["a", "b"],
    "empty-list": [],
    "list-of-intrinsics": [{"Fn::Sub": "${AWS::StackName}"}, {"Ref": "Param"}],
    "list-of-mappings": [{"Name": "FunctionName", "Value": "x"}],
    "mapping": {"Key": "Value"},
    "empty-mapping": {},
    "number-keyed-mapping": {1: "one"},
    "Ref": {"Ref": "RawFn"},
    "Ref-parameter": {"Ref": "Param"},
    "Ref-unknown": {"Ref": "Nowhere"},
    "Sub": {"Fn::Sub": "${AWS::StackName}-x"},
    "Sub-with-variables": {"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "Param"}}]},
    "GetAtt": {"Fn::GetAtt": ["RawFn", "Arn"]},
    "GetAtt-dotted": {"Fn::GetAtt": "RawFn.Arn"},
    "Join": {"Fn::Join": ["-", ["a", {"Ref": "AWS::StackName"}]]},
    "If": {"Fn::If": ["IsProd", "a", {"Ref": "AWS::NoValue"}]},
    "If-of-shapes": {"Fn::If": ["IsProd", {"Fn::Sub": "x-${AWS::Region}"}, ["a", {"Key": "V"}]]},
    "Select": {"Fn::Select": [0, ["a", "b"]]},
    "FindInMap": {"Fn::FindInMap": ["Map", "Key", "Value"]},
    "ImportValue": {"Fn::ImportValue": "exported"},
    "Base64": {"Fn::Base64": "text"},
    "Split": {"Fn::Split": [",", "a,b"]},
    "GetAZs": {"Fn::GetAZs": ""},
    "Cidr": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]},
    "ToJsonString": {"Fn::ToJsonString": {"a": "b"}},
    "Length": {"Fn::Length": [1, 2]},
    "unknown-Fn": {"Fn::Foo": "x"},
    "NoValue": {"Ref": "AWS::NoValue"},
}
SHAPE_IDS = list(SHAPES)

Step = str  # a key, "[]" (every list item) or "*" (every mapping value)


def steps(path: str) -> List[Step]:
    out: List[Step] = []
    for piece in path.split("."):
        key, brackets = piece.split("[]")[0], piece.count("[]")
        out += ([key] if key else []) + ["[]"] * brackets
    return out


@cache
def base() -> Dict[str, Any]:
    return yaml.safe_load(BASE_TEMPLATE)


def roots(data: Dict[str, Any], rtype: str) -> List[Any]:
    if rtype == TEMPLATE:
        return [data]
    return [r for r in data["Resources"].values() if rtype == "*" or r.get("Type") == rtype]


def places(data: Dict[str, Any], rtype: str, path: str) -> List[Tuple[Any, Any]]:
    """(container, key or index) of every value a row names in `data`."""
    found: List[Tuple[Any, Any]] = []

    def walk(node: Any, rest: Sequence[Step]) -> None:
        step, more = rest[0], rest[1:]
        if step == "[]":
            keys: List[Any] = list(range(len(node))) if isinstance(node, list) else []
        elif step == "*":
            keys = list(node) if isinstance(node, dict) else []
        else:
            keys = [step] if isinstance(node, dict) and step in node else []
        for key in keys:
            if more:
                walk(node[key], more)
            else:
                found.append((node, key))

    for root in roots(data, rtype):
        walk(root, steps(path))
    return found


def with_value(value: Any, rows: Sequence[Tuple[str, str]], data: Any = None) -> Dict[str, Any]:
    """A copy of `data` (the base template by default) with `value` at every place of `rows`."""
    data = copy.deepcopy(base() if data is None else data)
    for rtype, path in rows:
        for container, key in places(data, rtype, path):
            container[key] = copy.deepcopy(value)
    return data


def _keys_all_text(node: Any) -> bool:
    if isinstance(node, dict):
        return all(isinstance(k, str) and _keys_all_text(v) for k, v in node.items())
    return all(_keys_all_text(item) for item in node) if isinstance(node, list) else True


def text_of(data: Dict[str, Any]) -> str:
    """The template as JSON (fast to write and read), or as YAML when a mapping has a key
    JSON cannot hold (a number)."""
    if _keys_all_text(data):
        return json.dumps(data, indent=1)
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False, width=1000)


def depth_groups() -> Dict[int, List[Tuple[str, str]]]:
    groups: Dict[int, List[Tuple[str, str]]] = {}
    for rtype, path in CATALOGUE:
        groups.setdefault(len(steps(path)), []).append((rtype, path))
    return groups


DEPTHS = sorted(depth_groups())


def name_of(text: str) -> str:
    return "template.json" if text.startswith("{") else "template.yaml"


def analysed(text: str):
    name = name_of(text)
    loaded = parse_text(name, text, True)
    assert isinstance(loaded, Template), loaded
    return analyse(name, loaded.data)


# -- the accessor --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPE_IDS)
def test_accessor_classifies_every_shape(shape):
    value = SHAPES[shape]
    kind = props.kind(value)
    if shape[0].isupper() or shape == "unknown-Fn":
        assert kind == props.INTRINSIC
        assert props.mapping(value) == {} and props.literal_str(value) is None
    elif shape == "null":
        assert kind == props.UNKNOWN
    else:
        assert kind == props.LITERAL
    assert props.literal_list(value) == (value if isinstance(value, list) else [])
    assert props.is_no_value(value) == (shape == "NoValue")


def test_accessor_reads_literals():
    assert props.literal_str("Invocations") == "Invocations"
    assert props.literal_str(5) is None and props.literal_str(5, numbers=True) == "5"
    assert props.literal_str(True, numbers=True) is None
    assert props.mapping({"Fn::Sub": "x", "Other": 1}) == {"Fn::Sub": "x", "Other": 1}  # two keys: literal
    assert props.mapping({"Name": "x"}) == {"Name": "x"}
    assert props.literal_list(("a",)) == []


# -- the catalogue -------------------------------------------------------------------------

READING_MODULES = [
    "loopcheck/model/resources.py", "loopcheck/model/events.py", "loopcheck/model/iam.py",
    "loopcheck/resolve/values.py", "loopcheck/rulebase/suppressions.py", "loopcheck/code/locate.py",
    "loopcheck/code/evidence.py", "loopcheck/app/cfnlint_plugin.py", "loopcheck/stacks/links.py",
    "loopcheck/stacks/linker.py", "loopcheck/stacks/cross_stack.py", "loopcheck/model/external.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "loopcheck" / "services").glob("*.py")),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "rules").glob("*.py")),
]
# Lookups by a key that is a property name: `x.get("Key")`, `x["Key"]`, `"Key" in x`.
KEY_LIKE = re.compile(r"^(?:[A-Z][A-Za-z0-9]*|[a-z]+[A-Z][A-Za-z0-9]*|Fn::[A-Za-z]+)$")


def _looked_up(tree: ast.AST) -> Iterator[Tuple[str, int]]:
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "get", "setdefault", "pop") and node.args:
            key = node.args[0]
        elif isinstance(node, ast.Subscript):
            key = node.slice
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            key = node.left
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and KEY_LIKE.match(key.value):
            yield key.value, node.lineno


def _catalogued_keys() -> set:
    return {step for _, path in CATALOGUE for step in steps(path)}


def test_every_key_read_is_catalogued():
    """A lookup of a property name in a reading module needs a catalogue row (or a line in
    NOT_PROPERTIES saying why it is not a template property)."""
    known = _catalogued_keys() | set(NOT_PROPERTIES)
    missing = []
    seen = set()
    for module in READING_MODULES:
        tree = ast.parse((ROOT / module).read_text(), module)
        for key, line in _looked_up(tree):
            seen.add(key)
            if key not in known:
                missing.append(f"{module}:{line}: {key}")
    assert not missing, "read but not in tests/property_catalogue.py:\n" + "\n".join(missing)
    assert {"MetricName", "NotificationConfiguration", "Policies"} <= seen  # the scan sees reads


def test_every_name_property_is_catalogued():
    """The resolver reads each type's name property (values._NAME_PROPERTY) by table."""
    rows = set(CATALOGUE)
    assert [(t, n) for t, n in _NAME_PROPERTY.items() if (t, f"Properties.{n}") not in rows] == []


def test_catalogue_scan_would_catch_a_new_read():
    tree = ast.parse("def f(props):\n    return props.get('BrandNewProperty')\n")
    assert [key for key, _ in _looked_up(tree)] == ["BrandNewProperty"]
    assert "BrandNewProperty" not in _catalogued_keys() | set(NOT_PROPERTIES)


@pytest.mark.parametrize("rtype, path", CATALOGUE, ids=[f"{t}:{p}" for t, p in CATALOGUE])
def test_every_row_is_set_in_the_base_template(rtype, path):
    assert places(base(), rtype, path), f"BASE_TEMPLATE does not set {path} on a {rtype}"


def test_base_template_exercises_the_readings():
    result = analysed(text_of(base()))
    model = result.model
    assert {f.severity for f in result.findings} >= {"error", "warning"}
    assert set(model.alarmed) == {"RawFn", "SamFn"}
    assert {t.service for t in model.event_triggers} >= {
        "sqs", "sns", "dynamodb", "kinesis", "events", "redrive", "destination", "firehose", "logs"}
    assert {t.origin for t in model.triggers} >= {
        "SAM S3 event", "NotificationConfiguration", "CDK bucket notifications", "EventBridgeConfiguration"}
    assert {(t.machine, t.state) for t in model.tasks} >= {
        ("Machine", "Invoke"), ("Machine", "Again"), ("Machine", "Bare"), ("StringMachine", "Send"),
        ("JoinMachine", "Call"), ("SamMachine", "Send")}
    assert any("SAM connector" in s.source for s in model.functions["RawFn"].statements)
    assert any(s.source == "S3CrudPolicy" for s in model.functions["SamFn"].statements)
    assert {r.kind for r in model.resources.values()} >= {"queue", "topic", "table", "stream", "bus",
                                                           "statemachine", "firehose"}


# -- every shape in place of every row -----------------------------------------------------


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("shape", SHAPE_IDS)
def test_pipeline_reads_every_shape(shape, depth):
    analysed(text_of(with_value(SHAPES[shape], depth_groups()[depth])))


def leaf_rows() -> List[Tuple[str, str]]:
    """Rows no other row goes through: setting them all at once keeps every parent valid."""
    paths = [steps(path) for _, path in CATALOGUE]
    return [row for row, own in zip(CATALOGUE, paths)
            if not any(len(other) > len(own) and other[:len(own)] == own for other in paths)]


def _cfn_template(text: str, filename: Any):
    """A cfn-lint Template after cfn-lint's own transform step, as rules receive it; None
    when that step refuses the template or fails (cfn-lint then runs no rule: a resource
    `Type` that is a mapping breaks cfn-lint's own Globals merge, before any plugin)."""
    from cfnlint.decode import decode_str
    from cfnlint.template import Template as CfnTemplate

    data, errors = decode_str(text)
    assert not errors, errors
    cfn = CfnTemplate(filename, data, ["us-east-1"])
    try:
        refused = cfn.transform()
    except Exception:  # noqa: BLE001 - cfn-lint's own failure, not the plugin's
        return None
    return None if refused else cfn


def through_the_plugin(text: str, folder: Path) -> int:
    """Every loopcheck rule of the plugin on the template, with the file to read again and,
    where cfn-lint transforms SAM first (< 1.54), as from stdin too. The number of matches."""
    plugin = pytest.importorskip("loopcheck.app.cfnlint_plugin")
    (folder / name_of(text)).write_text(text)
    count = 0
    for filename in (name_of(text), None) if plugin_transforms_sam() else (name_of(text),):
        cfn = _cfn_template(text, filename)
        for cls in plugin.RULE_CLASSES if cfn is not None else ():
            for match in cls().match(cfn):
                assert match.message and match.path[0] == "Resources"
                count += 1
    return count


def plugin_base() -> Dict[str, Any]:
    """The base template as cfn-lint's era can take it: the SAM translator that cfn-lint
    < 1.54 runs predates connectors embedded in a function (`Connectors`), and refuses the
    whole template for them (the standalone connectors stay)."""
    if not plugin_transforms_sam():
        return base()
    data = copy.deepcopy(base())
    for resource in data["Resources"].values():
        resource.get("Properties", {}).pop("Connectors", None)
    return data


def plugin_transforms_sam() -> bool:
    from importlib.metadata import version

    return tuple(int(p) for p in re.findall(r"\d+", version("cfn-lint"))[:2]) < (1, 54)


@pytest.mark.parametrize("shape", SHAPE_IDS)
def test_cfn_lint_plugin_reads_every_shape(shape, tmp_path, monkeypatch):
    """The plugin on cfn-lint's own decoded template (its node types, its transform step in
    the older era), every leaf row set to the shape at once."""
    pytest.importorskip("cfnlint")
    monkeypatch.chdir(tmp_path)
    through_the_plugin(text_of(with_value(SHAPES[shape], leaf_rows(), plugin_base())), tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("shape", SHAPE_IDS)
def test_cfn_lint_plugin_reads_every_shape_at_every_depth(shape, depth, tmp_path, monkeypatch):
    """As above, every row (containers too), one depth at a time (slow: about 300 runs)."""
    pytest.importorskip("cfnlint")
    monkeypatch.chdir(tmp_path)
    through_the_plugin(text_of(with_value(SHAPES[shape], depth_groups()[depth], plugin_base())), tmp_path)


def test_base_template_through_the_plugin(tmp_path, monkeypatch):
    """The plugin reports the base template's loops: the shapes above reach a real analysis."""
    pytest.importorskip("cfnlint")
    monkeypatch.chdir(tmp_path)
    assert through_the_plugin(text_of(plugin_base()), tmp_path) >= 10


# -- the crashes the catalogue found, each on its own --------------------------------------

ALARM_ROWS = [(t, p) for t, p in CATALOGUE if t == "AWS::CloudWatch::Alarm" and p.endswith("MetricName")]
ALARM_SHAPES = ["Sub", "Ref", "If", "Join", "list", "mapping", "If-of-shapes"]


@pytest.mark.parametrize("row", ALARM_ROWS, ids=[p for _, p in ALARM_ROWS])
@pytest.mark.parametrize("shape", ALARM_SHAPES)
def test_alarm_metric_name_of_any_shape_scans(row, shape, tmp_path):
    """An alarm whose MetricName is an intrinsic or a list (directly or in Metrics[]) was
    an internal error (`unhashable type`): now that alarm counts for nothing and the rest
    of the template is still analysed."""
    text = text_of(with_value(SHAPES[shape], [row]))
    template = tmp_path / name_of(text)
    template.write_text(text)
    result = cli_runner().invoke(main, ["scan", "--format", "json", str(template)])
    assert "internal error" not in result.stdout + result.stderr
    assert result.exit_code == 1  # the loops of the base template are still found
    findings, error, _ = scan_file(str(template), ScanOptions())
    assert error is None and findings
    alarmed = analysed(template.read_text()).model.alarmed
    assert set(alarmed) == {"RawFn", "SamFn"} - ({"RawFn"} if "Metrics" not in row[1] else {"SamFn"})


RESIZE_CODE = """\
    import boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        for record in event["Records"]:
            bucket = record["s3"]["bucket"]["name"]
            s3.put_object(Bucket=bucket, Key="small-" + record["s3"]["object"]["key"], Body=b"")
"""


def _errors_alarm(**properties: Any) -> Dict[str, Any]:
    """A CloudWatch alarm on errors: one datapoint over the threshold of 1."""
    return resource_of_type("AWS::CloudWatch::Alarm", **properties, EvaluationPeriods=1, Threshold=1,
                    ComparisonOperator="GreaterThanThreshold")


def _metric(metric_name: Any, dimensions: Any = None) -> Dict[str, Any]:
    """One entry of an alarm's Metrics: a sum over 60 s of this Lambda metric."""
    metric: Dict[str, Any] = {"Namespace": "AWS/Lambda", "MetricName": metric_name}
    if dimensions is not None:
        metric["Dimensions"] = dimensions
    return {"MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}}


ON_RESIZE = [{"Name": "FunctionName", "Value": ref("Resize")}]
ALARM_TEMPLATE = dump({"AWSTemplateFormatVersion": "2010-09-09", **template(
    {
        "Media": bucket(),
        "Resize": inline_function([s3_crud("Media")], {"Upload": s3_event("Media")}, code=RESIZE_CODE),
        "SubAlarm": _errors_alarm(Namespace=sub("${Prefix}/Lambda"), MetricName=sub("${Prefix}-Errors"),
                                  Dimensions=ON_RESIZE, Statistic="Sum", Period=60),
        "IfAlarm": _errors_alarm(
            MetricName={"Fn::If": ["HasPrefix", {"Fn::Join": ["-", [ref("Prefix"), "Errors"]]}, "Errors"]},
            Namespace="AWS/Lambda", Statistic="Sum", Period=60),
        "MetricsAlarm": _errors_alarm(Metrics=[{"Id": "errors", **_metric(ref("Prefix"), ON_RESIZE)},
                                               {"Id": "listed", **_metric(["Invocations", "Errors"])}]),
    },
    parameters={"Prefix": parameter("app")},
    conditions={"HasPrefix": {"Fn::Not": [{"Fn::Equals": [ref("Prefix"), ""]}]}})})


def test_alarm_with_intrinsic_metric_names_through_the_cli(tmp_path):
    """Issue 12's shape: `!Sub`, `!If`/`!Join`, `!Ref` and a list as MetricName (directly
    and in Metrics[]): the loop is reported, with no internal error; none of these alarms
    counts as an alarm on the function's concurrency."""
    template = tmp_path / "template.yaml"
    template.write_text(ALARM_TEMPLATE)
    result = cli_runner().invoke(main, ["scan", "--format", "json", str(template)])
    assert "internal error" not in result.stdout + result.stderr
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["errors"] == []
    assert ("EL101", "Resize") in {(f["rule"], f["resource"]) for f in report["findings"]}
    assert analysed(ALARM_TEMPLATE).model.alarmed == {}


def test_alarm_with_intrinsic_metric_names_through_the_real_cfn_lint(tmp_path):
    """The same template through cfn-lint with the plugin: no E0002 (`unhashable type:
    'dict_node'`), and the loop is reported."""
    import subprocess
    import sys

    pytest.importorskip("cfnlint")
    (tmp_path / "template.yaml").write_text(ALARM_TEMPLATE)
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())",
         "--format", "json", "--include-checks", "I", "--append-rules", "loopcheck.cfnlint_plugin",
         "--", "template.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    rules = {m["Rule"]["Id"] for m in json.loads(done.stdout)}
    assert "E0002" not in rules, done.stdout
    assert "EL101" in rules
