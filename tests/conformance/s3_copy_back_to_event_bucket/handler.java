import java.nio.file.Paths;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;

public class Handler {
    private final S3Client s3 = S3Client.create();

    public void handler(S3Event event) {
        S3EventNotificationRecord record = event.getRecords().get(0);
        String bucket = record.getS3().getBucket().getName();
        String key = record.getS3().getObject().getKey();
        s3.copyObject(CopyObjectRequest.builder()
            .sourceBucket(bucket).sourceKey(key)
            .destinationBucket(bucket).destinationKey("copies/" + Paths.get(key).getFileName().toString())
            .build());
    }
}
