"""Sample: a thumbnailer whose write lives in a sibling module and a package."""

import logging
import urllib.parse

import storage
from lib.keys import thumbnail_key

LOG = logging.getLogger(__name__)


def handler(event, context):
    for record in event["Records"]:
        source_key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        if source_key.startswith("thumbnails/"):
            LOG.info("skipping our own output %s", source_key)
            continue
        storage.save_thumbnail(record["s3"]["bucket"]["name"], thumbnail_key(source_key), b"...")
    return {"done": len(event["Records"])}
