using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonDynamoDB _db = new AmazonDynamoDBClient();

    public async Task handler(object input, ILambdaContext context)
    {
        var item = new Dictionary<string, AttributeValue> { ["pk"] = new AttributeValue { S = "1" } };
        await _db.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            RequestItems = new Dictionary<string, List<WriteRequest>>
            {
                ["Orders"] = new List<WriteRequest> { new WriteRequest { PutRequest = new PutRequest { Item = item } } },
                ["Audit"] = new List<WriteRequest> { new WriteRequest { PutRequest = new PutRequest { Item = item } } },
            },
        });
    }
}
