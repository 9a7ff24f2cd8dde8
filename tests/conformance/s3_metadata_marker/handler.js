const { S3Client, HeadObjectCommand, PutObjectCommand } = require("@aws-sdk/client-s3");
const s3 = new S3Client({});

exports.handler = async (event) => {
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = record.s3.object.key;
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    if (head.Metadata.processed === "true") {
      continue;
    }
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "", Metadata: { processed: "true" } }));
  }
};
