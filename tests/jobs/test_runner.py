"""Running jobs in-process: the runner and the embedded worker threads, on SQLite and local
folder buckets (the embedded default), with real transcoding."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.decoded import decode
from tests.jobs_helpers import AAC, FLAC, WAV, make_pipeline

from mediamill.buckets import get_bucket
from mediamill.jobs import runner, service
from mediamill.jobs.models import Job, JobStatus, Pipeline
from mediamill.jobs.requests import JobInput, JobRequest, RequestedOutput
from mediamill.testing import write_audio
from mediamill.workers.embedded import EmbeddedWorkers

pytestmark = pytest.mark.django_db(transaction=True)

OUTPUTS = [
    {"Key": "song.wav", "PresetId": WAV},
    {"Key": "song.flac", "PresetId": FLAC},
    {"Key": "song.mp4", "PresetId": AAC},
]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEDIAMILL_JOB_LEASE_SECONDS", "5")
    return tmp_path


@pytest.fixture(scope="module")
def short_song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_audio(tmp_path_factory.mktemp("runner") / "short.mp3", 4.0)


@pytest.fixture(scope="module")
def long_song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_audio(tmp_path_factory.mktemp("runner") / "long.mp3", 90.0)


@pytest.fixture
def pipeline() -> Pipeline:
    return make_pipeline()  # input bucket "uploads", output bucket "media"


def put(path: Path, key: str = "media/song.mp3") -> str:
    get_bucket("uploads").upload_file(key, path)
    return key


def create(pipeline: Pipeline, key: str = "media/song.mp3", prefix: str = "processed/") -> Job:
    request = JobRequest(
        pipeline.id,
        JobInput(key),
        tuple(RequestedOutput(o["Key"], o["PresetId"]) for o in OUTPUTS),
        output_key_prefix=prefix,
    )
    return service.create_job(request)


def wait_for(job: Job, *statuses: str, timeout: float = 60.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job.pk)
        if job.status in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job.pk} still {job.status} after {timeout} s")


@pytest.fixture
def workers() -> Iterator[EmbeddedWorkers]:
    pool = EmbeddedWorkers(2)
    pool.start()
    yield pool
    pool.stop()


def test_run_job_writes_outputs_to_the_output_bucket(
    pipeline: Pipeline, short_song: Path, tmp_path: Path
) -> None:
    job = create(pipeline, put(short_song))
    assert runner.run_job(job.id) == JobStatus.COMPLETE

    job = Job.objects.get(pk=job.pk)
    assert (job.status, job.progress, job.attempts) == (JobStatus.COMPLETE, 100, 1)
    media = get_bucket("media")
    for output in job.outputs.order_by("index"):
        assert output.status == JobStatus.COMPLETE
        local = tmp_path / output.key
        media.download_file(f"processed/{output.key}", local)
        decoded = decode(local)
        assert decoded.duration == pytest.approx(4.0, abs=0.1)
        assert (decoded.sample_rate, decoded.channels) == (44100, 2)
        assert output.file_size == local.stat().st_size
        assert output.duration == 4 and output.duration_millis == pytest.approx(4000, abs=100)
    codecs = [decode(tmp_path / o.key).audio_codec for o in job.outputs.order_by("index")]
    assert codecs == ["pcm_s16le", "flac", "aac"]
    assert list(Path(tmp_path, "work").iterdir()) == [], "work folder cleaned up"


def test_second_delivery_does_not_run_again(pipeline: Pipeline, short_song: Path) -> None:
    job = create(pipeline, put(short_song))
    outcomes: list[str | None] = []
    threads = [
        threading.Thread(target=lambda: outcomes.append(runner.run_job(job.id))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [JobStatus.COMPLETE, None, None]
    assert Job.objects.get(pk=job.pk).attempts == 1
    assert runner.run_job(job.id) is None


def test_corrupt_input_fails_with_a_clear_detail(pipeline: Pipeline, tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp3"
    notes.write_text("not a song\n" * 100)
    job = create(pipeline, put(notes))
    assert runner.run_job(job.id) == JobStatus.ERROR
    job = Job.objects.get(pk=job.pk)
    assert job.status_detail.startswith("4000 ")
    assert "not a media file" in job.status_detail
    assert all(o.status == JobStatus.ERROR for o in job.outputs.all())
    assert list(get_bucket("media").list("processed/")) == []


def test_missing_input_is_error_3001(pipeline: Pipeline) -> None:
    job = create(pipeline, "media/never-uploaded.mp3")
    assert runner.run_job(job.id) == JobStatus.ERROR
    detail = Job.objects.get(pk=job.pk).status_detail
    assert detail.startswith("3001 ") and "does not exist" in detail


@pytest.mark.slow  # starts worker threads and waits for them
def test_embedded_workers_run_jobs_as_they_are_created(
    pipeline: Pipeline, short_song: Path, workers: EmbeddedWorkers, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(short_song.read_bytes()[:2000])
    jobs = [create(pipeline, put(short_song, f"media/{n}.mp3"), f"out/{n}/") for n in range(3)]
    broken = create(pipeline, put(bad, "media/broken.mp3"))
    for job in jobs:
        assert wait_for(job, JobStatus.COMPLETE, JobStatus.ERROR).status == JobStatus.COMPLETE
    assert wait_for(broken, JobStatus.COMPLETE, JobStatus.ERROR).status == JobStatus.ERROR


@pytest.mark.slow
def test_paused_pipeline_keeps_jobs_queued(
    pipeline: Pipeline, short_song: Path, workers: EmbeddedWorkers
) -> None:
    Pipeline.objects.filter(pk=pipeline.pk).update(status="Paused")
    job = create(pipeline, put(short_song))
    time.sleep(1.5)  # more than one sweep: the workers saw it and left it
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUBMITTED
    Pipeline.objects.filter(pk=pipeline.pk).update(status="Active")
    assert wait_for(job, JobStatus.COMPLETE, JobStatus.ERROR).status == JobStatus.COMPLETE


@pytest.mark.slow
def test_stopping_workers_releases_the_running_job(pipeline: Pipeline, long_song: Path) -> None:
    pool = EmbeddedWorkers(1)
    pool.start()
    job = create(pipeline, put(long_song))
    try:
        wait_for(job, JobStatus.PROGRESSING)
    finally:
        pool.stop()
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.PROGRESSING
    assert (job.claimed_by, job.attempts) == ("", 0), "released, not counted as abandoned"
    assert service.recoverable_jobs() == [job.id], "claimable again at once"
    assert list(get_bucket("media").list("processed/")) == [], "no partial output stored"


def test_stale_work_folders_are_removed(pipeline: Pipeline, data_dir: Path) -> None:
    job = create(pipeline, "media/x.mp3")
    running = create(pipeline, "media/y.mp3")
    assert service.claim(running.id, "elsewhere:1:2:efgh5678", 60) is not None
    work = data_dir / "work"
    (work / f"{job.id}-abcd1234").mkdir(parents=True)
    (work / f"{running.id}-efgh5678").mkdir()
    (work / f"{running.id}-0ld0ld00").mkdir()  # an earlier attempt at the running job
    assert sorted(runner.remove_stale_work_dirs()) == sorted(
        [f"{job.id}-abcd1234", f"{running.id}-0ld0ld00"]
    )
    assert [p.name for p in work.iterdir()] == [f"{running.id}-efgh5678"]


def hung_attempt(job: Job, tag: str = "aaaa1111") -> str:
    """A worker claims ``job`` and then stops answering; the name of its work folder."""
    assert service.claim(job.id, f"hung-host:1:2:{tag}", 0.05) is not None
    return f"{job.id}-{tag}"


def make_work_folder(data_dir: Path, name: str) -> Path:
    """A work folder with a file in it, appearing at once (a sweep may be running)."""
    staging = data_dir / "staging" / name
    staging.mkdir(parents=True)
    (staging / "input").write_bytes(b"x" * 1000)
    folder = data_dir / "work" / name
    folder.parent.mkdir(exist_ok=True)
    staging.rename(folder)
    return folder


def test_taking_a_job_over_removes_the_work_folder_of_the_attempt_before(
    pipeline: Pipeline, short_song: Path, data_dir: Path
) -> None:
    job = create(pipeline, put(short_song))
    folder = make_work_folder(data_dir, hung_attempt(job))
    time.sleep(0.1)  # its lease expires
    assert runner.run_job(job.id) == JobStatus.COMPLETE
    assert not folder.exists()
    assert list((data_dir / "work").iterdir()) == []


def test_the_sweep_removes_work_folders_of_jobs_finished_elsewhere(
    pipeline: Pipeline, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only at the next start: a running server's sweep removes them."""
    from mediamill.workers import embedded

    monkeypatch.setattr(embedded, "TIDY_SECONDS", 0.2)
    taken_over, failed = create(pipeline, "media/a.mp3"), create(pipeline, "media/b.mp3")
    first, second = hung_attempt(taken_over, "aaaa1111"), hung_attempt(failed, "bbbb2222")
    time.sleep(0.1)  # their leases expire
    # A worker on another machine takes the first job over; the lease sweep fails the second.
    assert service.claim(taken_over.id, "other-host:3:4:cccc3333", 60) is not None
    Job.objects.filter(pk=failed.pk).update(attempts=service.MAX_ATTEMPTS)
    assert service.expire_leases() == [failed.id]
    Pipeline.objects.filter(pk=pipeline.pk).update(status="Paused")  # the pool runs nothing
    pool = EmbeddedWorkers(1)
    pool.start()
    try:
        # The hung worker had made its folders and wakes up long after the pool started.
        left = [make_work_folder(data_dir, first), make_work_folder(data_dir, second)]
        owned = make_work_folder(data_dir, f"{taken_over.id}-cccc3333")
        deadline = time.monotonic() + 10
        while any(f.exists() for f in left) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        pool.stop()
    assert not any(f.exists() for f in left), "work folders left behind"
    assert owned.exists(), "the folder of the attempt running the job is kept"


def test_a_deactivated_owners_queued_job_does_not_run(pipeline: Pipeline, short_song: Path) -> None:
    from django.contrib.auth.models import User

    owner = User.objects.create_superuser("leaver", "leaver@example.com", "x")
    request = JobRequest(
        pipeline.id,
        JobInput(put(short_song)),
        tuple(RequestedOutput(o["Key"], o["PresetId"]) for o in OUTPUTS),
        output_key_prefix="processed/",
    )
    job = service.create_job(request, owner=owner)
    User.objects.filter(pk=owner.pk).update(is_active=False)
    assert runner.run_job(job.id) == JobStatus.ERROR
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.ERROR
    output = job.outputs.first()
    assert output is not None
    assert "account that created it has been deactivated" in output.status_detail
    assert list(get_bucket("media").list("processed/")) == [], "nothing was transcoded"
