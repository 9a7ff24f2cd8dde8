"""Property-based tests: random but plausible templates, and random mutations of the fixtures.

Properties:
- no exception escapes `analyse_template` (on loader output and on plain dicts);
- the YAML and the JSON rendering of one template give the same findings;
- renaming logical ids consistently renames the findings and changes nothing else;
- adding an unrelated resource never removes a finding;
- removing a guard (a notification's key filter) never removes an error.

A short budget runs by default (deterministic, a few seconds). For a long run:

    LOOPCHECK_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py -q --hypothesis-show-statistics
"""

from __future__ import annotations

import copy
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, Phase, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from loopcheck.load.loader import Template, parse_text  # noqa: E402
from loopcheck.pipeline.analysis import analyse_template  # noqa: E402
from loopcheck.pipeline.result import ScanResult  # noqa: E402
from loopcheck.report import renderer  # noqa: E402
from loopcheck.rulebase.finding import Finding  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

_LONG = os.environ.get("LOOPCHECK_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(_LONG) if _LONG else 50,
    deadline=None,
    database=None,  # nothing written into the repository
    derandomize=not _LONG,  # the default run is reproducible; the long run explores
    suppress_health_check=list(HealthCheck),
    # Shrinking re-runs the analysis thousands of times; the default run reports the example
    # as found (it is reproducible: derandomized), the long run shrinks it.
    phases=list(Phase) if _LONG else [Phase.explicit, Phase.reuse, Phase.generate],
)

# -- vocabulary ------------------------------------------------------------------------------

EVENT_TYPES = [
    "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Copy", "s3:ObjectCreated:Post",
    "s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete",
    "s3:ObjectRestore:Completed", "s3:*",
]
ACTIONS = [
    "s3:PutObject", "s3:PutObject", "s3:*", "s3:Put*", "*", "s3:GetObject", "s3:Get*", "s3:DeleteObject",
    "s3:PutObjectAcl", "s3:ListBucket", "S3:putobject", "s3:?utObject", "sqs:SendMessage", "sns:Publish",
    "dynamodb:PutItem", "lambda:InvokeFunction",
]
KEY_SUFFIXES = ["/*", "/*", "/uploads/*", "/processed/*", "/*.jpg", "", "/out/thumb-*", "/*/*"]
FILTER_VALUES = ["uploads/", "processed/", ".jpg", ".png", "out/", "", "thumb-", "uploads/in/"]
LITERAL_NAMES = ["media", "media-dev", "uploads", "results"]
MANAGED = [
    "AmazonS3FullAccess", "AWSLambdaExecute", "AWSLambdaBasicExecutionRole", "AmazonS3ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonS3FullAccess", "arn:aws:iam::123456789012:policy/team-policy",
    "MyCustomPolicy",
]
RUNTIMES = ["python3.12", "nodejs20.x", "java21", "provided.al2023"]

PYTHON_CODE = [
    # writes back to the env bucket, keeping the key
    "import os\nimport boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
    "    for r in event['Records']:\n        key = r['s3']['object']['key']\n"
    "        s3.put_object(Bucket=os.environ['OUT'], Key='processed/' + key, Body=b'')\n",
    # writes back to the event's bucket, behind a key guard
    "import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
    "    for r in event['Records']:\n        key = r['s3']['object']['key']\n"
    "        if key.startswith('processed/'):\n            continue\n"
    "        s3.put_object(Bucket=r['s3']['bucket']['name'], Key='processed/' + key, Body=b'')\n",
    # reads only
    "import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
    "    for r in event['Records']:\n        s3.get_object(Bucket=r['s3']['bucket']['name'], "
    "Key=r['s3']['object']['key'])\n",
    # not Python at all
    "def handler(event, context:\n    s3.put_object(\n",
]
JS_CODE = [
    "const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');\nconst s3 = new S3Client({});\n"
    "exports.handler = async (event) => {\n  for (const r of event.Records) {\n"
    "    await s3.send(new PutObjectCommand({ Bucket: process.env.OUT, Key: 'out/' + r.s3.object.key, "
    "Body: '' }));\n  }\n};\n",
    "exports.handler = async (event) => { return 1; };\n",
    "exports.handler = async (event => {\n",
]

# -- strategies ------------------------------------------------------------------------------


def if_(a: Any, b: Any) -> Dict[str, Any]:
    return {"Fn::If": ["IsProd", a, b]}


def nested(leaves: st.SearchStrategy, depth: int = 2) -> st.SearchStrategy:
    """Intrinsics wrapped around the leaves at random, up to `depth` deep: If, Join, Select,
    Sub with a variable (a fixed-depth tower: cheaper to draw than st.recursive)."""
    strategy = leaves
    for _ in range(depth):
        inner = strategy
        strategy = st.one_of(
            leaves, leaves, leaves,
            st.builds(if_, inner, inner),
            st.builds(lambda a, b: {"Fn::Join": ["", [a, b]]}, inner, st.sampled_from(["", "-x"])),
            st.builds(lambda a, b: {"Fn::Select": [0, [a, b]]}, inner, inner),
            st.builds(lambda a: {"Fn::Sub": ["${v0}", {"v0": a}]}, inner),
            st.builds(lambda a: {"Fn::If": ["IsProd", a, {"Ref": "AWS::NoValue"}]}, inner),
        )
    return strategy


@cache
def bucket_names() -> st.SearchStrategy:
    return nested(st.one_of(
        st.sampled_from(LITERAL_NAMES),
        st.just({"Ref": "NameParam"}),
        st.just({"Ref": "NoDefaultParam"}),
        st.just({"Fn::Sub": "${AWS::StackName}-media"}),
        st.just({"Fn::Sub": "${StageParam}-media"}),
        st.just({"Fn::FindInMap": ["Names", {"Ref": "StageParam"}, "Bucket"]}),
        st.just({"Fn::FindInMap": ["Names", "prod", "Bucket"]}),
        st.just({"Fn::ImportValue": "shared-bucket"}),
    ))


@cache
def bucket_refs(buckets: Tuple[str, ...]) -> st.SearchStrategy:
    """How a template names one of its buckets where a bucket name is expected."""
    bucket = st.sampled_from(buckets)
    return nested(st.one_of(
        st.builds(lambda b: {"Ref": b}, bucket),
        st.builds(lambda b: {"Ref": b}, bucket),
        st.builds(lambda b: {"Fn::Sub": f"${{{b}}}"}, bucket),
        st.sampled_from(LITERAL_NAMES),
        st.just({"Ref": "NameParam"}),
    ), depth=1)


@cache
def resource_arns(buckets: Tuple[str, ...]) -> st.SearchStrategy:
    bucket = st.sampled_from(buckets)
    suffix = st.sampled_from(KEY_SUFFIXES)
    return nested(st.one_of(
        st.sampled_from(["*", "arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:aws:s3:::media/*",
                         "arn:aws:s3:::uploads/processed/*", "arn:aws:sqs:*:*:queue"]),
        st.builds(lambda b, s: {"Fn::Sub": f"arn:aws:s3:::${{{b}}}{s}"}, bucket, suffix),
        st.builds(lambda b, s: {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{b}}}{s}"}, bucket, suffix),
        st.builds(lambda b, s: {"Fn::Sub": f"${{{b}.Arn}}{s}"}, bucket, suffix),
        st.builds(lambda b: {"Fn::GetAtt": [b, "Arn"]}, bucket),
        st.builds(lambda b, s: {"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": b}, s]]}, bucket, suffix),
        st.builds(lambda s: {"Fn::Sub": f"arn:aws:s3:::${{NameParam}}{s}"}, suffix),
        st.builds(lambda n, s: f"arn:aws:s3:::{n}{s}", st.sampled_from(LITERAL_NAMES), suffix),
    ), depth=1)


def one_or_list(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(strategy, st.lists(strategy, min_size=1, max_size=3))


@cache
def statements(buckets: Tuple[str, ...]) -> st.SearchStrategy:
    effect = st.sampled_from(["Allow", "Allow", "Allow", "Deny"])
    actions = one_or_list(st.sampled_from(ACTIONS))
    resources = one_or_list(resource_arns(buckets))
    plain = st.fixed_dictionaries({"Effect": effect, "Action": actions, "Resource": resources})
    not_action = st.fixed_dictionaries({"Effect": effect, "NotAction": actions, "Resource": resources})
    not_resource = st.fixed_dictionaries({"Effect": effect, "Action": actions, "NotResource": resources})
    return st.one_of(plain, plain, plain, not_action, not_resource)


@cache
def documents(buckets: Tuple[str, ...]) -> st.SearchStrategy:
    return st.lists(statements(buckets), min_size=1, max_size=3).map(
        lambda items: {"Version": "2012-10-17", "Statement": items})


@cache
def key_filters() -> st.SearchStrategy:
    rule = st.fixed_dictionaries({
        "Name": st.sampled_from(["prefix", "suffix", "Prefix", "Suffix"]),
        "Value": st.sampled_from(FILTER_VALUES),
    })
    return st.lists(rule, min_size=1, max_size=2)


@cache
def event_types() -> st.SearchStrategy:
    return one_or_list(st.sampled_from(EVENT_TYPES))


@cache
def sam_policies(buckets: Tuple[str, ...]) -> st.SearchStrategy:
    bucket_arg = bucket_refs(buckets)
    template = st.sampled_from(["S3CrudPolicy", "S3WritePolicy", "S3ReadPolicy", "S3FullAccessPolicy"])
    return st.lists(st.one_of(
        st.builds(lambda name, b: {name: {"BucketName": b}}, template, bucket_arg),
        st.sampled_from(MANAGED),
        documents(buckets),
        st.just({"SQSSendMessagePolicy": {"QueueName": {"Fn::GetAtt": ["Queue0", "QueueName"]}}}),
        st.just({"DynamoDBCrudPolicy": {"TableName": {"Ref": "Table0"}}}),
        st.just({"UnknownTemplatePolicy": {"Name": "x"}}),
        st.builds(lambda name, b: if_({name: {"BucketName": b}}, {"Ref": "AWS::NoValue"}),
                  template, bucket_arg),
    ), max_size=3)


@cache
def sam_events(buckets: Tuple[str, ...]) -> st.SearchStrategy:
    s3 = st.builds(
        lambda bucket, types, rules: {"Type": "S3", "Properties": {
            "Bucket": bucket, "Events": types, **({"Filter": {"S3Key": {"Rules": rules}}} if rules else {})}},
        bucket_refs(buckets), event_types(), st.one_of(st.none(), key_filters()),
    )
    other = st.sampled_from([
        {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": ["Queue0", "Arn"]}}},
        {"Type": "SNS", "Properties": {"Topic": {"Ref": "Topic0"}}},
        {"Type": "DynamoDB", "Properties": {"Stream": {"Fn::GetAtt": ["Table0", "StreamArn"]},
                                            "StartingPosition": "LATEST"}},
        {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)"}},
    ])
    return st.lists(st.one_of(s3, s3, other), max_size=3).map(
        lambda items: {f"Event{i}": item for i, item in enumerate(items)})


@cache
def environments(buckets: Tuple[str, ...]) -> st.SearchStrategy:
    return st.one_of(st.none(), bucket_refs(buckets).map(lambda b: {"Variables": {"OUT": b}}))


@cache
def function_refs(functions: Tuple[str, ...]) -> st.SearchStrategy:
    fn = st.sampled_from(functions)
    return st.one_of(
        st.builds(lambda f: {"Fn::GetAtt": [f, "Arn"]}, fn),
        st.builds(lambda f: {"Fn::Sub": f"${{{f}.Arn}}"}, fn),
        st.builds(lambda f: {"Ref": f}, fn),
        st.just({"Ref": "Alias0"}),
        st.builds(lambda f: if_({"Fn::GetAtt": [f, "Arn"]}, {"Ref": "AWS::NoValue"}), fn),
    )


@st.composite
def templates(draw, require_filter: bool = False) -> Dict[str, Any]:
    # Tuples: the strategies built from them are cached (building one costs more than drawing).
    buckets = tuple(f"Bucket{i}" for i in range(draw(st.integers(1, 3))))
    functions = tuple(f"Func{i}" for i in range(draw(st.integers(1, 3))))
    roles = tuple(f"Role{i}" for i in range(draw(st.integers(0, 2))))
    resources: Dict[str, Any] = {}

    for bucket in buckets:
        props: Dict[str, Any] = {}
        if draw(st.booleans()):
            props["BucketName"] = draw(bucket_names())
        if draw(st.integers(0, 3)) == 0:
            entries = draw(st.lists(st.builds(
                lambda event, fn, rules: {"Event": event, "Function": fn,
                                          **({"Filter": {"S3Key": {"Rules": rules}}} if rules else {})},
                st.sampled_from(EVENT_TYPES), function_refs(functions), st.one_of(st.none(), key_filters()),
            ), min_size=1, max_size=2))
            props["NotificationConfiguration"] = {"LambdaConfigurations": entries}
        resources[bucket] = {"Type": "AWS::S3::Bucket", **({"Properties": props} if props else {})}

    for function in functions:
        sam = draw(st.booleans())
        runtime = draw(st.sampled_from(RUNTIMES))
        props = {"Runtime": runtime, "Handler": "index.handler"}
        if sam:
            role_choice = draw(st.integers(0, 4))
            if role_choice == 0 and roles:
                props["Role"] = {"Fn::GetAtt": [draw(st.sampled_from(roles)), "Arn"]}
            elif role_choice == 1:
                props["Role"] = "arn:aws:iam::123456789012:role/external"
            else:
                props["Policies"] = draw(sam_policies(buckets))
            props["Events"] = draw(sam_events(buckets))
        else:
            if roles and draw(st.integers(0, 3)):
                props["Role"] = {"Fn::GetAtt": [draw(st.sampled_from(roles)), "Arn"]}
            elif draw(st.booleans()):
                props["Role"] = draw(st.sampled_from(["arn:aws:iam::123456789012:role/external",
                                                       {"Ref": "RoleArnParam"}]))
        environment = draw(environments(buckets))
        if environment:
            props["Environment"] = environment
        code_choice = draw(st.integers(0, 3))
        if code_choice == 0:
            code = draw(st.sampled_from(PYTHON_CODE if runtime.startswith("python") else JS_CODE))
            if sam:
                props["InlineCode"] = code
            else:
                props["Code"] = {"ZipFile": code}
        elif not sam:
            props["Code"] = {"S3Bucket": "artifacts", "S3Key": f"{function}.zip"}
        if draw(st.integers(0, 4)) == 0:
            props["RecursiveLoop"] = draw(st.sampled_from(["Allow", "Terminate"]))
        if draw(st.integers(0, 4)) == 0:
            props["ReservedConcurrentExecutions"] = draw(st.integers(0, 10))
        if draw(st.integers(0, 5)) == 0:
            props["FunctionName"] = draw(st.sampled_from(["thumbs", {"Fn::Sub": "${AWS::StackName}-fn"}]))
        resources[function] = {
            "Type": "AWS::Serverless::Function" if sam else "AWS::Lambda::Function", "Properties": props,
        }

    for role in roles:
        props = {"AssumeRolePolicyDocument": {"Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]}}
        if draw(st.booleans()):
            props["Policies"] = draw(st.lists(st.builds(
                lambda doc, index: {"PolicyName": f"inline{index}", "PolicyDocument": doc},
                documents(buckets), st.integers(0, 9)), max_size=2))
        if draw(st.booleans()):
            props["ManagedPolicyArns"] = draw(st.lists(st.one_of(
                st.sampled_from(MANAGED), st.just({"Ref": "Managed0"})), max_size=2))
        resources[role] = {"Type": "AWS::IAM::Role", "Properties": props}
    if roles and draw(st.booleans()):
        resources["Policy0"] = {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "extra", "Roles": [{"Ref": draw(st.sampled_from(roles))}],
            "PolicyDocument": draw(documents(buckets))}}
    if roles and draw(st.booleans()):
        resources["Managed0"] = {"Type": "AWS::IAM::ManagedPolicy",
                                 "Properties": {"PolicyDocument": draw(documents(buckets))}}
    if draw(st.booleans()):
        resources["Alias0"] = {"Type": "AWS::Lambda::Alias", "Properties": {
            "FunctionName": {"Ref": draw(st.sampled_from(functions))}, "FunctionVersion": "1", "Name": "live"}}
    if draw(st.integers(0, 3)) == 0:
        resources["Notifications0"] = {"Type": "Custom::S3BucketNotifications", "Properties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:cdk",
            "BucketName": {"Ref": draw(st.sampled_from(buckets))},
            "NotificationConfiguration": {"LambdaFunctionConfigurations": draw(st.lists(st.builds(
                lambda events, fn, rules: {"Events": events, "LambdaFunctionArn": fn,
                                           **({"Filter": {"Key": {"FilterRules": rules}}} if rules else {})},
                st.lists(st.sampled_from(EVENT_TYPES), min_size=1, max_size=2),
                function_refs(functions), st.one_of(st.none(), key_filters())), min_size=1, max_size=2))},
            "Managed": True}}
    resources["Queue0"] = {"Type": "AWS::SQS::Queue"}
    resources["Topic0"] = {"Type": "AWS::SNS::Topic"}
    resources["Table0"] = {"Type": "AWS::DynamoDB::Table", "Properties": {
        "StreamSpecification": {"StreamViewType": "NEW_IMAGE"}}}

    if require_filter and not filters_of({"Resources": resources}):
        props = resources[buckets[0]].setdefault("Properties", {})
        props["NotificationConfiguration"] = {"LambdaConfigurations": [{
            "Event": draw(st.sampled_from(EVENT_TYPES)), "Function": draw(function_refs(functions)),
            "Filter": {"S3Key": {"Rules": draw(key_filters())}}}]}
    order = draw(st.permutations(list(resources)))
    template: Dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "NameParam": {"Type": "String", "Default": draw(st.sampled_from(LITERAL_NAMES))},
            "NoDefaultParam": {"Type": "String"},
            "StageParam": {"Type": "String", "Default": draw(st.sampled_from(["dev", "prod"]))},
            "RoleArnParam": {"Type": "String"},
        },
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "StageParam"}, "prod"]}},
        "Mappings": {"Names": {"dev": {"Bucket": "media-dev"}, "prod": {"Bucket": "media"}}},
        "Resources": {logical_id: resources[logical_id] for logical_id in order},
    }
    if any(r["Type"] == "AWS::Serverless::Function" for r in resources.values()):
        template["Transform"] = "AWS::Serverless-2016-10-31"
        if draw(st.booleans()):
            template["Globals"] = {"Function": draw(st.fixed_dictionaries({"Timeout": st.just(10)}, optional={
                "Runtime": st.sampled_from(RUNTIMES),
                "RecursiveLoop": st.sampled_from(["Allow", "Terminate"]),
                "Environment": st.just({"Variables": {"STAGE": {"Ref": "StageParam"}}}),
            }))}
    return copy.deepcopy(template)  # sampled_from hands out shared objects: none shared here


# -- helpers ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """Template paths live here: an empty folder, so no handler code is found by accident."""
    return tmp_path_factory.mktemp("fuzz")


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        return True  # a value written twice is written twice: no anchors, so lines match


_DUMPER = _Dumper


def to_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, width=10**6, allow_unicode=True)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2)


def analyse_text(path: Path, text: str) -> List[Finding]:
    loaded = parse_text(str(path), text, True)
    assert isinstance(loaded, Template), loaded
    return analyse_template(str(path), loaded.data)


def summary(findings: List[Finding], positions: bool = False) -> List[Tuple]:
    """What must not depend on how the template was written: sorted, so order is free."""
    return sorted(
        (f.rule, f.severity, f.resource, tuple(f.cycle), f.message, tuple(map(str, f.path)), f.evidence)
        + ((f.line, f.column) if positions else ())
        for f in findings
    )


def assert_same(actual: List[Tuple], expected: List[Tuple]) -> None:
    """Equal lists of finding summaries, with a readable difference when not."""
    if actual != expected:
        extra = [a for a in actual if a not in expected]
        missing = [e for e in expected if e not in actual]
        raise AssertionError("findings differ:\n  unexpected: " + "\n              ".join(map(repr, extra))
                             + "\n  missing:    " + "\n              ".join(map(repr, missing)))


def render_reports(findings: List[Finding], file: str) -> None:
    result = ScanResult(findings=findings, templates=1, roots=[file])
    for fmt in ("json", "text"):
        assert isinstance(renderer(fmt)(result), str)


# -- properties on generated templates -------------------------------------------------------


@FUZZ
@given(template=templates())
def test_no_exception_escapes_analyse_template(template, workdir):
    findings = analyse_text(workdir / "t.yaml", to_yaml(template))
    render_reports(findings, str(workdir / "t.yaml"))
    plain = analyse_template(str(workdir / "t.yaml"), copy.deepcopy(template))  # the cfn-lint seam
    assert_same(summary(plain), summary(findings))


@FUZZ
@given(template=templates())
def test_yaml_and_json_renderings_agree(template, workdir):
    from_yaml = analyse_text(workdir / "template.yaml", to_yaml(template))
    from_json = analyse_text(workdir / "template.json", to_json(template))
    assert_same(summary(from_json), summary(from_yaml))


_ID = r"[A-Za-z0-9]+"


def rename(node: Any, mapping: Dict[str, str]) -> Any:
    """A consistent rename of logical ids: Ref, GetAtt (both forms), Sub (both forms),
    DependsOn and the Resources keys."""

    def sub_text(text: str) -> str:
        def one(match: re.Match) -> str:
            name = match.group(1)
            head, dot, rest = name.partition(".")
            return "${" + mapping.get(head, head) + dot + rest + "}"

        return re.sub(r"\$\{([^}!][^}]*)\}", one, text)

    if isinstance(node, list):
        return [rename(item, mapping) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (key, arg), = node.items()
        if key == "Ref" and isinstance(arg, str):
            return {"Ref": mapping.get(arg, arg)}
        if key == "Fn::GetAtt" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            return {key: [mapping.get(arg[0], arg[0])] + rename(arg[1:], mapping)}
        if key == "Fn::GetAtt" and isinstance(arg, str):
            head, dot, rest = arg.partition(".")
            return {key: mapping.get(head, head) + dot + rest}
        if key == "Fn::Sub" and isinstance(arg, str):
            return {key: sub_text(arg)}
        if key == "Fn::Sub" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            return {key: [sub_text(arg[0])] + rename(arg[1:], mapping)}
    out = {}
    for key, value in node.items():
        if key == "Resources" and isinstance(value, dict):
            out[key] = {mapping.get(k, k): rename(v, mapping) for k, v in value.items()}
        elif key == "DependsOn":
            out[key] = ([mapping.get(v, v) for v in value] if isinstance(value, list)
                        else mapping.get(value, value))
        else:
            out[key] = rename(value, mapping)
    return out


def renamed_summary(findings: List[Finding], mapping: Dict[str, str]) -> List[Tuple]:
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(mapping, key=len, reverse=True))) + r")\b")

    def text(value: str) -> str:
        return pattern.sub(lambda m: mapping[m.group(1)], value)

    return sorted(
        (f.rule, f.severity, mapping.get(f.resource, f.resource), tuple(mapping.get(c, c) for c in f.cycle),
         text(f.message), tuple(mapping.get(str(p), str(p)) for p in f.path), f.evidence, f.line, f.column)
        for f in findings
    )


# Fresh names, in an order unrelated to the old one; never an old id or another template name.
new_names = st.tuples(st.sampled_from(["Zeta", "A", "Renamed", "x", "MyBucketFn"]),
                      st.permutations(range(40)))


@FUZZ
@given(template=templates(), names=new_names)
def test_renaming_logical_ids_renames_findings_only(template, names, workdir):
    ids = list(template["Resources"])
    stem, numbers = names
    mapping = {old: f"{stem}{number}N" for old, number in zip(ids, numbers)}
    before = analyse_text(workdir / "template.yaml", to_yaml(template))
    after = analyse_text(workdir / "template.yaml", to_yaml(rename(template, mapping)))
    assert_same(summary(after, positions=True), renamed_summary(before, mapping))


@FUZZ
@given(template=templates(), position=st.integers(0, 30), fresh=st.sampled_from(["AuditTopic", "ZzTopic", "A"]))
def test_an_unrelated_resource_never_removes_a_finding(template, position, fresh, workdir):
    assume(fresh not in template["Resources"])
    before = analyse_text(workdir / "template.yaml", to_yaml(template))
    items = list(template["Resources"].items())
    items.insert(position % (len(items) + 1), (fresh, {"Type": "AWS::SNS::Topic",
                                                       "Properties": {"TopicName": "audit"}}))
    grown = dict(template, Resources=dict(items))
    after = analyse_text(workdir / "template.yaml", to_yaml(grown))
    kept = summary(after)
    missing = [f for f in summary(before) if f not in kept]
    assert missing == []


def filters_of(template: Dict[str, Any]) -> List[Tuple[Any, ...]]:
    """Paths of every key filter on an S3 notification (SAM, CloudFormation, CDK)."""
    found = []
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        for name, event in (props.get("Events") or {}).items():
            if event.get("Type") == "S3" and "Filter" in event["Properties"]:
                found.append(("Resources", logical_id, "Properties", "Events", name, "Properties", "Filter"))
        configs = (props.get("NotificationConfiguration") or {})
        for key in ("LambdaConfigurations", "LambdaFunctionConfigurations"):
            for index, entry in enumerate(configs.get(key) or []):
                if "Filter" in entry:
                    found.append(("Resources", logical_id, "Properties", "NotificationConfiguration", key,
                                  index, "Filter"))
    return found


@FUZZ
@given(template=templates(require_filter=True), pick=st.integers(0, 100))
def test_removing_a_guard_never_removes_an_error(template, pick, workdir):
    filters = filters_of(template)
    path = filters[pick % len(filters)]
    unguarded = copy.deepcopy(template)
    node = unguarded
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    before = analyse_text(workdir / "template.yaml", to_yaml(template))
    after = analyse_text(workdir / "template.yaml", to_yaml(unguarded))
    assert lost_errors(before, after) == []


def lost_errors(before: List[Finding], after: List[Finding]) -> List[Tuple]:
    """Errors of `before` that `after` no longer reports. EL101 is one finding per loop, so
    its loop must stay; the other error rules report a function once, on the first of its
    loops (which may change when a new loop appears), so the function must stay."""
    kept_loops = {(f.rule, f.resource, tuple(f.cycle)) for f in after if f.severity == "error"}
    kept_functions = {(f.rule, f.resource) for f in after if f.severity == "error"}
    return [(f.rule, f.resource, f.cycle) for f in before if f.severity == "error" and (
        (f.rule, f.resource, tuple(f.cycle)) not in kept_loops if f.rule == "EL101"
        else (f.rule, f.resource) not in kept_functions)]


# -- random mutations of the fixtures --------------------------------------------------------


def _plain(node: Any) -> Any:
    """Marked loader values -> plain dicts, lists and strings."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


@cache
def _fixture_data(path: str) -> str:
    loaded = parse_text(path, Path(path).read_text(encoding="utf-8"), True)
    assert isinstance(loaded, Template), loaded
    return json.dumps(_plain(loaded.data))


FIXTURE_TEMPLATES = sorted(
    str(p) for p in FIXTURES.glob("*/template.*") if p.suffix in (".yaml", ".yml", ".json")
)

INTERESTING_STRINGS = [
    "", "*", "s3:*", "s3:PutObject", "s3:ObjectCreated:*", "Ref", "Fn::If", "Fn::GetAtt", "${", "${}", "}",
    "AWS::NoValue", "AWS::S3::Bucket", "AWS::Serverless::Function", "AWS::Lambda::Function",
    "arn:aws:s3:::*", "arn:aws:s3:::*/*", "Allow", "Deny", "prefix", "suffix", "uploads/", "../..", "/etc",
    "app.handler", "index.handler", "python3.12", "nodejs20.x", "S3", "Terminate", ".", "a.b.c",
]
INTRINSIC_KEYS = ["Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If", "Fn::Join", "Fn::Select", "Fn::FindInMap",
                  "Fn::Split", "Fn::ImportValue", "Fn::Base64", "Condition"]
TEMPLATE_KEYS = ["Type", "Properties", "Statement", "Effect", "Action", "Resource", "Bucket", "Events",
                 "Filter", "S3Key", "Rules", "Name", "Value", "Policies", "Role", "Handler", "CodeUri",
                 "BucketName", "Variables", "Environment", "Function", "Event", "LambdaConfigurations"]

_random_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2**40), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(INTERESTING_STRINGS),
    st.sampled_from(FIXTURE_TEMPLATES).map(lambda p: Path(p).parent.name),  # ids that exist elsewhere
)
random_values = _random_leaves
for _ in range(3):  # lists and mappings (intrinsics among them) up to three deep
    random_values = st.one_of(
        _random_leaves, _random_leaves,
        st.lists(random_values, max_size=3),
        st.dictionaries(st.sampled_from(INTRINSIC_KEYS), random_values, min_size=1, max_size=1),
        st.dictionaries(st.one_of(st.sampled_from(TEMPLATE_KEYS), st.text(max_size=6)), random_values,
                        max_size=3),
    )


@st.composite
def mutated_fixtures(draw) -> Tuple[str, Dict[str, Any]]:
    path = draw(st.sampled_from(FIXTURE_TEMPLATES))
    data = json.loads(_fixture_data(path))
    # Ids of the template itself are the most interesting values to plant.
    ids = list(data.get("Resources", {}))
    values = st.one_of(random_values, st.sampled_from(ids).map(lambda i: {"Ref": i}),
                       st.sampled_from(ids).map(lambda i: {"Fn::GetAtt": [i, "Arn"]}))
    for _ in range(draw(st.integers(1, 4))):
        node: Any = data
        while True:
            children = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) \
                if isinstance(node, list) else []
            if not children:
                break
            key, child = children[draw(st.integers(0, len(children) - 1))]
            if not isinstance(child, (dict, list)) or not child or draw(st.integers(0, 3)) == 0:
                if key == "Resources" and node is data:
                    break  # keep it a template: the loader's own checks are tested elsewhere
                if draw(st.integers(0, 4)) == 0:
                    del node[key]
                else:
                    node[key] = draw(values)
                break
            node = child
    return path, data


@FUZZ
@given(case=mutated_fixtures())
def test_mutated_fixtures_never_raise(case):
    path, data = case
    assume(isinstance(data.get("Resources"), dict))
    findings = analyse_template(path, data)  # the real path: handler code next to it is analysed
    render_reports(findings, path)
    for finding in findings:
        assert finding.severity in ("error", "warning", "info")
        assert isinstance(finding.line, int) and isinstance(finding.column, int)
        json.dumps(finding.to_dict())
