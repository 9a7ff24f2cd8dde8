// Thumbnailer, SDK v3, CommonJS. Writes back into the bucket that triggered it, behind
// a key guard and a metadata guard.
"use strict";

const { S3Client, PutObjectCommand, HeadObjectCommand, CopyObjectCommand } = require("@aws-sdk/client-s3");
const path = require("path");

const s3 = new S3Client({});
const ARCHIVE = process.env.ARCHIVE_BUCKET;

exports.handler = async (event, context) => {
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    if (key.startsWith("thumbnails/")) {
      console.log("already a thumbnail", key);
      continue;
    }
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    if (head.Metadata?.["thumbnail-of"]) continue;

    const thumbKey = path.join("thumbnails", path.basename(key));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: thumbKey,
        Body: "...",
        Metadata: { "thumbnail-of": key },
      })
    );
    await s3.send(new CopyObjectCommand({ Bucket: ARCHIVE, CopySource: `${bucket}/${key}`, Key: key }));
  }
  return { done: context.functionName };
};
