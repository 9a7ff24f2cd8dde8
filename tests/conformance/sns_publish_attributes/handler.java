import java.util.HashMap;
import java.util.Map;

import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishRequest;

public class Handler {
    private final SnsClient sns = SnsClient.create();

    public void handler(Map<String, Object> event) {
        Map<String, MessageAttributeValue> attributes = new HashMap<>();
        attributes.put("kind", MessageAttributeValue.builder().dataType("String").stringValue("result").build());
        attributes.put("origin", MessageAttributeValue.builder().dataType("String").stringValue("worker").build());
        sns.publish(PublishRequest.builder()
            .topicArn(System.getenv("TOPIC"))
            .message("done")
            .messageAttributes(attributes)
            .build());
    }
}
