using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Lambda.DynamoDBEvents;

namespace Conformance;

public class Function
{
    private readonly IAmazonDynamoDB _db = new AmazonDynamoDBClient();

    public async Task handler(DynamoDBEvent dynamoEvent, ILambdaContext context)
    {
        foreach (var record in dynamoEvent.Records)
        {
            if (record.EventName == "REMOVE")
            {
                continue;
            }
            await _db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = "Counters",
                Key = new Dictionary<string, AttributeValue> { ["pk"] = new AttributeValue { S = "all" } },
                UpdateExpression = "ADD hits :one",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":one"] = new AttributeValue { N = "1" },
                },
            });
        }
    }
}
