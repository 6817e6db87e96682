"""The interface every bucket implements, and the helpers they share."""

from __future__ import annotations

import abc
import contextlib
import errno
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mediamill.buckets.object_keys import validate_bucket_name, validate_key
from mediamill.errors import (
    InvalidKeyError,
    ObjectExistsError,
    ObjectNotFoundError,
    OutputError,
)

CHUNK_SIZE = 8 * 1024 * 1024
"""Bytes moved per read or write when copying a stream; the most a copy holds in memory."""

# Temporary files sit beside their final name until complete, e.g. ".song.mp3.1a2b3c4d5e6f.part"
# (the engine names its outputs the same way). A writer may put a tag (a job's ID) before the
# random part, ".song.mp3.1748000000000-abcdef.1a2b3c4d5e6f.part", so that what a dead writer
# left can be told from what a live one is still writing (``Bucket.remove_temporary``).
_TEMP_NAME = re.compile(r"\..*\.[0-9a-f]{12}\.part", re.S)
_TAG = re.compile(r"[A-Za-z0-9-]{1,40}")


#: Longest file name most file systems allow (NAME_MAX), in bytes of UTF-8.
NAME_MAX_BYTES = 255


def temp_name(final_name: str, tag: str = "") -> str:
    return f"{temp_prefix(final_name, tag)}{uuid.uuid4().hex[:12]}.part"


def temp_prefix(final_name: str, tag: str = "") -> str:
    """What every temporary name of ``final_name`` written with ``tag`` starts with.

    The final name is shortened, in bytes (an emoji is four), so the temporary name stays
    within NAME_MAX.
    """
    if tag and not _TAG.fullmatch(tag):
        raise ValueError(f"a temporary-name tag is 1-40 letters, digits and '-', not {tag!r}")
    short = final_name.encode()[:150].decode(errors="ignore")
    return f".{short}.{tag + '.' if tag else ''}"


def is_temp_name(name: str) -> bool:
    return _TEMP_NAME.fullmatch(name) is not None


def folder_in_the_way(key: str) -> InvalidKeyError:
    """The error for a key that names a folder of other objects (``a`` when ``a/b`` exists)."""
    return InvalidKeyError(key, f"{key!r} is a folder holding other objects ({key + '/...'!r})")


def copy_stream(source: BinaryIO, target: BinaryIO, chunk_size: int = CHUNK_SIZE) -> int:
    """Copy ``source`` to ``target`` one chunk at a time; returns the number of bytes."""
    total = 0
    while True:
        chunk = source.read(chunk_size)
        if not chunk:
            return total
        target.write(chunk)
        total += len(chunk)
        del chunk  # before the next read, so that only one chunk is ever held


@dataclass(frozen=True)
class ObjectInfo:
    """An object in a listing: its key, size, version and when it last changed."""

    key: str
    size: int
    version: str  # the ETag without quotes, or "<size>-<mtime ns>" for a file in a folder
    modified: float  # seconds since the epoch


class Bucket(abc.ABC):
    """A named place for objects, read and written as streams, never whole in memory.

    Every key is checked with ``keys.validate_key`` before any I/O. Writes are atomic: a reader
    sees the previous object or the complete new one, never part of one.
    """

    def __init__(self, name: str) -> None:
        self.name = validate_bucket_name(name)

    @abc.abstractmethod
    def open_read(self, key: str) -> BinaryIO:
        """The object's bytes as a stream; use it as a context manager.

        Raises ``ObjectNotFoundError`` when there is no object under ``key``.
        """

    @abc.abstractmethod
    def write(self, key: str, stream: BinaryIO, *, overwrite: bool = True, tag: str = "") -> int:
        """Store what ``stream`` yields under ``key``, replacing any object there.

        Returns the number of bytes stored. If ``stream`` raises, nothing is stored.

        With ``overwrite=False`` the object is created only if the key is free at the moment
        it appears (create-if-absent, not check-then-write): otherwise ``ObjectExistsError``
        (code 3002) and nothing is stored, even when another writer took the key while this
        one was copying. ``InvalidKeyError`` when the key cannot be an object here because of
        another (``a`` is a folder holding ``a/b``, or ``a`` is an object and the key is
        ``a/b``). ``tag`` (a job's ID) goes into the name of any temporary file, so
        ``remove_temporary`` can find what a killed writer left.
        """

    def check_creatable(self, key: str) -> None:
        """Raise if ``write(key, ..., overwrite=False)`` is bound to fail; return otherwise.

        ``ObjectExistsError`` when an object has the key, ``InvalidKeyError`` when other
        objects make the key impossible. A check ahead of work, not a reservation: the write
        itself checks again.
        """
        if self.exists(key):
            raise ObjectExistsError(self.name, key)

    def remove_temporary(self, key: str, tag: str) -> list[str]:
        """Remove the temporary files of writes of ``key`` tagged ``tag``; return their names.

        For a writer that was killed mid-write (its temporary files stay beside the final
        name). Call it only when no live writer uses ``tag``. Buckets without visible
        temporary files (S3: an unfinished upload is not an object) have nothing to remove.
        """
        return []

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """The object's size in bytes; ``ObjectNotFoundError`` when there is none."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object. A missing object is not an error, so a retried delete succeeds."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterator[str]:
        """The keys that start with ``prefix``.

        Local folders and AWS give them in lexicographic order; some S3-compatible servers
        do not (SeaweedFS lists folder by folder), so sort when order matters.
        """

    def list_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """The objects under ``prefix`` with their sizes and versions (see ``ObjectInfo``).

        For watching a bucket: a version that changes means the object changed. The version
        is the one ``events.object_created`` announces for the same object.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot list object versions")

    def check(self) -> None:
        """Raise ``BucketError`` saying why the bucket cannot be used; return if it can.

        The default lists one key, which reaches the storage behind the bucket.
        """
        next(iter(self.list()), None)

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except ObjectNotFoundError:
            return False
        return True

    def local_path(self, key: str) -> Path | None:
        """The file holding the object when the bucket is a local folder, else None.

        Lets a worker read a local object in place instead of copying it first.
        """
        return None

    def presigned_url(
        self, key: str, expires_in: int, *, download_name: str | None = None
    ) -> str | None:
        """A URL anyone holding it may GET the object from for ``expires_in`` seconds.

        None for buckets that cannot give one (local folders: the server streams those
        itself). ``download_name`` asks the storage to serve the object as an attachment
        under that name.
        """
        return None

    def upload_file(
        self, key: str, path: str | os.PathLike[str], *, overwrite: bool = True, tag: str = ""
    ) -> int:
        """Store a local file under ``key``; returns its size. Options as for ``write``."""
        with open(path, "rb") as source:
            return self.write(key, source, overwrite=overwrite, tag=tag)

    def download_file(
        self, key: str, path: str | os.PathLike[str], *, overwrite: bool = True
    ) -> int:
        """Copy an object into a local file, which appears only once complete.

        With ``overwrite=False`` an existing file is never replaced, not even one created
        while the download ran (``OutputError`` with code 3002). Returns the size.
        """
        validate_key(key)
        final = Path(path)
        temp = final.with_name(temp_name(final.name))
        try:
            with open(temp, "xb") as out:
                size = self._read_into(key, out)
                out.flush()
                os.fsync(out.fileno())
            _publish(temp, final, overwrite)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise OutputError(f"cannot write {str(final)!r}: {reason}", code=9000) from exc
        finally:
            # Any failure here is secondary: it must not replace the error being raised.
            with contextlib.suppress(OSError):
                os.unlink(temp)
        return size

    def _read_into(self, key: str, out: BinaryIO) -> int:
        """Write the object into ``out`` (a local file); returns its size."""
        with self.open_read(key) as source:
            return copy_stream(source, out)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def _publish(temp: Path, final: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(temp, final)
        return
    try:
        rename_new(temp, final)
    except FileExistsError as exc:
        raise OutputError(f"{str(final)!r} already exists", code=3002) from exc


# link() errors meaning "this file system has no hard links", not "this name is taken".
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK}


def rename_new(temp: Path, final: Path) -> None:
    """Give the file ``temp`` the name ``final`` only if no file has it (``FileExistsError``).

    link() fails when the name exists, atomically, whatever appeared meanwhile; ``temp`` is
    left for the caller to remove. File systems without hard links (some network and FUSE
    ones) get an empty file created with O_EXCL, which reserves the name, then the rename:
    never a replacement, but a reader may see the empty file for that moment.
    """
    try:
        os.link(temp, final)
        return
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
    os.close(os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    os.replace(temp, final)
