const { EventBridgeClient, PutEventsCommand } = require("@aws-sdk/client-eventbridge");
const events = new EventBridgeClient({});

exports.handler = async () => {
  await events.send(new PutEventsCommand({
    Entries: [{ Source: "app.orders", DetailType: "OrderPlaced", Detail: JSON.stringify({}) }],
  }));
};
