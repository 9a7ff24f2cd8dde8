"""Loops across stacks (loopcheck.stacks.cross_stack): found when the linked templates are scanned
together, each hop's file named; never found from one template alone, nor between
templates that do not refer to each other."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Optional, Union

import pytest
from builder import (
    bucket,
    cfn_lint_ignore,
    dump,
    function,
    get_att,
    import_value,
    loopcheck_ignore,
    nested_stack,
    output,
    parameter,
    policy_template,
    put_statement,
    queue,
    queue_notification,
    ref,
    s3_crud,
    sam_application,
    sns_event,
    ssm_parameter,
    sub,
    subscription,
    template,
    topic,
    topic_notification,
    with_metadata,
)
from cfn_flip import to_json

from loopcheck.app.scan import PARALLEL_THRESHOLD, scan

ROOT = Path(__file__).resolve().parent.parent
EXPORT_FIXTURE = ROOT / "fixtures" / "two-stack-export-loop"

def storage(name: str = "Inbox", bucket_export: str = "inbox-bucket", queue_export: str = "inbox-queue-arn",
            queue_metadata: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """A bucket in one stack, announced on a queue; the queue's ARN and the bucket's name exported."""
    bucket_id, queue_id = f"{name}Bucket", f"{name}Queue"
    announced = queue() if queue_metadata is None else with_metadata(queue(), queue_metadata)
    resources = {bucket_id: bucket(queue_notifications=[queue_notification(get_att(queue_id))]),
                 queue_id: announced}
    outputs = {"Bucket": output(ref(bucket_id), bucket_export),
               "Queue": output(get_att(queue_id), queue_export)}
    return template(resources, sam=False, outputs=outputs)


def worker(bucket_export: Optional[str] = "inbox-bucket", queue_export: str = "inbox-queue-arn",
           **extra: Any) -> Dict[str, Any]:
    """A function the queue runs, allowed to write the bucket it imports (None: AWSLambdaExecute,
    s3:PutObject on every bucket)."""
    policy = s3_write_import(bucket_export) if bucket_export is not None else "AWSLambdaExecute"
    fn = function([policy], {"Queued": queued(import_value(queue_export))}, code_uri="s3://code/worker.zip",
                  **extra)
    return template({"WorkerFn": fn})


def queued(queue_arn: Any) -> Dict[str, Any]:
    """A SAM SQS event on a queue given by its ARN (imported, or read from SSM)."""
    return {"Type": "SQS", "Properties": {"Queue": queue_arn}}


def s3_write_import(export_name: str) -> Dict[str, Any]:
    return policy_template("S3WritePolicy", BucketName=import_value(export_name))


def _write(folder: Path, files: Dict[str, Union[str, Dict[str, Any]]]) -> Path:
    """Templates (documents, or text) into folder."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else dump(content))
    return folder


def _cross(result):
    return [f for f in result.findings if f.cycle_files]


def test_export_import_loop_names_every_hops_file(tmp_path):
    _write(tmp_path, {"storage.yaml": storage(), "worker.yaml": worker()})
    result = scan([str(tmp_path)])
    found = _cross(result)
    assert len(found) == 1, [f.message for f in result.findings]
    finding = found[0]
    storage_file, worker_file = str(tmp_path / "storage.yaml"), str(tmp_path / "worker.yaml")
    assert finding.rule == "EL101" and finding.severity == "error"
    assert finding.cycle == ["InboxBucket", "InboxQueue", "WorkerFn", "InboxBucket"]
    assert finding.cycle_files == [storage_file, storage_file, worker_file, storage_file]
    assert finding.file == worker_file and finding.resource == "WorkerFn"
    assert finding.path[:2] == ["Resources", "WorkerFn"]
    text = "\n".join(finding.notes)
    assert f"InboxBucket ({storage_file}:" in text  # the notification, in the storage stack
    assert f"InboxQueue ({worker_file}:" in text  # the SQS event, written in the worker stack
    assert f"S3WritePolicy ({worker_file}:" in text
    assert "Zq" not in finding.message + text  # no qualified name leaks out
    # the evidence as data: node references and step locations name each template
    assert finding.across_stacks
    assert [(node.file, node.logical_id) for node in finding.nodes] == [
        (storage_file, "InboxBucket"), (storage_file, "InboxQueue"), (worker_file, "WorkerFn"),
        (storage_file, "InboxBucket")]
    located = {(step.text.split(" ", 1)[0], step.location.file) for step in finding.steps if step.location}
    assert {("InboxBucket", storage_file), ("InboxQueue", worker_file), ("WorkerFn", worker_file)} <= located
    assert "cycle_files" in finding.to_dict() and finding.to_dict()["cycle_files"] == finding.cycle_files


def test_each_template_alone_gives_no_cross_stack_finding(tmp_path):
    _write(tmp_path, {"storage.yaml": storage(), "worker.yaml": worker()})
    for name in ("storage.yaml", "worker.yaml"):
        result = scan([str(tmp_path / name)])
        assert result.findings == []


def test_import_of_an_unrelated_export_gives_no_edge(tmp_path):
    _write(tmp_path, {
        "storage.yaml": storage(),
        "archive.yaml": storage("Archive", "archive-bucket", "archive-queue"),
        # runs on the inbox queue, writes the archive bucket: no way back to the inbox
        "worker.yaml": worker("archive-bucket"),
    })
    result = scan([str(tmp_path)])
    assert _cross(result) == []
    assert result.findings == []


def test_export_names_that_do_not_match_link_nothing(tmp_path):
    _write(tmp_path, {"storage.yaml": storage(), "worker.yaml": worker("inbox-bucket-v2")})
    assert _cross(scan([str(tmp_path)])) == []


def test_wildcard_write_into_another_stack_is_not_an_edge(tmp_path):
    """AWSLambdaExecute grants s3:PutObject on every bucket: inside one template that is a
    loop to report, but it does not join two stacks that never name each other."""
    _write(tmp_path, {"storage.yaml": storage(), "worker.yaml": worker(None)})
    assert _cross(scan([str(tmp_path)])) == []


def parent(kind: str = "cloudformation", output_bucket: Any = None) -> Dict[str, Any]:
    """A bucket notifying a function of a nested stack (nested/workers.yaml), passing the
    stack the bucket's name (or `output_bucket`)."""
    notify = {"Event": "s3:ObjectCreated:*", "Function": get_att("Workers", "Outputs.ResizeArn")}
    parameters = {"OutputBucket": ref("MediaBucket") if output_bucket is None else output_bucket}
    workers = (nested_stack("nested/workers.yaml", parameters) if kind == "cloudformation"
               else sam_application("nested/workers.yaml", parameters))
    return template({"MediaBucket": bucket("acme-media-uploads", [notify]), "Workers": workers},
                    sam=kind == "sam-application")


CHILD = template({"ResizeFn": function([s3_crud("OutputBucket")], code_uri="s3://code/resize.zip")},
                 parameters={"OutputBucket": parameter("some-other-bucket")},
                 outputs={"ResizeArn": output(get_att("ResizeFn"))})


@pytest.mark.parametrize("kind", ["cloudformation", "sam-application"])
def test_nested_stack_parameter_carries_the_bucket_into_the_child(tmp_path, kind):
    _write(tmp_path, {"parent.yaml": parent(kind), "nested/workers.yaml": CHILD})
    result = scan([str(tmp_path)])
    found = _cross(result)
    assert [f.cycle for f in found] == [["MediaBucket", "ResizeFn", "MediaBucket"]]
    parent_file, child_file = str(tmp_path / "parent.yaml"), str(tmp_path / "nested" / "workers.yaml")
    assert found[0].cycle_files == [parent_file, child_file, parent_file]
    assert any(f"S3CrudPolicy ({child_file}:" in note for note in found[0].notes)
    # the child alone writes its default bucket: nothing to report
    assert scan([str(tmp_path / "nested" / "workers.yaml")]).findings == []


def test_nested_stack_whose_parent_passes_another_bucket_is_clean(tmp_path):
    _write(tmp_path, {"parent.yaml": parent(output_bucket="acme-thumbnails"), "nested/workers.yaml": CHILD})
    assert _cross(scan([str(tmp_path)])) == []


# A bucket notifying a topic by its literal name, and a stack subscribing a function to a
# topic of that name that writes the bucket by its literal name.
LANDING_BUCKET = template({"Landing": bucket("acme-landing-zone", topic_notifications=[
    topic_notification(sub("arn:aws:sns:${AWS::Region}:${AWS::AccountId}:acme-landing-events"))])}, sam=False)
LANDING_CONSUMER = template({
    "LandingEvents": topic(TopicName="acme-landing-events"),
    "CopyFn": function(put_statement("arn:aws:s3:::acme-landing-zone/*"),
                       {"Landed": sns_event("LandingEvents")}, code_uri="s3://code/copy.zip"),
})


def test_same_literal_bucket_name_in_two_templates(tmp_path):
    (tmp_path / ".git").mkdir()  # one repository: one project
    _write(tmp_path, {"team-a/bucket.yaml": LANDING_BUCKET, "team-b/consumer.yaml": LANDING_CONSUMER})
    found = _cross(scan([str(tmp_path)]))
    assert [f.cycle for f in found] == [["Landing", "LandingEvents", "CopyFn", "Landing"]]
    assert found[0].cycle_files[0].endswith("bucket.yaml") and found[0].cycle_files[2].endswith("consumer.yaml")


def test_same_literal_name_in_two_unrelated_projects_links_nothing(tmp_path):
    """Outside a repository, the first folder below the scan path is the project: a corpus
    of unrelated examples does not link by name."""
    project = tmp_path / "corpus"
    _write(project, {"one/bucket.yaml": LANDING_BUCKET, "two/consumer.yaml": LANDING_CONSUMER})
    assert _cross(scan([str(project)])) == []
    # the same two files in one project folder do link
    _write(project, {"one/consumer.yaml": LANDING_CONSUMER})
    (project / "two" / "consumer.yaml").unlink()
    assert len(_cross(scan([str(project)]))) == 1


def test_ssm_parameter_published_by_one_stack_and_read_by_another(tmp_path):
    published = template({
        "Drop": bucket(queue_notifications=[queue_notification(get_att("DropQueue"))]),
        "DropQueue": queue(),
        "DropBucketParam": ssm_parameter("/acme/drop/bucket", ref("Drop")),
        "DropQueueParam": ssm_parameter("/acme/drop/queue-arn", get_att("DropQueue")),
    }, sam=False)
    sort = function([s3_crud("DropBucket")], {"Queued": queued("{{resolve:ssm:/acme/drop/queue-arn}}")},
                    code_uri="s3://code/sort.zip")
    from_ssm = parameter("/acme/drop/bucket", "AWS::SSM::Parameter::Value<String>")
    reader = template({"SortFn": sort}, parameters={"DropBucket": from_ssm})
    _write(tmp_path, {"storage.yaml": published, "worker.yaml": reader})
    found = _cross(scan([str(tmp_path)]))
    assert [f.cycle for f in found] == [["Drop", "DropQueue", "SortFn", "Drop"]]
    assert found[0].file == str(tmp_path / "worker.yaml")


def test_broken_third_file_does_not_stop_cross_stack_analysis(tmp_path):
    _write(tmp_path, {"storage.yaml": storage(), "worker.yaml": worker(),
                      "zbroken.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  X: [unclosed\n"})
    result = scan([str(tmp_path)])
    assert [e.file for e in result.errors] == [str(tmp_path / "zbroken.yaml")]
    assert len(_cross(result)) == 1


def test_suppression_in_either_stack_applies_to_the_loop(tmp_path):
    ignored = loopcheck_ignore({"rule": "EL101", "reason": "the worker stack drops messages it wrote (ADR-7)"})
    _write(tmp_path, {"storage.yaml": storage(queue_metadata=ignored), "worker.yaml": worker()})
    result = scan([str(tmp_path)])
    assert _cross(result) == []
    cycles = [s.finding.cycle for s in result.suppressed]
    assert cycles == [["InboxBucket", "InboxQueue", "WorkerFn", "InboxBucket"]]
    assert result.suppressed[0].suppression.resource == "InboxQueue"


def test_a_suppression_used_only_by_a_cross_stack_loop_is_not_unused(tmp_path):
    ignored = loopcheck_ignore({"rule": "EL101", "reason": "the worker stack drops messages it wrote (ADR-7)"})
    _write(tmp_path, {"storage.yaml": storage(queue_metadata=ignored), "worker.yaml": worker()})
    alone = scan([str(tmp_path / "storage.yaml")])  # no loop in one template: nothing to suppress
    assert [(s.resource, s.rule) for s in alone.unused_suppressions] == [("InboxQueue", "EL101")]
    both = scan([str(tmp_path)])
    assert len(both.suppressed) == 1 and both.unused_suppressions == []


def test_template_level_ignore_checks_suppresses_a_cross_stack_loop(tmp_path):
    """The template of any node on the loop may turn the rule off, as cfn-lint does for it."""
    document = storage()
    document["Metadata"] = cfn_lint_ignore("EL1")
    _write(tmp_path, {"storage.yaml": document, "worker.yaml": worker()})
    alone = scan([str(tmp_path / "storage.yaml")])
    assert [(s.resource, s.rule) for s in alone.unused_suppressions] == [("", "EL1")]
    result = scan([str(tmp_path)])
    assert _cross(result) == [] and result.unused_suppressions == []
    (item,) = result.suppressed
    assert item.finding.cycle == ["InboxBucket", "InboxQueue", "WorkerFn", "InboxBucket"]
    assert item.reason == "cfn-lint ignore_checks in the template's Metadata"


def _cli(args, cwd, env_seed="0"):
    env = dict(os.environ, PYTHONHASHSEED=env_seed)
    return subprocess.run([sys.executable, "-m", "loopcheck", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_jobs_1_and_jobs_2_print_the_same_bytes(tmp_path):
    # enough templates for worker processes to start (loopcheck.app.scan.PARALLEL_THRESHOLD)
    pairs = PARALLEL_THRESHOLD // 2 + 1
    for index in range(pairs):
        pair = tmp_path / f"app{index:02d}"
        exports = (f"inbox-bucket-{index}", f"inbox-queue-arn-{index}")
        _write(pair, {"storage.yaml": storage("Inbox", *exports), "worker.yaml": worker(*exports)})
    one = _cli(["scan", "--format", "json", "--jobs", "1", "."], tmp_path, "1")
    two = _cli(["scan", "--format", "json", "--jobs", "2", "."], tmp_path, "2")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert len([f for f in json.loads(one.stdout)["findings"] if "cycle_files" in f]) == pairs


def test_fixture_scanned_one_template_at_a_time_is_clean(tmp_path):
    for name in ("storage.yaml", "processing.yaml"):
        assert scan([str(EXPORT_FIXTURE / name)]).findings == []


def test_fixture_flipped_to_json_gives_the_same_findings(tmp_path):
    shutil.copytree(EXPORT_FIXTURE, tmp_path / "yaml")
    flipped = tmp_path / "json"
    shutil.copytree(EXPORT_FIXTURE, flipped)
    for name in ("storage.yaml", "processing.yaml"):
        (flipped / name).unlink()
        (flipped / name.replace(".yaml", ".json")).write_text(to_json((EXPORT_FIXTURE / name).read_text()))

    def shape(folder):
        return [(f.rule, f.cycle, [Path(p).stem for p in f.cycle_files], f.evidence)
                for f in scan([str(folder)]).findings]

    assert shape(tmp_path / "yaml") == shape(flipped) != []


def test_alias_bomb_in_a_linked_template_stays_fast(tmp_path):
    """9 levels of 9 aliases in a linked template: walked and rewritten once per node."""
    lines = ["Metadata:\n", "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    for level in range(1, 9):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"  l{level}: &l{level} [{refs}]\n")
    # the alias written where the builder put a placeholder scalar (aliases are text, not data)
    laughing = dump(worker(Tags={"Laughs": {"Fn::Join": ["", "LAUGHS"]}})).replace("- LAUGHS", "- *l8")
    _write(tmp_path, {"storage.yaml": storage(), "worker.yaml": "".join(lines) + laughing})
    import time

    started = time.perf_counter()
    result = scan([str(tmp_path)])
    assert time.perf_counter() - started < 10
    assert len(_cross(result)) == 1


def test_a_linked_set_too_large_to_combine_is_said_not_skipped_silently(tmp_path):
    from loopcheck.stacks.links import MAX_GROUP

    exporter = template({"Shared": topic()}, sam=False,
                        outputs={"SharedArn": output(ref("Shared"), "acme-shared-topic")})
    importer = template({"Sub": subscription(import_value("acme-shared-topic"), "email", "ops@example.com")},
                        sam=False)
    files = {"exporter.yaml": exporter}
    files.update({f"importer{i:02d}.yaml": importer for i in range(MAX_GROUP)})
    result = scan([str(_write(tmp_path, files))])
    assert result.templates == MAX_GROUP + 1
    assert any(f"more than {MAX_GROUP}" in note for note in result.notes), result.notes
    small = scan([str(tmp_path / "exporter.yaml"), str(tmp_path / "importer00.yaml")])
    assert small.notes == []


def test_same_logical_ids_in_two_linked_templates_are_named_as_written_each_with_its_file(tmp_path):
    # Both templates define `Bucket`, `Queue` and `Fn`, and a `Stage` parameter naming their
    # bucket `${Stage}-photos`. The loop runs through the storage stack's Bucket and Queue and
    # the worker stack's Fn; the worker's own Bucket and Queue are on no loop.
    def stack(resources, outputs=None):
        document = template(resources, parameters={"Stage": parameter()})
        if outputs:
            document["Outputs"] = outputs
        return dump(document)

    storage_bucket = {"Type": "AWS::S3::Bucket", "Properties": {
        "BucketName": sub("${Stage}-photos"),
        "NotificationConfiguration": {"QueueConfigurations": [
            {"Event": "s3:ObjectCreated:*", "Queue": get_att("Queue")}]}}}
    storage = stack(
        {"Bucket": storage_bucket, "Queue": queue(), "Fn": function(code_uri="s3://code/other.zip")},
        {"BucketName": {"Value": ref("Bucket"), "Export": {"Name": "photos-bucket"}},
         "QueueArn": {"Value": get_att("Queue"), "Export": {"Name": "photos-queue"}}})
    import_bucket = {"Fn::ImportValue": "photos-bucket"}
    worker = stack({
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": sub("${Stage}-photos")}},
        "Queue": queue(),
        "Fn": function(code_uri="s3://code/worker.zip",
                       policies=[{"S3WritePolicy": {"BucketName": import_bucket}}],
                       events={"Queued": {"Type": "SQS", "Properties": {
                           "Queue": {"Fn::ImportValue": "photos-queue"}}}}),
    })
    (tmp_path / "storage.yaml").write_text(storage)
    (tmp_path / "worker.yaml").write_text(worker)
    storage_file, worker_file = str(tmp_path / "storage.yaml"), str(tmp_path / "worker.yaml")

    result = scan([str(tmp_path)])
    found = _cross(result)
    assert len(found) == 1, [f.message for f in result.findings]
    finding = found[0]
    assert finding.cycle == ["Bucket", "Queue", "Fn", "Bucket"]
    assert finding.cycle_files == [storage_file, storage_file, worker_file, storage_file]
    assert [(n.file, n.logical_id) for n in finding.nodes] == list(zip(finding.cycle_files, finding.cycle))
    assert finding.file == worker_file and finding.resource == "Fn" and finding.path[:2] == ["Resources", "Fn"]
    assert finding.message.startswith("recursive loop Bucket -> Queue -> Fn -> Bucket: Fn's writes")
    notify, deliver, grant = finding.steps[:3]
    assert notify.text.startswith(f"Bucket ({storage_file}:") and " notifies Queue " in notify.text
    assert notify.location.file == storage_file
    assert deliver.text.startswith(f"Queue ({worker_file}:") and " triggers Fn " in deliver.text
    assert grant.text.startswith("Fn may write Bucket: S3WritePolicy")
    assert grant.text.endswith("on arn:aws:s3:::${Stage}-photos/*")  # the parameter as written
    assert grant.location.file == worker_file
    # No internal name of the combined template reaches any output.
    assert "Zq" not in json.dumps([f.to_dict() for f in result.findings])


@pytest.mark.parametrize("looping", [True, False])
def test_one_template_nested_twice_is_two_sets_of_nodes(tmp_path, looping):
    """workers.yaml nested twice: the bucket notifies the first instance's ResizeFn only, and only
    one instance is passed the bucket. The two ResizeFn are two nodes: a loop only when the
    notified instance is the one that writes the bucket back."""
    notify = {"Event": "s3:ObjectCreated:*", "Function": get_att("First", "Outputs.ResizeArn")}
    back, elsewhere = {"OutputBucket": ref("MediaBucket")}, {"OutputBucket": "acme-thumbnails"}
    first, second = (back, elsewhere) if looping else (elsewhere, back)
    document = template({"MediaBucket": bucket("acme-media-uploads", [notify]),
                         "First": nested_stack("nested/workers.yaml", first),
                         "Second": nested_stack("nested/workers.yaml", second)})
    _write(tmp_path, {"parent.yaml": document, "nested/workers.yaml": CHILD})
    found = _cross(scan([str(tmp_path)]))
    if not looping:
        assert found == []
        return
    assert [f.cycle for f in found] == [["MediaBucket", "ResizeFn", "MediaBucket"]]
    parent_file, child_file = str(tmp_path / "parent.yaml"), str(tmp_path / "nested" / "workers.yaml")
    assert found[0].cycle_files == [parent_file, child_file, parent_file]


def test_same_logical_id_in_two_stacks_is_two_nodes_in_the_model(tmp_path):
    """Both stacks write `Bucket`, `Queue` and `Fn`: the linked model holds six nodes, each with
    its own stack instance and file, and each resolves its own template's expressions."""
    from loopcheck.load.loader import load_file
    from loopcheck.model.resources import build_model
    from loopcheck.model.types import Stack
    from loopcheck.resolve.origin import NodeKey
    from loopcheck.stacks.cross_stack import _resources
    from loopcheck.stacks.linker import Source, link

    one = template({"Bucket": bucket("acme-one"), "Queue": queue(), "Fn": function(code_uri="s3://c/one.zip")})
    two = template({"Bucket": bucket("acme-two"), "Queue": queue(), "Fn": function(code_uri="s3://c/two.zip")})
    _write(tmp_path, {"one.yaml": one, "two.yaml": two})
    files = [str(tmp_path / "one.yaml"), str(tmp_path / "two.yaml")]
    instances = link([Source(path, load_file(path).data) for path in files])
    model = build_model("group", _resources(instances),
                        stacks=[Stack(i.number, i.source.file, i.resolver) for i in instances])
    assert list(model.buckets) == [NodeKey(0, "Bucket"), NodeKey(1, "Bucket")]
    assert list(model.functions) == [NodeKey(0, "Fn"), NodeKey(1, "Fn")]
    assert [str(p) for b in model.buckets.values() for p in b.names] == ["acme-one", "acme-two"]
    assert [model.file_of(b) for b in model.buckets] == files
    assert [model.display(b) for b in model.buckets] == ["Bucket", "Bucket"]
    assert model.bucket_ids("acme-two") == [NodeKey(1, "Bucket")]
    assert model.bucket_ids({"Ref": "Bucket"}, model.resolver_of(NodeKey(1, "Fn"))) == [NodeKey(1, "Bucket")]


def test_key_filter_the_parent_passes_reaches_the_childs_notification(tmp_path):
    """The child's notification filters by `!Ref Prefix`; the parent passes `in/`: the linked
    model reads the filter as the parent deploys it (the child alone reads its default)."""
    from loopcheck.load.loader import load_file
    from loopcheck.model.resources import build_model
    from loopcheck.model.types import Stack
    from loopcheck.stacks.cross_stack import _resources
    from loopcheck.stacks.linker import Source, link

    entry = {"Event": "s3:ObjectCreated:*", "Function": get_att("ResizeFn"),
             "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": ref("Prefix")}]}}}
    child = template({"Media": bucket("acme-media", [entry]),
                      "ResizeFn": function(code_uri="s3://code/resize.zip")},
                     parameters={"Prefix": parameter("other/")})
    parent_document = template({"Workers": nested_stack("nested/workers.yaml", {"Prefix": "in/"})})
    _write(tmp_path, {"parent.yaml": parent_document, "nested/workers.yaml": child})
    files = [str(tmp_path / "parent.yaml"), str(tmp_path / "nested" / "workers.yaml")]
    instances = link([Source(path, load_file(path).data) for path in files])
    model = build_model("group", _resources(instances),
                        stacks=[Stack(i.number, i.source.file, i.resolver) for i in instances])
    assert [(model.display(t.source), t.prefix) for t in model.triggers] == [("Media", "in/")]
    assert [t.path[1].stack for t in model.triggers] == [1]
