"""Each rule's detailed behaviour on small templates from tests/builder.py (message, position,
notes); the bare positive/negative case of every rule is in test_rule_cases.py."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from builder import (
    bucket,
    dump,
    findings,
    function,
    get_att,
    iam_policy,
    lambda_function,
    lambda_notification,
    line_of,
    parameter,
    policy_template,
    put_statement,
    ref,
    rules_of,
    s3_crud,
    s3_event,
    s3_read,
    s3_write,
    statement,
    sub,
    template,
)


def sam(policies: Any = None, prefix: Optional[str] = None, suffix: Optional[str] = None,
        events: str = "s3:ObjectCreated:*", more: Optional[Dict[str, Any]] = None, **extra: Any):
    """A bucket Media triggering function Fn (its code folder src/ is not there), and `more`."""
    fn = function(policies, {"Up": s3_event("Media", events, prefix=prefix, suffix=suffix)}, **extra)
    return template({"Media": bucket(), "Fn": fn, **(more or {})})


CRUD = [s3_crud("Media")]


def scoped(key: str) -> List[Any]:
    """Policies allowing s3:PutObject on Media's keys matching `key` only."""
    return put_statement(sub("${Media.Arn}/" + key))


def test_el101_same_bucket_write_is_an_error():
    document = sam(CRUD)
    found = findings(document)
    assert rules_of(found) == ["EL101"]
    finding = found[0]
    assert finding.severity == "error"
    assert finding.resource == "Fn"
    assert finding.cycle == ["Media", "Fn", "Media"]
    assert finding.path == ["Resources", "Fn"]
    assert (finding.line, finding.column) == (line_of(dump(document), "  Fn:"), 3)
    assert "Media -> Fn -> Media" in finding.message


def test_el101_not_raised_for_a_second_bucket():
    assert findings(sam([s3_crud("Output")], more={"Output": bucket()})) == []


def test_el101_when_the_write_scope_lies_inside_the_filter():
    assert rules_of(findings(sam(scoped("uploads/thumbs/*"), prefix="uploads/"))) == ["EL101"]


def test_wl102_filter_with_whole_bucket_permission_is_a_warning():
    found = findings(sam(CRUD, prefix="uploads/"))
    assert rules_of(found) == ["WL102"]
    assert found[0].severity == "warning"


def test_prefix_guard_with_scoped_permission_is_not_a_loop():
    assert findings(sam(scoped("processed/*"), prefix="uploads/", ReservedConcurrentExecutions=2)) == []


def test_suffix_guard_with_scoped_permission_is_not_a_loop():
    assert findings(sam(scoped("*.webp"), suffix=".jpg", ReservedConcurrentExecutions=2)) == []


def test_il105_guarded_loop_without_reserved_concurrency():
    found = findings(sam(scoped("processed/*"), prefix="uploads/"))
    assert rules_of(found) == ["IL105"]
    assert found[0].severity == "info"
    assert any("prefix 'uploads/'" in note for note in found[0].notes)


def test_wl103_role_from_outside_the_template():
    found = findings(sam(Role="arn:aws:iam::123456789012:role/shared"))
    assert rules_of(found) == ["WL103"]
    assert "not defined in this template" in " ".join(found[0].notes)


def test_wl103_unknown_managed_policy():
    found = findings(sam(["SomeCustomerManagedThing"]))  # a bare name: SAM takes it as AWS managed
    assert rules_of(found) == ["WL103"]
    notes = " ".join(found[0].notes)
    assert "AWS managed policy SomeCustomerManagedThing is not in the list loopcheck has" in notes
    found = findings(sam([sub("arn:aws:iam::${AWS::AccountId}:policy/SomeCustomerManagedThing")]))
    assert rules_of(found) == ["WL103"]
    assert "not known to loopcheck" in " ".join(found[0].notes)


def test_known_read_only_managed_policy_is_clean():
    assert findings(sam(["AmazonS3ReadOnlyAccess", "AWSLambdaBasicExecutionRole"])) == []


def test_aws_managed_write_policy_is_a_possible_loop():
    # AWSLambdaExecute puts objects into arn:aws:s3:::*: broad, and no code was read.
    assert rules_of(findings(sam("AWSLambdaExecute"))) == ["WL110"]


def test_el104_recursive_loop_allow_on_a_looping_function():
    found = findings(sam(CRUD, RecursiveLoop="Allow"))
    assert rules_of(found) == ["EL101", "EL104"]
    allow = [f for f in found if f.rule == "EL104"][0]
    assert allow.path == ["Resources", "Fn", "Properties", "RecursiveLoop"]
    assert any("AWS will not stop" in note for note in allow.notes)


def test_el104_not_raised_without_a_loop():
    assert findings(sam([s3_read("Media")], RecursiveLoop="Allow")) == []


def test_delete_only_writer_does_not_loop_on_created_events():
    deletes = put_statement(sub("${Media.Arn}/*"), "s3:DeleteObject")
    assert findings(sam(deletes)) == []
    removed = sam(deletes, events="s3:ObjectRemoved:*")
    assert rules_of(findings(removed)) == ["WL111"]  # deletes on removals: a cascade that ends


def two_function_loop(f2_policies: List[Any]) -> Dict[str, Any]:
    return template({
        "A": bucket(), "B": bucket(),
        "F1": function([s3_write("B")], {"E": s3_event("A")}, code_uri=None, handler=None, runtime=None),
        "F2": function(f2_policies, {"E": s3_event("B")}, code_uri=None, handler=None, runtime=None),
    })


def test_loop_through_two_functions_and_two_buckets():
    found = findings(two_function_loop([s3_write("A")]))
    assert [(f.rule, f.cycle) for f in found] == [("EL101", ["A", "F1", "B", "F2", "A"])]
    assert findings(two_function_loop([])) == []


def raw_cloudformation(deny: bool) -> Dict[str, Any]:
    statements = [statement(["s3:*"], "*")]
    if deny:
        statements.append(statement("s3:Put*", sub("arn:aws:s3:::${Name}/*"), effect="Deny"))
    return template({
        "Bucket": bucket(ref("Name"), [lambda_notification("Fn")]),
        "Role": {"Type": "AWS::IAM::Role"},
        "Writes": iam_policy(["Role"], statements),
        "Fn": lambda_function(get_att("Role")),
    }, parameters={"Name": parameter()}, sam=False)


def test_raw_cloudformation_role_with_separate_policy_and_deny():
    found = findings(raw_cloudformation(deny=False))
    # s3:* on "*" only reaches the bucket through a wildcard: a possible loop (WL110)
    assert [(f.rule, f.resource, f.cycle) for f in found] == [("WL110", "Fn", ["Bucket", "Fn", "Bucket"])]
    assert findings(raw_cloudformation(deny=True)) == []


def named_through_if(granted: str) -> Dict[str, Any]:
    return template({
        "Bucket": bucket({"Fn::If": ["Prod", "prod-media", "dev-media"]}),
        "Fn": function([policy_template("S3WritePolicy", BucketName=granted)],
                       {"E": s3_event("Bucket", "s3:ObjectCreated:Put")}, code_uri=None, handler=None,
                       runtime=None),
    }, conditions={"Prod": {"Fn::Equals": [ref("AWS::AccountId"), "1"]}}, sam=False)


def test_bucket_named_through_fn_if_matches_either_branch():
    assert rules_of(findings(named_through_if("dev-media"))) == ["EL101"]
    assert findings(named_through_if("other-media")) == []


def cdk_notifications(granted_key: str) -> Dict[str, Any]:
    return template({
        "Bucket": bucket(),
        "Notify": {"Type": "Custom::S3BucketNotifications", "Properties": {
            "BucketName": ref("Bucket"),
            "NotificationConfiguration": {"LambdaFunctionConfigurations": [{
                "Events": ["s3:ObjectCreated:*"], "LambdaFunctionArn": get_att("Fn"),
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}}]}}},
        "Role": {"Type": "AWS::IAM::Role"},
        "Policy": iam_policy(["Role"], [statement(["s3:PutObject*"],
                                                  {"Fn::Join": ["", [get_att("Bucket"), granted_key]]})]),
        "Fn": lambda_function(get_att("Role"), ReservedConcurrentExecutions=1),
    }, sam=False)


def test_cdk_notification_shape():
    assert findings(cdk_notifications("/out/*")) == []
    assert rules_of(findings(cdk_notifications("/*"))) == ["WL102"]


def test_aws_managed_policies_by_name_and_arn():
    for policy in ("AmazonS3FullAccess", "AdministratorAccess", "PowerUserAccess",
                   "arn:aws:iam::aws:policy/AWSLambdaExecute",
                   sub("arn:${AWS::Partition}:iam::aws:policy/AmazonS3FullAccess")):
        assert rules_of(findings(sam([policy]))) == ["WL110"], policy
    for policy in ("AWSLambdaBasicExecutionRole", "AWSLambdaKinesisExecutionRole",
                   "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole"):
        assert findings(sam([policy])) == [], policy


def test_invoke_permission_on_every_function_is_not_a_self_invocation_loop():
    # AWSLambdaRole grants lambda:InvokeFunction on "*": only code naming a target shows a loop
    assert findings(sam(["AWSLambdaRole"])) == []
    scoped_invoke = [policy_template("LambdaInvokePolicy", FunctionName=ref("Fn"))]
    assert rules_of(findings(sam(scoped_invoke))) == ["WL110"]  # named, but still only a grant


def test_resource_type_of_the_wrong_type_is_ignored():
    assert rules_of(findings(sam(CRUD, more={"Odd": {"Type": ref("Something")}}))) == ["EL101"]
