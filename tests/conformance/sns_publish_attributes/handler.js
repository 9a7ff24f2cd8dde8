const { SNSClient, PublishCommand } = require("@aws-sdk/client-sns");
const sns = new SNSClient({});

exports.handler = async () => {
  await sns.send(new PublishCommand({
    TopicArn: process.env.TOPIC,
    Message: "done",
    MessageAttributes: {
      kind: { DataType: "String", StringValue: "result" },
      origin: { DataType: "String", StringValue: "worker" },
    },
  }));
};
