"""Per-user limits through the API, as boto3 sees them: 429 LimitExceededException.

Before, nothing limited a user: one key created 4,029 jobs in 30 seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.contrib.auth.models import User
from tests.api_helpers import WAV, Client, error_code, new_pipeline, put

from mediamill.buckets import get_bucket
from mediamill.jobs import runner
from mediamill.jobs.models import Job, JobStatus, UserLimits

pytestmark = pytest.mark.django_db(transaction=True)

ONE_WAV = [{"Key": "song.wav", "PresetId": WAV}]


def create(client: Client, pipeline_id: str, prefix: str, outputs: list[Any] = ONE_WAV) -> str:
    job_id: str = client.create_job(
        PipelineId=pipeline_id,
        Input={"Key": "media/song.mp3"},
        Outputs=outputs,
        OutputKeyPrefix=prefix,
    )["Job"]["Id"]
    return job_id


def refused(call: Callable[[], object]) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    assert error_code(caught) == "LimitExceededException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    message: str = caught.value.response["Error"]["Message"]
    return message


@pytest.fixture
def unlimited(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every limit off; each test turns on the one it is about."""
    for name in ("IN_FLIGHT", "PER_MINUTE", "STORED_MB"):
        suffix = "JOBS_" + name if name != "STORED_MB" else name
        monkeypatch.setenv(f"MEDIAMILL_USER_MAX_{suffix}", "0")


def test_jobs_per_minute(
    et: Client,
    client_for: Callable[[User], Client],
    bob: User,
    unlimited: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEDIAMILL_USER_MAX_JOBS_PER_MINUTE", "3")
    pipeline = new_pipeline(et)["Id"]
    for n in range(3):
        create(et, pipeline, f"out/{n}/")
    message = refused(lambda: create(et, pipeline, "out/3/"))
    assert message.startswith("Limit exceeded: at most 3 jobs per minute per user; try again in ")
    assert Job.objects.count() == 3

    # Per user: bob's jobs are not alice's.
    bobs = client_for(bob)
    create(bobs, new_pipeline(bobs)["Id"], "bob/")

    # A minute later (the jobs' submission times moved back) alice may submit again.
    Job.objects.filter(owner__username="alice").update(
        submit_time_millis=Job.objects.get(owner=bob).submit_time_millis - 61_000
    )
    create(et, pipeline, "out/4/")


def test_superusers_are_exempt_unless_configured(
    client_for: Callable[[User], Client], unlimited: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = User.objects.create_superuser("root", password="root-password-1")
    admin = client_for(root)
    monkeypatch.setenv("MEDIAMILL_USER_MAX_JOBS_PER_MINUTE", "1")
    pipeline = new_pipeline(admin)["Id"]
    create(admin, pipeline, "a/")
    create(admin, pipeline, "b/")
    monkeypatch.setenv("MEDIAMILL_LIMIT_SUPERUSERS", "true")
    assert "at most 1 jobs per minute" in refused(lambda: create(admin, pipeline, "c/"))


def test_jobs_in_flight(
    et: Client, alice: User, unlimited: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMILL_USER_MAX_JOBS_IN_FLIGHT", "2")
    pipeline = new_pipeline(et)["Id"]
    first = create(et, pipeline, "1/")
    create(et, pipeline, "2/")
    message = refused(lambda: create(et, pipeline, "3/"))
    assert message == (
        "Limit exceeded: at most 2 jobs in flight (Submitted or Progressing) per user; "
        "try again when some have finished."
    )
    et.cancel_job(Id=first)  # no longer in flight
    create(et, pipeline, "3/")

    # An administrator's per-user value wins over the setting.
    UserLimits.objects.create(user=alice, max_jobs_in_flight=3)
    create(et, pipeline, "4/")
    assert "at most 3 jobs in flight" in refused(lambda: create(et, pipeline, "5/"))


@pytest.mark.slow  # real jobs, over a second
def test_bytes_stored(
    et: Client, song: Path, alice: User, unlimited: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted from the outputs of Complete jobs; checked at CreateJob and before storing."""
    pipeline = new_pipeline(et)["Id"]
    put(song, "media/song.mp3")
    two_wavs = [{"Key": "a.wav", "PresetId": WAV}, {"Key": "b.wav", "PresetId": WAV}]
    first = create(et, pipeline, "first/", two_wavs)  # 4 s of 16-bit stereo: 2 x 0.67 MiB
    second = create(et, pipeline, "second/")
    assert runner.run_job(first) == JobStatus.COMPLETE

    monkeypatch.setenv("MEDIAMILL_USER_MAX_STORED_MB", "2")  # 1.35 MiB stored, 0.67 to come
    assert runner.run_job(second) == JobStatus.ERROR
    job = et.read_job(Id=second)["Job"]
    assert job["Status"] == "Error"
    assert "Limit exceeded: storing these outputs (0.67 MiB)" in job["Outputs"][0]["StatusDetail"]
    assert (
        "over the limit of 2 MiB per user; nothing was stored" in job["Outputs"][0]["StatusDetail"]
    )
    assert sorted(get_bucket("media").list()) == ["first/a.wav", "first/b.wav"]

    monkeypatch.setenv("MEDIAMILL_USER_MAX_STORED_MB", "1")
    message = refused(lambda: create(et, pipeline, "third/"))
    assert message == (
        "Limit exceeded: at most 1 MiB of stored outputs per user, and the outputs of this "
        "user's jobs take 1.35 MiB."
    )
    UserLimits.objects.create(user=alice, max_stored_mb=0)  # no limit for alice
    create(et, pipeline, "third/")
