import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

public class Handler {
    private final SqsClient sqs = SqsClient.create();

    public void handler(SQSEvent event) {
        for (SQSMessage record : event.getRecords()) {
            sqs.sendMessage(SendMessageRequest.builder()
                .queueUrl(record.getEventSourceArn()).messageBody(record.getBody()).build());
        }
    }
}
