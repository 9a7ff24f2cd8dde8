import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        if not key.endswith(".jpg"):
            continue
        s3.put_object(Bucket=bucket, Key=key.replace(".jpg", "_thumb.jpg"), Body=b"")
