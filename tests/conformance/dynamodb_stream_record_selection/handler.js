const { DynamoDBClient, UpdateItemCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});

exports.handler = async (event) => {
  for (const record of event.Records) {
    if (record.eventName !== "INSERT") {
      continue;
    }
    if (!record.dynamodb.Keys.sk.S.startsWith("entry#")) {
      continue;
    }
    await db.send(new UpdateItemCommand({
      TableName: process.env.TABLE,
      Key: { pk: record.dynamodb.Keys.pk, sk: { S: "total" } },
      UpdateExpression: "ADD entries :one",
      ExpressionAttributeValues: { ":one": { N: "1" } },
    }));
  }
};
