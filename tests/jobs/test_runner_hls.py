"""A job with ET's HLS ladder and an HLSv3 master playlist, run for real and read back from
the output bucket with the ``m3u8`` package."""

from __future__ import annotations

from pathlib import Path

import m3u8
import pytest
from tests.decoded import decode
from tests.jobs_helpers import make_pipeline

from mediamill.buckets import get_bucket
from mediamill.jobs import runner, service
from mediamill.jobs.models import Job, JobStatus
from mediamill.jobs.requests import JobInput, JobRequest, PlaylistRequest, RequestedOutput
from mediamill.testing import write_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LADDER = {
    "hls/2m": "1351620000001-200010",
    "hls/1m5": "1351620000001-200020",
    "hls/1m": "1351620000001-200030",
    "hls/600k": "1351620000001-200040",
    "hls/400k": "1351620000001-200050",
}


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    return tmp_path


def test_hls_ladder_job_stores_segments_variants_and_master(tmp_path: Path) -> None:
    pipeline = make_pipeline()
    clip = write_video(tmp_path / "clip.mp4", 2.0, width=1280, height=720, frame_rate=30)
    get_bucket("uploads").upload_file("media/clip.mp4", clip)
    request = JobRequest(
        pipeline.id,
        JobInput("media/clip.mp4"),
        tuple(RequestedOutput(key, pid, segment_duration="1") for key, pid in LADDER.items()),
        output_key_prefix="processed/",
        playlists=(PlaylistRequest("hls/master", "HLSv3", tuple(LADDER)),),
    )
    job = service.create_job(request)
    assert job.playlists[0]["Status"] == JobStatus.SUBMITTED
    assert runner.run_job(job.id) == JobStatus.COMPLETE

    job = Job.objects.get(pk=job.pk)
    assert job.playlists[0]["Status"] == JobStatus.COMPLETE
    media = get_bucket("media")
    stored = sorted(media.list("processed/"))
    local = tmp_path / "stored"
    for key in stored:
        (local / key).parent.mkdir(parents=True, exist_ok=True)
        media.download_file(key, local / key)
    folder = local / "processed" / "hls"
    master = m3u8.load(str(folder / "master.m3u8"))
    assert [v.uri for v in master.playlists] == [k.split("/")[1] + ".m3u8" for k in LADDER]
    outputs = list(job.outputs.order_by("index"))
    for output, variant in zip(outputs, master.playlists, strict=True):
        name = output.key.split("/")[1]
        media_playlist = m3u8.load(str(folder / variant.uri))
        uris = [s.uri for s in media_playlist.segments]
        assert uris == [f"{name}00000.ts", f"{name}00001.ts"]
        sizes = sum((folder / uri).stat().st_size for uri in uris)
        assert output.file_size == sizes
        assert variant.stream_info.average_bandwidth == pytest.approx(sizes * 8 / 2.0, rel=0.05)
        assert variant.stream_info.resolution == (output.width, output.height)
        total = sum(decode(folder / uri).duration for uri in uris)
        assert total == pytest.approx(2.0, abs=0.1)
        assert output.duration_millis == pytest.approx(2000, abs=100)
    expected = {"processed/hls/master.m3u8"}
    for key in LADDER:
        expected |= {
            f"processed/{key}.m3u8",
            f"processed/{key}00000.ts",
            f"processed/{key}00001.ts",
        }
    assert set(stored) == expected
    assert list((tmp_path / "work").iterdir()) == [], "work folder cleaned up"


def test_thumbnails_go_to_the_thumbnail_bucket_with_the_pattern(tmp_path: Path) -> None:
    pipeline = make_pipeline()
    pipeline.thumbnail_config = {"Bucket": "thumbnails", "StorageClass": "Standard"}
    pipeline.save()
    clip = write_video(tmp_path / "clip.mp4", 2.0, width=1280, height=720, frame_rate=30)
    get_bucket("uploads").upload_file("media/clip.mp4", clip)
    pattern = "thumbs/clip-{resolution}-{count}"
    request = JobRequest(
        pipeline.id,
        JobInput("media/clip.mp4"),
        (
            RequestedOutput("hls/600k", "1351620000001-200040", pattern, segment_duration="1"),
            RequestedOutput("clip.mp4", "1351620000001-000010"),
        ),
        output_key_prefix="processed/",
    )
    job = service.create_job(request)
    assert runner.run_job(job.id) == JobStatus.COMPLETE
    # The HLS preset's thumbnails: png, 192x108 at most, every 60 s: the first frame only.
    assert sorted(get_bucket("thumbnails").list("")) == ["processed/thumbs/clip-192x108-00001.png"]
    local = tmp_path / "thumb.png"
    get_bucket("thumbnails").download_file("processed/thumbs/clip-192x108-00001.png", local)
    picture = decode(local)
    assert (picture.video_codec, picture.width, picture.height) == ("png", 192, 108)
    assert not any("thumb" in key for key in get_bucket("media").list("")), "not with outputs"


#: One preset per container added with the HLS work, as a job stores them.
CONTAINERS = {
    "anim.gif": ("1351620000001-100200", "gif", "gif"),
    "ntsc.mpg": ("1351620000001-100160", "mpeg2video", "mp2"),
    "web.flv": ("1351620000001-100210", "h264", "aac"),
    "smooth.mp4": ("1351620000001-400080", "h264", "aac"),
    "xdcam.mxf": ("1351620000001-100230", "mpeg2video", "pcm_s16le"),
    "single.ts": ("1351620000001-200050", "h264", "aac"),  # no SegmentDuration: one file
}


def test_job_writes_every_new_container(tmp_path: Path) -> None:
    pipeline = make_pipeline()
    clip = write_video(tmp_path / "clip.mp4", 2.0, width=1280, height=720, frame_rate=30)
    get_bucket("uploads").upload_file("media/clip.mp4", clip)
    request = JobRequest(
        pipeline.id,
        JobInput("media/clip.mp4"),
        tuple(RequestedOutput(key, pid) for key, (pid, _, _) in CONTAINERS.items()),
        output_key_prefix="processed/",
    )
    job = service.create_job(request)
    assert runner.run_job(job.id) == JobStatus.COMPLETE
    media = get_bucket("media")
    assert sorted(media.list("processed/")) == sorted(f"processed/{k}" for k in CONTAINERS)
    for key, (_, video_codec, audio_codec) in CONTAINERS.items():
        local = tmp_path / key
        media.download_file(f"processed/{key}", local)
        decoded = decode(local)
        assert decoded.video_codec == video_codec, key
        expected_audio = None if video_codec == "gif" else audio_codec
        assert decoded.audio_codec == expected_audio, key
        assert decoded.duration == pytest.approx(2.0, abs=0.1), key


def test_hlsv4_job_stores_one_file_per_rendition_and_a_v4_master(tmp_path: Path) -> None:
    pipeline = make_pipeline()
    clip = write_video(tmp_path / "clip.mp4", 2.0, width=1280, height=720, frame_rate=30)
    get_bucket("uploads").upload_file("media/clip.mp4", clip)
    keys = {"v4/600k": "1351620000001-200045", "v4/audio": "1351620000001-200060"}
    request = JobRequest(
        pipeline.id,
        JobInput("media/clip.mp4"),
        tuple(RequestedOutput(key, pid, segment_duration="1") for key, pid in keys.items()),
        output_key_prefix="processed/",
        playlists=(PlaylistRequest("v4/master", "HLSv4", tuple(keys)),),
    )
    job = service.create_job(request)
    assert runner.run_job(job.id) == JobStatus.COMPLETE
    media = get_bucket("media")
    assert sorted(media.list("processed/")) == [
        "processed/v4/600k.ts",
        "processed/v4/600k_iframe.m3u8",
        "processed/v4/600k_v4.m3u8",
        "processed/v4/audio.ts",
        "processed/v4/audio_v4.m3u8",
        "processed/v4/master.m3u8",
    ]
    local = tmp_path / "stored"
    for key in media.list("processed/"):
        (local / key).parent.mkdir(parents=True, exist_ok=True)
        media.download_file(key, local / key)
    folder = local / "processed" / "v4"
    master = m3u8.load(str(folder / "master.m3u8"))
    assert [p.uri for p in master.playlists] == ["600k_v4.m3u8", "audio_v4.m3u8"]
    assert [p.uri for p in master.iframe_playlists] == ["600k_iframe.m3u8"]
    variant = m3u8.load(str(folder / "600k_v4.m3u8"))
    assert {s.uri for s in variant.segments} == {"600k.ts"}
    assert decode(folder / "600k.ts").duration == pytest.approx(2.0, abs=0.1)
    assert Job.objects.get(pk=job.pk).playlists[0]["Status"] == JobStatus.COMPLETE
