import java.util.Map;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

public class Handler {
    private final DynamoDbClient db = DynamoDbClient.create();

    public void handler(DynamodbEvent event) {
        for (DynamodbEvent.DynamodbStreamRecord record : event.getRecords()) {
            if ("REMOVE".equals(record.getEventName())) continue;
            db.updateItem(UpdateItemRequest.builder()
                .tableName("Counters")
                .key(Map.of("pk", AttributeValue.fromS("all")))
                .updateExpression("ADD hits :one")
                .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1")))
                .build());
        }
    }
}
