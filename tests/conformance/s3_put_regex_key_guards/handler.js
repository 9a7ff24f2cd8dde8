const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");
const s3 = new S3Client({});

exports.handler = async (event) => {
  for (const record of event.Records) {
    const key = record.s3.object.key;
    if (/^.*\.txt$/.test(key)) continue;
    if (/^thumbs\//i.test(key)) continue;
    await s3.send(new PutObjectCommand({ Bucket: process.env.OUT, Key: key + ".txt", Body: "" }));
  }
};
