"""Which IAM-authorised S3 actions emit which S3 event notification types.

Sources: S3 User Guide, "Event notification types and destinations" and "Supported event
types"; IAM Service Authorization Reference for Amazon S3 (s3:PutObject authorises
PutObject, POST uploads, the destination write of CopyObject and the multipart calls).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Dict, Iterable, Tuple

CREATED = (
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
)

# IAM action -> notification event types a call it authorises can emit.
ACTION_EVENTS: Dict[str, Tuple[str, ...]] = {
    "s3:PutObject": CREATED,
    "s3:DeleteObject": ("s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated"),
    "s3:DeleteObjectVersion": ("s3:ObjectRemoved:Delete",),
    "s3:PutObjectTagging": ("s3:ObjectTagging:Put",),
    "s3:PutObjectVersionTagging": ("s3:ObjectTagging:Put",),
    "s3:DeleteObjectTagging": ("s3:ObjectTagging:Delete",),
    "s3:DeleteObjectVersionTagging": ("s3:ObjectTagging:Delete",),
    "s3:PutObjectAcl": ("s3:ObjectAcl:Put",),
    "s3:PutObjectVersionAcl": ("s3:ObjectAcl:Put",),
    "s3:RestoreObject": ("s3:ObjectRestore:Post", "s3:ObjectRestore:Completed"),
}

# API call -> event it emits; used when handler code names the call (later stages).
API_EVENTS: Dict[str, Tuple[str, ...]] = {
    "PutObject": ("s3:ObjectCreated:Put",),
    "PostObject": ("s3:ObjectCreated:Post",),
    "CopyObject": ("s3:ObjectCreated:Copy",),
    "CompleteMultipartUpload": ("s3:ObjectCreated:CompleteMultipartUpload",),
    # SDK helpers switch to multipart above a size threshold.
    "UploadFile": ("s3:ObjectCreated:Put", "s3:ObjectCreated:CompleteMultipartUpload"),
    "DeleteObject": ("s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated"),
    "DeleteObjects": ("s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated"),
}


@lru_cache(maxsize=4096)  # a few dozen event types, asked for every grant of every hop
def event_matches(subscribed: str, emitted: str) -> bool:
    """A notification's event type (`s3:ObjectCreated:*`) against one emitted type."""
    return fnmatchcase(emitted.lower(), subscribed.lower())


def matching_events(subscribed: Iterable[str], emitted: Iterable[str]) -> Tuple[str, ...]:
    subscribed = tuple(subscribed)
    return tuple(e for e in emitted if any(event_matches(s, e) for s in subscribed))
