import boto3

s3 = boto3.client("s3")


def handler(event, context):
    key = event["Records"][0]["s3"]["object"]["key"]
    s3.delete_objects(Bucket="scratch", Delete={"Objects": [{"Key": "tmp/" + key}]})
