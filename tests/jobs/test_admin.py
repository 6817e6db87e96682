"""Admin pages for pipelines, presets, jobs and outputs load and behave, for a superuser."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from tests.jobs_helpers import AAC, FLAC, WAV, make_pipeline, submit

from mediamill.buckets import get_bucket
from mediamill.jobs import service
from mediamill.jobs.models import CustomPreset, Job, JobStatus, Pipeline
from mediamill.notifications.topics import create_topic


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Buckets in a folder of this test's own (creating a job asks them about outputs)."""
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def job(db: None) -> Job:
    return submit(make_pipeline(), user_metadata={"title": "My song"})


@pytest.fixture
def preset(db: None) -> CustomPreset:
    return CustomPreset.objects.create(
        name="Voice",
        container="mp3",
        settings={
            "Audio": {"Codec": "mp3", "SampleRate": "22050", "BitRate": "64", "Channels": "1"}
        },
    )


@pytest.mark.parametrize("model", ["pipeline", "custompreset", "job", "joboutput"])
def test_changelist_and_change_pages_load(
    admin_client: Client, job: Job, preset: CustomPreset, model: str
) -> None:
    objects = {
        "pipeline": job.pipeline,
        "custompreset": preset,
        "job": job,
        "joboutput": job.outputs.first(),
    }
    obj = objects[model]
    assert obj is not None
    listing = admin_client.get(reverse(f"admin:jobs_{model}_changelist"))
    assert listing.status_code == 200
    assert str(obj.pk) in listing.content.decode()
    page = admin_client.get(reverse(f"admin:jobs_{model}_change", args=[obj.pk]))
    assert page.status_code == 200


def test_search_and_filters_work(admin_client: Client, job: Job) -> None:
    url = reverse("admin:jobs_job_changelist")
    assert job.id in admin_client.get(url, {"q": "song.flac"}).content.decode()
    assert job.id in admin_client.get(url, {"status__exact": "Submitted"}).content.decode()
    assert job.id not in admin_client.get(url, {"status__exact": "Error"}).content.decode()


def test_pipelines_and_presets_can_be_added(admin_client: Client) -> None:
    assert admin_client.get(reverse("admin:jobs_pipeline_add")).status_code == 200
    assert admin_client.get(reverse("admin:jobs_custompreset_add")).status_code == 200
    response = admin_client.post(
        reverse("admin:jobs_pipeline_add"),
        {
            "name": "tutorial",
            "status": "Active",
            "input_bucket": "uploads",
            "output_bucket": "media",
            "role": "arn:aws:iam::123456789012:role/Elastic_Transcoder_Default_Role",
            "content_config": "{}",
            "thumbnail_config": "{}",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Pipeline.objects.get().name == "tutorial"


def test_pipelines_may_name_only_topics_their_owner_may_use(admin_client: Client) -> None:
    alice, bob = User.objects.create_user("alice"), User.objects.create_user("bob")
    alices = create_topic("alices", owner=alice).arn
    form = {
        "name": "bobs",
        "status": "Active",
        "input_bucket": "bob-in",
        "output_bucket": "bob-out",
        "role": "arn:aws:iam::123456789012:role/Elastic_Transcoder_Default_Role",
        "notify_completed": alices,
        "owner": bob.pk,
        "content_config": "{}",
        "thumbnail_config": "{}",
    }
    refused = admin_client.post(reverse("admin:jobs_pipeline_add"), form)
    assert refused.status_code == 200 and "does not exist" in refused.content.decode()
    assert not Pipeline.objects.exists()
    # Without an owner (the administrator's own), any topic that exists.
    response = admin_client.post(reverse("admin:jobs_pipeline_add"), {**form, "owner": ""})
    assert response.status_code == 302
    assert Pipeline.objects.get().notify_completed == alices


def test_preset_settings_are_validated(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:jobs_custompreset_add"),
        {
            "name": "Broken",
            "container": "flac",
            "settings": '{"Audio": {"Codec": "mp3", "BitRate": "999"}}',
        },
    )
    assert response.status_code == 200
    assert "validation error" in response.content.decode()
    assert not CustomPreset.objects.exists()


def test_jobs_can_be_created_through_the_service(admin_client: Client, job: Job) -> None:
    add = reverse("admin:jobs_job_add")
    assert admin_client.get(add).status_code == 200
    response = admin_client.post(
        add,
        {
            "pipeline": job.pipeline.pk,
            "input_key": "media/song.mp3",
            "presets": [WAV, FLAC, AAC],
            "output_key_prefix": "processed/",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Job.objects.exclude(pk=job.pk).get()
    assert created.status == JobStatus.SUBMITTED
    assert created.owner is not None and created.owner.is_superuser
    assert [(o.key, o.preset_id) for o in created.outputs.order_by("index")] == [
        ("song.wav", WAV),
        ("song.flac", FLAC),
        ("song.mp4", AAC),
    ]

    refused = admin_client.post(
        add, {"pipeline": job.pipeline.pk, "input_key": "../etc/passwd", "presets": [WAV]}
    )
    assert refused.status_code == 200 and "errornote" in refused.content.decode()
    assert Job.objects.count() == 2


def test_an_existing_output_is_refused_in_the_admin_too(admin_client: Client, job: Job) -> None:
    # The same 3002 refusal as from the API and from Python: the rule is the service's.
    get_bucket("media").write("processed/song.flac", io.BytesIO(b"taken"))
    response = admin_client.post(
        reverse("admin:jobs_job_add"),
        {
            "pipeline": job.pipeline.pk,
            "input_key": "media/song.mp3",
            "presets": [WAV, FLAC],
            "output_key_prefix": "processed/",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "errornote" in page
    assert "Outputs[1].Key: &#x27;processed/song.flac&#x27; already exists in bucket" in page
    assert Job.objects.count() == 1


def test_jobs_cannot_be_edited_in_the_admin(admin_client: Client, job: Job) -> None:
    admin_client.post(
        reverse("admin:jobs_job_change", args=[job.pk]),
        {"status": "Complete", "progress": "100"},
    )
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUBMITTED


def test_cancel_action_goes_through_the_service(admin_client: Client, job: Job) -> None:
    running = submit(job.pipeline)
    assert service.claim(running.id, "worker-a", 60) is not None
    response = admin_client.post(
        reverse("admin:jobs_job_changelist"),
        {"action": "cancel_jobs", "_selected_action": [job.pk, running.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELED
    assert Job.objects.get(pk=running.pk).status == JobStatus.PROGRESSING
    assert "only Submitted jobs can be canceled" in response.content.decode()
