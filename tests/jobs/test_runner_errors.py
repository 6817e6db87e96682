"""What a failed job says: the real cause, in words its owner can act on, and never a path of
the server (StatusDetail is public: the API, notifications and the web app show it)."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path
from typing import Any

import pytest
from tests.jobs_helpers import WAV, make_pipeline, request_for

from mediamill.buckets import get_bucket
from mediamill.buckets.local import LocalBucket
from mediamill.errors import BucketError, InvalidKeyError, MediaError, ValidationError
from mediamill.jobs import runner, service
from mediamill.jobs.models import Job, JobStatus
from mediamill.testing import write_audio

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def uploaded(tmp_path: Path) -> str:
    get_bucket("uploads").upload_file("in/song.mp3", write_audio(tmp_path / "song.mp3", 1.0))
    return "in/song.mp3"


def test_key_too_long_in_bytes_is_refused_clearly_and_leaves_nothing(
    uploaded: str, data_dir: Path
) -> None:
    # 104 characters, valid by Elastic Transcoder's rule, but 404 bytes in UTF-8: more than a
    # file name may have. It used to fail after the whole transcode as "9999 ... File name too
    # long: '/.../.😀😀...'"; the bucket now refuses it when the job is created.
    key = "😀" * 100 + ".wav"
    outputs = [{"Key": key, "PresetId": WAV}]
    with pytest.raises(ValidationError) as refused:
        service.create_job(request_for(make_pipeline().id, uploaded, outputs))

    message = refused.value.message
    assert "404 bytes" in message and "at most 255 bytes" in message
    assert str(data_dir) not in message
    assert not Job.objects.exists()
    media = data_dir / "buckets" / "media"
    assert not media.exists() or not any(media.rglob("*"))


def test_a_failing_cleanup_does_not_hide_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fault injection: a file system that also refuses to delete the temporary file (no
    # real one here does that on demand). The write's own error must be the one reported.
    bucket = LocalBucket("b", tmp_path / "b")

    class Failing(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            raise OSError(errno.EIO, "Input/output error")

    def refuse(path: Any) -> None:
        raise OSError(errno.EACCES, "Permission denied", os.fspath(path))

    monkeypatch.setattr(os, "unlink", refuse)
    with pytest.raises(BucketError, match="Input/output error"):
        bucket.write("a.mp3", Failing())  # type: ignore[arg-type]


def test_local_bucket_refuses_parts_over_255_bytes(tmp_path: Path) -> None:
    bucket = LocalBucket("b", tmp_path / "b")
    with pytest.raises(InvalidKeyError, match="256 bytes"):
        bucket.write("a/" + "é" * 128, io.BytesIO(b"x"))
    bucket.write("a/" + "é" * 127, io.BytesIO(b"x"))  # 254 bytes: fine
    assert bucket.size("a/" + "é" * 127) == 1


def test_unexpected_errors_are_recorded_without_their_text(
    uploaded: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fault injection: a bug deep in a library, whose message names a server file.
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied", str(data_dir / "secret_key"))

    monkeypatch.setattr(runner, "transcode", broken)
    job = service.create_job(
        request_for(make_pipeline().id, uploaded, [{"Key": "a.wav", "PresetId": WAV}])
    )

    assert runner.run_job(job.id) == JobStatus.ERROR

    job.refresh_from_db()
    assert job.status_detail.startswith("9999 ")
    assert job.status_detail.endswith("internal error (the server's log has the details)")


def test_paths_are_taken_out_of_recorded_errors(data_dir: Path) -> None:
    error = MediaError(
        f"cannot write {str(data_dir / 'work' / 'x')!r}: No space left; "
        "also '/var/lib/mediamill/buckets/alice-out/.x.part' and key 'a/b.mp3'",
        code=4000,
    )
    public = runner.public_error(error)
    assert public.code == 4000
    assert str(data_dir) not in public.message and "/var/lib" not in public.message
    assert "'a/b.mp3'" in public.message  # keys are the user's own words: kept
    assert runner.public_error(MediaError("plain", code=4000)).message == "plain"
