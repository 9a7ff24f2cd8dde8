using Amazon.EventBridge;
using Amazon.EventBridge.Model;
using Amazon.Lambda.CloudWatchEvents;

namespace Conformance;

public class Function
{
    private readonly IAmazonEventBridge _events = new AmazonEventBridgeClient();

    public async Task handler(CloudWatchEvent<object> evnt, ILambdaContext context)
    {
        if (evnt.Source == "app.billing")
        {
            return;
        }
        await _events.PutEventsAsync(new PutEventsRequest
        {
            Entries = new List<PutEventsRequestEntry>
            {
                new PutEventsRequestEntry
                {
                    Source = "app.billing",
                    EventBusName = Environment.GetEnvironmentVariable("BUS"),
                    Detail = "{}",
                },
            },
        });
    }
}
