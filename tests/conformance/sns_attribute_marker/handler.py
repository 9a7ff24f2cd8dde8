import os

import boto3

sns = boto3.client("sns")


def handler(event, context):
    for record in event["Records"]:
        message = record["Sns"]
        if "processed" in message["MessageAttributes"]:
            continue
        sns.publish(
            TopicArn=os.environ["TOPIC_ARN"],
            Message=message["Message"],
            MessageAttributes={"processed": {"DataType": "String", "StringValue": "true"}},
        )
