import os

import boto3

s3 = boto3.client("s3")
SOURCE = "reports/summary.csv"


def handler(event, context):
    s3.put_object(Bucket=os.environ["OUT"], Key=os.path.splitext(SOURCE)[0] + ".json", Body=b"")
    s3.put_object(Bucket=os.environ["OUT"], Key="copies/" + os.path.basename(SOURCE), Body=b"")
