"""Sample: where the thumbnailer writes."""

import boto3

_client = boto3.client("s3")


def save_thumbnail(bucket, key, data):
    _client.put_object(Bucket=bucket, Key=key, Body=data, ContentType="image/png")


def unused_cleanup(bucket):
    _client.delete_object(Bucket=bucket, Key="never-called")
