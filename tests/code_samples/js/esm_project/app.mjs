import { store } from "./lib/store.mjs";
import publishDone from "./lib/notify.mjs";

export async function handler(event) {
  const { bucket, object } = event.Records[0].s3;
  await store(bucket.name, object.key.replace("incoming/", "done/"));
  await publishDone(object.key);
}
