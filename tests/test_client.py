"""``mediamill.client``: an Elastic Transcoder client from the vendored model with a botocore
that has none of its own, and notification checks for receivers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import botocore
import botocore.exceptions
import botocore.loaders
import botocore.session
import pytest
from django.contrib.auth.models import User
from tests.notifications.test_verify import CertServer, new_key

from mediamill import client
from mediamill.accounts.access_keys import create_key
from mediamill.errors import AuthenticationError
from mediamill.notifications import envelope

TOPIC = "arn:aws:sns:us-east-1:000000000002:transcoding"


def session_without_elastictranscoder(tmp_path: Path) -> boto3.session.Session:
    """A boto3 session whose botocore data lacks elastictranscoder, as botocore after
    1.42.17 does: every other folder of botocore's own data, linked."""
    data = tmp_path / "botocore-data"
    data.mkdir()
    for entry in (Path(botocore.__file__).parent / "data").iterdir():
        if entry.name != "elastictranscoder":
            (data / entry.name).symlink_to(entry)
    core = botocore.session.get_session()
    core.register_component(
        "data_loader",
        botocore.loaders.Loader(extra_search_paths=[str(data)], include_default_search_paths=False),
    )
    return boto3.session.Session(botocore_session=core)


def test_without_the_helper_there_is_no_client(tmp_path: Path) -> None:
    session = session_without_elastictranscoder(tmp_path)
    with pytest.raises(botocore.exceptions.UnknownServiceError):
        session.client("elastictranscoder", region_name="us-east-1")


@pytest.mark.django_db(transaction=True)
def test_the_client_talks_to_the_server(tmp_path: Path, live_server: Any) -> None:
    key_id, secret = create_key(User.objects.create_superuser("root", "", None))
    et = client.elastictranscoder(
        endpoint_url=live_server.url,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        session=session_without_elastictranscoder(tmp_path),
    )
    assert et.meta.service_model.api_version == "2012-09-25"
    assert "job_complete" in et.waiter_names
    assert et.can_paginate("list_pipelines")
    created = et.create_pipeline(
        Name="Audio Files",
        InputBucket="uploads",
        OutputBucket="media",
        Role="arn:aws:iam::123456789012:role/Elastic_Transcoder_Default_Role",
    )["Pipeline"]
    pages = list(et.get_paginator("list_pipelines").paginate())
    assert [p["Id"] for p in pages[0]["Pipelines"]] == [created["Id"]]
    with pytest.raises(et.exceptions.ResourceNotFoundException):
        et.read_job(Id="1111111111111-abcdef")


def test_endpoint_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_ELASTIC_TRANSCODER", "http://127.0.0.1:9999")
    et = client.elastictranscoder(
        aws_access_key_id="x",
        aws_secret_access_key="y",
        session=session_without_elastictranscoder(tmp_path),
    )
    assert et.meta.endpoint_url == "http://127.0.0.1:9999"


def test_importing_it_loads_neither_django_nor_pyav() -> None:
    code = (
        "import sys, mediamill.client; "
        "print(sorted(m for m in ('django', 'av') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert run.stdout.strip() == "[]"


def signed(key: Any, cert_url: str, text: str) -> bytes:
    fields = envelope.notification_fields(
        message_id=str(uuid.uuid4()),
        topic_arn=TOPIC,
        subject="Amazon Elastic Transcoder has finished transcoding job 1.",
        message=text,
        timestamp="2026-11-30T00:00:00.000Z",
    )
    return envelope.body(envelope.sign(fields, key.private_key, cert_url, "http://x/sns/?u"))


def test_verify_notification_on_plain_http() -> None:
    key = new_key()
    server = CertServer(key.certificate_pem).start()
    try:
        host = f"127.0.0.1:{server.port}"
        url = f"http://{host}/sns/SimpleNotificationService-{'ab' * 16}.pem"
        body = signed(key, url, '{"state" : "COMPLETED", "jobId" : "1"}')
        checked = client.verify_notification(
            body, allowed_hosts=[host], topics=[TOPIC], require_https=False
        )
        assert checked["Message"] == {"state": "COMPLETED", "jobId": "1"}
        with pytest.raises(AuthenticationError) as refused:
            client.verify_notification(body, allowed_hosts=[host], topics=[TOPIC])
        assert refused.value.kind == "UntrustedCertificateURL"
        tampered = json.loads(body)
        tampered["Message"] = '{"state" : "ERROR"}'
        with pytest.raises(AuthenticationError) as refused:
            client.verify_notification(
                tampered, allowed_hosts=[host], topics=[TOPIC], require_https=False
            )
        assert refused.value.kind == "InvalidSignature"
        with pytest.raises(AuthenticationError):
            client.verify_notification(b"not json", allowed_hosts=[host])
    finally:
        server.stop()
