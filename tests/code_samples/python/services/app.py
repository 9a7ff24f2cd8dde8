"""Sample: a fan-out handler touching every non-S3 service loopcheck records."""

import json
import os

import boto3

sqs = boto3.client("sqs")
sns = boto3.client("sns")
dynamodb = boto3.resource("dynamodb")
events = boto3.client("events")
sfn = boto3.client("stepfunctions")
lambda_client = boto3.client("lambda")
kinesis = boto3.client("kinesis")
firehose = boto3.client("firehose")
TABLE = dynamodb.Table(os.environ["TABLE_NAME"])


def handler(event, context):
    body = json.dumps(event)
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=body)
    sns.publish(TopicArn=os.getenv("TOPIC_ARN"), Message=body, MessageAttributes={"kind": {}})
    TABLE.put_item(Item={"pk": "x"})
    events.put_events(
        Entries=[
            {"Source": "app.orders", "DetailType": "OrderPlaced", "EventBusName": "orders", "Detail": body},
        ]
    )
    sfn.start_execution(stateMachineArn=os.environ["STATE_MACHINE_ARN"], input=body)
    lambda_client.invoke(FunctionName=context.function_name, InvocationType="Event", Payload=body)
    kinesis.put_record(StreamName="clicks", Data=body, PartitionKey="p")
    firehose.put_record(DeliveryStreamName=os.environ["DELIVERY_STREAM"], Record={"Data": body})
