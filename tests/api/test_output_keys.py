"""Output keys through the API: collisions with folders are refused at CreateJob, and two
users' jobs naming one key in a shared bucket never replace each other's output."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from django.contrib.auth.models import User
from tests.api_helpers import WAV, Client, error_code, new_pipeline, put

from mediamill.buckets import get_bucket
from mediamill.jobs import runner

pytestmark = pytest.mark.django_db(transaction=True)


def create(client: Client, pipeline_id: str, key: str) -> str:
    job_id: str = client.create_job(
        PipelineId=pipeline_id,
        Input={"Key": "media/song.mp3"},
        Outputs=[{"Key": key, "PresetId": WAV}],
    )["Job"]["Id"]
    return job_id


def test_keys_a_folder_is_in_the_way_of_are_refused_at_creation(et: Client) -> None:
    pipeline = new_pipeline(et)["Id"]
    get_bucket("media").write("albums/one/song.wav", io.BytesIO(b"x"))
    for key, problem in [
        ("albums/one", "'albums/one' is a folder holding other objects"),
        ("albums/one/song.wav/x.wav", "'albums/one/song.wav' is an object, so it cannot"),
    ]:
        with pytest.raises(ClientError) as caught:
            create(et, pipeline, key)
        assert error_code(caught) == "ValidationException"
        assert problem in caught.value.response["Error"]["Message"]


@pytest.mark.slow  # real jobs, over a second
def test_two_users_one_key_in_a_shared_bucket(
    et: Client, client_for: Callable[[User], Client], bob: User, song: Path
) -> None:
    put(song, "media/song.mp3")
    alices = create(et, new_pipeline(et)["Id"], "shared/song.wav")
    bobs_client = client_for(bob)
    bobs = create(bobs_client, new_pipeline(bobs_client)["Id"], "shared/song.wav")
    assert runner.run_job(alices) == "Complete"
    stored = get_bucket("media").local_path("shared/song.wav")
    assert stored is not None
    before = stored.stat()
    assert runner.run_job(bobs) == "Error"
    after = stored.stat()  # the same file, untouched (same input: the bytes would be equal)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    output = bobs_client.read_job(Id=bobs)["Job"]["Outputs"][0]
    assert output["Status"] == "Error"
    assert output["StatusDetail"].startswith("3002 ")
    assert "'shared/song.wav' cannot be stored in bucket 'media'" in output["StatusDetail"]
    assert et.read_job(Id=alices)["Job"]["Status"] == "Complete"
