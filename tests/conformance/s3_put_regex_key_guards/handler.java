import java.util.regex.Pattern;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

public class Handler {
    private static final Pattern THUMBS = Pattern.compile("^thumbs/", Pattern.CASE_INSENSITIVE);
    private final S3Client s3 = S3Client.create();

    public void handler(S3Event event) {
        for (S3EventNotificationRecord record : event.getRecords()) {
            String key = record.getS3().getObject().getKey();
            if (key.matches("^.*\\.txt$")) continue;
            if (THUMBS.matcher(key).find()) continue;
            s3.putObject(PutObjectRequest.builder().bucket(System.getenv("OUT")).key(key + ".txt").build(),
                RequestBody.empty());
        }
    }
}
