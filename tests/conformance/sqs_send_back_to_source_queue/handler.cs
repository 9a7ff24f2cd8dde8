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
            await _sqs.SendMessageAsync(record.EventSourceArn, record.Body);
        }
    }
}
