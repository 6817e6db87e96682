"""Watched buckets: objects mediamill did not store fire the rules, once, across restarts."""

from __future__ import annotations

import io
import os
import shutil
import time
import uuid
from pathlib import Path

import pytest
from tests.triggers_helpers import make_pipeline, tutorial_rule

from mediamill.buckets import get_bucket
from mediamill.jobs.models import Job
from mediamill.testing import SeaweedFS
from mediamill.triggers import watching
from mediamill.triggers.models import Event, Outcome

pytestmark = pytest.mark.django_db


def settle() -> float:
    """A moment later than any file just written is still thought to be settling."""
    return time.time() + watching.SETTLE_SECONDS + 0.5


def test_a_file_copied_into_a_folder_bucket_fires_once(data_dir: Path, song_mp3: Path) -> None:
    rule = tutorial_rule(make_pipeline())
    folder = data_dir / "buckets" / "uploads" / "media"
    folder.mkdir(parents=True)
    shutil.copy(song_mp3, folder / "old.mp3")
    assert watching.poll("uploads", now=settle()) == 0  # the first listing: a baseline only
    assert not Event.objects.exists()

    shutil.copy(song_mp3, folder / "new song.mp3")
    assert watching.poll("uploads", now=time.time()) == 0  # just written: maybe still copying
    assert watching.poll("uploads", now=settle()) == 1
    (event,) = Event.objects.filter(rule=rule)
    assert (event.key, event.outcome, event.source) == (
        "media/new song.mp3",
        Outcome.JOB,
        "watch:uploads",
    )
    assert Job.objects.get(pk=event.job_id).input["Key"] == "media/new song.mp3"

    # A restart changes nothing: watermarks are in the database.
    assert watching.poll("uploads", now=settle()) == 0
    # Changed in place (another modification time): a new version, which fires again.
    os.utime(folder / "new song.mp3", ns=(1, 1_000_000_000))
    assert watching.poll("uploads", now=settle()) == 1
    assert Event.objects.filter(rule=rule).count() == 2


def test_objects_stored_through_mediamill_do_not_fire_twice(data_dir: Path) -> None:
    rule = tutorial_rule(make_pipeline())
    watching.poll("uploads")  # baseline of an empty bucket
    get_bucket("uploads").write("media/a.mp3", io.BytesIO(b"stored through mediamill"))
    assert Event.objects.filter(rule=rule).count() == 1
    assert watching.poll("uploads", now=settle()) == 1  # offered again...
    assert Event.objects.filter(rule=rule).count() == 1  # ...and recognised: same version
    assert Job.objects.count() == 1


@pytest.mark.slow
def test_a_watched_seaweedfs_bucket_written_with_boto3(
    s3_server: SeaweedFS, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = s3_server.create_bucket(f"watched-{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("MEDIAMILL_BUCKETS", f"uploads=s3://{real}")
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MEDIAMILL_WATCH_BUCKETS", "uploads")
    rule = tutorial_rule(make_pipeline())
    client = s3_server.client()  # boto3's own S3 client: mediamill is not involved
    client.put_object(Bucket=real, Key="media/before.mp3", Body=b"there before watching")
    assert watching.poll_all() == 0
    put = client.put_object(Bucket=real, Key="media/red flower.mp3", Body=b"written directly")
    assert watching.poll_all() == 1
    (event,) = Event.objects.filter(rule=rule)
    assert event.key == "media/red flower.mp3" and event.outcome == Outcome.JOB
    assert event.version == put["ETag"].strip('"')
    assert watching.poll_all() == 0
    # Stored through mediamill, the object is announced with the ETag S3 gives it, so the
    # listing (or an S3 event) recognises it.
    get_bucket("uploads").write("media/through mediamill.mp3", io.BytesIO(b"stored by us"))
    stored = Event.objects.get(rule=rule, key="media/through mediamill.mp3")
    head = client.head_object(Bucket=real, Key="media/through mediamill.mp3")
    assert (stored.source, stored.version) == ("store", head["ETag"].strip('"'))
    assert watching.poll_all() == 1  # offered again, recognised: no second event
    assert Event.objects.filter(rule=rule).count() == 2
