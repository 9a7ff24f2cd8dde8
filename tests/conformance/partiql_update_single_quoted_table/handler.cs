using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonDynamoDB _db = new AmazonDynamoDBClient();

    public async Task handler(object input, ILambdaContext context)
    {
        await _db.ExecuteStatementAsync(new ExecuteStatementRequest
        {
            Statement = "UPDATE 'Orders' SET done = true WHERE pk = ?",
            Parameters = new List<AttributeValue> { new AttributeValue { S = "1" } },
        });
    }
}
