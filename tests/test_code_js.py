"""Tests of loopcheck.code.js_facts: the JavaScript / TypeScript handler-code analyser."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from typing import List, Optional

import pytest

from loopcheck.code import js_facts
from loopcheck.code.facts import (
    AnyText,
    Basename,
    CodeFacts,
    Concat,
    Guard,
    IncomingKey,
    Lit,
    Replace,
    Stem,
    Target,
    Write,
)
from loopcheck.code.js_facts import analyse_js, analyse_js_source

SAMPLES = pathlib.Path(__file__).parent / "code_samples" / "js"

EVENT = Target("event-source")
V3 = 'const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");\nconst s3 = new S3Client({});\n'


@pytest.fixture(autouse=True)
def _tree_sitter(request: pytest.FixtureRequest) -> None:
    """Every test but the "without tree-sitter" ones needs the parser and its grammars."""
    if "without_tree_sitter" not in request.node.name:
        pytest.importorskip("tree_sitter")
        pytest.importorskip("tree_sitter_javascript")
        pytest.importorskip("tree_sitter_typescript")


# -- helpers ---------------------------------------------------------------------------------


def facts_of(code: str, *, name: str = "handler", typescript: bool = False, filename: str = "") -> CodeFacts:
    filename = filename or ("index.ts" if typescript else "index.js")
    facts = analyse_js_source(code, filename, name, typescript=typescript)
    assert facts.analysed, facts.problems
    return facts


def writes_of(code: str, **options: object) -> List[Write]:
    return facts_of(code, **options).writes  # type: ignore[arg-type]


def one_write(code: str, **options: object) -> Write:
    writes = writes_of(code, **options)
    assert len(writes) == 1, writes
    return writes[0]


def put(bucket: str, key: str = '"k"', body: str = "") -> str:
    """An S3 v3 PutObject call with the given Bucket and Key expressions."""
    return f"await s3.send(new PutObjectCommand({{ Bucket: {bucket}, Key: {key}{body} }}));"


def in_handler(body: str, prelude: str = "") -> str:
    return f"{V3}{prelude}\nexports.handler = async (event, context) => {{\n{body}\n}};\n"


def key_of(key_expr: str, prelude: str = "", setup: str = "") -> object:
    """The key facts give for an expression written in a handler (record = first record)."""
    code = in_handler(
        "const record = event.Records[0];\nconst key = record.s3.object.key;\n"
        f"{setup}\n{put('record.s3.bucket.name', key_expr)}",
        prelude,
    )
    return one_write(code).key


def target_of(bucket_expr: str, prelude: str = "", setup: str = "") -> Target:
    return one_write(in_handler(f"{setup}\n{put(bucket_expr)}", prelude)).target


def key_guards(write: Write) -> List[Optional[tuple]]:
    return [guard.key_test for guard in write.guards if guard.kind == "key"]


# -- module behaviour ------------------------------------------------------------------------


def test_importing_the_module_does_not_import_tree_sitter() -> None:
    code = "import sys, loopcheck.code.js_facts; print('tree_sitter' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_without_tree_sitter_nothing_is_analysed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setattr(js_facts, "_tree_sitter_available", lambda: False)
    inline = analyse_js_source("exports.handler = async () => {};", "index.js", "handler")
    assert inline == CodeFacts("javascript", analysed=False, problems=["tree-sitter not installed"])
    entry = tmp_path / "app.ts"
    entry.write_text("export const handler = async () => {};")
    from_file = analyse_js(entry, "handler", tmp_path)
    assert from_file == CodeFacts("typescript", analysed=False, problems=["tree-sitter not installed"])


def test_the_code_is_never_run(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "ran"
    code = f'require("fs").writeFileSync({str(marker)!r}, "x");\nexports.handler = async () => {{}};'
    entry = tmp_path / "index.js"
    entry.write_text(code)
    assert analyse_js(entry, "handler", tmp_path).analysed
    assert not marker.exists()


@pytest.mark.parametrize(
    "code, typescript",
    [
        ("exports.handler = async (event) => {\n  const x = ;\n};", False),
        ("export const handler = async (event: S3Event => {}", True),
        ("function handler(event) {\n  if (event.x {\n    return 1;\n  }\n}", False),
    ],
)
def test_a_syntax_error_means_nothing_is_analysed(code: str, typescript: bool) -> None:
    filename = "app.ts" if typescript else "app.js"
    facts = analyse_js_source(code, filename, "handler", typescript=typescript)
    assert not facts.analysed
    assert facts.writes == []
    assert len(facts.problems) == 1 and facts.problems[0].startswith(f"{filename}:")
    assert facts.problems[0].endswith(": syntax error")


def test_a_syntax_error_reports_its_line() -> None:
    facts = analyse_js_source("const a = 1;\nconst b = 2;\nconst c = (;\n", "bad.js", "handler")
    assert facts.problems == ["bad.js:3: syntax error"]


def test_a_syntax_error_in_an_imported_module_means_nothing_is_analysed(tmp_path: pathlib.Path) -> None:
    (tmp_path / "index.js").write_text(
        'const lib = require("./lib");\nexports.handler = async () => lib.go();\n'
    )
    (tmp_path / "lib.js").write_text("exports.go = async () => {\n  return [1, 2;\n};\n")
    facts = analyse_js(tmp_path / "index.js", "handler", tmp_path)
    assert not facts.analysed
    assert facts.problems == [f"{tmp_path / 'lib.js'}:2: syntax error"]


def test_language_follows_the_extension(tmp_path: pathlib.Path) -> None:
    for name, language in [("a.js", "javascript"), ("a.cjs", "javascript"), ("a.mts", "typescript")]:
        (tmp_path / name).write_text("export const handler = async () => {};")
        assert analyse_js(tmp_path / name, "handler", tmp_path).language == language


def test_tsx_files_use_the_tsx_grammar(tmp_path: pathlib.Path) -> None:
    entry = tmp_path / "view.tsx"
    entry.write_text(
        V3 + "const View = (p: { n: string }) => <div>{p.n}</div>;\n"
        "export const handler = async (event: unknown): Promise<void> => {\n"
        '  await s3.send(new PutObjectCommand({ Bucket: "pages", Key: "index.html" }));\n};\n'
    )
    facts = analyse_js(entry, "handler", tmp_path)
    assert facts.analysed and facts.language == "typescript"
    assert [w.target for w in facts.writes] == [Target("literal", "pages")]


def test_files_larger_than_the_limit_are_not_read(tmp_path: pathlib.Path) -> None:
    entry = tmp_path / "big.js"
    entry.write_text("// " + "x" * (js_facts.MAX_FILE_BYTES + 10))
    facts = analyse_js(entry, "handler", tmp_path)
    assert not facts.analysed and "larger than" in facts.problems[0]
    assert not analyse_js_source("x" * (js_facts.MAX_FILE_BYTES + 1), "big.js", "handler").analysed


def test_an_entry_outside_the_root_is_not_read(tmp_path: pathlib.Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "app.js").write_text("exports.handler = async () => {};")
    facts = analyse_js(tmp_path / "app.js", "handler", tmp_path / "root")
    assert not facts.analysed and "outside the code root" in facts.problems[0]


def test_positions_are_one_based_and_count_characters() -> None:
    code = in_handler('  const s = "héllo";   ' + put('"b"'))
    write = one_write(code)
    assert (write.line, write.column) == (5, 30)  # 31 if bytes were counted: "é" is two
    assert write.file == "index.js"


# -- handler export forms --------------------------------------------------------------------

WRITE = 'await s3.send(new PutObjectCommand({ Bucket: event.Records[0].s3.bucket.name, Key: "k" }));'


@pytest.mark.parametrize(
    "shape",
    [
        "exports.handler = async (event) => { WRITE };",
        "module.exports.handler = async function (event) { WRITE };",
        "async function handler(event) { WRITE }\nmodule.exports = { handler };",
        "module.exports = { handler: async (event) => { WRITE } };",
        "module.exports = { async handler(event) { WRITE } };",
        "const handler = async (event) => { WRITE };\nexports.handler = handler;",
        "export const handler = async (event) => { WRITE };",
        "export async function handler(event) { WRITE }",
        "const main = async (event) => { WRITE };\nexport { main as handler };",
        "const handler = async (event) => { WRITE };\nexport { handler };",
        "export const handler = middy(async (event) => { WRITE }).use(logger());",
        "exports['handler'] = async (event, ...rest) => { WRITE };",
    ],
)
def test_handler_export_forms(shape: str) -> None:
    facts = facts_of(V3 + shape.replace("WRITE", WRITE))
    assert facts.problems == []
    assert [w.target for w in facts.writes] == [EVENT]


def test_the_handler_may_destructure_the_event() -> None:
    code = (
        V3
        + "exports.handler = async ({ Records }, { functionName }) => {\n"
        + put("Records[0].s3.bucket.name", "Records[0].s3.object.key")
        + put("functionName")
        + "\n};"
    )
    first, second = writes_of(code)
    assert (first.target, first.key, second.target) == (EVENT, IncomingKey(), Target("self"))


@pytest.mark.parametrize(
    "entry",
    ['export { handler } from "./impl.js";', 'module.exports = require("./impl.js");'],
)
def test_a_handler_re_exported_from_another_module(tmp_path: pathlib.Path, entry: str) -> None:
    (tmp_path / "index.js").write_text(entry)
    (tmp_path / "impl.js").write_text(V3 + "exports.handler = async (event) => {\n" + WRITE + "\n};")
    facts = analyse_js(tmp_path / "index.js", "handler", tmp_path)
    assert facts.problems == [] and [w.target for w in facts.writes] == [EVENT]


def test_the_handler_name_may_carry_the_module_prefix() -> None:
    assert one_write(in_handler(put("event.Records[0].s3.bucket.name")), name="index.handler").target == EVENT


def test_a_missing_handler_is_a_problem_but_writes_are_still_reported() -> None:
    facts = facts_of(in_handler(put("event.Records[0].s3.bucket.name")), name="main")
    assert "handler 'main' not found" in facts.problems[0]
    assert [w.target.kind for w in facts.writes] == ["unknown"]


# -- AWS SDK v3 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, api",
    [
        ("PutObjectCommand", "PutObject"),
        ("CopyObjectCommand", "CopyObject"),
        ("DeleteObjectCommand", "DeleteObject"),
        ("DeleteObjectsCommand", "DeleteObjects"),
        ("CompleteMultipartUploadCommand", "CompleteMultipartUpload"),
    ],
)
def test_v3_s3_commands(command: str, api: str) -> None:
    code = (
        f'const {{ S3Client, {command} }} = require("@aws-sdk/client-s3");\n'
        "const s3 = new S3Client({});\n"
        f'exports.handler = async () => {{ await s3.send(new {command}({{ Bucket: "b", Key: "out/x" }})); }};'
    )
    write = one_write(code)
    assert (write.service, write.api, write.target) == ("s3", api, Target("literal", "b"))
    assert write.key == (AnyText("the keys listed in Delete") if api == "DeleteObjects" else Lit("out/x"))


def test_v3_commonjs_sample() -> None:
    facts = analyse_js(SAMPLES / "v3_commonjs.js", "handler", SAMPLES)
    assert facts.analysed and facts.problems == [] and facts.language == "javascript"
    put_write, copy = facts.writes
    assert (put_write.api, put_write.target, put_write.line) == ("PutObject", EVENT, 23)
    assert put_write.key == Concat((Lit("thumbnails/"), Basename(IncomingKey())))
    assert [g.kind for g in put_write.guards] == ["key", "metadata"]
    assert put_write.guards[0] == Guard(
        "key", 15, 'key.startsWith("thumbnails/")', ("startswith", "thumbnails/", True)
    )
    # CopyObject: the destination, not CopySource
    assert (copy.api, copy.target, copy.key) == ("CopyObject", Target("env", "ARCHIVE_BUCKET"), IncomingKey())


def test_v3_esm_sample_with_renamed_imports_and_callbacks() -> None:
    facts = analyse_js(SAMPLES / "v3_esm.mjs", "handler", SAMPLES)
    small, sidecar, delete = facts.writes
    assert small.target == Target("env", "OUTPUT_BUCKET")
    assert small.key == Concat((Lit("small/"), Basename(Stem(IncomingKey())), Lit(".webp")))
    assert key_guards(small) == [("endswith", ".jpg", False)]
    assert sidecar.target == EVENT and sidecar.key == Concat((Stem(IncomingKey()), Lit(".txt")))
    assert (delete.api, delete.target, delete.key) == ("DeleteObject", EVENT, Basename(IncomingKey()))
    assert delete.guards == ()  # the forEach callback has no guard; the map callback's is not ours


def test_command_built_before_it_is_sent_and_lib_storage_upload() -> None:
    facts = analyse_js(SAMPLES / "lib_storage.mjs", "handler", SAMPLES)
    upload, marker = facts.writes
    assert (upload.service, upload.api, upload.target) == ("s3", "UploadFile", EVENT)
    assert upload.key == Concat((Lit("uploads/"), IncomingKey()))
    assert (upload.line, upload.column) == (9, 18)  # at `new Upload(...)`
    assert (marker.api, marker.target, marker.key) == (
        "PutObject",
        Target("env", "MARKERS"),
        Lit("markers/done.txt"),
    )
    assert marker.line == 16  # at the send, not where the command was built


def test_a_command_sent_in_a_way_we_cannot_see_is_reported_where_it_is_built() -> None:
    code = in_handler(
        "const commands = [];\n"
        'commands.push(new PutObjectCommand({ Bucket: "b", Key: "k" }));\n'
        "await Promise.all(commands.map((c) => s3.send(c)));"
    )
    write = one_write(code)
    assert (write.api, write.target, write.line) == ("PutObject", Target("literal", "b"), 6)


def test_namespace_import_of_the_v3_package() -> None:
    code = (
        'import * as sdk from "@aws-sdk/client-s3";\nconst s3 = new sdk.S3Client({});\n'
        "export const handler = async (event) => {\n"
        '  await s3.send(new sdk.CopyObjectCommand({ Bucket: "dest", CopySource: "a/b", Key: "c" }));\n};'
    )
    assert one_write(code).api == "CopyObject"


def test_aggregated_v3_client_methods() -> None:
    code = (
        'import { S3 } from "@aws-sdk/client-s3";\nconst s3 = new S3({});\n'
        "export const handler = async (event) => {\n"
        "  const r = event.Records[0];\n"
        '  await s3.headObject({ Bucket: r.s3.bucket.name, Key: "x" });\n'
        "  await s3.copyObject({ Bucket: r.s3.bucket.name, CopySource: 'a', Key: 'copy/x' });\n};"
    )
    write = one_write(code)
    assert (write.api, write.target, write.key) == ("CopyObject", EVENT, Lit("copy/x"))


def test_reads_are_not_writes() -> None:
    code = (
        'const { S3Client, GetObjectCommand, HeadObjectCommand } = require("@aws-sdk/client-s3");\n'
        "const s3 = new S3Client({});\nexports.handler = async () => {\n"
        '  await s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" }));\n'
        '  const cmd = new HeadObjectCommand({ Bucket: "b", Key: "k" });\n};'
    )
    assert writes_of(code) == []


def test_a_command_whose_import_cannot_be_followed_is_known_by_its_name() -> None:
    code = (
        'import { PutObjectCommand, client } from "./clients.js";\n'
        "export const handler = async () => {\n"
        '  await client.send(new PutObjectCommand({ Bucket: "b", Key: "k" }));\n};'
    )
    write = one_write(code)
    assert (write.service, write.api, write.target) == ("s3", "PutObject", Target("literal", "b"))


# -- AWS SDK v2 ------------------------------------------------------------------------------


def test_v2_sample() -> None:
    facts = analyse_js(SAMPLES / "v2_sdk.js", "handler", SAMPLES)
    found = [(w.service, w.api, w.target) for w in facts.writes]
    assert found == [
        ("s3", "PutObject", EVENT),
        ("s3", "UploadFile", Target("literal", "reports-bucket")),
        ("s3", "CopyObject", Target("env", "COPY_BUCKET")),
        ("s3", "DeleteObject", Target("env", "TRASH")),
        ("s3", "DeleteObjects", Target("literal", "trash")),
        ("dynamodb", "PutItem", Target("env", "TABLE")),
        ("sns", "Publish", Target("env", "TOPIC")),
        ("sqs", "SendMessage", Target("env", "QUEUE_URL")),
    ]
    first = facts.writes[0]
    assert first.key == Concat((Lit("processed/"), IncomingKey()))
    assert [g.kind for g in first.guards] == ["event-name", "metadata"]
    assert facts.writes[1].key == Concat((Lit("reports/"), AnyText("now() result"), Lit(".csv")))
    assert facts.writes[5].details == {"Table": "client", "Item": "stable"}  # only the incoming key
    assert facts.writes[6].details == {"MessageAttributes": "kind,size"}


@pytest.mark.parametrize(
    "prelude, client",
    [
        ('const AWS = require("aws-sdk");', "new AWS.S3()"),
        ('const { S3 } = require("aws-sdk");', "new S3({ region: 'eu-west-1' })"),
        ('import AWS from "aws-sdk";', "new AWS.S3()"),
        ('import * as AWS from "aws-sdk";', "new AWS.S3()"),
        ('const S3 = require("aws-sdk/clients/s3");', "new S3()"),
    ],
)
def test_v2_client_forms(prelude: str, client: str) -> None:
    code = (
        f"{prelude}\nconst s3 = {client};\n"
        "exports.handler = async (event) => {\n"
        "  await s3.putObject({ Bucket: process.env.OUT, Key: 'k' }).promise();\n};"
    )
    write = one_write(code)
    assert (write.service, write.api, write.target) == ("s3", "PutObject", Target("env", "OUT"))


def test_v2_document_client_methods() -> None:
    code = (
        'const DynamoDB = require("aws-sdk/clients/dynamodb");\n'
        "const docs = new DynamoDB.DocumentClient();\n"
        "exports.handler = async () => {\n"
        "  await docs.update({ TableName: 'a', Key: {} }).promise();\n"
        "  await docs.delete({ TableName: 'b', Key: {} }).promise();\n"
        "  await docs.get({ TableName: 'c', Key: {} }).promise();\n};"
    )
    found = [(w.service, w.api, w.target.value) for w in writes_of(code)]
    assert found == [("dynamodb", "UpdateItem", "a"), ("dynamodb", "DeleteItem", "b")]


def test_v2_other_services() -> None:
    code = (
        'const AWS = require("aws-sdk");\n'
        "const events = new AWS.EventBridge();\nconst sfn = new AWS.StepFunctions();\n"
        "const lambda = new AWS.Lambda();\nconst kinesis = new AWS.Kinesis();\n"
        "const firehose = new AWS.Firehose();\n"
        "exports.handler = async (event) => {\n"
        "  await events.putEvents({ Entries: [{ Source: 'app', DetailType: 'Done' }] }).promise();\n"
        "  await sfn.startExecution({ stateMachineArn: process.env.SM }).promise();\n"
        "  await lambda.invoke({ FunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME }).promise();\n"
        "  await kinesis.putRecords({ StreamARN: 'arn:aws:kinesis:eu-west-1:1:stream/s' }).promise();\n"
        "  await firehose.putRecord({ DeliveryStreamName: process.env.FH, Record: {} }).promise();\n};"
    )
    events, sfn, invoke, kinesis, firehose = writes_of(code)
    assert (events.service, events.api, events.target) == ("events", "PutEvents", Target("literal", "default"))
    assert events.details == {"Source": "app", "DetailType": "Done"}
    assert (sfn.service, sfn.api, sfn.target) == ("states", "StartExecution", Target("env", "SM"))
    assert (invoke.service, invoke.api, invoke.target) == ("lambda", "Invoke", Target("self"))
    assert (kinesis.api, kinesis.target.value) == ("PutRecords", "arn:aws:kinesis:eu-west-1:1:stream/s")
    assert (firehose.service, firehose.api, firehose.target) == ("firehose", "PutRecord", Target("env", "FH"))


def test_sdk_calls_on_an_object_we_cannot_identify_are_recognised_by_their_parameters() -> None:
    code = (
        "class Store {\n  constructor(s3) { this.s3 = s3; }\n"
        "  async save(key) {\n"
        "    await this.s3.putObject({ Bucket: process.env.OUT, Key: key }).promise();\n"
        "    await this.cache.put({ id: key });\n  }\n}\n"
        "exports.handler = async (event) => new Store(makeS3()).save('k');"
    )
    write = one_write(code)
    assert (write.service, write.api, write.target) == ("s3", "PutObject", Target("env", "OUT"))
    assert write.key == AnyText("parameter")


def test_sdk_calls_on_a_client_from_an_unknown_package_are_recognised() -> None:
    code = (
        'const { s3, cache } = require("@acme/aws-clients");\n'
        "exports.handler = async () => {\n"
        "  await s3.upload({ Bucket: 'exports', Key: 'x.csv', Body: '' }).promise();\n"
        "  await cache.upload({ path: '/tmp/x' });\n};"
    )
    write = one_write(code)
    assert (write.service, write.api, write.target) == ("s3", "UploadFile", Target("literal", "exports"))


def test_a_local_class_named_like_a_command_is_not_a_write() -> None:
    code = (
        "class PutCommand { constructor(args) { this.args = args; } }\n"
        "exports.handler = async () => { queue.push(new PutCommand({ TableName: 'x' })); };"
    )
    assert writes_of(code) == []


# -- other services through SDK v3 -----------------------------------------------------------


def test_v3_other_services_sample() -> None:
    facts = analyse_js(SAMPLES / "services_v3.mjs", "handler", SAMPLES)
    found = [(w.service, w.api, w.target) for w in facts.writes]
    assert found == [
        ("sqs", "SendMessage", Target("env", "QUEUE_URL")),
        ("sqs", "SendMessageBatch", Target("literal", "https://sqs.eu-west-1.amazonaws.com/1/q")),
        ("sns", "Publish", Target("env", "TOPIC_ARN")),
        ("dynamodb", "PutItem", Target("literal", "orders")),
        ("dynamodb", "BatchWriteItem", Target("env", "TABLE")),
        ("dynamodb", "UpdateItem", Target("env", "TABLE")),
        ("dynamodb", "TransactWriteItems", Target("literal", "audit")),
        ("kinesis", "PutRecord", Target("env", "STREAM")),
        ("firehose", "PutRecordBatch", Target("literal", "to-s3")),
        ("events", "PutEvents", Target("env", "BUS")),
        ("states", "StartExecution", Target("env", "STATE_MACHINE_ARN")),
        ("lambda", "Invoke", Target("self")),
    ]
    events = facts.writes[9]
    assert events.details == {"Source": "my.app", "DetailType": "ThumbnailCreated"}
    assert all(w.key is None for w in facts.writes)
    assert all([g.kind for g in w.guards] == ["source"] for w in facts.writes)


def test_lib_dynamodb_commands_and_statements() -> None:
    code = (
        "import { DynamoDBClient, ExecuteStatementCommand, DeleteItemCommand }\n"
        '  from "@aws-sdk/client-dynamodb";\n'
        "import { DynamoDBDocument, PutCommand, DeleteCommand, BatchWriteCommand }\n"
        '  from "@aws-sdk/lib-dynamodb";\n'
        "const doc = DynamoDBDocument.from(new DynamoDBClient({}));\n"
        "export const handler = async () => {\n"
        "  await doc.send(new PutCommand({ TableName: process.env.T, Item: {} }));\n"
        "  await doc.send(new DeleteCommand({ TableName: 'gone', Key: {} }));\n"
        "  await doc.send(new BatchWriteCommand({ RequestItems: { a: [], b: [] } }));\n"
        "  await doc.send(new DeleteItemCommand({ TableName: 'x', Key: {} }));\n"
        "  await doc.send(new ExecuteStatementCommand({ Statement: 'INSERT INTO \"jobs\" VALUE {}' }));\n"
        "  await doc.put({ TableName: 'direct', Item: {} });\n};"
    )
    found = [(w.api, w.target) for w in writes_of(code)]
    assert found == [
        ("PutItem", Target("env", "T")),
        ("DeleteItem", Target("literal", "gone")),
        ("BatchWriteItem", Target("literal", "a")),  # one write per table, as in Python
        ("BatchWriteItem", Target("literal", "b")),
        ("DeleteItem", Target("literal", "x")),
        ("ExecuteStatement", Target("literal", "jobs")),
        ("PutItem", Target("literal", "direct")),
    ]


def test_sns_publish_batch_and_kinesis_stream_arn_v3() -> None:
    code = (
        'import { SNSClient, PublishBatchCommand } from "@aws-sdk/client-sns";\n'
        'import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";\n'
        "const c = new SNSClient({});\n"
        "export const handler = async () => {\n"
        "  await c.send(new PublishBatchCommand({ TopicArn: process.env.T, Entries: [] }));\n"
        "  await c.send(new PutRecordsCommand({ StreamARN: process.env.S, Records: [] }));\n};"
    )
    found = [(w.service, w.api, w.target) for w in writes_of(code)]
    assert found == [("sns", "PublishBatch", Target("env", "T")), ("kinesis", "PutRecords", Target("env", "S"))]


# -- targets ---------------------------------------------------------------------------------


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
def test_environment_variable_targets(bucket: str, prelude: str, setup: str) -> None:
    assert target_of(bucket, prelude, setup) == Target("env", "OUT")


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
def test_event_source_targets(bucket: str, setup: str) -> None:
    assert target_of(bucket, setup=setup) == EVENT


@pytest.mark.parametrize(
    "loop",
    [
        "for (const record of event.Records) { WRITE }",
        "event.Records.forEach((record) => { WRITE });",
        "await Promise.all(event.Records.map(async (record) => { WRITE }));",
        "for (const { s3: { bucket } } of event.Records) { const record = { s3: { bucket } }; WRITE }",
    ],
)
def test_records_iterated(loop: str) -> None:
    write = one_write(in_handler(loop.replace("WRITE", put("record.s3.bucket.name", "record.s3.object.key"))))
    assert write.target == EVENT


def test_records_handed_to_a_named_callback() -> None:
    code = in_handler(
        "await Promise.all(event.Records.map(processRecord));",
        "async function processRecord(record) {\n  "
        + put("record.s3.bucket.name", "record.s3.object.key")
        + "\n}",
    )
    write = one_write(code)
    assert (write.target, write.key) == (EVENT, IncomingKey())


@pytest.mark.parametrize(
    "bucket, prelude",
    [
        ("context.functionName", ""),
        ("process.env.AWS_LAMBDA_FUNCTION_NAME", ""),
    ],
)
def test_self_targets(bucket: str, prelude: str) -> None:
    assert target_of(bucket, prelude) == Target("self")


def test_literal_targets_including_folded_concatenation() -> None:
    assert target_of('"my-bucket"') == Target("literal", "my-bucket")
    assert target_of('"my-" + "bucket"') == Target("literal", "my-bucket")
    assert target_of("NAME", "const NAME = `out-bucket`;") == Target("literal", "out-bucket")


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
def test_targets_that_cannot_be_resolved_are_unknown(bucket: str, prelude: str, setup: str) -> None:
    target = target_of(bucket, prelude, setup)
    assert target.kind == "unknown" and target.value


def test_spread_parameters_give_an_unknown_bucket() -> None:
    code = in_handler(
        "const params = { Bucket: 'b', Key: 'k' };\n"
        "await s3.send(new PutObjectCommand({ ...params, Body: 'x' }));\n"
        "await s3.send(new PutObjectCommand({ Bucket: 'fixed', ...params, Key: 'later' }));"
    )
    first, second = writes_of(code)
    assert first.target == Target("unknown", "spread arguments") and first.key == AnyText("spread arguments")
    assert second.target == Target("unknown", "spread arguments") and second.key == Lit("later")


def test_parameters_object_built_in_a_variable() -> None:
    code = in_handler(
        "const params = { Bucket: process.env.OUT };\nparams.Key = 'set/later';\n"
        "await s3.send(new PutObjectCommand(params));"
    )
    write = one_write(code)
    assert (write.target, write.key) == (Target("env", "OUT"), Lit("set/later"))


def test_computed_sdk_calls_are_not_guessed() -> None:
    code = (
        'const AWS = require("aws-sdk");\nconst s3 = new AWS.S3();\n'
        "exports.handler = async (event) => {\n"
        "  const method = event.op;\n"
        "  await s3[method]({ Bucket: 'b', Key: 'k' }).promise();\n"
        "  await s3['putObject']({ Bucket: 'named', Key: 'k' }).promise();\n};"
    )
    facts = facts_of(code)
    assert [(w.api, w.target.value) for w in facts.writes] == [("PutObject", "named")]
    assert facts.problems == ["index.js:5: SDK method chosen at run time; that call is not analysed"]


# -- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, setup, expected",
    [
        ('"static/key.txt"', "", Lit("static/key.txt")),
        ("record.s3.object.key", "", IncomingKey()),
        ("key", "", IncomingKey()),
        ('decodeURIComponent(key.replace(/\\+/g, " "))', "", IncomingKey()),
        ("k", 'const k = decodeURIComponent(record.s3.object.key.replace(/\\+/g, " "));', IncomingKey()),
        ("`out/${key}`", "", Concat((Lit("out/"), IncomingKey()))),
        ("'out/' + key + '.json'", "", Concat((Lit("out/"), IncomingKey(), Lit(".json")))),
        ("path.join('out/', key)", "", Concat((Lit("out/"), IncomingKey()))),
        (
            "path.join(prefix, '/', key)",
            "const prefix = event.p;",
            Concat((AnyText("event field p"), Lit("/"), IncomingKey())),
        ),
        ("path.posix.join('a', 'b', key)", "", Concat((Lit("a/b/"), IncomingKey()))),
        ("key.replace('in/', 'out/')", "", Replace(IncomingKey(), "in/", "out/", first_only=True)),
        ("key.replaceAll('in/', 'out/')", "", Replace(IncomingKey(), "in/", "out/", first_only=False)),
        ("key.replace(/^in\\//, 'out/')", "", AnyText("regex replace")),
        ("key.replace(/\\.[^.]+$/, '')", "", Stem(IncomingKey())),
        ("key.replace(/\\.[^/.]+$/, '.png')", "", Concat((Stem(IncomingKey()), Lit(".png")))),
        ("path.parse(key).name", "", Basename(Stem(IncomingKey()))),
        (
            "name + '.png'",
            "const { name } = path.parse(key);",
            Concat((Basename(Stem(IncomingKey())), Lit(".png"))),
        ),
        ("path.basename(key)", "", Basename(IncomingKey())),
        ("key.split('/').pop()", "", Basename(IncomingKey())),
        ("key.split('/').at(-1)", "", Basename(IncomingKey())),
        ("parts[parts.length - 1]", "const parts = key.split('/');", Basename(IncomingKey())),
        ("key.substring(key.lastIndexOf('/') + 1)", "", Basename(IncomingKey())),
        ("key.slice(0, key.lastIndexOf('.'))", "", Stem(IncomingKey())),
        ("key.split('.').slice(0, -1).join('.')", "", Stem(IncomingKey())),
        ("['thumbs', key].join('/')", "", Concat((Lit("thumbs/"), IncomingKey()))),
        ("`${PREFIX}${key}`", "", Concat((Lit("cache/"), IncomingKey()))),
        ("event.detail.object.key", "", IncomingKey()),
        (
            "`${SIZE.w}x${SIZE.h}/${key}`",
            "const SIZE = { w: 128, h: 96 };",
            Concat((Lit("128x96/"), IncomingKey())),
        ),
        ("'v' + 2 + '/' + key", "", Concat((Lit("v2/"), IncomingKey()))),
        ("1 + 2 + key", "", Concat((AnyText("arithmetic"), IncomingKey()))),
        ("`${0.5}/${key}`", "", Concat((AnyText("number"), Lit("/"), IncomingKey()))),
    ],
)
def test_key_forms(expression: str, setup: str, expected: object) -> None:
    prelude = 'const path = require("path");\nconst PREFIX = "cache/";'
    assert key_of(expression, prelude, setup) == expected


@pytest.mark.parametrize(
    "expression, prelude",
    [
        ("uuid()", 'const { v4: uuid } = require("uuid");'),
        ("`${Date.now()}/${key}`", ""),
        ("key.toLowerCase()", ""),
        ("key.split('/')[0]", ""),
        ("path.dirname(key)", 'const path = require("path");'),
        ("String(Math.random())", ""),
    ],
)
def test_keys_that_cannot_be_followed_keep_unknown_parts(expression: str, prelude: str) -> None:
    key = key_of(expression, prelude)
    parts = key.parts if isinstance(key, Concat) else (key,)
    assert any(isinstance(part, AnyText) for part in parts)


def test_a_let_key_reassigned_is_unknown() -> None:
    key = key_of("k", setup="let k = key;\nif (event.big) { k = 'big/' + key; }")
    assert key == AnyText("k is reassigned")


def test_typescript_sample() -> None:
    facts = analyse_js(SAMPLES / "typed_handler.ts", "handler", SAMPLES)
    assert facts.analysed and facts.language == "typescript" and facts.problems == []
    clean, labelled = facts.writes
    assert clean.target == EVENT
    assert clean.key == Replace(IncomingKey(), "raw/", "clean/", first_only=True)
    assert clean.guards == (
        Guard("key", 26, '!key.startsWith("raw/")', ("startswith", "raw/", False)),
        Guard("metadata", 30, "(response.Metadata as Record<string, string>)?.stage === Stage.Clean"),
    )
    assert labelled.target == Target("env", "CLEAN_BUCKET")
    assert labelled.key == Concat((AnyText("firstOf() result"), Lit("/"), IncomingKey()))


def test_typescript_inline_with_generics_and_casts() -> None:
    code = (
        'import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";\n'
        "type Out<T> = { bucket: T };\n"
        "const client = new S3Client({}) as unknown as S3Client;\n"
        "export const handler = async <E extends { Records: any[] }>(event: E): Promise<Out<string>> => {\n"
        "  const rec = (event.Records as Array<any>)[0]!;\n"
        "  const bucket: string = <string>rec.s3.bucket.name;\n"
        "  const key = `x/${rec.s3.object.key as string}`;\n"
        "  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key }));\n"
        "  return { bucket };\n};"
    )
    write = one_write(code, typescript=True)
    assert (write.target, write.key) == (EVENT, Concat((Lit("x/"), IncomingKey())))


# -- helpers in the same module --------------------------------------------------------------

HELPER = (
    "async function save(bucket, key, body) {\n"
    "  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));\n}\n"
)


def test_helper_called_from_one_place_takes_the_callers_arguments() -> None:
    code = in_handler(
        "const key = event.Records[0].s3.object.key;\n"
        "if (key.startsWith('thumb/')) return;\n"
        "await save(process.env.OUT, `thumb/${key}`, 'data');",
        HELPER,
    )
    write = one_write(code)
    assert write.target == Target("env", "OUT")
    assert write.key == Concat((Lit("thumb/"), IncomingKey()))
    assert key_guards(write) == [("startswith", "thumb/", True)]  # the caller's guard dominates
    assert write.line == 4  # reported where the SDK call is, in the helper


def test_helper_callers_that_agree_and_disagree() -> None:
    agree = in_handler("await save(process.env.OUT, 'a', 1);\nawait save(process.env.OUT, 'b', 2);", HELPER)
    write = one_write(agree)
    assert write.target == Target("env", "OUT") and write.key == AnyText("callers pass different values")
    disagree = in_handler("await save('one', 'a', 1);\nawait save(process.env.OUT, 'a', 2);", HELPER)
    assert one_write(disagree).target == Target("unknown", "callers pass different values")


def test_helper_used_as_a_value_has_unknown_parameters() -> None:
    code = in_handler("const fns = [save];\nawait save('b', 'k', 1);", HELPER)
    assert one_write(code).target.kind == "unknown"


def test_helper_called_with_spread_arguments() -> None:
    code = in_handler("const args = ['b', 'k'];\nawait save(...args);", HELPER)
    write = one_write(code)
    assert write.target == Target("unknown", "spread arguments") and write.key == AnyText("spread arguments")


def test_const_arrow_helper_with_a_default_parameter() -> None:
    code = in_handler(
        "await store(event.Records[0].s3.object.key);",
        "const store = async (key, bucket = process.env.DEFAULT_OUT) => {\n  " + put("bucket", "key") + "\n};",
    )
    write = one_write(code)
    assert (write.target, write.key) == (Target("env", "DEFAULT_OUT"), IncomingKey())


def test_a_guard_in_only_one_caller_is_not_attached() -> None:
    code = in_handler(
        "const key = event.Records[0].s3.object.key;\n"
        "if (event.a) {\n  if (key.endsWith('.png')) return;\n  await save('b', key, 1);\n}\n"
        "await save('b', key, 2);",
        HELPER,
    )
    assert one_write(code).guards == ()


# -- sibling modules -------------------------------------------------------------------------


def test_a_sibling_module_is_followed_through_require() -> None:
    root = SAMPLES / "helper_project"
    facts = analyse_js(root / "index.js", "handler", root)
    assert facts.files == [str(root / "index.js"), str(root / "lib" / "storage.js")]
    thumb, archive = facts.writes
    assert thumb.file == str(root / "lib" / "storage.js")
    assert (thumb.target, thumb.key) == (Target("env", "THUMBS"), Concat((Lit("thumbs/"), IncomingKey())))
    assert key_guards(thumb) == [("startswith", "thumbs/", True)]
    assert (archive.api, archive.target) == ("CopyObject", Target("literal", "archive-bucket"))
    assert archive.key == Concat((Lit("archive/"), IncomingKey()))


def test_a_sibling_module_is_followed_through_import() -> None:
    root = SAMPLES / "esm_project"
    facts = analyse_js(root / "app.mjs", "handler", root)
    assert len(facts.files) == 3
    store, notify = facts.writes
    assert store.target == EVENT
    assert store.key == Replace(IncomingKey(), "incoming/", "done/", first_only=True)
    assert (notify.service, notify.target) == ("sns", Target("env", "DONE_TOPIC"))


def test_a_dynamic_import_is_followed(tmp_path: pathlib.Path) -> None:
    (tmp_path / "index.mjs").write_text(
        "export const handler = async (event) => {\n"
        '  const { save } = await import("./save.mjs");\n'
        "  await save(event.Records[0].s3.object.key);\n};"
    )
    (tmp_path / "save.mjs").write_text(
        'import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";\n'
        "export async function save(key) {\n"
        "  const command = new PutObjectCommand({ Bucket: process.env.OUT, Key: `copy/${key}` });\n"
        "  await new S3Client({}).send(command);\n}"
    )
    write = one_write_of(analyse_js(tmp_path / "index.mjs", "handler", tmp_path))
    assert (write.target, write.key) == (Target("env", "OUT"), Concat((Lit("copy/"), IncomingKey())))
    assert write.file == str(tmp_path / "save.mjs")


def test_typescript_imports_of_js_names_find_the_ts_file() -> None:
    root = SAMPLES / "ts_project"
    facts = analyse_js(root / "src" / "index.ts", "handler", root)
    assert facts.files[1].endswith(os.path.join("src", "report.ts"))
    write = one_write_of(facts)
    assert write.target == Target("env", "REPORTS_BUCKET")
    assert write.key == Concat((Lit("reports/"), IncomingKey(), Lit(".json")))


def one_write_of(facts: CodeFacts) -> Write:
    assert len(facts.writes) == 1, facts.writes
    return facts.writes[0]


def test_an_import_escaping_the_root_is_not_read() -> None:
    root = SAMPLES / "escape" / "root"
    facts = analyse_js(root / "index.js", "handler", root)
    assert facts.analysed and facts.writes == []
    assert facts.files == [str(root / "index.js")]
    assert "outside the code root" in facts.problems[0]


def test_a_symlink_escaping_the_root_is_not_read(tmp_path: pathlib.Path) -> None:
    outside = tmp_path / "secret.js"
    outside.write_text("exports.go = async () => s3.send(new PutObjectCommand({ Bucket: 'x', Key: 'y' }));")
    root = tmp_path / "app"
    root.mkdir()
    try:
        (root / "lib.js").symlink_to(outside)
    except OSError:
        pytest.skip("symlinks not available")
    (root / "index.js").write_text('const { go } = require("./lib");\nexports.handler = async () => go();')
    facts = analyse_js(root / "index.js", "handler", root)
    assert facts.writes == [] and len(facts.files) == 1
    assert "outside the code root" in facts.problems[0]


def test_directory_imports_resolve_to_index_and_depth_is_bounded(tmp_path: pathlib.Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "index.js").write_text('const a = require("./a");\nexports.handler = async () => a.run();')
    (tmp_path / "a" / "index.js").write_text('const b = require("../b");\nexports.run = async () => b.run();')
    (tmp_path / "b.js").write_text(
        V3 + "exports.run = async () => s3.send(new PutObjectCommand({ Bucket: 'deep' }));"
    )
    deep = analyse_js(tmp_path / "index.js", "handler", tmp_path)
    assert [w.target for w in deep.writes] == [Target("literal", "deep")]
    shallow = analyse_js(tmp_path / "index.js", "handler", tmp_path, max_depth=1)
    assert shallow.writes == [] and len(shallow.files) == 2
    assert "imports away" in shallow.problems[0]


def test_missing_modules_and_inline_code_imports() -> None:
    facts = facts_of('const { save } = require("./nowhere");\nexports.handler = async () => save("b", "k");')
    assert facts.writes == [] and facts.files == ["index.js"] and facts.problems == []


def test_a_missing_module_is_a_problem(tmp_path: pathlib.Path) -> None:
    (tmp_path / "index.js").write_text(
        'const { save } = require("./nowhere");\nexports.handler = async () => save();'
    )
    facts = analyse_js(tmp_path / "index.js", "handler", tmp_path)
    assert facts.analysed and facts.problems == [f"{tmp_path / 'index.js'}: import './nowhere': not found"]


# -- guards ----------------------------------------------------------------------------------


def guarded(test_and_exit: str, write: str = "") -> Write:
    """The write after `test_and_exit` in a handler where key is the incoming key."""
    body = (
        "const record = event.Records[0];\n"
        "const key = decodeURIComponent(record.s3.object.key.replace(/\\+/g, ' '));\n"
        f"{test_and_exit}\n{write or put('record.s3.bucket.name', 'key')}"
    )
    return one_write(in_handler(body))


@pytest.mark.parametrize(
    "guard, expected",
    [
        ('if (key.startsWith("out/")) return;', ("startswith", "out/", True)),
        ('if (!key.startsWith("in/")) return;', ("startswith", "in/", False)),
        ('if (!key.startsWith("in/")) { console.log("skip"); return; }', ("startswith", "in/", False)),
        ('if (key.endsWith("_thumb.jpg")) throw new Error("loop");', ("endswith", "_thumb.jpg", True)),
        ('if (key.includes("/thumbs/")) return;', ("contains", "/thumbs/", True)),
        ('if (key.indexOf("out/") === 0) return;', ("startswith", "out/", True)),
        ('if (key.indexOf("tmp") !== -1) return;', ("contains", "tmp", True)),
        ('if (key.indexOf("tmp") === -1) return;', ("contains", "tmp", False)),
        ("if (/^processed\\//.test(key)) return;", ("startswith", "processed/", True)),
        ("if (!key.match(/\\.jpe?g$/)) return;", None),
        ("if (key.match(/\\.png$/)) return;", ("endswith", ".png", True)),
        ("if (key.match(/\\.png$/) === null) return;", ("endswith", ".png", False)),
        ('if (key.startsWith("out/") === false) return;', ("startswith", "out/", False)),
        ("if (/thumb/i.test(key)) return;", None),
        ("if (key.startsWith(OUT_PREFIX)) return;", ("startswith", "out/", True)),
        ("if (key.startsWith(process.env.OUT_PREFIX)) return;", None),
        ("if (path.basename(key).startsWith('t_')) return;", None),
    ],
)
def test_key_guards(guard: str, expected: Optional[tuple]) -> None:
    code = in_handler(
        "const record = event.Records[0];\nconst key = record.s3.object.key;\n"
        f"{guard}\n{put('record.s3.bucket.name', 'key')}",
        'const path = require("path");\nconst OUT_PREFIX = "out/";',
    )
    assert key_guards(one_write(code)) == [expected]


def test_each_part_of_an_or_test_is_a_guard() -> None:
    write = guarded('if (key.startsWith("out/") || key.endsWith(".json")) return;')
    assert key_guards(write) == [("startswith", "out/", True), ("endswith", ".json", True)]
    assert [g.text for g in write.guards] == ['key.startsWith("out/")', 'key.endsWith(".json")']


def test_a_negated_and_test_splits_too() -> None:
    write = guarded('if (!(key.startsWith("in/") && key.endsWith(".jpg"))) continue;')
    assert key_guards(write) == [("startswith", "in/", False), ("endswith", ".jpg", False)]


def test_an_and_test_is_a_key_guard_without_a_key_test() -> None:
    write = guarded('if (event.flag && key.startsWith("out/")) return;')
    assert key_guards(write) == [None]


def test_the_write_inside_an_if_is_guarded_by_its_test() -> None:
    write = guarded("", 'if (key.startsWith("uploads/")) {\n  ' + put("record.s3.bucket.name", "key") + "\n}")
    assert key_guards(write) == [("startswith", "uploads/", False)]
    unbraced = guarded("", 'if (!key.endsWith(".out")) ' + put("record.s3.bucket.name", "key"))
    assert key_guards(unbraced) == [("endswith", ".out", True)]


def test_the_write_in_an_else_branch_is_guarded_by_the_negated_test() -> None:
    write = guarded(
        "", 'if (key.startsWith("out/")) { console.log("mine"); } else { ' + put('"b"', "key") + " }"
    )
    assert key_guards(write) == [("startswith", "out/", True)]


def test_a_guard_in_an_enclosing_block_dominates() -> None:
    code = in_handler(
        "for (const record of event.Records) {\n"
        "  const key = record.s3.object.key;\n"
        '  if (key.startsWith("out/")) continue;\n'
        "  try {\n    if (event.x) {\n      "
        + put("record.s3.bucket.name", "key")
        + "\n    }\n  } catch (e) {}\n}"
    )
    assert key_guards(one_write(code)) == [("startswith", "out/", True)]


def test_a_guard_after_the_write_is_not_attached() -> None:
    code = in_handler(
        "const key = event.Records[0].s3.object.key;\n"
        + put("event.Records[0].s3.bucket.name", "key")
        + '\nif (key.startsWith("out/")) return;'
    )
    assert one_write(code).guards == ()


def test_a_guard_in_another_function_is_not_attached() -> None:
    code = in_handler(
        "const key = event.Records[0].s3.object.key;\ncheck(key);\n"
        + put("event.Records[0].s3.bucket.name", "key"),
        'function check(key) {\n  if (key.startsWith("out/")) return;\n}',
    )
    assert one_write(code).guards == ()


def test_a_guard_inside_a_sibling_callback_is_not_attached() -> None:
    code = in_handler(
        'event.Records.forEach((r) => { if (r.s3.object.key.startsWith("out/")) return; });\n'
        + put("event.Records[0].s3.bucket.name", "event.Records[0].s3.object.key")
    )
    assert one_write(code).guards == ()


def test_tests_that_do_not_exit_or_read_nothing_known_are_not_guards() -> None:
    assert guarded('if (key.startsWith("out/")) console.log("out");').guards == ()
    assert guarded("if (!key) return;").guards == ()
    assert guarded("if (event.dryRun) return;").guards == ()


@pytest.mark.parametrize(
    "head",
    [
        "const head = await s3.send(new HeadObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));\n"
        "if (head.Metadata?.processed === 'true') return;",
        "const { Metadata } = await s3.send(\n"
        "  new HeadObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));\n"
        "if (Metadata['x-amz-meta-done']) return;",
        "const obj = await s3.send(new GetObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));\n"
        "if ('processed' in obj.Metadata) return;",
        "const meta = (await s3v2.headObject({ Bucket: record.s3.bucket.name, Key: key })\n"
        "  .promise()).Metadata;\n"
        "if (meta && meta.origin === 'lambda') return;",
    ],
)
def test_metadata_guards(head: str) -> None:
    prelude = (
        'const { HeadObjectCommand, GetObjectCommand } = require("@aws-sdk/client-s3");\n'
        'const AWS = require("aws-sdk");\nconst s3v2 = new AWS.S3();'
    )
    code = in_handler(
        "const record = event.Records[0];\nconst key = record.s3.object.key;\n"
        f"{head}\n{put('record.s3.bucket.name', 'key')}",
        prelude,
    )
    assert [g.kind for g in one_write(code).guards] == ["metadata"]


def test_metadata_of_another_object_is_not_a_guard() -> None:
    code = in_handler(
        "const head = await s3.send(new HeadObjectCommand({ Bucket: 'config', Key: 'settings.json' }));\n"
        "if (head.Metadata.disabled) return;\n" + put("process.env.OUT"),
        'const { HeadObjectCommand } = require("@aws-sdk/client-s3");',
    )
    assert one_write(code).guards == ()


def test_event_name_and_source_guards() -> None:
    write = guarded('if (record.eventName !== "ObjectCreated:Put") return;')
    assert [(g.kind, g.text) for g in write.guards] == [
        ("event-name", 'record.eventName !== "ObjectCreated:Put"')
    ]
    code = in_handler(
        'if (event["detail-type"] !== "Object Created") return;\n'
        "const { source } = event;\nif (source === 'app.internal') return;\n"
        + put("event.detail.bucket.name", "event.detail.object.key")
    )
    write = one_write(code)
    assert [g.kind for g in write.guards] == ["source", "source"]
    assert (write.target, write.key) == (EVENT, IncomingKey())


def test_guard_lines_and_text_are_kept_short() -> None:
    long_test = " || ".join(f'key === "{"x" * 20}{i}"' for i in range(5))
    write = guarded(f"if (key.startsWith('a') && ({long_test})) return;")
    guard = write.guards[0]
    assert guard.line == 7 and len(guard.text) <= 80 and guard.text.endswith("...")
