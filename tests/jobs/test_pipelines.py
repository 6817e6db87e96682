"""Pipeline rules in the domain, for Python callers: buckets and topics the owner may use.

The same rules reach API callers through the same functions (tests/api/test_pipelines.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from tests.jobs_helpers import ROLE, WAV

from mediamill.errors import NotFoundError, PermissionDeniedError, ValidationError
from mediamill.jobs import bucket_access, pipelines, service, topic_access
from mediamill.jobs.models import Job, Pipeline
from mediamill.jobs.requests import (
    JobInput,
    JobRequest,
    Notifications,
    PipelineChanges,
    PipelineRequest,
    RequestedOutput,
    RoleTestRequest,
)
from mediamill.notifications.topics import create_topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    return tmp_path


def request(**notifications: str) -> PipelineRequest:
    return PipelineRequest(
        name="p",
        input_bucket="bob-in",
        role=ROLE,
        output_bucket="bob-out",
        notifications=Notifications(**notifications),
    )


def test_a_pipeline_naming_another_users_topic_is_refused() -> None:
    alice, bob = User.objects.create_user("alice"), User.objects.create_user("bob")
    alices = create_topic("alices", owner=alice).arn
    with pytest.raises(ValidationError, match=f"Notifications:Error: the SNS topic {alices}"):
        pipelines.create_pipeline(request(error=alices), owner=bob)
    assert not Pipeline.objects.exists()

    bobs = create_topic("bobs", owner=bob).arn
    pipeline = pipelines.create_pipeline(request(completed=bobs), owner=bob)
    assert pipeline.notify_completed == bobs

    with pytest.raises(ValidationError, match="Notifications:Progressing"):
        pipelines.update_pipeline(
            pipeline.id, PipelineChanges(notifications=Notifications(progressing=alices)), bob
        )
    with pytest.raises(ValidationError, match="Notifications:Warning"):
        pipelines.update_notifications(pipeline.id, Notifications(warning=alices), bob)
    assert Pipeline.objects.get().notifications["Progressing"] == ""

    # An administrator may name any topic; acting for nobody, any topic that exists.
    admin = User.objects.create_superuser("root")
    pipelines.update_notifications(pipeline.id, Notifications(warning=alices), admin)
    pipelines.update_notifications(pipeline.id, Notifications(error=alices), None)
    missing = "arn:aws:sns:us-east-1:000000000001:missing"
    with pytest.raises(ValidationError, match="does not exist"):
        pipelines.update_notifications(pipeline.id, Notifications(error=missing), None)


def test_buckets_are_the_owners_to_name() -> None:
    bob = User.objects.create_user("bob")
    with pytest.raises(PermissionDeniedError):
        pipelines.create_pipeline(
            PipelineRequest(name="p", input_bucket="alice-in", role=ROLE, output_bucket="bob-o"),
            owner=bob,
        )


def test_role_test_reports_topics_as_create_pipeline_judges_them() -> None:
    alice, bob = User.objects.create_user("alice"), User.objects.create_user("bob")
    alices = create_topic("alices", owner=alice).arn
    bobs = create_topic("bobs", owner=bob).arn
    test = RoleTestRequest(ROLE, "bob-in", "bob-out", (bobs, alices))
    messages = pipelines.role_test(test, bob)
    assert len(messages) == 1 and alices in messages[0] and "does not exist" in messages[0]


def test_without_the_notifications_app_topics_are_refused_not_ignored() -> None:
    bob = User.objects.create_user("bob")
    arn = create_topic("bobs", owner=bob).arn
    topic_access.install(None)
    try:
        with pytest.raises(ValidationError, match="notifications are not enabled"):
            pipelines.create_pipeline(request(error=arn), owner=bob)
        pipelines.create_pipeline(request(), owner=bob)  # no topic: nothing to check
    finally:
        from mediamill.notifications.topics import check_notifications

        topic_access.install(check_notifications)


def test_another_users_pipeline_is_not_found_whoever_asks() -> None:
    alice, bob = User.objects.create_user("alice"), User.objects.create_user("bob")
    for bucket in ("shared-in", "shared-out"):
        for user in (alice, bob):  # buckets bob may use too: the pipeline is still alice's
            bucket_access.grant(bucket, user)
    alices = Pipeline.objects.create(
        name="a", input_bucket="shared-in", output_bucket="shared-out", role=ROLE, owner=alice
    )
    job = JobRequest(alices.id, JobInput("song.mp3"), (RequestedOutput("song.wav", WAV),))
    calls: list[Callable[[], object]] = [
        lambda: service.create_job(job, owner=bob),
        lambda: pipelines.update_pipeline(alices.id, PipelineChanges(name="mine"), bob),
        lambda: pipelines.update_status(alices.id, "Paused", bob),
        lambda: pipelines.update_notifications(alices.id, Notifications(), bob),
        lambda: pipelines.delete_pipeline(alices.id, bob),
    ]
    for call in calls:
        with pytest.raises(NotFoundError, match="pipeline was not found"):
            call()
    assert Pipeline.objects.get().name == "a" and not Job.objects.exists()
    made = service.create_job(job, owner=alice)
    with pytest.raises(NotFoundError, match="job was not found"):
        service.cancel(made.id, bob)
    service.cancel(made.id, alice)
    # A shared pipeline (no owner: an administrator's) takes jobs for any user it may serve.
    Pipeline.objects.filter(pk=alices.pk).update(owner=None)
    assert service.create_job(job, owner=bob).owner == bob


def test_python_callers_meet_the_models_constraints_in_aws_words() -> None:
    bad = PipelineRequest(name="n" * 41, input_bucket="in bucket", role="", output_bucket="o")
    with pytest.raises(ValidationError) as caught:
        pipelines.create_pipeline(bad)
    assert caught.value.message.startswith("2 validation errors detected: ")
    assert "at 'name' failed to satisfy constraint: Member must have length less than" in (
        caught.value.message
    )
    assert "Value 'in bucket' at 'inputBucket'" in caught.value.message
    with pytest.raises(ValidationError, match=r"^Role cannot be blank$"):  # AWS's own words
        pipelines.create_pipeline(
            PipelineRequest(name="n", input_bucket="i", role="", output_bucket="o")
        )
    with pytest.raises(ValidationError, match="at 'status' failed to satisfy constraint"):
        pipelines.update_status("1351620000001-abcdef", "Stopped")
