import json

import boto3

lam = boto3.client("lambda")


def handler(event, context):
    lam.invoke(FunctionName=context.function_name, InvocationType="Event", Payload=json.dumps(event))
