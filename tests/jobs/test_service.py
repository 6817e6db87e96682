"""The job service: validation on create, and every state transition, including races.

Runs on SQLite here and again on PostgreSQL in the PostgreSQL lane (marker `db`).
"""

from __future__ import annotations

import io
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import pytest
from django.db import connection
from pytest_django import DjangoCaptureOnCommitCallbacks
from tests.jobs_helpers import AAC, FLAC, WAV, Measures, make_pipeline, results, submit

from mediamill.buckets import Bucket, get_bucket
from mediamill.errors import InvalidStateError, MediaError, NotFoundError, ValidationError
from mediamill.jobs import service
from mediamill.jobs.models import ID_PATTERN, CustomPreset, Job, JobStatus, Pipeline, new_id, now_ms
from mediamill.jobs.requests import JobInput, JobRequest, PlaylistRequest, RequestedOutput
from mediamill.jobs.signals import job_state_changed
from mediamill.probe import MediaInfo, StreamInfo

ET_DETAIL = re.compile(r"\d{4} [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:.+")


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Buckets in a folder of this test's own (create_job asks them about outputs)."""
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def pipeline(db: None) -> Pipeline:
    return make_pipeline()


def reload(job: Job) -> Job:
    return Job.objects.get(pk=job.pk)


# --- IDs -----------------------------------------------------------------------------------


def test_ids_have_elastic_transcoder_form() -> None:
    before = now_ms()
    ids = {new_id() for _ in range(2000)}
    assert len(ids) == 2000
    for value in ids:
        assert re.fullmatch(r"\d{13}-[a-z0-9]{6}", value)
        assert ID_PATTERN.fullmatch(value)
        assert before <= int(value[:13]) <= now_ms()


def test_created_rows_get_ids(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    assert re.fullmatch(r"\d{13}-[a-z0-9]{6}", pipeline.id)
    assert re.fullmatch(r"\d{13}-[a-z0-9]{6}", job.id)


# --- create --------------------------------------------------------------------------------


def test_create_stores_a_submitted_job(pipeline: Pipeline) -> None:
    job = reload(submit(pipeline, user_metadata={"owner": "alice@example.com"}))
    assert job.status == JobStatus.SUBMITTED
    assert job.progress == 0
    assert job.input == {"Key": "media/song.mp3"}
    assert job.output_key_prefix == "processed/"
    assert job.user_metadata == {"owner": "alice@example.com"}
    assert abs(job.submit_time_millis - now_ms()) < 60_000
    assert job.start_time_millis is None
    outputs = list(job.outputs.all())
    assert [(o.index, o.wire_id, o.key, o.preset_id) for o in outputs] == [
        (1, "1", "song.wav", WAV),
        (2, "2", "song.flac", FLAC),
    ]
    assert all(o.status == JobStatus.SUBMITTED for o in outputs)


def test_unknown_pipeline_is_not_found(db: None) -> None:
    with pytest.raises(NotFoundError, match="pipeline"):
        service.create_job(
            JobRequest("1111111111111-abcdef", JobInput("a.mp3"), (RequestedOutput("a", WAV),))
        )


def test_unknown_preset_is_not_found(pipeline: Pipeline) -> None:
    with pytest.raises(NotFoundError, match="1999999999999-zzzzzz"):
        submit(pipeline, outputs=[RequestedOutput("a.wav", "1999999999999-zzzzzz")])
    assert not Job.objects.exists()


def test_malformed_preset_id_is_invalid(pipeline: Pipeline) -> None:
    with pytest.raises(ValidationError, match=r"at 'outputs\.1\.member\.presetId'.*pattern"):
        submit(pipeline, outputs=[RequestedOutput("a.wav", "wav please")])


def test_custom_preset_resolves(pipeline: Pipeline) -> None:
    custom = CustomPreset.objects.create(
        name="Voice",
        container="mp3",
        settings={
            "Audio": {"Codec": "mp3", "SampleRate": "22050", "BitRate": "64", "Channels": "1"}
        },
    )
    job = submit(pipeline, outputs=[RequestedOutput("voice.mp3", custom.id)])
    assert job.outputs.get().preset_id == custom.id


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ([], "1 to 30 outputs"),
        ([RequestedOutput("a.wav", WAV)] * 31, "at 'outputs'.* less than or equal to 30"),
        (
            [RequestedOutput("same.wav", WAV), RequestedOutput("same.wav", FLAC)],
            r"Outputs\[1\]\.Key.*unique",
        ),
        (
            [RequestedOutput("k" * 256, WAV)],
            r"'outputs\.1\.member\.key'.* less than or equal to 255",
        ),
        ([RequestedOutput("", WAV)], r"'outputs\.1\.member\.key'.* greater than or equal to 1"),
        ([RequestedOutput("a.wav", "")], r"Value '' at 'outputs\.1\.member\.presetId'"),
        ([RequestedOutput("a.wav", WAV, rotate="45")], r"'outputs\.1\.member\.rotate'"),
        ([RequestedOutput("a.wav", WAV, segment_duration="10")], "ts and fmp4"),
        ([RequestedOutput("a.wav", WAV, thumbnail_pattern="t-{count}")], "no thumbnails"),
        (
            [RequestedOutput("a.mp4", AAC, thumbnail_pattern="thumbs")],
            r"'outputs\.1\.member\.thumbnailPattern'.*\\\{count\\\}",
        ),
    ],
)
def test_bad_outputs_are_refused(
    pipeline: Pipeline, outputs: list[RequestedOutput], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        submit(pipeline, outputs=outputs)
    assert not Job.objects.exists()


def test_keys_are_compared_after_the_prefix(pipeline: Pipeline) -> None:
    job = submit(
        pipeline,
        output_key_prefix="",
        outputs=[RequestedOutput("a/song.wav", WAV), RequestedOutput("b/song.wav", WAV)],
    )
    assert job.outputs.count() == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input": JobInput("k" * 1025)}, r"'input\.key'.* less than or equal to 1024"),
        ({"input": JobInput("")}, r"'input\.key'.* greater than or equal to 1"),
        ({"input": JobInput("a.mp3", container="exe")}, r"Value 'exe' at 'input\.container'"),
        ({"output_key_prefix": "p" * 256}, "'outputKeyPrefix'.* less than or equal to 255"),
        ({"user_metadata": {f"k{i}": "v" for i in range(11)}}, "at most 10"),
        ({"user_metadata": {"note": "semi;colon"}}, "UserMetadata"),
    ],
)
def test_bad_requests_are_refused(
    pipeline: Pipeline, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        submit(pipeline, None, False, **kwargs)


HLS_2M, HLS_400K, MP4_720P = (
    "1351620000001-200010",
    "1351620000001-200050",
    "1351620000001-000010",
)
HLS_OUTPUTS = (
    RequestedOutput("hls/2m", HLS_2M, segment_duration="2"),
    RequestedOutput("hls/400k", HLS_400K, segment_duration="2"),
)


@pytest.mark.parametrize(
    ("outputs", "playlists", "message"),
    [
        (
            (RequestedOutput("hls/v.mp4", MP4_720P),),
            [PlaylistRequest("hls/p", "HLSv4", ("hls/v.mp4",))],
            "All output keys in a HLSv4 playlist must have container type of ts.",
        ),
        (
            HLS_OUTPUTS,
            [
                PlaylistRequest("hls/a", "HLSv3", ("hls/2m",)),
                PlaylistRequest("hls/b", "HLSv4", ("hls/2m",)),
            ],
            "also in a HLSv3 playlist",
        ),
        (HLS_OUTPUTS, [PlaylistRequest("p", "Smooth", ("hls/2m",))], "Smooth playlists are not"),
        (
            HLS_OUTPUTS,
            [PlaylistRequest("p", "MPEG-DASH", ("hls/2m",))],
            "MPEG-DASH playlists are not",
        ),
        (
            HLS_OUTPUTS,
            [PlaylistRequest("other/p", "HLSv3", ("hls/2m", "hls/400k"))],
            "must begin identically to the playlist name upto the last / character",
        ),
        (
            HLS_OUTPUTS,
            [
                PlaylistRequest("hls/a", "HLSv3", ("hls/2m",)),
                PlaylistRequest("x/b", "HLSv3", ("hls/400k",)),
            ],
            "before the last / must be the same",
        ),
        (
            HLS_OUTPUTS,
            [
                PlaylistRequest("hls/a", "HLSv3", ("hls/2m",)),
                PlaylistRequest("hls/a", "HLSv3", ("hls/400k",)),
            ],
            "unique",
        ),
        (HLS_OUTPUTS, [PlaylistRequest("p", "HLSv3", ("nope",))], "not an output of this job"),
        (
            (HLS_OUTPUTS[0], RequestedOutput("hls/400k", HLS_400K, segment_duration="4")),
            [PlaylistRequest("hls/p", "HLSv3", ("hls/2m", "hls/400k"))],
            "same SegmentDuration",
        ),
        (
            (HLS_OUTPUTS[0], RequestedOutput("hls/flat", HLS_400K)),
            [PlaylistRequest("hls/p", "HLSv3", ("hls/2m", "hls/flat"))],
            "Output 'hls/flat' must have a SegmentDuration since it is part of a playlist",
        ),
        (
            (HLS_OUTPUTS[0], RequestedOutput("hls/v.mp4", MP4_720P)),
            [PlaylistRequest("hls/p", "HLSv3", ("hls/2m", "hls/v.mp4"))],
            "available only for 'ts' containers",
        ),
        (
            (RequestedOutput("hls/2m", HLS_2M, segment_duration="61"),),
            [],
            "between 1 and 60 seconds",
        ),
        (
            (RequestedOutput("d", "1351620000001-500020", segment_duration="2"),),
            [],
            "segmented fmp4 outputs .* are not supported yet",
        ),
    ],
)
def test_playlist_rules_are_elastic_transcoders(
    pipeline: Pipeline,
    outputs: tuple[RequestedOutput, ...],
    playlists: list[PlaylistRequest],
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=message):
        submit(pipeline, outputs=outputs, playlists=playlists)
    assert not Job.objects.exists()


def test_hlsv3_playlist_is_accepted_and_stored_submitted(pipeline: Pipeline) -> None:
    playlist = PlaylistRequest("hls/master", "HLSv3", ("hls/2m", "hls/400k"))
    job = submit(pipeline, outputs=HLS_OUTPUTS, playlists=[playlist])
    assert job.playlists == [
        {
            "Name": "hls/master",
            "Format": "HLSv3",
            "OutputKeys": ["hls/2m", "hls/400k"],
            "Status": "Submitted",
            "StatusDetail": "",
        }
    ]


def test_existing_playlist_or_segment_keys_are_refused(pipeline: Pipeline) -> None:
    from mediamill.buckets import get_bucket

    media = get_bucket("media")
    media.write("processed/hls/2m00000.ts", io.BytesIO(b"x"))
    with pytest.raises(ValidationError, match=re.escape("2m00000.ts' already exists")) as caught:
        submit(pipeline, outputs=HLS_OUTPUTS)
    assert caught.value.code == 3002
    media.delete("processed/hls/2m00000.ts")
    media.write("processed/hls/master.m3u8", io.BytesIO(b"x"))
    playlist = PlaylistRequest("hls/master", "HLSv3", ("hls/2m",))
    with pytest.raises(ValidationError, match=re.escape("Playlists[0].Name")):
        submit(pipeline, outputs=HLS_OUTPUTS, playlists=[playlist])


def test_keys_no_bucket_accepts_are_refused_at_creation(pipeline: Pipeline) -> None:
    # Elastic Transcoder allowed 1024-character input keys; mediamill's buckets take 255,
    # so a longer key is refused now, with the reason, rather than failing when run.
    assert submit(pipeline, input=JobInput("k" * 255)).input_key == "k" * 255
    for bad in ("k" * 256, "../etc/passwd", "/etc/passwd", "a/../../b", "nul\x00byte"):
        with pytest.raises(ValidationError, match=r"Input\.Key"):
            submit(pipeline, input=JobInput(bad))
    with pytest.raises(ValidationError, match=r"Outputs\[0\]\.Key"):
        submit(pipeline, outputs=[RequestedOutput("../escape.wav", WAV)])


def test_existing_outputs_are_refused_for_every_caller(pipeline: Pipeline) -> None:
    # The domain asks the bucket itself (no callback to forget): the Python API, the admin
    # and the REST API all get the same 3002 refusal.
    put(get_bucket("media"), "processed/song.flac")
    with pytest.raises(ValidationError, match="already exists") as caught:
        submit(pipeline)
    assert caught.value.code == 3002
    assert "Outputs[1].Key: 'processed/song.flac' already exists in bucket 'media'" in str(
        caught.value.message
    )
    assert not Job.objects.exists()
    job = submit(pipeline, allow_existing_outputs=True)
    assert job.status == JobStatus.SUBMITTED


def put(bucket: Bucket, key: str) -> None:
    bucket.write(key, io.BytesIO(b"taken"))


def test_content_config_bucket_is_where_outputs_go(db: None) -> None:
    pipe = Pipeline.objects.create(
        name="cc",
        input_bucket="in",
        role="arn:aws:iam::123456789012:role/r",
        output_bucket="media",
        content_config={"Bucket": "content", "Permissions": []},
    )
    put(get_bucket("media"), "processed/song.wav")
    submit(pipe)
    put(get_bucket("content"), "processed/song.wav")
    with pytest.raises(ValidationError, match="'content'") as caught:
        submit(pipe)
    assert caught.value.code == 3002


# --- claim, leases, recovery ---------------------------------------------------------------


def test_claim_starts_the_job(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    claimed = service.claim(job.id, "worker-a", 60)
    assert claimed is not None
    assert claimed.status == JobStatus.PROGRESSING
    assert claimed.claimed_by == "worker-a"
    assert claimed.attempts == 1
    assert claimed.start_time_millis is not None
    assert claimed.lease_expires_at is not None
    assert claimed.lease_expires_at - now_ms() > 55_000
    assert {o.status for o in claimed.outputs.all()} == {JobStatus.PROGRESSING}


def test_claim_makes_playlists_progressing(pipeline: Pipeline) -> None:
    playlist = PlaylistRequest("hls/master", "HLSv3", ("hls/2m", "hls/400k"))
    job = submit(pipeline, outputs=HLS_OUTPUTS, playlists=[playlist])
    claimed = service.claim(job.id, "worker-a", 60)
    assert claimed is not None
    assert [p["Status"] for p in claimed.playlists] == [JobStatus.PROGRESSING]
    assert [p["Status"] for p in reload(job).playlists] == [JobStatus.PROGRESSING]


def test_second_delivery_does_nothing(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    first = service.claim(job.id, "worker-a", 60)
    assert first is not None
    assert service.claim(job.id, "worker-b", 60) is None
    assert service.claim(job.id, "worker-a", 60) is None
    again = reload(job)
    assert (again.claimed_by, again.attempts) == ("worker-a", 1)


def test_unknown_job_is_not_claimed(db: None) -> None:
    assert service.claim("1111111111111-abcdef", "worker-a", 60) is None


@pytest.mark.django_db(transaction=True)
def test_racing_claims_have_exactly_one_winner(pipeline: Pipeline) -> None:
    """Real threads, each with its own database connection, released together."""
    workers = 6
    jobs = [submit(pipeline) for _ in range(4)]
    for job in jobs:
        barrier = threading.Barrier(workers)

        def attempt(
            worker: str, job_id: str = job.id, barrier: threading.Barrier = barrier
        ) -> bool:
            try:
                barrier.wait(timeout=10)
                return service.claim(job_id, worker, 60) is not None
            finally:
                connection.close()

        with ThreadPoolExecutor(workers) as pool:
            won = list(pool.map(attempt, [f"worker-{i}" for i in range(workers)]))
        assert won.count(True) == 1, won
        claimed = reload(job)
        assert claimed.attempts == 1
        assert claimed.claimed_by == f"worker-{won.index(True)}"


@pytest.mark.django_db(transaction=True)
def test_racing_recoveries_have_exactly_one_winner(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    assert service.claim(job.id, "dead-worker", 0.001) is not None
    time.sleep(0.01)
    workers = 6
    barrier = threading.Barrier(workers)

    def attempt(worker: str) -> bool:
        try:
            barrier.wait(timeout=10)
            return service.claim(job.id, worker, 60) is not None
        finally:
            connection.close()

    with ThreadPoolExecutor(workers) as pool:
        won = list(pool.map(attempt, [f"worker-{i}" for i in range(workers)]))
    assert won.count(True) == 1, won
    assert reload(job).attempts == 2


def test_expired_lease_is_recovered_by_another_worker(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    assert service.claim(job.id, "worker-a", 0.001) is not None
    time.sleep(0.01)
    assert service.recoverable_jobs() == [job.id]
    assert service.runnable_jobs() == []

    taken = service.claim(job.id, "worker-b", 60)
    assert taken is not None
    assert (taken.claimed_by, taken.attempts) == ("worker-b", 2)
    assert service.recoverable_jobs() == []

    # The old worker comes back to life: everything it tries is refused.
    assert service.heartbeat(job.id, "worker-a", 60) is False
    assert service.report_progress(job.id, "worker-a", 50) is False
    assert service.complete(job.id, "worker-a", results(job)) is False
    assert service.fail(job.id, "worker-a", MediaError("late")) is False
    assert reload(job).status == JobStatus.PROGRESSING

    assert service.complete(job.id, "worker-b", results(job)) is True
    assert reload(job).status == JobStatus.COMPLETE


def test_heartbeat_keeps_the_lease(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    assert service.claim(job.id, "worker-a", 0.05) is not None
    assert service.heartbeat(job.id, "worker-a", 60) is True
    time.sleep(0.1)
    assert service.recoverable_jobs() == []
    assert service.claim(job.id, "worker-b", 60) is None


def test_recoverable_jobs_takes_a_time(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    claimed = service.claim(job.id, "worker-a", 60)
    assert claimed is not None and claimed.lease_expires_at is not None
    assert service.recoverable_jobs(now=claimed.lease_expires_at) == []
    assert service.recoverable_jobs(now=claimed.lease_expires_at + 1) == [job.id]


def test_a_job_that_keeps_losing_its_workers_fails(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    for attempt in range(service.MAX_ATTEMPTS):
        assert service.claim(job.id, f"worker-{attempt}", 0.001) is not None
        time.sleep(0.01)
    assert service.claim(job.id, "worker-last", 60) is None
    assert service.recoverable_jobs() == []
    assert service.expire_leases() == [job.id]
    failed = reload(job)
    assert failed.status == JobStatus.ERROR
    assert failed.status_detail.startswith("9000 ")
    assert ET_DETAIL.fullmatch(failed.status_detail)
    assert {o.status for o in failed.outputs.all()} == {JobStatus.ERROR}
    assert service.expire_leases() == []


def test_bad_claim_arguments(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    with pytest.raises(ValueError, match="worker_id"):
        service.claim(job.id, "", 60)
    with pytest.raises(ValueError, match="lease_seconds"):
        service.claim(job.id, "worker-a", 0)


# --- paused pipelines ----------------------------------------------------------------------


def test_paused_pipeline_keeps_jobs_queued(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    pipeline.status = "Paused"
    pipeline.save()
    assert service.runnable_jobs() == []
    assert service.claim(job.id, "worker-a", 60) is None
    assert reload(job).status == JobStatus.SUBMITTED

    pipeline.status = "Active"
    pipeline.save()
    assert service.runnable_jobs() == [job.id]
    assert service.claim(job.id, "worker-a", 60) is not None


def test_paused_pipeline_holds_recovery_too(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    assert service.claim(job.id, "worker-a", 0.001) is not None
    time.sleep(0.01)
    Pipeline.objects.filter(pk=pipeline.pk).update(status="Paused")
    assert service.recoverable_jobs() == []
    assert service.claim(job.id, "worker-b", 60) is None
    Pipeline.objects.filter(pk=pipeline.pk).update(status="Active")
    assert service.claim(job.id, "worker-b", 60) is not None


def test_runnable_jobs_oldest_first(pipeline: Pipeline) -> None:
    first, second, third = (submit(pipeline) for _ in range(3))
    # Jobs made in the same millisecond tie; give each its own submit time.
    base = third.submit_time_millis
    for offset, job in ((30, first), (10, second), (20, third)):
        Job.objects.filter(pk=job.pk).update(submit_time_millis=base + offset)
    assert service.runnable_jobs() == [second.id, third.id, first.id]
    assert service.runnable_jobs(limit=1) == [second.id]


# --- progress, complete, fail --------------------------------------------------------------


def test_progress_only_goes_up_and_only_for_the_holder(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    assert service.report_progress(job.id, "worker-a", 10) is False  # not claimed yet
    assert service.claim(job.id, "worker-a", 60) is not None
    assert service.report_progress(job.id, "worker-a", 10) is True
    assert service.report_progress(job.id, "worker-a", 5) is False
    assert service.report_progress(job.id, "worker-a", 10) is False
    assert service.report_progress(job.id, "worker-b", 80) is False
    assert service.report_progress(job.id, "worker-a", 55) is True
    assert reload(job).progress == 55
    with pytest.raises(ValueError):
        service.report_progress(job.id, "worker-a", 101)


def test_complete_records_outputs_once(pipeline: Pipeline) -> None:
    job = submit(
        pipeline,
        outputs=[RequestedOutput("song.wav", WAV), RequestedOutput("clip.mp4", AAC)],
    )
    assert service.claim(job.id, "worker-a", 60) is not None
    measures = {
        1: Measures(duration=20.0, file_size=3_528_044),
        2: Measures(
            duration=2.9699,
            file_size=123_456,
            width=1280,
            height=720,
            frame_rate=Fraction(30000, 1001),
        ),
    }
    assert service.complete(job.id, "worker-a", measures) is True
    done = reload(job)
    assert done.status == JobStatus.COMPLETE
    assert done.progress == 100
    assert done.finish_time_millis is not None
    assert done.lease_expires_at is None
    wav, mp4 = done.outputs.all()
    assert (wav.status, wav.duration, wav.duration_millis, wav.file_size) == (
        JobStatus.COMPLETE,
        20,
        20_000,
        3_528_044,
    )
    assert (wav.width, wav.height, wav.frame_rate) == (None, None, "")
    assert (mp4.duration, mp4.duration_millis, mp4.width, mp4.height, mp4.frame_rate) == (
        3,
        2970,
        1280,
        720,
        "29.97",
    )

    assert service.complete(job.id, "worker-a", measures) is False
    assert service.fail(job.id, "worker-a", MediaError("too late")) is False
    assert service.claim(job.id, "worker-b", 60) is None
    assert reload(job).status == JobStatus.COMPLETE


def test_stored_playlists_finish_with_their_job(pipeline: Pipeline) -> None:
    # Playlists finish with their job: Complete, Error or Canceled with it.
    playlist = {"Name": "song", "Format": "HLSv3", "OutputKeys": ["song.wav"]}
    done, failed, canceled = (submit(pipeline) for _ in range(3))
    stored = [{**playlist, "Status": "Submitted", "StatusDetail": ""}]
    Job.objects.filter(pk__in=[done.pk, failed.pk, canceled.pk]).update(playlists=stored)
    for job in (done, failed):
        assert service.claim(job.id, "worker-a", 60) is not None
    assert service.complete(done.id, "worker-a", results(done))
    assert service.fail(failed.id, "worker-a", MediaError("bad"))
    service.cancel(canceled.id)
    for job, status in ((done, "Complete"), (failed, "Error"), (canceled, "Canceled")):
        assert [p["Status"] for p in reload(job).playlists] == [status]


def test_the_inspected_input_is_recorded_by_its_worker_only(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    video = StreamInfo(0, "video", "h264", width=1280, height=720, frame_rate=Fraction(30000, 1001))
    media = MediaInfo("mov,mp4,m4a,3gp,3g2,mj2", 123_456, 3.2, None, (video,))
    assert not service.record_input(job.id, "worker-a", media), "not claimed yet"
    assert service.claim(job.id, "worker-a", 60) is not None
    assert not service.record_input(job.id, "worker-b", media)
    assert service.record_input(job.id, "worker-a", media)
    assert reload(job).input == {
        "Key": "media/song.mp3",
        "DetectedProperties": {
            "FileSize": 123_456,
            "Width": 1280,
            "Height": 720,
            "FrameRate": "29.97",
            "DurationMillis": 3200,
        },
    }


def test_complete_needs_every_output(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    assert service.claim(job.id, "worker-a", 60) is not None
    with pytest.raises(ValueError, match="results for outputs"):
        service.complete(job.id, "worker-a", {1: Measures()})
    assert reload(job).status == JobStatus.PROGRESSING


def test_fail_one_output_sets_et_status_details(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    assert service.claim(job.id, "worker-a", 60) is not None
    error = MediaError("mediamill could not interpret the audio file.", code=4001)
    assert service.fail(job.id, "worker-a", error, output_index="2") is True
    failed = reload(job)
    assert failed.status == JobStatus.ERROR
    assert failed.finish_time_millis is not None
    assert ET_DETAIL.fullmatch(failed.status_detail)
    assert failed.status_detail.startswith("4001 ")
    assert failed.status_detail.endswith(":mediamill could not interpret the audio file.")
    wav, flac = failed.outputs.all()
    assert flac.status == JobStatus.ERROR
    assert flac.status_detail == failed.status_detail
    assert wav.status == JobStatus.ERROR
    error_id = failed.status_detail.split(":")[0]
    assert wav.status_detail == f"{error_id}:Not written: output 2 failed."
    assert service.fail(job.id, "worker-a", error) is False


def test_fail_whole_job_with_a_formatted_detail(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    assert service.claim(job.id, "worker-a", 60) is not None
    detail = service.format_detail(3001, "The input file media/song.mp3 does not exist.")
    assert ET_DETAIL.fullmatch(detail)
    assert service.fail(job.id, "worker-a", detail) is True
    failed = reload(job)
    assert failed.status_detail == detail
    assert {o.status_detail for o in failed.outputs.all()} == {detail}


def test_fail_refuses_free_text(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    assert service.claim(job.id, "worker-a", 60) is not None
    with pytest.raises(ValueError, match="<code> <uuid>:<text>"):
        service.fail(job.id, "worker-a", "it broke")
    with pytest.raises(ValueError, match="no output 7"):
        service.fail(job.id, "worker-a", MediaError("x"), output_index=7)
    assert reload(job).status == JobStatus.PROGRESSING


def test_status_detail_is_cut_to_255(pipeline: Pipeline) -> None:
    assert len(service.format_detail(9000, "x" * 400)) == 255


# --- cancel --------------------------------------------------------------------------------


def test_cancel_only_when_submitted(pipeline: Pipeline) -> None:
    queued, running = submit(pipeline), submit(pipeline)
    service.cancel(queued.id)
    canceled = reload(queued)
    assert canceled.status == JobStatus.CANCELED
    assert {o.status for o in canceled.outputs.all()} == {JobStatus.CANCELED}
    assert service.claim(queued.id, "worker-a", 60) is None
    with pytest.raises(InvalidStateError, match="is Canceled: only Submitted"):
        service.cancel(queued.id)

    assert service.claim(running.id, "worker-a", 60) is not None
    with pytest.raises(InvalidStateError, match="is Progressing: only Submitted"):
        service.cancel(running.id)
    with pytest.raises(NotFoundError):
        service.cancel("1111111111111-abcdef")


def test_cancel_works_on_a_paused_pipeline(pipeline: Pipeline) -> None:
    job = submit(pipeline)
    Pipeline.objects.filter(pk=pipeline.pk).update(status="Paused")
    service.cancel(job.id)
    assert reload(job).status == JobStatus.CANCELED


# --- state-changed hook --------------------------------------------------------------------


def test_state_changes_are_announced_after_commit(
    pipeline: Pipeline, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    seen: list[tuple[str, str]] = []

    def listener(sender: object, job_id: str, status: str, **kwargs: object) -> None:
        seen.append((job_id, status))

    def broken(sender: object, **kwargs: object) -> None:
        raise RuntimeError("a broken listener must not stop the others")

    job_state_changed.connect(broken)
    job_state_changed.connect(listener)
    capture = django_capture_on_commit_callbacks
    try:
        done, canceled = submit(pipeline), submit(pipeline)
        with capture(execute=True):
            service.claim(done.id, "worker-a", 0.001)
        time.sleep(0.01)
        with capture(execute=True):
            service.claim(done.id, "worker-b", 60)  # a takeover is not a new start
            service.report_progress(done.id, "worker-b", 50)
        with capture(execute=True):
            service.complete(done.id, "worker-b", results(done))
            service.cancel(canceled.id)
    finally:
        job_state_changed.disconnect(listener)
        job_state_changed.disconnect(broken)
    assert seen == [
        (done.id, JobStatus.PROGRESSING),
        (done.id, JobStatus.COMPLETE),
        (canceled.id, JobStatus.CANCELED),
    ]


def test_nothing_is_announced_when_rolled_back(pipeline: Pipeline) -> None:
    seen: list[str] = []

    def listener(sender: object, job_id: str, status: str, **kwargs: object) -> None:
        seen.append(status)

    job_state_changed.connect(listener)
    try:
        job = submit(pipeline)
        service.claim(job.id, "worker-a", 60)  # the test's transaction never commits
    finally:
        job_state_changed.disconnect(listener)
    assert seen == []
