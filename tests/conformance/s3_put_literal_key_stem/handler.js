const path = require("path");
const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");
const s3 = new S3Client({});
const SOURCE = "reports/summary.csv";

exports.handler = async () => {
  await s3.send(new PutObjectCommand({ Bucket: process.env.OUT, Key: SOURCE.slice(0, SOURCE.lastIndexOf(".")) + ".json" }));
  await s3.send(new PutObjectCommand({ Bucket: process.env.OUT, Key: "copies/" + path.basename(SOURCE) }));
};
