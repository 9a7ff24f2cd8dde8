import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

public class Handler {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final SqsClient sqs = SqsClient.create();

    public void handler(SQSEvent event) throws Exception {
        for (SQSEvent.SQSMessage record : event.getRecords()) {
            ObjectNode body = (ObjectNode) MAPPER.readTree(record.getBody());
            if (body.path("enriched").asBoolean()) continue;
            body.put("enriched", true);
            sqs.sendMessage(SendMessageRequest.builder()
                .queueUrl(System.getenv("QUEUE_URL"))
                .messageBody(MAPPER.writeValueAsString(body))
                .build());
        }
    }
}
