using Amazon.S3;
using Amazon.S3.Model;

namespace Conformance;

public class Function
{
    private const string Source = "reports/summary.csv";

    private readonly IAmazonS3 _s3 = new AmazonS3Client();

    public async Task handler(object input, ILambdaContext context)
    {
        var bucket = Environment.GetEnvironmentVariable("OUT");
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = Path.ChangeExtension(Source, ".json"),
            ContentBody = "",
        });
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = "copies/" + Path.GetFileName(Source),
            ContentBody = "",
        });
    }
}
