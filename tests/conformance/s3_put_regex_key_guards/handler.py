import os
import re

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        if re.match(r"^.*\.txt$", key):
            continue
        if re.search(r"^thumbs/", key, flags=re.IGNORECASE):
            continue
        s3.put_object(Bucket=os.environ["OUT"], Key=key + ".txt", Body=b"")
