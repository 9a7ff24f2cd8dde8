"""Which checks run before a write (key, metadata, event-name and source guards).

Python tests first, then JavaScript / TypeScript; what both languages must answer alike
is in tests/conformance/."""

from __future__ import annotations

from typing import Optional

import code_js_support as js
import code_python_support as py
import pytest

from loopcheck.code.facts import (
    Concat,
    IncomingKey,
    Lit,
    Target,
    Write,
)
from loopcheck.code.python_facts import analyse_python

INCOMING = IncomingKey()


# -- Python: guards ------------------------------------------------------------------------------------

def test_key_guard_with_return_before_the_write():
    write = py.only_write(
        py.handler_body(
            'if key.startswith("out/"):\n    return\ns3.put_object(Bucket=bucket, Key="out/" + key)\n'
        )
    )
    assert py.kinds(write) == ["key"]
    guard = write.guards[0]
    assert guard.key_test == ("startswith", "out/", True)
    assert guard.text == "key.startswith('out/')"
    assert guard.line == py.PRELUDE.count("\n") + 5


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
    source = "import re, fnmatch\nPATTERN = re.compile('_small')\nPREFIX = 'processed/'\n" + py.handler_body(
        f"if {test}:\n    {exit_statement}\ns3.put_object(Bucket=bucket, Key=key + '.x')\n"
    )
    assert py.key_tests(py.only_write(source)) == [expected]


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
    in_loop, after_loop = py.writes_of(source)
    assert py.key_tests(in_loop) == [("endswith", "_thumb.jpg", True)]
    assert after_loop.guards == ()


def test_inverse_form_write_nested_in_the_if():
    source = py.handler_body(
        'if not key.startswith("processed/"):\n    s3.put_object(Bucket=bucket, Key="processed/" + key)\n'
    )
    write = py.only_write(source)
    assert py.key_tests(write) == [("startswith", "processed/", True)]
    source = py.handler_body('if key.startswith("in/"):\n    s3.put_object(Bucket=bucket, Key="out/" + key)\n')
    assert py.key_tests(py.only_write(source)) == [("startswith", "in/", False)]


def test_else_branch_of_an_exiting_if_is_guarded():
    source = py.handler_body(
        'if key.startswith("out/"):\n    return\nelse:\n    s3.put_object(Bucket=bucket, Key="x")\n'
    )
    assert py.key_tests(py.only_write(source)) == [("startswith", "out/", True)]


def test_or_of_tests_gives_one_guard_per_test():
    source = py.handler_body(
        'if key.startswith("thumbs/") or key.endswith(".webp"):\n'
        "    return\n"
        "s3.put_object(Bucket=bucket, Key=key)\n"
    )
    assert py.key_tests(py.only_write(source)) == [("startswith", "thumbs/", True), ("endswith", ".webp", True)]


def test_tuple_startswith_gives_one_guard_per_prefix():
    source = py.handler_body(
        'if key.startswith(("a/", "b/")):\n    return\ns3.put_object(Bucket=bucket, Key=key)\n'
    )
    assert py.key_tests(py.only_write(source)) == [("startswith", "a/", True), ("startswith", "b/", True)]


def test_and_of_tests_that_exits_is_a_guard_without_key_test():
    source = py.handler_body(
        'if key.startswith("out/") and key.endswith(".png"):\n'
        "    return\n"
        "s3.put_object(Bucket=bucket, Key=key)\n"
    )
    write = py.only_write(source)
    assert py.kinds(write) == ["key"] and py.key_tests(write) == [None]


def test_unrelated_condition_is_not_a_guard():
    source = py.handler_body('if event.get("dry_run"):\n    return\ns3.put_object(Bucket=bucket, Key=key)\n')
    assert py.only_write(source).guards == ()


def test_guard_after_the_write_is_not_attached():
    source = py.handler_body('s3.put_object(Bucket=bucket, Key=key)\nif key.startswith("out/"):\n    return\n')
    assert py.only_write(source).guards == ()


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
    assert py.only_write(source).guards == ()


def test_guard_inside_a_branch_does_not_leak_out_of_it():
    source = py.handler_body(
        'if event.get("x"):\n'
        '    if key.startswith("out/"):\n'
        "        return\n"
        "    print(1)\n"
        "s3.put_object(Bucket=bucket, Key=key)\n"
    )
    assert py.only_write(source).guards == ()


def test_continue_guard_of_an_inner_loop_does_not_cover_the_outer_loop():
    source = py.handler_body(
        "for r in event['Records']:\n"
        "    for part in [1, 2]:\n"
        "        if r['s3']['object']['key'].startswith('out/'):\n"
        "            continue\n"
        "    s3.put_object(Bucket=bucket, Key=key)\n"
    )
    assert py.only_write(source).guards == ()


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
    assert py.key_tests(py.only_write(source)) == [("startswith", "out/", True), ("endswith", ".tmp", True)]


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
    assert py.only_write(source).guards == ()


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
    write = py.only_write(source)
    assert py.key_tests(write) == [("startswith", "resized/", True)]
    assert write.guards[0].text == "is_output(key)"


def test_assert_is_a_guard():
    source = py.handler_body('assert not key.startswith("out/")\ns3.put_object(Bucket=bucket, Key=key)\n')
    assert py.key_tests(py.only_write(source)) == [("startswith", "out/", True)]


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
    write = py.only_write(py.handler_body(check + "\ns3.put_object(Bucket=bucket, Key=key)\n"))
    assert py.kinds(write) == ["metadata"]


def test_metadata_guard_after_a_try_block():
    source = py.handler_body(
        "try:\n"
        "    head = s3.head_object(Bucket=bucket, Key=key)\n"
        "except Exception:\n"
        "    return\n"
        'if head["Metadata"].get("resized"):\n'
        "    return\n"
        's3.put_object(Bucket=bucket, Key=key, Metadata={"resized": "1"})\n'
    )
    assert py.kinds(py.only_write(source)) == ["metadata"]


def test_metadata_of_another_object_is_not_a_guard():
    source = py.handler_body(
        'head = s3.head_object(Bucket="config", Key="settings.json")\n'
        'if head["Metadata"].get("paused"):\n    return\n'
        "s3.put_object(Bucket=bucket, Key=key)\n"
    )
    assert py.only_write(source).guards == ()


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
    assert py.kinds(py.only_write(source)) == ["source", "event-name"]  # one guard per test and kind


def test_guarded_sample_file():
    facts = analyse_python(py.SAMPLES / "guarded" / "app.py", "handler", py.SAMPLES / "guarded")
    assert facts.analysed, facts.problems
    in_place, audit = facts.writes
    assert (in_place.target, in_place.key) == (Target("event-source"), INCOMING)
    assert py.kinds(in_place) == ["event-name", "metadata"]
    assert in_place.guards[1].text == "MARKER in head.get('Metadata', {})"
    assert (audit.target, audit.key) == (
        Target("env", "AUDIT_BUCKET"),
        Concat((Lit("audit/"), INCOMING, Lit(".json"))),
    )


# -- JavaScript: guards --------------------------------------------------------------------------------

def guarded(test_and_exit: str, write: str = "") -> Write:
    """The write after `test_and_exit` in a handler where key is the incoming key."""
    body = (
        "const record = event.Records[0];\n"
        "const key = decodeURIComponent(record.s3.object.key.replace(/\\+/g, ' '));\n"
        f"{test_and_exit}\n{write or js.put('record.s3.bucket.name', 'key')}"
    )
    return js.one_write(js.in_handler(body))


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
@js.needs_tree_sitter
def test_key_guards(guard: str, expected: Optional[tuple]) -> None:
    code = js.in_handler(
        "const record = event.Records[0];\nconst key = record.s3.object.key;\n"
        f"{guard}\n{js.put('record.s3.bucket.name', 'key')}",
        'const path = require("path");\nconst OUT_PREFIX = "out/";',
    )
    assert js.key_guards(js.one_write(code)) == [expected]


@js.needs_tree_sitter
def test_each_part_of_an_or_test_is_a_guard() -> None:
    write = guarded('if (key.startsWith("out/") || key.endsWith(".json")) return;')
    assert js.key_guards(write) == [("startswith", "out/", True), ("endswith", ".json", True)]
    assert [g.text for g in write.guards] == ['key.startsWith("out/")', 'key.endsWith(".json")']


@js.needs_tree_sitter
def test_a_negated_and_test_splits_too() -> None:
    write = guarded('if (!(key.startsWith("in/") && key.endsWith(".jpg"))) continue;')
    assert js.key_guards(write) == [("startswith", "in/", False), ("endswith", ".jpg", False)]


@js.needs_tree_sitter
def test_an_and_test_is_a_key_guard_without_a_key_test() -> None:
    write = guarded('if (event.flag && key.startsWith("out/")) return;')
    assert js.key_guards(write) == [None]


@js.needs_tree_sitter
def test_the_write_inside_an_if_is_guarded_by_its_test() -> None:
    write = guarded(
        "", 'if (key.startsWith("uploads/")) {\n  ' + js.put("record.s3.bucket.name", "key") + "\n}"
    )
    assert js.key_guards(write) == [("startswith", "uploads/", False)]
    unbraced = guarded("", 'if (!key.endsWith(".out")) ' + js.put("record.s3.bucket.name", "key"))
    assert js.key_guards(unbraced) == [("endswith", ".out", True)]


@js.needs_tree_sitter
def test_the_write_in_an_else_branch_is_guarded_by_the_negated_test() -> None:
    write = guarded(
        "", 'if (key.startsWith("out/")) { console.log("mine"); } else { ' + js.put('"b"', "key") + " }"
    )
    assert js.key_guards(write) == [("startswith", "out/", True)]


@js.needs_tree_sitter
def test_a_guard_in_an_enclosing_block_dominates() -> None:
    code = js.in_handler(
        "for (const record of event.Records) {\n"
        "  const key = record.s3.object.key;\n"
        '  if (key.startsWith("out/")) continue;\n'
        "  try {\n    if (event.x) {\n      "
        + js.put("record.s3.bucket.name", "key")
        + "\n    }\n  } catch (e) {}\n}"
    )
    assert js.key_guards(js.one_write(code)) == [("startswith", "out/", True)]


@js.needs_tree_sitter
def test_a_guard_after_the_write_is_not_attached() -> None:
    code = js.in_handler(
        "const key = event.Records[0].s3.object.key;\n"
        + js.put("event.Records[0].s3.bucket.name", "key")
        + '\nif (key.startsWith("out/")) return;'
    )
    assert js.one_write(code).guards == ()


@js.needs_tree_sitter
def test_a_guard_in_another_function_is_not_attached() -> None:
    code = js.in_handler(
        "const key = event.Records[0].s3.object.key;\ncheck(key);\n"
        + js.put("event.Records[0].s3.bucket.name", "key"),
        'function check(key) {\n  if (key.startsWith("out/")) return;\n}',
    )
    assert js.one_write(code).guards == ()


@js.needs_tree_sitter
def test_a_guard_inside_a_sibling_callback_is_not_attached() -> None:
    code = js.in_handler(
        'event.Records.forEach((r) => { if (r.s3.object.key.startsWith("out/")) return; });\n'
        + js.put("event.Records[0].s3.bucket.name", "event.Records[0].s3.object.key")
    )
    assert js.one_write(code).guards == ()


@js.needs_tree_sitter
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
@js.needs_tree_sitter
def test_metadata_guards_js(head: str) -> None:
    prelude = (
        'const { HeadObjectCommand, GetObjectCommand } = require("@aws-sdk/client-s3");\n'
        'const AWS = require("aws-sdk");\nconst s3v2 = new AWS.S3();'
    )
    code = js.in_handler(
        "const record = event.Records[0];\nconst key = record.s3.object.key;\n"
        f"{head}\n{js.put('record.s3.bucket.name', 'key')}",
        prelude,
    )
    assert [g.kind for g in js.one_write(code).guards] == ["metadata"]


@js.needs_tree_sitter
def test_metadata_of_another_object_is_not_a_guard_js() -> None:
    code = js.in_handler(
        "const head = await s3.send(new HeadObjectCommand({ Bucket: 'config', Key: 'settings.json' }));\n"
        "if (head.Metadata.disabled) return;\n" + js.put("process.env.OUT"),
        'const { HeadObjectCommand } = require("@aws-sdk/client-s3");',
    )
    assert js.one_write(code).guards == ()


@js.needs_tree_sitter
def test_event_name_and_source_guards_js() -> None:
    write = guarded('if (record.eventName !== "ObjectCreated:Put") return;')
    assert [(g.kind, g.text) for g in write.guards] == [
        ("event-name", 'record.eventName !== "ObjectCreated:Put"')
    ]
    code = js.in_handler(
        'if (event["detail-type"] !== "Object Created") return;\n'
        "const { source } = event;\nif (source === 'app.internal') return;\n"
        + js.put("event.detail.bucket.name", "event.detail.object.key")
    )
    write = js.one_write(code)
    assert [g.kind for g in write.guards] == ["source", "source"]
    assert (write.target, write.key) == (js.EVENT, IncomingKey())


@js.needs_tree_sitter
def test_guard_lines_and_text_are_kept_short() -> None:
    long_test = " || ".join(f'key === "{"x" * 20}{i}"' for i in range(5))
    write = guarded(f"if (key.startsWith('a') && ({long_test})) return;")
    guard = write.guards[0]
    assert guard.line == 7 and len(guard.text) <= 80 and guard.text.endswith("...")
