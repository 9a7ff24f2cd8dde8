"""loopcheck.code.python_facts: writes, targets, keys and guards read from Python handlers
without running them."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from loopcheck.code.facts import (
    AnyText,
    Basename,
    CodeFacts,
    Concat,
    IncomingKey,
    Lit,
    Replace,
    Stem,
    Target,
    Write,
)
from loopcheck.code.python_facts import MAX_FILE_BYTES, analyse_python, analyse_python_source

SAMPLES = Path(__file__).parent / "code_samples" / "python"

PRELUDE = """\
import os
import urllib.parse

import boto3

s3 = boto3.client("s3")
"""


def facts_of(source: str, handler: str = "handler", prelude: str = PRELUDE) -> CodeFacts:
    return analyse_python_source(prelude + textwrap.dedent(source), "app.py", handler)


def writes_of(source: str, **kwargs) -> list[Write]:
    facts = facts_of(source, **kwargs)
    assert facts.analysed, facts.problems
    return facts.writes


def only_write(source: str, **kwargs) -> Write:
    writes = writes_of(source, **kwargs)
    assert len(writes) == 1, writes
    return writes[0]


def handler_body(body: str) -> str:
    """`body` as the body of handler(event, context), with key/bucket of the first record."""
    lines = textwrap.indent(textwrap.dedent(body), "    ")
    return (
        "def handler(event, context):\n"
        "    record = event['Records'][0]\n"
        "    bucket = record['s3']['bucket']['name']\n"
        "    key = urllib.parse.unquote_plus(record['s3']['object']['key'])\n" + lines
    )


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def kinds(write: Write) -> list[str]:
    return [guard.kind for guard in write.guards]


def key_tests(write: Write) -> list:
    return [guard.key_test for guard in write.guards if guard.kind == "key"]


# -- S3 client calls -------------------------------------------------------------------------------


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
    write = only_write(handler_body(f"handle = u = None\n{call}\n"))
    assert (write.service, write.api, write.target, write.key) == ("s3", api, Target("literal", "out"), key)
    assert write.file == "app.py"


def test_line_and_column_are_one_based_characters():
    write = only_write('def handler(event, context):\n    note = "é"; s3.put_object(Bucket="b", Key="k")\n')
    assert (write.line, write.column) == (PRELUDE.count("\n") + 2, 17)


def test_delete_objects_with_several_keys_is_any_key():
    write = only_write(
        handler_body('s3.delete_objects(Bucket="b", Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})')
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
    write = only_write(
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
    assert only_write(source, prelude="import boto3\n").key == Lit("k")


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
    assert only_write(source).target == Target("env", "OUT")


# -- S3 resource calls -----------------------------------------------------------------------------


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
    source = handler_body(f"handle = None\nres = boto3.resource('s3')\n{call}\n")
    write = only_write(source)
    assert (write.api, write.target, write.key) == (api, Target("literal", "out"), key)


# -- other services ---------------------------------------------------------------------------------


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
    write = only_write(f"def handler(event, context):\n    c = boto3.client('{service}')\n    {call}\n")
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
    assert writes_of(source) == []


def test_dynamodb_batch_write_names_each_table():
    source = """
    def handler(event, context):
        boto3.client("dynamodb").batch_write_item(RequestItems={"a": [], os.environ["B"]: []})
    """
    targets = [write.target for write in writes_of(source)]
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
    write = only_write(source + textwrap.indent(call, "    ") + "\n")
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
    write = only_write(source)
    assert write.target == Target("literal", "shop")
    assert write.details == {"Source": "shop.orders", "DetailType": "Placed", "EventBusName": "shop"}


def test_events_default_bus_and_computed_source():
    source = """
    def handler(event, context):
        boto3.client("events").put_events(Entries=[{"Source": context.function_name, "DetailType": "x"}])
    """
    write = only_write(source)
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
    first, topic, queue, by_name = writes_of(source)
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
    assert only_write(source).target == Target("env", "QUEUE")


def test_services_sample_file():
    facts = analyse_python(SAMPLES / "services" / "app.py", "handler", SAMPLES / "services")
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


# -- targets -------------------------------------------------------------------------------------------


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
    assert only_write(source).target == expected


def test_event_source_through_a_records_loop():
    source = """
    def handler(event, context):
        for i, record in enumerate(event.get("Records", [])):
            s3.put_object(Bucket=record["s3"]["bucket"]["name"], Key="k")
    """
    assert only_write(source).target == Target("event-source")


def test_event_source_inside_an_sqs_wrapped_notification():
    source = """
    import json
    def handler(event, context):
        for message in event["Records"]:
            body = json.loads(message["body"])
            for record in body["Records"]:
                s3.put_object(Bucket=record["s3"]["bucket"]["name"], Key=record["s3"]["object"]["key"])
    """
    write = only_write(source)
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
    target = only_write(source).target
    assert target.kind == "unknown" and target.value


def test_bucket_from_dict_lookup_with_computed_key_is_unknown():
    source = """
    BUCKETS = {"dev": os.environ["DEV"], "prod": os.environ["PROD"]}
    def handler(event, context):
        s3.put_object(Bucket=BUCKETS[event["stage"]], Key="k")
        s3.put_object(Bucket=BUCKETS["prod"], Key="k")
    """
    computed, fixed = writes_of(source)
    assert computed.target.kind == "unknown"
    assert fixed.target == Target("env", "PROD")


def test_kwargs_defeat_the_analysis():
    source = """
    def write(**kwargs):
        s3.put_object(**kwargs)

    def handler(event, context):
        write(**event["params"])
    """
    write = only_write(source)
    assert write.target.kind == "unknown"
    assert isinstance(write.key, AnyText)


def test_literal_kwargs_dict_is_resolved():
    source = """
    def handler(event, context):
        params = {"Bucket": os.environ["OUT"], "Key": "k"}
        params["Body"] = b""
        s3.put_object(**params)
    """
    write = only_write(source)
    assert (write.target, write.key) == (Target("env", "OUT"), Lit("k"))


def test_getattr_with_literal_name_is_followed_and_computed_name_is_reported():
    source = """
    def handler(event, context):
        getattr(s3, "put_object")(Bucket=lookup(event), Key="k")
        getattr(s3, event["method"])(Bucket="b", Key="k")
    """
    facts = facts_of(source)
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
    write = only_write(source)
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
    assert only_write(source).target == Target("env", "SECOND")


def test_powertools_data_class_fields():
    source = """
    def handler(event, context):
        for record in event.records:
            s3.put_object(Bucket=record.s3.bucket.name, Key="out/" + record.s3.get_object.key)
        s3.put_object(Bucket=event.bucket_name, Key=event.object_key)
    """
    first, second = writes_of(source)
    assert (first.target, first.key) == (Target("event-source"), Concat((Lit("out/"), IncomingKey())))
    assert (second.target, second.key) == (Target("event-source"), IncomingKey())


# -- keys -------------------------------------------------------------------------------------------


INCOMING = IncomingKey()


@pytest.mark.parametrize(
    "expression, expected",
    [
        ('"fixed/name.txt"', Lit("fixed/name.txt")),
        ("key", INCOMING),
        ('record["s3"]["object"]["key"]', INCOMING),
        ('urllib.parse.unquote(record["s3"]["object"]["key"])', INCOMING),
        ('f"thumb/{key}"', Concat((Lit("thumb/"), INCOMING))),
        ('f"out/{key}.json"', Concat((Lit("out/"), INCOMING, Lit(".json")))),
        ('"out/" + key', Concat((Lit("out/"), INCOMING))),
        ('PREFIX + key + ".bak"', Concat((Lit("copies/"), INCOMING, Lit(".bak")))),
        ('"out/%s" % key', Concat((Lit("out/"), INCOMING))),
        ('"%s/%s" % ("out", key)', Concat((Lit("out/"), INCOMING))),
        ('"out/{}".format(key)', Concat((Lit("out/"), INCOMING))),
        ('"{0}/{name}".format("out", name=key)', Concat((Lit("out/"), INCOMING))),
        ('os.path.join("out", key)', Concat((Lit("out/"), INCOMING))),
        ('os.path.join("out/", key)', Concat((Lit("out/"), INCOMING))),
        ('posixpath.join("a", "b", key)', Concat((Lit("a/b/"), INCOMING))),
        ('"/".join(["out", key])', Concat((Lit("out/"), INCOMING))),
        ('key.replace("in/", "out/")', Replace(INCOMING, "in/", "out/")),
        ('key.replace("in/", "out/", 1)', Replace(INCOMING, "in/", "out/", first_only=True)),
        ("os.path.splitext(key)[0]", Stem(INCOMING)),
        ('key.rsplit(".", 1)[0]', Stem(INCOMING)),
        ("os.path.basename(key)", Basename(INCOMING)),
        ('key.split("/")[-1]', Basename(INCOMING)),
        ('key.rsplit("/", 1)[-1]', Basename(INCOMING)),
        (
            'f"thumbs/{os.path.splitext(os.path.basename(key))[0]}.png"',
            Concat((Lit("thumbs/"), Stem(Basename(INCOMING)), Lit(".png"))),
        ),
        ('os.path.basename("a/b/c.txt")', Lit("c.txt")),
        ('"a.b.c".rsplit(".", 1)[0]', Lit("a.b")),
        ('"in/x".replace("in/", "out/")', Lit("out/x")),
        ('str(pathlib.PurePosixPath("out") / key)', Concat((Lit("out/"), INCOMING))),
    ],
)
def test_keys(expression, expected):
    source = "import posixpath, pathlib\nPREFIX = 'copies/'\n" + handler_body(
        f"s3.put_object(Bucket='b', Key={expression})\n"
    )
    assert only_write(source).key == expected


@pytest.mark.parametrize(
    "expression",
    [
        "str(uuid.uuid4())",
        'f"{uuid.uuid4()}.json"',
        "key.lower()",
        'key[len("in/"):]',
        "pick_key(key)",
        'f"{key:>20}"',
        "os.environ['KEY']",
    ],
)
def test_unknown_key_parts_are_any_text(expression):
    source = "import uuid\nfrom lib import pick_key\n" + handler_body(
        f"s3.put_object(Bucket='b', Key={expression})\n"
    )
    key = only_write(source).key
    parts = key.parts if isinstance(key, Concat) else (key,)
    assert any(isinstance(part, AnyText) for part in parts)
    assert key != INCOMING


def test_splitext_unpacking():
    source = handler_body(
        'stem, ext = os.path.splitext(key)\ns3.put_object(Bucket="b", Key=stem + "-small" + ext)\n'
    )
    assert only_write(source).key == Concat((Stem(INCOMING), Lit("-small"), AnyText("a file extension")))


def test_key_built_up_with_augmented_assignment():
    source = handler_body(
        'out = "processed/"\nout += os.path.basename(key)\ns3.put_object(Bucket="b", Key=out)\n'
    )
    assert only_write(source).key == Concat((Lit("processed/"), Basename(INCOMING)))


# -- helpers ---------------------------------------------------------------------------------------


def test_helper_called_from_one_place_resolves_from_the_caller():
    source = """
    def save(bucket, key, body):
        s3.put_object(Bucket=bucket, Key=key, Body=body)

    def handler(event, context):
        key = event["Records"][0]["s3"]["object"]["key"]
        save(os.environ["OUT"], f"thumb/{key}", b"data")
    """
    write = only_write(source)
    assert (write.target, write.key) == (Target("env", "OUT"), Concat((Lit("thumb/"), INCOMING)))
    assert write.line == PRELUDE.count("\n") + 3  # the call inside the helper


def test_helper_called_twice_the_same_way_and_differently():
    same = """
    def save(key):
        s3.put_object(Bucket=os.environ["OUT"], Key=key)

    def handler(event, context):
        save("a.txt")
        save("a.txt")
    """
    assert only_write(same).key == Lit("a.txt")
    different = same.replace('save("a.txt")\n        save("a.txt")', 'save("a.txt")\n        save("b.txt")')
    write = only_write(different)
    assert write.target == Target("env", "OUT")
    assert isinstance(write.key, AnyText)


def test_two_levels_of_helpers_and_returned_keys():
    source = """
    def output_key(key):
        return "resized/" + os.path.basename(key)

    def put(bucket, key):
        s3.put_object(Bucket=bucket, Key=key)

    def store(bucket, key):
        put(bucket, output_key(key))

    def handler(event, context):
        record = event["Records"][0]
        store(record["s3"]["bucket"]["name"], record["s3"]["object"]["key"])
    """
    write = only_write(source)
    assert (write.target, write.key) == (Target("event-source"), Concat((Lit("resized/"), Basename(INCOMING))))


def test_keyword_arguments_and_defaults_bind_helper_parameters():
    source = """
    def save(key, bucket=os.environ["DEFAULT_BUCKET"], *, prefix="p/"):
        s3.put_object(Bucket=bucket, Key=prefix + key)

    def handler(event, context):
        save(key="k")
    """
    write = only_write(source)
    assert (write.target, write.key) == (Target("env", "DEFAULT_BUCKET"), Lit("p/k"))


def test_recursive_helpers_terminate():
    source = """
    def walk(n):
        s3.put_object(Bucket="b", Key="k")
        return walk(n - 1)

    def handler(event, context):
        walk(3)
    """
    assert only_write(source).target == Target("literal", "b")


def test_writes_only_in_unreachable_functions_are_not_reported():
    source = """
    def cleanup():
        s3.delete_object(Bucket="b", Key="k")

    def handler(event, context):
        return {"ok": True}
    """
    assert writes_of(source) == []


def test_callbacks_and_executor_tasks_are_followed():
    source = """
    from concurrent.futures import ThreadPoolExecutor

    def process(record):
        s3.put_object(Bucket=record["s3"]["bucket"]["name"], Key="done/" + record["s3"]["object"]["key"])

    def archive(key):
        s3.copy_object(Bucket=os.environ["ARCHIVE"], Key=key, CopySource={})

    def handler(event, context):
        with ThreadPoolExecutor() as pool:
            list(pool.map(process, event["Records"]))
            pool.submit(archive, "fixed")
    """
    put, copy = writes_of(source)
    assert (put.target, put.key) == (Target("event-source"), Concat((Lit("done/"), INCOMING)))
    assert (copy.target, copy.key) == (Target("env", "ARCHIVE"), Lit("fixed"))


def test_functions_handed_to_unknown_code_are_walked_with_unknown_arguments():
    source = """
    import threading

    def worker(bucket):
        s3.put_object(Bucket=bucket, Key="k")

    def handler(event, context):
        threading.Thread(target=worker, args=("b",)).start()
    """
    write = only_write(source)
    assert write.target.kind == "unknown"


def test_class_based_handler_sample():
    facts = analyse_python(SAMPLES / "class_handler" / "app.py", "handler", SAMPLES / "class_handler")
    assert facts.analysed, facts.problems
    [write] = facts.writes
    assert (write.target, write.key) == (Target("env", "EXPORT_BUCKET"), Concat((Lit("exports/"), INCOMING)))


def test_handler_bound_to_a_module_level_instance():
    source = """
    class App:
        def __init__(self):
            self.client = boto3.client("s3")

        def handle(self, event, context):
            for record in event["Records"]:
                s3_info = record["s3"]
                self.client.put_object(Bucket=s3_info["bucket"]["name"], Key="x/" + s3_info["object"]["key"])

    handler = App().handle
    """
    write = only_write(source)
    assert (write.target, write.key) == (Target("event-source"), Concat((Lit("x/"), INCOMING)))


def test_closures_comprehensions_and_lambdas():
    source = """
    def handler(event, context):
        out = os.environ["OUT"]

        def put(key):
            s3.put_object(Bucket=out, Key="a/" + key)

        keys = [record["s3"]["object"]["key"] for record in event["Records"]]
        for key in keys:
            put(key)
        s3.delete_objects(Bucket=out, Delete={"Objects": [{"Key": k} for k in keys]})
        list(map(lambda k: s3.copy_object(Bucket=out, Key=k + ".bak", CopySource={}), keys))
    """
    put, delete, copy = writes_of(source)
    assert (put.target, put.key) == (Target("env", "OUT"), Concat((Lit("a/"), INCOMING)))
    assert (delete.api, delete.key) == ("DeleteObjects", INCOMING)
    assert (copy.api, copy.key) == ("CopyObject", Concat((INCOMING, Lit(".bak"))))


def test_missing_handler_analyses_every_function():
    source = """
    def main(event, context):
        s3.put_object(Bucket=event["Records"][0]["s3"]["bucket"]["name"], Key="k")
    """
    facts = facts_of(source, handler="handler")
    assert [w.target for w in facts.writes] == [Target("event-source")]
    assert any("'handler' not found" in problem for problem in facts.problems)


def test_module_level_writes_run_at_import_and_main_blocks_are_skipped():
    source = """
    s3.put_object(Bucket="warmup", Key="started")

    def handler(event, context):
        pass

    if __name__ == "__main__":
        s3.put_object(Bucket="local-test", Key="x")
    """
    assert [w.target for w in writes_of(source)] == [Target("literal", "warmup")]


# -- guards --------------------------------------------------------------------------------------


def test_key_guard_with_return_before_the_write():
    write = only_write(
        handler_body('if key.startswith("out/"):\n    return\ns3.put_object(Bucket=bucket, Key="out/" + key)\n')
    )
    assert kinds(write) == ["key"]
    guard = write.guards[0]
    assert guard.key_test == ("startswith", "out/", True)
    assert guard.text == "key.startswith('out/')"
    assert guard.line == PRELUDE.count("\n") + 5


@pytest.mark.parametrize(
    "test, exit_statement, expected",
    [
        ('key.startswith("out/")', "return", ("startswith", "out/", True)),
        ('not key.startswith("in/")', "return", ("startswith", "in/", False)),
        ('key.endswith(".png")', "raise ValueError(key)", ("endswith", ".png", True)),
        ('"-small" in key', "return None", ("contains", "-small", True)),
        ('"-small" not in key', "return None", ("contains", "-small", False)),
        ('re.match(r"^thumbs/", key)', "return", ("startswith", "thumbs/", True)),
        ('re.search(r"\\.png$", key)', "return", ("endswith", ".png", True)),
        ("PATTERN.search(key)", "return", ("contains", "_small", True)),
        ('fnmatch.fnmatch(key, "out/*")', "return", ("startswith", "out/", True)),
        ("key.startswith(PREFIX)", "return", ("startswith", "processed/", True)),
    ],
)
def test_key_guard_tests(test, exit_statement, expected):
    source = "import re, fnmatch\nPATTERN = re.compile('_small')\nPREFIX = 'processed/'\n" + handler_body(
        f"if {test}:\n    {exit_statement}\ns3.put_object(Bucket=bucket, Key=key + '.x')\n"
    )
    assert key_tests(only_write(source)) == [expected]


def test_continue_guard_in_the_records_loop():
    source = """
    def handler(event, context):
        for record in event["Records"]:
            key = record["s3"]["object"]["key"]
            if key.endswith("_thumb.jpg"):
                continue
            s3.put_object(Bucket=record["s3"]["bucket"]["name"], Key=key + "_thumb.jpg")
        s3.put_object(Bucket="summary", Key="done")
    """
    in_loop, after_loop = writes_of(source)
    assert key_tests(in_loop) == [("endswith", "_thumb.jpg", True)]
    assert after_loop.guards == ()


def test_inverse_form_write_nested_in_the_if():
    source = handler_body(
        'if not key.startswith("processed/"):\n    s3.put_object(Bucket=bucket, Key="processed/" + key)\n'
    )
    write = only_write(source)
    assert key_tests(write) == [("startswith", "processed/", True)]
    source = handler_body('if key.startswith("in/"):\n    s3.put_object(Bucket=bucket, Key="out/" + key)\n')
    assert key_tests(only_write(source)) == [("startswith", "in/", False)]


def test_else_branch_of_an_exiting_if_is_guarded():
    source = handler_body(
        'if key.startswith("out/"):\n    return\nelse:\n    s3.put_object(Bucket=bucket, Key="x")\n'
    )
    assert key_tests(only_write(source)) == [("startswith", "out/", True)]


def test_or_of_tests_gives_one_guard_per_test():
    source = handler_body(
        'if key.startswith("thumbs/") or key.endswith(".webp"):\n'
        "    return\n"
        "s3.put_object(Bucket=bucket, Key=key)\n"
    )
    assert key_tests(only_write(source)) == [("startswith", "thumbs/", True), ("endswith", ".webp", True)]


def test_tuple_startswith_gives_one_guard_per_prefix():
    source = handler_body(
        'if key.startswith(("a/", "b/")):\n    return\ns3.put_object(Bucket=bucket, Key=key)\n'
    )
    assert key_tests(only_write(source)) == [("startswith", "a/", True), ("startswith", "b/", True)]


def test_and_of_tests_that_exits_is_a_guard_without_key_test():
    source = handler_body(
        'if key.startswith("out/") and key.endswith(".png"):\n'
        "    return\n"
        "s3.put_object(Bucket=bucket, Key=key)\n"
    )
    write = only_write(source)
    assert kinds(write) == ["key"] and key_tests(write) == [None]


def test_unrelated_condition_is_not_a_guard():
    source = handler_body('if event.get("dry_run"):\n    return\ns3.put_object(Bucket=bucket, Key=key)\n')
    assert only_write(source).guards == ()


def test_guard_after_the_write_is_not_attached():
    source = handler_body('s3.put_object(Bucket=bucket, Key=key)\nif key.startswith("out/"):\n    return\n')
    assert only_write(source).guards == ()


def test_guard_in_a_different_function_is_not_attached():
    source = """
    def check(key):
        if key.startswith("out/"):
            return
        print("fine")

    def handler(event, context):
        key = event["Records"][0]["s3"]["object"]["key"]
        check(key)
        s3.put_object(Bucket="b", Key=key)
    """
    assert only_write(source).guards == ()


def test_guard_inside_a_branch_does_not_leak_out_of_it():
    source = handler_body(
        'if event.get("x"):\n'
        '    if key.startswith("out/"):\n'
        "        return\n"
        "    print(1)\n"
        "s3.put_object(Bucket=bucket, Key=key)\n"
    )
    assert only_write(source).guards == ()


def test_continue_guard_of_an_inner_loop_does_not_cover_the_outer_loop():
    source = handler_body(
        "for r in event['Records']:\n"
        "    for part in [1, 2]:\n"
        "        if r['s3']['object']['key'].startswith('out/'):\n"
        "            continue\n"
        "    s3.put_object(Bucket=bucket, Key=key)\n"
    )
    assert only_write(source).guards == ()


def test_caller_guard_covers_the_write_inside_a_helper():
    source = """
    def save(bucket, key):
        if key.endswith(".tmp"):
            return
        s3.put_object(Bucket=bucket, Key=key)

    def handler(event, context):
        key = event["Records"][0]["s3"]["object"]["key"]
        if key.startswith("out/"):
            return
        save("b", key)
    """
    assert key_tests(only_write(source)) == [("startswith", "out/", True), ("endswith", ".tmp", True)]


def test_guard_on_only_one_caller_is_dropped():
    source = """
    def save(key):
        s3.put_object(Bucket="b", Key=key)

    def handler(event, context):
        key = event["Records"][0]["s3"]["object"]["key"]
        save(key)
        if key.startswith("out/"):
            return
        save(key)
    """
    assert only_write(source).guards == ()


def test_predicate_helper_is_inlined():
    source = """
    def is_output(key):
        return key.startswith("resized/")

    def handler(event, context):
        key = event["Records"][0]["s3"]["object"]["key"]
        if is_output(key):
            return
        s3.put_object(Bucket="b", Key="resized/" + key)
    """
    write = only_write(source)
    assert key_tests(write) == [("startswith", "resized/", True)]
    assert write.guards[0].text == "is_output(key)"


def test_assert_is_a_guard():
    source = handler_body('assert not key.startswith("out/")\ns3.put_object(Bucket=bucket, Key=key)\n')
    assert key_tests(only_write(source)) == [("startswith", "out/", True)]


@pytest.mark.parametrize(
    "check",
    [
        'head = s3.head_object(Bucket=bucket, Key=key)\nif head["Metadata"].get("done") == "true":\n    return',
        'head = s3.head_object(Bucket=bucket, Key=key)\nif "x-done" in head.get("Metadata", {}):\n    return',
        'meta = s3.head_object(Bucket=bucket, Key=key)["Metadata"]\nif meta.get("done"):\n    return',
        'done = s3.get_object(Bucket=bucket, Key=key)["Metadata"].get("done")\nif done:\n    return',
        'if boto3.resource("s3").Object(bucket, key).metadata.get("done"):\n    return',
        'head = s3.head_object(Bucket=bucket, Key=key)\nif not head["Metadata"].get("done"):\n'
        "    s3.put_object(Bucket=bucket, Key=key)\nreturn",
    ],
)
def test_metadata_guards(check):
    write = only_write(handler_body(check + "\ns3.put_object(Bucket=bucket, Key=key)\n"))
    assert kinds(write) == ["metadata"]


def test_metadata_guard_after_a_try_block():
    source = handler_body(
        "try:\n"
        "    head = s3.head_object(Bucket=bucket, Key=key)\n"
        "except Exception:\n"
        "    return\n"
        'if head["Metadata"].get("resized"):\n'
        "    return\n"
        's3.put_object(Bucket=bucket, Key=key, Metadata={"resized": "1"})\n'
    )
    assert kinds(only_write(source)) == ["metadata"]


def test_metadata_of_another_object_is_not_a_guard():
    source = handler_body(
        'head = s3.head_object(Bucket="config", Key="settings.json")\n'
        'if head["Metadata"].get("paused"):\n    return\n'
        "s3.put_object(Bucket=bucket, Key=key)\n"
    )
    assert only_write(source).guards == ()


def test_event_name_and_source_guards():
    source = """
    def handler(event, context):
        if event.get("source") != "aws.s3" or event["detail-type"] != "Object Created":
            return
        for record in event["Records"]:
            if record["eventName"] != "ObjectCreated:Put":
                continue
            s3.put_object(Bucket="b", Key="k")
    """
    assert kinds(only_write(source)) == ["source", "event-name"]  # one guard per test and kind


def test_guarded_sample_file():
    facts = analyse_python(SAMPLES / "guarded" / "app.py", "handler", SAMPLES / "guarded")
    assert facts.analysed, facts.problems
    in_place, audit = facts.writes
    assert (in_place.target, in_place.key) == (Target("event-source"), INCOMING)
    assert kinds(in_place) == ["event-name", "metadata"]
    assert in_place.guards[1].text == "MARKER in head.get('Metadata', {})"
    assert (audit.target, audit.key) == (
        Target("env", "AUDIT_BUCKET"),
        Concat((Lit("audit/"), INCOMING, Lit(".json"))),
    )


# -- files, imports and failures -----------------------------------------------------------------


def test_thumbnailer_sample_follows_sibling_module_and_package():
    root = SAMPLES / "thumbnailer"
    facts = analyse_python(root / "app.py", "handler", root)
    assert facts.analysed, facts.problems
    assert facts.files == [
        str(root / "app.py"),
        str(root / "storage.py"),
        str(root / "lib" / "__init__.py"),
        str(root / "lib" / "keys.py"),
    ]
    [write] = facts.writes  # unused_cleanup is never reached
    assert write.file == str(root / "storage.py")
    assert (write.api, write.target) == ("PutObject", Target("event-source"))
    assert write.key == Concat((Lit("thumbnails/"), Stem(Basename(INCOMING)), Lit(".png")))
    assert key_tests(write) == [("startswith", "thumbnails/", True)]


@pytest.mark.parametrize(
    "import_line, call",
    [
        ("import storage", "storage.save(key)"),
        ("from storage import save", "save(key)"),
        ("from . import storage", "storage.save(key)"),
        ("from .storage import save as keep", "keep(key)"),
        ("import pkg.storage", "pkg.storage.save(key)"),
        ("import pkg.storage as st", "st.save(key)"),
        ("from pkg import storage", "storage.save(key)"),
        ("from pkg.storage import *", "save(key)"),
    ],
)
def test_import_forms_are_followed(tmp_path, import_line, call):
    module = """
    import os
    import boto3
    CLIENT = boto3.client("s3")
    def save(key):
        CLIENT.put_object(Bucket=os.environ["OUT"], Key="copy/" + key)
    """
    write_files(
        tmp_path,
        {
            "app.py": f"{import_line}\n"
            "def handler(event, context):\n"
            "    key = event['Records'][0]['s3']['object']['key']\n"
            f"    {call}\n",
            "storage.py": module,
            "pkg/__init__.py": "",
            "pkg/storage.py": module,
        },
    )
    facts = analyse_python(tmp_path / "app.py", "handler", tmp_path)
    assert facts.analysed, facts.problems
    [write] = facts.writes
    assert (write.target, write.key) == (Target("env", "OUT"), Concat((Lit("copy/"), INCOMING)))


def test_handler_in_a_subfolder_uses_relative_imports(tmp_path):
    write_files(
        tmp_path,
        {
            "src/__init__.py": "",
            "src/app.py": "from .helpers import run\ndef handler(event, context):\n    run()\n",
            "src/helpers.py": "import boto3\n"
            "def run():\n"
            "    boto3.client('s3').put_object(Bucket='b', Key='k')\n",
        },
    )
    facts = analyse_python(tmp_path / "src" / "app.py", "handler", tmp_path)
    assert [w.file for w in facts.writes] == [str(tmp_path / "src" / "helpers.py")]


def test_import_escaping_the_root_is_not_read():
    root = SAMPLES / "escape" / "root"
    facts = analyse_python(root / "app.py", "handler", root)
    assert facts.files == [str(root / "app.py")]
    assert facts.writes == []
    assert any("leaves the function's code folder" in problem for problem in facts.problems)


def test_symlink_out_of_the_root_is_not_read(tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("import boto3\nboto3.client('s3').put_object(Bucket='outside', Key='k')\n")
    root = tmp_path / "fn"
    write_files(root, {"app.py": "import linked\ndef handler(event, context):\n    pass\n"})
    (root / "linked.py").symlink_to(outside)
    facts = analyse_python(root / "app.py", "handler", root)
    assert facts.writes == [] and facts.files == [str(root / "app.py")]
    assert any("leaves the function's code folder" in problem for problem in facts.problems)
    (root / "entry.py").symlink_to(outside)
    escaped = analyse_python(root / "entry.py", "handler", root)
    assert not escaped.analysed and escaped.writes == []


def test_import_depth_is_bounded(tmp_path):
    write_files(
        tmp_path,
        {
            "app.py": "import a\ndef handler(event, context):\n    a.go()\n",
            "a.py": "import b\ndef go():\n    b.go()\n",
            "b.py": "import c\ndef go():\n    c.go()\n",
            "c.py": "import boto3\ndef go():\n    boto3.client('s3').put_object(Bucket='deep', Key='k')\n",
        },
    )
    assert len(analyse_python(tmp_path / "app.py", "handler", tmp_path).writes) == 1
    shallow = analyse_python(tmp_path / "app.py", "handler", tmp_path, max_depth=2)
    assert shallow.writes == []
    assert any("not followed" in problem for problem in shallow.problems)


def test_vendored_sdk_and_installed_packages_are_not_read(tmp_path):
    write_files(
        tmp_path,
        {
            "app.py": "import boto3, requests\ndef handler(event, context):\n    requests.get('x')\n"
            "    boto3.client('s3').put_object(Bucket='b', Key='k')\n",
            "boto3/__init__.py": "raise SystemExit('vendored boto3 must not be read')\n",
            "requests/__init__.py": "import boto3\nboto3.client('s3').put_object(Bucket='vendored', Key='k')\n",
            "requests-2.31.0.dist-info/top_level.txt": "requests\n",
        },
    )
    facts = analyse_python(tmp_path / "app.py", "handler", tmp_path)
    assert [w.target for w in facts.writes] == [Target("literal", "b")]
    assert facts.files == [str(tmp_path / "app.py")]


def test_syntax_error_gives_the_line(tmp_path):
    write_files(tmp_path, {"app.py": "import boto3\n\n\ndef handler(event, context)\n    pass\n"})
    facts = analyse_python(tmp_path / "app.py", "handler", tmp_path)
    assert not facts.analysed
    assert facts.writes == []
    [problem] = facts.problems
    assert problem.startswith(f"{tmp_path / 'app.py'}:4: syntax error: ")


def test_syntax_error_in_inline_code():
    facts = analyse_python_source("def handler(event, context):\n    return (\n", "index.py", "handler")
    assert not facts.analysed
    assert facts.problems[0].startswith("index.py:2: syntax error:")


def test_syntax_error_in_an_imported_module_marks_the_facts_untrustworthy(tmp_path):
    write_files(
        tmp_path, {"app.py": "import helper\ndef handler(event, context):\n    pass\n", "helper.py": "def (\n"}
    )
    facts = analyse_python(tmp_path / "app.py", "handler", tmp_path)
    assert not facts.analysed
    assert any(problem.startswith(f"{tmp_path / 'helper.py'}:1: syntax error") for problem in facts.problems)


def test_non_utf8_missing_and_oversized_files(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"# caf\xe9\ndef handler(event, context):\n    pass\n")
    latin = analyse_python(tmp_path / "latin.py", "handler", tmp_path)
    assert not latin.analysed and latin.problems == [
        f"{tmp_path / 'latin.py'}:1: not UTF-8 text (invalid continuation byte)"
    ]
    missing = analyse_python(tmp_path / "nope.py", "handler", tmp_path)
    assert not missing.analysed and missing.problems
    (tmp_path / "big.py").write_text("x = 1\n" * (MAX_FILE_BYTES // 6 + 1))
    big = analyse_python(tmp_path / "big.py", "handler", tmp_path)
    assert not big.analysed and "larger than" in big.problems[0]
    assert not analyse_python_source("x = 1\n" * (MAX_FILE_BYTES // 6 + 1), "inline.py", "handler").analysed


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    facts = analyse_python(tmp_path / "pipe.py", "handler", tmp_path)
    assert not facts.analysed and "not a regular file" in facts.problems[0]


def test_sample_code_is_never_executed():
    marker = Path("/tmp/loopcheck-python-sample-was-executed.marker")
    folder = Path("/tmp/loopcheck-python-sample-was-executed.dir")
    for path in (marker, folder):
        if path.is_dir():
            path.rmdir()
        elif path.exists():
            path.unlink()
    facts = analyse_python(SAMPLES / "marker" / "app.py", "handler", SAMPLES / "marker")
    assert facts.analysed
    assert [w.target for w in facts.writes] == [Target("env", "OUTPUT_BUCKET")]
    assert not marker.exists() and not folder.exists()


def test_imported_module_is_never_executed(tmp_path):
    marker = tmp_path / "ran.marker"
    write_files(
        tmp_path,
        {
            "app.py": "import side\ndef handler(event, context):\n    pass\n",
            "side.py": f"open({str(marker)!r}, 'w').write('ran')\nimport os\nos.system('touch {marker}')\n",
        },
    )
    facts = analyse_python(tmp_path / "app.py", "handler", tmp_path)
    assert facts.analysed and len(facts.files) == 2
    assert not marker.exists()


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "(" * 150 + "1" + ")" * 150 + "\ndef handler(e, c):\n    pass\n",
        "def handler(event, context):\n    k = 'a'\n"
        + "    k = k + k\n" * 200
        + "    s3.put_object(Bucket='b', Key=k)\n",
        "def handler(event, context):\n    while True:\n        for x in event:\n            for y in x:\n"
        "                for z in y:\n                    s3.put_object(Bucket='b', Key=z)\n",
        "class A(B, metaclass=M):\n    x: int\n"
        "    def __call__(self, e, c):\n        yield from e\nhandler = A()\n",
        "async def handler(event, context):\n    async with lock as l:\n        async for r in q:\n"
        "            await s3.put_object(Bucket='b', Key=[*r][0])\n",
        "def handler(event, context):\n    match event:\n"
        "        case {'k': k}:\n            s3.put_object(Bucket='b', Key=k)\n",
        "def handler(event, context):\n"
        "    lambda: s3.put_object(Bucket='b', Key='k')\n    del event\n    global g\n",
    ],
)
def test_odd_code_never_raises(source):
    facts = facts_of(source)
    assert isinstance(facts, CodeFacts)
    assert all(isinstance(write, Write) for write in facts.writes)
