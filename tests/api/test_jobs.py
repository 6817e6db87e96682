"""Jobs through boto3's elastictranscoder client against a live server, run by real workers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.api_helpers import (
    AAC,
    FLAC,
    ROLE,
    TUTORIAL_OUTPUTS,
    WAV,
    Client,
    error_code,
    new_pipeline,
    paused_pipeline,
    put,
    submit,
)
from tests.decoded import decode

from mediamill.api import pagination
from mediamill.buckets import get_bucket
from mediamill.jobs import service
from mediamill.workers.embedded import EmbeddedWorkers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workers() -> Iterator[EmbeddedWorkers]:
    pool = EmbeddedWorkers(1)
    pool.start()
    yield pool
    pool.stop()


def test_the_tutorial_job(
    et: Client, song: Path, workers: EmbeddedWorkers, tmp_path: Path, alice: Any
) -> None:
    """The tutorial's code, unchanged: find the pipeline by name, create the job, wait."""
    new_pipeline(et, "Audio Files")
    put(song, "media/song.mp3")

    pipeline_id = None
    for page in et.get_paginator("list_pipelines").paginate():
        for pipeline in page["Pipelines"]:
            if pipeline["Name"] == "Audio Files":
                pipeline_id = pipeline["Id"]
    assert pipeline_id is not None
    response = et.create_job(
        PipelineId=pipeline_id,
        Input={
            "Key": "media/song.mp3",
            "FrameRate": "auto",
            "Resolution": "auto",
            "AspectRatio": "auto",
            "Interlaced": "auto",
            "Container": "auto",
        },
        Outputs=[
            {"Key": "processed/song.wav", "PresetId": WAV},
            {"Key": "processed/song.flac", "PresetId": FLAC},
            {"Key": "processed/song.mp4", "PresetId": AAC},
        ],
        UserMetadata={"owner": "alice"},
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 201
    submitted = response["Job"]
    assert submitted["Status"] == "Submitted"
    assert submitted["Arn"] == (
        f"arn:aws:elastictranscoder:us-east-1:{alice.pk:012d}:job/{submitted['Id']}"
    )
    assert submitted["Output"] == submitted["Outputs"][0]
    assert [o["Id"] for o in submitted["Outputs"]] == ["1", "2", "3"]

    et.get_waiter("job_complete").wait(
        Id=submitted["Id"], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )

    raw: list[Any] = []  # boto3 leaves out members its model lacks, such as Progress
    et.meta.events.register(
        "after-call.elastictranscoder.ReadJob", lambda http_response, **_: raw.append(http_response)
    )
    job = et.read_job(Id=submitted["Id"])["Job"]
    assert job["Status"] == "Complete"
    assert json.loads(raw[0].content)["Job"]["Progress"] == 100
    assert job["UserMetadata"] == {"owner": "alice"}
    timing = job["Timing"]
    assert timing["SubmitTimeMillis"] <= timing["StartTimeMillis"] <= timing["FinishTimeMillis"]
    assert job["Output"] == job["Outputs"][0]
    media = get_bucket("media")
    codecs = []
    for output in job["Outputs"]:
        assert output["Status"] == "Complete"
        assert output["Duration"] == 4
        assert output["DurationMillis"] == pytest.approx(4000, abs=100)
        local = tmp_path / Path(output["Key"]).name
        media.download_file(output["Key"], local)
        assert output["FileSize"] == local.stat().st_size
        decoded = decode(local)
        assert decoded.duration == pytest.approx(4.0, abs=0.1)
        assert (decoded.sample_rate, decoded.channels) == (44100, 2)
        codecs.append(decoded.audio_codec)
    assert codecs == ["pcm_s16le", "flac", "aac"]


def test_cancel_a_submitted_job(et: Client) -> None:
    pipeline = paused_pipeline(et)
    job_id = submit(et, pipeline["Id"])
    assert et.read_job(Id=job_id)["Job"]["Status"] == "Submitted"
    assert et.cancel_job(Id=job_id)["ResponseMetadata"]["HTTPStatusCode"] == 202
    job = et.read_job(Id=job_id)["Job"]
    assert job["Status"] == "Canceled"
    assert {o["Status"] for o in job["Outputs"]} == {"Canceled"}
    assert "FinishTimeMillis" in job["Timing"]


def test_a_progressing_job_cannot_be_canceled(et: Client) -> None:
    pipeline = new_pipeline(et)
    job_id = submit(et, pipeline["Id"])
    assert service.claim(job_id, "worker-elsewhere", 60) is not None
    with pytest.raises(ClientError) as caught:
        et.cancel_job(Id=job_id)
    assert error_code(caught) == "ResourceInUseException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_list_jobs_by_pipeline_and_status(et: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)
    pipeline = paused_pipeline(et)
    other = paused_pipeline(et, "other")
    ids = [submit(et, pipeline["Id"], f"media/{n}.mp3") for n in range(3)]
    elsewhere = submit(et, other["Id"])
    et.cancel_job(Id=ids[1])

    by_pipeline = et.get_paginator("list_jobs_by_pipeline")
    pages = list(by_pipeline.paginate(PipelineId=pipeline["Id"]))
    assert len(pages) == 2
    assert [j["Id"] for page in pages for j in page["Jobs"]] == ids
    newest_first = by_pipeline.paginate(PipelineId=pipeline["Id"], Ascending="false")
    assert [j["Id"] for page in newest_first for j in page["Jobs"]] == ids[::-1]

    by_status = et.get_paginator("list_jobs_by_status")
    submitted = [j["Id"] for p in by_status.paginate(Status="Submitted") for j in p["Jobs"]]
    assert submitted == [ids[0], ids[2], elsewhere]
    canceled = et.list_jobs_by_status(Status="Canceled")
    assert [j["Id"] for j in canceled["Jobs"]] == [ids[1]]
    assert "NextPageToken" not in canceled


def test_input_forms(et: Client) -> None:
    pipeline = paused_pipeline(et)
    job = et.create_job(
        PipelineId=pipeline["Id"],
        Inputs=[{"Key": "media/song.mp3"}],
        Output={"Key": "song.wav", "PresetId": WAV},
    )["Job"]
    assert job["Input"] == {"Key": "media/song.mp3"} and job["Inputs"] == [job["Input"]]
    assert [o["Key"] for o in job["Outputs"]] == ["song.wav"]

    with pytest.raises(ClientError) as caught:
        et.create_job(
            PipelineId=pipeline["Id"],
            Inputs=[{"Key": "a.mp3"}, {"Key": "b.mp3"}],
            Outputs=TUTORIAL_OUTPUTS,
        )
    assert error_code(caught) == "ValidationException"
    assert "stitching multiple inputs is not supported" in str(caught.value)


def test_existing_outputs_are_refused(et: Client, song: Path) -> None:
    pipeline = paused_pipeline(et)
    put(song, "processed/song.flac", bucket="media")
    with pytest.raises(ClientError) as caught:
        submit(et, pipeline["Id"])
    assert error_code(caught) == "ValidationException"
    # The domain's own check, as the admin and Python callers get it.
    message = caught.value.response["Error"]["Message"]
    assert "Outputs[1].Key: 'processed/song.flac' already exists in bucket 'media'" in message


@pytest.mark.parametrize(
    ("playlist", "expected"),
    [
        (
            {"Name": "song", "Format": "HLSv3", "OutputKeys": ["song.wav"]},
            "Output 'song.wav' must have a SegmentDuration since it is part of a playlist",
        ),
        (
            {"Name": "song", "Format": "MPEG-DASH", "OutputKeys": ["song.wav"]},
            "MPEG-DASH playlists are not supported yet",
        ),
    ],
)
def test_playlists_break_et_rules_are_refused_with_the_reason(
    et: Client, playlist: dict[str, object], expected: str
) -> None:
    # A wav output cannot be in an HLS playlist; formats nothing writes yet are refused
    # rather than reported Complete without their files.
    pipeline = paused_pipeline(et)
    with pytest.raises(ClientError) as caught:
        submit(et, pipeline["Id"], Playlists=[playlist])
    assert error_code(caught) == "ValidationException"
    assert expected in caught.value.response["Error"]["Message"]
    assert not et.list_jobs_by_pipeline(PipelineId=pipeline["Id"])["Jobs"]


def test_job_limits(et: Client) -> None:
    pipeline = paused_pipeline(et)
    outputs = [{"Key": f"{n}.wav", "PresetId": WAV} for n in range(31)]
    with pytest.raises(ClientError) as caught:
        et.create_job(PipelineId=pipeline["Id"], Input={"Key": "a.mp3"}, Outputs=outputs)
    assert error_code(caught) == "LimitExceededException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    submit(et, pipeline["Id"], Outputs=outputs[:30])

    metadata = {f"key{n}": "value" for n in range(11)}
    with pytest.raises(ClientError) as caught:
        submit(et, pipeline["Id"], "b.mp3", UserMetadata=metadata)
    assert error_code(caught) == "ValidationException"


def test_pipeline_roles_are_kept_not_used(et: Client) -> None:
    pipeline = new_pipeline(et, Role=ROLE)
    assert et.read_pipeline(Id=pipeline["Id"])["Pipeline"]["Role"] == ROLE


def test_hlsv3_playlist_is_accepted_and_read_back_with_its_status(et: Client) -> None:
    pipeline = paused_pipeline(et)
    outputs = [
        {"Key": "hls/2m", "PresetId": "1351620000001-200010", "SegmentDuration": "2"},
        {"Key": "hls/400k", "PresetId": "1351620000001-200050", "SegmentDuration": "2"},
    ]
    playlist = {"Name": "hls/master", "Format": "HLSv3", "OutputKeys": ["hls/2m", "hls/400k"]}
    job_id = submit(et, pipeline["Id"], Outputs=outputs, Playlists=[playlist])
    job = et.read_job(Id=job_id)["Job"]
    assert job["Playlists"] == [{**playlist, "Status": "Submitted", "StatusDetail": ""}]
    assert [o["SegmentDuration"] for o in job["Outputs"]] == ["2", "2"]
