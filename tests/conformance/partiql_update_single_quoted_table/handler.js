const { DynamoDBClient, ExecuteStatementCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});

exports.handler = async () => {
  await db.send(new ExecuteStatementCommand({ Statement: "UPDATE 'Orders' SET done = true WHERE pk = ?", Parameters: [{ S: "1" }] }));
};
