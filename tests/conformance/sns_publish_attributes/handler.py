import os

import boto3

sns = boto3.client("sns")


def handler(event, context):
    sns.publish(
        TopicArn=os.environ["TOPIC"],
        Message="done",
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "result"},
            "origin": {"DataType": "String", "StringValue": "worker"},
        },
    )
