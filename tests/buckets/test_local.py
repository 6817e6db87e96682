"""Local folder buckets: round trips, atomic writes, streaming, and keys that try to escape."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

import pytest

from mediamill.buckets import CHUNK_SIZE, Bucket, LocalBucket, get_bucket
from mediamill.errors import (
    BucketError,
    InvalidKeyError,
    ObjectExistsError,
    ObjectNotFoundError,
    OutputError,
)

if TYPE_CHECKING:
    from typing_extensions import Buffer

MiB = 1024 * 1024


def binary(stream: io.RawIOBase) -> BinaryIO:
    """A raw stream as the ``BinaryIO`` that ``Bucket.write`` takes: it only calls ``read``."""
    return cast(BinaryIO, stream)


class GeneratedStream(io.RawIOBase):
    """``size`` bytes made up on the fly, so a test can stream far more than it holds."""

    def __init__(self, size: int, *, fail_after: int | None = None) -> None:
        self.remaining = size
        self.sent = 0
        self.fail_after = fail_after
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        # At most 1 MiB at a time, like a socket: the reader must loop.
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise OSError("the source went away")
        count = min(MiB if size < 0 else size, self.remaining, MiB)
        data = bytes([self.sent // MiB % 251]) * count
        self.digest.update(data)
        self.remaining -= count
        self.sent += count
        return data


def tree(folder: Path) -> set[str]:
    """Every path below ``folder``, links included, not followed."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def bucket(tmp_path: Path) -> LocalBucket:
    return LocalBucket("media", tmp_path / "buckets" / "media")


def test_round_trip(bucket: LocalBucket) -> None:
    assert not bucket.root.exists()  # created on the first write
    assert bucket.write("in/song.mp3", io.BytesIO(b"ID3 not really")) == 14
    assert bucket.root.is_dir()
    with bucket.open_read("in/song.mp3") as stream:
        assert stream.read() == b"ID3 not really"
    assert bucket.size("in/song.mp3") == 14
    assert bucket.exists("in/song.mp3")
    assert bucket.local_path("in/song.mp3") == (bucket.root / "in" / "song.mp3").resolve()
    assert bucket.write("in/song.mp3", io.BytesIO(b"replaced")) == 8
    assert bucket.open_read("in/song.mp3").read() == b"replaced"
    bucket.delete("in/song.mp3")
    assert not bucket.exists("in/song.mp3")
    bucket.delete("in/song.mp3")  # deleting twice is fine: retries are safe


def test_missing_objects(bucket: LocalBucket) -> None:
    bucket.write("a/b", io.BytesIO(b"x"))
    for key in ("nope", "a/nope", "a/b/c", "a"):  # "a" is a folder, not an object
        with pytest.raises(ObjectNotFoundError) as caught:
            bucket.open_read(key)
        assert caught.value.code == 3001
        assert caught.value.key == key
        assert str(caught.value) == f"no object {key!r} in bucket 'media'"
        with pytest.raises(ObjectNotFoundError):
            bucket.size(key)
        with pytest.raises(ObjectNotFoundError):
            bucket.local_path(key)
        assert not bucket.exists(key)


def test_list_is_sorted_and_filtered(bucket: LocalBucket, tmp_path: Path) -> None:
    keys = ["a-b", "a/x", "a/y/z", "a0", "b", "media/one.mp3", "media/two.mp3", ".hidden"]
    for key in keys:
        bucket.write(key, io.BytesIO(key.encode()))
    (bucket.root / "a" / ".x.0123456789ab.part").write_bytes(b"a write in progress")
    (tmp_path / "outside").write_text("not in the bucket")
    (bucket.root / "link").symlink_to(tmp_path / "outside")
    (bucket.root / "empty").mkdir()
    assert list(bucket.list()) == sorted(keys)
    assert list(bucket.list("media/")) == ["media/one.mp3", "media/two.mp3"]
    assert list(bucket.list("a")) == ["a-b", "a/x", "a/y/z", "a0"]
    assert list(bucket.list("a/y")) == ["a/y/z"]
    assert list(bucket.list("zzz")) == []
    assert list(LocalBucket("none", tmp_path / "missing").list()) == []


def test_failing_stream_leaves_nothing(bucket: LocalBucket) -> None:
    bucket.write("keep.bin", io.BytesIO(b"old"))
    before = tree(bucket.root)
    for key in ("new.bin", "keep.bin", "deep/new.bin"):
        with pytest.raises(BucketError, match="the source went away"):
            bucket.write(key, binary(GeneratedStream(3 * CHUNK_SIZE, fail_after=CHUNK_SIZE)))
    assert tree(bucket.root) - {"deep"} == before  # no object, no temporary file
    assert bucket.open_read("keep.bin").read() == b"old"


def test_reader_never_sees_a_partial_object(bucket: LocalBucket) -> None:
    bucket.write("big.bin", io.BytesIO(b"a" * MiB))
    gate = threading.Event()
    release = threading.Event()

    class Slow(io.RawIOBase):
        def __init__(self) -> None:
            self.chunks = 3

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Buffer) -> int:
            if self.chunks == 1:
                gate.set()
                release.wait(10)
            if not self.chunks:
                return 0
            self.chunks -= 1
            memoryview(buffer)[: 1024 * 512] = b"b" * (1024 * 512)
            return 1024 * 512

    writer = threading.Thread(target=bucket.write, args=("big.bin", Slow()))
    writer.start()
    assert gate.wait(10)
    assert bucket.open_read("big.bin").read() == b"a" * MiB  # halfway: still the old object
    release.set()
    writer.join(10)
    assert bucket.open_read("big.bin").read() == b"b" * (3 * 512 * 1024)


def test_streams_large_objects_in_bounded_memory(bucket: LocalBucket, tmp_path: Path) -> None:
    size = 50 * MiB
    source = GeneratedStream(size)
    tracemalloc.start()
    try:
        assert bucket.write("big/video.bin", binary(source)) == size
        digest = hashlib.sha256()
        with bucket.open_read("big/video.bin") as stream:
            while chunk := stream.read(MiB):
                digest.update(chunk)
        assert bucket.download_file("big/video.bin", tmp_path / "copy.bin") == size
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * MiB, f"peak {peak / MiB:.1f} MiB"
    assert digest.hexdigest() == source.digest.hexdigest()
    assert (tmp_path / "copy.bin").stat().st_size == size


@pytest.mark.parametrize(
    "key", ["../x", "../../x", "/etc/passwd", "x" * 300, "a\x00b", "a/../../b", "a\\..\\b", "./a"]
)
def test_bad_keys_write_nothing(bucket: LocalBucket, tmp_path: Path, key: str) -> None:
    bucket.write("inside", io.BytesIO(b"x"))
    before = tree(tmp_path)
    with pytest.raises(InvalidKeyError):
        bucket.write(key, io.BytesIO(b"escaped"))
    with pytest.raises(InvalidKeyError):
        bucket.upload_file(key, bucket.root / "inside")
    for action in (bucket.open_read, bucket.size, bucket.delete, bucket.exists):
        with pytest.raises(InvalidKeyError):
            action(key)
    assert tree(tmp_path) == before


def test_links_out_of_the_bucket_are_not_followed(bucket: LocalBucket, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    bucket.write("placeholder", io.BytesIO(b""))
    (bucket.root / "dir-link").symlink_to(outside)
    (bucket.root / "file-link").symlink_to(outside / "secret")
    (bucket.root / "dangling").symlink_to(tmp_path / "not-yet")

    for key in ("dir-link/new", "dir-link/sub/new", "dangling/new"):
        with pytest.raises(InvalidKeyError, match="outside the bucket's folder"):
            bucket.write(key, io.BytesIO(b"escaped"))
    for key in ("dir-link/secret", "file-link"):
        with pytest.raises(InvalidKeyError, match="outside the bucket's folder"):
            bucket.open_read(key)
        with pytest.raises(InvalidKeyError):
            bucket.size(key)
    with pytest.raises(InvalidKeyError):
        bucket.delete("dir-link/secret")
    assert sorted(os.listdir(outside)) == ["secret"]
    assert not (tmp_path / "not-yet").exists()

    # Writing over a link replaces the link inside the bucket, not the file it points to.
    bucket.write("file-link", io.BytesIO(b"mine"))
    assert not (bucket.root / "file-link").is_symlink()
    assert bucket.open_read("file-link").read() == b"mine"
    assert (outside / "secret").read_bytes() == b"secret"
    bucket.delete("dangling")  # removes the link itself
    assert not (bucket.root / "dangling").is_symlink()


def test_links_inside_the_bucket_are_fine(bucket: LocalBucket) -> None:
    bucket.write("real/song.mp3", io.BytesIO(b"song"))
    (bucket.root / "alias").symlink_to(bucket.root / "real")
    assert bucket.open_read("alias/song.mp3").read() == b"song"
    bucket.write("alias/other.mp3", io.BytesIO(b"other"))
    assert bucket.open_read("real/other.mp3").read() == b"other"


def test_a_fifo_is_not_an_object(bucket: LocalBucket) -> None:
    bucket.write("placeholder", io.BytesIO(b""))
    os.mkfifo(bucket.root / "pipe")
    with pytest.raises(ObjectNotFoundError):
        bucket.open_read("pipe")  # must not block waiting for a writer
    assert list(bucket.list()) == ["placeholder"]


def test_temporary_names_are_reserved(bucket: LocalBucket) -> None:
    with pytest.raises(InvalidKeyError, match="temporary"):
        bucket.write("a/.song.mp3.0123456789ab.part", io.BytesIO(b"x"))


def test_write_conflicts_become_invalid_key_errors(bucket: LocalBucket) -> None:
    bucket.write("a", io.BytesIO(b"a file"))
    with pytest.raises(InvalidKeyError, match="'a' is an object, so it cannot also be a folder"):
        bucket.write("a/b", io.BytesIO(b"x"))  # "a" is a file, it cannot be a folder too
    bucket.write("c/d", io.BytesIO(b"x"))
    with pytest.raises(InvalidKeyError, match="'c' is a folder holding other objects"):
        bucket.write("c", io.BytesIO(b"x"))
    with pytest.raises(InvalidKeyError, match="'c' is a folder"):
        bucket.write("c", io.BytesIO(b"x"), overwrite=False)
    assert sorted(bucket.list()) == ["a", "c/d"]


def test_download_file(bucket: LocalBucket, tmp_path: Path) -> None:
    bucket.write("song.mp3", io.BytesIO(b"new"))
    target = tmp_path / "song.mp3"
    target.write_bytes(b"old")
    with pytest.raises(OutputError, match="already exists") as caught:
        bucket.download_file("song.mp3", target, overwrite=False)
    assert caught.value.code == 3002
    assert target.read_bytes() == b"old"
    assert bucket.download_file("song.mp3", target) == 3
    assert target.read_bytes() == b"new"
    fresh = tmp_path / "fresh.mp3"
    assert bucket.download_file("song.mp3", fresh, overwrite=False) == 3
    with pytest.raises(ObjectNotFoundError):
        bucket.download_file("nope", tmp_path / "nope")
    with pytest.raises(OutputError, match="cannot write"):
        bucket.download_file("song.mp3", tmp_path / "no-such-folder" / "x")
    assert sorted(os.listdir(tmp_path)) == ["buckets", "fresh.mp3", "song.mp3"]


def test_upload_file(bucket: LocalBucket, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"x" * 1000)
    assert bucket.upload_file("up/source.bin", source) == 1000
    assert bucket.size("up/source.bin") == 1000


def test_get_bucket_defaults_to_a_folder_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MEDIAMILL_BUCKETS", raising=False)
    bucket = get_bucket("media")
    assert isinstance(bucket, LocalBucket)
    assert bucket.root == tmp_path / "data" / "buckets" / "media"

    monkeypatch.setenv("MEDIAMILL_BUCKETS", f"archive=file://{tmp_path}/srv/arch%20ive")
    archive = get_bucket("archive")
    assert isinstance(archive, LocalBucket)
    assert archive.root == tmp_path / "srv" / "arch ive"
    assert isinstance(get_bucket("other"), LocalBucket)

    monkeypatch.setenv("MEDIAMILL_BUCKETS", f"*=file://{tmp_path}/all/*")
    other = get_bucket("other")
    assert isinstance(other, LocalBucket)
    assert other.root == tmp_path / "all" / "other"


@pytest.mark.parametrize("name", ["..", ".", "a/b", ""])
def test_get_bucket_refuses_bad_names(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    with pytest.raises(BucketError, match="invalid bucket name"):
        get_bucket(name)


def test_bucket_is_the_interface(bucket: LocalBucket) -> None:
    assert isinstance(bucket, Bucket)
    with pytest.raises(TypeError):
        Bucket("x")  # type: ignore[abstract]  # what this test checks


def test_check_accepts_a_folder_that_exists_or_can_be_made(tmp_path: Path) -> None:
    LocalBucket("media", tmp_path / "not" / "yet").check()  # created on the first write
    (tmp_path / "here").mkdir()
    LocalBucket("media", tmp_path / "here").check()
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(BucketError, match="is not a folder"):
        LocalBucket("media", tmp_path / "file").check()
    with pytest.raises(BucketError, match="cannot be created"):
        LocalBucket("media", tmp_path / "file" / "below").check()


def test_a_staging_file_is_hidden_until_published_create_if_absent(tmp_path: Path) -> None:
    bucket = LocalBucket("media", tmp_path / "media")
    staging = bucket.staging_file("in/song.wav", tag="upload")
    assert staging.parent == tmp_path / "media" / "in" and staging.name.startswith(".song.wav.")
    staging.write_bytes(b"RIFF....")
    assert list(bucket.list()) == []  # listings skip it
    assert bucket.staged_path("in/song.wav", staging.name) == staging
    assert bucket.publish_staged("in/song.wav", staging.name) == 8
    assert list(bucket.list()) == ["in/song.wav"] and not staging.exists()

    again = bucket.staging_file("in/song.wav")
    again.write_bytes(b"other")
    with pytest.raises(ObjectExistsError):
        bucket.publish_staged("in/song.wav", again.name)
    assert again.exists()  # left for the caller to remove
    with open(bucket.local_path("in/song.wav") or "", "rb") as stored:
        assert stored.read() == b"RIFF...."


@pytest.mark.parametrize(
    "name",
    [
        "song.wav",  # the object itself
        ".other.wav.0123456789ab.part",  # another key's staging file
        ".song.wav./../../x.0123456789ab.part",  # a path
        "../.song.wav.0123456789ab.part",
    ],
)
def test_only_a_keys_own_staging_files_are_reachable(tmp_path: Path, name: str) -> None:
    bucket = LocalBucket("media", tmp_path / "media")
    with pytest.raises(InvalidKeyError):
        bucket.staged_path("in/song.wav", name)
