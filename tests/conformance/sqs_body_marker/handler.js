const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");
const sqs = new SQSClient({});

exports.handler = async (event) => {
  for (const record of event.Records) {
    const body = JSON.parse(record.body);
    if (body.enriched) {
      continue;
    }
    body.enriched = true;
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: JSON.stringify(body) }));
  }
};
