"""Jobs store their outputs without replacing anybody's (``jobs.publish``), with real
transcoding, on a folder bucket and on a real S3 server (SeaweedFS).

Before, the 3002 "output exists" rule was checked only at CreateJob: two jobs in flight
with the same output key both completed, and the later silently replaced the earlier's
output, across users sharing a bucket.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from tests.decoded import decode
from tests.jobs_helpers import FLAC, WAV, make_pipeline, tutorial_user

from mediamill.buckets import Bucket, get_bucket
from mediamill.buckets.base import temp_name
from mediamill.jobs import publish, runner, service
from mediamill.jobs.models import ClaimState, Job, JobStatus, OutputClaim, Pipeline, now_ms
from mediamill.jobs.requests import JobInput, JobRequest, RequestedOutput
from mediamill.testing import SeaweedFS, write_audio

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEDIAMILL_JOB_LEASE_SECONDS", "5")
    return tmp_path


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.services)])
def media(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    """The pipelines' output bucket "media": a folder, or an S3 bucket on SeaweedFS."""
    if request.param == "s3":
        server: SeaweedFS = request.getfixturevalue("s3_server")
        real = server.create_bucket(f"jobs-{uuid.uuid4().hex[:12]}")
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("MEDIAMILL_BUCKETS", f"media=s3://{real}")
    return get_bucket("media")


@pytest.fixture(scope="module")
def songs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two inputs told apart by their length once decoded."""
    folder = tmp_path_factory.mktemp("publish")
    return {
        "alice": write_audio(folder / "alice.mp3", 2.0),
        "bob": write_audio(folder / "bob.mp3", 3.0),
    }


@pytest.fixture
def pipeline() -> Pipeline:
    return make_pipeline()  # input bucket "uploads", output bucket "media"


def submit(pipeline: Pipeline, song: Path, owner: str, outputs: list[tuple[str, str]]) -> Job:
    key = f"in/{owner}.mp3"
    get_bucket("uploads").upload_file(key, song)
    request = JobRequest(
        pipeline.id, JobInput(key), tuple(RequestedOutput(k, p) for k, p in outputs)
    )
    return service.create_job(request, owner=None if owner == "nobody" else user(owner))


def user(name: str) -> User:
    found = User.objects.filter(username=name).first()
    return found if found is not None else tutorial_user(name)


def read_all(bucket: Bucket, key: str) -> bytes:
    with bucket.open_read(key) as stream:
        return stream.read()


def duration_of(bucket: Bucket, key: str, tmp_path: Path) -> float:
    local = tmp_path / f"check-{uuid.uuid4().hex[:8]}{Path(key).suffix}"
    bucket.download_file(key, local)
    return decode(local).duration


@pytest.mark.slow  # two real jobs at once, over a second
def test_two_users_racing_for_one_key_one_wins(
    pipeline: Pipeline, songs: dict[str, Path], media: Bucket, tmp_path: Path
) -> None:
    """Both jobs pass CreateJob (the key is free then) and run at the same time."""
    alice = submit(pipeline, songs["alice"], "alice", [("a-only.flac", FLAC), ("shared.wav", WAV)])
    bob = submit(pipeline, songs["bob"], "bob", [("b-only.flac", FLAC), ("shared.wav", WAV)])
    outcomes: dict[str, str | None] = {}
    threads = [
        threading.Thread(target=lambda j=job: outcomes.update({j.id: runner.run_job(j.id)}))
        for job in (alice, bob)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(map(str, outcomes.values())) == [JobStatus.COMPLETE, JobStatus.ERROR]
    winner = alice if outcomes[alice.id] == JobStatus.COMPLETE else bob
    loser = bob if winner is alice else alice
    loser = Job.objects.get(pk=loser.pk)
    assert loser.status_detail.startswith("3002 ")
    assert "'shared.wav'" in loser.status_detail and "nothing was stored" in loser.status_detail
    expected = 2.0 if winner is alice else 3.0
    assert duration_of(media, "shared.wav", tmp_path) == pytest.approx(expected, abs=0.1)
    own = "a-only.flac" if winner is alice else "b-only.flac"
    assert sorted(media.list()) == sorted([own, "shared.wav"]), "nothing of the loser is left"
    assert not OutputClaim.objects.exists(), "claims are released when jobs finish"


def test_a_later_job_fails_without_replacing_anything(
    pipeline: Pipeline, songs: dict[str, Path], media: Bucket, tmp_path: Path
) -> None:
    """The first job has finished: the key is taken in the bucket itself, not by a claim."""
    first = submit(pipeline, songs["alice"], "alice", [("shared.wav", WAV)])
    second = submit(pipeline, songs["bob"], "bob", [("b-only.flac", FLAC), ("shared.wav", WAV)])
    assert runner.run_job(first.id) == JobStatus.COMPLETE
    assert runner.run_job(second.id) == JobStatus.ERROR
    second = Job.objects.get(pk=second.pk)
    assert second.status_detail.startswith("3002 ")
    assert "another job or writer stored an object under it" in second.status_detail
    assert duration_of(media, "shared.wav", tmp_path) == pytest.approx(2.0, abs=0.1)
    assert list(media.list()) == ["shared.wav"]
    assert all(o.status == JobStatus.ERROR for o in second.outputs.all())


def test_a_key_taken_while_storing_leaves_nothing_half_published(
    pipeline: Pipeline,
    songs: dict[str, Path],
    media: Bucket,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Someone stores the job's second key just after the job stored its first: the job
    fails with 3002, its first output is removed, and the other writer's object is kept.
    (The bucket is real; only the moment the other writer acts is arranged.)"""
    job = submit(pipeline, songs["bob"], "bob", [("first.flac", FLAC), ("second.wav", WAV)])
    upload = type(media).upload_file

    def then_someone_else(self: Bucket, key: str, path: Path, **options: object) -> int:
        size = upload(self, key, path, **options)  # type: ignore[arg-type]
        if key == "first.flac":
            self.write("second.wav", io.BytesIO(b"theirs"))
        return size

    monkeypatch.setattr(type(media), "upload_file", then_someone_else)
    assert runner.run_job(job.id) == JobStatus.ERROR
    detail = Job.objects.get(pk=job.pk).status_detail
    assert detail.startswith("3002 ") and "'second.wav'" in detail
    assert list(media.list()) == ["second.wav"]
    assert read_all(media, "second.wav") == b"theirs"
    assert not OutputClaim.objects.exists()


def test_a_key_claimed_by_a_running_job_fails_the_other_at_once(
    pipeline: Pipeline, songs: dict[str, Path], media: Bucket
) -> None:
    holder = submit(pipeline, songs["alice"], "alice", [("shared.wav", WAV)])
    service.claim(holder.id, "holder-worker", 60)
    OutputClaim.objects.create(bucket="media", key="shared.wav", job=holder)
    other = submit(pipeline, songs["bob"], "bob", [("b-only.flac", FLAC), ("shared.wav", WAV)])
    assert runner.run_job(other.id) == JobStatus.ERROR
    detail = Job.objects.get(pk=other.pk).status_detail
    assert detail.startswith("3002 ") and "being stored by another job" in detail
    assert list(media.list()) == []
    assert list(OutputClaim.objects.values_list("job_id", flat=True)) == [holder.id]


def test_create_job_refuses_keys_a_folder_is_in_the_way_of(
    pipeline: Pipeline, songs: dict[str, Path], media: Bucket
) -> None:
    from mediamill.errors import ValidationError

    media.write("done/a/b.wav", io.BytesIO(b"x"))
    with pytest.raises(ValidationError, match="'done/a' is a folder holding other objects"):
        submit(pipeline, songs["alice"], "alice", [("done/a", WAV)])
    if media.local_path("done/a/b.wav") is not None:  # a folder: "done/a/b.wav" is a file
        with pytest.raises(ValidationError, match="is an object, so it cannot also be a folder"):
            submit(pipeline, songs["alice"], "alice", [("done/a/b.wav/c.wav", WAV)])


def test_a_folder_created_after_submission_fails_the_job_with_3002(
    pipeline: Pipeline, songs: dict[str, Path], media: Bucket
) -> None:
    job = submit(pipeline, songs["alice"], "alice", [("late", WAV)])
    media.write("late/inner.wav", io.BytesIO(b"x"))  # after CreateJob, before publishing
    assert runner.run_job(job.id) == JobStatus.ERROR
    detail = Job.objects.get(pk=job.pk).status_detail
    assert detail.startswith("3002 ") and "'late' is a folder holding other objects" in detail
    assert list(media.list()) == ["late/inner.wav"]


def test_a_retried_job_replaces_what_its_dead_attempt_stored(
    pipeline: Pipeline, songs: dict[str, Path], tmp_path: Path
) -> None:
    """A worker died after storing one output and while writing the next (a .part left)."""
    media = get_bucket("media")
    job = submit(pipeline, songs["alice"], "alice", [("one.wav", WAV), ("two.flac", FLAC)])
    assert service.claim(job.id, "dead-worker", 0.05) is not None
    media.write("one.wav", io.BytesIO(b"stored by the dead attempt"))
    OutputClaim.objects.create(bucket="media", key="one.wav", job=job, state=ClaimState.WRITTEN)
    OutputClaim.objects.create(bucket="media", key="two.flac", job=job, state=ClaimState.WRITING)
    part = media.root / temp_name("two.flac", job.id)  # type: ignore[attr-defined]
    part.write_bytes(b"half a flac")
    time.sleep(0.1)  # the lease runs out
    assert runner.run_job(job.id) == JobStatus.COMPLETE
    assert not part.exists(), "the dead attempt's part is removed"
    assert duration_of(media, "one.wav", tmp_path) == pytest.approx(2.0, abs=0.1)
    assert duration_of(media, "two.flac", tmp_path) == pytest.approx(2.0, abs=0.1)
    assert sorted(media.list()) == ["one.wav", "two.flac"]
    assert not OutputClaim.objects.exists()


def test_stale_claims_are_cleaned_up(pipeline: Pipeline, songs: dict[str, Path]) -> None:
    media = get_bucket("media")
    failed = submit(pipeline, songs["alice"], "alice", [("failed.wav", WAV)])
    done = submit(pipeline, songs["bob"], "bob", [("done.wav", WAV)])
    running = submit(pipeline, songs["bob"], "nobody", [("running.wav", WAV)])
    Job.objects.filter(pk=failed.pk).update(status=JobStatus.ERROR)
    Job.objects.filter(pk=done.pk).update(status=JobStatus.COMPLETE)
    service.claim(running.id, "live-worker", 60)
    for job, key in ((failed, "failed.wav"), (done, "done.wav"), (running, "running.wav")):
        media.write(key, io.BytesIO(b"x"))
        OutputClaim.objects.create(bucket="media", key=key, job=job, state=ClaimState.WRITTEN)
    live_part = media.root / temp_name("running.wav", running.id)  # type: ignore[attr-defined]
    live_part.write_bytes(b"being written")
    assert publish.remove_stale_claims() == 2
    assert sorted(media.list()) == ["done.wav", "running.wav"], "a failed job leaves nothing"
    assert list(OutputClaim.objects.values_list("job_id", flat=True)) == [running.id]
    assert live_part.exists(), "a live job's part is left alone"


CHILD = """
import sys, time
from mediamill.buckets import LocalBucket

class Slow:
    # Gives one chunk, says so, then never ends: the writer is killed mid-write.
    def __init__(self):
        self.sent = False
    def read(self, size=-1):
        if not self.sent:
            self.sent = True
            return b"x" * 65536
        print("writing", flush=True)
        time.sleep(600)
        return b""

LocalBucket("media", sys.argv[1]).write("out/song.wav", Slow(), overwrite=False, tag=sys.argv[2])
"""


def test_a_part_left_by_kill_9_is_removed_once_the_lease_expires(
    pipeline: Pipeline, songs: dict[str, Path], data_dir: Path
) -> None:
    """A real process is killed (SIGKILL) while it stores an output; the sweep cleans up."""
    media = get_bucket("media")
    job = submit(pipeline, songs["alice"], "alice", [("out/song.wav", WAV)])
    assert service.claim(job.id, "doomed-worker", 60) is not None
    OutputClaim.objects.create(bucket="media", key="out/song.wav", job=job)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(media.root), job.id],  # type: ignore[attr-defined]
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "writing"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    folder = media.root / "out"  # type: ignore[attr-defined]
    parts = [p.name for p in folder.iterdir()]
    assert len(parts) == 1 and parts[0].startswith(f".song.wav.{job.id}.")
    assert publish.remove_stale_claims() == 0, "the lease is still live: nothing touched"
    assert len(list(folder.iterdir())) == 1
    Job.objects.filter(pk=job.pk).update(lease_expires_at=now_ms() - 1)  # the lease runs out
    assert publish.remove_stale_claims() == 1
    assert list(folder.iterdir()) == []
    assert OutputClaim.objects.filter(job=job).exists(), "kept for the job's next attempt"


def test_the_next_start_removes_what_a_killed_worker_left(
    pipeline: Pipeline, songs: dict[str, Path]
) -> None:
    """``mediamill serve`` starting its workers: a job abandoned mid-store, now in Error."""
    from mediamill.workers.embedded import EmbeddedWorkers

    media = get_bucket("media")
    job = submit(pipeline, songs["alice"], "alice", [("out/one.wav", WAV), ("out/two.wav", WAV)])
    Job.objects.filter(pk=job.pk).update(status=JobStatus.ERROR)
    media.write("out/one.wav", io.BytesIO(b"stored before the kill"))
    OutputClaim.objects.create(bucket="media", key="out/one.wav", job=job, state="Written")
    OutputClaim.objects.create(bucket="media", key="out/two.wav", job=job, state="Writing")
    part = media.root / "out" / temp_name("two.wav", job.id)  # type: ignore[attr-defined]
    part.write_bytes(b"half")
    pool = EmbeddedWorkers(1)
    pool.start()
    pool.stop()
    assert list((media.root / "out").iterdir()) == []  # type: ignore[attr-defined]
    assert not OutputClaim.objects.exists()
