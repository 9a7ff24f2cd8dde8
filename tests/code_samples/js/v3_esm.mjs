// SDK v3, ES modules: renamed imports, optional chaining, callbacks over the records.
import { S3Client as Client, PutObjectCommand as Put, DeleteObjectCommand } from "@aws-sdk/client-s3";
import * as path from "node:path";

const client = new Client({ region: process.env.AWS_REGION });
const { OUTPUT_BUCKET } = process.env;

export const handler = async (event) => {
  const bucketName = event?.Records?.[0]?.s3?.bucket?.name;
  await Promise.all(
    event.Records.map(async (record) => {
      const { bucket, object } = record.s3;
      if (!object.key.endsWith(".jpg")) return;
      const stem = path.parse(object.key).name;
      await client.send(new Put({ Bucket: OUTPUT_BUCKET, Key: `small/${stem}.webp`, Body: "" }));
      await client.send(new Put({ Bucket: bucket.name, Key: object.key.replace(/\.[^.]+$/, ".txt") }));
    })
  );
  event.Records.forEach((r) => {
    client.send(new DeleteObjectCommand({ Bucket: bucketName, Key: r.s3.object.key.split("/").pop() }));
  });
};
