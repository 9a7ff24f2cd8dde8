import boto3

db = boto3.client("dynamodb")


def handler(event, context):
    for record in event["Records"]:
        if record["eventName"] == "REMOVE":
            continue
        db.update_item(
            TableName="Counters",
            Key={"pk": {"S": "all"}},
            UpdateExpression="ADD hits :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
