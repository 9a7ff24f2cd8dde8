"""Following values through helper functions, classes and sibling modules.

Python tests first, then JavaScript / TypeScript; what both languages must answer alike
is in tests/conformance/."""

from __future__ import annotations

import os
import pathlib

import code_js_support as js
import code_python_support as py
import pytest

from loopcheck.code.facts import (
    AnyText,
    Basename,
    CodeFacts,
    Concat,
    IncomingKey,
    Lit,
    Replace,
    Target,
    Write,
)
from loopcheck.code.js_facts import analyse_js
from loopcheck.code.python_facts import analyse_python

INCOMING = IncomingKey()


# -- Python: helpers -----------------------------------------------------------------------------------

def test_helper_called_from_one_place_resolves_from_the_caller():
    source = """
    def save(bucket, key, body):
        s3.put_object(Bucket=bucket, Key=key, Body=body)

    def handler(event, context):
        key = event["Records"][0]["s3"]["object"]["key"]
        save(os.environ["OUT"], f"thumb/{key}", b"data")
    """
    write = py.only_write(source)
    assert (write.target, write.key) == (Target("env", "OUT"), Concat((Lit("thumb/"), INCOMING)))
    assert write.line == py.PRELUDE.count("\n") + 3  # the call inside the helper


def test_helper_called_twice_the_same_way_and_differently():
    same = """
    def save(key):
        s3.put_object(Bucket=os.environ["OUT"], Key=key)

    def handler(event, context):
        save("a.txt")
        save("a.txt")
    """
    assert py.only_write(same).key == Lit("a.txt")
    different = same.replace('save("a.txt")\n        save("a.txt")', 'save("a.txt")\n        save("b.txt")')
    write = py.only_write(different)
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
    write = py.only_write(source)
    assert (write.target, write.key) == (Target("event-source"), Concat((Lit("resized/"), Basename(INCOMING))))


def test_keyword_arguments_and_defaults_bind_helper_parameters():
    source = """
    def save(key, bucket=os.environ["DEFAULT_BUCKET"], *, prefix="p/"):
        s3.put_object(Bucket=bucket, Key=prefix + key)

    def handler(event, context):
        save(key="k")
    """
    write = py.only_write(source)
    assert (write.target, write.key) == (Target("env", "DEFAULT_BUCKET"), Lit("p/k"))


def test_recursive_helpers_terminate():
    source = """
    def walk(n):
        s3.put_object(Bucket="b", Key="k")
        return walk(n - 1)

    def handler(event, context):
        walk(3)
    """
    assert py.only_write(source).target == Target("literal", "b")


def test_writes_only_in_unreachable_functions_are_not_reported():
    source = """
    def cleanup():
        s3.delete_object(Bucket="b", Key="k")

    def handler(event, context):
        return {"ok": True}
    """
    assert py.writes_of(source) == []


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
    put, copy = py.writes_of(source)
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
    write = py.only_write(source)
    assert write.target.kind == "unknown"


def test_class_based_handler_sample():
    facts = analyse_python(py.SAMPLES / "class_handler" / "app.py", "handler", py.SAMPLES / "class_handler")
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
    write = py.only_write(source)
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
    put, delete, copy = py.writes_of(source)
    assert (put.target, put.key) == (Target("env", "OUT"), Concat((Lit("a/"), INCOMING)))
    assert (delete.api, delete.key) == ("DeleteObjects", INCOMING)
    assert (copy.api, copy.key) == ("CopyObject", Concat((INCOMING, Lit(".bak"))))


def test_missing_handler_analyses_every_function():
    source = """
    def main(event, context):
        s3.put_object(Bucket=event["Records"][0]["s3"]["bucket"]["name"], Key="k")
    """
    facts = py.facts_of(source, handler="handler")
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
    assert [w.target for w in py.writes_of(source)] == [Target("literal", "warmup")]


# -- JavaScript: helpers in the same module ------------------------------------------------------------

HELPER = (
    "async function save(bucket, key, body) {\n"
    "  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));\n}\n"
)


@js.needs_tree_sitter
def test_helper_called_from_one_place_takes_the_callers_arguments() -> None:
    code = js.in_handler(
        "const key = event.Records[0].s3.object.key;\n"
        "if (key.startsWith('thumb/')) return;\n"
        "await save(process.env.OUT, `thumb/${key}`, 'data');",
        HELPER,
    )
    write = js.one_write(code)
    assert write.target == Target("env", "OUT")
    assert write.key == Concat((Lit("thumb/"), IncomingKey()))
    assert js.key_guards(write) == [("startswith", "thumb/", True)]  # the caller's guard dominates
    assert write.line == 4  # reported where the SDK call is, in the helper


@js.needs_tree_sitter
def test_helper_callers_that_agree_and_disagree() -> None:
    agree = js.in_handler("await save(process.env.OUT, 'a', 1);\nawait save(process.env.OUT, 'b', 2);", HELPER)
    write = js.one_write(agree)
    assert write.target == Target("env", "OUT") and write.key == AnyText("callers pass different values")
    disagree = js.in_handler("await save('one', 'a', 1);\nawait save(process.env.OUT, 'a', 2);", HELPER)
    assert js.one_write(disagree).target == Target("unknown", "callers pass different values")


@js.needs_tree_sitter
def test_helper_used_as_a_value_has_unknown_parameters() -> None:
    code = js.in_handler("const fns = [save];\nawait save('b', 'k', 1);", HELPER)
    assert js.one_write(code).target.kind == "unknown"


@js.needs_tree_sitter
def test_helper_called_with_spread_arguments() -> None:
    code = js.in_handler("const args = ['b', 'k'];\nawait save(...args);", HELPER)
    write = js.one_write(code)
    assert write.target == Target("unknown", "spread arguments") and write.key == AnyText("spread arguments")


@js.needs_tree_sitter
def test_const_arrow_helper_with_a_default_parameter() -> None:
    code = js.in_handler(
        "await store(event.Records[0].s3.object.key);",
        "const store = async (key, bucket = process.env.DEFAULT_OUT) => {\n  "
        + js.put("bucket", "key") + "\n};",
    )
    write = js.one_write(code)
    assert (write.target, write.key) == (Target("env", "DEFAULT_OUT"), IncomingKey())


@js.needs_tree_sitter
def test_a_guard_in_only_one_caller_is_not_attached() -> None:
    code = js.in_handler(
        "const key = event.Records[0].s3.object.key;\n"
        "if (event.a) {\n  if (key.endsWith('.png')) return;\n  await save('b', key, 1);\n}\n"
        "await save('b', key, 2);",
        HELPER,
    )
    assert js.one_write(code).guards == ()


# -- JavaScript: sibling modules -----------------------------------------------------------------------

@js.needs_tree_sitter
def test_a_sibling_module_is_followed_through_require() -> None:
    root = js.SAMPLES / "helper_project"
    facts = analyse_js(root / "index.js", "handler", root)
    assert facts.files == [str(root / "index.js"), str(root / "lib" / "storage.js")]
    thumb, archive = facts.writes
    assert thumb.file == str(root / "lib" / "storage.js")
    assert (thumb.target, thumb.key) == (Target("env", "THUMBS"), Concat((Lit("thumbs/"), IncomingKey())))
    assert js.key_guards(thumb) == [("startswith", "thumbs/", True)]
    assert (archive.api, archive.target) == ("CopyObject", Target("literal", "archive-bucket"))
    assert archive.key == Concat((Lit("archive/"), IncomingKey()))


@js.needs_tree_sitter
def test_a_sibling_module_is_followed_through_import() -> None:
    root = js.SAMPLES / "esm_project"
    facts = analyse_js(root / "app.mjs", "handler", root)
    assert len(facts.files) == 3
    store, notify = facts.writes
    assert store.target == js.EVENT
    assert store.key == Replace(IncomingKey(), "incoming/", "done/", first_only=True)
    assert (notify.service, notify.target) == ("sns", Target("env", "DONE_TOPIC"))


@js.needs_tree_sitter
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


@js.needs_tree_sitter
def test_typescript_imports_of_js_names_find_the_ts_file() -> None:
    root = js.SAMPLES / "ts_project"
    facts = analyse_js(root / "src" / "index.ts", "handler", root)
    assert facts.files[1].endswith(os.path.join("src", "report.ts"))
    write = one_write_of(facts)
    assert write.target == Target("env", "REPORTS_BUCKET")
    assert write.key == Concat((Lit("reports/"), IncomingKey(), Lit(".json")))


def one_write_of(facts: CodeFacts) -> Write:
    assert len(facts.writes) == 1, facts.writes
    return facts.writes[0]


@js.needs_tree_sitter
def test_an_import_escaping_the_root_is_not_read() -> None:
    root = js.SAMPLES / "escape" / "root"
    facts = analyse_js(root / "index.js", "handler", root)
    assert facts.analysed and facts.writes == []
    assert facts.files == [str(root / "index.js")]
    assert "leaves the function's code folder" in facts.problems[0]


@js.needs_tree_sitter
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
    assert "leaves the function's code folder" in facts.problems[0]


@js.needs_tree_sitter
def test_directory_imports_resolve_to_index_and_depth_is_bounded(tmp_path: pathlib.Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "index.js").write_text('const a = require("./a");\nexports.handler = async () => a.run();')
    (tmp_path / "a" / "index.js").write_text('const b = require("../b");\nexports.run = async () => b.run();')
    (tmp_path / "b.js").write_text(
        js.V3 + "exports.run = async () => s3.send(new PutObjectCommand({ Bucket: 'deep' }));"
    )
    deep = analyse_js(tmp_path / "index.js", "handler", tmp_path)
    assert [w.target for w in deep.writes] == [Target("literal", "deep")]
    shallow = analyse_js(tmp_path / "index.js", "handler", tmp_path, max_depth=1)
    assert shallow.writes == [] and len(shallow.files) == 2
    assert "more than 1 imports deep" in shallow.problems[0]


@js.needs_tree_sitter
def test_missing_modules_and_inline_code_imports() -> None:
    facts = js.facts_of('const { save } = require("./nowhere");\nexports.handler = async () => save("b", "k");')
    assert facts.writes == [] and facts.files == ["index.js"] and facts.problems == []


@js.needs_tree_sitter
def test_a_missing_module_is_a_problem(tmp_path: pathlib.Path) -> None:
    (tmp_path / "index.js").write_text(
        'const { save } = require("./nowhere");\nexports.handler = async () => save();'
    )
    facts = analyse_js(tmp_path / "index.js", "handler", tmp_path)
    assert facts.analysed and facts.problems == [
        f"{tmp_path / 'index.js'}: import of './nowhere' not followed: not found in the function's code folder"
    ]
