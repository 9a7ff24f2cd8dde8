import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

public class Handler {
    private final S3Client s3 = S3Client.create();

    public void handler(S3Event event) {
        for (S3EventNotificationRecord record : event.getRecords()) {
            String key = record.getS3().getObject().getKey();
            if (key.startsWith("out/")) continue;
            s3.putObject(PutObjectRequest.builder().bucket(System.getenv("OUT")).key("out/" + key).build(),
                RequestBody.empty());
        }
    }
}
