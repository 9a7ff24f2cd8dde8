const AWS = require("aws-sdk");
const events = new AWS.EventBridge();

exports.handler = async (event) => {
  if (event.source === "app.billing") return;
  await events.putEvents({ Entries: [{ Source: "app.billing", EventBusName: process.env.BUS, Detail: "{}" }] }).promise();
};
