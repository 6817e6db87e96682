"""A bucket on AWS S3 or an S3-compatible server (SeaweedFS, MinIO), through boto3.

boto3 is imported only when an S3 bucket is created, so the rest of mediamill runs without it
(``pip install 'mediamill[s3]'`` adds it). Transfers are streamed. An upload holds at most
``multipart_threshold`` plus ``max_concurrency`` parts in memory, plus boto3's own buffers
(about 60 MiB of growth measured for a 2 GiB upload, the same as for 64 MiB; see
docs/benchmarks.md). A download writes parts to their place in the file as they arrive. A
multipart upload is atomic by nature: the object appears only when the upload completes, and
a failed one is aborted.
"""

from __future__ import annotations

import contextlib
import functools
import io
import threading
import urllib.parse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from mediamill.buckets import events
from mediamill.buckets.base import CHUNK_SIZE, Bucket, ObjectInfo, folder_in_the_way
from mediamill.buckets.object_keys import validate_key
from mediamill.errors import (
    BucketError,
    ConfigurationError,
    MediamillError,
    ObjectExistsError,
    ObjectNotFoundError,
)

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MULTIPART_THRESHOLD = 16 * 1024 * 1024

_NOT_FOUND = {"NoSuchKey", "NotFound", "404"}
_DENIED = {"AccessDenied", "Forbidden", "403", "AllAccessDisabled"}
# A conditional write refused because the key is taken (412), or because another conditional
# write of the key is in progress (409 on AWS): either way, the key is not this writer's.
_CONDITION_FAILED = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}


class S3Bucket(Bucket):
    """The mediamill bucket ``name``, stored in the S3 bucket ``bucket``.

    Empty credentials leave boto3 to find its own (environment, ``~/.aws``, instance role).
    """

    def __init__(
        self,
        name: str,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        region: str = "us-east-1",
        multipart_threshold: int = MULTIPART_THRESHOLD,
        multipart_chunksize: int = CHUNK_SIZE,
        max_concurrency: int = 4,
    ) -> None:
        super().__init__(name)
        if not bucket:
            raise ConfigurationError(f"bucket {name!r}: the S3 bucket name is empty")
        self.bucket = bucket
        self.endpoint_url = endpoint_url or None
        credentials = (self.endpoint_url, access_key_id or None, secret_access_key or None, region)
        self._client = _client(*credentials)
        # Sends "If-None-Match: *" with every PutObject and CompleteMultipartUpload.
        self._create_client = _client(*credentials, create_only=True)
        transfer = _boto3().s3.transfer
        self._transfer = transfer.TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=multipart_chunksize,
            max_concurrency=max_concurrency,
            # The CRT client, when installed, would ignore these limits.
            preferred_transfer_client="classic",
        )
        # Parts read ahead from a stream that cannot seek; bounds an upload's memory.
        self._transfer.max_in_memory_upload_chunks = max_concurrency
        self._bucket_seen = False

    def __repr__(self) -> str:
        return f"<S3Bucket {self.name!r} at {self._where()}>"

    def open_read(self, key: str) -> BinaryIO:
        validate_key(key)
        with self._mapped(key):
            body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"]
        return io.BufferedReader(_ObjectStream(body, self), buffer_size=256 * 1024)

    def write(self, key: str, stream: BinaryIO, *, overwrite: bool = True, tag: str = "") -> int:
        """Store ``stream`` under ``key``; ``tag`` is unused (unfinished uploads are invisible).

        ``overwrite=False`` is a conditional write (``If-None-Match: *``), which AWS S3 and
        SeaweedFS honour: the server refuses (412) to create the object once another has the
        key, also when that one appeared during the upload. The key is looked up first as
        well, which refuses early and is all a server that ignores the condition gets.
        """
        validate_key(key)
        if not overwrite:
            self.check_creatable(key)
        source: Any = stream if _seekable(stream) else _FullReads(stream)
        counter = _Counter()
        client = self._client if overwrite else self._create_client
        try:
            with self._mapped(key):
                client.upload_fileobj(
                    source, self.bucket, key, Config=self._transfer, Callback=counter.add
                )
        except BucketError as exc:
            cause = exc.__cause__
            if not overwrite and cause is not None and _code(cause) in _CONDITION_FAILED:
                if not self.exists(key):
                    # SeaweedFS refuses the condition when its filer has a folder of that
                    # name, i.e. objects under "key/", though no object has the key.
                    raise folder_in_the_way(key) from exc
                raise ObjectExistsError(self.name, key) from exc
            raise
        if events.has_subscribers():
            events.object_created(self.name, key, counter.total, self._etag(key))
        return counter.total

    # A multipart upload driven part by part, for writers that receive an object in pieces
    # over several requests (resumable uploads); boto3's managed transfer wants one stream.

    def start_multipart(self, key: str) -> str:
        """Begin a multipart upload of ``key``; returns its upload ID. Nothing is visible yet."""
        validate_key(key)
        with self._mapped(key):
            answer = self._client.create_multipart_upload(Bucket=self.bucket, Key=key)
        return str(answer["UploadId"])

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> str:
        """Store part ``number`` (1-based) of an upload; returns its ETag.

        Every part but the last must be at least 5 MiB (S3's rule, checked at completion).
        """
        with self._mapped(key):
            answer = self._client.upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
            )
        return str(answer["ETag"])

    def complete_multipart(self, key: str, upload_id: str, etags: list[str]) -> None:
        """Make the object from the parts, create-if-absent (as ``write(overwrite=False)``)."""
        parts = [{"PartNumber": n, "ETag": etag} for n, etag in enumerate(etags, start=1)]
        try:
            with self._mapped(key):
                self._create_client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BucketError as exc:
            cause = exc.__cause__
            if cause is not None and _code(cause) in _CONDITION_FAILED:
                raise ObjectExistsError(self.name, key) from exc
            raise

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Discard an unfinished upload and its parts; an unknown upload is not an error."""
        try:
            with self._mapped(key):
                self._client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ObjectNotFoundError:
            pass  # NoSuchUpload maps here only as a 404; see _map_error
        except BucketError as exc:
            if exc.__cause__ is None or _code(exc.__cause__) != "NoSuchUpload":
                raise

    def _etag(self, key: str) -> str:
        """The stored object's ETag without quotes, as S3 event notifications give it."""
        with self._mapped(key, head=True):
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        return str(head.get("ETag", "")).strip('"')

    def check_creatable(self, key: str) -> None:
        """Refused when an object has the key, or objects are under ``key/``.

        AWS would store ``a`` beside ``a/b``, but a folder bucket cannot, and SeaweedFS
        refuses a conditional write of ``a`` then: refused everywhere, so that keys behave
        the same in every bucket.
        """
        super().check_creatable(key)
        with self._mapped(key):
            found = self._client.list_objects_v2(Bucket=self.bucket, Prefix=key + "/", MaxKeys=1)
        if found.get("KeyCount", len(found.get("Contents", ()))):
            raise folder_in_the_way(key)

    def size(self, key: str) -> int:
        validate_key(key)
        with self._mapped(key, head=True):
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        return int(head["ContentLength"])

    def presigned_url(
        self, key: str, expires_in: int, *, download_name: str | None = None
    ) -> str | None:
        """A SigV4 query-signed GET (the S3 server checks signature and expiry itself)."""
        validate_key(key)
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if download_name is not None:
            quoted = urllib.parse.quote(download_name, safe="")
            params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quoted}"
        with self._mapped(key):
            url = self._client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=expires_in
            )
        return str(url)

    def delete(self, key: str) -> None:
        validate_key(key)
        with self._mapped(key):
            self._client.delete_object(Bucket=self.bucket, Key=key)

    def check(self) -> None:
        """Usable when the S3 bucket exists and these credentials may reach it."""
        with self._mapped():
            self._client.head_bucket(Bucket=self.bucket)

    def list(self, prefix: str = "") -> Iterator[str]:
        with self._mapped():
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Contents", ()):
                    yield item["Key"]

    def list_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        with self._mapped():
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Contents", ()):
                    version = str(item.get("ETag", "")).strip('"')
                    modified = item["LastModified"].timestamp()
                    yield ObjectInfo(item["Key"], int(item.get("Size", 0)), version, modified)

    def _read_into(self, key: str, out: BinaryIO) -> int:
        # download_fileobj fetches parts in parallel and writes each at its offset.
        with self._mapped(key, head=True):
            self._client.download_fileobj(self.bucket, key, out, Config=self._transfer)
        return out.seek(0, io.SEEK_END)

    @contextlib.contextmanager
    def _mapped(self, key: str | None = None, *, head: bool = False) -> Iterator[None]:
        """Turn boto3's errors into mediamill's. ``head``: a 404 may mean no bucket."""
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError
        from s3transfer.exceptions import RetriesExceededError

        try:
            yield
        except ClientError as exc:
            # HEAD responses have no body, so a missing bucket is a bare 404 as well.
            if head and _code(exc) in _NOT_FOUND and key is not None:
                self._check_bucket()
            raise self._map_error(exc, key) from exc
        except (BotoCoreError, Boto3Error, RetriesExceededError) as exc:
            raise self._map_error(exc, key) from exc

    def _check_bucket(self) -> None:
        """Raise if the bucket itself is missing; other answers are left to the caller."""
        from botocore.exceptions import BotoCoreError, ClientError

        if self._bucket_seen:
            return
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND or _code(exc) == "NoSuchBucket":
                raise self._map_error(exc) from exc
            return
        except BotoCoreError:
            return
        self._bucket_seen = True

    def _map_error(self, exc: Exception, key: str | None = None) -> MediamillError:
        """The mediamill error for one of boto3's, with a message that says what to check."""
        from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

        where = self._where()
        if isinstance(exc, ClientError):
            code = _code(exc)
            message = exc.response.get("Error", {}).get("Message", "") or code
            if code in _NOT_FOUND and key is not None:
                return ObjectNotFoundError(self.name, key)
            if code in ("NoSuchBucket", "404", "NotFound"):
                return BucketError(f"{where} does not exist")
            if code == "SignatureDoesNotMatch":
                return BucketError(
                    f"{where} refused the request signature: check MEDIAMILL_S3_SECRET_ACCESS_KEY"
                )
            if code == "InvalidAccessKeyId":
                return BucketError(
                    f"{where} does not know the access key: check MEDIAMILL_S3_ACCESS_KEY_ID"
                )
            if code in _DENIED:
                return BucketError(
                    f"access denied to {where}: check MEDIAMILL_S3_ACCESS_KEY_ID, "
                    "MEDIAMILL_S3_SECRET_ACCESS_KEY and the bucket's permissions"
                )
            return BucketError(f"{where}: {code}: {message}")
        if isinstance(exc, NoCredentialsError):
            return ConfigurationError(
                f"no credentials for {where}: set MEDIAMILL_S3_ACCESS_KEY_ID and "
                "MEDIAMILL_S3_SECRET_ACCESS_KEY"
            )
        if isinstance(exc, EndpointConnectionError):
            return BucketError(
                f"cannot connect to the S3 server at {self.endpoint_url or 'AWS'} for "
                f"bucket {self.name!r}: is it running, and is MEDIAMILL_S3_ENDPOINT_URL right?"
            )
        last = getattr(exc, "last_exception", None)  # s3transfer's RetriesExceededError
        if isinstance(last, Exception):
            return self._map_error(last, key)
        return BucketError(f"{where}: {exc}")

    def _where(self) -> str:
        place = f"S3 bucket {self.bucket!r}"
        if self.bucket != self.name:
            place += f" (mediamill bucket {self.name!r})"
        return f"{place} at {self.endpoint_url}" if self.endpoint_url else f"{place} on AWS"


class _ObjectStream(io.RawIOBase):
    """botocore's response body as a raw stream, with read errors mapped."""

    def __init__(self, body: Any, bucket: S3Bucket) -> None:
        self._body = body
        self._bucket = bucket

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        from botocore.exceptions import BotoCoreError

        view = memoryview(buffer).cast("B")
        try:
            data = self._body.read(len(view))
        except BotoCoreError as exc:
            raise self._bucket._map_error(exc) from exc
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class _FullReads:
    """A stream whose ``read(n)`` returns ``n`` bytes unless the stream ends.

    boto3 takes a short read for the end of a stream that cannot seek, but pipes, sockets
    and raw streams return what they have.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = 2**63
        parts = []
        while size > 0:
            part = self._stream.read(min(size, CHUNK_SIZE))
            if not part:
                break
            parts.append(part)
            size -= len(part)
        return b"".join(parts)


def _seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError, OSError):
        return False


class _Counter:
    """Bytes sent, from boto3's progress callback (called from its worker threads)."""

    def __init__(self) -> None:
        self.total = 0
        self._lock = threading.Lock()

    def add(self, amount: int) -> None:
        with self._lock:
            self.total += amount


def _code(exc: Any) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _boto3() -> Any:
    try:
        import boto3
        import boto3.s3.transfer
    except ImportError as exc:
        raise ConfigurationError(
            "S3 buckets need boto3, which is not installed: pip install 'mediamill[s3]'"
        ) from exc
    return boto3


@functools.lru_cache(maxsize=8)
def _client(
    endpoint_url: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
    region: str,
    create_only: bool = False,
) -> Any:
    """One client per server and credentials: clients are thread-safe and slow to create.

    ``create_only``: every PutObject and CompleteMultipartUpload it sends carries
    ``If-None-Match: *``. A client of its own, because boto3's managed uploads have no
    option for it and a hook on the shared client would reach every upload.
    """
    boto3 = _boto3()
    from botocore.config import Config

    config = Config(
        region_name=region,
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=10,
        read_timeout=60,
        max_pool_connections=16,
        # Other servers are reached by path (http://host:port/bucket/key), which works
        # without wildcard DNS; AWS picks its own style.
        s3={"addressing_style": "path"} if endpoint_url else {},
        # Requests are SigV4 anyway; this makes presigned URLs SigV4 too (botocore would
        # presign with SigV2, which AWS is retiring and some servers check wrongly).
        signature_version="s3v4",
    )
    # A session per client: boto3's default session is not thread-safe.
    session = boto3.session.Session()
    client = session.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=config,
    )
    if create_only:
        for operation in ("PutObject", "CompleteMultipartUpload"):
            client.meta.events.register(f"before-parameter-build.s3.{operation}", _if_none_match)
    return client


def _if_none_match(params: dict[str, Any], **_: Any) -> None:
    params["IfNoneMatch"] = "*"
