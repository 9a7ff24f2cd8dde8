const { DynamoDBClient, ExecuteStatementCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});

exports.handler = async (event) => {
  return db.send(new ExecuteStatementCommand({ Statement: 'SELECT * FROM "Orders" WHERE pk = ?', Parameters: [{ S: "1" }] }));
};
