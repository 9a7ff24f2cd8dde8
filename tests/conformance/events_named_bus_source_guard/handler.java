import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;

public class Handler {
    private final EventBridgeClient events = EventBridgeClient.create();

    public void handler(ScheduledEvent event) {
        if ("app.billing".equals(event.getSource())) return;
        events.putEvents(PutEventsRequest.builder()
            .entries(PutEventsRequestEntry.builder()
                .source("app.billing").eventBusName(System.getenv("BUS")).detail("{}").build())
            .build());
    }
}
