"""Users see only their own pipelines, presets and jobs; another user's are "not found"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.contrib.auth.models import User
from tests.api_helpers import (
    WAV,
    Client,
    error_code,
    new_pipeline,
    paused_pipeline,
    submit,
)

pytestmark = pytest.mark.django_db(transaction=True)

MakeClient = Callable[[User], Client]


def _not_found(call: Callable[[], Any]) -> None:
    with pytest.raises(ClientError) as caught:
        call()
    assert error_code(caught) == "ResourceNotFoundException"


def test_users_cannot_reach_each_others_objects(
    client_for: MakeClient, alice: User, bob: User
) -> None:
    et_alice, et_bob = client_for(alice), client_for(bob)
    pipeline = paused_pipeline(et_alice)["Id"]
    job = submit(et_alice, pipeline)
    preset = et_alice.create_preset(
        Name="mine", Container="flac", Audio={"Codec": "flac", "SampleRate": "44100"}
    )["Preset"]["Id"]
    own = new_pipeline(et_bob, "bob's")["Id"]

    assert [p["Id"] for p in et_bob.list_pipelines()["Pipelines"]] == [own]
    assert et_bob.list_jobs_by_status(Status="Submitted")["Jobs"] == []
    assert preset not in [p["Id"] for p in et_bob.list_presets()["Presets"]]
    for call in (
        lambda: et_bob.read_pipeline(Id=pipeline),
        lambda: et_bob.update_pipeline(Id=pipeline, Name="taken"),
        lambda: et_bob.update_pipeline_status(Id=pipeline, Status="Active"),
        lambda: et_bob.update_pipeline_notifications(Id=pipeline, Notifications={}),
        lambda: et_bob.delete_pipeline(Id=pipeline),
        lambda: et_bob.list_jobs_by_pipeline(PipelineId=pipeline),
        lambda: et_bob.read_job(Id=job),
        lambda: et_bob.cancel_job(Id=job),
        lambda: et_bob.read_preset(Id=preset),
        lambda: et_bob.delete_preset(Id=preset),
        lambda: et_bob.create_job(
            PipelineId=pipeline, Input={"Key": "a.mp3"}, Outputs=[{"Key": "a.wav", "PresetId": WAV}]
        ),
        lambda: et_bob.create_job(
            PipelineId=own, Input={"Key": "a.mp3"}, Outputs=[{"Key": "a.flac", "PresetId": preset}]
        ),
    ):
        _not_found(call)

    # Nothing changed for Alice.
    assert et_alice.read_pipeline(Id=pipeline)["Pipeline"]["Status"] == "Paused"
    assert et_alice.read_job(Id=job)["Job"]["Status"] == "Submitted"
    assert et_alice.read_preset(Id=preset)["Preset"]["Name"] == "mine"


def test_an_administrator_sees_everything(client_for: MakeClient, alice: User) -> None:
    admin = User.objects.create_superuser("root", password="root-password-1")
    et_alice, et_admin = client_for(alice), client_for(admin)
    pipeline = paused_pipeline(et_alice)["Id"]
    job = submit(et_alice, pipeline)
    assert [p["Id"] for p in et_admin.list_pipelines()["Pipelines"]] == [pipeline]
    assert et_admin.read_job(Id=job)["Job"]["Arn"].endswith(f":{alice.pk:012d}:job/{job}")
    et_admin.cancel_job(Id=job)
    assert et_alice.read_job(Id=job)["Job"]["Status"] == "Canceled"
