using Amazon.Lambda.S3Events;
using Amazon.S3;
using Amazon.S3.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonS3 _s3 = new AmazonS3Client();

    public async Task handler(S3Event s3Event, ILambdaContext context)
    {
        foreach (var record in s3Event.Records)
        {
            var bucket = record.S3.Bucket.Name;
            var key = record.S3.Object.Key;
            if (!key.StartsWith("uploads/"))
            {
                continue;
            }
            await _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = bucket,
                Key = "processed/" + key.Substring(8),
                ContentBody = "",
            });
        }
    }
}
