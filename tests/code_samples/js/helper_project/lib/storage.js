const { S3Client, PutObjectCommand, CopyObjectCommand } = require("@aws-sdk/client-s3");

const s3 = new S3Client({});

async function saveThumbnail(bucket, key, body) {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function archive(key) {
  await s3.send(new CopyObjectCommand({ Bucket: "archive-bucket", CopySource: key, Key: `archive/${key}` }));
}

module.exports = { saveThumbnail, archive };
