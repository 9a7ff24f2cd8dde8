using Amazon.SimpleNotificationService;
using Amazon.SimpleNotificationService.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonSimpleNotificationService _sns = new AmazonSimpleNotificationServiceClient();

    public async Task handler(object input, ILambdaContext context)
    {
        await _sns.PublishAsync(new PublishRequest
        {
            TopicArn = Environment.GetEnvironmentVariable("TOPIC"),
            Message = "done",
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["kind"] = new MessageAttributeValue { DataType = "String", StringValue = "result" },
                ["origin"] = new MessageAttributeValue { DataType = "String", StringValue = "worker" },
            },
        });
    }
}
