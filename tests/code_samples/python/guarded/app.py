"""Sample: an in-place optimiser that tags its output and skips tagged objects."""

import os
import urllib.parse

import boto3

s3 = boto3.client("s3")
MARKER = "x-optimised"


def handler(event, context):
    record = event["Records"][0]
    s3_info = record["s3"]
    bucket = s3_info["bucket"]["name"]
    key = urllib.parse.unquote_plus(s3_info["object"]["key"])
    if not record["eventName"].startswith("ObjectCreated:"):
        return "ignored"
    head = s3.head_object(Bucket=bucket, Key=key)
    if MARKER in head.get("Metadata", {}):
        return "already optimised"
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    s3.put_object(Bucket=bucket, Key=key, Body=data, Metadata={MARKER: "1"})
    s3.put_object(Bucket=os.environ["AUDIT_BUCKET"], Key=f"audit/{key}.json", Body=b"{}")
