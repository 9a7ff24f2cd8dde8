using System.Text.RegularExpressions;
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
            var key = record.S3.Object.Key;
            if (Regex.IsMatch(key, @"^.*\.txt$"))
            {
                continue;
            }
            if (Regex.IsMatch(key, "^thumbs/", RegexOptions.IgnoreCase))
            {
                continue;
            }
            await _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = Environment.GetEnvironmentVariable("OUT"),
                Key = key + ".txt",
                ContentBody = "",
            });
        }
    }
}
