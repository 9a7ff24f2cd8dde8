"""Sample: outside the function's code folder; must never be read."""

import boto3

boto3.client("s3").put_object(Bucket="outside-bucket", Key="leaked", Body=b"")


def save(bucket, key):
    boto3.client("s3").put_object(Bucket="outside-bucket", Key=key, Body=b"")
