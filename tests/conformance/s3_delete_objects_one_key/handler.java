import com.amazonaws.services.lambda.runtime.events.S3Event;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

public class Handler {
    private final S3Client s3 = S3Client.create();

    public void handler(S3Event event) {
        String key = event.getRecords().get(0).getS3().getObject().getKey();
        s3.deleteObjects(DeleteObjectsRequest.builder()
            .bucket("scratch")
            .delete(Delete.builder().objects(ObjectIdentifier.builder().key("tmp/" + key).build()).build())
            .build());
    }
}
