"""Pipelines through boto3's elastictranscoder client against a live server."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.api_helpers import (
    ROLE,
    Client,
    error_code,
    new_pipeline,
    submit,
)

from mediamill.api import pagination
from mediamill.notifications.topics import create_topic

pytestmark = pytest.mark.django_db(transaction=True)

NO_TOPICS = {"Progressing": "", "Completed": "", "Warning": "", "Error": ""}
TOPIC = "arn:aws:sns:us-east-1:111222333444:transcoding-done"


def test_create_read_update_delete(et: Client, alice: Any) -> None:
    created = et.create_pipeline(
        Name="Audio Files", InputBucket="uploads", OutputBucket="media", Role=ROLE
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["ResponseMetadata"]["RequestId"]
    assert created["Warnings"] == []
    pipeline = created["Pipeline"]
    account = f"{alice.pk:012d}"
    assert pipeline == {
        "Id": pipeline["Id"],
        "Arn": f"arn:aws:elastictranscoder:us-east-1:{account}:pipeline/{pipeline['Id']}",
        "Name": "Audio Files",
        "Status": "Active",
        "InputBucket": "uploads",
        "OutputBucket": "media",
        "Role": ROLE,
        "Notifications": NO_TOPICS,
        "ContentConfig": {"Bucket": "media", "Permissions": []},
        "ThumbnailConfig": {"Bucket": "media", "Permissions": []},
    }

    read = et.read_pipeline(Id=pipeline["Id"])
    assert read["Pipeline"] == pipeline and read["Warnings"] == []

    updated = et.update_pipeline(
        Id=pipeline["Id"], Name="Renamed", AwsKmsKeyArn="arn:aws:kms:us-east-1:1:key/x"
    )["Pipeline"]
    assert (updated["Name"], updated["AwsKmsKeyArn"]) == (
        "Renamed",
        "arn:aws:kms:us-east-1:1:key/x",
    )
    assert updated["InputBucket"] == "uploads", "members not given are kept"

    paused = et.update_pipeline_status(Id=pipeline["Id"], Status="Paused")["Pipeline"]
    assert paused["Status"] == "Paused"
    topic = create_topic("transcoding-done", owner=alice).arn
    notified = et.update_pipeline_notifications(
        Id=pipeline["Id"], Notifications={"Completed": topic}
    )["Pipeline"]
    assert notified["Notifications"] == {**NO_TOPICS, "Completed": topic}
    assert et.read_pipeline(Id=pipeline["Id"])["Pipeline"]["Status"] == "Paused"

    deleted = et.delete_pipeline(Id=pipeline["Id"])
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    with pytest.raises(ClientError) as caught:
        et.read_pipeline(Id=pipeline["Id"])
    assert error_code(caught) == "ResourceNotFoundException"
    message = caught.value.response["Error"]["Message"]
    assert message == (
        f"The specified pipeline was not found: account={account}, pipelineId={pipeline['Id']}."
    )


def test_content_and_thumbnail_configs(et: Client) -> None:
    pipeline = et.create_pipeline(
        Name="configs",
        InputBucket="uploads",
        Role=ROLE,
        ContentConfig={"Bucket": "media", "StorageClass": "Standard"},
        ThumbnailConfig={"Bucket": "thumbs"},
    )["Pipeline"]
    assert "OutputBucket" not in pipeline
    assert pipeline["ContentConfig"] == {
        "Bucket": "media",
        "StorageClass": "Standard",
        "Permissions": [],
    }
    assert pipeline["ThumbnailConfig"] == {"Bucket": "thumbs", "Permissions": []}

    moved = new_pipeline(et, "moved")
    updated = et.update_pipeline(Id=moved["Id"], ContentConfig={"Bucket": "elsewhere"})
    assert updated["Pipeline"]["ContentConfig"]["Bucket"] == "elsewhere"
    assert updated["Pipeline"]["ThumbnailConfig"]["Bucket"] == "media", "thumbnails stay put"
    assert "OutputBucket" not in updated["Pipeline"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"InputBucket": "in", "Role": ROLE},
            "[OutputBucket and ContentConfig:Bucket are not allowed to both be null.]",
        ),
        (
            {
                "InputBucket": "in",
                "Role": ROLE,
                "OutputBucket": "o",
                "ContentConfig": {"Bucket": "c"},
            },
            "[OutputBucket and ContentConfig are mutually exclusive.]",
        ),
        (
            {"InputBucket": "in", "Role": ROLE, "ContentConfig": {"Bucket": "c"}},
            "[ThumbnailConfig:Bucket is not allowed to be null if ContentConfig is specified.]",
        ),
        ({"InputBucket": "in", "Role": "", "OutputBucket": "o"}, "Role cannot be blank"),
        (
            {"InputBucket": "in", "Role": "admin", "OutputBucket": "o"},
            "Role ARN is invalid: admin",
        ),
        (
            {"InputBucket": "in bucket", "Role": ROLE, "OutputBucket": "o"},
            "1 validation error detected: Value 'in bucket' at 'inputBucket' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ^(\\w|\\.|-){1,255}$",
        ),
        (
            {
                "InputBucket": "in",
                "Role": ROLE,
                "OutputBucket": "o",
                "Notifications": {"Error": "https://example.com/hook"},
            },
            "1 validation error detected: Value 'https://example.com/hook' at "
            "'notifications.error' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: (^$)|(^arn:aws:sns:.*:\\w{12}:.+$)",
        ),
    ],
)
def test_invalid_pipelines_are_refused(et: Client, settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ClientError) as caught:
        et.create_pipeline(Name="bad", **settings)
    assert error_code(caught) == "ValidationException"
    assert caught.value.response["Error"]["Message"] == message
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_name_longer_than_40_is_refused(et: Client) -> None:
    with pytest.raises(ClientError) as caught:
        new_pipeline(et, "x" * 41)
    assert (
        "at 'name' failed to satisfy constraint: Member must have length less than or equal to 40"
        in str(caught.value)
    )


def test_list_pipelines_in_pages(et: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)
    ids = [new_pipeline(et, f"p{n}")["Id"] for n in range(5)]

    first = et.list_pipelines()
    assert [p["Id"] for p in first["Pipelines"]] == ids[:2]
    assert first["NextPageToken"] == ids[2]

    pages = list(et.get_paginator("list_pipelines").paginate())
    assert len(pages) == 3
    assert [p["Id"] for page in pages for p in page["Pipelines"]] == ids
    assert "NextPageToken" not in pages[-1]

    newest_first = et.get_paginator("list_pipelines").paginate(Ascending="false")
    assert [p["Id"] for page in newest_first for p in page["Pipelines"]] == ids[::-1]


def test_the_tutorial_finds_its_pipeline_by_name(et: Client) -> None:
    for name in ("Video", "Audio Files", "Images"):
        new_pipeline(et, name)
    found = [
        pipeline["Id"]
        for page in et.get_paginator("list_pipelines").paginate()
        for pipeline in page["Pipelines"]
        if pipeline["Name"] == "Audio Files"
    ]
    assert len(found) == 1


def test_delete_pipeline_with_unfinished_jobs_is_refused(et: Client) -> None:
    pipeline = new_pipeline(et)
    et.update_pipeline_status(Id=pipeline["Id"], Status="Paused")
    job_id = submit(et, pipeline["Id"])
    with pytest.raises(ClientError) as caught:
        et.delete_pipeline(Id=pipeline["Id"])
    assert error_code(caught) == "ResourceInUseException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409

    et.cancel_job(Id=job_id)
    et.delete_pipeline(Id=pipeline["Id"])  # finished jobs go with it
    with pytest.raises(ClientError) as caught:
        et.read_job(Id=job_id)
    assert error_code(caught) == "ResourceNotFoundException"


def test_role_test_checks_the_buckets(et: Client, data_dir: Any) -> None:
    ok = et.test_role(Role=ROLE, InputBucket="uploads", OutputBucket="media", Topics=[])
    assert (ok["Success"], ok["Messages"]) == ("true", [])

    blocked = data_dir / "buckets"
    blocked.mkdir()
    (blocked / "media").write_text("a file where the bucket's folder should be")
    failed = et.test_role(Role=ROLE, InputBucket="uploads", OutputBucket="media", Topics=[])
    assert failed["Success"] == "false"
    assert len(failed["Messages"]) == 1 and "output bucket media" in failed["Messages"][0]

    with pytest.raises(ClientError) as caught:
        et.test_role(Role="nobody", InputBucket="uploads", OutputBucket="media", Topics=[])
    assert error_code(caught) == "ValidationException"


def test_unknown_or_foreign_topics_are_refused(et: Client, alice: Any, bob: Any) -> None:
    bobs = create_topic("bobs-topic", owner=bob).arn
    for arn in (TOPIC, bobs):  # well-formed, but not a topic alice may use
        with pytest.raises(ClientError) as caught:
            et.create_pipeline(
                Name="x",
                InputBucket="uploads",
                OutputBucket="media",
                Role=ROLE,
                Notifications={**NO_TOPICS, "Error": arn},
            )
        assert error_code(caught) == "ValidationException"
        assert "does not exist" in caught.value.response["Error"]["Message"]
    pipeline = et.create_pipeline(Name="y", InputBucket="u", OutputBucket="m", Role=ROLE)
    with pytest.raises(ClientError) as caught:
        et.update_pipeline_notifications(
            Id=pipeline["Pipeline"]["Id"], Notifications={**NO_TOPICS, "Progressing": TOPIC}
        )
    assert error_code(caught) == "ValidationException"
    mine = create_topic("mine", owner=alice).arn
    updated = et.update_pipeline(
        Id=pipeline["Pipeline"]["Id"], Notifications={**NO_TOPICS, "Completed": mine}
    )
    assert updated["Pipeline"]["Notifications"]["Completed"] == mine
