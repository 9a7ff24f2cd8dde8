"""Loops across stacks (loopcheck.stacks.cross_stack): found when the linked templates are scanned
together, each hop's file named; never found from one template alone, nor between
templates that do not refer to each other."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from builder import dump, function, get_att, parameter, queue, ref, sub, template
from cfn_flip import to_json

from loopcheck.app.scan import scan

ROOT = Path(__file__).resolve().parent.parent
EXPORT_FIXTURE = ROOT / "fixtures" / "two-stack-export-loop"

# A bucket in one stack, announced on a queue; the queue's ARN and the bucket's name exported.
STORAGE = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  InboxBucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        QueueConfigurations:
          - Event: s3:ObjectCreated:*
            Queue: !GetAtt InboxQueue.Arn
  InboxQueue:
    Type: AWS::SQS::Queue
Outputs:
  Bucket:
    Value: !Ref InboxBucket
    Export: {Name: inbox-bucket}
  Queue:
    Value: !GetAtt InboxQueue.Arn
    Export: {Name: inbox-queue-arn}
"""

# A function the queue runs, allowed to write the bucket it imports.
WORKER = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  WorkerFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://code/worker.zip
      Handler: app.handler
      Runtime: python3.12
      Policies:
        - S3WritePolicy:
            BucketName: !ImportValue {bucket}
      Events:
        Queued:
          Type: SQS
          Properties:
            Queue: !ImportValue inbox-queue-arn
"""


def _write(folder: Path, files: dict) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return folder


def _cross(result):
    return [f for f in result.findings if f.cycle_files]


def test_export_import_loop_names_every_hops_file(tmp_path):
    _write(tmp_path, {"storage.yaml": STORAGE, "worker.yaml": WORKER.replace("{bucket}", "inbox-bucket")})
    result = scan([str(tmp_path)])
    found = _cross(result)
    assert len(found) == 1, [f.message for f in result.findings]
    finding = found[0]
    storage, worker = str(tmp_path / "storage.yaml"), str(tmp_path / "worker.yaml")
    assert finding.rule == "EL101" and finding.severity == "error"
    assert finding.cycle == ["InboxBucket", "InboxQueue", "WorkerFn", "InboxBucket"]
    assert finding.cycle_files == [storage, storage, worker, storage]
    assert finding.file == worker and finding.resource == "WorkerFn"
    assert finding.path[:2] == ["Resources", "WorkerFn"]
    text = "\n".join(finding.notes)
    assert f"InboxBucket ({storage}:" in text  # the notification, in the storage stack
    assert f"InboxQueue ({worker}:" in text  # the SQS event, written in the worker stack
    assert f"S3WritePolicy ({worker}:" in text
    assert "Zq" not in finding.message + text  # no qualified name leaks out
    # the evidence as data: node references and step locations name each template
    assert finding.across_stacks
    assert [(node.file, node.logical_id) for node in finding.nodes] == [
        (storage, "InboxBucket"), (storage, "InboxQueue"), (worker, "WorkerFn"), (storage, "InboxBucket")]
    located = {(step.text.split(" ", 1)[0], step.location.file) for step in finding.steps if step.location}
    assert {("InboxBucket", storage), ("InboxQueue", worker), ("WorkerFn", worker)} <= located
    assert "cycle_files" in finding.to_dict() and finding.to_dict()["cycle_files"] == finding.cycle_files


def test_each_template_alone_gives_no_cross_stack_finding(tmp_path):
    _write(tmp_path, {"storage.yaml": STORAGE, "worker.yaml": WORKER.replace("{bucket}", "inbox-bucket")})
    for name in ("storage.yaml", "worker.yaml"):
        result = scan([str(tmp_path / name)])
        assert result.findings == []


def test_import_of_an_unrelated_export_gives_no_edge(tmp_path):
    other = STORAGE.replace("inbox-bucket", "archive-bucket").replace("inbox-queue-arn", "archive-queue")
    other = other.replace("InboxBucket", "ArchiveBucket").replace("InboxQueue", "ArchiveQueue")
    _write(tmp_path, {
        "storage.yaml": STORAGE,
        "archive.yaml": other,
        # runs on the inbox queue, writes the archive bucket: no way back to the inbox
        "worker.yaml": WORKER.replace("{bucket}", "archive-bucket"),
    })
    result = scan([str(tmp_path)])
    assert _cross(result) == []
    assert result.findings == []


def test_export_names_that_do_not_match_link_nothing(tmp_path):
    _write(tmp_path, {"storage.yaml": STORAGE, "worker.yaml": WORKER.replace("{bucket}", "inbox-bucket-v2")})
    assert _cross(scan([str(tmp_path)])) == []


def test_wildcard_write_into_another_stack_is_not_an_edge(tmp_path):
    """AWSLambdaExecute grants s3:PutObject on every bucket: inside one template that is a
    loop to report, but it does not join two stacks that never name each other."""
    wildcard = WORKER.replace("""        - S3WritePolicy:
            BucketName: !ImportValue {bucket}""", "        - AWSLambdaExecute")
    _write(tmp_path, {"storage.yaml": STORAGE, "worker.yaml": wildcard})
    assert _cross(scan([str(tmp_path)])) == []


PARENT = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  MediaBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: acme-media-uploads
      NotificationConfiguration:
        LambdaConfigurations:
          - Event: s3:ObjectCreated:*
            Function: !GetAtt Workers.Outputs.ResizeArn
  Workers:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: {url}
      Parameters:
        OutputBucket: !Ref MediaBucket
"""

CHILD = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  OutputBucket:
    Type: String
    Default: some-other-bucket
Resources:
  ResizeFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://code/resize.zip
      Handler: app.handler
      Runtime: python3.12
      Policies:
        - S3CrudPolicy:
            BucketName: !Ref OutputBucket
Outputs:
  ResizeArn:
    Value: !GetAtt ResizeFn.Arn
"""


@pytest.mark.parametrize("kind", ["cloudformation", "sam-application"])
def test_nested_stack_parameter_carries_the_bucket_into_the_child(tmp_path, kind):
    parent = PARENT.replace("{url}", "nested/workers.yaml")
    if kind == "sam-application":
        parent = parent.replace("AWS::CloudFormation::Stack", "AWS::Serverless::Application")
        parent = parent.replace("TemplateURL:", "Location:")
        parent = 'Transform: AWS::Serverless-2016-10-31\n' + parent
    _write(tmp_path, {"parent.yaml": parent, "nested/workers.yaml": CHILD})
    result = scan([str(tmp_path)])
    found = _cross(result)
    assert [f.cycle for f in found] == [["MediaBucket", "ResizeFn", "MediaBucket"]]
    parent_file, child_file = str(tmp_path / "parent.yaml"), str(tmp_path / "nested" / "workers.yaml")
    assert found[0].cycle_files == [parent_file, child_file, parent_file]
    assert any(f"S3CrudPolicy ({child_file}:" in note for note in found[0].notes)
    # the child alone writes its default bucket: nothing to report
    assert scan([str(tmp_path / "nested" / "workers.yaml")]).findings == []


def test_nested_stack_whose_parent_passes_another_bucket_is_clean(tmp_path):
    parent = PARENT.replace("{url}", "nested/workers.yaml").replace(
        "OutputBucket: !Ref MediaBucket", "OutputBucket: acme-thumbnails")
    _write(tmp_path, {"parent.yaml": parent, "nested/workers.yaml": CHILD})
    assert _cross(scan([str(tmp_path)])) == []


# A bucket notifying a topic by its literal name, and a stack subscribing a function to a
# topic of that name that writes the bucket by its literal name.
LANDING_BUCKET = """
    Resources:
      Landing:
        Type: AWS::S3::Bucket
        Properties:
          BucketName: acme-landing-zone
          NotificationConfiguration:
            TopicConfigurations:
              - Event: s3:ObjectCreated:*
                Topic: !Sub 'arn:aws:sns:${AWS::Region}:${AWS::AccountId}:acme-landing-events'
    """
LANDING_CONSUMER = """
    Transform: AWS::Serverless-2016-10-31
    Resources:
      LandingEvents:
        Type: AWS::SNS::Topic
        Properties:
          TopicName: acme-landing-events
      CopyFn:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: s3://code/copy.zip
          Handler: app.handler
          Runtime: python3.12
          Policies:
            - Statement:
                - Effect: Allow
                  Action: s3:PutObject
                  Resource: arn:aws:s3:::acme-landing-zone/*
          Events:
            Landed:
              Type: SNS
              Properties:
                Topic: !Ref LandingEvents
    """


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
    storage = """
    Resources:
      Drop:
        Type: AWS::S3::Bucket
        Properties:
          NotificationConfiguration:
            QueueConfigurations:
              - Event: s3:ObjectCreated:*
                Queue: !GetAtt DropQueue.Arn
      DropQueue:
        Type: AWS::SQS::Queue
      DropBucketParam:
        Type: AWS::SSM::Parameter
        Properties:
          Name: /acme/drop/bucket
          Type: String
          Value: !Ref Drop
      DropQueueParam:
        Type: AWS::SSM::Parameter
        Properties:
          Name: /acme/drop/queue-arn
          Type: String
          Value: !GetAtt DropQueue.Arn
    """
    worker = """
    Transform: AWS::Serverless-2016-10-31
    Parameters:
      DropBucket:
        Type: AWS::SSM::Parameter::Value<String>
        Default: /acme/drop/bucket
    Resources:
      SortFn:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: s3://code/sort.zip
          Handler: app.handler
          Runtime: python3.12
          Policies:
            - S3CrudPolicy:
                BucketName: !Ref DropBucket
          Events:
            Queued:
              Type: SQS
              Properties:
                Queue: '{{resolve:ssm:/acme/drop/queue-arn}}'
    """
    _write(tmp_path, {"storage.yaml": storage, "worker.yaml": worker})
    found = _cross(scan([str(tmp_path)]))
    assert [f.cycle for f in found] == [["Drop", "DropQueue", "SortFn", "Drop"]]
    assert found[0].file == str(tmp_path / "worker.yaml")


def test_broken_third_file_does_not_stop_cross_stack_analysis(tmp_path):
    _write(tmp_path, {"storage.yaml": STORAGE, "worker.yaml": WORKER.replace("{bucket}", "inbox-bucket"),
                      "zbroken.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  X: [unclosed\n"})
    result = scan([str(tmp_path)])
    assert [e.file for e in result.errors] == [str(tmp_path / "zbroken.yaml")]
    assert len(_cross(result)) == 1


def test_suppression_in_either_stack_applies_to_the_loop(tmp_path):
    storage = STORAGE.replace("""  InboxQueue:
    Type: AWS::SQS::Queue""", """  InboxQueue:
    Type: AWS::SQS::Queue
    Metadata:
      loopcheck:
        ignore:
          - rule: EL101
            reason: the worker stack drops messages it wrote (ADR-7)""")
    _write(tmp_path, {"storage.yaml": storage, "worker.yaml": WORKER.replace("{bucket}", "inbox-bucket")})
    result = scan([str(tmp_path)])
    assert _cross(result) == []
    cycles = [s.finding.cycle for s in result.suppressed]
    assert cycles == [["InboxBucket", "InboxQueue", "WorkerFn", "InboxBucket"]]
    assert result.suppressed[0].suppression.resource == "InboxQueue"


def _cli(args, cwd, env_seed="0"):
    env = dict(os.environ, PYTHONHASHSEED=env_seed)
    return subprocess.run([sys.executable, "-m", "loopcheck", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_jobs_1_and_jobs_2_print_the_same_bytes(tmp_path):
    # enough templates for worker processes to start (pipeline.PARALLEL_THRESHOLD)
    for index in range(10):
        pair = tmp_path / f"app{index:02d}"
        bucket = STORAGE.replace("inbox-bucket", f"inbox-bucket-{index}").replace(
            "inbox-queue-arn", f"inbox-queue-arn-{index}")
        worker = WORKER.replace("{bucket}", f"inbox-bucket-{index}").replace(
            "inbox-queue-arn", f"inbox-queue-arn-{index}")
        _write(pair, {"storage.yaml": bucket, "worker.yaml": worker})
    one = _cli(["scan", "--format", "json", "--jobs", "1", "."], tmp_path, "1")
    two = _cli(["scan", "--format", "json", "--jobs", "2", "."], tmp_path, "2")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert len([f for f in json.loads(one.stdout)["findings"] if "cycle_files" in f]) == 10


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
    worker = WORKER.replace("{bucket}", "inbox-bucket").replace(
        "      Events:", "      Tags:\n        Laughs: !Join ['', *l8]\n      Events:")
    _write(tmp_path, {"storage.yaml": STORAGE, "worker.yaml": "".join(lines) + textwrap.dedent(worker)})
    import time

    started = time.perf_counter()
    result = scan([str(tmp_path)])
    assert time.perf_counter() - started < 10
    assert len(_cross(result)) == 1


def test_a_linked_set_too_large_to_combine_is_said_not_skipped_silently(tmp_path):
    from loopcheck.stacks.links import MAX_GROUP

    exporter = """
    Resources:
      Shared:
        Type: AWS::SNS::Topic
    Outputs:
      SharedArn:
        Value: !Ref Shared
        Export: {Name: acme-shared-topic}
    """
    importer = """
    Resources:
      Sub:
        Type: AWS::SNS::Subscription
        Properties:
          TopicArn: !ImportValue acme-shared-topic
          Protocol: email
          Endpoint: ops@example.com
    """
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
