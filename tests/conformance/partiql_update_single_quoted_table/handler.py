import boto3

db = boto3.client("dynamodb")


def handler(event, context):
    db.execute_statement(Statement="UPDATE 'Orders' SET done = true WHERE pk = ?", Parameters=[{"S": "1"}])
