const AWS = require("aws-sdk");
const db = new AWS.DynamoDB();

exports.handler = async (event) => {
  for (const record of event.Records) {
    if (record.eventName === "REMOVE") continue;
    await db.updateItem({
      TableName: "Counters",
      Key: { pk: { S: "all" } },
      UpdateExpression: "ADD hits :one",
      ExpressionAttributeValues: { ":one": { N: "1" } },
    }).promise();
  }
};
