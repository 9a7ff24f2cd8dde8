// Multipart upload through @aws-sdk/lib-storage, and a command built before it is sent.
import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const s3 = new S3Client({});

export const handler = async (event) => {
  const src = event.Records[0].s3;
  const upload = new Upload({
    client: s3,
    params: { Bucket: src.bucket.name, Key: `uploads/${src.object.key}`, Body: "stream" },
  });
  await upload.done();

  const command = new PutObjectCommand({ Bucket: process.env.MARKERS, Key: "markers/done.txt" });
  await s3.send(command);
};
