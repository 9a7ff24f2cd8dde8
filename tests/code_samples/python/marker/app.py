"""Sample: running this module would leave a marker file; analysing it must not."""

import os

import boto3

with open("/tmp/loopcheck-python-sample-was-executed.marker", "w") as marker:
    marker.write("this module was executed, not analysed\n")

os.makedirs("/tmp/loopcheck-python-sample-was-executed.dir", exist_ok=True)

s3 = boto3.client("s3")


def handler(event, context):
    s3.put_object(Bucket=os.environ["OUTPUT_BUCKET"], Key="report.txt", Body=b"ok")
