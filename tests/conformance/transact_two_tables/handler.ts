import { DynamoDBClient, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";

const db = new DynamoDBClient({});

export const handler = async (): Promise<void> => {
  await db.send(new TransactWriteItemsCommand({
    TransactItems: [
      { Put: { TableName: process.env.ORDERS, Item: { pk: { S: "1" } } } },
      { ConditionCheck: { TableName: "Limits", Key: { pk: { S: "1" } }, ConditionExpression: "x" } },
      { Delete: { TableName: "Audit", Key: { pk: { S: "1" } } } },
    ],
  }));
};
