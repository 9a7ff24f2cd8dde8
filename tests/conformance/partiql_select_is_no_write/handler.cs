using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonDynamoDB _db = new AmazonDynamoDBClient();

    public async Task<ExecuteStatementResponse> handler(object input, ILambdaContext context)
    {
        return await _db.ExecuteStatementAsync(new ExecuteStatementRequest
        {
            Statement = "SELECT * FROM \"Orders\" WHERE pk = ?",
            Parameters = new List<AttributeValue> { new AttributeValue { S = "1" } },
        });
    }
}
