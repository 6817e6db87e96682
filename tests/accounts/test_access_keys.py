"""Access keys: stored encrypted, revocable, and checked by the API's authentication."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.contrib.auth.models import User
from django.test import RequestFactory

from mediamill.accounts import access_keys
from mediamill.accounts.models import AccessKey
from mediamill.api.auth import authenticate
from mediamill.api.errors import ApiError

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice() -> User:
    return User.objects.create_user("alice", password="not-used-here")


def django_request(key_id: str, secret: str, *, body: bytes = b"{}", tamper: bool = False):  # type: ignore[no-untyped-def]
    url = "http://testserver/2012-09-25/pipelines?Ascending=true"
    signed = AWSRequest(
        method="POST", url=url, data=body, headers={"Content-Type": "application/json"}
    )
    SigV4Auth(Credentials(key_id, secret), "elastictranscoder", "us-west-2").add_auth(signed)
    headers = {
        "HTTP_" + name.upper().replace("-", "_"): value
        for name, value in signed.headers.items()
        if name.lower() != "content-type"
    }
    return RequestFactory().post(
        "/2012-09-25/pipelines?Ascending=true",
        data=body + (b" " if tamper else b""),
        content_type="application/json",
        **headers,
    )


def test_secret_is_encrypted_at_rest(alice: User) -> None:
    key_id, secret = access_keys.create_key(alice, "laptop")
    row = AccessKey.objects.get(pk=key_id)
    assert secret not in row.secret_ciphertext
    assert key_id.startswith("MMAK") and len(key_id) == 20
    assert access_keys.lookup(key_id) == (alice, secret)


def test_authenticate_accepts_a_signed_request(alice: User) -> None:
    key_id, secret = access_keys.create_key(alice)
    request = django_request(key_id, secret)
    assert authenticate(request) == alice
    assert request.mediamill_region == "us-west-2"
    assert AccessKey.objects.get(pk=key_id).last_used is not None


@pytest.mark.parametrize(
    ("case", "error_type"),
    [
        ("wrong-secret", "InvalidSignatureException"),
        ("tampered-body", "InvalidSignatureException"),
        ("unknown-key", "UnrecognizedClientException"),
        ("revoked", "UnrecognizedClientException"),
        ("inactive-user", "UnrecognizedClientException"),
        ("unsigned", "MissingAuthenticationTokenException"),
    ],
)
def test_authenticate_refuses(alice: User, case: str, error_type: str) -> None:
    key_id, secret = access_keys.create_key(alice)
    if case == "wrong-secret":
        request = django_request(key_id, "wrong" + secret)
    elif case == "tampered-body":
        request = django_request(key_id, secret, tamper=True)
    elif case == "unknown-key":
        request = django_request("MMAKAAAAAAAAAAAAAAAA", secret)
    elif case == "revoked":
        access_keys.revoke(key_id)
        request = django_request(key_id, secret)
    elif case == "inactive-user":
        User.objects.filter(pk=alice.pk).update(is_active=False)
        request = django_request(key_id, secret)
    else:
        request = RequestFactory().post("/2012-09-25/pipelines", data=b"{}", content_type="x")
    with pytest.raises(ApiError) as caught:
        authenticate(request)
    assert caught.value.error_type == error_type
    assert caught.value.status == 403
    response = caught.value.response()
    assert response["x-amzn-ErrorType"] == error_type
    assert secret not in response.content.decode()


@pytest.mark.slow
def test_keys_command(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["MEDIAMILL_DATA_DIR"] = str(tmp_path)

    def mediamill(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mediamill", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    created = mediamill("keys", "create", "--description", "ci")
    assert created.returncode == 0, created.stderr
    assert "created superuser 'admin'" in created.stderr
    lines = dict(
        line.split(":", 1) for line in created.stdout.splitlines() if line.startswith("aws_")
    )
    key_id, secret = lines["aws_access_key_id"].strip(), lines["aws_secret_access_key"].strip()

    listed = mediamill("keys", "list")
    assert key_id in listed.stdout and "active" in listed.stdout
    assert secret not in listed.stdout

    assert mediamill("keys", "revoke", key_id).returncode == 0
    assert "revoked" in mediamill("keys", "list").stdout

    as_json = mediamill("keys", "create", "--user", "admin", "--json")
    assert as_json.returncode == 0, as_json.stderr
    pair = json.loads(as_json.stdout)
    assert set(pair) == {"aws_access_key_id", "aws_secret_access_key"}
    listed_json = json.loads(mediamill("keys", "list", "--json").stdout)
    by_id = {k["id"]: k for k in listed_json}
    assert set(by_id) == {key_id, pair["aws_access_key_id"]}
    assert (by_id[key_id]["active"], by_id[pair["aws_access_key_id"]]["active"]) == (False, True)
    assert by_id[key_id]["user"] == "admin" and by_id[key_id]["description"] == "ci"

    unknown = mediamill("keys", "create", "--user", "nobody")
    assert unknown.returncode == 1 and "no user 'nobody'" in unknown.stderr
