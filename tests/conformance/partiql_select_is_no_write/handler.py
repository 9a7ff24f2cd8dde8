import boto3

db = boto3.client("dynamodb")


def handler(event, context):
    return db.execute_statement(Statement="SELECT * FROM \"Orders\" WHERE pk = ?", Parameters=[{"S": "1"}])
