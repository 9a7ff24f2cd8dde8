"""The CloudWatch Logs subscription loop (loopcheck.services.logs): a function whose own log
group delivers to it, directly or through a Kinesis stream or a Firehose delivery stream."""

from __future__ import annotations

from typing import Any, Dict, Optional

from builder import (
    bucket,
    findings,
    get_att,
    inline_function,
    kinesis_event,
    ref,
    s3_event,
    stream,
    sub,
    template,
)

HANDLER = "def handler(event, context):\n    print('shipping')\n"


def shipper(**extra: Any) -> Dict[str, Any]:
    return inline_function(code=HANDLER, **extra)


def subscription(group: Any, destination: Any, pattern: str = "") -> Dict[str, Any]:
    return {"Type": "AWS::Logs::SubscriptionFilter", "Properties": {
        "LogGroupName": group, "FilterPattern": pattern, "DestinationArn": destination}}


def errors_and_warnings(resources: Dict[str, Any]):
    return sorted((f.rule, tuple(f.cycle)) for f in findings(template(resources)) if f.severity != "info")


def test_a_filter_on_the_own_group_is_named_by_its_logical_id():
    found = findings(template({"Shipper": shipper(),
                               "OwnLogs": subscription(sub("/aws/lambda/${Shipper}"), get_att("Shipper"))}))
    error = next(f for f in found if f.rule == "EL107")
    assert error.cycle == ["OwnLogs", "Shipper", "OwnLogs"]
    assert "its log group /aws/lambda/${Shipper}" in " ".join(step.text for step in error.steps)
    assert "CloudWatch Logs (OwnLogs)" in error.message


def test_delivery_through_kinesis():
    resources = {"Shipper": shipper(Events={"Stream": kinesis_event("Lines")}),
                 "Lines": stream(),
                 "OwnLogs": subscription(sub("/aws/lambda/${Shipper}"), get_att("Lines"))}
    assert errors_and_warnings(resources) == [("EL107", ("OwnLogs", "Lines", "Shipper", "OwnLogs"))]


def test_delivery_through_firehose_into_a_bucket_that_notifies_the_function():
    firehose = {"Type": "AWS::KinesisFirehose::DeliveryStream", "Properties": {
        "ExtendedS3DestinationConfiguration": {"BucketARN": get_att("Archive")}}}
    resources = {"Shipper": shipper(Events={"Upload": s3_event("Archive")}),
                 "Archive": bucket(),
                 "Hose": firehose,
                 "OwnLogs": subscription(sub("/aws/lambda/${Shipper}"), get_att("Hose"))}
    assert errors_and_warnings(resources) == [("EL107", ("OwnLogs", "Hose", "Archive", "Shipper", "OwnLogs"))]


def test_a_log_group_resource_named_by_ref():
    group = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/custom/shipper"}}
    resources = {"Shipper": shipper(LoggingConfig={"LogGroup": ref("Group")}),
                 "Group": group,
                 "OwnLogs": subscription(ref("Group"), get_att("Shipper"))}
    assert errors_and_warnings(resources) == [("EL107", ("Group", "Shipper", "Group"))]


def test_a_filter_pattern_leaves_the_loop_possible():
    resources = {"Shipper": shipper(),
                 "OwnLogs": subscription(sub("/aws/lambda/${Shipper}"), get_att("Shipper"), "ERROR")}
    assert errors_and_warnings(resources) == [("WL102", ("OwnLogs", "Shipper", "OwnLogs"))]


def test_another_functions_group_is_no_loop():
    resources = {"Shipper": shipper(), "Other": shipper(),
                 "OtherLogs": subscription(sub("/aws/lambda/${Other}"), get_att("Shipper"))}
    assert findings(template(resources)) == []


def sam_logs_event(group: str, pattern: Optional[str] = "") -> Dict[str, Any]:
    return {"Logs": {"Type": "CloudWatchLogs", "Properties": {"LogGroupName": group, "FilterPattern": pattern}}}


def test_a_sam_event_on_the_own_group_is_a_self_loop():
    """SAM generates the filter: the implied group has no logical id, so the loop is the
    function's own (its log output delivered back to it), through CloudWatch Logs."""
    found = findings(template({"Shipper": shipper(FunctionName="shipper",
                                                  Events=sam_logs_event("/aws/lambda/shipper"))}))
    error = next(f for f in found if f.rule == "EL107")
    assert error.cycle == ["Shipper", "Shipper"]
    assert "through CloudWatch Logs (Shipper)" in error.message


def test_a_sam_event_with_a_pattern_is_possible():
    found = findings(template({"Shipper": shipper(FunctionName="shipper",
                                                  Events=sam_logs_event("/aws/lambda/shipper", "ERROR"))}))
    assert sorted(f.rule for f in found) == ["IL109", "WL102"]
    assert "filter pattern 'ERROR'" in next(f for f in found if f.rule == "WL102").message
