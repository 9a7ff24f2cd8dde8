const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});

exports.handler = async () => {
  await db.send(new PutItemCommand({
    TableName: process.env.TABLE,
    Item: { pk: { S: "x" } },
    ConditionExpression: "attribute_not_exists(pk)",
  }));
};
