// SDK v2 (aws-sdk), callback and promise styles.
const AWS = require("aws-sdk");
const S3 = require("aws-sdk/clients/s3");

const s3 = new AWS.S3();
const plainS3 = new S3({ apiVersion: "2006-03-01" });
const docs = new AWS.DynamoDB.DocumentClient();
const sns = new AWS.SNS();
const sqs = new AWS.SQS();

module.exports.handler = async function (event, context) {
  const record = event.Records[0];
  const key = record.s3.object.key;
  if (record.eventName.startsWith("ObjectRemoved")) return;

  const meta = await s3.headObject({ Bucket: record.s3.bucket.name, Key: key }).promise();
  if (meta.Metadata.processed) return;

  await s3.putObject({ Bucket: record.s3.bucket.name, Key: "processed/" + key, Body: "x" }).promise();
  await plainS3.upload({ Bucket: "reports-bucket", Key: `reports/${Date.now()}.csv`, Body: "" }).promise();
  await s3.copyObject({ Bucket: process.env.COPY_BUCKET, CopySource: "a/b", Key: key }).promise();
  await s3.deleteObject({ Bucket: process.env["TRASH"], Key: key }).promise();
  await s3.deleteObjects({ Bucket: "trash", Delete: { Objects: [{ Key: key }] } }).promise();
  await docs.put({ TableName: process.env.TABLE, Item: { pk: key } }).promise();
  await sns.publish({ TopicArn: process.env.TOPIC, Message: key, MessageAttributes: { kind: {}, size: {} } }).promise();
  sqs.sendMessage({ QueueUrl: process.env.QUEUE_URL, MessageBody: key }, (err) => {
    if (err) console.error(err);
  });
};
