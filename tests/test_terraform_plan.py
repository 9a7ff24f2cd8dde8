"""Reading a Terraform plan (`terraform show -json`): planned values, values known only after
apply put back as the References their configuration names, modules, count and for_each
instance addresses, and plans whose shape is wrong."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from loopcheck.terraform.config import Reference, Unknown
from loopcheck.terraform.plan_reader import PlanError, read_plan

ROOT = Path(__file__).resolve().parent.parent
PLAN_FIXTURE = ROOT / "fixtures" / "tf-plan-same-bucket-loop" / "plan.json"


def planned(address, values, mode="managed"):
    steps = address.split(".")
    return {"address": address, "mode": mode, "type": steps[-2], "name": steps[-1].split("[")[0],
            "values": values}


def change(address, unknown):
    return {"address": address, "change": {"actions": ["create"], "after_unknown": unknown}}


def refs(*names):
    return {"references": list(names)}


def plan(resources, changes=(), configuration=None, children=(), prior=None):
    document = {"format_version": "1.2",
                "planned_values": {"root_module": {"resources": resources, "child_modules": list(children)}},
                "resource_changes": list(changes),
                "configuration": {"root_module": configuration or {}}}
    if prior is not None:
        document["prior_state"] = {"values": {"root_module": {"resources": prior}}}
    return document


def by_address(config):
    return {resource.address: resource for resource in config.resources}


def test_the_fixture_plan_reads_into_resources_with_their_links():
    config = read_plan(str(PLAN_FIXTURE), json.loads(PLAN_FIXTURE.read_text()))
    resources = by_address(config)
    assert list(resources) == [
        "aws_s3_bucket.photos", "aws_iam_role.watermark", "aws_iam_role_policy.watermark",
        "aws_lambda_function.watermark", "aws_lambda_permission.photos", "aws_s3_bucket_notification.photos",
        "data.archive_file.watermark"]
    assert {(r.file, r.line) for r in config.resources} == {(str(PLAN_FIXTURE), 0)}
    assert {r.module_dir for r in config.resources} == {str(PLAN_FIXTURE.parent)}
    notification = resources["aws_s3_bucket_notification.photos"].values
    assert notification["bucket"] == Reference("aws_s3_bucket.photos", "id")
    (target,) = notification["lambda_function"]
    assert target["lambda_function_arn"] == Reference("aws_lambda_function.watermark", "arn")
    assert target["events"] == ["s3:ObjectCreated:*"]
    assert "id" not in target  # computed inside the block, never written
    function = resources["aws_lambda_function.watermark"].values
    # known at plan time, and equal to the archive's output_path: the reference, not the text
    assert function["filename"] == Reference("data.archive_file.watermark", "output_path")
    bucket_id = Reference("aws_s3_bucket.photos", "id")
    assert function["environment"] == [{"variables": {"PHOTOS_BUCKET": bucket_id}}]
    assert "arn" not in function and "invoke_arn" not in function  # computed, not arguments
    assert resources["data.archive_file.watermark"].values["source_dir"] == "./src"
    assert resources["data.archive_file.watermark"].mode == "data"
    policy = json.loads(resources["aws_iam_role_policy.watermark"].values["policy"])
    assert policy["Statement"][0]["Resource"] == "arn:aws:s3:::loopcheck-tf-plan-photos/*"


def test_an_unknown_value_takes_the_most_specific_reference():
    document = plan(
        [planned("aws_s3_bucket.b", {"bucket": "b"}), planned("aws_sqs_queue.q", {"name": "q"}),
         planned("aws_lambda_permission.p", {"principal": "s3.amazonaws.com"})],
        [change("aws_lambda_permission.p", {"source_arn": True, "qualifier": True})],
        {"resources": [{"address": "aws_lambda_permission.p",
                        "expressions": {"source_arn": refs("aws_s3_bucket.b.arn", "aws_s3_bucket.b"),
                                        "qualifier": refs("aws_s3_bucket.b.id", "aws_sqs_queue.q.arn")}}]})
    values = by_address(read_plan("plan.json", document))["aws_lambda_permission.p"].values
    assert values["source_arn"] == Reference("aws_s3_bucket.b", "arn")
    # two objects in one expression: which one the value is cannot be told
    assert isinstance(values["qualifier"], Unknown) and "aws_sqs_queue.q.arn" in values["qualifier"].text


def test_an_unknown_document_stays_unknown():
    """A policy built around an ARN known after apply: its text is lost, so no Reference stands for it."""
    document = plan(
        [planned("aws_s3_bucket.b", {}), planned("aws_iam_role_policy.p", {"role": "r"})],
        [change("aws_iam_role_policy.p", {"policy": True})],
        {"resources": [{"address": "aws_iam_role_policy.p",
                        "expressions": {"policy": refs("aws_s3_bucket.b.arn", "aws_s3_bucket.b")}}]})
    values = by_address(read_plan("plan.json", document))["aws_iam_role_policy.p"].values
    assert isinstance(values["policy"], Unknown)


def test_count_and_for_each_instances_keep_their_addresses_and_refer_to_their_twins():
    buckets = [planned(f"aws_s3_bucket.b[{i}]", {"bucket": f"b{i}"}) for i in range(2)]
    keyed = [planned(f'aws_sqs_queue.q["{key}"]', {"name": key}) for key in ("a.b", "c")]
    notifications = [planned(f"aws_s3_bucket_notification.n[{i}]", {}) for i in range(2)]
    document = plan(
        buckets + keyed + notifications,
        [change(f"aws_s3_bucket_notification.n[{i}]", {"bucket": True}) for i in range(2)],
        {"resources": [{"address": "aws_s3_bucket_notification.n",
                        "expressions": {"bucket": refs("aws_s3_bucket.b", "count.index")}}]})
    resources = by_address(read_plan("plan.json", document))
    assert 'aws_sqs_queue.q["a.b"]' in resources and "aws_s3_bucket.b[1]" in resources
    assert resources["aws_s3_bucket_notification.n[0]"].values["bucket"] == Reference("aws_s3_bucket.b[0]")
    assert resources["aws_s3_bucket_notification.n[1]"].values["bucket"] == Reference("aws_s3_bucket.b[1]")


def test_child_modules_their_variables_and_outputs():
    """In module.images (called with `bucket_arn = aws_s3_bucket.in.arn`), `var.bucket_arn` is
    the root's bucket; the root's `module.images.function_arn` is the module's function."""
    child = {"address": "module.images", "resources": [
        planned("module.images.aws_lambda_permission.p", {"principal": "s3.amazonaws.com"}),
        planned("module.images.aws_lambda_function.f", {"function_name": "f"})]}
    module = {"resources": [
        {"address": "aws_lambda_permission.p", "expressions": {"source_arn": refs("var.bucket_arn")}},
        {"address": "aws_lambda_function.f", "expressions": {"function_name": {"constant_value": "f"}}}],
        "outputs": {"function_arn": {"expression": refs("aws_lambda_function.f.arn", "aws_lambda_function.f")}}}
    output = refs("module.images.function_arn", "module.images")
    argument = refs("aws_s3_bucket.in.arn", "aws_s3_bucket.in")
    configuration = {
        "resources": [{"address": "aws_s3_bucket_notification.n",
                       "expressions": {"lambda_function": [{"lambda_function_arn": output}]}}],
        "module_calls": {"images": {"source": "./modules/images", "module": module,
                                    "expressions": {"bucket_arn": argument}}}}
    document = plan(
        [planned("aws_s3_bucket.in", {}),
         planned("aws_s3_bucket_notification.n", {"lambda_function": [{"events": ["s3:ObjectCreated:*"]}]})],
        [change("module.images.aws_lambda_permission.p", {"source_arn": True}),
         change("aws_s3_bucket_notification.n", {"lambda_function": [{"lambda_function_arn": True}]})],
        configuration, children=[child])
    resources = by_address(read_plan("plan.json", document))
    assert "module.images.aws_lambda_function.f" in resources
    assert resources["module.images.aws_lambda_permission.p"].values["source_arn"] == \
        Reference("aws_s3_bucket.in", "arn")
    (target,) = resources["aws_s3_bucket_notification.n"].values["lambda_function"]
    assert target["lambda_function_arn"] == Reference("module.images.aws_lambda_function.f", "arn")
    assert target["events"] == ["s3:ObjectCreated:*"]


def test_module_instances_address_their_resources():
    child = {"address": 'module.m["x"]',
             "resources": [planned('module.m["x"].aws_s3_bucket.b', {}),
                           planned('module.m["x"].aws_s3_bucket_notification.n', {})]}
    configuration = {"module_calls": {"m": {"source": "./m", "module": {"resources": [
        {"address": "aws_s3_bucket_notification.n", "expressions": {"bucket": refs("aws_s3_bucket.b.id",
                                                                                   "aws_s3_bucket.b")}}]}}}}
    document = plan([], [change('module.m["x"].aws_s3_bucket_notification.n', {"bucket": True})],
                    configuration, children=[child])
    resources = by_address(read_plan("plan.json", document))
    assert resources['module.m["x"].aws_s3_bucket_notification.n'].values["bucket"] == \
        Reference('module.m["x"].aws_s3_bucket.b', "id")


def test_data_sources_read_while_planning_come_from_the_prior_state():
    prior = [planned("data.archive_file.zip", {"source_dir": "./src", "output_path": "f.zip"}, mode="data")]
    document = plan([planned("aws_lambda_function.f", {"filename": "f.zip"})], [],
                    {"resources": [{"address": "aws_lambda_function.f",
                                    "expressions": {"filename": refs("data.archive_file.zip.output_path",
                                                                     "data.archive_file.zip")}}]},
                    prior=prior)
    resources = by_address(read_plan("plan.json", document))
    assert resources["data.archive_file.zip"].values["source_dir"] == "./src"
    assert resources["aws_lambda_function.f"].values["filename"] == \
        Reference("data.archive_file.zip", "output_path")


def test_a_known_value_that_only_contains_a_reference_stays_text():
    """`"${aws_s3_bucket.b.bucket}-out"`: equal to no attribute, so it is the text."""
    document = plan([planned("aws_s3_bucket.b", {"bucket": "in"}),
                     planned("aws_lambda_function.f", {"description": "in-out"})], [],
                    {"resources": [{"address": "aws_lambda_function.f",
                                    "expressions": {"description": refs("aws_s3_bucket.b.bucket",
                                                                        "aws_s3_bucket.b")}}]})
    function = by_address(read_plan("plan.json", document))["aws_lambda_function.f"]
    assert function.values["description"] == "in-out"


@pytest.mark.parametrize("document, words", [
    ({"format_version": "2.0", "planned_values": {}}, "format_version '2.0'"),
    ({"format_version": "1.2", "planned_values": []}, "planned_values is not an object"),
    ({"format_version": "1.2", "planned_values": {"root_module": {"resources": {}}}},
     "resources is not a list"),
    ({"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"values": {}}]}}},
     "is not a resource"),
    ({"format_version": "1.2", "planned_values": {"root_module": {"child_modules": [1]}}}, "child_modules"),
    ({"format_version": "1.2", "planned_values": {}, "resource_changes": {}}, "resource_changes is not a list"),
])
def test_a_plan_of_the_wrong_shape_is_a_plan_error(document, words):
    with pytest.raises(PlanError, match=words.replace("[", r"\[").replace("(", r"\(")):
        read_plan("plan.json", document)


def test_no_configuration_still_gives_the_values():
    """A plan reduced to planned values (configuration stripped): values, unknowns Unknown."""
    document = {"format_version": "1.0",
                "planned_values": {"root_module": {"resources": [planned("aws_sqs_queue.q", {"name": "q"})]}},
                "resource_changes": [change("aws_sqs_queue.q", {"arn": True})]}
    (queue,) = read_plan("plan.json", document).resources
    assert queue.values["name"] == "q" and isinstance(queue.values["arn"], Unknown)


def test_a_mangled_plan_reads_or_is_a_plan_error():
    """The fixture's plan with keys dropped and values swapped for other types, many times over:
    read_plan returns or raises PlanError (which the scan reports), never anything else."""
    document = json.loads(PLAN_FIXTURE.read_text())
    rng = random.Random(17)

    def mangle(node):
        if isinstance(node, dict):
            kept = {key: value for key, value in node.items() if rng.random() > 0.03}
            return {key: rng.choice([None, 1, "x", [], {}, True]) if rng.random() < 0.03 else mangle(value)
                    for key, value in kept.items()}
        if isinstance(node, list):
            return [mangle(item) for item in node if rng.random() > 0.03]
        return node

    for _ in range(300):
        try:
            read_plan("plan.json", mangle(document))
        except PlanError:
            pass
