"""Where an upload's bytes wait until it is complete: in the destination bucket itself.

- **Folder buckets**: a hidden staging file beside the final key (``.NAME.RANDOM.part``,
  which listings skip), appended to and synced; published with the buckets' create-if-absent
  rename when complete, so a reader never sees part of a file and nothing is overwritten.
- **S3 buckets**: a multipart upload. S3 takes parts of at least 5 MiB (but the last), so
  bytes are sent in parts of ``part_size``; a request whose body ends inside a part keeps
  that tail only if it is the end of the file. Otherwise the tail is dropped and the offset
  reported is the end of the last whole part: the client sends the rest again from there
  (tus lets the server say how far it got). One part per request is in memory, never more,
  and nothing has to survive between requests outside S3 and the database, so any server
  of a distributed installation can take the next piece.

Either way the offset is saved (``save``) only after the bytes it counts are stored: synced
to disk, or acknowledged by S3. A piece cut off mid-way is resumed from the saved offset.
"""

from __future__ import annotations

import contextlib
import math
import os
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from mediamill import settings
from mediamill.buckets import LocalBucket, S3Bucket, get_bucket
from mediamill.errors import ConfigurationError, LimitExceededError, ValidationError
from mediamill.uploads.models import Upload

MiB = 1024 * 1024
#: Parts of an S3 upload are this big when pieces are (S3's minimum is 5 MiB) ...
PART_SIZE = 8 * MiB
#: ... and an upload has at most this many (S3's maximum), so large files get larger parts.
MAX_PARTS = 10_000
#: Bytes read from a request at a time when appending to a staging file.
_READ_SIZE = 1 * MiB


class Readable(Protocol):
    """A request body, or any stream: ``read(n)`` gives at most ``n`` bytes, b"" at the end."""

    def read(self, size: int, /) -> bytes: ...


#: ``save(offset, part_etags)``: record durably stored progress.
Save = Callable[[int, list[str]], None]


class Staging(Protocol):
    """What holds one upload's bytes until it is complete."""

    def start(self, upload: Upload) -> None:
        """Prepare to receive ``upload`` (sets its staging fields; not saved here)."""

    def append(self, upload: Upload, stream: Readable, count: int, save: Save) -> int:
        """Store up to ``count`` bytes of ``stream`` at ``upload.offset``; the new offset."""

    def publish(self, upload: Upload) -> None:
        """Make the complete object appear under its key (create-if-absent)."""

    def discard(self, upload: Upload) -> None:
        """Remove what an unfinished upload stored; nothing to remove is not an error."""

    def local_copy(self, upload: Upload) -> contextlib.AbstractContextManager[Path]:
        """The published object as a local file, for probing."""


def staging_for(bucket_name: str) -> Staging:
    bucket = get_bucket(bucket_name)
    if isinstance(bucket, LocalBucket):
        return FolderStaging(bucket)
    if isinstance(bucket, S3Bucket):
        return MultipartStaging(bucket)
    raise ConfigurationError(f"bucket {bucket_name!r} cannot receive resumable uploads")


def chunk_limit() -> int:
    """The most bytes one request may carry (the request body limit of ``/uploads/``)."""
    return int(settings.get("MEDIAMILL_UPLOAD_CHUNK_MB")) * MiB


class FolderStaging:
    def __init__(self, bucket: LocalBucket) -> None:
        self.bucket = bucket

    def start(self, upload: Upload) -> None:
        upload.staging_name = self.bucket.staging_file(upload.key, tag="upload").name

    def append(self, upload: Upload, stream: Readable, count: int, save: Save) -> int:
        path = self.bucket.staged_path(upload.key, upload.staging_name)
        offset = upload.offset
        with open(path, "r+b") as out:
            # Bytes past the saved offset were never acknowledged (a request cut off while
            # they were written): they are sent again, so they go.
            out.truncate(offset)
            out.seek(offset)
            offset += _copy(stream, out, count)
            out.flush()
            os.fsync(out.fileno())
        save(offset, [])
        return offset

    def publish(self, upload: Upload) -> None:
        self.bucket.publish_staged(upload.key, upload.staging_name)

    def discard(self, upload: Upload) -> None:
        if upload.staging_name:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.bucket.staged_path(upload.key, upload.staging_name))

    @contextlib.contextmanager
    def local_copy(self, upload: Upload) -> Iterator[Path]:
        path = self.bucket.local_path(upload.key)
        assert path is not None
        yield path


class MultipartStaging:
    def __init__(self, bucket: S3Bucket) -> None:
        self.bucket = bucket

    def start(self, upload: Upload) -> None:
        upload.part_size = part_size(upload.length)
        upload.multipart_id = self.bucket.start_multipart(upload.key)
        upload.part_etags = []

    def append(self, upload: Upload, stream: Readable, count: int, save: Save) -> int:
        offset, size = upload.offset, upload.part_size
        if offset % size:  # never: offsets are saved at part boundaries only
            raise ValueError(f"upload {upload.id}: offset {offset} is inside a part")
        etags = list(upload.part_etags[: offset // size])
        left = count
        while left:
            data = _read_full(stream, min(left, size))
            left -= len(data)
            last = offset + len(data) == upload.length
            if len(data) < size and not last:
                break  # a tail that is not the file's end: the client sends it again
            number = len(etags) + 1
            etags.append(self.bucket.upload_part(upload.key, upload.multipart_id, number, data))
            offset += len(data)
            del data
            save(offset, etags)
            if last:
                break
        return offset

    def publish(self, upload: Upload) -> None:
        self.bucket.complete_multipart(upload.key, upload.multipart_id, list(upload.part_etags))

    def discard(self, upload: Upload) -> None:
        if upload.multipart_id:
            self.bucket.abort_multipart(upload.key, upload.multipart_id)

    @contextlib.contextmanager
    def local_copy(self, upload: Upload) -> Iterator[Path]:
        # The probe reads a file; the object is copied into the data folder (not /tmp, which
        # is often small) and removed after.
        folder = Path(settings.get("MEDIAMILL_DATA_DIR")) / "uploads-probing"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / uuid.uuid4().hex
        try:
            self.bucket.download_file(upload.key, path)
            yield path
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def part_size(length: int) -> int:
    """The part size for an S3 upload of ``length`` bytes: whole MiB, within S3's limits."""
    needed = max(min(PART_SIZE, chunk_limit()), math.ceil(length / MAX_PARTS / MiB) * MiB)
    # A part size that divides the piece size, so that whole pieces leave no tail behind.
    while needed < chunk_limit() and chunk_limit() % needed:
        needed += MiB
    if needed > chunk_limit():
        raise LimitExceededError(
            f"a file of {length} bytes needs parts of {needed // MiB} MiB in this bucket, "
            f"more than one request may carry (MEDIAMILL_UPLOAD_CHUNK_MB)"
        )
    return needed


def check_piece(upload: Upload, count: int) -> None:
    """Refuse a piece too small to make progress in an S3 upload (parts of ``part_size``)."""
    if upload.multipart_id and count < upload.part_size and upload.offset + count < upload.length:
        raise ValidationError(
            f"pieces of this upload must be at least {upload.part_size} bytes, except the last one"
        )


def _copy(stream: Readable, out: BinaryIO, count: int) -> int:
    """Copy up to ``count`` bytes of ``stream`` to ``out``; the number copied.

    When the stream is a file (the HTTP server keeps a large piece in a temporary file),
    the kernel copies (``sendfile``), which takes about half the time of reading into
    Python and writing out again. Otherwise a megabyte at a time.
    """
    source = _file_number(stream)
    if source is not None:
        position = cast(BinaryIO, stream).tell()
        copied = 0
        out.flush()
        while copied < count:
            sent = os.sendfile(out.fileno(), source, position + copied, count - copied)
            if not sent:
                break
            copied += sent
        cast(BinaryIO, stream).seek(position + copied)
        return copied
    copied = 0
    while copied < count:
        data = stream.read(min(count - copied, _READ_SIZE))
        if not data:
            break
        out.write(data)
        copied += len(data)
    return copied


def _file_number(stream: Readable) -> int | None:
    """The descriptor of a regular file behind ``stream``, or None."""
    try:
        number = int(stream.fileno())  # type: ignore[attr-defined]
        return number if stat.S_ISREG(os.fstat(number).st_mode) else None
    except (AttributeError, OSError, ValueError):
        return None


def _read_full(stream: Readable, size: int) -> bytes:
    parts = []
    while size > 0:
        data = stream.read(size)
        if not data:
            break
        parts.append(data)
        size -= len(data)
    return b"".join(parts)
