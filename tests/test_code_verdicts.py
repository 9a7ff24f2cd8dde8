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


def scan_js(tmp_path: Path, code: str, suffix: Optional[str] = None):
    """scan(), with the handler in JavaScript and a key suffix on the notification."""
    fn = function([CRUD], {"Up": s3_event("Media", suffix=suffix)}, runtime="nodejs20.x", handler="app.handler")
    template = write(tmp_path, document({"Media": bucket(), "Fn": fn}), {"src/app.js": code})
    loaded = load_file(template)
    assert isinstance(loaded, Template)
    return analyse_template(str(template), loaded.data)


SUFFIX_CHECK = """\
import boto3
s3 = boto3.client("s3")
def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        if not key.endswith(".jpg"):
            continue
        s3.put_object(Bucket=bucket, Key=key.replace(".jpg", "_thumb.jpg"), Body=b"")
"""


def scan_suffix(tmp_path: Path, code: str, suffix: Optional[str] = ".jpg"):
    fn = function([CRUD], {"Up": s3_event("Media", suffix=suffix)})
    template = write(tmp_path, document({"Media": bucket(), "Fn": fn}), {"src/app.py": code})
    loaded = load_file(template)
    assert isinstance(loaded, Template)
    return analyse_template(str(template), loaded.data)


def test_a_key_check_the_output_passes_is_no_guard(tmp_path):
    """Only .jpg keys are processed, and the output, the key with .jpg replaced by
    _thumb.jpg, still ends with .jpg: the check lets it through, so the loop is an error."""
    findings = scan_suffix(tmp_path, SUFFIX_CHECK)
    assert [f.rule for f in findings] == ["EL101"]
    assert not any("key guard" in note for note in findings[0].notes)


def test_a_key_check_the_output_fails_is_a_guard(tmp_path):
    findings = scan_suffix(tmp_path / "png", SUFFIX_CHECK.replace('"_thumb.jpg"', '".png"'))
    assert [f.rule for f in findings] == ["IL105"]
    # With no key filter on the notification, the check alone guards the loop.
    findings = scan_suffix(tmp_path / "nofilter", SUFFIX_CHECK.replace('"_thumb.jpg"', '".png"'), suffix=None)
    assert [f.rule for f in findings] == ["IL105"]
    assert "key guard" in findings[0].notes[0] or any("key guard" in note for note in findings[0].notes)


def test_what_the_filter_says_of_the_incoming_key_decides_a_key_check(tmp_path):
    """Keys containing "thumb" are skipped; the output replaces .jpg with _thumb.jpg. With the
    .jpg suffix filter every output contains "thumb"; without it a key with no .jpg is written
    back unchanged, so the check cannot be shown to skip the output."""
    code = SUFFIX_CHECK.replace('not key.endswith(".jpg")', '"thumb" in key')
    assert [f.rule for f in scan_suffix(tmp_path / "filter", code)] == ["IL105"]
    findings = scan_suffix(tmp_path / "nofilter", code, suffix=None)
    assert [f.severity.value for f in findings] == ["warning"]


def test_a_key_check_that_cannot_be_shown_to_skip_the_output_is_a_warning(tmp_path):
    """Keys under thumbs/ are skipped; the output is some text, then the incoming key: it may
    start with thumbs/ or not."""
    code = SUFFIX_CHECK.replace('not key.endswith(".jpg")', 'key.startswith("thumbs/")').replace(
        'key.replace(".jpg", "_thumb.jpg")', 'record["s3"]["object"]["eTag"] + key')
    findings = scan_suffix(tmp_path, code, suffix=None)
    assert [f.severity.value for f in findings] == ["warning"], [(f.rule, f.message) for f in findings]
    assert any("cannot be shown to skip its own output" in note for note in findings[0].notes)


JS_SUFFIX_CHECK = """\
const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");
const s3 = new S3Client({});
exports.handler = async (event) => {
  for (const record of event.Records) {
    const key = record.s3.object.key;
    if (!key.endsWith(".jpg")) continue;
    await s3.send(new PutObjectCommand({ Bucket: record.s3.bucket.name, Key: key.replace(".jpg", NEW) }));
  }
};
"""


def test_a_javascript_replace_changes_only_the_first_occurrence(tmp_path):
    """"a.jpg.jpg".replace(".jpg", ".png") is "a.png.jpg": the output may still end with
    .jpg (a warning); with _thumb.jpg it always does (an error)."""
    thumb = scan_js(tmp_path / "thumb", JS_SUFFIX_CHECK.replace("NEW", '"_thumb.jpg"'), suffix=".jpg")
    assert [f.rule for f in thumb] == ["EL101"]
    png = scan_js(tmp_path / "png", JS_SUFFIX_CHECK.replace("NEW", '".png"'))
    assert [f.severity.value for f in png] == ["warning"], [(f.rule, f.message) for f in png]


def test_a_slice_keeps_what_is_certain_of_the_key(tmp_path):
    """Keys under uploads/ are written under processed/ with uploads/ cut off: the output
    fails the check, and the uploads/ filter."""
    code = SUFFIX_CHECK.replace('not key.endswith(".jpg")', 'not key.startswith("uploads/")').replace(
        'key.replace(".jpg", "_thumb.jpg")', '"processed/" + key[8:]')
    assert [f.rule for f in scan_suffix(tmp_path / "guard", code, suffix=None)] == ["IL105"]
    # Cutting off 3 characters leaves "oads/...": the check skips it too.
    shorter = code.replace("key[8:]", "key[3:]").replace('"processed/" + ', "")
    assert [f.rule for f in scan_suffix(tmp_path / "cut", shorter, suffix=None)] == ["IL105"]
    # Cutting off nothing known: the output is the incoming key, which passes the check.
    same = code.replace('"processed/" + key[8:]', "key[0:]")
    assert [f.rule for f in scan_suffix(tmp_path / "same", same, suffix=None)] == ["EL101"]


def test_a_key_check_tests_what_arrives_not_what_the_function_writes_elsewhere(tmp_path):
    """F1 skips done/ keys and writes done/<key> into Out; F2, run by Out, writes the key with
    done/ cut off back into In. F1's check would skip F1's own output, but what reaches F1 is
    F2's: the check cannot be shown to break the loop."""
    first = """\
    import os, boto3
    s3 = boto3.client("s3")
    def handler(event, context):
        key = event["Records"][0]["s3"]["object"]["key"]
        if key.startswith("done/"):
            return
        s3.put_object(Bucket=os.environ["OUT"], Key="done/" + key, Body=b"")
    """
    second = first.replace('if key.startswith("done/"):\n        return\n    ', "").replace(
        '"done/" + key', "key[5:]")
    f1 = function([s3_crud("Out")], {"Up": s3_event("In")}, code_uri="one/",
                  Environment=environment(OUT=ref("Out")))
    f2 = function([s3_crud("In")], {"Up": s3_event("Out")}, code_uri="two/",
                  Environment=environment(OUT=ref("In")))
    template = write(tmp_path, document({"In": bucket(), "Out": bucket(), "F1": f1, "F2": f2}),
                     {"one/app.py": first, "two/app.py": second})
    loaded = load_file(template)
    assert isinstance(loaded, Template)
    findings = analyse_template(str(template), loaded.data)
    loops = [(f.rule, f.severity.value) for f in findings if f.cycle]
    assert [severity for _, severity in loops] == ["warning"], loops


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
