import { writeReport } from "./report.js";
import type { S3Event } from "aws-lambda";

export const handler = async (event: S3Event): Promise<void> => {
  const key: string = event.Records[0].s3.object.key;
  await writeReport(key);
};
