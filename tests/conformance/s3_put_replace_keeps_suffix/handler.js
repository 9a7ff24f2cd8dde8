const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");
const s3 = new S3Client({});

exports.handler = async (event) => {
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = record.s3.object.key;
    if (!key.endsWith(".jpg")) continue;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key.replace(".jpg", "_thumb.jpg"), Body: "" }));
  }
};
