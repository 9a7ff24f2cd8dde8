import json
import os

import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    for record in event["Records"]:
        body = json.loads(record["body"])
        attempt = body.get("attempt", 0)
        if attempt >= 3:
            continue
        message = json.dumps({**body, "attempt": attempt + 1})
        sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=message)
