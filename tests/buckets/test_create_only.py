"""Create-if-absent writes (``overwrite=False``), in a folder and on a real S3 server.

The same tests run on a local bucket and on SeaweedFS, which honours ``If-None-Match: *``
(PutObject and CompleteMultipartUpload answer 412 once the key exists). What they show: an
existing object is never replaced, an object that appears *while* the write is under way
wins over it (the check is part of the write, not before it), and of many writers racing
for one new key exactly one succeeds.
"""

from __future__ import annotations

import io
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from mediamill.buckets import Bucket, LocalBucket, S3Bucket
from mediamill.buckets.base import temp_name
from mediamill.errors import InvalidKeyError, ObjectExistsError
from mediamill.testing import SeaweedFS

MiB = 1024 * 1024


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.services)])
def bucket(request: pytest.FixtureRequest, tmp_path: Path) -> Bucket:
    if request.param == "local":
        return LocalBucket("media", tmp_path / "media")
    server: SeaweedFS = request.getfixturevalue("s3_server")
    real = server.create_bucket(f"create-{uuid.uuid4().hex[:12]}")
    # Small parts, so that 6 MiB is a multipart upload, whose completion carries the condition.
    return S3Bucket(
        "media",
        real,
        endpoint_url=server.endpoint_url,
        access_key_id=server.access_key_id,
        secret_access_key=server.secret_access_key,
        region=server.region,
        multipart_threshold=5 * MiB,
        multipart_chunksize=5 * MiB,
    )


def read(bucket: Bucket, key: str) -> bytes:
    with bucket.open_read(key) as stream:
        return stream.read()


class Hooked(io.RawIOBase):
    """``data`` as a stream that cannot seek; ``hook`` runs once, before the first byte."""

    def __init__(self, data: bytes, hook: Callable[[], object]) -> None:
        self.data = io.BytesIO(data)
        self.hook: Callable[[], object] | None = hook

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.hook is not None:
            hook, self.hook = self.hook, None
            hook()
        return self.data.readinto(buffer)


@pytest.mark.parametrize("size", [10, 6 * MiB])
def test_a_new_key_is_created_and_an_existing_one_is_kept(bucket: Bucket, size: int) -> None:
    first = os.urandom(size)
    assert bucket.write("out/song.wav", io.BytesIO(first), overwrite=False) == size
    with pytest.raises(ObjectExistsError) as caught:
        bucket.write("out/song.wav", io.BytesIO(b"second"), overwrite=False)
    assert caught.value.code == 3002
    assert "'out/song.wav' already exists in bucket 'media'" in caught.value.message
    assert read(bucket, "out/song.wav") == first
    bucket.check_creatable("out/other.wav")
    with pytest.raises(ObjectExistsError):
        bucket.check_creatable("out/song.wav")


@pytest.mark.parametrize("size", [10, 6 * MiB])
def test_an_object_stored_during_the_write_is_not_replaced(bucket: Bucket, size: int) -> None:
    """Another writer stores the key after the early check, while this write streams."""

    def someone_else() -> None:
        bucket.write("out/song.wav", io.BytesIO(b"theirs"))

    with pytest.raises(ObjectExistsError):
        bucket.write("out/song.wav", Hooked(os.urandom(size), someone_else), overwrite=False)  # type: ignore[arg-type]
    assert read(bucket, "out/song.wav") == b"theirs"
    assert list(bucket.list()) == ["out/song.wav"], "nothing else left behind"


def test_racing_writers_one_wins(bucket: Bucket) -> None:
    """Eight writers pass the early check together (a barrier), then race to create."""
    count = 8
    barrier = threading.Barrier(count)
    outcomes: dict[int, str] = {}

    def writer(n: int) -> None:
        stream = Hooked(f"writer {n}".encode() * 1000, lambda: barrier.wait(10))
        try:
            bucket.write("race/out.mp4", stream, overwrite=False)  # type: ignore[arg-type]
            outcomes[n] = "stored"
        except ObjectExistsError:
            outcomes[n] = "exists"

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    winners = [n for n, outcome in outcomes.items() if outcome == "stored"]
    assert len(outcomes) == count and len(winners) == 1, outcomes
    assert read(bucket, "race/out.mp4") == f"writer {winners[0]}".encode() * 1000


def test_overwrite_still_replaces(bucket: Bucket) -> None:
    bucket.write("a.wav", io.BytesIO(b"one"), overwrite=False)
    bucket.write("a.wav", io.BytesIO(b"two"))
    assert read(bucket, "a.wav") == b"two"


def test_folder_collisions_in_a_local_bucket(tmp_path: Path) -> None:
    """In a folder, ``a`` and ``a/b`` cannot both be objects; S3 allows both (see below)."""
    bucket = LocalBucket("media", tmp_path / "media")
    bucket.write("a/b", io.BytesIO(b"x"))
    with pytest.raises(InvalidKeyError, match="'a' is a folder holding other objects"):
        bucket.check_creatable("a")
    bucket.write("f", io.BytesIO(b"x"))
    with pytest.raises(InvalidKeyError, match="'f' is an object, so it cannot also be a folder"):
        bucket.check_creatable("f/g/h")
    with pytest.raises(InvalidKeyError, match="'f' is an object"):
        bucket.write("f/g/h", io.BytesIO(b"y"), overwrite=False)
    bucket.check_creatable("a/c")


def test_folder_collisions_in_s3_are_refused_too(s3_server: SeaweedFS) -> None:
    """AWS would store ``a`` beside ``a/b``; SeaweedFS refuses a conditional write of ``a``
    then (412, though ``a`` has no object: its filer has a folder ``a``). Refused the same
    way as in a folder, so a key behaves alike in every bucket."""
    real = s3_server.create_bucket(f"fold-{uuid.uuid4().hex[:12]}")
    bucket = S3Bucket(
        "media",
        real,
        endpoint_url=s3_server.endpoint_url,
        access_key_id=s3_server.access_key_id,
        secret_access_key=s3_server.secret_access_key,
        region=s3_server.region,
    )
    bucket.write("a/b", io.BytesIO(b"inner"), overwrite=False)
    with pytest.raises(InvalidKeyError, match="'a' is a folder holding other objects"):
        bucket.check_creatable("a")
    # What the server itself answers, past the early check (another writer's race).
    bucket.check_creatable = lambda key: None  # type: ignore[method-assign]
    with pytest.raises(InvalidKeyError, match="'a' is a folder holding other objects"):
        bucket.write("a", io.BytesIO(b"outer"), overwrite=False)
    assert list(bucket.list()) == ["a/b"]


def test_temporary_files_of_a_tag_are_removed(tmp_path: Path) -> None:
    """What a writer killed mid-write leaves: a hidden part named with its tag (a job ID)."""
    bucket = LocalBucket("media", tmp_path / "media")
    bucket.write("out/song.wav", io.BytesIO(b"kept"))
    folder = bucket.root / "out"
    dead = folder / temp_name("song.wav", "1700000000000-dead00")
    live = folder / temp_name("song.wav", "1700000000000-live00")
    untagged = folder / temp_name("song.wav")
    for part in (dead, live, untagged):
        part.write_bytes(b"partial")
    assert bucket.remove_temporary("out/song.wav", "1700000000000-dead00") == [dead.name]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["song.wav", live.name, untagged.name]
    )
    assert bucket.remove_temporary("missing/x.wav", "1700000000000-dead00") == []
    assert list(bucket.list()) == ["out/song.wav"], "parts are never listed as objects"


def test_without_hard_links_the_name_is_reserved_with_o_excl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system without hard links (some network and FUSE ones) cannot be mounted in
    a test, so link() is made to fail as it does there (EPERM): a stand-in, said here."""
    import errno

    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    bucket = LocalBucket("media", tmp_path / "media")
    bucket.write("song.wav", io.BytesIO(b"first"), overwrite=False)
    with pytest.raises(ObjectExistsError):
        bucket.write("song.wav", io.BytesIO(b"second"), overwrite=False)

    def someone_else() -> None:
        bucket.write("late.wav", io.BytesIO(b"theirs"))

    with pytest.raises(ObjectExistsError):
        bucket.write("late.wav", Hooked(b"mine", someone_else), overwrite=False)  # type: ignore[arg-type]
    assert (read(bucket, "song.wav"), read(bucket, "late.wav")) == (b"first", b"theirs")
    assert sorted(p.name for p in bucket.root.iterdir()) == ["late.wav", "song.wav"]
