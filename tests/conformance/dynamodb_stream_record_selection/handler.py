import os

import boto3

db = boto3.client("dynamodb")


def handler(event, context):
    for record in event["Records"]:
        if record["eventName"] != "INSERT":
            continue
        if not record["dynamodb"]["Keys"]["sk"]["S"].startswith("entry#"):
            continue
        db.update_item(
            TableName=os.environ["TABLE"],
            Key={"pk": record["dynamodb"]["Keys"]["pk"], "sk": {"S": "total"}},
            UpdateExpression="ADD entries :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
