"""SigV4 verification against requests signed by botocore itself, tampered in every way."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from mediamill.errors import AuthenticationError
from mediamill.signing import SignedRequest, verify

KEY, SECRET = "MMAKTESTTESTTESTTEST", "s3cr3t-s3cr3t-s3cr3t"
SERVICE = "elastictranscoder"
BODY = json.dumps({"Name": "Audio Files", "InputBucket": "in"}).encode()
HOST = "127.0.0.1:8000"


def signed(
    *,
    method: str = "POST",
    path: str = "/2012-09-25/pipelines",
    query: str = "Ascending=true&PageToken=YWJj%2F%3D",
    body: bytes = BODY,
    service: str = SERVICE,
    region: str = "eu-west-1",
    secret: str = SECRET,
    key: str = KEY,
) -> SignedRequest:
    url = f"http://{HOST}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(
        method=method, url=url, data=body, headers={"Content-Type": "application/json"}
    )
    SigV4Auth(Credentials(key, secret), service, region).add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = HOST
    return SignedRequest(method, path, query, headers, body)


def check(request: SignedRequest, now: dt.datetime | None = None) -> str:
    secrets = {KEY: SECRET}
    caller = verify(request, secrets.get, service=SERVICE, now=now or dt.datetime.now(dt.UTC))
    return caller.region


def refused(request: SignedRequest, now: dt.datetime | None = None) -> str:
    with pytest.raises(AuthenticationError) as caught:
        check(request, now)
    return caught.value.kind


def test_valid_signature_in_any_region() -> None:
    assert check(signed()) == "eu-west-1"
    assert check(signed(region="us-east-1", method="GET", body=b"", query="")) == "us-east-1"


def test_wrong_secret() -> None:
    assert refused(signed(secret="not-the-secret")) == "InvalidSignatureException"


def test_unknown_key() -> None:
    assert refused(signed(key="MMAKNOBODYNOBODYNOBO")) == "UnrecognizedClientException"


@pytest.mark.parametrize(
    "change",
    [
        {"body": BODY.replace(b"Audio", b"Video")},
        {"path": "/2012-09-25/pipelines/1111111111111-abcdef"},
        {"query": "Ascending=false&PageToken=YWJj%2F%3D"},
        {"method": "PUT"},
    ],
)
def test_tampered_request(change: dict[str, object]) -> None:
    request = dataclasses.replace(signed(), **change)  # type: ignore[arg-type]
    assert refused(request) == "InvalidSignatureException"


def test_tampered_signed_header() -> None:
    request = signed()
    headers = dict(request.headers, **{"content-type": "text/plain"})
    assert refused(dataclasses.replace(request, headers=headers)) == "InvalidSignatureException"


def test_stale_and_future_dates() -> None:
    request = signed()
    now = dt.datetime.now(dt.UTC)
    assert check(request, now + dt.timedelta(minutes=14)) == "eu-west-1"
    assert refused(request, now + dt.timedelta(minutes=16)) == "InvalidSignatureException"
    assert refused(request, now - dt.timedelta(minutes=16)) == "InvalidSignatureException"


def test_other_service_scope() -> None:
    assert refused(signed(service="s3")) == "InvalidSignatureException"


def test_missing_or_malformed_authorization() -> None:
    request = signed()
    no_auth = {k: v for k, v in request.headers.items() if k != "authorization"}
    assert refused(dataclasses.replace(request, headers=no_auth)) == (
        "MissingAuthenticationTokenException"
    )
    garbled = dict(request.headers, authorization="AWS4-HMAC-SHA256 Credential=x")
    assert refused(dataclasses.replace(request, headers=garbled)) == (
        "IncompleteSignatureException"
    )


def test_missing_date() -> None:
    request = signed()
    no_date = {k: v for k, v in request.headers.items() if k != "x-amz-date"}
    assert refused(dataclasses.replace(request, headers=no_date)) in (
        "IncompleteSignatureException",
        "InvalidSignatureException",
    )


def test_claimed_payload_hash_must_match_body() -> None:
    request = signed()
    lying = dict(request.headers, **{"x-amz-content-sha256": "0" * 64})
    assert refused(dataclasses.replace(request, headers=lying)) == "InvalidSignatureException"
