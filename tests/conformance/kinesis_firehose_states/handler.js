const { KinesisClient, PutRecordCommand } = require("@aws-sdk/client-kinesis");
const { FirehoseClient, PutRecordBatchCommand } = require("@aws-sdk/client-firehose");
const { SFNClient, StartExecutionCommand } = require("@aws-sdk/client-sfn");

const kinesis = new KinesisClient({});
const firehose = new FirehoseClient({});
const sfn = new SFNClient({});

exports.handler = async () => {
  await kinesis.send(new PutRecordCommand({ StreamARN: process.env.STREAM_ARN, Data: Buffer.from("x"), PartitionKey: "p" }));
  await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "archive", Records: [{ Data: Buffer.from("x") }] }));
  await sfn.send(new StartExecutionCommand({ stateMachineArn: process.env.MACHINE, input: "{}" }));
};
