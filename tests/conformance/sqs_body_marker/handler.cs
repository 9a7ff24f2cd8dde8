using System.Text.Json.Nodes;
using Amazon.Lambda.SQSEvents;
using Amazon.SQS;

namespace Conformance;

public class Function
{
    private readonly IAmazonSQS _sqs = new AmazonSQSClient();

    public async Task handler(SQSEvent sqsEvent, ILambdaContext context)
    {
        foreach (var record in sqsEvent.Records)
        {
            var body = JsonNode.Parse(record.Body)!;
            if (body["enriched"] != null)
            {
                continue;
            }
            body["enriched"] = true;
            await _sqs.SendMessageAsync(Environment.GetEnvironmentVariable("QUEUE_URL"), body.ToJsonString());
        }
    }
}
