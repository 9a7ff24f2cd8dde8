import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        if key.startswith("out/"):
            continue
        s3.put_object(Bucket=os.environ["OUT"], Key="out/" + key, Body=b"")
