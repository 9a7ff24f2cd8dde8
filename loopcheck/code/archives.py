"""Handler code inside a local .zip archive (a SAM `CodeUri: fn.zip`, a CloudFormation
`Code: fn.zip`, a Terraform `filename = "fn.zip"` committed beside the .tf files): list it
safely, find the handler's member, and give the analysers a private copy of it on disk.

Nothing in an archive is ever run. An archive is refused as a whole, with a one-line reason
that becomes the function's code note (permissions then decide, as for any code not read),
when it is larger than Lambda accepts for a direct upload, holds too many members or too many
uncompressed bytes (a zip bomb: sizes are counted while inflating, not taken from the
headers), names a member by an absolute path or with `..` (zip slip), holds a symbolic link
or a special file, is encrypted, names a member twice, or is not a readable zip.

The analysers read files from a folder, so the archive is extracted to a temporary folder
that only this process can open (tempfile.mkdtemp), analysed, and removed. What they report
names the temporary folder; `relabel` rewrites it to the archive as the template spells it,
so a location reads `fn/process.zip/process.py:13` (the archive's path, then the member's)
and the output is the same on every run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Dict, Iterator, List, Tuple

# -- limits (data: what loopcheck accepts from an archive) ------------------------------------
MAX_ARCHIVE_BYTES = 50 * 1024 * 1024  # Lambda's limit for a .zip uploaded directly
MAX_MEMBERS = 10_000  # entries of the archive, folders included
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024  # all members together, as inflated
_CHUNK = 64 * 1024


class ArchiveError(Exception):
    """Why an archive is not read: str() is the reason, naming the archive as shown."""


def is_archive(path: Path) -> bool:
    """Whether a code location that is a file is meant as a zip archive: by its name, or by
    its content when the name says nothing."""
    if path.suffix.lower() == ".zip":
        return True
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def member_name(name: str) -> str:
    """A member's path in the archive, normalised (`./a//b.py` -> `a/b.py`); raises
    ArchiveError when it would leave the folder it is extracted to."""
    parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]
    if (name.startswith(("/", "\\")) or PureWindowsPath(name).drive or ".." in parts
            or any("\0" in part for part in parts)):
        raise ArchiveError(f"member {name!r} leaves the archive's folder (an absolute path or ..)")
    return "/".join(parts)


def _kind(info: zipfile.ZipInfo) -> str:
    """"file" or "folder"; raises ArchiveError for a symbolic link or a special file (the Unix
    mode in the high bits of external_attr, where the archiver wrote one)."""
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise ArchiveError(f"member {info.filename!r} is a symbolic link")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise ArchiveError(f"member {info.filename!r} is not a regular file")
    return "folder" if info.is_dir() or kind == stat.S_IFDIR else "file"


def _members(archive: zipfile.ZipFile) -> Dict[str, Tuple[zipfile.ZipInfo, str]]:
    """name -> (entry, "file" | "folder"), every entry checked."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ArchiveError(f"more than {MAX_MEMBERS} members")
    members: Dict[str, Tuple[zipfile.ZipInfo, str]] = {}
    declared = 0
    for info in infos:
        name = member_name(info.filename)
        kind = _kind(info)
        if info.flag_bits & 0x1:
            raise ArchiveError(f"member {info.filename!r} is encrypted")
        if name in members and not (kind == "folder" and members[name][1] == "folder"):
            raise ArchiveError(f"member {name!r} appears twice")
        if name:
            members[name] = (info, kind)
        declared += info.file_size
        if declared > MAX_UNCOMPRESSED_BYTES:
            raise ArchiveError(f"more than {MAX_UNCOMPRESSED_BYTES} bytes uncompressed")
    return members


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        info = path.stat()
    except OSError as error:
        raise ArchiveError(f"cannot read: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ArchiveError("not a regular file")
    if info.st_size > MAX_ARCHIVE_BYTES:
        raise ArchiveError(f"larger than {MAX_ARCHIVE_BYTES} bytes")
    try:
        with zipfile.ZipFile(path) as archive:
            yield archive
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError,
            RuntimeError, ValueError) as error:
        raise ArchiveError(f"not a readable zip archive ({error})") from None
    except OSError as error:
        raise ArchiveError(f"cannot read: {error.strerror or error}") from None


def list_files(path: Path) -> List[str]:
    """The names of the files (not folders) in an archive, normalised; raises ArchiveError."""
    with _opened(path) as archive:
        return [name for name, (_, kind) in _members(archive).items() if kind == "file"]


@contextlib.contextmanager
def extracted(path: Path) -> Iterator[Path]:
    """The archive's files in a private temporary folder (its real path), removed on exit;
    raises ArchiveError (the folder removed) when the archive is refused."""
    folder = Path(tempfile.mkdtemp(prefix="loopcheck-zip-")).resolve()
    try:
        with _opened(path) as archive:
            _extract(archive, _members(archive), folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _extract(archive: zipfile.ZipFile, members: Dict[str, Tuple[zipfile.ZipInfo, str]], folder: Path) -> None:
    written = 0
    for name in sorted(members):
        info, kind = members[name]
        target = folder.joinpath(*PurePosixPath(name).parts)
        if not target.is_relative_to(folder):  # member_name refused this already; never write outside
            raise ArchiveError(f"member {info.filename!r} leaves the archive's folder")
        try:
            if kind == "folder":
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(target, "xb") as sink:
                while True:
                    chunk = source.read(_CHUNK)
                    if not chunk:
                        break
                    written += len(chunk)
                    if written > MAX_UNCOMPRESSED_BYTES:  # the headers understated the sizes
                        raise ArchiveError(f"more than {MAX_UNCOMPRESSED_BYTES} bytes uncompressed")
                    sink.write(chunk)
        except OSError as error:  # a file and a folder of the same name, a full disk
            why = error.strerror or error
            raise ArchiveError(f"member {info.filename!r} cannot be extracted: {why}") from None


def reason(shown: str, error: ArchiveError) -> str:
    """A refused archive as a code note: `code archive fn/x.zip not read: <why>`."""
    return f"code archive {shown} not read: {error}"


def relabel(value: Any, folder: str, shown: str) -> Any:
    """`value` (CodeFacts, or anything in them) with every mention of the temporary `folder`
    written as the archive's shown path: the report names `fn/x.zip/app.py`, never /tmp."""
    if isinstance(value, str):
        return value.replace(folder, shown) if folder in value else value
    if isinstance(value, list):
        return [relabel(item, folder, shown) for item in value]
    if isinstance(value, tuple):
        return tuple(relabel(item, folder, shown) for item in value)
    if isinstance(value, dict):
        return {key: relabel(item, folder, shown) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: relabel(getattr(value, f.name), folder, shown)
                   for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value


__all__ = ["ArchiveError", "extracted", "is_archive", "list_files", "member_name", "reason", "relabel",
           "MAX_ARCHIVE_BYTES", "MAX_MEMBERS", "MAX_UNCOMPRESSED_BYTES"]
