"""Which bucket, queue, topic, table ... a write names: literals, environment variables, the event's
source, the function itself, and what stays unknown.

Python tests first, then JavaScript / TypeScript; what both languages must answer alike
is in tests/conformance/."""

from __future__ import annotations

import code_js_support as js
import code_python_support as py
import pytest

from loopcheck.code.facts import (
    AnyText,
    Concat,
    IncomingKey,
    Lit,
    Target,
)

# -- Python: targets -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "setup, expected",
    [
        ('target = "literal-bucket"', Target("literal", "literal-bucket")),
        ('target = os.environ["OUT"]', Target("env", "OUT")),
        ('target = os.environ.get("OUT")', Target("env", "OUT")),
        ('target = os.environ.get("OUT", "fallback")', Target("env", "OUT")),
        ('target = os.getenv("OUT")', Target("env", "OUT")),
        ('target = os.getenv("OUT", "fallback")', Target("env", "OUT")),
        ('target = os.environ.get("OUT") or "fallback"', Target("env", "OUT")),
        ("target = OUT_CONSTANT", Target("env", "OUT_CONST")),
        ("target = ENVIRON_CONSTANT", Target("env", "FROM_ENVIRON")),
        ("target = f\"{os.environ['OUT']}\"", Target("env", "OUT")),
        ("target = bucket", Target("event-source")),
        ('target = event["Records"][0]["s3"]["bucket"]["name"]', Target("event-source")),
        ('target = event["Records"][0]["s3"]["bucket"].get("name")', Target("event-source")),
        ('info = record["s3"]\n    target = info["bucket"]["name"]', Target("event-source")),
        ('target = event["detail"]["bucket"]["name"]', Target("event-source")),
        ("target = context.function_name", Target("self")),
        ('target = os.environ["AWS_LAMBDA_FUNCTION_NAME"]', Target("self")),
    ],
)
def test_targets(setup, expected):
    source = (
        "from os import environ\n"
        'OUT_CONSTANT = os.environ["OUT_CONST"]\n'
        'ENVIRON_CONSTANT = environ.get("FROM_ENVIRON")\n'
        "def handler(event, context):\n"
        "    record = event['Records'][0]\n"
        "    bucket = record['s3']['bucket']['name']\n"
        f"    {setup}\n"
        "    s3.put_object(Bucket=target, Key='k')\n"
    )
    assert py.only_write(source).target == expected


def test_event_source_through_a_records_loop():
    source = """
    def handler(event, context):
        for i, record in enumerate(event.get("Records", [])):
            s3.put_object(Bucket=record["s3"]["bucket"]["name"], Key="k")
    """
    assert py.only_write(source).target == Target("event-source")


def test_event_source_inside_an_sqs_wrapped_notification():
    source = """
    import json
    def handler(event, context):
        for message in event["Records"]:
            body = json.loads(message["body"])
            for record in body["Records"]:
                s3.put_object(Bucket=record["s3"]["bucket"]["name"], Key=record["s3"]["object"]["key"])
    """
    write = py.only_write(source)
    assert (write.target, write.key) == (Target("event-source"), IncomingKey())


@pytest.mark.parametrize(
    "setup",
    [
        'BUCKETS = {"dev": "a", "prod": "b"}\ndef pick(stage):\n    return BUCKETS[stage]\n',
        "from company_config import bucket_for as pick\n",
        'def pick(stage):\n    return random.choice(["a", "b"])\nimport random\n',
        "def pick(stage):\n    return event_bucket_names[stage]\nevent_bucket_names = {}\n",
    ],
)
def test_computed_buckets_are_unknown(setup):
    source = setup + "def handler(event, context):\n    s3.put_object(Bucket=pick(event['stage']), Key='k')\n"
    target = py.only_write(source).target
    assert target.kind == "unknown" and target.value


def test_bucket_from_dict_lookup_with_computed_key_is_unknown():
    source = """
    BUCKETS = {"dev": os.environ["DEV"], "prod": os.environ["PROD"]}
    def handler(event, context):
        s3.put_object(Bucket=BUCKETS[event["stage"]], Key="k")
        s3.put_object(Bucket=BUCKETS["prod"], Key="k")
    """
    computed, fixed = py.writes_of(source)
    assert computed.target.kind == "unknown"
    assert fixed.target == Target("env", "PROD")


def test_kwargs_defeat_the_analysis():
    source = """
    def write(**kwargs):
        s3.put_object(**kwargs)

    def handler(event, context):
        write(**event["params"])
    """
    write = py.only_write(source)
    assert write.target.kind == "unknown"
    assert isinstance(write.key, AnyText)


def test_literal_kwargs_dict_is_resolved():
    source = """
    def handler(event, context):
        params = {"Bucket": os.environ["OUT"], "Key": "k"}
        params["Body"] = b""
        s3.put_object(**params)
    """
    write = py.only_write(source)
    assert (write.target, write.key) == (Target("env", "OUT"), Lit("k"))


def test_getattr_with_literal_name_is_followed_and_computed_name_is_reported():
    source = """
    def handler(event, context):
        getattr(s3, "put_object")(Bucket=lookup(event), Key="k")
        getattr(s3, event["method"])(Bucket="b", Key="k")
    """
    facts = py.facts_of(source)
    assert facts.analysed
    [write] = facts.writes
    assert write.api == "PutObject" and write.target.kind == "unknown"
    assert any("computed method name" in problem for problem in facts.problems)


def test_variable_set_differently_on_two_paths_is_unknown():
    source = """
    def handler(event, context):
        if event.get("archive"):
            target = os.environ["ARCHIVE"]
            key = "a"
        else:
            target = os.environ["OUT"]
            key = "a"
        s3.put_object(Bucket=target, Key=key)
    """
    write = py.only_write(source)
    assert write.target.kind == "unknown"
    assert write.key == Lit("a")


def test_variable_reassigned_along_straight_line_code():
    source = """
    def handler(event, context):
        target = "first"
        target = os.environ["SECOND"]
        s3.put_object(Bucket=target, Key="k")
        target = "third"
    """
    assert py.only_write(source).target == Target("env", "SECOND")


def test_powertools_data_class_fields():
    source = """
    def handler(event, context):
        for record in event.records:
            s3.put_object(Bucket=record.s3.bucket.name, Key="out/" + record.s3.get_object.key)
        s3.put_object(Bucket=event.bucket_name, Key=event.object_key)
    """
    first, second = py.writes_of(source)
    assert (first.target, first.key) == (Target("event-source"), Concat((Lit("out/"), IncomingKey())))
    assert (second.target, second.key) == (Target("event-source"), IncomingKey())


# -- JavaScript: targets -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "bucket, prelude, setup",
    [
        ("process.env.OUT", "", ""),
        ('process.env["OUT"]', "", ""),
        ("BUCKET", "const BUCKET = process.env.OUT;", ""),
        ("bucket", "", "const bucket = process.env.OUT;"),
        ("OUT", "const { OUT } = process.env;", ""),
        ("out", "", "const { OUT: out } = process.env;"),
        ("process.env.OUT || 'fallback'", "", ""),
        ("b", "", "let b;\nb = process.env.OUT;"),
        ("CONFIG.bucket", "const CONFIG = { bucket: process.env.OUT };", ""),
        ("`${process.env.OUT}`", "", ""),
    ],
)
@js.needs_tree_sitter
def test_environment_variable_targets(bucket: str, prelude: str, setup: str) -> None:
    assert js.target_of(bucket, prelude, setup) == Target("env", "OUT")


@pytest.mark.parametrize(
    "bucket, setup",
    [
        ("event.Records[0].s3.bucket.name", ""),
        ('event["Records"][0]["s3"]["bucket"]["name"]', ""),
        ("event?.Records?.[0]?.s3?.bucket?.name", ""),
        ("bucket.name", "const { bucket } = event.Records[0].s3;"),
        ("name", "const { s3: { bucket: { name } } } = event.Records[0];"),
        ("record.s3.bucket.name", "const [record] = event.Records;"),
        ("src", "const { Records } = event;\nconst src = Records[0].s3.bucket.name;"),
        ("event.detail.bucket.name", ""),
    ],
)
@js.needs_tree_sitter
def test_event_source_targets(bucket: str, setup: str) -> None:
    assert js.target_of(bucket, setup=setup) == js.EVENT


@pytest.mark.parametrize(
    "loop",
    [
        "for (const record of event.Records) { WRITE }",
        "event.Records.forEach((record) => { WRITE });",
        "await Promise.all(event.Records.map(async (record) => { WRITE }));",
        "for (const { s3: { bucket } } of event.Records) { const record = { s3: { bucket } }; WRITE }",
    ],
)
@js.needs_tree_sitter
def test_records_iterated(loop: str) -> None:
    write = js.one_write(
        js.in_handler(loop.replace("WRITE", js.put("record.s3.bucket.name", "record.s3.object.key")))
    )
    assert write.target == js.EVENT


@js.needs_tree_sitter
def test_records_handed_to_a_named_callback() -> None:
    code = js.in_handler(
        "await Promise.all(event.Records.map(processRecord));",
        "async function processRecord(record) {\n  "
        + js.put("record.s3.bucket.name", "record.s3.object.key")
        + "\n}",
    )
    write = js.one_write(code)
    assert (write.target, write.key) == (js.EVENT, IncomingKey())


@pytest.mark.parametrize(
    "bucket, prelude",
    [
        ("context.functionName", ""),
        ("process.env.AWS_LAMBDA_FUNCTION_NAME", ""),
    ],
)
@js.needs_tree_sitter
def test_self_targets(bucket: str, prelude: str) -> None:
    assert js.target_of(bucket, prelude) == Target("self")


@js.needs_tree_sitter
def test_literal_targets_including_folded_concatenation() -> None:
    assert js.target_of('"my-bucket"') == Target("literal", "my-bucket")
    assert js.target_of('"my-" + "bucket"') == Target("literal", "my-bucket")
    assert js.target_of("NAME", "const NAME = `out-bucket`;") == Target("literal", "out-bucket")


@pytest.mark.parametrize(
    "bucket, prelude, setup",
    [
        ("getBucket()", "function getBucket() { return 'a'; }", ""),
        ("BUCKETS[process.env.STAGE]", "const BUCKETS = { dev: 'a', prod: 'b' };", ""),
        ("event.bucket", "", ""),
        ("b", "", "let b = 'a';\nif (event.x) b = 'c';"),
        ("event.x ? 'a' : 'b'", "", ""),
        ("`${process.env.PREFIX}-out`", "", ""),
        ("lookup.get('x')", "const lookup = new Map();", ""),
        ("p.Bucket", "", "const p = { Bucket: 'a' };\np.Bucket = event.other;"),
        ("q.Bucket", "", "const q = {};\nObject.assign(q, event.params);"),
    ],
)
@js.needs_tree_sitter
def test_targets_that_cannot_be_resolved_are_unknown(bucket: str, prelude: str, setup: str) -> None:
    target = js.target_of(bucket, prelude, setup)
    assert target.kind == "unknown" and target.value


@js.needs_tree_sitter
def test_spread_parameters_give_an_unknown_bucket() -> None:
    code = js.in_handler(
        "const params = { Bucket: 'b', Key: 'k' };\n"
        "await s3.send(new PutObjectCommand({ ...params, Body: 'x' }));\n"
        "await s3.send(new PutObjectCommand({ Bucket: 'fixed', ...params, Key: 'later' }));"
    )
    first, second = js.writes_of(code)
    assert first.target == Target("unknown", "spread arguments") and first.key == AnyText("spread arguments")
    assert second.target == Target("unknown", "spread arguments") and second.key == Lit("later")


@js.needs_tree_sitter
def test_parameters_object_built_in_a_variable() -> None:
    code = js.in_handler(
        "const params = { Bucket: process.env.OUT };\nparams.Key = 'set/later';\n"
        "await s3.send(new PutObjectCommand(params));"
    )
    write = js.one_write(code)
    assert (write.target, write.key) == (Target("env", "OUT"), Lit("set/later"))


@js.needs_tree_sitter
def test_computed_sdk_calls_are_not_guessed() -> None:
    code = (
        'const AWS = require("aws-sdk");\nconst s3 = new AWS.S3();\n'
        "exports.handler = async (event) => {\n"
        "  const method = event.op;\n"
        "  await s3[method]({ Bucket: 'b', Key: 'k' }).promise();\n"
        "  await s3['putObject']({ Bucket: 'named', Key: 'k' }).promise();\n};"
    )
    facts = js.facts_of(code)
    assert [(w.api, w.target.value) for w in facts.writes] == [("PutObject", "named")]
    assert facts.problems == ["index.js:5: SDK method chosen at run time; that call is not analysed"]


@js.needs_tree_sitter
def test_a_recursive_helper_passing_its_parameter_on_keeps_the_outside_callers_value() -> None:
    # `page(context, token)` calls itself with `context` unchanged: the handler's context is the
    # only value the parameter has, so the invoke names the function itself.
    code = """
const { LambdaClient, InvokeCommand } = require("@aws-sdk/client-lambda");
const lambda = new LambdaClient({});
async function page(context, token) {
  if (token === "again") { await page(context, "next"); return; }
  await lambda.send(new InvokeCommand({ FunctionName: context.functionName, InvocationType: "Event" }));
}
exports.handler = async (event, context) => { await page(context, event.token); };
"""
    assert js.one_write(code).target == Target("self")
    # A second outside caller passing something else still makes it unknown.
    other = code.replace("exports.handler = async (event, context) => {",
                         "exports.handler = async (event, context) => { await page({}, 'x');")
    assert js.one_write(other).target.kind == "unknown"
