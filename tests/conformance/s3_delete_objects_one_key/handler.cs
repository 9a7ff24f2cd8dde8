using Amazon.Lambda.S3Events;
using Amazon.S3;
using Amazon.S3.Model;

namespace Conformance;

public class Function
{
    private readonly IAmazonS3 _s3 = new AmazonS3Client();

    public async Task handler(S3Event s3Event, ILambdaContext context)
    {
        var key = s3Event.Records[0].S3.Object.Key;
        await _s3.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = "scratch",
            Objects = new List<KeyVersion> { new KeyVersion { Key = "tmp/" + key } },
        });
    }
}
