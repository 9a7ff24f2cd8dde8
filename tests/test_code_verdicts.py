"""How handler-code evidence combines with the template (issue: code analysis, verdicts)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Optional

from builder import (
    bucket,
    dynamodb_crud,
    dynamodb_event,
    environment,
    function,
    ref,
    s3_crud,
    s3_event,
    table,
    write,
)
from builder import template as document

from loopcheck.load.loader import Template, load_file
from loopcheck.pipeline.analysis import analyse_template

CRUD = s3_crud("Media")


def scan(tmp_path: Path, code: str, policy: Any = CRUD, prefix: Optional[str] = None):
    """Findings for Fn (code src/app.py, which may write Media, named in OUT), triggered by
    Media's object-created events (with this key prefix, if any)."""
    fn = function([policy], {"Up": s3_event("Media", prefix=prefix)}, Environment=environment(OUT=ref("Media")))
    template = write(tmp_path, document({"Media": bucket(), "Fn": fn}), {"src/app.py": code})
    loaded = load_file(template)
    assert isinstance(loaded, Template)
    return analyse_template(str(template), loaded.data)


PUT_SAME_KEY_PREFIX = """\
import os, boto3
s3 = boto3.client("s3")
def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        s3.put_object(Bucket=os.environ["OUT"], Key="in/copy-" + key, Body=b"")
"""


def test_code_write_matching_the_filter_is_an_error_even_with_a_filter(tmp_path):
    findings = scan(tmp_path, PUT_SAME_KEY_PREFIX, prefix="in/")
    assert [(f.rule, f.evidence) for f in findings] == [("EL101", "both")]
    assert any("src/app.py:6 PutObject to env OUT (= Media)" in note for note in findings[0].notes)


def test_code_write_with_unknown_permissions_is_an_error_on_code_evidence(tmp_path):
    findings = scan(tmp_path, PUT_SAME_KEY_PREFIX, policy="SomeCustomerPolicy")
    assert [(f.rule, f.evidence) for f in findings] == [("EL101", "code")]


def test_output_key_outside_the_filter_is_not_a_loop(tmp_path):
    code = PUT_SAME_KEY_PREFIX.replace('"in/copy-" + key', '"out/" + key')
    findings = scan(tmp_path, code, prefix="in/")
    assert [f.rule for f in findings] == ["IL105"]  # guarded, advice only


def test_metadata_guard_before_the_write_is_not_a_loop(tmp_path):
    code = """\
    import os, boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        for record in event["Records"]:
            bucket = record["s3"]["bucket"]["name"]
            key = record["s3"]["object"]["key"]
            if s3.head_object(Bucket=bucket, Key=key)["Metadata"].get("done"):
                continue
            s3.put_object(Bucket=bucket, Key=key, Body=b"", Metadata={"done": "1"})
    """
    findings = scan(tmp_path, code)
    assert [f.rule for f in findings] == ["IL105"]
    assert "metadata guard" in findings[0].notes[0]


def test_guard_after_the_write_does_not_count(tmp_path):
    code = """\
    import os, boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        for record in event["Records"]:
            bucket = record["s3"]["bucket"]["name"]
            key = record["s3"]["object"]["key"]
            s3.put_object(Bucket=bucket, Key="x/" + key, Body=b"")
            if key.startswith("x/"):
                return
    """
    assert [f.rule for f in scan(tmp_path, code)] == ["EL101"]


def test_key_guard_that_cannot_stop_its_own_output_does_not_count(tmp_path):
    code = """\
    import boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        for record in event["Records"]:
            bucket = record["s3"]["bucket"]["name"]
            key = record["s3"]["object"]["key"]
            if key.startswith("archive/"):
                continue
            s3.put_object(Bucket=bucket, Key="thumbs/" + key, Body=b"")
    """
    # the function skips archive/ keys, but writes thumbs/ keys: its output runs it again
    assert [f.rule for f in scan(tmp_path, code)] == ["EL101"]


def test_unused_write_permission_is_advice_not_a_loop(tmp_path):
    code = """\
    import boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        for record in event["Records"]:
            s3.get_object(Bucket=record["s3"]["bucket"]["name"], Key=record["s3"]["object"]["key"])
    """
    findings = scan(tmp_path, code)
    assert [f.rule for f in findings] == ["IL106"]
    assert "never writes Media" in findings[0].message or "never does" in findings[0].message


def test_unresolved_bucket_counts_as_every_bucket_the_permissions_allow(tmp_path):
    code = """\
    import boto3
    s3 = boto3.client("s3")
    def pick(event):
        return {"a": "x"}[event["which"]]
    def handler(event, context):
        s3.put_object(Bucket=pick(event), Key="k", Body=b"")
    """
    findings = scan(tmp_path, code)
    assert [f.rule for f in findings] == ["EL101"]
    assert any("unresolved bucket" in note for note in findings[0].notes)


def test_code_that_cannot_be_parsed_leaves_the_verdict_to_permissions(tmp_path):
    findings = scan(tmp_path, "def handler(event, context:\n    pass\n")
    assert [(f.rule, f.evidence) for f in findings] == [("EL101", "permission")]
    assert any(re.search(r"code not analysed \(could not be parsed \(\S*app\.py:1\)\)", note)
               for note in findings[0].notes), findings[0].notes


def test_dynamic_sdk_call_means_a_missing_write_proves_nothing(tmp_path):
    code = """\
    import boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        getattr(s3, event["op"])(Bucket="x", Key="y")
    """
    findings = scan(tmp_path, code)
    assert [(f.rule, f.evidence) for f in findings] == [("EL101", "permission")]


def _stream_template(runtime: str) -> Dict[str, Any]:
    """Orders' stream triggers Fn (code in src/), which may write Orders."""
    fn = function([dynamodb_crud("Orders")], {"Stream": dynamodb_event("Orders")}, runtime=runtime)
    return document({"Orders": table(), "Fn": fn})


SELECT_ONLY = {
    "python3.12": ("app.py", 'import boto3\ndb = boto3.client("dynamodb")\n'
                   "def handler(event, context):\n"
                   '    return db.execute_statement(Statement="SELECT * FROM Orders")\n'),
    "nodejs20.x": ("app.js", 'const AWS = require("aws-sdk");\nconst db = new AWS.DynamoDB();\n'
                   "exports.handler = async () => db.executeStatement("
                   '{ Statement: "SELECT * FROM Orders" }).promise();\n'),
}


def test_a_stream_function_that_only_selects_has_an_unused_write_permission_in_every_language(tmp_path):
    """A PartiQL SELECT is no write in Python and in JavaScript alike (it was an unknown write
    in JavaScript, which hid IL106)."""
    for runtime, (name, code) in SELECT_ONLY.items():
        template = write(tmp_path / runtime, _stream_template(runtime), {f"src/{name}": code})
        loaded = load_file(template)
        assert isinstance(loaded, Template)
        findings = analyse_template(str(template), loaded.data)
        assert [f.rule for f in findings] == ["IL106"], runtime
