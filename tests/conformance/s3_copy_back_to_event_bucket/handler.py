import os.path

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    record = event["Records"][0]
    bucket = record["s3"]["bucket"]["name"]
    key = record["s3"]["object"]["key"]
    source = {"Bucket": bucket, "Key": key}
    s3.copy_object(Bucket=bucket, Key="copies/" + os.path.basename(key), CopySource=source)
