"""Presets through boto3's elastictranscoder client against a live server."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.api_helpers import (
    AAC,
    Client,
    error_code,
)

from mediamill import presets
from mediamill.accounts.access_keys import create_key
from mediamill.api import pagination

pytestmark = pytest.mark.django_db(transaction=True)

MP3_128 = {
    "Name": "MP3 128k mono",
    "Description": "Speech",
    "Container": "mp3",
    "Audio": {"Codec": "mp3", "SampleRate": "44100", "BitRate": "128", "Channels": "1"},
}


def test_read_a_system_preset(et: Client, alice: Any) -> None:
    preset = et.read_preset(Id=AAC)["Preset"]
    assert preset == {
        "Id": AAC,
        "Arn": f"arn:aws:elastictranscoder:us-east-1:{alice.pk:012d}:preset/{AAC}",
        "Name": "System preset: Audio AAC - 256k",
        "Description": "System preset: Audio AAC - 256 kilobits/second",
        "Container": "mp4",
        "Audio": {
            "Codec": "AAC",
            "SampleRate": "44100",
            "BitRate": "256",
            "Channels": "2",
            "CodecOptions": {"Profile": "AAC-LC"},
        },
        "Type": "System",
    }


def test_region_in_arns_is_the_one_signed_for(alice: Any, live_server: Any) -> None:
    key_id, secret = create_key(alice)
    client = boto3.client(
        "elastictranscoder",
        endpoint_url=live_server.url,
        region_name="eu-west-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )
    assert client.read_preset(Id=AAC)["Preset"]["Arn"].startswith(
        "arn:aws:elastictranscoder:eu-west-1:"
    )


def test_create_read_list_delete_custom(et: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    created = et.create_preset(**MP3_128)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    preset = created["Preset"]
    assert preset["Type"] == "Custom"
    assert preset["Audio"]["Codec"] == "mp3" and preset["Audio"]["Channels"] == "1"
    assert et.read_preset(Id=preset["Id"])["Preset"] == preset

    monkeypatch.setattr(pagination, "PAGE_SIZE", 50)
    pages = list(et.get_paginator("list_presets").paginate())
    listed = [p["Id"] for page in pages for p in page["Presets"]]
    assert listed == [*presets.SYSTEM_PRESETS, preset["Id"]], "the catalogue, then custom ones"
    assert len(pages) == (len(listed) + 49) // 50
    newest_first = [
        p["Id"]
        for page in et.get_paginator("list_presets").paginate(Ascending="false")
        for p in page["Presets"]
    ]
    assert newest_first == listed[::-1]

    assert et.delete_preset(Id=preset["Id"])["ResponseMetadata"]["HTTPStatusCode"] == 202
    with pytest.raises(ClientError) as caught:
        et.read_preset(Id=preset["Id"])
    assert error_code(caught) == "ResourceNotFoundException"


def test_every_violation_is_reported(et: Client) -> None:
    with pytest.raises(ClientError) as caught:
        et.create_preset(
            Name="x" * 41,
            Container="flac",
            Audio={"Codec": "mp3", "SampleRate": "12345", "Channels": "2"},
        )
    assert error_code(caught) == "ValidationException"
    message = caught.value.response["Error"]["Message"]
    assert message.startswith("3 validation errors detected: ")
    # The service model's constraints in AWS's words, then the container rule it lacks.
    assert f"Value '{'x' * 41}' at 'name' failed to satisfy constraint" in message
    assert "Value '12345' at 'audio.sampleRate' failed to satisfy constraint" in message
    assert "Audio.Codec 'mp3' is not allowed in container 'flac'" in message


def test_system_presets_cannot_be_deleted(et: Client) -> None:
    with pytest.raises(ClientError) as caught:
        et.delete_preset(Id=AAC)
    assert error_code(caught) == "AccessDeniedException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert et.read_preset(Id=AAC)["Preset"]["Id"] == AAC
