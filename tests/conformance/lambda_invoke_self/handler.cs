using System.Text.Json;
using Amazon.Lambda;
using Amazon.Lambda.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonLambda _lambda = new AmazonLambdaClient();

    public async Task handler(JsonElement input, ILambdaContext context)
    {
        await _lambda.InvokeAsync(new InvokeRequest
        {
            FunctionName = context.FunctionName,
            InvocationType = InvocationType.Event,
            Payload = JsonSerializer.Serialize(input),
        });
    }
}
