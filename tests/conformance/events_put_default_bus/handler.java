import java.util.Map;

import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;

public class Handler {
    private final EventBridgeClient events = EventBridgeClient.create();

    public void handler(Map<String, Object> event) {
        events.putEvents(PutEventsRequest.builder()
            .entries(PutEventsRequestEntry.builder().source("app.orders").detailType("OrderPlaced").detail("{}").build())
            .build());
    }
}
