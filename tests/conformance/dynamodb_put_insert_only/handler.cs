using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonDynamoDB _db = new AmazonDynamoDBClient();

    public async Task handler(object input, ILambdaContext context)
    {
        await _db.PutItemAsync(new PutItemRequest
        {
            TableName = Environment.GetEnvironmentVariable("TABLE"),
            Item = new Dictionary<string, AttributeValue> { ["pk"] = new AttributeValue { S = "x" } },
            ConditionExpression = "attribute_not_exists(pk)",
        });
    }
}
