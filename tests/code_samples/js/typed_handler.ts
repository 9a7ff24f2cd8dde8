// TypeScript: types, interfaces, generics and casts must not get in the way.
import { S3Client, PutObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import type { S3Event, S3EventRecord, S3Handler, Context } from "aws-lambda";

interface Settings<T = string> {
  bucket: T;
  prefix: string;
}

enum Stage {
  Raw = "raw",
  Clean = "clean",
}

const s3: S3Client = new S3Client({});
const settings: Settings = { bucket: process.env.CLEAN_BUCKET as string, prefix: "clean/" };

function firstOf<T>(items: T[]): T {
  return items[0];
}

export const handler: S3Handler = async (event: S3Event, context: Context): Promise<void> => {
  const record = event.Records[0] as S3EventRecord;
  const label = firstOf<string>(["a", "b"]);
  const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " ")) as string;
  if (!key.startsWith("raw/")) {
    return;
  }
  const response = await s3.send(new GetObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));
  if ((response.Metadata as Record<string, string>)?.stage === Stage.Clean) return;
  const out = <string>key.replace("raw/", "clean/");
  await s3.send(new PutObjectCommand({ Bucket: record.s3.bucket.name!, Key: out, Body: "" }));
  await s3.send(new PutObjectCommand({ Bucket: settings.bucket, Key: `${label}/${key satisfies string}` }));
};
