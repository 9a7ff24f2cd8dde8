"""Files named by the user rather than found by the scan: the configuration, the baseline,
the report and baseline written with --output / --write-baseline.

Only regular files are read, and at most MAX_READ_BYTES of them: a FIFO would block forever
and /dev/zero would grow without end. A file is checked on the descriptor it was opened by
(opened non-blocking, so a FIFO cannot hold the open up). Reports are written to a regular
file, to the process's own stdout/stderr (`/dev/stdout`) or to the null device; nothing else.
Every refusal is a UserFileError whose message is one line naming the path.
"""

from __future__ import annotations

import os
import stat
from typing import Optional

MAX_READ_BYTES = 50 * 1024 * 1024


class UserFileError(Exception):
    """A named file that cannot be used; the message is one line and names the path."""


def describe(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_bytes(path: str, limit: Optional[int] = None) -> bytes:
    """The contents of a regular file of at most `limit` bytes (default MAX_READ_BYTES;
    symlinks followed)."""
    limit = MAX_READ_BYTES if limit is None else limit
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise UserFileError(f"{path}: cannot be read ({_reason(exc)})") from exc
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise UserFileError(f"{path}: {describe(info.st_mode)}, not a regular file: not read")
        if info.st_size > limit:
            raise UserFileError(f"{path}: file is {info.st_size} bytes, over the {limit}-byte limit")
        with os.fdopen(descriptor, "rb") as handle:
            descriptor = -1  # the handle closes it now
            data = handle.read(limit + 1)  # a file that grows while read stays bounded
    except OSError as exc:
        raise UserFileError(f"{path}: cannot be read ({_reason(exc)})") from exc
    finally:
        if descriptor >= 0:
            os.close(descriptor)
    if len(data) > limit:
        raise UserFileError(f"{path}: file is over the {limit}-byte limit")
    return data


def read_text(path: str, limit: Optional[int] = None) -> str:
    """read_bytes, decoded as UTF-8 (a leading byte order mark dropped)."""
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserFileError(f"{path}: not UTF-8 text (byte offset {exc.start})") from exc


def _same_file(info: os.stat_result, other: os.stat_result) -> bool:
    return (info.st_dev, info.st_ino) == (other.st_dev, other.st_ino)


def _own_stream_or_null(info: os.stat_result) -> bool:
    """The process's own stdout or stderr (`-o /dev/stdout` into a pipe or a terminal), or
    the null device."""
    for descriptor in (1, 2):
        try:
            if _same_file(info, os.fstat(descriptor)):
                return True
        except OSError:
            continue
    try:
        return _same_file(info, os.stat(os.devnull))
    except OSError:
        return False


def check_writable(path: str) -> None:
    """Refuse, before any work is done, a report target that could not be written or is not
    a place for a report (a FIFO would block, a device would take the report nowhere)."""
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise UserFileError(f"{path}: cannot be written (no such folder {folder})") from exc
        return
    except OSError as exc:
        raise UserFileError(f"{path}: cannot be written ({_reason(exc)})") from exc
    if stat.S_ISREG(info.st_mode) or _own_stream_or_null(info):
        return
    raise UserFileError(f"{path}: {describe(info.st_mode)}, not a regular file: not written")


def write_text(path: str, text: str) -> None:
    """Write `text` (UTF-8) to `path`, after check_writable."""
    check_writable(path)
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UserFileError(f"{path}: cannot be written ({_reason(exc)})") from exc
