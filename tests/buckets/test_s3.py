"""S3 buckets against a real S3 server (SeaweedFS), which checks signatures like AWS does."""

from __future__ import annotations

import hashlib
import io
import os
import sys
import uuid
from pathlib import Path

import pytest

from mediamill.buckets import S3Bucket, get_bucket
from mediamill.errors import (
    BucketError,
    ConfigurationError,
    InvalidKeyError,
    ObjectNotFoundError,
)
from mediamill.testing import SeaweedFS, free_ports

MiB = 1024 * 1024


def make_bucket(server: SeaweedFS, real_name: str, **options: object) -> S3Bucket:
    return S3Bucket(
        "media",
        real_name,
        endpoint_url=server.endpoint_url,
        access_key_id=server.access_key_id,
        secret_access_key=server.secret_access_key,
        region=server.region,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def real_name(s3_server: SeaweedFS) -> str:
    return s3_server.create_bucket(f"test-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def bucket(s3_server: SeaweedFS, real_name: str) -> S3Bucket:
    # Small parts, so a 12 MiB object is a three-part upload and the test stays quick.
    return make_bucket(
        s3_server, real_name, multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB
    )


class Generated(io.RawIOBase):
    """A stream that cannot seek, made up as it is read; optionally fails part way."""

    def __init__(self, size: int, *, fail_after: int | None = None) -> None:
        self.remaining = size
        self.sent = 0
        self.fail_after = fail_after
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise RuntimeError("the source went away")
        count = min(MiB if size < 0 else size, self.remaining, MiB)
        data = os.urandom(count)
        self.digest.update(data)
        self.remaining -= count
        self.sent += count
        return data


def test_round_trip(bucket: S3Bucket, s3_server: SeaweedFS, real_name: str) -> None:
    assert bucket.write("in/song.mp3", io.BytesIO(b"ID3 not really")) == 14
    with bucket.open_read("in/song.mp3") as stream:
        assert stream.read(3) == b"ID3"
        assert stream.read() == b" not really"
    assert bucket.size("in/song.mp3") == 14
    assert bucket.exists("in/song.mp3")
    assert bucket.local_path("in/song.mp3") is None
    # Stored under the S3 bucket's own name, where other S3 clients find it.
    body = s3_server.client().get_object(Bucket=real_name, Key="in/song.mp3")["Body"]
    assert body.read() == b"ID3 not really"
    bucket.write("in/song.mp3", io.BytesIO(b"replaced"))
    assert bucket.open_read("in/song.mp3").read() == b"replaced"
    bucket.delete("in/song.mp3")
    assert not bucket.exists("in/song.mp3")
    bucket.delete("in/song.mp3")  # deleting twice is fine


def test_multipart_upload_and_download(
    bucket: S3Bucket, tmp_path: Path, s3_server: SeaweedFS
) -> None:
    source = tmp_path / "video.bin"
    data = os.urandom(12 * MiB)
    source.write_bytes(data)
    assert bucket.upload_file("big/video.bin", source) == len(data)
    head = s3_server.client().head_object(Bucket=bucket.bucket, Key="big/video.bin")
    assert head["ETag"].strip('"').endswith("-3")  # three parts
    target = tmp_path / "copy.bin"
    assert bucket.download_file("big/video.bin", target) == len(data)
    assert target.read_bytes() == data
    assert sorted(os.listdir(tmp_path)) == ["copy.bin", "video.bin"]  # no temporary left

    stream = Generated(12 * MiB)  # cannot seek: parts are read ahead, a bounded number
    assert bucket.write("big/stream.bin", stream) == 12 * MiB  # type: ignore[arg-type]
    digest = hashlib.sha256()
    with bucket.open_read("big/stream.bin") as reader:
        while chunk := reader.read(MiB):
            digest.update(chunk)
    assert digest.hexdigest() == stream.digest.hexdigest()


def test_failed_upload_leaves_nothing(bucket: S3Bucket, s3_server: SeaweedFS) -> None:
    with pytest.raises(RuntimeError, match="the source went away"):
        bucket.write("big/broken.bin", Generated(12 * MiB, fail_after=7 * MiB))  # type: ignore[arg-type]
    assert not bucket.exists("big/broken.bin")
    uploads = s3_server.client().list_multipart_uploads(Bucket=bucket.bucket)
    assert not uploads.get("Uploads")  # the multipart upload was aborted


def test_list_with_prefix(bucket: S3Bucket) -> None:
    keys = ["a-b", "a/x", "a/y/z", "a0", "b", "media/one.mp3", "media/two.mp3"]
    for key in reversed(keys):
        bucket.write(key, io.BytesIO(key.encode()))
    # AWS lists in lexicographic order; SeaweedFS lists folder by folder.
    assert sorted(bucket.list()) == keys
    assert sorted(bucket.list("media/")) == ["media/one.mp3", "media/two.mp3"]
    assert sorted(bucket.list("a/")) == ["a/x", "a/y/z"]
    assert sorted(bucket.list("a")) == ["a-b", "a/x", "a/y/z", "a0"]
    assert list(bucket.list("zzz")) == []


def test_missing_object(bucket: S3Bucket, tmp_path: Path) -> None:
    for action in (bucket.open_read, bucket.size):
        with pytest.raises(ObjectNotFoundError) as caught:
            action("no/such/key")
        assert caught.value.code == 3001
        assert str(caught.value) == "no object 'no/such/key' in bucket 'media'"
    assert not bucket.exists("no/such/key")
    with pytest.raises(ObjectNotFoundError):
        bucket.download_file("no/such/key", tmp_path / "x")
    assert os.listdir(tmp_path) == []


def test_missing_bucket(s3_server: SeaweedFS) -> None:
    bucket = make_bucket(s3_server, "no-such-bucket-here")
    for action in (bucket.open_read, bucket.size, bucket.exists):
        with pytest.raises(BucketError, match=r"S3 bucket 'no-such-bucket-here' .* does not exist"):
            action("key")
    with pytest.raises(BucketError, match="does not exist"):
        list(bucket.list())


def test_wrong_secret_key(s3_server: SeaweedFS, real_name: str) -> None:
    bucket = S3Bucket(
        "media",
        real_name,
        endpoint_url=s3_server.endpoint_url,
        access_key_id=s3_server.access_key_id,
        secret_access_key="not-the-secret",
    )
    with pytest.raises(BucketError, match="MEDIAMILL_S3_SECRET_ACCESS_KEY"):
        bucket.write("x", io.BytesIO(b"x"))
    with pytest.raises(BucketError, match="MEDIAMILL_S3_SECRET_ACCESS_KEY"):
        bucket.open_read("x")
    with pytest.raises(BucketError, match=r"access denied|MEDIAMILL_S3_SECRET_ACCESS_KEY"):
        bucket.size("x")  # a HEAD response has no body to say why
    assert list(make_bucket(s3_server, real_name).list()) == []


def test_unknown_access_key(s3_server: SeaweedFS, real_name: str) -> None:
    bucket = S3Bucket(
        "media",
        real_name,
        endpoint_url=s3_server.endpoint_url,
        access_key_id="NOBODY",
        secret_access_key="whatever",
    )
    with pytest.raises(BucketError, match="MEDIAMILL_S3_ACCESS_KEY_ID"):
        bucket.open_read("x")


@pytest.mark.slow
def test_server_not_running() -> None:
    (port,) = free_ports(1)
    bucket = S3Bucket(
        "media",
        "media",
        endpoint_url=f"http://127.0.0.1:{port}",
        access_key_id="a",
        secret_access_key="b",
    )
    with pytest.raises(BucketError, match=f"cannot connect to the S3 server at .*:{port}"):
        bucket.size("x")


@pytest.fixture(scope="module")
def unreachable() -> S3Bucket:
    # Nothing listens on this endpoint: any request would be a connection error.
    (port,) = free_ports(1)
    return S3Bucket("media", "media", endpoint_url=f"http://127.0.0.1:{port}")


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "x" * 300, "a\x00b", "a/../../b", ""])
def test_bad_keys_are_refused_before_any_request(unreachable: S3Bucket, key: str) -> None:
    bucket = unreachable
    for action in (bucket.open_read, bucket.size, bucket.delete, bucket.exists):
        with pytest.raises(InvalidKeyError):
            action(key)
    with pytest.raises(InvalidKeyError):
        bucket.write(key, io.BytesIO(b"x"))


def test_get_bucket_from_settings(
    s3_server: SeaweedFS, real_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MEDIAMILL_BUCKETS", f"media={f's3://{real_name}'};*=s3://*")
    bucket = get_bucket("media")
    assert isinstance(bucket, S3Bucket)
    assert (bucket.name, bucket.bucket) == ("media", real_name)
    bucket.write("k", io.BytesIO(b"v"))
    assert s3_server.client().get_object(Bucket=real_name, Key="k")["Body"].read() == b"v"

    other = get_bucket(real_name)  # not listed: the "*" entry, same name on the server
    assert isinstance(other, S3Bucket)
    assert other.bucket == real_name
    assert other.open_read("k").read() == b"v"


def test_without_boto3_the_message_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # makes `import boto3` fail
    with pytest.raises(ConfigurationError, match=r"pip install 'mediamill\[s3\]'"):
        S3Bucket("media", "media", endpoint_url="http://127.0.0.1:1")


def test_check_reaches_the_bucket(s3_server: SeaweedFS, bucket: S3Bucket) -> None:
    bucket.check()
    with pytest.raises(BucketError, match="does not exist"):
        make_bucket(s3_server, f"missing-{uuid.uuid4().hex[:12]}").check()


def test_presigned_urls_serve_the_object_until_they_expire(bucket: S3Bucket) -> None:
    import time
    import urllib.error
    import urllib.request

    bucket.write("media/song.flac", io.BytesIO(b"fLaC" + b"\0" * 1000))
    url = bucket.presigned_url("media/song.flac", 2, download_name="my song.flac")
    assert url is not None
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read()[:4] == b"fLaC"
        assert "attachment" in answer.headers["Content-Disposition"]
    ranged = urllib.request.Request(url, headers={"Range": "bytes=0-3"})
    with urllib.request.urlopen(ranged, timeout=10) as answer:
        assert answer.status == 206 and answer.read() == b"fLaC"
    time.sleep(3)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 403


def test_local_buckets_give_no_presigned_url(tmp_path: Path) -> None:
    from mediamill.buckets import LocalBucket

    assert LocalBucket("media", tmp_path).presigned_url("a.flac", 60) is None
