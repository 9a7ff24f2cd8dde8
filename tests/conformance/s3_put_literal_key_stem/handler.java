import java.nio.file.Paths;
import java.util.Map;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

public class Handler {
    private static final String SOURCE = "reports/summary.csv";
    private final S3Client s3 = S3Client.create();

    public void handler(Map<String, Object> event) {
        s3.putObject(PutObjectRequest.builder().bucket(System.getenv("OUT"))
            .key(SOURCE.substring(0, SOURCE.lastIndexOf(".")) + ".json").build(), RequestBody.empty());
        s3.putObject(PutObjectRequest.builder().bucket(System.getenv("OUT"))
            .key("copies/" + Paths.get(SOURCE).getFileName().toString()).build(), RequestBody.empty());
    }
}
