import java.util.Map;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchRequest;
import software.amazon.awssdk.services.firehose.model.Record;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordRequest;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.StartExecutionRequest;

public class Handler {
    private final KinesisClient kinesis = KinesisClient.create();
    private final FirehoseClient firehose = FirehoseClient.create();
    private final SfnClient sfn = SfnClient.create();

    public void handler(Map<String, Object> event) {
        kinesis.putRecord(PutRecordRequest.builder()
            .streamARN(System.getenv("STREAM_ARN")).data(SdkBytes.fromUtf8String("x")).partitionKey("p").build());
        firehose.putRecordBatch(PutRecordBatchRequest.builder()
            .deliveryStreamName("archive").records(Record.builder().data(SdkBytes.fromUtf8String("x")).build()).build());
        sfn.startExecution(StartExecutionRequest.builder().stateMachineArn(System.getenv("MACHINE")).input("{}").build());
    }
}
