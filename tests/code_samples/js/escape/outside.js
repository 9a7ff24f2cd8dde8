// Lives outside the code root: must never be read.
const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");
exports.leak = async () => new S3Client({}).send(new PutObjectCommand({ Bucket: "outside", Key: "x" }));
