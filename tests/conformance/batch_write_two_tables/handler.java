import java.util.List;
import java.util.Map;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

public class Handler {
    private final DynamoDbClient db = DynamoDbClient.create();

    public void handler(Map<String, Object> event) {
        WriteRequest put = WriteRequest.builder()
            .putRequest(PutRequest.builder().item(Map.of("pk", AttributeValue.fromS("1"))).build())
            .build();
        db.batchWriteItem(BatchWriteItemRequest.builder()
            .requestItems(Map.of("Orders", List.of(put), "Audit", List.of(put)))
            .build());
    }
}
