import java.util.Map;

import com.amazonaws.services.lambda.runtime.events.SNSEvent;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishRequest;

public class Handler {
    private final SnsClient sns = SnsClient.create();

    public void handler(SNSEvent event) {
        for (SNSEvent.SNSRecord record : event.getRecords()) {
            SNSEvent.SNS message = record.getSNS();
            if (message.getMessageAttributes().containsKey("processed")) continue;
            sns.publish(PublishRequest.builder()
                .topicArn(System.getenv("TOPIC_ARN"))
                .message(message.getMessage())
                .messageAttributes(Map.of("processed",
                    MessageAttributeValue.builder().dataType("String").stringValue("true").build()))
                .build());
        }
    }
}
