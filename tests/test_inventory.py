"""The loop inventory (`loopcheck loops`, loopcheck.pipeline.inventory, loopcheck.report.loops):
every loop the scan sees, across stacks too, each guard with where it is checked, the JSON
fields README documents, and the exit status."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List

from builder import (
    bucket,
    dump,
    function,
    get_att,
    import_value,
    line_of,
    output,
    policy_template,
    queue,
    queue_notification,
    ref,
    s3_crud,
    s3_event,
    template,
    write,
)
from clirunner import cli_runner

from loopcheck.app.cli import main

ROOT = Path(__file__).resolve().parent.parent

# A handler that skips objects carrying its metadata marker and marks what it writes back.
METADATA_GUARD = """\
import boto3
s3 = boto3.client("s3")
def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        head = s3.head_object(Bucket=bucket, Key=key)
        if head["Metadata"].get("done") == "true":
            return
        s3.put_object(Bucket=bucket, Key=key, Body=b"x", Metadata={"done": "true"})
"""
GUARD_LINE = 8

# A handler that writes under processed/, which the notification's uploads/ prefix never matches.
PREFIXED = """\
import boto3
s3 = boto3.client("s3")
def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        s3.put_object(Bucket=record["s3"]["bucket"]["name"], Key="processed/" + key, Body=b"x")
"""

# The same, writing back under the key it got: no guard.
SAME_KEY = PREFIXED.replace('"processed/" + key', "key")


def loops(*paths: Path) -> tuple:
    """(exit code, the JSON document) of `loopcheck loops --format json`."""
    result = cli_runner().invoke(main, ["loops", "--format", "json", *map(str, paths)])
    return result.exit_code, json.loads(result.stdout)


def one_bucket(prefix: Any = None) -> Dict[str, Any]:
    """A bucket that runs Fn, which may write it; Fn's code decides what it writes."""
    fn = function([s3_crud("Media")], {"Upload": s3_event("Media", prefix=prefix)})
    return template({"Media": bucket(), "Fn": fn})


# -- loops across stacks -------------------------------------------------------------------------


def storage() -> Dict[str, Any]:
    """A bucket announced on a queue; the queue's ARN and the bucket's name exported."""
    resources = {"InboxBucket": bucket(queue_notifications=[queue_notification(get_att("InboxQueue"))]),
                 "InboxQueue": queue()}
    outputs = {"Bucket": output(ref("InboxBucket"), "inbox-bucket"),
               "Queue": output(get_att("InboxQueue"), "inbox-queue-arn")}
    return template(resources, sam=False, outputs=outputs)


def worker() -> Dict[str, Any]:
    """A function the imported queue runs, allowed to write the imported bucket (code not read)."""
    fn = function([policy_template("S3WritePolicy", BucketName=import_value("inbox-bucket"))],
                  {"Queued": {"Type": "SQS", "Properties": {"Queue": import_value("inbox-queue-arn")}}},
                  code_uri="s3://code/worker.zip")
    return template({"WorkerFn": fn})


def two_stacks(folder: Path) -> tuple:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "storage.yaml").write_text(dump(storage()))
    (folder / "worker.yaml").write_text(dump(worker()))
    return folder / "storage.yaml", folder / "worker.yaml"


def test_a_loop_across_two_templates_is_listed_once_with_each_nodes_template(tmp_path: Path):
    storage_file, worker_file = map(str, two_stacks(tmp_path))
    code, document = loops(tmp_path)
    assert code == 0
    assert len(document["loops"]) == 1, document["loops"]
    entry = document["loops"][0]
    assert entry["cycle"] == ["InboxBucket", "InboxQueue", "WorkerFn", "InboxBucket"]
    assert entry["cycle_files"] == [storage_file, storage_file, worker_file, storage_file]
    assert entry["across_stacks"] is True
    assert (entry["file"], entry["resource"]) == (worker_file, "WorkerFn")
    assert entry["line"] == line_of((tmp_path / "worker.yaml").read_text(), "  WorkerFn:")
    # the same loop as `scan` reports it, by the same rules
    scanned = json.loads(cli_runner().invoke(main, ["scan", "--format", "json", str(tmp_path)]).stdout)
    rules = sorted(f["rule"] for f in scanned["findings"] if f["cycle"] == entry["cycle"])
    assert rules and entry["findings"] == rules
    text = cli_runner().invoke(main, ["loops", str(tmp_path)]).stdout
    assert f"across stacks: InboxBucket [{storage_file}] -> InboxQueue [{storage_file}]" in text


def test_each_template_alone_lists_no_loop(tmp_path: Path):
    storage_file, worker_file = two_stacks(tmp_path)
    for path in (storage_file, worker_file):
        code, document = loops(path)
        assert code == 0 and document["loops"] == []


def test_a_loop_in_one_template_is_not_across_stacks(tmp_path: Path):
    path = write(tmp_path, one_bucket(), {"src/app.py": SAME_KEY})
    _code, document = loops(tmp_path)
    [entry] = document["loops"]
    assert entry["status"] == "unguarded" and entry["across_stacks"] is False
    assert entry["cycle_files"] == [str(path)] * 3
    assert "across stacks" not in cli_runner().invoke(main, ["loops", str(tmp_path)]).stdout


# -- guards and where they are -------------------------------------------------------------------


def test_a_code_guard_is_listed_with_its_file_and_line(tmp_path: Path):
    write(tmp_path, one_bucket(), {"src/app.py": METADATA_GUARD})
    _code, document = loops(tmp_path)
    [entry] = document["loops"]
    assert entry["status"] == "guarded" and entry["bound"] is None
    guard = entry["guard"]
    assert guard["kind"] == "metadata"
    assert Path(guard["file"]) == tmp_path / "src" / "app.py" and guard["line"] == GUARD_LINE
    assert "IL105" in entry["findings"]
    text = cli_runner().invoke(main, ["loops", str(tmp_path)]).stdout
    [line] = [line for line in text.splitlines() if line.startswith("  guard: metadata")]
    assert line.count(f"{guard['file']}:{GUARD_LINE}") == 1  # the place, said once


def test_a_filter_guard_names_the_trigger_that_filters(tmp_path: Path):
    path = write(tmp_path, one_bucket(prefix="uploads/"), {"src/app.py": PREFIXED})
    _code, document = loops(tmp_path)
    [entry] = document["loops"]
    assert entry["status"] == "guarded"
    guard = entry["guard"]
    assert guard["kind"] == "filter" and "uploads/" in guard["text"]
    assert guard["file"] == str(path)
    assert guard["line"] == line_of(path.read_text(), "        Upload:")


# -- the JSON contract and the exit status -------------------------------------------------------


def documented_fields() -> List[str]:
    """The loop fields README's "The loop inventory" table names, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The loop inventory", 1)[1].split("\n## ", 1)[0]
    fields: List[str] = []
    for row in re.findall(r"^\| (`[^|]+`) \|", section, flags=re.MULTILINE):
        fields.extend(re.findall(r"`([a-z_]+)`", row))
    return fields


def test_every_field_is_documented_and_every_documented_field_is_there(tmp_path: Path):
    write(tmp_path / "guarded", one_bucket(), {"src/app.py": METADATA_GUARD})
    two_stacks(tmp_path / "stacks")
    _code, document = loops(tmp_path)
    assert set(document) == {"tool", "version", "loops", "errors", "skipped"}
    assert len(document["loops"]) == 2
    for entry in document["loops"]:
        assert sorted(entry) == sorted(documented_fields())
    guarded = next(entry for entry in document["loops"] if entry["guard"] is not None)
    assert sorted(guarded["guard"]) == ["file", "kind", "line", "text"]


def test_loops_do_not_change_the_exit_status(tmp_path: Path):
    write(tmp_path, one_bucket(), {"src/app.py": SAME_KEY})
    code, document = loops(tmp_path)
    assert code == 0 and document["loops"][0]["findings"] == ["EL101"]


def test_a_broken_template_is_named_and_the_others_are_still_listed(tmp_path: Path):
    write(tmp_path / "good", one_bucket(), {"src/app.py": SAME_KEY})
    two_stacks(tmp_path / "stacks")
    broken = tmp_path / "broken.yaml"
    broken.write_text('Resources:\n  A: {Type: "AWS::SQS::Queue"\n', encoding="utf-8")
    code, document = loops(tmp_path)
    assert code == 2
    assert [error["file"] for error in document["errors"]] == [str(broken)]
    assert sorted(entry["resource"] for entry in document["loops"]) == ["Fn", "WorkerFn"]
    result = cli_runner().invoke(main, ["loops", str(tmp_path)])
    assert result.exit_code == 2 and f"{broken}: unreadable:" in result.stdout


def test_the_default_bus_has_no_template():
    folder = ROOT / "fixtures" / "eventbridge-put-events-loop"
    _code, document = loops(folder)
    [entry] = document["loops"]
    assert "default" in entry["cycle"]
    assert [file for node, file in zip(entry["cycle"], entry["cycle_files"]) if node == "default"] == ["", ""]
    assert all(file == str(folder / "template.yaml")
               for node, file in zip(entry["cycle"], entry["cycle_files"]) if node != "default")
