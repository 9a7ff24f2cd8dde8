using Amazon.Lambda.S3Events;
using Amazon.S3;
using Amazon.S3.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonS3 _s3 = new AmazonS3Client();

    public async Task handler(S3Event s3Event, ILambdaContext context)
    {
        var record = s3Event.Records[0];
        var bucket = record.S3.Bucket.Name;
        var key = record.S3.Object.Key;
        await _s3.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = bucket,
            SourceKey = key,
            DestinationBucket = bucket,
            DestinationKey = "copies/" + Path.GetFileName(key),
        });
    }
}
