import json

import boto3

events = boto3.client("events")


def handler(event, context):
    events.put_events(Entries=[{"Source": "app.orders", "DetailType": "OrderPlaced", "Detail": json.dumps({})}])
