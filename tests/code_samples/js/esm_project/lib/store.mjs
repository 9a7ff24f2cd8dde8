import { S3 } from "@aws-sdk/client-s3";

const s3 = new S3({});

export const store = async (bucket, key) => {
  await s3.putObject({ Bucket: bucket, Key: key, Body: "" });
};
