import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";

const client = new S3Client({});
const REPORTS: string = process.env.REPORTS_BUCKET ?? "";

export async function writeReport(key: string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: REPORTS, Key: `reports/${key}.json` }));
}
