"""Sample: a class-based handler keeping its client on self."""

import os

import boto3


class Exporter:
    def __init__(self):
        self.s3 = boto3.client("s3")
        self.bucket = os.environ["EXPORT_BUCKET"]

    def export(self, key):
        self.s3.put_object(Bucket=self.bucket, Key=f"exports/{key}", Body=b"")

    def run(self, event):
        for record in event["Records"]:
            self.export(record["s3"]["object"]["key"])


EXPORTER = Exporter()


def handler(event, context):
    EXPORTER.run(event)
