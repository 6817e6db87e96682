"""Helpers for the API tests (fixtures are in tests/api/conftest.py): the tutorial's presets,
shortcuts over boto3's elastictranscoder client, and SigV4 signing for raw requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from mediamill.buckets import get_bucket

ROLE = "arn:aws:iam::123456789012:role/Elastic_Transcoder_Default_Role"
WAV = "1351620000001-300300"
FLAC = "1351620000001-300110"
AAC = "1351620000001-100110"
TUTORIAL_OUTPUTS = [
    {"Key": "song.wav", "PresetId": WAV},
    {"Key": "song.flac", "PresetId": FLAC},
    {"Key": "song.mp4", "PresetId": AAC},
]

Client = Any  # botocore builds the client class at run time


def put(path: Path, key: str, bucket: str = "uploads") -> str:
    get_bucket(bucket).upload_file(key, path)
    return key


def new_pipeline(client: Client, name: str = "Audio Files", **extra: Any) -> dict[str, Any]:
    settings = {"InputBucket": "uploads", "OutputBucket": "media", "Role": ROLE, **extra}
    pipeline: dict[str, Any] = client.create_pipeline(Name=name, **settings)["Pipeline"]
    return pipeline


def paused_pipeline(client: Client, name: str = "Paused") -> dict[str, Any]:
    pipeline = new_pipeline(client, name)
    client.update_pipeline_status(Id=pipeline["Id"], Status="Paused")
    return pipeline


def submit(client: Client, pipeline_id: str, key: str = "media/song.mp3", **extra: Any) -> str:
    args: dict[str, Any] = {
        "PipelineId": pipeline_id,
        "Input": {"Key": key},
        "Outputs": TUTORIAL_OUTPUTS,
        "OutputKeyPrefix": "processed/",
        **extra,
    }
    job_id: str = client.create_job(**args)["Job"]["Id"]
    return job_id


def error_code(exc: pytest.ExceptionInfo[Any]) -> str:
    code: str = exc.value.response["Error"]["Code"]
    return code


class SigV4(requests.auth.AuthBase):
    """Signs a ``requests`` request as boto3 would, for requests boto3 cannot make."""

    def __init__(self, key_id: str, secret: str, region: str = "us-east-1") -> None:
        self.credentials = Credentials(key_id, secret)
        self.region = region

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode()
        signed = AWSRequest(method=prepared.method, url=prepared.url, data=body)
        SigV4Auth(self.credentials, "elastictranscoder", self.region).add_auth(signed)
        prepared.headers.update(dict(signed.headers))
        return prepared
