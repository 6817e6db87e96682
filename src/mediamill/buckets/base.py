"""The interface every bucket implements, and the helpers they share."""

from __future__ import annotations

import abc
import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from mediamill.buckets.keys import validate_bucket_name, validate_key
from mediamill.errors import ObjectNotFoundError, OutputError

CHUNK_SIZE = 8 * 1024 * 1024
"""Bytes moved per read or write when copying a stream; the most a copy holds in memory."""

# Temporary files sit beside their final name until complete, e.g. ".song.mp3.1a2b3c4d5e6f.part"
# (the engine names its outputs the same way).
_TEMP_NAME = re.compile(r"\..*\.[0-9a-f]{12}\.part", re.S)


#: Longest file name most file systems allow (NAME_MAX), in bytes of UTF-8.
NAME_MAX_BYTES = 255


def temp_name(final_name: str) -> str:
    # The final name is shortened, in bytes (an emoji is four), so the temporary one stays
    # within NAME_MAX.
    short = final_name.encode()[:200].decode(errors="ignore")
    return f".{short}.{uuid.uuid4().hex[:12]}.part"


def is_temp_name(name: str) -> bool:
    return _TEMP_NAME.fullmatch(name) is not None


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
    def write(self, key: str, stream: BinaryIO) -> int:
        """Store what ``stream`` yields under ``key``, replacing any object there.

        Returns the number of bytes stored. If ``stream`` raises, nothing is stored.
        """

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

    def upload_file(self, key: str, path: str | os.PathLike[str]) -> int:
        """Store a local file under ``key``; returns its size."""
        with open(path, "rb") as source:
            return self.write(key, source)

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
    # A hard link fails if the name exists, so no file created meanwhile is replaced.
    try:
        os.link(temp, final)
    except FileExistsError as exc:
        raise OutputError(f"{str(final)!r} already exists", code=3002) from exc
    except OSError:
        # No hard links on this file system (some network and FUSE ones): check, then rename.
        if os.path.lexists(final):
            raise OutputError(f"{str(final)!r} already exists", code=3002) from None
        os.replace(temp, final)
