"""Helpers shared by the job tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from mediamill.jobs import bucket_access, service
from mediamill.jobs.models import Job, Pipeline
from mediamill.jobs.requests import JobInput, JobRequest, RequestedOutput

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


TUTORIAL_OUTPUTS = (RequestedOutput("song.wav", WAV), RequestedOutput("song.flac", FLAC))


def job_request(pipeline: Pipeline, **kwargs: Any) -> JobRequest:
    """The tutorial's job: one MP3 in, WAV and FLAC out under another prefix."""
    args: dict[str, Any] = {
        "input": JobInput("media/song.mp3"),
        "outputs": TUTORIAL_OUTPUTS,
        "output_key_prefix": "processed/",
    }
    args.update(kwargs)
    args["outputs"] = tuple(args["outputs"])
    return JobRequest(pipeline.id, **args)


def submit(
    pipeline: Pipeline,
    owner: User | None = None,
    allow_existing_outputs: bool = False,
    **kwargs: Any,
) -> Job:
    """Create the tutorial's job (``job_request``'s arguments change it)."""
    request = job_request(pipeline, **kwargs)
    return service.create_job(request, owner=owner, allow_existing_outputs=allow_existing_outputs)


def results(job: Job) -> dict[int, Measures]:
    return {o.index: Measures() for o in job.outputs.all()}


def request_for(
    pipeline_id: str, input_key: str, outputs: Sequence[Mapping[str, str]], prefix: str = ""
) -> JobRequest:
    """A job request from CreateJob-like output dicts (``{"Key": ..., "PresetId": ...}``)."""
    return JobRequest(
        pipeline_id,
        JobInput(input_key),
        tuple(RequestedOutput(o["Key"], o["PresetId"]) for o in outputs),
        output_key_prefix=prefix,
    )
