using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonDynamoDB _db = new AmazonDynamoDBClient();

    public async Task handler(object input, ILambdaContext context)
    {
        var key = new Dictionary<string, AttributeValue> { ["pk"] = new AttributeValue { S = "1" } };
        await _db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems = new List<TransactWriteItem>
            {
                new TransactWriteItem { Put = new Put { TableName = Environment.GetEnvironmentVariable("ORDERS"), Item = key } },
                new TransactWriteItem
                {
                    ConditionCheck = new ConditionCheck { TableName = "Limits", Key = key, ConditionExpression = "x" },
                },
                new TransactWriteItem { Delete = new Delete { TableName = "Audit", Key = key } },
            },
        });
    }
}
