const { S3Client, DeleteObjectsCommand } = require("@aws-sdk/client-s3");
const s3 = new S3Client({});

exports.handler = async (event) => {
  const key = event.Records[0].s3.object.key;
  await s3.send(new DeleteObjectsCommand({ Bucket: "scratch", Delete: { Objects: [{ Key: "tmp/" + key }] } }));
};
