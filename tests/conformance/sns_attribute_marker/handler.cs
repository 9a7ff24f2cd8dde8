using Amazon.Lambda.SNSEvents;
using Amazon.SimpleNotificationService;
using Amazon.SimpleNotificationService.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonSimpleNotificationService _sns = new AmazonSimpleNotificationServiceClient();

    public async Task handler(SNSEvent snsEvent, ILambdaContext context)
    {
        foreach (var record in snsEvent.Records)
        {
            var message = record.Sns;
            if (message.MessageAttributes.ContainsKey("processed"))
            {
                continue;
            }
            await _sns.PublishAsync(new PublishRequest
            {
                TopicArn = Environment.GetEnvironmentVariable("TOPIC_ARN"),
                Message = message.Message,
                MessageAttributes = new Dictionary<string, MessageAttributeValue>
                {
                    ["processed"] = new MessageAttributeValue { DataType = "String", StringValue = "true" },
                },
            });
        }
    }
}
