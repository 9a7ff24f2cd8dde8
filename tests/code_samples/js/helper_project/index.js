// The write happens in a sibling module; the handler passes the bucket and key.
const { saveThumbnail } = require("./lib/storage");
const storage = require("./lib/storage");

exports.handler = async (event) => {
  for (const record of event.Records) {
    const key = record.s3.object.key;
    if (key.startsWith("thumbs/")) continue;
    await saveThumbnail(process.env.THUMBS, `thumbs/${key}`, Buffer.from(""));
    await storage.archive(key);
  }
};
