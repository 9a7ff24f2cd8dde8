import os

import boto3

kinesis = boto3.client("kinesis")
firehose = boto3.client("firehose")
sfn = boto3.client("stepfunctions")


def handler(event, context):
    kinesis.put_record(StreamARN=os.environ["STREAM_ARN"], Data=b"x", PartitionKey="p")
    firehose.put_record_batch(DeliveryStreamName="archive", Records=[{"Data": b"x"}])
    sfn.start_execution(stateMachineArn=os.environ["MACHINE"], input="{}")
