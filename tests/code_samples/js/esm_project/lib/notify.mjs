import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";

const sns = new SNSClient({});

export default async function publishDone(key) {
  await sns.send(new PublishCommand({ TopicArn: process.env.DONE_TOPIC, Message: key }));
}
