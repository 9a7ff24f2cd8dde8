const { LambdaClient, InvokeCommand } = require("@aws-sdk/client-lambda");
const lambda = new LambdaClient({});

exports.handler = async (event, context) => {
  await lambda.send(new InvokeCommand({ FunctionName: context.functionName, InvocationType: "Event", Payload: JSON.stringify(event) }));
};
