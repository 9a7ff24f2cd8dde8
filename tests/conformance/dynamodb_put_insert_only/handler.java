import java.util.Map;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

public class Handler {
    private final DynamoDbClient db = DynamoDbClient.create();

    public void handler(Map<String, Object> event) {
        db.putItem(PutItemRequest.builder()
            .tableName(System.getenv("TABLE"))
            .item(Map.of("pk", AttributeValue.builder().s("x").build()))
            .conditionExpression("attribute_not_exists(pk)")
            .build());
    }
}
