"""Every error class, as boto3 sees it, and the HTTP edges boto3 never reaches."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from django.contrib.auth.models import User
from tests.api_helpers import (
    AAC,
    Client,
    error_code,
    new_pipeline,
)

from mediamill.api import responses

pytestmark = pytest.mark.django_db(transaction=True)

Signed = Callable[[User], requests.Session]


def test_malformed_ids_are_validation_errors(et: Client) -> None:
    with pytest.raises(ClientError) as caught:
        et.read_pipeline(Id="not-an-id")
    assert error_code(caught) == "ValidationException"
    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'not-an-id' at 'id' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ^\\d{13}-\\w{6}$"
    )
    with pytest.raises(ClientError) as caught:
        et.list_jobs_by_status(Status="Done")
    assert error_code(caught) == "ValidationException"
    with pytest.raises(ClientError) as caught:
        et.list_pipelines(Ascending="yes")
    assert error_code(caught) == "ValidationException"
    with pytest.raises(ClientError) as caught:
        et.list_pipelines(PageToken="page-2")
    assert error_code(caught) == "ValidationException"


def test_every_model_violation_is_reported_at_once(et: Client) -> None:
    # The service model's constraints, all in one message, in AWS's words and member names.
    with pytest.raises(ClientError) as caught:
        et.create_job(
            PipelineId="1351620000001-pipeli",
            Input={"Key": "k" * 1025, "Container": "exe"},
            Outputs=[{"Key": "song.wav", "PresetId": "wav", "Rotate": "45"}],
        )
    assert error_code(caught) == "ValidationException"
    message = caught.value.response["Error"]["Message"]
    assert message.startswith("4 validation errors detected: Value '")
    for where in ("input.key", "input.container", "outputs.1.member.presetId"):
        assert f"at '{where}' failed to satisfy constraint: Member must" in message
    assert (
        "Value '45' at 'outputs.1.member.rotate' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: (^auto$)|(^0$)|(^90$)|(^180$)|(^270$)"
    ) in message

    with pytest.raises(ClientError) as caught:
        et.update_pipeline_status(Id="1351620000001-pipeli", Status="Stopped")
    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'Stopped' at 'status' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: (^Active$)|(^Paused$)"
    )


def test_unknown_ids_are_not_found(et: Client) -> None:
    unknown = "1351620000000-abcdef"
    calls: list[Callable[[], object]] = [
        lambda: et.read_pipeline(Id=unknown),
        lambda: et.read_preset(Id=unknown),
        lambda: et.read_job(Id=unknown),
        lambda: et.cancel_job(Id=unknown),
        lambda: et.list_jobs_by_pipeline(PipelineId=unknown),
        lambda: et.create_job(PipelineId=unknown, Input={"Key": "a"}, Outputs=[]),
    ]
    for call in calls:
        with pytest.raises(ClientError) as caught:
            call()
        assert error_code(caught) == "ResourceNotFoundException"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    pipeline = new_pipeline(et)
    with pytest.raises(ClientError) as caught:
        et.create_job(
            PipelineId=pipeline["Id"],
            Input={"Key": "a.mp3"},
            Outputs=[{"Key": "a.wav", "PresetId": unknown}],
        )
    assert error_code(caught) == "ResourceNotFoundException"


def test_other_api_versions_are_incompatible(et: Client) -> None:
    """A client built for another version of the API (simulated by rewriting the path)."""

    def other_version(request: Any, **_: Any) -> None:
        request.url = request.url.replace("/2012-09-25/", "/2015-01-01/")

    et.meta.events.register("before-sign.elastictranscoder.ListPipelines", other_version)
    with pytest.raises(ClientError) as caught:
        et.list_pipelines()
    assert error_code(caught) == "IncompatibleVersionException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_requests_without_a_valid_key_are_refused(live_server: Any) -> None:
    client = boto3.client(
        "elastictranscoder",
        endpoint_url=live_server.url,
        region_name="us-east-1",
        aws_access_key_id="MMAKNOSUCHKEY0000000",
        aws_secret_access_key="wrong",
    )
    with pytest.raises(ClientError) as caught:
        client.list_pipelines()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    unsigned = requests.get(f"{live_server.url}/2012-09-25/pipelines", timeout=10)
    assert unsigned.status_code == 403
    assert unsigned.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_http_edges(live_server: Any, signed_as: Signed, alice: User) -> None:
    session = signed_as(alice)
    base = f"{live_server.url}/2012-09-25"

    malformed = session.post(f"{base}/pipelines", data=b"{not json", timeout=10)
    assert (malformed.status_code, malformed.headers["x-amzn-ErrorType"]) == (
        400,
        "ValidationException",
    )
    assert "not valid JSON" in malformed.json()["message"]
    assert session.post(f"{base}/pipelines", data=b"[]", timeout=10).status_code == 400

    unknown = session.get(f"{base}/transcoders", timeout=10)
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"] == "application/json"
    assert unknown.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert "message" in unknown.json()

    wrong_method = session.patch(f"{base}/pipelines", json={}, timeout=10)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Allow"] == "GET, POST"
    assert "message" in wrong_method.json()

    ok = session.get(f"{base}/presets/{AAC}", timeout=10)
    assert ok.status_code == 200 and ok.headers["x-amzn-RequestId"]


def test_unexpected_failures_are_500_json(et: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    new_pipeline(et)

    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(responses, "pipeline", broken)
    logged: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = logged.append  # type: ignore[method-assign, assignment]
    logging.getLogger("mediamill.api").addHandler(handler)
    try:
        with pytest.raises(ClientError) as caught:
            et.list_pipelines()
    finally:
        logging.getLogger("mediamill.api").removeHandler(handler)
    assert error_code(caught) == "InternalServiceException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "secret internals" not in caught.value.response["Error"]["Message"]
    assert any("secret internals" in str(r.exc_info) for r in logged), "logged for the operator"


def test_openapi_document_is_served(live_server: Any) -> None:
    response = requests.get(f"{live_server.url}/2012-09-25/openapi.json", timeout=10)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    operations = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
    }
    assert len(operations) == 17


def test_wrong_secret_tampering_and_replay_are_refused(
    live_server: Any, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from mediamill.accounts.access_keys import create_key
    from mediamill.api import auth

    key_id, secret = create_key(alice)
    url = f"{live_server.url}/2012-09-25/pipelines"

    def send(body: bytes, signing_secret: str, sent_body: bytes | None = None) -> requests.Response:
        signed = AWSRequest(method="POST", url=url, data=body)
        SigV4Auth(Credentials(key_id, signing_secret), "elastictranscoder", "us-east-1").add_auth(
            signed
        )
        return requests.post(
            url, data=body if sent_body is None else sent_body, headers=dict(signed.headers),
            timeout=10,
        )  # fmt: skip

    body = b'{"Name": "x", "InputBucket": "in", "OutputBucket": "out", "Role": "%s"}' % (
        b"arn:aws:iam::123456789012:role/Elastic_Transcoder_Default_Role"
    )
    wrong = send(body, "not-" + secret)
    assert (wrong.status_code, wrong.headers["x-amzn-ErrorType"]) == (
        403,
        "InvalidSignatureException",
    )
    tampered = send(body, secret, sent_body=body.replace(b'"x"', b'"y"'))
    assert tampered.headers["x-amzn-ErrorType"] == "InvalidSignatureException"

    # A request captured on the wire and replayed 16 minutes later is refused.
    signed = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(key_id, secret), "elastictranscoder", "us-east-1").add_auth(signed)
    headers = dict(signed.headers)
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)
    monkeypatch.setattr(auth, "_now", lambda: later)
    replayed = requests.get(url, headers=headers, timeout=10)
    assert (replayed.status_code, replayed.headers["x-amzn-ErrorType"]) == (
        403,
        "InvalidSignatureException",
    )
    assert "expired" in replayed.json()["message"]


def test_storage_failures_do_not_reveal_server_details(
    et: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediamill.errors import BucketError

    pipeline = new_pipeline(et)

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise BucketError("cannot reach http://10.0.0.7:8333 for /srv/mediamill/buckets/media")

    # CreateJob asks the output bucket whether each output key can be created.
    monkeypatch.setattr("mediamill.buckets.local.LocalBucket.check_creatable", unreachable)
    with pytest.raises(ClientError) as caught:
        et.create_job(
            PipelineId=pipeline["Id"],
            Input={"Key": "song.mp3"},
            Outputs=[{"Key": "song.mp4", "PresetId": AAC}],
        )
    assert error_code(caught) == "InternalServiceException"
    message = caught.value.response["Error"]["Message"]
    assert "10.0.0.7" not in message and "/srv" not in message
