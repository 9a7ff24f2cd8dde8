"""The SDK write catalog (loopcheck.knowledge.sdk_catalog) and the language method tables that use it."""

from __future__ import annotations

from loopcheck.code import csharp_facts, js_facts, python_facts
from loopcheck.code.evidence import S3_API_ACTION
from loopcheck.knowledge import sdk_catalog
from loopcheck.knowledge.event_paths import API_ACTIONS


def test_permission_checks_ask_for_each_rows_iam_action() -> None:
    # Read from the catalog; the calls whose action is not named after them are the ones to pin.
    assert S3_API_ACTION["CopyObject"] == S3_API_ACTION["UploadFile"] == "s3:PutObject"
    assert S3_API_ACTION["DeleteObjects"] == "s3:DeleteObject"
    assert API_ACTIONS[("sqs", "SendMessageBatch")] == "sqs:SendMessage"
    assert API_ACTIONS[("dynamodb", "ExecuteStatement")] == "dynamodb:PartiQLUpdate"
    assert API_ACTIONS[("lambda", "InvokeAsync")] == "lambda:InvokeFunction"
    assert not any(service == "s3" for service, _ in API_ACTIONS)  # S3 writes go to S3_API_ACTION
    assert len(API_ACTIONS) + len(S3_API_ACTION) == len(sdk_catalog.CATALOG)


def test_every_boto3_method_calls_a_catalog_row() -> None:
    tables = list(python_facts._CLIENT_APIS.values()) + list(python_facts._RESOURCE_APIS.values())
    methods = [method for table in tables for method in table.values()]
    assert len(methods) > 40
    for method in methods:
        assert (method.service, method.api) in sdk_catalog.BY_API, method


def test_every_js_method_and_command_calls_a_catalog_row_or_a_read() -> None:
    for table, methods in js_facts._METHODS.items():
        for api in methods.values():
            assert api in js_facts._READ_APIS or (js_facts._service_of_table(table), api) in sdk_catalog.BY_API
    assert ("@aws-sdk/client-dynamodb", "ExecuteStatementCommand") in js_facts._V3_COMMANDS


def test_every_dotnet_method_calls_a_catalog_row() -> None:
    for service, methods in csharp_facts.METHODS.items():
        for api in methods.values():
            assert (service, api) in sdk_catalog.BY_API, (service, api)
    assert set(csharp_facts.REQUEST_SERVICES.values()) <= set(csharp_facts.METHODS)
    assert set(csharp_facts.POSITIONAL) <= set(sdk_catalog.BY_API)


def test_s3_rows_name_their_key_and_others_do_not() -> None:
    for row in sdk_catalog.CATALOG:
        assert bool(row.key) == (row.service == "s3"), row


def test_identifying_params_of_a_service_are_its_rows_target_parameters() -> None:
    dynamodb = ("TableName", "RequestItems", "TransactItems", "Statement")
    assert sdk_catalog.identifying_params("dynamodb") == dynamodb
    assert sdk_catalog.identifying_params("sns") == ("TopicArn", "TargetArn")


def test_every_go_method_calls_a_catalog_row() -> None:
    from loopcheck.code import go_values

    assert len(go_values.METHODS) > 20
    for api in go_values.METHODS.values():
        assert api in sdk_catalog.BY_API, api
