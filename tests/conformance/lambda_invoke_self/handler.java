import java.util.Map;

import com.amazonaws.services.lambda.runtime.Context;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeRequest;

public class Handler {
    private final LambdaClient lambda = LambdaClient.create();

    public void handler(Map<String, Object> event, Context context) {
        lambda.invoke(InvokeRequest.builder()
            .functionName(context.getFunctionName())
            .invocationType(InvocationType.EVENT)
            .payload(SdkBytes.fromUtf8String(event.toString()))
            .build());
    }
}
