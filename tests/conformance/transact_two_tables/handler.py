import os

import boto3

db = boto3.client("dynamodb")


def handler(event, context):
    db.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": os.environ["ORDERS"], "Item": {"pk": {"S": "1"}}}},
            {"ConditionCheck": {"TableName": "Limits", "Key": {"pk": {"S": "1"}}, "ConditionExpression": "x"}},
            {"Delete": {"TableName": "Audit", "Key": {"pk": {"S": "1"}}}},
        ]
    )
