// Other services through SDK v3, recorded for the event-path rules.
import { SQSClient, SendMessageCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";
import { DynamoDBClient, PutItemCommand, BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, UpdateCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { FirehoseClient, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { LambdaClient, InvokeCommand } from "@aws-sdk/client-lambda";

const sqs = new SQSClient({});
const sns = new SNSClient({});
const ddb = new DynamoDBClient({});
const doc = DynamoDBDocumentClient.from(ddb);
const kinesis = new KinesisClient({});
const firehose = new FirehoseClient({});
const events = new EventBridgeClient({});
const sfn = new SFNClient({});
const lambda = new LambdaClient({});

export async function handler(event, context) {
  if (event.source === "my.app") return;
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: "{}" }));
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: "https://sqs.eu-west-1.amazonaws.com/1/q", Entries: [] }));
  await sns.send(new PublishCommand({ TargetArn: process.env.TOPIC_ARN, Message: "hi" }));
  await ddb.send(new PutItemCommand({ TableName: "orders", Item: {} }));
  await ddb.send(new BatchWriteItemCommand({ RequestItems: { [process.env.TABLE]: [] } }));
  await doc.send(new UpdateCommand({ TableName: process.env.TABLE, Key: { pk: "1" } }));
  await doc.send(
    new TransactWriteCommand({
      TransactItems: [{ Put: { TableName: "audit", Item: {} } }, { Update: { TableName: "audit", Key: {} } }],
    })
  );
  await kinesis.send(new PutRecordCommand({ StreamName: process.env.STREAM, Data: new Uint8Array(), PartitionKey: "p" }));
  await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "to-s3", Records: [] }));
  await events.send(
    new PutEventsCommand({
      Entries: [{ Source: "my.app", DetailType: "ThumbnailCreated", Detail: "{}", EventBusName: process.env.BUS }],
    })
  );
  await sfn.send(new StartExecutionCommand({ stateMachineArn: process.env.STATE_MACHINE_ARN, input: "{}" }));
  await lambda.send(new InvokeCommand({ FunctionName: context.functionName, Payload: "{}" }));
}
