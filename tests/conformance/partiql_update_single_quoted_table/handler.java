import java.util.Map;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ExecuteStatementRequest;

public class Handler {
    private final DynamoDbClient db = DynamoDbClient.create();

    public void handler(Map<String, Object> event) {
        db.executeStatement(ExecuteStatementRequest.builder()
            .statement("UPDATE 'Orders' SET done = true WHERE pk = ?")
            .parameters(AttributeValue.fromS("1"))
            .build());
    }
}
