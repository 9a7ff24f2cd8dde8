const { SNSClient, PublishCommand } = require("@aws-sdk/client-sns");
const sns = new SNSClient({});

exports.handler = async (event) => {
  for (const record of event.Records) {
    const message = record.Sns;
    if ("processed" in message.MessageAttributes) {
      continue;
    }
    await sns.send(new PublishCommand({
      TopicArn: process.env.TOPIC_ARN,
      Message: message.Message,
      MessageAttributes: { processed: { DataType: "String", StringValue: "true" } },
    }));
  }
};
