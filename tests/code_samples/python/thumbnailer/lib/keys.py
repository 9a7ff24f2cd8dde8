"""Sample: output key naming."""

import os


def thumbnail_key(key):
    stem = os.path.splitext(os.path.basename(key))[0]
    return f"thumbnails/{stem}.png"
