import java.util.Map;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

public class Handler {
    private final DynamoDbClient db = DynamoDbClient.create();

    public void handler(Map<String, Object> event) {
        Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("1"));
        db.transactWriteItems(TransactWriteItemsRequest.builder()
            .transactItems(
                TransactWriteItem.builder().put(Put.builder().tableName(System.getenv("ORDERS")).item(key).build()).build(),
                TransactWriteItem.builder().conditionCheck(
                    ConditionCheck.builder().tableName("Limits").key(key).conditionExpression("x").build()).build(),
                TransactWriteItem.builder().delete(Delete.builder().tableName("Audit").key(key).build()).build())
            .build());
    }
}
