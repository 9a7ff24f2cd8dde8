"""Which SDK calls are writes, per SDK surface: boto3 clients and resources, AWS SDK for JavaScript v2
and v3 (commands, lib-dynamodb, lib-storage).

Python tests first, then JavaScript / TypeScript; what both languages must answer alike
is in tests/conformance/."""

from __future__ import annotations

import textwrap

import code_js_support as js
import code_python_support as py
import pytest

from loopcheck.code.facts import (
    AnyText,
    Basename,
    Concat,
    Guard,
    IncomingKey,
    Lit,
    Stem,
    Target,
)
from loopcheck.code.js_facts import analyse_js
from loopcheck.code.python_facts import analyse_python

# -- Python: S3 client calls ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "call, api, key",
    [
        ('s3.put_object(Bucket="out", Key="a.txt", Body=b"")', "PutObject", Lit("a.txt")),
        (
            's3.copy_object(Bucket="out", Key="b.txt", CopySource={"Bucket": bucket, "Key": key})',
            "CopyObject",
            Lit("b.txt"),
        ),
        ('s3.copy({"Bucket": bucket, "Key": key}, "out", "c.txt")', "CopyObject", Lit("c.txt")),
        ('s3.upload_file("/tmp/f", "out", "d.txt")', "UploadFile", Lit("d.txt")),
        ('s3.upload_file(Filename="/tmp/f", Bucket="out", Key="e.txt")', "UploadFile", Lit("e.txt")),
        ('s3.upload_file("/tmp/f", "out", Key="f.txt")', "UploadFile", Lit("f.txt")),
        ('s3.upload_fileobj(handle, "out", "g.txt")', "UploadFile", Lit("g.txt")),
        ('s3.upload_fileobj(Fileobj=handle, Bucket="out", Key="h.txt")', "UploadFile", Lit("h.txt")),
        ('s3.delete_object(Bucket="out", Key="i.txt")', "DeleteObject", Lit("i.txt")),
        (
            's3.delete_objects(Bucket="out", Delete={"Objects": [{"Key": "j.txt"}]})',
            "DeleteObjects",
            Lit("j.txt"),
        ),
        (
            's3.complete_multipart_upload(Bucket="out", Key="k.bin", UploadId=u, MultipartUpload={})',
            "CompleteMultipartUpload",
            Lit("k.bin"),
        ),
    ],
)
def test_s3_client_calls(call, api, key):
    write = py.only_write(py.handler_body(f"handle = u = None\n{call}\n"))
    assert (write.service, write.api, write.target, write.key) == ("s3", api, Target("literal", "out"), key)
    assert write.file == "app.py"


def test_line_and_column_are_one_based_characters():
    write = py.only_write('def handler(event, context):\n    note = "é"; s3.put_object(Bucket="b", Key="k")\n')
    assert (write.line, write.column) == (py.PRELUDE.count("\n") + 2, 17)


def test_delete_objects_with_several_keys_is_any_key():
    write = py.only_write(
        py.handler_body('s3.delete_objects(Bucket="b", Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})')
    )
    assert isinstance(write.key, AnyText)


@pytest.mark.parametrize(
    "setup",
    [
        'client = boto3.client("s3")',
        'client = boto3.client(service_name="s3", region_name="eu-west-1")',
        'session = boto3.Session(); client = session.client("s3")',
        'client = boto3.session.Session(profile_name="x").client("s3")',
        'client = boto3.resource("s3").meta.client',
        "from boto3 import client as make; client = make('s3')",
        "client = aioboto3.Session().client('s3')",
    ],
)
def test_client_creation_forms(setup):
    write = py.only_write(
        f"def handler(event, context):\n    {setup}\n    client.put_object(Bucket='b', Key='k')\n"
    )
    assert (write.api, write.target) == ("PutObject", Target("literal", "b"))


def test_client_passed_to_a_helper_as_module_level_name():
    source = """
    CLIENT = boto3.client("s3")

    def store(client, key):
        client.put_object(Bucket="b", Key=key, Body=b"")

    def handler(event, context):
        store(CLIENT, "k")
    """
    assert py.only_write(source, prelude="import boto3\n").key == Lit("k")


def test_lazily_created_global_client():
    source = """
    _s3 = None

    def client():
        global _s3
        if _s3 is None:
            _s3 = boto3.client("s3")
        return _s3

    def handler(event, context):
        client().put_object(Bucket=os.environ["OUT"], Key="k")
    """
    assert py.only_write(source).target == Target("env", "OUT")


# -- Python: S3 resource calls -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "call, api, key",
    [
        ('res.Object("out", "a").put(Body=b"")', "PutObject", Lit("a")),
        ('res.Object(bucket_name="out", key="b").copy_from(CopySource={})', "CopyObject", Lit("b")),
        ('obj = res.Object("out", "c")\nobj.put(Body=b"")', "PutObject", Lit("c")),
        ('res.Bucket("out").put_object(Key="d", Body=b"")', "PutObject", Lit("d")),
        ('res.Bucket("out").upload_file("/tmp/x", "e")', "UploadFile", Lit("e")),
        ('res.Bucket(name="out").upload_file(Filename="/tmp/x", Key="f")', "UploadFile", Lit("f")),
        ('res.Bucket("out").upload_fileobj(handle, "g")', "UploadFile", Lit("g")),
        ('b = res.Bucket("out")\nb.Object("h").put(Body=b"")', "PutObject", Lit("h")),
        ('res.Object("out", "i").delete()', "DeleteObject", Lit("i")),
        (
            'res.Bucket("out").objects.filter(Prefix="tmp/").delete()',
            "DeleteObjects",
            Concat((Lit("tmp/"), AnyText("any key under it"))),
        ),
    ],
)
def test_s3_resource_calls(call, api, key):
    source = py.handler_body(f"handle = None\nres = boto3.resource('s3')\n{call}\n")
    write = py.only_write(source)
    assert (write.api, write.target, write.key) == (api, Target("literal", "out"), key)


# -- Python: other services ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "service, call, expected_service, api, target",
    [
        ("sqs", 'c.send_message(QueueUrl="https://q/1", MessageBody="x")', "sqs", "SendMessage", "https://q/1"),
        (
            "sqs",
            'c.send_message_batch(QueueUrl="https://q/1", Entries=[])',
            "sqs",
            "SendMessageBatch",
            "https://q/1",
        ),
        ("sns", 'c.publish(TopicArn="arn:t", Message="x")', "sns", "Publish", "arn:t"),
        ("sns", 'c.publish(TargetArn="arn:e", Message="x")', "sns", "Publish", "arn:e"),
        (
            "sns",
            'c.publish_batch(TopicArn="arn:t", PublishBatchRequestEntries=[])',
            "sns",
            "PublishBatch",
            "arn:t",
        ),
        ("dynamodb", 'c.put_item(TableName="t", Item={})', "dynamodb", "PutItem", "t"),
        ("dynamodb", 'c.update_item(TableName="t", Key={})', "dynamodb", "UpdateItem", "t"),
        ("dynamodb", 'c.delete_item(TableName="t", Key={})', "dynamodb", "DeleteItem", "t"),
        ("dynamodb", 'c.batch_write_item(RequestItems={"t": []})', "dynamodb", "BatchWriteItem", "t"),
        (
            "dynamodb",
            'c.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": {}}}])',
            "dynamodb",
            "TransactWriteItems",
            "t",
        ),
        (
            "dynamodb",
            "c.execute_statement(Statement='INSERT INTO \"t\" VALUE {}')",
            "dynamodb",
            "ExecuteStatement",
            "t",
        ),
        ("kinesis", 'c.put_record(StreamName="s", Data=b"", PartitionKey="p")', "kinesis", "PutRecord", "s"),
        ("kinesis", 'c.put_records(StreamARN="arn:s", Records=[])', "kinesis", "PutRecords", "arn:s"),
        ("stepfunctions", 'c.start_execution(stateMachineArn="arn:sm")', "states", "StartExecution", "arn:sm"),
        (
            "stepfunctions",
            'c.start_sync_execution(stateMachineArn="arn:sm")',
            "states",
            "StartSyncExecution",
            "arn:sm",
        ),
        ("lambda", 'c.invoke(FunctionName="other", InvocationType="Event")', "lambda", "Invoke", "other"),
        ("lambda", 'c.invoke_async(FunctionName="other", InvokeArgs=b"")', "lambda", "InvokeAsync", "other"),
        ("firehose", 'c.put_record(DeliveryStreamName="d", Record={})', "firehose", "PutRecord", "d"),
        (
            "firehose",
            'c.put_record_batch(DeliveryStreamName="d", Records=[])',
            "firehose",
            "PutRecordBatch",
            "d",
        ),
    ],
)
def test_other_service_clients(service, call, expected_service, api, target):
    write = py.only_write(f"def handler(event, context):\n    c = boto3.client('{service}')\n    {call}\n")
    assert (write.service, write.api, write.target, write.key) == (
        expected_service,
        api,
        Target("literal", target),
        None,
    )
    if expected_service == "dynamodb":
        assert write.details == {"Table": "client"}


def test_dynamodb_select_statement_is_not_a_write():
    source = (
        "def handler(event, context):\n"
        "    boto3.client('dynamodb').execute_statement(Statement='SELECT * FROM t')\n"
    )
    assert py.writes_of(source) == []


def test_dynamodb_batch_write_names_each_table():
    source = """
    def handler(event, context):
        boto3.client("dynamodb").batch_write_item(RequestItems={"a": [], os.environ["B"]: []})
    """
    targets = [write.target for write in py.writes_of(source)]
    assert targets == [Target("literal", "a"), Target("env", "B")]


@pytest.mark.parametrize(
    "call, api",
    [
        ("table.put_item(Item={})", "PutItem"),
        ("table.update_item(Key={})", "UpdateItem"),
        ("table.delete_item(Key={})", "DeleteItem"),
        ("with table.batch_writer() as batch:\n    batch.put_item(Item={})", "BatchWriteItem"),
    ],
)
def test_dynamodb_table_resource(call, api):
    source = (
        "TABLE = os.environ['TABLE']\n"
        "def handler(event, context):\n"
        "    table = boto3.resource('dynamodb').Table(TABLE)\n"
    )
    write = py.only_write(source + textwrap.indent(call, "    ") + "\n")
    assert (write.service, write.api, write.target, write.details) == (
        "dynamodb",
        api,
        Target("env", "TABLE"),
        {"Table": "resource"},
    )


def test_events_put_events_details():
    source = """
    def handler(event, context):
        boto3.client("events").put_events(
            Entries=[{"Source": "shop.orders", "DetailType": "Placed", "EventBusName": "shop", "Detail": "{}"}]
        )
    """
    write = py.only_write(source)
    assert write.target == Target("literal", "shop")
    assert write.details == {"Source": "shop.orders", "DetailType": "Placed", "EventBusName": "shop"}


def test_events_default_bus_and_computed_source():
    source = """
    def handler(event, context):
        boto3.client("events").put_events(Entries=[{"Source": context.function_name, "DetailType": "x"}])
    """
    write = py.only_write(source)
    assert write.target == Target("literal", "default")
    assert write.details == {"DetailType": "x"}


def test_sns_message_attribute_names_and_resource_forms():
    source = """
    def handler(event, context):
        boto3.client("sns").publish(TopicArn="arn:t", Message="m", MessageAttributes={"a": {}, "b": {}})
        boto3.resource("sns").Topic(os.environ["T"]).publish(Message="m")
        boto3.resource("sqs").Queue(os.environ["Q"]).send_message(MessageBody="m")
        boto3.resource("sqs").get_queue_by_name(QueueName="jobs").send_messages(Entries=[])
    """
    first, topic, queue, by_name = py.writes_of(source)
    assert first.details == {"MessageAttributes": "a,b"}
    assert (topic.api, topic.target) == ("Publish", Target("env", "T"))
    assert (queue.api, queue.target) == ("SendMessage", Target("env", "Q"))
    assert (by_name.api, by_name.target) == ("SendMessageBatch", Target("literal", "jobs"))


def test_queue_url_looked_up_by_name():
    source = """
    sqs = boto3.client("sqs")
    URL = sqs.get_queue_url(QueueName=os.environ["QUEUE"])["QueueUrl"]
    def handler(event, context):
        sqs.send_message(QueueUrl=URL, MessageBody="x")
    """
    assert py.only_write(source).target == Target("env", "QUEUE")


def test_services_sample_file():
    facts = analyse_python(py.SAMPLES / "services" / "app.py", "handler", py.SAMPLES / "services")
    assert facts.analysed, facts.problems
    found = {(w.service, w.api): w.target for w in facts.writes}
    assert found == {
        ("sqs", "SendMessage"): Target("env", "QUEUE_URL"),
        ("sns", "Publish"): Target("env", "TOPIC_ARN"),
        ("dynamodb", "PutItem"): Target("env", "TABLE_NAME"),
        ("events", "PutEvents"): Target("literal", "orders"),
        ("states", "StartExecution"): Target("env", "STATE_MACHINE_ARN"),
        ("lambda", "Invoke"): Target("self"),
        ("kinesis", "PutRecord"): Target("literal", "clicks"),
        ("firehose", "PutRecord"): Target("env", "DELIVERY_STREAM"),
    }


# -- JavaScript: AWS SDK v3 ----------------------------------------------------------------------------

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
@js.needs_tree_sitter
def test_v3_s3_commands(command: str, api: str) -> None:
    code = (
        f'const {{ S3Client, {command} }} = require("@aws-sdk/client-s3");\n'
        "const s3 = new S3Client({});\n"
        f'exports.handler = async () => {{ await s3.send(new {command}({{ Bucket: "b", Key: "out/x" }})); }};'
    )
    write = js.one_write(code)
    assert (write.service, write.api, write.target) == ("s3", api, Target("literal", "b"))
    assert write.key == (AnyText("the keys listed in Delete") if api == "DeleteObjects" else Lit("out/x"))


@js.needs_tree_sitter
def test_v3_commonjs_sample() -> None:
    facts = analyse_js(js.SAMPLES / "v3_commonjs.js", "handler", js.SAMPLES)
    assert facts.analysed and facts.problems == [] and facts.language == "javascript"
    put_write, copy = facts.writes
    assert (put_write.api, put_write.target, put_write.line) == ("PutObject", js.EVENT, 23)
    assert put_write.key == Concat((Lit("thumbnails/"), Basename(IncomingKey())))
    assert [g.kind for g in put_write.guards] == ["key", "metadata"]
    assert put_write.guards[0] == Guard(
        "key", 15, 'key.startsWith("thumbnails/")', ("startswith", "thumbnails/", True)
    )
    # CopyObject: the destination, not CopySource
    assert (copy.api, copy.target, copy.key) == ("CopyObject", Target("env", "ARCHIVE_BUCKET"), IncomingKey())


@js.needs_tree_sitter
def test_v3_esm_sample_with_renamed_imports_and_callbacks() -> None:
    facts = analyse_js(js.SAMPLES / "v3_esm.mjs", "handler", js.SAMPLES)
    small, sidecar, delete = facts.writes
    assert small.target == Target("env", "OUTPUT_BUCKET")
    assert small.key == Concat((Lit("small/"), Basename(Stem(IncomingKey())), Lit(".webp")))
    assert js.key_guards(small) == [("endswith", ".jpg", False)]
    assert sidecar.target == js.EVENT and sidecar.key == Concat((Stem(IncomingKey()), Lit(".txt")))
    assert (delete.api, delete.target, delete.key) == ("DeleteObject", js.EVENT, Basename(IncomingKey()))
    assert delete.guards == ()  # the forEach callback has no guard; the map callback's is not ours


@js.needs_tree_sitter
def test_command_built_before_it_is_sent_and_lib_storage_upload() -> None:
    facts = analyse_js(js.SAMPLES / "lib_storage.mjs", "handler", js.SAMPLES)
    upload, marker = facts.writes
    assert (upload.service, upload.api, upload.target) == ("s3", "UploadFile", js.EVENT)
    assert upload.key == Concat((Lit("uploads/"), IncomingKey()))
    assert (upload.line, upload.column) == (9, 18)  # at `new Upload(...)`
    assert (marker.api, marker.target, marker.key) == (
        "PutObject",
        Target("env", "MARKERS"),
        Lit("markers/done.txt"),
    )
    assert marker.line == 16  # at the send, not where the command was built


@js.needs_tree_sitter
def test_a_command_sent_in_a_way_we_cannot_see_is_reported_where_it_is_built() -> None:
    code = js.in_handler(
        "const commands = [];\n"
        'commands.push(new PutObjectCommand({ Bucket: "b", Key: "k" }));\n'
        "await Promise.all(commands.map((c) => s3.send(c)));"
    )
    write = js.one_write(code)
    assert (write.api, write.target, write.line) == ("PutObject", Target("literal", "b"), 6)


@js.needs_tree_sitter
def test_namespace_import_of_the_v3_package() -> None:
    code = (
        'import * as sdk from "@aws-sdk/client-s3";\nconst s3 = new sdk.S3Client({});\n'
        "export const handler = async (event) => {\n"
        '  await s3.send(new sdk.CopyObjectCommand({ Bucket: "dest", CopySource: "a/b", Key: "c" }));\n};'
    )
    assert js.one_write(code).api == "CopyObject"


@js.needs_tree_sitter
def test_aggregated_v3_client_methods() -> None:
    code = (
        'import { S3 } from "@aws-sdk/client-s3";\nconst s3 = new S3({});\n'
        "export const handler = async (event) => {\n"
        "  const r = event.Records[0];\n"
        '  await s3.headObject({ Bucket: r.s3.bucket.name, Key: "x" });\n'
        "  await s3.copyObject({ Bucket: r.s3.bucket.name, CopySource: 'a', Key: 'copy/x' });\n};"
    )
    write = js.one_write(code)
    assert (write.api, write.target, write.key) == ("CopyObject", js.EVENT, Lit("copy/x"))


@js.needs_tree_sitter
def test_reads_are_not_writes() -> None:
    code = (
        'const { S3Client, GetObjectCommand, HeadObjectCommand } = require("@aws-sdk/client-s3");\n'
        "const s3 = new S3Client({});\nexports.handler = async () => {\n"
        '  await s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" }));\n'
        '  const cmd = new HeadObjectCommand({ Bucket: "b", Key: "k" });\n};'
    )
    assert js.writes_of(code) == []


@js.needs_tree_sitter
def test_a_command_whose_import_cannot_be_followed_is_known_by_its_name() -> None:
    code = (
        'import { PutObjectCommand, client } from "./clients.js";\n'
        "export const handler = async () => {\n"
        '  await client.send(new PutObjectCommand({ Bucket: "b", Key: "k" }));\n};'
    )
    write = js.one_write(code)
    assert (write.service, write.api, write.target) == ("s3", "PutObject", Target("literal", "b"))


# -- JavaScript: AWS SDK v2 ----------------------------------------------------------------------------

@js.needs_tree_sitter
def test_v2_sample() -> None:
    facts = analyse_js(js.SAMPLES / "v2_sdk.js", "handler", js.SAMPLES)
    found = [(w.service, w.api, w.target) for w in facts.writes]
    assert found == [
        ("s3", "PutObject", js.EVENT),
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
@js.needs_tree_sitter
def test_v2_client_forms(prelude: str, client: str) -> None:
    code = (
        f"{prelude}\nconst s3 = {client};\n"
        "exports.handler = async (event) => {\n"
        "  await s3.putObject({ Bucket: process.env.OUT, Key: 'k' }).promise();\n};"
    )
    write = js.one_write(code)
    assert (write.service, write.api, write.target) == ("s3", "PutObject", Target("env", "OUT"))


@js.needs_tree_sitter
def test_v2_document_client_methods() -> None:
    code = (
        'const DynamoDB = require("aws-sdk/clients/dynamodb");\n'
        "const docs = new DynamoDB.DocumentClient();\n"
        "exports.handler = async () => {\n"
        "  await docs.update({ TableName: 'a', Key: {} }).promise();\n"
        "  await docs.delete({ TableName: 'b', Key: {} }).promise();\n"
        "  await docs.get({ TableName: 'c', Key: {} }).promise();\n};"
    )
    found = [(w.service, w.api, w.target.value) for w in js.writes_of(code)]
    assert found == [("dynamodb", "UpdateItem", "a"), ("dynamodb", "DeleteItem", "b")]


@js.needs_tree_sitter
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
    events, sfn, invoke, kinesis, firehose = js.writes_of(code)
    assert (events.service, events.api, events.target) == ("events", "PutEvents", Target("literal", "default"))
    assert events.details == {"Source": "app", "DetailType": "Done"}
    assert (sfn.service, sfn.api, sfn.target) == ("states", "StartExecution", Target("env", "SM"))
    assert (invoke.service, invoke.api, invoke.target) == ("lambda", "Invoke", Target("self"))
    assert (kinesis.api, kinesis.target.value) == ("PutRecords", "arn:aws:kinesis:eu-west-1:1:stream/s")
    assert (firehose.service, firehose.api, firehose.target) == ("firehose", "PutRecord", Target("env", "FH"))


@js.needs_tree_sitter
def test_sdk_calls_on_an_object_we_cannot_identify_are_recognised_by_their_parameters() -> None:
    code = (
        "class Store {\n  constructor(s3) { this.s3 = s3; }\n"
        "  async save(key) {\n"
        "    await this.s3.putObject({ Bucket: process.env.OUT, Key: key }).promise();\n"
        "    await this.cache.put({ id: key });\n  }\n}\n"
        "exports.handler = async (event) => new Store(makeS3()).save('k');"
    )
    write = js.one_write(code)
    assert (write.service, write.api, write.target) == ("s3", "PutObject", Target("env", "OUT"))
    assert write.key == AnyText("parameter")


@js.needs_tree_sitter
def test_sdk_calls_on_a_client_from_an_unknown_package_are_recognised() -> None:
    code = (
        'const { s3, cache } = require("@acme/aws-clients");\n'
        "exports.handler = async () => {\n"
        "  await s3.upload({ Bucket: 'exports', Key: 'x.csv', Body: '' }).promise();\n"
        "  await cache.upload({ path: '/tmp/x' });\n};"
    )
    write = js.one_write(code)
    assert (write.service, write.api, write.target) == ("s3", "UploadFile", Target("literal", "exports"))


@js.needs_tree_sitter
def test_a_local_class_named_like_a_command_is_not_a_write() -> None:
    code = (
        "class PutCommand { constructor(args) { this.args = args; } }\n"
        "exports.handler = async () => { queue.push(new PutCommand({ TableName: 'x' })); };"
    )
    assert js.writes_of(code) == []


# -- JavaScript: other services through SDK v3 ---------------------------------------------------------

@js.needs_tree_sitter
def test_v3_other_services_sample() -> None:
    facts = analyse_js(js.SAMPLES / "services_v3.mjs", "handler", js.SAMPLES)
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


@js.needs_tree_sitter
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
    found = [(w.api, w.target) for w in js.writes_of(code)]
    assert found == [
        ("PutItem", Target("env", "T")),
        ("DeleteItem", Target("literal", "gone")),
        ("BatchWriteItem", Target("literal", "a")),  # one write per table, as in Python
        ("BatchWriteItem", Target("literal", "b")),
        ("DeleteItem", Target("literal", "x")),
        ("ExecuteStatement", Target("literal", "jobs")),
        ("PutItem", Target("literal", "direct")),
    ]


@js.needs_tree_sitter
def test_sns_publish_batch_and_kinesis_stream_arn_v3() -> None:
    code = (
        'import { SNSClient, PublishBatchCommand } from "@aws-sdk/client-sns";\n'
        'import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";\n'
        "const c = new SNSClient({});\n"
        "export const handler = async () => {\n"
        "  await c.send(new PublishBatchCommand({ TopicArn: process.env.T, Entries: [] }));\n"
        "  await c.send(new PutRecordsCommand({ StreamARN: process.env.S, Records: [] }));\n};"
    )
    found = [(w.service, w.api, w.target) for w in js.writes_of(code)]
    assert found == [("sns", "PublishBatch", Target("env", "T")), ("kinesis", "PutRecords", Target("env", "S"))]
