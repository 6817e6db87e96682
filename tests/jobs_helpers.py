"""Helpers shared by the job tests."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from mediamill.jobs import bucket_access, service
from mediamill.jobs.models import Job, Pipeline

if TYPE_CHECKING:
    from django.contrib.auth.models import User

WAV = "1351620000001-300300"
FLAC = "1351620000001-300110"
AAC = "1351620000001-100110"
ROLE = "arn:aws:iam::123456789012:role/Elastic_Transcoder_Default_Role"


@dataclass(frozen=True)
class Measures:
    duration: float = 20.0
    file_size: int = 3_528_044
    width: int | None = None
    height: int | None = None
    frame_rate: Fraction | None = None


def make_pipeline() -> Pipeline:
    return Pipeline.objects.create(
        name="tutorial", input_bucket="uploads", output_bucket="media", role=ROLE
    )


def tutorial_user(username: str) -> User:
    """A user who is not a superuser, granted the tutorial pipeline's buckets."""
    from django.contrib.auth.models import User

    user = User.objects.create_user(username)
    for bucket in ("uploads", "media"):
        bucket_access.grant(bucket, user)
    return user


def submit(pipeline: Pipeline, **kwargs: Any) -> Job:
    """The tutorial's job: one MP3 in, WAV and FLAC out under another prefix."""
    args: dict[str, Any] = {
        "input": {"Key": "media/song.mp3"},
        "outputs": [{"Key": "song.wav", "PresetId": WAV}, {"Key": "song.flac", "PresetId": FLAC}],
        "output_key_prefix": "processed/",
    }
    args.update(kwargs)
    return service.create_job(pipeline.id, **args)


def results(job: Job) -> dict[int, Measures]:
    return {o.index: Measures() for o in job.outputs.all()}
