const AWS = require("aws-sdk");
const db = new AWS.DynamoDB();

exports.handler = async () => {
  await db.batchWriteItem({
    RequestItems: {
      Orders: [{ PutRequest: { Item: { pk: { S: "1" } } } }],
      Audit: [{ PutRequest: { Item: { pk: { S: "1" } } } }],
    },
  }).promise();
};
