using Amazon.Kinesis;
using Amazon.KinesisFirehose;
using Amazon.StepFunctions;
using Amazon.StepFunctions.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonKinesis _kinesis = new AmazonKinesisClient();
    private readonly IAmazonKinesisFirehose _firehose = new AmazonKinesisFirehoseClient();
    private readonly IAmazonStepFunctions _sfn = new AmazonStepFunctionsClient();

    public async Task handler(object input, ILambdaContext context)
    {
        await _kinesis.PutRecordAsync(new Amazon.Kinesis.Model.PutRecordRequest
        {
            StreamARN = Environment.GetEnvironmentVariable("STREAM_ARN"),
            Data = new MemoryStream(new byte[] { 120 }),
            PartitionKey = "p",
        });
        await _firehose.PutRecordBatchAsync(new Amazon.KinesisFirehose.Model.PutRecordBatchRequest
        {
            DeliveryStreamName = "archive",
            Records = new List<Amazon.KinesisFirehose.Model.Record>
            {
                new Amazon.KinesisFirehose.Model.Record { Data = new MemoryStream(new byte[] { 120 }) },
            },
        });
        await _sfn.StartExecutionAsync(new StartExecutionRequest
        {
            StateMachineArn = Environment.GetEnvironmentVariable("MACHINE"),
            Input = "{}",
        });
    }
}
