"""Details of Elastic Transcoder's behaviour, as boto3's own client (botocore 1.42.17) sees
them: CreatePreset's Warning, TestRole's judgement of topics, cross-region warnings (6006),
deprecated system preset IDs, and what ReadJob tells about the input and outputs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from tests.api_helpers import AAC, ROLE, WAV, Client, new_pipeline, put

from mediamill.notifications.topics import create_topic
from mediamill.presets import DEPRECATED_PRESET_IDS
from mediamill.testing import write_video
from mediamill.workers.embedded import EmbeddedWorkers

pytestmark = pytest.mark.django_db(transaction=True)

NO_TOPICS = {"Progressing": "", "Completed": "", "Warning": "", "Error": ""}


@pytest.fixture
def workers() -> Iterator[EmbeddedWorkers]:
    pool = EmbeddedWorkers(1)
    pool.start()
    yield pool
    pool.stop()


def test_create_preset_answers_an_empty_warning(et: Client) -> None:
    created = et.create_preset(
        Name="voice", Container="mp3", Audio={"Codec": "mp3", "BitRate": "64", "Channels": "1"}
    )
    assert created["Warning"] == ""
    assert created["Preset"]["Name"] == "voice"


def test_test_role_judges_topics_as_create_pipeline_does(et: Client, bob: User) -> None:
    mine = create_topic("mine", owner=User.objects.get(username="alice")).arn
    bobs = create_topic("bobs", owner=bob).arn
    missing = "arn:aws:sns:us-east-1:000000000001:nobody-made-this"

    ok = et.test_role(Role=ROLE, InputBucket="uploads", OutputBucket="media", Topics=[mine])
    assert (ok["Success"], ok["Messages"]) == ("true", [])

    failed = et.test_role(
        Role=ROLE, InputBucket="uploads", OutputBucket="media", Topics=[mine, bobs, missing]
    )
    assert failed["Success"] == "false"
    assert len(failed["Messages"]) == 2
    assert bobs in failed["Messages"][0] and missing in failed["Messages"][1]
    assert all("does not exist" in message for message in failed["Messages"])
    for arn in (bobs, missing):  # the same judgement CreatePipeline makes
        with pytest.raises(et.exceptions.ValidationException, match="does not exist"):
            et.create_pipeline(
                Name="x",
                InputBucket="uploads",
                OutputBucket="media",
                Role=ROLE,
                Notifications={**NO_TOPICS, "Error": arn},
            )


def test_topics_in_another_region_are_warned_of(
    et: Client, client_for: Callable[[User], Any], alice: User
) -> None:
    here = create_topic("here", owner=alice).arn  # MEDIAMILL_REGION: us-east-1
    away = create_topic("away", owner=alice, region="eu-west-1").arn
    quiet = et.create_pipeline(
        Name="same region",
        InputBucket="uploads",
        OutputBucket="media",
        Role=ROLE,
        Notifications={**NO_TOPICS, "Completed": here},
    )
    assert quiet["Warnings"] == []

    warned = et.create_pipeline(
        Name="cross region",
        InputBucket="uploads",
        OutputBucket="media",
        Role=ROLE,
        Notifications={**NO_TOPICS, "Progressing": here, "Error": away},
    )
    assert [w["Code"] for w in warned["Warnings"]] == ["6006"]
    assert away in warned["Warnings"][0]["Message"]
    assert "eu-west-1" in warned["Warnings"][0]["Message"]

    updated = et.update_pipeline(
        Id=quiet["Pipeline"]["Id"], Notifications={**NO_TOPICS, "Warning": away}
    )
    assert [w["Code"] for w in updated["Warnings"]] == ["6006"]
    cleared = et.update_pipeline(Id=quiet["Pipeline"]["Id"], Notifications=NO_TOPICS)
    assert cleared["Warnings"] == []


def test_deprecated_system_presets_are_read_under_their_own_id(et: Client) -> None:
    old, replacement = "1351620000001-100140", "1351620000001-100141"
    assert DEPRECATED_PRESET_IDS[old] == replacement
    preset = et.read_preset(Id=old)["Preset"]
    assert preset["Id"] == old and preset["Arn"].endswith(f":preset/{old}")
    assert preset["Type"] == "System"
    assert preset["Audio"] == et.read_preset(Id=replacement)["Preset"]["Audio"]

    pipeline = new_pipeline(et)
    et.update_pipeline_status(Id=pipeline["Id"], Status="Paused")
    job = et.create_job(
        PipelineId=pipeline["Id"],
        Input={"Key": "media/song.mp3"},
        Outputs=[{"Key": "song.mp4", "PresetId": old}],
    )["Job"]
    assert job["Outputs"][0]["PresetId"] == old


@pytest.mark.slow  # a real job through the workers, over a second
def test_read_job_tells_the_detected_input_and_output_durations(
    et: Client, workers: EmbeddedWorkers, tmp_path: Path
) -> None:
    clip = write_video(tmp_path / "clip.mp4", 2.0, width=320, height=240, frame_rate=25)
    put(clip, "media/clip.mp4")
    pipeline = new_pipeline(et)
    submitted = et.create_job(
        PipelineId=pipeline["Id"],
        Input={"Key": "media/clip.mp4"},
        Outputs=[{"Key": "clip.wav", "PresetId": WAV}, {"Key": "clip.m4a", "PresetId": AAC}],
    )["Job"]
    assert "DetectedProperties" not in submitted["Input"], "not inspected yet"
    et.get_waiter("job_complete").wait(
        Id=submitted["Id"], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    job = et.read_job(Id=submitted["Id"])["Job"]
    detected = job["Input"]["DetectedProperties"]
    assert (detected["Width"], detected["Height"], detected["FrameRate"]) == (320, 240, "25")
    assert detected["FileSize"] == clip.stat().st_size
    assert detected["DurationMillis"] == pytest.approx(2000, abs=100)
    assert job["Inputs"][0]["DetectedProperties"] == detected
    for output in job["Outputs"]:
        assert output["Status"] == "Complete"
        assert output["DurationMillis"] == pytest.approx(2000, abs=100)
