import os

import boto3

db = boto3.client("dynamodb")


def handler(event, context):
    db.put_item(
        TableName=os.environ["TABLE"], Item={"pk": {"S": "x"}}, ConditionExpression="attribute_not_exists(pk)"
    )
