import boto3

db = boto3.client("dynamodb")


def handler(event, context):
    db.batch_write_item(
        RequestItems={
            "Orders": [{"PutRequest": {"Item": {"pk": {"S": "1"}}}}],
            "Audit": [{"PutRequest": {"Item": {"pk": {"S": "1"}}}}],
        }
    )
