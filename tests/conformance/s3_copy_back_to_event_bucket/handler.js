const AWS = require("aws-sdk");
const path = require("path");
const s3 = new AWS.S3();

exports.handler = async (event) => {
  const record = event.Records[0];
  const bucket = record.s3.bucket.name;
  const key = record.s3.object.key;
  await s3.copyObject({ Bucket: bucket, Key: "copies/" + path.basename(key), CopySource: `${bucket}/${key}` }).promise();
};
