using System.Text.Json;
using Amazon.EventBridge;
using Amazon.EventBridge.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonEventBridge _events = new AmazonEventBridgeClient();

    public async Task handler(object input, ILambdaContext context)
    {
        await _events.PutEventsAsync(new PutEventsRequest
        {
            Entries = new List<PutEventsRequestEntry>
            {
                new PutEventsRequestEntry
                {
                    Source = "app.orders",
                    DetailType = "OrderPlaced",
                    Detail = JsonSerializer.Serialize(new { }),
                },
            },
        });
    }
}
