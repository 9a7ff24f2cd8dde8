import java.util.Map;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ExecuteStatementRequest;
import software.amazon.awssdk.services.dynamodb.model.ExecuteStatementResponse;

public class Handler {
    private final DynamoDbClient db = DynamoDbClient.create();

    public ExecuteStatementResponse handler(Map<String, Object> event) {
        return db.executeStatement(ExecuteStatementRequest.builder()
            .statement("SELECT * FROM \"Orders\" WHERE pk = ?")
            .parameters(AttributeValue.fromS("1"))
            .build());
    }
}
